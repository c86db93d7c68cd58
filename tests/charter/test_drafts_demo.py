"""The demo's charters (demo/charter.py through seed_demo)."""

from io import StringIO

import pytest
from django.core.management import call_command

from charter.models import Charter, CharterState, CharterVersion, VersionStatus


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_python_practitioners_has_an_approved_charter_with_history(seeded):
    charter = Charter.objects.get(community__slug="python-practitioners")

    assert charter.state == CharterState.APPROVED
    assert list(charter.versions.order_by("number").values_list("status", flat=True)) == [
        VersionStatus.APPROVED,
        VersionStatus.CHANGES_REQUESTED,
        VersionStatus.APPROVED,
    ]
    assert charter.approved_version.number == 3
    assert charter.approved_version.reviewed_by.email == "sponsor@practica.demo"
    assert len(charter.approved_version.objectives) == 4
    assert all(o["indicator"] and o["target_date"] for o in charter.approved_version.objectives)


def test_incident_response_waits_for_the_demo_sponsor(seeded):
    charter = Charter.objects.get(community__slug="incident-response-postmortems")

    assert charter.state == CharterState.IN_REVIEW
    assert charter.approved_version is None
    assert charter.versions.get().status == VersionStatus.IN_REVIEW


def test_clinical_data_quality_has_a_draft(seeded):
    charter = Charter.objects.get(community__slug="clinical-data-quality")

    assert charter.state == CharterState.DRAFT
    assert charter.purpose
    assert not charter.versions.exists()


def test_seeding_twice_creates_no_more_versions(seeded):
    before = CharterVersion.objects.count()

    call_command("seed_demo", stdout=StringIO())

    assert CharterVersion.objects.count() == before

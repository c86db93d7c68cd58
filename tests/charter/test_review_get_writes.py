"""Reading pages writes nothing (the editor and the vision rounds create no charter); a tampered form fails softly."""

import json

import pytest
from django.urls import reverse

from charter.models import Charter
from tests.charter.drafts_support import edit, fresh_charter

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_reading_the_vision_rounds_creates_no_charter(client, community):
    response = client.get(reverse("charter:vision_rounds", args=[community.slug]))

    assert response.status_code == 200
    assert "No vision round yet." in response.text
    assert not Charter.objects.filter(community=community).exists()


def test_the_first_save_from_a_freshly_opened_editor_creates_the_charter(client, sponsor, community):
    client.force_login(sponsor)
    page = client.get(reverse("charter:edit", args=[community.slug]))
    form = page.context["form"]

    response = client.post(
        reverse("charter:edit", args=[community.slug]),
        {
            "draft_revision": form.initial["draft_revision"],
            "base": form.initial["base"],
            "purpose": "Why we exist.",
        },
    )

    assert response.status_code == 302
    charter = Charter.objects.get(community=community)
    assert charter.purpose == "Why we exist."
    assert json.loads(form.initial["base"])["objectives"] == []


def test_a_conflicting_save_with_a_mangled_base_still_shows_the_conflict_instead_of_failing(
    client, community, moderator, core
):
    charter = fresh_charter(community, vision="We meet monthly.")
    revision = charter.draft_revision
    edit(charter, core, vision="We meet weekly.")
    client.force_login(moderator)

    response = client.post(
        reverse("charter:edit", args=[community.slug]),
        {
            "draft_revision": revision,
            "base": json.dumps({"vision": "We meet monthly.", "objectives": 5}),
            "vision": "Mine.",
            "strategy": "",
            "pitch": "",
            "revisit_by": "",
            "objectives-TOTAL_FORMS": 0,
            "objectives-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 409
    assert "Mine." in response.text

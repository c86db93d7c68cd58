"""The digest is assembled from the sections each feature registers in notifications.digest_sections."""

import datetime as dt

import pytest

from accounts.models import DigestFrequency
from communities.models import Role
from digests.build import build_digests
from notifications import digest_sections
from notifications.digest_sections import Audience, DigestSection, Item, Section
from notifications.models import DigestDelivery
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

NOW = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)


def delivery_for(user) -> DigestDelivery:
    return DigestDelivery.objects.create(
        user=user,
        frequency=DigestFrequency.WEEKLY,
        period_start=NOW.date(),
        covers_from=NOW - dt.timedelta(days=7),
        covers_to=NOW,
    )


def test_every_feature_registers_its_sections_in_the_order_of_the_email():
    assert [s.key for s in digest_sections.sections()] == [
        "for_you",
        "new_requests",
        "accepted",
        "meetings",
        "join_requests",
        "flags",
        "unanswered",
        "charters",
    ]


def test_audiences_are_the_membership_roles_they_name():
    assert Audience.MODERATORS == Role.MODERATOR
    assert Audience.SPONSORS == Role.SPONSOR


@pytest.mark.django_db
def test_a_registered_section_is_prepared_once_per_run_and_built_for_each_person(monkeypatch):
    community = CommunityFactory()
    people = [UserFactory(), UserFactory(), UserFactory()]
    for person in people[:2]:
        MembershipFactory(community=community, user=person, role=Role.MODERATOR)
    MembershipFactory(community=community, user=people[2], role=Role.MEMBER)
    prepared = []

    def prepare(run):
        prepared.append(run.community_ids(Audience.MODERATORS))
        return "read once"

    def build(data, reader, run):
        mine = reader.communities(Audience.MODERATORS)
        if not mine:
            return None
        items = [Item(title=f"{data} for {run.communities[cid].name}", url="/") for cid in mine]
        return Section("example", "An example", items, len(items))

    monkeypatch.setitem(
        digest_sections._sections,
        "example",
        DigestSection(
            key="example",
            title="An example",
            order=999,
            audience=Audience.MODERATORS,
            prepare=prepare,
            build=build,
        ),
    )

    digests = build_digests([delivery_for(p) for p in people], now=NOW)

    assert prepared == [{community.pk}]
    assert [[s.key for s in d.sections] for d in digests] == [["example"], ["example"], []]
    assert digests[0].sections[-1].items[0].title == f"read once for {community.name}"

"""A feature adds a digest section from its own folder, and neither notifications nor digests changes.

The section here stands for a newcomer's feature ("new members to greet", say): it is
registered the way communities/digest.py, discussions/digest.py, meetings/digest.py and
charter/digest.py register theirs, reads once per run in `prepare`, and builds each person's
part with no queries in `build`.
"""

import pytest

from accounts.models import DigestFrequency
from communities.models import Membership, Role
from digests.build import build_digests
from notifications import digest_sections
from notifications.digest_sections import Audience, DigestSection, Item, Section
from notifications.models import DigestDelivery
from tests.factories import MembershipFactory, UserFactory
from tests.queries import call_queries

from .test_build import MONDAY, NOW, WEEK_AGO, _frozen, digest_for  # noqa: F401 - the frozen clock is autouse there

pytestmark = pytest.mark.django_db


def deliveries(users) -> list[DigestDelivery]:
    return [
        DigestDelivery.objects.create(
            user=user, frequency=DigestFrequency.WEEKLY, period_start=MONDAY, covers_from=WEEK_AGO, covers_to=NOW
        )
        for user in users
    ]


@pytest.fixture
def greetings_section():
    def prepare(run) -> dict[int, list[str]]:
        newcomers: dict[int, list[str]] = {}
        for community_id, name in Membership.objects.filter(
            community_id__in=run.community_ids(Audience.MODERATORS),
            is_active=True,
            joined_at__gte=run.lo,
        ).values_list("community_id", "user__display_name"):
            newcomers.setdefault(community_id, []).append(name)
        return newcomers

    def build(newcomers, reader, run) -> Section | None:
        names = [n for cid in reader.communities(Audience.MODERATORS) for n in newcomers.get(cid, [])]
        if not names:
            return None
        return Section(
            key="greetings",
            heading="New members to greet",
            items=[Item(title=name, url=run.url("home")) for name in names],
            total=len(names),
        )

    section = digest_sections.register(
        DigestSection(
            key="greetings",
            title="New members to greet",
            order=1,  # first of all
            audience=Audience.MODERATORS,
            prepare=prepare,
            build=build,
        )
    )
    yield section
    digest_sections.unregister(section.key)


def test_a_registered_section_is_in_the_digest_of_those_it_is_for(community, greetings_section):
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    member = MembershipFactory(community=community).user
    MembershipFactory(community=community, user=UserFactory(display_name="Ada Newcomer"))

    digest = digest_for(moderator, end=NOW)

    assert digest.sections[0].key == "greetings"
    assert "Ada Newcomer" in [item.title for item in digest.sections[0].items]
    assert "greetings" not in [s.key for s in digest_for(member).sections]


def test_the_section_reads_once_per_run_not_once_per_person(community, greetings_section):
    moderators = [MembershipFactory(community=community, role=Role.MODERATOR).user for _ in range(4)]
    MembershipFactory(community=community)
    one, three = deliveries([moderators[0]]), deliveries(moderators[1:])

    queries_for_one, _ = call_queries(lambda: build_digests(one, now=NOW))
    queries_for_three, digests = call_queries(lambda: build_digests(three, now=NOW))

    assert queries_for_one == queries_for_three
    assert all(d.sections[0].key == "greetings" for d in digests)


def test_unregistered_the_section_is_gone(community, greetings_section):
    moderator = MembershipFactory(community=community, role=Role.MODERATOR).user
    MembershipFactory(community=community)
    digest_sections.unregister("greetings")

    assert "greetings" not in [s.key for s in digest_for(moderator).sections]

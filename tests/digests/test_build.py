"""What a digest holds: by role, only from communities the person belongs to and reads.

The personas (`tests/conftest.py`) belong to the public "kubernetes" community and
the private "incident-reviews" one; the outsider belongs to neither. Each digest
here covers the week before Monday 1 June 2026, 08:00 UTC.
"""

import datetime as dt

import pytest
import time_machine

from accounts.models import DigestFrequency
from charter.models import CharterState
from communities.models import Role
from digests.build import build_digests, render_email
from discussions.models import FlagStatus, RequestStatus
from meetings.models import OccurrenceStatus, RsvpResponse
from notifications.models import DigestDelivery
from tests.charter.factories import CharterFactory, CharterVersionFactory
from tests.discussions.factories import FlagFactory, FollowFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, JoinRequestFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

NOW = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)
WEEK_AGO = NOW - dt.timedelta(days=7)
MONDAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ago(**kwargs) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


def digest_for(user, *, start=WEEK_AGO, end=NOW):
    delivery = DigestDelivery.objects.create(
        user=user,
        frequency=DigestFrequency.WEEKLY,
        period_start=MONDAY,
        covers_from=start,
        covers_to=end,
    )
    (digest,) = build_digests([delivery], now=end)
    return digest


def section(digest, key):
    return next((s for s in digest.sections if s.key == key), None)


def titles(digest, key) -> list[str]:
    found = section(digest, key)
    return [item.title for item in found.items] if found else []


def ask(community, title, *, when=None, **kwargs):
    when = when or ago(days=1)
    return HelpRequestFactory(
        community=community, title=title, created_at=when, last_activity_at=when, **kwargs
    )


# Members ----------------------------------------------------------------------------


def test_a_member_gets_the_new_requests_of_the_week_but_not_their_own(member, community):
    ask(community, "Asked yesterday")
    ask(community, "Asked six days ago", when=ago(days=6))
    ask(community, "Asked last month", when=ago(days=9))
    ask(community, "My own question", author=member)
    ask(community, "A removed question", is_removed=True)

    digest = digest_for(member)

    assert titles(digest, "new_requests") == ["Asked yesterday", "Asked six days ago"]
    assert section(digest, "new_requests").total == 2


def test_a_private_communitys_requests_never_reach_someone_outside_it(
    outsider, member, community, private_community
):
    MembershipFactory(community=community, user=outsider)
    ask(community, "A public question")
    ask(private_community, "A private incident")
    ask(CommunityFactory(), "In a public community they did not join")

    assert titles(digest_for(outsider), "new_requests") == ["A public question"]
    assert sorted(titles(digest_for(member), "new_requests")) == [
        "A private incident",
        "A public question",
    ]


def test_someone_in_no_community_gets_an_empty_digest(outsider, community):
    ask(community, "A public question")

    digest = digest_for(outsider)

    assert digest.is_empty
    assert digest.sections == []


def test_a_muted_community_is_left_out(member, community, private_community):
    member.memberships.filter(community=private_community).update(digest_muted=True)
    ask(community, "A public question")
    ask(private_community, "A private incident")

    assert titles(digest_for(member), "new_requests") == ["A public question"]


def test_archived_communities_and_ones_left_are_left_out(member, community, private_community):
    private_community.is_archived = True
    private_community.save(update_fields=["is_archived"])
    left = CommunityFactory()
    MembershipFactory(community=left, user=member, is_active=False)
    ask(private_community, "In the archive")
    ask(left, "In a community they left")

    assert digest_for(member).is_empty


def test_unanswered_requests_matching_the_members_expertise_are_listed_once(member, community):
    member.expertise.set(["Kubernetes"])
    wanted = ask(community, "Pods stuck in Pending", tags=["kubernetes"])
    ask(
        community,
        "Already answered",
        tags=["kubernetes"],
        reply_count=1,
        status=RequestStatus.ANSWERED,
    )
    ask(community, "Another skill", tags=["helm"])
    ask(community, "Locked", tags=["kubernetes"], is_locked=True)
    ask(community, "Mine", tags=["kubernetes"], author=member)
    ask(community, "Old and still open", tags=["kubernetes"], when=ago(days=40))

    digest = digest_for(member)

    assert titles(digest, "for_you") == ["Pods stuck in Pending"]
    assert section(digest, "for_you").items[0].url.endswith(f"/c/kubernetes/help/{wanted.pk}/")
    # Shown as matching their expertise, so not again among the new requests.
    assert "Pods stuck in Pending" not in titles(digest, "new_requests")
    assert "Another skill" in titles(digest, "new_requests")


def test_answers_accepted_on_followed_threads_in_the_window(member, community):
    answerer = UserFactory(display_name="Ada Answerer")

    def solved(title, *, accepted_at, by=None):
        request = ask(community, title, when=ago(days=20))
        reply = ReplyFactory(help_request=request, author=answerer)
        request.accepted_reply = reply
        request.accepted_at = accepted_at
        request.accepted_by = by or request.author
        request.status = RequestStatus.SOLVED
        request.save()
        return request

    FollowFactory(user=member, help_request=solved("Followed and solved", accepted_at=ago(days=2)))
    FollowFactory(user=member, help_request=solved("Solved last month", accepted_at=ago(days=12)))
    FollowFactory(
        user=member, help_request=solved("They accepted it", accepted_at=ago(days=2), by=member)
    )
    solved("Not followed", accepted_at=ago(days=1))

    digest = digest_for(member)

    assert titles(digest, "accepted") == ["Followed and solved"]
    assert section(digest, "accepted").items[0].note == "answer by Ada Answerer"


def test_meetings_of_the_coming_week_show_the_members_answer(member, community, private_community):
    series = MeetingSeriesFactory(community=community, title="Practice hour", room="Room 4.12")
    going = OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=2))
    RsvpFactory(occurrence=going, user=member, response=RsvpResponse.MAYBE)
    OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=3))
    waiting = OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=4))
    RsvpFactory(occurrence=waiting, user=member, response=RsvpResponse.GOING, waitlisted=True)
    OccurrenceFactory(
        series=series, starts_at=NOW + dt.timedelta(days=5), status=OccurrenceStatus.CANCELLED
    )
    OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=9))
    OccurrenceFactory(
        series=MeetingSeriesFactory(community=CommunityFactory()),
        starts_at=NOW + dt.timedelta(days=1),
    )

    meetings = section(digest_for(member), "meetings")

    assert [item.when for item in meetings.items] == [NOW + dt.timedelta(days=d) for d in (2, 3, 4)]
    assert [item.note for item in meetings.items] == [
        "Room 4.12 · online · you answered maybe",
        "Room 4.12 · online · you have not answered yet",
        "Room 4.12 · online · you are on the waiting list",
    ]
    assert meetings.items[0].url.endswith(f"/c/kubernetes/meetings/{going.pk}/")


# Moderators -------------------------------------------------------------------------


@pytest.fixture
def moderation_work(community):
    JoinRequestFactory(community=community, user=UserFactory(display_name="Jo Joiner"))
    flagged = ask(community, "A flagged question", when=ago(days=20), reply_count=1)
    FlagFactory(help_request=flagged, community=community)
    FlagFactory(help_request=flagged, community=community, status=FlagStatus.DISMISSED)
    ask(community, "Unanswered for three days", when=ago(hours=72))
    ask(community, "Asked a day ago", when=ago(hours=24))


def test_a_moderator_also_gets_join_requests_flags_and_long_unanswered_requests(
    moderator, moderation_work
):
    digest = digest_for(moderator)

    assert titles(digest, "join_requests") == ["Jo Joiner asks to join"]
    assert titles(digest, "flags") == ["The request “A flagged question”"]
    assert titles(digest, "unanswered") == ["Unanswered for three days"]
    assert section(digest, "join_requests").items[0].url.endswith("/c/kubernetes/join-requests/")
    assert "3 to moderate" in digest.subject


def test_a_request_waiting_for_a_moderator_is_not_listed_again_as_new(moderator, member, community):
    ask(community, "Unanswered for three days", when=ago(hours=72))

    digest = digest_for(moderator)

    assert titles(digest, "unanswered") == ["Unanswered for three days"]
    assert section(digest, "new_requests") is None
    assert digest.item_count == 1
    assert digest.subject == "Your weekly digest: 1 to moderate"
    # A member, with no queue to work through, still hears of it as new.
    assert titles(digest_for(member), "new_requests") == ["Unanswered for three days"]


@pytest.mark.parametrize("persona", ["member", "core", "sponsor"])
def test_only_moderators_get_the_moderation_sections(request, persona, moderation_work):
    digest = digest_for(request.getfixturevalue(persona))

    assert {s.key for s in digest.sections} & {"join_requests", "flags", "unanswered"} == set()


# Sponsors ---------------------------------------------------------------------------


@pytest.fixture
def sponsorship_news(community):
    charter = CharterFactory(community=community, state=CharterState.IN_REVIEW)
    CharterVersionFactory(charter=charter, number=3, created_at=ago(days=1))
    MembershipFactory(community=community, joined_at=ago(days=2))
    MembershipFactory(community=community, joined_at=ago(days=20))
    ask(community, "Asked and answered", first_reply_at=ago(days=1), reply_count=1)
    ask(community, "Asked only")


def test_a_sponsor_gets_charters_to_review_and_how_each_community_did(
    sponsor, community, sponsorship_news
):
    digest = digest_for(sponsor)

    assert titles(digest, "charters") == ["Charter of Kubernetes Practitioners, version 3"]
    assert section(digest, "charters").items[0].url.endswith("/c/kubernetes/charter/v/3/review/")
    health = {line.community: (line.joined, line.asked, line.answered) for line in digest.health}
    assert health == {"Kubernetes Practitioners": (1, 2, 1), "Incident Reviews": (0, 0, 0)}
    assert "1 charter to review" in digest.subject


@pytest.mark.parametrize("persona", ["member", "moderator"])
def test_only_sponsors_get_charters_and_health_lines(request, persona, sponsorship_news):
    digest = digest_for(request.getfixturevalue(persona))

    assert section(digest, "charters") is None
    assert digest.health == []


# Shape ------------------------------------------------------------------------------


def test_each_section_shows_five_and_links_to_the_rest(member, community, private_community):
    for n in range(6):
        ask(community, f"Public question {n}", when=ago(hours=10 + n))
    for n in range(2):
        ask(private_community, f"Private question {n}", when=ago(hours=30 + n))

    new = section(digest_for(member), "new_requests")

    assert [i.title for i in new.items] == [f"Public question {n}" for n in range(5)]
    assert (new.total, new.more_count) == (8, 3)
    assert [label for label, _ in new.more] == ["Kubernetes Practitioners", "Incident Reviews"]
    assert new.more[0][1].endswith("/c/kubernetes/help/")


def test_the_subject_counts_what_is_inside(member, community):
    ask(community, "One")
    ask(community, "Two")
    series = MeetingSeriesFactory(community=community)
    OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=1))

    assert digest_for(member).subject == "Your weekly digest: 2 new requests, 1 meeting this week"


def test_the_email_renders_every_section_with_absolute_links(
    settings, sponsor, community, moderation_work, sponsorship_news
):
    settings.SITE_URL = "https://practica.example.org"
    sponsor.timezone = "America/Los_Angeles"
    sponsor.save(update_fields=["timezone"])
    wound_care = CommunityFactory(name="Wound Care", slug="wound-care")
    MembershipFactory(community=wound_care, user=sponsor, role=Role.MODERATOR)
    JoinRequestFactory(community=wound_care, user=UserFactory(display_name="Jo Joiner"))

    email = render_email(digest_for(sponsor))

    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert "Charter of Kubernetes Practitioners, version 3" in part
        assert "1 new member, 4 requests asked, 1 answered" in part
        assert "Jo Joiner asks to join" in part
        assert "https://practica.example.org/c/wound-care/join-requests/" in part
        assert "https://practica.example.org/c/kubernetes/charter/v/3/review/" in part
        assert "America/Los_Angeles" in part
    assert "- Kubernetes Practitioners: 1 new member, 4 requests asked, 1 answered" in email.body
    assert ">Kubernetes Practitioners</a>: 1 new member, 4 requests asked, 1 answered" in html
    assert 'href="/' not in html
    assert "<h2" in html


def test_and_n_more_links_only_where_the_rest_is(member, community, private_community):
    ask(private_community, "The newest, shown", when=ago(hours=1))
    for n in range(7):
        ask(community, f"Public question {n}", when=ago(hours=10 + n))

    new = section(digest_for(member), "new_requests")

    assert new.more_count == 3
    assert new.more == [("Kubernetes Practitioners", new.more[0][1])]
    assert new.more[0][1].endswith("/c/kubernetes/help/")


def test_a_daily_digest_names_the_next_days_meetings_and_a_weekly_one_the_weeks(db):
    """A weekly meeting must not fill every daily digest: daily ones look one day ahead."""
    from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory

    now = dt.datetime(2026, 6, 3, 8, 30, tzinfo=dt.UTC)
    community = CommunityFactory()
    series = MeetingSeriesFactory(community=community, title="Practice hour")
    OccurrenceFactory(series=series, starts_at=now + dt.timedelta(days=3))
    OccurrenceFactory(series=series, starts_at=now + dt.timedelta(days=10))
    built = {}
    for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
        person = UserFactory(timezone="UTC", digest_frequency=frequency)
        MembershipFactory(community=community, user=person, role=Role.MEMBER)
        delivery = DigestDelivery.objects.create(
            user=person, frequency=frequency, period_start=now.date(),
            covers_from=now - dt.timedelta(days=1), covers_to=now,
        )
        (built[frequency],) = build_digests([delivery], now=now)

    assert built[DigestFrequency.DAILY].total("meetings") == 0
    assert built[DigestFrequency.WEEKLY].total("meetings") == 1

"""Each endpoint does what its page does, through the same selectors and services."""

import datetime as dt

import pytest
from django.utils import timezone

from charter.models import ValueStory
from communities.models import JoinRequest, Membership, Role
from discussions.models import Follow, HelpRequest, Reply
from health.csv import health_rows
from health.metrics import community_health, period_for
from meetings.models import Rsvp
from tests.api.support import Api, covers
from tests.charter.factories import CharterFactory, CharterVersionFactory, ValueStoryFactory
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, NotificationFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory

C = "/api/v1/communities/{slug}"
T = C + "/requests/{pk}"


@pytest.fixture
def api(client, member):
    return Api(client, member)


@pytest.fixture
def thread(community, moderator):
    return HelpRequestFactory(community=community, author=moderator, tags=["helm"])


# Communities ------------------------------------------------------------------


@covers("get", "/api/v1/communities")
def test_directory_lists_what_the_person_may_see(api, community, private_community):
    CommunityFactory(private=True, name="Secret Club")

    body = api.get("/api/v1/communities").json()

    names = [c["name"] for c in body["items"]]
    assert set(names) == {"Kubernetes Practitioners", "Incident Reviews"}
    assert body["count"] == 2
    mine = next(c for c in body["items"] if c["slug"] == "kubernetes")
    assert mine["my_role"] == Role.MEMBER
    assert mine["member_count"] >= 1


@covers("get", C)
def test_one_community_says_what_the_person_may_do(client, outsider, community):
    body = Api(client, outsider).get(f"/api/v1/communities/{community.slug}").json()

    assert body["can_join"] is True
    assert body["can_leave"] is False
    assert body["my_role"] is None


@covers("get", C + "/members")
def test_members_are_listed_with_their_roles(api, community, moderator):
    body = api.get(f"/api/v1/communities/{community.slug}/members").json()

    roles = {m["person"]["name"]: m["role"] for m in body["items"]}
    assert roles["Max Moderator"] == Role.MODERATOR
    assert roles["Mia Member"] == Role.MEMBER


@covers("get", C + "/units")
def test_units_represented_are_counted(api, community, unit):
    for _ in range(2):
        MembershipFactory(community=community, user=UserFactory(unit=unit))

    body = api.get(f"/api/v1/communities/{community.slug}/units").json()

    assert {"unit": "Platform Engineering", "members": 2} in body


@covers("post", C + "/join")
def test_joining_an_open_community_makes_a_member(client, outsider, community):
    response = Api(client, outsider).post(f"/api/v1/communities/{community.slug}/join")

    assert response.status_code == 200
    assert Membership.objects.get(community=community, user=outsider).is_active


def test_joining_twice_is_refused_with_the_services_words(api, community):
    response = api.post(f"/api/v1/communities/{community.slug}/join")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "already_member",
            "message": "You are already a member of this community.",
            "messages": ["You are already a member of this community."],
        }
    }


@covers("post", C + "/leave")
def test_leaving_ends_the_membership(api, community, member):
    assert api.post(f"/api/v1/communities/{community.slug}/leave").status_code == 200
    assert not Membership.objects.get(community=community, user=member).is_active


@covers("post", C + "/join-requests")
def test_asking_to_join_a_listed_community_files_a_request(client, outsider):
    listed = CommunityFactory(listed=True)

    response = Api(client, outsider).post(
        f"/api/v1/communities/{listed.slug}/join-requests", {"message": "Hi"}
    )

    assert response.status_code == 201
    assert JoinRequest.objects.get(community=listed, user=outsider).message == "Hi"


# Help requests ----------------------------------------------------------------


@covers("get", C + "/requests")
def test_request_list_takes_the_pages_filters(api, community, moderator):
    solved = HelpRequestFactory(
        community=community, author=moderator, status="solved", tags=["helm"]
    )
    HelpRequestFactory(community=community, author=moderator, tags=["helm"])
    HelpRequestFactory(community=community, author=moderator, is_removed=True)
    url = f"/api/v1/communities/{community.slug}/requests"

    assert api.get(url).json()["count"] == 2  # the removed one is for moderators only
    assert [r["id"] for r in api.get(url, {"status": "solved"}).json()["items"]] == [solved.pk]
    assert api.get(url, {"tag": "helm", "unanswered": "true"}).json()["count"] == 2


def test_request_list_can_show_only_what_matches_my_expertise(api, member, community, moderator):
    member.expertise.add("Terraform")
    mine = HelpRequestFactory(community=community, author=moderator, tags=["terraform"])
    HelpRequestFactory(community=community, author=moderator, tags=["cooking"])

    body = api.get(
        f"/api/v1/communities/{community.slug}/requests", {"matching_my_expertise": "true"}
    ).json()

    assert [r["id"] for r in body["items"]] == [mine.pk]


def test_pages_follow_each_other_in_a_stable_order(api, community, moderator):
    for _ in range(30):
        HelpRequestFactory(community=community, author=moderator)
    url = f"/api/v1/communities/{community.slug}/requests"

    first = api.get(url).json()
    second = api.get(url, {"page": first["next_page"]}).json()

    ids = [r["id"] for r in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 30
    assert first["pages"] == 2 and second["next_page"] is None


@covers("get", T)
def test_a_thread_is_paged_as_its_page(api, thread, moderator):
    top = [ReplyFactory(help_request=thread, author=moderator) for _ in range(25)]
    for _ in range(60):
        ReplyFactory(parent=top[0], author=moderator)

    body = api.get(f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}").json()

    assert body["top_level_count"] == 25
    assert len(body["replies"]) == 20 and body["pages"] == 2
    assert body["shown"] == 50
    assert body["replies"][0]["more"] > 0
    assert body["replies"][0]["more_url"].startswith(
        f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}/replies/{top[0].pk}/branch?after="
    )


@covers("get", T + "/replies/{reply_pk}/branch")
def test_following_more_links_shows_every_reply_once(api, thread, moderator):
    root = ReplyFactory(help_request=thread, author=moderator)
    children = [ReplyFactory(parent=root, author=moderator) for _ in range(45)]
    page = api.get(f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}").json()
    seen = {c["id"] for c in page["replies"][0]["children"]}
    url = page["replies"][0]["more_url"]
    while url:
        branch = api.get(url).json()
        seen |= {c["id"] for c in branch["replies"]}
        url = branch["more_url"]

    assert seen == {c.pk for c in children}


@covers("get", "/api/v1/search")
def test_search_finds_only_what_the_person_may_read(client, outsider, community, moderator):
    HelpRequestFactory(community=community, author=moderator, title="Draining nodes safely")
    hidden = CommunityFactory(private=True)
    HelpRequestFactory(community=hidden, author=moderator, title="Draining nodes in secret")

    body = Api(client, outsider).get("/api/v1/search", {"q": "draining"}).json()

    assert [r["title"] for r in body["items"]] == ["Draining nodes safely"]


@covers("post", C + "/requests")
def test_asking_posts_a_request_once_per_submission_key(api, community):
    url = f"/api/v1/communities/{community.slug}/requests"
    payload = {
        "title": "How to rotate certificates?",
        "body": "cert-manager **stopped** renewing.",
        "tags": ["tls"],
        "submission_key": "6f1c6d1e-8f1b-4e7b-9a65-0f0d5a3c2b11",
    }

    first = api.post(url, payload)
    again = api.post(url, payload)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert HelpRequest.objects.filter(community=community).count() == 1


def test_an_empty_title_is_refused_with_the_services_message(api, community):
    response = api.post(
        f"/api/v1/communities/{community.slug}/requests", {"title": " ", "body": "x"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["messages"]
    assert not HelpRequest.objects.exists()


@covers("post", T + "/replies")
def test_replying_nests_under_a_parent(api, thread, moderator):
    parent = ReplyFactory(help_request=thread, author=moderator)

    response = api.post(
        f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}/replies",
        {"body": "Have you tried **cordon**?", "parent": parent.pk},
    )

    assert response.status_code == 201
    reply = Reply.objects.get(pk=response.json()["id"])
    assert reply.in_reply_to_id == parent.pk
    assert "<strong>cordon</strong>" in response.json()["body_html"]


def test_replying_to_a_reply_of_another_thread_is_not_found(api, thread, community, moderator):
    elsewhere = ReplyFactory(help_request=HelpRequestFactory(community=community), author=moderator)

    response = api.post(
        f"/api/v1/communities/{community.slug}/requests/{thread.pk}/replies",
        {"body": "Lost", "parent": elsewhere.pk},
    )

    assert response.status_code == 404
    assert not Reply.objects.filter(help_request=thread).exists()


@covers("post", T + "/accept")
def test_the_asker_accepts_an_answer(client, member, community):
    mine = HelpRequestFactory(community=community, author=member)
    answer = ReplyFactory(help_request=mine, author=UserFactory())

    response = Api(client, member).post(
        f"/api/v1/communities/{community.slug}/requests/{mine.pk}/accept", {"reply": answer.pk}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "solved"


@covers("post", T + "/replies/{reply_pk}/vote")
def test_voting_toggles(api, thread, moderator):
    reply = ReplyFactory(help_request=thread, author=moderator)
    url = (
        f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}/replies/{reply.pk}/vote"
    )

    assert api.post(url).json() == {"voted": True, "helpful_count": 1}
    assert api.post(url).json() == {"voted": False, "helpful_count": 0}


def test_voting_on_your_own_reply_is_refused(api, thread, member):
    reply = ReplyFactory(help_request=thread, author=member)

    response = api.post(
        f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}/replies/{reply.pk}/vote"
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"]


@covers("post", T + "/follow")
def test_following_toggles(api, thread, member):
    url = f"/api/v1/communities/{thread.community.slug}/requests/{thread.pk}/follow"

    assert api.post(url).json() == {"following": True}
    assert Follow.objects.filter(help_request=thread, user=member).exists()
    assert api.post(url).json() == {"following": False}


# Meetings ------------------------------------------------------------------


@covers("get", C + "/meetings")
def test_upcoming_meetings_soonest_first(api, community):
    series = MeetingSeriesFactory(community=community)
    later = OccurrenceFactory(series=series, starts_at=timezone.now() + dt.timedelta(days=9))
    sooner = OccurrenceFactory(series=series, starts_at=timezone.now() + dt.timedelta(days=2))
    OccurrenceFactory(series=series, starts_at=timezone.now() - dt.timedelta(days=2))

    body = api.get(f"/api/v1/communities/{community.slug}/meetings").json()

    assert [m["id"] for m in body["items"]] == [sooner.pk, later.pk]


@covers("get", C + "/meetings/{pk}")
@covers("put", C + "/meetings/{pk}/rsvp")
def test_rsvp_counts_follow_the_answers(api, community, member):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community, capacity=None))
    url = f"/api/v1/communities/{community.slug}/meetings/{occurrence.pk}"

    answer = api.put(f"{url}/rsvp", {"response": "going"})
    body = api.get(url).json()

    assert answer.json() == {"response": "going", "waitlisted": False, "waitlist_position": None}
    assert body["going"] == 1 and body["my_response"] == "going"
    assert Rsvp.objects.get(occurrence=occurrence, user=member).response == "going"


def test_a_bad_rsvp_answer_is_refused_with_the_services_words(api, community):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community))

    response = api.put(
        f"/api/v1/communities/{community.slug}/meetings/{occurrence.pk}/rsvp", {"response": "yes"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Answer going, maybe or not going."


# Charter and stories ---------------------------------------------------------


@covers("get", C + "/charter")
@covers("get", C + "/charter/versions")
def test_charter_shows_the_approved_version_and_history(client, core, community):
    charter = CharterFactory(community=community)
    version = CharterVersionFactory(
        charter=charter, number=1, status="approved", purpose="Run clusters well"
    )
    charter.approved_version = version
    charter.save()
    CharterVersionFactory(charter=charter, number=2)
    api = Api(client, core)

    approved = api.get(f"/api/v1/communities/{community.slug}/charter").json()
    history = api.get(f"/api/v1/communities/{community.slug}/charter/versions").json()

    assert approved["number"] == 1 and approved["purpose"] == "Run clusters well"
    assert [v["number"] for v in history] == [2, 1]


@covers("get", C + "/stories")
@covers("post", C + "/stories")
def test_value_stories_are_recorded_and_listed(api, community, member):
    ValueStoryFactory(community=community)
    payload = {
        "title": "Saved a release",
        "what_happened": "Spotted the bad config.",
        "who_benefited": "Payments",
        "horizon": "short",
        "beneficiary": "organisation",
        "minutes_saved": 90,
    }

    created = api.post(f"/api/v1/communities/{community.slug}/stories", payload)
    listed = api.get(f"/api/v1/communities/{community.slug}/stories").json()

    assert created.status_code == 201
    assert ValueStory.objects.get(pk=created.json()["id"]).author == member
    assert listed["count"] == 2 and listed["items"][0]["id"] == created.json()["id"]


def test_a_story_outside_the_value_table_is_refused(api, community):
    response = api.post(
        f"/api/v1/communities/{community.slug}/stories",
        {
            "title": "x",
            "what_happened": "y",
            "who_benefited": "z",
            "horizon": "soon",
            "beneficiary": "members",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Choose one cell of the value table."


# Health ----------------------------------------------------------------------


@covers("get", C + "/health")
def test_health_figures_are_the_csvs(client, moderator, community, member):
    HelpRequestFactory(community=community, author=member)
    body = (
        Api(client, moderator)
        .get(f"/api/v1/communities/{community.slug}/health", {"days": 90})
        .json()
    )
    expected = community_health(community, period=period_for(90))

    rows = health_rows(expected)
    figure_block = rows[1 : rows.index([])]
    csv_figures = {
        row[1]: (row[3], row[4], row[6]) for row in figure_block if row[1] != "revisit_by"
    }
    api_figures = {
        f["key"]: (f["current"], f["previous"], f["definition"]) for f in body["figures"]
    }
    assert api_figures == csv_figures
    assert body["days"] == 90
    assert len(body["figures"]) == len(expected.figures())


# Notifications -----------------------------------------------------------------


@covers("get", "/api/v1/notifications")
@covers("post", "/api/v1/notifications/{pk}/read")
@covers("post", "/api/v1/notifications/read")
def test_notifications_are_mine_and_marked_read(api, member):
    mine = [NotificationFactory(recipient=member) for _ in range(3)]
    NotificationFactory(recipient=UserFactory())

    listed = api.get("/api/v1/notifications", {"unread": "true"}).json()
    one = api.post(f"/api/v1/notifications/{mine[0].pk}/read").json()
    rest = api.post("/api/v1/notifications/read").json()

    assert listed["count"] == 3
    assert one["read_at"] is not None
    assert rest == {"marked": 2}


def test_someone_elses_notification_is_not_found(api):
    theirs = NotificationFactory(recipient=UserFactory())

    assert api.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404

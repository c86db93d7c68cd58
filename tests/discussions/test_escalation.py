"""Escalating unanswered requests: to more experts after the community's delay, then to moderators.

The personas belong to the public "kubernetes" community (escalation after 48 hours
unless a test says otherwise) and the private "incident-reviews" one.
"""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from discussions import escalation
from discussions.kinds import Kind
from discussions.models import HelpRequest, RequestStatus
from discussions.tasks import escalate_unanswered
from notifications.models import Notification
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, NotificationFactory, UserFactory

ASKED = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)


def hours(n: float) -> dt.datetime:
    return ASKED + dt.timedelta(hours=n)


def run(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        escalate_unanswered.delay()


def thread_url(request: HelpRequest) -> str:
    return reverse("discussions:thread", args=[request.community.slug, request.pk])


def escalated_to(request: HelpRequest) -> list[str]:
    return sorted(
        Notification.objects.filter(
            kind=Kind.REQUEST_ESCALATED, url=thread_url(request)
        ).values_list("recipient__display_name", flat=True)
    )


def ask(community, *, tags=("kubernetes",), author=None, **kwargs) -> HelpRequest:
    if author is None:
        author = UserFactory(display_name="Asha Asker")
        MembershipFactory(community=community, user=author)
    return HelpRequestFactory(
        community=community,
        author=author,
        title="Pods stuck in Pending after a node upgrade",
        tags=list(tags),
        created_at=ASKED,
        last_activity_at=ASKED,
        **kwargs,
    )


def expert(name: str, skill: str = "kubernetes", *, member_of=None, **kwargs):
    user = UserFactory(display_name=name, expertise=[skill], **kwargs)
    if member_of is not None:
        MembershipFactory(community=member_of, user=user)
    return user


def told_when_asked(user, request: HelpRequest, kind=Kind.HELP_WANTED) -> None:
    NotificationFactory(
        recipient=user, kind=kind, url=thread_url(request), community=request.community
    )


# Stage one: experts beyond those already told ---------------------------------------


def test_after_the_delay_experts_not_yet_told_hear_about_it(community, moderator):
    request = ask(community)
    told = expert("Tess Told", member_of=community)
    told_when_asked(told, request)
    mentioned = expert("Mo Mentioned", member_of=community)
    told_when_asked(mentioned, request, kind=Kind.MENTIONED)
    expert("Nia Newcomer", "Kubernetes")  # not a member; the community is public
    expert("Ivan Inactive", is_active=False)
    expert("Hal Helm", "helm")
    request.author.expertise.set(["kubernetes"])

    run(hours(47.9))
    assert escalated_to(request) == []

    run(hours(48))
    assert escalated_to(request) == ["Nia Newcomer"]
    request.refresh_from_db()
    assert request.escalated_to_experts_at == hours(48)
    assert request.escalated_to_moderators_at is None
    message = Notification.objects.get(kind=Kind.REQUEST_ESCALATED).message
    assert message == (
        "Still unanswered after 48 hours: Asha Asker asked “Pods stuck in Pending after a node upgrade” "
        "in Kubernetes Practitioners. You may be able to help."
    )


def test_in_a_private_community_only_its_members_are_told(private_community):
    request = ask(private_community)
    expert("Olga Outside")
    expert("Jay Joined Later", member_of=private_community)

    run(hours(48))

    assert escalated_to(request) == ["Jay Joined Later"]


def test_the_escalated_expert_gets_an_email_copy(
    community, django_capture_on_commit_callbacks, mailoutbox
):
    request = ask(community)
    newcomer = expert("Nia Newcomer")

    with django_capture_on_commit_callbacks(execute=True):
        run(hours(48))

    (email,) = mailoutbox
    assert email.to == [newcomer.email]
    assert "Still unanswered after 48 hours" in email.subject
    assert thread_url(request) in email.body


def test_the_community_sets_the_delay(community):
    community.escalation_hours = 4
    community.save(update_fields=["escalation_hours"])
    request = ask(community)
    expert("Nia Newcomer")

    run(hours(3.9))
    assert escalated_to(request) == []
    run(hours(4))
    assert escalated_to(request) == ["Nia Newcomer"]


# Stage two: moderators ---------------------------------------------------------------


def test_at_twice_the_delay_the_moderators_are_told(community, moderator, core, sponsor):
    request = ask(community)

    run(hours(48))
    run(hours(95.9))
    assert escalated_to(request) == []

    run(hours(96))
    assert escalated_to(request) == ["Max Moderator"]
    assert Notification.objects.get(recipient=moderator).message == (
        "No answer after 96 hours: “Pods stuck in Pending after a node upgrade” in Kubernetes "
        "Practitioners. Could you find someone to help?"
    )


def test_a_moderator_who_asked_is_not_told_about_their_own_request(community, moderator):
    other = UserFactory(display_name="Mara Moderator")
    MembershipFactory(community=community, user=other, role="moderator")
    request = ask(community, author=moderator)

    run(hours(96))

    assert escalated_to(request) == ["Mara Moderator"]


def test_when_the_sweep_was_away_both_stages_happen_in_one_run(community, moderator):
    request = ask(community)
    expert("Nia Newcomer")

    run(hours(200))

    assert escalated_to(request) == ["Max Moderator", "Nia Newcomer"]


# Exactly once -----------------------------------------------------------------------


def test_each_stage_happens_once_however_often_the_sweep_runs(community, moderator):
    request = ask(community)
    expert("Nia Newcomer")

    for when in (hours(48), hours(48), hours(60), hours(96), hours(96), hours(150)):
        run(when)

    assert escalated_to(request) == ["Max Moderator", "Nia Newcomer"]
    request.refresh_from_db()
    assert (request.escalated_to_experts_at, request.escalated_to_moderators_at) == (
        hours(48),
        hours(96),
    )


def test_a_sweep_that_lost_the_race_notifies_nobody(community, moderator):
    request = ask(community)
    expert("Nia Newcomer")
    # Two sweeps chose the same request; the other one claimed it first.
    run(hours(100))

    assert escalation._escalate_to_experts([request.pk], hours(100)) == (0, 0)
    assert escalation._escalate_to_moderators([request.pk], hours(100)) == (0, 0)
    assert escalated_to(request) == ["Max Moderator", "Nia Newcomer"]


def test_a_sweep_that_dies_midway_leaves_the_stage_for_the_next(community, monkeypatch):
    request = ask(community)
    expert("Nia Newcomer")

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(escalation, "notify", crash)
    with pytest.raises(RuntimeError):
        run(hours(48))
    request.refresh_from_db()
    assert request.escalated_to_experts_at is None

    monkeypatch.undo()
    run(hours(48.25))
    assert escalated_to(request) == ["Nia Newcomer"]


# Not escalated ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"reply_count": 1, "status": RequestStatus.ANSWERED},
        {"status": RequestStatus.CLOSED},
        {"is_removed": True},
        {"is_locked": True},
    ],
    ids=["answered", "closed", "removed", "locked"],
)
def test_requests_answered_closed_removed_or_locked_are_not_escalated(community, moderator, change):
    request = ask(community)
    expert("Nia Newcomer")
    HelpRequest.objects.filter(pk=request.pk).update(**change)

    run(hours(200))

    assert escalated_to(request) == []


def test_requests_in_archived_communities_are_not_escalated(moderator):
    archived = CommunityFactory(is_archived=True)
    MembershipFactory(community=archived, user=moderator, role="moderator")
    request = ask(archived)

    run(hours(200))

    assert escalated_to(request) == []


def test_a_backlog_older_than_a_month_is_left_alone(community, moderator):
    request = ask(community)
    expert("Nia Newcomer")

    run(ASKED + escalation.MAX_AGE + dt.timedelta(hours=1))

    assert escalated_to(request) == []


# Batched ------------------------------------------------------------------------------


def test_finding_the_experts_costs_the_same_queries_for_two_or_ten_requests(
    community, private_community, django_assert_num_queries
):
    def requests(n):
        made = [
            ask(community if i % 2 else private_community, tags=[f"skill-{i % 3}"])
            for i in range(n)
        ]
        for i in range(n):
            expert(
                f"Expert {n}-{i}", f"Skill-{i % 3}", member_of=private_community if i % 2 else None
            )
        told_when_asked(UserFactory(), made[0])
        return list(
            HelpRequest.objects.filter(pk__in=[r.pk for r in made]).select_related("community")
        )

    small, large = requests(2), requests(10)

    with django_assert_num_queries(4):
        found_small = escalation.experts_beyond_notified(small)
    with django_assert_num_queries(4):
        found_large = escalation.experts_beyond_notified(large)
    assert sum(map(len, found_small.values())) > 0
    assert sum(map(len, found_large.values())) > sum(map(len, found_small.values()))


# The delay on the settings page ---------------------------------------------------------


def settings_form(community, **changes) -> dict:
    return {
        "action": "save",
        "name": community.name,
        "tagline": community.tagline,
        "description": community.description,
        "tags": "kubernetes",
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "meeting_room": "",
        "meeting_url": "",
        **changes,
    }


def test_a_moderator_sets_the_escalation_delay(client, moderator, community):
    client.force_login(moderator)
    url = reverse("communities:settings", args=[community.slug])

    assert 'name="escalation_hours"' in client.get(url).content.decode()
    response = client.post(url, settings_form(community, escalation_hours="12"))

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.escalation_hours == 12


@pytest.mark.parametrize("value", ["0", "337", "-4", "soon"])
def test_an_escalation_delay_out_of_range_is_refused_on_the_form(
    client, moderator, community, value
):
    client.force_login(moderator)

    response = client.post(
        reverse("communities:settings", args=[community.slug]),
        settings_form(community, escalation_hours=value),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["escalation_hours"]
    community.refresh_from_db()
    assert community.escalation_hours == 48


def test_a_member_cannot_change_the_delay(client, member, community):
    client.force_login(member)

    response = client.post(
        reverse("communities:settings", args=[community.slug]),
        settings_form(community, escalation_hours="1"),
    )

    assert response.status_code == 403
    community.refresh_from_db()
    assert community.escalation_hours == 48


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_the_same_time_escalate_each_request_once():
    community = CommunityFactory()
    moderator = UserFactory(display_name="Max Moderator")
    MembershipFactory(community=community, user=moderator, role="moderator")
    requests = [ask(community) for _ in range(20)]
    expert("Nia Newcomer")
    start = threading.Barrier(3)

    def sweep():
        try:
            start.wait()
            escalation.escalate_unanswered(now=hours(100))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for request in requests:
        assert escalated_to(request) == ["Max Moderator", "Nia Newcomer"]

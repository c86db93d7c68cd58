"""Asking, replying, nesting, counters, accepting, votes, follows and who is told."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from communities.models import AuditEvent, Role
from discussions.kinds import AuditAction, Kind
from discussions.models import (
    MAX_REPLY_DEPTH,
    Follow,
    HelpfulVote,
    HelpRequest,
    Reply,
    RequestStatus,
    Revision,
)
from discussions.ratelimit import RateLimited
from discussions.services import posting
from notifications.models import Notification
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def ask(community, by, **kwargs):
    kwargs.setdefault("title", "How do I pin a Helm chart version?")
    kwargs.setdefault("body", "Our deploys pick up **new** chart versions.")
    return posting.help_request_create(community=community, by=by, **kwargs)


# Asking --------------------------------------------------------------------


def test_a_member_asks_and_follows_their_request(community, member):
    request = ask(community, member, tags=["Helm", "kubernetes"])

    assert request.status == RequestStatus.OPEN
    assert "<strong>new</strong>" in request.body_html
    assert sorted(request.tags.names()) == ["helm", "kubernetes"]
    assert Follow.objects.filter(help_request=request, user=member).exists()
    community.refresh_from_db()
    assert community.last_activity_at == request.created_at


def test_an_outsider_cannot_ask(community, outsider):
    with pytest.raises(ValidationError, match="Join the community"):
        ask(community, outsider)
    assert not HelpRequest.objects.exists()


def test_nobody_asks_in_an_archived_community(community, member):
    community.is_archived = True
    community.save()

    with pytest.raises(ValidationError, match="archived"):
        ask(community, member)


def test_an_empty_title_is_refused(community, member):
    with pytest.raises(ValidationError, match="title cannot be empty"):
        ask(community, member, title="   ")


def test_experts_whose_expertise_matches_are_told_but_not_the_asker_or_non_members(
    community, member
):
    expert = UserFactory(expertise=["helm"])
    MembershipFactory(community=community, user=expert)
    asker_expert = member
    asker_expert.expertise.set(["helm"])
    outsider_expert = UserFactory(expertise=["helm"])
    former = UserFactory(expertise=["helm"])
    MembershipFactory(community=community, user=former, is_active=False)
    unrelated = UserFactory(expertise=["python"])
    MembershipFactory(community=community, user=unrelated)

    ask(community, member, tags=["Helm"])

    assert kinds_for(expert) == [Kind.HELP_WANTED]
    assert kinds_for(asker_expert) == []
    assert kinds_for(outsider_expert) == []
    assert kinds_for(former) == []
    assert kinds_for(unrelated) == []


def test_an_expert_who_prefers_no_email_still_gets_the_in_app_notification(
    community, member, mailoutbox
):
    expert = UserFactory(expertise=["helm"], email_notifications=False)
    MembershipFactory(community=community, user=expert)

    ask(community, member, tags=["helm"])

    assert kinds_for(expert) == [Kind.HELP_WANTED]
    assert all(expert.email not in m.to for m in mailoutbox)


def test_mentioned_readers_are_told_and_linked_but_not_people_who_cannot_read(
    private_community, member, core
):
    stranger = UserFactory(display_name="Sid Stranger")

    request = ask(
        private_community, member, body=f"Could @{core.handle} or @{stranger.handle} help?"
    )

    assert kinds_for(core) == [Kind.MENTIONED]
    assert kinds_for(stranger) == []
    assert f'href="{core.get_absolute_url()}"' in request.body_html
    assert stranger.get_absolute_url() not in request.body_html
    assert f"@{stranger.handle}" in request.body_html


def test_a_mentioned_expert_gets_one_notification(community, member):
    expert = UserFactory(expertise=["helm"])
    MembershipFactory(community=community, user=expert)

    ask(community, member, tags=["helm"], body=f"@{expert.handle} you know this")

    assert kinds_for(expert) == [Kind.MENTIONED]


# Replying and nesting ------------------------------------------------------


def test_a_reply_by_someone_else_answers_the_request_and_keeps_the_counters(
    community, member, core
):
    request = ask(community, member)

    reply = posting.reply_create(help_request=request, by=core, body="Use `--version`.")

    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
    assert request.reply_count == 1
    assert request.first_reply_at == reply.created_at
    assert request.last_activity_at == reply.created_at
    assert "<code>--version</code>" in reply.body_html
    assert Follow.objects.filter(help_request=request, user=core).exists()


def test_the_askers_own_reply_leaves_the_request_open(community, member):
    request = ask(community, member)

    posting.reply_create(help_request=request, by=member, body="Adding the error message: ...")

    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert request.reply_count == 1
    assert request.first_reply_at is None


def test_replies_nest_under_the_reply_they_answer(community, member, core, moderator):
    request = ask(community, member)
    first = posting.reply_create(help_request=request, by=core, body="Top level")

    child = posting.reply_create(help_request=request, by=moderator, body="Nested", parent=first)

    assert Reply.objects.get_parent(child).pk == first.pk
    assert child.depth == 2
    assert child.in_reply_to_id == first.pk


def test_a_reply_to_a_reply_at_the_depth_limit_attaches_beside_it_and_remembers_whom_it_answers(
    community, member, core
):
    request = ask(community, member)
    deepest = posting.reply_create(help_request=request, by=core, body="depth 1")
    for depth in range(2, MAX_REPLY_DEPTH + 1):
        deepest = posting.reply_create(
            help_request=request, by=core, body=f"depth {depth}", parent=deepest
        )
    assert deepest.depth == MAX_REPLY_DEPTH

    flattened = posting.reply_create(
        help_request=request, by=member, body="too deep", parent=deepest
    )

    assert flattened.depth == MAX_REPLY_DEPTH
    assert Reply.objects.get_parent(flattened).pk == Reply.objects.get_parent(deepest).pk
    assert flattened.in_reply_to_id == deepest.pk


def test_a_parent_from_another_thread_is_refused(community, member, core):
    request = ask(community, member)
    elsewhere = ReplyFactory(help_request=HelpRequestFactory(community=community))

    with pytest.raises(ValidationError, match="another thread"):
        posting.reply_create(help_request=request, by=core, body="x", parent=elsewhere)
    assert request.replies.count() == 0


def test_a_locked_thread_takes_replies_from_moderators_only(community, member, core, moderator):
    request = ask(community, member)
    HelpRequest.objects.filter(pk=request.pk).update(is_locked=True)
    request.refresh_from_db()

    with pytest.raises(ValidationError, match="locked"):
        posting.reply_create(help_request=request, by=core, body="x")
    assert posting.reply_create(
        help_request=request, by=moderator, body="Locking this, see the FAQ."
    )


def test_a_removed_reply_takes_no_replies(community, member, core):
    request = ask(community, member)
    removed = ReplyFactory(help_request=request, is_removed=True)

    with pytest.raises(ValidationError, match="removed"):
        posting.reply_create(help_request=request, by=core, body="x", parent=removed)


def test_followers_and_the_replied_to_author_are_told_once_each_but_not_the_replier(
    community, member, core, moderator
):
    request = ask(community, member)
    top = posting.reply_create(help_request=request, by=core, body="Try this")
    Notification.objects.all().delete()

    posting.reply_create(
        help_request=request, by=moderator, body=f"@{core.handle} that worked for me", parent=top
    )

    assert kinds_for(member) == [Kind.REPLY_POSTED]  # follows as the asker
    assert kinds_for(core) == [
        Kind.MENTIONED
    ]  # follower, replied-to author and mentioned: told once
    assert kinds_for(moderator) == []


def test_the_replied_to_author_who_unfollowed_is_still_told(community, member, core, moderator):
    request = ask(community, member)
    top = posting.reply_create(help_request=request, by=core, body="Try this")
    Follow.objects.filter(user=core).delete()
    Notification.objects.all().delete()

    posting.reply_create(help_request=request, by=moderator, body="Nice", parent=top)

    assert Notification.objects.get(recipient=core).message.startswith(
        "Max Moderator replied to you"
    )


def test_a_follower_who_can_no_longer_read_the_community_is_not_told(
    private_community, member, core
):
    request = ask(private_community, member)
    leaver = UserFactory()
    MembershipFactory(community=private_community, user=leaver, is_active=False)
    Follow.objects.create(help_request=request, user=leaver)

    posting.reply_create(help_request=request, by=core, body="Answer")

    assert kinds_for(leaver) == []
    assert kinds_for(member) == [Kind.REPLY_POSTED]


# Editing -------------------------------------------------------------------


def test_editing_a_request_keeps_the_previous_text_as_a_revision(community, member):
    request = ask(community, member, title="Old title", body="Old body")

    posting.help_request_edit(
        help_request=request, by=member, title="New title", body="New *body*", tags=["helm"]
    )

    revision = Revision.objects.get(help_request=request)
    assert (revision.title, revision.body, revision.editor) == ("Old title", "Old body", member)
    request.refresh_from_db()
    assert request.body_html == "<p>New <em>body</em></p>\n"
    assert request.edited_at is not None
    assert list(request.tags.names()) == ["helm"]
    assert not AuditEvent.objects.filter(action=AuditAction.POST_EDITED).exists()


def test_a_moderators_edit_of_someone_elses_reply_is_audited(community, member, core, moderator):
    request = ask(community, member)
    reply = posting.reply_create(help_request=request, by=core, body="Before")

    posting.reply_edit(reply=reply, by=moderator, body="After")

    assert Revision.objects.get(reply=reply).body == "Before"
    event = AuditEvent.objects.get(action=AuditAction.POST_EDITED)
    assert (event.actor, event.subject) == (moderator, core)


def test_an_unchanged_edit_keeps_no_revision(community, member):
    request = ask(community, member)

    posting.help_request_edit(
        help_request=request, by=member, title=request.title, body=request.body
    )

    assert not Revision.objects.exists()


def test_a_mention_added_by_an_edit_is_told_once(community, member, core):
    request = ask(community, member, body="Anyone?")

    posting.help_request_edit(
        help_request=request, by=member, title=request.title, body=f"@{core.handle}?"
    )
    posting.help_request_edit(
        help_request=request, by=member, title=request.title, body=f"@{core.handle}??"
    )

    assert kinds_for(core) == [Kind.MENTIONED]


# Accepting -----------------------------------------------------------------


def test_the_asker_accepts_an_answer_and_its_author_is_told(community, member, core):
    request = ask(community, member)
    answer = posting.reply_create(help_request=request, by=core, body="This")

    posting.answer_accept(help_request=request, reply=answer, by=member)

    request.refresh_from_db()
    assert request.status == RequestStatus.SOLVED
    assert request.accepted_reply == answer
    assert Kind.ANSWER_ACCEPTED in kinds_for(core)
    assert not AuditEvent.objects.filter(action=AuditAction.ANSWER_ACCEPTED).exists()


def test_a_moderators_acceptance_is_audited(community, member, core, moderator):
    request = ask(community, member)
    answer = posting.reply_create(help_request=request, by=core, body="This")

    posting.answer_accept(help_request=request, reply=answer, by=moderator)

    assert AuditEvent.objects.get(action=AuditAction.ANSWER_ACCEPTED).actor == moderator


def test_withdrawing_the_answer_goes_back_to_answered(community, member, core):
    request = ask(community, member)
    answer = posting.reply_create(help_request=request, by=core, body="This")
    posting.answer_accept(help_request=request, reply=answer, by=member)

    posting.answer_unaccept(help_request=request, by=member)

    request.refresh_from_db()
    assert (request.status, request.accepted_reply) == (RequestStatus.ANSWERED, None)


def test_withdrawing_an_accepted_own_reply_goes_back_to_open(community, member):
    request = ask(community, member)
    mine = posting.reply_create(help_request=request, by=member, body="Solved it myself")
    posting.answer_accept(help_request=request, reply=mine, by=member)

    posting.answer_unaccept(help_request=request, by=member)

    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_a_removed_reply_or_one_from_another_thread_cannot_be_accepted(community, member):
    request = ask(community, member)
    removed = ReplyFactory(help_request=request, is_removed=True)
    elsewhere = ReplyFactory(help_request=HelpRequestFactory(community=community))

    with pytest.raises(ValidationError, match="removed"):
        posting.answer_accept(help_request=request, reply=removed, by=member)
    with pytest.raises(ValidationError, match="another thread"):
        posting.answer_accept(help_request=request, reply=elsewhere, by=member)


# Votes and follows ---------------------------------------------------------


def test_a_helpful_vote_toggles_and_counts_once_per_person(community, member, core):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=core)

    assert posting.vote_toggle(reply=reply, by=member) == (True, 1)
    assert posting.vote_toggle(reply=reply, by=member) == (False, 0)
    assert posting.vote_toggle(reply=reply, by=member) == (True, 1)
    assert HelpfulVote.objects.filter(reply=reply).count() == 1


def test_nobody_votes_for_their_own_reply(community, core):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=core)

    with pytest.raises(ValidationError, match="your own reply"):
        posting.vote_toggle(reply=reply, by=core)


def test_a_vote_that_lost_a_race_counts_once(community, member, core, monkeypatch):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=community), author=core)
    HelpfulVote.objects.create(reply=reply, user=member)
    Reply.objects.filter(pk=reply.pk).update(helpful_count=1)
    # The delete saw nothing (the other request's vote was not committed yet), then the insert clashes.
    real_filter = HelpfulVote.objects.filter
    monkeypatch.setattr(HelpfulVote.objects, "filter", lambda **kw: real_filter(pk=-1))

    assert posting.vote_toggle(reply=reply, by=member) == (True, 1)


def test_following_toggles(community, member):
    request = HelpRequestFactory(community=community)

    assert posting.follow_toggle(help_request=request, by=member) is True
    assert posting.follow_toggle(help_request=request, by=member) is False


# Rate limits ---------------------------------------------------------------


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (2, 600), "reply": (3, 600)})
def test_asking_beyond_the_limit_is_refused_and_saves_nothing(community, member):
    ask(community, member)
    ask(community, member)

    with pytest.raises(RateLimited, match="Please wait"):
        ask(community, member)
    assert HelpRequest.objects.count() == 2


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (2, 600), "reply": (3, 600)})
def test_the_reply_limit_is_per_person(community, member, core, moderator):
    request = ask(community, member)
    for _ in range(3):
        posting.reply_create(help_request=request, by=core, body="again")

    with pytest.raises(RateLimited):
        posting.reply_create(help_request=request, by=core, body="one more")
    posting.reply_create(help_request=request, by=moderator, body="I can still reply")
    request.refresh_from_db()
    assert request.reply_count == 4


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (1, 600), "reply": (3, 600)})
def test_the_limit_resets_after_its_window(community, member, time_machine):
    time_machine.move_to("2026-01-01 10:00:00+00:00", tick=False)
    ask(community, member)
    with pytest.raises(RateLimited):
        ask(community, member)

    time_machine.move_to("2026-01-01 10:10:01+00:00", tick=False)

    assert ask(community, member)


def test_a_moderator_role_is_enough_to_reply_to_a_locked_thread_not_a_site_admins_absence(
    community, member, site_admin
):
    request = ask(community, member)
    HelpRequest.objects.filter(pk=request.pk).update(is_locked=True)
    request.refresh_from_db()
    MembershipFactory(community=community, user=site_admin, role=Role.MEMBER)

    assert posting.reply_create(help_request=request, by=site_admin, body="Admin note")


def test_experts_in_other_communities_are_not_told(member):
    here = CommunityFactory()
    MembershipFactory(community=here, user=member)
    elsewhere = CommunityFactory()
    expert = UserFactory(expertise=["helm"])
    MembershipFactory(community=elsewhere, user=expert)

    ask(here, member, tags=["helm"])

    assert kinds_for(expert) == []

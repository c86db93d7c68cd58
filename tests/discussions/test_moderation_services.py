"""Moderation services: remove/restore, lock, pin, move, flags. Every action, every refusal."""

import pytest
from django.core.exceptions import ValidationError

from communities.models import AuditEvent, CommunityStatus, Role
from discussions.kinds import AuditAction, Kind
from discussions.models import Flag, FlagStatus, HelpRequest, Reply, RequestStatus
from discussions.services import moderation as services
from notifications.models import Notification
from tests.discussions.factories import FlagFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


@pytest.fixture
def author(community):
    person = UserFactory(display_name="Ann Author")
    MembershipFactory(community=community, user=person)
    return person


@pytest.fixture
def help_request(community, author):
    return HelpRequestFactory(
        community=community, author=author, title="Pods stuck in Pending", tags=["scheduling"]
    )


@pytest.fixture
def reply(help_request, member):
    return ReplyFactory(help_request=help_request, author=member)


def audit_events(action, community=None):
    events = AuditEvent.objects.filter(action=action)
    return events.filter(community=community) if community is not None else events


def notifications(kind, recipient=None):
    found = Notification.objects.filter(kind=kind)
    return found.filter(recipient=recipient) if recipient is not None else found


# Removing ------------------------------------------------------------------


def test_author_removes_their_own_request_without_a_reason(help_request, author):
    services.post_remove(post=help_request, by=author, reason="")

    help_request.refresh_from_db()
    assert help_request.is_removed
    assert help_request.removed_by == author
    assert help_request.removed_at is not None
    assert not notifications(Kind.POST_REMOVED).exists()
    event = audit_events(AuditAction.POST_REMOVED).get()
    assert event.actor == author
    assert event.detail["title"] == "Pods stuck in Pending"
    assert event.detail["url"] == help_request.get_absolute_url()


def test_moderator_removes_a_reply_with_a_reason_and_the_author_is_told(
    reply, moderator, member, community
):
    services.post_remove(post=reply, by=moderator, reason="Shares a customer's password.")

    reply.refresh_from_db()
    assert reply.is_removed
    assert reply.removed_by == moderator
    assert reply.removed_reason == "Shares a customer's password."
    note = notifications(Kind.POST_REMOVED, recipient=member).get()
    assert "Shares a customer's password." in note.message
    event = audit_events(AuditAction.POST_REMOVED, community).get()
    assert event.detail["reason"] == "Shares a customer's password."
    assert event.detail["post"] == "reply"
    assert event.detail["url"] == reply.get_absolute_url()
    assert event.subject == member


def test_moderator_must_give_a_reason(reply, moderator):
    with pytest.raises(ValidationError, match="Give a reason"):
        services.post_remove(post=reply, by=moderator, reason="   ")

    reply.refresh_from_db()
    assert not reply.is_removed
    assert not AuditEvent.objects.filter(action=AuditAction.POST_REMOVED).exists()


def test_reason_longer_than_300_characters_is_refused(reply, moderator):
    with pytest.raises(ValidationError, match="300 characters"):
        services.post_remove(post=reply, by=moderator, reason="x" * 301)


def test_member_cannot_remove_someone_elses_post(help_request, member):
    with pytest.raises(ValidationError, match="Only its author or a moderator"):
        services.post_remove(post=help_request, by=member, reason="I do not like it")

    help_request.refresh_from_db()
    assert not help_request.is_removed


def test_moderator_of_another_community_cannot_remove(help_request):
    elsewhere = CommunityFactory()
    other_moderator = UserFactory()
    MembershipFactory(community=elsewhere, user=other_moderator, role=Role.MODERATOR)

    with pytest.raises(ValidationError):
        services.post_remove(post=help_request, by=other_moderator, reason="Off topic")


def test_a_removed_post_cannot_be_removed_again(reply, moderator):
    services.post_remove(post=reply, by=moderator, reason="Spam")

    with pytest.raises(ValidationError, match="already removed"):
        services.post_remove(post=reply, by=moderator, reason="Spam")


def test_site_admin_removes_a_post_as_a_moderator(reply, site_admin):
    services.post_remove(post=reply, by=site_admin, reason="Spam")

    reply.refresh_from_db()
    assert reply.is_removed


def test_removing_a_reply_keeps_its_children(help_request, reply, moderator, core):
    child = ReplyFactory(parent=reply, author=core)
    grandchild = ReplyFactory(parent=child)

    services.post_remove(post=reply, by=moderator, reason="Rude")

    child.refresh_from_db()
    grandchild.refresh_from_db()
    assert not child.is_removed and not grandchild.is_removed
    assert Reply.objects.get_children(Reply.objects.get(pk=reply.pk)).get() == child
    assert Reply.objects.get_parent(child).pk == reply.pk


def test_removing_a_reply_recounts_the_visible_replies(help_request, reply, moderator, core):
    ReplyFactory(help_request=help_request, author=core)

    services.post_remove(post=reply, by=moderator, reason="Spam")

    help_request.refresh_from_db()
    assert help_request.reply_count == 1


def test_removing_the_accepted_reply_withdraws_the_acceptance(
    help_request, reply, moderator, author, core
):
    ReplyFactory(help_request=help_request, author=core)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        accepted_reply=reply, accepted_by=author, status=RequestStatus.SOLVED, reply_count=2
    )
    help_request.refresh_from_db()
    reply.help_request = help_request

    services.post_remove(post=reply, by=moderator, reason="Dangerous advice")

    help_request.refresh_from_db()
    assert help_request.accepted_reply is None
    assert help_request.accepted_by is None
    assert help_request.accepted_at is None
    assert help_request.status == RequestStatus.ANSWERED
    assert help_request.reply_count == 1


def test_removing_the_only_reply_that_was_accepted_reopens_the_request(
    help_request, reply, moderator, author
):
    HelpRequest.objects.filter(pk=help_request.pk).update(
        accepted_reply=reply, status=RequestStatus.SOLVED, reply_count=1
    )
    help_request.refresh_from_db()
    reply.help_request = help_request

    services.post_remove(post=reply, by=moderator, reason="Dangerous advice")

    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.OPEN
    assert help_request.reply_count == 0
    assert help_request.first_reply_at is None


def test_a_closed_request_stays_closed_when_a_reply_is_removed(help_request, reply, moderator):
    HelpRequest.objects.filter(pk=help_request.pk).update(status=RequestStatus.CLOSED)
    help_request.refresh_from_db()

    services.post_remove(post=reply, by=moderator, reason="Spam")

    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.CLOSED


def test_removing_a_post_settles_its_open_flags_as_acted_on(help_request, reply, moderator, core):
    on_reply = FlagFactory(help_request=help_request, reply=reply, flagged_by=core)
    on_request = FlagFactory(help_request=help_request, flagged_by=core)

    services.post_remove(post=reply, by=moderator, reason="Spam")

    on_reply.refresh_from_db()
    on_request.refresh_from_db()
    assert on_reply.status == FlagStatus.ACTIONED
    assert on_reply.resolved_by == moderator
    assert on_request.status == FlagStatus.OPEN


# Restoring -----------------------------------------------------------------


def test_moderator_restores_a_removed_reply_and_the_counters_follow(help_request, reply, moderator):
    services.post_remove(post=reply, by=moderator, reason="By mistake")

    services.post_restore(post=reply, by=moderator)

    reply.refresh_from_db()
    help_request.refresh_from_db()
    assert not reply.is_removed
    assert reply.removed_by is None and reply.removed_reason == "" and reply.removed_at is None
    assert help_request.reply_count == 1
    assert help_request.status == RequestStatus.ANSWERED
    event = audit_events(AuditAction.POST_RESTORED).get()
    assert event.detail["url"] == reply.get_absolute_url()


def test_moderator_restores_a_removed_request(help_request, author, moderator):
    services.post_remove(post=help_request, by=author)

    services.post_restore(post=help_request, by=moderator)

    help_request.refresh_from_db()
    assert not help_request.is_removed


def test_author_cannot_restore_their_removed_post(help_request, author):
    services.post_remove(post=help_request, by=author)

    with pytest.raises(ValidationError, match="moderators"):
        services.post_restore(post=help_request, by=author)


def test_a_post_that_is_not_removed_cannot_be_restored(reply, moderator):
    with pytest.raises(ValidationError, match="not removed"):
        services.post_restore(post=reply, by=moderator)


# Lock and pin ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "off", "field", "on_action", "off_action"),
    [
        (
            services.request_lock,
            services.request_unlock,
            "is_locked",
            AuditAction.REQUEST_LOCKED,
            AuditAction.REQUEST_UNLOCKED,
        ),
        (
            services.request_pin,
            services.request_unpin,
            "is_pinned",
            AuditAction.REQUEST_PINNED,
            AuditAction.REQUEST_UNPINNED,
        ),
    ],
)
def test_moderator_locks_and_pins_and_undoes_it_with_audit_rows(
    help_request, moderator, community, on, off, field, on_action, off_action
):
    on(help_request=help_request, by=moderator)
    help_request.refresh_from_db()
    assert getattr(help_request, field) is True
    assert audit_events(on_action, community).get().detail["title"] == help_request.title

    off(help_request=help_request, by=moderator)
    help_request.refresh_from_db()
    assert getattr(help_request, field) is False
    assert audit_events(off_action, community).exists()


@pytest.mark.parametrize("action", [services.request_lock, services.request_pin])
def test_member_cannot_lock_or_pin(help_request, member, action):
    with pytest.raises(ValidationError, match="moderators"):
        action(help_request=help_request, by=member)


def test_locking_a_locked_thread_is_refused(help_request, moderator):
    services.request_lock(help_request=help_request, by=moderator)

    with pytest.raises(ValidationError, match="already locked"):
        services.request_lock(help_request=help_request, by=moderator)


def test_unpinning_an_unpinned_request_is_refused(help_request, moderator):
    with pytest.raises(ValidationError, match="not pinned"):
        services.request_unpin(help_request=help_request, by=moderator)


def test_a_removed_request_cannot_be_locked(help_request, moderator):
    services.post_remove(post=help_request, by=moderator, reason="Spam")

    with pytest.raises(ValidationError, match="restore it first"):
        services.request_lock(help_request=help_request, by=moderator)


# Moving ----------------------------------------------------------------------


@pytest.fixture
def target(moderator):
    other = CommunityFactory(name="Platform Guild", slug="platform-guild")
    MembershipFactory(community=other, user=moderator, role=Role.MODERATOR)
    return other


def test_moderator_moves_a_request_with_its_replies_tags_and_open_flags(
    help_request, reply, moderator, community, target, author, core
):
    open_flag = FlagFactory(help_request=help_request, reply=reply, flagged_by=core)
    settled = FlagFactory(help_request=help_request, flagged_by=core, status=FlagStatus.DISMISSED)

    services.request_move(help_request=help_request, to_community=target, by=moderator)

    help_request.refresh_from_db()
    assert help_request.community == target
    assert list(help_request.tags.names()) == ["scheduling"]
    assert Reply.objects.get(pk=reply.pk).help_request.community == target
    assert Flag.objects.get(pk=open_flag.pk).community == target
    assert Flag.objects.get(pk=settled.pk).community == community
    for place in (community, target):
        event = audit_events(AuditAction.REQUEST_MOVED, place).get()
        assert event.detail["from_community"] == community.name
        assert event.detail["to_community"] == "Platform Guild"
        assert event.detail["url"] == f"/c/platform-guild/help/{help_request.pk}/"
    note = notifications(Kind.REQUEST_MOVED, recipient=author).get()
    assert "Platform Guild" in note.message
    assert note.community == target


def test_moving_to_a_community_one_does_not_moderate_is_refused(help_request, moderator, member):
    elsewhere = CommunityFactory(name="Elsewhere")
    MembershipFactory(community=elsewhere, user=moderator, role=Role.MEMBER)

    with pytest.raises(ValidationError, match="you do not moderate Elsewhere"):
        services.request_move(help_request=help_request, to_community=elsewhere, by=moderator)

    help_request.refresh_from_db()
    assert help_request.community.slug == "kubernetes"


def test_moving_to_an_archived_community_is_refused(help_request, moderator, target):
    target.is_archived = True
    target.save()

    with pytest.raises(ValidationError, match="not open for new posts"):
        services.request_move(help_request=help_request, to_community=target, by=moderator)


def test_moving_to_a_proposed_community_is_refused(help_request, moderator, target):
    target.status = CommunityStatus.PROPOSED
    target.save()

    with pytest.raises(ValidationError, match="not open for new posts"):
        services.request_move(help_request=help_request, to_community=target, by=moderator)


def test_moving_to_its_own_community_is_refused(help_request, moderator, community):
    with pytest.raises(ValidationError, match="already in"):
        services.request_move(help_request=help_request, to_community=community, by=moderator)


def test_only_a_moderator_of_the_source_community_can_move(help_request, target):
    # Moderates the target, but is a plain member where the request lives.
    mover = UserFactory()
    MembershipFactory(community=help_request.community, user=mover, role=Role.MEMBER)
    MembershipFactory(community=target, user=mover, role=Role.MODERATOR)

    with pytest.raises(ValidationError, match="moderators"):
        services.request_move(help_request=help_request, to_community=target, by=mover)


def test_move_targets_are_the_other_live_communities_one_moderates(
    help_request, moderator, target, private_community
):
    archived = CommunityFactory(is_archived=True)
    MembershipFactory(community=archived, user=moderator, role=Role.MODERATOR)
    CommunityFactory()  # not theirs

    targets = set(services.move_targets(help_request=help_request, user=moderator))

    assert targets == {target, private_community}


# Flags -------------------------------------------------------------------------


def test_member_flags_a_reply_and_the_moderators_are_told(
    reply, core, moderator, community, member
):
    steward = UserFactory()
    MembershipFactory(community=community, user=steward, role=Role.MODERATOR)

    flag = services.flag_create(post=reply, by=core, reason="  Contains a customer's name. ")

    assert flag.reply == reply
    assert flag.community == community
    assert flag.reason == "Contains a customer's name."
    assert flag.status == FlagStatus.OPEN
    told = set(notifications(Kind.POST_FLAGGED).values_list("recipient", flat=True))
    assert told == {moderator.pk, steward.pk}
    assert notifications(Kind.POST_FLAGGED).first().url == "/c/kubernetes/moderation/"


def test_a_moderator_who_flags_is_not_notified_of_their_own_flag(reply, moderator):
    services.flag_create(post=reply, by=moderator, reason="Check this")

    assert not notifications(Kind.POST_FLAGGED, recipient=moderator).exists()


def test_one_open_flag_per_person_per_post(reply, core, help_request):
    services.flag_create(post=reply, by=core, reason="Spam")

    with pytest.raises(ValidationError, match="already flagged"):
        services.flag_create(post=reply, by=core, reason="Spam again")

    # The request itself is another post.
    services.flag_create(post=help_request, by=core, reason="Duplicate")
    assert Flag.objects.count() == 2


def test_a_person_may_flag_again_once_their_flag_was_settled(reply, core, moderator):
    flag = services.flag_create(post=reply, by=core, reason="Spam")
    services.flag_dismiss(flag=flag, by=moderator)

    services.flag_create(post=reply, by=core, reason="Still spam")

    assert Flag.objects.filter(status=FlagStatus.OPEN).count() == 1


@pytest.mark.parametrize(
    ("reason", "message"), [("", "Give a reason"), ("x" * 301, "300 characters")]
)
def test_a_flag_needs_a_short_reason(reply, core, reason, message):
    with pytest.raises(ValidationError, match=message):
        services.flag_create(post=reply, by=core, reason=reason)

    assert not Flag.objects.exists()


def test_outsider_cannot_flag(reply, outsider):
    with pytest.raises(ValidationError, match="Only members"):
        services.flag_create(post=reply, by=outsider, reason="Spam")


def test_members_of_an_archived_community_cannot_flag(reply, core, community):
    community.is_archived = True
    community.save()

    with pytest.raises(ValidationError, match="Only members"):
        services.flag_create(post=reply, by=core, reason="Spam")


def test_nobody_flags_their_own_post(reply, member):
    with pytest.raises(ValidationError, match="your own"):
        services.flag_create(post=reply, by=member, reason="Oops")


def test_a_removed_post_cannot_be_flagged(reply, moderator, core):
    services.post_remove(post=reply, by=moderator, reason="Spam")

    with pytest.raises(ValidationError, match="already removed"):
        services.flag_create(post=reply, by=core, reason="Spam")


def test_dismissing_settles_every_open_flag_on_the_post(
    help_request, reply, core, sponsor, moderator, community
):
    first = services.flag_create(post=reply, by=core, reason="Rude")
    services.flag_create(post=reply, by=sponsor, reason="Off topic")
    other_post = services.flag_create(post=help_request, by=core, reason="Duplicate")

    services.flag_dismiss(flag=first, by=moderator)

    assert set(Flag.objects.filter(reply=reply).values_list("status", flat=True)) == {
        FlagStatus.DISMISSED
    }
    first.refresh_from_db()
    assert first.resolved_by == moderator and first.resolved_at is not None
    other_post.refresh_from_db()
    assert other_post.status == FlagStatus.OPEN
    event = audit_events(AuditAction.FLAG_DISMISSED, community).get()
    assert event.detail["reason"] == "Rude; Off topic"
    assert event.detail["flags"] == 2
    reply.refresh_from_db()
    assert not reply.is_removed


def test_member_cannot_dismiss_a_flag(reply, core, member):
    flag = services.flag_create(post=reply, by=core, reason="Rude")

    with pytest.raises(ValidationError, match="moderators"):
        services.flag_dismiss(flag=flag, by=core)


def test_a_settled_flag_cannot_be_settled_again(reply, core, moderator):
    flag = services.flag_create(post=reply, by=core, reason="Rude")
    services.flag_dismiss(flag=flag, by=moderator)

    with pytest.raises(ValidationError, match="already settled"):
        services.flag_action(flag=flag, by=moderator, action="remove")


def test_acting_on_a_flag_removes_the_post_with_the_flag_reason(
    reply, core, moderator, member, community
):
    flag = services.flag_create(post=reply, by=core, reason="Shares a password")

    services.flag_action(flag=flag, by=moderator, action="remove")

    reply.refresh_from_db()
    flag.refresh_from_db()
    assert reply.is_removed
    assert reply.removed_reason == "Shares a password"
    assert flag.status == FlagStatus.ACTIONED
    assert flag.resolved_by == moderator
    assert audit_events(AuditAction.POST_REMOVED, community).exists()
    assert audit_events(AuditAction.FLAG_ACTIONED, community).get().detail["outcome"] == "removed"
    assert notifications(Kind.POST_REMOVED, recipient=member).exists()


def test_acting_on_a_flag_may_give_its_own_reason(reply, core, moderator):
    flag = services.flag_create(post=reply, by=core, reason="bad")

    services.flag_action(
        flag=flag, by=moderator, action="remove", reason="Breaks rule 3: no credentials"
    )

    reply.refresh_from_db()
    assert reply.removed_reason == "Breaks rule 3: no credentials"


def test_resolving_a_flag_after_an_edit_keeps_the_post(help_request, core, moderator, community):
    flag = services.flag_create(
        post=help_request, by=core, reason="Has a customer name in the title"
    )

    services.flag_action(flag=flag, by=moderator, action="resolve")

    flag.refresh_from_db()
    help_request.refresh_from_db()
    assert flag.status == FlagStatus.ACTIONED
    assert not help_request.is_removed
    assert audit_events(AuditAction.FLAG_ACTIONED, community).get().detail["outcome"] == "resolved"


def test_acting_on_a_flag_needs_a_known_action(reply, core, moderator):
    flag = services.flag_create(post=reply, by=core, reason="Rude")

    with pytest.raises(ValidationError, match="Choose"):
        services.flag_action(flag=flag, by=moderator, action="ban")


def test_acting_on_a_flag_whose_post_the_author_already_removed_just_settles_it(
    reply, core, moderator, member
):
    flag = services.flag_create(post=reply, by=core, reason="Rude")
    services.post_remove(post=reply, by=member)
    Flag.objects.filter(pk=flag.pk).update(
        status=FlagStatus.OPEN
    )  # flagged again before the removal landed

    services.flag_action(flag=flag, by=moderator, action="remove")

    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACTIONED
    reply.refresh_from_db()
    assert reply.removed_by == member


def test_a_moderator_elsewhere_cannot_settle_this_communitys_flags(reply, core):
    flag = services.flag_create(post=reply, by=core, reason="Rude")
    elsewhere = CommunityFactory()
    other_moderator = UserFactory()
    MembershipFactory(community=elsewhere, user=other_moderator, role=Role.MODERATOR)

    with pytest.raises(ValidationError, match="moderators"):
        services.flag_dismiss(flag=flag, by=other_moderator)


def test_a_reply_in_a_removed_request_cannot_be_flagged(help_request, reply, author, core):
    services.post_remove(post=help_request, by=author)

    with pytest.raises(ValidationError, match="help request was already removed"):
        services.flag_create(post=reply, by=core, reason="Spam")

"""Moderation pages and actions, for every role, with and without htmx, and their refusals."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from communities.kinds import AuditAction
from communities.models import AuditEvent, Role
from communities.policy import access_for
from discussions.models import Flag, FlagStatus, HelpRequest
from discussions.services import moderation as services
from tests.discussions.factories import FlagFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def author(community):
    person = UserFactory(display_name="Ann Author")
    MembershipFactory(community=community, user=person)
    return person


@pytest.fixture
def help_request(community, author):
    return HelpRequestFactory(community=community, author=author, title="Pods stuck in Pending")


@pytest.fixture
def reply(help_request, core):
    return ReplyFactory(help_request=help_request, author=core, body="Try `kubectl describe pod`.")


def url(name, help_request, reply=None, **extra):
    args = [help_request.community.slug, help_request.pk] + (
        [reply.pk] if reply is not None else []
    )
    return reverse(name, args=args) + (f"?{extra['query']}" if "query" in extra else "")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# Flagging -----------------------------------------------------------------------


def test_member_flags_a_reply_without_javascript(client, member, help_request, reply):
    client.force_login(member)

    response = client.post(
        url("discussions:flag_reply", help_request, reply), {"reason": "Shares a token"}
    )

    assert response.status_code == 302
    assert response.url == reply.get_absolute_url()
    flag = Flag.objects.get()
    assert (flag.reply, flag.flagged_by, flag.reason) == (reply, member, "Shares a token")
    assert "moderators will look" in messages_of(response)[-1]


def test_member_flags_a_request_with_htmx_and_gets_a_thank_you_in_place(
    client, member, help_request
):
    client.force_login(member)

    response = client.post(url("discussions:flag", help_request), {"reason": "Duplicate"}, **HTMX)

    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert b"<html" not in response.content
    assert Flag.objects.filter(help_request=help_request, reply=None).exists()


def test_an_htmx_flag_without_a_reason_comes_back_with_the_error(client, member, help_request):
    client.force_login(member)

    response = client.post(url("discussions:flag", help_request), {"reason": ""}, **HTMX)

    assert response.status_code == 400
    assert b"Say what is wrong" in response.content
    assert not Flag.objects.exists()


def test_a_flag_form_with_errors_keeps_what_was_typed(client, member, help_request):
    client.force_login(member)
    typed = "x" * 301

    response = client.post(url("discussions:flag", help_request), {"reason": typed})

    assert response.status_code == 200
    assert typed.encode() in response.content
    assert b"at most 300 characters" in response.content
    assert not Flag.objects.exists()


def test_the_flag_page_shows_the_post_and_a_labelled_reason(client, member, help_request, reply):
    client.force_login(member)

    response = client.get(url("discussions:flag_reply", help_request, reply))

    assert response.status_code == 200
    body = response.content.decode()
    assert "kubectl describe pod" in body
    assert f'<label for="flag-reason-r{reply.pk}">' in body


def test_flagging_twice_is_refused_with_a_message(client, member, help_request, reply):
    client.force_login(member)
    client.post(url("discussions:flag_reply", help_request, reply), {"reason": "Spam"})

    response = client.post(url("discussions:flag_reply", help_request, reply), {"reason": "Spam!"})

    assert response.status_code == 302
    assert "already flagged" in messages_of(response)[-1]
    assert Flag.objects.count() == 1


def test_flagging_twice_with_htmx_answers_400_with_the_message(client, member, help_request, reply):
    client.force_login(member)
    client.post(url("discussions:flag_reply", help_request, reply), {"reason": "Spam"}, **HTMX)

    response = client.post(
        url("discussions:flag_reply", help_request, reply), {"reason": "Spam!"}, **HTMX
    )

    assert response.status_code == 400
    assert b"already flagged" in response.content


def test_nobody_flags_their_own_reply(client, core, help_request, reply):
    client.force_login(core)

    response = client.post(url("discussions:flag_reply", help_request, reply), {"reason": "Oops"})

    assert response.status_code == 302
    assert "it is yours" in messages_of(response)[-1]
    assert not Flag.objects.exists()


def test_outsider_of_a_public_community_cannot_flag(client, outsider, help_request):
    client.force_login(outsider)

    response = client.post(url("discussions:flag", help_request), {"reason": "Spam"})

    assert response.status_code == 403
    assert not Flag.objects.exists()


# The queue ----------------------------------------------------------------------


def test_moderator_sees_open_flags_grouped_per_post_oldest_first(
    client, moderator, member, sponsor, help_request, reply
):
    newer = HelpRequestFactory(community=help_request.community, title="Newer flagged request")
    FlagFactory(help_request=help_request, reply=reply, flagged_by=member, reason="Shares a token")
    FlagFactory(help_request=help_request, reply=reply, flagged_by=sponsor, reason="Really does")
    FlagFactory(help_request=newer, flagged_by=member, reason="Duplicate of another")
    FlagFactory(
        help_request=help_request,
        flagged_by=member,
        status=FlagStatus.DISMISSED,
        reason="Old and settled",
    )
    client.force_login(moderator)

    response = client.get(reverse("discussions:moderation_queue", args=["kubernetes"]))

    assert response.status_code == 200
    body = response.content.decode()
    groups = response.context["page"].object_list
    assert [g["post"] for g in groups] == [reply, newer]
    assert [f.reason for f in groups[0]["flags"]] == ["Shares a token", "Really does"]
    assert "Mia Member" in body and "Sam Sponsor" in body
    assert "kubectl describe pod" in body
    assert "Old and settled" not in body
    # The reason is prefilled for removal, and the thread is one click away.
    assert ">Shares a token</textarea>" in body
    assert reply.get_absolute_url() in body
    assert response.context["open_flags"] == 2


def test_the_queue_lists_recently_removed_posts_with_a_restore_button(
    client, moderator, help_request, reply
):
    services.post_remove(post=reply, by=moderator, reason="Leaked a password")
    client.force_login(moderator)

    response = client.get(reverse("discussions:moderation_queue", args=["kubernetes"]))

    body = response.content.decode()
    assert "Leaked a password" in body
    assert (
        reverse("discussions:restore_reply", args=["kubernetes", help_request.pk, reply.pk]) in body
    )


def test_the_queue_is_paginated(client, moderator, community, member):
    for _ in range(25):
        FlagFactory(help_request=HelpRequestFactory(community=community), flagged_by=member)
    client.force_login(moderator)

    first = client.get(reverse("discussions:moderation_queue", args=["kubernetes"]))
    second = client.get(reverse("discussions:moderation_queue", args=["kubernetes"]), {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5


def test_moderator_dismisses_the_flags_from_the_queue(
    client, moderator, member, help_request, reply
):
    flag = FlagFactory(help_request=help_request, reply=reply, flagged_by=member)
    client.force_login(moderator)

    response = client.post(
        reverse("discussions:resolve_flag", args=["kubernetes", flag.pk]), {"decision": "dismiss"}
    )

    assert response.url == reverse("discussions:moderation_queue", args=["kubernetes"])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
    reply.refresh_from_db()
    assert not reply.is_removed


def test_moderator_removes_the_flagged_post_from_the_queue_with_the_prefilled_reason(
    client, moderator, member, help_request, reply
):
    flag = FlagFactory(
        help_request=help_request, reply=reply, flagged_by=member, reason="Shares a token"
    )
    client.force_login(moderator)

    client.post(
        reverse("discussions:resolve_flag", args=["kubernetes", flag.pk]),
        {"decision": "remove", "reason": "Shares a token (rule 2)"},
    )

    reply.refresh_from_db()
    assert reply.is_removed and reply.removed_reason == "Shares a token (rule 2)"
    assert Flag.objects.get().status == FlagStatus.ACTIONED


def test_resolving_a_flag_without_a_decision_is_refused_with_a_message(
    client, moderator, member, help_request
):
    flag = FlagFactory(help_request=help_request, flagged_by=member)
    client.force_login(moderator)

    response = client.post(
        reverse("discussions:resolve_flag", args=["kubernetes", flag.pk]), {"decision": "ban"}
    )

    assert response.status_code == 302
    assert "Choose" in messages_of(response)[-1]
    assert Flag.objects.get().status == FlagStatus.OPEN


def test_resolving_a_settled_flag_is_refused_with_a_message(
    client, moderator, member, help_request
):
    flag = FlagFactory(help_request=help_request, flagged_by=member, status=FlagStatus.DISMISSED)
    client.force_login(moderator)

    response = client.post(
        reverse("discussions:resolve_flag", args=["kubernetes", flag.pk]), {"decision": "dismiss"}
    )

    assert response.status_code == 302
    assert "already settled" in messages_of(response)[-1]


def test_the_moderation_link_shows_the_open_flag_count_on_the_community_page(
    client, moderator, member, help_request
):
    FlagFactory(help_request=help_request, flagged_by=member)
    client.force_login(moderator)

    response = client.get(reverse("communities:detail", args=["kubernetes"]))

    body = response.content.decode()
    assert reverse("discussions:moderation_queue", args=["kubernetes"]) in body
    assert "open flags: </span>1</span>" in body


def test_members_do_not_see_the_moderation_link(client, member):
    client.force_login(member)

    response = client.get(reverse("communities:detail", args=["kubernetes"]))

    assert (
        reverse("discussions:moderation_queue", args=["kubernetes"])
        not in response.content.decode()
    )


# Lock and pin ---------------------------------------------------------------------


def test_lock_toggles_without_javascript(client, moderator, help_request):
    client.force_login(moderator)

    first = client.post(url("discussions:lock", help_request))
    help_request.refresh_from_db()
    assert help_request.is_locked
    assert first.url == help_request.get_absolute_url()

    client.post(url("discussions:lock", help_request))
    help_request.refresh_from_db()
    assert not help_request.is_locked


def test_a_double_submitted_lock_does_not_flip_back(client, moderator, help_request):
    client.force_login(moderator)
    client.post(url("discussions:lock", help_request), {"value": "on"})

    response = client.post(url("discussions:lock", help_request), {"value": "on"})

    help_request.refresh_from_db()
    assert help_request.is_locked
    assert "already locked" in messages_of(response)[-1]


def test_pin_with_htmx_refreshes_the_page(client, moderator, help_request):
    client.force_login(moderator)

    response = client.post(url("discussions:pin", help_request), {"value": "on"}, **HTMX)

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    help_request.refresh_from_db()
    assert help_request.is_pinned


def test_a_refused_htmx_pin_answers_400_with_the_tools_and_the_message(
    client, moderator, help_request
):
    client.force_login(moderator)

    response = client.post(url("discussions:pin", help_request), {"value": "off"}, **HTMX)

    assert response.status_code == 400
    assert b"not pinned" in response.content
    assert b'id="request-tools-' in response.content


@pytest.mark.parametrize("name", ["discussions:lock", "discussions:pin"])
@pytest.mark.parametrize("persona", ["member", "core", "sponsor", "author"])
def test_only_moderators_lock_and_pin(client, request, help_request, name, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(url(name, help_request))

    assert response.status_code == 403
    help_request.refresh_from_db()
    assert not help_request.is_locked and not help_request.is_pinned


# Move -------------------------------------------------------------------------------


@pytest.fixture
def target(moderator):
    other = CommunityFactory(name="Platform Guild", slug="platform-guild")
    MembershipFactory(community=other, user=moderator, role=Role.MODERATOR)
    return other


def test_the_move_page_offers_only_communities_the_mover_moderates(
    client, moderator, help_request, target
):
    not_mine = CommunityFactory(name="Not Mine")
    client.force_login(moderator)

    response = client.get(url("discussions:move", help_request))

    choices = list(response.context["form"].fields["to_community"].queryset)
    assert target in choices
    assert not_mine not in choices
    assert help_request.community not in choices


def test_moderator_moves_a_request_and_lands_on_it_in_its_new_community(
    client, moderator, help_request, target
):
    client.force_login(moderator)

    response = client.post(url("discussions:move", help_request), {"to_community": target.pk})

    help_request.refresh_from_db()
    assert help_request.community == target
    assert response.url == f"/c/platform-guild/help/{help_request.pk}/"


def test_moving_to_a_community_one_does_not_moderate_is_a_form_error(
    client, moderator, help_request
):
    not_mine = CommunityFactory(name="Not Mine")
    client.force_login(moderator)

    response = client.post(url("discussions:move", help_request), {"to_community": not_mine.pk})

    assert response.status_code == 200
    assert b"Choose one of the communities you moderate." in response.content
    help_request.refresh_from_db()
    assert help_request.community.slug == "kubernetes"


def test_the_move_page_says_so_when_there_is_nowhere_to_go(client, help_request, community):
    solo = UserFactory()
    MembershipFactory(community=community, user=solo, role=Role.MODERATOR)
    client.force_login(solo)

    response = client.get(url("discussions:move", help_request))

    assert b"nowhere to move it" in response.content


# Remove and restore -----------------------------------------------------------------------


def test_author_removes_their_own_request_and_sees_it_marked_removed(client, author, help_request):
    client.force_login(author)

    page = client.get(url("discussions:remove_request", help_request))
    assert b"Reason (optional)" in page.content
    response = client.post(url("discussions:remove_request", help_request), {"reason": ""})

    assert response.url == help_request.get_absolute_url()
    help_request.refresh_from_db()
    assert help_request.is_removed


def test_moderator_must_give_a_reason_and_keeps_what_they_typed(client, moderator, help_request):
    client.force_login(moderator)
    typed = "y" * 301

    empty = client.post(url("discussions:remove_request", help_request), {"reason": ""})
    too_long = client.post(url("discussions:remove_request", help_request), {"reason": typed})

    assert empty.status_code == 200
    assert b"Give a reason" in empty.content
    assert too_long.status_code == 200
    assert typed.encode() in too_long.content
    help_request.refresh_from_db()
    assert not help_request.is_removed


def test_moderator_removes_a_reply_with_a_reason(client, moderator, help_request, reply):
    client.force_login(moderator)

    response = client.post(
        url("discussions:remove_reply", help_request, reply), {"reason": "Off topic"}
    )

    assert response.url == reply.get_absolute_url()
    reply.refresh_from_db()
    assert reply.is_removed and reply.removed_reason == "Off topic"
    assert "author has been told" in messages_of(response)[-1]


def test_author_removes_their_own_reply(client, core, help_request, reply):
    client.force_login(core)

    client.post(url("discussions:remove_reply", help_request, reply), {"reason": ""})

    reply.refresh_from_db()
    assert reply.is_removed and reply.removed_by == core


@pytest.mark.parametrize("persona", ["member", "sponsor", "outsider"])
def test_others_cannot_remove_a_reply(client, request, help_request, reply, persona):
    client.force_login(request.getfixturevalue(persona))

    get = client.get(url("discussions:remove_reply", help_request, reply))
    post = client.post(url("discussions:remove_reply", help_request, reply), {"reason": "Nope"})

    assert (get.status_code, post.status_code) == (403, 403)
    reply.refresh_from_db()
    assert not reply.is_removed


def test_removing_an_already_removed_post_is_refused_with_a_message(
    client, moderator, help_request, reply
):
    services.post_remove(post=reply, by=moderator, reason="Spam")
    client.force_login(moderator)

    response = client.get(url("discussions:remove_reply", help_request, reply))

    assert response.status_code == 302
    assert "already removed" in messages_of(response)[-1]


def test_moderator_restores_a_reply_and_returns_to_the_queue(
    client, moderator, help_request, reply
):
    services.post_remove(post=reply, by=moderator, reason="Spam")
    client.force_login(moderator)
    queue = reverse("discussions:moderation_queue", args=["kubernetes"])

    response = client.post(url("discussions:restore_reply", help_request, reply), {"next": queue})

    assert response.url == queue
    reply.refresh_from_db()
    assert not reply.is_removed


def test_restoring_a_post_that_is_not_removed_is_refused_with_a_message(
    client, moderator, help_request
):
    client.force_login(moderator)

    response = client.post(url("discussions:restore_request", help_request))

    assert response.status_code == 302
    assert "not removed" in messages_of(response)[-1]


def test_audit_log_links_to_the_removed_post(client, moderator, help_request, reply):
    services.post_remove(post=reply, by=moderator, reason="Leaked a password")
    client.force_login(moderator)

    response = client.get(reverse("communities:audit_log", args=["kubernetes"]))

    body = response.content.decode()
    assert f'<a href="{reply.get_absolute_url()}">Reply in “Pods stuck in Pending”</a>' in body
    assert "Leaked a password" in body


# Ids must belong to the slug's community --------------------------------------------------


@pytest.fixture
def elsewhere():
    """A community the moderator persona does not moderate, with a post, a reply and a flag."""
    other = CommunityFactory(name="Elsewhere", slug="elsewhere")
    help_request = HelpRequestFactory(community=other)
    reply = ReplyFactory(help_request=help_request)
    flag = FlagFactory(help_request=help_request, reply=reply)
    return help_request, reply, flag


CROSS = [
    ("discussions:flag", "request"),
    ("discussions:flag_reply", "reply"),
    ("discussions:lock", "request"),
    ("discussions:pin", "request"),
    ("discussions:move", "request"),
    ("discussions:remove_request", "request"),
    ("discussions:remove_reply", "reply"),
    ("discussions:restore_request", "request"),
    ("discussions:restore_reply", "reply"),
    ("discussions:resolve_flag", "flag"),
]


@pytest.mark.parametrize(("name", "what"), CROSS)
def test_moderator_cannot_reach_another_communitys_posts_through_their_own(
    client, moderator, community, elsewhere, name, what
):
    help_request, reply, flag = elsewhere
    client.force_login(moderator)
    args = {
        "request": ["kubernetes", help_request.pk],
        "reply": ["kubernetes", help_request.pk, reply.pk],
        "flag": ["kubernetes", flag.pk],
    }[what]

    response = client.post(
        reverse(name, args=args),
        {"reason": "x", "decision": "remove", "to_community": community.pk},
    )

    assert response.status_code == 404
    help_request.refresh_from_db()
    reply.refresh_from_db()
    flag.refresh_from_db()
    assert not (
        help_request.is_removed
        or help_request.is_locked
        or help_request.is_pinned
        or reply.is_removed
    )
    assert help_request.community.slug == "elsewhere"
    assert flag.status == FlagStatus.OPEN
    assert (
        not AuditEvent.objects.filter(community=community)
        .exclude(action=AuditAction.JOINED)
        .exists()
    )


@pytest.mark.parametrize(
    "name", ["discussions:flag_reply", "discussions:remove_reply", "discussions:restore_reply"]
)
def test_a_reply_must_belong_to_the_request_in_the_url(
    client, moderator, community, help_request, name
):
    other_thread_reply = ReplyFactory(help_request=HelpRequestFactory(community=community))
    client.force_login(moderator)

    response = client.post(
        reverse(name, args=["kubernetes", help_request.pk, other_thread_reply.pk]), {"reason": "x"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "name", ["discussions:flag", "discussions:move", "discussions:remove_request"]
)
def test_unknown_ids_are_404(client, moderator, name):
    client.force_login(moderator)

    response = client.get(reverse(name, args=["kubernetes", 999999]))

    assert response.status_code == 404


# The tools partials ---------------------------------------------------------------------------


def render_tools(template, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    community = context["help_request"].community
    return render_to_string(
        f"discussions/includes/{template}",
        {**context, "access": access_for(user, community)},
        request=request,
    )


def test_moderators_get_every_request_tool(moderator, help_request):
    html = render_tools("_request_tools.html", moderator, help_request=help_request)

    for label in (
        "Lock thread",
        "Pin",
        "Move",
        'aria-label="Remove this help request"',
        'aria-label="Flag this help request"',
    ):
        assert label in html


def test_locked_and_pinned_requests_offer_to_undo(moderator, help_request):
    HelpRequest.objects.filter(pk=help_request.pk).update(is_locked=True, is_pinned=True)
    help_request.refresh_from_db()

    html = render_tools("_request_tools.html", moderator, help_request=help_request)

    assert "Unlock thread" in html and "Unpin" in html


def test_members_may_only_flag_a_request(member, help_request):
    html = render_tools("_request_tools.html", member, help_request=help_request)

    assert 'aria-label="Flag this help request"' in html
    assert "Lock thread" not in html and "Remove" not in html


def test_the_author_may_remove_but_not_flag_their_request(author, help_request):
    html = render_tools("_request_tools.html", author, help_request=help_request)

    assert 'aria-label="Remove this help request"' in html
    assert "Flag" not in html


def test_outsiders_get_no_tools(outsider, help_request, reply):
    assert render_tools("_request_tools.html", outsider, help_request=help_request).strip() == ""
    assert (
        render_tools("_post_tools.html", outsider, help_request=help_request, reply=reply).strip()
        == ""
    )


def test_reply_tools_follow_the_permissions(member, core, moderator, help_request, reply):
    as_member = render_tools("_post_tools.html", member, help_request=help_request, reply=reply)
    as_author = render_tools("_post_tools.html", core, help_request=help_request, reply=reply)
    as_moderator = render_tools(
        "_post_tools.html", moderator, help_request=help_request, reply=reply
    )

    assert 'aria-label="Flag this reply"' in as_member and "Remove this reply" not in as_member
    assert "Remove this reply" in as_author and "Flag this reply" not in as_author
    assert "Remove this reply" in as_moderator and "Flag this reply" in as_moderator


def test_a_removed_reply_offers_moderators_to_restore_it(moderator, member, help_request, reply):
    services.post_remove(post=reply, by=moderator, reason="Spam")
    reply.refresh_from_db()

    as_moderator = render_tools(
        "_post_tools.html", moderator, help_request=help_request, reply=reply
    )
    as_member = render_tools("_post_tools.html", member, help_request=help_request, reply=reply)

    assert "Restore this reply" in as_moderator and "Remove this reply" not in as_moderator
    assert as_member.strip() == ""

"""The thread pages for every role: list, ask, thread, replies, edits, accept, votes, follows, writing aids."""

import pytest
from django.test import override_settings
from django.urls import reverse

from communities.models import Role
from discussions.models import (
    MAX_REPLY_DEPTH,
    HelpfulVote,
    HelpRequest,
    Reply,
    RequestStatus,
    Revision,
)
from discussions.services import posting
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, request=None, reply=None, slug=None):
    if request is None:
        return reverse(f"discussions:{name}", args=[slug])
    args = [request.community.slug, request.pk] + ([reply.pk] if reply else [])
    return reverse(f"discussions:{name}", args=args)


@pytest.fixture
def request_(community, member):
    return posting.help_request_create(
        community=community,
        by=member,
        title="Pods stuck in Pending",
        body="Nodes have **room**.",
        tags=["kubernetes"],
    )


# List ----------------------------------------------------------------------


def test_the_list_shows_pinned_requests_first_then_recent_activity(client, community, member):
    old_pinned = HelpRequestFactory(community=community, title="Read this first", is_pinned=True)
    HelpRequest.objects.filter(pk=old_pinned.pk).update(last_activity_at="2020-01-01T00:00Z")
    HelpRequestFactory(community=community, title="Fresh question")
    client.force_login(member)

    response = client.get(url("list", slug=community.slug))

    titles = [r.title for r in response.context["page"].object_list]
    assert titles == ["Read this first", "Fresh question"]
    assert b"Ask for help" in response.content


def test_the_list_filters_by_status_tag_and_unanswered(client, community, member, request_):
    HelpRequestFactory(
        community=community, title="Solved one", status=RequestStatus.SOLVED, reply_count=3
    )
    client.force_login(member)

    def titles(**params):
        return [
            r.title
            for r in client.get(url("list", slug=community.slug), params)
            .context["page"]
            .object_list
        ]

    assert titles(status="solved") == ["Solved one"]
    assert titles(tag="kubernetes") == ["Pods stuck in Pending"]
    assert titles(unanswered="on") == ["Pods stuck in Pending"]


def test_the_list_and_search_agree_that_a_closed_request_without_replies_is_not_unanswered(
    client, community, member, request_
):
    HelpRequestFactory(community=community, title="Closed unasked", status=RequestStatus.CLOSED)
    client.force_login(member)

    listed = client.get(url("list", slug=community.slug), {"unanswered": "on"})
    searched = client.get(reverse("discussions:search"), {"community": community.slug, "unanswered": "on"})

    assert [r.title for r in listed.context["page"].object_list] == ["Pods stuck in Pending"]
    assert [r.title for r in searched.context["page"].object_list] == ["Pods stuck in Pending"]


def test_removed_requests_are_hidden_from_members_but_listed_for_moderators(
    client, community, member, moderator
):
    HelpRequestFactory(community=community, title="Spam", is_removed=True)
    client.force_login(member)
    assert b"Spam" not in client.get(url("list", slug=community.slug)).content
    client.force_login(moderator)
    assert b"Spam" in client.get(url("list", slug=community.slug)).content


def test_an_outsider_cannot_see_the_requests_of_a_private_community(
    client, private_community, outsider
):
    client.force_login(outsider)

    assert client.get(url("list", slug=private_community.slug)).status_code == 404


# Asking --------------------------------------------------------------------


def test_a_member_asks_for_help_and_lands_on_the_thread(client, community, member):
    client.force_login(member)

    response = client.post(
        url("ask", slug=community.slug),
        {
            "title": "Helm upgrade fails",
            "body": "`helm upgrade` says no",
            "tags": "helm, Kubernetes",
        },
    )

    request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response.url == request.get_absolute_url()
    assert sorted(request.tags.names()) == ["helm", "kubernetes"]


def test_the_ask_form_asks_for_similar_questions_while_typing_the_title(client, community, member):
    client.force_login(member)

    content = client.get(url("ask", slug=community.slug)).content.decode()

    assert f'hx-get="{reverse("discussions:similar", args=[community.slug])}"' in content
    assert 'hx-trigger="input changed delay:300ms"' in content
    assert '<div id="similar-requests" aria-live="polite"></div>' in content
    assert f'hx-post="{url("preview", slug=community.slug)}"' in content


def test_a_form_with_errors_keeps_what_was_typed(client, community, member):
    client.force_login(member)

    response = client.post(
        url("ask", slug=community.slug),
        {"title": "", "body": "My long explanation", "tags": "helm"},
    )

    assert response.status_code == 200
    assert b"My long explanation" in response.content
    assert b'value="helm"' in response.content
    assert not HelpRequest.objects.exists()


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (1, 600), "reply": (1, 600)})
def test_asking_too_often_is_refused_with_429_and_the_text_kept(client, community, member):
    client.force_login(member)
    client.post(url("ask", slug=community.slug), {"title": "First", "body": "One"})

    response = client.post(
        url("ask", slug=community.slug), {"title": "Second", "body": "Two, carefully written"}
    )

    assert response.status_code == 429
    assert b"Please wait" in response.content
    assert b"Two, carefully written" in response.content
    assert HelpRequest.objects.count() == 1


def test_the_site_admin_reads_but_does_not_ask_unless_a_member(client, community, site_admin):
    client.force_login(site_admin)

    assert client.get(url("ask", slug=community.slug)).status_code == 403


def test_nobody_asks_in_an_archived_community(client, community, member):
    community.is_archived = True
    community.save()
    client.force_login(member)

    assert client.get(url("ask", slug=community.slug)).status_code == 403


# The thread ----------------------------------------------------------------


def test_the_thread_shows_the_request_and_its_nested_replies(
    client, community, member, core, moderator, request_
):
    top = posting.reply_create(help_request=request_, by=core, body="Check the taints")
    nested = posting.reply_create(
        help_request=request_, by=moderator, body="And the tolerations", parent=top
    )
    client.force_login(member)

    response = client.get(request_.get_absolute_url())

    content = response.content.decode()
    assert "Pods stuck in Pending" in content
    assert "<strong>room</strong>" in content
    node = response.context["thread"].nodes[0]
    assert node.reply == top and node.children[0].reply == nested
    assert (
        content.index(f'id="reply-{top.pk}"')
        < content.index('class="replies replies-nested"')
        < content.index(f'id="reply-{nested.pk}"')
    )


def test_a_flattened_reply_says_whom_it_answers(client, community, member, core, request_):
    deepest = posting.reply_create(help_request=request_, by=core, body="1")
    for depth in range(2, MAX_REPLY_DEPTH + 1):
        deepest = posting.reply_create(
            help_request=request_, by=core if depth % 2 else member, body=str(depth), parent=deepest
        )
    posting.reply_create(help_request=request_, by=core, body="too deep", parent=deepest)
    client.force_login(member)

    content = client.get(request_.get_absolute_url()).content.decode()

    assert f'in reply to <a href="#reply-{deepest.pk}">' in content


def test_the_accepted_answer_is_shown_at_the_top_with_a_link_to_its_place(
    client, community, member, core, request_
):
    answer = posting.reply_create(help_request=request_, by=core, body="Cordon the node")
    posting.answer_accept(help_request=request_, reply=answer, by=member)
    client.force_login(member)

    content = client.get(request_.get_absolute_url()).content.decode()

    assert content.index('id="accepted-answer"') < content.index('id="replies-heading"')
    assert url("reply_permalink", request_, answer) in content
    assert "Solved" in content


def test_replies_sort_by_helpful(client, community, member, core, moderator, request_):
    first = posting.reply_create(help_request=request_, by=core, body="meh")
    second = posting.reply_create(help_request=request_, by=moderator, body="great")
    posting.vote_toggle(reply=second, by=member)
    client.force_login(member)

    nodes = client.get(request_.get_absolute_url(), {"sort": "helpful"}).context["thread"].nodes

    assert [n.reply for n in nodes] == [second, first]


def test_top_level_replies_are_paged_and_the_permalink_finds_the_page(
    client, community, member, request_
):
    roots = [ReplyFactory(help_request=request_) for _ in range(25)]
    nested = ReplyFactory(parent=roots[22])
    client.force_login(member)

    response = client.get(url("reply_permalink", request_, nested))

    assert response.url == f"{request_.get_absolute_url()}?page=2#reply-{nested.pk}"
    page_two = client.get(request_.get_absolute_url(), {"page": 2}).context["thread"].nodes
    assert [n.reply for n in page_two] == roots[20:]


def test_a_removed_reply_shows_who_removed_it_and_keeps_its_children(
    client, community, member, core, moderator, request_
):
    top = posting.reply_create(help_request=request_, by=core, body="Secret patient id 123")
    child = posting.reply_create(help_request=request_, by=member, body="Thanks!", parent=top)
    Reply.objects.filter(pk=top.pk).update(
        is_removed=True, removed_by=moderator, removed_reason="Patient data"
    )
    client.force_login(member)

    content = client.get(request_.get_absolute_url()).content.decode()

    assert "Removed by Max Moderator: Patient data" in content
    assert "Secret patient id 123" not in content
    assert f'id="reply-{child.pk}"' in content
    client.force_login(moderator)
    assert "Secret patient id 123" in client.get(request_.get_absolute_url()).content.decode()


def test_a_removed_request_shows_who_removed_it(
    client, community, member, core, moderator, request_
):
    HelpRequest.objects.filter(pk=request_.pk).update(
        is_removed=True, removed_by=moderator, removed_reason="Duplicate"
    )
    client.force_login(core)

    content = client.get(request_.get_absolute_url()).content.decode()

    assert "Removed by Max Moderator: Duplicate" in content
    assert "<strong>room</strong>" not in content
    assert 'id="reply-form"' not in content


def test_a_bad_id_is_a_404(client, community, member, request_):
    client.force_login(member)

    assert (
        client.get(reverse("discussions:thread", args=[community.slug, 999999])).status_code == 404
    )
    assert (
        client.get(
            reverse("discussions:reply_permalink", args=[community.slug, request_.pk, 999999])
        ).status_code
        == 404
    )
    assert client.post(url("reply", request_), {"body": "x", "parent": "abc"}).status_code == 404


def test_a_request_is_not_found_through_another_community(
    client, community, private_community, member
):
    elsewhere = HelpRequestFactory(community=private_community)
    client.force_login(member)

    assert (
        client.get(reverse("discussions:thread", args=[community.slug, elsewhere.pk])).status_code
        == 404
    )


# Replying ------------------------------------------------------------------


def test_a_reply_redirects_to_its_permalink(client, community, member, core, request_):
    client.force_login(core)

    response = client.post(url("reply", request_), {"body": "Check `kubectl describe`"})

    reply = Reply.objects.get()
    assert response.url == url("reply_permalink", request_, reply)


def test_an_htmx_reply_to_a_reply_sends_the_browser_to_it(
    client, community, member, core, request_
):
    top = posting.reply_create(help_request=request_, by=member, body="More detail")
    client.force_login(core)

    response = client.post(
        url("reply", request_), {"body": "Nested", "parent": top.pk}, headers={"HX-Request": "true"}
    )

    nested = Reply.objects.get(body="Nested")
    assert response["HX-Redirect"] == url("reply_permalink", request_, nested)
    assert nested.depth == 2


def test_the_inline_reply_form_comes_as_a_partial_for_htmx(
    client, community, member, core, request_
):
    top = posting.reply_create(help_request=request_, by=member, body="More detail")
    client.force_login(core)

    response = client.get(
        url("reply", request_), {"parent": top.pk}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert "<html" not in content
    assert f'name="parent" value="{top.pk}"' in content
    assert f'id="id_reply-{top.pk}_body"' in content


def test_an_empty_reply_keeps_the_form_and_saves_nothing(client, community, core, request_):
    client.force_login(core)

    response = client.post(url("reply", request_), {"body": "  "}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not Reply.objects.exists()


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (5, 600), "reply": (1, 600)})
def test_replying_too_often_is_refused_with_429_and_the_text_kept(
    client, community, core, request_
):
    client.force_login(core)
    client.post(url("reply", request_), {"body": "first"})

    response = client.post(url("reply", request_), {"body": "second, thoughtful"})

    assert response.status_code == 429
    assert b"second, thoughtful" in response.content
    assert Reply.objects.count() == 1


def test_a_locked_thread_refuses_replies_from_members(
    client, community, member, core, moderator, request_
):
    HelpRequest.objects.filter(pk=request_.pk).update(is_locked=True)
    client.force_login(core)
    assert client.post(url("reply", request_), {"body": "x"}).status_code == 403
    assert b"This thread is locked" in client.get(request_.get_absolute_url()).content
    client.force_login(moderator)
    assert client.post(url("reply", request_), {"body": "Closing note"}).status_code == 302


# Editing and revisions -----------------------------------------------------


def test_the_author_edits_and_sees_the_history_with_a_diff(client, community, member, request_):
    client.force_login(member)

    response = client.post(
        url("edit_request", request_),
        {
            "title": "Pods stuck in Pending",
            "body": "Nodes have room.\nNew line",
            "tags": "kubernetes",
        },
    )

    assert response.status_code == 302
    assert Revision.objects.get().body == "Nodes have **room**."
    history = client.get(url("request_revisions", request_)).content.decode()
    assert "<ins>" in history and "New line" in history


def test_another_member_cannot_edit_or_see_the_history(client, community, core, request_):
    client.force_login(core)

    assert client.get(url("edit_request", request_)).status_code == 403
    assert client.get(url("request_revisions", request_)).status_code == 403


def test_the_reply_author_edits_their_reply(client, community, member, core, request_):
    reply = posting.reply_create(help_request=request_, by=core, body="Typo")
    client.force_login(core)

    response = client.post(url("edit_reply", request_, reply), {"body": "Fixed"})

    assert response.url == url("reply_permalink", request_, reply)
    reply.refresh_from_db()
    assert reply.body_html == "<p>Fixed</p>\n"
    assert client.get(url("reply_revisions", request_, reply)).status_code == 200


# Accept, vote, follow ------------------------------------------------------


def test_the_asker_accepts_and_withdraws_an_answer(client, community, member, core, request_):
    answer = posting.reply_create(help_request=request_, by=core, body="Cordon it")
    client.force_login(member)

    client.post(url("accept", request_, answer))
    request_.refresh_from_db()
    assert request_.status == RequestStatus.SOLVED

    client.post(url("unaccept", request_))
    request_.refresh_from_db()
    assert request_.status == RequestStatus.ANSWERED


def test_another_member_cannot_accept(client, community, member, core, request_):
    answer = posting.reply_create(help_request=request_, by=core, body="Cordon it")
    client.force_login(core)

    assert client.post(url("accept", request_, answer)).status_code == 403


def test_a_reply_of_another_thread_cannot_be_accepted(client, community, member, request_):
    other = ReplyFactory(help_request=HelpRequestFactory(community=community))
    client.force_login(member)

    assert client.post(url("accept", request_, other)).status_code == 404


def test_a_helpful_vote_toggles_in_place_with_htmx(client, community, member, core, request_):
    reply = posting.reply_create(help_request=request_, by=core, body="Answer")
    client.force_login(member)

    content = client.post(
        url("vote", request_, reply), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'aria-pressed="true"' in content and '<span class="vote-count">1</span>' in content
    content = client.post(
        url("vote", request_, reply), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'aria-pressed="false"' in content and '<span class="vote-count">0</span>' in content


def test_voting_for_your_own_reply_is_refused_with_a_message(client, community, core, request_):
    reply = posting.reply_create(help_request=request_, by=core, body="Answer")
    client.force_login(core)

    content = client.post(
        url("vote", request_, reply), headers={"HX-Request": "true"}
    ).content.decode()

    assert "cannot mark your own reply" in content
    assert not HelpfulVote.objects.exists()


def test_following_toggles_with_htmx(client, community, core, request_):
    client.force_login(core)

    content = client.post(url("follow", request_), headers={"HX-Request": "true"}).content.decode()

    assert 'aria-pressed="true"' in content and "Following" in content


# Writing aids --------------------------------------------------------------


def test_the_preview_renders_markdown_and_links_mentions_of_readers_only(
    client, private_community, member, core
):
    stranger = UserFactory(display_name="Sid Stranger")
    client.force_login(member)

    content = client.post(
        url("preview", slug=private_community.slug),
        {"body": f"**hi** @{core.handle} @{stranger.handle} <script>alert(1)</script>"},
    ).content.decode()

    assert "<strong>hi</strong>" in content
    assert f'href="{core.get_absolute_url()}"' in content
    assert stranger.get_absolute_url() not in content
    assert "<script>" not in content


def test_mention_suggestions_list_only_people_who_can_read_the_community(
    client, private_community, member, core
):
    stranger = UserFactory(display_name="Cora Stranger")
    client.force_login(member)

    content = client.get(
        url("mention_suggestions", slug=private_community.slug), {"q": "cora"}
    ).content.decode()

    assert f"@{core.handle}" in content
    assert stranger.handle not in content


def test_mention_suggestions_stop_at_eight(client, community, member):
    for n in range(10):
        UserFactory(display_name=f"Zed {n}")
    client.force_login(member)

    response = client.get(url("mention_suggestions", slug=community.slug), {"q": "zed"})

    assert len(response.context["people"]) == 8


# The community page --------------------------------------------------------


def test_the_community_page_shows_the_latest_requests_with_their_status(
    client, community, member, core, request_
):
    answer = posting.reply_create(help_request=request_, by=core, body="Cordon it")
    posting.answer_accept(help_request=request_, reply=answer, by=member)
    client.force_login(member)

    content = client.get(community.get_absolute_url()).content.decode()

    assert 'id="help-card-heading"' in content
    assert "Pods stuck in Pending" in content and "Solved" in content
    assert url("list", slug=community.slug) in content


def test_a_sponsor_can_reply_and_vote_as_a_member(
    client, community, member, sponsor, core, request_
):
    reply = posting.reply_create(help_request=request_, by=core, body="Answer")
    client.force_login(sponsor)

    assert client.post(url("vote", request_, reply)).status_code == 302
    assert client.post(url("reply", request_), {"body": "Thanks all"}).status_code == 302


def test_an_inactive_membership_cannot_post(client, community, request_):
    former = UserFactory()
    MembershipFactory(community=community, user=former, role=Role.MEMBER, is_active=False)
    client.force_login(former)

    assert client.post(url("reply", request_), {"body": "x"}).status_code == 403

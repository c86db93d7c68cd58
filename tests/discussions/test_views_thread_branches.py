"""Bounded thread pages: at most PAGE_REPLIES replies whatever the tree's shape, "N more replies"
loading exactly the rest of a branch (htmx in place, or a page without JavaScript), and permalinks
to replies left in a collapsed branch."""

import re
from html import unescape

import pytest
from django.urls import reverse

from discussions import selectors
from discussions.models import HelpfulVote, Reply
from discussions.selectors import PAGE_REPLIES, share_budget
from discussions.services import posting
from discussions.views.threads import REPLY_LINKS, _link_builder
from tests.discussions import tree_shapes
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPLY = re.compile(r'<li class="reply[^"]*" id="reply-(\d+)"')
MORE = re.compile(
    r'<li class="more-replies">\s*<a href="([^"]+)"[^>]*>(\d+) more repl(?:y|ies)</a>\s*</li>'
)
SHAPES = {
    "wide": tree_shapes.wide,
    "deep": tree_shapes.deep,
    "mixed": tree_shapes.mixed,
    "nested": tree_shapes.nested,
}


def replies_shown(html: str) -> list[int]:
    return [int(pk) for pk in REPLY.findall(html)]


def htmx_get(client, url):
    return client.get(url, HTTP_HX_REQUEST="true")


def read_everything(client, url) -> list[int]:
    """The thread page with every "more" link followed, each answer spliced where its link was,
    as htmx does; checks each link's number is what it loads and each answer's bound."""
    html = client.get(url).content.decode()
    for _ in range(2000):
        link = MORE.search(html)
        if link is None:
            return replies_shown(html)
        response = htmx_get(client, unescape(link.group(1)))
        assert response.status_code == 200
        fragment = response.content.decode()
        loaded = replies_shown(fragment)
        assert len(loaded) <= PAGE_REPLIES
        still_hidden = sum(int(n) for _, n in MORE.findall(fragment))
        assert len(loaded) + still_hidden == int(link.group(2))
        html = html[: link.start()] + fragment + html[link.end() :]
    raise AssertionError("the more links never ran out")


@pytest.fixture
def authors(core, moderator):
    return [core, moderator, UserFactory()]


@pytest.fixture
def thread(community, member):
    return HelpRequestFactory(community=community, author=member)


# The budget -----------------------------------------------------------------


def test_small_subtrees_are_shown_whole_and_big_ones_share_the_rest():
    assert share_budget([2, 100, 0, 100], 30) == [2, 14, 0, 14]
    assert share_budget([2, 100, 100, 100], 31) == [2, 10, 10, 9]  # the remainder goes first
    assert share_budget([3, 4], 50) == [3, 4]
    assert share_budget([10, 10], 0) == [0, 0]
    assert share_budget([], 30) == []


# The thread page ------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_a_thread_page_shows_at_most_the_budget_whatever_the_shape(
    client, member, authors, thread, shape
):
    replies = SHAPES[shape](thread, authors)
    client.force_login(member)

    response = client.get(thread.get_absolute_url())

    shown = replies_shown(response.content.decode())
    assert len(shown) == min(PAGE_REPLIES, len(replies)) or len(shown) <= PAGE_REPLIES
    assert len(shown) == response.context["thread"].shown <= PAGE_REPLIES
    by_pk = {r.pk: r for r in replies}
    # Every shown reply's parent is shown: the page reads as a conversation.
    paths = {by_pk[pk].path for pk in shown}
    assert all(p[: -Reply.steplen] in paths for p in paths if len(p) > Reply.steplen)


@pytest.mark.parametrize("shape", SHAPES)
def test_following_every_more_link_shows_each_reply_once_in_order(
    client, member, authors, thread, shape
):
    replies = SHAPES[shape](thread, authors)
    first_page_roots = {r.path for r in replies if r.depth == 1}
    first_page_roots = set(sorted(first_page_roots)[: selectors.ROOTS_PER_PAGE])
    client.force_login(member)

    everything = read_everything(client, thread.get_absolute_url())

    expected = [r.pk for r in replies if r.path[: Reply.steplen] in first_page_roots]
    assert everything == expected  # no duplicates, no gaps, in path order


def test_a_quiet_thread_shows_every_reply_and_no_more_link(client, member, authors, thread):
    replies = tree_shapes.nested(thread, authors, roots=3, per_root=3)
    client.force_login(member)

    content = client.get(thread.get_absolute_url()).content.decode()

    assert replies_shown(content) == [r.pk for r in replies]
    assert "more-replies" not in content


def test_a_collapsed_branch_says_how_many_replies_it_holds(client, member, authors, thread):
    tree_shapes.wide(thread, authors, children=80)
    client.force_login(member)

    content = client.get(thread.get_absolute_url()).content.decode()

    assert "31 more replies" in content  # 1 root and 49 of its 80 replies shown


def test_sorting_by_helpful_keeps_the_bound_and_the_order(client, member, authors, thread):
    replies = tree_shapes.nested(thread, authors, roots=30, per_root=10)
    roots = [r for r in replies if r.depth == 1]
    HelpfulVote.objects.bulk_create(HelpfulVote(reply=r, user=member) for r in roots[25:])
    Reply.objects.filter(pk__in=[r.pk for r in roots[25:]]).update(helpful_count=1)
    client.force_login(member)

    response = client.get(thread.get_absolute_url(), {"sort": "helpful"})

    nodes = response.context["thread"].nodes
    assert [n.reply.pk for n in nodes[:5]] == [r.pk for r in roots[25:]]
    assert len(replies_shown(response.content.decode())) <= PAGE_REPLIES
    assert MORE.search(response.content.decode())  # the rest behind "more" links


def test_the_accepted_answer_stays_on_top_when_its_branch_is_collapsed(
    client, member, authors, thread
):
    replies = tree_shapes.wide(thread, authors, children=200)
    answer = replies[-1]
    posting.answer_accept(help_request=thread, reply=answer, by=member)
    client.force_login(member)

    content = client.get(thread.get_absolute_url()).content.decode()

    assert content.index('id="accepted-answer"') < content.index('id="replies-heading"')
    assert f"<p>Reply {answer.path}</p>" in content
    assert answer.pk not in replies_shown(content)


# The branch -----------------------------------------------------------------


def test_more_replies_come_as_a_partial_for_htmx_with_focus_on_the_first(
    client, member, authors, thread
):
    replies = tree_shapes.wide(thread, authors, children=80)
    root = replies[0]
    client.force_login(member)
    url = reverse("discussions:reply_branch", args=[thread.community.slug, thread.pk, root.pk])

    response = htmx_get(client, url + "?after=" + replies[49].path[-Reply.steplen :])

    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith(
        f'<li class="reply" id="reply-{replies[50].pk}" tabindex="-1"'
    )
    assert content.count("data-focus-on-load") == 1
    assert replies_shown(content) == [r.pk for r in replies[50:70]]
    assert "11 more replies" in content  # 20 children a read; the other 11 behind another link


def test_without_javascript_a_branch_is_a_page_with_its_ancestors_and_a_way_back(
    client, member, authors, thread
):
    replies = tree_shapes.deep(thread, authors, roots=1, siblings=100)
    parent = replies[4]  # depth 5: the 100 flattened siblings are its children
    client.force_login(member)
    url = reverse("discussions:reply_branch", args=[thread.community.slug, thread.pk, parent.pk])

    response = client.get(url, {"after": replies[60].path[-Reply.steplen :]})

    content = response.content.decode()
    assert response.status_code == 200 and "<html" in content
    assert replies_shown(content) == [r.pk for r in replies[:5]] + [r.pk for r in replies[61:81]]
    assert "Back to the whole thread" in content
    assert f"{thread.get_absolute_url()}?page=1#reply-{replies[0].pk}" in content
    assert "data-focus-on-load" not in content


def test_a_bad_cursor_or_a_reply_of_another_thread_is_a_404(client, community, member, thread):
    reply = ReplyFactory(help_request=thread)
    elsewhere = ReplyFactory(help_request=HelpRequestFactory(community=community))
    client.force_login(member)
    url = reverse("discussions:reply_branch", args=[community.slug, thread.pk, reply.pk])
    other = reverse("discussions:reply_branch", args=[community.slug, thread.pk, elsewhere.pk])

    assert client.get(url, {"after": "zz"}).status_code == 404
    assert client.get(url, {"after": "0000a"}).status_code == 404
    assert client.get(url, {"after": "00001\x00"}).status_code == 404
    assert client.get(other).status_code == 404
    assert client.get(url).status_code == 200


def test_an_outsider_cannot_read_a_branch_of_a_private_community(
    client, private_community, member, outsider
):
    reply = ReplyFactory(help_request=HelpRequestFactory(community=private_community))
    url = reverse(
        "discussions:reply_branch", args=[private_community.slug, reply.help_request_id, reply.pk]
    )
    client.force_login(outsider)

    assert client.get(url).status_code == 404


# Permalinks -----------------------------------------------------------------


def test_a_permalink_to_a_reply_deep_in_a_collapsed_branch_shows_it_with_its_ancestors(
    client, member, authors, thread
):
    replies = tree_shapes.deep(thread, authors, roots=3, siblings=100)
    target = replies[-1]  # the last flattened sibling under the third chain
    client.force_login(member)
    assert target.pk not in replies_shown(client.get(thread.get_absolute_url()).content.decode())

    response = client.get(
        reverse("discussions:reply_permalink", args=[thread.community.slug, thread.pk, target.pk])
    )

    assert response.status_code == 302 and response.url.endswith(f"#reply-{target.pk}")
    page = client.get(response.url.split("#")[0]).content.decode()
    shown = replies_shown(page)
    ancestors = [r.pk for r in replies if target.path.startswith(r.path) and r != target]
    assert shown[: len(ancestors) + 1] == [*ancestors, target.pk]


def test_a_permalink_to_a_shown_reply_still_lands_on_the_thread_page(
    client, member, authors, thread
):
    replies = tree_shapes.deep(thread, authors, roots=3, siblings=100)
    shown_nested = replies[3]
    client.force_login(member)

    response = client.get(
        reverse(
            "discussions:reply_permalink", args=[thread.community.slug, thread.pk, shown_nested.pk]
        )
    )

    assert response.url == f"{thread.get_absolute_url()}#reply-{shown_nested.pk}"


# Cheap pages ----------------------------------------------------------------


def test_each_reply_link_is_exactly_what_reverse_gives(community, thread):
    reply = ReplyFactory(help_request=thread)
    links = _link_builder(thread)(reply.pk)
    args = [community.slug, thread.pk, reply.pk]

    for key, name in REPLY_LINKS.items():
        assert links[key] == reverse(name, args=args)
    assert links["reply"] == reverse("discussions:reply", args=args[:2]) + f"?parent={reply.pk}"


def test_the_per_reply_permissions_are_the_rules_of_the_permissions_module(
    client, community, member, moderator, thread
):
    from communities.policy import access_for
    from discussions import permissions

    mine = ReplyFactory(help_request=thread, author=member)
    theirs = ReplyFactory(help_request=thread, author=moderator)
    gone = ReplyFactory(help_request=thread, author=moderator, is_removed=True)
    my_gone = ReplyFactory(help_request=thread, author=member, is_removed=True)
    client.force_login(member)

    nodes = client.get(thread.get_absolute_url()).context["thread"].nodes

    access = access_for(member, community)
    for node in nodes:
        reply = node.reply
        assert reply in (mine, theirs, gone, my_gone)
        assert node.can_vote == permissions.can_vote_on(access, reply)
        assert node.can_edit == permissions.can_edit_post(access, reply)
        assert node.can_flag == permissions.can_flag_post(access, reply)
        assert node.can_remove == permissions.can_remove_post(access, reply)
        assert node.show_text == (
            not reply.is_removed or permissions.can_see_removed_text(access, reply)
        )

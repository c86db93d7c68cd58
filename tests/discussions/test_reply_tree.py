"""`{% reply_tree %}` writes exactly what the `_reply.html` template renders, for every viewer.

The thread and branch pages use the Python writer (fast); the template stays as the reference and
for the vote view's partial. These tests keep the two from drifting apart.
"""

import pytest
from django.template import Context, Template
from django.utils import timezone

from communities.models import Role
from discussions.models import MAX_REPLY_DEPTH, HelpRequest, Reply
from discussions.services import posting
from tests.discussions import tree_shapes
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BY_TEMPLATE_FOCUS = Template(
    '{% for node in nodes %}{% include "discussions/includes/_reply.html" with focus_here=forloop.first %}{% endfor %}'
)
BY_TEMPLATE_PLAIN = Template(
    '{% for node in nodes %}{% include "discussions/includes/_reply.html" %}{% endfor %}'
)
BY_WRITER = Template("{% load reply_tree %}{% reply_tree nodes %}")
BY_WRITER_FOCUS = Template("{% load reply_tree %}{% reply_tree nodes focus_first=True %}")
MORE_BY_TEMPLATE = Template('{% include "discussions/includes/_reply.html#more" %}')
MORE_BY_WRITER = Template("{% load reply_tree %}{% reply_more node %}")


@pytest.fixture
def varied_thread(community, member, core, moderator):
    """Replies of every kind the markup tells apart: removed (with and without a reason or
    remover), by a former member, <escaped> names and reasons, edited, voted, accepted,
    flattened below the depth limit, and a wide branch that ends in "N more replies"."""
    request_ = posting.help_request_create(
        community=community, by=member, title="Pods", body="Help"
    )
    odd = UserFactory(display_name='Dana <b>"&"</b> O\'Neil')
    MembershipFactory(community=community, user=odd, role=Role.MEMBER)
    replies = tree_shapes.wide(request_, [core, member, moderator, odd], children=70)
    deepest = posting.reply_create(help_request=request_, by=core, body="chain")
    for depth in range(2, MAX_REPLY_DEPTH + 2):
        deepest = posting.reply_create(
            help_request=request_, by=member if depth % 2 else odd, body=str(depth), parent=deepest
        )
    posting.vote_toggle(reply=replies[0], by=member)
    Reply.objects.filter(pk=replies[2].pk).update(
        is_removed=True, removed_by=moderator, removed_reason="<script>alert(1)</script>"
    )
    Reply.objects.filter(pk=replies[3].pk).update(
        is_removed=True, removed_by=None, removed_reason=""
    )
    Reply.objects.filter(pk=replies[4].pk).update(
        author=None, edited_at=timezone.now(), helpful_count=3
    )
    Reply.objects.filter(pk=replies[5].pk).update(author=member, edited_at=timezone.now(), helpful_count=2)
    HelpRequest.objects.filter(pk=request_.pk).update(accepted_reply=replies[6])
    return request_


def _decorated_nodes(client, user, help_request):
    client.force_login(user)
    response = client.get(help_request.get_absolute_url())
    assert response.status_code == 200
    return response.context["thread"].nodes, response.context


def _context(page_context, nodes, **extra):
    return Context(
        {
            "nodes": nodes,
            "csrf_token": "t0ken",
            "community": page_context["community"],
            "help_request": page_context["help_request"],
            "access": page_context["access"],
            **extra,
        }
    )


@pytest.mark.parametrize("persona", ["member", "core", "moderator", "outsider_admin"])
def test_the_writer_renders_the_reply_tree_exactly_as_the_template(
    client, request, varied_thread, persona, site_admin
):
    user = site_admin if persona == "outsider_admin" else request.getfixturevalue(persona)
    nodes, page_context = _decorated_nodes(client, user, varied_thread)
    assert any(node.more for node in nodes), "the wide branch ends in a more link"

    expected = BY_TEMPLATE_PLAIN.render(_context(page_context, nodes))
    written = BY_WRITER.render(_context(page_context, nodes))

    assert written == expected
    assert "<script>alert(1)</script>" not in written
    assert "&lt;b&gt;&quot;&amp;&quot;&lt;/b&gt;" in written
    for kind in (
        "reply-accepted",
        "removed-note",
        "A former member",
        "in reply to",
        "more-replies",
        " · edited",
    ):
        assert kind in written


def test_the_writer_marks_the_first_reply_of_a_branch_for_focus_as_the_template(
    client, member, varied_thread
):
    nodes, page_context = _decorated_nodes(client, member, varied_thread)

    expected = BY_TEMPLATE_FOCUS.render(_context(page_context, nodes))
    written = BY_WRITER_FOCUS.render(_context(page_context, nodes))

    assert written == expected
    assert written.count("data-focus-on-load") == 1
    assert 'aria-pressed="true"' in written and "vote-static" in written


def test_the_more_link_is_written_as_the_template_writes_it(client, member, varied_thread):
    nodes, page_context = _decorated_nodes(client, member, varied_thread)
    node = next(n for n in nodes if n.more)

    assert MORE_BY_WRITER.render(_context(page_context, [], node=node)) == MORE_BY_TEMPLATE.render(
        _context(page_context, [], node=node)
    )


def test_a_thread_page_without_csrf_token_writes_no_hidden_field(client, member, varied_thread):
    nodes, page_context = _decorated_nodes(client, member, varied_thread)
    context = _context(page_context, nodes)
    context["csrf_token"] = "NOTPROVIDED"

    written = BY_WRITER.render(context)

    assert written == BY_TEMPLATE_PLAIN.render(context)
    assert "csrfmiddlewaretoken" not in written

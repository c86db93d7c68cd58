"""Second-read findings on moderation: removed text stays hidden wherever a post is quoted."""

import pytest
from django.urls import reverse

from discussions.services import moderation as services
from tests.discussions.factories import HelpRequestFactory, ReplyFactory

SECRET = "ghp_leakedtoken123"


@pytest.fixture
def removed_reply(community, member, core, moderator):
    help_request = HelpRequestFactory(community=community, author=member, title="Pods stuck")
    reply = ReplyFactory(
        help_request=help_request,
        author=core,
        body=f"Use my token {SECRET}",
        body_html=f"<p>Use my token {SECRET}</p>",
    )
    services.post_remove(post=reply, by=moderator, reason="Shares a token")
    return reply


def _reply_url(reply):
    help_request = reply.help_request
    return reverse("discussions:reply", args=[help_request.community.slug, help_request.pk])


def test_the_reply_form_does_not_quote_a_removed_reply_to_other_members(
    client, member, removed_reply
):
    client.force_login(member)

    response = client.get(_reply_url(removed_reply), {"parent": removed_reply.pk})

    assert SECRET.encode() not in response.content


def test_a_refused_reply_to_a_removed_reply_does_not_quote_its_text(
    client, member, removed_reply
):
    client.force_login(member)

    response = client.post(
        _reply_url(removed_reply), {"parent": removed_reply.pk, "body": "Thanks, that worked"}
    )

    assert response.status_code == 400
    assert SECRET.encode() not in response.content
    assert b"That reply was removed" in response.content

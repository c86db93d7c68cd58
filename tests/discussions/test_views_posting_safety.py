"""What posting and editing do with a form sent twice, a post changed meanwhile, a reply whose
parent is gone, and the rate limit: one post per form, no silent overwrite, the text kept,
and a 429 that says when to come back."""

import re

import pytest
from django.test import override_settings

from discussions.models import HelpRequest, Reply, Revision
from discussions.services import posting
from tests.discussions.factories import ReplyFactory
from tests.discussions.test_views_threads import url

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def request_(community, member):
    return posting.help_request_create(
        community=community, by=member, title="Pods stuck in Pending", body="Nodes have room."
    )


def hidden(response, name: str) -> str:
    """The value of the page's hidden input `name` ("" when Django renders it without one)."""
    tag = re.search(rf'<input type="hidden" name="{name}"[^>]*>', response.content.decode())
    assert tag, f"no hidden {name} in the page"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# One post per form ---------------------------------------------------------------


def test_every_ask_form_carries_a_fresh_one_time_token(client, community, member):
    client.force_login(member)

    first = hidden(client.get(url("ask", slug=community.slug)), "submission_key")
    second = hidden(client.get(url("ask", slug=community.slug)), "submission_key")

    assert first != second


def test_an_ask_form_sent_twice_makes_one_request_and_both_land_on_it(client, community, member):
    client.force_login(member)
    key = hidden(client.get(url("ask", slug=community.slug)), "submission_key")
    form = {"title": "Helm pins", "body": "How?", "submission_key": key}

    first = client.post(url("ask", slug=community.slug), form)
    second = client.post(url("ask", slug=community.slug), form)

    assert HelpRequest.objects.filter(title="Helm pins").count() == 1
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"]
        == second["Location"]
        == HelpRequest.objects.get(title="Helm pins").get_absolute_url()
    )


def test_an_ask_form_that_failed_validation_still_posts_once_when_corrected(
    client, community, member
):
    client.force_login(member)
    key = hidden(client.get(url("ask", slug=community.slug)), "submission_key")

    refused = client.post(
        url("ask", slug=community.slug), {"title": "", "body": "How?", "submission_key": key}
    )
    assert hidden(refused, "submission_key") == key  # the same form, so the same token

    client.post(
        url("ask", slug=community.slug),
        {"title": "Now titled", "body": "How?", "submission_key": key},
    )
    client.post(
        url("ask", slug=community.slug),
        {"title": "Now titled", "body": "How?", "submission_key": key},
    )
    assert HelpRequest.objects.filter(title="Now titled").count() == 1


def test_an_unreadable_token_is_ignored_and_the_request_posted(client, community, member):
    client.force_login(member)

    response = client.post(
        url("ask", slug=community.slug), {"title": "T", "body": "B", "submission_key": "not-a-uuid"}
    )

    assert response.status_code == 302
    assert HelpRequest.objects.filter(title="T").count() == 1


def test_the_thread_and_inline_reply_forms_carry_a_token(client, core, request_):
    top = ReplyFactory(help_request=request_)
    client.force_login(core)

    assert hidden(client.get(request_.get_absolute_url()), "submission_key")
    inline = client.get(url("reply", request_), {"parent": top.pk}, headers=HTMX)
    assert hidden(inline, "submission_key")


def test_a_reply_form_sent_twice_makes_one_reply_with_or_without_htmx(client, core, request_):
    client.force_login(core)
    key = hidden(client.get(request_.get_absolute_url()), "submission_key")
    form = {"body": "Check the taints.", "submission_key": key}

    plain = client.post(url("reply", request_), form)
    htmx = client.post(url("reply", request_), form, headers=HTMX)

    reply = Reply.objects.get(help_request=request_)
    assert plain["Location"] == htmx["HX-Redirect"] == url("reply_permalink", request_, reply)
    request_.refresh_from_db()
    assert request_.reply_count == 1


def test_the_same_token_from_two_people_makes_two_replies(client, core, moderator, request_):
    key = "6f1c1d1e-2b9c-4b8e-9d4e-0e4a8f7c2a11"
    for person in (core, moderator):
        client.force_login(person)
        client.post(url("reply", request_), {"body": "Mine.", "submission_key": key})

    assert Reply.objects.filter(help_request=request_).count() == 2


# A reply whose parent is gone -----------------------------------------------------


@pytest.mark.parametrize("parent", ["999999", "abc", "0", "²"])
def test_a_reply_to_a_reply_that_is_not_there_keeps_the_text_says_why_and_posts_nothing(
    client, core, request_, parent
):
    client.force_login(core)

    response = client.post(url("reply", request_), {"body": "My careful answer", "parent": parent})

    assert response.status_code == 404
    assert b"My careful answer" in response.content
    assert b"The reply you were answering is no longer there" in response.content
    assert not Reply.objects.exists()


def test_a_reply_to_a_reply_of_another_thread_is_refused_the_same_way_for_htmx(
    client, community, core, request_
):
    elsewhere = ReplyFactory()
    client.force_login(core)

    response = client.post(
        url("reply", request_), {"body": "My careful answer", "parent": elsewhere.pk}, headers=HTMX
    )

    assert response.status_code == 404
    assert b"My careful answer" in response.content
    assert b"no longer there" in response.content
    assert hidden(response, "parent") == ""
    assert not Reply.objects.filter(help_request=request_).exists()


def test_sending_the_kept_text_again_posts_it_as_a_reply_to_the_request(client, core, request_):
    client.force_login(core)
    refused = client.post(url("reply", request_), {"body": "My careful answer", "parent": "999999"})

    client.post(
        url("reply", request_),
        {
            "body": "My careful answer",
            "parent": hidden(refused, "parent"),
            "submission_key": hidden(refused, "submission_key"),
        },
    )

    reply = Reply.objects.get(help_request=request_)
    assert (reply.body, reply.depth) == ("My careful answer", 1)


# The 429 says when to come back ------------------------------------------------------


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (1, 600), "reply": (1, 600)})
def test_asking_too_often_answers_429_with_retry_after(client, community, member):
    client.force_login(member)
    client.post(url("ask", slug=community.slug), {"title": "First", "body": "One"})

    response = client.post(url("ask", slug=community.slug), {"title": "Second", "body": "Two"})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600


@override_settings(DISCUSSIONS_RATE_LIMITS={"request": (5, 600), "reply": (1, 600)})
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_replying_too_often_answers_429_with_retry_after(client, core, request_, headers):
    client.force_login(core)
    client.post(url("reply", request_), {"body": "first"})

    response = client.post(url("reply", request_), {"body": "second"}, headers=headers)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert b"second" in response.content


def test_answers_that_are_not_429_carry_no_retry_after(client, core, request_):
    client.force_login(core)

    response = client.post(url("reply", request_), {"body": " "})

    assert response.status_code == 400
    assert not response.has_header("Retry-After")


# Edits of the same post ------------------------------------------------------------


def test_saving_a_request_edited_meanwhile_is_refused_with_the_current_text_and_yours_kept(
    client, community, member, moderator, request_
):
    client.force_login(member)
    page = client.get(url("edit_request", request_))
    base = hidden(page, "base_version")
    posting.help_request_edit(
        help_request=request_, by=moderator, title=request_.title, body="Fixed by a moderator."
    )

    response = client.post(
        url("edit_request", request_),
        {"title": request_.title, "body": "My own rewrite", "tags": "", "base_version": base},
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else changed this help request while you were editing it" in content
    assert "Fixed by a moderator." in content  # the current version, shown
    assert "My own rewrite" in content  # the editor's text, kept
    request_.refresh_from_db()
    assert request_.body == "Fixed by a moderator."
    # Saving again, now knowingly, replaces the current version.
    assert hidden(response, "base_version") == str(request_.version)
    again = client.post(
        url("edit_request", request_),
        {
            "title": request_.title,
            "body": "My own rewrite",
            "tags": "",
            "base_version": hidden(response, "base_version"),
        },
    )
    assert again.status_code == 302
    request_.refresh_from_db()
    assert request_.body == "My own rewrite"


def test_saving_a_reply_edited_meanwhile_is_refused_with_the_current_text_and_yours_kept(
    client, core, moderator, request_
):
    reply = posting.reply_create(help_request=request_, by=core, body="First words")
    client.force_login(core)
    base = hidden(client.get(url("edit_reply", request_, reply)), "base_version")
    posting.reply_edit(reply=reply, by=moderator, body="Moderated words")

    response = client.post(
        url("edit_reply", request_, reply), {"body": "My second thoughts", "base_version": base}
    )

    assert response.status_code == 409
    assert b"Moderated words" in response.content
    assert b"My second thoughts" in response.content
    reply.refresh_from_db()
    assert reply.body == "Moderated words"
    assert Revision.objects.filter(reply=reply).count() == 1


def test_a_tag_only_edit_meanwhile_is_a_change_too(client, member, moderator, request_):
    client.force_login(member)
    base = hidden(client.get(url("edit_request", request_)), "base_version")
    posting.help_request_edit(
        help_request=request_, by=moderator, title=request_.title, body=request_.body, tags=["helm"]
    )

    response = client.post(
        url("edit_request", request_),
        {"title": "A better title", "body": request_.body, "tags": "", "base_version": base},
    )

    assert response.status_code == 409
    assert b"<strong>Current tags:</strong> helm" in response.content
    request_.refresh_from_db()
    assert request_.title == "Pods stuck in Pending"
    assert list(request_.tags.names()) == ["helm"]


def test_a_tampered_base_version_saves_nothing_and_says_why(client, member, request_):
    client.force_login(member)

    response = client.post(
        url("edit_request", request_),
        {"title": "New", "body": "Changed body", "tags": "", "base_version": "yesterday"},
    )

    assert response.status_code == 200
    assert b"We could not tell which version of the post you started from" in response.content
    assert b"Changed body" in response.content
    request_.refresh_from_db()
    assert request_.body == "Nodes have room."


@pytest.mark.parametrize("post", ["request", "reply"])
def test_an_edit_form_sent_back_unchanged_changes_nothing(client, core, request_, post):
    reply = posting.reply_create(help_request=request_, by=core, body="First words")
    request_.refresh_from_db()
    if post == "request":
        client.force_login(request_.author)
        page = url("edit_request", request_)
        target = request_
    else:
        client.force_login(core)
        page = url("edit_reply", request_, reply)
        target = reply
    before = type(target).objects.filter(pk=target.pk).values().get()
    shown = client.get(page)
    form = {name: hidden(shown, name) for name in ("base_version",)}
    form["body"] = target.body
    if post == "request":
        form.update(title=target.title, tags="")

    assert client.post(page, form).status_code == 302
    assert type(target).objects.filter(pk=target.pk).values().get() == before
    assert not Revision.objects.exists()


def test_a_token_reused_on_another_thread_posts_nothing_and_lands_on_the_first_reply(
    client, community, member, core, request_
):
    other = posting.help_request_create(community=community, by=member, title="Other", body="B")
    key = "0b7c8d1e-2b9c-4b8e-9d4e-0e4a8f7c2a11"
    client.force_login(core)
    client.post(url("reply", request_), {"body": "Here.", "submission_key": key})

    response = client.post(url("reply", other), {"body": "There.", "submission_key": key})

    first = Reply.objects.get(help_request=request_)
    assert response["Location"] == url("reply_permalink", request_, first)
    assert not Reply.objects.filter(help_request=other).exists()

"""The flag menu on each reply loads its form on demand, so long threads carry no hidden forms."""

from django.urls import reverse

from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import UserFactory


def test_thread_links_each_reply_to_its_flag_form_without_embedding_it(client, community, member):
    request = HelpRequestFactory(community=community, author=UserFactory())
    reply = ReplyFactory(help_request=request, author=UserFactory())
    client.force_login(member)

    page = client.get(request.get_absolute_url()).content.decode()

    flag_url = reverse("discussions:flag_reply", args=[community.slug, request.pk, reply.pk])
    assert f'hx-get="{flag_url}"' in page
    assert f'href="{flag_url}"' in page
    assert f'id="flag-reason-r{reply.pk}"' not in page


def test_the_flag_form_arrives_as_a_fragment_when_the_menu_opens(client, community, member):
    request = HelpRequestFactory(community=community, author=UserFactory())
    reply = ReplyFactory(help_request=request, author=UserFactory())
    client.force_login(member)

    response = client.get(
        reverse("discussions:flag_reply", args=[community.slug, request.pk, reply.pk]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="reason"' in body
    assert "<html" not in body

"""The Django admin on replies: readable, never deletable (that would orphan the replies below)."""

import pytest
from django.urls import reverse

from discussions.models import Reply
from tests.discussions.factories import ReplyFactory

pytestmark = pytest.mark.django_db


def test_a_site_admin_reads_a_reply_in_the_admin(client, site_admin):
    reply = ReplyFactory()
    client.force_login(site_admin)
    response = client.get(reverse("admin:discussions_reply_change", args=[reply.pk]))
    assert response.status_code == 200


def test_a_site_admin_cannot_delete_a_reply_in_the_admin_so_no_subtree_is_orphaned(
    client, site_admin
):
    reply = ReplyFactory()
    child = ReplyFactory(parent=reply)
    client.force_login(site_admin)

    response = client.post(reverse("admin:discussions_reply_delete", args=[reply.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Reply.objects.filter(pk__in=[reply.pk, child.pk]).count() == 2

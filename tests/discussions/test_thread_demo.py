"""The demo help requests: realistic, consistent with what the services keep, and seeded once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from demo.discussions import THREADS
from discussions.models import HelpfulVote, HelpRequest, Reply, RequestStatus, Revision


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back, so later tests start clean."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_every_demo_community_has_threads(seeded):
    per_community = dict(HelpRequest.objects.values_list("community__slug").annotate(n=Count("pk")))

    assert set(per_community) == set(THREADS)
    assert 10 <= per_community["python-practitioners"] <= 15
    assert all(5 <= n <= 8 for slug, n in per_community.items() if slug != "python-practitioners")


def test_there_are_solved_answered_and_unanswered_requests(seeded):
    statuses = set(HelpRequest.objects.values_list("status", flat=True))

    assert {RequestStatus.SOLVED, RequestStatus.ANSWERED, RequestStatus.OPEN} <= statuses
    assert HelpRequest.objects.filter(reply_count=0).exists()


def test_solved_threads_have_nested_discussion_and_an_accepted_answer(seeded):
    for request in HelpRequest.objects.filter(status=RequestStatus.SOLVED):
        assert request.accepted_reply.help_request_id == request.pk
        assert request.replies.aggregate(deepest=Max("depth"))["deepest"] >= 3


def test_the_counters_and_rendered_bodies_agree_with_the_replies(seeded):
    for request in HelpRequest.objects.all():
        assert request.reply_count == request.replies.count()
        assert request.body_html
        assert request.last_activity_at <= timezone.now()
    for reply in Reply.objects.all():
        assert reply.body_html
        assert reply.helpful_count == HelpfulVote.objects.filter(reply=reply).count()
        assert reply.created_at >= reply.help_request.created_at


def test_the_demo_member_asked_and_answered(seeded):
    assert HelpRequest.objects.filter(author__email="member@practica.demo").count() >= 2
    assert (
        Reply.objects.filter(author__email="member@practica.demo")
        .exclude(help_request__author__email="member@practica.demo")
        .exists()
    )


def test_a_few_posts_were_edited_and_keep_revisions(seeded):
    assert Revision.objects.filter(help_request__isnull=False).exists()
    assert Revision.objects.filter(reply__isnull=False).exists()


def test_threads_spread_over_the_last_months(seeded):
    oldest = HelpRequest.objects.order_by("created_at").first().created_at

    assert timezone.now() - oldest > timezone.timedelta(days=60)


def test_seeding_again_creates_no_threads(seeded):
    before = (HelpRequest.objects.count(), Reply.objects.count(), HelpfulVote.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert (
        HelpRequest.objects.count(),
        Reply.objects.count(),
        HelpfulVote.objects.count(),
    ) == before

"""A help request's thread shows the meetings that put it on their agenda, at a fixed cost."""

import datetime as dt

import pytest
from django.utils import timezone

from meetings.models import OccurrenceStatus
from tests.discussions.factories import HelpRequestFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def test_the_thread_lists_the_meetings_that_discussed_it(client, community, member):
    request = HelpRequestFactory(community=community)
    series = MeetingSeriesFactory(community=community, title="Kubernetes clinic")
    meeting = OccurrenceFactory(series=series)
    meeting.threads.add(request)
    client.force_login(member)

    page = client.get(request.get_absolute_url()).content.decode()

    assert "At meetings" in page
    assert meeting.get_absolute_url() in page and "Kubernetes clinic" in page


def test_a_thread_no_meeting_discussed_shows_no_meetings_box(client, community, member):
    request = HelpRequestFactory(community=community)
    client.force_login(member)

    assert "At meetings" not in client.get(request.get_absolute_url()).content.decode()


def test_the_meetings_box_costs_the_same_for_one_meeting_or_five(client, community, member):
    one, five = HelpRequestFactory(community=community), HelpRequestFactory(community=community)
    series = MeetingSeriesFactory(community=community)
    OccurrenceFactory(series=series).threads.add(one)
    for week in range(1, 6):
        meeting = OccurrenceFactory(series=series, starts_at=timezone.now() + dt.timedelta(weeks=week))
        meeting.threads.add(five)
    cancelled = OccurrenceFactory(
        series=series, status=OccurrenceStatus.CANCELLED, starts_at=timezone.now() + dt.timedelta(weeks=9)
    )
    cancelled.threads.add(five)
    client.force_login(member)
    client.get(one.get_absolute_url())

    assert page_queries(client, one.get_absolute_url()) == page_queries(client, five.get_absolute_url())

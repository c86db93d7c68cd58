"""Factories for meetings. `OccurrenceFactory()` makes a series and one scheduled meeting a week ahead."""

import datetime as dt

import factory
from django.utils import timezone

from meetings.models import MeetingSeries, Occurrence, ReminderDelivery, Rsvp, RsvpResponse
from tests.factories import CommunityFactory, UserFactory


class MeetingSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingSeries

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Practice hour {n}")
    description = "Bring a problem you are stuck on; we work through two or three together."
    room = "Room 4.12"
    address = "North building, 1 Harbour Street"
    online_url = "https://meet.example.org/practice-hour"
    organiser = factory.SubFactory(UserFactory)
    time_zone = "Europe/Amsterdam"
    start_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    start_time = dt.time(9, 30)
    duration_minutes = 60
    rrule = "FREQ=WEEKLY"


class OccurrenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occurrence

    series = factory.SubFactory(MeetingSeriesFactory)
    community = factory.SelfAttribute("series.community")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    )
    original_start = factory.SelfAttribute("starts_at")
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=o.series.duration_minutes))


class RsvpFactory(factory.django.DjangoModelFactory):
    """An RSVP row as stored; services (`meetings.services.rsvp`) keep the counters, this does not."""

    class Meta:
        model = Rsvp

    occurrence = factory.SubFactory(OccurrenceFactory)
    user = factory.SubFactory(UserFactory)
    response = RsvpResponse.GOING


class ReminderDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderDelivery

    occurrence = factory.SubFactory(OccurrenceFactory)
    user = factory.SubFactory(UserFactory)
    minutes_before = 60

"""Meetings: a recurring series per community, its occurrences, RSVPs and sent reminders.

A `MeetingSeries` keeps its own time zone and a local start (date and time); its
recurrence is an RFC 5545 RRULE evaluated on naive local times, so a 09:30
meeting stays at 09:30 across daylight-saving changes. `Occurrence` rows are
created ahead for a rolling window (`meetings.services.recurrence`); each keeps
the start the rule gave it (`original_start`) so it can be
moved or cancelled alone.
"""

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import validate_time_zone


class MeetingSeriesQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class MeetingSeries(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="meeting_series"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10000)
    description_html = models.TextField(blank=True, editable=False)
    # Where: a room (with its building/address), an online space, or both.
    room = models.CharField(max_length=200, blank=True)
    address = models.CharField("building and address", max_length=300, blank=True)
    online_url = models.URLField("online meeting link", max_length=500, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="organised_series"
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    start_date = models.DateField()
    start_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    # RFC 5545 RRULE without the "RRULE:" prefix, on naive local times (UNTIL too);
    # empty for a one-off meeting.
    rrule = models.CharField("recurrence rule", max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    is_active = models.BooleanField(default=True)
    # Occurrences exist up to here; the periodic task moves it forward.
    generated_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MeetingSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["community", "title"]
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:series", args=[self.community.slug, self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class OccurrenceQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(status=OccurrenceStatus.SCHEDULED)

    def upcoming(self, now=None):
        return self.scheduled().filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")

    def readable_by(self, user):
        from communities.models import Community

        return self.filter(community__in=Community.objects.readable_by(user))


class Occurrence(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="occurrences")
    # Denormalised from the series so lists filter without a join.
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="meeting_occurrences"
    )
    # The start the recurrence rule gave; never changes (a moved meeting keeps its date taken).
    original_start = models.DateTimeField()
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED)
    # Blank means "as the series says".
    room = models.CharField(max_length=200, blank=True)
    online_url = models.URLField("online meeting link", max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    agenda = models.TextField(blank=True, max_length=20000)
    agenda_html = models.TextField(blank=True, editable=False)
    notes = models.TextField("notes and minutes", blank=True, max_length=50000)
    notes_html = models.TextField(blank=True, editable=False)
    # Help requests on the agenda or discussed (linked from the notes).
    threads = models.ManyToManyField("discussions.HelpRequest", blank=True, related_name="meetings")
    # iCalendar SEQUENCE: bumped whenever the time, place or status changes.
    sequence = models.PositiveIntegerField(default=0)
    going_count = models.PositiveIntegerField(default=0)
    maybe_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "original_start"], name="occurrence_unique_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]
        indexes = [models.Index(fields=["community", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.series.title} on {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("meetings:occurrence", args=[self.community.slug, self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def is_moved(self) -> bool:
        return self.starts_at != self.original_start

    @property
    def where_room(self) -> str:
        return self.room or self.series.room

    @property
    def where_online(self) -> str:
        return self.online_url or self.series.online_url

    @property
    def capacity(self) -> int | None:
        return self.series.capacity


class RsvpResponse(models.TextChoices):
    GOING = "going", "Going"
    MAYBE = "maybe", "Maybe"
    NOT_GOING = "not_going", "Not going"


class Rsvp(models.Model):
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    response = models.CharField(max_length=10, choices=RsvpResponse.choices)
    # "Going" past the capacity: on the waiting list, moved up in `responded_at` order.
    waitlisted = models.BooleanField(default=False)
    responded_at = models.DateTimeField(default=timezone.now)
    # Recorded by a moderator after the meeting (issue 6's attendance figure); None = not recorded.
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["responded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "user"], name="rsvp_unique")]
        indexes = [models.Index(fields=["user", "response"])]

    def __str__(self) -> str:
        return f"{self.user} {self.get_response_display()} {self.occurrence_id}"

    @property
    def is_confirmed_going(self) -> bool:
        return self.response == RsvpResponse.GOING and not self.waitlisted


class ReminderDelivery(models.Model):
    """One reminder email for (occurrence, person, minutes before): claimed before it is sent.

    The unique constraint makes the row the claim: a sweeper run twice creates it
    once. `claimed_at` is set by the one task that sends; a claim older than the
    lease with no `sent_at` (its worker died) is taken again by the next sweep.
    """

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    minutes_before = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    skipped = models.CharField(max_length=100, blank=True, help_text="Why it was not sent, if it was not.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user", "minutes_before"], name="reminder_once")
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True, skipped=""), name="reminder_unsent")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.minutes_before} min before {self.occurrence_id} to {self.user_id}"

    @property
    def message_id(self) -> str:
        return f"<reminder.{self.occurrence_id}.{self.user_id}.{self.minutes_before}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"

"""Reads for the meetings pages: each a fixed number of queries, whatever the number of meetings.

Lists of occurrences select their series and community (the row template,
`meetings/includes/_occurrence_row.html`, reads both), and the series' organiser
where a page names them.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from communities.models import Community

from .models import MeetingSeries, Occurrence, OccurrenceStatus
from .services.recurrence import describe_series

PER_PAGE = 20


def _occurrences(community: Community):
    return Occurrence.objects.filter(community=community).select_related(
        "series", "series__organiser", "community"
    )


def next_meeting(community: Community, *, now=None) -> Occurrence | None:
    """The community's next (or current) scheduled meeting, series and organiser loaded: one query.

    `is_under_way` tells a meeting that has started (and not ended) from one still to come.
    """
    now = now or timezone.now()
    occurrence = _occurrences(community).upcoming(now).first()
    if occurrence is not None:
        occurrence.is_under_way = occurrence.starts_at <= now
    return occurrence


def upcoming_for_community(community: Community, *, limit: int | None = None, now=None):
    """Meetings not yet over, soonest first. Cancelled ones of running series stay listed (marked),
    so people see that a meeting they expected is off; an ended series' cancelled meetings do not."""
    now = now or timezone.now()
    queryset = (
        _occurrences(community)
        .filter(ends_at__gt=now)
        .filter(Q(status=OccurrenceStatus.SCHEDULED) | Q(series__is_active=True))
        .order_by("starts_at", "pk")
    )
    return queryset[:limit] if limit else queryset


def past_for_community(community: Community, *, page_number=None, now=None) -> Page:
    """Meetings that took place, latest first, a page at a time (cancelled ones did not take place)."""
    now = now or timezone.now()
    queryset = (
        _occurrences(community).scheduled().filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    )
    return Paginator(queryset, PER_PAGE).get_page(page_number)


def upcoming_for_series(series: MeetingSeries, *, limit: int = 10, now=None) -> list[Occurrence]:
    occurrences = list(
        Occurrence.objects.filter(series=series, ends_at__gt=now or timezone.now())
        .select_related("community")
        .order_by("starts_at", "pk")[:limit]
    )
    for occurrence in occurrences:
        occurrence.series = series  # the one already loaded, with its organiser
    return occurrences


def series_for_community(community: Community, *, now=None) -> list[MeetingSeries]:
    """The community's running series, each with its schedule in plain English.

    A one-off meeting is a series of one: it is listed while its meeting is still
    to come, so years of past one-offs do not pile up here (they are in the past meetings).
    """
    coming = Occurrence.objects.filter(
        series=OuterRef("pk"), status=OccurrenceStatus.SCHEDULED, ends_at__gt=now or timezone.now()
    )
    series_list = list(
        MeetingSeries.objects.filter(community=community, is_active=True)
        .filter(~Q(rrule="") | Exists(coming))
        .select_related("organiser")
        .order_by("title", "pk")
    )
    for series in series_list:
        series.community = community  # for its URL, without a query each
        series.schedule_text = describe_series(series)
    return series_list


def series_in(community: Community, pk: int) -> MeetingSeries | None:
    """A series of this community (a pk from another community is None, so a 404)."""
    series = (
        MeetingSeries.objects.filter(community=community, pk=pk).select_related("organiser").first()
    )
    if series is not None:
        series.community = community
        series.schedule_text = describe_series(series)
    return series


def personal_feed_url(user, *, scheme: str = "https") -> str:
    """The absolute address of the person's feed (on `SITE_URL`, the public address), or "" while
    they have none. `scheme="webcal"` gives the address that asks the device to subscribe."""
    token = getattr(user, "calendar_token", None)
    if not token:
        return ""
    url = f"{settings.SITE_URL}{reverse('meetings:personal_feed', args=[token])}"
    if scheme == "webcal":
        return "webcal://" + url.split("://", 1)[1]
    return url


def occurrence_in(community: Community, pk: int) -> Occurrence:
    """One meeting of the community, with its series and organiser; 404 if it is another's."""
    occurrence = (
        Occurrence.objects.select_related("series", "series__organiser")
        .filter(pk=pk, community=community)
        .first()
    )
    if occurrence is None:
        raise Http404("No such meeting.")
    occurrence.community = community
    return occurrence

"""Calendars: the `.ics` of one meeting, a community's feed, and each person's secret feed.

The meeting file and the community feed sit behind the community's read
permission like its other pages. Calendar apps cannot sign in, so the personal
feed is reached by a secret token in its address instead: whoever holds the
address sees the person's meetings, and replacing the token revokes it. Feeds
carry cancelled meetings too (STATUS:CANCELLED), so subscribed calendars drop
them instead of keeping a meeting that will not happen.
"""

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from communities.models import Community
from communities.policy import community_access_or_404
from core.http import safe_next

from ..ics import calendar_for, occurrence_ics
from ..models import Occurrence, RsvpResponse
from ..permissions import can_read_meetings
from ..services.calendars import calendar_token_reset, calendar_token_revoke

User = get_user_model()

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Feeds show what is coming and the recent past (so last week's minutes stay one click away).
FEED_PAST_DAYS = 30
# A bound on one response; the rolling window (MEETINGS_WINDOW_DAYS) keeps real feeds far below it.
FEED_LIMIT = 2000
# Calendar apps poll; five minutes keeps a move or cancellation timely without a query per poll.
FEED_MAX_AGE = 300
# What `secrets.token_urlsafe` makes, within the column's length. Anything else (a NUL byte, which
# PostgreSQL refuses in a query) is no token, so it is not looked up at all.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# Reading -------------------------------------------------------------------


def _for_calendar(occurrences):
    """What `meetings.ics` reads of each occurrence, in one query whatever their number."""
    return occurrences.select_related("series", "series__organiser", "community")


def _feed_window(occurrences, now: dt.datetime):
    return occurrences.filter(ends_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS)).order_by(
        "starts_at", "pk"
    )


def community_feed_occurrences(
    community: Community, *, now: dt.datetime | None = None
) -> list[Occurrence]:
    """The community's meetings from 30 days ago on, cancelled ones included."""
    now = now or timezone.now()
    occurrences = _feed_window(Occurrence.objects.filter(community=community), now)
    return list(_for_calendar(occurrences)[:FEED_LIMIT])


def personal_feed_occurrences(user, *, now: dt.datetime | None = None) -> list[Occurrence]:
    """A person's meetings from 30 days ago on, cancelled ones included.

    Those of the live communities they are an active member of, and any others
    they answered going or maybe to (a public community's meeting they plan to
    attend). Always only from communities they may still read: leaving a
    private community takes its meetings out of the feed.
    """
    now = now or timezone.now()
    mine = Community.objects.live().filter(memberships__user=user, memberships__is_active=True)
    answered = Q(rsvps__user=user, rsvps__response__in=[RsvpResponse.GOING, RsvpResponse.MAYBE])
    occurrences = Occurrence.objects.readable_by(user).filter(
        Q(community__in=mine.values("pk"))
        | Q(pk__in=Occurrence.objects.filter(answered).values("pk"))
    )
    return list(_for_calendar(_feed_window(occurrences, now))[:FEED_LIMIT])



def _calendar_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    return response


def _readable_community(request: HttpRequest, slug: str):
    access = community_access_or_404(request, slug)
    access.require(can_read_meetings(access))
    return access


# Views ---------------------------------------------------------------------


@login_required
@require_safe
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _readable_community(request, slug)
    occurrence = get_object_or_404(
        _for_calendar(Occurrence.objects.filter(community=access.community)), pk=pk
    )
    occurrence.community = access.community
    local_day = timezone.localtime(occurrence.starts_at, occurrence.series.zone).date()
    filename = f"{slugify(occurrence.series.title) or 'meeting'}-{local_day:%Y-%m-%d}.ics"
    return _calendar_response(occurrence_ics(occurrence), filename=filename, attachment=True)


@login_required
@require_safe
def community_feed(request: HttpRequest, slug: str) -> HttpResponse:
    access = _readable_community(request, slug)
    community = access.community
    occurrences = community_feed_occurrences(community)
    body = calendar_for(occurrences, name=f"{community.name} meetings")
    return _calendar_response(body, filename=f"{community.slug}-meetings.ics", attachment=False)


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    # The unique column does the comparison in the database: no token is ever compared in Python,
    # and an unknown, revoked or empty token finds nobody.
    user = (
        User.objects.filter(calendar_token=token, is_active=True).first()
        if TOKEN_SHAPE.fullmatch(token)
        else None
    )
    if user is None:
        raise Http404("No such calendar.")
    body = calendar_for(personal_feed_occurrences(user), name="My meetings")
    response = _calendar_response(body, filename="my-meetings.ics", attachment=False)
    # The address is the secret: keep it out of shared caches and referrers.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    user = request.user
    had_one = bool(user.calendar_token)
    if request.POST.get("action") == "revoke":
        calendar_token_revoke(user=user)
        if had_one:
            messages.success(
                request, "Your calendar link is turned off. Calendars using it stop updating."
            )
        else:
            messages.info(request, "You have no calendar link to turn off.")
    else:
        calendar_token_reset(user=user)
        if had_one:
            messages.success(
                request,
                "Your calendar link is replaced. The old one no longer works: "
                "subscribe again with the new one.",
            )
        else:
            messages.success(
                request, "Your calendar link is ready. Add it to your calendar app to subscribe."
            )
    return redirect(safe_next(request, reverse("meetings:my_meetings")))


urlpatterns = [
    path("c/<slug:slug>/meetings/<int:pk>/meeting.ics", meeting_ics, name="occurrence_ics"),
    path("c/<slug:slug>/meetings/calendar.ics", community_feed, name="community_feed"),
    path("meetings/feed/reset/", feed_reset, name="feed_reset"),
    path("meetings/feed/<str:token>.ics", personal_feed, name="personal_feed"),
]

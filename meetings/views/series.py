"""A community's meetings: the list, scheduling and changing a series, ending it; reminder settings.

Thin views: the community is fetched with `community_access_or_404` (an
outsider to a private community gets 404), the right is asked of
`meetings.permissions` (403 when lacking), a series is looked up within that
community only (another community's pk is a 404), and writes go through
`meetings.services.series`, whose refusals come back on the form, with what
was typed kept.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from communities.policy import Access, community_access_or_404

from .. import selectors
from ..forms import ReminderSettingsForm, SeriesForm, default_start
from ..models import MeetingSeries
from ..permissions import MeetingAccess, can_manage_meetings, can_read_meetings, can_set_reminders
from ..services import series as services
from ..services.recurrence import describe

SERIES_UPCOMING = 10


# Fetching ------------------------------------------------------------------


def _access(request: HttpRequest, slug: str, rule) -> Access:
    access = community_access_or_404(request, slug)
    access.require(rule(access))
    return access


def _series_in(access: Access, pk: int) -> MeetingSeries:
    series = selectors.series_in(access.community, pk)
    if series is None:
        raise Http404("No such meeting series.")
    return series


def _context(access: Access, **extra) -> dict:
    return {
        "access": access,
        "community": access.community,
        "meeting_access": MeetingAccess.of(access),
        **extra,
    }


def _form_context(access: Access, **extra) -> dict:
    return _context(access, window_days=settings.MEETINGS_WINDOW_DAYS, **extra)


# Pages ---------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug, can_read_meetings)
    community = access.community
    past = request.GET.get("past") == "1"
    if past:
        page = selectors.past_for_community(community, page_number=request.GET.get("page"))
    else:
        page = Paginator(selectors.upcoming_for_community(community), selectors.PER_PAGE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "meetings/list.html",
        _context(
            access, page=page, past=past, series_list=selectors.series_for_community(community)
        ),
    )


@login_required
@require_GET
def series_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _access(request, slug, can_read_meetings)
    series = _series_in(access, pk)
    return render(
        request,
        "meetings/series.html",
        _context(
            access,
            series=series,
            upcoming=selectors.upcoming_for_series(series, limit=SERIES_UPCOMING),
        ),
    )


# Writes --------------------------------------------------------------------


@login_required
def series_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug, can_manage_meetings)
    community = access.community
    start_date, start_time = default_start(timezone.now())
    form = SeriesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": "",
            "room": community.meeting_room,
            "online_url": community.meeting_url,
            "time_zone": request.user.timezone or "UTC",
            "start_date": start_date,
            "start_time": start_time,
            # No weekday is ticked for the person: one ticked for them (the default start's) stayed
            # ticked when they chose another day, and the series met on both.
            "nth": str(min((start_date.day - 1) // 7 + 1, 4)),
            "month_weekday": str(start_date.weekday()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(
                community=community, by=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Say the days back, so a rule other than the one meant is seen at once.
            when = describe(series.rrule, start_date=series.start_date)
            when = when[:1].lower() + when[1:]
            messages.success(
                request, f"“{series.title}” is scheduled: {when}. Members can now answer."
            )
            return redirect(series)
    return render(
        request, "meetings/series_form.html", _form_context(access, form=form, series=None)
    )


@login_required
def series_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _access(request, slug, can_manage_meetings)
    series = _series_in(access, pk)
    if not series.is_active:
        messages.info(request, "This series has ended; schedule a new one instead.")
        return redirect(series)
    form = SeriesForm(
        request.POST if request.method == "POST" else None, initial=SeriesForm.initial_for(series)
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.series_update(
                series=series, by=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.has_changed():
                messages.success(
                    request, "The series is saved; people who answered were told of any new time."
                )
            else:
                messages.info(request, "Nothing changed.")
            return redirect(updated)
    return render(
        request, "meetings/series_form.html", _form_context(access, form=form, series=series)
    )


@login_required
@require_POST
def series_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _access(request, slug, can_manage_meetings)
    series = _series_in(access, pk)
    try:
        services.series_end(series=series, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(series)
    messages.success(request, f"“{series.title}” has ended; its upcoming meetings are cancelled.")
    return redirect("meetings:list", slug=access.community.slug)


@login_required
def reminder_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = _access(request, slug, can_set_reminders)
    community = access.community
    current = list(community.reminder_minutes or [])
    form = ReminderSettingsForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_settings_update(
                community=community, by=request.user, minutes=form.cleaned_data["chosen"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Reminder settings saved.")
            return redirect("meetings:reminder_settings", slug=community.slug)
    return render(
        request,
        "meetings/reminder_settings.html",
        _context(access, form=form, current=services.reminders_label(current)),
    )


urlpatterns = [
    path("c/<slug:slug>/meetings/", meeting_list, name="list"),
    path("c/<slug:slug>/meetings/new/", series_create, name="series_create"),
    path("c/<slug:slug>/meetings/series/<int:pk>/", series_detail, name="series"),
    path("c/<slug:slug>/meetings/series/<int:pk>/edit/", series_edit, name="series_edit"),
    path("c/<slug:slug>/meetings/series/<int:pk>/end/", series_end, name="series_end"),
    path("c/<slug:slug>/meetings/reminders/", reminder_settings, name="reminder_settings"),
]

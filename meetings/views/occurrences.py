"""One meeting: its page, RSVP, move, cancel, agenda, notes, attendance; and My meetings.

Thin views: the community is fetched with `community_access_or_404` (an
outsider to a private community gets 404), the right is asked of
`meetings.permissions` (403 when lacking), and the occurrence is looked up
within that community only, so another community's meeting under this slug is
a 404. Writes go through `meetings.services`; their refusals come back as a
message on the form or page, never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from communities.models import Community, Membership
from communities.policy import Access, community_access_or_404
from core.http import safe_next
from discussions.models import HelpRequest

from ..forms_occurrences import (
    AddRequestForm,
    AgendaForm,
    AttendanceForm,
    CancelForm,
    MoveForm,
    NotesForm,
    RsvpForm,
)
from ..models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from ..permissions import MeetingAccess, can_manage_meetings, can_read_meetings, can_rsvp
from ..selectors import occurrence_in, personal_feed_url
from ..services import occurrences as services
from ..services.rsvp import rsvp_set, waitlist_position

# The agenda page lists this many of the community's open help requests to pull in.
AGENDA_CANDIDATES = 40
# My meetings: at most this many rows per section, so the page stays one fixed set of queries.
MY_UPCOMING_LIMIT = 50
MY_OTHERS_LIMIT = 6
MY_PAST_LIMIT = 20


# Fetching ------------------------------------------------------------------


def _readable(request: HttpRequest, slug: str, pk: int) -> tuple[Access, Occurrence]:
    access = community_access_or_404(request, slug)
    access.require(can_read_meetings(access))
    return access, occurrence_in(access.community, pk)


def _managed(request: HttpRequest, slug: str, pk: int) -> tuple[Access, Occurrence]:
    access = community_access_or_404(request, slug)
    access.require(can_manage_meetings(access))
    return access, occurrence_in(access.community, pk)


def _posted(request: HttpRequest):
    """The POST data for a bound form, even when empty (every box unticked); None for a GET."""
    return request.POST if request.method == "POST" else None


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def _back(request: HttpRequest, occurrence: Occurrence, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(occurrence)


def _page(
    request, template: str, access: Access, occurrence: Occurrence, **context
) -> HttpResponse:
    return render(
        request,
        template,
        {"access": access, "community": access.community, "occurrence": occurrence, **context},
    )


# The meeting's page ----------------------------------------------------------


def _rsvp_context(
    *, occurrence: Occurrence, my_rsvp: Rsvp | None, may_rsvp: bool, position=None, **extra
):
    now = timezone.now()
    return {
        "occurrence": occurrence,
        "my_rsvp": my_rsvp,
        "position": position,
        "can_answer": may_rsvp and not occurrence.is_cancelled and occurrence.ends_at > now,
        "responses": RsvpResponse.choices,
        **extra,
    }


def _shows_people(access: Access) -> bool:
    # Who is coming: for the community's members (and site admins), not for passers-by of a public one.
    return access.is_member or access.is_site_admin


def _who_is_coming(occurrence: Occurrence | None) -> dict[str, list]:
    going, waiting, maybe = [], [], []
    if occurrence is not None:
        for rsvp in (
            Rsvp.objects.filter(
                occurrence=occurrence, response__in=(RsvpResponse.GOING, RsvpResponse.MAYBE)
            )
            .select_related("user")
            .order_by("responded_at", "pk")
        ):
            if rsvp.response == RsvpResponse.MAYBE:
                maybe.append(rsvp.user)
            elif rsvp.waitlisted:
                waiting.append(rsvp.user)
            else:
                going.append(rsvp.user)
    return {"going": going, "waiting": waiting, "maybe": maybe}


@login_required
def occurrence(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _readable(request, slug, pk)
    now = timezone.now()
    my_rsvp = Rsvp.objects.filter(occurrence=occurrence, user=request.user).first()
    shows_people = _shows_people(access)
    people = _who_is_coming(occurrence) if shows_people else _who_is_coming(None)
    threads = list(
        occurrence.threads.visible().order_by("pk").only("pk", "title", "status")
    )
    context = {
        "access": access,
        "community": access.community,
        "meeting_access": MeetingAccess.of(access),
        "series": occurrence.series,
        "threads": threads,
        "shows_people": shows_people,
        **people,
        "has_started": occurrence.starts_at <= now,
        "is_over": occurrence.ends_at <= now,
        **_rsvp_context(
            occurrence=occurrence,
            my_rsvp=my_rsvp,
            may_rsvp=can_rsvp(access),
            position=waitlist_position(my_rsvp),
        ),
    }
    return render(request, "meetings/occurrence.html", context)


def _answer_status(rsvp: Rsvp, position: int | None) -> str:
    if rsvp.response == RsvpResponse.GOING:
        if rsvp.waitlisted:
            return f"The meeting is full: you are number {position} on the waiting list."
        return "You are going."
    if rsvp.response == RsvpResponse.MAYBE:
        return "You answered maybe."
    return "You are not going."


@login_required
@require_POST
def rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _readable(request, slug, pk)
    access.require(can_rsvp(access))
    form = RsvpForm(request.POST)
    status, error = "", ""
    my_rsvp = None
    if not form.is_valid():
        error = "Answer going, maybe or not going."
    else:
        try:
            my_rsvp = rsvp_set(
                occurrence=occurrence, user=request.user, response=form.cleaned_data["response"]
            )
        except ValidationError as refusal:
            error = _refusal(refusal)
    position = waitlist_position(my_rsvp)
    if my_rsvp is not None:
        status = _answer_status(my_rsvp, position)
    if request.htmx:
        if my_rsvp is None:
            my_rsvp = Rsvp.objects.filter(occurrence=occurrence, user=request.user).first()
            position = waitlist_position(my_rsvp)
        context = _rsvp_context(
            occurrence=occurrence,
            my_rsvp=my_rsvp,
            may_rsvp=True,
            position=position,
            rsvp_status=status,
            rsvp_error=error,
            next_url=safe_next(request, ""),
            oob=True,
        )
        if request.POST.get("with_people") and _shows_people(access):
            # The meeting's page lists who is coming beside the counts: both change together.
            context.update(_who_is_coming(occurrence), who_is_coming=True, with_people=True)
        return render(request, "meetings/includes/_rsvp.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, status)
    return redirect(safe_next(request, occurrence.get_absolute_url()))


# Moving and cancelling -------------------------------------------------------


@login_required
def occurrence_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    if occurrence.is_cancelled:
        return _back(request, occurrence, "This meeting is cancelled, so it cannot be moved.")
    if occurrence.starts_at <= timezone.now():
        return _back(request, occurrence, "Only upcoming meetings can be moved.")
    form = MoveForm(_posted(request), occurrence=occurrence)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.occurrence_move(
                occurrence=occurrence,
                by=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                room=data["room"],
                online_url=data["online_url"],
                reason=data["reason"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, "The meeting is moved; everyone who answered has been told.")
            return redirect(occurrence)
    return _page(request, "meetings/occurrence_move.html", access, occurrence, form=form)


@login_required
def occurrence_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    if occurrence.is_cancelled:
        return _back(request, occurrence, "This meeting is already cancelled.")
    if occurrence.ends_at <= timezone.now():
        return _back(request, occurrence, "This meeting is over; it can no longer be cancelled.")
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.occurrence_cancel(
                occurrence=occurrence, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(
                request, "The meeting is cancelled; everyone who answered has been told."
            )
            return redirect(occurrence)
    return _page(request, "meetings/occurrence_cancel.html", access, occurrence, form=form)


# Agenda ----------------------------------------------------------------------


@login_required
def agenda_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    if occurrence.is_cancelled:
        return _back(request, occurrence, "This meeting is cancelled; its agenda is closed.")
    form = AgendaForm(_posted(request), initial={"agenda": occurrence.agenda})
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_update(
                occurrence=occurrence, by=request.user, agenda=form.cleaned_data["agenda"]
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, "The agenda is saved.")
            return redirect(occurrence)
    candidates = list(
        services.open_requests_for_agenda(occurrence).select_related("author")[:AGENDA_CANDIDATES]
    )
    return _page(
        request,
        "meetings/agenda_form.html",
        access,
        occurrence,
        form=form,
        candidates=candidates,
        candidate_limit=AGENDA_CANDIDATES,
    )


@login_required
@require_POST
def agenda_add_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    back = reverse("meetings:agenda_edit", args=[access.community.slug, occurrence.pk])
    form = AddRequestForm(request.POST)
    help_request = None
    if form.is_valid():
        help_request = HelpRequest.objects.filter(
            pk=form.cleaned_data["help_request"], community=access.community
        ).first()
    if help_request is None:
        messages.error(request, "There is no such help request in this community.")
        return redirect(back)
    try:
        services.agenda_add_request(
            occurrence=occurrence, by=request.user, help_request=help_request
        )
    except ValidationError as refusal:
        messages.error(request, _refusal(refusal))
    else:
        messages.success(request, f"“{help_request.title}” is on the agenda.")
    return redirect(back)


# After the meeting -----------------------------------------------------------


def _after_start_only(request, occurrence: Occurrence, what: str) -> HttpResponse | None:
    if occurrence.is_cancelled:
        return _back(request, occurrence, "This meeting was cancelled.")
    if occurrence.starts_at > timezone.now():
        return _back(request, occurrence, f"{what} can be recorded once the meeting has started.")
    return None


@login_required
def notes_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    refused = _after_start_only(request, occurrence, "Notes")
    if refused:
        return refused
    form = NotesForm(_posted(request), occurrence=occurrence)
    if request.method == "POST" and form.is_valid():
        try:
            services.notes_update(
                occurrence=occurrence,
                by=request.user,
                notes=form.cleaned_data["notes"],
                thread_ids=form.thread_ids,
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, "The notes are saved.")
            return redirect(occurrence)
    return _page(request, "meetings/notes_form.html", access, occurrence, form=form)


@login_required
def attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, occurrence = _managed(request, slug, pk)
    refused = _after_start_only(request, occurrence, "Attendance")
    if refused:
        return refused
    rsvps = list(
        Rsvp.objects.filter(occurrence=occurrence)
        .select_related("user")
        .order_by("user__display_name", "user__pk")
    )
    form = AttendanceForm(_posted(request), rsvps=rsvps)
    if request.method == "POST" and form.is_valid():
        try:
            came = services.attendance_record(
                occurrence=occurrence,
                by=request.user,
                attended_user_ids=form.cleaned_data["attended"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, f"Attendance recorded: {came} of {len(rsvps)} came.")
            return redirect(occurrence)
    return _page(request, "meetings/attendance.html", access, occurrence, form=form, rsvps=rsvps)


# My meetings -----------------------------------------------------------------


def _queue_position():
    """The RSVP's place on its meeting's waiting list (1 = next), as a subquery; for waitlisted rows."""
    ahead = (
        Rsvp.objects.filter(
            occurrence=OuterRef("occurrence"), response=RsvpResponse.GOING, waitlisted=True
        )
        .filter(
            Q(responded_at__lt=OuterRef("responded_at"))
            | Q(responded_at=OuterRef("responded_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("occurrence")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1)


@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    readable = Community.objects.readable_by(user)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("community")
    )
    # The RSVP rule itself, asked per membership already loaded (no query per community).
    answerable = {
        m.community_id
        for m in memberships
        if can_rsvp(Access(user=user, community=m.community, membership=m))
    }
    mine = [m.community_id for m in memberships]

    answered = list(
        Rsvp.objects.filter(
            user=user,
            response__in=(RsvpResponse.GOING, RsvpResponse.MAYBE),
            occurrence__ends_at__gt=now,
            occurrence__community__in=readable,
        )
        .select_related("occurrence", "occurrence__series", "occurrence__community")
        .annotate(position=_queue_position())
        .order_by("occurrence__starts_at", "occurrence__pk")[:MY_UPCOMING_LIMIT]
    )
    others = list(
        Occurrence.objects.upcoming(now)
        .filter(community__in=mine)
        .filter(community__in=readable)
        .exclude(rsvps__user=user)
        .select_related("series", "community")[:MY_OTHERS_LIMIT]
    )
    attended = list(
        Rsvp.objects.filter(
            user=user,
            attended=True,
            occurrence__starts_at__lte=now,
            occurrence__status=OccurrenceStatus.SCHEDULED,
            occurrence__community__in=readable,
        )
        .select_related("occurrence", "occurrence__series", "occurrence__community")
        .order_by("-occurrence__starts_at", "-occurrence__pk")[:MY_PAST_LIMIT]
    )

    def row(occurrence: Occurrence, rsvp: Rsvp | None) -> dict:
        return _rsvp_context(
            occurrence=occurrence,
            my_rsvp=rsvp,
            may_rsvp=occurrence.community_id in answerable,
            position=getattr(rsvp, "position", None) if rsvp and rsvp.waitlisted else None,
            next_url=reverse("meetings:my_meetings"),
        )

    context = {
        "upcoming": [row(r.occurrence, r) for r in answered],
        "others": [row(o, None) for o in others],
        "attended": [r.occurrence for r in attended],
        "limits": {"upcoming": MY_UPCOMING_LIMIT, "others": MY_OTHERS_LIMIT, "past": MY_PAST_LIMIT},
        "feed_url": personal_feed_url(user),
        "feed_webcal_url": personal_feed_url(user, scheme="webcal"),
    }
    return render(request, "meetings/my_meetings.html", context)


urlpatterns = [
    path("c/<slug:slug>/meetings/<int:pk>/", occurrence, name="occurrence"),
    path("c/<slug:slug>/meetings/<int:pk>/rsvp/", rsvp, name="rsvp"),
    path("c/<slug:slug>/meetings/<int:pk>/move/", occurrence_move, name="occurrence_move"),
    path("c/<slug:slug>/meetings/<int:pk>/cancel/", occurrence_cancel, name="occurrence_cancel"),
    path("c/<slug:slug>/meetings/<int:pk>/agenda/", agenda_edit, name="agenda_edit"),
    path(
        "c/<slug:slug>/meetings/<int:pk>/agenda/add/", agenda_add_request, name="agenda_add_request"
    ),
    path("c/<slug:slug>/meetings/<int:pk>/notes/", notes_edit, name="notes_edit"),
    path("c/<slug:slug>/meetings/<int:pk>/attendance/", attendance, name="attendance"),
    path("meetings/mine/", my_meetings, name="my_meetings"),
]

"""Health pages: one community's health, its CSV, who may see it, and the sponsor overview.

Thin views: the community is fetched with `community_access_or_404` (an
outsider to a private community gets 404), `health.permissions` says who may
look (403 otherwise), figures come from `health.metrics` and
`health.overview` in a fixed number of queries, and the one write goes
through `health.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from charter.models import Horizon
from communities.policy import Access, community_access_or_404

from . import charts, metrics, overview, services
from .csv import csv_filename, health_csv
from .permissions import can_set_health_visibility, can_view_health, can_view_sponsor_overview

PERIODS = metrics.PERIOD_DAYS
DEFAULT_DAYS = 30


def _days(request: HttpRequest) -> int:
    """The period asked for, or 30 days for anything else (a bad link is not an error)."""
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


def _health_access(request: HttpRequest, slug: str) -> Access:
    access = community_access_or_404(request, slug)
    access.require(can_view_health(access))
    return access


def _value_matrix(community, rows: list[dict]) -> dict | None:
    """The value matrix as `charter/includes/_value_matrix.html` takes it, from the rows the metrics give."""
    if not rows:
        return None
    cells = [cell for row in rows for cell in row["cells"]]
    minutes = sum(cell.get("minutes_saved") or 0 for cell in cells)
    return {
        "community": community,
        "columns": [{"horizon": h.value, "label": h.label} for h in Horizon],
        "rows": rows,
        "total": sum(cell.get("count") or 0 for cell in cells),
        "minutes_saved": minutes,
        "hours_saved": round(minutes / 60, 1),
    }


def _visibility_context(access: Access, *, days: int, announce: str = "") -> dict:
    return {
        "access": access,
        "community": access.community,
        "days": days,
        "can_set_visibility": can_set_health_visibility(access),
        "announce": announce,
    }


@login_required
@require_GET
def community(request: HttpRequest, slug: str) -> HttpResponse:
    access = _health_access(request, slug)
    days = _days(request)
    health = metrics.community_health(access.community, period=metrics.period_for(days))
    today = timezone.localdate()
    return render(
        request,
        "health/community.html",
        {
            **_visibility_context(access, days=days),
            "health": health,
            "periods": PERIODS,
            "charts": charts.health_charts(health),
            "value_matrix": _value_matrix(access.community, health.value_matrix),
            "revisit_overdue_days": (today - health.revisit_by).days
            if health.revisit_by and health.revisit_by < today
            else 0,
            "today": today,
        },
    )


@login_required
@require_GET
def community_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = _health_access(request, slug)
    days = _days(request)
    health = metrics.community_health(access.community, period=metrics.period_for(days))
    # A byte order mark, so that spreadsheets read "Tomás" and "Pédiatrie" as UTF-8, not as Latin-1.
    response = HttpResponse("\ufeff" + health_csv(health), content_type="text/csv; charset=utf-8")
    filename = csv_filename(access.community.slug, days, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def visibility(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(can_set_health_visibility(access))
    days = _days(request)
    choice = request.POST.get("visible")
    if choice not in ("0", "1"):
        message = "Choose whether members may see the health page."
        if request.htmx:
            context = _visibility_context(access, days=days, announce=message)
            return render(request, "health/includes/_visibility.html", context, status=400)
        messages.error(request, message)
    else:
        services.health_visibility_set(
            community=access.community, by=request.user, visible=choice == "1"
        )
        message = (
            "Every member can now see the health page."
            if choice == "1"
            else "Only moderators and sponsors can see the health page now."
        )
        if request.htmx:
            return render(
                request,
                "health/includes/_visibility.html",
                _visibility_context(access, days=days, announce=message),
            )
        messages.success(request, message)
    return redirect(f"{reverse('health:community', args=[access.community.slug])}?days={days}")


@login_required
@require_GET
def sponsor_overview(request: HttpRequest) -> HttpResponse:
    # Open to everyone signed in: the rows are scoped to what they sponsor (all for a site admin),
    # and someone who sponsors nothing gets an explanation rather than a refusal.
    if not can_view_sponsor_overview(request.user):
        raise PermissionDenied
    days = _days(request)
    rows = overview.sponsor_overview(request.user, period=metrics.period_for(days))
    # Needs help first, then steady, then thriving: what a sponsor must act on is on top.
    groups = [
        (verdict, [row for row in rows if row.verdict == verdict])
        for verdict in sorted(overview.VERDICT_ORDER, key=overview.VERDICT_ORDER.get)
    ]
    groups = [(verdict, group) for verdict, group in groups if group]
    return render(
        request,
        "health/overview.html",
        {
            "rows": [row for _, group in groups for row in group],
            "groups": groups,
            "days": days,
            "periods": PERIODS,
        },
    )


urlpatterns = [
    path("c/<slug:slug>/health/", community, name="community"),
    path("c/<slug:slug>/health/health.csv", community_csv, name="community_csv"),
    path("c/<slug:slug>/health/visibility/", visibility, name="visibility"),
    path("health/", sponsor_overview, name="overview"),
]

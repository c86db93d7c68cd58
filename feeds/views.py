"""The community calendar by a secret link, and the moderators' page that replaces or turns it off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from communities.policy import community_access_or_404
from meetings.ics import calendar_for
from meetings.views.calendars import TOKEN_SHAPE, community_feed_occurrences

from .models import CommunityCalendarLink
from .services import calendar_link_reset, calendar_link_revoke


@require_safe
def community_calendar(request: HttpRequest, token: str) -> HttpResponse:
    # The unique column compares the token in the database; an unknown or revoked one finds nothing.
    link = (
        CommunityCalendarLink.objects.select_related("community").filter(token=token).first()
        if TOKEN_SHAPE.fullmatch(token)
        else None
    )
    if link is None or not link.community.is_live:
        raise Http404("No such calendar.")
    community = link.community
    body = calendar_for(community_feed_occurrences(community), name=f"{community.name} meetings")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{community.slug}-meetings.ics"'
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
def calendar_link(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(access.can_moderate)
    community = access.community
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if calendar_link_revoke(community=community):
                messages.success(
                    request, "The calendar link is turned off. Calendars using it stop updating."
                )
            else:
                messages.info(request, "There is no calendar link to turn off.")
        else:
            calendar_link_reset(community=community, by=request.user)
            messages.success(request, "A new calendar link is ready; the old one no longer works.")
        return redirect("feeds:calendar_link", community.slug)
    link = CommunityCalendarLink.objects.filter(community=community).first()
    return render(
        request,
        "feeds/calendar_link.html",
        {"access": access, "community": community, "link": link},
    )

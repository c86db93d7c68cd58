"""Finding help requests: search, similar questions while asking, help-wanted lists.

Every list is scoped in `discussions.search` to what the person may read; these
views only check the community (404 when hidden, 403 when not readable) and page.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from communities.models import Community
from communities.policy import community_access_or_404

from .. import permissions
from ..models import RequestStatus
from ..search import (
    SearchFilters,
    decorate_results,
    help_wanted_everywhere,
    help_wanted_in,
    search_requests,
    search_tags,
    similar_requests,
    typo_correction,
)

RESULTS_PER_PAGE = 20
HELP_WANTED_PER_PAGE = 25


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", max_length=200, required=False, strip=True)
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="All my communities",
    )
    tag = forms.CharField(max_length=100, required=False, strip=True)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *RequestStatus.choices], required=False
    )
    unanswered = forms.BooleanField(label="Unanswered only", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only communities the person may read can be chosen (or even named) here.
        self.fields["community"].queryset = Community.objects.readable_by(user).order_by("name")

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            q=data.get("q") or "",
            community=data.get("community"),
            tag=data.get("tag") or "",
            status=data.get("status") or "",
            unanswered=bool(data.get("unanswered")),
        )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_valid() else None
    communities = list(form.fields["community"].queryset)
    page = None
    correction = None
    if filters is not None and not filters.is_empty:
        page = _search_page(request, filters)
        if filters.q and not page.paginator.count:
            # Nothing as typed: try close words from what this person may read (SQLite only).
            scope = [filters.community] if filters.community is not None else communities
            correction = typo_correction(filters.q, community_ids=[c.pk for c in scope])
            if correction is not None:
                corrected = _search_page(request, filters, alternatives=correction.alternatives)
                if corrected.paginator.count:
                    page = corrected
                else:
                    correction = None
        page.object_list = list(page.object_list)
        decorate_results(page.object_list, correction.text if correction else filters.q)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "correction": correction,
        "tags": search_tags(request.user),
        "communities": communities,
    }
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "discussions/search.html#results", context)
    return render(request, "discussions/search.html", context)


def _search_page(request: HttpRequest, filters: SearchFilters, alternatives=None):
    results = search_requests(user=request.user, filters=filters, alternatives=alternatives)
    return Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))


@login_required
@require_GET
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Requests resembling the title being typed on the ask form (an htmx fragment)."""
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read(access))
    # PostgreSQL refuses NUL in a query parameter (a 500); no title has one.
    title = request.GET.get("title", "").replace("\x00", "")[:200]
    results = similar_requests(user=request.user, title=title, community=access.community)
    return render(
        request,
        "discussions/includes/_similar.html",
        {"similar": results, "community": access.community, "title": title},
    )


def _help_wanted_page(request: HttpRequest, queryset, per_page: int = HELP_WANTED_PER_PAGE):
    page = Paginator(queryset.prefetch_related("tags"), per_page).get_page(request.GET.get("page"))
    return page


def _wants_mine(request: HttpRequest) -> bool:
    return request.GET.get("mine") in ("1", "on", "true")


@login_required
@require_GET
def help_wanted(request: HttpRequest) -> HttpResponse:
    mine = _wants_mine(request)
    page = _help_wanted_page(request, help_wanted_everywhere(user=request.user, mine_only=mine))
    context = {"page": page, "mine": mine, "expertise": list(request.user.expertise.names())}
    return render(request, "discussions/help_wanted.html", context)


@login_required
@require_GET
def community_help_wanted(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read(access))
    mine = _wants_mine(request)
    page = _help_wanted_page(
        request, help_wanted_in(community=access.community, user=request.user, mine_only=mine)
    )
    context = {
        "access": access,
        "community": access.community,
        "page": page,
        "mine": mine,
        "expertise": list(request.user.expertise.names()),
    }
    return render(request, "discussions/help_wanted_community.html", context)


urlpatterns = [
    path("search/", search, name="search"),
    path("help-wanted/", help_wanted, name="help_wanted"),
    path("c/<slug:slug>/help/similar/", similar, name="similar"),
    path("c/<slug:slug>/help/wanted/", community_help_wanted, name="community_help_wanted"),
]

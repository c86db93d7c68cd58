"""Value stories: the evidence that the community creates value, on the 2x2 value table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from communities.policy import community_access_or_404

from .. import permissions
from ..forms.stories import StoryFilterForm, ValueStoryForm
from ..models import Beneficiary, Horizon, Objective, ValueStory
from ..permissions import CharterAccess
from ..selectors import stories as story_selectors
from ..services.stories import value_story_create

STORIES_PER_PAGE = 20


@require_GET
def stories(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read_stories(access))
    community = access.community
    # Retired objectives stay filterable: their stories still point at them.
    objectives = list(Objective.objects.filter(charter__community=community).only("id", "title", "is_retired"))
    form = StoryFilterForm(request.GET or None, objectives=objectives)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = story_selectors.stories(
        community,
        horizon=filters.get("horizon") or "",
        beneficiary=filters.get("beneficiary") or "",
        objective_id=filters.get("objective"),
    )
    page = Paginator(queryset, STORIES_PER_PAGE).get_page(request.GET.get("page"))
    objective_titles = {o.pk: o.title for o in objectives}
    active = []
    if filters.get("horizon") or filters.get("beneficiary"):
        active.append(
            " ".join(
                filter(None, [
                    Horizon(filters["horizon"]).label if filters.get("horizon") else "",
                    "value",
                    f"for {Beneficiary(filters['beneficiary']).label.lower()}" if filters.get("beneficiary") else "",
                ])
            )
        )
    if filters.get("objective") in objective_titles:
        active.append(f"supporting “{objective_titles[filters['objective']]}”")
    return render(
        request,
        "charter/stories.html",
        {
            "access": access,
            "community": community,
            "charter_access": CharterAccess(access),
            "value_matrix": story_selectors.value_matrix(community),
            "form": form,
            "page": page,
            "active_filters": active,
            "has_objectives": bool(objectives),
        },
    )


@login_required
def story_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_record_story(access))
    community = access.community
    form = ValueStoryForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            story = value_story_create(community=community, author=request.user, **form.story_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you: your story is on the value table.")
            return redirect("charter:story", slug=slug, pk=story.pk)
    return render(
        request,
        "charter/story_form.html",
        {"access": access, "community": community, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_GET
def story(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read_stories(access))
    story = get_object_or_404(
        ValueStory.objects.select_related("author", "author__unit", "objective"), pk=pk, community=access.community
    )
    cell_url = reverse("charter:stories", args=[slug]) + f"?horizon={story.horizon}&beneficiary={story.beneficiary}"
    return render(
        request,
        "charter/story.html",
        {
            "access": access,
            "community": access.community,
            "story": story,
            "cell_label": story_selectors.cell_label(story.horizon, story.beneficiary),
            "cell_url": cell_url,
        },
    )


urlpatterns = [
    path("c/<slug:slug>/stories/", stories, name="stories"),
    path("c/<slug:slug>/stories/new/", story_new, name="story_new"),
    path("c/<slug:slug>/stories/<int:pk>/", story, name="story"),
]

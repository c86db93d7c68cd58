"""The charter: the approved version, the working draft, submission, sponsor review and history."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from charter.diff import section_diffs
from charter.forms.drafts import DraftForm, ObjectiveFormSet, ReviewForm, SubmitForm
from charter.models import Charter, CharterState
from charter.permissions import CharterAccess
from charter.selectors import drafts as selectors
from charter.selectors import stories as story_selectors
from charter.services import drafts as services
from communities.policy import community_access_or_404


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _charter_access(request: HttpRequest, slug: str, rule: str = "can_read") -> CharterAccess:
    access = community_access_or_404(request, slug)
    charter_access = CharterAccess(access)
    access.require(getattr(charter_access, rule))
    return charter_access


def _context(ca: CharterAccess, **extra) -> dict:
    return {"access": ca.access, "community": ca.access.community, "charter_access": ca, **extra}


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    ca = _charter_access(request, slug)
    community = ca.access.community
    charter = selectors.charter_for(community)
    approved = charter.approved_version if charter else None
    objectives = selectors.version_objectives(approved)
    stories = story_selectors.stories_by_objective(community, [o["id"] for o in objectives if o.get("id")])
    for objective in objectives:
        objective["stories"] = stories.get(objective.get("id"), [])
    context = _context(
        ca,
        charter=charter,
        approved=approved,
        objectives=objectives,
        value_matrix=story_selectors.value_matrix(community),
        submit_form=SubmitForm(),
    )
    if charter and ca.can_read_draft:
        context["latest"] = selectors.latest_version(charter)
    return render(request, "charter/detail.html", context)


def print_view(request: HttpRequest, slug: str) -> HttpResponse:
    ca = _charter_access(request, slug)
    charter = selectors.charter_for(ca.access.community)
    approved = charter.approved_version if charter else None
    return render(
        request,
        "charter/print.html",
        _context(
            ca,
            charter=charter,
            approved=approved,
            objectives=selectors.version_objectives(approved),
        ),
    )


def _objective_initial(charter) -> list[dict]:
    if charter.pk is None:
        return []
    return [
        {
            "id": o.pk,
            "title": o.title,
            "indicator": o.indicator,
            "target_date": o.target_date,
            "ORDER": n,
        }
        for n, o in enumerate(selectors.draft_objectives(charter), start=1)
    ]


def _restarted_from(charter: Charter, form: DraftForm, flags: dict, error) -> DraftForm:
    """The editor's form as they sent it, now based on the draft as it is, with `error` on top.

    The editor keeps their text; saving again (now knowingly) replaces what is stored.
    """
    data = form.data.copy()
    data["draft_revision"] = str(charter.draft_revision)
    data["base"] = json.dumps(services.snapshot(charter, None if charter.pk else []))
    restarted = DraftForm(data, **flags)
    restarted.is_valid()
    restarted.add_error(None, error)
    return restarted


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    ca = CharterAccess(access)
    access.require(ca.can_edit_purpose or ca.can_edit_draft)
    community = access.community
    if request.method == "POST":
        charter = services.charter_get_or_create(community=community)
    else:
        # Opening the editor writes nothing: a community without a charter gets an unsaved one.
        charter = selectors.charter_for(community) or Charter(community=community)
    flags = {"can_edit_purpose": ca.can_edit_purpose, "can_edit_draft": ca.can_edit_draft}
    base = services.snapshot(charter, None if charter.pk else [])
    conflict = None
    revision_lost = False
    if request.method == "POST":
        form = DraftForm(request.POST, **flags)
        formset = ObjectiveFormSet(request.POST, prefix="objectives") if ca.can_edit_draft else None
        if form.is_valid() and (formset is None or formset.is_valid()):
            data = form.sections()
            if formset is not None:
                data["objectives"] = formset.rows()
            try:
                services.charter_draft_update(
                    charter=charter,
                    by=request.user,
                    data=data,
                    expected_revision=form.cleaned_data["draft_revision"],
                )
            except services.DraftConflict as error:
                current = error.current
                conflict = [
                    d
                    for d in section_diffs(form.cleaned_data["base"], services.snapshot(current))
                    if d.changed
                ]
                form = _restarted_from(current, form, flags, error)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Draft saved.")
                return redirect("charter:detail", slug=slug)
        elif "draft_revision" in form.errors:
            # Nothing says what the editor started from, so nothing to diff against: say so.
            revision_lost = True
            form = _restarted_from(charter, form, flags, services.DRAFT_REVISION_UNREADABLE)
    else:
        form = DraftForm(
            initial={**base, "draft_revision": charter.draft_revision, "base": json.dumps(base)},
            **flags,
        )
        formset = (
            ObjectiveFormSet(initial=_objective_initial(charter), prefix="objectives")
            if ca.can_edit_draft
            else None
        )
    return render(
        request,
        "charter/edit.html",
        _context(
            ca,
            charter=charter,
            form=form,
            formset=formset,
            conflict=conflict,
            in_review=charter.state == CharterState.IN_REVIEW,
        ),
        status=409 if conflict or revision_lost else 200,
    )


@login_required
@require_POST
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    ca = _charter_access(request, slug, "can_submit")
    charter = services.charter_get_or_create(community=ca.access.community)
    form = SubmitForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = services.charter_submit(charter=charter, by=request.user, note=note)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, f"Version {version.number} is with the sponsor for review.")
    return redirect("charter:detail", slug=slug)


def _charter_or_404(community):
    charter = selectors.charter_for(community)
    if charter is None:
        raise Http404("This community has no charter yet.")
    return charter


@login_required
def review(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    ca = _charter_access(request, slug, "can_review")
    charter = _charter_or_404(ca.access.community)
    version, previous = selectors.version_and_previous(charter, number)
    if version is None:
        raise Http404("No such version.")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            services.charter_approve
            if form.cleaned_data["decision"] == "approve"
            else services.charter_request_changes
        )
        try:
            decide(version=version, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            _refusal(request, error)
            return redirect("charter:review", slug=slug, number=number)
        if form.cleaned_data["decision"] == "approve":
            messages.success(
                request, f"You approved version {number}. It is now the community's charter."
            )
            return redirect("charter:detail", slug=slug)
        messages.success(
            request, f"You asked for changes to version {number}. The editors are notified."
        )
        return redirect("charter:history", slug=slug)
    # The sponsor compares with what they last approved; before any approval, with the version
    # they sent back, so they see whether their request was met.
    baseline = selectors.approved_before(charter, number) or previous
    context = _context(
        ca,
        charter=charter,
        version=version,
        baseline=baseline,
        baseline_label=(
            f"Version {baseline.number}, "
            + (
                "last approved"
                if baseline.status == "approved"
                else baseline.get_status_display().lower()
            )
            if baseline
            else "Before (nothing submitted)"
        ),
        diffs=section_diffs(
            services.snapshot(baseline) if baseline else None, services.snapshot(version)
        ),
        form=form,
        decidable=version.status == "in_review" and charter.state == CharterState.IN_REVIEW,
    )
    return render(request, "charter/review.html", context, status=400 if form.is_bound else 200)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    ca = _charter_access(request, slug, "can_read_draft")
    charter = selectors.charter_for(ca.access.community)
    versions = list(selectors.versions(charter)) if charter else []
    return render(request, "charter/history.html", _context(ca, charter=charter, versions=versions))


@login_required
def version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    ca = _charter_access(request, slug, "can_read_draft")
    charter = _charter_or_404(ca.access.community)
    current, previous = selectors.version_and_previous(charter, number)
    if current is None:
        raise Http404("No such version.")
    # The first version has nothing before it: show its text as it is rather than all of it as "added".
    diffs = section_diffs(services.snapshot(previous or current), services.snapshot(current))
    return render(
        request,
        "charter/version.html",
        _context(ca, charter=charter, version=current, previous=previous, diffs=diffs),
    )


@login_required
def awaiting_review(request: HttpRequest) -> HttpResponse:
    if request.htmx and request.htmx.target == "review-menu-link":
        # The account menu asks when it is opened, so ordinary pages pay no query for it.
        count = (
            selectors.awaiting_review(request.user).count()
            if selectors.sponsors_anything(request.user)
            else None
        )
        return render(request, "charter/awaiting_review.html#menu-link", {"count": count})
    charters = list(selectors.awaiting_review(request.user))
    return render(request, "charter/awaiting_review.html", {"charters": charters})


urlpatterns = [
    path("c/<slug:slug>/charter/", detail, name="detail"),
    path("c/<slug:slug>/charter/draft/", edit, name="edit"),
    path("c/<slug:slug>/charter/submit/", submit, name="submit"),
    path("c/<slug:slug>/charter/history/", history, name="history"),
    path("c/<slug:slug>/charter/print/", print_view, name="print"),
    path("c/<slug:slug>/charter/v/<int:number>/", version, name="version"),
    path("c/<slug:slug>/charter/v/<int:number>/review/", review, name="review"),
    path("charters/review/", awaiting_review, name="awaiting_review"),
]

"""Vision rounds: appreciative inquiry (Discover, Dream, Design, Deliver) that co-creates the vision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from communities.policy import Access, community_access_or_404

from .. import permissions
from ..forms.vision import CloseRoundForm, ContributionForm, OpenRoundForm
from ..models import Charter, Contribution, Prompt, VisionRound
from ..permissions import CharterAccess
from ..selectors import vision as vision_selectors
from ..services import vision as services


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _charter(access: Access) -> Charter:
    charter, _ = Charter.objects.get_or_create(community=access.community)
    return charter


def _round_or_404(access: Access, pk: int) -> VisionRound:
    return get_object_or_404(
        VisionRound.objects.select_related("opened_by", "closed_by", "charter"),
        pk=pk,
        charter__community=access.community,
    )


def _contribution_or_404(access: Access, pk: int) -> Contribution:
    return get_object_or_404(
        Contribution.objects.select_related("vision_round", "author"),
        pk=pk,
        vision_round__charter__community=access.community,
    )


def _round_url(access: Access, vision_round_id: int, anchor: str = "") -> str:
    url = reverse("charter:vision_round", args=[access.community.slug, vision_round_id])
    return f"{url}#{anchor}" if anchor else url


@require_GET
def vision_rounds(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read_vision_rounds(access))
    # A read: find the charter, don't create one for every visitor of a community without it.
    charter = Charter.objects.filter(community=access.community).first()
    rounds = list(vision_selectors.vision_rounds(charter)) if charter else []
    return render(
        request,
        "charter/vision_rounds.html",
        {
            "access": access,
            "community": access.community,
            "charter_access": CharterAccess(access),
            "rounds": rounds,
            "has_open_round": any(r.is_open for r in rounds),
            "form": OpenRoundForm(),
        },
    )


@login_required
@require_POST
def open_round(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_run_vision_rounds(access))
    charter = _charter(access)
    form = OpenRoundForm(request.POST)
    if form.is_valid():
        try:
            vision_round = services.vision_round_open(charter=charter, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The vision round is open. Members have been notified.")
            return redirect(_round_url(access, vision_round.pk))
    rounds = list(vision_selectors.vision_rounds(charter))
    return render(
        request,
        "charter/vision_rounds.html",
        {
            "access": access,
            "community": access.community,
            "charter_access": CharterAccess(access),
            "rounds": rounds,
            "has_open_round": any(r.is_open for r in rounds),
            "form": form,
        },
        status=400,
    )


def _form_ids(prompt: str) -> str:
    # Four contribution forms share a page: give each its own element ids.
    return f"id_{prompt}_%s"


def _round_context(request: HttpRequest, access: Access, vision_round: VisionRound, **extra) -> dict:
    charter_access = CharterAccess(access)
    may_contribute = vision_round.is_open and charter_access.can_contribute_ideas
    forms = extra.pop("forms", {})
    prompts = vision_selectors.round_prompts(vision_round, user=request.user)
    for prompt in prompts:
        if may_contribute:
            prompt["form"] = forms.get(prompt["value"]) or ContributionForm(
                initial={"prompt": prompt["value"]}, auto_id=_form_ids(prompt["value"])
            )
    return {
        "access": access,
        "community": access.community,
        "charter_access": charter_access,
        "vision_round": vision_round,
        "prompts": prompts,
        "may_contribute": may_contribute,
        "may_endorse": vision_round.is_open and charter_access.can_contribute_ideas,
        "close_form": CloseRoundForm(),
        **extra,
    }


def _htmx_piece(request: HttpRequest, template: str, context: dict, *, announce: str) -> HttpResponse:
    """The updated piece of the page, plus the page's live region swapped out of band."""
    html = render_to_string(template, context, request=request)
    html += render_to_string("charter/includes/_contribution_status.html", {"announce": announce})
    return HttpResponse(html)


@require_GET
def vision_round(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read_vision_rounds(access))
    round_ = _round_or_404(access, pk)
    return render(request, "charter/vision_round.html", _round_context(request, access, round_))


@login_required
@require_POST
def contribute(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    round_ = _round_or_404(access, pk)
    access.require(permissions.can_contribute_ideas(access))
    prompt = request.POST.get("prompt", "")
    form = ContributionForm(request.POST, auto_id=_form_ids(prompt if prompt in Prompt.values else "x"))
    if form.is_valid():
        try:
            contribution = services.contribution_add(
                vision_round=round_, author=request.user, prompt=form.cleaned_data["prompt"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you: your idea is in.")
            return redirect(_round_url(access, round_.pk, f"contribution-{contribution.pk}"))
    forms = {prompt: form} if prompt in Prompt.values else {}
    context = _round_context(request, access, round_, forms=forms)
    if prompt not in Prompt.values or not context["may_contribute"]:
        _refusal(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return redirect(_round_url(access, round_.pk))
    return render(request, "charter/vision_round.html", context, status=400)


@login_required
@require_POST
def endorse(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    contribution = _contribution_or_404(access, pk)
    access.require(permissions.can_contribute_ideas(access))
    error = None
    try:
        contribution, endorsed = services.contribution_toggle_endorsement(
            contribution=contribution, user=request.user
        )
    except ValidationError as e:
        error = e
        endorsed = False
    if request.htmx:
        contribution.endorsed_by_me = endorsed
        if error:
            announce = " ".join(error.messages)
        else:
            announce = "You endorse this idea." if endorsed else "Endorsement withdrawn."
        return _htmx_piece(
            request,
            "charter/vision_round.html#endorse",
            {"community": access.community, "c": contribution, "may_endorse": True,
             "endorse_error": " ".join(error.messages) if error else ""},
            announce=announce,
        )
    if error:
        _refusal(request, error)
    return redirect(_round_url(access, contribution.vision_round_id, f"contribution-{contribution.pk}"))


@login_required
@require_POST
def mark_used(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    contribution = _contribution_or_404(access, pk)
    access.require(permissions.can_run_vision_rounds(access))
    used = request.POST.get("used", "1") != "0"
    contribution = services.contribution_mark_used(contribution=contribution, by=request.user, used=used)
    if request.htmx:
        return _htmx_piece(
            request,
            "charter/vision_round.html#used",
            {"community": access.community, "c": contribution, "charter_access": CharterAccess(access)},
            announce="Marked as used in the draft." if used else "No longer marked as used.",
        )
    messages.success(request, "Marked as used in the draft." if used else "No longer marked as used.")
    return redirect(_round_url(access, contribution.vision_round_id, f"contribution-{contribution.pk}"))


@login_required
@require_POST
def close_round(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    round_ = _round_or_404(access, pk)
    access.require(permissions.can_run_vision_rounds(access))
    form = CloseRoundForm(request.POST)
    if not form.is_valid():
        context = _round_context(request, access, round_)
        context["close_form"] = form
        return render(request, "charter/vision_round.html", context, status=400)
    try:
        services.vision_round_close(vision_round=round_, by=request.user, summary=form.cleaned_data["summary"])
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, "The round is closed. Its ideas stay here as the record.")
    return redirect(_round_url(access, round_.pk))


urlpatterns = [
    path("c/<slug:slug>/charter/vision/", vision_rounds, name="vision_rounds"),
    path("c/<slug:slug>/charter/vision/open/", open_round, name="open_round"),
    path("c/<slug:slug>/charter/vision/<int:pk>/", vision_round, name="vision_round"),
    path("c/<slug:slug>/charter/vision/<int:pk>/contribute/", contribute, name="contribute"),
    path("c/<slug:slug>/charter/vision/<int:pk>/close/", close_round, name="close_round"),
    path("c/<slug:slug>/charter/vision/contribution/<int:pk>/endorse/", endorse, name="endorse"),
    path("c/<slug:slug>/charter/vision/contribution/<int:pk>/used/", mark_used, name="mark_used"),
]

"""Moderation pages and actions: the flag queue, flagging, remove/restore, lock, pin, move.

Every view fetches the community through the policy (404 for those who may not
know it exists, 403 for those lacking the role) and then the post *within that
community*, so an id from another community is a 404 whatever the person's
roles there. Refusals from the services come back as a message and a redirect,
or, for htmx, as the refreshed fragment with the message and HTTP 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from communities.policy import Access, community_access_or_404
from core.http import safe_next

from .. import permissions
from ..forms_moderation import FlagForm, MoveForm, RemoveForm, ResolveFlagForm
from ..models import Flag, FlagStatus, HelpRequest, Reply
from ..services import moderation as services

QUEUE_PAGE_SIZE = 20
RECENTLY_REMOVED = 10
TOOLS_TEMPLATE = "discussions/includes/_request_tools.html"


def _help_request_or_404(access: Access, pk: int) -> HelpRequest:
    help_request = get_object_or_404(
        HelpRequest.objects.select_related("author"), pk=pk, community=access.community
    )
    help_request.community = access.community
    return help_request


def _reply_or_404(help_request: HelpRequest, reply_pk: int) -> Reply:
    reply = get_object_or_404(
        Reply.objects.select_related("author"), pk=reply_pk, help_request=help_request
    )
    reply.help_request = help_request
    return reply


def _refused(request: HttpRequest, error: ValidationError, fallback: str) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect(safe_next(request, fallback))


def _moderated(request: HttpRequest, slug: str) -> Access:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_moderate(access))
    return access


# The queue -----------------------------------------------------------------


def _queue_groups(community, page_number):
    """Open flags grouped per post, the posts flagged longest ago first.

    Three queries whatever the number of flags: the page of posts (and its
    count), then every open flag on those posts with flagger, post and author.
    """
    posts = (
        Flag.objects.filter(community=community, status=FlagStatus.OPEN)
        .values("help_request_id", "reply_id")
        .annotate(first_flagged=Min("created_at"), flag_count=Count("id"))
        .order_by("first_flagged", "help_request_id", "reply_id")
    )
    page = Paginator(posts, QUEUE_PAGE_SIZE).get_page(page_number)
    keys = [(p["help_request_id"], p["reply_id"]) for p in page.object_list]
    groups = {key: {"flags": [], **p} for key, p in zip(keys, page.object_list, strict=True)}
    if keys:
        on_requests = [hr for hr, reply in keys if reply is None]
        on_replies = [reply for hr, reply in keys if reply is not None]
        flags = (
            Flag.objects.filter(community=community, status=FlagStatus.OPEN)
            .filter(
                Q(reply__isnull=True, help_request_id__in=on_requests) | Q(reply_id__in=on_replies)
            )
            .select_related("flagged_by", "help_request__author", "reply__author")
            .order_by("created_at", "id")
        )
        for flag in flags:
            # Share the loaded objects, so building post urls below costs no query.
            flag.help_request.community = community
            if flag.reply is not None:
                flag.reply.help_request = flag.help_request
            groups[(flag.help_request_id, flag.reply_id)]["flags"].append(flag)
    # A moderator may settle a post's flags between the two queries above: drop it from the page.
    groups = {key: group for key, group in groups.items() if group["flags"]}
    for group in groups.values():
        first = group["flags"][0]
        group["first"] = first
        group["help_request"] = first.help_request
        group["reply"] = first.reply
        group["post"] = first.reply or first.help_request
        group["url"] = services.post_url(group["post"])
    page.object_list = list(groups.values())
    return page


def _recently_removed(community) -> list:
    requests = (
        HelpRequest.objects.filter(community=community, is_removed=True)
        .select_related("author", "removed_by")
        .order_by("-removed_at")[:RECENTLY_REMOVED]
    )
    replies = (
        Reply.objects.filter(help_request__community=community, is_removed=True)
        .select_related("author", "removed_by", "help_request")
        .order_by("-removed_at")[:RECENTLY_REMOVED]
    )
    removed = [{"post": r, "help_request": r, "reply": None} for r in requests]
    removed += [{"post": r, "help_request": r.help_request, "reply": r} for r in replies]
    for item in removed:
        item["help_request"].community = community
        item["url"] = services.post_url(item["post"])
    removed.sort(key=lambda item: item["post"].removed_at, reverse=True)
    return removed[:RECENTLY_REMOVED]


@login_required
def moderation_queue(request: HttpRequest, slug: str) -> HttpResponse:
    access = _moderated(request, slug)
    community = access.community
    page = _queue_groups(community, request.GET.get("page"))
    return render(
        request,
        "discussions/moderation_queue.html",
        {
            "access": access,
            "community": community,
            "page": page,
            "open_flags": page.paginator.count,
            "removed": _recently_removed(community),
        },
    )


@login_required
@require_POST
def resolve_flag(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    flag = get_object_or_404(
        Flag.objects.select_related("help_request", "reply", "flagged_by"),
        pk=pk,
        community=access.community,
    )
    flag.community = access.community
    queue = safe_next(request, _queue_url(access))
    form = ResolveFlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to dismiss the flags, remove the post or mark it resolved.")
        return redirect(queue)
    decision = form.cleaned_data["decision"]
    try:
        if decision == "dismiss":
            services.flag_dismiss(flag=flag, by=request.user)
            messages.success(request, "Flags dismissed; the post stays as it is.")
        else:
            services.flag_action(
                flag=flag, by=request.user, action=decision, reason=form.cleaned_data["reason"]
            )
            if decision == "remove":
                messages.success(request, "The post is removed and its author told why.")
            else:
                messages.success(request, "Flags marked resolved.")
    except ValidationError as error:
        return _refused(request, error, queue)
    return redirect(queue)


def _queue_url(access: Access) -> str:
    return reverse("discussions:moderation_queue", args=[access.community.slug])


# Flagging ------------------------------------------------------------------


@login_required
def flag(request: HttpRequest, slug: str, pk: int, reply_pk: int | None = None) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read(access) and permissions.can_flag(access))
    help_request = _help_request_or_404(access, pk)
    post = _reply_or_404(help_request, reply_pk) if reply_pk is not None else help_request
    back = services.post_url(post)
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "reply": post if reply_pk is not None else None,
        "post": post,
    }
    if not permissions.can_flag_post(access, post):
        error = ValidationError(
            f"You cannot flag this {services.post_label(post)}"
            + (": it is yours." if post.author_id == request.user.pk else ": it was removed.")
        )
        if request.htmx:
            return render(
                request, "discussions/flag.html#flag_form", {**context, "error": error}, status=400
            )
        return _refused(request, error, back)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(post=post, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if request.htmx:
                return render(
                    request,
                    "discussions/flag.html#flag_form",
                    {**context, "error": error},
                    status=400,
                )
            return _refused(request, error, back)
        if request.htmx:
            return render(request, "discussions/flag.html#flag_form", {**context, "flagged": True})
        messages.success(request, "Thank you. The moderators will look at it soon.")
        return redirect(back)
    context["form"] = form
    if request.htmx:
        return render(
            request, "discussions/flag.html#flag_form", context, status=400 if form.errors else 200
        )
    return render(request, "discussions/flag.html", context)


# Remove and restore ----------------------------------------------------------


def _remove(request: HttpRequest, access: Access, post) -> HttpResponse:
    help_request, reply = (post.help_request, post) if isinstance(post, Reply) else (post, None)
    back = services.post_url(post)
    if post.is_removed:
        return _refused(
            request, ValidationError(f"This {services.post_label(post)} was already removed."), back
        )
    access.require(permissions.can_remove_post(access, post))
    own = post.author_id == request.user.pk
    form = RemoveForm(request.POST or None, reason_required=not own)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_remove(post=post, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            label = services.post_label(post).capitalize()
            messages.success(
                request, f"{label} removed." + ("" if own else " Its author has been told why.")
            )
            return redirect(safe_next(request, back))
    return render(
        request,
        "discussions/remove.html",
        {
            "access": access,
            "community": access.community,
            "help_request": help_request,
            "reply": reply,
            "post": post,
            "own": own,
            "form": form,
            "back": back,
        },
    )


@login_required
def remove_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    return _remove(request, access, _help_request_or_404(access, pk))


@login_required
def remove_reply(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access = community_access_or_404(request, slug)
    return _remove(request, access, _reply_or_404(_help_request_or_404(access, pk), reply_pk))


def _restore(request: HttpRequest, post) -> HttpResponse:
    back = safe_next(request, services.post_url(post))
    try:
        services.post_restore(post=post, by=request.user)
    except ValidationError as error:
        return _refused(request, error, back)
    messages.success(request, f"{services.post_label(post).capitalize()} restored.")
    return redirect(back)


@login_required
@require_POST
def restore_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    return _restore(request, _help_request_or_404(access, pk))


@login_required
@require_POST
def restore_reply(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    return _restore(request, _reply_or_404(_help_request_or_404(access, pk), reply_pk))


# Lock, pin, move -------------------------------------------------------------


def _wanted(request: HttpRequest, current: bool) -> bool:
    """The state the form asks for ("on"/"off"), so a double submit cannot flip it back; else a toggle."""
    value = request.POST.get("value")
    if value in ("on", "off"):
        return value == "on"
    return not current


def _toggle(
    request: HttpRequest, slug: str, pk: int, *, field: str, on, off, done: tuple[str, str]
):
    access = _moderated(request, slug)
    help_request = _help_request_or_404(access, pk)
    wanted = _wanted(request, getattr(help_request, field))
    back = services.post_url(help_request)
    try:
        (on if wanted else off)(help_request=help_request, by=request.user)
    except ValidationError as error:
        if request.htmx:
            context = {"access": access, "help_request": help_request, "error": error}
            return render(request, TOOLS_TEMPLATE, context, status=400)
        return _refused(request, error, back)
    notice = done[0] if wanted else done[1]
    if request.htmx:
        # The thread header reads the new state too: reload the page rather than patch it in two places.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        messages.success(request, notice)
        return response
    messages.success(request, notice)
    return redirect(safe_next(request, back))


@login_required
@require_POST
def lock(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _toggle(
        request,
        slug,
        pk,
        field="is_locked",
        on=services.request_lock,
        off=services.request_unlock,
        done=(
            "Thread locked: only moderators can reply now.",
            "Thread unlocked: members can reply again.",
        ),
    )


@login_required
@require_POST
def pin(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _toggle(
        request,
        slug,
        pk,
        field="is_pinned",
        on=services.request_pin,
        off=services.request_unpin,
        done=("Pinned to the top of the community's help requests.", "Unpinned."),
    )


@login_required
def move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _moderated(request, slug)
    help_request = _help_request_or_404(access, pk)
    targets = services.move_targets(help_request=help_request, user=request.user)
    form = MoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["to_community"]
        try:
            services.request_move(help_request=help_request, to_community=target, by=request.user)
        except ValidationError as error:
            form.add_error("to_community", error)
        else:
            messages.success(request, f"Moved to {target.name}. The author has been told.")
            return redirect(services.post_url(help_request))
    return render(
        request,
        "discussions/move.html",
        {
            "access": access,
            "community": access.community,
            "help_request": help_request,
            "form": form,
        },
    )


urlpatterns = [
    path("c/<slug:slug>/moderation/", moderation_queue, name="moderation_queue"),
    path("c/<slug:slug>/moderation/flags/<int:pk>/", resolve_flag, name="resolve_flag"),
    path("c/<slug:slug>/help/<int:pk>/flag/", flag, name="flag"),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/flag/", flag, name="flag_reply"),
    path("c/<slug:slug>/help/<int:pk>/lock/", lock, name="lock"),
    path("c/<slug:slug>/help/<int:pk>/pin/", pin, name="pin"),
    path("c/<slug:slug>/help/<int:pk>/move/", move, name="move"),
    path("c/<slug:slug>/help/<int:pk>/remove/", remove_request, name="remove_request"),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/remove/", remove_reply, name="remove_reply"),
    path("c/<slug:slug>/help/<int:pk>/restore/", restore_request, name="restore_request"),
    path(
        "c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/restore/", restore_reply, name="restore_reply"
    ),
]

"""Help requests: the community's list, asking, the nested thread, replies, edits, votes, follows.

Thin views: a permission-checked fetch (`community_access_or_404`, then the
request scoped to that community, so a bad id is a 404), a form, a service,
then a redirect or a render. htmx gets partials; everything works without it.
"""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from communities.policy import Access, community_access_or_404
from core.diff import word_diff
from core.markdown import render_markdown

from .. import mentions, permissions, selectors
from ..forms import (
    HelpRequestEditForm,
    HelpRequestForm,
    ReplyEditForm,
    ReplyForm,
    RequestFilterForm,
)
from ..models import ALPHABET, STEPLEN, HelpRequest, Reply
from ..ratelimit import RateLimited
from ..services import posting

TOO_MANY_REQUESTS = 429
CONFLICT = 409
PARENT_GONE = (
    "The reply you were answering is no longer there (it was removed from this thread or never "
    "was in it), so nothing was posted. Your text is kept below: post it to reply to the request "
    "itself, or copy it."
)
# The latest meetings that had this request on their agenda, shown beside the thread.
MEETINGS_SHOWN = 5


# Fetching ------------------------------------------------------------------


def _readable(request: HttpRequest, slug: str) -> Access:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read(access))
    return access


def _thread(request: HttpRequest, slug: str, pk: int) -> tuple[Access, HelpRequest]:
    access = _readable(request, slug)
    help_request = selectors.request_for_thread(access.community, pk)
    if help_request is None:
        raise Http404("No such help request.")
    return access, help_request


def _reply_in(help_request: HelpRequest, reply_pk) -> Reply:
    reply = get_object_or_404(
        Reply.objects.select_related("author", "help_request"),
        pk=reply_pk,
        help_request=help_request,
    )
    reply.help_request = help_request  # the one already loaded, with its community
    return reply


def _permalink(help_request: HelpRequest, reply: Reply) -> str:
    return reverse(
        "discussions:reply_permalink", args=[help_request.community.slug, help_request.pk, reply.pk]
    )


def _form_errors(form, error: ValidationError) -> None:
    form.add_error(None, error)


def _retry_after(response: HttpResponse, error: RateLimited | None) -> HttpResponse:
    """A 429 says when to come back (RFC 9110 Retry-After, in seconds)."""
    if error is not None:
        response["Retry-After"] = str(max(1, error.retry_after))
    return response


# The community's list ------------------------------------------------------


@login_required
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = _readable(request, slug)
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = selectors.community_requests(
        access.community,
        can_moderate=access.can_moderate,
        status=filters.get("status", ""),
        tag=filters.get("tag", ""),
        unanswered=filters.get("unanswered", False),
    )
    page = Paginator(requests, selectors.LIST_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/list.html",
        {
            "access": access,
            "community": access.community,
            "form": form,
            "filters": filters,
            "page": page,
            "can_ask": permissions.can_ask(access),
        },
    )


# Asking --------------------------------------------------------------------


@login_required
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_ask(access))
    community = access.community
    form = HelpRequestForm(request.POST or None, community=community)
    status = 200
    limited = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            help_request = posting.help_request_create(
                community=community,
                by=request.user,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                submission_key=data["submission_key"],
            )
        except RateLimited as error:
            _form_errors(form, error)
            status, limited = TOO_MANY_REQUESTS, error
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if not getattr(help_request, "resubmitted", False):  # a second send says nothing new
                messages.success(
                    request,
                    "Your request is posted. People with matching expertise have been told.",
                )
            return redirect(help_request)
    response = render(
        request,
        "discussions/ask.html",
        {"access": access, "community": community, "form": form},
        status=status,
    )
    return _retry_after(response, limited)


# The thread ----------------------------------------------------------------


# Links every reply carries, built from one `reverse` per name and page: a `{% url %}` per link
# per reply was a fifth of a 400-reply page's time (about 8 `reverse` calls per reply).
REPLY_LINKS = {
    "permalink": "discussions:reply_permalink",
    "branch": "discussions:reply_branch",
    "vote": "discussions:vote",
    "accept": "discussions:accept",
    "edit": "discussions:edit_reply",
    "revisions": "discussions:reply_revisions",
    "remove": "discussions:remove_reply",
    "restore": "discussions:restore_reply",
    "flag": "discussions:flag_reply",
}
_MARK = 987654321  # stands for the reply's id in the reversed pattern


def _link_builder(help_request: HelpRequest):
    """A function from a reply's id to its links, each exactly what `reverse` would give."""
    slug = help_request.community.slug
    parts = {}
    for key, name in REPLY_LINKS.items():
        # The reply's id is the last number in every pattern above: split at its last occurrence.
        head, tail = reverse(name, args=[slug, help_request.pk, _MARK]).rsplit(f"/{_MARK}/", 1)
        parts[key] = (f"{head}/", f"/{tail}")
    reply_form = reverse("discussions:reply", args=[slug, help_request.pk]) + "?parent="

    def links(reply_pk: int) -> dict[str, str]:
        built = {key: f"{head}{reply_pk}{tail}" for key, (head, tail) in parts.items()}
        built["reply"] = f"{reply_form}{reply_pk}"
        return built

    return links


def _reply_flags(access: Access, reply: Reply, *, can_reply: bool, can_accept: bool) -> dict:
    """What the viewer may do with `reply`: the rules of `permissions`, nothing restated."""
    return {
        "can_vote": permissions.can_vote_on(access, reply),
        "can_reply": can_reply and not reply.is_removed,
        "can_edit": permissions.can_edit_post(access, reply),
        "may_see_revisions": permissions.can_see_revisions(access, reply),
        "can_accept": can_accept and not reply.is_removed,
        "show_text": not reply.is_removed or permissions.can_see_removed_text(access, reply),
        "can_flag": permissions.can_flag_post(access, reply),
        "can_remove": permissions.can_remove_post(access, reply),
        "can_restore": reply.is_removed and permissions.can_moderate(access),
    }


def _decorate(nodes, *, access: Access, help_request: HelpRequest, can_reply: bool) -> None:
    """Per-reply permissions and links, decided here (from what is loaded) so the template only reads them.

    The rules read a reply only through whether the viewer wrote it and whether it is removed,
    so they are asked once per such kind of reply, not once per reply.
    """
    can_accept = permissions.can_accept(access, help_request)
    viewer_pk = access.user.pk if access.is_authenticated else None
    decided: dict[tuple[bool, bool], dict] = {}
    links = _link_builder(help_request)
    stack = list(nodes)
    while stack:
        node = stack.pop()
        reply = node.reply
        kind = (reply.author_id is not None and reply.author_id == viewer_pk, reply.is_removed)
        if kind not in decided:
            decided[kind] = _reply_flags(access, reply, can_reply=can_reply, can_accept=can_accept)
        node.__dict__.update(decided[kind])
        node.can_see_revisions = reply.edited_at is not None and node.may_see_revisions
        node.is_accepted = reply.pk == help_request.accepted_reply_id
        node.links = links(reply.pk)
        stack.extend(node.children)


@login_required
def thread(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    page = selectors.thread_page(
        help_request, viewer=request.user, sort=sort, page_number=request.GET.get("page")
    )
    can_reply = permissions.can_reply(access, help_request)
    _decorate(
        page.nodes,
        access=access,
        help_request=help_request,
        can_reply=can_reply,
    )
    accepted = help_request.accepted_reply
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "tags": help_request.tags.all(),
        "thread": page,
        "accepted": accepted if accepted and not accepted.is_removed else None,
        "following": selectors.is_following(help_request, request.user),
        "can_follow": permissions.can_follow(access),
        "can_reply": can_reply,
        "can_edit": permissions.can_edit_post(access, help_request),
        "can_see_revisions": help_request.edited_at is not None
        and permissions.can_see_revisions(access, help_request),
        "can_accept": permissions.can_accept(access, help_request),
        "show_text": not help_request.is_removed
        or permissions.can_see_removed_text(access, help_request),
        "reply_form": ReplyForm(community=access.community) if can_reply else None,
        # Meetings that put this request on their agenda or discussed it (their notes link here).
        "meetings": list(
            help_request.meetings.select_related("series", "community").order_by("-starts_at")[:MEETINGS_SHOWN]
        ),
    }
    return render(request, "discussions/thread.html", context)


def _branch_url(help_request: HelpRequest, reply: Reply, after: str) -> str:
    url = reverse(
        "discussions:reply_branch", args=[help_request.community.slug, help_request.pk, reply.pk]
    )
    return url if after == selectors.BEFORE_FIRST else f"{url}?after={after}"


@login_required
def reply_permalink(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    """To the thread page that shows the reply or, when that page leaves it in a collapsed
    branch, to its branch: the reply with its ancestors and what follows it."""
    access, help_request = _thread(request, slug, pk)
    reply = _reply_in(help_request, reply_pk)
    page = selectors.page_of_reply(reply)
    if not selectors.shown_on_page(reply, page):
        parent = Reply.objects.get_parent(reply)
        url = _branch_url(help_request, parent, selectors.step_before(reply.path))
        return redirect(f"{url}#reply-{reply.pk}")
    url = help_request.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return redirect(f"{url}#reply-{reply.pk}")


def _cursor(request: HttpRequest) -> str:
    after = request.GET.get("after", selectors.BEFORE_FIRST)
    if len(after) != STEPLEN or any(c not in ALPHABET for c in after):
        raise Http404("No such part of the thread.")
    return after


@login_required
def reply_branch(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    """A reply's children after `?after=` with their subtrees: what "N more replies" loads.

    htmx swaps the returned replies in place of the link; without JavaScript it is a page
    with the reply's ancestors above and a way back to the thread.
    """
    access, help_request = _thread(request, slug, pk)
    reply = _reply_in(help_request, reply_pk)
    after = _cursor(request)
    branch = selectors.reply_branch(
        reply, viewer=request.user, after=after, with_chain=not request.htmx
    )
    can_reply = permissions.can_reply(access, help_request)
    _decorate(
        branch.chain or [branch.focus],
        access=access,
        help_request=help_request,
        can_reply=can_reply,
    )
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "branch": branch,
        "node": branch.focus,
        "thread_url": f"{help_request.get_absolute_url()}?page={selectors.page_of_reply(reply)}"
        if not request.htmx
        else "",
    }
    if request.htmx:
        return render(request, "discussions/thread_branch.html#branch", context)
    return render(request, "discussions/thread_branch.html", context)


# Replying ------------------------------------------------------------------


def _reply_page(
    request, *, access, help_request, form, parent, status=200, form_id=None
) -> HttpResponse:
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "form": form,
        "parent": parent,
        "form_id": form_id or (f"reply-{parent.pk}" if parent else "reply"),
    }
    if request.htmx:
        return render(request, "discussions/reply.html#reply_form", context, status=status)
    return render(request, "discussions/reply.html", context, status=status)


@login_required
def reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """POST a reply (to the request, or to `parent`); GET the form (inline for htmx, a page without JS)."""
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_reply(access, help_request))
    data = request.POST if request.method == "POST" else request.GET
    parent = None
    raw_parent = str(data.get("parent") or "")
    if raw_parent:
        # "²".isdigit() is True, hence isascii().
        if raw_parent.isascii() and raw_parent.isdigit():
            parent = Reply.objects.select_related("author").filter(
                pk=raw_parent, help_request=help_request
            ).first()
        if parent is None and request.method != "POST":
            raise Http404("No such reply.")
        if parent is not None:
            parent.help_request = help_request  # the one already loaded, with its community
    form_id = f"reply-{parent.pk}" if parent else "reply"
    if raw_parent and parent is None:
        # A tampered or stale hidden `parent`: keep what was typed, say why, post nothing. The
        # form now answers the request itself, so sending it again posts a top-level reply.
        unanchored = request.POST.copy()
        unanchored["parent"] = ""
        form = ReplyForm(unanchored, community=access.community, form_id="reply-unanchored")
        form.is_valid()
        form.add_error(None, PARENT_GONE)
        return _reply_page(
            request,
            access=access,
            help_request=help_request,
            form=form,
            parent=None,
            form_id="reply-unanchored",
            status=404,  # the reply it answers is not found; the page still carries the text
        )
    if request.method != "POST":
        form = ReplyForm(
            initial={"parent": parent.pk if parent else None},
            community=access.community,
            form_id=form_id,
        )
        return _reply_page(
            request, access=access, help_request=help_request, form=form, parent=parent
        )
    form = ReplyForm(request.POST, community=access.community, form_id=form_id)
    status = 200
    limited = None
    if form.is_valid():
        try:
            new = posting.reply_create(
                help_request=help_request,
                by=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                submission_key=form.cleaned_data["submission_key"],
            )
        except RateLimited as error:
            _form_errors(form, error)
            status, limited = TOO_MANY_REQUESTS, error
        except ValidationError as error:
            _form_errors(form, error)
            status = 400
        else:
            # `new` may be the reply this form already made (sent twice): its own thread's address.
            url = _permalink(new.help_request, new)
            if not getattr(new, "resubmitted", False):
                messages.success(request, "Your reply is posted.")
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    else:
        status = 400
    response = _reply_page(
        request, access=access, help_request=help_request, form=form, parent=parent, status=status
    )
    return _retry_after(response, limited)


# Editing and revisions -----------------------------------------------------


@login_required
def edit_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_edit_post(access, help_request))
    initial = {
        "title": help_request.title,
        "body": help_request.body,
        "tags": help_request.tags.all(),
        "base_version": help_request.version,
    }
    form = HelpRequestEditForm(request.POST or None, initial=initial, community=access.community)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posting.help_request_edit(
                help_request=help_request,
                by=request.user,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                base_version=data["base_version"],
            )
        except posting.EditConflict as error:
            conflict = _conflict(error.current, title=data["title"], body=data["body"])
            form = _rebased(HelpRequestEditForm, request, error, community=access.community)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, "Your changes are saved. The previous version is kept in the history."
            )
            return redirect(help_request)
    return render(
        request,
        "discussions/edit.html",
        {
            "access": access,
            "community": access.community,
            "help_request": help_request,
            "form": form,
            "post": None,
            "conflict": conflict,
        },
        status=CONFLICT if conflict else 200,
    )


@login_required
def edit_reply(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    post = _reply_in(help_request, reply_pk)
    access.require(permissions.can_edit_post(access, post))
    form = ReplyEditForm(
        request.POST or None,
        initial={"body": post.body, "base_version": post.version},
        community=access.community,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            posting.reply_edit(
                reply=post,
                by=request.user,
                body=form.cleaned_data["body"],
                base_version=form.cleaned_data["base_version"],
            )
        except posting.EditConflict as error:
            conflict = _conflict(error.current, body=form.cleaned_data["body"])
            form = _rebased(ReplyEditForm, request, error, community=access.community)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, "Your changes are saved. The previous version is kept in the history."
            )
            return redirect(_permalink(help_request, post))
    return render(
        request,
        "discussions/edit.html",
        {
            "access": access,
            "community": access.community,
            "help_request": help_request,
            "form": form,
            "post": post,
            "conflict": conflict,
        },
        status=CONFLICT if conflict else 200,
    )


def _conflict(current, *, body: str, title: str | None = None) -> dict:
    """What the editor needs after a refused save: the post as it is now, and how theirs differs."""
    return {
        "title": getattr(current, "title", None),
        "tags": ", ".join(sorted(current.tags.names())) if isinstance(current, HelpRequest) else "",
        "title_differs": title is not None and title.strip() != current.title,
        "body_html": mark_safe(current.body_html),  # noqa: S308 - sanitised when it was written
        "diff": word_diff(current.body, body.strip()),
    }


def _rebased(form_class, request, error, *, community):
    """The editor's text, now based on the current version: saving again (knowingly) replaces it."""
    data = request.POST.copy()
    data["base_version"] = str(error.current.version)
    form = form_class(data, community=community)
    form.is_valid()
    form.add_error(None, error)
    return form


def _diff_html(before: str, after: str) -> str:
    """A line diff: removed lines in <del>, added ones in <ins> (escaped; cheap for posts' sizes)."""
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        tag, text = line[:2], escape(line[2:])
        if tag == "- ":
            lines.append(f'<del><span class="visually-hidden">Removed: </span>{text}</del>')
        elif tag == "+ ":
            lines.append(f'<ins><span class="visually-hidden">Added: </span>{text}</ins>')
        elif tag == "  ":
            lines.append(f"<span>{text}</span>")
    return mark_safe("\n".join(lines))  # noqa: S308 - every piece of text above is escaped


def _versions(post, revisions) -> list[dict]:
    """Each revision (newest first) with a diff to the version that replaced it."""
    newer_title = getattr(post, "title", "")
    newer_body = post.body
    versions = []
    for revision in revisions:
        versions.append(
            {
                "revision": revision,
                "diff": _diff_html(revision.body, newer_body),
                "title_changed": bool(revision.title) and revision.title != newer_title,
                "newer_title": newer_title,
            }
        )
        newer_title, newer_body = revision.title or newer_title, revision.body
    return versions


def _revisions_page(request, access, help_request, post, *, reply=None) -> HttpResponse:
    access.require(permissions.can_see_revisions(access, post))
    revisions = list(post.revisions.select_related("editor"))
    return render(
        request,
        "discussions/revisions.html",
        {
            "access": access,
            "community": access.community,
            "help_request": help_request,
            "reply": reply,
            "post": post,
            "versions": _versions(post, revisions),
        },
    )


@login_required
def request_revisions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    return _revisions_page(request, access, help_request, help_request)


@login_required
def reply_revisions(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    post = _reply_in(help_request, reply_pk)
    return _revisions_page(request, access, help_request, post, reply=post)


# Accepting, voting, following ----------------------------------------------


@login_required
@require_POST
def accept(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_accept(access, help_request))
    answer = _reply_in(help_request, reply_pk)
    try:
        posting.answer_accept(help_request=help_request, reply=answer, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(help_request)
    messages.success(request, "Marked as the accepted answer. The request is solved.")
    return redirect(f"{help_request.get_absolute_url()}#accepted-answer")


@login_required
@require_POST
def unaccept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_accept(access, help_request))
    try:
        posting.answer_unaccept(help_request=help_request, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "The accepted answer is withdrawn.")
    return redirect(help_request)


@login_required
@require_POST
def vote(request: HttpRequest, slug: str, pk: int, reply_pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_vote(access))
    target = _reply_in(help_request, reply_pk)
    error = None
    try:
        voted, count = posting.vote_toggle(reply=target, by=request.user)
    except ValidationError as refusal:
        error = refusal
        voted, count = False, target.helpful_count
    if request.htmx:
        context = {
            "community": access.community,
            "help_request": help_request,
            "node": {"reply": target, "voted": voted, "can_vote": error is None},
            "count": count,
            "error": error,
        }
        return render(request, "discussions/includes/_reply.html#vote", context)
    if error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_permalink(help_request, target))


@login_required
@require_POST
def follow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_follow(access))
    following = posting.follow_toggle(help_request=help_request, by=request.user)
    if request.htmx:
        return render(
            request,
            "discussions/thread.html#follow",
            {
                "community": access.community,
                "help_request": help_request,
                "following": following,
                "changed": True,
            },
        )
    messages.success(
        request,
        "You follow this request: you will be told about new replies."
        if following
        else "You no longer follow this request.",
    )
    return redirect(help_request)


# Writing aids --------------------------------------------------------------


@login_required
@require_POST
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    access = _readable(request, slug)
    text = request.POST.get("body", "")[: posting.BODY_MAX]
    people = mentions.mentionable(text, access.community)
    html = render_markdown(text, mention_urls=mentions.mention_urls(people)) if text.strip() else ""
    return render(request, "discussions/includes/_preview.html", {"html": mark_safe(html)})  # noqa: S308 - sanitised


@login_required
def mention_suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    access = _readable(request, slug)
    query = request.GET.get("q", "").replace("\x00", "")[:60]  # PostgreSQL refuses NUL (a 500)
    people = mentions.suggestions(access.community, query)
    return render(
        request,
        "discussions/includes/_mention_suggestions.html",
        {"people": people, "query": query, "target": request.GET.get("target", "")[:60]},
    )


urlpatterns = [
    path("c/<slug:slug>/help/", request_list, name="list"),
    path("c/<slug:slug>/help/ask/", ask, name="ask"),
    path("c/<slug:slug>/help/preview/", preview, name="preview"),
    path("c/<slug:slug>/help/mentions/", mention_suggestions, name="mention_suggestions"),
    path("c/<slug:slug>/help/<int:pk>/", thread, name="thread"),
    path("c/<slug:slug>/help/<int:pk>/reply/", reply, name="reply"),
    path("c/<slug:slug>/help/<int:pk>/edit/", edit_request, name="edit_request"),
    path("c/<slug:slug>/help/<int:pk>/revisions/", request_revisions, name="request_revisions"),
    path("c/<slug:slug>/help/<int:pk>/follow/", follow, name="follow"),
    path("c/<slug:slug>/help/<int:pk>/unaccept/", unaccept, name="unaccept"),
    path("c/<slug:slug>/help/<int:pk>/accept/<int:reply_pk>/", accept, name="accept"),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/", reply_permalink, name="reply_permalink"),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/replies/", reply_branch, name="reply_branch"),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/edit/", edit_reply, name="edit_reply"),
    path(
        "c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/revisions/",
        reply_revisions,
        name="reply_revisions",
    ),
    path("c/<slug:slug>/help/<int:pk>/r/<int:reply_pk>/helpful/", vote, name="vote"),
]

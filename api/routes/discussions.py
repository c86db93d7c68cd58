"""Help requests: the community's list (the page's filters), one request with its reply tree paged
as the thread page is, branches ("N more replies"), search; ask, reply, accept, vote, follow.

Reads reuse `discussions.selectors` and `discussions.search`, writes `discussions.services.posting`,
and every check is a rule of `discussions.permissions`.
"""

import datetime as dt
import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from communities.models import Community
from communities.policy import Access, community_access_or_404
from discussions import permissions, selectors
from discussions.models import ALPHABET, STEPLEN, HelpRequest, Reply
from discussions.search import SearchFilters, help_wanted_in, search_requests
from discussions.services import posting

from ..auth import require_write
from ..errors import ERRORS
from ..paging import Paged, paged
from .common import Person, person

router = Router(tags=["help requests"])

SEARCH_PER_PAGE = 20


class HelpRequestOut(Schema):
    id: int
    community: str
    title: str
    status: str
    author: Person | None
    tags: list[str]
    reply_count: int
    is_pinned: bool
    is_locked: bool
    is_removed: bool
    created_at: dt.datetime
    last_activity_at: dt.datetime
    url: str


class ReplyOut(Schema):
    id: int
    author: Person | None
    body: str | None
    body_html: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    helpful_count: int
    is_removed: bool
    is_accepted: bool
    voted: bool
    in_reply_to: int | None
    # Replies below this one not shown here: fetch them from `more_url`.
    more: int
    more_url: str | None
    children: list["ReplyOut"]


class ThreadOut(Schema):
    request: HelpRequestOut
    body: str | None
    body_html: str | None
    accepted_reply: int | None
    following: bool
    sort: str
    page: int
    pages: int
    top_level_count: int
    shown: int
    replies: list[ReplyOut]


class BranchOut(Schema):
    reply: int
    after: str
    shown: int
    more: int
    more_url: str | None
    replies: list[ReplyOut]


class AskIn(Schema):
    title: str
    body: str
    tags: list[str] = []
    # Send the same key again (a retry) and get the request it made, not a second one.
    submission_key: uuid.UUID | None = None


class ReplyIn(Schema):
    body: str
    parent: int | None = None
    submission_key: uuid.UUID | None = None


class AcceptIn(Schema):
    reply: int


class VoteOut(Schema):
    voted: bool
    helpful_count: int


class FollowOut(Schema):
    following: bool


def _request(r: HelpRequest) -> dict:
    return {
        "id": r.pk,
        "community": r.community.slug,
        "title": r.title,
        "status": r.status,
        "author": person(r.author),
        "tags": sorted(t.name for t in r.tags.all()),
        "reply_count": r.reply_count,
        "is_pinned": r.is_pinned,
        "is_locked": r.is_locked,
        "is_removed": r.is_removed,
        "created_at": r.created_at,
        "last_activity_at": r.last_activity_at,
        "url": r.get_absolute_url(),
    }


def _readable(request, slug: str) -> Access:
    access = community_access_or_404(request, slug)
    access.require(permissions.can_read(access))
    return access


def _thread(request, slug: str, pk: int) -> tuple[Access, HelpRequest]:
    access = _readable(request, slug)
    help_request = selectors.request_for_thread(access.community, pk)
    if help_request is None:
        raise Http404("No such help request.")
    return access, help_request


def _reply_in(help_request: HelpRequest, reply_pk: int) -> Reply:
    reply = get_object_or_404(
        Reply.objects.select_related("author"), pk=reply_pk, help_request=help_request
    )
    reply.help_request = help_request
    return reply


def _branch_url(help_request: HelpRequest, reply_pk: int, after: str) -> str:
    return (
        f"/api/v1/communities/{help_request.community.slug}/requests/{help_request.pk}"
        f"/replies/{reply_pk}/branch?after={after}"
    )


def _nodes(nodes, *, access: Access, help_request: HelpRequest) -> list[dict]:
    out = []
    for node in nodes:
        reply = node.reply
        shown = not reply.is_removed or permissions.can_see_removed_text(access, reply)
        out.append(
            {
                "id": reply.pk,
                "author": person(reply.author),
                "body": reply.body if shown else None,
                "body_html": reply.body_html if shown else None,
                "created_at": reply.created_at,
                "edited_at": reply.edited_at,
                "helpful_count": reply.helpful_count,
                "is_removed": reply.is_removed,
                "is_accepted": reply.pk == help_request.accepted_reply_id,
                "voted": node.voted,
                "in_reply_to": reply.in_reply_to_id,
                "more": node.more,
                "more_url": _branch_url(help_request, reply.pk, node.more_after)
                if node.more
                else None,
                "children": _nodes(node.children, access=access, help_request=help_request),
            }
        )
    return out


@router.get("/communities/{slug}/requests", response={200: Paged[HelpRequestOut], **ERRORS})
def request_list(
    request,
    slug: str,
    status: str = "",
    tag: str = "",
    unanswered: bool = False,
    matching_my_expertise: bool = False,
    page: int = 1,
):
    """The community's requests with the list page's filters (pinned first, then latest activity);
    `matching_my_expertise` is the help-wanted list: open, unsolved, tagged with your expertise."""
    access = _readable(request, slug)
    if matching_my_expertise:
        requests = help_wanted_in(community=access.community, user=request.user, mine_only=True)
        requests = requests.select_related("author").prefetch_related("tags")
    else:
        requests = selectors.community_requests(
            access.community,
            can_moderate=access.can_moderate,
            status=status,
            tag=tag[:100],
            unanswered=unanswered,
        )
    return paged(requests, page=page, per_page=selectors.LIST_PER_PAGE, item=_request)


@router.get("/communities/{slug}/requests/{pk}", response={200: ThreadOut, **ERRORS})
def thread(request, slug: str, pk: int, sort: str = selectors.DEFAULT_SORT, page: int = 1):
    """The request and one page of its reply tree, bounded as the thread page is: 20 top-level
    replies a page and at most 50 replies in all; the rest behind each reply's `more_url`."""
    access, help_request = _thread(request, slug, pk)
    tree = selectors.thread_page(help_request, viewer=request.user, sort=sort, page_number=page)
    shown = not help_request.is_removed or permissions.can_see_removed_text(access, help_request)
    return {
        "request": _request(help_request),
        "body": help_request.body if shown else None,
        "body_html": help_request.body_html if shown else None,
        "accepted_reply": help_request.accepted_reply_id,
        "following": selectors.is_following(help_request, request.user),
        "sort": tree.sort,
        "page": tree.page.number,
        "pages": tree.page.paginator.num_pages,
        "top_level_count": tree.total,
        "shown": tree.shown,
        "replies": _nodes(tree.nodes, access=access, help_request=help_request),
    }


@router.get(
    "/communities/{slug}/requests/{pk}/replies/{reply_pk}/branch",
    response={200: BranchOut, **ERRORS},
)
def branch(request, slug: str, pk: int, reply_pk: int, after: str = selectors.BEFORE_FIRST):
    """A reply's children after the cursor `after`, with their subtrees: what "N more replies" holds."""
    access, help_request = _thread(request, slug, pk)
    reply = _reply_in(help_request, reply_pk)
    if len(after) != STEPLEN or any(c not in ALPHABET for c in after):
        raise Http404("No such part of the thread.")
    found = selectors.reply_branch(reply, viewer=request.user, after=after)
    focus = found.focus
    return {
        "reply": reply.pk,
        "after": after,
        "shown": found.shown,
        "more": focus.more,
        "more_url": _branch_url(help_request, reply.pk, focus.more_after) if focus.more else None,
        "replies": _nodes(focus.children, access=access, help_request=help_request),
    }


@router.get("/search", response={200: Paged[HelpRequestOut], **ERRORS})
def search(
    request,
    q: str = "",
    community: str = "",
    tag: str = "",
    status: str = "",
    unanswered: bool = False,
    page: int = 1,
):
    """Search the requests you may read, best match first (latest activity without words)."""
    scope = None
    if community:
        # Only a community the caller may read can be named, as on the search page.
        scope = Community.objects.readable_by(request.user).filter(slug=community).first()
        if scope is None:
            raise Http404("No such community.")
    filters = SearchFilters(
        q=q.replace("\x00", "")[:200],
        community=scope,
        tag=tag[:100],
        status=status,
        unanswered=unanswered,
    )
    if filters.is_empty:
        return {"items": [], "count": 0, "page": 1, "pages": 1, "next_page": None}
    results = search_requests(user=request.user, filters=filters).select_related("author")
    return paged(results, page=page, per_page=SEARCH_PER_PAGE, item=_request)


@router.post("/communities/{slug}/requests", response={201: HelpRequestOut, **ERRORS})
def ask(request, slug: str, payload: AskIn):
    require_write(request)
    access = community_access_or_404(request, slug)
    access.require(permissions.can_ask(access))
    help_request = posting.help_request_create(
        community=access.community,
        by=request.user,
        title=payload.title,
        body=payload.body,
        tags=payload.tags,
        submission_key=payload.submission_key,
    )
    return Status(201, _request(help_request))


@router.post("/communities/{slug}/requests/{pk}/replies", response={201: ReplyOut, **ERRORS})
def reply(request, slug: str, pk: int, payload: ReplyIn):
    require_write(request)
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_reply(access, help_request))
    parent = None
    if payload.parent is not None:
        parent = (
            Reply.objects.select_related("author")
            .filter(pk=payload.parent, help_request=help_request)
            .first()
        )
        if parent is None:
            raise Http404("The reply you were answering is no longer there, so nothing was posted.")
        parent.help_request = help_request
    new = posting.reply_create(
        help_request=help_request,
        by=request.user,
        body=payload.body,
        parent=parent,
        submission_key=payload.submission_key,
    )
    new_request = new.help_request
    node = selectors.ReplyNode(reply=new)
    return Status(201, _nodes([node], access=access, help_request=new_request)[0])


@router.post("/communities/{slug}/requests/{pk}/accept", response={200: HelpRequestOut, **ERRORS})
def accept(request, slug: str, pk: int, payload: AcceptIn):
    require_write(request)
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_accept(access, help_request))
    answer = _reply_in(help_request, payload.reply)
    posting.answer_accept(help_request=help_request, reply=answer, by=request.user)
    return _request(help_request)


@router.post(
    "/communities/{slug}/requests/{pk}/replies/{reply_pk}/vote", response={200: VoteOut, **ERRORS}
)
def vote(request, slug: str, pk: int, reply_pk: int):
    """Toggle your helpful vote on a reply."""
    require_write(request)
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_vote(access))
    target = _reply_in(help_request, reply_pk)
    voted, count = posting.vote_toggle(reply=target, by=request.user)
    return {"voted": voted, "helpful_count": count}


@router.post("/communities/{slug}/requests/{pk}/follow", response={200: FollowOut, **ERRORS})
def follow(request, slug: str, pk: int):
    """Toggle following the request."""
    require_write(request)
    access, help_request = _thread(request, slug, pk)
    access.require(permissions.can_follow(access))
    return {"following": posting.follow_toggle(help_request=help_request, by=request.user)}

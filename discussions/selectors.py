"""Reads for the thread pages, each a fixed number of queries whatever the thread's size.

A thread page reads: the page of top-level replies (one query, plus the
paginator's count), every descendant of those roots (ONE query: an OR of
`path` prefixes, each an indexed range on the materialised path), and the
viewer's helpful votes on them (one query). Authors come with `select_related`
and bodies are pre-rendered (`body_html`), so 10 and 1,000 replies cost the same.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db.models import Q

from .models import Follow, HelpfulVote, HelpRequest, Reply, RequestStatus

ROOTS_PER_PAGE = 20
LIST_PER_PAGE = 25
SORTS = {
    # Oldest first is the default: it keeps permalinks stable as votes come in.
    "time": ("path",),
    "helpful": ("-helpful_count", "path"),
}
DEFAULT_SORT = "time"
STATUS_FILTERS = {s.value for s in RequestStatus}


def community_requests(
    community,
    *,
    can_moderate: bool = False,
    status: str = "",
    tag: str = "",
    unanswered: bool = False,
):
    """A community's requests, pinned first, then by last activity (the model's ordering)."""
    requests = (
        HelpRequest.objects.filter(community=community)
        .select_related("author", "community")
        .prefetch_related("tags")
    )
    if not can_moderate:
        requests = requests.filter(is_removed=False)
    if status in STATUS_FILTERS:
        requests = requests.filter(status=status)
    if tag:
        requests = requests.filter(pk__in=HelpRequest.objects.filter(tags__slug=tag).values("pk"))
    if unanswered:
        requests = requests.filter(reply_count=0)
    return requests.order_by("-is_pinned", "-last_activity_at", "-id")


def latest_requests(community, *, limit: int = 5):
    """For the community page's card: the latest visible requests (one query)."""
    return (
        HelpRequest.objects.filter(community=community, is_removed=False)
        .select_related("author", "community")
        .order_by("-is_pinned", "-last_activity_at", "-id")[:limit]
    )


def request_for_thread(community, pk: int) -> HelpRequest | None:
    return (
        HelpRequest.objects.filter(community=community, pk=pk)
        .select_related(
            "community",
            "author",
            "author__unit",
            "removed_by",
            "accepted_reply",
            "accepted_reply__author",
            "accepted_by",
        )
        .first()
    )


@dataclass
class ReplyNode:
    reply: Reply
    children: list["ReplyNode"] = field(default_factory=list)
    voted: bool = False
    # Set when the depth limit flattened this reply: whom it answers, shown as "in reply to X".
    answers: Reply | None = None


@dataclass
class ThreadPage:
    page: Page
    nodes: list[ReplyNode]
    sort: str
    total: int


def _subtree_filter(roots) -> Q:
    # Each root's subtree is the paths starting with its path: LIKE 'prefix%', which PostgreSQL
    # answers from the varchar_pattern_ops index Django adds to the unique `path` column.
    # ORed together, one query reads every subtree on the page.
    return reduce(or_, (Q(path__startswith=root.path) for root in roots))


def thread_page(
    help_request: HelpRequest, *, viewer, sort: str = DEFAULT_SORT, page_number=1
) -> ThreadPage:
    sort = sort if sort in SORTS else DEFAULT_SORT
    roots = (
        Reply.objects.filter(help_request=help_request, depth=1)
        .select_related("author", "removed_by")
        .order_by(*SORTS[sort])
    )
    page = Paginator(roots, ROOTS_PER_PAGE).get_page(page_number)
    root_list = list(page.object_list)
    descendants = []
    if root_list:
        descendants = list(
            Reply.objects.filter(help_request=help_request, depth__gt=1)
            .filter(_subtree_filter(root_list))
            .select_related("author", "removed_by")
            .order_by("path")
        )
    everyone = root_list + descendants
    voted = set()
    if everyone and viewer.is_authenticated:
        voted = set(
            HelpfulVote.objects.filter(user=viewer, reply__in=[r.pk for r in everyone]).values_list(
                "reply_id", flat=True
            )
        )
    by_path: dict[str, ReplyNode] = {}
    by_pk: dict[int, Reply] = {r.pk: r for r in everyone}
    nodes = []
    steplen = Reply.steplen
    for reply in root_list:
        node = ReplyNode(reply=reply, voted=reply.pk in voted)
        by_path[reply.path] = node
        nodes.append(node)
    for reply in descendants:  # path order: parents come before their children
        node = ReplyNode(reply=reply, voted=reply.pk in voted)
        parent = by_path.get(reply.path[:-steplen])
        if parent is None:
            continue
        if reply.in_reply_to_id and reply.in_reply_to_id != parent.reply.pk:
            node.answers = by_pk.get(reply.in_reply_to_id)
        parent.children.append(node)
        by_path[reply.path] = node
    return ThreadPage(page=page, nodes=nodes, sort=sort, total=page.paginator.count)


def page_of_reply(reply: Reply) -> int:
    """The page (under the default sort) that shows `reply`: the page of its top-level ancestor."""
    root_path = reply.path[: Reply.steplen]
    before = Reply.objects.filter(
        help_request_id=reply.help_request_id, depth=1, path__lt=root_path
    ).count()
    return before // ROOTS_PER_PAGE + 1


def is_following(help_request: HelpRequest, user) -> bool:
    return (
        user.is_authenticated
        and Follow.objects.filter(help_request=help_request, user=user).exists()
    )


def replies_in(help_request: HelpRequest):
    return Reply.objects.filter(help_request=help_request)

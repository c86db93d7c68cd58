"""Reads for the thread pages, each a fixed number of queries whatever the thread's size.

A thread page shows at most `PAGE_REPLIES` replies, whatever the tree's shape
(1,000 replies under one reply, in long chains, or spread over 50 top-level ones):

- a page of top-level replies (`ROOTS_PER_PAGE`, sorted by time or helpfulness;
  the paginator pages through the rest);
- the rest of the budget shared among their subtrees by water-filling over each
  root's `descendant_count` (`share_budget`): subtrees smaller than an even share
  are shown whole and what they leave is split among the big ones, so one huge
  branch cannot crowd out its neighbours and a quiet thread still shows everything;
- each subtree's first N descendants in path (preorder) order, read in ONE query
  for all roots with `ROW_NUMBER() OVER (PARTITION BY root ORDER BY path)`
  (SQLite and PostgreSQL alike). A preorder prefix keeps every shown reply's
  parent shown, so the page reads as a conversation, never as orphans.

Because what is shown of a subtree is a preorder prefix, a reply's unseen
children all come after its last shown child. Each reply with unseen children
ends in "N more replies" (N from its `descendant_count` minus its shown
children's subtrees), a link to the branch read (`reply_branch`): that reply's
children after a cursor (the last shown child's path step), with their
subtrees, bounded the same way and ending in their own "more" links, so
following every link shows each reply exactly once. Permalinks to a reply the
thread page leaves collapsed land on the branch read of its parent starting at
it, with its ancestors (`shown_on_page`, `step_before`).

Queries: a thread page reads the roots' count and page, the shown descendants
(one windowed query) and the viewer's votes; a branch reads its next children
(one query, with the size of all of them as a window sum), their descendants,
the votes and, for the full page, the ancestors. Authors come with
`select_related` and bodies are pre-rendered (`body_html`).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import RowNumber, Substr

from .models import (
    STEPLEN,
    Follow,
    HelpfulVote,
    HelpRequest,
    Reply,
    RequestStatus,
    ancestor_paths,
    path_step,
    step_number,
)

ROOTS_PER_PAGE = 20
# The most replies a thread page (or one branch read) renders. Unbounded, a 1,000-reply
# nested thread rendered 400 replies: a second and a megabyte per request.
PAGE_REPLIES = 50
# A branch read shows at most this many children of its reply, like a page of top-level replies.
BRANCH_CHILDREN = ROOTS_PER_PAGE
# The cursor before a reply's first child: every real step sorts after it.
BEFORE_FIRST = "0" * STEPLEN
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
        requests = requests.visible()
    if status in STATUS_FILTERS:
        requests = requests.filter(status=status)
    if tag:
        requests = requests.filter(pk__in=HelpRequest.objects.filter(tags__slug=tag).values("pk"))
    if unanswered:
        requests = requests.unanswered()
    return requests.order_by("-is_pinned", "-last_activity_at", "-id")


def latest_requests(community, *, limit: int = 5):
    """For the community page's card: the latest visible requests (one query)."""
    return (
        HelpRequest.objects.visible()
        .filter(community=community)
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
    # Replies below this one that are not shown: all in its children after `more_after` (a cursor).
    more: int = 0
    more_after: str = ""


@dataclass
class ThreadPage:
    page: Page
    nodes: list[ReplyNode]
    sort: str
    total: int
    shown: int = 0


@dataclass
class Branch:
    """A reply's children after a cursor, with their subtrees: what "N more replies" loads."""

    # The reply whose children these are, its children in `focus.children`, and what still
    # remains of them after those in `focus.more` (another "more" link).
    focus: ReplyNode
    # The chain root first down to `focus`, each ancestor holding only the next one: for the
    # page without JavaScript (empty unless asked for).
    chain: list[ReplyNode]
    after: str
    shown: int = 0


def share_budget(sizes: list[int], budget: int) -> list[int]:
    """How many of each subtree's descendants to show: `budget` in all, water-filled.

    Subtrees smaller than an even share are shown whole; what they leave is shared evenly
    among the larger ones, the remainder one each to the first of them (page order).
    """
    levels = [0] * len(sizes)
    remaining = max(budget, 0)
    unfilled = sorted(range(len(sizes)), key=lambda i: sizes[i])
    # Fill the smallest subtrees whole while each fits in an even share of what is left.
    while unfilled and sizes[unfilled[0]] * len(unfilled) <= remaining:
        i = unfilled.pop(0)
        levels[i] = sizes[i]
        remaining -= sizes[i]
    if unfilled:
        share, extra = divmod(remaining, len(unfilled))
        for n, i in enumerate(sorted(unfilled)):
            levels[i] = share + (n < extra)
    return levels


def _subtree_filter(roots) -> Q:
    # Each root's subtree is the paths starting with its path: LIKE 'prefix%', which PostgreSQL
    # answers from the varchar_pattern_ops index on (help_request, path).
    # ORed together, one query reads every subtree on the page.
    return reduce(or_, (Q(path__startswith=root.path) for root in roots))


def _first_descendants(tops: list[Reply], budget: int) -> list[Reply]:
    """The first descendants in path order of each of `tops` (siblings), `budget` in all."""
    levels = share_budget([top.descendant_count for top in tops], budget)
    wanted = {top.path: level for top, level in zip(tops, levels, strict=True) if level}
    if not wanted:
        return []
    prefix = len(tops[0].path)
    # Filtering on a window function makes Django wrap the query: the rank is computed over
    # each whole subtree, then cut. One cut for all (the largest share) keeps the SQL simple;
    # the few rows over a smaller share are dropped below (at most one per subtree).
    rows = (
        Reply.objects.filter(help_request_id=tops[0].help_request_id, depth__gt=tops[0].depth)
        .filter(_subtree_filter([top for top in tops if top.path in wanted]))
        .annotate(rank=Window(RowNumber(), partition_by=Substr("path", 1, prefix), order_by="path"))
        .filter(rank__lte=max(wanted.values()))
        .select_related("author", "removed_by")
        .order_by("path")
    )
    return [row for row in rows if row.rank <= wanted[row.path[:prefix]]]


def _votes(viewer, replies) -> set[int]:
    if not replies or not viewer.is_authenticated:
        return set()
    return set(
        HelpfulVote.objects.filter(user=viewer, reply__in=[r.pk for r in replies]).values_list(
            "reply_id", flat=True
        )
    )


def _grow(tops: list[Reply], descendants: list[Reply], voted: set[int]) -> list[ReplyNode]:
    """Nodes for `tops` with `descendants` (path order) hung under them, and their "more" counts."""
    by_path: dict[str, ReplyNode] = {}
    by_pk: dict[int, Reply] = {r.pk: r for r in tops}
    nodes = []
    for reply in tops:
        node = ReplyNode(reply=reply, voted=reply.pk in voted)
        by_path[reply.path] = node
        nodes.append(node)
    for reply in descendants:  # path order: parents come before their children
        by_pk[reply.pk] = reply
        parent = by_path.get(reply.path[:-STEPLEN])
        if parent is None:
            continue
        node = ReplyNode(reply=reply, voted=reply.pk in voted)
        if reply.in_reply_to_id and reply.in_reply_to_id != parent.reply.pk:
            node.answers = by_pk.get(reply.in_reply_to_id)
        parent.children.append(node)
        by_path[reply.path] = node
    for node in by_path.values():
        # What is shown of a subtree is a prefix in path order, so a reply's unseen children all
        # come after its last shown child, and hold everything below it not under a shown child.
        below_shown = sum(1 + child.reply.descendant_count for child in node.children)
        node.more = node.reply.descendant_count - below_shown
        if node.more:
            node.more_after = (
                node.children[-1].reply.path[-STEPLEN:] if node.children else BEFORE_FIRST
            )
    return nodes


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
    descendants = _first_descendants(root_list, PAGE_REPLIES - len(root_list)) if root_list else []
    voted = _votes(viewer, root_list + descendants)
    nodes = _grow(root_list, descendants, voted)
    return ThreadPage(
        page=page,
        nodes=nodes,
        sort=sort,
        total=page.paginator.count,
        shown=len(root_list) + len(descendants),
    )


def reply_branch(
    reply: Reply, *, viewer, after: str = BEFORE_FIRST, with_chain: bool = False
) -> Branch:
    """`reply`'s children after the cursor `after` (a path step), with their subtrees, bounded."""
    children = list(
        Reply.objects.filter(
            help_request_id=reply.help_request_id,
            depth=reply.depth + 1,
            path__startswith=reply.path,
            path__gt=reply.path + after,
        )
        # The size of all the children after the cursor, not only those read: what a further
        # "more" link still holds, in the same query.
        .annotate(rest=Window(Sum(F("descendant_count") + 1)))
        .select_related("author", "removed_by")
        .order_by("path")[:BRANCH_CHILDREN]
    )
    descendants = _first_descendants(children, PAGE_REPLIES - len(children)) if children else []
    ancestors = []
    if with_chain:
        ancestors = list(
            Reply.objects.filter(
                help_request_id=reply.help_request_id, path__in=ancestor_paths(reply.path)
            )
            .select_related("author", "removed_by")
            .order_by("path")
        )
    voted = _votes(viewer, [*ancestors, reply, *children, *descendants])
    focus = ReplyNode(reply=reply, voted=reply.pk in voted)
    focus.children = _grow(children, descendants, voted)
    if children:
        focus.more = children[0].rest - sum(1 + child.descendant_count for child in children)
        focus.more_after = children[-1].path[-STEPLEN:]
    chain = []
    if with_chain:
        chain = [ReplyNode(reply=ancestor, voted=ancestor.pk in voted) for ancestor in ancestors]
        chain.append(focus)
        for upper, lower in zip(chain, chain[1:], strict=False):
            upper.children = [lower]
            if lower.reply.in_reply_to_id and lower.reply.in_reply_to_id != upper.reply.pk:
                lower.answers = next(
                    (a for a in ancestors if a.pk == lower.reply.in_reply_to_id), None
                )
    return Branch(focus=focus, chain=chain, after=after, shown=len(children) + len(descendants))


def page_of_reply(reply: Reply) -> int:
    """The page (under the default sort) that shows `reply`: the page of its top-level ancestor."""
    root_path = reply.path[:STEPLEN]
    before = Reply.objects.filter(
        help_request_id=reply.help_request_id, depth=1, path__lt=root_path
    ).count()
    return before // ROOTS_PER_PAGE + 1


def shown_on_page(reply: Reply, page: int) -> bool:
    """Whether the thread's `page` (default sort) shows `reply`, or leaves it in a collapsed branch."""
    if reply.depth == 1:
        return True
    root_path = reply.path[:STEPLEN]
    start = (page - 1) * ROOTS_PER_PAGE
    roots = list(
        Reply.objects.filter(help_request_id=reply.help_request_id, depth=1)
        .order_by("path")
        .values_list("path", "descendant_count")[start : start + ROOTS_PER_PAGE]
    )
    paths = [path for path, _ in roots]
    if root_path not in paths:
        return False
    levels = share_budget([size for _, size in roots], PAGE_REPLIES - len(roots))
    rank = Reply.objects.filter(
        help_request_id=reply.help_request_id,
        depth__gt=1,
        path__startswith=root_path,
        path__lte=reply.path,
    ).count()
    return rank <= levels[paths.index(root_path)]


def step_before(path: str) -> str:
    """The cursor just before the reply at `path` among its siblings: a branch read starting at it."""
    number = step_number(path[-STEPLEN:]) - 1
    return path_step(number) if number else BEFORE_FIRST


def is_following(help_request: HelpRequest, user) -> bool:
    return (
        user.is_authenticated
        and Follow.objects.filter(help_request=help_request, user=user).exists()
    )

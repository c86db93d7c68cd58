"""Finding help requests: full-text search, similar questions and help-wanted lists.

Every list starts from `HelpRequest.objects.readable_by(user).not_removed()`, so
nothing from a community the person cannot read can appear, whatever the filters.

PostgreSQL: one stored `tsvector` per request, title (A) + body (B) + the text of
its visible replies (C), GIN-indexed (migration 0003). The result of a search is
a request, so folding reply text into the request's vector lets one indexed
match and one rank answer "which threads talk about this" without a second
search over replies and a merge; `Reply.search_vector` stays unused. The
'english' configuration stems ("rolling back" finds "rollback", "deployments"
finds "deployment"), which matters more for questions than exact words; typos
and other languages in titles are covered by trigram similarity (pg_trgm, its
own GIN index), which is language-agnostic.

SQLite (development, quick tests): case-insensitive substring matching on title,
body and reply bodies, ranked by where the words were found. Same filters, same
permission scope, same templates.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from taggit.models import Tag

from communities.models import Community

from .models import HelpRequest, Reply, RequestStatus

SEARCH_CONFIG = "english"
SIMILAR_LIMIT = 5
SIMILAR_MIN_CHARS = 4
MAX_QUERY_WORDS = 8
SNIPPET_CHARS = 220

# Private-use characters mark matches in ts_headline output; the text around them is escaped
# before they become <mark> tags, so user text is never trusted as markup.
_START, _STOP = "\ue000", "\ue001"

# Words too common to tell two questions apart (the SQLite fallback has no stop-word list of its own).
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "without",
        "would",
        "you",
        "your",
    ]
)

# Quoted phrases, "or" and "-word" in a websearch query.
WEBSEARCH_OPERATORS = re.compile(r'"|(?:^|\s)-\S|\bor\b', re.IGNORECASE)

HELP_WANTED_STATUSES = (RequestStatus.OPEN, RequestStatus.ANSWERED)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# Keeping the stored vector up to date ------------------------------------------------


def refresh_search_vectors(queryset: QuerySet[HelpRequest]) -> int:
    """Recompute the stored vector of every request in `queryset` with one UPDATE (PostgreSQL)."""
    if not is_postgresql():
        return 0
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import SearchVector

    reply_text = (
        Reply.objects.filter(help_request=OuterRef("pk"), is_removed=False)
        .order_by()
        .values("help_request")
        .annotate(text=StringAgg("body", delimiter=" "))
        .values("text")
    )
    return queryset.order_by().update(
        search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("body", weight="B", config=SEARCH_CONFIG)
        + SearchVector(Coalesce(Subquery(reply_text), Value(""), output_field=TextField()), weight="C", config=SEARCH_CONFIG)
    )


def update_search_vectors(*, help_request: HelpRequest) -> None:
    """Call after a request or any of its replies is written, edited, removed or restored.

    A no-op on SQLite, where search reads the text columns directly.
    """
    refresh_search_vectors(HelpRequest.objects.filter(pk=help_request.pk))


# Words and highlighting ----------------------------------------------------------------


def query_words(text: str) -> list[str]:
    """Distinct lowercase words worth matching, in order, at most MAX_QUERY_WORDS."""
    words: list[str] = []
    for word in re.findall(r"[^\W_]+(?:[.'-][^\W_]+)*", (text or "").lower()):
        if len(word) >= 2 and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def highlight(text: str, words: list[str]) -> str:
    """`text` escaped, with case-insensitive occurrences of `words` wrapped in <mark>."""
    if not words:
        return html.escape(text)
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def plain(text: str) -> str:
    """Markdown source read as plain text for a snippet: no fences, emphasis marks or backticks."""
    text = re.sub(r"```+\S*|~~~+\S*|`+|\*+|^\s*(?:#+|>+)\s*", " ", text or "", flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()


def snippet(text: str, words: list[str], length: int = SNIPPET_CHARS) -> str:
    """A window of plain `text` around the first matched word, escaped and highlighted."""
    text = plain(text)
    lowered = text.lower()
    positions = [p for p in (lowered.find(w) for w in words) if p >= 0]
    start = max(0, min(positions) - length // 3) if positions else 0
    if start > 0:
        # Begin at a word: "… has five files", never "… I has five files" from "API has".
        space = text.find(" ", start - 1)
        if 0 <= space < min(positions):
            start = space + 1
    window = text[start : start + length]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + length < len(text) else ""
    return prefix + highlight(window, words) + suffix


def marked(headline: str | None) -> str:
    """ts_headline output (with sentinel markers) to escaped HTML with <mark> tags."""
    escaped = html.escape(plain(headline or ""))
    # Unbalanced sentinels cannot come from ts_headline; drop any that arrived in user text.
    if escaped.count(_START) != escaped.count(_STOP):
        return escaped.replace(_START, "").replace(_STOP, "")
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


# Search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    community: Community | None = None
    tag: str = ""
    status: str = ""
    unanswered: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.community or self.tag or self.status or self.unanswered)


def searchable_requests(user) -> QuerySet[HelpRequest]:
    return HelpRequest.objects.readable_by(user).not_removed()


def _apply_filters(
    queryset: QuerySet[HelpRequest], filters: SearchFilters
) -> QuerySet[HelpRequest]:
    if filters.community is not None:
        queryset = queryset.filter(community=filters.community)
    if filters.tag:
        queryset = queryset.filter(
            pk__in=HelpRequest.objects.filter(tags__name__iexact=filters.tag).values("pk")
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.unanswered:
        queryset = queryset.filter(reply_count=0).exclude(status=RequestStatus.CLOSED)
    return queryset


def search_requests(*, user, filters: SearchFilters) -> QuerySet[HelpRequest]:
    """Requests `user` may read matching `filters`, best first, each with `.title_html` and
    `.snippet_html` (escaped, matches in <mark>) once passed through `decorate_results`."""
    return search_in(searchable_requests(user), filters)


def search_in(queryset: QuerySet[HelpRequest], filters: SearchFilters) -> QuerySet[HelpRequest]:
    """The search over a given scope; `search_requests` passes the person's readable requests."""
    queryset = _apply_filters(queryset, filters).select_related("community").prefetch_related("tags")
    q = filters.q.strip()
    if not q:
        return queryset.order_by("-last_activity_at", "-id")
    if is_postgresql():
        return _search_postgresql(queryset, q)
    return _search_fallback(queryset, q)


def _search_postgresql(queryset: QuerySet[HelpRequest], q: str) -> QuerySet[HelpRequest]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        TrigramWordSimilarity,
    )

    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    headline = {"config": SEARCH_CONFIG, "start_sel": _START, "stop_sel": _STOP}
    matches = Q(search_vector=query)
    if not WEBSEARCH_OPERATORS.search(q):
        # `%>` (word similarity above pg_trgm's threshold) uses the trigram index and forgives
        # typos in titles ("kubernets"). Not with operators: it would bring back "-excluded" words.
        matches |= Q(title__trigram_word_similar=q)
    return (
        queryset.annotate(
            rank=SearchRank(F("search_vector"), query),
            title_similarity=TrigramWordSimilarity(q, "title"),
        )
        .filter(matches)
        .annotate(
            score=F("rank") + F("title_similarity") * Value(0.5),
            title_headline=SearchHeadline("title", query, highlight_all=True, **headline),
            body_headline=SearchHeadline(
                "body", query, max_words=35, min_words=15, max_fragments=2, **headline
            ),
        )
        .order_by("-score", "-last_activity_at", "-id")
    )


def _search_fallback(queryset: QuerySet[HelpRequest], q: str) -> QuerySet[HelpRequest]:
    words = query_words(q) or [q.lower()[:100]]
    score = Value(0)
    for word in words:
        in_title = Q(title__icontains=word)
        in_body = Q(body__icontains=word)
        in_replies = Exists(
            Reply.objects.filter(
                help_request=OuterRef("pk"), is_removed=False, body__icontains=word
            )
        )
        # Every word must appear somewhere, like websearch's implicit AND.
        queryset = queryset.filter(in_title | in_body | in_replies)
        score = score + Case(
            When(in_title, then=Value(3)),
            When(in_body, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(score=score).order_by("-score", "-last_activity_at", "-id")


def decorate_results(results, q: str) -> None:
    """Give each result `.title_html` and `.snippet_html`: escaped, matched words in <mark>."""
    words = query_words(q) or ([q.strip().lower()] if q.strip() else [])
    for request in results:
        if hasattr(request, "title_headline"):
            request.title_html = marked(request.title_headline)
            request.snippet_html = marked(request.body_headline)
            if _START not in (request.title_headline or "") and words:
                # Found by trigram similarity (a typo) rather than by the vector: nothing to mark.
                request.title_html = html.escape(request.title)
        else:
            request.title_html = highlight(request.title, words)
            request.snippet_html = snippet(request.body, words)


def search_tags(user) -> list[str]:
    """Tag names used on requests the person may read, for the tag filter."""
    readable = searchable_requests(user).values("pk")
    return list(
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__app_label="discussions",
            taggit_taggeditem_items__content_type__model="helprequest",
            taggit_taggeditem_items__object_id__in=readable,
        )
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:200]
    )


# Similar questions ------------------------------------------------------------------------


def similar_requests(
    *, user, title: str, community: Community | None = None, exclude_pk=None
) -> list[HelpRequest]:
    """Up to five requests `user` may read whose titles resemble `title`, same community first."""
    title = " ".join((title or "").split())[:200]
    if len(title) < SIMILAR_MIN_CHARS:
        return []
    queryset = searchable_requests(user)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(similar_in(queryset, title=title, community=community)[:SIMILAR_LIMIT])


def similar_in(queryset: QuerySet[HelpRequest], *, title: str, community=None) -> QuerySet[HelpRequest]:
    """Every request in `queryset` resembling `title`, most similar first (unsliced)."""
    queryset = queryset.select_related("community")
    if is_postgresql():
        same_community = Value(0.0)
        if community is not None:
            same_community = Case(When(community=community, then=Value(0.1)), default=Value(0.0))
        return _similar_postgresql(queryset, title, same_community)
    return _similar_fallback(queryset, title, community)


def _similar_postgresql(queryset, title: str, same_community):
    from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity

    words = query_words(title)
    similar_title = Q(title__trigram_similar=title)
    if not words:
        return (
            queryset.filter(similar_title)
            .annotate(score=TrigramSimilarity("title", title) + same_community)
            .order_by("-score", "-id")
        )
    # Titles that look alike (trigrams, forgiving word order and typos), or requests that use
    # every meaningful word of the title somewhere (stemmed). Any-word matching was tried and
    # matched half of all requests at 20,000, too broad to rank quickly or usefully.
    query = SearchQuery(" ".join(words), search_type="plain", config=SEARCH_CONFIG)
    return (
        queryset.annotate(
            rank=SearchRank(F("search_vector"), query, weights=[0.1, 0.2, 0.4, 1.0]),
            title_similarity=TrigramSimilarity("title", title),
        )
        .filter(similar_title | Q(search_vector=query))
        .annotate(score=F("title_similarity") + F("rank") + same_community)
        .order_by("-score", "-id")
    )


def _similar_fallback(queryset, title: str, community):
    words = query_words(title)
    if not words:
        return queryset.none()
    overlap = sum(
        (
            Case(
                When(title__icontains=w, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for w in words
        ),
        Value(0),
    )
    needed = min(2, len(words))
    same = Case(
        When(community=community, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        queryset.annotate(overlap=overlap, same_community=same)
        .filter(overlap__gte=needed)
        .order_by("-overlap", "-same_community", "-last_activity_at", "-id")
    )


# Help wanted -------------------------------------------------------------------------------


def help_wanted(queryset: QuerySet[HelpRequest], *, expertise_of=None) -> QuerySet[HelpRequest]:
    """Open requests with no accepted answer, oldest first; optionally only those tagged with
    something in `expertise_of`'s expertise."""
    queryset = (
        queryset.not_removed()
        .filter(status__in=HELP_WANTED_STATUSES, accepted_reply__isnull=True)
        .select_related("community")
        .order_by("created_at", "id")
    )
    if expertise_of is not None:
        # By name, case-insensitively: "Kubernetes" expertise and a "kubernetes" tag are separate
        # Tag rows (tag names are case-sensitive), but the same skill.
        expertise = expertise_of.expertise.annotate(lowered=Lower("name")).values("lowered")
        tags = Tag.objects.annotate(lowered=Lower("name")).filter(lowered__in=expertise)
        queryset = queryset.filter(
            pk__in=HelpRequest.objects.filter(tags__in=tags).values("pk")
        )
    return queryset


def help_wanted_everywhere(*, user, mine_only: bool = False) -> QuerySet[HelpRequest]:
    """Across every live, unarchived community `user` is an active member of (where they can help)."""
    communities = (
        Community.objects.live()
        .not_archived()
        .filter(memberships__user=user, memberships__is_active=True)
    )
    return help_wanted(
        HelpRequest.objects.filter(community__in=communities.values("pk")),
        expertise_of=user if mine_only else None,
    )


def help_wanted_in(
    *, community: Community, user=None, mine_only: bool = False
) -> QuerySet[HelpRequest]:
    """One community's list; the caller has checked that `user` may read it."""
    return help_wanted(
        HelpRequest.objects.filter(community=community),
        expertise_of=user if (mine_only and user is not None) else None,
    )

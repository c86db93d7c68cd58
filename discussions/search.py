"""Finding help requests: full-text search, similar questions and help-wanted lists.

Every list starts from `HelpRequest.objects.readable_by(user).visible()`, so
nothing from a community the person cannot read can appear, whatever the filters.

PostgreSQL: one stored `tsvector` per post. A request's covers its title (A) and
body (B); each reply keeps its own (C), both GIN-indexed (migrations 0003 and
0007_search_per_reply). A write re-indexes only the post written: a reply costs
one single-row UPDATE however long its thread, and no vector ever holds a whole
thread (PostgreSQL refuses a tsvector over 1 MB, which a long thread's folded text
used to reach). A search matches a thread when each word is found somewhere in
it, in the request or in any visible reply. The candidate ids come from the GIN
indexes alone (per word, the UNION of requests and replies matching it; the
INTERSECT of the words; the UNION with the trigram matches), so a search costs
what its matches cost, not what the table holds. A thread ranks by its request's
own rank; one found through its replies alone ranks just below a body match (how
often the replies repeat a word no longer counts: that would read every reply of
every match at query time). The 'english' configuration
stems ("rolling back" finds "rollback", "deployments" finds "deployment"), which
matters more for questions than exact words; typos and other languages in titles
are covered by trigram similarity (pg_trgm, its own GIN index), which is
language-agnostic.

SQLite (development, quick tests): case-insensitive substring matching on title,
body and reply bodies, ranked by where the words were found. When the words as
typed find nothing, each word no title or tag contains is tried again with its
close words from the vocabulary of the person's readable communities (titles and
tags, cached per community, forgotten when a request there is written), and the
page says which words it used. Same filters, same permission scope, same templates.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact, GreaterThan
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


# Keeping the stored vectors up to date ---------------------------------------------


def _request_vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )


def _reply_vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("body", weight="C", config=SEARCH_CONFIG)


def refresh_search_vectors(queryset: QuerySet[HelpRequest]) -> int:
    """Recompute the vectors of every request in `queryset` and of all their replies
    (PostgreSQL; one UPDATE each). For backfills and seeded data: the services index
    only the post they write (`index_post`)."""
    if not is_postgresql():
        return 0
    requests = queryset.order_by().values("pk")
    # Removed replies keep no vector: their text is out of the index, not only filtered out.
    Reply.objects.filter(help_request__in=requests, is_removed=True).order_by().update(
        search_vector=None
    )
    Reply.objects.visible().filter(help_request__in=requests).order_by().update(
        search_vector=_reply_vector()
    )
    return queryset.order_by().update(search_vector=_request_vector())


def update_search_vectors(*, help_request: HelpRequest) -> None:
    """Re-index a request and every reply of it (after writes that bypassed the services,
    as in seeded data and tests). On SQLite only the vocabulary is forgotten."""
    refresh_search_vectors(HelpRequest.objects.filter(pk=help_request.pk))
    forget_vocabulary(help_request.community_id)


def index_post(
    *, help_request: HelpRequest, reply: Reply | None = None, moved_from: Community | None = None
) -> None:
    """Call after a request or a reply is written, edited, removed, restored or moved.

    With `reply`, only that reply's vector is recomputed (or cleared when it is removed):
    the cost of a reply's indexing does not depend on how long its thread is. Without,
    the request's own title and body; the vocabulary of its community (and of the one it
    left) is forgotten once the write commits.
    """
    if reply is not None:
        if is_postgresql():
            Reply.objects.filter(pk=reply.pk).update(
                search_vector=None if reply.is_removed else _reply_vector()
            )
        return
    if is_postgresql():
        HelpRequest.objects.filter(pk=help_request.pk).update(search_vector=_request_vector())
        return
    forgotten = [help_request.community_id] + ([moved_from.pk] if moved_from is not None else [])
    # After the commit: a search in between would otherwise cache the old titles again.
    transaction.on_commit(lambda: forget_vocabulary(*forgotten))


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
    return HelpRequest.objects.readable_by(user).visible()


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
        queryset = queryset.unanswered()
    return queryset


def search_requests(
    *, user, filters: SearchFilters, alternatives: dict[str, list[str]] | None = None
) -> QuerySet[HelpRequest]:
    """Requests `user` may read matching `filters`, best first, each with `.title_html` and
    `.snippet_html` (escaped, matches in <mark>) once passed through `decorate_results`.

    `alternatives` (SQLite, from `typo_correction`) lets a query word also match its close words.
    """
    return search_in(searchable_requests(user), filters, alternatives=alternatives)


def search_in(
    queryset: QuerySet[HelpRequest],
    filters: SearchFilters,
    *,
    alternatives: dict[str, list[str]] | None = None,
) -> QuerySet[HelpRequest]:
    """The search over a given scope; `search_requests` passes the person's readable requests."""
    queryset = _apply_filters(queryset, filters).select_related("community").prefetch_related("tags")
    q = filters.q.strip()
    if not q:
        return queryset.order_by("-last_activity_at", "-id")
    if is_postgresql():
        return _search_postgresql(queryset, q)
    return _search_fallback(queryset, q, alternatives or {})


# A thread found through its replies alone ranks about where one C-weighted occurrence
# would (ts_rank: A 0.061, B 0.024, C 0.012), so titles outrank bodies, and bodies replies.
REPLY_MATCH_RANK = 0.01
# "-word" in a websearch query.
NEGATED_WORD = re.compile(r'(?:^|\s)-([^\s"]+)')


def _replies_matching(query) -> QuerySet[Reply]:
    """Thread ids of the visible replies matching `query`: a scan of the reply GIN index."""
    return (
        Reply.objects.visible()
        .filter(search_vector=query)
        .order_by()
        .values("help_request_id")
    )


def _threads_matching(query, *, skip_if_no_lexemes=None) -> QuerySet:
    """Ids of requests matching `query` in their own vector or in a visible reply's.

    With `skip_if_no_lexemes`, a `query` without lexemes (a stop word such as "between",
    which websearch drops too) matches every request, as long as `skip_if_no_lexemes`
    (the whole query) has some: a word nobody indexes must not empty an AND.
    """
    own = Q(search_vector=query)
    if skip_if_no_lexemes is not None:
        own |= Q(Exact(_lexemes(query), 0)) & Q(GreaterThan(_lexemes(skip_if_no_lexemes), 0))
    return HelpRequest.objects.filter(own).order_by().values("pk").union(_replies_matching(query))


def _id_among(ids: QuerySet) -> Func:
    """`id = ANY(ARRAY(ids))`: the candidate ids computed once, from the indexes alone, then
    fetched by primary key."""
    return Func(
        F("pk"),
        Subquery(ids),
        template="%(expressions)s)",
        arg_joiner=" = ANY(ARRAY",
        output_field=BooleanField(),
    )


def _lexemes(query) -> Func:
    """How many lexemes and operators a tsquery has (0 when all its words are stop words)."""
    return Func(query, function="numnode", output_field=IntegerField())


def _search_postgresql(queryset: QuerySet[HelpRequest], q: str) -> QuerySet[HelpRequest]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        TrigramWordSimilarity,
    )

    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    headline = {"config": SEARCH_CONFIG, "start_sel": _START, "stop_sel": _STOP}
    words = query_words(q)
    if words and not WEBSEARCH_OPERATORS.search(q):
        # Plain words: each must occur somewhere in the thread, in the request or in any
        # visible reply, as when the whole thread was one document.
        word_queries = [SearchQuery(w, search_type="plain", config=SEARCH_CONFIG) for w in words]
        candidates = None
        for word_query in word_queries:
            in_thread = _threads_matching(word_query, skip_if_no_lexemes=query)
            candidates = in_thread if candidates is None else candidates.intersection(in_thread)
        # Word similarity above pg_trgm's threshold (`%>`, the trigram index) forgives typos in
        # titles ("kubernets"). Not with operators: it would bring back "-excluded" words.
        candidates = candidates.union(
            HelpRequest.objects.filter(title__trigram_word_similar=q).order_by().values("pk")
        )
        rank_query = word_queries[0]
        for word_query in word_queries[1:]:
            rank_query = rank_query | word_query
    else:
        # Phrases and "or" are read within one post: a phrase never spans two replies.
        candidates = _threads_matching(query)
        for word in NEGATED_WORD.findall(q):
            # "-word" excludes a thread that has the word anywhere, not only in the post matched.
            excluded = SearchQuery(word, search_type="plain", config=SEARCH_CONFIG)
            candidates = candidates.difference(_threads_matching(excluded))
        rank_query = query
    matches = Q(_id_among(candidates))
    own_rank = Coalesce(SearchRank(F("search_vector"), rank_query), Value(0.0), output_field=FloatField())
    return (
        queryset.filter(matches)
        .alias(
            # Aliases, not annotations: selected as well, each would be computed twice.
            rank=own_rank,
            title_similarity=TrigramWordSimilarity(q, "title"),
        )
        .annotate(
            # A thread whose request does not mention the words was found by its replies.
            score=Case(
                # ts_rank gives 1e-20, not 0, when nothing matches.
                When(rank__lt=REPLY_MATCH_RANK / 100, then=Value(REPLY_MATCH_RANK)),
                default=F("rank"),
                output_field=FloatField(),
            )
            + F("title_similarity") * Value(0.5),
            title_headline=SearchHeadline("title", query, highlight_all=True, **headline),
            body_headline=SearchHeadline(
                "body", query, max_words=35, min_words=15, max_fragments=2, **headline
            ),
        )
        .order_by("-score", "-last_activity_at", "-id")
    )


def _search_fallback(
    queryset: QuerySet[HelpRequest], q: str, alternatives: dict[str, list[str]]
) -> QuerySet[HelpRequest]:
    words = query_words(q) or [q.lower()[:100]]
    score = Value(0)
    for word in words:
        variants = [word, *alternatives.get(word, ())]
        in_title = _any_of(variants, "title__icontains")
        in_body = _any_of(variants, "body__icontains")
        replies = Reply.objects.visible().filter(help_request=OuterRef("pk"))
        in_replies = Exists(replies.filter(_any_of(variants, "body__icontains")))
        # Every word must appear somewhere, like websearch's implicit AND.
        queryset = queryset.filter(in_title | in_body | in_replies)
        score = score + Case(
            When(in_title, then=Value(3)),
            When(in_body, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(score=score).order_by("-score", "-last_activity_at", "-id")


def _any_of(variants: list[str], lookup: str) -> Q:
    condition = Q()
    for variant in variants:
        condition |= Q(**{lookup: variant})
    return condition


# Typos on SQLite ---------------------------------------------------------------------------

VOCABULARY_KEY = "search:vocabulary:{}"
# A day at most: a request write forgets its community's words at once; the bound only
# catches writes that bypassed the services.
VOCABULARY_SECONDS = 24 * 3600
# The titles of a community's most recently active requests: enough words to correct
# against, bounded so a large community costs the same to read and to scan.
VOCABULARY_REQUESTS = 2000
TYPO_MIN_CHARS = 4
TYPO_CUTOFF = 0.8
TYPO_ALTERNATIVES = 3


@dataclass(frozen=True)
class Correction:
    """The query as corrected for display, and each typed word's close words to search with."""

    text: str
    alternatives: dict[str, list[str]]


def _words_of(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W_]+(?:[.'-][^\W_]+)*", text.lower()) if len(w) >= 2}


def community_vocabulary(community_ids) -> set[str]:
    """Words of the titles and tags of requests in these communities (cached per community).

    Cold communities cost two queries together (titles, then tags), warm ones none.
    """
    keys = {VOCABULARY_KEY.format(pk): pk for pk in community_ids}
    cached = cache.get_many(list(keys))
    missing = [pk for key, pk in keys.items() if key not in cached]
    words: set[str] = set().union(*cached.values()) if cached else set()
    if missing:
        from django.db.models import Window
        from django.db.models.functions import RowNumber

        fresh: dict[int, set[str]] = {pk: set() for pk in missing}
        live = HelpRequest.objects.visible().filter(community__in=missing)
        recent = (
            live.annotate(
                recency=Window(
                    RowNumber(), partition_by=[F("community_id")], order_by=F("last_activity_at").desc()
                )
            )
            .filter(recency__lte=VOCABULARY_REQUESTS)
            .values_list("community_id", "title")
        )
        for community_id, title in recent:
            fresh[community_id] |= _words_of(title)
        tags = live.filter(tags__isnull=False).values_list("community_id", "tags__name").distinct()
        for community_id, name in tags:
            fresh[community_id] |= _words_of(name)
        cache.set_many(
            {VOCABULARY_KEY.format(pk): vocabulary for pk, vocabulary in fresh.items()},
            VOCABULARY_SECONDS,
        )
        for vocabulary in fresh.values():
            words |= vocabulary
    return words


def forget_vocabulary(*community_ids) -> None:
    if not is_postgresql():
        cache.delete_many([VOCABULARY_KEY.format(pk) for pk in community_ids])


def typo_correction(q: str, *, community_ids) -> Correction | None:
    """Close words for the query words no title or tag of these communities contains, or None.

    SQLite only (PostgreSQL forgives typos in titles by trigram similarity). The caller passes
    only communities the person may read, so a suggestion never reveals a word of another.
    """
    if is_postgresql() or WEBSEARCH_OPERATORS.search(q):
        return None
    words = query_words(q)
    if not words:
        return None
    vocabulary = community_vocabulary(community_ids)
    if not vocabulary:
        return None
    # The fallback matches substrings: a word inside a known word ("fixture" in "fixtures") is no typo.
    known = "\n".join(sorted(vocabulary))
    alternatives: dict[str, list[str]] = {}
    for word in words:
        if len(word) < TYPO_MIN_CHARS or word in known:
            continue
        close = difflib.get_close_matches(word, vocabulary, n=TYPO_ALTERNATIVES, cutoff=TYPO_CUTOFF)
        if close:
            alternatives[word] = close
    if not alternatives:
        return None
    text = q
    for word, close in alternatives.items():
        text = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", close[0], text, flags=re.IGNORECASE)
    return Correction(text=text, alternatives=alternatives)


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
        queryset.visible()
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

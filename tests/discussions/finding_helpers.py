"""Building searchable help requests for the finding tests (search, similar, help wanted)."""

from discussions.search import update_search_vectors
from tests.discussions.factories import HelpRequestFactory, ReplyFactory


def ask(community, title, body="", *, tags=(), replies=(), author=None, **fields):
    """A request with top-level replies (bodies), its reply count and search vector up to date."""
    extra = {"author": author} if author is not None else {}
    request = HelpRequestFactory(
        community=community,
        title=title,
        body=body or f"Details about {title.lower()}",
        tags=list(tags),
        **extra,
        **fields,
    )
    for text in replies:
        ReplyFactory(help_request=request, body=text)
    if replies:
        type(request).objects.filter(pk=request.pk).update(reply_count=len(replies))
        request.reply_count = len(replies)
    update_search_vectors(help_request=request)
    return request

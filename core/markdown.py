"""Users' text is CommonMark, rendered and then sanitised with an allowlist (nh3).

Three steps, in this order so that nothing the author typed can smuggle markup
past the last one:

1. markdown-it-py parses CommonMark with raw HTML switched off (typed tags show as text);
2. fenced code with a known language is highlighted by Pygments into class-only
   ``<span>``s; ``@handle`` outside code and links becomes a link to that person
   when the caller knows the handle (``mention_urls``);
3. nh3 keeps only allowlisted tags, attributes, URL schemes and class names.
"""

import re
from collections.abc import Mapping
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Pasted logs can be huge; highlighting is a nicety, not worth seconds of CPU per render.
MAX_HIGHLIGHT_CHARS = 20_000

# `@` not preceded by something that makes it part of a word, an email address or a path; the
# handle is letters and digits joined by single dots, hyphens or underscores (accounts.HANDLE_PATTERN),
# so "thanks @aisha.bello." ends the handle before the full stop.
MENTION_RE = re.compile(r"(?<![\w.@/+-])@([A-Za-z0-9](?:[._-]?[A-Za-z0-9])*)(?![._-]*[A-Za-z0-9])")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "img",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"style"},
    "td": {"style"},
}
# Pygments' short token class names ("k", "nf", "s1"...) are the only classes a span may carry,
# and "mention" the only class a link may carry: people cannot style their text to look like the UI.
PYGMENTS_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
ALLOWED_CLASSES = {"span": set(PYGMENTS_CLASSES), "a": {"mention"}}

_formatter = HtmlFormatter(nowrap=True)

# Browsers read "%5Cjavascript:x" as a harmless relative path, but a URL that spells a script
# scheme anywhere is never one people need; dropping it keeps the rule simple to check.
_SCRIPTY_URL = re.compile(r"(?:java|vb|live)script:|(?<![a-z0-9])data:", re.IGNORECASE)


def _drop_scripty_urls(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src") and _SCRIPTY_URL.search(re.sub(r"\s", "", unquote(value))):
        return None
    return value


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Class-based Pygments spans; "" (plain escaped text) for unknown or missing languages."""
    if not lang or len(code) > MAX_HIGHLIGHT_CHARS:
        return ""
    try:
        lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return ""
    return highlight(code, lexer, _formatter)


def _handle(match: re.Match) -> str:
    return match.group(1).lower()


def _inline_texts(tokens: list[Token]):
    """Yield (children, index) for every text token outside links; code is never a text token."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        link_depth = 0
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            elif child.type == "text" and link_depth == 0:
                yield token.children, index


def _mention_rule(state) -> None:
    mention_urls: Mapping[str, str] = state.env.get("mention_urls") or {}
    if not mention_urls:
        return
    # Collect first, then replace from the back, so the indices stay valid.
    targets = list(_inline_texts(state.tokens))
    for children, index in reversed(targets):
        text = children[index].content
        pieces: list[Token] = []
        last = 0
        for match in MENTION_RE.finditer(text):
            handle = _handle(match)
            url = mention_urls.get(handle)
            if not url:
                continue
            start = match.start()
            end = match.end()
            if start > last:
                pieces.append(_text_token(text[last:start]))
            link = Token("link_open", "a", 1)
            link.attrs = {"class": "mention", "href": url}
            pieces += [link, _text_token(text[start:end]), Token("link_close", "a", -1)]
            last = end
        if pieces:
            if last < len(text):
                pieces.append(_text_token(text[last:]))
            children[index : index + 1] = pieces


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_md = MarkdownIt(
    "commonmark",
    {"html": False, "linkify": False, "typographer": False, "highlight": _highlight},
).enable("table")
_md.core.ruler.push("mentions", _mention_rule)


def render_markdown(text: str | None, mention_urls: Mapping[str, str] | None = None) -> str:
    """Markdown to safe HTML: no scripts, no event handlers, no `javascript:` links.

    `mention_urls` maps lowercase handles to profile URLs; only those handles become links.
    """
    env = {"mention_urls": dict(mention_urls or {})}
    html = _md.render(text or "", env)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_drop_scripty_urls,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        # Tables keep their column alignment; no other inline style survives.
        filter_style_properties={"text-align"},
    )


def extract_mentions(text: str | None) -> set[str]:
    """Lowercase handles mentioned in `text`, ignoring code spans, code blocks and link text."""
    handles: set[str] = set()
    for children, index in _inline_texts(_md.parse(text or "", {})):
        handles.update(_handle(m) for m in MENTION_RE.finditer(children[index].content))
    handles.discard("")
    return handles

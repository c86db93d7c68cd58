"""Readable word-level differences between two texts, for any versioned Markdown.

Markdown is compared as the text a reader sees: rendered (and sanitised) by the same
renderer as the page, then turned back into plain text, with list items as bullets and
paragraphs apart, so a change of emphasis alone is no change. Nothing typed can become
markup: every token is escaped. Changes are marked with <del>/<ins> *and* a visually hidden
"removed:"/"added:" label, so the meaning never rests on colour alone.
"""

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.markdown import render_markdown

# Words, runs of whitespace, and single punctuation marks: whitespace is kept as tokens
# so that the rebuilt text keeps its line breaks.
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text or "")


def mark_change(tag: str, label: str, tokens: list[str]) -> str:
    return f'<{tag}><span class="visually-hidden">[{label}: </span>{escape("".join(tokens))}<span class="visually-hidden">]</span></{tag}>'


@dataclass(frozen=True)
class WordDiff:
    """One section compared: the old text with removals marked, the new with additions marked,
    and both marks inline in a single `combined` text."""

    old: SafeString
    new: SafeString
    combined: SafeString
    changed: bool


def word_diff(old: str, new: str) -> WordDiff:
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    left, right, both = [], [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = escape("".join(a[i1:i2]))
            left.append(same)
            right.append(same)
            both.append(same)
            continue
        if i2 > i1:
            removed = mark_change("del", "removed", a[i1:i2])
            left.append(removed)
            both.append(removed)
        if j2 > j1:
            added = mark_change("ins", "added", b[j1:j2])
            right.append(added)
            both.append(added)
    changed = a != b
    return WordDiff(
        old=mark_safe("".join(left)),  # noqa: S308 - every token above is escaped
        new=mark_safe("".join(right)),  # noqa: S308
        combined=mark_safe("".join(both)),  # noqa: S308
        changed=changed,
    )


BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "hr"}
LISTS = {"ul", "ol"}


class _ReadableText(HTMLParser):
    """Sanitised HTML back to plain text: one line per paragraph, heading or list item."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []  # (is a list item, text)
        self.lists: list[list] = []  # per open list: [ordered?, next number]
        self.buffer: list[str] = []
        self.prefix = ""
        self.in_pre = 0
        self.cells = 0

    def _flush(self) -> None:
        text = "".join(self.buffer)
        text = text.strip("\n") if self.in_pre else re.sub(r"\s+", " ", text).strip()
        if text:
            self.blocks.append((bool(self.prefix), self.prefix + text))
            self.prefix = ""
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag in LISTS:
            self._flush()
            start = dict(attrs).get("start") if tag == "ol" else None
            self.lists.append([tag == "ol", int(start) if start and start.isdigit() else 1])
        elif tag in BLOCKS:
            self._flush()
            if tag == "li" and self.lists:
                kind = self.lists[-1]
                marker = f"{kind[1]}." if kind[0] else "•"
                kind[1] += 1
                self.prefix = "  " * (len(self.lists) - 1) + marker + " "
            elif tag == "hr":
                self.blocks.append((False, "―"))
            elif tag == "pre":
                self.in_pre += 1
            elif tag == "tr":
                self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.buffer.append(" | ")
            self.cells += 1
        elif tag == "br":
            self.buffer.append("\n")
        elif tag == "img":
            self.buffer.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag in LISTS:
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCKS:
            self._flush()
            if tag == "pre":
                self.in_pre = max(0, self.in_pre - 1)

    def handle_data(self, data):
        self.buffer.append(data)

    def text(self) -> str:
        self._flush()
        out = ""
        previous_item = None
        for is_item, text in self.blocks:
            if out:
                out += "\n" if is_item and previous_item else "\n\n"
            out += text
            previous_item = is_item
        return out


def readable_text(markdown: str | None) -> str:
    """The Markdown as its readers see it on the charter page, as plain text."""
    parser = _ReadableText()
    parser.feed(render_markdown(markdown or ""))
    parser.close()
    return parser.text()

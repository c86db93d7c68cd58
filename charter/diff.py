"""Readable word-level differences between two states of the charter, section by section.

Markdown sections are compared as the text a reader sees: rendered (and sanitised) by the
same renderer as the charter page, then turned back into plain text, with list items as
bullets and paragraphs apart, so a sponsor reads "Python clinic", not "**Python clinic**",
and a change of emphasis alone is no change. Objectives are compared one by one, matched by
identity (the same objective, renamed or moved, is one change, never words paired across two
different objectives). Nothing typed can become markup: every token is escaped. Changes are
marked with <del>/<ins> *and* a visually hidden "removed:"/"added:" label, so the meaning
never rests on colour alone.
"""

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cop_platform.markdown import render_markdown

# Words, runs of whitespace, and single punctuation marks: whitespace is kept as tokens
# so that the rebuilt text keeps its line breaks.
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")

SECTIONS = (
    ("purpose", "Purpose"),
    ("vision", "Vision"),
    ("objectives", "Objectives"),
    ("strategy", "Strategy"),
    ("pitch", "Value proposition"),
    ("revisit_by", "Revisit by"),
)


def _tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text or "")


def _mark(tag: str, label: str, tokens: list[str]) -> str:
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
    a, b = _tokens(old), _tokens(new)
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
            removed = _mark("del", "removed", a[i1:i2])
            left.append(removed)
            both.append(removed)
        if j2 > j1:
            added = _mark("ins", "added", b[j1:j2])
            right.append(added)
            both.append(added)
    changed = a != b
    return WordDiff(
        old=mark_safe("".join(left)),  # noqa: S308 - every token above is escaped
        new=mark_safe("".join(right)),  # noqa: S308
        combined=mark_safe("".join(both)),  # noqa: S308
        changed=changed,
    )


def objectives_text(objectives: list[dict]) -> str:
    """The objectives as numbered lines, the way people read them in a diff."""
    lines = []
    for n, objective in enumerate(objectives or [], start=1):
        line = f"{n}. {objective.get('title', '')}"
        if objective.get("indicator"):
            line += f" (indicator: {objective['indicator']})"
        if objective.get("target_date"):
            line += f" (target: {objective['target_date']})"
        lines.append(line)
    return "\n".join(lines)


MARKDOWN_SECTIONS = {"purpose", "vision", "strategy", "pitch"}
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


def _readable_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def section_text(snapshot: dict | None, key: str) -> str:
    if not snapshot:
        return ""
    value = snapshot.get(key)
    if key == "objectives":
        return objectives_text(value or [])
    if value is None:
        return ""
    if key in MARKDOWN_SECTIONS:
        return readable_text(str(value))
    if key == "revisit_by":
        return _readable_date(str(value))
    return str(value)


def _objective_words(objective: dict) -> str:
    line = objective.get("title", "")
    if objective.get("indicator"):
        line += f" (indicator: {objective['indicator']})"
    if objective.get("target_date"):
        line += f" (target: {_readable_date(objective['target_date'])})"
    return line


def _objective_pairs(old: list[dict], new: list[dict]) -> list[tuple[int | None, int | None]]:
    """(old index, new index) of each objective in either list, in the order of the new one.

    The same objective is recognised by its id; objectives without one (none are, today, but
    a snapshot from before ids were kept would be) pair up by position among themselves.
    """
    new_by_id = {o["id"]: j for j, o in enumerate(new) if o.get("id") is not None}
    match: dict[int, int] = {}
    for i, o in enumerate(old):
        if o.get("id") is not None and o["id"] in new_by_id:
            match[new_by_id[o["id"]]] = i
    old_anon = [i for i, o in enumerate(old) if o.get("id") is None]
    new_anon = [j for j, o in enumerate(new) if o.get("id") is None]
    match.update(zip(new_anon, old_anon, strict=False))
    matched_old = set(match.values())
    removed = [i for i in range(len(old)) if i not in matched_old]
    pairs: list[tuple[int | None, int | None]] = []
    for j in range(len(new)):
        i = match.get(j)
        # A removed objective shows where it stood: before the first one that came after it.
        while removed and i is not None and removed[0] < i:
            pairs.append((removed.pop(0), None))
        pairs.append((i, j))
    pairs += [(i, None) for i in removed]
    return pairs


def _longest_increasing(values: list[int]) -> set[int]:
    best: list[list[int]] = []
    for n, value in enumerate(values):
        longest = max((best[m] for m in range(n) if values[m] < value), key=len, default=[])
        best.append([*longest, value])
    return set(max(best, key=len, default=[]))


def objectives_diff(old: list[dict], new: list[dict]) -> WordDiff:
    """The objectives compared one by one: each line is one objective, numbered as it stands."""
    left, right, both = [], [], []
    changed = False
    pairs = _objective_pairs(old or [], new or [])
    # Removing one objective renumbers the rest: that is no change to them. An objective has
    # moved only if it is outside the longest run that kept its order (moving one objective to
    # the top moves that one, not the others).
    kept = [i for i, j in pairs if i is not None and j is not None]
    moved = set(kept) - _longest_increasing(kept)
    for i, j in pairs:
        if j is None:
            line = _mark("del", "removed", [f"{i + 1}. {_objective_words(old[i])}"])
            left.append(line)
            both.append(line)
            changed = True
            continue
        if i is None:
            line = _mark("ins", "added", [f"{j + 1}. {_objective_words(new[j])}"])
            right.append(line)
            both.append(line)
            changed = True
            continue
        words = word_diff(_objective_words(old[i]), _objective_words(new[j]))
        note = (" " + _mark("ins", "added", [f"(moved from {i + 1})"])) if i in moved else ""
        left.append(f"{i + 1}. {words.old}")
        right.append(f"{j + 1}. {words.new}{note}")
        both.append(f"{j + 1}. {words.combined}{note}")
        changed = changed or words.changed or i in moved
    return WordDiff(
        old=mark_safe("\n".join(left)),  # noqa: S308 - built from escaped parts only
        new=mark_safe("\n".join(right)),  # noqa: S308
        combined=mark_safe("\n".join(both)),  # noqa: S308
        changed=changed,
    )


@dataclass(frozen=True)
class SectionDiff:
    key: str
    label: str
    diff: WordDiff

    @property
    def changed(self) -> bool:
        return self.diff.changed


def _section_diff(old: dict | None, new: dict | None, key: str) -> WordDiff:
    if key == "objectives":
        return objectives_diff(
            list((old or {}).get("objectives") or []), list((new or {}).get("objectives") or [])
        )
    return word_diff(section_text(old, key), section_text(new, key))


def section_diffs(old: dict | None, new: dict | None) -> list[SectionDiff]:
    """Every section of two snapshots (see `charter.services.drafts.snapshot`), compared."""
    return [
        SectionDiff(key=key, label=label, diff=_section_diff(old, new, key))
        for key, label in SECTIONS
    ]

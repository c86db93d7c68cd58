"""Readable word-level differences between two states of the charter, section by section.

Sections are compared as the Markdown their authors typed, not as rendered HTML:
a sponsor sees exactly which words changed, and nothing typed can become markup
(every token is escaped). Changes are marked with <del>/<ins> *and* a visually
hidden "removed:"/"added:" label, so the meaning never rests on colour alone.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


def section_text(snapshot: dict | None, key: str) -> str:
    if not snapshot:
        return ""
    value = snapshot.get(key)
    if key == "objectives":
        return objectives_text(value or [])
    if value is None:
        return ""
    return str(value)


@dataclass(frozen=True)
class SectionDiff:
    key: str
    label: str
    diff: WordDiff

    @property
    def changed(self) -> bool:
        return self.diff.changed


def section_diffs(old: dict | None, new: dict | None) -> list[SectionDiff]:
    """Every section of two snapshots (see `charter.services.drafts.snapshot`), compared."""
    return [
        SectionDiff(
            key=key, label=label, diff=word_diff(section_text(old, key), section_text(new, key))
        )
        for key, label in SECTIONS
    ]

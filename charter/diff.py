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
from dataclasses import dataclass

from django.utils.safestring import mark_safe

from core.diff import WordDiff, mark_change, readable_text, word_diff

SECTIONS = (
    ("purpose", "Purpose"),
    ("vision", "Vision"),
    ("objectives", "Objectives"),
    ("strategy", "Strategy"),
    ("pitch", "Value proposition"),
    ("revisit_by", "Revisit by"),
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
            line = mark_change("del", "removed", [f"{i + 1}. {_objective_words(old[i])}"])
            left.append(line)
            both.append(line)
            changed = True
            continue
        if i is None:
            line = mark_change("ins", "added", [f"{j + 1}. {_objective_words(new[j])}"])
            right.append(line)
            both.append(line)
            changed = True
            continue
        words = word_diff(_objective_words(old[i]), _objective_words(new[j]))
        note = (" " + mark_change("ins", "added", [f"(moved from {i + 1})"])) if i in moved else ""
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

"""The word-level diff a sponsor reads."""

from charter.diff import (
    objectives_diff,
    objectives_text,
    readable_text,
    section_diffs,
    word_diff,
)


def test_unchanged_text_has_no_marks():
    diff = word_diff("Help each other.", "Help each other.")

    assert not diff.changed
    assert "<ins>" not in diff.combined and "<del>" not in diff.combined
    assert diff.new == "Help each other."


def test_a_changed_word_is_marked_removed_on_the_left_and_added_on_the_right():
    diff = word_diff("We meet monthly in Leeds.", "We meet weekly in Leeds.")

    assert diff.changed
    assert "<del>" in diff.old and "monthly" in diff.old and "<ins>" not in diff.old
    assert "<ins>" in diff.new and "weekly" in diff.new and "<del>" not in diff.new
    assert diff.new.startswith("We meet ")


def test_changes_carry_text_labels_for_screen_readers():
    diff = word_diff("old", "new")

    assert '<span class="visually-hidden">[removed: </span>old' in diff.combined
    assert '<span class="visually-hidden">[added: </span>new' in diff.combined


def test_typed_markup_is_escaped_never_rendered():
    diff = word_diff("", "<script>alert(1)</script>")

    assert "<script>" not in diff.new
    assert "&lt;script&gt;" in diff.new


def test_line_breaks_are_kept():
    diff = word_diff("One\nTwo", "One\nTwo\nThree")

    assert diff.new.startswith("One\nTwo")
    assert "\nThree" in diff.new


def test_objectives_read_as_numbered_lines():
    text = objectives_text(
        [
            {
                "title": "Halve failed deploys",
                "indicator": "Change failure rate",
                "target_date": "2026-12-01",
            },
            {"title": "Mentor newcomers", "indicator": "", "target_date": None},
        ]
    )

    assert text == (
        "1. Halve failed deploys (indicator: Change failure rate) (target: 2026-12-01)\n2. Mentor newcomers"
    )


def test_every_section_is_compared_and_a_missing_side_counts_as_empty():
    diffs = section_diffs(
        None, {"purpose": "Why", "vision": "", "objectives": [], "strategy": "", "pitch": ""}
    )

    assert [d.key for d in diffs] == [
        "purpose",
        "vision",
        "objectives",
        "strategy",
        "pitch",
        "revisit_by",
    ]
    assert [d.key for d in diffs if d.changed] == ["purpose"]


# Readable text, not Markdown ------------------------------------------------


def test_markdown_sections_are_compared_as_the_text_readers_see():
    diffs = section_diffs(
        {"purpose": "We run a **Python clinic**.\n\n- Testing\n- Packaging"},
        {"purpose": "We run a **Python clinic**.\n\n- Testing\n- Packaging\n- Typing"},
    )

    purpose = diffs[0].diff
    assert "**" not in purpose.new and "- Testing" not in purpose.new
    assert purpose.new.startswith("We run a Python clinic.\n\n• Testing\n• Packaging")
    assert "<ins>" in purpose.new and "Typing" in purpose.new


def test_a_change_of_emphasis_alone_is_no_change_to_the_words():
    (purpose, *_) = section_diffs(
        {"purpose": "Help *each* other."}, {"purpose": "Help **each** other."}
    )

    assert not purpose.changed


def test_rendered_text_keeps_numbered_lists_headings_and_code():
    text = readable_text("## How we work\n\n1. Ask\n2. Answer\n\n```\npip install x\n```")

    assert text == "How we work\n\n1. Ask\n2. Answer\n\npip install x"


def test_markup_typed_into_a_section_stays_text_in_the_diff():
    (purpose, *_) = section_diffs(
        {"purpose": ""}, {"purpose": "<img src=x onerror=alert(1)> [link](javascript:alert(1))"}
    )

    assert "<img" not in purpose.diff.new and "<a " not in purpose.diff.new
    assert "&lt;img" in purpose.diff.new


def test_the_revisit_date_reads_as_a_date():
    revisit = {d.key: d for d in section_diffs({"revisit_by": "2027-05-02"}, {"revisit_by": None})}[
        "revisit_by"
    ]

    assert "2 May 2027" in revisit.diff.old


# Objectives one by one ------------------------------------------------------


def _objective(pk, title, indicator="", target_date=None):
    return {"id": pk, "title": title, "indicator": indicator, "target_date": target_date}


def test_removing_one_objective_never_pairs_words_across_two_others():
    old = [
        _objective(1, "Same-day help for Python questions"),
        _objective(2, "One shared template"),
    ]
    new = [_objective(2, "One shared template")]

    diff = objectives_diff(old, new)

    assert diff.changed
    assert diff.new == "1. One shared template"  # the kept objective is untouched, only renumbered
    assert "<del>" in diff.old and "Same-day help for Python questions" in diff.old
    assert diff.old.endswith("2. One shared template")


def test_a_renamed_objective_is_one_objective_changed_in_place():
    diff = objectives_diff(
        [_objective(1, "Halve failed deploys", "Change failure rate", "2026-12-01")],
        [_objective(1, "Halve failed releases", "Change failure rate", "2026-12-01")],
    )

    assert diff.new.startswith("1. Halve failed ")
    assert "<ins>" in diff.new and "releases" in diff.new
    assert "(target: 1 December 2026)" in diff.new


def test_a_lost_target_date_shows_on_its_own_objective():
    diff = objectives_diff(
        [_objective(1, "Template", target_date="2027-05-02"), _objective(2, "Clinic")],
        [_objective(1, "Template"), _objective(2, "Clinic")],
    )

    first, second = diff.combined.split("\n")
    assert "<del>" in first and "2 May 2027" in first
    assert second == "2. Clinic"


def test_added_and_moved_objectives_say_so():
    diff = objectives_diff(
        [_objective(1, "A"), _objective(2, "B"), _objective(3, "C")],
        [_objective(3, "C"), _objective(1, "A"), _objective(2, "B"), _objective(None, "D")],
    )

    lines = diff.new.split("\n")
    assert lines[0].startswith("1. C ") and "moved from 3" in lines[0]
    assert lines[1:3] == ["2. A", "3. B"]
    assert "<ins>" in lines[3] and "4. D" in lines[3]


def test_the_same_objectives_in_the_same_order_are_unchanged():
    same = [_objective(1, "A", "x"), _objective(2, "B")]

    assert not objectives_diff(same, [dict(o) for o in same]).changed

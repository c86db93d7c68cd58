"""The word-level diff a sponsor reads."""

from charter.diff import objectives_text, section_diffs, word_diff


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

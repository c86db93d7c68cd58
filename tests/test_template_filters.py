from datetime import timedelta

import time_machine
from django.utils import timezone

from core.templatetags.practica import ago, first_paragraph


def test_ago_says_just_now_for_the_first_minute():
    with time_machine.travel("2026-11-24 12:00:00Z", tick=False):
        assert ago(timezone.now() - timedelta(seconds=20)) == "just now"


def test_ago_says_how_long_ago_after_that():
    with time_machine.travel("2026-11-24 12:00:00Z", tick=False):
        assert ago(timezone.now() - timedelta(hours=3)) == "3\xa0hours ago"


def test_ago_of_nothing_is_empty():
    assert ago(None) == ""


def test_first_paragraph_stops_at_the_first_blank_line():
    assert first_paragraph("Why we exist.\nStill why.\n\nSecond thought.") == "Why we exist.\nStill why."
    assert first_paragraph(None) == ""

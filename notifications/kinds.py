"""The kinds of notification: each app declares its own in `<app>/kinds.py` and registers them here.

    @notification_kinds.register
    class Kind(models.TextChoices):
        MEETING_SCHEDULED = "meeting_scheduled", "Meeting scheduled"

Apps import their `kinds` module from `AppConfig.ready()`, so every kind is known
before a notification is validated or displayed.
"""

from core.choices import ChoicesRegistry

notification_kinds = ChoicesRegistry("notification kind")


def kind_choices() -> list[tuple[str, str]]:
    return notification_kinds.choices()

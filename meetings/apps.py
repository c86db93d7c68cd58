from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and reminders"

    def ready(self) -> None:
        from . import kinds  # noqa: F401  (registers the kinds and audit actions)

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and reminders"

    def ready(self) -> None:
        from . import digest

        digest.register_sections()

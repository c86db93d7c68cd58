from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and reminders"

    def ready(self) -> None:
        from . import cards, digest, receivers

        cards.register_community_page()
        digest.register_sections()
        receivers.connect()

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and reminders"

    def ready(self) -> None:
        from . import cards, digest, kinds, receivers  # noqa: F401  (registers the kinds and audit actions)

        cards.register_community_page()
        digest.register_sections()
        receivers.connect()

from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities and membership"

    def ready(self) -> None:
        from . import cards, digest

        cards.connect()
        digest.register_sections()

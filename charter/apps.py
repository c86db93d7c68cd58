from django.apps import AppConfig


class CharterConfig(AppConfig):
    name = "charter"
    verbose_name = "Community charters"

    def ready(self) -> None:
        from . import cards, digest

        cards.register_community_page()
        digest.register_sections()

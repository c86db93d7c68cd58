from django.apps import AppConfig


class CharterConfig(AppConfig):
    name = "charter"
    verbose_name = "Community charters"

    def ready(self) -> None:
        from . import cards, digest, kinds  # noqa: F401  (registers the kinds and audit actions)

        cards.register_community_page()
        digest.register_sections()

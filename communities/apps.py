from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities and membership"

    def ready(self) -> None:
        from . import cards, digest, kinds, nav  # noqa: F401  (registers the kinds and audit actions)

        cards.connect()
        nav.register_own_tabs()
        digest.register_sections()

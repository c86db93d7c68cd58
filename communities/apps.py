from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities and membership"

    def ready(self) -> None:
        from . import cards, digest, nav

        cards.connect()
        nav.register_own_tabs()
        digest.register_sections()

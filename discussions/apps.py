from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Help requests and discussions"

    def ready(self) -> None:
        from . import cards, digest

        cards.register_community_page()
        digest.register_sections()

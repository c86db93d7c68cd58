from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Help requests and discussions"

    def ready(self) -> None:
        from . import cards, digest, kinds  # noqa: F401  (registers the kinds and audit actions)

        cards.register_community_page()
        digest.register_sections()

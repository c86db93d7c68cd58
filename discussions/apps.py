from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Help requests and discussions"

    def ready(self) -> None:
        from . import kinds  # noqa: F401  (registers the kinds and audit actions)

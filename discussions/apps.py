from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Help requests and discussions"

    def ready(self) -> None:
        from . import digest

        digest.register_sections()

from django.apps import AppConfig


class CharterConfig(AppConfig):
    name = "charter"
    verbose_name = "Community charters"

    def ready(self) -> None:
        from . import digest

        digest.register_sections()

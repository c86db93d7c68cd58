from django.apps import AppConfig


class CopPlatformConfig(AppConfig):
    name = "cop_platform"
    verbose_name = "Practica"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the database checks

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The helper library every app may use: Markdown, diffs, form widgets, safe redirects,
    template tags. It imports no app of ours."""

    name = "core"
    verbose_name = "Practica core"

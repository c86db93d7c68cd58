"""A registry of choices that the apps above fill in, so a lower model needs no edit per feature.

A model field takes `choices=registry.choices` (Django accepts a callable), so its
migration names the callable rather than a list, and a feature adding its own
values needs no migration in the app that owns the field.
"""

from django.db import models


class ChoicesRegistry:
    def __init__(self, what: str) -> None:
        self.what = what
        self._labels: dict[str, str] = {}

    def register(self, choices: type[models.TextChoices]) -> type[models.TextChoices]:
        """Add every member of `choices`; usable as a class decorator.

        Registering the same value again with the same label is harmless (a module
        imported twice); the same value with another label is two apps claiming it.
        """
        for value, label in choices.choices:
            known = self._labels.get(value)
            if known is not None and known != str(label):
                raise ValueError(
                    f"The {self.what} {value!r} is already registered as {known!r}, not {label!r}."
                )
        for value, label in choices.choices:
            self._labels[value] = str(label)
        return choices

    def choices(self) -> list[tuple[str, str]]:
        return list(self._labels.items())

    def label(self, value: str) -> str:
        return self._labels.get(value, value)

    def __contains__(self, value: str) -> bool:
        return value in self._labels

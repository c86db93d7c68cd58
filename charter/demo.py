"""Demo data for this part, called by `seed_demo` after the communities exist (being built)."""


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""

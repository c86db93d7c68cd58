"""Development settings: the default, safe with no environment at all."""

from .base import *  # noqa: F403

"""Writes to help requests, one module per part: posting, moderation."""

"""Writes to the charter, one module per part: drafts and review, vision rounds, value stories."""

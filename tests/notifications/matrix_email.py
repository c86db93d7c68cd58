"""Permission matrix rows for email preferences, unsubscribe and the dev mail viewer."""

ROWS: dict = {}
POST_ONLY: set = set()

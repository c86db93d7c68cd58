"""Permission matrix rows for health pages; merged into tests/test_permission_matrix.py."""

ROWS: dict = {}
POST_ONLY: set = set()

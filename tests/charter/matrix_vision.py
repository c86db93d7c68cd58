"""Permission matrix rows for this part's URLs; merged into tests/test_permission_matrix.py.

Same conventions as the rows there: import the outcome constants from
tests.matrix_common; build objects lazily with `w.memo("name", lambda: ...)`.
"""

ROWS: dict = {}
POST_ONLY: set = set()

"""Permission matrix rows for this part's URLs; merged into tests/test_permission_matrix.py.

Same conventions as the rows there: import the outcome constants from
tests.matrix_common; build objects lazily with `w.memo("name", lambda: ...)`.

Search and the overall help-wanted page are for everyone signed in (they list only
what each person may read); the community pages follow `Access.can_read`: the
outsider reads a public community, is refused a listed one and is not told a
private one exists.
"""

from tests.matrix_common import LISTED, LOGIN, OK, PRIVATE, PUBLIC, SIGNED_IN, Row, slug

READERS = {
    PUBLIC: SIGNED_IN,
    LISTED: (LOGIN, 403, OK, OK, OK, OK, OK),
    PRIVATE: (LOGIN, 404, OK, OK, OK, OK, OK),
}

ROWS: dict = {
    "discussions:search": Row(get=SIGNED_IN),
    "discussions:help_wanted": Row(get=SIGNED_IN),
    "discussions:similar": Row(get=READERS, kwargs=slug),
    "discussions:community_help_wanted": Row(get=READERS, kwargs=slug),
}
POST_ONLY: set = set()

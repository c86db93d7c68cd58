"""Permission matrix rows for health pages; merged into tests/test_permission_matrix.py.

The health page and its CSV are for moderators, sponsors and site admins; members
see them only once the moderators open them (tests/health/test_views.py covers
that switch). Only moderators and site admins make that switch. The sponsor
overview opens for everyone signed in: it lists only what they sponsor.
"""

from tests import matrix_common as mc

# Anonymous, outsider, member, core, moderator, sponsor, site admin.
HEALTH_READERS = mc.hidden_when_private(mc.LOGIN, 403, 403, 403, mc.OK, mc.OK, mc.OK)

ROWS: dict = {
    "health:community": mc.Row(get=HEALTH_READERS, kwargs=mc.slug),
    "health:community_csv": mc.Row(get=HEALTH_READERS, kwargs=mc.slug),
    "health:visibility": mc.Row(
        post=mc.MODERATOR_ACTION, kwargs=mc.slug, data=lambda w: {"visible": "1"}
    ),
    "health:overview": mc.Row(get=mc.SIGNED_IN),
}
POST_ONLY: set = {"health:visibility"}

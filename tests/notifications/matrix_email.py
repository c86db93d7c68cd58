"""Permission matrix rows for email preferences, unsubscribe and the dev mail viewer.

None of these pages belongs to a community, so each row has one outcome per persona.
"""

from notifications.compose import EmailKind, unsubscribe_token
from tests.matrix_common import EVERYONE, LOGIN, SIGNED_IN, SIGNED_IN_WRITE, Row, World

# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.

# The test settings send email to memory (locmem), so the viewer does not exist for anyone,
# the site admin included; tests/notifications/test_dev_mail.py turns the file backend on.
DEV_MAIL_DISABLED = (LOGIN, 404, 404, 404, 404, 404, 404)


def token(w: World) -> dict:
    """The link from an email to the persona (to the steward, for an anonymous visitor)."""
    return {"token": unsubscribe_token(w.user or w.steward, EmailKind.DIGEST)}


ROWS: dict = {
    "notifications:email_preferences": Row(
        get=SIGNED_IN,
        post=SIGNED_IN_WRITE,
        data=lambda w: {
            "digest_frequency": "daily",
            "digest_hour": "7",
            "meeting_reminders": "on",
        },
    ),
    # The signed link is the capability: whoever holds it is asked (GET) or unsubscribes (POST).
    "notifications:unsubscribe": Row(
        get=EVERYONE,
        post=EVERYONE,
        kwargs=token,
        data=lambda w: {"List-Unsubscribe": "One-Click"},
    ),
    "notifications:resubscribe": Row(post=SIGNED_IN_WRITE, data=lambda w: {"kind": "digest"}),
    "notifications:dev_mail": Row(get=DEV_MAIL_DISABLED),
    "notifications:dev_mail_message": Row(
        get=DEV_MAIL_DISABLED, kwargs=lambda w: {"name": "20260101-000000-1.log"}
    ),
}
POST_ONLY: set = {"notifications:resubscribe"}

"""Each app declares its own notification kinds and audit actions; the models accept whatever is registered."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models

from communities.audit import audit_actions
from communities.models import AuditEvent
from notifications.kinds import notification_kinds
from notifications.models import Notification
from tests.factories import CommunityFactory, UserFactory


@pytest.fixture
def scratch_registries(monkeypatch):
    """Kinds registered in a test vanish after it, so no other test sees them."""
    monkeypatch.setattr(notification_kinds, "_labels", dict(notification_kinds._labels))
    monkeypatch.setattr(audit_actions, "_labels", dict(audit_actions._labels))


def _register_made_up_kind():
    @notification_kinds.register
    class MadeUpKind(models.TextChoices):
        KUDOS_GIVEN = "kudos_given", "Kudos given"

    return MadeUpKind


def test_a_kind_registered_at_runtime_is_valid_and_displayed(db, scratch_registries):
    made_up = _register_made_up_kind()
    notification = Notification(
        recipient=UserFactory(), kind=made_up.KUDOS_GIVEN, message="Well done."
    )

    notification.full_clean()

    assert notification.get_kind_display() == "Kudos given"
    assert notification_kinds.label("kudos_given") == "Kudos given"


def test_an_unregistered_kind_is_refused(db):
    notification = Notification(recipient=UserFactory(), kind="kudos_given", message="Well done.")

    with pytest.raises(ValidationError) as error:
        notification.full_clean()

    assert "kind" in error.value.message_dict


def test_an_audit_action_registered_at_runtime_is_valid_and_displayed(db, scratch_registries):
    @audit_actions.register
    class MadeUpAction(models.TextChoices):
        KUDOS_GIVEN = "kudos_given", "gave kudos"

    event = AuditEvent(
        community=CommunityFactory(), actor=UserFactory(), action=MadeUpAction.KUDOS_GIVEN
    )

    event.full_clean()

    assert event.get_action_display() == "gave kudos"


def test_a_value_registered_again_with_another_label_is_refused(scratch_registries):
    with pytest.raises(ValueError, match="reply_posted"):

        @notification_kinds.register
        class Clash(models.TextChoices):
            REPLY_POSTED = "reply_posted", "Somebody answered"


def test_a_value_registered_again_with_the_same_label_is_accepted(scratch_registries):
    @notification_kinds.register
    class Same(models.TextChoices):
        REPLY_POSTED = "reply_posted", "New reply"

    assert notification_kinds.choices().count(("reply_posted", "New reply")) == 1


def test_every_app_registers_its_kinds_and_actions_at_startup():
    assert notification_kinds.label("join_request_received") == "Join request received"
    assert notification_kinds.label("charter_submitted") == "Charter submitted for review"
    assert notification_kinds.label("request_escalated") == "A request is still unanswered"
    assert notification_kinds.label("waitlist_promoted") == "A place at a meeting"
    assert audit_actions.label("unarchived") == "restored the community from the archive"
    assert audit_actions.label("round_closed") == "closed a vision round"
    assert audit_actions.label("flag_actioned") == "acted on a flag"
    assert audit_actions.label("meeting_ended") == "ended a meeting series"


def test_a_new_kind_needs_no_migration(db, scratch_registries):
    _register_made_up_kind()

    # Raises SystemExit if any app's models differ from its migrations.
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)

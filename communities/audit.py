"""The audit log: the registry of actions and the helper every service records events with.

Each app declares its actions in `<app>/kinds.py` as an `AuditAction` TextChoices
registered with `@audit_actions.register`, and imports that module from
`AppConfig.ready()`.
"""

from core.choices import ChoicesRegistry

audit_actions = ChoicesRegistry("audit action")


def action_choices() -> list[tuple[str, str]]:
    return audit_actions.choices()


def audit(*, community, actor, action: str, subject=None, **detail):
    # Imported here: communities.models imports this module for `action_choices`.
    from .models import AuditEvent

    return AuditEvent.objects.create(
        community=community, actor=actor, action=action, subject=subject, detail=detail
    )

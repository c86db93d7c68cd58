"""The actions the audit log records (`AuditEvent.action`).

Each app declares its actions in `<app>/kinds.py` as an `AuditAction` TextChoices
registered with `@audit_actions.register`, and imports that module from
`AppConfig.ready()`. Events are recorded with `communities.services.audit`.
"""

from core.choices import ChoicesRegistry

audit_actions = ChoicesRegistry("audit action")


def action_choices() -> list[tuple[str, str]]:
    return audit_actions.choices()


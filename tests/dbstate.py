"""The whole database as plain values, to show that a request changed nothing."""

from django.apps import apps


def database_state() -> dict:
    """Every row of every table but sessions (which hold the flash message), in a comparable form."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label == "sessions.Session":
            continue
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def changed_tables(before: dict, after: dict) -> dict:
    """Per table, the rows added or removed and the fields that changed, for a readable failure."""
    changes = {}
    for label in before:
        old = {row["id"] if "id" in row else repr(row): row for row in before[label]}
        new = {row["id"] if "id" in row else repr(row): row for row in after[label]}
        diff = {}
        for key in old.keys() | new.keys():
            if key not in new:
                diff[key] = "removed"
            elif key not in old:
                diff[key] = "added"
            else:
                fields = {
                    f: (old[key][f], new[key][f]) for f in old[key] if old[key][f] != new[key][f]
                }
                if fields:
                    diff[key] = fields
        if diff:
            changes[label] = diff
    return changes

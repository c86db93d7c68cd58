"""Shapes shared by the routes."""

from ninja import Schema


class Person(Schema):
    id: int
    name: str
    handle: str | None


def person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name, "handle": user.handle or None}


class Done(Schema):
    ok: bool = True
    message: str = ""

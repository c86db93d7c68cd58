"""Builders shared by the charter draft and review tests: charters in each state, through the services."""

from charter.models import Charter
from charter.services import drafts as services
from tests.charter.factories import CharterFactory


def fresh_charter(community, **sections) -> Charter:
    """A draft with every section filled, never submitted."""
    return CharterFactory(community=community, **sections)


def edit(charter: Charter, by, **data) -> Charter:
    charter.refresh_from_db()
    return services.charter_draft_update(
        charter=charter, by=by, data=data, expected_revision=charter.draft_revision
    )


def in_review(community, *, by, **sections):
    """A charter whose version 1 waits for the sponsor; returns (charter, version)."""
    charter = fresh_charter(community, **sections)
    version = services.charter_submit(charter=charter, by=by, note="First go")
    charter.refresh_from_db()
    return charter, version


def approved(community, *, editor, sponsor, **sections):
    charter, version = in_review(community, by=editor, **sections)
    services.charter_approve(version=version, by=sponsor, comment="Good to go")
    charter.refresh_from_db()
    version.refresh_from_db()
    return charter, version


def changes_requested(community, *, editor, sponsor, **sections):
    charter, version = in_review(community, by=editor, **sections)
    services.charter_request_changes(version=version, by=sponsor, comment="Sharpen the objectives")
    charter.refresh_from_db()
    version.refresh_from_db()
    return charter, version

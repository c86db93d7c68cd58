"""Building a batch of digests from the sections the features register, and its email.

The sections come from `notifications.digest_sections` (each feature registers its own
from its `AppConfig.ready()`); this module reads who hears about which community, asks each
section to prepare once for the whole batch, then builds every person's digest with no
further queries.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import DigestFrequency, zone_or_utc
from communities import digest as communities_digest
from discussions import digest as discussions_digest
from notifications.compose import EmailKind, absolute, compose
from notifications.digest_sections import Audience, DigestRun, Reader, Section, sections
from notifications.models import DigestDelivery


@dataclass
class HealthLine:
    community: str
    url: str
    joined: int
    asked: int
    answered: int

    @property
    def is_quiet(self) -> bool:
        return not (self.joined or self.asked or self.answered)


@dataclass
class Digest:
    delivery: DigestDelivery
    sections: list[Section]
    health: list[HealthLine]

    @property
    def user(self):
        return self.delivery.user

    @property
    def item_count(self) -> int:
        return sum(s.total for s in self.sections) + sum(1 for h in self.health if not h.is_quiet)

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    def total(self, key: str) -> int:
        return next((s.total for s in self.sections if s.key == key), 0)

    @property
    def subject(self) -> str:
        weekly = self.delivery.frequency == DigestFrequency.WEEKLY
        parts = []
        for key, one, many in (
            ("new_requests", "new request", "new requests"),
            ("for_you", "matching your expertise", "matching your expertise"),
            ("accepted", "accepted answer", "accepted answers"),
            (
                "meetings",
                "meeting this week" if weekly else "upcoming meeting",
                "meetings this week" if weekly else "upcoming meetings",
            ),
        ):
            if n := self.total(key):
                parts.append(f"{n} {one if n == 1 else many}")
        to_moderate = self.total("join_requests") + self.total("flags") + self.total("unanswered")
        if to_moderate:
            parts.append(f"{to_moderate} to moderate")
        if n := self.total("charters"):
            parts.append(f"{n} charter{'s' if n != 1 else ''} to review")
        if not parts and any(not h.is_quiet for h in self.health):
            parts.append("how your communities did")
        return f"Your {self.delivery.frequency} digest: {', '.join(parts)}"


def _health(run: DigestRun, reader: Reader) -> list[HealthLine]:
    """How each community the person sponsors did in their window: joined, asked, answered."""
    communities = run.communities
    sponsored = sorted(reader.communities(Audience.SPONSORS), key=lambda c: communities[c].name)
    if not sponsored:
        return []
    joined = communities_digest.joined(run)
    requests = discussions_digest.requests(run)
    return [
        HealthLine(
            community=communities[cid].name,
            url=run.url("communities:detail", communities[cid].slug),
            joined=sum(1 for at in joined[cid] if reader.in_window(at)),
            asked=sum(1 for _, _, created in requests.asked[cid] if reader.in_window(created)),
            answered=sum(1 for first in requests.answered[cid] if reader.in_window(first)),
        )
        for cid in sponsored
    ]


def build_digests(
    deliveries: list[DigestDelivery], *, now: dt.datetime | None = None
) -> list[Digest]:
    """The digests of a batch of deliveries, with a fixed number of queries however many.

    Each covers its delivery's window (`covers_from` to `covers_to`); meetings,
    moderation queues and open requests are as they stand `now`.
    """
    if not deliveries:
        return []
    roles, communities = communities_digest.digest_memberships({d.user_id for d in deliveries})
    run = DigestRun(
        deliveries=deliveries, now=now or timezone.now(), roles=roles, communities=communities
    )
    registered = sections()
    prepared = [section.prepare(run) for section in registered]
    digests = []
    for reader in run.readers:
        built = [
            section.build(data, reader, run)
            for section, data in zip(registered, prepared, strict=True)
        ]
        digests.append(
            Digest(
                delivery=reader.delivery,
                sections=[s for s in built if s is not None],
                health=_health(run, reader),
            )
        )
    return digests


def render_email(digest: Digest):
    delivery = digest.delivery
    user = delivery.user
    zone = zone_or_utc(user.timezone)
    if delivery.frequency == DigestFrequency.WEEKLY:
        period = f"week of {delivery.period_start:%A} {delivery.period_start.day} {delivery.period_start:%B}"
        why = f"you chose a weekly digest of your communities on {settings.SITE_NAME}"
    else:
        period = (
            f"{delivery.period_start:%A} {delivery.period_start.day} {delivery.period_start:%B}"
        )
        why = f"you chose a daily digest of your communities on {settings.SITE_NAME}"
    return compose(
        user=user,
        subject=digest.subject,
        template="notifications/email/digest",
        context={
            "digest": digest,
            "sections": digest.sections,
            "health": digest.health,
            "period": period,
            "frequency": delivery.frequency,
            "covers_from": delivery.covers_from,
            "covers_to": delivery.covers_to,
            "zone_name": str(zone),
            "home_url": absolute("/"),
        },
        kind=EmailKind.DIGEST,
        message_id=delivery.message_id,
        why=why,
    )

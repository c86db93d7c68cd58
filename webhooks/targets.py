"""Which target URLs a webhook may post to: http(s), and no loopback or private addresses."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def check_target(url: str) -> None:
    """Refuse non-http(s) URLs and hosts resolving to loopback, private, link-local or reserved addresses.

    Checked when the webhook is saved and again before every send (DNS may change).
    `WEBHOOKS_ALLOW_PRIVATE_TARGETS` lifts the address rule (tests run a receiver on 127.0.0.1).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("The target must be an http:// or https:// URL.", code="scheme")
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValidationError("The target's host name does not resolve.", code="dns") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise ValidationError(
                "The target resolves to a loopback or private address, which webhooks may not reach.",
                code="private",
            )

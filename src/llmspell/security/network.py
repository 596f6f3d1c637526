"""Whether an outbound host may be contacted: private, loopback and link-local need permission."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_private_host(host: str) -> bool:
    """True for any address that is not globally routable: loopback, private, link-local,
    shared (100.64/10), multicast, reserved (by literal)."""
    name = host.strip("[]").lower().split("%")[0]
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_reserved
        or address.is_multicast
        or not address.is_global  # shared address space (100.64/10, cloud metadata), test nets
    )


def host_refusal(
    host: str,
    *,
    network_allowed: bool,
    allow_private: bool,
    allowed_hosts: Iterable[str] = (),
    blocked_hosts: Iterable[str] = (),
) -> str | None:
    """None when `host` may be contacted, else the reason and the key that changes it."""
    if not network_allowed:
        return "network access is off (`runtime.security.allow_network_access = false`)"
    name = host.strip("[]").lower()
    if name in {h.lower() for h in blocked_hosts}:
        return f"host {host!r} is in `tools.http_request.blocked_hosts`"
    if name in {h.lower() for h in allowed_hosts}:
        return None
    if is_private_host(name) and not allow_private:
        return (
            f"host {host!r} is a private or loopback address; add it to the tool's "
            "`allowed_hosts` or set `[tools.network] allow_private = true`"
        )
    return None

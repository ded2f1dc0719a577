"""Client IP resolution that cannot be spoofed by a header from an arbitrary client.

X-Forwarded-For is honoured only when the socket peer is one of TRUSTED_PROXIES (IPs or
CIDR ranges); then the right-most entry that is not itself a trusted proxy is the client.
Used by the HTTP routes and by Reflex event handlers (pass the websocket's peer address).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

from maxbooster.settings import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(raw: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in raw)


def _is_trusted(addr: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _forwarded_for(headers: Mapping[str, str]) -> list[str]:
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        values = list(getlist("x-forwarded-for"))
    else:
        values = [v for k, v in headers.items() if k.lower() == "x-forwarded-for"]
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def client_ip(peer: str, headers: Mapping[str, str], *, trusted_proxies: Iterable[str] | None = None) -> str:
    """The client's address: `peer` unless `peer` is a trusted proxy (then from X-Forwarded-For)."""
    proxies = tuple(trusted_proxies) if trusted_proxies is not None else tuple(get_settings().trusted_proxies)
    networks = _networks(proxies)
    peer = (peer or "").strip()
    if not networks or not _is_trusted(peer, networks):
        return peer
    for hop in reversed(_forwarded_for(headers)):
        if not _is_trusted(hop, networks):
            return hop if _valid_ip(hop) else peer
    return peer


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True

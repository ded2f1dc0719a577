"""Instance URLs a user types are checked before the server sends them anything.

A Mastodon instance is any host the user names, so a request to it is a request the user makes
our server send: hosts that resolve to private, loopback, link-local, reserved or multicast
addresses are refused (no reaching the database, metadata services or the LAN through us), and
only https is accepted. SOCIAL_ALLOW_PRIVATE_INSTANCES=true lifts both rules for tests that run a
protocol server on 127.0.0.1. The address is checked when an account is connected and again
before each client is built; a DNS answer that changes in between is a known limit of this check.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from maxbooster.services.errors import InvalidInput
from maxbooster.settings import get_settings


def normalise_instance_url(raw: str) -> str:
    """`https://host[:port]` from what the user typed ("mastodon.social", "https://x.y/@me" …)."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("Enter the address of your Mastodon server, e.g. mastodon.social.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise InvalidInput(f"{raw.strip()[:100]!r} is not a server address; enter e.g. mastodon.social.")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{raw.strip()[:100]!r} has an invalid port.") from exc
    if scheme == "http" and not get_settings().social_allow_private_instances:
        raise InvalidInput("The server must be reached over https.")
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port else "")


def check_public(url: str) -> None:
    """Refuse a URL whose host resolves to a non-public address (unless private instances are allowed)."""
    if get_settings().social_allow_private_instances:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"The server {host} could not be found.") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise InvalidInput(f"The server {host} points to a private or local address ({address}); "
                               "only servers on the public internet can be connected.")

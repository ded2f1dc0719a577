"""What the social states share: the browser's time zone script and the page URL's query."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from maxbooster.services.social import views
from maxbooster.state.base import AuthState

TZ_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone"
NETWORKS = [{"key": n.key, "label": n.label, "icon": n.icon, "note": n.note} for n in views.NETWORKS]


def _query(state: AuthState, name: str) -> str:
    return parse_qs(urlsplit(str(state.router.url)).query).get(name, [""])[0][:500]

"""The Reflex app: theme, pages, the FastAPI app under /api and the security middleware."""

from __future__ import annotations

import reflex as rx

from maxbooster.api.app import create_api
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.components import theme

app = rx.App(
    style=theme.STYLE,  # the Radix theme itself is configured in rxconfig.py
    stylesheets=["/theme.css"],
    api_transformer=[create_api(), SecurityMiddleware],
    enable_state=True,
)

# Importing the page modules registers their pages (each uses a page decorator); add them once.
from maxbooster.components.layout import PAGES  # noqa: E402
from maxbooster.pages import (  # noqa: E402,F401
    accounts,
    admin,
    billing,
    campaigns,
    home,
    jobs,
    landing,
    library,
    marketplace,
    not_found,
    releases,
    royalties,
    social,
    studio,
)

for _render, _options in PAGES:
    app.add_page(_render, **_options)  # type: ignore[arg-type]

"""The Reflex app: theme, pages, and the FastAPI app mounted under /api."""

from __future__ import annotations

import reflex as rx

from maxbooster.api.app import create_api
from maxbooster.components import theme

app = rx.App(
    theme=rx.theme(appearance="dark", accent_color="blue", gray_color="slate", radius="medium",
                   scaling="95%", has_background=True),
    style=theme.STYLE,
    api_transformer=create_api(),
    enable_state=True,
)

# Importing the page modules registers their routes (each uses a page decorator).
from maxbooster.pages import admin_users, auth, dashboard, jobs, landing, settings  # noqa: E402,F401

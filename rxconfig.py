"""Reflex configuration; values come from maxbooster.settings (the only env reader)."""

import reflex as rx

from maxbooster.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="maxbooster",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_settings.allowed_origins,
    redis_url=_settings.redis_url or None,
    state_manager_mode="redis" if _settings.redis_url else "memory",
    frontend_port=3000,
    backend_port=3000,
    # No sitemap (signed-in pages are private); Tailwind for utility classes.
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="dark", accent_color="blue", gray_color="slate",
                                                    radius="medium", scaling="95%", has_background=True)),
        rx.plugins.TailwindV4Plugin(),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)

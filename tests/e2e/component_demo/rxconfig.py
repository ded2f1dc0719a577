"""A small Reflex app that shows the wrapped components (thumbnail, track player, uploader) with
generated media, behind the real SecurityMiddleware. Built and driven by tests/e2e/test_components.py."""

import reflex as rx

config = rx.Config(
    app_name="component_demo",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    state_manager_mode="memory",
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="dark", accent_color="blue", gray_color="slate",
                                                    radius="medium", scaling="95%", has_background=True)),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)

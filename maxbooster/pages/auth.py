"""Log in, sign up, forgot/reset password, confirm a Google link."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import auth_card, field, flash, post_form, submit
from maxbooster.components.layout import public_page
from maxbooster.state.auth_pages import AuthPagesState as S


def _alt(text: str, link: str, href: str) -> rx.Component:
    return rx.hstack(rx.text(text, size="2", color=theme.MUTED), rx.link(link, href=href, size="2"),
                     spacing="1", justify="center", width="100%")


@public_page(routes.LOGIN, "Log in", on_load=S.load_form)
def login() -> rx.Component:
    return auth_card(
        "Log in", "Welcome back to your studio.",
        flash(S.notice, S.error),
        post_form("/api/auth/login",
                  field("Email", "email", type_="email", autocomplete="username"),
                  field("Password", "password", type_="password", autocomplete="current-password"),
                  rx.hstack(rx.checkbox("Keep me signed in", name="remember", value="1", size="2"),
                            rx.spacer(), rx.link("Forgot password?", href=routes.FORGOT, size="2"), width="100%"),
                  submit("Log in")),
        rx.cond(S.google_enabled, rx.link(
            rx.button(rx.icon("globe", size=16), "Continue with Google", variant="outline",
                      color_scheme="gray", size="3", width="100%"),
            href="/api/auth/google/login", width="100%")),
        _alt("New here?", "Create an account", routes.SIGNUP),
    )


@public_page(routes.SIGNUP, "Create account", on_load=S.load_form)
def signup() -> rx.Component:
    return auth_card(
        "Create your account", "Free plan, no card needed. We'll email you a link to verify.",
        flash(S.notice, S.error),
        post_form("/api/auth/signup",
                  field("Artist or display name", "display_name", autocomplete="nickname"),
                  field("Email", "email", type_="email", autocomplete="email"),
                  field("Password", "password", type_="password", autocomplete="new-password",
                        placeholder="at least 8 characters"),
                  submit("Create account")),
        _alt("Already have an account?", "Log in", routes.LOGIN),
    )


@public_page(routes.FORGOT, "Forgot password", on_load=S.load_form)
def forgot() -> rx.Component:
    return auth_card(
        "Reset your password", "Enter your email and we'll send you a single-use link.",
        flash(S.notice, S.error),
        post_form("/api/auth/forgot-password", field("Email", "email", type_="email"), submit("Send link")),
        _alt("Remembered it?", "Log in", routes.LOGIN),
    )


@public_page(routes.RESET, "Choose a new password", on_load=S.load_form)
def reset() -> rx.Component:
    return auth_card(
        "Choose a new password", "The link works once and for 60 minutes.",
        flash(S.notice, S.error),
        post_form("/api/auth/reset-password",
                  rx.el.input(type="hidden", name="token", value=S.token),
                  field("New password", "password", type_="password", autocomplete="new-password"),
                  submit("Set password")),
    )


@public_page(routes.LINK_GOOGLE, "Link Google", on_load=S.load_form)
def link_google() -> rx.Component:
    return auth_card(
        "Link your Google account", "An account with this email exists. Confirm with its password to link.",
        flash(S.notice, S.error),
        post_form("/api/auth/google/link",
                  rx.el.input(type="hidden", name="token", value=S.token),
                  field("Password", "password", type_="password", autocomplete="current-password"),
                  submit("Link and log in")),
    )

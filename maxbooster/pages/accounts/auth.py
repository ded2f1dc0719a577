"""Log in, sign up, forgot/reset password, resend the confirmation email, confirm a Google link."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.forms import auth_card, field, flash, post_form, submit
from maxbooster.components.layout import link_button, public_page
from maxbooster.state.accounts import AuthPagesState as S


def _alt(text: str, link: str, href: str | rx.Var[str]) -> rx.Component:
    return rx.hstack(rx.text(text, size="2", color=theme.MUTED), rx.link(link, href=href, size="2"),
                     spacing="1", justify="center", width="100%", wrap="wrap")


@public_page(routes.LOGIN, "Log in", on_load=S.load_form)
def login() -> rx.Component:
    return auth_card(
        "Log in", "Welcome back to your studio.",
        flash(S.notice, S.error),
        rx.cond(S.error_code == "email_unverified",
                rx.link("Send me a new confirmation link", href=routes.VERIFY, size="2")),
        post_form(routes.AUTH_LOGIN,
                  field("Email", "email", type_="email", autocomplete="username", form_id="login"),
                  field("Password", "password", type_="password", autocomplete="current-password", form_id="login"),
                  rx.el.input(type="hidden", name="next", value=S.next_path),
                  rx.hstack(rx.checkbox("Keep me signed in", name="remember", value="1", size="2"),
                            rx.spacer(), rx.link("Forgot password?", href=routes.FORGOT, size="2"),
                            width="100%", wrap="wrap"),
                  submit("Log in")),
        rx.cond(S.google_enabled, link_button(
            rx.hstack(rx.icon("globe", size=16, aria_hidden="true"), rx.text("Continue with Google"),
                      align="center", spacing="2", justify="center"),
            routes.GOOGLE_LOGIN, variant="outline", color_scheme="gray", size="3", width="100%")),
        _alt("New here?", "Create an account", S.signup_href),
    )


@public_page(routes.SIGNUP, "Create account", on_load=S.load_form)
def signup() -> rx.Component:
    return auth_card(
        "Create your account", "Free plan, no card needed. We'll email you a link to confirm your address.",
        flash(S.notice, S.error),
        post_form(routes.AUTH_SIGNUP,
                  field("Artist or display name", "display_name", autocomplete="nickname", form_id="signup"),
                  field("Email", "email", type_="email", autocomplete="email", form_id="signup"),
                  field("Password", "password", type_="password", autocomplete="new-password", form_id="signup",
                        hint="At least 8 characters. A few unrelated words make a strong one."),
                  rx.el.input(type="hidden", name="next", value=S.next_path),
                  submit("Create account")),
        _alt("Already have an account?", "Log in", S.login_href),
    )


@public_page(routes.FORGOT, "Forgot password", on_load=S.load_form)
def forgot() -> rx.Component:
    return auth_card(
        "Reset your password", "Enter your email and we'll send you a single-use link.",
        flash(S.notice, S.error),
        post_form(routes.AUTH_FORGOT_PASSWORD, field("Email", "email", type_="email", form_id="forgot"),
                  submit("Send link")),
        _alt("Remembered it?", "Log in", routes.LOGIN),
    )


@public_page(routes.VERIFY, "Confirm your email", on_load=S.load_form)
def verify() -> rx.Component:
    return auth_card(
        "Confirm your email", "Didn't get the link, or it expired? We'll send a new one.",
        flash(S.notice, S.error),
        post_form(routes.AUTH_RESEND_VERIFICATION, field("Email", "email", type_="email", form_id="verify"),
                  submit("Send a new link")),
        _alt("Already confirmed?", "Log in", routes.LOGIN),
    )


@public_page(routes.RESET, "Choose a new password", on_load=S.load_form)
def reset() -> rx.Component:
    return auth_card(
        "Choose a new password", "The link works once and for 60 minutes.",
        flash(S.notice, S.error),
        post_form(routes.AUTH_RESET_PASSWORD,
                  rx.el.input(type="hidden", name="token", value=S.token),
                  field("New password", "password", type_="password", autocomplete="new-password", form_id="reset"),
                  submit("Set password")),
        _alt("Link expired?", "Ask for a new one", routes.FORGOT),
    )


@public_page(routes.LINK_GOOGLE, "Link Google", on_load=S.load_form)
def link_google() -> rx.Component:
    return auth_card(
        "Link your Google account", "An account with this email exists. Confirm with its password to link.",
        flash(S.notice, S.error),
        post_form(routes.GOOGLE_LINK,
                  rx.el.input(type="hidden", name="token", value=S.token),
                  field("Password", "password", type_="password", autocomplete="current-password", form_id="link"),
                  submit("Link and log in")),
    )

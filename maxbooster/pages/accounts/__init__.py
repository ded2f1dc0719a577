"""Accounts pages: log in, sign up, password recovery, email confirmation, Account settings."""

from maxbooster.pages.accounts import auth, settings

__all__ = ["auth", "settings"]

"""Admin pages: Users and the email Outbox (admins only; checked on the server at every load)."""

from maxbooster.pages.admin import outbox, users

__all__ = ["outbox", "users"]

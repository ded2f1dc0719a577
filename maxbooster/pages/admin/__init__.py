"""Admin pages: Users, the email Outbox and failed payment events (admins only; checked on the server at every load)."""

from maxbooster.pages.admin import outbox, payment_events, users

__all__ = ["outbox", "payment_events", "users"]

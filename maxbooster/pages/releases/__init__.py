"""Release pages: the calendar, one release (editor, check and send, smart link), and the public smart
link / pre-save page and fan unsubscribe page."""

from maxbooster.pages.releases import calendar, release, smart_link, unsubscribe

__all__ = ["calendar", "release", "smart_link", "unsubscribe"]

"""Social pages: the calendar and list of posts, connected accounts, the composer, and the public review
page an external reviewer opens from a link."""

from maxbooster.pages.social import accounts, calendar, composer, review

__all__ = ["accounts", "calendar", "composer", "review"]

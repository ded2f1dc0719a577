"""Release pages: the public smart link / pre-save page."""

from maxbooster.pages.releases import smart_link

__all__ = ["smart_link"]

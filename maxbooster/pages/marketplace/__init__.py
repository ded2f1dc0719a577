"""Marketplace pages: browse and search, a listing, a storefront, the license check (public); cart, pay,
orders; the seller's dashboard and listing editor; the admin moderation queue."""

from maxbooster.pages.marketplace import browse, buy, editor, listing, moderation, sell

__all__ = ["browse", "buy", "editor", "listing", "moderation", "sell"]

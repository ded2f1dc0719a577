"""Campaigns pages: the list, the create form, and one campaign's slots and uplift report."""

from maxbooster.pages.campaigns import create, overview, report

__all__ = ["create", "overview", "report"]

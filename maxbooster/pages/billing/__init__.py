"""Billing pages: plan & billing with invoices, the pages after Checkout, and the sandbox provider's own
checkout and billing portal (test mode)."""

from maxbooster.pages.billing import checkout, plan, portal

__all__ = ["checkout", "plan", "portal"]

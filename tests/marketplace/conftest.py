"""Fixtures of the marketplace tests (see support.py)."""

from tests.billing.support import stripe_env, stripe_server
from tests.marketplace.support import payable_seller
from tests.support.accounts import acct_env
from tests.support.library import jobs_held, jobs_run

__all__ = ["acct_env", "jobs_held", "jobs_run", "payable_seller", "stripe_env", "stripe_server"]

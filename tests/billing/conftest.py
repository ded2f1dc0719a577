"""Fixtures of the billing tests (see support.py)."""

from tests.billing.support import stripe_env, stripe_server
from tests.support.accounts import acct_env
from tests.support.library import api_client, jobs_held, jobs_run

__all__ = ["acct_env", "api_client", "jobs_held", "jobs_run", "stripe_env", "stripe_server"]

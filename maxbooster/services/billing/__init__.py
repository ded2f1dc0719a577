"""Billing: plans as data with their prices, one payments interface (sandbox | Stripe), webhooks applied
exactly once and in any order, subscriptions and dunning. The plan column changes only from here, and
only from webhook-applied subscription state.

- `catalog`: Free / Pro / Label prices per month and year
- `provider`: the `PaymentsProvider` interface; `sandbox` and `stripe_provider` implement it
- `webhooks`: receive (verify, store, enqueue) and apply one event; `drain`: the `billing.apply_events` drain
  job (batches, attempts, the `billing.retry_events` sweep); `failed_events`: given-up events for admins
- `state`: how stored subscriptions and invoices converge, the derived plan, grace periods
- `account`: checkout, billing portal, status (with the dunning banner) and invoices for a user
"""

"""Accounts and security: users, passwords, sessions, tokens, recovery (issue 3).

Entry points for the UI and API live in `users`, `sessions`, `recovery`, `api_tokens`
and `netaddr`; see each module's docstring.
"""

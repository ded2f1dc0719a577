"""Accounts CLI commands: `maxbooster create-admin EMAIL` and `maxbooster audit verify`."""

from __future__ import annotations

import argparse
import getpass
import sys

from maxbooster.db import session_scope
from maxbooster.services.errors import DomainError


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the admin: ")
    if getpass.getpass("Repeat password: ") != first:
        raise SystemExit("passwords do not match")
    return first


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create (or promote) a verified admin account; the password never appears in argv."""
    from maxbooster.services.accounts.bootstrap import create_admin

    password = _read_password(args)
    try:
        with session_scope() as session:
            user = create_admin(session=session, email=args.email, password=password, display_name=args.name)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"admin ready: {user.email}")
    return 0


def cmd_audit_verify(_: argparse.Namespace) -> int:
    """Walk the audit hash chain; exit 1 at the first broken row."""
    from maxbooster.services.audit import verify_chain

    with session_scope() as session:
        result = verify_chain(session=session)
    if result.ok:
        print(f"audit chain OK: {result.checked} rows")
        return 0
    print(f"audit chain BROKEN at row {result.first_broken_seq}: {result.reason}")
    return 1


def register_accounts_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add create-admin and audit verify to the main `maxbooster` parser."""
    admin = subparsers.add_parser("create-admin", help="create or promote an admin account")
    admin.add_argument("email")
    admin.add_argument("--name", default="Admin", help="display name for a new account")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(func=cmd_create_admin)
    audit = subparsers.add_parser("audit", help="audit log tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the audit hash chain").set_defaults(func=cmd_audit_verify)

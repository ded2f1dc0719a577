"""`maxbooster` command line: run, migrate, worker, social rotate-keys, and the accounts commands."""

from __future__ import annotations

import argparse
import sys


def cmd_migrate(_: argparse.Namespace) -> int:
    from maxbooster.migrations import upgrade_head
    from maxbooster.settings import get_settings

    settings = get_settings()
    upgrade_head(settings.database_url)
    print(f"database is at the latest schema ({settings.database_url.split('://')[0]})")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from maxbooster.tasks.worker import run_worker

    return run_worker(concurrency=args.concurrency, social=args.social)


def cmd_run(args: argparse.Namespace) -> int:
    from maxbooster.launcher import run_all

    return run_all(port=args.port, backend_port=args.backend_port)


def cmd_social_rotate_keys(_: argparse.Namespace) -> int:
    """Re-encrypt every stored social token under the first SOCIAL_TOKEN_KEYS key."""
    from maxbooster.db import session_scope
    from maxbooster.services.social.accounts import rotate_tokens
    from maxbooster.services.social.crypto import TokenUnreadable

    try:
        with session_scope() as session:
            changed = rotate_tokens(session=session)
    except TokenUnreadable as exc:
        print(f"error: {exc}; nothing was changed (keep the old key in SOCIAL_TOKEN_KEYS until this succeeds)")
        return 1
    print(f"re-encrypted {changed} social tokens and client secrets under the first SOCIAL_TOKEN_KEYS key")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maxbooster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    worker = sub.add_parser("worker", help="run one Celery worker")
    worker.add_argument("--concurrency", type=int, default=None,
                        help="processes (default WORKER_CONCURRENCY), or threads with --social "
                             "(default SOCIAL_PUBLISH_THREADS)")
    worker.add_argument("--social", action="store_true",
                        help="consume the social publishing queue on a thread pool instead of the main queue")
    worker.set_defaults(func=cmd_worker)
    run = sub.add_parser("run", help="migrate, start a worker and the app (Ctrl-C stops all)")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--backend-port", type=int, default=8000)
    run.set_defaults(func=cmd_run)
    social = sub.add_parser("social", help="social publishing tools")
    social_sub = social.add_subparsers(dest="social_command", required=True)
    social_sub.add_parser("rotate-keys", help="re-encrypt stored social tokens under the newest key") \
        .set_defaults(func=cmd_social_rotate_keys)
    _register_optional(sub)
    return parser


def _register_optional(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    try:
        from maxbooster.services.accounts.cli import register_accounts_commands
    except ImportError:
        return
    register_accounts_commands(sub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

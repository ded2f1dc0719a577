"""`maxbooster run`: migrate, make the demo user, start the workers (the main one, and the social
publishing one unless SOCIAL_PUBLISH_THREADS is 0) and the app; Ctrl-C stops all.

Each child runs in its own process group so that stopping kills the whole tree (Reflex's
server workers, Celery's pool children) and leaves no orphans.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from maxbooster.settings import PROJECT_ROOT, get_settings


def _env() -> dict[str, str]:
    env = dict(os.environ)
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env["PATH"] = f"{tools}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    # Reflex starts min(2·cores+1, 8) backend processes when Redis holds the state; one per core
    # gives the same throughput for far less memory (measured by benchmarks/ui_bench.py).
    env.setdefault("GRANIAN_WORKERS", str(get_settings().web_workers))
    if get_settings().redis_url:
        # Each process keeps the states it is serving in memory while no other process asks for
        # them (Reflex's opportunistic lock, released on contention): 392 -> 653 events/s on 2 cores.
        env.setdefault("REFLEX_OPLOCK_ENABLED", "true")
    return env


def email_notice() -> str:
    """Where this instance's emails go, in words for the person who started it."""
    settings = get_settings()
    if settings.email_backend == "smtp" and settings.smtp_host:
        return f"Emails are sent through {settings.smtp_host}:{settings.smtp_port}."
    return ("Emails are not sent (no SMTP configured): they wait in the outbox. Sign in as an admin "
            "and open Admin > Outbox to see them and follow their links (create an admin with "
            "`.venv/bin/maxbooster create-admin you@example.com`).")


def _spawn(cmd: list[str], log_name: str) -> subprocess.Popen[bytes]:
    log_dir = get_settings().data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / log_name, "ab")  # noqa: SIM115  (lives as long as the child)
    return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(procs: list[subprocess.Popen[bytes]], timeout_s: float = 10) -> None:
    """SIGTERM each child first (Celery and Reflex then stop their own workers in order, instead of
    logging them as killed), then SIGTERM whatever is left of its process group, and SIGKILL what
    is still there after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - timeout_s / 2 - time.monotonic()))
        _signal_group(proc, signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - time.monotonic()))
        _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _prepare() -> tuple[str, str]:
    from maxbooster.db import session_scope
    from maxbooster.migrations import upgrade_head
    from maxbooster.services.accounts.bootstrap import ensure_demo_user

    settings = get_settings()
    settings.check_production()
    _ = settings.secret_key  # generated once under data/ in development
    upgrade_head(settings.database_url)
    with session_scope() as session:
        return ensure_demo_user(session=session)


def run_all(*, port: int = 3000, backend_port: int = 8000) -> int:
    """Start worker + app, print where to log in, and wait until Ctrl-C or a child dies."""
    email, password = _prepare()
    py = sys.executable
    procs = [
        _spawn([py, "-m", "maxbooster.cli", "worker"], "worker.log"),
        _spawn([py, "-m", "reflex", "run", "--env", "prod", "--single-port",
                "--frontend-port", str(port), "--backend-port", str(port)], "app.log"),
    ]
    if get_settings().social_publish_threads > 0:  # social publishing on its own thread-pool worker
        procs.append(_spawn([py, "-m", "maxbooster.cli", "worker", "--social"], "worker-social.log"))
    pid_file = get_settings().data_dir / "run.pids"
    pid_file.write_text("\n".join(str(p.pid) for p in procs) + "\n")  # lets tests check for orphans
    # Ctrl-C and SIGTERM both stop everything (SIGINT may arrive ignored from a background shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"Max Booster is starting at http://localhost:{port}  (logs in {get_settings().data_dir / 'logs'})")
    print(f"Demo login: {email}  password: {password}")
    print(email_notice())
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        failed = [p.args[2] if isinstance(p.args, list) else p.args for p in procs if p.poll() is not None]
        print(f"a child process stopped ({failed}); stopping the rest — see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        stop(procs)

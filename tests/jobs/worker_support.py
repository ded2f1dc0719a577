"""Start and stop real Celery worker processes for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from maxbooster.db import session_scope
from maxbooster.models.jobs import Job

ROOT = Path(__file__).resolve().parents[2]


def start_worker(log_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A `maxbooster worker` process in its own process group, using the test's environment."""
    env = {**os.environ, **(extra_env or {})}
    log = open(log_path, "ab")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "worker", "--concurrency", "1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_worker(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(20)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        kill_worker(proc)


def wait_for(job_id: uuid.UUID, done: Callable[[Job], bool], timeout_s: float, log_path: Path) -> Job:
    """Poll the job row until `done(job)`; fail with the worker log if it never happens."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is not None and done(job):
                return job
        time.sleep(0.3)
    log = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else "(no log)"
    raise AssertionError(f"job {job_id} did not reach the expected state in {timeout_s}s; worker log:\n{log}")

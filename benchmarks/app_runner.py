"""What the benchmarks that drive the real app share: the app started as users start it (its own
process group, a temp data dir, a free port), a signed-up account on a chosen plan, and the rows
of figures each benchmark prints."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    """Printed rows (name, measured, goal, met: None for a figure without a goal) and raw figures."""

    rows: list[tuple[str, str, str, bool | None]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: str, goal: str = "-", met: bool | None = None) -> None:
        self.rows.append((name, value, goal, met))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App:
    """The app started as users start it, in a temp data dir; stopped with its process group."""

    def __init__(self, data_dir: Path, **env_overrides: str) -> None:
        self.data_dir, self.port = data_dir, free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.url = f"http://localhost:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
        env.update(MAXBOOSTER_DATA_DIR=str(data_dir), APP_URL=self.url, MAXBOOSTER_ENV="development",
                   RATE_LIMIT_IP="100000/minute", **env_overrides)
        env["PATH"] = f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
        self.env = env
        self.log = open(data_dir / "run.log", "wb")  # noqa: SIM115  (lives as long as the app)
        self.proc = subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "run", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout_s: float = 900) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.data_dir / "run.log").read_text(errors="replace")[-3000:])
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health/ready", timeout=3).status_code == 200:
                    return
            time.sleep(1)
        raise RuntimeError("the app did not become ready")

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / "maxbooster.db")

    def web_processes(self) -> list[psutil.Process]:
        """The `reflex run` process and everything under it (granian workers serving HTTP)."""
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "reflex" in " ".join(child.cmdline()):
                    return [child, *child.children(recursive=True)]
        raise RuntimeError("the web server's processes were not found")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def make_user(self, email: str, password: str, *, plan: str, name: str = "Bench") -> dict[str, str]:
        """A confirmed account on `plan` (made with the CLI); bearer headers for the REST API."""
        subprocess.run([sys.executable, "-m", "maxbooster.cli", "create-admin", email, "--password-stdin",
                        "--name", name], input=password + "\n", text=True, capture_output=True, cwd=ROOT,
                       env=self.env, check=True)
        with self.db() as db:
            db.execute("UPDATE users SET plan = ? WHERE email = ?", (plan, email))
        token = httpx.post(f"{self.url}/api/v1/auth/token", json={"email": email, "password": password}).json()
        return {"Authorization": f"Bearer {token['access_token']}"}

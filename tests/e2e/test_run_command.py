"""`maxbooster run` (what `./mb run` ends in): prints a working demo login; Ctrl-C leaves no orphans."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import service_url
from tests.support.e2e import ROOT, _demo_login, _free_port, _wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.run_last]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(params=["embedded", "scaled-out"])
def service_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Embedded defaults, or PostgreSQL (an empty database) + Redis state/sessions + Redis broker."""
    if request.param == "embedded":
        return {}
    redis = service_url("MAXBOOSTER_TEST_REDIS_URL").rsplit("/", 1)[0]
    return {"DATABASE_URL": request.getfixturevalue("postgres_url"), "REDIS_URL": f"{redis}/3",
            "CELERY_BROKER_URL": f"{redis}/4"}


def test_ctrl_c_stops_app_and_worker_without_orphans(tmp_path: Path, service_env: dict[str, str]) -> None:
    port, data_dir = _free_port(), tmp_path / "data"
    url = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(MAXBOOSTER_DATA_DIR=str(data_dir), APP_URL=url, **service_env)
    env["PATH"] = f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "run", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(url, proc, log, timeout_s=420)
        email, password = _demo_login(log)
        token = httpx.post(f"{url}/api/v1/auth/token", json={"email": email, "password": password})
        assert token.status_code == 200, token.text  # the printed demo login really works
        ready = httpx.get(f"{url}/api/health/ready").json()["checks"]
        assert ready["database"]["backend"] == ("postgresql+psycopg" if service_env else "sqlite")
        assert ready["redis"]["configured"] is bool(service_env)
        children = [int(pid) for pid in (data_dir / "run.pids").read_text().split()]
        assert len(children) == 3 and all(_group_alive(pid) for pid in children)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert proc.wait(60) == 0
        deadline = time.monotonic() + 10
        while any(_group_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_group_alive(pid) for pid in children), "app or worker processes outlived Ctrl-C"
        printed = log.read_text(errors="replace")
        assert "Emails are not sent (no SMTP configured)" in printed and "Admin > Outbox" in printed
        _assert_only_explained_notices(data_dir / "logs")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# The notices the README explains (Quick start); anything else a self-hoster would see on every
# start is a defect to fix, not to get used to.
EXPLAINED = ("Node.js is out of date", "running the worker with superuser privileges",
             "_warn_or_raise_security_error")  # the last: the line Celery quotes under its notice


def _assert_only_explained_notices(logs: Path) -> None:
    lines = [line for name in ("app.log", "worker.log", "worker-social.log")
             for line in (logs / name).read_text(errors="replace").splitlines()]
    noisy = [line for line in lines if re.search(r"warning|deprecat|error|traceback", line, re.IGNORECASE)
             and not any(text in line for text in EXPLAINED)]
    assert noisy == [], "unexplained warnings or errors in the logs of a normal start and stop"

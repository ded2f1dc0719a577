"""Web UI load benchmark: signed-in websocket clients sending the jobs page's ``load`` event.

Run: python benchmarks/ui_bench.py [--config embedded|scaled|both] [--quick] [--users 200]
     [--json out.json] [--app-env NAME=VALUE ...] [--py-spy /path/to/py-spy]
(about 2.5 min per configuration, 1 min with --quick; ``--app-env`` compares app settings, e.g.
``REFLEX_OPLOCK_ENABLED=true``; ``--py-spy`` writes GIL-holder stacks of the web processes during
the saturation window to bench-output/).

Starts the real app the way users do (``python -m maxbooster.cli run --port <free port>``, temp
data dir) in one or both configurations:

- ``embedded``: the defaults (SQLite, in-memory Reflex state, one backend process);
- ``scaled``: a fresh PostgreSQL database made here (dropped afterwards), ``REDIS_URL`` on an
  empty Redis db (flushed afterwards), so the launcher starts one backend process per core.

Then it creates N verified users with a few finished jobs each, signs each one in through the
real form endpoint (``POST /api/auth/login``; ``RATE_LIMIT_IP`` is raised for the app), and opens
one websocket per user on 127.0.0.1 (raw RFC 6455 + engine.io v4 + socket.io, namespace
``/_event``, ``Cookie: mb_session=...``), hydrating it for ``/jobs`` as a browser does. Each client
then sends ``JobsState.load`` and waits for its reply. Reflex 0.10 sends nothing for an event
that changed no var (and has no ``final`` flag any more), so every event carries a fresh query
string (``/jobs?n=<seq>``): the reply is the delta of the router vars, emitted after the handler
has returned. Measured, per configuration:

1. paced: every user sends one event per second (random phase) -> p50/p95/p99 latency;
2. saturation: every user sends back to back -> events/s over a steady window after a warm-up,
   with ``GET /api/health`` timed meanwhile from a separate process (and at idle, for reference);
3. CPU of the app's processes per event, and peak RSS of the app's process tree; from the CPU
   per event, the events/s the cores would give with nothing else running (each busy web process
   bound to about one core by the GIL; the web processes, the load generator and the database and
   Redis servers sharing all cores), since other work on a shared machine moves the measured rate.

Goals (issue: "event handlers never block the event loop"): >= 1,200 events/s on 2 cores and
p95 <= 50 ms at 200 users. Prints a table per configuration with MET / NOT MET, then
``ALL GOALS MET`` or the failures; exits 0 either way (1 only when the run itself failed).
The load generator runs on the same machine, so its own CPU share is printed too; figures vary
with whatever else is using the cores: run it several times. Needs bun (``./mb run`` installs it
in .tools/; else pass ``--tools-bin``), and for ``scaled`` PostgreSQL and Redis on 127.0.0.1.
Everything started is stopped (process groups) and the database dropped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EVENTS_GOAL, P95_MS_GOAL, GOAL_USERS = 1200.0, 50.0, 200
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_BASE_URL = "redis://127.0.0.1:6379"
NAMESPACE = "/_event"
JOBS_PATH = "/jobs"
EVENT_PREFIX = f"42{NAMESPACE},".encode()  # a socket.io EVENT on the namespace
CONNECT_ERROR_PREFIX = f"44{NAMESPACE}".encode()


@dataclass
class Phases:
    """Durations in seconds of each measured phase."""

    idle_health_s: float
    paced_warmup_s: float
    paced_s: float
    warmup_s: float
    saturation_s: float


FULL = Phases(idle_health_s=5, paced_warmup_s=3, paced_s=20, warmup_s=5, saturation_s=15)
QUICK = Phases(idle_health_s=2, paced_warmup_s=2, paced_s=8, warmup_s=2, saturation_s=6)


# ---------------------------------------------------------------------------------------------
# children: seeding the database, timing /api/health from outside the load generator's process


def _child_seed(users: int, jobs_per_user: int) -> None:
    """Runs with the app's environment: make verified users with finished jobs, print them."""
    from datetime import timedelta

    from maxbooster.db import session_scope
    from maxbooster.models.accounts import User
    from maxbooster.models.jobs import Job, JobStatus
    from maxbooster.services.accounts.common import utcnow
    from maxbooster.services.accounts.passwords import hash_password
    from maxbooster.state.jobs import JobsState

    password = secrets.token_urlsafe(18)
    hashed = hash_password(password)  # once: every bench user has the same password
    emails = [f"bench-{i:04d}@bench.maxbooster.local" for i in range(users)]
    now = utcnow()
    with session_scope() as session:
        rows = [User(email=e, display_name=f"Bench {i}", email_verified=True, password_hash=hashed)
                for i, e in enumerate(emails)]
        session.add_all(rows)
        session.flush()
        for user in rows:
            session.add_all([Job(kind="system.selftest", owner_id=user.id, status=JobStatus.SUCCEEDED,
                                 progress=100, message="done", attempts=1, params={"seconds": 1},
                                 created_at=now - timedelta(minutes=j), finished_at=now)
                             for j in range(jobs_per_user)])
        session.commit()
    print(json.dumps({"emails": emails, "password": password,
                      "event": f"{JobsState.get_full_name()}.load"}))


def _child_health(url: str, seconds: float, interval_s: float) -> None:
    """GET /api/health every `interval_s` for `seconds` (a fresh connection each time, as a
    load balancer's probe); print the latencies in ms (-1 for a failure) as JSON."""
    import http.client

    parts = urlsplit(url)
    out: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
            conn.request("GET", "/api/health", headers={"Host": parts.netloc})
            ok = conn.getresponse().status == 200
            conn.close()
        except OSError:
            ok = False
        took = time.perf_counter() - start
        out.append(took * 1000 if ok else -1.0)
        time.sleep(max(0.0, interval_s - took))
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------
# the app under test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ProcSample:
    """CPU seconds and kind of one process of the app's tree."""

    kind: str
    cpu_s: float
    sys_s: float


class TreeMonitor:
    """Samples the app's process tree (launcher and every descendant) twice a second: peak RSS
    of the whole tree and of the web processes, and every pid seen (for the final cleanup)."""

    def __init__(self, root_pid: int) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(root_pid)
        self.seen: dict[int, Any] = {root_pid: self.root}
        self.peak_tree_mb = 0.0
        self.peak_web_mb = 0.0
        self.max_web_procs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def kind(proc: Any) -> str:
        try:
            cmd = " ".join(proc.cmdline())
        except Exception:  # noqa: BLE001  (gone meanwhile)
            return "gone"
        if "reflex" in cmd:
            return "web"
        if "worker" in cmd:
            return "worker"
        return "launcher" if "maxbooster.cli run" in cmd else "other"

    def procs(self) -> list[Any]:
        psutil = self._psutil
        try:
            found = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            found = []
        for p in found:
            self.seen.setdefault(p.pid, p)
        return found

    def _run(self) -> None:
        psutil = self._psutil
        while not self._stop.wait(0.5):
            tree = web = 0.0
            web_procs = 0
            for p in self.procs():
                try:
                    rss = p.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                tree += rss
                if self.kind(p) == "web":
                    web += rss
                    web_procs += 1
            self.peak_tree_mb = max(self.peak_tree_mb, tree)
            self.peak_web_mb = max(self.peak_web_mb, web)
            self.max_web_procs = max(self.max_web_procs, web_procs)

    def cpu(self) -> dict[int, ProcSample]:
        """CPU seconds (user + system) of every live process of the tree, by pid."""
        out = {}
        for p in self.procs():
            with contextlib.suppress(self._psutil.Error):
                t = p.cpu_times()
                out[p.pid] = ProcSample(self.kind(p), t.user + t.system, t.system)
        return out

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


class ScaledServices:
    """An empty PostgreSQL database and an empty Redis db for the scaled-out configuration."""

    def __init__(self) -> None:
        self.db_name = f"mb_uibench_{os.getpid()}_{secrets.token_hex(3)}"
        self.redis_db: int | None = None

    def __enter__(self) -> ScaledServices:
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        for n in range(15, 0, -1):  # an empty db, counting down from the last (others use 0)
            client = redis.Redis.from_url(f"{REDIS_BASE_URL}/{n}")
            if client.dbsize() == 0:
                client.set("mb-uibench-claim", str(os.getpid()))
                self.redis_db = n
                break
        if self.redis_db is None:
            raise RuntimeError("no empty Redis database (1-15) to run the scaled configuration in")
        return self

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{self.db_name}",
                "REDIS_URL": f"{REDIS_BASE_URL}/{self.redis_db}"}

    def __exit__(self, *exc: object) -> None:
        import psycopg
        import redis

        if self.redis_db is not None:
            with contextlib.suppress(Exception):
                redis.Redis.from_url(f"{REDIS_BASE_URL}/{self.redis_db}").flushdb()
        for _ in range(10):
            try:
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                return
            except psycopg.Error as exc:
                print(f"(dropping {self.db_name} failed: {exc}; retrying)", file=sys.stderr)
                time.sleep(1)


class RunningApp:
    """`python -m maxbooster.cli run` in its own session, stopped like Ctrl-C, then by force."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str], tools_bin: Path | None) -> None:
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.data_dir = data_dir
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "WEB_WORKERS", "GRANIAN_WORKERS"}}
        env.update(MAXBOOSTER_DATA_DIR=str(data_dir), APP_URL=self.url, MAXBOOSTER_ENV="development",
                   RATE_LIMIT_IP="1000000/minute", REFLEX_TELEMETRY_ENABLED="false",
                   REDIS_KEY_PREFIX=f"mb-bench-{self.port}", RATE_LIMIT_KEY_PREFIX=f"mb-bench-limits-{self.port}")
        env.update(extra_env)
        if tools_bin is not None:
            env["PATH"] = f"{tools_bin}{os.pathsep}{env.get('PATH', '')}"
        self.env = env
        self.log = data_dir / "run.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.monitor: TreeMonitor | None = None

    def start(self, timeout_s: float = 600) -> None:
        import httpx

        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "maxbooster.cli", "run", "--port", str(self.port)],
                                         cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.monitor = TreeMonitor(self.proc.pid)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self._logs()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/api/health/ready", timeout=5).status_code == 200:
                    return
            time.sleep(1)
        raise RuntimeError(f"the app was not ready after {timeout_s:.0f} s:\n{self._logs()}")

    def _logs(self) -> str:
        texts = [self.log.read_text(errors="replace")[-2000:]]
        app_log = self.data_dir / "logs" / "app.log"
        if app_log.exists():
            texts.append(app_log.read_text(errors="replace")[-3000:])
        return "\n".join(texts)

    def stop(self) -> None:
        """SIGINT (what Ctrl-C sends; the launcher stops its children), then SIGKILL every
        process group of the tree that is still alive."""
        if self.proc is None:
            return
        if self.monitor is not None:
            self.monitor.procs()  # remember the latest descendants before anything exits
            self.monitor.stop()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)
        seen = list(self.monitor.seen.values()) if self.monitor else []
        own_group = os.getpgrp()
        for p in seen:
            with contextlib.suppress(Exception):
                if p.is_running():
                    group = os.getpgid(p.pid)
                    if group != own_group:
                        os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)


def _seed(app: RunningApp, users: int, jobs_per_user: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child-seed", str(users), str(jobs_per_user)],
                          cwd=ROOT, env=app.env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed: {done.stderr.strip()[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------------
# websocket client: RFC 6455 framing, engine.io v4, socket.io v5 on the /_event namespace


class WsClient:
    """One signed-in browser tab on the jobs page (one outstanding event at a time).

    Kept cheap, since it shares the cores with the app: an event's text is three prebuilt byte
    strings around its sequence number (no JSON encoding per send; the same text a browser sends),
    framed and masked with a fresh key as RFC 6455 asks of a client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, event_name: str) -> None:
        self.r, self.w, self.event_name = reader, writer, event_name
        self.seq = 0
        self.signed_in = False
        self.odd_replies = 0  # toasts or redirects (a load that failed) instead of a quiet success
        # 42/_event,["event",{"name":...,"payload":{},"router_data":{"pathname":"/jobs","asPath":"/jobs?n=<seq>",
        # "query":{"n":"<seq>"}}}]
        self._head = (EVENT_PREFIX + b'["event",{"name":' + json.dumps(event_name).encode()
                      + f',"payload":{{}},"router_data":{{"pathname":"{JOBS_PATH}","asPath":"{JOBS_PATH}?n='.encode())
        self._mid, self._tail = b'","query":{"n":"', b'"}}}]'

    @classmethod
    async def open(cls, port: int, origin: str, cookie: str, event_name: str) -> WsClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        host = urlsplit(origin).netloc
        key = base64.b64encode(os.urandom(16)).decode()
        token = secrets.token_hex(16)
        writer.write((f"GET /_event/?EIO=4&transport=websocket&token={token} HTTP/1.1\r\nHost: {host}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\nCookie: mb_session={cookie}\r\n"
                      f"User-Agent: ui_bench\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"websocket refused: {head[:80]!r}")
        client = cls(reader, writer, event_name)
        opened = await client._read()  # engine.io OPEN: 0{"sid":...}
        if not opened.startswith(b"0{"):
            raise ConnectionError(f"unexpected engine.io open: {opened[:80]!r}")
        return client

    def _send(self, text: str) -> None:
        self._send_bytes(text.encode())

    def _send_bytes(self, data: bytes) -> None:
        n = len(data)
        if n < 126:
            head = bytes((0x81, 0x80 | n))
        elif n < 65536:
            head = bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x81, 0x80 | 127)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        stream = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")
        self.w.write(head + mask + masked)

    async def _read(self) -> bytes:
        """The next text message; answers engine.io pings and websocket pings on the way."""
        chunks: list[bytes] = []
        while True:
            b0, b1 = await self.r.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(await self.r.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await self.r.readexactly(8), "big")
            payload = await self.r.readexactly(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the server")
            if opcode == 0x9:  # ping -> pong with the same payload (tiny; sent masked)
                self.w.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0xA:
                continue
            chunks.append(payload)
            if not b0 & 0x80:  # fragmented: wait for the final frame
                continue
            message = b"".join(chunks)
            chunks = []
            if message == b"2":  # engine.io ping
                self._send("3")
                continue
            return message

    async def _event_frame(self) -> bytes:
        while True:
            message = await self._read()
            if message.startswith(EVENT_PREFIX):
                return message
            if message.startswith(CONNECT_ERROR_PREFIX):
                raise ConnectionError(f"socket.io connect refused: {message[:200]!r}")

    async def hydrate(self, timeout_s: float = 30) -> None:
        """CONNECT with the boot event in the auth payload, as the browser does; wait until hydrated."""
        boot = {"event": {"name": "reflex___state____state.hydrate_and_load", "payload": {},
                          "router_data": {"pathname": JOBS_PATH, "asPath": JOBS_PATH}}}
        self._send(f"40{NAMESPACE},{json.dumps(boot)}")
        hydrated = False
        with contextlib.suppress(TimeoutError):  # not signed in: reported by the caller
            async with asyncio.timeout(timeout_s):
                while not (hydrated and self.signed_in):  # the page's on_load (require_login) may come last
                    message = await self._event_frame()
                    self.signed_in = self.signed_in or b'"signed_in_rx_state_":true' in message
                    hydrated = hydrated or b'"is_hydrated_rx_state_":true' in message

    async def load(self) -> float:
        """Send JobsState.load once and wait for its reply; returns seconds."""
        self.seq += 1
        seq = str(self.seq).encode()
        marker = b'"query":"n=' + seq + b'"'  # the reply's router delta carries the new query
        start = time.perf_counter()
        self._send_bytes(self._head + seq + self._mid + seq + self._tail)
        while True:
            message = await self._event_frame()
            if marker in message:
                return time.perf_counter() - start
            if b'"_redirect"' in message or b"toast" in message:
                self.odd_replies += 1

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.w.write(bytes((0x88, 0x80)) + b"\0\0\0\0")
            self.w.close()
            await asyncio.wait_for(self.w.wait_closed(), 2)


async def _login_all(app: RunningApp, emails: list[str], password: str, parallel: int = 4) -> list[str]:
    """Sign every user in through the real form endpoint; the raw session ids from the cookies."""
    import httpx

    gate = asyncio.Semaphore(parallel)

    async def one(email: str) -> str:
        # A client (cookie jar) per user: a login that carries another user's mb_session ends that
        # session first (no session fixation), as it should.
        async with gate, httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.port}", timeout=60,
                                           headers={"Host": urlsplit(app.url).netloc}) as client:
            reply = await client.post("/api/auth/login", data={"email": email, "password": password},
                                      headers={"Origin": app.url})
        cookie = reply.cookies.get("mb_session")
        if reply.status_code != 303 or not cookie:
            raise RuntimeError(f"login of {email} failed: HTTP {reply.status_code} {reply.text[:200]}")
        return str(cookie)

    return list(await asyncio.gather(*(one(e) for e in emails)))


async def _connect_all(app: RunningApp, cookies: list[str], event_name: str, parallel: int = 16) -> list[WsClient]:
    gate = asyncio.Semaphore(parallel)

    async def one(cookie: str) -> WsClient:
        async with gate:
            client = await WsClient.open(app.port, app.url, cookie, event_name)
            await client.hydrate()
            return client

    clients = list(await asyncio.gather(*(one(c) for c in cookies)))
    not_signed_in = sum(1 for c in clients if not c.signed_in)
    if not_signed_in:
        raise RuntimeError(f"{not_signed_in} websocket clients were not signed in after hydration")
    return clients


# ---------------------------------------------------------------------------------------------
# measurements


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Samples:
    """(completion time, latency s) of every reply inside the measured window."""

    done: list[tuple[float, float]] = field(default_factory=list)
    errors: int = 0

    def in_window(self, start: float, end: float) -> list[float]:
        return [lat for t, lat in self.done if start <= t <= end]


async def _closed_loop(clients: list[WsClient], stop_at: float, samples: Samples) -> None:
    async def run(client: WsClient) -> None:
        while time.perf_counter() < stop_at:
            try:
                lat = await asyncio.wait_for(client.load(), 30)
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                samples.errors += 1
                return
            samples.done.append((time.perf_counter(), lat))

    await asyncio.gather(*(run(c) for c in clients))


async def _paced(clients: list[WsClient], period_s: float, stop_at: float, samples: Samples) -> None:
    async def run(client: WsClient) -> None:
        due = time.perf_counter() + random.uniform(0, period_s)
        while due < stop_at:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                lat = await asyncio.wait_for(client.load(), 30)
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                samples.errors += 1
                return
            samples.done.append((time.perf_counter(), lat))
            due = max(due + period_s, time.perf_counter())  # no catch-up bursts

    await asyncio.gather(*(run(c) for c in clients))


async def _health_probe(url: str, seconds: float, interval_s: float = 0.1) -> list[float]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--child-health", url, str(seconds), str(interval_s),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        out, err = await proc.communicate()
    except BaseException:  # interrupted: leave no probe behind
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.shield(proc.wait())
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"health probe failed: {err.decode()[-800:]}")
    return [float(x) for x in json.loads(out.decode().strip().splitlines()[-1])]


def _machine_cpu(db_name: str | None) -> tuple[float, dict[int, float]]:
    """(busy CPU seconds of the whole machine, CPU seconds of each server process of the app: the
    PostgreSQL backends of its database `db_name` and Redis; none for the embedded app)."""
    import psutil

    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
    services: dict[int, float] = {}
    if db_name is None:
        return busy, services
    for p in psutil.process_iter(["name", "cmdline"]):
        name, cmd = p.info["name"] or "", " ".join(p.info["cmdline"] or ())
        if name.startswith("redis") or (name.startswith("postgres") and f" {db_name} " in f"{cmd} "):
            with contextlib.suppress(psutil.Error):
                c = p.cpu_times()
                services[p.pid] = c.user + c.system
    return busy, services


def _services_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds of the server processes alive at the end (new ones count fully)."""
    return sum(now - before.get(pid, 0.0) for pid, now in after.items())


def _cpu_delta(before: dict[int, ProcSample], after: dict[int, ProcSample]) -> dict[str, float]:
    """CPU seconds spent per kind of process between two samples (new processes count fully)."""
    out: dict[str, float] = {}
    for pid, now in after.items():
        spent = now.cpu_s - (before[pid].cpu_s if pid in before else 0.0)
        out[now.kind] = out.get(now.kind, 0.0) + spent
        if now.kind == "web":
            out["web_sys"] = out.get("web_sys", 0.0) + now.sys_s - (before[pid].sys_s if pid in before else 0.0)
        if now.kind == "web":
            out[f"web:{pid}"] = spent
    return out


@dataclass
class ConfigResult:
    name: str
    users: int
    web_procs: int = 0
    paced: dict[str, float] = field(default_factory=dict)
    saturation: dict[str, float] = field(default_factory=dict)
    health_idle: list[float] = field(default_factory=list)
    health_busy: list[float] = field(default_factory=list)
    web_cpu_split: list[float] = field(default_factory=list)
    peak_tree_mb: float = 0.0
    peak_web_mb: float = 0.0
    setup_s: float = 0.0
    odd: int = 0
    profiles: list[Path] = field(default_factory=list)


async def _profile(py_spy: str, procs: list[Any], seconds: float, out_dir: Path, config: str) -> list[Path]:
    """py-spy (collapsed stacks of the thread holding the GIL) on each web process for `seconds`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for p in procs:
        path = out_dir / f"{config}-{p.pid}.txt"
        runs.append((path, await asyncio.create_subprocess_exec(
            py_spy, "record", "--pid", str(p.pid), "--duration", str(int(seconds)), "--rate", "200", "--gil",
            "--nonblocking", "--format", "raw", "--output", str(path),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)))
    try:
        for _, proc in runs:
            await proc.wait()
    except BaseException:
        for _, proc in runs:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        raise
    return [path for path, _ in runs if path.exists()]


async def _measure(app: RunningApp, users: int, jobs_per_user: int, phases: Phases, result: ConfigResult,
                   py_spy: str | None = None) -> None:
    assert app.monitor is not None
    t0 = time.perf_counter()
    seed = await asyncio.to_thread(_seed, app, users, jobs_per_user)
    cookies = await _login_all(app, seed["emails"], seed["password"])
    clients = await _connect_all(app, cookies, seed["event"])
    result.setup_s = time.perf_counter() - t0
    try:
        for c in clients:  # one event each: every state now holds its rows
            await c.load()
        result.health_idle = await _health_probe(app.url, phases.idle_health_s)

        # 1. paced: one event per user per second
        samples = Samples()
        start = time.perf_counter() + phases.paced_warmup_s
        end = start + phases.paced_s
        await _paced(clients, 1.0, end, samples)
        lat = samples.in_window(start, end)
        result.paced = {"events": len(lat), "rate": len(lat) / phases.paced_s, "errors": samples.errors,
                        "p50": _pct(lat, 50) * 1000, "p95": _pct(lat, 95) * 1000, "p99": _pct(lat, 99) * 1000,
                        "max": max(lat, default=float("nan")) * 1000}
        await asyncio.sleep(1)

        # 2. saturation: back to back, health probed from another process meanwhile
        samples = Samples()
        start = time.perf_counter() + phases.warmup_s
        end = start + phases.saturation_s
        loop_task = asyncio.create_task(_closed_loop(clients, end, samples))
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        db_name = urlsplit(app.env["DATABASE_URL"]).path.lstrip("/") if "DATABASE_URL" in app.env else None
        cpu_before, own_before, machine_before = app.monitor.cpu(), time.process_time(), _machine_cpu(db_name)
        start = time.perf_counter()  # the window is between the CPU samples, as taken
        health_task = asyncio.create_task(_health_probe(app.url, phases.saturation_s - 0.5))
        if py_spy:
            web = [p for p in app.monitor.procs() if app.monitor.kind(p) == "web"]
            result.profiles = await _profile(py_spy, web, phases.saturation_s - 1, ROOT / "bench-output", result.name)
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        end = time.perf_counter()
        cpu_after, own_after, machine_after = app.monitor.cpu(), time.process_time(), _machine_cpu(db_name)
        await loop_task
        result.health_busy = await health_task
        lat = samples.in_window(start, end)
        spent = _cpu_delta(cpu_before, cpu_after)
        window = end - start
        result.saturation = {"events": len(lat), "rate": len(lat) / window, "errors": samples.errors,
                             "p50": _pct(lat, 50) * 1000, "p95": _pct(lat, 95) * 1000,
                             "p99": _pct(lat, 99) * 1000,
                             "web_cores": spent.get("web", 0.0) / window,
                             "other_cores": (spent.get("worker", 0.0) + spent.get("launcher", 0.0)
                                             + spent.get("other", 0.0)) / window,
                             "bench_cores": (own_after - own_before) / window,
                             "machine_cores": (machine_after[0] - machine_before[0]) / window,
                             "services_cores": _services_delta(machine_before[1], machine_after[1]) / window,
                             "web_cpu_ms_per_event": spent.get("web", 0.0) * 1000 / max(1, len(lat)),
                             "web_sys_ms_per_event": spent.get("web_sys", 0.0) * 1000 / max(1, len(lat))}
        result.web_cpu_split = sorted((v / window for k, v in spent.items() if k.startswith("web:") and v > 0.05),
                                      reverse=True)
        result.odd = sum(c.odd_replies for c in clients)
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    result.web_procs = app.monitor.max_web_procs
    result.peak_tree_mb, result.peak_web_mb = app.monitor.peak_tree_mb, app.monitor.peak_web_mb


# ---------------------------------------------------------------------------------------------
# running and printing


@contextlib.contextmanager
def _services(config: str) -> Iterator[dict[str, str]]:
    if config == "embedded":
        yield {}
        return
    with ScaledServices() as services:
        yield services.env


def run_config(config: str, users: int, jobs_per_user: int, phases: Phases, tools_bin: Path | None,
               py_spy: str | None = None, app_env: dict[str, str] | None = None) -> ConfigResult:
    result = ConfigResult(name=config, users=users)
    with tempfile.TemporaryDirectory(prefix=f"ui-bench-{config}-") as tmp, _services(config) as extra_env:
        app = RunningApp(Path(tmp), {**extra_env, **(app_env or {})}, tools_bin)
        try:
            started = time.perf_counter()
            app.start()
            print(f"[{config}] app ready at {app.url} after {time.perf_counter() - started:.0f} s "
                  f"({extra_env.get('DATABASE_URL', 'SQLite')}, {extra_env.get('REDIS_URL', 'in-memory state')})",
                  flush=True)
            asyncio.run(_measure(app, users, jobs_per_user, phases, result, py_spy))
        finally:
            app.stop()
    return result


def _goal_rows(r: ConfigResult) -> list[tuple[str, str, str, bool | None]]:
    s, p = r.saturation, r.paced
    cores = os.cpu_count() or 1
    idle_ok = [x for x in r.health_idle if x >= 0]
    busy_ok = [x for x in r.health_busy if x >= 0]
    busy_failed = len(r.health_busy) - len(busy_ok)
    split = " + ".join(f"{c:.2f}" for c in r.web_cpu_split) or "-"
    ours = s["services_cores"] + s["web_cores"] + s["other_cores"] + s["bench_cores"]
    rest = max(0.0, s["machine_cores"] - ours)  # other users of the machine
    # What the same CPU per event would give with the cores to ourselves: a busy web process uses
    # about one core (its Python code holds the GIL; the server's own I/O threads add a little:
    # as measured, when more), and ours (web, load generator, servers) share all of them.
    ours_ms = ours * 1000 / max(1e-9, s["rate"])
    projected = min(max(len(r.web_cpu_split), s["web_cores"]) * 1000 / max(1e-9, s["web_cpu_ms_per_event"]),
                    cores * 1000 / max(1e-9, ours_ms))
    odd = r.odd
    return [
        (f"saturation events/s ({r.users} clients back to back, {cores} cores)", f"{s['rate']:.0f}",
         f">= {EVENTS_GOAL:.0f}", s["rate"] >= EVENTS_GOAL),
        (f"  latency at saturation p50 / p95 / p99 ms ({s['events']} events, {s['errors']} errors)",
         f"{s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f}", "-", None),
        (f"paced p95 ms ({r.users} users x 1 event/s; {p['rate']:.0f} events/s achieved)", f"{p['p95']:.1f}",
         f"<= {P95_MS_GOAL:.0f}", p["p95"] <= P95_MS_GOAL and r.users >= GOAL_USERS),
        (f"  paced p50 / p99 / max ms ({p['events']} events, {p['errors']} errors)",
         f"{p['p50']:.1f} / {p['p99']:.1f} / {p['max']:.0f}", "-", None),
        ("GET /api/health p50 / p95 / max ms while saturated"
         + (f" ({busy_failed} failed)" if busy_failed else ""),
         f"{_pct(busy_ok, 50):.1f} / {_pct(busy_ok, 95):.1f} / {max(busy_ok, default=float('nan')):.0f}", "-", None),
        ("  GET /api/health p50 / p95 ms at idle", f"{_pct(idle_ok, 50):.1f} / {_pct(idle_ok, 95):.1f}", "-", None),
        (f"CPU cores at saturation: web ({len(r.web_cpu_split)} busy of {r.web_procs} processes: [{split}])"
         " / worker+launcher / load generator",
         f"{s['web_cores']:.2f} / {s['other_cores']:.2f} / {s['bench_cores']:.2f}", "-", None),
        ("  whole machine busy / the app's PostgreSQL backends + Redis / anything else (cores)",
         f"{s['machine_cores']:.2f} / {s['services_cores']:.2f} / {rest:.2f}", "-", None),
        ("  web CPU ms per event (of which kernel)",
         f"{s['web_cpu_ms_per_event']:.2f} ({s['web_sys_ms_per_event']:.2f})", "-", None),
        (f"  events/s this CPU per event gives on {cores} otherwise idle cores ({ours_ms:.2f} ms of ours per event)",
         f"{projected:.0f}", "-", None),
        ("peak RSS MB: app process tree (web processes)", f"{r.peak_tree_mb:.0f} ({r.peak_web_mb:.0f})", "-", None),
        ("failed loads (toast/redirect replies)", str(odd), "0", odd == 0),
    ]


def _print(r: ConfigResult) -> list[str]:
    rows = _goal_rows(r)
    width = max(len(name) for name, *_ in rows)
    vwidth = max(len(v) for _, v, *_ in rows)
    print(f"\n== {r.name}: {'SQLite, in-memory state' if r.name == 'embedded' else 'PostgreSQL + Redis state'}"
          f" (setup: {r.users} users signed in and hydrated in {r.setup_s:.0f} s)")
    print(f"{'measure':{width}}  {'value':>{vwidth}}  goal / met")
    failed = []
    for name, value, goal, met in rows:
        verdict = "" if met is None else (" / MET" if met else " / NOT MET")
        print(f"{name:{width}}  {value:>{vwidth}}  {goal}{verdict}")
        if met is False:
            failed.append(f"{r.name}: {name.strip()}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=("embedded", "scaled", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="shorter windows (about 1 min per configuration)")
    parser.add_argument("--users", type=int, default=GOAL_USERS)
    parser.add_argument("--jobs-per-user", type=int, default=10)
    parser.add_argument("--tools-bin", type=Path, default=ROOT / ".tools" / "node_modules" / ".bin",
                        help="directory holding bun (default: .tools/node_modules/.bin)")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the web processes during the saturation window "
                        "with this py-spy binary (collapsed stacks in bench-output/)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--app-env", metavar="NAME=VALUE", action="append", default=[],
                        help="extra environment variable for the app (repeatable), to compare settings")
    args = parser.parse_args(argv)
    tools_bin: Path | None = args.tools_bin if (args.tools_bin / "bun").exists() else None
    if tools_bin is None and shutil.which("bun") is None:
        print(f"bun not found in {args.tools_bin} nor on PATH (./mb run installs it); see --tools-bin",
              file=sys.stderr)
        return 1
    if any("=" not in kv for kv in args.app_env):
        parser.error("--app-env takes NAME=VALUE")
    phases = QUICK if args.quick else FULL
    configs = ("embedded", "scaled") if args.config == "both" else (args.config,)
    # Cleanup runs on SIGTERM as on Ctrl-C (and SIGINT may arrive ignored from a background shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    failed: list[str] = []
    results: list[dict[str, Any]] = []
    for config in configs:
        try:
            result = run_config(config, args.users, args.jobs_per_user, phases, tools_bin, args.py_spy,
                                dict(kv.split("=", 1) for kv in args.app_env))
        except KeyboardInterrupt:
            print("\ninterrupted: stopped the app and removed what the run made", file=sys.stderr)
            return 130
        except Exception as exc:  # noqa: BLE001  (report and go on with the next configuration)
            print(f"[{config}] run failed: {exc}", file=sys.stderr)
            failed.append(f"{config}: run failed")
            continue
        failed += _print(result)
        results.append(dataclasses.asdict(result) | {"profiles": [str(p) for p in result.profiles]})
        for path in result.profiles:
            print(f"  profile: {path}")
    print("\nALL GOALS MET" if not failed else "\nGOALS NOT MET:\n  " + "\n  ".join(failed))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "failed": failed}, indent=1))
    return 1 if any(f.endswith("run failed") for f in failed) else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-seed":
        _child_seed(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-health":
        _child_health(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(main())

"""SFTP delivery against a real SFTP server (asyncssh, 127.0.0.1, key auth only) through the job
system: the batch lands whole with its marker last and the distributor's acknowledgement moves the
state; an unknown host key is refused; a connection dropped mid-upload is resumed on the retry and the
destination never sees half a package (no marker, not delivered) in between."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from sqlmodel import Session

from maxbooster.models.jobs import Job
from maxbooster.models.releases import DeliveryState
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.releases import delivery
from maxbooster.services.releases.providers import sftp
from maxbooster.settings import get_settings
from tests.releases.support import ddex_env
from tests.releases.test_delivery import _delivery, _ready, _transitions
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, ddex_env = fx.acct_env, lib.jobs_run, ddex_env
DROP_AFTER = 2 * 1024 * 1024  # bytes of the audio file the server takes before it drops the connection


@dataclass
class Server:
    """What the test SFTP server holds and saw."""

    root: Path
    host_key: asyncssh.SSHKey
    client_key_path: Path
    port: int = 0
    drop_audio_after: int = 0  # > 0: drop the connection once, after this many bytes of a .flac file
    drops: int = 0
    writes: list[tuple[int, str, int]] = field(default_factory=list)  # (drops before its connection, name, bytes)
    renames: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def audio_bytes(self, epoch: int) -> int:
        return sum(n for e, name, n in self.writes if e == epoch and name.endswith(".flac"))


class _Files(asyncssh.SFTPServer):
    """The tmp folder as the SFTP root; records writes and renames, and drops the connection once
    mid-file when asked."""

    def __init__(self, chan: asyncssh.SSHServerChannel, state: Server) -> None:
        super().__init__(chan, chroot=str(state.root).encode())
        self.state, self.names = state, dict[int, str]()
        self.epoch = state.drops  # writes of this connection count for the attempt that opened it

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> Any:
        file_obj = super().open(path, pflags, attrs)
        self.names[id(file_obj)] = path.decode()
        return file_obj

    def write(self, file_obj: object, offset: int, data: bytes) -> Any:
        name, st = self.names.get(id(file_obj), ""), self.state
        with st.lock:
            st.writes.append((self.epoch, name, len(data)))
            drop = st.drop_audio_after and name.endswith(".flac") and st.audio_bytes(st.drops) > st.drop_audio_after
            if drop:
                st.drop_audio_after, st.drops = 0, st.drops + 1
        if drop:
            self.channel.get_connection().abort()
            raise asyncssh.SFTPFailure("connection dropped")
        return super().write(file_obj, offset, data)

    def rename(self, oldpath: bytes, newpath: bytes) -> Any:
        self.state.renames.append((oldpath.decode(), newpath.decode()))
        return super().rename(oldpath, newpath)


class _KeyOnly(asyncssh.SSHServer):
    def password_auth_supported(self) -> bool:
        return False


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[Server]:
    """An SFTP server on 127.0.0.1 (free port) in a thread of its own, serving tmp_path/remote."""
    host_key, client_key = asyncssh.generate_private_key("ssh-ed25519"), asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "client_key"
    client_key.write_private_key(str(key_path))
    state = Server(root=tmp_path / "remote", host_key=host_key, client_key_path=key_path)
    state.root.mkdir()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def start() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[host_key], server_factory=_KeyOnly,
            authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key().decode()),
            sftp_factory=lambda chan: _Files(chan, state), allow_scp=False)
    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    state.port = acceptor.sockets[0].getsockname()[1]
    yield state
    acceptor.close()
    asyncio.run_coroutine_threadsafe(acceptor.wait_closed(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)


def _configure(monkeypatch: pytest.MonkeyPatch, server: Server, host_key: str) -> None:
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(server.port)), ("USER", "distributor"),
                        ("KEY_PATH", str(server.client_key_path)), ("HOST_KEY", host_key),
                        ("REMOTE_DIR", "/drop"), ("TIMEOUT", "10")):
        monkeypatch.setenv(f"DELIVERY_SFTP_{name}", value)
    get_settings.cache_clear()


def _wait(condition: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def _acknowledge(root: Path, batch: str, status: str = "accepted") -> None:
    """The distributor answers (as it would, on its own server)."""
    (root / "acknowledgements").mkdir(parents=True, exist_ok=True)
    (root / "acknowledgements" / f"{batch}.json").write_text(json.dumps({"status": status, "reason": "Ingested."}))


def _markers(root: Path) -> list[Path]:
    return list(root.rglob("BatchComplete_*.xml"))


def test_a_release_is_delivered_over_sftp_with_its_marker_last(
        session: Session, acct_env: Path, ddex_env: Path, jobs_run: InProcessBroker, sftp_server: Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _configure(monkeypatch, sftp_server, sftp_server.host_key.get_fingerprint("sha256"))
    user = make_user(session)
    release = _ready(session, user, destinations=["sftp"])
    delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    drop = sftp_server.root / "drop"
    marker = _wait(lambda: _markers(drop))[0]
    row = _delivery(session, release, "sftp")
    assert marker == drop / row.last_batch / f"BatchComplete_{row.last_batch}.xml"
    assert row.state == DeliveryState.DELIVERING  # whole on the server, but not acknowledged yet
    _acknowledge(drop, row.last_batch)
    assert jobs_run.wait_idle(60)
    row = _delivery(session, release, "sftp")
    assert row.state == DeliveryState.DELIVERED, row.state_message
    assert row.state_message == "Ingested."
    assert [t[0] for t in _transitions(session, row)][-2:] == ["delivering", "delivered"]

    batch = drop / row.last_batch
    manifest = json.loads((batch / "manifest.json").read_text())
    for item in manifest["files"]:  # every file whole, as the manifest lists it
        assert (batch / item["path"]).stat().st_size == item["bytes"]
    assert any(p.endswith(".flac") for p in (f["path"] for f in manifest["files"]))
    assert {p.name for p in drop.iterdir()} == {"acknowledgements", row.last_batch}  # no temporaries left
    # the batch was renamed into place before its marker, and the marker came last
    assert sftp_server.renames[-2][1].endswith(f"/drop/{row.last_batch}")
    assert sftp_server.renames[-2][0].endswith(f"/drop/.{row.last_batch}.part")
    assert sftp_server.renames[-1][1].endswith(f"/{row.last_batch}/BatchComplete_{row.last_batch}.xml")

    # a takedown goes the same way (an update whose deals end, then a purge: this profile asks for one)
    delivery.request_takedown(session=session, actor=actor_for(user), release_id=release.id)
    row = _wait(lambda: (r := _delivery(session, release, "sftp")).last_batch.endswith("T") and r)
    _wait(lambda: (drop / f"{row.last_batch}P" / f"BatchComplete_{row.last_batch}P.xml").is_file())
    assert (drop / row.last_batch / f"BatchComplete_{row.last_batch}.xml").is_file()
    _acknowledge(drop, row.last_batch)
    assert jobs_run.wait_idle(60)
    assert _delivery(session, release, "sftp").state == DeliveryState.TAKEN_DOWN


def test_an_unknown_host_key_is_refused(session: Session, acct_env: Path, ddex_env: Path, jobs_run: InProcessBroker,
                                        sftp_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    _configure(monkeypatch, sftp_server, other)
    user = make_user(session)
    release = _ready(session, user, destinations=["sftp"])
    delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    row = _wait(lambda: (r := _delivery(session, release, "sftp")).state_message.startswith("The SFTP") and r)
    presented = sftp_server.host_key.get_fingerprint("sha256")
    assert row.state_message == (
        f"The SFTP server 127.0.0.1:{sftp_server.port} presented the host key {presented}, which is not the one "
        "configured (DELIVERY_SFTP_HOST_KEY): nothing was sent to it.")
    assert row.state == DeliveryState.DELIVERING
    assert list(sftp_server.root.rglob("*")) == [] and sftp_server.writes == []


def test_password_sign_in_is_refused(sftp_server: Server) -> None:
    async def sign_in() -> None:
        async with asyncssh.connect("127.0.0.1", sftp_server.port, username="distributor", password="secret",
                                    known_hosts=None, client_keys=None, agent_path=None, config=[]):
            pass
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(sign_in())


def test_a_dropped_connection_resumes_and_never_shows_half_a_package(
        session: Session, acct_env: Path, ddex_env: Path, jobs_run: InProcessBroker, sftp_server: Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _configure(monkeypatch, sftp_server, sftp_server.host_key.export_public_key().decode())
    sftp_server.drop_audio_after = DROP_AFTER
    user = make_user(session)
    release = _ready(session, user, destinations=["sftp"])
    delivery.submit_release(session=session, actor=actor_for(user), release_id=release.id)
    drop = sftp_server.root / "drop"

    # between the failed attempt and its retry: not delivered, no marker, nothing under the batch's name
    def failed_once() -> bool:
        row = _delivery(session, release, "sftp")
        job = session.get(Job, row.job_id)
        return sftp_server.drops == 1 and job is not None and job.status == "pending" and job.attempts == 1
    _wait(failed_once)
    row = _delivery(session, release, "sftp")
    assert row.state == DeliveryState.DELIVERING and row.state_message == "Sending failed; retrying."
    assert _markers(drop) == [] and not (drop / row.last_batch).exists()
    partial = next((drop / f".{row.last_batch}.part").rglob("*.flac")).stat().st_size
    assert partial >= DROP_AFTER  # the server kept what it had received

    _wait(lambda: _markers(drop))
    _acknowledge(drop, row.last_batch)
    assert jobs_run.wait_idle(60)
    row = _delivery(session, release, "sftp")
    assert row.state == DeliveryState.DELIVERED, row.state_message
    flac = next((drop / row.last_batch).rglob("*.flac"))
    size = flac.stat().st_size
    assert size > DROP_AFTER * 1.5
    resent = sftp_server.audio_bytes(1)
    # resumed where it stopped, less the writes that may have been in flight; not from the start
    assert resent == size - (partial - sftp.WINDOW) and resent <= size - DROP_AFTER // 2
    assert sftp_server.audio_bytes(0) + resent >= size
    # every file is the retry's own, whole: the audio resumed, the rebuilt message sent afresh
    manifest = json.loads((drop / row.last_batch / "manifest.json").read_text())
    assert any(f["path"].endswith(flac.name) and f["bytes"] == size for f in manifest["files"])
    for item in manifest["files"]:
        assert hashlib.sha256((drop / row.last_batch / item["path"]).read_bytes()).hexdigest() == item["sha256"]


def test_the_host_key_setting_takes_a_key_line_a_known_hosts_line_or_a_fingerprint() -> None:
    key, other = asyncssh.generate_private_key("ssh-ed25519"), asyncssh.generate_private_key("ssh-ed25519")
    line = key.export_public_key().decode().strip()
    for accepted in (line, f"[127.0.0.1]:2222 {line}", key.get_fingerprint("sha256"), key.get_fingerprint("md5")):
        assert sftp.host_key_matches(key, accepted), accepted
        assert not sftp.host_key_matches(other, accepted), accepted
    for refused in ("", "not a key", "SHA256:", key.get_fingerprint("sha256").lower()):
        assert not sftp.host_key_matches(key, refused), refused

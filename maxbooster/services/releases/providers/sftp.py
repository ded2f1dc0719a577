"""The SFTP adapter: batches go to a distributor's SFTP server, acknowledgements come back as files.

    <remote dir>/.<batch id>.part/…                        the batch while it is uploaded (resumable)
    <remote dir>/.<batch id>.journal.json                  {relative path: sha256} of the files being sent
    <remote dir>/<batch id>/…                              renamed into place once every file is whole
    <remote dir>/<batch id>/BatchComplete_<batch id>.xml   written last, through a temporary name
    <remote dir>/acknowledgements/<batch id>.json          the distributor's answer (as for the folder)

Key auth only, and the server's host key must be the configured one (a public key line or its SHA256
fingerprint): any other is refused before we sign in. A dropped connection fails the attempt and the
job system retries with back-off; the next attempt resumes each file from its size on the server,
less the writes that may still have been in flight, when the journal says the file on the server
holds the same content (the message and manifest are rebuilt on a retry, the audio is not).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import posixpath
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import asyncssh

from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases.providers.base import Acknowledgement
from maxbooster.services.releases.providers.folder import ACK_FOLDER, MAX_ACK_BYTES, marker_name, parse_ack
from maxbooster.settings import Settings

log = logging.getLogger("maxbooster.releases")
CHUNK = 64 * 1024  # one SFTP write request
IN_FLIGHT = 16  # write requests in flight at once
WINDOW = CHUNK * IN_FLIGHT  # bytes that may be missing below a dropped file's size: a resume re-sends them
T = TypeVar("T")


class HostKeyRefused(InvalidInput):
    """The server is not the one configured (its host key differs): nothing is sent to it."""


@dataclass(frozen=True)
class SftpTarget:
    host: str
    port: int
    user: str
    key_path: Path
    host_key: str  # "ssh-ed25519 AAAA…" (a known_hosts line's key) or "SHA256:…"
    remote_dir: str = "."
    timeout_s: float = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> SftpTarget:
        missing = [name for name, value in (
            ("DELIVERY_SFTP_HOST", settings.sftp_host), ("DELIVERY_SFTP_USER", settings.sftp_user),
            ("DELIVERY_SFTP_KEY_PATH", settings.sftp_key_path), ("DELIVERY_SFTP_HOST_KEY", settings.sftp_host_key),
        ) if not value]
        if missing:
            raise InvalidInput(f"SFTP delivery is not set up on this server: {', '.join(missing)} missing.")
        return cls(settings.sftp_host, settings.sftp_port, settings.sftp_user,
                   Path(settings.sftp_key_path).expanduser(), settings.sftp_host_key,
                   settings.sftp_remote_dir or ".", settings.sftp_timeout_s)


def host_key_matches(key: asyncssh.SSHKey, expected: str) -> bool:
    """Whether `key` is the configured host key (public key line, known_hosts line or fingerprint)."""
    expected = expected.strip()
    algorithm, _, _ = expected.partition(":")
    if algorithm.upper() in {"SHA256", "MD5"}:
        presented = key.get_fingerprint(algorithm.lower())
        return presented == expected if algorithm.upper() == "SHA256" else presented.lower() == expected.lower()
    words = expected.split()
    if len(words) >= 3 and "ssh-" not in words[0] and "ecdsa-" not in words[0]:
        words = words[1:]  # a known_hosts line: drop its host pattern
    try:
        return asyncssh.import_public_key(" ".join(words[:2])).public_data == key.public_data
    except (asyncssh.KeyImportError, ValueError):
        return False


class _Client(asyncssh.SSHClient):
    def __init__(self, expected: str) -> None:
        self.expected, self.presented = expected, ""

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.presented = key.get_fingerprint("sha256")
        return host_key_matches(key, self.expected)


def _run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous code (a job runs in a worker thread; should a
    loop already run in this thread, a thread of its own runs it)."""
    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            box["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(WINDOW):
            digest.update(block)
    return digest.hexdigest()


class SftpProvider:
    """Sends batches to `target.remote_dir` and reads acknowledgements from its `acknowledgements/`."""

    def __init__(self, target: SftpTarget) -> None:
        self.target = target
        self.root = target.remote_dir.rstrip(posixpath.sep) or posixpath.sep

    def _path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    @asynccontextmanager
    async def _sftp(self) -> AsyncIterator[asyncssh.SFTPClient]:
        t, client = self.target, _Client(self.target.host_key)
        try:
            conn = await asyncssh.connect(
                t.host, t.port, username=t.user, client_keys=[str(t.key_path)], known_hosts=([], [], []),
                client_factory=lambda: client, agent_path=None, preferred_auth="publickey", config=[],
                connect_timeout=t.timeout_s, login_timeout=t.timeout_s,
                keepalive_interval=max(1.0, t.timeout_s / 3), keepalive_count_max=3)
        except asyncssh.HostKeyNotVerifiable as exc:
            raise HostKeyRefused(
                f"The SFTP server {t.host}:{t.port} presented the host key {client.presented or 'of an unknown kind'}, "
                f"which is not the one configured (DELIVERY_SFTP_HOST_KEY): nothing was sent to it.") from exc
        async with conn, conn.start_sftp_client() as sftp:
            yield sftp

    def complete(self, batch_id: str) -> bool:
        async def check() -> bool:
            async with self._sftp() as sftp:
                return bool(await sftp.exists(self._path(batch_id, marker_name(batch_id))))
        return _run(check)

    def acknowledgement(self, *, batch_id: str) -> Acknowledgement | None:
        async def read() -> bytes | None:
            async with self._sftp() as sftp:
                try:
                    async with sftp.open(self._path(ACK_FOLDER, f"{batch_id}.json"), "rb") as fh:
                        return cast(bytes, await fh.read(MAX_ACK_BYTES))  # opened in binary mode
                except asyncssh.SFTPNoSuchFile:
                    return None
        raw = _run(read)
        return None if raw is None else parse_ack(raw, where=f"sftp://{self.target.host}/{ACK_FOLDER}/{batch_id}.json")

    def send(self, batch_dir: Path, *, batch_id: str) -> None:
        async def send() -> None:
            async with self._sftp() as sftp:
                await self._send(sftp, batch_dir, batch_id)
        _run(send)

    async def _send(self, sftp: asyncssh.SFTPClient, batch_dir: Path, batch_id: str) -> None:
        marker = marker_name(batch_id)
        final, part = self._path(batch_id), self._path(f".{batch_id}.part")
        journal = self._path(f".{batch_id}.journal.json")
        if await sftp.exists(posixpath.join(final, marker)):
            return
        files = {p.relative_to(batch_dir).as_posix(): p for p in sorted(batch_dir.rglob("*"))
                 if p.is_file() and p.name != marker}
        hashes = {rel: _sha256(path) for rel, path in files.items()}
        await sftp.makedirs(self.root, exist_ok=True)
        if await sftp.isdir(final):  # an attempt stopped between the rename and the marker
            if await sftp.exists(part):
                await sftp.rmtree(final)
            else:
                await sftp.rename(final, part)
        sent_before = await self._read_journal(sftp, journal)
        for rel in files:
            if sent_before.get(rel) != hashes[rel]:  # other content (or unknown): never resume from its bytes
                with suppress(asyncssh.SFTPNoSuchFile):
                    await sftp.remove(posixpath.join(part, rel))
        async with sftp.open(journal, "wb") as fh:
            await fh.write(json.dumps(hashes).encode())
        for rel, path in files.items():
            await self._upload(sftp, path, posixpath.join(part, rel))
        await sftp.rename(part, final)
        temporary = posixpath.join(final, f".{marker}.part")
        await sftp.put(str(batch_dir / marker), temporary)
        await sftp.rename(temporary, posixpath.join(final, marker))  # the destination sees the batch now
        with suppress(asyncssh.SFTPError):
            await sftp.remove(journal)

    @staticmethod
    async def _read_journal(sftp: asyncssh.SFTPClient, journal: str) -> dict[str, str]:
        try:
            async with sftp.open(journal, "rb") as fh:
                body = json.loads(await fh.read(4 * 1024 * 1024))
        except (asyncssh.SFTPError, ValueError):
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}

    async def _upload(self, sftp: asyncssh.SFTPClient, local: Path, remote: str) -> int:
        """Send `local` to `remote`, resuming after the bytes already there; the bytes sent."""
        size = local.stat().st_size
        await sftp.makedirs(posixpath.dirname(remote), exist_ok=True)
        try:
            have = int((await sftp.stat(remote)).size or 0)
        except asyncssh.SFTPNoSuchFile:
            have = 0
        # Writes go out IN_FLIGHT at a time: after a drop, the last WINDOW bytes below the size on the
        # server may have holes, so they are sent again.
        start = 0 if have > size else max(0, have - WINDOW)
        if start:
            log.info("resuming %s at byte %d of %d", remote, start, size)
        async with sftp.open(remote, "r+b" if start else "wb", block_size=CHUNK, max_requests=IN_FLIGHT) as fh:
            with open(local, "rb") as src:
                src.seek(start)
                offset = start
                while block := src.read(WINDOW):
                    await fh.write(block, offset)
                    offset += len(block)
        stored = int((await sftp.stat(remote)).size or 0)
        if stored != size:
            raise OSError(f"{remote} has {stored} bytes on the SFTP server instead of {size}")
        return size - start

"""Storage: per-owner folders, random keys, size cap, nothing left by failed uploads; and the
backend contract proven on both backends (local folder, S3 bucket on moto's real S3 server)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import socket
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlmodel import Session, select

from maxbooster.api.errors import install_error_handlers
from maxbooster.api.streams import body_chunks
from maxbooster.models import StoredFile, User
from maxbooster.services import storage
from maxbooster.services.errors import ErrorCode, InvalidInput, NotFound, StorageUnavailable
from maxbooster.settings import get_settings
from tests.support import s3 as s3fx
from tests.support.accounts import actor_for


@pytest.fixture
def owner(session: Session) -> User:
    user = User(email="artist@example.com", display_name="Artist")
    session.add(user)
    session.commit()
    return user


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "a/../../../x.wav"])
def test_hostile_filenames_stay_in_owner_folder(session: Session, owner: User, name: str) -> None:
    record = storage.save_upload(session=session, actor=actor_for(owner), filename=name, chunks=[b"RIFF data"])
    root = get_settings().storage_dir.resolve()
    files = _files(root)
    assert len(files) == 1 and files[0].parent == root / str(owner.id)
    assert "/" not in record.original_name and "\\" not in record.original_name
    _, fh = storage.open_file(session=session, actor=actor_for(owner), file_id=record.id)
    with fh:
        assert fh.read() == b"RIFF data"


def test_streamed_upload_over_cap_leaves_nothing(session: Session, owner: User) -> None:
    chunks = (b"x" * 1024 for _ in range(2048))  # 2 MiB, streamed
    with pytest.raises(InvalidInput, match="larger than the 1 MB limit"):
        storage.save_upload(session=session, actor=actor_for(owner), filename="big.wav", chunks=chunks,
                            max_bytes=1024 * 1024)
    assert _files(get_settings().storage_dir) == []
    assert session.exec(select(StoredFile)).all() == []


def test_empty_upload_refused(session: Session, owner: User) -> None:
    with pytest.raises(InvalidInput, match="file is empty"):
        storage.save_upload(session=session, actor=actor_for(owner), filename="a.wav", chunks=[b""])
    assert _files(get_settings().storage_dir) == []


def test_default_cap_is_500_mb(app_env: Path) -> None:
    assert get_settings().upload_max_bytes == 500 * 1024 * 1024


def test_other_owner_cannot_open(session: Session, owner: User) -> None:
    other = User(email="other@example.com", display_name="Other")
    session.add(other)
    session.commit()
    record = storage.save_upload(session=session, actor=actor_for(owner), filename="a.wav",
                                 chunks=storage.iter_stream(io.BytesIO(b"abc")))
    assert record.size_bytes == 3
    with pytest.raises(NotFound):
        storage.open_file(session=session, actor=actor_for(other), file_id=record.id)


def test_storage_key_cannot_escape_root(tmp_path: Path) -> None:
    backend = storage.LocalStorage(tmp_path / "root")
    with pytest.raises(InvalidInput, match="escapes"):
        backend.write("../outside", [b"x"], max_bytes=10)
    assert not (tmp_path / "outside").exists()


# ---- both backends: the local folder and an S3 bucket on a real S3-protocol server (moto) ----

moto_endpoint, s3_bucket, storage_backend = s3fx.moto_endpoint, s3fx.s3_bucket, s3fx.storage_backend
MiB = 1024 * 1024


@pytest.fixture
def backend(storage_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """'local' or 's3' (a fresh bucket), with the data dir in tmp_path."""
    monkeypatch.setenv("MAXBOOSTER_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    return storage_backend


def _left_behind(kind: str) -> list[str]:
    """Everything stored: files under the storage folder, or objects and open multipart uploads."""
    s = get_settings()
    if kind == "local":
        return [str(p.relative_to(s.storage_dir)) for p in _files(s.storage_dir)]
    return s3fx.bucket_keys(s.s3_endpoint_url, s.s3_bucket) + s3fx.open_uploads(s.s3_endpoint_url, s.s3_bucket)


def _pattern_chunks(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes made on the fly, different in every chunk (so misordered parts change the hash)."""
    for index, start in enumerate(range(0, total, chunk)):
        n = min(chunk, total - start)
        yield (hashlib.sha256(index.to_bytes(8, "big")).digest() * (n // 32 + 1))[:n]


def _expected(total: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    for chunk in _pattern_chunks(total):
        digest.update(chunk)
    return total, digest.hexdigest()


def _read_all_hash(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    with stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def test_get_storage_follows_settings(backend: str) -> None:
    store = storage.get_storage()
    assert isinstance(store, storage.S3Storage if backend == "s3" else storage.LocalStorage)
    assert storage.media_origins() == ((get_settings().s3_endpoint_url,) if backend == "s3" else ())


def test_streamed_20_mib_write_keeps_memory_flat(backend: str) -> None:
    store, total = storage.get_storage(), 20 * MiB
    store.write("owner/warm-up", [b"x"], max_bytes=10)  # the first S3 call builds the client
    tracemalloc.start()
    try:
        size, sha = store.write("owner/big.wav", _pattern_chunks(total), max_bytes=500 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (size, sha) == _expected(total)
    # local: one 64 KiB chunk at a time; S3: at most one 8 MiB part (+ the HTTP client's buffers)
    limit = 2 * MiB if backend == "local" else 8 * MiB + 3 * MiB
    assert peak < limit, f"peak {peak / MiB:.1f} MiB while writing {total / MiB:.0f} MiB"
    assert store.size("owner/big.wav") == total
    assert _read_all_hash(store.open("owner/big.wav")) == sha


def test_s3_uses_multipart_for_large_files_and_one_put_for_small(s3_bucket: str) -> None:
    store, s = storage.get_storage(), get_settings()
    store.write("owner/large", _pattern_chunks(20 * MiB, chunk=100_000), max_bytes=100 * MiB)
    store.write("owner/small", [b"a" * 1000, b"b" * 1000], max_bytes=100 * MiB)
    client = s3fx.s3_client(s.s3_endpoint_url)
    large = client.head_object(Bucket=s.s3_bucket, Key="app/owner/large")
    small = client.head_object(Bucket=s.s3_bucket, Key="app/owner/small")
    assert large["ContentLength"] == 20 * MiB and large["ETag"].strip('"').endswith("-3")  # 8 + 8 + 4 MiB
    assert small["ContentLength"] == 2000 and "-" not in small["ETag"]
    assert s3fx.open_uploads(s.s3_endpoint_url, s.s3_bucket) == []


# S3: the first case ends within the first part, the second after one part was uploaded
@pytest.mark.parametrize(("total", "cap_mb"), [(2 * MiB, 1), (12 * MiB, 10)])
def test_over_cap_write_leaves_nothing(backend: str, total: int, cap_mb: int) -> None:
    store = storage.get_storage()
    with pytest.raises(InvalidInput, match=f"larger than the {cap_mb} MB limit") as caught:
        store.write("owner/too-big.wav", _pattern_chunks(total), max_bytes=cap_mb * MiB)
    assert caught.value.code == ErrorCode.FILE_TOO_LARGE
    assert _left_behind(backend) == []
    assert not store.exists("owner/too-big.wav")


def test_broken_stream_leaves_nothing(backend: str) -> None:
    def broken() -> Iterator[bytes]:
        yield from _pattern_chunks(9 * MiB)  # past the first S3 part
        raise ConnectionResetError("client went away")

    store = storage.get_storage()
    with pytest.raises(ConnectionResetError):
        store.write("owner/half.wav", broken(), max_bytes=100 * MiB)
    assert _left_behind(backend) == []


def test_put_file_size_exists_delete(backend: str, tmp_path: Path) -> None:
    source = tmp_path / "master.wav"
    with open(source, "wb") as out:
        for chunk in _pattern_chunks(9 * MiB):
            out.write(chunk)
    store = storage.get_storage()
    assert store.put_file("owner/track/master.wav", source) == _expected(9 * MiB)
    assert store.exists("owner/track/master.wav") and store.size("owner/track/master.wav") == 9 * MiB
    assert _read_all_hash(store.open("owner/track/master.wav")) == _expected(9 * MiB)[1]
    store.delete("owner/track/master.wav")
    store.delete("owner/track/master.wav")  # idempotent
    assert not store.exists("owner/track/master.wav")
    for call in (store.open, store.size):
        with pytest.raises(NotFound):
            call("owner/track/master.wav")
    assert source.exists()  # the caller's file is left alone


def test_delete_prefix_removes_one_tracks_files_only(backend: str) -> None:
    store = storage.get_storage()
    for key in ("alice/t1/original", "alice/t1/peaks.dat", "alice/t1/masters/m1.wav", "alice/t10/original",
                "alice/t2/original", "bob/t1/original"):
        store.write(key, [key.encode()], max_bytes=100)
    assert store.delete_prefix("alice/t1/") == 3
    assert store.delete_prefix("alice/t1/") == 0
    assert [k for k in ("alice/t10/original", "alice/t2/original", "bob/t1/original") if store.exists(k)] == \
        ["alice/t10/original", "alice/t2/original", "bob/t1/original"]
    for bad in ("alice/t2", "", "/", "../", "alice/../bob/"):
        with pytest.raises(InvalidInput):
            store.delete_prefix(bad)
    assert store.exists("alice/t2/original") and store.exists("bob/t1/original")


def test_local_path_gives_a_readable_file(backend: str) -> None:
    store = storage.get_storage()
    store.write("owner/t1/mix.wav", [b"RIFF", b"....WAVE"], max_bytes=100)
    with store.local_path("owner/t1/mix.wav") as path:
        assert path.read_bytes() == b"RIFF....WAVE" and path.name == "mix.wav"
    assert path.exists() == (backend == "local")  # S3's temp download is removed afterwards
    with pytest.raises(NotFound), store.local_path("owner/t1/missing.wav"):
        pass


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "a//b", ".hidden/x", "a/../b", "", "a/b/",
                                 "a\\b", "a/\u00e9", "a/b c", "x" * 301])
def test_keys_must_be_plain_paths(backend: str, key: str) -> None:
    store = storage.get_storage()
    with pytest.raises(InvalidInput):
        store.write(key, [b"x"], max_bytes=10)
    with pytest.raises(InvalidInput):
        store.exists(key)
    assert _left_behind(backend) == []


def test_presigned_get(backend: str) -> None:
    store = storage.get_storage()
    store.write("owner/song", [b"0123456789"], max_bytes=100)
    url = store.presigned_get("owner/song", filename="Café \"live\".wav", content_type="audio/wav",
                              disposition="attachment", expires_s=60)
    if backend == "local":
        assert url is None
        return
    assert url is not None and url.startswith(storage.media_origins()[0] + "/")
    assert "X-Amz-Expires=60" in url
    reply = httpx.get(url, headers={"Range": "bytes=2-4"})
    assert reply.status_code == 206 and reply.content == b"234"
    assert reply.headers["content-type"] == "audio/wav"
    assert reply.headers["content-disposition"] == \
        "attachment; filename=\"Cafe live.wav\"; filename*=UTF-8''Caf%C3%A9%20%22live%22.wav"


def test_s3_outage_is_storage_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MAXBOOSTER_DATA_DIR", str(tmp_path))
    for name, value in {"S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "S3_BUCKET": "gone",
                        "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    store = storage.get_storage()
    with pytest.raises(StorageUnavailable) as caught:
        store.write("owner/x", [b"data"], max_bytes=100)
    assert caught.value.http_status == 503 and "not reachable" in caught.value.message
    get_settings.cache_clear()


def test_upload_use_case_on_s3(session: Session, owner: User, s3_bucket: str) -> None:
    record = storage.save_upload(session=session, actor=actor_for(owner), filename="../../x.wav",
                                 chunks=[b"RIFF", b" data"])
    s = get_settings()
    assert s3fx.bucket_keys(s.s3_endpoint_url, s3_bucket) == [f"app/{record.key}"]
    assert record.key.startswith(f"{owner.id}/") and record.original_name == "x.wav"
    _, fh = storage.open_file(session=session, actor=actor_for(owner), file_id=record.id)
    with fh:
        assert fh.read() == b"RIFF data"


def test_importing_storage_and_api_loads_no_boto3() -> None:
    code = ("import sys, maxbooster.services.storage, maxbooster.services.media, maxbooster.api.app; "
            "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def _upload_app() -> FastAPI:
    """A route the way upload endpoints use storage: the request body streamed into write()."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/upload/{cap}")
    def upload(request: Request, cap: int) -> dict[str, object]:
        size, sha = storage.get_storage().write("owner/upload.wav", body_chunks(request), max_bytes=cap)
        return {"size": size, "sha256": sha}

    return app


async def _post_streamed(app: FastAPI, path: str, total: int) -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        for chunk in _pattern_chunks(total):
            yield chunk

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post(path, content=body())


def test_request_body_streams_into_write(backend: str) -> None:
    """httpx's ASGI transport hands the body over chunk by chunk, as a server does."""
    app, total = _upload_app(), 20 * MiB
    storage.get_storage().write("owner/warm-up", [b"x"], max_bytes=10)
    tracemalloc.start()
    try:
        resp = asyncio.run(_post_streamed(app, f"/upload/{100 * MiB}", total))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 200 and resp.json() == {"size": total, "sha256": _expected(total)[1]}
    assert peak < (2 * MiB if backend == "local" else 11 * MiB), f"peak {peak / MiB:.1f} MiB"
    assert _read_all_hash(storage.get_storage().open("owner/upload.wav")) == _expected(total)[1]
    storage.get_storage().delete_prefix("owner/")
    resp = asyncio.run(_post_streamed(app, f"/upload/{10 * MiB}", total))
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "file_too_large"
    assert _left_behind(backend) == []

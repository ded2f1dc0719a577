"""Library test helpers: generated audio files of every format, uploads as chunk streams, and
an in-process broker that runs the real processing and mastering jobs."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.models.library import Track
from maxbooster.services import broker as broker_service
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.library import uploads
from tests.audio.signals import make_music
from tests.support.accounts import PASSWORD, actor_for

RATE = 44100


def music_bytes(fmt: str = "WAV", *, seconds: float = 6.0, seed: int = 1, subtype: str | None = None,
                level: float = 0.3) -> bytes:
    """A short music-like stereo file in `fmt` (WAV, FLAC, AIFF, OGG, MP3) as bytes."""
    x = make_music(seconds, RATE, seed=seed) * level
    buf = io.BytesIO()
    kwargs = {"subtype": subtype} if subtype else {}
    if fmt == "MP3":
        sf.write(buf, x.T, RATE, format="MP3", **kwargs)
    else:
        sf.write(buf, x.T, RATE, format=fmt, **kwargs)
    return buf.getvalue()


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def upload(session: Session, user: object, data: bytes, name: str = "song.wav") -> uploads.UploadResult:
    return uploads.accept_upload(session=session, actor=actor_for(user), filename=name,  # type: ignore[arg-type]
                                 chunks=chunked(data))


def blobs(storage_dir: Path) -> list[Path]:
    """Every stored file (temp files included) under the data dir's storage folder."""
    return sorted(p for p in storage_dir.rglob("*") if p.is_file()) if storage_dir.exists() else []


@pytest.fixture
def jobs_run(app_env: Path) -> Iterator[InProcessBroker]:
    """Jobs run for real, in this process, as a Celery worker would run them."""
    broker = InProcessBroker().start()
    broker_service.use_broker(broker)
    yield broker
    broker_service.use_broker(None)
    broker.stop()


@pytest.fixture
def jobs_held(app_env: Path) -> Iterator[InProcessBroker]:
    """Jobs are queued but not run until the test calls `.start()` (to look at what an upload
    alone stores, or to change things before processing begins)."""
    broker = InProcessBroker()
    broker_service.use_broker(broker)
    yield broker
    broker_service.use_broker(None)
    broker.stop()


def fresh(session: Session, track_id: uuid.UUID) -> Track | None:
    session.expire_all()
    return session.get(Track, track_id)


@pytest.fixture
def api_client(acct_env: object) -> Iterator[TestClient]:
    """The HTTP app as the server runs it (security middleware included), without following redirects."""
    with TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:8000",
                    follow_redirects=False) as c:
        yield c


def bearer(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """An Authorization header for `email` from the real token endpoint."""
    reply = client.post(routes.V1_TOKEN, json={"email": email, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}

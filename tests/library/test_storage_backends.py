"""The library's flows on both storage backends: the local folder and an S3-compatible bucket
(moto's real S3 server on 127.0.0.1, reached by boto3 over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.app import create_api
from maxbooster.api.middleware import SecurityMiddleware
from maxbooster.models.mastering import Master
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput
from maxbooster.services.library import tracks, views
from maxbooster.services.mastering import masters
from maxbooster.settings import get_settings
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support import s3
from tests.support.accounts import PASSWORD, actor_for, make_user

acct_env, jobs_run = fx.acct_env, lib.jobs_run
moto_endpoint, s3_bucket, storage_backend = s3.moto_endpoint, s3.s3_bucket, s3.storage_backend


def _stored(backend: str) -> list[str]:
    """Every stored object of this test, wherever the backend keeps them (incomplete uploads too)."""
    settings = get_settings()
    if backend == "local":
        return [str(p) for p in lib.blobs(settings.storage_dir)]
    endpoint, bucket = settings.s3_endpoint_url_raw, settings.s3_bucket
    return s3.bucket_keys(endpoint, bucket) + s3.open_uploads(endpoint, bucket)


@pytest.fixture
def client(acct_env: object) -> Iterator[TestClient]:
    with TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:8000",
                    follow_redirects=False) as c:
        yield c


def test_upload_process_master_and_delete_leave_nothing(session: Session, acct_env: Path, storage_backend: str,
                                                        jobs_run: InProcessBroker) -> None:
    user = make_user(session, plan="pro")
    me = actor_for(user)
    track = lib.upload(session, user, lib.music_bytes("FLAC", seconds=6), "take.flac").track
    assert jobs_run.wait_idle(120)
    done = tracks.get_track(session=session, actor=me, track_id=track.id)
    assert done.status == "ready" and set(done.peaks) == {"64", "256", "1024", "4096", "16384"}
    [master] = masters.create_masters(session=session, actor=me, track_id=track.id, presets=["spotify"])
    assert jobs_run.wait_idle(300)
    session.expire_all()
    rendered = session.get(Master, master.id)
    assert rendered is not None and rendered.status == "ready" and len(rendered.files) == 4
    assert len(_stored(storage_backend)) == 1 + 1 + 5 + 4  # original, working copy, peaks, master formats
    tracks.delete_track(session=session, actor=me, track_id=track.id)
    assert _stored(storage_backend) == []


def test_refused_upload_leaves_no_object(session: Session, acct_env: Path, storage_backend: str,
                                         jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput):
        lib.upload(session, user, b"not audio at all " * 400_000, "big.wav")  # ~7 MB: a multipart upload on S3
    assert _stored(storage_backend) == []


def test_media_urls_play_for_the_owner_only(session: Session, client: TestClient, storage_backend: str,
                                            jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    make_user(session, "other@example.com")
    data = lib.music_bytes("WAV", seconds=3)
    track = lib.upload(session, user, data, "a.wav").track
    assert jobs_run.wait_idle(120)
    view = views.view(tracks.get_track(session=session, actor=actor_for(user), track_id=track.id))

    def bearer(email: str) -> dict[str, str]:
        reply = client.post(routes.V1_TOKEN, json={"email": email, "password": PASSWORD}).json()
        return {"Authorization": f"Bearer {reply['access_token']}"}

    reply = client.get(view.audio_url, headers={**bearer("alice@example.com"), "Range": "bytes=0-99"})
    if storage_backend == "s3":
        assert reply.status_code == 307
        fetched = httpx.get(reply.headers["location"], headers={"Range": "bytes=0-99"})
        assert fetched.status_code == 206 and len(fetched.content) == 100 and fetched.content.startswith(b"RIFF")
    else:
        assert reply.status_code == 206 and reply.content.startswith(b"RIFF") and len(reply.content) == 100
    assert client.get(view.audio_url, headers=bearer("other@example.com")).status_code == 404

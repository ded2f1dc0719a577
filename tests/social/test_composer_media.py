"""Composer media from the library, published through the real job to the sandbox network: an
audiogram, a release's cover, a master's excerpt; the network's media rules refuse with a sentence and
nothing is stored; another user's items are not found."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from maxbooster.models.base import utcnow
from maxbooster.models.social import AudiogramShape, MediaKind, SocialPost, SocialPostVariant, VariantState
from maxbooster.models.storage import StoredFile
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import accounts, attachments, audiogram, posts
from maxbooster.services.social.attachments import MediaRef
from maxbooster.services.social.validation import Limits, MediaInfo, check_variant
from maxbooster.services.storage import get_storage
from tests.releases.support import make_master
from tests.social import media_support as ms
from tests.social.support import fresh, run_due, social_env
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, social_env = fx.acct_env, lib.jobs_run, social_env


def _bytes(session: Session, file_id: str) -> bytes:
    record = session.get(StoredFile, uuid.UUID(str(file_id)))
    assert record is not None
    with get_storage().open(record.key) as fh:
        return fh.read()


def _post(session: Session, user: object, account_id: object, text: str, media: list[MediaRef]) -> SocialPostVariant:
    post = posts.create_post(session=session, actor=actor_for(user), data=posts.PostIn(  # type: ignore[arg-type]
        scheduled_at=utcnow(), variants=[posts.VariantIn(account_id, text, media)]))  # type: ignore[arg-type]
    return posts.variants_of(session=session, actor=actor_for(user), post_id=post.id)[0]  # type: ignore[arg-type]


def test_an_audiogram_a_cover_and_an_excerpt_go_out_with_posts(session: Session, social_env: Path,
                                                               jobs_run: InProcessBroker) -> None:
    user = make_user(session)
    actor = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    track, _ = ms.ready_track(session, user, seconds=8.0)
    release = ms.release_with_cover(session, user)
    master = make_master(session, user, seconds=31.0, title="Mastered")
    made = audiogram.request_audiogram(session=session, actor=actor, data=audiogram.AudiogramIn(
        track_id=track.id, start_s=1.0, length_s=2.0, release_id=release.id))
    assert jobs_run.wait_idle(120)
    choices = attachments.library_choices(session=session, actor=actor)
    labels = [c.label for c in choices]
    assert labels == ["Cover of Night Drive", "Mastered (master v1), first 30 s",
                      "Audiogram of Midnight Drive (vertical)", "Audiogram of Midnight Drive (square)"]
    gram = MediaRef(kind=MediaKind.AUDIOGRAM, audiogram_id=made.id, shape=AudiogramShape.SQUARE,
                    description="Spectrum bars over the cover")
    cover = MediaRef(kind=MediaKind.ARTWORK, release_id=release.id, description="Night Drive cover")
    excerpt = MediaRef(kind=MediaKind.PREVIEW, master_id=master.id, start_s=10.0, length_s=5.0)
    variants = [_post(session, user, account.id, "Watch", [gram]), _post(session, user, account.id, "Cover", [cover]),
                _post(session, user, account.id, "Listen", [excerpt]),
                _post(session, user, account.id, "Cover again", [cover])]
    run_due(session, jobs_run)
    files = []
    for variant in variants:
        done = fresh(session, variant)
        assert done.state == VariantState.PUBLISHED, done.last_error
        (item,) = done.media
        data = _bytes(session, item["file_id"])
        assert done.remote_media_ids == ["sandbox-media-" + hashlib.sha256(data).hexdigest()[:16]]
        files.append((session.get(StoredFile, uuid.UUID(item["file_id"])), item))
    square = audiogram.audiogram_file(session=session, actor=actor, audiogram_id=made.id, shape=AudiogramShape.SQUARE)
    assert files[0][0].id == square.id and files[0][1]["description"] == "Spectrum bars over the cover"
    assert files[1][0].content_type == "image/jpeg" and files[1][0].original_name == "night-drive-cover.jpg"
    assert _bytes(session, str(files[1][0].id)) == ms.cover_jpeg()  # the release's cover, as uploaded
    assert files[3][0].id == files[1][0].id  # the cover is copied once, then reused
    preview = files[2][0]
    assert preview.content_type == "audio/mpeg" and preview.original_name == "mastered-preview.mp3"
    with get_storage().local_path(preview.key) as path:
        assert abs(ms.decode_audio(path).size / ms.RATE - 5.0) <= 0.1
    assert all(f.owner_id == user.id for f, _ in files)


def _stored_state(session: Session) -> tuple[int, int, int]:
    return (len(session.exec(select(SocialPost)).all()), len(session.exec(select(SocialPostVariant)).all()),
            len(session.exec(select(StoredFile)).all()))


def test_media_the_network_refuses_and_other_users_media_change_nothing(session: Session, social_env: Path,
                                                                        jobs_run: InProcessBroker) -> None:
    user, other = make_user(session), make_user(session, "bo@example.com")
    actor = actor_for(user)
    account = accounts.connect_sandbox(session=session, actor=actor, handle="ava")
    track, _ = ms.ready_track(session, user, seconds=6.0)
    release = ms.release_with_cover(session, user)
    their_release = ms.release_with_cover(session, other)
    their_master = make_master(session, other, seconds=31.0)
    made = audiogram.request_audiogram(session=session, actor=actor, data=audiogram.AudiogramIn(
        track_id=track.id, start_s=0.0, length_s=2.0))
    assert jobs_run.wait_idle(120)
    gram = MediaRef(kind=MediaKind.AUDIOGRAM, audiogram_id=made.id)
    cover = MediaRef(kind=MediaKind.ARTWORK, release_id=release.id)
    before = _stored_state(session)
    cases: list[tuple[list[MediaRef], type[Exception], str]] = [
        ([gram, cover], InvalidInput, "takes one video or audio file alone, not together with other media"),
        ([cover] * 5, InvalidInput, "takes at most 4 attachments, not 5"),
        ([MediaRef(kind=MediaKind.ARTWORK, release_id=their_release.id)], NotFound,
         "That release is not in your library"),
        ([MediaRef(kind=MediaKind.PREVIEW, master_id=their_master.id)], NotFound, "That master is not in your library"),
        ([MediaRef(kind=MediaKind.PREVIEW, track_id=track.id, start_s=4.0, length_s=5.0)], InvalidInput,
         "runs past the end of the track"),
        ([MediaRef(kind=MediaKind.PREVIEW, track_id=track.id, length_s=90)], InvalidInput, "at most 60 seconds"),
        ([MediaRef(kind=MediaKind.AUDIOGRAM)], InvalidInput, "Choose the audiogram to attach"),
        ([MediaRef(kind=MediaKind.ARTWORK, release_id=release.id, description="x" * 1501)], InvalidInput,
         "at most 1,500 characters"),
    ]
    for media, error, message in cases:
        with pytest.raises(error, match=message):
            _post(session, user, account.id, "Look", media)
        session.rollback()
        assert _stored_state(session) == before, message  # no post, and no cover copied or excerpt cut
    no_cover = ms.release_with_cover(session, user, title="Bare")
    no_cover.artwork_key = None
    session.add(no_cover)
    session.commit()
    with pytest.raises(InvalidInput, match="Bare has no cover yet; upload one on the release first"):
        _post(session, user, account.id, "Look", [MediaRef(kind=MediaKind.ARTWORK, release_id=no_cover.id)])


def test_network_media_rules_speak_in_sentences() -> None:
    video = MediaInfo("night-drive-vertical.mp4", "video/mp4", 12_000_000)
    images_only = Limits(max_characters=500, mime_types=("image/jpeg", "image/png"), video_bytes=8_000_000)
    assert check_variant("mastodon", "New video", [video], images_only).problems == (
        "night-drive-vertical.mp4: Mastodon does not take video/mp4 files.",)
    small_video = Limits(max_characters=500, video_bytes=8_000_000)
    assert check_variant("mastodon", "New video", [video], small_video).problems == (
        "night-drive-vertical.mp4 is 12.0 MB; Mastodon takes at most 8 MB for this kind of file.",)
    assert check_variant("mastodon", "New video", [video], Limits(max_characters=500)).ok

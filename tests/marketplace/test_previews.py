"""Watermarked previews made by the engine as the `marketplace.preview` job: a limited-length MP3 with the
watermark audibly mixed in at its positions (energy at the watermark's frequencies there and not between),
waveform peaks, and publishing only once the preview is ready."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import Session

from audio.io import read_audio
from maxbooster.models.accounts import User
from maxbooster.models.marketplace import Listing, PreviewStatus
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict, InvalidInput
from maxbooster.services.marketplace import files, listings, previews
from maxbooster.services.marketplace.listings import TierInput
from maxbooster.services.storage import get_storage
from tests.marketplace.support import png_bytes, ready_track
from tests.support.accounts import actor_for
from tests.support.library import music_bytes

RATE = 44100


def _band_db(y: np.ndarray, start_s: float, length_s: float, hz: float) -> float:
    """Level (dB) of the spectrum within ±30 Hz of `hz` in the window, mono-summed, Hann-windowed."""
    seg = y.mean(axis=0)[int(start_s * RATE): int((start_s + length_s) * RATE)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
    freqs = np.fft.rfftfreq(seg.size, 1 / RATE)
    return float(20 * np.log10(spec[np.abs(freqs - hz) <= 30].max() + 1e-12))


def _listing_with_audio(session: Session, user: User, seconds: float = 45.0) -> Listing:
    actor = actor_for(user)
    key = f"{user.id}/tracks/working.wav"
    get_storage().write(key, [music_bytes("WAV", seconds=seconds, level=0.3)], max_bytes=10**9)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="Tagged", bpm=120)
    files.attach_track(session=session, actor=actor, listing_id=listing.id,
                       track_id=ready_track(session, user, key=key).id)
    return listing


def _made(session: Session, listing: Listing, broker: InProcessBroker) -> tuple[Listing, np.ndarray]:
    previews.request_preview(session=session, actor=actor_for_owner(session, listing), listing_id=listing.id)
    assert broker.wait_idle(120)
    fresh = session.get(Listing, listing.id, populate_existing=True)
    assert fresh is not None and fresh.preview_status == PreviewStatus.READY, fresh and fresh.preview_error
    assert fresh.preview_key and fresh.preview_key.endswith(".mp3")
    with get_storage().local_path(fresh.preview_key) as path:
        assert sf.info(str(path)).format == "MP3"
        y, sr = read_audio(path)
    assert sr == RATE
    return fresh, y


def actor_for_owner(session: Session, listing: Listing):  # type: ignore[no-untyped-def]
    owner = session.get(User, listing.owner_id)
    assert owner is not None
    return actor_for(owner)


def test_tone_watermark_is_audible_at_its_positions(session: Session, payable_seller: User,
                                                    jobs_run: InProcessBroker) -> None:
    listing = _listing_with_audio(session, payable_seller)
    fresh, y = _made(session, listing, jobs_run)
    # not the full-quality file: 30 s of MP3 from a 45 s WAV
    assert fresh.preview_duration_s == pytest.approx(30.0) and abs(y.shape[1] / RATE - 30.0) < 0.1
    assert fresh.preview_peaks_key and get_storage().exists(fresh.preview_peaks_key)
    # tags every 10 s from 5 s: beep 1 (1760 Hz) at +0.0..0.25 s, beep 2 (2640 Hz) at +0.3..0.55 s
    for at in (5.0, 15.0, 25.0):
        for offset, hz in ((0.0, 1760.0), (0.3, 2640.0)):
            tagged = _band_db(y, at + offset + 0.05, 0.15, hz)
            between = _band_db(y, at + 3.0 + offset + 0.05, 0.15, hz)  # the same music, 3 s later: no tag
            assert tagged - between > 20, (at, hz, tagged, between)  # clearly audible over the music


def test_voice_tag_upload_is_what_is_mixed_in(session: Session, payable_seller: User,
                                              jobs_run: InProcessBroker) -> None:
    listing = _listing_with_audio(session, payable_seller)
    t = np.arange(int(0.6 * RATE)) / RATE
    tag = io.BytesIO()
    sf.write(tag, (0.8 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32), RATE, format="WAV")
    files.set_watermark(session=session, actor=actor_for(payable_seller), listing_id=listing.id,
                        watermark="voice_tag", tag_chunks=[tag.getvalue()])
    _, y = _made(session, listing, jobs_run)
    for at in (5.0, 15.0, 25.0):
        assert _band_db(y, at + 0.1, 0.4, 5000.0) - _band_db(y, at + 3.1, 0.4, 5000.0) > 20
        assert _band_db(y, at + 0.05, 0.15, 1760.0) - _band_db(y, at + 3.05, 0.15, 1760.0) < 10  # no tone


def test_no_audio_no_preview_and_publish_waits_for_it(session: Session, payable_seller: User,
                                                      jobs_held: InProcessBroker) -> None:
    actor = actor_for(payable_seller)
    empty = listings.create_listing(session=session, actor=actor, kind="beat", title="Nothing yet")
    with pytest.raises(Conflict, match="Add the audio from your library first"):
        previews.request_preview(session=session, actor=actor, listing_id=empty.id)
    listing = _listing_with_audio(session, payable_seller, seconds=8)
    files.set_cover(session=session, actor=actor, listing_id=listing.id, chunks=[png_bytes()])
    listings.set_tiers(session=session, actor=actor, listing_id=listing.id,
                       tiers=[TierInput(kind="mp3_lease", price="19.99")])
    with pytest.raises(listings.ListingNotReady, match="a watermarked preview"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    job = previews.request_preview(session=session, actor=actor, listing_id=listing.id)
    assert previews.request_preview(session=session, actor=actor, listing_id=listing.id).id == job.id  # not twice
    with pytest.raises(listings.ListingNotReady, match="still being made"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)
    jobs_held.start()
    assert jobs_held.wait_idle(120)
    published = listings.publish(session=session, actor=actor, listing_id=listing.id)
    assert published.status == "published" and published.preview_duration_s == pytest.approx(8.0, abs=0.1)


def test_a_bad_voice_tag_is_refused_and_changes_nothing(session: Session, payable_seller: User) -> None:
    listing = _listing_with_audio(session, payable_seller)
    actor = actor_for(payable_seller)
    long_tag = io.BytesIO()
    sf.write(long_tag, np.zeros(int(6.0 * RATE), dtype=np.float32) + 0.1, RATE, format="WAV", subtype="PCM_16")
    cases = [(b"this is a text file, not audio" * 10, "notes.wav", "This file cannot be used"),
             (long_tag.getvalue(), "long.wav", "keep it to 5 s or less"),
             (b"\0" * (files.TAG_MAX_BYTES + 1), "huge.wav", "MB")]
    for data, name, message in cases:
        with pytest.raises(InvalidInput, match=message):
            files.set_watermark(session=session, actor=actor, listing_id=listing.id, watermark="voice_tag",
                                tag_chunks=[data], tag_name=name)
    session.expire_all()
    row = session.get(Listing, listing.id)
    assert row is not None and row.watermark == "tone" and row.voice_tag_key is None
    root = getattr(get_storage(), "root", None)
    if root is not None:  # the refused files were not kept
        assert list(root.rglob("voice-tag-*")) == []

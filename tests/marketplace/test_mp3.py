"""The MP3 every beat tier delivers: made from the beat's audio by the `marketplace.encode_mp3` job when the
audio is attached, stored beside the WAV, required before publishing, and what an MP3 lease downloads: it
decodes, lasts as long as the WAV, and every frame is MPEG-1 layer III at 320 kbps (CBR)."""

from __future__ import annotations

import uuid
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select
from sqlmodel import Session, col

from audio.transcode import transcode_mp3
from maxbooster.models.accounts import User
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.models.marketplace import FileRole, ListingFile, OrderLine
from maxbooster.services import job_kinds
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import Conflict
from maxbooster.services.marketplace import downloads, files, listings, mp3, previews
from maxbooster.services.marketplace.listings import TierInput
from maxbooster.services.storage import get_storage
from tests.marketplace.commerce import buy, published
from tests.marketplace.support import png_bytes, ready_track
from tests.support.accounts import actor_for, make_user
from tests.support.library import music_bytes

SECONDS = 12.0
# MPEG-1 layer III bitrate index -> kbps, and sample-rate index -> Hz
KBPS = {i: b for i, b in enumerate((0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320))}
RATES = {0: 44100, 1: 48000, 2: 32000}


def frame_bitrates(data: bytes) -> tuple[list[int], set[int]]:
    """The bitrate (kbps) of every MPEG audio frame, walking frame by frame, and the sample rates seen."""
    pos = 10 + int.from_bytes(bytes(b & 0x7F for b in data[6:10]), "big") if data[:3] == b"ID3" else 0
    rates: list[int] = []
    seen: set[int] = set()
    while pos + 4 <= len(data):
        h = int.from_bytes(data[pos:pos + 4], "big")
        assert h >> 21 == 0x7FF, f"lost frame sync at byte {pos} of {len(data)}"
        assert (h >> 19) & 3 == 3 and (h >> 17) & 3 == 1, "not MPEG-1 layer III"
        kbps, rate, padding = KBPS[(h >> 12) & 0xF], RATES[(h >> 10) & 3], (h >> 9) & 1
        rates.append(kbps)
        seen.add(rate)
        pos += 144 * kbps * 1000 // rate + padding
    return rates, seen


def _beat(session: Session, seller: User) -> tuple[uuid.UUID, uuid.UUID]:
    """A draft beat whose main audio is a real 12 s WAV in the library; (listing id, its main file's id)."""
    actor = actor_for(seller)
    key = f"{seller.id}/tracks/{uuid.uuid4().hex}/working.wav"
    get_storage().write(key, [music_bytes("WAV", seconds=SECONDS, level=0.3)], max_bytes=10**9)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="Night Drive", bpm=120)
    row = files.attach_track(session=session, actor=actor, listing_id=listing.id,
                             track_id=ready_track(session, seller, key=key).id)
    return listing.id, row.id


def test_mp3_lease_downloads_a_320_kbps_mp3_of_the_whole_beat(session: Session, payable_seller: User,
                                                                jobs_held: InProcessBroker) -> None:
    actor = actor_for(payable_seller)
    listing_id, file_id = _beat(session, payable_seller)
    files.set_cover(session=session, actor=actor, listing_id=listing_id, chunks=[png_bytes()])
    listings.set_tiers(session=session, actor=actor, listing_id=listing_id, tiers=[
        TierInput(kind="mp3_lease", price="19.99"), TierInput(kind="wav_lease", price="39.99")])
    previews.request_preview(session=session, actor=actor, listing_id=listing_id)
    job = session.get(Job, mp3.job_id_for(file_id))
    assert job is not None and job.kind == mp3.MP3_KIND and job.owner_id == payable_seller.id
    assert job_kinds.label(job.kind) == "Making the MP3 of a beat"
    with pytest.raises(listings.ListingNotReady, match=r"the beat's MP3 that is still being made"):
        listings.publish(session=session, actor=actor, listing_id=listing_id)

    jobs_held.start()
    assert jobs_held.wait_idle(120)
    session.expire_all()
    job = session.get(Job, mp3.job_id_for(file_id))
    assert job is not None and (job.status, job.progress) == ("succeeded", 100), job and job.error
    main = session.get(ListingFile, file_id)
    assert main is not None and main.storage_key and main.storage_key.endswith(".320k.mp3")
    assert main.storage_key.startswith(f"{payable_seller.id}/marketplace/{listing_id}/")  # beside the listing's files
    assert mp3.state(session=session, listing_id=listing_id).status == "ready"
    assert listings.publish(session=session, actor=actor, listing_id=listing_id).status == "published"

    buyer = make_user(session, "buyer@example.com")
    order = buy(session, buyer, (listings.get_listing(session=session, actor=actor, listing_id=listing_id),
                                 "mp3_lease"))
    line = session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)).scalar_one()
    links = downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert sorted(lk.deliverable for lk in links) == ["license_pdf", "mp3"]
    link = next(lk for lk in links if lk.deliverable == "mp3")
    got = downloads.open_download(session=session, actor=actor_for(buyer), token=link.url.rsplit("/", 1)[1])
    assert (got.filename, got.content_type, got.storage_key) == ("Night Drive.mp3", "audio/mpeg", main.storage_key)

    with get_storage().local_path(main.storage_key) as path:
        data = Path(path).read_bytes()
        info = sf.info(str(path))
        y, rate = sf.read(str(path), dtype="float32", always_2d=True)
        tags = mutagen.mp3.MP3(str(path)).info
    bitrates, rates = frame_bitrates(data)
    assert len(bitrates) > 400 and set(bitrates) == {320} and rates == {44100}  # every frame: CBR 320 kbps
    assert (tags.bitrate_mode, tags.bitrate) == (mutagen.mp3.BitrateMode.CBR, 320_000)
    assert info.format == "MP3" and (rate, info.channels) == (44100, 2)
    # the whole beat: the decoder drops LAME's delay and padding, so the length matches to the sample
    assert abs(y.shape[0] / rate - SECONDS) < 0.001
    # and it is the beat, not silence or another file: close to the WAV sample by sample (> 20 dB SNR)
    wav = _wav_of(session, file_id)
    err = y[: wav.shape[0]] - wav[: y.shape[0]]
    assert 10 * np.log10(np.sum(wav**2) / np.sum(err**2)) > 20


def _wav_of(session: Session, file_id: uuid.UUID) -> np.ndarray:
    row = session.get(ListingFile, file_id)
    track = session.get(Track, row.track_id) if row and row.track_id else None
    assert track is not None and track.working_key
    with get_storage().local_path(track.working_key) as path:
        wav, _ = sf.read(str(path), dtype="float32", always_2d=True)
    return wav


def test_new_audio_gets_a_new_mp3_and_the_old_one_is_deleted(session: Session, payable_seller: User,
                                                              jobs_run: InProcessBroker) -> None:
    listing_id, first_id = _beat(session, payable_seller)
    assert jobs_run.wait_idle(120)
    session.expire_all()
    first = session.get(ListingFile, first_id)
    assert first is not None and first.storage_key and get_storage().exists(first.storage_key)
    old_key = first.storage_key
    key = f"{payable_seller.id}/tracks/second/working.wav"
    get_storage().write(key, [music_bytes("WAV", seconds=5, level=0.3)], max_bytes=10**9)
    second = files.attach_track(session=session, actor=actor_for(payable_seller), listing_id=listing_id,
                                track_id=ready_track(session, payable_seller, key=key).id, role=FileRole.MAIN)
    assert not get_storage().exists(old_key)
    assert jobs_run.wait_idle(120)
    session.expire_all()
    fresh = session.get(ListingFile, second.id)
    assert fresh is not None and fresh.storage_key and fresh.storage_key != old_key
    with get_storage().local_path(fresh.storage_key) as path:
        assert abs(sf.info(str(path)).duration - 5.0) < 0.001


def test_audio_that_cannot_be_read_fails_the_job_and_says_so_at_publish(session: Session, payable_seller: User,
                                                                        jobs_run: InProcessBroker) -> None:
    actor = actor_for(payable_seller)
    listing = listings.create_listing(session=session, actor=actor, kind="beat", title="Broken")
    key = f"{payable_seller.id}/tracks/broken/working.wav"
    get_storage().write(key, [b"RIFF" + b"\0" * 60], max_bytes=10**6)
    files.attach_track(session=session, actor=actor, listing_id=listing.id,
                       track_id=ready_track(session, payable_seller, key=key).id)
    assert jobs_run.wait_idle(120)
    session.expire_all()
    made = mp3.state(session=session, listing_id=listing.id)
    assert made.status == "failed" and made.error.startswith("the audio could not be read")
    listings.set_tiers(session=session, actor=actor, listing_id=listing.id,
                       tiers=[TierInput(kind="mp3_lease", price="19.99")])
    with pytest.raises(listings.ListingNotReady, match=r"the beat's audio again \(its MP3 could not be made: the "
                                                       r"audio could not be read"):
        listings.publish(session=session, actor=actor, listing_id=listing.id)


def test_an_mp3_lease_sold_before_its_mp3_exists_waits_for_it(session: Session, payable_seller: User,
                                                              jobs_held: InProcessBroker) -> None:
    """A beat attached before MP3s were made (marked ready by hand here) has no MP3 yet when it sells: the
    buyer is told to try again and the job starts; nothing is counted until a file goes out."""
    beat = published(session, payable_seller)
    main = session.execute(select(ListingFile).where(col(ListingFile.listing_id) == beat.id)).scalar_one()
    main.storage_key = None  # as before this change
    session.add(main)
    session.commit()
    buyer = make_user(session, "buyer@example.com")
    line = session.execute(select(OrderLine).where(
        col(OrderLine.order_id) == buy(session, buyer, (beat, "mp3_lease")).id)).scalar_one()
    link = next(lk for lk in downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
                if lk.deliverable == "mp3")
    with pytest.raises(Conflict, match="still being made. Try again in a few minutes"):
        downloads.open_download(session=session, actor=actor_for(buyer), token=link.url.rsplit("/", 1)[1])
    job = session.get(Job, mp3.job_id_for(main.id))
    assert job is not None and job.status == "pending"
    session.expire_all()
    again = downloads.issue_links(session=session, actor=actor_for(buyer), order_line_id=line.id)
    assert [lk.download_count for lk in again if lk.deliverable == "mp3"] == [0]


def test_transcode_resamples_and_keeps_two_channels(tmp_path: Path) -> None:
    """MP3 has no 96 kHz and no third channel: 96 kHz becomes 48 kHz, 88.2 kHz 44.1 kHz, the front pair stays."""
    for rate, want in ((96000, 48000), (88200, 44100), (32000, 32000)):
        t = np.arange(int(3 * rate)) / rate
        x = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t), 0.1 * t / 3]).T
        sf.write(tmp_path / "in.wav", x, rate, subtype="PCM_24")
        out = tmp_path / f"{rate}.mp3"
        summary = transcode_mp3(tmp_path / "in.wav", out, bitrate_kbps=320)
        y, got = sf.read(str(out), dtype="float32", always_2d=True)
        assert (got, y.shape[1], summary["sample_rate"]) == (want, 2, want)
        assert abs(y.shape[0] / got - 3.0) < 0.001
        bitrates, _ = frame_bitrates(out.read_bytes())
        assert set(bitrates) == {320}

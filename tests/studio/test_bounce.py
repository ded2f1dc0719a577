"""Bounce: a project whose clips use library tracks is rendered by a real job with the engine's
mixdown and lands in the library as a new, processed track (24-bit WAV equal to the float render
within 24-bit quantisation, with the version and doc_hash it rendered); MP3 and FLAC bounces;
stems (pre-master, one per audible track, zipped) that sum to the pre-master mix; downloads by
signed URL over REST; missing or unready files and unknown formats are refused before any job
starts; another user's tracks and bounces cannot be used."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import uuid
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from audio.arrangement import Arrangement
from audio.io import read_audio
from audio.mix import FileCache, audible_tracks, render_arrangement, render_length, render_track
from maxbooster import routes
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.models.storage import StoredFile
from maxbooster.services import broker as broker_service
from maxbooster.services import jobs as jobs_service
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import bounce, downloads, projects, stems
from tests.audio.signals import make_music
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, client, bearer = fx.acct_env, lib.jobs_run, lib.api_client, lib.bearer
LSB_24 = 2.0 ** -23  # one step of 24-bit PCM (full scale ±1.0)


def dbfs(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


def canonical_sha256(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def _ready(session: Session, user: object, seed: int, seconds: float, jobs: InProcessBroker, *,
           mono: bool = False) -> Track:
    data = lib.music_bytes("WAV", seconds=seconds, seed=seed, level=0.2)
    if mono:
        buf = io.BytesIO()
        sf.write(buf, make_music(seconds, lib.RATE, seed=seed)[0] * 0.2, lib.RATE, format="WAV", subtype="PCM_24")
        data = buf.getvalue()
    track = lib.upload(session, user, data, f"part {seed}.wav").track
    assert jobs.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready"
    return done


def test_bounce_renders_the_arrangement_into_a_new_library_track(session: Session, acct_env: Path,
                                                                 jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    drums, bass = _ready(session, alice, 1, 4, jobs_run), _ready(session, alice, 2, 3, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Night Drive", sample_rate=44100)
    edit = [{"op": "track.add", "track": {"id": "t1", "name": "Drums", "volume_db": -3}},
            {"op": "track.add", "track": {"id": "t2", "name": "Bass", "pan": -0.4}},
            {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(drums.id), "start_s": 0,
                                                       "length_s": 4, "fade_out_s": 0.5}},
            {"op": "clip.add", "track": "t2", "clip": {"id": "c2", "file": str(bass.id), "start_s": 1.5,
                                                       "offset_s": 0.5, "length_s": 2, "gain_db": -2}}]
    done = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, edit=edit,
                                txn_id=uuid.uuid4().hex)
    job = bounce.start_bounce(session=session, actor=me, project_id=project.id)
    assert jobs_run.wait_idle(180)
    session.expire_all()
    finished = session.get(Job, job.id)
    assert finished is not None and finished.status == "succeeded", finished.error if finished else None
    made = session.exec(select(Track).where(Track.title == "Night Drive (bounce)")).one()
    assert made.status == "ready" and made.owner_id == alice.id and finished.result_ref == f"track:{made.id}"

    # what was stored is the engine's render of the same arrangement from the same working copies
    store = get_storage()
    with store.local_path(drums.working_key) as d, store.local_path(bass.working_key) as b, \
            store.local_path(made.original_key) as bounced:
        files = {str(drums.id): d, str(bass.id): b}
        expected = render_arrangement(Arrangement.from_dict(done.document), loader=lambda f: read_audio(files[f]))
        got, rate = sf.read(str(bounced), dtype="float32", always_2d=True)
    assert rate == 44100 and sf.info(str(bounced)).subtype == "PCM_24"
    assert got.T.shape == expected.shape
    # design note §6 acceptance 4: the 24-bit file equals the float render within 24-bit quantisation
    # (rounding to the nearest step: at most half a step, −144.5 dBFS; the bar is −138 dBFS)
    residual = float(np.max(np.abs(got.T.astype(np.float64) - expected)))
    print(f"bounce 24-bit WAV vs float render: peak residual {dbfs(residual):.1f} dBFS")
    assert float(np.max(np.abs(expected))) < 1.0 and dbfs(residual) <= -138.0
    # ... and the job records the version and the hash of the document it rendered
    assert finished.params["version"] == done.version == 1 and finished.params["format"] == "wav24"
    assert finished.params["doc_hash"] == canonical_sha256(done.document) and finished.params["stems"] is False


def test_missing_or_unready_files_are_refused_before_any_job(session: Session, acct_env: Path,
                                                             jobs_run: InProcessBroker) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    me = actor_for(alice)
    theirs = _ready(session, mallory, 3, 2, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Song")
    with pytest.raises(InvalidInput, match="nothing to bounce"):
        bounce.start_bounce(session=session, actor=me, project_id=project.id)
    for n, file in enumerate((str(uuid.uuid4()), "../../etc/passwd", str(theirs.id))):
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=2 * n,
                             edit=[{"op": "track.add", "track": {"id": f"t{n}", "name": "x"}},
                                   {"op": "clip.add", "track": f"t{n}", "clip": {"id": f"c{n}", "file": file,
                                                                               "start_s": 0, "length_s": 1}}],
                             txn_id=uuid.uuid4().hex)
        with pytest.raises(InvalidInput, match="missing or still processing"):
            bounce.start_bounce(session=session, actor=me, project_id=project.id)
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=2 * n + 1,
                             edit=[{"op": "track.remove", "id": f"t{n}"}], txn_id=uuid.uuid4().hex)
    assert session.exec(select(Job).where(Job.kind == bounce.BOUNCE_KIND)).all() == []


def test_a_deleted_track_makes_its_clips_missing_not_the_project_broken(session: Session, acct_env: Path,
                                                                        jobs_run: InProcessBroker) -> None:
    from maxbooster.services.library import tracks

    alice = make_user(session)
    me = actor_for(alice)
    keep, gone = _ready(session, alice, 4, 2, jobs_run), _ready(session, alice, 5, 2, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Song")
    projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id=uuid.uuid4().hex,
                         edit=[{"op": "track.add", "track": {"id": "t1", "name": "A"}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(keep.id),
                                                                          "start_s": 0, "length_s": 1}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c2", "file": str(gone.id),
                                                                          "start_s": 1, "length_s": 1}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c3", "file": "not-a-track",
                                                                          "start_s": 2, "length_s": 1}}])
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert bounce.clip_media(session=session, project=stored) == {"c3": "missing"}
    tracks.delete_track(session=session, actor=me, track_id=gone.id)
    stored = projects.get_project(session=session, actor=me, project_id=project.id)
    assert bounce.clip_media(session=session, project=stored) == {"c2": "missing", "c3": "missing"}
    with pytest.raises(InvalidInput, match="missing or still processing"):
        bounce.start_bounce(session=session, actor=me, project_id=project.id)
    # the project still opens and edits: the missing clip can be removed
    after = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                                 txn_id=uuid.uuid4().hex, edit=[{"op": "clip.remove", "id": "c2"},
                                                                {"op": "clip.remove", "id": "c3"}])
    assert after.version == 2
    assert bounce.clip_media(session=session, project=projects.get_project(
        session=session, actor=me, project_id=project.id)) == {}


def _stems_project(session: Session, me: Any, parts: dict[str, Track]) -> projects.EditResult:
    """Three audible tracks (stereo and mono, two named "Bass", inserts with a tail), one muted track,
    and a master bus that changes the sound (compressor and −2 dB), so pre-master ≠ master."""
    edit = [
        {"op": "track.add", "track": {"id": "t1", "name": "Drums", "volume_db": -3, "pan": 0.2, "inserts": [
            {"type": "compressor", "threshold_db": -24, "ratio": 3, "attack_ms": 5, "release_ms": 100}]}},
        {"op": "track.add", "track": {"id": "t2", "name": "Bass", "pan": -0.5, "inserts": [
            {"type": "eq", "bands": [{"kind": "lowpass", "freq_hz": 2000, "gain_db": 0, "q": 0.707}]}]}},
        {"op": "track.add", "track": {"id": "t3", "name": "Bass", "volume_db": -6, "pan": 0.6, "inserts": [
            {"type": "delay", "delay_s": 0.3, "feedback": 0.3, "mix": 0.3}]}},
        {"op": "track.add", "track": {"id": "t4", "name": "Scratch", "mute": True}},
        {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(parts["drums"].id), "start_s": 0,
                                                   "length_s": 3, "fade_out_s": 0.3}},
        {"op": "clip.add", "track": "t2", "clip": {"id": "c2", "file": str(parts["bass"].id), "start_s": 0.5,
                                                   "length_s": 2, "gain_db": -2}},
        {"op": "clip.add", "track": "t3", "clip": {"id": "c3", "file": str(parts["keys"].id), "start_s": 1,
                                                   "offset_s": 0.25, "length_s": 1.5}},
        {"op": "clip.add", "track": "t4", "clip": {"id": "c4", "file": str(parts["drums"].id), "start_s": 0,
                                                   "length_s": 2}},
        {"op": "inserts.set", "track": "master", "inserts": [
            {"type": "compressor", "threshold_db": -30, "ratio": 4, "attack_ms": 5, "release_ms": 120}]},
        {"op": "master.set", "field": "volume_db", "value": -2},
    ]
    project = projects.create_project(session=session, actor=me, name="Night Drive", sample_rate=44100)
    return projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, edit=edit,
                                txn_id=uuid.uuid4().hex)


def test_mp3_bounce_with_stems_sums_to_the_pre_master_mix(session: Session, acct_env: Path,
                                                          jobs_run: InProcessBroker,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    parts = {"drums": _ready(session, alice, 11, 3, jobs_run), "bass": _ready(session, alice, 12, 3, jobs_run,
                                                                                 mono=True),
             "keys": _ready(session, alice, 13, 3, jobs_run)}
    done = _stems_project(session, me, parts)
    project_id = projects.list_projects(session=session, actor=me)[0].id
    reported: list[tuple[int, str]] = []
    renew = jobs_service.renew

    def spy(**kw: Any) -> bool:
        if kw.get("message") is not None:
            reported.append((kw["progress"], kw["message"]))
        return renew(**kw)

    monkeypatch.setattr(jobs_service, "renew", spy)
    job = bounce.start_bounce(session=session, actor=me, project_id=project_id, file_format="mp3", stems=True)
    assert jobs_run.wait_idle(180)
    session.expire_all()
    finished = session.get(Job, job.id)
    assert finished is not None and finished.status == "succeeded", finished.error if finished else None
    assert (finished.params["format"], finished.params["stems"], finished.params["version"]) == ("mp3", True, 1)
    assert finished.params["doc_hash"] == canonical_sha256(done.document)

    # progress is reported per track, by name, in order (the muted track is not a stem)
    stem_steps = [(p, m) for p, m in reported if m.startswith("Stem ")]
    assert [m for _, m in stem_steps] == ["Stem 1 of 3: Drums", "Stem 2 of 3: Bass", "Stem 3 of 3: Bass"]
    assert [p for p, _ in stem_steps] == sorted(p for p, _ in stem_steps) and stem_steps[0][0] < stem_steps[-1][0]

    # the library gets the lossless 24-bit WAV; the MP3 and the stems are downloads
    refs = downloads.result_refs(finished.result_ref)
    assert set(refs) == {"track", "mix", "stems"}
    made = lib.fresh(session, refs["track"])
    assert made is not None and made.status == "ready" and made.format == "wav" and made.subtype == "PCM_24"
    assert made.title == "Night Drive (bounce)"
    mp3_row, zip_row = session.get(StoredFile, refs["mix"]), session.get(StoredFile, refs["stems"])
    assert mp3_row is not None and zip_row is not None
    assert (mp3_row.owner_id, mp3_row.original_name, mp3_row.content_type) == \
        (alice.id, "Night Drive (bounce).mp3", "audio/mpeg")
    assert (zip_row.owner_id, zip_row.original_name, zip_row.content_type) == \
        (alice.id, "Night Drive (stems).zip", "application/zip")
    view = downloads.bounce_view(session=session, actor=me, job_id=job.id)
    assert view.track_id == made.id and set(view.downloads) == {"mix", "stems"}
    assert all(url.startswith(routes.MEDIA + "/") for url in view.downloads.values())

    store = get_storage()
    with store.local_path(parts["drums"].working_key) as d, store.local_path(parts["bass"].working_key) as b, \
            store.local_path(parts["keys"].working_key) as k, store.local_path(made.original_key) as bounced, \
            store.local_path(mp3_row.key) as mp3, store.local_path(zip_row.key) as zipped:
        paths = {str(parts["drums"].id): d, str(parts["bass"].id): b, str(parts["keys"].id): k}

        def load(file: str) -> tuple[np.ndarray, int]:
            return read_audio(paths[file])

        arrangement = Arrangement.from_dict(done.document)
        n = render_length(arrangement)
        full = render_arrangement(arrangement, loader=load).astype(np.float64)
        pre_doc = copy.deepcopy(done.document)
        pre_doc["master"] = {"volume_db": 0.0, "inserts": []}
        pre = np.zeros((2, n))
        rendered = render_arrangement(Arrangement.from_dict(pre_doc), loader=load)
        pre[:, :rendered.shape[1]] = rendered  # the master tail (none here) would be silence pre-master
        files = FileCache(arrangement.sample_rate, loader=load)
        float_stems = [render_track(t, n, files).astype(np.float64) for t in audible_tracks(arrangement)]
        mix_file, rate = sf.read(str(bounced), dtype="float64", always_2d=True)
        mp3_info = sf.info(str(mp3))
        with zipfile.ZipFile(zipped) as archive:
            names = archive.namelist()
            written = []
            for name in names:
                with archive.open(name) as member:
                    data = io.BytesIO(member.read())
                assert sf.info(data).subtype == "PCM_24"
                data.seek(0)
                samples, stem_rate = sf.read(data, dtype="float64", always_2d=True)
                assert stem_rate == 44100 and samples.shape == (n, 2)  # as long as the mix
                written.append(samples.T)

    assert names == ["Drums.wav", "Bass.wav", "Bass (2).wav"]
    assert float(np.max(np.abs(pre))) < 1.0 and float(np.max(np.abs(full - pre))) > 0.01  # the master matters
    # design note §6 acceptance 5: per-track renders sum to the pre-master mix (float)
    float_residual = float(np.max(np.abs(sum(float_stems) - pre)))
    # each written stem is its float render within 24-bit rounding, so their sum is within 3 half-steps
    stem_residual = max(float(np.max(np.abs(w - f))) for w, f in zip(written, float_stems, strict=True))
    written_residual = float(np.max(np.abs(sum(written) - pre)))
    # the mix made in the same pass as the stems is still the engine's master render (acceptance 4)
    mix_residual = float(np.max(np.abs(mix_file.T - full)))
    print(f"stems (float) sum vs pre-master mix: {dbfs(float_residual):.1f} dBFS; "
          f"written 24-bit stem vs float stem: {dbfs(stem_residual):.1f} dBFS; "
          f"written 24-bit stems sum vs pre-master mix: {dbfs(written_residual):.1f} dBFS; "
          f"24-bit mix (stems pass) vs float render: {dbfs(mix_residual):.1f} dBFS")
    assert dbfs(float_residual) <= -90.0
    assert stem_residual <= LSB_24 / 2 * 1.001
    assert written_residual <= len(written) * LSB_24 / 2 * 1.001 + float_residual
    assert rate == 44100 and dbfs(mix_residual) <= -138.0

    # the MP3 is 320 kbps CBR of the same length (plus the codec's padding)
    assert mp3_info.format == "MP3" and mp3_info.samplerate == 44100 and mp3_info.frames >= n
    kbps = mp3_row.size_bytes * 8 / (n / 44100) / 1000
    print(f"MP3: {kbps:.0f} kbps over the mix's length")
    assert 310 <= kbps <= 345


def test_the_bounce_renders_the_version_it_was_asked_for(session: Session, acct_env: Path,
                                                         jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    part = _ready(session, alice, 21, 2, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Take", sample_rate=44100)
    first = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0,
                                 txn_id=uuid.uuid4().hex, edit=[
                                     {"op": "track.add", "track": {"id": "t1", "name": "Keys", "volume_db": -6}},
                                     {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(part.id),
                                                                                "start_s": 0, "length_s": 2}}])
    held = InProcessBroker()
    broker_service.use_broker(held)
    try:
        job = bounce.start_bounce(session=session, actor=me, project_id=project.id, file_format="FLAC")
        later = projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=1,
                                     txn_id=uuid.uuid4().hex, edit=[
                                         {"op": "track.set", "id": "t1", "field": "volume_db", "value": 0},
                                         {"op": "clip.set", "id": "c1", "field": "length_s", "value": 1}])
        assert later.version == 2
        held.start()
        assert held.wait_idle(180)
    finally:
        broker_service.use_broker(jobs_run)
        held.stop()
    session.expire_all()
    finished = session.get(Job, job.id)
    assert finished is not None and finished.status == "succeeded", finished.error if finished else None
    assert finished.params["version"] == 1 and finished.params["format"] == "flac"
    assert finished.params["doc_hash"] == canonical_sha256(first.document) != canonical_sha256(later.document)
    made = lib.fresh(session, downloads.result_refs(finished.result_ref)["track"])
    assert made is not None and made.format == "flac" and made.original_name == "Take (bounce).flac"
    store = get_storage()
    with store.local_path(part.working_key) as src, store.local_path(made.original_key) as bounced:
        expected = render_arrangement(Arrangement.from_dict(first.document), loader=lambda f: read_audio(src))
        got, _ = sf.read(str(bounced), dtype="float64", always_2d=True)
        assert sf.info(str(bounced)).subtype == "PCM_24"
    assert got.T.shape == expected.shape  # 2 s long: version 1, not the 1 s clip of version 2
    print(f"FLAC bounce of version 1 vs its float render: {dbfs(float(np.max(np.abs(got.T - expected)))):.1f} dBFS")
    assert dbfs(float(np.max(np.abs(got.T - expected)))) <= -138.0


def test_an_unknown_format_is_refused_before_any_job(session: Session, acct_env: Path,
                                                     jobs_run: InProcessBroker) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    part = _ready(session, alice, 31, 1, jobs_run)
    project = projects.create_project(session=session, actor=me, name="Song")
    projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id=uuid.uuid4().hex,
                         edit=[{"op": "track.add", "track": {"id": "t1", "name": "A"}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(part.id),
                                                                          "start_s": 0, "length_s": 1}}])
    for bad in ("ogg", "wav32", "", "mp3 128"):
        with pytest.raises(InvalidInput) as refused:
            bounce.start_bounce(session=session, actor=me, project_id=project.id, file_format=bad, stems=True)
        assert refused.value.message == (
            f"Unknown bounce format {bad!r}. Choose one of: wav24 (24-bit WAV), wav16 (16-bit WAV), "
            "flac (24-bit FLAC), mp3 (MP3 320 kbps).")
    empty = projects.create_project(session=session, actor=me, name="Empty")
    with pytest.raises(InvalidInput, match="nothing to bounce yet: add a clip"):
        bounce.start_bounce(session=session, actor=me, project_id=empty.id, file_format="mp3", stems=True)
    assert session.exec(select(Job).where(Job.kind == bounce.BOUNCE_KIND)).all() == []


def test_stem_names_are_safe_and_unique() -> None:
    assert stems.stem_names(["Drums", "drums", "Drums", "a/b\\c:d*?", "  ..  ", "CON", "Lead Vox.", "Bässe\n2",
                             "x" * 300]) == [
        "Drums.wav", "drums (2).wav", "Drums (3).wav", "a-b-c-d.wav", "Track 5.wav", "CON (track).wav",
        "Lead Vox.wav", "Bässe 2.wav", "x" * 100 + ".wav"]


def test_bounce_downloads_over_http(session: Session, acct_env: Path, client: TestClient,
                                    jobs_run: InProcessBroker) -> None:
    alice_user = make_user(session)
    make_user(session, "mallory@example.com")
    alice, mallory = bearer(client, "alice@example.com"), bearer(client, "mallory@example.com")
    part = _ready(session, alice_user, 41, 2, jobs_run)
    project = projects.create_project(session=session, actor=actor_for(alice_user), name="Demo", sample_rate=44100)
    projects.commit_edit(session=session, actor=actor_for(alice_user), project_id=project.id, base_version=0,
                         txn_id=uuid.uuid4().hex,
                         edit=[{"op": "track.add", "track": {"id": "t1", "name": "Keys"}},
                               {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(part.id),
                                                                          "start_s": 0, "length_s": 2}}])
    url = routes.V1_PROJECT_BOUNCE.format(project_id=project.id)
    for body, says in (({"format": "ogg"}, "Unknown bounce format 'ogg'. Choose one of: wav24 (24-bit WAV)"),
                       ({"format": "mp3", "stems": "yes"}, "stems:")):
        reply = client.post(url, json=body, headers=alice)
        assert reply.status_code == 422 and says in reply.json()["error"]["message"], reply.text

    started = client.post(url, json={"format": "flac", "stems": True}, headers=alice)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert started.json()["format"] == "flac" and started.json()["stems"] is True and started.json()["version"] == 1
    assert jobs_run.wait_idle(180)
    got = client.get(routes.V1_BOUNCE.format(job_id=job_id), headers=alice).json()
    assert got["status"] == "succeeded" and set(got["downloads"]) == {"mix", "stems"} and got["track_id"]

    def download(file: str, auth: dict[str, str]) -> Any:
        hop = client.get(routes.V1_BOUNCE_DOWNLOAD.format(job_id=job_id, file=file), headers=auth)
        assert hop.status_code == 307, hop.text
        assert hop.headers["location"].startswith(routes.MEDIA + "/")
        return client.get(hop.headers["location"], headers=auth)

    mix, zipped = download("mix", alice), download("stems", alice)
    assert mix.status_code == 200 and mix.headers["content-type"] == "audio/flac"
    assert 'filename="Demo (bounce).flac"' in mix.headers["content-disposition"]
    assert sf.info(io.BytesIO(mix.content)).format == "FLAC"
    assert zipped.status_code == 200 and 'filename="Demo (stems).zip"' in zipped.headers["content-disposition"]
    assert zipfile.ZipFile(io.BytesIO(zipped.content)).namelist() == ["Keys.wav"]

    other = client.get(routes.V1_BOUNCE_DOWNLOAD.format(job_id=job_id, file="master"), headers=alice)
    assert other.status_code == 422 and other.json()["error"]["message"] == \
        "Choose which file to download: mix or stems."
    for reply in (client.get(routes.V1_BOUNCE.format(job_id=job_id), headers=mallory),
                  client.get(routes.V1_BOUNCE_DOWNLOAD.format(job_id=job_id, file="stems"), headers=mallory)):
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    assert client.get(got["downloads"]["stems"], headers=mallory).status_code == 404  # the URL is the owner's

    plain = client.post(url, headers=alice)  # no body: a 24-bit WAV bounce without stems
    assert plain.status_code == 202 and (plain.json()["format"], plain.json()["stems"]) == ("wav24", False)
    assert jobs_run.wait_idle(180)
    no_stems = client.get(routes.V1_BOUNCE_DOWNLOAD.format(job_id=plain.json()["job_id"], file="stems"),
                          headers=alice)
    assert no_stems.status_code == 404 and no_stems.json()["error"]["message"] == \
        "This bounce was made without stems. Bounce again with stems to get them."
    hop = client.get(routes.V1_BOUNCE_DOWNLOAD.format(job_id=plain.json()["job_id"], file="mix"), headers=alice)
    wav = client.get(hop.headers["location"], headers=alice)
    assert wav.status_code == 200 and sf.info(io.BytesIO(wav.content)).subtype == "PCM_24"
    paths = client.get(routes.OPENAPI).json()["paths"]
    assert {"200", "401", "404"} <= set(paths[routes.V1_BOUNCE]["get"]["responses"])
    assert {"307", "404", "422"} <= set(paths[routes.V1_BOUNCE_DOWNLOAD]["get"]["responses"])


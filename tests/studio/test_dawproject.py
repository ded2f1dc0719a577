"""DAWproject (.dawproject) export and import: the export job writes a file that validates against
DAWproject's own XSDs and embeds the clips' working copies; importing it (as another user) gives
the same arrangement with the audio as new library tracks; hostile or broken files are refused
with a plain message and leave nothing behind; another user's project cannot be exported."""

from __future__ import annotations

import io
import os
import stat
import struct
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from maxbooster import routes
from maxbooster.models.jobs import Job
from maxbooster.models.library import Track
from maxbooster.models.studio import Project
from maxbooster.services import plans
from maxbooster.services.broker import InProcessBroker
from maxbooster.services.errors import InvalidInput, NotFound, PlanLimitReached
from maxbooster.services.storage import get_storage
from maxbooster.services.studio import dawproject, projects
from maxbooster.settings import get_settings
from tests.conftest import REQUIRE_SERVICES
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held, client, bearer = fx.acct_env, lib.jobs_run, lib.jobs_held, lib.api_client, lib.bearer
ROOT = Path(__file__).resolve().parents[2]


# --- the schema (DAWproject's XSDs live beside the repository, not in it) ---------------------------

def _xsd_dir() -> Path:
    configured = os.environ.get("MAXBOOSTER_DAWPROJECT_XSD_DIR", "")
    folder = Path(configured) if configured else ROOT.parent / "shared" / "dawproject"
    if not (folder / "Project.xsd").is_file() or not (folder / "MetaData.xsd").is_file():
        message = f"DAWproject's Project.xsd/MetaData.xsd are not in {folder} (set MAXBOOSTER_DAWPROJECT_XSD_DIR)"
        if os.environ.get("CI") or REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    from lxml import etree

    folder = _xsd_dir()
    return {name: etree.XMLSchema(etree.parse(str(folder / f"{name}.xsd"))) for name in ("Project", "MetaData")}


def _valid(schema: Any, data: bytes) -> None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    doc = etree.fromstring(data, parser=parser)  # noqa: S320  (our own output)
    assert schema.validate(doc), schema.error_log


# --- helpers ---------------------------------------------------------------------------------------

def _ready(session: Session, user: object, seed: int, seconds: float, jobs: InProcessBroker) -> Track:
    track = lib.upload(session, user, lib.music_bytes("WAV", seconds=seconds, seed=seed, level=0.2),
                       f"part {seed}.wav").track
    assert jobs.wait_idle(120)
    done = lib.fresh(session, track.id)
    assert done is not None and done.status == "ready", done.status_message if done else None
    return done


def _edit(session: Session, user: object, project: Project, base: int, *ops: dict[str, Any]) -> int:
    done = projects.commit_edit(session=session, actor=actor_for(user), project_id=project.id,  # type: ignore[arg-type]
                                base_version=base, edit=list(ops), txn_id=uuid.uuid4().hex)
    return done.version


def _song(session: Session, user: object, jobs: InProcessBroker) -> tuple[Project, list[Track]]:
    """A 3/4, 96 BPM project at 44.1 kHz: two tracks with mix settings and inserts, clips with trims,
    gains and fades (two clips share one file)."""
    drums, bass = _ready(session, user, 1, 3, jobs), _ready(session, user, 2, 2, jobs)
    me = actor_for(user)  # type: ignore[arg-type]
    project = projects.create_project(session=session, actor=me, name="Night Drive", sample_rate=44100)
    projects.update_project(session=session, actor=me, project_id=project.id, beats_per_bar=3, beat_unit=4)
    eq = {"type": "eq", "bands": [{"kind": "peak", "freq_hz": 1200.0, "gain_db": 2.5, "q": 1.4},
                                  {"kind": "highpass", "freq_hz": 40.0, "gain_db": 0.0, "q": 0.707}]}
    comp = {"type": "compressor", "threshold_db": -20.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 120.0}
    _edit(session, user, project, 0,
          {"op": "session.set", "field": "tempo_bpm", "value": 96},
          {"op": "master.set", "field": "volume_db", "value": -1.5},
          {"op": "inserts.set", "track": "master", "inserts": [{"type": "limiter", "ceiling_dbtp": -1.0},
                                                                {"type": "gain", "gain_db": 2.0}]},
          {"op": "track.add", "track": {"id": "t1", "name": "Drums", "role": "drums", "volume_db": -3.0,
                                        "pan": 0.3, "solo": True, "inserts": [eq, comp, {"type": "reverb"}]}},
          {"op": "track.add", "track": {"id": "t2", "name": "Bass & Keys", "volume_db": 2.0, "pan": -0.45,
                                        "mute": True}},
          {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(drums.id), "start_s": 0.0,
                                                     "length_s": 2.5, "offset_s": 0.25, "gain_db": -2.5,
                                                     "fade_in_s": 0.01, "fade_out_s": 0.5}},
          {"op": "clip.add", "track": "t1", "clip": {"id": "c2", "file": str(drums.id), "start_s": 3.125,
                                                     "length_s": 1.0}},
          {"op": "clip.add", "track": "t2", "clip": {"id": "c3", "file": str(bass.id), "start_s": 1.5,
                                                     "offset_s": 0.5, "length_s": 1.25, "gain_db": 3.0,
                                                     "fade_in_s": 0.2}})
    return projects.get_project(session=session, actor=me, project_id=project.id), [drums, bass]


def _shape(document: dict[str, Any]) -> dict[str, Any]:
    """The document with ids replaced by positions and files by the order they first appear: two
    documents with the same shape play the same arrangement from the same (or copied) files."""
    files: dict[str, int] = {}
    tracks = []
    for t in document["tracks"]:
        clips = []
        for c in t["clips"]:
            clips.append({k: v for k, v in c.items() if k not in ("id", "file")})
            clips[-1]["file"] = files.setdefault(c["file"], len(files))
        tracks.append({k: v for k, v in t.items() if k not in ("id", "role", "clips")} | {"clips": clips})
    return {**document, "tracks": tracks}


def _without(inserts: list[dict[str, Any]], *kinds: str) -> list[dict[str, Any]]:
    return [i for i in inserts if i["type"] not in kinds]


def _read(key: str) -> bytes:
    with get_storage().open(key) as fh:
        return fh.read()


def _exported(session: Session, project: Project) -> bytes:
    return _read(dawproject.export_key(project.owner_id, project.id))


# --- export and round trip ---------------------------------------------------------------------------

def test_export_validates_against_the_dawproject_schemas(session: Session, acct_env: Path,
                                                         jobs_run: InProcessBroker, schemas: dict[str, Any]) -> None:
    alice = make_user(session)
    empty = projects.create_project(session=session, actor=actor_for(alice), name="Empty")
    song, _ = _song(session, alice, jobs_run)
    for project in (empty, song):
        dawproject.start_export(session=session, actor=actor_for(alice), project_id=project.id)
        assert jobs_run.wait_idle(120)
        with zipfile.ZipFile(io.BytesIO(_exported(session, project))) as zf:
            _valid(schemas["Project"], zf.read("project.xml"))
            _valid(schemas["MetaData"], zf.read("metadata.xml"))


def test_export_embeds_the_audio_and_imports_back_as_the_same_arrangement(
        session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    alice, bob = make_user(session), make_user(session, "bob@example.com")
    project, (drums, bass) = _song(session, alice, jobs_run)
    job = dawproject.start_export(session=session, actor=actor_for(alice), project_id=project.id)
    assert jobs_run.wait_idle(120)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done is not None and done.status == "succeeded", done.error if done else None
    assert done.message == "Not exported (DAWproject has no equivalent): Reverb on “Drums”, Gain on the master bus"

    data = _exported(session, project)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(zf.namelist())
        assert names[-2:] == ["metadata.xml", "project.xml"] and len(names) == 4
        assert b"<Title>Night Drive</Title>" in zf.read("metadata.xml")
        project_xml = zf.read("project.xml").decode()
        assert 'timeUnit="seconds"' in project_xml and 'unit="bpm" value="96.0"' in project_xml
        assert 'numerator="3" denominator="4"' in project_xml
        audio = {n: zf.read(n) for n in names if n.startswith("audio/")}
    working = {_read(str(t.working_key)) for t in (drums, bass)}
    assert set(audio.values()) == working  # the working copies themselves, one file each

    status = dawproject.export_status(session=session, actor=actor_for(alice), project_id=project.id,
                                      job_id=job.id)
    assert status.download_url.startswith(routes.MEDIA + "/")

    imported = dawproject.import_dawproject(session=session, actor=actor_for(bob), data=data)
    new = imported.project
    assert (new.owner_id, new.name, new.sample_rate, new.beats_per_bar, new.beat_unit, new.version) == \
        (bob.id, "Night Drive", 44100, 3, 4, 0)
    assert imported.notes == ()
    expected = _shape(project.document)
    expected["tracks"][0]["inserts"] = _without(expected["tracks"][0]["inserts"], "reverb")
    expected["master"]["inserts"] = _without(expected["master"]["inserts"], "gain")
    assert _shape(new.document) == expected  # positions, lengths, offsets, gains, fades, mix, tempo, inserts

    files = {c["file"] for t in new.document["tracks"] for c in t["clips"]}
    assert len(files) == 2 and not files & {str(drums.id), str(bass.id)}
    assert jobs_run.wait_idle(180)
    session.expire_all()
    made = [session.get(Track, uuid.UUID(f)) for f in files]
    assert all(t is not None and t.owner_id == bob.id and t.status == "ready" for t in made)
    # the library got the exact audio that was embedded (processed like any upload)
    assert {_read(t.original_key) for t in made if t} == working


def test_only_the_owner_exports_and_missing_files_are_refused_before_a_job(
        session: Session, acct_env: Path, jobs_run: InProcessBroker) -> None:
    alice, mallory = make_user(session), make_user(session, "mallory@example.com")
    me, them = actor_for(alice), actor_for(mallory)
    project = projects.create_project(session=session, actor=me, name="Empty")
    with pytest.raises(NotFound):
        dawproject.start_export(session=session, actor=them, project_id=project.id)
    job = dawproject.start_export(session=session, actor=me, project_id=project.id)  # an empty project exports
    assert jobs_run.wait_idle(60)
    with pytest.raises(NotFound):
        dawproject.export_status(session=session, actor=them, project_id=project.id, job_id=job.id)
    with pytest.raises(NotFound):
        dawproject.export_download_url(session=session, actor=them, project_id=project.id, job_id=job.id)
    with zipfile.ZipFile(io.BytesIO(_exported(session, project))) as zf:
        assert b"<Structure>" in zf.read("project.xml")

    theirs = _ready(session, mallory, 3, 1, jobs_run)
    _edit(session, alice, project, 0, {"op": "track.add", "track": {"id": "t1", "name": "x"}},
          {"op": "clip.add", "track": "t1", "clip": {"id": "c1", "file": str(theirs.id), "start_s": 0,
                                                     "length_s": 1}})
    with pytest.raises(InvalidInput, match="missing or still processing"):
        dawproject.start_export(session=session, actor=me, project_id=project.id)
    assert len(session.exec(select(Job).where(Job.kind == dawproject.EXPORT_KIND)).all()) == 1


# --- hostile and broken files ----------------------------------------------------------------------

CLIP = ('<Clip time="{time}" duration="1.0" playStart="0.0"><Audio channels="2" sampleRate="44100" '
        'duration="1.0"><File path="{path}"{external}/></Audio></Clip>')


def _project_xml(*, clips: str = "", extra_tracks: str = "", extra_lanes: str = "", tracks: int = 1) -> bytes:
    structure = "".join(f'<Track id="t{n}" name="Audio {n}" contentType="audio"><Channel id="ch{n}" role="regular">'
                        '<Volume unit="linear" value="1.0"/></Channel></Track>' for n in range(1, tracks + 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><Project version="1.0"><Application name="Test" version="1"/>'
            f'<Transport><Tempo unit="bpm" value="120"/></Transport><Structure>{structure}{extra_tracks}</Structure>'
            f'<Arrangement id="arr"><Lanes timeUnit="seconds"><Lanes track="t1"><Clips>{clips}</Clips></Lanes>'
            f'{extra_lanes}</Lanes></Arrangement></Project>').encode()


def _clip(path: str = "audio/a.wav", time: str = "0.0", external: str = "") -> str:
    return CLIP.format(path=path, time=time, external=f' external="{external}"' if external else "")


def _zip(entries: dict[str | zipfile.ZipInfo, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _wav(seconds: float = 0.5, seed: int = 1) -> bytes:
    return lib.music_bytes("WAV", seconds=seconds, seed=seed)


def _valid_file(**kw: Any) -> dict[str | zipfile.ZipInfo, bytes]:
    return {"project.xml": _project_xml(clips=_clip(), **kw), "audio/a.wav": _wav()}


def _symlink() -> bytes:
    link = zipfile.ZipInfo("audio/a.wav")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip({"project.xml": _project_xml(clips=_clip()), link: b"/etc/passwd"})


def _lying_directory() -> bytes:
    """A 4 MB entry whose local header and directory both claim 1000 bytes."""
    data = bytearray(_zip({"audio/a.wav": b"\0" * (4 << 20), "project.xml": _project_xml(clips=_clip())}))
    assert data[:4] == b"PK\x03\x04"
    struct.pack_into("<I", data, 22, 1000)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
    return bytes(data)


BOMB = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Project>&b;</Project>')
XXE = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project version="1.0">&x;</Project>'

BAD_FILES: dict[str, tuple[Any, str]] = {
    "not a zip": (lambda: b"RIFF....WAVEfmt not a zip at all", "not a ZIP archive"),
    "empty zip": (lambda: _zip({}), "has no project.xml"),
    "no project.xml": (lambda: _zip({"metadata.xml": b"<MetaData/>", "audio/a.wav": _wav()}), "has no project.xml"),
    "absolute entry": (lambda: _zip({**_valid_file(), "/etc/cron.d/x": b"x"}), "unsafe path"),
    "dot-dot entry": (lambda: _zip({**_valid_file(), "audio/../../evil.wav": _wav()}), "unsafe path"),
    "windows drive entry": (lambda: _zip({**_valid_file(), "C:\\evil.wav": _wav()}), "unsafe path"),
    "dot-dot reference": (lambda: _zip({"project.xml": _project_xml(clips=_clip("../../etc/passwd"))}),
                          "unsafe path"),
    "absolute reference": (lambda: _zip({"project.xml": _project_xml(clips=_clip("/etc/passwd"))}), "unsafe path"),
    "symlink": (_symlink, "symbolic link"),
    "zip bomb": (lambda: _zip({**_valid_file(), "audio/b.wav": b"\0" * (40 << 20)}), "ZIP bomb"),
    "lying directory": (_lying_directory, "is damaged"),
    "entity bomb": (lambda: _zip({"project.xml": BOMB}), "declares a DTD or entities"),
    "external entity": (lambda: _zip({"project.xml": XXE}), "declares a DTD or entities"),
    "metadata entities": (lambda: _zip({**_valid_file(), "metadata.xml": BOMB}), "declares a DTD or entities"),
    "broken xml": (lambda: _zip({"project.xml": b"<Project><Structure></Project>"}), "not valid XML"),
    "deep nesting": (lambda: _zip({"project.xml": b"<Project>" + b"<Lanes>" * 5000 + b"</Lanes>" * 5000
                                   + b"</Project>"}), "nested too deeply"),
    "not a project": (lambda: _zip({"project.xml": b"<MetaData/>"}), "not a DAWproject project"),
    "missing audio": (lambda: _zip({"project.xml": _project_xml(clips=_clip("audio/gone.wav"))}),
                      "audio/gone.wav, which is not in the DAWproject file"),
    "external audio": (lambda: _zip({"project.xml": _project_xml(clips=_clip("/Users/me/kick.wav", external="true"))}),
                       "outside the DAWproject file"),
    "NaN time": (lambda: _zip({**_valid_file(), "project.xml": _project_xml(clips=_clip(time="NaN"))}),
                 "invalid time ('NaN')"),
    "infinite time": (lambda: _zip({**_valid_file(), "project.xml": _project_xml(clips=_clip(time="INF"))}),
                      "invalid time ('INF')"),
    "not audio": (lambda: _zip({"project.xml": _project_xml(clips=_clip()), "audio/a.wav": b"hello" * 1000}),
                  "holds audio that cannot be imported (a.wav: is not audio"),
    "password": (lambda: _encrypted(), "password-protected"),
}


def _encrypted() -> bytes:
    data = bytearray(_zip(_valid_file()))
    for sig, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(sig)
        while at != -1:
            data[at + flags_at] |= 0x1
            at = data.find(sig, at + 4)
    return bytes(data)


def _snapshot(session: Session, user_id: uuid.UUID) -> tuple[int, int, list[Path], int, int]:
    """What an import could leave behind: projects, tracks, stored files, used storage and jobs."""
    session.expire_all()
    return (len(session.exec(select(Project)).all()), len(session.exec(select(Track)).all()),
            lib.blobs(get_settings().storage_dir), plans.usage(session=session, user_id=user_id,
                                                                 resource="storage_bytes"),
            len(session.exec(select(Job)).all()))


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_plain_message_and_nothing_stored(
        case: str, session: Session, acct_env: Path, jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    build, says = BAD_FILES[case]
    before = _snapshot(session, alice.id)
    with pytest.raises(InvalidInput) as refused:
        dawproject.import_dawproject(session=session, actor=actor_for(alice), data=build())
    assert says in refused.value.message, refused.value.message
    assert _snapshot(session, alice.id) == before


def test_an_embedded_file_over_the_upload_cap_is_refused(session: Session, acct_env: Path,
                                                         jobs_held: InProcessBroker,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    alice = make_user(session)
    small, large = _wav(0.2), _wav(1.5)
    monkeypatch.setenv("UPLOAD_MAX_BYTES", str(len(small) * 2))
    get_settings.cache_clear()
    before = _snapshot(session, alice.id)
    too_big = _zip({"project.xml": _project_xml(clips=_clip()), "audio/a.wav": large}, zipfile.ZIP_STORED)
    with pytest.raises(InvalidInput, match=r"a\.wav in the DAWproject file is larger than the \d+ KB upload limit"):
        dawproject.import_dawproject(session=session, actor=actor_for(alice), data=too_big)
    # each file under the cap, all of them together over twice the cap
    many = {"project.xml": _project_xml(clips="".join(_clip(f"audio/{n}.wav", f"{n}.0") for n in range(5))),
            **{f"audio/{n}.wav": _wav(0.2, seed=n) for n in range(5)}}
    with pytest.raises(InvalidInput, match="unpacks to more than"):
        dawproject.import_dawproject(session=session, actor=actor_for(alice), data=_zip(many, zipfile.ZIP_STORED))
    assert _snapshot(session, alice.id) == before


def test_a_failure_after_some_uploads_removes_them_again(session: Session, acct_env: Path,
                                                         jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    first, second = _wav(0.4, seed=1), _wav(0.4, seed=2)
    plans.reserve(session=session, user_id=alice.id, resource="storage_bytes",
                  amount=plans.GIB - len(first) - len(second) // 2)  # room for the first file only
    session.commit()
    data = _zip({"project.xml": _project_xml(clips=_clip("audio/a.wav") + _clip("audio/b.wav", "1.0")),
                 "audio/a.wav": first, "audio/b.wav": second})
    before = _snapshot(session, alice.id)
    with pytest.raises(PlanLimitReached):
        dawproject.import_dawproject(session=session, actor=actor_for(alice), data=data)
    after = _snapshot(session, alice.id)
    assert after[:4] == before[:4]  # the first file's track, blob and quota are gone again
    session.expire_all()
    assert {j.status for j in session.exec(select(Job)).all()} <= {"cancelled"}  # its processing was called off


def test_plan_limits_apply_to_imports(session: Session, acct_env: Path, jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    me = actor_for(alice)
    nine = _project_xml(clips=_clip(), tracks=9)
    with pytest.raises(PlanLimitReached, match="This project has 9 tracks; your Free plan allows 8"):
        dawproject.import_dawproject(session=session, actor=me, data=_zip({"project.xml": nine,
                                                                            "audio/a.wav": _wav()}))
    for n in range(3):
        projects.create_project(session=session, actor=me, name=f"p{n}")
    before = _snapshot(session, alice.id)
    with pytest.raises(PlanLimitReached, match="allows 3 studio projects"):
        dawproject.import_dawproject(session=session, actor=me, data=_zip(_valid_file()))
    assert _snapshot(session, alice.id) == before


def test_midi_and_other_unsupported_content_is_skipped_with_a_note(session: Session, acct_env: Path,
                                                                   jobs_held: InProcessBroker) -> None:
    alice = make_user(session)
    midi_track = ('<Track id="m1" name="Piano" contentType="notes"><Channel id="mc" role="regular"><Devices>'
                  '<Vst3Plugin id="v1" deviceName="Grand Piano" deviceRole="instrument"/></Devices></Channel>'
                  '</Track>')
    midi_lane = ('<Lanes track="m1"><Clips><Clip time="0" duration="4"><Notes><Note time="0" duration="1" '
                 'channel="0" key="60" vel="0.8"/></Notes></Clip></Clips></Lanes>')
    stretched = ('<Clip time="2" duration="2"><Warps timeUnit="seconds" contentTimeUnit="seconds"><Audio channels="2" '
                 'sampleRate="44100" duration="1"><File path="audio/a.wav"/></Audio><Warp time="0" contentTime="0"/>'
                 '<Warp time="2" contentTime="1"/></Warps></Clip>')
    alias_loop = '<Lanes track="t1"><Clips id="loop"><Clip time="0" duration="1" reference="loop"/></Clips></Lanes>'
    xml = _project_xml(clips=_clip() + stretched, extra_tracks=midi_track, extra_lanes=midi_lane + alias_loop)
    result = dawproject.import_dawproject(session=session, actor=actor_for(alice),
                                          data=_zip({"project.xml": xml, "audio/a.wav": _wav()}),
                                          filename="My Song.dawproject")
    assert result.project.name == "My Song"
    assert [t["name"] for t in result.project.document["tracks"]] == ["Audio 1"]
    assert len(result.project.document["tracks"][0]["clips"]) == 1
    assert "Track “Piano” has no audio (MIDI or automation only) and was skipped." in result.notes
    assert any("Time-stretched clips were skipped" in n for n in result.notes)
    assert "Clips nested more than 8 deep were skipped." in result.notes


def test_beats_and_another_daws_layout_are_read(session: Session, acct_env: Path, jobs_held: InProcessBroker) -> None:
    """A Bitwig-style file: beats on the timeline, warps mapping beats to seconds 1:1 at the project
    tempo, volume in dB, pan as −1..1 linear, a clip nested in a clip."""
    alice = make_user(session)
    warped = ('<Clip time="4" duration="4" playStart="2" fadeTimeUnit="beats" fadeInTime="1" fadeOutTime="0">'
              '<Warps timeUnit="beats" contentTimeUnit="seconds"><Audio channels="2" sampleRate="44100" duration="1">'
              '<File path="audio/a.wav"/></Audio><Warp time="0" contentTime="0"/><Warp time="8" contentTime="4"/>'
              '</Warps></Clip>')
    nested = ('<Clip time="8" duration="2" playStart="1"><Clips><Clip time="0" duration="4" contentTimeUnit="seconds">'
              '<Audio channels="2" sampleRate="44100" duration="1"><File path="audio/a.wav"/></Audio></Clip></Clips>'
              '</Clip>')
    xml = (f'<Project version="1.0"><Application name="Bitwig Studio" version="5"/><Transport>'
           f'<Tempo unit="bpm" value="120"/><TimeSignature numerator="7" denominator="8"/></Transport><Structure>'
           f'<Track id="t1" name="Loop" contentType="audio"><Channel id="c1" role="regular" solo="true">'
           f'<Mute value="true"/><Pan unit="linear" value="-0.5"/><Volume unit="decibel" value="-6"/></Channel>'
           f'</Track></Structure><Arrangement><Lanes timeUnit="beats"><Lanes track="t1"><Clips>{warped}{nested}'
           f'</Clips></Lanes></Lanes></Arrangement></Project>').encode()
    result = dawproject.import_dawproject(session=session, actor=actor_for(alice),
                                          data=_zip({"project.xml": xml, "audio/a.wav": _wav(2)}))
    doc = result.project.document
    track = doc["tracks"][0]
    assert (track["volume_db"], track["pan"], track["mute"], track["solo"]) == (-6.0, -0.5, True, True)
    assert (result.project.beats_per_bar, result.project.beat_unit) == (7, 8)
    first, second = ({k: c[k] for k in ("start_s", "offset_s", "length_s", "fade_in_s")} for c in track["clips"])
    assert first == {"start_s": 2.0, "offset_s": 1.0, "length_s": 2.0, "fade_in_s": 0.5}  # 120 BPM: a beat = 0.5 s
    # the parent shows its content from 0.5 s (playStart 1 beat) for 1 s, at 4 s on the timeline
    assert second == {"start_s": 4.0, "offset_s": 0.5, "length_s": 1.0, "fade_in_s": 0.0}


# --- over HTTP ---------------------------------------------------------------------------------------

def test_export_and_import_over_http(session: Session, acct_env: Path, client: TestClient,
                                     jobs_run: InProcessBroker) -> None:
    alice_user = make_user(session)
    make_user(session, "mallory@example.com")
    alice, mallory = bearer(client, "alice@example.com"), bearer(client, "mallory@example.com")
    project, _ = _song(session, alice_user, jobs_run)
    export_url = routes.V1_PROJECT_EXPORT.format(project_id=project.id)

    assert client.post(export_url, headers=mallory).status_code == 404
    started = client.post(export_url, headers=alice)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert jobs_run.wait_idle(120)
    job_url = routes.V1_PROJECT_EXPORT_JOB.format(project_id=project.id, job_id=job_id)
    done = client.get(job_url, headers=alice).json()
    assert done["status"] == "succeeded" and done["download_url"].startswith(routes.MEDIA + "/")
    assert "Reverb on “Drums”" in done["message"]
    hop = client.get(routes.V1_PROJECT_EXPORT_DOWNLOAD.format(project_id=project.id, job_id=job_id), headers=alice)
    assert hop.status_code == 307
    got = client.get(hop.headers["location"], headers=alice)
    assert got.status_code == 200 and 'attachment; filename="Night Drive.dawproject"' in \
        got.headers["content-disposition"]
    assert got.content == _exported(session, project)
    for reply in (client.get(hop.headers["location"], headers=mallory), client.get(job_url, headers=mallory),
                  client.get(routes.V1_PROJECT_EXPORT_DOWNLOAD.format(project_id=project.id, job_id=job_id),
                             headers=mallory)):
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"

    imported = client.post(routes.V1_PROJECTS_IMPORT, headers=mallory, params={"name": "From Alice"},
                           files={"file": ("Night Drive.dawproject", got.content)})
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["name"], body["tracks"], body["sample_rate"], body["tempo_bpm"], body["notes"]) == \
        ("From Alice", 2, 44100, 96.0, [])
    assert set(body["unplayable_clips"].values()) <= {"processing"}  # its uploads are being processed
    assert client.get(routes.V1_PROJECT.format(project_id=body["id"]), headers=alice).status_code == 404

    bad = client.post(routes.V1_PROJECTS_IMPORT, headers=mallory, files={"file": ("x.dawproject", b"not a zip")})
    assert bad.status_code == 422 and "not a ZIP archive" in bad.json()["error"]["message"]
    assert client.post(routes.V1_PROJECTS_IMPORT, headers=mallory, content=b"x").status_code == 400
    paths = client.get(routes.OPENAPI).json()["paths"]
    assert {"201", "400", "401", "402", "413", "422"} <= set(paths[routes.V1_PROJECTS_IMPORT]["post"]["responses"])
    assert {"202", "401", "404", "422"} <= set(paths[routes.V1_PROJECT_EXPORT]["post"]["responses"])
    assert "get" in paths[routes.V1_PROJECT_EXPORT_JOB] and "get" in paths[routes.V1_PROJECT_EXPORT_DOWNLOAD]

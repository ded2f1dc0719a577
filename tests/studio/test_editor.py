"""What the studio page opens a project with: the document, media for each clip (signed URLs of a
ready track, "processing" while it is processed, "missing" once deleted or not the owner's), the
owner's ready library tracks only, the effects and the plan's track limit; another user's project
is not found; the projects list in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from maxbooster import routes
from maxbooster.db import get_engine
from maxbooster.services.errors import NotFound
from maxbooster.services.library import tracks as tracks_service
from maxbooster.services.studio import editor, projects
from tests.support import accounts as fx
from tests.support import library as lib
from tests.support.accounts import actor_for, make_user

acct_env, jobs_run, jobs_held = fx.acct_env, lib.jobs_run, lib.jobs_held


def _clip(cid: str, file: str, start: float = 0.0) -> dict:
    return {"id": cid, "file": file, "start_s": start, "offset_s": 0.0, "length_s": 2.0, "gain_db": 0.0,
            "fade_in_s": 0.0, "fade_out_s": 0.0}


def test_open_project_gives_media_per_clip_the_ready_library_and_the_limits(acct_env, jobs_run) -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine()) as session:
        alice, bob = make_user(session), make_user(session, "bob@example.com")
        me = actor_for(alice)
        ready = lib.upload(session, alice, lib.music_bytes(seconds=3, seed=1), "one.wav").track
        gone = lib.upload(session, alice, lib.music_bytes(seconds=3, seed=2), "two.wav").track
        theirs = lib.upload(session, bob, lib.music_bytes(seconds=3, seed=3), "bob.wav").track
        assert jobs_run.wait_idle(120)
        tracks_service.delete_track(session=session, actor=me, track_id=gone.id)
        project = projects.create_project(session=session, actor=me, name="Song")
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id="txn-0001", edit=[
            {"op": "track.add", "track": {"id": "t1", "name": "Main"}},
            {"op": "clip.add", "track": "t1", "clip": _clip("c1", str(ready.id))},
            {"op": "clip.add", "track": "t1", "clip": _clip("c2", str(gone.id), 3.0)},
            {"op": "clip.add", "track": "t1", "clip": _clip("c3", str(theirs.id), 6.0)},
            {"op": "clip.add", "track": "t1", "clip": _clip("c4", "not-a-track", 9.0)}])
        opened = editor.open_project(session=session, actor=me, project_id=str(project.id))
        assert opened["project"]["version"] == 1 and opened["project"]["name"] == "Song"
        assert [c["id"] for c in opened["project"]["document"]["tracks"][0]["clips"]] == ["c1", "c2", "c3", "c4"]
        media = opened["media"]
        assert media[str(ready.id)]["state"] == "ready"
        assert media[str(ready.id)]["audio_url"].startswith(routes.MEDIA)
        assert set(media[str(ready.id)]["peaks_urls"]) >= {"64", "4096"}
        assert media[str(ready.id)]["duration_s"] == pytest.approx(3.0, abs=0.01)
        for missing in (str(gone.id), str(theirs.id), "not-a-track"):
            assert media[missing]["state"] == "missing" and media[missing]["audio_url"] == ""
        assert [item["id"] for item in opened["library"]] == [str(ready.id)]  # not bob's, not the deleted one
        assert {e["type"] for e in opened["effects"]} >= {"eq", "compressor", "reverb", "delay", "gate", "limiter",
                                                           "gain"}
        assert opened["limits"] == {"tracks": 8, "plan": "Free"}
        with pytest.raises(NotFound):
            editor.open_project(session=session, actor=actor_for(bob), project_id=str(project.id))
        with pytest.raises(NotFound):
            editor.open_project(session=session, actor=me, project_id="../etc/passwd")


def test_a_clip_of_a_track_still_processing_says_so(acct_env, jobs_held) -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine()) as session:
        alice = make_user(session)
        me = actor_for(alice)
        track = lib.upload(session, alice, lib.music_bytes(seconds=2, seed=4), "slow.wav").track
        project = projects.create_project(session=session, actor=me, name="Song")
        projects.commit_edit(session=session, actor=me, project_id=project.id, base_version=0, txn_id="txn-0002", edit=[
            {"op": "track.add", "track": {"id": "t1", "name": "Main"}},
            {"op": "clip.add", "track": "t1", "clip": _clip("c1", str(track.id))}])
        opened = editor.open_project(session=session, actor=me, project_id=str(project.id))
        assert opened["media"][str(track.id)]["state"] == "processing"
        assert opened["media"][str(track.id)]["audio_url"] == ""
        assert opened["library"] == []  # only ready tracks can be dragged in


def test_projects_list_in_plain_words(acct_env) -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine()) as session:
        alice = make_user(session)
        me = actor_for(alice)
        projects.create_project(session=session, actor=me, name="First", tempo_bpm=96, beats_per_bar=6, beat_unit=8)
        projects.create_project(session=session, actor=me, name="Second", sample_rate=44100)
        rows = editor.project_rows(session=session, actor=me, project_href=routes.project_page("{id}"))
        assert [r.name for r in rows] == ["Second", "First"]
        assert (rows[1].tempo, rows[1].meter, rows[1].rate, rows[1].tracks) == ("96 BPM", "6/8", "48 kHz", "0 tracks")
        assert rows[0].rate == "44.1 kHz" and rows[0].edited == "just now"
        assert rows[0].href == routes.project_page(rows[0].id)


def test_ago() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    cases = {timedelta(seconds=5): "just now", timedelta(minutes=1): "1 minute ago",
             timedelta(minutes=59): "59 minutes ago", timedelta(hours=1): "1 hour ago",
             timedelta(hours=5): "5 hours ago",
             timedelta(days=1): "yesterday", timedelta(days=6): "6 days ago", timedelta(days=40): "24 Oct 2026"}
    for delta, want in cases.items():
        assert editor.ago(now - delta, now) == want
    assert editor.ago((now - timedelta(hours=2)).replace(tzinfo=None), now) == "2 hours ago"  # naive = UTC

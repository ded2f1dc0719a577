"""What the release pages get from the services: the calendar's order and states, the editor's fields
and store-style hints, "Move it" (the validator's own suggestion, applied server-side), the check's
findings grouped by what to fix, the masters a track can be made from, and the cover's upload cap."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from maxbooster import routes
from maxbooster.api.middleware import API_BODY_BYTES, body_limit
from maxbooster.models.releases import DeliveryState
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.releases import artwork, checks, lifecycle, overview, releases, tracks
from tests.releases.support import complete_release, image_bytes, in_days, make_master
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env


def test_calendar_lists_upcoming_then_undated_then_past(session: Session, acct_env: object) -> None:
    user = make_user(session)
    actor = actor_for(user)
    for title, day in (("Later", in_days(40)), ("Soon", in_days(5)), ("Old", in_days(-30)), ("Older", in_days(-90)),
                       ("Someday", None)):
        releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(
            title=title, release_date=day, artists=[{"name": "Ava North", "role": "primary"},
                                                    {"name": "Bo", "role": "featured"}]))
    rows = overview.release_rows(session=session, actor=actor)
    assert [(r.title, r.when) for r in rows] == [("Soon", "upcoming"), ("Later", "upcoming"), ("Someday", "undated"),
                                                 ("Old", "past"), ("Older", "past")]
    soon = rows[0]
    assert soon.artists == "Ava North feat. Bo" and soon.kind == "Single" and soon.tracks == "0 tracks"
    assert soon.href == routes.release_page(soon.id) and soon.day == str(in_days(5).day)
    assert [(d.name, d.label, d.tone) for d in soon.deliveries] == [("Delivery folder on this server", "Draft", "gray")]
    assert overview.release_rows(session=session, actor=actor_for(make_user(session, "b@example.com"))) == []


def test_editor_shows_the_style_rule_and_move_it_applies_it(session: Session, acct_env: object) -> None:
    user = make_user(session)
    actor = actor_for(user)
    release = releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(
        title="Night Drive (feat. Bo) - Radio Edit", artists=[{"name": "Ava North", "role": "primary"}]))
    view = overview.editor_view(session=session, actor=actor, release_id=release.id)
    assert view.fields["title"] == "Night Drive (feat. Bo) - Radio Edit" and view.locked == ""
    assert [h["message"].split("”")[0] for h in view.title_hints] == ["The title “Night Drive (feat. Bo) - Radio Edit",
                                                                       "The title “Night Drive - Radio Edit"]
    overview.apply_style_fix(session=session, actor=actor, release_id=release.id)
    view = overview.editor_view(session=session, actor=actor, release_id=release.id)
    assert (view.fields["title"], view.fields["version"]) == ("Night Drive", "Radio Edit")
    assert view.artists == [{"name": "Ava North", "role": "primary"}, {"name": "Bo", "role": "featured"}]
    assert view.title_hints == []
    with pytest.raises(InvalidInput, match="nothing to move"):
        overview.apply_style_fix(session=session, actor=actor, release_id=release.id)


def test_a_tracks_title_rule_moves_into_the_tracks_fields(session: Session, acct_env: object) -> None:
    user = make_user(session)
    actor = actor_for(user)
    release = releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(title="EP"))
    master = make_master(session, user, title="Glow ft. Cy")
    track = tracks.add_track(session=session, actor=actor, release_id=release.id,
                             data=tracks.TrackIn(master_id=master.id))
    [item] = overview.editor_view(session=session, actor=actor, release_id=release.id).tracks
    assert item.title == "Glow ft. Cy" and len(item.hints) == 1 and item.source == "Glow ft. Cy · Spotify master v1"
    overview.apply_style_fix(session=session, actor=actor, release_id=release.id, track_id=track.id)
    [item] = overview.editor_view(session=session, actor=actor, release_id=release.id).tracks
    assert (item.title, item.featured, item.hints) == ("Glow", "Cy", [])
    other = make_user(session, "mallory@example.com")
    with pytest.raises(NotFound):
        overview.apply_style_fix(session=session, actor=actor_for(other), release_id=release.id, track_id=track.id)


def test_track_inputs_become_track_changes() -> None:
    assert overview.track_change("featured", "Bo,  Cy ,").artists == [{"name": "Bo", "role": "featured"},
                                                                       {"name": "Cy", "role": "featured"}]
    assert overview.track_change("preview_start", "12,5").preview_start_s == 12.5
    assert overview.track_change("explicit", True).explicit is True
    with pytest.raises(InvalidInput, match="number of seconds"):
        overview.track_change("preview_start", "half way")


def test_check_groups_findings_by_what_to_fix(session: Session, acct_env: object) -> None:
    user = make_user(session)
    actor = actor_for(user)
    release = complete_release(session, user, release_date=in_days(30))
    artwork.upload_artwork(session=session, actor=actor, release_id=release.id, chunks=[image_bytes((1000, 1000))])
    result = checks.check_release(session=session, actor=actor, release_id=release.id)
    assert not result.ok and result.summary == "1 thing to fix before you can submit"
    artwork_group = next(g for g in result.groups if g.key == "artwork")
    assert [(f.severity, f.blocking) for f in artwork_group.findings] == [("Must fix", True)]
    assert "1000×1000" in artwork_group.findings[0].message and "3000" in artwork_group.findings[0].fix
    assert not checks.check_and_submit(session=session, actor=actor, release_id=release.id).ok
    assert [d.label for d in overview.deliveries_view(session=session, actor=actor, release_id=release.id)] == \
        ["Draft"]  # nothing is sent while something must be fixed
    artwork.upload_artwork(session=session, actor=actor, release_id=release.id, chunks=[image_bytes()])
    result = checks.check_release(session=session, actor=actor, release_id=release.id)
    assert result.ok and result.summary.startswith("Ready to submit")
    assert {g.key for g in result.groups} <= {"codes", "dates", "metadata"}  # warnings only


def test_master_choices_offer_finished_masters_first(session: Session, acct_env: object) -> None:
    user = make_user(session)
    master = make_master(session, user, title="Mastered")
    choices = overview.master_choices(session=session, actor=actor_for(user))
    assert [(c.title, c.master_id, c.master_label) for c in choices] == [("Mastered", str(master.id),
                                                                          "Spotify master v1")]
    assert choices[0].track_href == routes.track_page(master.track_id)


def test_cover_uploads_may_be_up_to_20_mb_other_api_bodies_1_mb() -> None:
    art = routes.V1_RELEASE_ARTWORK.format(release_id="3f1c")
    assert body_limit(art) > 20 * 1024 * 1024
    assert body_limit(routes.V1_RELEASE.format(release_id="3f1c")) == API_BODY_BYTES
    assert body_limit(art + "/x") == API_BODY_BYTES


def test_a_locked_release_says_why_and_what_to_do(session: Session, acct_env: object) -> None:
    actor = actor_for(make_user(session))
    release = releases.create_release(session=session, actor=actor, data=releases.ReleaseIn(title="Locked"))
    assert overview.editor_view(session=session, actor=actor, release_id=release.id).locked == ""
    [delivery] = lifecycle.deliveries_of(session=session, release_id=release.id)
    for state, words in ((DeliveryState.DELIVERED, "Take it down to change them"),
                         (DeliveryState.DELIVERING, "wait for the answer"),
                         (DeliveryState.TAKEN_DOWN, "start a new release")):
        delivery.state = state
        session.add(delivery)
        session.commit()
        view = overview.editor_view(session=session, actor=actor, release_id=release.id)
        assert words in view.locked and view.busy == (state == DeliveryState.DELIVERING)
        assert view.delivered == (state == DeliveryState.DELIVERED)

"""AI captions through the real `openai` client against a local OpenAI-compatible server, the fall
back to the built-in writer (down, 500, not JSON, prose, too long, too slow) that says so, and the
built-in writer's determinism and fit to each network's limit."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.social import captions
from maxbooster.services.social.captions import BUILT_IN, CaptionRequest, Tone
from maxbooster.services.social.validation import Limits, length_for, limits_for
from maxbooster.settings import get_settings
from tests.social import media_support as ms
from tests.social.openai_server import OpenAIServer
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
REQUEST = CaptionRequest(network="mastodon", title="Night Drive", artist="Ava Stone", genre="House", mood="dreamy",
                         link="https://music.example/r/night-drive-a1b2c3?utm_source=mastodon")


@pytest.fixture
def model_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    monkeypatch.setenv("OPENAI_MODEL", "tiny-llama")
    monkeypatch.setenv("OPENAI_TIMEOUT", "1")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    get_settings.cache_clear()


def test_the_model_writes_the_variants_when_it_answers(model_env: pytest.MonkeyPatch) -> None:
    with OpenAIServer("ok") as server:
        _use(model_env, server.url)
        result = captions.write_captions(REQUEST)
    assert result.by_model and result.writer == "Written by tiny-llama" and result.notice == ""
    assert [v.caption for v in result.variants] == ["Night Drive is out now. Windows down, volume up.",
                                                    "Made for 2 am highways: Night Drive.", "Night Drive. Out now."]
    assert result.variants[0].hashtags == ("#House", "#NightDrive")  # '#bad tag' is not a hashtag: dropped
    assert result.variants[0].text == ("Night Drive is out now. Windows down, volume up.\n\n" + REQUEST.link
                                       + "\n\n#House #NightDrive")
    assert result.variants[2].text == "Night Drive. Out now.\n\n" + REQUEST.link
    (call,) = server.requests
    assert call["auth"] == "Bearer sk-test-123" and call["body"]["model"] == "tiny-llama"
    prompt = call["body"]["messages"][-1]["content"]
    assert '"title": "Night Drive"' in prompt and '"genre": "House"' in prompt and "3 different variants" in prompt


def test_a_fenced_json_answer_is_read(model_env: pytest.MonkeyPatch) -> None:
    with OpenAIServer("fenced") as server:
        _use(model_env, server.url)
        result = captions.write_captions(REQUEST)
    assert result.by_model and len(result.variants) == 3


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("mode", "reason"), [
    ("down", "the endpoint could not be reached"),
    ("error500", "the endpoint answered HTTP 500"),
    ("not_json", "the endpoint's answer was not a chat completion"),
    ("prose", "the endpoint's answer was not the JSON asked for"),
    ("too_long", "none of the endpoint's variants fit the network's limit"),
    ("slow", "no answer within 1 s"),
])
def test_a_failing_model_falls_back_to_the_built_in_writer_and_says_so(model_env: pytest.MonkeyPatch, mode: str,
                                                                        reason: str) -> None:
    expected = captions.local_variants(captions._checked(REQUEST), limits_for("mastodon"))
    if mode == "down":
        _use(model_env, f"http://127.0.0.1:{_closed_port()}/v1")
        result = captions.write_captions(REQUEST)
    else:
        with OpenAIServer(mode, slow_s=3.0) as server:
            _use(model_env, server.url)
            result = captions.write_captions(REQUEST)
        assert len(server.requests) == 1  # one try, no retries: the user is waiting
    assert not result.by_model and result.writer == BUILT_IN
    assert result.notice == f"The AI writer was not used ({reason}); these come from the built-in writer."
    assert result.variants == expected


def test_without_an_endpoint_the_built_in_writer_answers(model_env: pytest.MonkeyPatch) -> None:
    model_env.delenv("OPENAI_BASE_URL", raising=False)
    get_settings.cache_clear()
    result = captions.write_captions(REQUEST)
    assert result.writer == "Written by the built-in writer" and result.notice == "" and len(result.variants) == 3


def test_the_built_in_writer_is_deterministic_varied_and_fits() -> None:
    limits = limits_for("mastodon")
    first = captions.local_variants(REQUEST, limits)
    assert first == captions.local_variants(REQUEST, limits)  # same request, same variants
    assert len({v.caption for v in first}) == 3
    for v in first:
        assert v.text.startswith(v.caption) and REQUEST.link in v.text and "Night Drive" in v.caption
        assert "#House" in v.hashtags and "#AvaStone" in v.hashtags  # the genre's tag and the artist's
        assert v.length == length_for("mastodon", v.text, limits) <= 500
    hype = captions.local_variants(CaptionRequest(**{**REQUEST.__dict__, "tone": Tone.HYPE}), limits)
    assert {v.caption for v in hype}.isdisjoint({v.caption for v in first})
    tight = Limits(max_characters=120)
    for v in captions.local_variants(REQUEST, tight):
        assert length_for("mastodon", v.text, tight) <= 120  # hashtags dropped first to fit
    bare = captions.local_variants(CaptionRequest(network="sandbox", title="Untitled 4", count=5),
                                   limits_for("sandbox"))
    assert len(bare) == 5 and all("  " not in v.caption and " ," not in v.caption for v in bare)


def test_bad_requests_are_refused() -> None:
    cases = [
        (CaptionRequest(network="mastodon", title="  "), "A title is needed"),
        (CaptionRequest(network="myspace", title="x"), "Unknown network 'myspace'"),
        (CaptionRequest(network="mastodon", title="x", count=9), "Ask for 1 to 5 variants"),
        (CaptionRequest(network="mastodon", title="x" * 201), "The title is at most 200 characters"),
        (CaptionRequest(network="mastodon", title="x", link="https://a.example/ b"), "one address"),
    ]
    for request, message in cases:
        with pytest.raises(InvalidInput, match=message):
            captions.write_captions(request)
    with pytest.raises(InvalidInput, match="Even the shortest caption does not fit"):
        captions.local_variants(REQUEST, Limits(max_characters=20))


def test_suggestions_for_a_release_of_the_user(session: Session, acct_env: Path) -> None:
    user, other = make_user(session), make_user(session, "bo@example.com")
    release = ms.release_with_cover(session, user, genre="Techno")
    result = captions.suggest_captions(session=session, actor=actor_for(user), network="sandbox",
                                       release_id=release.id, tone="chill", count=2)
    assert result.writer == BUILT_IN and len(result.variants) == 2
    assert all("Night Drive" in v.caption and v.hashtags[:2] == ("#Techno", "#AvaStone") for v in result.variants)
    with pytest.raises(NotFound):
        captions.suggest_captions(session=session, actor=actor_for(other), network="sandbox", release_id=release.id)
    with pytest.raises(InvalidInput, match="Tone 'angry' is not one of"):
        captions.suggest_captions(session=session, actor=actor_for(user), network="sandbox", release_id=release.id,
                                  tone="angry")
    with pytest.raises(InvalidInput, match="Choose a release or a track"):
        captions.suggest_captions(session=session, actor=actor_for(user), network="sandbox")

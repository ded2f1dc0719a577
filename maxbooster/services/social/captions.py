"""Caption and hashtag suggestions for the composer, several variants per request, each fitting the
network's limit (counted as `validation` counts it). The user always edits before posting.

With `OPENAI_BASE_URL` set, the official `openai` client asks that endpoint (OpenAI, Ollama, vLLM,
llama.cpp …) for JSON variants. When it is not set, or the endpoint is down, slow, answers an error,
garbage or text that does not fit, the built-in writer answers instead: templates filled from the
release's metadata, genre and mood, picked by a generator seeded with the request, so the same request
always gives the same variants. Every result says which writer produced it, and why the model did not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from maxbooster.models.library import Track
from maxbooster.models.releases import Release
from maxbooster.models.social import SocialAccount, SocialNetwork
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.social import caption_templates as tpl
from maxbooster.services.social.validation import Limits, length_for, limits_for
from maxbooster.settings import Settings, get_settings

BUILT_IN = "Written by the built-in writer"
MAX_VARIANTS = 5
MAX_FIELD = 200
_HASHTAG = re.compile(r"^#?([^\W_][\w]{0,49})$", re.UNICODE)
log = logging.getLogger("maxbooster.social")


class Tone(StrEnum):
    FRIENDLY = "friendly"
    HYPE = "hype"
    CHILL = "chill"
    STORY = "story"
    MINIMAL = "minimal"


@dataclass(frozen=True)
class CaptionRequest:
    """What the captions are about and where they go. `link` (a smart link) is appended to each."""

    network: str
    title: str
    artist: str = ""
    genre: str = ""
    mood: str = ""
    tone: Tone = Tone.FRIENDLY
    release_date: str = ""  # ISO date, "" when unknown
    link: str = ""
    count: int = 3


@dataclass(frozen=True)
class CaptionVariant:
    text: str  # caption, hashtags and link, ready for the composer
    caption: str
    hashtags: tuple[str, ...]
    length: int  # as the network counts it
    limit: int


@dataclass(frozen=True)
class CaptionResult:
    variants: list[CaptionVariant]
    writer: str  # "Written by the built-in writer" or "Written by <model>"
    by_model: bool
    notice: str = ""  # why the model was not used, when it was configured


# --- the service ----------------------------------------------------------------------------------

def suggest_captions(*, session: Session, actor: Actor, network: str, release_id: uuid.UUID | None = None,
                     track_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None, genre: str = "",
                     mood: str = "", tone: str = Tone.FRIENDLY, link: str = "", count: int = 3) -> CaptionResult:
    """Caption variants for a release or track of the acting user, for `network` (an account's own limits
    when `account_id` is given). Genre defaults to the release's."""
    limits_given = None
    if account_id is not None:
        account = get_owned(session=session, model=SocialAccount, obj_id=account_id, actor=actor)
        network, limits_given = account.network, account.limits
    if release_id is not None:
        release = get_owned(session=session, model=Release, obj_id=release_id, actor=actor)
        names = [a.get("name", "") for a in release.artists if a.get("name")]
        request = CaptionRequest(network=network, title=release.title, artist=", ".join(names),
                                 genre=genre or release.genre, mood=mood, tone=_tone(tone), link=link, count=count,
                                 release_date=release.release_date.isoformat() if release.release_date else "")
    elif track_id is not None:
        track = get_owned(session=session, model=Track, obj_id=track_id, actor=actor)
        request = CaptionRequest(network=network, title=track.title, artist=track.artist, genre=genre, mood=mood,
                                 tone=_tone(tone), link=link, count=count)
    else:
        raise InvalidInput("Choose a release or a track to write about.")
    return write_captions(request, limits=limits_for(_network(network), limits_given))


def _tone(value: str) -> Tone:
    try:
        return Tone(value)
    except ValueError:
        raise InvalidInput(f"Tone {value!r} is not one of: {', '.join(Tone)}.") from None


def _network(value: str) -> str:
    if value not in {n.value for n in SocialNetwork}:
        raise InvalidInput(f"Unknown network {value!r}; connect an account first and choose it.")
    return value


def write_captions(request: CaptionRequest, *, limits: Limits | None = None,
                   settings: Settings | None = None) -> CaptionResult:
    """The variants for `request`: from the configured model when it answers usefully, else built in."""
    request = _checked(request)
    limits = limits or limits_for(request.network)
    settings = settings or get_settings()
    if not settings.openai_base_url:
        return CaptionResult(local_variants(request, limits), BUILT_IN, by_model=False)
    try:
        variants = model_variants(request, limits, settings)
    except ModelUnusable as exc:
        log.warning("AI captions fell back to the built-in writer: %s", exc)
        return CaptionResult(local_variants(request, limits), BUILT_IN, by_model=False,
                             notice=f"The AI writer was not used ({exc}); these come from the built-in writer.")
    return CaptionResult(variants, f"Written by {settings.openai_model}", by_model=True)


def _checked(request: CaptionRequest) -> CaptionRequest:
    _network(request.network)
    if not request.title.strip():
        raise InvalidInput("A title is needed to write captions about.")
    for name in ("title", "artist", "genre", "mood"):
        if len(getattr(request, name)) > MAX_FIELD:
            raise InvalidInput(f"The {name} is at most {MAX_FIELD} characters.")
    if len(request.link) > 500 or any(c.isspace() for c in request.link.strip()):
        raise InvalidInput("The link must be one address of at most 500 characters.")
    if not 1 <= request.count <= MAX_VARIANTS:
        raise InvalidInput(f"Ask for 1 to {MAX_VARIANTS} variants.")
    return replace(request, title=request.title.strip(), artist=request.artist.strip(),
                   genre=request.genre.strip(), mood=request.mood.strip(), link=request.link.strip())


# --- composing and fitting -------------------------------------------------------------------------

def compose(caption: str, hashtags: list[str], link: str, network: str, limits: Limits) -> CaptionVariant | None:
    """Caption, link and hashtags as one text that fits; hashtags are dropped from the end until it
    fits, and None when even the caption alone does not."""
    tags = list(dict.fromkeys(hashtags))
    while True:
        body = caption.strip() + (f"\n\n{link}" if link else "") + ("\n\n" + " ".join(tags) if tags else "")
        length = length_for(network, body, limits)
        if length <= limits.max_characters:
            return CaptionVariant(body, caption.strip(), tuple(tags), length, limits.max_characters)
        if not tags:
            return None
        tags.pop()


def local_variants(request: CaptionRequest, limits: Limits) -> list[CaptionVariant]:
    """The built-in writer: `count` distinct variants from templates, the same for the same request."""
    seed = hashlib.sha256(json.dumps([request.network, request.title, request.artist, request.genre,
                                      request.mood, request.tone, request.release_date, request.link,
                                      request.count]).encode()).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))  # noqa: S311  (variety, not security)
    words = tpl.fill_words(title=request.title, artist=request.artist, genre=request.genre, mood=request.mood,
                           release_date=request.release_date)
    pool = list(tpl.TEMPLATES[request.tone]) + [t for tone, ts in tpl.TEMPLATES.items() if tone != request.tone
                                                 for t in ts]
    first, rest = pool[:len(tpl.TEMPLATES[request.tone])], pool[len(tpl.TEMPLATES[request.tone]):]
    rng.shuffle(first)
    rng.shuffle(rest)
    tags = tpl.hashtags_for(request.genre, request.mood, request.artist, request.title, rng=rng)
    variants: list[CaptionVariant] = []
    for template in first + rest:
        caption = template.format(**words)
        chosen = tags[:2] + rng.sample(tags[2:], k=min(len(tags) - 2, rng.randint(1, 3))) if len(tags) > 2 else tags
        variant = compose(caption, chosen, request.link, request.network, limits)
        if variant is not None and all(v.caption != variant.caption for v in variants):
            variants.append(variant)
        if len(variants) == request.count:
            break
    if not variants:
        raise InvalidInput("Even the shortest caption does not fit this network's limit; shorten the link or title.")
    return variants


# --- the model -----------------------------------------------------------------------------------

class ModelUnusable(Exception):
    """The model did not give usable variants; the message says why in a few words."""


def _prompt(request: CaptionRequest, limits: Limits) -> list[dict[str, str]]:
    facts = {"title": request.title, "artist": request.artist, "genre": request.genre, "mood": request.mood,
             "release_date": request.release_date, "network": request.network, "tone": request.tone.value}
    budget = limits.max_characters - (limits.url_length + 2 if request.link else 0)
    return [
        {"role": "system", "content": (
            "You write social media posts for independent musicians. Answer with JSON only: "
            '{"variants": [{"caption": "...", "hashtags": ["#tag", ...]}]}. No links, no prices, no made-up facts.')},
        {"role": "user", "content": (
            f"Write {request.count} different variants promoting this music: {json.dumps(facts)}. "
            f"Each caption plus its hashtags must stay under {budget} characters. Use 2 to 5 hashtags.")},
    ]


def model_variants(request: CaptionRequest, limits: Limits, settings: Settings) -> list[CaptionVariant]:
    """Variants from the configured OpenAI-compatible endpoint; ModelUnusable when it fails in any way."""
    import openai

    client = openai.OpenAI(base_url=settings.openai_base_url, api_key=settings.openai_api_key or "not-needed",
                           timeout=settings.openai_timeout_s, max_retries=0)
    try:
        answer = client.chat.completions.create(
            model=settings.openai_model, messages=_prompt(request, limits),  # type: ignore[arg-type]
            temperature=0.8, max_tokens=800)
        content = answer.choices[0].message.content or ""
    except openai.APITimeoutError as exc:
        raise ModelUnusable(f"no answer within {settings.openai_timeout_s:g} s") from exc
    except openai.APIConnectionError as exc:
        raise ModelUnusable("the endpoint could not be reached") from exc
    except openai.APIStatusError as exc:
        raise ModelUnusable(f"the endpoint answered HTTP {exc.status_code}") from exc
    except (openai.OpenAIError, IndexError, AttributeError, ValueError) as exc:
        raise ModelUnusable("the endpoint's answer was not a chat completion") from exc
    finally:
        client.close()
    return _parse(content, request, limits)


def _parse(content: str, request: CaptionRequest, limits: Limits) -> list[CaptionVariant]:
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    try:
        data: Any = json.loads(fenced.group(1) if fenced else text)
    except ValueError as exc:
        raise ModelUnusable("the endpoint's answer was not the JSON asked for") from exc
    items = data.get("variants") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ModelUnusable("the endpoint's answer had no list of variants")
    variants: list[CaptionVariant] = []
    for item in items[:request.count]:
        if not isinstance(item, dict) or not isinstance(item.get("caption"), str) or not item["caption"].strip():
            continue
        given = item.get("hashtags")
        raw_tags: list[Any] = given if isinstance(given, list) else []
        tags = [f"#{m.group(1)}" for t in raw_tags if isinstance(t, str) and (m := _HASHTAG.match(t.strip()))]
        variant = compose(item["caption"], tags[:8], request.link, request.network, limits)
        if variant is not None and variant.caption not in {v.caption for v in variants}:
            variants.append(variant)
    if not variants:
        raise ModelUnusable("none of the endpoint's variants fit the network's limit" if items
                            else "the endpoint gave no variants")
    return variants


def caption_subjects(*, session: Session, actor: Actor, limit: int = 40) -> list[tuple[str, uuid.UUID, str]]:
    """What the composer can write about: ("release" | "track", id, title), releases first, newest first."""
    owner = actor.require_user()
    releases = session.exec(select(Release).where(col(Release.owner_id) == owner)
                            .order_by(col(Release.created_at).desc()).limit(limit)).all()
    tracks = session.exec(select(Track).where(col(Track.owner_id) == owner)
                          .order_by(col(Track.created_at).desc()).limit(limit)).all()
    return [("release", r.id, r.title) for r in releases] + [("track", t.id, t.title) for t in tracks]

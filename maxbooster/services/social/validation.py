"""What each network accepts in a post, as pure functions the composer calls on every keystroke.

Mastodon counts grapheme clusters, a link as `characters_reserved_per_url` (23) whatever its
length, and a remote mention `@user@host` as `@user`; its limit is the instance's
`max_characters` (500 by default). X counts twitter-text v3 weights: a code point in Latin and
general-punctuation ranges weighs 1, anything else (CJK, most other scripts) 2, an emoji sequence 2
however many code points it has, a link 23; the limit is 280. The sandbox network allows 1,000
characters. Every problem is a sentence the user can act on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from maxbooster.models.social import SocialNetwork

# A link as networks find one: with a scheme, or www., ending before spaces and trailing punctuation.
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"]+", regex.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"
_REMOTE_MENTION = regex.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", regex.UNICODE)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")

# twitter-text v3 (config/v3.json): weight 100 in these code point ranges, 200 elsewhere, scale 100
X_MAX_WEIGHTED_LENGTH = 280
X_URL_LENGTH = 23
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


@dataclass(frozen=True)
class Limits:
    """What one account's network accepts (from its instance's configuration where it has one)."""

    max_characters: int
    url_length: int = 23
    max_media: int = 4
    mime_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4",
                                   "video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "audio/flac")
    image_bytes: int = 16 * 1024 * 1024
    video_bytes: int = 99 * 1024 * 1024


@dataclass(frozen=True)
class MediaInfo:
    name: str
    mime: str
    size_bytes: int


@dataclass(frozen=True)
class Check:
    """The length as the network counts it, its limit, and what must change before posting."""

    length: int
    limit: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _links(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def mastodon_length(text: str, *, url_length: int = 23) -> int:
    """Mastodon's count: graphemes, each link as `url_length`, `@user@host` as `@user`."""
    parts, last = [], 0
    for start, end in _links(text):
        parts.append(text[last:start])
        parts.append("x" * url_length)
        last = end
    parts.append(text[last:])
    countable = _REMOTE_MENTION.sub(lambda m: "@" + m.group(1), "".join(parts))
    return len(_GRAPHEME.findall(countable))


def x_weighted_length(text: str) -> int:
    """X's weighted length (twitter-text v3): ≤ 280 fits. NFC first, as twitter-text does."""
    text = unicodedata.normalize("NFC", text)
    total, last = 0, 0
    for start, end in _links(text):
        total += _x_weight(text[last:start]) + X_URL_LENGTH * 100
        last = end
    total += _x_weight(text[last:])
    return total // 100


def _x_weight(text: str) -> int:
    weight = 0
    for cluster in _GRAPHEME.findall(text):
        if _EMOJI.search(cluster):
            weight += 200  # an emoji sequence counts once, whatever its code points
            continue
        for char in cluster:
            point = ord(char)
            weight += 100 if any(lo <= point <= hi for lo, hi in _X_LIGHT_RANGES) else 200
    return weight


def limits_for(network: str, account_limits: Mapping[str, Any] | None = None) -> Limits:
    """The limits of an account: the network's defaults overlaid with what its instance reported."""
    given = dict(account_limits or {})
    if network == SocialNetwork.SANDBOX:
        return Limits(max_characters=1000)
    base = Limits(max_characters=500)
    mimes = given.get("supported_mime_types")
    return Limits(
        max_characters=_positive(given.get("max_characters"), base.max_characters),
        url_length=_positive(given.get("characters_reserved_per_url"), base.url_length),
        max_media=_positive(given.get("max_media_attachments"), base.max_media),
        mime_types=tuple(str(m) for m in mimes) if isinstance(mimes, list) and mimes else base.mime_types,
        image_bytes=_positive(given.get("image_size_limit"), base.image_bytes),
        video_bytes=_positive(given.get("video_size_limit"), base.video_bytes),
    )


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def length_for(network: str, text: str, limits: Limits) -> int:
    if network == SocialNetwork.MASTODON:
        return mastodon_length(text, url_length=limits.url_length)
    return len(_GRAPHEME.findall(text))


def check_variant(network: str, text: str, media: Sequence[MediaInfo], limits: Limits) -> Check:
    """Everything that would make the network refuse this post, as sentences."""
    name = "the sandbox" if network == SocialNetwork.SANDBOX else network.capitalize()
    length = length_for(network, text, limits)
    problems: list[str] = []
    if not text.strip() and not media:
        problems.append(f"Write something or add media for {name}.")
    if length > limits.max_characters:
        problems.append(f"{length} characters is over {name}'s limit of {limits.max_characters} "
                        f"(remove {length - limits.max_characters}).")
    if len(media) > limits.max_media:
        problems.append(f"{name} takes at most {limits.max_media} attachments, not {len(media)}.")
    for item in media:
        if item.mime not in limits.mime_types:
            problems.append(f"{item.name}: {name} does not take {item.mime or 'this kind of'} files.")
            continue
        cap = limits.image_bytes if item.mime.startswith("image/") else limits.video_bytes
        if item.size_bytes > cap:
            problems.append(f"{item.name} is {item.size_bytes / 1e6:.1f} MB; {name} takes at most "
                            f"{cap / 1e6:.0f} MB for this kind of file.")
    kinds = {m.mime.split("/", 1)[0] for m in media}
    if len(media) > 1 and kinds & {"video", "audio"}:
        problems.append(f"{name} takes one video or audio file alone, not together with other media.")
    return Check(length=length, limit=limits.max_characters, problems=tuple(problems))

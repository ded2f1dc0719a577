"""What each network accepts in a post, as pure functions the composer calls on every keystroke.

Mastodon counts grapheme clusters, a link as `characters_reserved_per_url` (23) whatever its
length, and a remote mention `@user@host` as `@user`; its limit is the instance's
`max_characters` (500 by default). X counts twitter-text v3 weights: a code point in Latin and
general-punctuation ranges weighs 1, anything else (CJK, most other scripts) 2, an emoji sequence 2
however many code points it has, a link 23; the limit is 280, with up to 4 images or one video or GIF.
Facebook Pages take 63,206 characters. Instagram needs media (up to 10 in a carousel, photos and
videos mixed), a caption of at most 2,200 characters and 30 hashtags. YouTube needs exactly one
video; the post's first line is the video's title (1 to 100 characters), the rest its description
(at most 5,000), neither with "<" or ">". The sandbox network allows 1,000 characters. Every problem
is a sentence the user can act on.
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
    requires_media: str = ""  # "", "any" (Instagram) or "video" (YouTube)
    video_alone: bool = True  # a video (or GIF on X) cannot share a post with other media
    max_hashtags: int = 0  # 0: no limit


NAMES = {SocialNetwork.X: "X", SocialNetwork.FACEBOOK: "Facebook", SocialNetwork.INSTAGRAM: "Instagram",
         SocialNetwork.YOUTUBE: "YouTube", SocialNetwork.MASTODON: "Mastodon", SocialNetwork.SANDBOX: "the sandbox"}
MB = 1024 * 1024
_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_VIDEOS = ("video/mp4", "video/quicktime", "video/webm")
YOUTUBE_TITLE_MAX = 100
YOUTUBE_DESCRIPTION_MAX = 5000
NETWORK_LIMITS = {
    SocialNetwork.X: Limits(max_characters=X_MAX_WEIGHTED_LENGTH, max_media=4, mime_types=_IMAGES + _VIDEOS[:2],
                            image_bytes=5 * MB, video_bytes=512 * MB),
    SocialNetwork.FACEBOOK: Limits(max_characters=63_206, max_media=10, mime_types=_IMAGES + _VIDEOS[:2],
                                   image_bytes=10 * MB, video_bytes=1024 * MB),
    SocialNetwork.INSTAGRAM: Limits(max_characters=2200, max_media=10, mime_types=("image/jpeg",) + _VIDEOS[:2],
                                    image_bytes=8 * MB, video_bytes=300 * MB, requires_media="any",
                                    video_alone=False, max_hashtags=30),
    SocialNetwork.YOUTUBE: Limits(max_characters=YOUTUBE_DESCRIPTION_MAX, max_media=1, mime_types=_VIDEOS,
                                  video_bytes=4096 * MB, requires_media="video"),
}
_HASHTAG = regex.compile(r"(?<![\w#])#\w+", regex.UNICODE)


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


def network_name(network: str) -> str:
    """The network as users read it: "X", "YouTube", "the sandbox"."""
    return NAMES.get(network, network.capitalize())  # type: ignore[call-overload]


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
    if network in NETWORK_LIMITS:
        return NETWORK_LIMITS[network]  # type: ignore[index]
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
    if network == SocialNetwork.X:
        return x_weighted_length(text)
    if network == SocialNetwork.YOUTUBE:
        return len(_GRAPHEME.findall(youtube_parts(text)[1]))
    return len(_GRAPHEME.findall(text))


def youtube_parts(text: str) -> tuple[str, str]:
    """(title, description): the first line as typed (empty: no title) and the rest, each trimmed."""
    title, _, description = text.partition("\n")
    return title.strip(), description.strip()


def check_variant(network: str, text: str, media: Sequence[MediaInfo], limits: Limits) -> Check:
    """Everything that would make the network refuse this post, as sentences."""
    name = network_name(network)
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
    alone = kinds & {"video", "audio"} or (network == SocialNetwork.X and any(m.mime == "image/gif" for m in media))
    if len(media) > 1 and alone and limits.video_alone:
        what = "one video or GIF" if network == SocialNetwork.X else "one video or audio file"
        problems.append(f"{name} takes {what} alone, not together with other media.")
    problems += _network_rules(network, name, text, media, limits)
    return Check(length=length, limit=limits.max_characters, problems=tuple(problems))


def _network_rules(network: str, name: str, text: str, media: Sequence[MediaInfo], limits: Limits) -> list[str]:
    problems: list[str] = []
    if limits.requires_media == "any" and not media:
        problems.append(f"{name} posts need a photo or a video; add at least one.")
    if limits.requires_media == "video" and not any(m.mime.startswith("video/") for m in media):
        problems.append(f"{name} posts are videos; add one video (an audiogram works).")
    if limits.max_hashtags and len(_HASHTAG.findall(text)) > limits.max_hashtags:
        problems.append(f"{name} allows at most {limits.max_hashtags} hashtags; remove "
                        f"{len(_HASHTAG.findall(text)) - limits.max_hashtags}.")
    if network == SocialNetwork.YOUTUBE:
        title, description = youtube_parts(text)
        if not title:
            problems.append("Write the video's title on the first line.")
        elif len(_GRAPHEME.findall(title)) > YOUTUBE_TITLE_MAX:
            problems.append(f"The title (first line) is {len(_GRAPHEME.findall(title))} characters; YouTube "
                            f"allows {YOUTUBE_TITLE_MAX}.")
        if "<" in text or ">" in text:
            problems.append("YouTube does not allow < or > in a title or description; remove them.")
    return problems

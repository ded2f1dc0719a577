"""Per-network rules as pure functions: Mastodon's count (graphemes, links 23, remote mentions as the
local part) and X's weighted count (twitter-text v3: 280, CJK 2, emoji sequence 2, links 23, NFC)."""

from __future__ import annotations

import pytest

from maxbooster.services.social.validation import (
    Limits,
    MediaInfo,
    check_variant,
    limits_for,
    mastodon_length,
    x_weighted_length,
)


def test_mastodon_counts_a_link_as_23_and_a_remote_mention_as_its_local_part() -> None:
    assert mastodon_length("hello") == 5
    assert mastodon_length("see https://example.com/" + "a" * 200) == 4 + 23
    assert mastodon_length("(https://example.com/x).") == 1 + 23 + 2  # trailing punctuation is not the link
    assert mastodon_length("hi @ava@mastodon.social") == len("hi @ava")
    assert mastodon_length("👨‍👩‍👧 é") == 3  # one grapheme each, even the family of 5 code points
    assert mastodon_length("link www.example.com/abc", url_length=30) == 5 + 30


def test_x_weighted_count_follows_twitter_text_v3() -> None:
    assert x_weighted_length("a" * 280) == 280
    assert x_weighted_length("a" * 281) == 281
    assert x_weighted_length("日本語") == 6  # CJK weighs 2
    assert x_weighted_length("日" * 140) == 280 and x_weighted_length("日" * 141) == 282
    assert x_weighted_length("https://example.com/" + "x" * 100) == 23
    assert x_weighted_length("go https://a.example/b now") == 3 + 23 + 4
    assert x_weighted_length("👍") == 2 and x_weighted_length("👨‍👩‍👧") == 2  # a ZWJ sequence counts once
    assert x_weighted_length("🇩🇪") == 2  # a flag (two regional indicators)
    assert x_weighted_length("e\u0301") == 1  # NFC first: e + combining acute is é
    assert x_weighted_length("\u2014\u2019") == 2  # general punctuation weighs 1
    assert x_weighted_length("Привет") == 6  # Cyrillic is inside the first light range (0..4351)


def test_limits_come_from_the_instance_when_it_reports_them() -> None:
    limits = limits_for("mastodon", {"max_characters": 5000, "characters_reserved_per_url": 30,
                                     "max_media_attachments": 8, "supported_mime_types": ["image/png"]})
    assert (limits.max_characters, limits.url_length, limits.max_media) == (5000, 30, 8)
    assert limits.mime_types == ("image/png",)
    default = limits_for("mastodon", {"max_characters": "lots", "max_media_attachments": -1})
    assert (default.max_characters, default.max_media) == (500, 4)
    assert limits_for("sandbox").max_characters == 1000


@pytest.mark.parametrize(("text", "media", "problem"), [
    ("", [], "Write something or add media for Mastodon."),
    ("a" * 501, [], "501 characters is over Mastodon's limit of 500 (remove 1)."),
    ("x", [MediaInfo(f"p{i}.png", "image/png", 10) for i in range(5)], "Mastodon takes at most 4 attachments, not 5."),
    ("x", [MediaInfo("song.exe", "application/x-msdownload", 10)],
     "song.exe: Mastodon does not take application/x-msdownload files."),
    ("x", [MediaInfo("big.png", "image/png", 17 * 1024 * 1024)],
     "big.png is 17.8 MB; Mastodon takes at most 17 MB for this kind of file."),
    ("x", [MediaInfo("a.mp4", "video/mp4", 10), MediaInfo("b.png", "image/png", 10)],
     "Mastodon takes one video or audio file alone, not together with other media."),
])
def test_each_refusal_says_what_to_change(text: str, media: list[MediaInfo], problem: str) -> None:
    check = check_variant("mastodon", text, media, Limits(max_characters=500))
    assert not check.ok and check.problems == (problem,)


def test_a_post_within_the_rules_passes_with_its_length() -> None:
    check = check_variant("mastodon", "New single https://example.com/" + "x" * 800,
                          [MediaInfo("c.png", "image/png", 99)], Limits(max_characters=500))
    assert check.ok and check.length == 11 + 23 and check.limit == 500
    assert check_variant("sandbox", "b" * 1000, [], limits_for("sandbox")).ok
    assert not check_variant("sandbox", "b" * 1001, [], limits_for("sandbox")).ok


PNG, JPG, MP4, GIF = "image/png", "image/jpeg", "video/mp4", "image/gif"


def _media(*kinds: str, size: int = 1000) -> list[MediaInfo]:
    return [MediaInfo(f"file{i}.{k.split('/')[1]}", k, size) for i, k in enumerate(kinds)]


def test_x_takes_four_images_or_one_video_or_gif_and_counts_weighted() -> None:
    limits = limits_for("x")
    assert check_variant("x", "日" * 140, _media(PNG, PNG, PNG, PNG), limits).ok
    assert check_variant("x", "日" * 141, [], limits).problems == (
        "282 characters is over X's limit of 280 (remove 2).",)
    assert check_variant("x", "hi", _media(*[PNG] * 5), limits).problems == ("X takes at most 4 attachments, not 5.",)
    assert "not together with other media" in check_variant("x", "hi", _media(MP4, PNG), limits).problems[0]
    assert "not together with other media" in check_variant("x", "hi", _media(GIF, PNG), limits).problems[0]
    assert "is 6.0 MB" in check_variant("x", "hi", _media(PNG, size=6_000_000), limits).problems[0]


def test_instagram_needs_media_allows_a_mixed_carousel_of_ten_and_2200_characters() -> None:
    limits = limits_for("instagram")
    assert check_variant("instagram", "caption", _media(*[JPG] * 9, MP4), limits).ok  # photos and a video mixed
    assert check_variant("instagram", "caption", [], limits).problems == (
        "Instagram posts need a photo or a video; add at least one.",)
    assert check_variant("instagram", "c", _media(*[JPG] * 11), limits).problems == (
        "Instagram takes at most 10 attachments, not 11.",)
    assert check_variant("instagram", "a" * 2201, _media(JPG), limits).problems == (
        "2201 characters is over Instagram's limit of 2200 (remove 1).",)
    assert check_variant("instagram", "x", _media(PNG), limits).problems == (
        "file0.png: Instagram does not take image/png files.",)
    tags = " ".join(f"#t{i}" for i in range(31))
    assert check_variant("instagram", tags, _media(JPG), limits).problems == (
        "Instagram allows at most 30 hashtags; remove 1.",)


def test_youtube_needs_one_video_and_a_title_on_the_first_line() -> None:
    limits = limits_for("youtube")
    assert check_variant("youtube", "Night Drive (official audio)\nOut now.", _media(MP4), limits).ok
    assert check_variant("youtube", "A title", _media(PNG), limits).problems == (
        "file0.png: YouTube does not take image/png files.",
        "YouTube posts are videos; add one video (an audiogram works).")
    assert check_variant("youtube", "\n\nonly a description", _media(MP4), limits).problems == (
        "Write the video's title on the first line.",)
    too_long = check_variant("youtube", "t" * 101 + "\n" + "d" * 5001, _media(MP4), limits)
    assert too_long.length == 5001 and too_long.problems == (
        "5001 characters is over YouTube's limit of 5000 (remove 1).",
        "The title (first line) is 101 characters; YouTube allows 100.")
    assert check_variant("youtube", "a <b> title", _media(MP4), limits).problems == (
        "YouTube does not allow < or > in a title or description; remove them.",)
    assert "takes at most 1 attachments" in check_variant("youtube", "t", _media(MP4, MP4), limits).problems[0]


def test_facebook_pages_take_63206_characters() -> None:
    limits = limits_for("facebook")
    assert check_variant("facebook", "a" * 63_206, [], limits).ok
    assert check_variant("facebook", "a" * 63_207, [], limits).problems == (
        "63207 characters is over Facebook's limit of 63206 (remove 1).",)

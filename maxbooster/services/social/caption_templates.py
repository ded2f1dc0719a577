"""The built-in caption writer's words: templates per tone and hashtags per genre and mood.

Templates use {title}, {by} (" by Artist" or ""), {genre_} ("house " or ""), {mood} (an adjective),
{when} ("out now" or "out December 24"), so every field may be empty and the sentence still reads.
"""

from __future__ import annotations

import random
import re
from datetime import date

from maxbooster.models.base import utcnow

TEMPLATES: dict[str, tuple[str, ...]] = {
    "friendly": (
        "\"{title}\"{by} is {when}. A {mood} {genre_}track I can't wait for you to hear.",
        "New music! \"{title}\"{by} is {when}. Tell me which part hits you first.",
        "Made this one with a lot of love: \"{title}\"{by}, {when}. Give it a spin and share it with a friend.",
        "\"{title}\" is {when}. {Mood} {genre_}vibes for your playlist. Thank you for listening!",
    ),
    "hype": (
        "IT'S HERE. \"{title}\"{by} is {when}. Turn it up!",
        "\"{title}\"{by}: {mood} {genre_}energy, {when}. Press play and don't skip.",
        "Drop alert: \"{title}\" is {when}. This one goes hard. Play it loud!",
    ),
    "chill": (
        "Slow down for a moment. \"{title}\"{by} is {when}.",
        "Something {mood} for your evening: \"{title}\", {when}.",
        "\"{title}\"{by}. {Mood} {genre_}sounds, {when}. Headphones on.",
    ),
    "story": (
        "This song started as a voice memo at 2 am. Today \"{title}\"{by} is {when}.",
        "Every track has a story. \"{title}\" is about a {mood} feeling I couldn't shake. {When_cap}.",
        "Months of late nights went into \"{title}\"{by}. It's {when}, and it belongs to you now.",
    ),
    "minimal": (
        "\"{title}\"{by}. {When_cap}.",
        "{title}. {When_cap}.",
        "New {genre_}music: \"{title}\".",
    ),
}

GENRE_TAGS: dict[str, tuple[str, ...]] = {
    "hip hop": ("#HipHop", "#Rap", "#NewRap"), "rap": ("#Rap", "#HipHop"),
    "pop": ("#Pop", "#NewPop", "#PopMusic"), "rock": ("#Rock", "#RockMusic", "#Guitar"),
    "electronic": ("#Electronic", "#EDM", "#Producer"), "house": ("#House", "#HouseMusic", "#DJ"),
    "techno": ("#Techno", "#Rave", "#Underground"), "jazz": ("#Jazz", "#JazzMusic"),
    "r&b": ("#RnB", "#Soul"), "soul": ("#Soul", "#RnB"), "country": ("#Country", "#CountryMusic"),
    "folk": ("#Folk", "#Acoustic"), "metal": ("#Metal", "#HeavyMetal"), "lo-fi": ("#Lofi", "#LofiBeats", "#Chill"),
    "classical": ("#Classical", "#Piano"), "indie": ("#Indie", "#IndieMusic"), "reggae": ("#Reggae",),
    "latin": ("#Latin", "#MusicaLatina"), "ambient": ("#Ambient", "#Chill"),
}
GENERAL_TAGS = ("#NewMusic", "#IndieArtist", "#NewRelease", "#MusicProducer", "#Spotify", "#OutNow", "#Unsigned")
MOODS = ("fresh", "warm", "bright", "late-night")


def hashtag(word: str) -> str | None:
    """`#Word` from a phrase ("lo-fi hip hop" → "#LoFiHipHop"), or None when nothing is left."""
    parts = re.findall(r"[^\W_]+", word, re.UNICODE)
    tag = "".join(p[:1].upper() + p[1:] for p in parts)[:50]
    return f"#{tag}" if tag else None


def _when(release_date: str) -> str:
    if release_date:
        try:
            day = date.fromisoformat(release_date)
        except ValueError:
            return "out now"
        if day > utcnow().date():
            return f"out {day:%B} {day.day}"
    return "out now"


def fill_words(*, title: str, artist: str, genre: str, mood: str, release_date: str) -> dict[str, str]:
    mood_word = mood.strip().lower() or MOODS[sum(map(ord, title)) % len(MOODS)]
    when = _when(release_date)
    return {"title": title, "by": f" by {artist}" if artist else "", "genre_": f"{genre.strip().lower()} " if genre
            else "", "mood": mood_word, "Mood": mood_word[:1].upper() + mood_word[1:], "when": when,
            "When": when[:1].upper() + when[1:], "When_cap": when[:1].upper() + when[1:]}


def hashtags_for(genre: str, mood: str, artist: str, title: str, *, rng: random.Random) -> list[str]:
    """Two lead tags (genre's first, the artist's name) then a shuffled pool of the rest."""
    key = genre.strip().lower()
    genre_tags = list(GENRE_TAGS.get(key, ()))
    if not genre_tags and key:
        genre_tags = [t for t in [hashtag(key)] if t]
    lead = [t for t in (genre_tags[:1] or ["#NewMusic"]) + [hashtag(artist) if artist else None] if t]
    pool = [t for t in genre_tags[1:] + [hashtag(mood) if mood else None, *GENERAL_TAGS, hashtag(title)]
            if t and t not in lead]
    rng.shuffle(pool)
    return list(dict.fromkeys(lead + pool))

"""Cover art: measured with Pillow at upload, checked against store rules, stored with the release.

Store rules (FIELD_NOTES): square, at least 3000×3000, RGB, JPEG or PNG, at most 20 MB. Files are
untrusted: Pillow opens only JPEG/PNG/GIF/WebP/TIFF/BMP, the pixel count is checked from the header
before any decoding (a PNG "bomb" of 20,000×20,000 pixels is a few KB of zeros), and the picture is
decoded once in full (JPEG at half scale) so a truncated file is refused at upload, not at a store.

Enlarged covers: a picture blown up from a small one has no detail finer than its source. We measure
that on a 1500-pixel grey copy: shrink it to s pixels and enlarge it back; what is lost, relative to
what a 64-pixel copy loses, is the detail between s and 1500 pixels. The smallest probe s that loses
almost nothing (< DETAIL_RATIO) is the picture's real resolution (`detail_px`). A plain picture
(little to lose even at 64 px) is not judged. Measured on designs enlarged with bicubic, Lanczos and
bilinear filters (tests/releases/test_artwork.py): enlarged from 300 px they read 500, from 500-1000 px
they read 750-1000; drawn at 1500 px or more they read their full size (a drawn cover loses 12-17 %
at 1000 px, an enlarged one at most 8 %). Pixel art enlarged by repeating pixels keeps its sharp
edges and is not flagged.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from maxbooster.models.releases import Release
from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases import lifecycle
from maxbooster.services.releases.findings import Finding, error, warning
from maxbooster.services.storage import StorageBackend, get_storage

MIN_SIDE_PX = 3000
MAX_SIDE_PX = 6000
MAX_PIXELS = MAX_SIDE_PX * MAX_SIDE_PX
MAX_BYTES = 20 * 1024 * 1024
OPENABLE = ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"]
ACCEPTED_FORMATS = ("JPEG", "PNG")
DETAIL_SIDE_PX = 1500  # the grey copy the detail is measured on
DETAIL_PROBES = (375, 500, 750, 1000)
DETAIL_RATIO = 0.1  # lost detail at a probe / lost detail at 64 px below which nothing real was lost
PLAIN_RMS = 4.0  # grey levels lost at 64 px below which the picture is too plain to judge
BLURRY_PX = 500  # real detail of this size or less: refused (stores reject blurry covers)
ENLARGED_PX = 1000  # real detail of this size or less: a warning
FATAL = frozenset({"artwork.not_an_image", "artwork.too_many_pixels", "artwork.broken", "artwork.too_large"})


@dataclass(frozen=True)
class ArtworkFacts:
    width: int
    height: int
    mode: str
    format: str
    size_bytes: int
    sha256: str
    detail_px: int | None = None  # the resolution its detail really has (None: too plain to judge)


def detail_px(img: Any, full_side: int) -> int | None:
    """The resolution of the finest detail in a decoded Pillow image (see the module's notes): a probe
    size in pixels (a picture's detail is as many pixels as its source had, whatever it is scaled to),
    or `full_side` (the file's own size) when it has finer detail than every probe."""
    import numpy as np
    from PIL import Image

    side = min(img.width, img.height)
    if side < DETAIL_SIDE_PX:
        return None
    grey = img.convert("L").crop((0, 0, side, side))
    if side > DETAIL_SIDE_PX:
        grey = grey.resize((DETAIL_SIDE_PX, DETAIL_SIDE_PX), Image.Resampling.BOX)
    a = np.asarray(grey, dtype=np.float32)

    def lost(s: int) -> float:
        back = grey.resize((s, s), Image.Resampling.LANCZOS).resize(grey.size, Image.Resampling.BICUBIC)
        return float(np.sqrt(np.mean((a - np.asarray(back, dtype=np.float32)) ** 2)))

    coarse = lost(64)
    if coarse < PLAIN_RMS:
        return None
    for probe in DETAIL_PROBES:
        if lost(probe) < DETAIL_RATIO * coarse:
            return probe
    return full_side


def rule_findings(facts: ArtworkFacts) -> list[Finding]:
    """What the store rules say about measured artwork (no I/O: also used on stored facts)."""
    out: list[Finding] = []
    if facts.size_bytes > MAX_BYTES:
        out.append(error("artwork.too_large", "artwork", f"The artwork file is {facts.size_bytes / 2**20:.1f} MB; "
                         "stores take at most 20 MB.", "Save it as a JPEG at quality 90 or so."))
    if facts.format not in ACCEPTED_FORMATS:
        out.append(error("artwork.format", "artwork", f"The artwork is a {facts.format} file; stores take JPEG or PNG.",
                         "Export it as a JPEG or PNG."))
    if facts.width != facts.height:
        out.append(error("artwork.not_square", "artwork", f"The artwork is {facts.width}×{facts.height} pixels; "
                         "it must be square.", "Crop it to a square, e.g. 3000×3000 pixels."))
    if min(facts.width, facts.height) < MIN_SIDE_PX:
        out.append(error("artwork.too_small", "artwork", f"The artwork is {facts.width}×{facts.height} pixels; stores "
                         f"need at least {MIN_SIDE_PX}×{MIN_SIDE_PX}.",
                         "Export it again from the original design at 3000×3000 pixels or more (enlarging a "
                         "small picture makes it blurry; stores notice)."))
    if facts.mode == "CMYK":
        out.append(error("artwork.cmyk", "artwork", "The artwork uses CMYK colours (for print); stores need RGB.",
                         "Convert it to RGB (sRGB) in your image editor and export it again."))
    elif facts.mode != "RGB":
        out.append(error("artwork.colour_mode", "artwork", f"The artwork's colour mode is {facts.mode}; stores need "
                         "plain RGB (no transparency, no grayscale or palette).",
                         "Flatten it and export it as RGB (sRGB)."))
    enlarged = facts.detail_px is not None and facts.detail_px <= ENLARGED_PX
    if enlarged and min(facts.width, facts.height) >= MIN_SIDE_PX:
        says = (f"The artwork looks enlarged from a small picture: it has the detail of about {facts.detail_px}×"
                f"{facts.detail_px} pixels, so it looks blurry at {facts.width}×{facts.height}.")
        fix = ("Export it again from the original design at 3000×3000 pixels or more, or use a sharper photo; "
               "stores reject blurry covers.")
        out.append(error("artwork.upscaled", "artwork", says, fix) if (facts.detail_px or 0) <= BLURRY_PX
                   else warning("artwork.upscaled", "artwork", says, fix))
    return out


def measure(path: Path) -> tuple[ArtworkFacts | None, list[Finding]]:
    """Open and decode an untrusted image file; (facts, findings). Facts are None when it cannot be
    used at all (the findings say why)."""
    from PIL import Image, UnidentifiedImageError

    size = path.stat().st_size
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if size <= MAX_BYTES else ""
    if size > MAX_BYTES:
        return None, rule_findings(ArtworkFacts(0, 0, "", "", size, ""))[:1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=OPENABLE) as img:
                width, height, mode, fmt = img.width, img.height, img.mode, str(img.format or "")
                if width * height > MAX_PIXELS:
                    return None, [_too_many(width, height)]
                if fmt == "JPEG":
                    img.draft(img.mode, (max(1, width // 2), max(1, height // 2)))
                img.load()
                detail = detail_px(img, min(width, height))
    except (UnidentifiedImageError, ValueError):
        return None, [error("artwork.not_an_image", "artwork", "This file is not a picture we can read.",
                            "Upload the cover as a JPEG or PNG file.")]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, [_too_many(0, 0)]
    except (OSError, SyntaxError, EOFError) as exc:
        return None, [error("artwork.broken", "artwork", f"The picture is damaged or cut off ({exc}).",
                            "Export it again and upload the new file.")]
    facts = ArtworkFacts(width, height, mode, fmt, size, sha, detail)
    return facts, rule_findings(facts)


def _too_many(width: int, height: int) -> Finding:
    what = f"{width}×{height} pixels" if width else "far too many pixels"
    return error("artwork.too_many_pixels", "artwork", f"The picture has {what}; we read at most "
                 f"{MAX_SIDE_PX}×{MAX_SIDE_PX}.", "Export the cover at 3000×3000 pixels.")


def stored_facts(release: Release) -> ArtworkFacts | None:
    if not release.artwork_key:
        return None
    return ArtworkFacts(release.artwork_width or 0, release.artwork_height or 0, release.artwork_mode,
                        release.artwork_format, release.artwork_bytes or 0, release.artwork_sha256,
                        release.artwork_detail_px)


def upload_artwork(*, session: Session, actor: Actor, release_id: uuid.UUID, chunks: Iterable[bytes],
                   storage: StorageBackend | None = None) -> tuple[Release, list[Finding]]:
    """Store new cover art for a draft; a file that is no usable picture is refused and nothing is kept.
    Returns the release and what the store rules still say about the picture."""
    release = lifecycle.editable_release(session=session, actor=actor, release_id=release_id)
    store = storage or get_storage()
    # <owner>/releases/<release>/artwork-<random> (joined: "/releases" is also a page path)
    key = "/".join([str(release.owner_id), "releases", str(release.id), f"artwork-{secrets.token_hex(8)}"])
    store.write(key, chunks, max_bytes=MAX_BYTES)
    try:
        with store.local_path(key) as path:
            facts, findings = measure(path)
        fatal = [f for f in findings if f.code in FATAL]
        if facts is None or fatal:
            raise InvalidInput(f"{fatal[0].message} {fatal[0].fix}" if fatal else "This file cannot be used.")
        old = release.artwork_key
        release.artwork_key, release.artwork_width, release.artwork_height = key, facts.width, facts.height
        release.artwork_mode, release.artwork_format = facts.mode, facts.format
        release.artwork_bytes, release.artwork_sha256 = facts.size_bytes, facts.sha256
        release.artwork_detail_px = facts.detail_px
        lifecycle.edited(session=session, actor=actor, release=release)
        audit.record(session, actor, "release.artwork", target=f"release:{release.id}",
                     details={"width": facts.width, "height": facts.height, "mode": facts.mode})
        session.commit()
    except BaseException:
        session.rollback()
        store.delete(key)
        raise
    if old:
        store.delete(old)
    return release, findings

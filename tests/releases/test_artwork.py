"""Enlarged covers: a design drawn small and blown up to 3000×3000 has the detail of its source.
Designs drawn at full size pass; drawn at 300 px and enlarged they are refused; at 750-1000 px they
get a warning; plain covers are not judged. Every common enlarging filter, JPEG and PNG."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from sqlmodel import Session

from maxbooster.services.releases import artwork, validator
from maxbooster.services.releases.findings import Severity
from tests.releases.support import complete_release, image_bytes
from tests.support import accounts as fx
from tests.support.accounts import actor_for, make_user

acct_env = fx.acct_env
FILTERS = ("bicubic", "lanczos", "bilinear")


def cover(draw_px: int, *, seed: int = 7, filt: str = "bicubic", fmt: str = "JPEG", out_px: int = 3000) -> bytes:
    """A cover design (shapes, lines, a title) drawn at `draw_px` and enlarged to `out_px`."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    img = Image.new("RGB", (draw_px, draw_px), (18, 22, 40))
    pen = ImageDraw.Draw(img)
    for _ in range(14):
        x, y, r = rng.randrange(draw_px), rng.randrange(draw_px), rng.randrange(draw_px // 12, draw_px // 4)
        pen.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(10):
        pen.line([rng.randrange(draw_px) for _ in range(4)], fill=(240, 240, 240), width=max(1, draw_px // 300))
    pen.text((draw_px // 10, draw_px // 2), "NIGHT DRIVE", fill=(255, 255, 255),
             font=ImageFont.load_default(size=draw_px // 10))
    if draw_px != out_px:
        img = img.resize((out_px, out_px), getattr(Image.Resampling, filt.upper()))
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _measure(tmp_path: Path, data: bytes) -> tuple[artwork.ArtworkFacts, dict[str, Severity]]:
    path = tmp_path / "cover"
    path.write_bytes(data)
    facts, findings = artwork.measure(path)
    assert facts is not None
    return facts, {f.code: f.severity for f in findings}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cover_drawn_at_full_size_passes(tmp_path: Path, fmt: str, seed: int) -> None:
    facts, found = _measure(tmp_path, cover(3000, seed=seed, fmt=fmt))
    assert facts.detail_px == 3000
    assert found == {}


@pytest.mark.parametrize("filt", FILTERS)
@pytest.mark.parametrize("seed", [1, 2])
def test_a_tiny_picture_blown_up_is_refused(tmp_path: Path, filt: str, seed: int) -> None:
    facts, found = _measure(tmp_path, cover(300, seed=seed, filt=filt))
    assert facts.detail_px is not None and facts.detail_px <= artwork.BLURRY_PX
    assert found == {"artwork.upscaled": Severity.ERROR}


@pytest.mark.parametrize("filt", FILTERS)
@pytest.mark.parametrize("draw_px", [750, 1000])
def test_a_small_picture_blown_up_gets_a_warning(tmp_path: Path, filt: str, draw_px: int) -> None:
    facts, found = _measure(tmp_path, cover(draw_px, filt=filt, fmt="PNG"))
    assert facts.detail_px is not None and artwork.BLURRY_PX < facts.detail_px <= artwork.ENLARGED_PX
    assert found == {"artwork.upscaled": Severity.WARNING}


def test_a_picture_with_more_detail_than_stores_need_passes(tmp_path: Path) -> None:
    facts, found = _measure(tmp_path, cover(2000, filt="lanczos"))
    assert facts.detail_px == 3000 and found == {}


def test_a_plain_cover_is_not_judged(tmp_path: Path) -> None:
    facts, found = _measure(tmp_path, image_bytes((3000, 3000)))
    assert facts.detail_px is None and found == {}


def test_the_measure_is_stored_and_the_validator_reads_it(session: Session, acct_env: object) -> None:
    user = make_user(session)
    release = complete_release(session, user)
    _, findings = artwork.upload_artwork(session=session, actor=actor_for(user), release_id=release.id,
                                         chunks=[cover(300)])
    assert [f.code for f in findings] == ["artwork.upscaled"]
    session.refresh(release)
    assert release.artwork_detail_px is not None and release.artwork_detail_px <= artwork.BLURRY_PX
    report = validator.preflight(session=session, actor=actor_for(user), release_id=release.id)
    assert [f.code for f in report.findings if f.severity == Severity.ERROR] == ["artwork.upscaled"]
    artwork.upload_artwork(session=session, actor=actor_for(user), release_id=release.id, chunks=[cover(3000)])
    session.refresh(release)
    assert release.artwork_detail_px == 3000
    assert validator.preflight(session=session, actor=actor_for(user), release_id=release.id).ok

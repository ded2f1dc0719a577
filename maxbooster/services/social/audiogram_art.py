"""The still layers of an audiogram, drawn once per shape with Pillow: the background (the cover
blurred and darkened to fill the frame, the cover itself, title and artist), the bar stripes (a mask
that cuts the spectrum into separate bars) and the bars' colour gradient. ffmpeg animates the rest."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

from maxbooster.models.social import AudiogramShape

BANDS = 48
ACCENT_TOP = (196, 160, 255)  # the studio theme's violet, lighter at the top of a bar
ACCENT_BOTTOM = (108, 72, 232)
CARD = (18, 18, 26)
FONT_FILES = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


class ArtworkUnreadable(Exception):
    """The chosen image cannot be decoded."""


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    cover: int  # side of the sharp cover, px
    cover_y: int
    title_y: int
    title_px: int
    artist_px: int
    bars_x: int
    bars_y: int
    bars_w: int
    bars_h: int  # even: half above the centre line, half mirrored below


@dataclass(frozen=True)
class Layers:
    background: Path
    stripes: Path
    colour: Path


LAYOUTS = {
    AudiogramShape.VERTICAL: Layout(1080, 1920, cover=820, cover_y=230, title_y=1130, title_px=68, artist_px=46,
                                    bars_x=60, bars_y=1370, bars_w=960, bars_h=360),
    AudiogramShape.SQUARE: Layout(1080, 1080, cover=500, cover_y=70, title_y=600, title_px=54, artist_px=38,
                                  bars_x=60, bars_y=790, bars_w=960, bars_h=240),
}


def layout(shape: AudiogramShape) -> Layout:
    return LAYOUTS[shape]


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, px)
        except OSError:
            continue
    return ImageFont.load_default(size=px)  # Pillow's bundled font: always there


def _fit(draw: ImageDraw.ImageDraw, text: str, px: int, max_w: int) -> tuple[str, ImageFont.ImageFont]:
    """The text in the largest font down to 60 % of `px` that fits `max_w`, else shortened with '…'."""
    size = px
    while True:
        font = _font(size)
        if draw.textlength(text, font=font) <= max_w:
            return text, font  # type: ignore[return-value]
        if size > px * 0.6:
            size -= 4
            continue
        while text and draw.textlength(text + "…", font=font) > max_w:
            text = text[:-1]
        return text.rstrip() + "…", font  # type: ignore[return-value]


def _cover(image: bytes | None, side: int) -> Image.Image:
    if image is None:
        return _placeholder(side)
    try:
        with Image.open(io.BytesIO(image)) as img:
            img.draft("RGB", (side * 2, side * 2))  # JPEG: decode at a reduced size
            return ImageOps.fit(img.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ArtworkUnreadable("The artwork could not be read; upload it again as a JPEG or PNG.") from exc


def _placeholder(side: int) -> Image.Image:
    """No artwork: a quiet violet gradient square."""
    grad = Image.linear_gradient("L").resize((side, side))
    return Image.merge("RGB", [grad.point(lambda v: 40 + v // 4), grad.point(lambda v: 30 + v // 6),
                               grad.point(lambda v: 80 + v // 3)])


def background(shape: AudiogramShape, *, image: bytes | None, title: str, artist: str) -> Image.Image:
    """The frame without bars: blurred, darkened cover filling it; the sharp cover; title and artist."""
    lay = LAYOUTS[shape]
    cover = _cover(image, lay.cover)
    side = max(lay.width, lay.height)
    fill = cover.resize((side // 8, side // 8)).filter(ImageFilter.GaussianBlur(6)).resize((side, side))
    frame = ImageOps.fit(fill, (lay.width, lay.height)).point(lambda v: int(v * 0.32))
    frame.paste(Image.new("RGB", (lay.width, lay.height), CARD), mask=Image.new("L", (lay.width, lay.height), 90))
    x = (lay.width - lay.cover) // 2
    shadow = Image.new("L", (lay.width, lay.height), 0)
    ImageDraw.Draw(shadow).rounded_rectangle([x - 6, lay.cover_y + 14, x + lay.cover + 6, lay.cover_y + lay.cover + 22],
                                             radius=28, fill=150)
    frame.paste((0, 0, 0), mask=shadow.filter(ImageFilter.GaussianBlur(18)))
    rounded = Image.new("L", (lay.cover, lay.cover), 0)
    ImageDraw.Draw(rounded).rounded_rectangle([0, 0, lay.cover - 1, lay.cover - 1], radius=24, fill=255)
    frame.paste(cover, (x, lay.cover_y), mask=rounded)
    draw = ImageDraw.Draw(frame)
    for text, px, y, colour in ((title, lay.title_px, lay.title_y, (245, 245, 250)),
                                (artist, lay.artist_px, lay.title_y + int(lay.title_px * 1.35), (176, 176, 196))):
        if text:
            shown, font = _fit(draw, text, px, lay.width - 120)
            draw.text((lay.width // 2, y), shown, font=font, fill=colour, anchor="mt")
    return frame


def write_layers(workdir: Path, shape: AudiogramShape, *, image: bytes | None, title: str, artist: str) -> Layers:
    """The three still inputs of one shape as PNG files in `workdir`."""
    lay = LAYOUTS[shape]
    paths = Layers(workdir / f"{shape.value}-bg.png", workdir / f"{shape.value}-stripes.png",
                   workdir / f"{shape.value}-colour.png")
    background(shape, image=image, title=title, artist=artist).save(paths.background, compress_level=1)
    stripes = Image.new("L", (lay.bars_w, lay.bars_h), 0)
    draw, step = ImageDraw.Draw(stripes), lay.bars_w / BANDS
    for i in range(BANDS):
        draw.rounded_rectangle([int(i * step + 3), 0, int((i + 1) * step - 4), lay.bars_h - 1], radius=4, fill=255)
    draw.line([0, lay.bars_h // 2, lay.bars_w, lay.bars_h // 2], fill=0, width=4)  # a gap between the halves
    stripes.save(paths.stripes)
    grad = Image.linear_gradient("L").resize((lay.bars_w, lay.bars_h // 2))
    half = Image.merge("RGB", [grad.point(lambda v, c=c: ACCENT_TOP[c] + (ACCENT_BOTTOM[c] - ACCENT_TOP[c]) * v // 255)
                               for c in range(3)])
    colour = Image.new("RGB", (lay.bars_w, lay.bars_h))
    colour.paste(half, (0, 0))
    colour.paste(ImageOps.flip(half).point(lambda v: int(v * 0.55)), (0, lay.bars_h // 2))  # a dimmer reflection
    colour.save(paths.colour)
    return paths

"""Audiograms: a track (or master) excerpt over its artwork with moving spectrum bars and the title,
rendered by the `social.audiogram` job into two H.264/AAC MP4s (1080×1920 and 1080×1080, 30 fps).

Asking checks everything first (the source is the user's and ready, the excerpt lies inside it and
lasts at most 60 s, the artwork is the user's) and stores nothing when anything is refused. The job
composes each shape's still background once with Pillow (blurred cover, sharp cover, text) and lets
one ffmpeg process (the static binary of the `imageio-ffmpeg` package) draw the bars with its
`showfreqs` filter and encode both shapes, so no frame passes through Python.
"""

from __future__ import annotations

import logging
import re
import subprocess  # noqa: S404  (our own ffmpeg binary with arguments we build)
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from maxbooster.db import session_scope
from maxbooster.models.base import utcnow
from maxbooster.models.library import Track, TrackStatus
from maxbooster.models.mastering import Master, MasterStatus
from maxbooster.models.releases import Release
from maxbooster.models.social import AudiogramShape, AudiogramStatus, SocialAudiogram
from maxbooster.models.storage import StoredFile
from maxbooster.services import audit, jobs
from maxbooster.services.access import get_owned
from maxbooster.services.actor import Actor
from maxbooster.services.errors import InvalidInput, NotFound
from maxbooster.services.jobs import JobContext, JobLost, job_handler
from maxbooster.services.social import audiogram_art as art
from maxbooster.services.storage import get_storage

AUDIOGRAM_KIND = "social.audiogram"
MAX_LENGTH_S = 60.0
FPS = 30
SIZES: dict[AudiogramShape, tuple[int, int]] = {AudiogramShape.VERTICAL: (1080, 1920),
                                                AudiogramShape.SQUARE: (1080, 1080)}
MASTER_SOURCES = ("wav24", "wav16", "flac", "mp3")  # the master file an excerpt is cut from, best first
log = logging.getLogger("maxbooster.social")
M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class AudiogramIn:
    """What to render: a track or one of its masters, the excerpt, and the artwork (a release's cover or
    an uploaded image; neither gives a plain dark card). Title and artist default to the track's."""

    track_id: uuid.UUID | None = None
    master_id: uuid.UUID | None = None
    start_s: float = 0.0
    length_s: float = 30.0
    release_id: uuid.UUID | None = None
    image_file_id: uuid.UUID | None = None
    title: str | None = None
    artist: str | None = None


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped by the `imageio-ffmpeg` package (nothing to install from apt)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


# --- asking --------------------------------------------------------------------------------------

def _owned(session: Session, actor: Actor, model: type[M], obj_id: uuid.UUID | None, what: str) -> M:
    try:
        return get_owned(session=session, model=model, obj_id=obj_id, actor=actor)
    except NotFound:
        raise NotFound(f"That {what} is not in your library; choose one of yours.") from None


def _source(session: Session, actor: Actor, data: AudiogramIn) -> tuple[Track, Master | None]:
    if (data.track_id is None) == (data.master_id is None):
        raise InvalidInput("Choose a track or a master for the audiogram (one of them).")
    master = None
    if data.master_id is not None:
        master = _owned(session, actor, Master, data.master_id, "master")
        if master.status != MasterStatus.READY or not any(master.files.get(f) for f in MASTER_SOURCES):
            raise InvalidInput("That master is not finished yet; wait for it or choose the track itself.")
        track = _owned(session, actor, Track, master.track_id, "track")
    else:
        track = _owned(session, actor, Track, data.track_id, "track")
    if track.status != TrackStatus.READY or not track.duration_s or (master is None and not track.working_key):
        raise InvalidInput(f"{track.title} is still being processed (or failed); try again when it shows as ready.")
    return track, master


def check_excerpt(start_s: float, length_s: float, duration_s: float) -> None:
    """InvalidInput unless the excerpt starts at 0 s or later, lasts (0, 60] s and ends inside the track."""
    if not (start_s == start_s and length_s == length_s) or start_s < 0:  # NaN fails the first test
        raise InvalidInput("The excerpt must start at 0 seconds or later.")
    if not 0 < length_s <= MAX_LENGTH_S:
        raise InvalidInput(f"An audiogram lasts more than 0 and at most {MAX_LENGTH_S:.0f} seconds, "
                           f"not {length_s:g}.")
    if start_s + length_s > duration_s + 0.01:
        raise InvalidInput(f"The excerpt {start_s:g}–{start_s + length_s:g} s runs past the end of the track "
                           f"({duration_s:.1f} s); start earlier or make it shorter.")


def _artwork(session: Session, actor: Actor, data: AudiogramIn) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if data.release_id is not None and data.image_file_id is not None:
        raise InvalidInput("Use the release's cover or an uploaded image, not both.")
    if data.release_id is not None:
        release = _owned(session, actor, Release, data.release_id, "release")
        if not release.artwork_key:
            raise InvalidInput(f"{release.title} has no cover yet; upload one on the release, or pick an image.")
        return release.id, None
    if data.image_file_id is not None:
        image = _owned(session, actor, StoredFile, data.image_file_id, "image")
        if image.content_type not in ("image/jpeg", "image/png", "image/webp"):
            raise InvalidInput(f"{image.original_name} is not a JPEG, PNG or WebP image.")
        return None, image.id
    return None, None


def request_audiogram(*, session: Session, actor: Actor, data: AudiogramIn) -> SocialAudiogram:
    """Check the request and start the `social.audiogram` job; the row (status rendering) is returned.
    Nothing is stored when anything is refused."""
    owner = actor.require_user()
    track, master = _source(session, actor, data)
    check_excerpt(float(data.start_s), float(data.length_s), float(track.duration_s or 0))
    release_id, image_id = _artwork(session, actor, data)
    title = (data.title if data.title is not None else track.title).strip()
    artist = (data.artist if data.artist is not None else track.artist).strip()
    if len(title) > 200 or len(artist) > 200:
        raise InvalidInput("Title and artist are at most 200 characters each.")
    row = SocialAudiogram(owner_id=owner, track_id=track.id, master_id=master.id if master else None,
                          release_id=release_id, image_file_id=image_id, title=title, artist=artist,
                          start_s=float(data.start_s), length_s=float(data.length_s))
    row.job_id = uuid.uuid4()
    session.add(row)
    audit.record(session, actor, "social.audiogram.request", target=f"social_audiograms:{row.id}",
                 details={"start_s": row.start_s, "length_s": row.length_s})
    jobs.enqueue(session=session, kind=AUDIOGRAM_KIND, owner_id=owner, params={"audiogram_id": str(row.id)},
                 job_id=row.job_id)  # commits the row with the job's
    session.refresh(row)
    return row


def get_audiogram(*, session: Session, actor: Actor, audiogram_id: uuid.UUID) -> SocialAudiogram:
    return _owned(session, actor, SocialAudiogram, audiogram_id, "audiogram")


def list_audiograms(*, session: Session, actor: Actor, limit: int = 50) -> list[SocialAudiogram]:
    """The acting user's audiograms, newest first."""
    query = select(SocialAudiogram).where(col(SocialAudiogram.owner_id) == actor.require_user())
    query = query.order_by(col(SocialAudiogram.created_at).desc()).limit(limit)
    return list(session.exec(query.execution_options(populate_existing=True)).all())  # a poller sees the job's news


def audiogram_file(*, session: Session, actor: Actor, audiogram_id: uuid.UUID,
                   shape: AudiogramShape = AudiogramShape.VERTICAL) -> StoredFile:
    """The rendered MP4 of one shape (what the composer attaches); InvalidInput while it is not ready."""
    row = get_audiogram(session=session, actor=actor, audiogram_id=audiogram_id)
    if row.status == AudiogramStatus.FAILED:
        raise InvalidInput(f"This audiogram could not be made ({row.status_message}); make a new one.")
    file_id = row.vertical_file_id if AudiogramShape(shape) == AudiogramShape.VERTICAL else row.square_file_id
    record = session.get(StoredFile, file_id) if file_id else None
    if row.status != AudiogramStatus.READY or record is None:
        raise InvalidInput("This audiogram is still rendering; attach it when it shows as ready.")
    return record


# --- the job -------------------------------------------------------------------------------------

@job_handler(AUDIOGRAM_KIND)
def render_job(ctx: JobContext) -> str:
    """Render both shapes of one audiogram and store them as the owner's files."""
    audiogram_id = uuid.UUID(str(ctx.params["audiogram_id"]))
    with session_scope() as session:
        row = session.get(SocialAudiogram, audiogram_id)
        if row is None or row.status != AudiogramStatus.RENDERING:
            return f"social_audiograms:{audiogram_id}:gone"
        try:
            with ExitStack() as stack:
                audio = stack.enter_context(_source_path(session, row))
                image = _image_bytes(session, row)
                work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="audiogram-")))
                outputs = render(audio=audio, start_s=row.start_s, length_s=row.length_s, image=image,
                                 title=row.title, artist=row.artist, workdir=work,
                                 progress=lambda p: ctx.progress(5 + int(p * 0.9), "Rendering the video"))
                ctx.progress(96, "Saving")
                _store(session, row, outputs)
        except JobLost:
            raise
        except (RenderFailed, art.ArtworkUnreadable) as exc:
            return _failed(session, audiogram_id, str(exc))
        except (NotFound, FileNotFoundError):
            return _failed(session, audiogram_id, "The audio or artwork is no longer in storage; "
                                                  "upload it again, then make a new audiogram.")
    return f"social_audiograms:{audiogram_id}"


def _failed(session: Session, audiogram_id: uuid.UUID, message: str) -> str:
    log.warning("audiogram %s failed: %s", audiogram_id, message)
    session.rollback()
    row = session.get(SocialAudiogram, audiogram_id)
    if row is not None:
        row.status, row.status_message, row.finished_at = AudiogramStatus.FAILED, message[:500], utcnow()
        session.add(row)
        session.commit()
    return f"social_audiograms:{audiogram_id}:failed"


class RenderFailed(Exception):
    """ffmpeg or the artwork failed; the message is shown on the audiogram."""


@contextmanager
def _source_path(session: Session, row: SocialAudiogram) -> Iterator[Path]:
    track = session.get(Track, row.track_id) if row.track_id else None
    master = session.get(Master, row.master_id) if row.master_id else None
    key = next((master.files[f] for f in MASTER_SOURCES if master.files.get(f)), None) if master else None
    key = key or (track.working_key if track and not row.master_id else None)
    if not key:
        raise RenderFailed("The track or master was deleted before the video was made.")
    with get_storage().local_path(key) as path:
        yield path


def _image_bytes(session: Session, row: SocialAudiogram) -> bytes | None:
    key = None
    if row.release_id:
        release = session.get(Release, row.release_id)
        key = release.artwork_key if release else None
    elif row.image_file_id:
        image = session.get(StoredFile, row.image_file_id)
        key = image.key if image else None
    if key is None:
        return None
    with get_storage().open(key) as fh:
        return fh.read()


def _store(session: Session, row: SocialAudiogram, outputs: dict[AudiogramShape, Path]) -> None:
    store, ids = get_storage(), {}
    stem = re.sub(r"[^a-z0-9]+", "-", row.title.lower()).strip("-")[:60] or "audiogram"
    for shape, path in outputs.items():
        key = f"{row.owner_id}/social-media/audiograms/{row.id}-{shape.value}.mp4"
        size, sha = store.put_file(key, path)
        record = StoredFile(owner_id=row.owner_id, key=key, original_name=f"{stem}-{shape.value}.mp4",
                            content_type="video/mp4", size_bytes=size, sha256=sha)
        session.add(record)
        ids[shape] = record.id
    session.flush()  # the files before the row that points at them (no relationship() orders the writes)
    row.vertical_file_id, row.square_file_id = ids[AudiogramShape.VERTICAL], ids[AudiogramShape.SQUARE]
    row.status, row.status_message, row.finished_at = AudiogramStatus.READY, "", utcnow()
    session.add(row)
    session.commit()


# --- rendering -----------------------------------------------------------------------------------

def render(*, audio: Path, start_s: float, length_s: float, image: bytes | None, title: str, artist: str,
           workdir: Path, progress: object = None) -> dict[AudiogramShape, Path]:
    """Both shapes of an audiogram as MP4 files in `workdir`: one ffmpeg run, the bars drawn by its
    `showfreqs` filter (48 log-spaced bands, mirrored) over a still background made once per shape."""
    inputs: list[str] = []
    graph = [f"[{0}:a]asplit=3[bars_in][a_v][a_s]",
             f"[bars_in]showfreqs=s={art.BANDS}x128:mode=bar:ascale=log:fscale=log:win_size=2048:rate={FPS}"
             ":colors=white,format=gray,split=2[m_v][m_s]"]
    inputs += ["-ss", f"{start_s:.3f}", "-t", f"{length_s:.3f}", "-i", str(audio)]
    outputs: dict[AudiogramShape, Path] = {}
    maps: list[str] = []
    frames = max(1, round(length_s * FPS))
    for n, shape in enumerate(SIZES):
        layout = art.layout(shape)
        files = art.write_layers(workdir, shape, image=image, title=title, artist=artist)
        base = 1 + n * 3
        for path in (files.background, files.stripes, files.colour):
            inputs += ["-i", str(path)]
        s = shape.value[0]
        w, h = layout.bars_w, layout.bars_h // 2
        graph += [
            f"[{base}:v]loop=loop=-1:size=1:start=0,fps={FPS},format=rgb24[bg_{s}]",
            f"[{base + 1}:v]format=gray,loop=loop=-1:size=1:start=0[st_{s}]",
            f"[{base + 2}:v]format=rgb24,loop=loop=-1:size=1:start=0[col_{s}]",
            f"[m_{s}]scale={w}:{h}:flags=neighbor,setsar=1,split=2[up_{s}][dn_{s}]",
            f"[dn_{s}]vflip[fl_{s}]",
            f"[up_{s}][fl_{s}]vstack[mm_{s}]",
            f"[mm_{s}][st_{s}]blend=all_mode=multiply:shortest=1[mask_{s}]",
            f"[col_{s}][mask_{s}]alphamerge[bars_{s}]",
            f"[bg_{s}][bars_{s}]overlay={layout.bars_x}:{layout.bars_y}:shortest=1,format=yuv420p[v_{s}]",
        ]
        out = workdir / f"{shape.value}.mp4"
        outputs[shape] = out
        maps += ["-map", f"[v_{s}]", "-map", f"[a_{s}]", "-frames:v", str(frames), "-t", f"{length_s:.3f}",
                 "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-r", str(FPS), "-pix_fmt", "yuv420p",
                 "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", str(out)]
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *inputs,
           "-filter_complex", ";".join(graph), "-progress", "pipe:1", "-nostats", *maps]
    _run(cmd, length_s, progress)
    return outputs


def _run(cmd: list[str], length_s: float, progress: object) -> None:
    """Run ffmpeg, reporting the share of the excerpt encoded so far (0–100) to `progress`."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True)  # noqa: S603
        try:
            assert proc.stdout is not None  # noqa: S101  (PIPE was asked for)
            last = -1
            for line in proc.stdout:
                done = line.split("=", 1)[1].strip() if line.startswith("out_time_us=") else ""
                if done.isdigit() and callable(progress):
                    percent = min(100, int(int(done) / 1e6 / length_s * 100))
                    if percent != last:  # each report is a database write (and renews the job's lease)
                        progress(percent)
                        last = percent
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if code != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            log.warning("ffmpeg exited %s: %s", code, " | ".join(detail))
            raise RenderFailed("The video encoder stopped with an error; try again, or choose another excerpt.")

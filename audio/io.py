"""Reading, writing and probing audio files; the only (channels, n) <-> (n, channels) boundary.

Buffers everywhere else are float32 ``(channels, samples)`` with an ``int``
sample rate. Whole reads go through pedalboard.io (fast, already
channels-first), falling back to soundfile; :func:`stream_file` yields blocks.
Every file is header-checked first (:func:`probe`), including the budget on
frames x channels; files from users are decoded in a resource-limited child
process (:func:`read_untrusted`, :mod:`audio.sandbox`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
from pedalboard.io import AudioFile

from audio.dither import GRID_BITS, quantize
from audio.errors import AudioError, CorruptFile, EmptyAudio, HeaderOutOfBounds, InvalidParameter, InvalidSamples
from audio.headers import DEFAULT_MAX_SAMPLES, AudioInfo, open_regular, read_header, unreadable

__all__ = [
    "DEFAULT_MAX_DURATION_S",
    "DEFAULT_MAX_SAMPLES",
    "MAX_SAMPLE_MAGNITUDE",
    "AudioInfo",
    "decode_whole",
    "probe",
    "quantize",
    "read_audio",
    "read_untrusted",
    "stream_file",
    "validate_samples",
    "write_audio",
]

DEFAULT_MAX_DURATION_S = 2 * 3600.0
# Float files may exceed full scale (headroom), but not by more than +60 dBFS: beyond
# that the numbers are not audio, and loudness/energy sums would overflow.
MAX_SAMPLE_MAGNITUDE = 1024.0
STREAM_BLOCK_FRAMES = 1 << 16
_WRITE_SUBTYPES = {
    ".wav": {"PCM_16", "PCM_24", "FLOAT"},
    ".flac": {"PCM_16", "PCM_24"},
    ".aif": {"PCM_16", "PCM_24"},
    ".aiff": {"PCM_16", "PCM_24"},
    ".ogg": {"VORBIS"},
    ".mp3": {"MP3"},
}
_SF_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF", ".ogg": "OGG"}
_MP3_RATES_HZ = (32000, 44100, 48000)
_PCM_BITS = {"PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}


def probe(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S,
          max_samples: int | None = None) -> AudioInfo:
    """Header facts of ``path`` after our own bounds checks (no decoding).

    ``max_samples`` bounds frames x channels (default :data:`DEFAULT_MAX_SAMPLES`).
    Raises UnsupportedFormat, CorruptFile, EmptyAudio, HeaderOutOfBounds or UnreadableFile.
    """
    return read_header(Path(path), max_duration_s, max_samples or DEFAULT_MAX_SAMPLES)


def validate_samples(x: np.ndarray) -> np.ndarray:
    """Return ``x`` as float32 (channels, n); reject bad shapes, zero length, NaN/Inf and absurd values."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.floating):
        raise InvalidSamples(f"expected float samples shaped (channels, n), got {arr.dtype} {arr.shape}")
    if arr.shape[0] > arr.shape[1] and arr.shape[0] > 64:
        raise InvalidSamples(f"shape {arr.shape} looks like (n, channels); expected (channels, n)")
    if arr.shape[1] == 0 or arr.shape[0] == 0:
        raise EmptyAudio(f"audio buffer has zero length (shape {arr.shape})")
    high, low = float(arr.max()), float(arr.min())  # NaN and Inf propagate: one cheap pass each
    if not (math.isfinite(high) and math.isfinite(low)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise InvalidSamples(f"audio contains {bad} NaN or infinite samples")
    if max(high, -low) > MAX_SAMPLE_MAGNITUDE:
        peak = max(high, -low)
        raise InvalidSamples(f"audio reaches {peak:.3g} ({20 * math.log10(peak):+.0f} dBFS); samples beyond "
                             f"±{MAX_SAMPLE_MAGNITUDE:g} (+60 dBFS) are not audio")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _decode_pedalboard(source: BinaryIO, info: AudioInfo) -> tuple[np.ndarray, int]:
    """pedalboard (JUCE) read, rescaled so b-bit PCM value v reads as v / 2**(b-1).

    JUCE divides by 2**(b-1) - 1, so -32768 would read -1.00003 and every
    positive value would be 1/32767 high; libsndfile and our writer use 2**(b-1).
    """
    with AudioFile(_fd_path(source)) as f:
        samples, rate = f.read(f.frames), int(round(f.samplerate))
    bits = _PCM_BITS.get(info.subtype)
    if bits is not None:
        samples *= np.float32((2 ** (bits - 1) - 1) / 2 ** (bits - 1))
    return samples, rate


def _fd_path(source: BinaryIO) -> str | BinaryIO:
    """A path naming the already-opened (and checked) descriptor, so a decoder does its own fast I/O;
    the file object itself where /proc is unavailable."""
    path = f"/proc/self/fd/{source.fileno()}"
    return path if Path(path).exists() else source


def _decode_soundfile(source: BinaryIO, info: AudioInfo) -> tuple[np.ndarray, int]:
    data, rate = sf.read(source.fileno(), dtype="float32", always_2d=True, closefd=False)
    return np.ascontiguousarray(data.T), int(rate)


def decode_whole(path: Path, info: AudioInfo) -> tuple[np.ndarray, int]:
    """Decode the whole file to float32 (channels, n).

    WAV/AIFF (sizes already verified against the file length) go through
    pedalboard, which is faster, with libsndfile as fallback; compressed formats
    go through libsndfile only, because pedalboard zero-fills truncated FLAC/MP3.
    A stream much shorter than its header promised is reported as truncated.
    Decoders read the descriptor :func:`open_regular` checked, never the path
    again. Running out of memory is not a corrupt file: MemoryError propagates
    (the sandbox reports it as the memory limit).
    """
    order = (_decode_pedalboard, _decode_soundfile) if info.format in ("WAV", "AIFF") else (_decode_soundfile,)
    errors = []
    with open_regular(path) as source:
        for decoder in order:
            try:
                source.seek(0)
                samples, rate = decoder(source, info)
                break
            except MemoryError:
                raise
            except OSError as exc:
                raise unreadable(path.name, exc) from None
            except Exception as exc:  # noqa: BLE001 - decoders raise assorted types; try the next one
                errors.append(str(exc))
        else:
            raise CorruptFile(f"{path.name}: could not be decoded ({'; '.join(errors)})")
    tolerance = 0.9 if info.format == "MP3" else 0.999  # MP3 lengths are header estimates
    if samples.shape[-1] < tolerance * info.frames:
        raise CorruptFile(
            f"{path.name}: truncated: decoded {samples.shape[-1]} of {info.frames} frames the header promises"
        )
    return samples, rate


def read_audio(path: str | Path, *, max_duration_s: float | None = None,
               max_samples: int | None = None) -> tuple[np.ndarray, int]:
    """Probe then decode ``path`` in this process (trusted files); float32 (channels, n) and the rate in Hz."""
    p = Path(path)
    info = probe(p, max_duration_s=DEFAULT_MAX_DURATION_S if max_duration_s is None else max_duration_s,
                 max_samples=max_samples)
    samples, rate = decode_whole(p, info)
    try:
        return validate_samples(samples), rate
    except InvalidSamples as exc:
        raise InvalidSamples(f"{p.name}: {exc}") from None


def stream_file(path: str | Path, info: AudioInfo, *, max_samples: int | None = None,
                block_frames: int = STREAM_BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Decode ``path`` (already probed as ``info``) block by block: float32 ``(channels, m)`` blocks.

    WAV/AIFF PCM goes through pedalboard (channels-first, no transpose), the
    rest through libsndfile, both reading the checked descriptor. Every block is
    validated; decoding more than ``max_samples`` (frames x channels) or much
    less than the header promised is an error.
    """
    p = Path(path)
    budget, frames = max_samples or DEFAULT_MAX_SAMPLES, 0
    with open_regular(p) as source:
        try:
            for block in _blocks(source, info, block_frames):
                frames += block.shape[1]
                if frames * info.channels > budget:
                    raise HeaderOutOfBounds(f"{p.name}: decodes to more than the budget of {budget:,} samples")
                yield validate_samples(block)
        except InvalidSamples as exc:
            raise InvalidSamples(f"{p.name}: {exc} (at {frames / info.sample_rate:.1f} s)") from None
        except (AudioError, MemoryError):
            raise
        except OSError as exc:
            raise unreadable(p.name, exc) from None
        except Exception as exc:  # noqa: BLE001 - libsndfile raises assorted types for damaged streams
            if frames:
                raise CorruptFile(f"{p.name}: truncated or damaged: decoding stopped after {frames} of "
                                  f"{info.frames} frames ({exc})") from None
            raise CorruptFile(f"{p.name}: could not be decoded ({exc})") from None
    if frames < (0.9 if info.format == "MP3" else 0.999) * info.frames:
        raise CorruptFile(f"{p.name}: truncated: decoded {frames} of {info.frames} frames the header promises")


def _blocks(source: BinaryIO, info: AudioInfo, block_frames: int) -> Iterator[np.ndarray]:
    """Raw decoded blocks ``(channels, m)`` float32 from an open, checked file."""
    if info.format in ("WAV", "AIFF") and info.subtype in _PCM_BITS | {"FLOAT": 0}:
        bits = _PCM_BITS.get(info.subtype)
        with AudioFile(_fd_path(source)) as f:
            while f.tell() < f.frames:
                block = f.read(block_frames)
                if block.shape[1] == 0:
                    return
                if bits is not None:  # JUCE scales by 2**(b-1) - 1; we use 2**(b-1) (see _decode_pedalboard)
                    block *= np.float32((2 ** (bits - 1) - 1) / 2 ** (bits - 1))
                yield block
        return
    with sf.SoundFile(source.fileno(), closefd=False) as f:
        if (f.channels, f.samplerate) != (info.channels, info.sample_rate):
            raise CorruptFile(f"the decoder reads {f.channels} channels at {f.samplerate} Hz, the header says "
                              f"{info.channels} at {info.sample_rate} Hz")
        for block in f.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
            yield np.ascontiguousarray(block.T)


def _write_mp3(path: Path, x: np.ndarray, sample_rate: int, bitrate_kbps: int) -> None:
    if sample_rate not in _MP3_RATES_HZ:
        raise InvalidParameter(f"MP3 output needs a sample rate in {_MP3_RATES_HZ}, got {sample_rate}")
    with AudioFile(str(path), "w", sample_rate, x.shape[0], quality=bitrate_kbps) as f:
        f.write(x)


def write_audio(
    path: str | Path,
    samples: np.ndarray,
    sample_rate: int,
    *,
    subtype: str = "PCM_24",
    dither_seed: int = 0,
    mp3_bitrate_kbps: int = 320,
    quantized: bool = False,
) -> Path:
    """Write float (channels, n) samples; the container follows the extension.

    ``subtype``: PCM_16 (TPDF-dithered), PCM_24 or FLOAT for WAV; PCM_16/24 for
    FLAC and AIFF; ignored for .mp3 (CBR ``mp3_bitrate_kbps``) and .ogg (Vorbis).
    ``quantized=True``: the samples already come from :func:`quantize` with this
    subtype and are stored bit-exactly (no second dither).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _WRITE_SUBTYPES:
        raise InvalidParameter(f"cannot write {suffix!r} files; use one of {sorted(_WRITE_SUBTYPES)}")
    x = validate_samples(samples)
    if suffix == ".mp3":
        _write_mp3(p, x, sample_rate, mp3_bitrate_kbps)
        return p
    if suffix == ".ogg":
        subtype = "VORBIS"
    if subtype not in _WRITE_SUBTYPES[suffix]:
        raise InvalidParameter(f"subtype {subtype!r} is not valid for {suffix}; use {sorted(_WRITE_SUBTYPES[suffix])}")
    if not quantized and subtype in GRID_BITS:
        x = quantize(x.copy(), subtype, dither_seed=dither_seed)
    data: np.ndarray = np.rint(x * np.float32(32768.0)).astype(np.int16) if subtype == "PCM_16" else x
    sf.write(str(p), data.T, sample_rate, subtype=subtype, format=_SF_FORMATS[suffix])
    return p


def read_untrusted(
    path: str | Path,
    *,
    max_samples: int | None = None,
    memory_limit_bytes: int | None = None,
    cpu_seconds: float | None = None,
    wall_seconds: float | None = None,
) -> tuple[np.ndarray, int]:
    """Probe ``path``, then decode it in a sandboxed child process (see :class:`audio.sandbox.Sandbox`).

    The samples come back through shared memory (no copy). A child that
    crashes, runs out of memory or CPU, or outlives ``wall_seconds`` (default
    ``2 x cpu_seconds + 10``) raises :class:`DecodeFailed`; the caller survives.
    """
    from audio.sandbox import Sandbox

    with Sandbox(max_samples=max_samples, memory_limit_bytes=memory_limit_bytes, cpu_seconds=cpu_seconds,
                 wall_seconds=wall_seconds) as sandbox:
        samples, rate, _ = sandbox.decode(path)
    return samples, rate

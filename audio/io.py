"""Reading, writing and probing audio files; the only (channels, n) <-> (n, channels) boundary.

Buffers everywhere else are float32 ``(channels, samples)`` with an ``int``
sample rate. Reads go through pedalboard.io (fast, already channels-first),
falling back to soundfile. Untrusted files are header-checked first
(:func:`probe`) and can be decoded in a resource-limited child process
(:func:`read_untrusted`).
"""

from __future__ import annotations

import math
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
from pedalboard.io import AudioFile

from audio.errors import AudioError, CorruptFile, DecodeFailed, EmptyAudio, InvalidParameter, InvalidSamples
from audio.headers import AudioInfo, open_regular, read_header, unreadable

__all__ = [
    "DEFAULT_MAX_DURATION_S",
    "AudioInfo",
    "probe",
    "quantize",
    "read_audio",
    "read_untrusted",
    "validate_samples",
    "write_audio",
]

DEFAULT_MAX_DURATION_S = 2 * 3600.0
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


def probe(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S) -> AudioInfo:
    """Header facts of ``path`` after our own bounds checks (no decoding).

    Raises UnsupportedFormat, CorruptFile, EmptyAudio or HeaderOutOfBounds.
    """
    return read_header(Path(path), max_duration_s)


def validate_samples(x: np.ndarray) -> np.ndarray:
    """Return ``x`` as float32 (channels, n); reject bad shapes, zero length, NaN/Inf."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.floating):
        raise InvalidSamples(f"expected float samples shaped (channels, n), got {arr.dtype} {arr.shape}")
    if arr.shape[0] > arr.shape[1] and arr.shape[0] > 64:
        raise InvalidSamples(f"shape {arr.shape} looks like (n, channels); expected (channels, n)")
    if arr.shape[1] == 0 or arr.shape[0] == 0:
        raise EmptyAudio(f"audio buffer has zero length (shape {arr.shape})")
    if not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise InvalidSamples(f"audio contains {bad} NaN or infinite samples")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _decode_pedalboard(source: BinaryIO, info: AudioInfo) -> tuple[np.ndarray, int]:
    """pedalboard (JUCE) read, rescaled so b-bit PCM value v reads as v / 2**(b-1).

    JUCE divides by 2**(b-1) - 1, so -32768 would read -1.00003 and every
    positive value would be 1/32767 high; libsndfile and our writer use 2**(b-1).
    """
    with AudioFile(source) as f:
        samples, rate = f.read(f.frames), int(round(f.samplerate))
    bits = _PCM_BITS.get(info.subtype)
    if bits is not None:
        samples *= np.float32((2 ** (bits - 1) - 1) / 2 ** (bits - 1))
    return samples, rate


def _decode_soundfile(source: BinaryIO, info: AudioInfo) -> tuple[np.ndarray, int]:
    data, rate = sf.read(source, dtype="float32", always_2d=True)
    return np.ascontiguousarray(data.T), int(rate)


def _decode(path: Path, info: AudioInfo) -> tuple[np.ndarray, int]:
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


def read_audio(path: str | Path, *, max_duration_s: float | None = None) -> tuple[np.ndarray, int]:
    """Probe then decode ``path``; returns float32 (channels, n) and the sample rate in Hz."""
    p = Path(path)
    info = probe(p, max_duration_s=DEFAULT_MAX_DURATION_S if max_duration_s is None else max_duration_s)
    samples, rate = _decode(p, info)
    return validate_samples(samples), rate


_GRID_BITS = {"PCM_16": 16, "PCM_24": 24}
_QUANTIZE_CHUNK = 1 << 16


def quantize(x: np.ndarray, subtype: str | None, *, dither_seed: int = 0,
             cols: np.ndarray | None = None) -> np.ndarray:
    """Round float32 ``x`` ``(channels, n)`` in place to the values ``subtype`` stores; returns ``x``.

    PCM_16 gets TPDF dither (±1 LSB triangular, seeded) before rounding;
    PCM_24 is rounded; FLOAT, lossy subtypes and ``None`` are left as they
    are. ``cols`` limits the work to those sample columns (fresh dither).
    The result is written bit-exactly by ``write_audio(..., quantized=True)``.
    """
    bits = _GRID_BITS.get(subtype or "")
    if bits is None:
        return x
    scale = float(2 ** (bits - 1))
    rng = np.random.default_rng(dither_seed if cols is None else [dither_seed, int(cols.size)])

    def grid(part: np.ndarray) -> np.ndarray:
        if bits == 16:
            part += (rng.random(part.shape, dtype=np.float32) - rng.random(part.shape, dtype=np.float32)) / scale
        part *= np.float32(scale)
        np.rint(part, out=part)
        np.clip(part, -scale, scale - 1, out=part)
        part *= np.float32(1.0 / scale)
        return part

    if cols is not None:
        x[:, cols] = grid(x[:, cols])
        return x
    for start in range(0, x.shape[1], _QUANTIZE_CHUNK):
        grid(x[:, start : start + _QUANTIZE_CHUNK])
    return x


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
    if not quantized and subtype in _GRID_BITS:
        x = quantize(x.copy(), subtype, dither_seed=dither_seed)
    data: np.ndarray = np.rint(x * np.float32(32768.0)).astype(np.int16) if subtype == "PCM_16" else x
    sf.write(str(p), data.T, sample_rate, subtype=subtype, format=_SF_FORMATS[suffix])
    return p


def _child_main(argv: list[str]) -> None:
    """Child-process entry: cap address space and CPU time, decode, save to a .npy file.

    ``argv`` = path, out_npy, memory_limit_bytes, cpu_seconds, max_duration_s. Exit 3 = AudioError
    (message in ``out_npy.err``), 4 = out of memory.
    """
    path, out_npy, memory_limit_bytes, cpu_seconds = argv[0], argv[1], int(argv[2]), float(argv[3])
    info = probe(path, max_duration_s=float(argv[4]))
    cpu = max(1, math.ceil(cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    baseline = _address_space_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (baseline + memory_limit_bytes,) * 2)
    try:
        samples, rate = _decode(Path(path), info)
        np.save(out_npy, samples, allow_pickle=False)
        Path(out_npy + ".rate").write_text(str(rate))
    except MemoryError:
        raise SystemExit(4) from None
    except AudioError as exc:
        Path(out_npy + ".err").write_text(str(exc))
        raise SystemExit(3) from None


def _address_space_bytes() -> int:
    """Current virtual size of this process (Linux /proc), 0 if unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()


def _child_failure(name: str, returncode: int, out_npy: Path, cpu_seconds: float, stderr: bytes) -> DecodeFailed:
    err = out_npy.with_name(out_npy.name + ".err")
    if err.exists():
        return DecodeFailed(err.read_text())
    if returncode == 4 or b"MemoryError" in stderr:
        return DecodeFailed(f"{name}: decoding exceeded the memory limit")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return DecodeFailed(f"{name}: decoding exceeded the CPU limit of {cpu_seconds:g} s")
    return DecodeFailed(f"{name}: decoder process died (exit code {returncode})")


def read_untrusted(
    path: str | Path,
    *,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    memory_limit_bytes: int = 1 << 30,
    cpu_seconds: float = 60.0,
) -> tuple[np.ndarray, int]:
    """Probe ``path``, then decode it in a child process under RLIMIT_AS / RLIMIT_CPU.

    The child is a fresh interpreter (not a fork of a worker holding sockets);
    it hands the samples back through a temporary .npy file. A child that
    crashes, runs out of memory or CPU, or outlives ``2 × cpu_seconds + 10`` s
    of wall time raises :class:`DecodeFailed`; the caller survives.
    """
    if memory_limit_bytes <= 0 or cpu_seconds <= 0:
        raise InvalidParameter(f"limits must be positive, got {memory_limit_bytes} bytes / {cpu_seconds} s")
    p = Path(path)
    probe(p, max_duration_s=max_duration_s)
    wall_s = 2 * cpu_seconds + 10
    with tempfile.TemporaryDirectory(prefix="audio-decode-") as tmp:
        out_npy = Path(tmp) / "samples.npy"
        args = [str(p.resolve()), str(out_npy), str(memory_limit_bytes), str(cpu_seconds), str(max_duration_s)]
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD_CODE, *args], capture_output=True, timeout=wall_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise DecodeFailed(f"{p.name}: decoder timed out after {wall_s:g} s") from None
        if done.returncode != 0 or not out_npy.exists():
            raise _child_failure(p.name, done.returncode, out_npy, cpu_seconds, done.stderr)
        samples = np.load(out_npy, allow_pickle=False)
        rate = int(out_npy.with_name("samples.npy.rate").read_text())
    return validate_samples(samples), rate


_CHILD_CODE = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r}); "
    "from audio.io import _child_main; _child_main(sys.argv[1:])"
)

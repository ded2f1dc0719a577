"""The sandboxed decoder's side of :mod:`audio.sandbox` (runs in a fresh interpreter).

``main([fd])`` imports the decoders, then serves requests from the socket
``fd`` until it closes. Before each request it lowers its own soft
``RLIMIT_AS`` (address space now + the request's memory allowance) and
``RLIMIT_CPU`` (CPU used so far + the request's allowance). Replies are JSON
messages; decoded samples travel as a ``memfd`` descriptor. Exit code 4 means
the memory limit was hit outside a request's own error handling.
"""

from __future__ import annotations

import errno
import importlib
import json
import math
import os
import resource
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from audio.errors import AudioError, CorruptFile

_DECODE_BLOCK_FRAMES = 1 << 20


def _address_space_bytes() -> int:
    """Current virtual size of this process (Linux /proc), 0 if unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()


def _set_limits(memory_limit_bytes: int, cpu_seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    memory = _address_space_bytes() + int(memory_limit_bytes)
    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _shared_buffer(nbytes: int) -> int:
    """A descriptor for ``nbytes`` of shared memory (memfd; an unlinked temp file elsewhere)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("audio-samples")
    else:  # pragma: no cover - non-Linux
        with tempfile.TemporaryFile() as f:
            fd = os.dup(f.fileno())
    os.ftruncate(fd, max(nbytes, 4))
    return fd


class _Progress:
    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.last = sock, -1.0

    def __call__(self, fraction: float) -> None:
        if fraction - self.last >= 0.01 or fraction >= 1.0 > self.last:
            self.last = fraction
            self.sock.send(json.dumps({"progress": round(fraction, 4)}).encode())


def _decode(req: dict[str, Any], progress: Callable[[float], None]) -> tuple[dict[str, Any], list[int]]:
    """Stream the file into shared memory; blocks of digital silence are not written (they stay zero)."""
    from audio.io import decode_whole, probe, stream_file

    path = Path(req["path"])
    info = probe(path, max_samples=int(req["max_samples"]))
    analyzer = None
    if req.get("analyze"):
        from audio.analyzer import Analyzer

        analyzer = Analyzer(info.channels, info.sample_rate, info.frames)
    if info.format in ("MP3", "OGG"):  # header lengths are estimates: decode, then size the buffer
        whole, _ = decode_whole(path, info)
        blocks, capacity = iter([whole]), whole.shape[1]
    else:  # big blocks: fewer reads and writes (analysis re-cuts them to its own block size)
        blocks, capacity = stream_file(path, info, max_samples=int(req["max_samples"]),
                                       block_frames=_DECODE_BLOCK_FRAMES), info.frames
    fd = _shared_buffer(4 * info.channels * capacity)
    frames, signal = 0, False
    for block in blocks:
        if frames + block.shape[1] > capacity:
            raise CorruptFile(f"{path.name}: decodes to more frames than its header declares ({info.frames})")
        if block.max() != 0.0 or block.min() != 0.0:  # rows of (channels, capacity); silence is never written
            signal = True
            for c, row in enumerate(block):
                os.pwrite(fd, np.ascontiguousarray(row).data, 4 * (c * capacity + frames))
        if analyzer is not None:
            analyzer.feed(block)
        frames += block.shape[1]
        progress(frames / capacity)
    analysis = None
    if analyzer is not None:
        from audio.analysis import measure

        analysis = measure(analyzer.finish()).to_dict()
    return {"channels": info.channels, "frames": frames, "rate": info.sample_rate, "analysis": analysis,
            "digital_silence": not signal}, [fd]


def _analyze(req: dict[str, Any], progress: Callable[[float], None]) -> tuple[dict[str, Any], list[int]]:
    from audio.analysis import analyze_file

    analysis = analyze_file(req["path"], untrusted=False, max_samples=int(req["max_samples"]), progress=progress)
    return {"analysis": analysis.to_dict()}, []


def _peaks(req: dict[str, Any], progress: Callable[[float], None]) -> tuple[dict[str, Any], list[int]]:
    from audio.peaks import DEFAULT_JSON_LEVELS, build_peaks

    files = build_peaks(req["path"], req["out_dir"], levels=req["levels"], bits=int(req["bits"]),
                        json_levels=req.get("json_levels", DEFAULT_JSON_LEVELS), progress=progress,
                        max_samples=int(req["max_samples"]), untrusted=False)
    return {"files": [str(f) for f in files]}, []


_HANDLERS = {"decode": _decode, "analyze": _analyze, "peaks": _peaks}
# Modules each request needs, imported before its address-space limit is set (scipy alone
# takes ~0.7 s to import: a plain decode does not need it).
_MODULES = {"decode": ("audio.io",), "analyze": ("audio.analysis",), "peaks": ("audio.peaks",)}


def _out_of_memory(exc: BaseException) -> bool:
    """An allocation refused under RLIMIT_AS (mmap's ENOMEM, libsndfile's own wording)."""
    text = str(exc).lower()
    return getattr(exc, "errno", None) == errno.ENOMEM or "allocate memory" in text or "memory allocation" in text


def _serve(sock: socket.socket, req: dict[str, Any]) -> None:
    for module in _MODULES[req["op"]] + (("audio.analysis",) if req.get("analyze") else ()):
        importlib.import_module(module)
    _set_limits(int(req["memory_limit_bytes"]), float(req["cpu_seconds"]))
    try:
        result, fds = _HANDLERS[req["op"]](req, _Progress(sock))
    except AudioError as exc:
        reply, fds = {"error": {"type": type(exc).__name__, "message": str(exc)}}, []
    except MemoryError:
        name = Path(req["path"]).name
        sock.send(json.dumps({"error": {"type": "DecodeFailed",
                                        "message": f"{name}: decoding exceeded the memory limit"}}).encode())
        raise SystemExit(4) from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's, reported by type only
        name = Path(req["path"]).name
        if _out_of_memory(exc):
            reply = {"error": {"type": "DecodeFailed", "message": f"{name}: decoding exceeded the memory limit"}}
        else:
            reply = {"error": {"type": "CorruptFile",
                               "message": f"{name}: could not be decoded ({type(exc).__name__}: {exc})"}}
        fds = []
    else:
        reply = {"ok": result}
    socket.send_fds(sock, [json.dumps(reply).encode()], fds)
    for fd in fds:
        os.close(fd)


def main(argv: list[str]) -> None:
    """Serve requests on the socket whose descriptor is ``argv[0]`` until the parent closes it."""
    sock = socket.socket(fileno=int(argv[0]))
    while True:
        data = sock.recv(1 << 16)
        if not data:
            return
        try:
            request = json.loads(data)
        except ValueError:
            sys.exit(2)
        _serve(sock, request)

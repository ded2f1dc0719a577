"""Decode and measure untrusted files in a resource-limited child process.

libsndfile and the MP3/Ogg decoders run on bytes from users; a crash, a
runaway allocation or a hang there must not take the worker (or the CLI) down.
:class:`Sandbox` starts one fresh interpreter (not a fork of a process holding
sockets) per use, with ``RLIMIT_AS`` / ``RLIMIT_CPU`` set for each request and
a wall-clock deadline enforced by the parent, and sends it requests over a
``SOCK_SEQPACKET`` socket pair:

- ``decode``: the child streams the file into a ``memfd`` (only blocks with
  signal are written, so silence costs no memory), optionally measuring it on
  the way, and passes the descriptor back; the parent maps it: no copy.
- ``analyze``: the child streams the file through :class:`audio.analyzer.Analyzer`
  and returns the figures only.
- ``peaks``: the child builds the waveform pyramid files.

The parent probes each file itself first (bounded header parsing), so bad
headers fail fast and the budget (frames x channels) is enforced before any
decoding. Everything the child sends is parsed as JSON and validated; errors
come back as the same :class:`audio.errors.AudioError` subclass.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from audio import errors
from audio.errors import DecodeFailed, InvalidParameter, SilentAudio
from audio.headers import DEFAULT_MAX_SAMPLES, AudioInfo

__all__ = ["Sandbox", "child_failure", "file_reader"]

_MESSAGE_BYTES = 1 << 20
_BASE_MEMORY_BYTES = 384 << 20  # decoder and measurement working memory on top of the samples
_MIN_CPU_SECONDS = 30.0
_CPU_REALTIME = 4.0  # CPU allowance: at least this fast (x realtime) on any machine we run on
_ROOT = str(Path(__file__).resolve().parent.parent)
CHILD_CODE = f"import sys; sys.path.insert(0, {_ROOT!r}); from audio.sandbox_child import main; main(sys.argv[1:])"
_ERROR_TYPES = {name: getattr(errors, name) for name in errors.__all__}


def child_failure(name: str, returncode: int | None, cpu_seconds: float, stderr: bytes) -> DecodeFailed:
    """What a dead child means for the user: memory limit, CPU limit, or a crash."""
    if returncode == 4 or b"MemoryError" in stderr:
        return DecodeFailed(f"{name}: decoding exceeded the memory limit")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU):
        return DecodeFailed(f"{name}: decoding exceeded the CPU limit of {cpu_seconds:g} s")
    return DecodeFailed(f"{name}: decoder process died (exit code {returncode})")


def _clean(text: object, limit: int = 600) -> str:
    """A child's message, printable and bounded (it comes from a process reading untrusted bytes)."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))[:limit]


class Sandbox:
    """A decoding child process; use as ``with Sandbox() as sb: sb.decode(path)``.

    ``max_samples`` bounds frames x channels of every file (default
    :data:`audio.headers.DEFAULT_MAX_SAMPLES`). Limits apply per request:
    ``memory_limit_bytes`` (default: 2.5x the file's float32 size + 384 MB),
    ``cpu_seconds`` (default: its duration / 4, at least 30 s) and
    ``wall_seconds`` (default ``2 * cpu_seconds + 10``).
    """

    def __init__(self, *, max_samples: int | None = None, memory_limit_bytes: int | None = None,
                 cpu_seconds: float | None = None, wall_seconds: float | None = None,
                 progress: Callable[[float], None] | None = None) -> None:
        for value in (memory_limit_bytes, cpu_seconds, wall_seconds, max_samples):
            if value is not None and value <= 0:
                raise InvalidParameter(f"sandbox limits must be positive, got {value}")
        self.max_samples = max_samples or DEFAULT_MAX_SAMPLES
        self.memory_limit_bytes, self.cpu_seconds, self.wall_seconds = memory_limit_bytes, cpu_seconds, wall_seconds
        self.progress = progress
        self._lock = threading.Lock()  # one request at a time (the mixdown reads from two threads)
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._stderr = bytearray()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child (it exits when its socket closes; killed if it does not)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._kill()
            self._proc = None

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()

    def _start(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with child:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", CHILD_CODE, str(child.fileno())], pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True)
        threading.Thread(target=self._drain_stderr, args=(self._proc,), daemon=True).start()
        self._sock = parent
        return parent

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None  # noqa: S101 - Popen was given stderr=PIPE
        for line in proc.stderr:
            self._stderr += line
            del self._stderr[: max(0, len(self._stderr) - 65536)]

    def _limits(self, info: AudioInfo) -> tuple[int, float, float]:
        samples_bytes = 4 * info.frames * info.channels
        memory = self.memory_limit_bytes or int(2.5 * samples_bytes) + _BASE_MEMORY_BYTES
        cpu = self.cpu_seconds or max(_MIN_CPU_SECONDS, info.duration_s / _CPU_REALTIME)
        return memory, cpu, self.wall_seconds or 2.0 * cpu + 10.0

    def _request(self, path: Path, op: str, **args: Any) -> tuple[dict[str, Any], list[int]]:
        """Send one request for ``path``; relay progress; return the child's result and any descriptors."""
        with self._lock:
            return self._request_locked(path, op, **args)

    def _request_locked(self, path: Path, op: str, **args: Any) -> tuple[dict[str, Any], list[int]]:
        from audio.io import probe

        info = probe(path, max_samples=self.max_samples)
        memory, cpu, wall = self._limits(info)
        sock = self._start()
        message = {"op": op, "path": str(path.resolve()), "max_samples": self.max_samples,
                   "memory_limit_bytes": memory, "cpu_seconds": cpu, **args}
        deadline = time.monotonic() + wall
        try:
            sock.send(json.dumps(message).encode())
            while True:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                data, fds, _, _ = socket.recv_fds(sock, _MESSAGE_BYTES, 4)
                if not data:
                    raise self._died(path.name, cpu)
                reply = json.loads(data)
                if "progress" in reply:
                    if self.progress:
                        self.progress(min(1.0, max(0.0, float(reply["progress"]))))
                    continue
                if "error" in reply:
                    for fd in fds:
                        os.close(fd)
                    kind = _ERROR_TYPES.get(str(reply["error"].get("type")), DecodeFailed)
                    raise kind(_clean(reply["error"].get("message", "decoder failed")))
                return dict(reply["ok"]), fds
        except TimeoutError:
            self._kill()
            self._drop()
            raise DecodeFailed(f"{path.name}: decoder timed out after {wall:g} s") from None
        except (ConnectionError, OSError, ValueError, KeyError, TypeError):
            self._kill()
            raise self._died(path.name, cpu) from None

    def _drop(self) -> None:
        """Forget a dead or killed child (the next request starts a new one)."""
        if self._sock is not None:
            self._sock.close()
        self._proc, self._sock = None, None

    def _died(self, name: str, cpu: float) -> DecodeFailed:
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._kill()
        code = self._proc.returncode if self._proc is not None else None
        self._drop()
        time.sleep(0.05)  # let the stderr reader take the child's last words
        return child_failure(name, code, cpu, bytes(self._stderr))

    def decode(self, path: str | Path, *, analyze: bool = False,
               require_signal: bool = False) -> tuple[np.ndarray, int, Any]:
        """Samples ``(channels, n)`` float32 (mapped from the child's memfd), rate (Hz) and, with
        ``analyze``, the :class:`audio.analysis.Analysis` measured on the way.

        ``require_signal``: a file of digital silence raises :class:`SilentAudio`
        before its samples are mapped (the child never wrote them: no memory used).
        """
        p = Path(path)
        result, fds = self._request(p, "decode", analyze=analyze)
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise DecodeFailed(f"{p.name}: decoder returned no samples")
        if require_signal and result.get("digital_silence") is True:
            os.close(fds[0])
            raise SilentAudio(f"{p.name}: the file is digital silence; nothing to master")
        channels, frames, rate = int(result["channels"]), int(result["frames"]), int(result["rate"])
        with os.fdopen(fds[0], "rb") as shared:
            size = os.fstat(shared.fileno()).st_size
            if frames <= 0 or channels <= 0 or size < 4 * channels * frames:
                raise DecodeFailed(f"{p.name}: decoder returned an inconsistent buffer")
            flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)  # one fault-in, not one per page
            buffer = mmap.mmap(shared.fileno(), size, flags, mmap.PROT_READ | mmap.PROT_WRITE)
        capacity = size // (4 * channels)
        samples = np.frombuffer(buffer, dtype=np.float32, count=channels * capacity).reshape(channels, capacity)
        # The child validated every block (finite, within +-1024) as it decoded: not scanned again.
        samples = samples[:, :frames] if frames == capacity else np.ascontiguousarray(samples[:, :frames])
        analysis = None
        if analyze and result.get("analysis") is not None:
            from audio.analysis import Analysis

            analysis = Analysis.from_dict(result["analysis"])
        return samples, rate, analysis

    def analyze(self, path: str | Path) -> Any:
        """:class:`audio.analysis.Analysis` of a file, streamed in the child (a few blocks of memory)."""
        from audio.analysis import Analysis

        result, fds = self._request(Path(path), "analyze")
        for fd in fds:
            os.close(fd)
        return Analysis.from_dict(result["analysis"])

    def peaks(self, path: str | Path, out_dir: str | Path, **kwargs: Any) -> list[Path]:
        """:func:`audio.peaks.build_peaks` run in the child; returns the files it wrote."""
        result, fds = self._request(Path(path), "peaks", out_dir=str(Path(out_dir).resolve()), **kwargs)
        for fd in fds:
            os.close(fd)
        return [Path(str(f)) for f in result["files"]]


@contextmanager
def file_reader(*, untrusted: bool = True, max_samples: int | None = None
                ) -> Iterator[Callable[[str | Path], tuple[np.ndarray, int]]]:
    """``with file_reader(untrusted=...) as read: x, sr = read(path)``.

    Untrusted: one sandbox per calling thread (the mixdown reads from two
    threads, so two files decode at once), all closed on exit. Trusted:
    plain in-process decoding.
    """
    if not untrusted:
        from audio.io import read_audio

        yield lambda path: read_audio(path, max_samples=max_samples)
        return
    local = threading.local()
    opened: list[Sandbox] = []

    def read(path: str | Path) -> tuple[np.ndarray, int]:
        if not hasattr(local, "sandbox"):
            local.sandbox = Sandbox(max_samples=max_samples)
            opened.append(local.sandbox)
        samples, rate, _ = local.sandbox.decode(path)
        return samples, rate

    try:
        yield read
    finally:
        for sandbox in opened:
            sandbox.close()

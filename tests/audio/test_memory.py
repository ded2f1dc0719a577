"""Issue 7 §3.4: one sample budget for every command, sandboxed decoding, streamed analysis.

A 4.8 MB FLAC declaring about two hours of silence made ``analyze`` reach
5.7 GB and ``master`` 5.2 GB. Here a 200 kB FLAC declares 20 minutes of
stereo 44.1 kHz silence (106 M samples: 423 MB as float32, about 1 GB peak
for the old in-process path); the CLI runs in a child process whose peak
RSS (VmHWM) and its sandbox's (ru_maxrss of waited-for children) are bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.errors import CorruptFile, DecodeFailed, HeaderOutOfBounds
from audio.io import decode_whole, probe, read_untrusted, write_audio
from tests.audio.signals import make_music

ROOT = Path(__file__).resolve().parents[2]
SILENT_MINUTES = 20
# Parent (CLI) and sandbox child each stay near an interpreter with numpy/scipy loaded (~100 MB).
PARENT_RSS_MB, CHILD_RSS_MB = 250, 350
_WRAPPER = """
import json, resource, runpy, sys
from pathlib import Path
sys.argv = ["audio", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("audio", run_name="__main__")
except SystemExit as exc:
    code = exc.code
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"self_mb": hwm // 1024, "children_mb": children // 1024, "code": code}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def silent_flac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memory") / "long_silence.flac"
    zeros = np.zeros((1 << 20, 2), dtype=np.int16)
    remaining = SILENT_MINUTES * 60 * 44100
    with sf.SoundFile(str(path), "w", 44100, 2, subtype="PCM_16", format="FLAC") as f:
        while remaining:
            f.write(zeros[: min(remaining, zeros.shape[0])])
            remaining -= min(remaining, zeros.shape[0])
    assert path.stat().st_size < 1_000_000  # small file, long declared length
    return path


def _measure(*args: str, env: dict[str, str] | None = None) -> tuple[dict[str, int], str]:
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, **(env or {})})
    *messages, last = done.stderr.strip().splitlines()
    return json.loads(last), "\n".join(messages)


def test_analyze_streams_a_long_file_in_bounded_memory(silent_flac: Path) -> None:
    usage, _ = _measure("analyze", str(silent_flac), "--json", "--quiet")
    assert usage["code"] == 0
    assert usage["self_mb"] < PARENT_RSS_MB and usage["children_mb"] < CHILD_RSS_MB, usage


def test_master_refuses_long_silence_without_holding_it(silent_flac: Path, tmp_path: Path) -> None:
    usage, stderr = _measure("master", str(silent_flac), str(tmp_path / "out.wav"), "--quiet")
    assert usage["code"] == 2 and stderr == "error: long_silence.flac: the file is digital silence; nothing to master"
    assert usage["self_mb"] < PARENT_RSS_MB and usage["children_mb"] < CHILD_RSS_MB, usage
    assert not (tmp_path / "out.wav").exists()


def test_check_streams_too(silent_flac: Path) -> None:
    usage, _ = _measure("check", str(silent_flac), "--quiet")
    assert usage["code"] == 1  # readiness fails (silence), it does not crash
    assert usage["self_mb"] < PARENT_RSS_MB and usage["children_mb"] < CHILD_RSS_MB, usage


@pytest.mark.parametrize("how", ["flag", "env"])
def test_sample_budget_is_configurable(silent_flac: Path, how: str) -> None:
    # 20 min x 2 channels x 44.1 kHz = 105,840,000 samples: over a budget of 50 M.
    args = ["analyze", str(silent_flac)] + (["--max-samples", "50000000"] if how == "flag" else [])
    usage, stderr = _measure(*args, env={"AUDIO_MAX_SAMPLES": "50000000"} if how == "env" else None)
    assert usage["code"] == 2
    assert stderr.startswith("error: long_silence.flac: 20.0 min x 2 channels at 44100 Hz is 105,840,000 samples, "
                             "over the budget of 50,000,000")


def test_default_budget_admits_an_hour_of_stereo_96k(tmp_path: Path) -> None:
    # The header alone decides: a WAV header declaring 60 min of stereo 96 kHz 16-bit is accepted
    # (with its data present), 61 min of 8 channels is not.
    frames = 60 * 60 * 96000
    path = tmp_path / "hour.wav"
    with sf.SoundFile(str(path), "w", 96000, 2, subtype="PCM_16", format="WAV") as f:
        f.write(np.zeros((1, 2), dtype=np.int16))
    with path.open("r+b") as f:  # patch the sizes, then make the file that long (sparse)
        f.seek(40)
        f.write((frames * 4).to_bytes(4, "little"))
        f.truncate(44 + frames * 4)
    assert probe(path).frames == frames
    with pytest.raises(HeaderOutOfBounds, match="over the budget"):
        probe(path, max_samples=frames * 2 - 1)


def test_memory_error_in_a_decoder_is_not_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import audio.io

    path = write_audio(tmp_path / "m.flac", make_music(1.0, 44100), 44100)

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(audio.io.sf, "read", exhausted)
    with pytest.raises(MemoryError):
        decode_whole(path, probe(path))


def test_sandbox_reports_its_memory_limit(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "m.wav", make_music(3.0, 44100), 44100)
    with pytest.raises(DecodeFailed, match="^m.wav: decoding exceeded the memory limit$"):
        read_untrusted(path, memory_limit_bytes=64 << 10)


def test_sandboxed_decode_equals_in_process_decode(tmp_path: Path) -> None:
    x = make_music(3.0, 48000, seed=6)
    for name in ("s.flac", "s.wav", "s.mp3"):
        path = write_audio(tmp_path / name, x, 48000)
        ours, rate = read_untrusted(path)
        here, _ = decode_whole(path, probe(path)) if name != "s.mp3" else (ours, rate)
        assert rate == 48000 and ours.shape[0] == 2
        np.testing.assert_array_equal(ours, here[:, : ours.shape[1]])
    truncated = tmp_path / "cut.flac"
    truncated.write_bytes((tmp_path / "s.flac").read_bytes()[:20000])
    with pytest.raises(CorruptFile, match=r"^cut.flac: (truncated|could not be decoded \(.*lost sync)"):
        read_untrusted(truncated)


def test_peaks_sandbox_formats_that_need_a_decoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # WAV PCM is reduced from its bytes after our own header parse; FLAC needs libsndfile,
    # so a file from a user is processed in the sandboxed child.
    import audio.sandbox
    from audio.peaks import build_peaks, read_dat

    sandboxed: list[str] = []
    real = audio.sandbox.Sandbox.peaks

    def spy(self: audio.sandbox.Sandbox, path: Path, out_dir: Path, **kwargs: object) -> list[Path]:
        sandboxed.append(Path(path).name)
        return real(self, path, out_dir, **kwargs)

    monkeypatch.setattr(audio.sandbox.Sandbox, "peaks", spy)
    x = make_music(2.0, 44100)
    for name in ("p.wav", "q.flac"):
        build_peaks(write_audio(tmp_path / name, x, 44100), tmp_path / "out", levels=(256,))
    assert sandboxed == ["q.flac"]
    np.testing.assert_array_equal(read_dat(tmp_path / "out" / "p.256.dat").data,
                                  read_dat(tmp_path / "out" / "q.256.dat").data)

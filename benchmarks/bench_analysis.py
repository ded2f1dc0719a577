"""Analysis and waveform-peak benchmarks (issue 4 goals), importable or runnable alone.

``run(x44, sr, wav_path)`` returns goal rows; ``benchmarks/audio_bench.py``
calls it with its own 3-minute material. Run alone, this script generates a
deterministic 3-minute stereo 24-bit music-like file and prints the rows.

Goals (2-core machine):
- full analysis incl. true peak >= 1.5x libebur128 (pyebur128) integrated + true peak;
- peaks pyramid, read + compute + write, >= 2,500x realtime.
Each figure is the best of ``repeats`` runs, so a busy neighbour process
skews it less.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from audio.analysis import analyze  # noqa: E402
from audio.peaks import build_peaks  # noqa: E402

ANALYSIS_RATIO_GOAL = 1.5
PEAKS_REALTIME_GOAL = 2500.0


def _best_seconds(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _ebur128_i_tp(interleaved: np.ndarray, channels: int, sr: int) -> float:
    """libebur128 integrated loudness + true peak over an interleaved float32 buffer."""
    from pyebur128 import MeasurementMode, R128State, get_loudness_global, get_true_peak

    state = R128State(channels, sr, MeasurementMode.MODE_I | MeasurementMode.MODE_TRUE_PEAK)
    state.add_frames(interleaved, interleaved.size // channels)
    get_true_peak(state, 0)
    return float(get_loudness_global(state))


def _row(name: str, ours: float, anchor: float | None, goal: str, met: bool) -> dict[str, object]:
    return {
        "name": name,
        "ours_x_realtime": round(ours, 1),
        "anchor_x_realtime": None if anchor is None else round(anchor, 1),
        "ratio": None if anchor is None else round(ours / anchor, 2),
        "goal": goal,
        "met": met,
    }


def run(x44: np.ndarray, sr: int, wav_path: Path, *, repeats: int = 3) -> list[dict[str, object]]:
    """Goal rows for analysis-vs-libebur128 and the peaks pyramid on the given material.

    ``x44``: float32 (channels, n) at ``sr`` Hz; ``wav_path``: the same audio on disk.
    """
    duration_s = x44.shape[1] / sr
    interleaved = np.ascontiguousarray(x44.T).reshape(-1)  # libebur128's native layout, built untimed
    ours_s = _best_seconds(lambda: analyze(x44, sr), repeats)
    anchor_s = _best_seconds(lambda: _ebur128_i_tp(interleaved, x44.shape[0], sr), repeats)
    ours_rt, anchor_rt = duration_s / ours_s, duration_s / anchor_s
    rows = [
        _row(
            "analysis (full, incl. 4x+8x true peak) vs libebur128 I+TP",
            ours_rt,
            anchor_rt,
            f"ratio >= {ANALYSIS_RATIO_GOAL}",
            ours_rt / anchor_rt >= ANALYSIS_RATIO_GOAL,
        )
    ]
    with tempfile.TemporaryDirectory(prefix="peaks-bench-") as out:
        peaks_s = _best_seconds(lambda: build_peaks(wav_path, out), 2 * repeats)  # ~70 ms each
    peaks_rt = duration_s / peaks_s
    rows.append(
        _row(
            "peaks pyramid 64..16384 spp, read+compute+write",
            peaks_rt,
            None,
            f">= {PEAKS_REALTIME_GOAL:,.0f}x realtime",
            peaks_rt >= PEAKS_REALTIME_GOAL,
        )
    )
    return rows


def main() -> None:
    """Generate 3 minutes of 44.1 kHz 24-bit music-like audio and print the goal rows."""
    from audio.io import write_audio
    from tests.audio.signals import make_music

    sr = 44100
    x44 = make_music(180.0, sr, seed=0)
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        wav = write_audio(Path(tmp) / "music44.wav", x44, sr, subtype="PCM_24")
        rows = run(x44, sr, wav)
    width = max(len(str(r["name"])) for r in rows)
    print(f"{'benchmark':{width}}  {'ours x rt':>10}  {'anchor x rt':>11}  {'ratio':>6}  goal / met")
    for r in rows:
        anchor = "-" if r["anchor_x_realtime"] is None else f"{r['anchor_x_realtime']:.1f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(
            f"{r['name']:{width}}  {r['ours_x_realtime']:>10.1f}  {anchor:>11}  {ratio:>6}  "
            f"{r['goal']} / {'MET' if r['met'] else 'NOT MET'}"
        )


if __name__ == "__main__":
    main()

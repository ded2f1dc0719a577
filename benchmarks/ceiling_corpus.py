"""The mastering corpus measured by independent meters: worst true-peak margin and loudness error.

Run: python benchmarks/ceiling_corpus.py [--quick] [--json out.json]
(about 10 minutes in full on 2 cores; --quick: 44.1/48 kHz only, one bit depth, about 2 minutes).

Every combination of material (hard sub-bass with full-band transients, speech with long pauses,
music), sample rate (22.05 to 192 kHz), destination (every preset with its own target and ceiling)
and bit depth (16-bit dithered, 24-bit) is mastered with ``master_file`` (the file as written),
read back and measured by meters that share no code with the engine: true peak by a 16x
polyphase oversampler with a long Kaiser interpolator (``tests/audio/corpus.py``), integrated
loudness by pyloudnorm. Prints each master's figures, then the worst margin under the ceiling
(goal: never over it) and the worst loudness error against the target (goal: within 0.3 LU,
unless the report explains that the target is out of reach, e.g. speech at club loudness).
Exits 0 when every master meets both, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyloudnorm  # noqa: E402
import soundfile as sf  # noqa: E402

from audio.master import master_file  # noqa: E402
from audio.presets import PRESETS  # noqa: E402
from tests.audio.corpus import reference_true_peak_dbtp, speech_with_pauses, sub_bass_transients  # noqa: E402
from tests.audio.signals import make_music  # noqa: E402

LOUDNESS_TOLERANCE_LU = 0.3
NOTE = "  target out of reach, explained"
MATERIALS = {"sub_bass": sub_bass_transients, "speech": speech_with_pauses,
             "music": lambda d, sr, seed=0: make_music(d, sr, seed)}
RATES = (22050, 32000, 44100, 48000, 88200, 96000, 192000)


def destinations() -> list[str]:
    """One preset per distinct (target, ceiling): the others would repeat the same master."""
    seen: dict[tuple[float, float], str] = {}
    for key, preset in PRESETS.items():
        seen.setdefault((preset.target_lufs, preset.ceiling_dbtp), key)
    return list(seen.values())


def run(*, quick: bool) -> list[dict]:
    rates = (44100, 48000) if quick else RATES
    depths = (24,) if quick else (16, 24)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, make in MATERIALS.items():
            for rate in rates:
                x = make(6.0 if rate <= 48000 else 3.0, rate, seed=3)
                src = folder / "in.wav"
                sf.write(str(src), x.T, rate, subtype="FLOAT")
                for preset_key in destinations():
                    preset = PRESETS[preset_key]
                    for bits in depths:
                        out = folder / "out.wav"
                        report = master_file(src, out, preset=preset_key, bits=bits).report
                        y, _ = sf.read(str(out), dtype="float64", always_2d=True)
                        true_peak = reference_true_peak_dbtp(y.T)
                        lufs = pyloudnorm.Meter(rate).integrated_loudness(y)
                        explained = any(p["name"] == "target_lufs" for p in report["parameters"])
                        row = {"material": name, "rate": rate, "preset": preset_key, "bits": bits,
                               "ceiling_dbtp": preset.ceiling_dbtp, "target_lufs": preset.target_lufs,
                               "true_peak_dbtp": round(float(true_peak), 3), "lufs": round(float(lufs), 3),
                               "margin_db": round(float(true_peak - preset.ceiling_dbtp), 3),
                               "loudness_error_lu": round(float(lufs - preset.target_lufs), 3),
                               "target_out_of_reach": explained}
                        row["ok"] = bool(row["margin_db"] <= 0 and (
                            (explained and lufs < preset.target_lufs)
                            or abs(row["loudness_error_lu"]) <= LOUDNESS_TOLERANCE_LU))
                        rows.append(row)
                        print(f"{name:9} {rate:>6} Hz {preset_key:12} {bits}-bit  TP {true_peak:7.3f} dBTP "
                              f"(ceiling {preset.ceiling_dbtp:5.1f}, margin {row['margin_db']:+.3f})  "
                              f"{lufs:7.2f} LUFS (target {preset.target_lufs:5.1f}, error "
                              f"{row['loudness_error_lu']:+.3f}){NOTE if explained else ''}"
                              f"{'' if row['ok'] else '  FAILED'}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="44.1/48 kHz and 24-bit only")
    parser.add_argument("--json", type=Path, help="also write every row as JSON here")
    args = parser.parse_args()
    started = time.monotonic()
    rows = run(quick=args.quick)
    reachable = [r for r in rows if not r["target_out_of_reach"]]
    worst_tp = max(rows, key=lambda r: r["margin_db"])
    worst_lu = max(reachable, key=lambda r: abs(r["loudness_error_lu"]))
    print(f"\n{len(rows)} masters in {time.monotonic() - started:.0f} s "
          f"({len(rows) - len(reachable)} with a target out of reach, explained in the report)")
    print(f"worst true-peak margin: {worst_tp['margin_db']:+.3f} dB against the ceiling "
          f"({worst_tp['material']}, {worst_tp['rate']} Hz, {worst_tp['preset']}, {worst_tp['bits']}-bit)"
          f"  goal <= 0 / {'MET' if worst_tp['margin_db'] <= 0 else 'NOT MET'}")
    print(f"worst loudness error:   {worst_lu['loudness_error_lu']:+.3f} LU against the target "
          f"({worst_lu['material']}, {worst_lu['rate']} Hz, {worst_lu['preset']}, {worst_lu['bits']}-bit)"
          f"  goal within {LOUDNESS_TOLERANCE_LU} / "
          f"{'MET' if abs(worst_lu['loudness_error_lu']) <= LOUDNESS_TOLERANCE_LU else 'NOT MET'}")
    failed = [r for r in rows if not r["ok"]]
    print("ALL GOALS MET" if not failed else f"{len(failed)} masters NOT MET")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())

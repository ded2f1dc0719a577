"""Mastering: analysis-driven chain, our true-peak limiter and a loudness gain loop.

``master()`` takes float32 ``(channels, samples)`` audio and returns audio at the
same sample rate whose integrated loudness is within ±0.3 LU of the preset
target (aim ±0.1) and whose true peak, measured on the samples as delivered
(quantised, dithered) with a 16x long-filter interpolator, is at least
``ACCURATE_MARGIN_DB`` under the preset ceiling (:mod:`audio.ceiling`). A target
that limiting cannot reach is not forced: the report says so in plain words.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.analysis import Analysis
from audio.ceiling import ACCURATE_MARGIN_DB, hold_ceiling
from audio.chain import WORKING_LUFS, ChainInputs, Decision, plan_chain, run_chain
from audio.chain_inputs import measure_inputs
from audio.errors import InvalidParameter, SilentAudio
from audio.gainloop import MAX_GAIN_DB, LoudnessModel, gain_loop
from audio.limiter import LimiterSettings, limit
from audio.master_io import read_inputs, write_verified
from audio.mastering_report import limiter_decisions, output_measurements, unreachable_decision
from audio.presets import DEFAULT_PRESET, MasterPreset, get_genre, get_preset

Progress = Callable[[float, str], None]
_FINAL_TOLERANCE_LU = 0.1
_SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}


@dataclass(frozen=True)
class MasterResult:
    """Mastered audio ``(channels, samples)`` float32, its rate (Hz) and the JSON report."""

    samples: np.ndarray
    sample_rate: int
    report: dict[str, object]


_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


def _release_memory(*, first: bool = False) -> None:
    """Return freed buffers to the OS (glibc only; elsewhere a no-op).

    glibc raises its mmap threshold up to 32 MB after big frees, so our ~32 MB
    per-channel buffers then live on the heap and freed ones stay resident. On
    the first call we pin the threshold at 4 MB (big buffers are mmapped and
    unmapped on free); each call also trims the heap.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        if first:
            libc.mallopt(_M_MMAP_THRESHOLD, 4 << 20)
        libc.malloc_trim(0)


def _resolve_preset(preset: MasterPreset | str | None) -> MasterPreset:
    if isinstance(preset, MasterPreset):
        return preset
    return get_preset(preset or DEFAULT_PRESET)


def _check_input(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    from audio.io import validate_samples

    validate_samples(samples)
    x = np.ascontiguousarray(samples, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise InvalidParameter(f"mastering needs mono or stereo (channels, samples), got shape {x.shape}")
    if not 8000 <= int(sample_rate) <= 384000:
        raise InvalidParameter(f"sample_rate {sample_rate} Hz must be within 8000..384000")
    if x.shape[1] < int(0.4 * sample_rate):
        raise InvalidParameter(f"input is {x.shape[1]} samples; mastering needs at least 0.4 s")
    if not np.any(x):
        raise SilentAudio("input is digital silence (integrated loudness -inf LUFS); nothing to master")
    return x


def _blend(wet: np.ndarray, dry: np.ndarray, sample_rate: int, strength_pct: float
           ) -> tuple[np.ndarray, Decision]:
    """Mix the processed and the dry signal after matching their loudness."""
    s = strength_pct / 100.0
    wet_lufs = LoudnessModel(wet, sample_rate).lufs()
    dry_lufs = LoudnessModel(dry, sample_rate).lufs()
    match = 10.0 ** ((dry_lufs - wet_lufs) / 20.0) if math.isfinite(wet_lufs) else 1.0
    mixed = (np.float32(s * match) * wet + np.float32(1.0 - s) * dry).astype(np.float32)
    return mixed, Decision("strength_pct", strength_pct,
                           f"Strength {strength_pct:g} %: {strength_pct:g} % processed signal blended "
                           f"with {100 - strength_pct:g} % loudness-matched dry signal before limiting")


def master(samples: np.ndarray, sample_rate: int, *, preset: MasterPreset | str | None = None,
           strength_pct: float = 100.0, genre: str | None = None,
           reference: np.ndarray | None = None, reference_sample_rate: int | None = None,
           progress: Progress | None = None, full_report: bool = False,
           subtype: str | None = None, reference_loudness: bool = True) -> MasterResult:
    """Master ``samples`` ``(channels, samples)`` to ``preset`` (or to ``reference``).

    With a ``reference`` the tone and width follow it; its loudness too unless
    ``reference_loudness=False`` (then the preset's target and ceiling hold).

    The full input analysis for the report runs in a second thread beside the
    chain; ``full_report=True`` also runs it on the output (slower). With
    ``subtype`` (``PCM_16``/``PCM_24``/``FLOAT``) the result is already what
    that file format stores (16-bit TPDF-dithered), and the ceiling is held on it.
    """
    return _master([samples], sample_rate, preset=preset, strength_pct=strength_pct, genre=genre,
                   reference=reference, reference_sample_rate=reference_sample_rate, progress=progress,
                   full_report=full_report, subtype=subtype, reference_loudness=reference_loudness)


def _master(holder: list[np.ndarray], sample_rate: int, *, preset: MasterPreset | str | None,
            strength_pct: float, genre: str | None, reference: np.ndarray | None,
            reference_sample_rate: int | None, progress: Progress | None, full_report: bool,
            subtype: str | None = None, before: Analysis | None = None,
            reference_loudness: bool = True) -> MasterResult:
    """``master`` on ``holder``'s single buffer, which it takes out so it can be freed early.

    ``before``: the input's analysis when already measured (the sandbox measures while decoding).
    """
    from audio.analysis import analyze

    samples = holder.pop()
    _release_memory(first=True)
    report_progress = progress or (lambda _f, _m: None)
    target = _resolve_preset(preset)
    if not 0.0 <= float(strength_pct) <= 100.0:
        raise InvalidParameter(f"strength_pct {strength_pct} must be within 0..100")
    x = _check_input(samples, sample_rate)
    report_progress(0.05, "analysing input")
    with ThreadPoolExecutor(max_workers=1) as pool:
        before_job = pool.submit(analyze, x, sample_rate) if before is None else None
        inputs = measure_inputs(x, sample_rate)
        if not math.isfinite(inputs.integrated_lufs):
            if inputs.dc_offset > 1e-3:
                raise SilentAudio(f"input is a DC offset of {inputs.dc_offset:.3f} with nothing else above the "
                                  "-70 LUFS gate; nothing to master")
            raise SilentAudio("input loudness is -inf LUFS (below the -70 LUFS gate); nothing to master")
        pre, target, decisions = _process(x, sample_rate, inputs, target, genre, float(strength_pct),
                                          reference, reference_sample_rate, report_progress, reference_loudness)
        before_report = (before_job.result() if before_job is not None else before).to_dict()  # type: ignore[union-attr]
        del x, samples  # the input's last use: lets a caller that passed it on free it now
        _release_memory()
        report_progress(0.5, "limiting to target")
        y, loop = _limit_to_target(pre, sample_rate, target, subtype)
        del pre
    after = loop["after"]
    if full_report:
        after = {**analyze(y, sample_rate).to_dict(), "true_peak_16x_dbtp": after["true_peak_16x_dbtp"]}
    report_progress(1.0, "done")
    report = _report(target, genre, float(strength_pct), sample_rate, reference is not None, before_report,
                     after, loop, decisions)
    return MasterResult(y, int(sample_rate), report)


def _report(target: MasterPreset, genre: str | None, strength_pct: float, sample_rate: int, referenced: bool,
            before: dict[str, object], after: dict[str, object], loop: dict, decisions: list[Decision]
            ) -> dict[str, object]:
    """The JSON mastering report: target, input and output measurements, every decision with its reason."""
    return {
        "preset": {"name": target.name, "target_lufs": target.target_lufs,
                   "ceiling_dbtp": target.ceiling_dbtp, "description": target.description},
        "genre": get_genre(genre).name if genre else None, "strength_pct": strength_pct,
        "sample_rate": int(sample_rate), "reference": referenced,
        "before": before, "after": after, "gain_loop": loop["iterations"], "limiter": loop["limiter"],
        "parameters": [d.to_dict() for d in decisions + loop["decisions"]],
    }


def _process(x: np.ndarray, sample_rate: int, inputs: ChainInputs, target: MasterPreset, genre: str | None,
             strength_pct: float, reference: np.ndarray | None, reference_sample_rate: int | None,
             report_progress: Progress, reference_loudness: bool = True
             ) -> tuple[np.ndarray, MasterPreset, list[Decision]]:
    """Working gain, chain, optional reference match and dry blend: the limiter's input."""
    decisions = [Decision("working_gain_db", round(WORKING_LUFS - inputs.integrated_lufs, 2),
                          f"Input measures {inputs.integrated_lufs:.1f} LUFS; the chain works at "
                          f"{WORKING_LUFS:g} LUFS so its thresholds suit every input")]
    working_db = WORKING_LUFS - inputs.integrated_lufs
    plan = plan_chain(inputs, get_genre(genre) if genre else None, tonal=reference is None,
                      target=target if reference is None else None)
    decisions += plan.decisions
    report_progress(0.2, "processing chain")
    wet = run_chain(plan, x, sample_rate, gain_db=working_db)
    if reference is not None:
        from audio.reference import match_reference

        matched = match_reference(wet, sample_rate, reference, reference_sample_rate or sample_rate,
                                  ceiling_dbtp=target.ceiling_dbtp)
        wet = matched.samples
        if reference_loudness:
            target = matched.preset
        decisions += matched.decisions
    if strength_pct < 100.0:
        dry = x * np.float32(10.0 ** (working_db / 20.0))
        wet, blend_decision = _blend(wet, dry, sample_rate, strength_pct)
        decisions.append(blend_decision)
    return wet, target, decisions


def _loop_slope(iterations: list[dict[str, float]]) -> float:
    """Output LU per dB of gain seen in the loop's last two steps (0.2..1)."""
    if len(iterations) < 2:
        return 1.0
    a, b = iterations[-2], iterations[-1]
    d_gain = b["gain_db"] - a["gain_db"]
    return float(np.clip((b["estimated_lufs"] - a["estimated_lufs"]) / d_gain, 0.2, 1.0)) if d_gain else 1.0


def _limit_to_target(pre: np.ndarray, sample_rate: int, target: MasterPreset,
                     subtype: str | None) -> tuple[np.ndarray, dict]:
    """Gain loop, the ceiling held on the delivered samples, then an exact loudness check.

    The fast limiter aims ``ACCURATE_MARGIN_DB`` under the ceiling; :func:`hold_ceiling`
    quantises to ``subtype`` and verifies with the 16x interpolator.
    """
    from audio.io import quantize
    from audio.loudness import integrated_loudness

    settings = LimiterSettings(target.ceiling_dbtp, 3.0, target.release_ms)
    fast = LimiterSettings(target.ceiling_dbtp - ACCURATE_MARGIN_DB, 3.0, target.release_ms)
    result = gain_loop(pre, sample_rate, target.target_lufs, fast, in_place=True)
    del pre  # consumed: the output reuses its memory
    iterations: list[dict[str, float | bool]] = list(result.iterations)
    y, slope = result.samples, _loop_slope(result.iterations)
    extra_db = 0.0
    for attempt in range(4):
        held = hold_ceiling(y, sample_rate, settings, lambda z, cols: quantize(z, subtype, cols=cols))
        y, extra_db = held.samples, max(extra_db, held.extra_reduction_db)
        measured = integrated_loudness(y, sample_rate)
        error_lu = target.target_lufs - measured
        iterations.append({"measured_lufs": round(measured, 3), "exact": True})
        if abs(error_lu) <= _FINAL_TOLERANCE_LU or attempt == 3 or not math.isfinite(error_lu):
            break
        if error_lu > 0 and not result.reached:
            break  # more gain would not make it louder (see gain_loop); never go over the target
        # Rare: the fast model was off (very heavy limiting). Nudge the level by the
        # error over the loop's loudness-per-dB slope and limit again (ceiling re-verified).
        y *= np.float32(10.0 ** (error_lu / slope / 20.0))
        y = limit(y, sample_rate, fast).samples
    decisions = limiter_decisions(result, target, measured, held, extra_db)
    if not result.reached and error_lu > _FINAL_TOLERANCE_LU:
        decisions.append(unreachable_decision(target, measured, MAX_GAIN_DB))
    limiter = result.limiter
    stats = {"max_gain_reduction_db": round(limiter.max_gain_reduction_db + extra_db, 2),
             "limited_fraction": round(limiter.limited_fraction, 4),
             "true_peak_16x_dbtp": round(held.true_peak_16x_dbtp, 3), "passes": limiter.passes,
             "ceiling_passes": held.passes}
    after = output_measurements(y, measured, held.true_peak_16x_dbtp)
    return y, {"after": after, "iterations": iterations, "limiter": stats, "decisions": decisions}


def master_file(in_path: str | Path, out_path: str | Path, *, bits: int = 24,
                report_path: str | Path | None = None, reference_path: str | Path | None = None,
                untrusted: bool = True, max_samples: int | None = None, **kwargs: object) -> MasterResult:
    """Read, master and write a file at its own sample rate (``bits`` 16 dithered, 24 or 32 float).

    ``untrusted`` (files from users, the default) decodes in the sandboxed child;
    a file of digital silence is refused before its samples are mapped.
    ``max_samples`` bounds frames x channels. The
    samples are quantised before the ceiling is verified, written bit-exactly,
    then read back: the verified figure is the file's.
    """
    import json

    if bits not in _SUBTYPES:
        raise InvalidParameter(f"bits {bits} must be 16, 24 or 32")
    x, sr, before, kwargs = read_inputs(Path(in_path), reference_path, untrusted, max_samples, kwargs)
    holder = [x]
    del x  # _master takes the buffer out of the holder and frees it once processed
    defaults = {"preset": None, "strength_pct": 100.0, "genre": None, "reference": None,
                "reference_sample_rate": None, "progress": None, "full_report": False, "reference_loudness": True}
    result = _master(holder, sr, **{**defaults, **kwargs}, subtype=_SUBTYPES[bits],  # type: ignore[arg-type]
                     before=before)
    write_verified(Path(out_path), result.samples, result.sample_rate, result.report, _SUBTYPES[bits])
    result.report["output"] = {"path": str(out_path), "bits": bits, "subtype": _SUBTYPES[bits]}
    if report_path is not None:
        Path(report_path).write_text(json.dumps(result.report, indent=2, default=str))
    return result

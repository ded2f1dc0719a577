"""Plain-language parts of the mastering report: what the output measures and why each step ran.

Kept apart from :mod:`audio.master` so the processing code stays short; every
function returns JSON-ready values or :class:`audio.chain.Decision` objects.
"""

from __future__ import annotations

import math

import numpy as np

from audio.ceiling import HeldCeiling
from audio.chain import Decision
from audio.gainloop import GainLoopResult
from audio.presets import MasterPreset

__all__ = ["limiter_decisions", "output_measurements", "unreachable_decision"]


def output_measurements(y: np.ndarray, lufs: float, true_peak_16x_dbtp: float) -> dict[str, object]:
    """Cheap after-measurements of ``y`` ``(channels, n)``: exact loudness, the verified 16x true peak,
    sample peak, RMS and crest factor (dB), stereo correlation."""
    energies = [float(np.dot(c, c)) for c in y]
    rms = math.sqrt(sum(energies) / y.size)
    peak = float(max(y.max(), -y.min()))
    out: dict[str, object] = {
        "integrated_lufs": round(lufs, 3), "true_peak_16x_dbtp": round(true_peak_16x_dbtp, 3),
        "sample_peak_dbfs": round(20.0 * math.log10(max(peak, 1e-12)), 3),
        "rms_dbfs": round(20.0 * math.log10(max(rms, 1e-12)), 3),
        "crest_factor_db": round(20.0 * math.log10(max(peak, 1e-12) / max(rms, 1e-12)), 3),
    }
    if y.shape[0] == 2 and energies[0] > 0 and energies[1] > 0:
        out["stereo_correlation"] = round(float(np.dot(y[0], y[1])) / math.sqrt(energies[0] * energies[1]), 4)
    return out


def limiter_decisions(loop: GainLoopResult, target: MasterPreset, measured_lufs: float, held: HeldCeiling,
                      extra_db: float) -> list[Decision]:
    """The gain-loop and limiter entries of the report."""
    limiter = loop.limiter
    extra = f" after {extra_db:.2f} dB more reduction on the brightest peaks" if extra_db > 0.005 else ""
    return [
        Decision("output_gain_db", round(loop.gain_db, 2),
                 f"Gain loop settled on {loop.gain_db:+.2f} dB before the limiter so the output "
                 f"measures {measured_lufs:.2f} LUFS (target {target.target_lufs:g})"),
        Decision("limiter", {"ceiling_dbtp": target.ceiling_dbtp, "lookahead_ms": 3.0,
                             "release_ms": target.release_ms},
                 f"True-peak limiter at {target.ceiling_dbtp:g} dBTP, "
                 f"{limiter.max_gain_reduction_db:.1f} dB maximum gain reduction; "
                 f"{100 * limiter.limited_fraction:.1f} % of the signal reduced by more than 0.5 dB. "
                 f"The delivered samples measure {held.true_peak_16x_dbtp:.2f} dBTP with a 16x "
                 f"interpolator{extra}"),
    ]


def unreachable_decision(target: MasterPreset, measured_lufs: float, max_gain_db: float) -> Decision:
    """Why the output is quieter than the target, and what the user can do."""
    return Decision(
        "target_lufs", {"target": target.target_lufs, "delivered": round(measured_lufs, 2)},
        f"The target of {target.target_lufs:g} LUFS is out of reach for this material: limiting it harder "
        f"(over {max_gain_db:g} dB of gain into the limiter) would only raise its quiet passages and "
        f"noise, not its loudness. Delivered at {measured_lufs:.1f} LUFS instead; choose a quieter preset "
        "or compress the source.")

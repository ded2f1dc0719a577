"""Choose and run the mastering chain (before the limiter) from the analysis.

Every choice is recorded as a :class:`Decision` with the reason in plain words,
so the mastering report can explain itself. The chain works on audio already
gain-staged to ``WORKING_LUFS`` so thresholds mean the same for every input:
high-pass and tonal EQ as one biquad cascade (:mod:`audio.biquad`), glue
compression (:mod:`audio.dynamics`), optional mid/side width.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from audio.biquad import apply_eq
from audio.chain_inputs import ChainInputs
from audio.effects import Compressor, Effect, Eq, EqBand
from audio.presets import GENRES, OCTAVE_BANDS_HZ, GenreCurve, MasterPreset

WORKING_LUFS = -18.0  # level the chain sees, whatever the input loudness
_MAX_EQ_DB = 4.0
_EQ_CORRECTION = 0.5  # move halfway toward the target curve: corrective, not a remake
_MIN_EQ_DB = 0.5
# Without a genre, a region is corrected only when it sits this far above the
# loudest balance any genre curve allows (deficits are left: sparse material is
# sparse on purpose). With a genre, regions within GENRE_TOLERANCE_DB of its curve are left.
RANGE_TOLERANCE_DB = 6.0
GENRE_TOLERANCE_DB = 2.0
INFRASONIC_LIMIT_DB = -30.0  # energy below 20 Hz, relative to the 250 Hz-2 kHz bands, worth removing
# Peak limiting up to this much (sample peak vs the preset's peak-to-loudness
# ratio) leaves the loudness range within 1 LU (solo piano: -0.6 LU at 3.5 dB,
# -1.05 LU at 4.5 dB); past it, compression does the work.
LIMITING_ONLY_DB = 4.0


@dataclass(frozen=True)
class Decision:
    """One parameter the chain chose, and why."""

    name: str
    value: object
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "reason": self.reason}


Step = EqBand | Compressor  # what a planning stage proposes; bands are joined into one Eq


@dataclass(frozen=True)
class ChainPlan:
    """Processing in order: :class:`audio.effects.Eq` (high-pass and tonal bands as one cascade) then
    :class:`audio.effects.Compressor`, each only if planned; optional side gain; the decisions."""

    effects: tuple[Effect, ...]
    side_gain: float | None
    decisions: tuple[Decision, ...] = field(default=())


def plan_chain(inputs: ChainInputs, genre: GenreCurve | None, *, tonal: bool = True,
               target: MasterPreset | None = None) -> ChainPlan:
    """Decide high-pass, EQ, compression and width for one input.

    ``genre=None`` (none asked for) only corrects what is out of range: a
    master that needs just gain and peak control gets just that. With a
    ``target`` preset, compression runs only when limiting alone would squash
    the dynamics. ``tonal=False`` (reference matching) leaves EQ and width to
    the reference match.
    """
    bands: list[EqBand] = []
    effects: list[Effect] = []
    decisions: list[Decision] = []
    steps: list[tuple[list[Step], list[Decision]]] = [_plan_highpass(inputs, genre)]
    if tonal:
        steps.append(_plan_eq(inputs, genre) if genre is not None else _plan_eq_range(inputs))
    steps.append(_plan_compressor(inputs, target))
    for proposed, why in steps:
        bands += [step for step in proposed if isinstance(step, EqBand)]
        effects += [step for step in proposed if isinstance(step, Compressor)]
        decisions += why
    side_gain = None
    if tonal:
        side_gain, width_decision = _plan_width(inputs, widen=genre is not None)
        decisions.append(width_decision)
    return ChainPlan(((Eq(tuple(bands)),) if bands else ()) + tuple(effects), side_gain, tuple(decisions))


def _plan_highpass(inputs: ChainInputs, genre: GenreCurve | None) -> tuple[list[Step], list[Decision]]:
    dc = abs(inputs.dc_offset)
    sub = _relative_bands(inputs.band_levels_db)[0]
    sub_limit = 3.0 + (genre.band_levels_db[0] if genre else max(g.band_levels_db[0] for g in GENRES.values()))
    if dc > 1e-3 or sub > sub_limit:
        cutoff, why = 30.0, (f"DC offset {dc:.4f} / sub-bass {sub:+.1f} dB is high, "
                             "so a firmer 30 Hz high-pass removes rumble")
    elif dc > 1e-4 or inputs.infrasonic_db > INFRASONIC_LIMIT_DB:
        cutoff, why = 20.0, (f"DC offset {dc:.5f} / energy below 20 Hz at {inputs.infrasonic_db:.0f} dB, "
                             "so a gentle 20 Hz high-pass removes it")
    else:
        return [], [Decision("highpass_hz", None, "No DC offset and nothing below 20 Hz to remove, "
                             "so no high-pass filter")]
    # Second-order Butterworth: 12 dB/octave, transparent above ~2x the cutoff.
    return [EqBand("highpass", cutoff, 0.0, 0.7071)], [Decision("highpass_hz", cutoff, why)]


def _relative_bands(levels_db: tuple[float, ...]) -> np.ndarray:
    """Band levels relative to the mean of the 250 Hz–2 kHz bands (finite values)."""
    levels = np.nan_to_num(np.asarray(levels_db, dtype=np.float64), neginf=-120.0, posinf=0.0)
    mid = [i for i, f in enumerate(OCTAVE_BANDS_HZ) if 250.0 <= f <= 2000.0]
    return levels - float(np.mean(levels[mid]))


# (filter type, centre Hz, Q, band indices it corrects)
_EQ_BANDS = (
    ("low_shelf", 100.0, 0.7, (0, 1, 2)),
    ("peak", 300.0, 0.9, (3, 4)),
    ("peak", 1200.0, 0.9, (5, 6)),
    ("peak", 3500.0, 0.9, (6, 7)),
    ("high_shelf", 9000.0, 0.7, (8, 9)),
)


def _plan_eq(inputs: ChainInputs, genre: GenreCurve) -> tuple[list[Step], list[Decision]]:
    deviation = _relative_bands(inputs.band_levels_db) - np.asarray(genre.band_levels_db)
    plugins: list[Step] = []
    decisions: list[Decision] = []
    for kind, freq_hz, q, bands in _EQ_BANDS:
        off_db = float(np.mean(deviation[list(bands)]))
        gain_db = float(np.clip(-_EQ_CORRECTION * off_db, -_MAX_EQ_DB, _MAX_EQ_DB))
        if abs(off_db) <= GENRE_TOLERANCE_DB or abs(gain_db) < _MIN_EQ_DB:
            continue
        plugins.append(EqBand(kind, freq_hz, gain_db, q))
        direction = "above" if off_db > 0 else "below"
        decisions.append(Decision(
            f"eq_{kind}_{freq_hz:g}hz_db", round(gain_db, 2),
            f"Around {freq_hz:g} Hz the mix is {abs(off_db):.1f} dB {direction} the {genre.name} "
            f"target curve, so {kind.replace('_', ' ')} {gain_db:+.1f} dB (half the difference, "
            f"clamped to ±{_MAX_EQ_DB:g} dB)"))
    if not decisions:
        decisions.append(Decision("eq", "none", f"Tonal balance is within {GENRE_TOLERANCE_DB:g} dB of the "
                                  f"{genre.name} target in every region, so no EQ: the tone is left as it is"))
    return plugins, decisions


def _plan_eq_range(inputs: ChainInputs) -> tuple[list[Step], list[Decision]]:
    """No genre asked for: cut only regions louder than any genre curve allows (+ tolerance)."""
    upper = np.max([g.band_levels_db for g in GENRES.values()], axis=0) + RANGE_TOLERANCE_DB
    excess = np.maximum(_relative_bands(inputs.band_levels_db) - upper, 0.0)
    plugins: list[Step] = []
    decisions: list[Decision] = []
    for kind, freq_hz, q, bands in _EQ_BANDS:
        over_db = float(np.mean(excess[list(bands)]))
        gain_db = float(np.clip(-_EQ_CORRECTION * over_db, -_MAX_EQ_DB, 0.0))
        if abs(gain_db) < _MIN_EQ_DB:
            continue
        plugins.append(EqBand(kind, freq_hz, gain_db, q))
        decisions.append(Decision(
            f"eq_{kind}_{freq_hz:g}hz_db", round(gain_db, 2),
            f"Around {freq_hz:g} Hz the mix is {over_db:.1f} dB louder than the balance of any commercial "
            f"master allows, so {kind.replace('_', ' ')} {gain_db:+.1f} dB (half the excess)"))
    if not decisions:
        decisions.append(Decision("eq", "none", f"Tonal balance is within the range of commercial masters "
                                  f"(+{RANGE_TOLERANCE_DB:g} dB) in every region, so no EQ: the tone is left "
                                  "as it is (name a genre to shape it toward that genre)"))
    return plugins, decisions


def _limiting_needed_db(inputs: ChainInputs, target: MasterPreset) -> float:
    """Peak reduction the limiter alone would need: input peak-to-loudness ratio minus the preset's."""
    return (inputs.sample_peak_dbfs - inputs.integrated_lufs) - (target.ceiling_dbtp - target.target_lufs)


def _plan_compressor(inputs: ChainInputs, target: MasterPreset | None) -> tuple[list[Step], list[Decision]]:
    crest, lra = inputs.crest_factor_db, inputs.loudness_range_lu
    if target is not None and _limiting_needed_db(inputs, target) <= LIMITING_ONLY_DB:
        needed = max(0.0, _limiting_needed_db(inputs, target))
        return [], [Decision("compressor", "bypassed",
                             f"Input crest factor {crest:.1f} dB: the {target.target_lufs:g} LUFS target is "
                             f"reachable with about {needed:.1f} dB of peak limiting, so no compression: the "
                             f"loudness range of {lra:.1f} LU is kept")]
    if crest < 9.0:
        return [], [Decision("compressor", "bypassed",
                             f"Input crest factor {crest:.1f} dB is already dense, so no glue compression")]
    ratio = float(np.clip(1.0 + (crest - 8.0) / 4.0, 1.3, 3.0))
    if lra > 10.0:
        ratio = min(ratio + 0.5, 3.5)
    # Threshold sits above the working RMS level so only peaks and loud passages are held.
    rms_db = WORKING_LUFS + 1.0
    threshold_db = float(np.clip(rms_db + 18.0 - crest, rms_db - 2.0, rms_db + 8.0))
    attack_ms = 30.0 if crest > 14.0 else 15.0
    comp = Compressor(threshold_db, ratio, attack_ms, 150.0)
    level = "high" if crest > 14.0 else "moderate"
    why = (f"Input crest factor {crest:.1f} dB is {level} and loudness range {lra:.1f} LU, "
           f"so compression ratio {ratio:.1f}:1 at {threshold_db:.1f} dB threshold "
           f"(attack {attack_ms:g} ms, release 150 ms) for glue")
    if target is not None:
        why += (f"; the {target.target_lufs:g} LUFS target would otherwise need "
                f"{_limiting_needed_db(inputs, target):.1f} dB of peak limiting")
    return [comp], [Decision("compressor", {"ratio": round(ratio, 2), "threshold_db": round(threshold_db, 1),
                                            "attack_ms": attack_ms, "release_ms": 150.0}, why)]


def _plan_width(inputs: ChainInputs, *, widen: bool) -> tuple[float | None, Decision]:
    corr = inputs.correlation
    if corr < 0.1:
        return 0.8, Decision("side_gain", 0.8, f"Stereo correlation {corr:.2f} is low, so the side "
                             "signal is reduced to 0.8x for mono compatibility")
    if corr > 0.97:
        return None, Decision("side_gain", 1.0, f"Correlation {corr:.2f}: nearly mono, widening "
                              "would only add noise, so width is unchanged")
    if corr > 0.85:
        if widen:
            return 1.15, Decision("side_gain", 1.15, f"Stereo correlation {corr:.2f} is narrow, so the "
                                  "side signal is raised to 1.15x")
        return None, Decision("side_gain", 1.0, f"Stereo correlation {corr:.2f} is narrow but not a fault, "
                              "so width is left as it is (name a genre to widen it)")
    return None, Decision("side_gain", 1.0, f"Stereo correlation {corr:.2f} is healthy, width unchanged")


def _eq_per_channel(y: np.ndarray, sos: np.ndarray | None) -> None:
    """Filter each channel of ``y`` in place, one thread per channel."""
    if sos is None:
        return
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda c: apply_eq(y[c : c + 1], sos), range(y.shape[0])))


def run_chain(plan: ChainPlan, x: np.ndarray, sample_rate: int, *, gain_db: float = 0.0) -> np.ndarray:
    """``gain_db`` then the plan on ``x`` ``(channels, samples)`` float32; returns a new array.

    The EQ cascade runs one channel per thread (``sosfilt`` releases the GIL);
    the compressor is stereo-linked.
    """
    y = np.multiply(x, np.float32(10.0 ** (gain_db / 20.0)), dtype=np.float32)
    for effect in plan.effects:
        if isinstance(effect, Eq):
            _eq_per_channel(y, effect.sos(sample_rate))
        else:
            y = effect.apply(y, sample_rate)
    if plan.side_gain is not None and y.shape[0] == 2:
        side = (0.5 * (plan.side_gain - 1.0)) * (y[0] - y[1])  # add (g - 1) * side to L, subtract from R
        y[0] += side
        y[1] -= side
    return y

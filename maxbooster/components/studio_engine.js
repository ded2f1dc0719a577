// The Studio's audio engine: the server mixdown (audio/mix.py, the specification) ported onto Web Audio.
//
// One graph builder serves live playback (Transport, on an AudioContext) and the offline render
// (renderOffline, on an OfflineAudioContext) that the null tests compare with audio.mix.render_arrangement.
// Per track: clip sources (started at integer frames) → clip gain + linear fades (AudioParam ramps) →
// inserts → fader·pan (splitter → 2 GainNodes → merger: per-channel constant-power law, NOT a
// StereoPannerNode) → master bus → master inserts → master fader → destination.
// A track whose clips are all mono runs mono up to the pan, like audio.mix.render_track.
// Inserts: EQ = BiquadFilterNodes (audio/biquad.py is written to Web Audio's definition), gain = GainNode,
// compressor / delay / gate / reverb / limiter = AudioWorklet ports (processor code below, loaded from a
// Blob URL once per context). Inserts with look-ahead declare an integer latency in frames; the
// scheduler starts that track's sources earlier by its chain latency plus the master chain's (§3.3 of
// the design note), and the offline render drops the same number of leading frames.
// Two Chromium behaviours are worked around (both measured, see clipEnvelope and MixGraph): automation
// events land one frame late when frame/sr·sr rounds up, and biquads stop ringing 33 ms into silence.
//
// Plain ES module, no imports (served from the assets and imported by the studio component).

export const MAX_TAIL_S = 10.0;
const BLOCK = 16; // block of the compressor and limiter gain curves (audio/peak_detect.py BLOCK)
const LOOKAHEAD_S = 0.2; // live scheduler: sources are scheduled this far ahead of the audio clock
const TICK_MS = 25;
const START_MARGIN_S = 0.05; // first scheduled frame after "now" (main thread → audio thread slack)
const MIN_LOOP_S = 0.05;
const METER_FFT = 2048; // analyser window (43 ms at 48 kHz): meters() peaks cover about that much

const EFFECT_DEFAULTS = {
  eq: {},
  compressor: { threshold_db: -18.0, ratio: 3.0, attack_ms: 10.0, release_ms: 150.0 },
  reverb: { room_size: 0.5, damping: 0.5, wet_level: 0.25, dry_level: 0.75, width: 1.0 },
  delay: { delay_s: 0.25, feedback: 0.3, mix: 0.25 },
  gate: { threshold_db: -50.0, ratio: 10.0, attack_ms: 1.0, release_ms: 100.0 },
  limiter: { ceiling_dbtp: -1.0, release_ms: 80.0 },
  gain: { gain_db: 0.0 },
};

/**
 * What the browser matches of each insert type, measured by tests/studio/test_engine_parity.py
 * against audio.mix (peak residual of the insert alone on noise + drum hits, mono and stereo, 48 kHz):
 * "exact"  same algorithm and arithmetic: residual at float32 rounding level (≤ −110 dBFS);
 * "close"  same filters, Chromium's float32 biquad recursion vs the server's float64 (≤ −80 dBFS).
 * Nothing is bypassed. The limiter's one known difference is in INSERT_INFO.limiter.note.
 */
export const INSERT_PARITY = {
  eq: "close",
  gain: "exact",
  compressor: "exact",
  delay: "exact",
  gate: "exact",
  reverb: "exact",
  limiter: "exact",
};

/** Per insert type: how it is rendered, its latency (frames) and what differs from the server render. */
export const INSERT_INFO = {
  eq: {
    node: "BiquadFilterNode chain", latencyFrames: 0,
    note: "Chromium runs each biquad's recursion in float32 (the server: one float64 cascade); "
      + "−86 dBFS on a 0 dBFS signal through a 5-band chain with a 40 Hz high-pass, −96 dBFS in a 10-track mix",
  },
  gain: { node: "GainNode", latencyFrames: 0, note: "10^(dB·0.05) in float32, as pedalboard.Gain" },
  compressor: {
    node: "AudioWorklet mb-compressor", latencyFrames: 2 * BLOCK,
    note: "port of audio/dynamics.py; output block b needs block b+1's peak: 32 frames of latency",
  },
  delay: {
    node: "AudioWorklet mb-delay", latencyFrames: 0,
    note: "pedalboard.Delay's measured behaviour: delay floor(float32(delay_s)·sr) frames, "
      + "feedback inside the line, dry 1−mix / wet mix",
  },
  gate: {
    node: "AudioWorklet mb-gate", latencyFrames: 0,
    note: "pedalboard.NoiseGate's measured behaviour: per channel, RMS follower (50 ms release) → "
      + "attack/release follower → gain (env/threshold)^(ratio−1) below the threshold",
  },
  reverb: {
    node: "AudioWorklet mb-reverb", latencyFrames: 0,
    note: "Freeverb (public-domain design and constants), comb/allpass lengths scaled by sr/44100, "
      + "as pedalboard.Reverb measures",
  },
  limiter: {
    node: "AudioWorklet mb-limiter", latencyFrames: null, // latency: insertLatencyFrames
    note: "audio/limiter.py's gain curve streamed (8x true-peak envelope, hold, release, look-ahead "
      + "average; 16·(window+3) frames of latency, 192 at 48 kHz). The server re-limits where its "
      + "verification still finds an over (then a global scale); the browser does not. No test "
      + "signal triggered that pass; if one does, expect differences of a few hundredths of a dB there",
  },
};

// ---------------------------------------------------------------------------------------------
// Document helpers: the same arithmetic as audio/mix.py and audio/effects.py

/** Python's round(): half to even (audio.mix rounds every time with it). */
export function pyRound(x) {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const num = (v, fallback) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/** An insert's parameters with the schema defaults filled in. */
export function effectParams(insert) {
  const defaults = EFFECT_DEFAULTS[insert.type];
  if (!defaults) throw new Error(`unknown insert type ${JSON.stringify(insert.type)}`);
  if (insert.type === "eq") {
    const bands = (insert.bands || []).map((b) => ({
      kind: b.kind, freq_hz: num(b.freq_hz, 1000), gain_db: num(b.gain_db, 0), q: num(b.q, 0.707),
    }));
    return { type: "eq", bands };
  }
  const out = { type: insert.type };
  for (const [k, v] of Object.entries(defaults)) out[k] = num(insert[k], v);
  return out;
}

/** Seconds an insert keeps sounding after its input stops (Effect.tail_s). */
export function effectTailSeconds(insert) {
  const p = effectParams(insert);
  if (p.type === "reverb") return 0.5 + 4.5 * p.room_size;
  if (p.type === "delay") {
    if (p.mix <= 0) return 0.0;
    const repeats = p.feedback <= 0 ? 1 : Math.ceil(Math.log(1e-3) / Math.log(Math.min(p.feedback, 0.95)));
    return p.delay_s * repeats;
  }
  return 0.0;
}

/** chain_tail_s: the tails add up, capped at MAX_TAIL_S. */
export function chainTailSeconds(inserts) {
  let sum = 0;
  for (const insert of inserts || []) sum += effectTailSeconds(insert);
  return Math.min(sum, MAX_TAIL_S);
}

/** audible_tracks: not muted, and soloed if any track is soloed. */
export function audibleTracks(doc) {
  const tracks = doc.tracks || [];
  const soloing = tracks.some((t) => !!t.solo);
  return tracks.filter((t) => !t.mute && (!!t.solo || !soloing));
}

function clipFrames(clip, sr) {
  return {
    start: pyRound(num(clip.start_s, 0) * sr),
    length: pyRound(num(clip.length_s, 0) * sr),
    offset: pyRound(num(clip.offset_s, 0) * sr),
    fadeIn: pyRound(num(clip.fade_in_s, 0) * sr),
    fadeOut: pyRound(num(clip.fade_out_s, 0) * sr),
    gain: Math.fround(10.0 ** (num(clip.gain_db, 0) / 20.0)),
  };
}

/** arrangement_length: frames from 0 to the end of the last clip (muted tracks included). */
export function arrangementLengthFrames(doc) {
  const sr = doc.sample_rate;
  let end = 0;
  for (const t of doc.tracks || []) {
    for (const c of t.clips || []) {
      end = Math.max(end, pyRound(num(c.start_s, 0) * sr) + pyRound(num(c.length_s, 0) * sr));
    }
  }
  return end;
}

/** render_length: the last clip's end plus the longest audible track tail plus the master tail (≤ 10 s). */
export function renderLengthFrames(doc) {
  let trackTail = 0.0;
  for (const t of audibleTracks(doc)) trackTail = Math.max(trackTail, chainTailSeconds(t.inserts));
  const tail = Math.min(trackTail + chainTailSeconds((doc.master || {}).inserts), MAX_TAIL_S);
  return arrangementLengthFrames(doc) + (tail ? pyRound(tail * doc.sample_rate) : 0);
}

/** pan_gains: constant-power (left, right) gains for pan −1..1. */
export function panGains(pan) {
  const theta = (num(pan, 0) + 1.0) * Math.PI / 4.0;
  return [Math.cos(theta), Math.sin(theta)];
}

function limiterWindowBlocks(sr) {
  return Math.max(1, Math.ceil(3.0 * 1e-3 * (sr / BLOCK))); // audio.limiter._smooth_attenuation
}

/** Frames an insert delays its signal by (look-ahead), an integer. */
export function insertLatencyFrames(insert, sampleRate) {
  if (insert.type === "compressor") return 2 * BLOCK;
  if (insert.type === "limiter") return BLOCK * (limiterWindowBlocks(sampleRate) + 3);
  return 0;
}

export function chainLatencyFrames(inserts, sampleRate) {
  let sum = 0;
  for (const insert of inserts || []) sum += insertLatencyFrames(insert, sampleRate);
  return sum;
}

// ---------------------------------------------------------------------------------------------
// AudioWorklet processors. This function is never called on the main thread: its source text
// (Function.prototype.toString) is loaded into the audio thread by ensureWorklets, so it must not
// refer to anything outside itself (a bundler keeps it whole: it only sees a function).
// Arithmetic is float32 where the server's is (Math.fround at the same points), so the ports null.

function workletMain() {
  const BLOCK = 16;
  const fr = Math.fround;

  class Base extends AudioWorkletProcessor {
    constructor(options) {
      super();
      const o = options.processorOptions || {};
      this.channels = o.channels || 2;
      this.origin = o.origin || 0; // context frame of this insert's input timeline frame 0
      this.alive = true;
      this.setParams(o.params || {});
      this.port.onmessage = (e) => {
        const m = e.data;
        if (m.type === "params") this.setParams(m.params);
        else if (m.type === "origin") this.origin = m.origin;
        else if (m.type === "stop") this.alive = false;
      };
    }
    setParams() {}
    // input channels (zeros when the input is silent/unconnected) and output channels
    io(inputs, outputs) {
      const input = inputs[0] || [];
      const output = outputs[0];
      const n = output[0].length;
      if (!this.zero || this.zero.length !== n) this.zero = new Float32Array(n);
      const x = [];
      for (let c = 0; c < this.channels; c++) {
        x.push(input.length ? input[Math.min(c, input.length - 1)] : this.zero);
      }
      return [x, output, n];
    }
  }

  // audio/dynamics.py: stereo-linked 16-frame block peaks, hard knee, release hold + one-pole attack on
  // the gain reduction (dB) per block, linear gain interpolated from block start to the next block's
  // start. Output block b needs block b+1's peak: latency 32 frames.
  class Compressor extends Base {
    constructor(options) {
      super(options);
      this.inRing = Array.from({ length: this.channels }, () => new Float32Array(64));
      this.outRing = Array.from({ length: this.channels }, () => new Float32Array(64));
      this.peak = 0;
      this.held = 0;
      this.reduction = 0;
      this.prevAnchor = 1;
    }
    setParams(p) {
      const blockRate = sampleRate / BLOCK;
      this.threshold = p.threshold_db;
      this.slope = 1.0 - 1.0 / p.ratio;
      this.releaseDecay = Math.exp(-1.0 / Math.max(1e-9, p.release_ms * 1e-3 * blockRate));
      this.pole = Math.exp(-1.0 / Math.max(1e-9, p.attack_ms * 1e-3 * blockRate));
    }
    process(inputs, outputs) {
      const [x, y, n] = this.io(inputs, outputs);
      const chs = this.channels;
      for (let i = 0; i < n; i++) {
        const t = currentFrame + i - this.origin; // timeline frame of this insert's input
        const w = t & 63;
        let a = 0;
        for (let c = 0; c < chs; c++) {
          const v = x[c][i];
          this.inRing[c][w] = v;
          const m = Math.abs(v);
          if (m > a) a = m;
        }
        if (a > this.peak) this.peak = a;
        if ((t & 15) === 15) {
          const level = 20.0 * Math.log10(Math.max(this.peak, 1e-12));
          const target = Math.max(level - this.threshold, 0.0) * this.slope;
          this.held = Math.max(target, this.held * this.releaseDecay);
          this.reduction = (1.0 - this.pole) * this.held + this.pole * this.reduction;
          const anchor = fr(10.0 ** (-this.reduction / 20.0));
          const a0 = this.prevAnchor;
          const d = fr(anchor - a0);
          for (let j = 0; j < BLOCK; j++) {
            const g = fr(a0 + fr(d * (j / BLOCK)));
            const f = (t - 31 + j) & 63; // the previous block
            for (let c = 0; c < chs; c++) this.outRing[c][f] = this.inRing[c][f] * g;
          }
          this.prevAnchor = anchor;
          this.peak = 0;
        }
        const r = (t - 32) & 63;
        for (let c = 0; c < chs; c++) y[c][i] = this.outRing[c][r];
      }
      return this.alive;
    }
  }

  // pedalboard.Delay's behaviour (measured): integer delay D = floor(float32(delay_s)·sr);
  // s[n] = x[n] + feedback·s[n−D]; y = (1−mix)·x + mix·s[n−D]; float32 arithmetic.
  class Delay extends Base {
    setParams(p) {
      const d = Math.max(1, Math.floor(fr(p.delay_s) * sampleRate));
      if (!this.lines || this.lines[0].length !== d) {
        this.lines = Array.from({ length: this.channels }, () => new Float32Array(d));
        this.pos = 0;
      }
      this.feedback = fr(p.feedback);
      this.wet = fr(p.mix);
      this.dry = fr(1.0 - p.mix);
    }
    process(inputs, outputs) {
      const [x, y, n] = this.io(inputs, outputs);
      const d = this.lines[0].length;
      for (let c = 0; c < this.channels; c++) {
        const line = this.lines[c];
        const xc = x[c];
        const yc = y[c];
        let pos = this.pos;
        for (let i = 0; i < n; i++) {
          const v = xc[i];
          const delayed = line[pos];
          line[pos] = v + fr(this.feedback * delayed);
          yc[i] = fr(this.dry * v) + fr(this.wet * delayed);
          if (++pos === d) pos = 0;
        }
        if (c === this.channels - 1) this.pos = pos;
      }
      return this.alive;
    }
  }

  // pedalboard.NoiseGate's behaviour (measured): per channel, an RMS follower (instant attack,
  // 50 ms release), then a peak follower with the attack/release times (one-pole coefficient
  // exp(−2π·1000/(sr·ms))), then gain 1 above the threshold, (env/threshold)^(ratio−1) below.
  class Gate extends Base {
    constructor(options) {
      super(options);
      this.rms = new Float64Array(this.channels);
      this.env = new Float64Array(this.channels);
    }
    setParams(p) {
      const k = (-2.0 * Math.PI * 1000.0) / sampleRate;
      const coef = (ms) => fr(ms < 1e-3 ? 0.0 : Math.exp(k / ms));
      this.rmsAttack = coef(0.0);
      this.rmsRelease = coef(50.0);
      this.attack = coef(p.attack_ms);
      this.release = coef(p.release_ms);
      this.threshold = fr(10.0 ** (p.threshold_db / 20.0));
      this.inverse = fr(1.0 / this.threshold);
      this.exponent = fr(p.ratio - 1.0);
    }
    process(inputs, outputs) {
      const [x, y, n] = this.io(inputs, outputs);
      for (let c = 0; c < this.channels; c++) {
        let rms = this.rms[c];
        let env = this.env[c];
        const xc = x[c];
        const yc = y[c];
        for (let i = 0; i < n; i++) {
          const s = xc[i];
          const sq = fr(s * s);
          rms = fr(sq + fr((sq > rms ? this.rmsAttack : this.rmsRelease) * fr(rms - sq)));
          const e = fr(Math.sqrt(rms));
          env = fr(e + fr((e > env ? this.attack : this.release) * fr(env - e)));
          const g = env > this.threshold ? 1.0 : fr(Math.pow(fr(env * this.inverse), this.exponent));
          yc[i] = g * s;
        }
        this.rms[c] = rms;
        this.env[c] = env;
      }
      return this.alive;
    }
  }

  // Freeverb (Jezar's public-domain design): 8 damped feedback combs in parallel and 4 allpasses in
  // series per channel, right channel tuned 23 samples longer, lengths scaled by sr/44100; input
  // (L+R)·0.015; wet = 3·wet_level, dry = 2·dry_level, width mixes the two reverb channels.
  // Mono input runs the left network only.
  class Reverb extends Base {
    constructor(options) {
      super(options);
      const combs = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
      const passes = [556, 441, 341, 225];
      const scale = sampleRate / 44100;
      const make = (tunings, spread) => tunings.map((t) => new Float32Array(Math.floor((t + spread) * scale)));
      this.net = [0, 23].slice(0, this.channels).map((spread) => ({
        combs: make(combs, spread), combPos: new Int32Array(8), last: new Float32Array(8),
        passes: make(passes, spread), passPos: new Int32Array(4),
      }));
    }
    setParams(p) {
      const wet = fr(p.wet_level * 3.0);
      this.dry = fr(p.dry_level * 2.0);
      this.wet1 = fr(0.5 * wet * (1.0 + p.width));
      this.wet2 = fr(0.5 * wet * (1.0 - p.width));
      this.damp = fr(p.damping * 0.4);
      this.damp1 = fr(1.0 - this.damp);
      this.feedback = fr(p.room_size * 0.28 + 0.7);
    }
    run(net, input) {
      let out = 0;
      for (let j = 0; j < 8; j++) {
        const buf = net.combs[j];
        const k = net.combPos[j];
        const v = buf[k];
        const last = fr(fr(v * this.damp1) + fr(net.last[j] * this.damp));
        net.last[j] = last;
        buf[k] = input + fr(last * this.feedback);
        net.combPos[j] = k + 1 === buf.length ? 0 : k + 1;
        out = fr(out + v);
      }
      for (let j = 0; j < 4; j++) {
        const buf = net.passes[j];
        const k = net.passPos[j];
        const v = buf[k];
        buf[k] = out + fr(v * 0.5);
        net.passPos[j] = k + 1 === buf.length ? 0 : k + 1;
        out = fr(v - out);
      }
      return out;
    }
    process(inputs, outputs) {
      const [x, y, n] = this.io(inputs, outputs);
      const gain = fr(0.015);
      if (this.channels === 1) {
        for (let i = 0; i < n; i++) {
          const s = x[0][i];
          const out = this.run(this.net[0], fr(s * gain));
          y[0][i] = fr(out * this.wet1) + fr(s * this.dry);
        }
        return this.alive;
      }
      for (let i = 0; i < n; i++) {
        const l = x[0][i];
        const r = x[1][i];
        const input = fr(fr(l + r) * gain);
        const ol = this.run(this.net[0], input);
        const or = this.run(this.net[1], input);
        y[0][i] = fr(fr(fr(ol * this.wet1) + fr(or * this.wet2)) + fr(l * this.dry));
        y[1][i] = fr(fr(fr(or * this.wet1) + fr(ol * this.wet2)) + fr(r * this.dry));
      }
      return this.alive;
    }
  }

  // The interpolator of audio/peak_detect.py FAST: 8 phases, 10 input samples each side, Kaiser β 5
  // (scipy firwin(161, 1/8) × 8). Column p of row i multiplies x[n−10+i] for the value at n + p/8.
  function besselI0(x) {
    let sum = 1;
    let term = 1;
    const q = (x * x) / 4;
    for (let k = 1; k < 60; k++) {
      term *= q / (k * k);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return sum;
  }
  function phaseMatrix() {
    const up = 8;
    const numtaps = 161;
    const cutoff = 1 / up;
    const alpha = (numtaps - 1) / 2;
    const beta = 5.0;
    const proto = new Float64Array(numtaps);
    let sum = 0;
    for (let k = 0; k < numtaps; k++) {
      const m = k - alpha;
      const arg = cutoff * m;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const r = (2 * k) / (numtaps - 1) - 1;
      const win = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
      proto[k] = cutoff * sinc * win;
      sum += proto[k];
    }
    const taps = Math.ceil(numtaps / up);
    const h = new Float32Array(taps * up); // h[i*8 + p]
    for (let i = 0; i < taps; i++) {
      for (let p = 0; p < up; p++) {
        const k = (taps - 1 - i) * up + p;
        h[i * up + p] = k < numtaps ? (proto[k] / sum) * up : 0;
      }
    }
    return h;
  }

  // First pass of audio/limiter.py, streamed: true-peak envelope (8x interpolation where a sample
  // pair is within 4 dB of the ceiling), 16-frame block peaks, attenuation need (nepers) dilated one
  // block, forward hold over the look-ahead window, exponential release, backward moving average;
  // gain exp(−a) interpolated between block starts. Latency 16·(window + 3) frames.
  class Limiter extends Base {
    constructor(options) {
      super(options);
      this.window = Math.max(1, Math.ceil(3.0 * 1e-3 * (sampleRate / BLOCK)));
      this.latency = BLOCK * (this.window + 3);
      let size = 64;
      while (size < this.latency + 64) size *= 2;
      this.mask = size - 1;
      this.x = Array.from({ length: this.channels }, () => new Float32Array(size));
      this.y = Array.from({ length: this.channels }, () => new Float32Array(size));
      this.h = phaseMatrix();
      this.peak = 0;
      this.prevNeed = 0;
      this.needs = new Float64Array(this.window + 1); // dilated need, ring by block
      this.released = 0;
      this.rel = new Float64Array(this.window + 1); // released, ring by block
      this.prevAnchor = 0;
    }
    setParams(p) {
      const margin = 0.03; // INTERNAL_MARGIN_DB
      this.ceiling = 10.0 ** ((p.ceiling_dbtp - margin) / 20.0);
      this.threshold = 10.0 ** ((p.ceiling_dbtp - margin - 4.0) / 20.0);
      const rate = sampleRate / BLOCK;
      this.decay = Math.exp(-1.0 / Math.max(1.0, p.release_ms * 1e-3 * rate));
    }
    absAt(t) {
      let a = 0;
      for (let c = 0; c < this.channels; c++) a = Math.max(a, Math.abs(this.x[c][t & this.mask]));
      return a;
    }
    truePeak(m) {
      const h = this.h;
      let best = 0;
      for (let c = 0; c < this.channels; c++) {
        const xc = this.x[c];
        for (let p = 0; p < 8; p++) {
          let acc = 0;
          for (let i = 0; i < 21; i++) acc += h[i * 8 + p] * xc[(m - 10 + i) & this.mask];
          const v = Math.abs(fr(acc));
          if (v > best) best = v;
        }
      }
      return best;
    }
    block(k) {
      // block k's peak is complete: need, dilation, hold/release/average for block j = k − window
      const W = this.window;
      const need = this.peak > this.ceiling ? Math.log(this.peak / this.ceiling) : 0;
      this.peak = 0;
      const dilated = Math.max(need, this.prevNeed);
      this.prevNeed = need;
      this.needs[((k % (W + 1)) + W + 1) % (W + 1)] = dilated;
      const j = k - W;
      let hold = 0;
      for (let i = 0; i <= W; i++) hold = Math.max(hold, this.needs[i]);
      this.released = Math.max(hold, this.released * this.decay);
      const slot = ((j % (W + 1)) + W + 1) % (W + 1);
      this.rel[slot] = this.released;
      if (j === 0) this.rel.fill(this.released); // mode="nearest": blocks before 0 repeat block 0
      let sum = 0;
      for (let i = 0; i <= W; i++) sum += this.rel[i];
      let anchor = fr(sum / (W + 1));
      if (anchor < 1e-5) anchor = 0;
      // block j − 1 now has both anchors
      const a0 = this.prevAnchor;
      const d = fr(anchor - a0);
      const start = (j - 1) * BLOCK;
      for (let i = 0; i < BLOCK; i++) {
        const f = (start + i) & this.mask;
        const g = a0 === 0 && anchor === 0 ? 1 : fr(Math.exp(-fr(a0 + fr(d * (i / BLOCK)))));
        for (let c = 0; c < this.channels; c++) this.y[c][f] = this.x[c][f] * g;
      }
      this.prevAnchor = anchor;
    }
    process(inputs, outputs) {
      const [x, y, n] = this.io(inputs, outputs);
      const chs = this.channels;
      for (let i = 0; i < n; i++) {
        const t = currentFrame + i - this.origin;
        for (let c = 0; c < chs; c++) this.x[c][t & this.mask] = x[c][i];
        const m = t - 10; // envelope sample: its interpolation window ends at t
        let env = this.absAt(m);
        if (Math.max(env, this.absAt(m + 1)) > this.threshold) env = Math.max(env, this.truePeak(m));
        if (env > this.peak) this.peak = env;
        if ((m & 15) === 15) this.block((m - 15) / BLOCK);
        const r = (t - this.latency) & this.mask;
        for (let c = 0; c < chs; c++) y[c][i] = this.y[c][r];
      }
      return this.alive;
    }
  }

  registerProcessor("mb-compressor", Compressor);
  registerProcessor("mb-delay", Delay);
  registerProcessor("mb-gate", Gate);
  registerProcessor("mb-reverb", Reverb);
  registerProcessor("mb-limiter", Limiter);
}

const WORKLET_TYPES = new Set(["compressor", "delay", "gate", "reverb", "limiter"]);
let workletUrl = null;
const workletLoads = new WeakMap(); // context -> Promise

/** Load the processors into `ctx` (once per context). */
export function ensureWorklets(ctx) {
  let promise = workletLoads.get(ctx);
  if (!promise) {
    if (!workletUrl) {
      const src = `(${workletMain.toString()})();\n`;
      workletUrl = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
    }
    promise = ctx.audioWorklet.addModule(workletUrl);
    promise.catch(() => workletLoads.delete(ctx));
    workletLoads.set(ctx, promise);
  }
  return promise;
}

// ---------------------------------------------------------------------------------------------
// Graph

const twoChannels = new WeakMap(); // AudioBuffer with > 2 channels -> its first two (audio.mix keeps x[:2])

function bufferFor(buffers, file) {
  if (!buffers) return undefined;
  let b = buffers instanceof Map ? buffers.get(file) : buffers[file];
  if (b && b.numberOfChannels > 2) {
    let two = twoChannels.get(b);
    if (!two) {
      two = new AudioBuffer({ numberOfChannels: 2, length: b.length, sampleRate: b.sampleRate });
      two.copyToChannel(b.getChannelData(0), 0);
      two.copyToChannel(b.getChannelData(1), 1);
      twoChannels.set(b, two);
    }
    b = two;
  }
  return b;
}

const bufferIds = new WeakMap();
let nextBufferId = 1;

function bufferId(buffers, file) {
  const b = bufferFor(buffers, file);
  if (!b) return 0;
  if (!bufferIds.has(b)) bufferIds.set(b, nextBufferId++);
  return bufferIds.get(b);
}

function trackChannels(track, buffers) {
  let channels = 0;
  for (const c of track.clips || []) {
    const b = bufferFor(buffers, c.file);
    if (b) channels = Math.max(channels, b.numberOfChannels);
  }
  return channels || 1;
}

/** A summing GainNode with a fixed channel count (mono tracks stay mono up to the pan). */
function busNode(ctx, channels) {
  return new GainNode(ctx, { channelCount: channels, channelCountMode: "explicit", channelInterpretation: "speakers" });
}

function setParam(param, value, ctx, smooth) {
  if (smooth) param.setTargetAtTime(value, ctx.currentTime, 0.005);
  else param.value = value;
}

const BIQUAD_TYPES = {
  peak: "peaking", low_shelf: "lowshelf", high_shelf: "highshelf", highpass: "highpass", lowpass: "lowpass",
};

function biquadSettings(band, sr) {
  const type = BIQUAD_TYPES[band.kind];
  if (!type) throw new Error(`unknown EQ band kind ${JSON.stringify(band.kind)}`);
  const pass = type === "highpass" || type === "lowpass";
  // Web Audio takes highpass/lowpass Q in dB (audio/biquad.py: q is linear there)
  const Q = pass ? 20 * Math.log10(band.q) : band.q;
  return { type, frequency: Math.min(band.freq_hz, 0.49 * sr), Q, gain: band.gain_db };
}

function pedalboardGain(db) {
  return Math.fround(10 ** Math.fround(Math.fround(db) * Math.fround(0.05)));
}

/** One insert as nodes: {type, input, output, latency, update(params) -> bool, setOrigin(frame), dispose()}. */
function createInsert(ctx, insert, channels, origin) {
  const p = effectParams(insert);
  const sr = ctx.sampleRate;
  const latency = insertLatencyFrames(p, sr);
  if (p.type === "eq") {
    const kinds = p.bands.map((b) => b.kind).join(",");
    const nodes = p.bands.map((band) => new BiquadFilterNode(ctx, biquadSettings(band, sr)));
    if (!nodes.length) nodes.push(new GainNode(ctx));
    for (let i = 1; i < nodes.length; i++) nodes[i - 1].connect(nodes[i]);
    return {
      type: "eq", input: nodes[0], output: nodes[nodes.length - 1], latency,
      update(next, smooth) {
        const q = effectParams(next);
        if (q.bands.map((b) => b.kind).join(",") !== kinds || !q.bands.length) return false;
        q.bands.forEach((band, i) => {
          const s = biquadSettings(band, sr);
          setParam(nodes[i].frequency, s.frequency, ctx, smooth);
          setParam(nodes[i].Q, s.Q, ctx, smooth);
          setParam(nodes[i].gain, s.gain, ctx, smooth);
        });
        return true;
      },
      setOrigin() {},
      dispose() { nodes.forEach((n) => n.disconnect()); },
    };
  }
  if (p.type === "gain") {
    const node = new GainNode(ctx, { gain: pedalboardGain(p.gain_db) });
    return {
      type: "gain", input: node, output: node, latency,
      update(next, smooth) {
        setParam(node.gain, pedalboardGain(effectParams(next).gain_db), ctx, smooth);
        return true;
      },
      setOrigin() {},
      dispose() { node.disconnect(); },
    };
  }
  if (WORKLET_TYPES.has(p.type)) {
    const node = new AudioWorkletNode(ctx, `mb-${p.type}`, {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [channels],
      channelCount: channels, channelCountMode: "explicit", channelInterpretation: "speakers",
      processorOptions: { params: p, channels, origin },
    });
    return {
      type: p.type, input: node, output: node, latency,
      update(next) {
        const q = effectParams(next);
        if (insertLatencyFrames(q, sr) !== latency) return false;
        node.port.postMessage({ type: "params", params: q }); // a new delay time restarts the line
        return true;
      },
      setOrigin(frame) { node.port.postMessage({ type: "origin", origin: frame }); },
      dispose() { node.port.postMessage({ type: "stop" }); node.disconnect(); },
    };
  }
  throw new Error(`unknown insert type ${JSON.stringify(p.type)}`);
}

/**
 * A chain of inserts between `input` and `output`. `outputOrigin`: the context frame where timeline
 * frame 0 leaves the chain; each worklet is told where its own input's frame 0 arrives.
 */
class InsertChain {
  constructor(ctx, inserts, channels, input, output, outputOrigin) {
    this.signature = (inserts || []).map((i) => i.type).join(",");
    this.input = input;
    this.latency = chainLatencyFrames((inserts || []).map(effectParams), ctx.sampleRate);
    this.items = [];
    let shift = -this.latency; // the input's frame 0 arrives `latency` frames before the output's
    let prev = input;
    for (const insert of inserts || []) {
      const item = createInsert(ctx, insert, channels, outputOrigin + shift);
      item.shift = shift;
      shift += item.latency;
      prev.connect(item.input);
      prev = item.output;
      this.items.push(item);
    }
    prev.connect(output);
  }
  /** Update parameters in place; false if the chain must be rebuilt. */
  update(inserts, smooth) {
    if ((inserts || []).map((i) => i.type).join(",") !== this.signature) return false;
    return this.items.every((item, i) => item.update(inserts[i], smooth));
  }
  setOrigin(outputOrigin) {
    for (const item of this.items) item.setOrigin(outputOrigin + item.shift);
  }
  dispose() {
    this.input.disconnect();
    for (const item of this.items) item.dispose();
  }
}

class Strip {
  constructor(graph, track, channels) {
    const ctx = graph.ctx;
    this.graph = graph;
    this.id = track.id;
    this.channels = channels;
    this.input = busNode(ctx, channels);
    this.post = busNode(ctx, channels);
    this.left = new GainNode(ctx, { channelCount: 1, channelCountMode: "explicit" });
    this.right = new GainNode(ctx, { channelCount: 1, channelCountMode: "explicit" });
    this.merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
    if (channels === 1) {
      this.post.connect(this.left); // a mono track feeds both sides (x[0] and x[-1])
      this.post.connect(this.right);
    } else {
      this.splitter = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
      this.post.connect(this.splitter);
      this.splitter.connect(this.left, 0);
      this.splitter.connect(this.right, 1);
    }
    this.left.connect(this.merger, 0, 0);
    this.right.connect(this.merger, 0, 1);
    this.merger.connect(graph.masterIn);
    graph.keepAlive.connect(this.input);
    if (graph.meters) this.meter = new Meter(ctx, this.merger);
    this.chain = null;
    this.setInserts(track.inserts);
  }
  setInserts(inserts) {
    if (this.chain) this.chain.dispose();
    const g = this.graph;
    const origin = g.origin - g.masterChain.latency;
    this.chain = new InsertChain(g.ctx, inserts, this.channels, this.input, this.post, origin);
  }
  get latency() {
    return this.chain.latency;
  }
  setMix(track, audible, smooth) {
    const fader = 10.0 ** (num(track.volume_db, 0) / 20.0);
    const [l, r] = panGains(track.pan);
    const ctx = this.graph.ctx;
    setParam(this.left.gain, audible ? fader * l : 0, ctx, smooth);
    setParam(this.right.gain, audible ? fader * r : 0, ctx, smooth);
  }
  dispose() {
    this.chain.dispose();
    for (const node of [this.post, this.left, this.right, this.merger, this.splitter]) if (node) node.disconnect();
    if (this.meter) this.meter.dispose();
  }
}

class Meter {
  constructor(ctx, source) {
    this.splitter = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
    this.analysers = [0, 1].map(() => new AnalyserNode(ctx, { fftSize: METER_FFT }));
    source.connect(this.splitter);
    this.splitter.connect(this.analysers[0], 0);
    this.splitter.connect(this.analysers[1], 1);
    this.data = new Float32Array(METER_FFT);
  }
  read() {
    const peaks = this.analysers.map((a) => {
      a.getFloatTimeDomainData(this.data);
      let m = 0;
      for (let i = 0; i < this.data.length; i++) m = Math.max(m, Math.abs(this.data[i]));
      return m;
    });
    return { peakL: peaks[0], peakR: peaks[1] };
  }
  dispose() {
    this.splitter.disconnect();
  }
}

/**
 * The mixer graph of one document on one context: strips, master bus, and clip scheduling.
 * Live playback and the offline render both use it; `meters` adds post-fader analysers.
 */
export class MixGraph {
  constructor(ctx, destination, { meters = false } = {}) {
    this.ctx = ctx;
    this.sr = ctx.sampleRate;
    this.meters = meters;
    this.masterIn = busNode(ctx, 2);
    this.masterFader = busNode(ctx, 2);
    this.masterFader.connect(destination);
    this.masterMeter = meters ? new Meter(ctx, this.masterFader) : null;
    // Chromium stops a BiquadFilterNode ~33 ms after its input turns silent (measured: a 40 Hz
    // high-pass ring-out after a track's last clip was cut to 0, −78 dBFS residual), and a
    // ConstantSourceNode at 0 counts as silent. So every strip and the master bus get a DC of
    // 2^−100 (7.9e−31): absorbed by float32 rounding in any audible sample, and it keeps inputs live.
    this.keepAlive = new ConstantSourceNode(ctx, { offset: 2 ** -100 });
    this.keepAlive.start();
    this.keepAlive.connect(this.masterIn);
    this.masterChain = null;
    this.strips = new Map();
    this.sources = new Set();
    this.doc = null;
    this.buffers = null;
    this.origin = 0; // context frame where the output's timeline frame 0 plays
  }

  /** Bring the graph to `doc`; returns true if clip scheduling must be redone (latency or strips changed). */
  sync(doc, buffers, { smooth = false } = {}) {
    let reschedule = !this.doc;
    const master = doc.master || {};
    if (!this.masterChain || !this.masterChain.update(master.inserts, smooth)) {
      const before = this.masterChain ? this.masterChain.latency : 0;
      if (this.masterChain) this.masterChain.dispose();
      this.masterChain = new InsertChain(this.ctx, master.inserts, 2, this.masterIn, this.masterFader, this.origin);
      reschedule = reschedule || this.masterChain.latency !== before;
    }
    setParam(this.masterFader.gain, 10.0 ** (num(master.volume_db, 0) / 20.0), this.ctx, smooth);
    const audible = new Set(audibleTracks(doc).map((t) => t.id));
    const seen = new Set();
    for (const track of doc.tracks || []) {
      seen.add(track.id);
      const channels = trackChannels(track, buffers);
      let strip = this.strips.get(track.id);
      if (strip && strip.channels !== channels) {
        strip.dispose();
        strip = null;
      }
      if (!strip) {
        strip = new Strip(this, track, channels);
        this.strips.set(track.id, strip);
        reschedule = true;
      } else if (!strip.chain.update(track.inserts, smooth)) {
        const before = strip.latency;
        strip.setInserts(track.inserts);
        reschedule = reschedule || strip.latency !== before;
      }
      strip.setMix(track, audible.has(track.id), smooth);
    }
    for (const [id, strip] of this.strips) {
      if (!seen.has(id)) {
        strip.dispose();
        this.strips.delete(id);
      }
    }
    // clips and the decoded buffer each one plays (a file decoded later, or replaced, reschedules)
    const clips = JSON.stringify((doc.tracks || []).map((t) => [
      t.id, (t.clips || []).map((c) => [c, bufferId(buffers, c.file)]),
    ]));
    reschedule = reschedule || clips !== this.clipKey;
    this.clipKey = clips;
    this.doc = doc;
    this.buffers = buffers;
    return reschedule;
  }

  /** Total latency of a track's path: its chain plus the master chain (frames). */
  trackLatency(strip) {
    return strip.latency + this.masterChain.latency;
  }

  maxLatency() {
    let max = 0;
    for (const strip of this.strips.values()) max = Math.max(max, strip.latency);
    return max + (this.masterChain ? this.masterChain.latency : 0);
  }

  /** Tell the worklets where timeline frame 0 is (their 16-frame block grid is aligned to it). */
  setOrigin(origin) {
    this.origin = origin;
    if (!this.masterChain) return;
    this.masterChain.setOrigin(origin);
    for (const strip of this.strips.values()) strip.chain.setOrigin(origin - this.masterChain.latency);
  }

  /**
   * Start every clip portion of timeline [a, b) that plays at context frames from `from` to `to`
   * (exclusive), given that timeline frame `a` plays at context frame `ctxA` (output clock).
   * Each track is fed its latency earlier. Frames before `floor` are never fed (live: "now").
   */
  schedule(a, b, ctxA, from, to, floor = from) {
    const sr = this.sr;
    for (const track of this.doc.tracks || []) {
      const strip = this.strips.get(track.id);
      if (!strip) continue;
      const lat = this.trackLatency(strip);
      for (const clip of track.clips || []) {
        const buffer = bufferFor(this.buffers, clip.file);
        if (!buffer) continue;
        const f = clipFrames(clip, sr);
        const available = Math.min(f.length, Math.max(0, buffer.length - f.offset));
        const segA = Math.max(f.start, a);
        const segB = Math.min(f.start + available, b);
        if (segB <= segA) continue;
        let feed = ctxA + (segA - a) - lat;
        let first = segA - f.start; // clip frame at `feed`
        if (feed < floor) {
          first += floor - feed;
          feed = floor;
        }
        const last = segB - f.start;
        if (first >= last || feed < from || feed >= to) continue;
        this.startClip(strip, buffer, f, first, last, feed);
      }
    }
  }

  startClip(strip, buffer, f, first, last, ctxFrame) {
    const sr = this.sr;
    const source = new AudioBufferSourceNode(this.ctx, { buffer });
    const gain = new GainNode(this.ctx);
    source.connect(gain);
    gain.connect(strip.input);
    clipEnvelope(gain.gain, f, first, last, ctxFrame, sr);
    source.start(ctxFrame / sr, (f.offset + first) / sr, (last - first) / sr);
    const entry = { source, gain, end: ctxFrame + (last - first) };
    this.sources.add(entry);
    source.onended = () => {
      gain.disconnect();
      this.sources.delete(entry);
    };
  }

  /** Stop every scheduled clip at context frame `frame` (or at once). */
  stopSources(frame) {
    for (const entry of this.sources) {
      if (frame === undefined) {
        entry.source.onended = null;
        try { entry.source.stop(); } catch { /* never started */ }
        entry.gain.disconnect();
      } else if (entry.end > frame) {
        entry.source.stop(frame / this.sr);
        continue;
      }
      this.sources.delete(entry);
    }
  }

  readMeters() {
    const out = {};
    for (const [id, strip] of this.strips) if (strip.meter) out[id] = strip.meter.read();
    if (this.masterMeter) out.master = this.masterMeter.read();
    return out;
  }

  dispose() {
    this.stopSources();
    for (const strip of this.strips.values()) strip.dispose();
    if (this.masterChain) this.masterChain.dispose();
    this.masterFader.disconnect();
    this.keepAlive.stop();
    this.keepAlive.disconnect();
    if (this.masterMeter) this.masterMeter.dispose();
    this.strips.clear();
  }
}

/**
 * Clip gain × linear fades (audio.mix._fades: gain i/k over the first k frames, mirrored at the end)
 * as AudioParam events for clip frames [first, last), clip frame `first` at context frame `at`.
 *
 * Chromium places an automation event at the first frame at or after its time, computed as
 * ceil(time·sr): for about 1 frame in 7, (frame/sr)·sr lands 1 ulp above the integer and the
 * event would start one frame late (measured: a fade's first frame at gain 1 instead of 0). So
 * every event is placed EVENT_LEAD of a frame early, with its value moved along the same line:
 * a piece [s, e) with slope m is setValueAtTime(L(s) − m·δ, s − δ) + ramp to L(e) − m·δ at e − δ,
 * whose value at each frame s ≤ f < e is exactly L(f); the next piece's event (same time as the
 * ramp's end, so after it) takes over at frame e.
 */
const EVENT_LEAD = 1 / 8;

function clipEnvelope(param, f, first, last, at, sr) {
  const n = f.length;
  const k = f.fadeIn;
  const o = f.fadeOut;
  const env = (i) => {
    let v = k && i < k ? i / k : 1;
    if (o && i >= n - o) v *= (n - 1 - i) / o;
    return f.gain * v;
  };
  // context time of clip frame i, EVENT_LEAD early (never before 0: ceil(0) is exact anyway)
  const lead = (i) => Math.min(EVENT_LEAD, at + i - first);
  const time = (i) => (at + i - first - lead(i)) / sr;
  const bounds = [...new Set([0, k, n - o, n].filter((x) => x > first && x < last))].sort((x, y) => x - y);
  const pieces = [first, ...bounds, last];
  for (let p = 0; p + 1 < pieces.length; p++) {
    const s = pieces[p];
    const e = pieces[p + 1];
    if (k && o && s < k && e > n - o) { // the fades overlap (rounding): not linear, one event per frame
      for (let i = s; i < e; i++) param.setValueAtTime(env(i), time(i));
      continue;
    }
    const slope = e - 1 > s ? (env(e - 1) - env(s)) / (e - 1 - s) : 0;
    param.setValueAtTime(env(s) - slope * lead(s), time(s));
    if (slope !== 0) param.linearRampToValueAtTime(env(s) + slope * (e - s - lead(e)), time(e));
  }
  param.setValueAtTime(0, time(last));
}

// ---------------------------------------------------------------------------------------------
// Offline render

/** Render `doc` in an OfflineAudioContext at doc.sample_rate: [left, right], renderLengthFrames(doc) long. */
export async function renderOffline(doc, buffers) {
  const sr = doc.sample_rate;
  const n = renderLengthFrames(doc);
  if (arrangementLengthFrames(doc) === 0) throw new Error("arrangement has no clips: nothing to render");
  for (const t of audibleTracks(doc)) {
    for (const c of t.clips || []) if (!bufferFor(buffers, c.file)) throw new Error(`no decoded audio for ${c.file}`);
  }
  let latency = 0;
  for (const t of doc.tracks || []) latency = Math.max(latency, chainLatencyFrames(t.inserts, sr));
  latency += chainLatencyFrames((doc.master || {}).inserts, sr);
  const ctx = new OfflineAudioContext({ numberOfChannels: 2, length: n + latency, sampleRate: sr });
  await ensureWorklets(ctx);
  const graph = new MixGraph(ctx, ctx.destination);
  graph.origin = latency;
  graph.sync(doc, buffers);
  graph.schedule(0, Infinity, latency, 0, Infinity);
  const out = await ctx.startRendering();
  return [0, 1].map((c) => out.getChannelData(c).slice(latency, latency + n));
}

// ---------------------------------------------------------------------------------------------
// Live transport

function makeClick(ctx, freq, level) {
  const sr = ctx.sampleRate;
  const n = Math.round(0.03 * sr);
  const buffer = new AudioBuffer({ numberOfChannels: 1, length: n, sampleRate: sr });
  const d = buffer.getChannelData(0);
  for (let i = 0; i < n; i++) d[i] = level * Math.sin((2 * Math.PI * freq * i) / sr) * Math.exp(-i / (0.006 * sr));
  return buffer;
}

/**
 * Live playback of a document on `ctx` (an AudioContext the caller made at doc.sample_rate).
 * Scheduling runs on the audio clock: a 25 ms timer schedules clips 200 ms ahead at integer frames;
 * the playhead is computed from ctx.getOutputTimestamp(), never accumulated.
 * Seeking (and stop) flushes effect tails: parity with the bounce is defined from frame 0.
 */
export class Transport {
  /**
   * `onState({playing, positionSeconds, loop, metronome, error?})` is called on every transport change.
   * `destination`: where the mix goes (default ctx.destination); metronome clicks always go to
   * ctx.destination itself, so a mix captured from another node never contains them.
   */
  constructor(ctx, { onState, destination } = {}) {
    this.ctx = ctx;
    this.sr = ctx.sampleRate;
    this.destination = destination || ctx.destination;
    this.onState = onState || (() => {});
    this.doc = null;
    this.buffers = null;
    this.graph = null;
    this.loop = { on: false, start: 0, end: 0 };
    this.metronome = false;
    this.meter = { beatsPerBar: 4, beatUnit: 4 }; // the project's time signature: clicks, accents, count-in
    this.clickGain = new GainNode(ctx, { gain: 0.5 });
    this.clickGain.connect(ctx.destination); // the monitor only: never the mix graph
    this.clicks = [makeClick(ctx, 1760, 1), makeClick(ctx, 1320, 0.7)];
    this.clickSources = new Set();
    this.play_ = null; // {passes, from, scheduledTo, countIn...} while playing
    this.stoppedAt = 0; // timeline frame
    this.ready = ensureWorklets(ctx).then(() => {
      this.graph = new MixGraph(ctx, this.destination, { meters: true });
      if (this.doc) this.graph.sync(this.doc, this.buffers);
    });
    this.ready.catch((err) => this.onState({ playing: false, error: String(err) }));
  }

  get playing() {
    return !!this.play_;
  }

  /** Context frame at which timeline frame 0 plays in the current pass (tests align captures with it). */
  get originFrame() {
    return this.play_ ? this.play_.origin0 - this.play_.from : null;
  }

  /** Apply a new document: mix changes only set AudioParams; clip or latency changes reschedule. */
  setDocument(doc, buffers) {
    this.doc = doc;
    this.buffers = buffers;
    if (!this.graph) return;
    const reschedule = this.graph.sync(doc, buffers, { smooth: this.playing });
    if (reschedule && this.play_) this.reschedule();
  }

  async play(fromSeconds, { countInBars = 0 } = {}) {
    await this.ready;
    if (this.ctx.state === "suspended") await this.ctx.resume();
    const from = fromSeconds === undefined ? this.stoppedAt : Math.max(0, pyRound(fromSeconds * this.sr));
    if (this.play_) this.halt();
    const g = this.graph;
    const nowFrame = Math.ceil(this.ctx.currentTime * this.sr);
    const start = nowFrame + Math.round(START_MARGIN_S * this.sr);
    const beat = this.beatFrames();
    const countIn = Math.max(0, Math.round(countInBars)) * this.meter.beatsPerBar;
    const origin0 = start + g.maxLatency() + Math.round(countIn * beat);
    this.play_ = { from, origin0, start, scheduledTo: start, countIn, endFrame: null };
    g.setOrigin(origin0 - from); // the worklets' block grid: timeline frame 0 (parity is defined from 0)
    this.plan();
    for (let i = 0; i < countIn; i++) this.click(origin0 - Math.round((countIn - i) * beat), i % this.meter.beatsPerBar === 0);
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.emit();
  }

  stop() {
    if (!this.play_) return;
    this.stoppedAt = this.positionFrames();
    this.halt();
    this.emit();
  }

  /** Move the playhead; while playing, playback restarts there (effect tails are flushed). */
  seek(seconds) {
    const frame = Math.max(0, pyRound(seconds * this.sr));
    if (this.play_) return this.play(frame / this.sr);
    this.stoppedAt = frame;
    this.emit();
    return Promise.resolve();
  }

  setLoop(on, startS, endS) {
    const start = Math.max(0, pyRound(num(startS, 0) * this.sr));
    const end = Math.max(start + Math.round(MIN_LOOP_S * this.sr), pyRound(num(endS, 0) * this.sr));
    this.loop = { on: !!on, start, end };
    if (this.play_) {
      // keep the playhead continuous: the new loop applies from a frame just ahead of now
      const switchAt = Math.ceil(this.ctx.currentTime * this.sr) + Math.round(START_MARGIN_S * this.sr);
      const origin0 = switchAt + this.graph.maxLatency();
      const from = this.timelineAt(Math.max(origin0, this.play_.origin0));
      this.graph.stopSources(switchAt);
      this.stopClicks(Math.max(switchAt, this.play_.origin0)); // a running count-in keeps its clicks
      const o = Math.max(origin0, this.play_.origin0);
      this.play_ = { from, origin0: o, start: switchAt, scheduledTo: switchAt, countIn: 0 };
      this.plan(true);
      this.tick();
    }
    this.emit();
  }

  /** The time signature: the metronome clicks each beat (a 1/`beatUnit` note), accents bar starts. */
  setMeter(beatsPerBar = 4, beatUnit = 4) {
    const bars = Math.round(num(beatsPerBar, 4));
    const unit = Math.round(num(beatUnit, 4));
    this.meter = { beatsPerBar: bars >= 1 && bars <= 32 ? bars : 4, beatUnit: [1, 2, 4, 8, 16].includes(unit) ? unit : 4 };
  }

  setMetronome(on) {
    this.metronome = !!on;
    if (!on && this.play_) this.stopClicks(Math.max(Math.ceil(this.ctx.currentTime * this.sr), this.play_.origin0));
  }

  /** Playhead in seconds from the audio clock (loop-aware). `nowMs`: performance.now() of the frame being drawn. */
  positionSeconds(nowMs) {
    return this.positionFrames(nowMs) / this.sr;
  }

  /** Post-fader linear peaks per track and for the master over the last ~43 ms. */
  meters() {
    return this.graph ? this.graph.readMeters() : {};
  }

  dispose() {
    if (this.play_) this.halt(false);
    if (this.graph) this.graph.dispose();
    this.graph = null;
    this.clickGain.disconnect();
  }

  // -- internals ---------------------------------------------------------------------------------

  beatFrames() {
    const bpm = num(this.doc && this.doc.tempo_bpm, 120);
    return (60 / bpm) * (4 / this.meter.beatUnit) * this.sr;
  }

  outputFrame(nowMs) {
    const ctx = this.ctx;
    let t = ctx.currentTime;
    if (ctx.getOutputTimestamp) {
      const ts = ctx.getOutputTimestamp();
      if (ts.contextTime > 0) {
        const now = nowMs === undefined ? performance.now() : nowMs;
        t = Math.min(ctx.currentTime, ts.contextTime + Math.max(0, (now - ts.performanceTime) / 1000));
      }
    }
    return t * this.sr;
  }

  positionFrames(nowMs) {
    if (!this.play_) return this.stoppedAt;
    return this.timelineAt(this.outputFrame(nowMs));
  }

  /** Timeline frame playing at context frame `c` under the current pass plan. */
  timelineAt(c) {
    const p = this.play_;
    if (c <= p.origin0) return p.from;
    for (let i = p.passes.length - 1; i >= 0; i--) {
      const pass = p.passes[i];
      if (c >= pass.ctxA) return Math.min(pass.a + (c - pass.ctxA), pass.b === Infinity ? Infinity : pass.b);
    }
    return p.from;
  }

  /**
   * Passes: timeline ranges and the context frame where each starts (extended lazily when looping).
   * `preroll`: the first pass also covers the frames before `from` that the tracks with less than
   * the maximum latency must be fed (when the plan changes under a playing transport).
   */
  plan(preroll = false) {
    const p = this.play_;
    const { on, start, end } = this.loop;
    const loops = on && p.from < end;
    p.loops = loops;
    const a = preroll ? Math.max(0, p.from - this.graph.maxLatency()) : p.from;
    p.passes = [{ a, b: loops ? end : Infinity, ctxA: p.origin0 - (p.from - a) }];
    p.endFrame = renderLengthFrames(this.doc || { sample_rate: this.sr, tracks: [] });
    p.loopStart = start;
    p.loopEnd = end;
  }

  ensurePasses(horizon) {
    const p = this.play_;
    if (!p.loops) return;
    let last = p.passes[p.passes.length - 1];
    while (last.ctxA + (last.b - last.a) - this.graph.maxLatency() < horizon) {
      last = { a: p.loopStart, b: p.loopEnd, ctxA: last.ctxA + (last.b - last.a) };
      p.passes.push(last);
    }
    const now = Math.floor(this.ctx.currentTime * this.sr);
    while (p.passes.length > 2 && p.passes[1].ctxA + (p.passes[1].b - p.passes[1].a) < now) p.passes.splice(0, 1);
  }

  tick() {
    const p = this.play_;
    if (!p || !this.graph || !this.doc) return;
    const now = Math.floor(this.ctx.currentTime * this.sr);
    if (!p.loops && p.from < p.endFrame && p.origin0 + (p.endFrame - p.from) <= now) {
      this.stoppedAt = Math.max(p.from, p.endFrame);
      this.halt();
      this.emit();
      return;
    }
    const horizon = Math.ceil((this.ctx.currentTime + LOOKAHEAD_S) * this.sr) + this.graph.maxLatency();
    this.ensurePasses(horizon);
    for (const pass of p.passes) {
      this.graph.schedule(pass.a, pass.b, pass.ctxA, p.scheduledTo, horizon, p.start);
      if (this.metronome) this.scheduleClicks(pass, p.scheduledTo, horizon);
    }
    p.scheduledTo = horizon;
  }

  scheduleClicks(pass, from, to) {
    const beat = this.beatFrames();
    const lo = Math.max(pass.a, pass.a + (from - pass.ctxA));
    const hi = Math.min(pass.b, pass.a + (to - pass.ctxA));
    for (let k = Math.ceil(lo / beat); k * beat < hi; k++) {
      const frame = Math.round(k * beat);
      if (frame < lo || frame >= hi) continue;
      const at = pass.ctxA + (frame - pass.a);
      if (at >= from && at < to && at >= this.play_.origin0) this.click(at, k % this.meter.beatsPerBar === 0);
    }
  }

  click(frame, accent) {
    if (frame < Math.ceil(this.ctx.currentTime * this.sr)) return;
    const source = new AudioBufferSourceNode(this.ctx, { buffer: this.clicks[accent ? 0 : 1] });
    source.connect(this.clickGain);
    source.start(frame / this.sr);
    const entry = { source, at: frame };
    this.clickSources.add(entry);
    source.onended = () => this.clickSources.delete(entry);
  }

  stopClicks(frame) {
    for (const entry of this.clickSources) {
      if (frame === undefined || entry.at >= frame) {
        try { entry.source.stop(); } catch { /* not started */ }
        this.clickSources.delete(entry);
      }
    }
  }

  reschedule() {
    // clips changed while playing: keep the pass plan, replace the sources from a frame just ahead
    const p = this.play_;
    const ahead = Math.ceil(this.ctx.currentTime * this.sr) + Math.round(START_MARGIN_S * this.sr);
    const switchAt = Math.max(p.start, ahead);
    this.graph.stopSources(switchAt);
    this.graph.setOrigin(this.graph.origin); // chains rebuilt by sync() learn the grid
    p.start = switchAt;
    p.scheduledTo = switchAt;
    p.endFrame = renderLengthFrames(this.doc);
    this.tick();
  }

  halt(rebuild = true) {
    clearInterval(this.timer);
    this.timer = null;
    this.play_ = null;
    this.stopClicks();
    if (!rebuild) return;
    // flush effect tails: a fresh graph (same document) replaces the one that was playing
    this.graph.dispose();
    this.graph = new MixGraph(this.ctx, this.destination, { meters: true });
    if (this.doc) this.graph.sync(this.doc, this.buffers);
  }

  emit() {
    this.onState({
      playing: this.playing,
      positionSeconds: this.positionSeconds(),
      loop: { on: this.loop.on, startS: this.loop.start / this.sr, endS: this.loop.end / this.sr },
      metronome: this.metronome,
    });
  }
}

// The Studio's recording: microphone input, sample-exact capture, WAV encoding, latency calibration.
//
// Capture runs in an AudioWorklet (not MediaRecorder: that encodes Opus and has no sample-accurate
// start). The processor keeps a short ring of the input at all times, so a take can start at any
// context frame from about one second ago onwards: `Recorder.start(frame)` returns the context frame
// that is sample 0 of the take, and `placeTake` turns that into a timeline position once the
// round-trip latency (measured by `calibrateLatency`, a loopback click test) is taken off.
// Every `chunkSeconds` the recorder hands a WAV of that stretch to `onChunk`, so a crashed tab
// keeps the take up to its last chunk.
//
// Plain ES module, no imports, no framework (served from the assets next to studio_engine.js).

const RING_SECONDS = 1.0; // how far back in time a take may start
const BATCH_FRAMES = 2048; // frames per message from the audio thread (~43 ms at 48 kHz)

// ---------------------------------------------------------------------------------------------
// Errors the UI can show as they are: `code` for the logic, `message` in plain English.

function inputError(code, message, cause) {
  const err = new Error(message);
  err.code = code;
  if (cause) err.cause = cause;
  return err;
}

const MESSAGES = {
  insecure:
    "Recording needs a secure connection. Open the Studio through its https:// address " +
    "(or http://localhost on this computer) and try again.",
  denied:
    "The browser is blocking the microphone for this site. To record, allow it: click the icon at the " +
    "left of the address bar (a padlock or sliders), open the site settings, set Microphone to " +
    "\"Allow\", then reload the page.",
  deniedBySystem:
    "Your computer's privacy settings are blocking the browser from using the microphone. Allow your " +
    "browser to use the microphone in the system settings (on a Mac: System Settings > Privacy & " +
    "Security > Microphone), restart the browser, and try again.",
  noDevice:
    "No microphone was found. Connect a microphone or audio interface (and check that it is switched " +
    "on and selected as an input in your system's sound settings), then try again.",
  deviceGone:
    "The selected input is not available any more (unplugged or renamed). Pick another input in the " +
    "recording settings, or reconnect the device, and try again.",
  busy:
    "The microphone could not be started: another application may be using it. Close other apps that " +
    "record audio (calls, other tabs), or pick another input, and try again.",
};

/**
 * Open the microphone (or the input `deviceId`) with the browser's voice processing switched off.
 * Returns `{stream, source, channels, label, deviceId, sampleRate, latency, close()}`: `source` is a
 * MediaStreamAudioSourceNode in `ctx`. Throws an Error with `.code` "insecure", "denied",
 * "no-device", "busy" or "error" and a message meant for the user.
 */
export async function openInput(ctx, { deviceId } = {}) {
  const secure = typeof window === "undefined" || window.isSecureContext !== false;
  const md = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (!secure || !md || typeof md.getUserMedia !== "function") {
    throw inputError("insecure", MESSAGES.insecure);
  }
  const audio = {
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
    channelCount: 2, // a bare value is "ideal": mono microphones still open
  };
  if (deviceId) audio.deviceId = { exact: deviceId };
  let stream;
  try {
    stream = await md.getUserMedia({ audio, video: false });
  } catch (e) {
    const name = (e && e.name) || "";
    const text = String((e && e.message) || "");
    if (name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError") {
      throw inputError("denied", /system/i.test(text) ? MESSAGES.deniedBySystem : MESSAGES.denied, e);
    }
    if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
      throw inputError("no-device", deviceId ? MESSAGES.deviceGone : MESSAGES.noDevice, e);
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      throw inputError("busy", MESSAGES.busy, e);
    }
    throw inputError("error", `The microphone could not be opened (${name || "unknown error"}: ${text}).`, e);
  }
  const track = stream.getAudioTracks()[0];
  if (!track) {
    stream.getTracks().forEach((t) => t.stop());
    throw inputError("no-device", MESSAGES.noDevice);
  }
  const settings = track.getSettings ? track.getSettings() : {};
  const channels = Math.max(1, Math.min(2, Number(settings.channelCount) || 2));
  const source = new MediaStreamAudioSourceNode(ctx, { mediaStream: stream });
  return {
    stream,
    source,
    channels,
    label: track.label || "Microphone",
    deviceId: settings.deviceId || deviceId || "",
    sampleRate: settings.sampleRate || null, // the device's rate; capture is at ctx.sampleRate
    latency: typeof settings.latency === "number" ? settings.latency : null, // as reported (seconds)
    close() {
      try { source.disconnect(); } catch { /* not connected */ }
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Capture processor. This function's source is loaded into the audio thread (see ensureRecorder),
// so it must not refer to anything outside itself.

function recorderMain() {
  class Capture extends AudioWorkletProcessor {
    constructor(options) {
      super();
      const o = (options && options.processorOptions) || {};
      this.channels = o.channels || 2;
      this.batchFrames = o.batchFrames || 2048;
      this.ringFrames = o.ringFrames || 48000;
      this.ring = [];
      for (let c = 0; c < this.channels; c++) this.ring.push(new Float32Array(this.ringFrames));
      this.firstFrame = null; // first context frame this node ever saw
      this.ringEnd = 0; // context frame just after the newest sample in the ring
      this.take = null; // {id, start, stop, next, buf, fill, bufFrame}
      this.alive = true;
      this.port.onmessage = (e) => this.onMessage(e.data);
    }

    onMessage(m) {
      if (m.type === "start") {
        this.take = { id: m.id, want: m.frame, start: null, stop: Infinity, wantStop: undefined, next: 0 };
        if (this.firstFrame !== null) this.begin();
      } else if (m.type === "stop") {
        const t = this.take;
        if (!t || t.id !== m.id) return;
        t.wantStop = m.frame === null || m.frame === undefined ? "now" : m.frame;
        if (t.start !== null) this.settleStop();
      } else if (m.type === "dispose") {
        this.alive = false;
        this.take = null;
      }
    }

    /** Fix the take's first frame: the requested one, or the oldest still in the ring. */
    begin() {
      const t = this.take;
      const oldest = Math.max(this.firstFrame, this.ringEnd - this.ringFrames);
      const want = t.want === null || t.want === undefined ? this.ringEnd : Math.round(t.want);
      t.start = Math.max(want, oldest);
      t.next = t.start;
      this.newBatch(t.start);
      this.port.postMessage({ type: "started", id: t.id, frame: t.start, requested: want });
      if (t.wantStop !== undefined) this.settleStop();
      this.emit();
    }

    settleStop() {
      const t = this.take;
      const stop = t.wantStop === "now" ? this.ringEnd : Math.round(t.wantStop);
      t.stop = Math.max(t.start, stop);
      this.emit();
    }

    newBatch(frame) {
      const t = this.take;
      t.buf = [];
      for (let c = 0; c < this.channels; c++) t.buf.push(new Float32Array(this.batchFrames));
      t.fill = 0;
      t.bufFrame = frame;
    }

    flush() {
      const t = this.take;
      if (!t.fill) return;
      const channels = t.buf.map((b) => (t.fill === b.length ? b : b.slice(0, t.fill)));
      this.port.postMessage({ type: "data", id: t.id, frame: t.bufFrame, channels }, channels.map((c) => c.buffer));
      this.newBatch(t.bufFrame + t.fill);
    }

    /** Move samples [t.next, min(ringEnd, t.stop)) from the ring into batches. */
    emit() {
      const t = this.take;
      if (!t || t.start === null) return;
      const end = Math.min(this.ringEnd, t.stop);
      while (t.next < end) {
        const n = Math.min(end - t.next, this.batchFrames - t.fill);
        for (let c = 0; c < this.channels; c++) {
          const ring = this.ring[c];
          const dst = t.buf[c];
          for (let i = 0; i < n; i++) dst[t.fill + i] = ring[(t.next + i) % this.ringFrames];
        }
        t.fill += n;
        t.next += n;
        if (t.fill === this.batchFrames) this.flush();
      }
      if (t.next >= t.stop) {
        this.flush();
        this.port.postMessage({ type: "stopped", id: t.id, start: t.start, frames: t.stop - t.start });
        this.take = null;
      }
    }

    process(inputs) {
      if (!this.alive) return false;
      const input = inputs[0] || [];
      const frame = currentFrame;
      const n = (input[0] && input[0].length) || 128;
      if (this.firstFrame === null) this.firstFrame = frame;
      const at = frame % this.ringFrames;
      for (let c = 0; c < this.channels; c++) {
        const src = input[c] || (this.channels > 1 && input.length === 1 ? input[0] : null);
        const ring = this.ring[c];
        if (at + n <= this.ringFrames) {
          if (src) ring.set(src, at);
          else ring.fill(0, at, at + n);
        } else {
          for (let i = 0; i < n; i++) ring[(at + i) % this.ringFrames] = src ? src[i] : 0;
        }
      }
      this.ringEnd = frame + n;
      const t = this.take;
      if (t) {
        if (t.start === null) this.begin();
        else this.emit();
      }
      return true;
    }
  }
  registerProcessor("mb-recorder", Capture);
}

let recorderUrl = null;
const recorderLoads = new WeakMap(); // context -> Promise

/** Load the capture processor into `ctx` (once per context). */
function ensureRecorder(ctx) {
  let promise = recorderLoads.get(ctx);
  if (!promise) {
    if (!recorderUrl) {
      const src = `(${recorderMain.toString()})();\n`;
      recorderUrl = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
    }
    promise = ctx.audioWorklet.addModule(recorderUrl);
    promise.catch(() => recorderLoads.delete(ctx));
    recorderLoads.set(ctx, promise);
  }
  return promise;
}

// ---------------------------------------------------------------------------------------------

/** Resolve what `input` is: openInput()'s result, a MediaStream, or any AudioNode. */
function inputNode(ctx, input, channels) {
  if (input && input.source && typeof input.source.connect === "function") {
    return { node: input.source, owned: false, channels: channels || input.channels || 2 };
  }
  if (typeof MediaStream !== "undefined" && input instanceof MediaStream) {
    const node = new MediaStreamAudioSourceNode(ctx, { mediaStream: input });
    const track = input.getAudioTracks()[0];
    const reported = track && track.getSettings ? Number(track.getSettings().channelCount) : 0;
    return { node, owned: true, channels: channels || Math.max(1, Math.min(2, reported || 2)) };
  }
  if (input && typeof input.connect === "function") {
    return { node: input, owned: false, channels: channels || 2 };
  }
  throw new TypeError("Recorder input must be openInput()'s result, a MediaStream or an AudioNode");
}

function concat(parts, channels, frames) {
  const out = [];
  for (let c = 0; c < channels; c++) {
    const x = new Float32Array(frames);
    let at = 0;
    for (const p of parts) {
      x.set(p[c], at);
      at += p[c].length;
    }
    out.push(x);
  }
  return out;
}

/**
 * Chromium feeds a MediaStream into Web Audio through a FIFO that, when it runs dry, plays one whole
 * device buffer of exact zeros (typically 10 ms) and from then on delivers the input that much later;
 * a full FIFO drops a buffer instead (blink's WebAudioMediaStreamAudioSink). A live microphone never
 * produces an island of exact digital silence, so such islands (2–200 ms, with signal on both sides,
 * on every channel) are reported as dropouts: the take's timing after one may be off by the island's
 * length, and the UI can offer to record again. `offset`: the take frame of `channels[·][0]`.
 */
function scanDropouts(take, channels, offset, sampleRate) {
  const n = channels[0].length;
  const minFrames = Math.round(0.002 * sampleRate);
  const maxFrames = Math.round(0.2 * sampleRate);
  for (let i = 0; i < n; i++) {
    let zero = true;
    for (let c = 0; c < channels.length; c++) {
      if (channels[c][i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      if (take.zeroStart < 0) take.zeroStart = offset + i;
    } else {
      if (take.zeroStart >= 0) {
        const frames = offset + i - take.zeroStart;
        if (take.heard && frames >= minFrames && frames <= maxFrames) take.dropouts.push({ frame: take.zeroStart, frames });
        take.zeroStart = -1;
      }
      take.heard = true;
    }
  }
}

/**
 * Sample-exact capture of `input` (openInput()'s result, a MediaStream or an AudioNode) at the
 * context rate. One recorder can make several takes in a row (start → stop → start → …); call
 * dispose() when done. Create it when the track is armed, not when Record is pressed: the input
 * starts flowing through Chromium's MediaStream FIFO only once it is connected, and that FIFO
 * needs a few hundred milliseconds to settle (see scanDropouts). Options: `onChunk(wavBlob, index, {offsetFrames, frames})` every
 * `chunkSeconds` (0 = no chunks; the last, shorter chunk comes at stop), `channels` (default: the
 * input's), `bits` 16, 24 (default) or 32 (float) for the WAVs.
 */
export class Recorder {
  constructor(ctx, input, { onChunk, chunkSeconds = 5, channels, bits = 24 } = {}) {
    this.ctx = ctx;
    this.sampleRate = ctx.sampleRate;
    const resolved = inputNode(ctx, input, channels);
    this.input = resolved.node;
    this.ownsInput = resolved.owned;
    this.channels = resolved.channels;
    this.bits = bits;
    this.onChunk = onChunk || null;
    this.chunkFrames = chunkSeconds > 0 ? Math.max(128, Math.round(chunkSeconds * this.sampleRate)) : 0;
    this.node = null;
    this.take = null;
    this.takes = 0;
    this.disposed = false;
    this.ready = ensureRecorder(ctx).then(() => {
      if (this.disposed) return;
      this.node = new AudioWorkletNode(ctx, "mb-recorder", {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: this.channels,
        channelCountMode: "explicit",
        channelInterpretation: "speakers",
        processorOptions: {
          channels: this.channels,
          batchFrames: BATCH_FRAMES,
          ringFrames: Math.round(RING_SECONDS * this.sampleRate),
        },
      });
      this.node.port.onmessage = (e) => this.onMessage(e.data);
      this.input.connect(this.node);
    });
  }

  get recording() {
    return !!this.take;
  }

  /**
   * Start a take at context frame `atContextFrame` (default: now). Resolves with the context frame
   * that is sample 0 of the take: the requested one, unless it was already more than ~1 s in the past.
   */
  async start(atContextFrame) {
    if (this.take) throw new Error("This recorder is already recording; stop the take first.");
    await this.ready;
    if (this.disposed) throw new Error("This recorder has been disposed.");
    if (this.ctx.state === "suspended") await this.ctx.resume();
    const id = ++this.takes;
    const take = {
      id,
      startFrame: null,
      parts: [],
      frames: 0,
      pending: [], // samples not yet in a chunk
      pendingFrames: 0,
      chunkIndex: 0,
      chunkData: [], // PCM bytes of each chunk (the whole WAV is assembled from them)
      chunksOut: 0,
      dropouts: [], // islands of digital silence inside the take (see scanDropouts)
      zeroStart: -1,
      heard: false,
    };
    this.take = take;
    const started = new Promise((resolve) => { take.onStarted = resolve; });
    take.stopped = new Promise((resolve, reject) => { take.onStopped = resolve; take.onError = reject; });
    take.stopped.catch(() => {}); // a take abandoned by dispose() rejects; stop() still sees it
    const frame = atContextFrame === undefined || atContextFrame === null ? null : Math.round(atContextFrame);
    this.node.port.postMessage({ type: "start", id, frame });
    take.startFrame = await started;
    return take.startFrame;
  }

  /**
   * End the take at context frame `atContextFrame` (default: now; a future frame waits for it).
   * Resolves with `{channels, sampleRate, startFrame, frames, wav, dropouts}`: `channels` are
   * Float32Arrays, `startFrame` the context frame of sample 0, `wav` the whole take (a Blob),
   * `dropouts` `[{frame, frames}]` islands of digital silence the browser inserted (take frames).
   */
  async stop(atContextFrame) {
    const take = this.take;
    if (!take) throw new Error("This recorder is not recording.");
    const frame = atContextFrame === undefined || atContextFrame === null ? null : Math.round(atContextFrame);
    this.node.port.postMessage({ type: "stop", id: take.id, frame });
    await take.stopped;
    this.take = null;
    if (take.pendingFrames || take.chunkIndex === 0) this.emitChunk(take, take.pendingFrames);
    const channels = concat(take.parts, this.channels, take.frames);
    const wav = new Blob([wavHeader(this.channels, this.sampleRate, this.bits, take.frames), ...take.chunkData],
      { type: "audio/wav" });
    return {
      channels,
      sampleRate: this.sampleRate,
      startFrame: take.startFrame,
      frames: take.frames,
      wav,
      dropouts: take.dropouts,
    };
  }

  /** Disconnect from the input and free the audio-thread processor. */
  dispose() {
    this.disposed = true;
    if (this.take) this.take.onError(new Error("The recorder was disposed during a take."));
    this.take = null;
    if (this.node) {
      try { this.input.disconnect(this.node); } catch { /* already gone */ }
      this.node.port.postMessage({ type: "dispose" });
      this.node.port.onmessage = null;
      this.node = null;
    }
    if (this.ownsInput) {
      try { this.input.disconnect(); } catch { /* already gone */ }
    }
  }

  onMessage(m) {
    const take = this.take;
    if (!take || m.id !== take.id) return;
    if (m.type === "started") {
      take.onStarted(m.frame);
    } else if (m.type === "data") {
      take.parts.push(m.channels);
      scanDropouts(take, m.channels, take.frames, this.sampleRate);
      take.frames += m.channels[0].length;
      if (this.chunkFrames) {
        take.pending.push(m.channels);
        take.pendingFrames += m.channels[0].length;
        while (take.pendingFrames >= this.chunkFrames) this.emitChunk(take, this.chunkFrames);
      } else {
        take.chunkData.push(encodePcm(m.channels, this.bits, 0, m.channels[0].length));
      }
    } else if (m.type === "stopped") {
      take.onStopped(m);
    }
  }

  /** Encode the first `frames` pending frames as one chunk (and hand it to onChunk when chunking). */
  emitChunk(take, frames) {
    const channels = concat(take.pending, this.channels, take.pendingFrames);
    const rest = channels.map((x) => x.subarray(frames));
    const head = channels.map((x) => x.subarray(0, frames));
    take.pending = rest[0].length ? [rest] : [];
    take.pendingFrames = rest[0].length;
    if (!this.chunkFrames) return;
    const pcm = encodePcm(head, this.bits, 0, frames);
    take.chunkData.push(pcm);
    const index = take.chunkIndex++;
    const offsetFrames = take.chunksOut;
    take.chunksOut += frames;
    if (this.onChunk && frames > 0) {
      const blob = new Blob([wavHeader(this.channels, this.sampleRate, this.bits, frames), pcm], { type: "audio/wav" });
      try {
        this.onChunk(blob, index, { offsetFrames, frames, startFrame: take.startFrame + offsetFrames });
      } catch (err) {
        console.error("Recorder onChunk failed", err); // eslint-disable-line no-console
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// WAV

function wavHeader(channels, sampleRate, bits, frames) {
  const float = bits === 32;
  const bytesPerSample = bits / 8;
  const dataBytes = frames * channels * bytesPerSample;
  const fmtBytes = float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const header = new ArrayBuffer(12 + 8 + fmtBytes + factBytes + 8);
  const v = new DataView(header);
  const tag = (at, s) => { for (let i = 0; i < 4; i++) v.setUint8(at + i, s.charCodeAt(i)); };
  tag(0, "RIFF");
  v.setUint32(4, header.byteLength - 8 + dataBytes, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, fmtBytes, true);
  v.setUint16(20, float ? 3 : 1, true); // WAVE_FORMAT_IEEE_FLOAT / WAVE_FORMAT_PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * bytesPerSample, true);
  v.setUint16(32, channels * bytesPerSample, true);
  v.setUint16(34, bits, true);
  let at = 36;
  if (float) {
    v.setUint16(at, 0, true); // cbSize
    at += 2;
    tag(at, "fact");
    v.setUint32(at + 4, 4, true);
    v.setUint32(at + 8, frames, true);
    at += 12;
  }
  tag(at, "data");
  v.setUint32(at + 4, dataBytes, true);
  return header;
}

/** Interleaved little-endian PCM of channels[c][from:to): 16/24-bit integer or 32-bit float. */
function encodePcm(channels, bits, from, to) {
  const n = Math.max(0, to - from);
  const ch = channels.length;
  const bytes = bits / 8;
  const out = new ArrayBuffer(n * ch * bytes);
  if (bits === 32) {
    const f = new Float32Array(out);
    for (let c = 0; c < ch; c++) {
      const x = channels[c];
      for (let i = 0; i < n; i++) f[i * ch + c] = x[from + i];
    }
    return out;
  }
  const u8 = new Uint8Array(out);
  const full = bits === 16 ? 32768 : 8388608;
  const max = full - 1;
  for (let c = 0; c < ch; c++) {
    const x = channels[c];
    for (let i = 0; i < n; i++) {
      let s = Math.round(x[from + i] * full);
      if (s > max) s = max;
      else if (s < -full) s = -full;
      else if (s !== s) s = 0; // NaN
      const at = (i * ch + c) * bytes;
      u8[at] = s & 0xff;
      u8[at + 1] = (s >> 8) & 0xff;
      if (bytes === 3) u8[at + 2] = (s >> 16) & 0xff;
    }
  }
  return out;
}

/**
 * A WAV file (Blob) of `channels` (Float32Arrays of equal length) at `sampleRate`: 24-bit integer
 * (default), 16-bit, or 32-bit float (`bits` = 32). Integers are round(x·2^(bits−1)), clipped.
 */
export function encodeWav(channels, sampleRate, bits = 24) {
  if (![16, 24, 32].includes(bits)) throw new RangeError("bits must be 16, 24 or 32");
  if (!channels.length) throw new RangeError("encodeWav needs at least one channel");
  const frames = channels[0].length;
  if (channels.some((x) => x.length !== frames)) throw new RangeError("channels differ in length");
  return new Blob([wavHeader(channels.length, sampleRate, bits, frames), encodePcm(channels, bits, 0, frames)],
    { type: "audio/wav" });
}

// ---------------------------------------------------------------------------------------------
// Placement

/**
 * Where a take goes on the timeline. `startFrameInContext`: the take's sample 0 (Recorder.start's
 * result); `timelineOriginFrame`: the context frame at which timeline frame 0 plays (the transport's
 * originFrame); `latencyFrames`: the calibrated round trip. Everything is snapped to whole frames.
 * Returns `{seconds, frames, offsetSeconds, offsetFrames}`: the clip's start on the timeline (≥ 0)
 * and how much of the take's head falls before timeline 0 and is trimmed (the clip's offset).
 */
export function placeTake(startFrameInContext, timelineOriginFrame, latencyFrames, sampleRate) {
  const at = Math.round(startFrameInContext) - Math.round(timelineOriginFrame) - Math.round(latencyFrames || 0);
  const frames = Math.max(0, at);
  const offsetFrames = Math.max(0, -at);
  return { seconds: frames / sampleRate, frames, offsetSeconds: offsetFrames / sampleRate, offsetFrames };
}

// ---------------------------------------------------------------------------------------------
// Latency calibration (loopback click test)

/** The calibration click: a 10 ms Hann-windowed linear chirp, 1.5 → 6 kHz (sharp autocorrelation,
 *  inside the band of laptop speakers and microphones). */
function calibrationClick(sampleRate) {
  const n = Math.round(0.01 * sampleRate);
  const x = new Float32Array(n);
  const f0 = 1500;
  const f1 = 6000;
  const dur = n / sampleRate;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const phase = 2 * Math.PI * (f0 * t + ((f1 - f0) / (2 * dur)) * t * t);
    x[i] = Math.sin(phase) * 0.5 * (1 - Math.cos((2 * Math.PI * i) / (n - 1)));
  }
  return x;
}

/**
 * Normalised cross-correlation of `template` against `x[from + lag …]` for lag in [0, maxLag].
 * Returns the first arrival: the earliest local maximum whose coefficient is at least
 * `firstArrival` × the best one (a reflection can be louder than the direct sound, never earlier),
 * as `{lag, score}` (score 1 = the template exactly, scaled; lag −1 when nothing was found).
 */
function bestMatch(x, from, template, maxLag, firstArrival = 0.7) {
  const m = template.length;
  let tEnergy = 0;
  for (let i = 0; i < m; i++) tEnergy += template[i] * template[i];
  const tNorm = Math.sqrt(tEnergy);
  const lags = Math.max(0, Math.min(maxLag, x.length - m - from) + 1);
  if (!lags || from < 0) return { lag: -1, score: 0 };
  const scores = new Float64Array(lags);
  // running energy of the window x[from+lag, from+lag+m)
  let wEnergy = 0;
  for (let i = 0; i < m; i++) wEnergy += x[from + i] * x[from + i];
  let bestScore = 0;
  const floor = m * 1e-10; // below ~−100 dBFS the window is silence, not a click
  for (let lag = 0; lag < lags; lag++) {
    if (lag > 0) {
      const out = x[from + lag - 1];
      const inn = x[from + lag + m - 1];
      wEnergy += inn * inn - out * out;
    }
    if (wEnergy > floor) {
      let dot = 0;
      const base = from + lag;
      for (let i = 0; i < m; i++) dot += template[i] * x[base + i];
      const score = dot / (tNorm * Math.sqrt(wEnergy));
      scores[lag] = score;
      if (score > bestScore) bestScore = score;
    }
  }
  if (bestScore <= 0) return { lag: -1, score: 0 };
  const bar = bestScore * firstArrival;
  for (let lag = 0; lag < lags; lag++) {
    const s = scores[lag];
    if (s >= bar && (lag === 0 || s >= scores[lag - 1]) && (lag === lags - 1 || s >= scores[lag + 1])) {
      return { lag, score: s };
    }
  }
  return { lag: -1, score: 0 };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/**
 * Loopback latency test: plays `clicks` chirps through `output` (default ctx.destination: the
 * speakers) while recording `input`, finds each chirp's arrival by normalised cross-correlation and
 * returns the median round trip `{latencyFrames, latencyMs, spreadMs, confidence, clicksFound,
 * clicks, sampleRate}`. Throws (`.code` "no-click" or "unstable", plain message) when too few
 * chirps are heard or their arrivals disagree by more than `maxSpreadMs`. `input`: as for Recorder
 * (openInput()'s result, a MediaStream or an AudioNode); `output`: where the chirps go.
 */
export async function calibrateLatency(ctx, input, {
  clicks = 8,
  intervalSeconds = 0.5,
  maxLatencyMs = 400,
  maxSpreadMs = 2,
  minScore = 0.3,
  level = 0.5,
  settleSeconds = 0.5,
  output,
} = {}) {
  const sr = ctx.sampleRate;
  if (ctx.state === "suspended") await ctx.resume();
  const template = calibrationClick(sr);
  const maxLag = Math.round((maxLatencyMs / 1000) * sr);
  const interval = Math.max(Math.round(intervalSeconds * sr), maxLag + template.length + 1);
  const rec = new Recorder(ctx, input, { chunkSeconds: 0, bits: 32 });
  const buffer = new AudioBuffer({ length: template.length, numberOfChannels: 1, sampleRate: sr });
  buffer.copyToChannel(template, 0);
  const gain = new GainNode(ctx, { gain: level });
  gain.connect(output || ctx.destination);
  const sources = [];
  let take;
  try {
    await rec.ready;
    // Start once the input has been flowing for a while: Chromium's MediaStream FIFO starts empty
    // and can slip by a device buffer in its first few pulls.
    const startFrame = await rec.start(Math.ceil(ctx.currentTime * sr) + Math.round(settleSeconds * sr));
    const first = Math.max(startFrame, Math.ceil(ctx.currentTime * sr)) + Math.round(0.15 * sr);
    const emitted = [];
    for (let k = 0; k < clicks; k++) {
      const at = first + k * interval;
      const s = new AudioBufferSourceNode(ctx, { buffer });
      s.connect(gain);
      s.start(at / sr); // an integer frame: no sub-sample interpolation
      sources.push(s);
      emitted.push(at);
    }
    const end = emitted[emitted.length - 1] + maxLag + template.length + 128;
    take = await rec.stop(end);
    const found = [];
    const scores = [];
    for (let k = 0; k < clicks; k++) {
      let best = { lag: -1, score: 0 };
      for (const x of take.channels) {
        const m = bestMatch(x, emitted[k] - take.startFrame, template, maxLag);
        if (m.score > best.score) best = m;
      }
      scores.push(best.score);
      if (best.lag >= 0 && best.score >= minScore) found.push(best.lag);
    }
    const needed = Math.max(2, Math.ceil(clicks * 0.75));
    if (found.length < needed) {
      throw inputError("no-click",
        `The test clicks were not picked up by the microphone (heard ${found.length} of ${clicks}). ` +
        "Take headphones off so the microphone can hear the speakers, make sure the input is not muted " +
        "and the speaker volume is up, then run the calibration again.");
    }
    const spreadFrames = Math.max(...found) - Math.min(...found);
    const spreadMs = (spreadFrames / sr) * 1000;
    if (spreadMs > maxSpreadMs) {
      throw inputError("unstable",
        `The delay changed by ${spreadMs.toFixed(1)} ms between test clicks, too much to trust. ` +
        "Make the room quieter, close other apps that use audio, and run the calibration again.");
    }
    const latencyFrames = Math.round(median(found));
    return {
      latencyFrames,
      latencyMs: (latencyFrames / sr) * 1000,
      spreadMs,
      confidence: Math.max(0, Math.min(1, (found.length / clicks) * median(scores))),
      clicksFound: found.length,
      clicks,
      sampleRate: sr,
    };
  } finally {
    for (const s of sources) {
      try { s.stop(); } catch { /* ended */ }
      s.disconnect();
    }
    gain.disconnect();
    rec.dispose(); // also abandons the take if something failed mid-way
  }
}

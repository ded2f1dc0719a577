// Peaks (.dat v2, audiowaveform's binary format as written by audio/peaks.py) for the browser:
// fetch + parse + cache, min/max columns for a span of samples, and canvas drawing.
// Shared by waveform_thumbnail.jsx and track_player.jsx (one module instance, one cache).
//
// Layout, little-endian: int32 version=2, uint32 flags (bit 0 = 8-bit), int32 sample_rate,
// int32 samples_per_pixel, uint32 length, int32 channels, then per pixel per channel min, max
// as int8 or int16.

const HEADER_BYTES = 24;
const CACHE_LIMIT = 256; // parsed files kept (a 4096-spp file of a 5-min song is ~26 KB parsed)
const cache = new Map(); // url -> Promise<Peaks>
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parse one .dat v2 buffer; channels are merged (min of mins, max of maxes), scaled to -1..1. */
export function parseDat(buffer) {
  if (buffer.byteLength < HEADER_BYTES) {
    throw new Error(`peaks file too short (${buffer.byteLength} bytes)`);
  }
  const view = new DataView(buffer);
  const version = view.getInt32(0, true);
  if (version !== 2) throw new Error(`unsupported peaks version ${version}`);
  const bits = view.getUint32(4, true) & 1 ? 8 : 16;
  const sampleRate = view.getInt32(8, true);
  const samplesPerPixel = view.getInt32(12, true);
  const length = view.getUint32(16, true);
  const channels = view.getInt32(20, true);
  if (sampleRate < 1 || samplesPerPixel < 1 || channels < 1 || channels > 64) {
    throw new Error(`bad peaks header (rate ${sampleRate}, spp ${samplesPerPixel}, channels ${channels})`);
  }
  const values = length * channels * 2;
  if (buffer.byteLength < HEADER_BYTES + values * (bits / 8)) {
    throw new Error(`peaks file truncated: ${length} pixels × ${channels} channels announced`);
  }
  let src;
  if (bits === 8) src = new Int8Array(buffer, HEADER_BYTES, values);
  else if (LITTLE_ENDIAN) src = new Int16Array(buffer, HEADER_BYTES, values);
  else {
    src = new Int16Array(values);
    for (let i = 0; i < values; i++) src[i] = view.getInt16(HEADER_BYTES + 2 * i, true);
  }
  const scale = bits === 8 ? 1 / 128 : 1 / 32768;
  const min = new Float32Array(length);
  const max = new Float32Array(length);
  for (let i = 0, j = 0; i < length; i++) {
    let lo = src[j];
    let hi = src[j + 1];
    j += 2;
    for (let c = 1; c < channels; c++, j += 2) {
      if (src[j] < lo) lo = src[j];
      if (src[j + 1] > hi) hi = src[j + 1];
    }
    min[i] = lo * scale;
    max[i] = hi * scale;
  }
  return { sampleRate, samplesPerPixel, length, channels, bits, min, max };
}

/** Fetch (same-origin cookies) and parse a .dat once per URL; failures are not cached. */
export function loadPeaks(url) {
  let promise = cache.get(url);
  if (promise) {
    cache.delete(url); // re-insert: Map order doubles as least-recently-used order
    cache.set(url, promise);
    return promise;
  }
  promise = fetch(url, { credentials: "same-origin" })
    .then((res) => {
      if (!res.ok) throw new Error(`peaks request failed (HTTP ${res.status})`);
      return res.arrayBuffer();
    })
    .then(parseDat);
  promise.catch(() => cache.delete(url));
  cache.set(url, promise);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
  return promise;
}

/**
 * Min/max per output column: column x covers samples [start + x·per, start + (x+1)·per) of a file
 * whose last sample is `endSample`. Columns outside the audio get min > max (nothing to draw).
 * Each column aggregates every peak it overlaps, so no transient is lost between columns.
 */
export function fillColumns(peaks, startSample, samplesPerColumn, count, outMin, outMax, endSample) {
  const spp = peaks.samplesPerPixel;
  const end = Math.min(peaks.length, Math.ceil((endSample ?? peaks.length * spp) / spp));
  for (let x = 0; x < count; x++) {
    const s0 = startSample + x * samplesPerColumn;
    let i0 = Math.floor(s0 / spp);
    let i1 = Math.floor((s0 + samplesPerColumn) / spp);
    if (i1 <= i0) i1 = i0 + 1;
    if (i0 < 0) i0 = 0;
    if (i1 > end) i1 = end;
    if (i0 >= i1) {
      outMin[x] = 1;
      outMax[x] = -1;
      continue;
    }
    let lo = peaks.min[i0];
    let hi = peaks.max[i0];
    for (let i = i0 + 1; i < i1; i++) {
      if (peaks.min[i] < lo) lo = peaks.min[i];
      if (peaks.max[i] > hi) hi = peaks.max[i];
    }
    outMin[x] = lo;
    outMax[x] = hi;
  }
}

/** One filled path of 1-px columns between `top` and `top + height` (device pixels). */
export function drawColumns(ctx, mins, maxs, count, top, height, color) {
  const mid = top + height / 2;
  const amp = height / 2;
  ctx.fillStyle = color;
  ctx.beginPath();
  for (let x = 0; x < count; x++) {
    if (mins[x] > maxs[x]) continue;
    const y0 = mid - maxs[x] * amp;
    const y1 = mid - mins[x] * amp;
    ctx.rect(x, y0, 1, Math.max(1, y1 - y0));
  }
  ctx.fill();
}

// One ResizeObserver and one IntersectionObserver for every waveform on the page.
let resizeObserver = null;
const resizeCallbacks = new WeakMap();

export function observeResize(element, callback) {
  if (!resizeObserver) {
    resizeObserver = new ResizeObserver((entries) => {
      for (const entry of entries) resizeCallbacks.get(entry.target)?.(entry.contentRect.width);
    });
  }
  resizeCallbacks.set(element, callback);
  resizeObserver.observe(element);
  return () => {
    resizeObserver.unobserve(element);
    resizeCallbacks.delete(element);
  };
}

let visibleObserver = null;
const visibleCallbacks = new WeakMap();

/** Calls `callback` once, when the element comes within 300 px of the viewport. */
export function observeVisible(element, callback) {
  if (typeof IntersectionObserver === "undefined") {
    callback();
    return () => {};
  }
  if (!visibleObserver) {
    visibleObserver = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          visibleObserver.unobserve(entry.target);
          const cb = visibleCallbacks.get(entry.target);
          visibleCallbacks.delete(entry.target);
          cb?.();
        }
      },
      { rootMargin: "300px" },
    );
  }
  visibleCallbacks.set(element, callback);
  visibleObserver.observe(element);
  return () => {
    visibleObserver.unobserve(element);
    visibleCallbacks.delete(element);
  };
}

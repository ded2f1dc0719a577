// The track page's player: a zoomable, scrollable canvas waveform drawn from the .dat pyramid and an
// <audio> element (two for A/B) routed through Web Audio for gain. Wrapped by track_player.py.
//
// Everything per frame (playhead, time, zoom, scroll) stays here; the server hears only
// onPosition(seconds) on pause/seek/end, onAb("a"|"b") and onMatchLoudness(bool).
//
// Drawing: the base canvas holds ruler + waveform for the visible viewport, drawn from the coarsest
// peaks level whose samples-per-pixel ≤ the view's (device) samples-per-pixel, columns aggregated
// to screen pixels. The same columns are drawn in the accent colour on an offscreen canvas; each
// animation frame copies its played part onto the overlay canvas and draws the playhead there.
import { useEffect, useMemo, useRef, useState } from "react";
import {
  drawColumns,
  fillColumns,
  loadPeaks,
  observeResize,
} from "$/public/external/maxbooster/components/peaks_dat/peaks_dat.js";

const DEFAULT_COLORS = {
  bg: "#16181c", panel: "#1e2126", raised: "#262a30", border: "#30353d", text: "#e6e8eb",
  muted: "#9aa1ab", accent: "#3d8bfd", wave: "#56606e", solid: "#1f6feb",
};
const RULER_PX = 18; // css px of time ruler above the waveform
const SCROLLBAR_PX = 12;
const ZOOM_STEP = 2;
const MIN_SAMPLES_PER_PX = 16; // deepest zoom: a 64-spp peak spans 4 css px
const GUESS_RATE = 44100; // until the first .dat tells the real sample rate
const DRAG_PX = 4; // pointer travel that turns a click (seek) into a drag (scroll)
const SYNC_S = 0.03; // A/B: the silent element is realigned when it drifts further than this
const KEY_SEEK_S = 5;

const CSS = `
.mbtp,.mbtp *{box-sizing:border-box}
.mbtp{width:100%;background:var(--mbtp-panel);border:1px solid var(--mbtp-border);border-radius:8px;color:var(--mbtp-text);min-width:0;overflow:hidden}
.mbtp-bar{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:8px 10px;border-bottom:1px solid var(--mbtp-border)}
.mbtp-btn{appearance:none;display:inline-flex;align-items:center;justify-content:center;gap:6px;height:30px;min-width:30px;padding:0 10px;border-radius:6px;border:1px solid var(--mbtp-border);background:var(--mbtp-raised);color:var(--mbtp-text);font:inherit;font-size:13px;line-height:1;cursor:pointer;white-space:nowrap}
.mbtp-btn:hover:not(:disabled){border-color:var(--mbtp-accent)}
.mbtp-btn:disabled{opacity:.45;cursor:default}
.mbtp-btn[aria-pressed="true"]{background:color-mix(in srgb,var(--mbtp-accent) 22%,var(--mbtp-raised));border-color:var(--mbtp-accent)}
.mbtp-btn svg{width:16px;height:16px;flex:none}
.mbtp-play{width:36px;height:36px;min-width:36px;padding:0;border-radius:50%;background:var(--mbtp-solid);border-color:var(--mbtp-solid);color:#fff}
.mbtp-seg{display:inline-flex}
.mbtp-seg .mbtp-btn{border-radius:0}
.mbtp-seg .mbtp-btn:first-child{border-radius:6px 0 0 6px}
.mbtp-seg .mbtp-btn:last-child{border-radius:0 6px 6px 0}
.mbtp-seg .mbtp-btn+.mbtp-btn{margin-left:-1px}
.mbtp-time{font-variant-numeric:tabular-nums;font-size:13px;color:var(--mbtp-text);min-width:8.6em;white-space:nowrap}
.mbtp-spacer{flex:1 1 0}
.mbtp-wrap{position:relative;background:var(--mbtp-bg)}
.mbtp-wrap canvas{position:absolute;left:0;top:0;width:100%;display:block;pointer-events:none}
.mbtp-scroller{position:absolute;inset:0;overflow-x:auto;overflow-y:hidden;cursor:pointer;touch-action:pan-y pinch-zoom;scrollbar-width:thin;scrollbar-color:var(--mbtp-wave) transparent}
.mbtp-scroller.mbtp-dragging{cursor:grabbing}
.mbtp :focus-visible{outline:2px solid #6ea8fe;outline-offset:2px}
.mbtp-scroller:focus-visible{outline-offset:-2px}
.mbtp-msg{padding:6px 10px;font-size:12px;color:var(--mbtp-muted);border-top:1px solid var(--mbtp-border)}
`;

const ICONS = {
  play: <path d="M5 3.2v9.6a.6.6 0 0 0 .9.5l7.6-4.8a.6.6 0 0 0 0-1L5.9 2.7a.6.6 0 0 0-.9.5z" fill="currentColor" />,
  pause: <path d="M4.5 3h2.5v10H4.5zM9 3h2.5v10H9z" fill="currentColor" />,
  zoomIn: <path d="M7 4v6M4 7h6M10.5 10.5 14 14M12 7A5 5 0 1 1 2 7a5 5 0 0 1 10 0z" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" />,
  zoomOut: <path d="M4 7h6M10.5 10.5 14 14M12 7A5 5 0 1 1 2 7a5 5 0 0 1 10 0z" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" />,
  fit: <path d="M2 8h12M2 8l3-3M2 8l3 3M14 8l-3-3M14 8l-3 3" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
};

function Icon({ name }) {
  return <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">{ICONS[name]}</svg>;
}

/** 83.46 → "1:23.4" (tenths) or "1:23". */
export function formatTime(seconds, tenths) {
  const t = Math.max(0, Number.isFinite(seconds) ? seconds : 0);
  if (tenths) {
    const d = Math.floor(t * 10 + 1e-6);
    const m = Math.floor(d / 600);
    const s = (d % 600) / 10;
    return `${m}:${s < 10 ? "0" : ""}${s.toFixed(1)}`;
  }
  const whole = Math.floor(t + 1e-6);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function parseLevels(peaksUrls) {
  let urls = peaksUrls;
  if (typeof urls === "string") {
    try {
      urls = JSON.parse(urls);
    } catch {
      urls = {};
    }
  }
  return Object.entries(urls || {})
    .map(([spp, url]) => ({ spp: Number(spp), url }))
    .filter((l) => l.spp > 0 && typeof l.url === "string" && l.url)
    .sort((a, b) => a.spp - b.spp);
}

const dbToGain = (db) => 10 ** ((Number(db) || 0) / 20);
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

// Space toggles the most recently used player unless focus is somewhere Space means something else.
const players = [];
let lastUsed = null;
const SPACE_OWNERS =
  "input,textarea,select,button,a[href],[contenteditable=''],[contenteditable='true'],[role=button]," +
  "[role=checkbox],[role=switch],[role=radio],[role=menuitem],[role=option],[role=tab],[role=textbox],[role=combobox]";

function onDocumentKey(event) {
  if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  const target = event.target;
  if (target instanceof Element && target !== document.body && target.closest(SPACE_OWNERS)) return;
  const player = players.includes(lastUsed) ? lastUsed : players[0];
  if (!player) return;
  event.preventDefault();
  if (!event.repeat) player.toggle();
}

export function TrackPlayer(props) {
  const {
    peaksUrls, audioUrl, audioUrlB, durationS = 0, gainDbA = 0, gainDbB = 0, matchLoudness = true,
    height = 160, label = "Track", labelA = "Original", labelB = "Master", colors: colorsProp,
    onPosition, onAb, onMatchLoudness, id, className,
  } = props;
  const colors = { ...DEFAULT_COLORS, ...(colorsProp || {}) };
  const levels = useMemo(() => parseLevels(peaksUrls), [peaksUrls]);
  const hasB = Boolean(audioUrlB);

  const [playing, setPlaying] = useState(false);
  const [which, setWhich] = useState("a");
  const [matched, setMatched] = useState(matchLoudness !== false);
  const [zoom, setZoom] = useState({ canIn: true, canOut: false });
  const [message, setMessage] = useState("");

  const rootRef = useRef(null);
  const wrapRef = useRef(null);
  const scrollerRef = useRef(null);
  const spacerRef = useRef(null);
  const baseRef = useRef(null);
  const overlayRef = useRef(null);
  const timeRef = useRef(null);
  const audioARef = useRef(null);
  const audioBRef = useRef(null);

  // Imperative engine state: never causes a React render.
  const eng = useRef(null);
  if (!eng.current) {
    eng.current = {
      pps: 0, fit: true, width: 0, dpr: 1, scroll: 0, rate: 0, loaded: new Map(), pending: new Set(),
      failed: new Set(), position: 0, playing: false, which: "a", matched: matchLoudness !== false,
      ctx: undefined, gainA: null, gainB: null, raf: 0, drawQueued: false, accent: null, mins: null,
      maxs: null, lastText: "", lastAria: -1, lastSync: 0, drag: null, api: null, follow: true, gen: 0,
    };
  }
  const live = useRef(null);
  live.current = { durationS, levels, colors, onPosition, onAb, onMatchLoudness, gainDbA, gainDbB, hasB, height };

  const e = eng.current;
  const L = () => live.current;

  function duration() {
    if (L().durationS > 0) return Number(L().durationS);
    const a = audioARef.current;
    if (a && Number.isFinite(a.duration) && a.duration > 0) return a.duration;
    for (const p of e.loaded.values()) return (p.length * p.samplesPerPixel) / p.sampleRate;
    return 0;
  }
  const rate = () => e.rate || GUESS_RATE;
  const activeEl = () => (e.which === "b" && L().hasB && audioBRef.current ? audioBRef.current : audioARef.current);
  const idleEl = () => (e.which === "b" ? audioARef.current : audioBRef.current);
  const currentTime = () => (e.playing && activeEl() ? activeEl().currentTime : e.position);
  const fitPps = () => (duration() > 0 && e.width > 0 ? e.width / duration() : 100);
  const maxPps = () => Math.max(fitPps(), rate() / MIN_SAMPLES_PER_PX);

  // ---- peaks levels -------------------------------------------------------------------------
  function wantedLevel() {
    const lv = L().levels;
    if (!lv.length) return null;
    const viewSpp = rate() / (e.pps * e.dpr);
    let pick = lv[0];
    for (const level of lv) if (level.spp <= viewSpp) pick = level; // coarsest that is fine enough
    return pick;
  }

  function request(level) {
    if (e.loaded.has(level.spp) || e.pending.has(level.spp) || e.failed.has(level.spp)) return;
    e.pending.add(level.spp);
    const gen = e.gen;
    loadPeaks(level.url).then(
      (peaks) => {
        if (gen !== e.gen) return; // a file of the previous track
        e.pending.delete(level.spp);
        e.loaded.set(level.spp, peaks);
        const first = !e.rate;
        e.rate = peaks.sampleRate;
        if (first) layout(); // the real rate may change the level to use and the zoom limits
        requestDraw();
      },
      (err) => {
        if (gen !== e.gen) return;
        e.pending.delete(level.spp);
        e.failed.add(level.spp);
        if (!e.loaded.size) setMessage(`Waveform unavailable: ${err?.message || err}`);
        requestDraw();
      },
    );
  }

  /** The wanted level if loaded (else it is requested), meanwhile the nearest loaded one. */
  function levelToDraw() {
    const want = wantedLevel();
    if (!want) return null;
    if (e.loaded.has(want.spp)) return e.loaded.get(want.spp);
    request(want);
    let best = null;
    for (const [spp, peaks] of e.loaded) {
      if (!best || Math.abs(Math.log(spp / want.spp)) < Math.abs(Math.log(best.samplesPerPixel / want.spp))) best = peaks;
    }
    return best;
  }

  // ---- drawing -----------------------------------------------------------------------------
  function requestDraw() {
    if (e.drawQueued) return;
    e.drawQueued = true;
    requestAnimationFrame(() => {
      e.drawQueued = false;
      drawBase();
      drawOverlay();
    });
  }

  function sizeCanvas(canvas, w, h) {
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
  }

  function drawRuler(ctx, w, dpr) {
    const c = L().colors;
    const rulerH = Math.round(RULER_PX * dpr);
    ctx.fillStyle = c.panel;
    ctx.fillRect(0, 0, w, rulerH);
    ctx.fillStyle = c.border;
    ctx.fillRect(0, rulerH - Math.max(1, Math.round(dpr)), w, Math.max(1, Math.round(dpr)));
    const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
    const step = steps.find((s) => s * e.pps >= 64) || 1200;
    const first = Math.floor(e.scroll / e.pps / step);
    const last = Math.ceil((e.scroll + e.width) / e.pps / step);
    ctx.font = `${Math.round(10 * dpr)}px system-ui, sans-serif`;
    ctx.textBaseline = "middle";
    for (let i = first; i <= last; i++) {
      const t = i * step; // no accumulated rounding in the labels
      const x = Math.round((t * e.pps - e.scroll) * dpr);
      if (x < -50 * dpr || x > w) continue;
      ctx.fillStyle = c.border;
      ctx.fillRect(x, Math.round(rulerH * 0.55), Math.max(1, Math.round(dpr)), rulerH);
      ctx.fillStyle = c.muted;
      const text = step < 1 ? formatTime(t, true) : formatTime(t, false);
      ctx.fillText(text, x + Math.round(4 * dpr), Math.round(rulerH * 0.45));
    }
  }

  function drawBase() {
    const canvas = baseRef.current;
    if (!canvas || e.width <= 0) return;
    const dpr = e.dpr;
    const c = L().colors;
    const w = Math.max(1, Math.round(e.width * dpr));
    const h = Math.max(1, Math.round(L().height * dpr));
    sizeCanvas(canvas, w, h);
    if (!e.accent) e.accent = document.createElement("canvas");
    sizeCanvas(e.accent, w, h);
    const ctx = canvas.getContext("2d");
    const actx = e.accent.getContext("2d");
    ctx.fillStyle = c.bg;
    ctx.fillRect(0, 0, w, h);
    actx.clearRect(0, 0, w, h);
    drawRuler(ctx, w, dpr);
    const top = Math.round((RULER_PX + 6) * dpr);
    const waveH = h - top - Math.round(6 * dpr);
    const mid = Math.round(top + waveH / 2);
    const endX = Math.min(w, Math.round((duration() * e.pps - e.scroll) * dpr));
    ctx.fillStyle = c.border; // centre line over the track's length
    ctx.fillRect(0, mid, Math.max(0, endX), Math.max(1, Math.round(dpr)));
    const peaks = levelToDraw();
    if (!peaks) return; // loading (or failed): the centre line is the placeholder
    if (rootRef.current) rootRef.current.dataset.level = String(peaks.samplesPerPixel); // for tests and debugging
    if (!e.mins || e.mins.length < w) {
      e.mins = new Float32Array(w);
      e.maxs = new Float32Array(w);
    }
    const sr = peaks.sampleRate;
    fillColumns(peaks, (e.scroll / e.pps) * sr, sr / (e.pps * dpr), w, e.mins, e.maxs, duration() * sr);
    drawColumns(ctx, e.mins, e.maxs, w, top, waveH, c.wave);
    actx.fillStyle = c.accent; // a faint wash marks the played region
    actx.globalAlpha = 0.08;
    actx.fillRect(0, top, w, waveH);
    actx.globalAlpha = 1;
    drawColumns(actx, e.mins, e.maxs, w, top, waveH, c.accent);
  }

  function drawOverlay() {
    const canvas = overlayRef.current;
    if (!canvas || e.width <= 0) return;
    const dpr = e.dpr;
    const w = Math.max(1, Math.round(e.width * dpr));
    const h = Math.max(1, Math.round(L().height * dpr));
    sizeCanvas(canvas, w, h);
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    const t = currentTime();
    const x = Math.round((t * e.pps - e.scroll) * dpr);
    if (x > 0 && e.accent && e.accent.width === w) {
      const cw = Math.min(x, w);
      ctx.drawImage(e.accent, 0, 0, cw, h, 0, 0, cw, h);
    }
    if (x >= -2 * dpr && x <= w + 2 * dpr) {
      const lw = Math.max(2, Math.round(1.5 * dpr));
      ctx.fillStyle = L().colors.accent;
      ctx.fillRect(x - Math.floor(lw / 2), 0, lw, h);
      const r = Math.round(5 * dpr);
      ctx.beginPath(); // a small marker in the ruler
      ctx.moveTo(x - r, 0);
      ctx.lineTo(x + r, 0);
      ctx.lineTo(x, Math.round(7 * dpr));
      ctx.closePath();
      ctx.fill();
    }
    const text = `${formatTime(t, true)} / ${formatTime(duration(), false)}`;
    if (timeRef.current && text !== e.lastText) {
      e.lastText = text;
      timeRef.current.textContent = text;
    }
    const whole = Math.floor(t);
    const slider = scrollerRef.current;
    if (slider && whole !== e.lastAria) {
      e.lastAria = whole;
      slider.setAttribute("aria-valuenow", String(whole));
      slider.setAttribute("aria-valuetext", `${formatTime(t, false)} of ${formatTime(duration(), false)}`);
      slider.setAttribute("aria-valuemax", String(Math.ceil(duration())));
    }
  }

  // ---- layout, zoom, scroll ------------------------------------------------------------------
  function applyContentWidth() {
    const content = Math.max(e.width, duration() * e.pps);
    if (spacerRef.current) spacerRef.current.style.width = `${content}px`;
    return content;
  }

  function updateZoomButtons() {
    const canIn = e.pps < maxPps() * 0.999;
    const canOut = !e.fit;
    setZoom((z) => (z.canIn === canIn && z.canOut === canOut ? z : { canIn, canOut }));
  }

  function layout() {
    if (e.fit || !e.pps) e.pps = fitPps();
    e.pps = clamp(e.pps, fitPps(), maxPps());
    e.fit = e.pps <= fitPps() * 1.0001;
    const content = applyContentWidth();
    const scroller = scrollerRef.current;
    if (scroller) {
      e.scroll = clamp(e.scroll, 0, Math.max(0, content - e.width));
      scroller.scrollLeft = e.scroll;
    }
    updateZoomButtons();
    requestDraw();
  }

  /** Zoom to `pps` keeping the time under `anchorX` (css px from the viewport's left) in place. */
  function zoomTo(pps, anchorX) {
    const anchor = anchorX ?? e.width / 2;
    const t = (e.scroll + anchor) / e.pps;
    e.pps = clamp(pps, fitPps(), maxPps());
    e.fit = e.pps <= fitPps() * 1.0001;
    const content = applyContentWidth();
    e.scroll = clamp(t * e.pps - anchor, 0, Math.max(0, content - e.width));
    if (scrollerRef.current) scrollerRef.current.scrollLeft = e.scroll;
    updateZoomButtons();
    requestDraw();
  }

  function zoomAroundPlayhead(factor) {
    const x = currentTime() * e.pps - e.scroll;
    zoomTo(e.pps * factor, x >= 0 && x <= e.width ? x : e.width / 2);
  }

  function fit() {
    e.fit = true;
    e.pps = fitPps();
    e.scroll = 0;
    layout();
  }

  /** Scroll so that time `t` sits at `at` (fraction of the width). */
  function reveal(t, at) {
    const content = Math.max(e.width, duration() * e.pps);
    e.scroll = clamp(t * e.pps - e.width * at, 0, Math.max(0, content - e.width));
    scrollerRef.current.scrollLeft = e.scroll;
    requestDraw();
  }

  /** While playing, page forward when the playhead reaches the right edge (like a DAW). A manual
   *  scroll that leaves the playhead off screen disarms this until the playhead is visible again. */
  function follow(t) {
    if (e.drag) return;
    const x = t * e.pps - e.scroll;
    if (x >= 0 && x <= e.width * 0.98) {
      e.follow = true;
      return;
    }
    if (e.follow) reveal(t, 0.02);
  }

  // ---- audio ---------------------------------------------------------------------------------
  function ensureGraph() {
    if (e.ctx !== undefined) return;
    const Ctx = window.AudioContext || window.webkitAudioContext;
    try {
      e.ctx = new Ctx();
    } catch (err) {
      e.ctx = null; // no Web Audio: element volume (≤ 1) and mute instead
      console.warn("track player: Web Audio unavailable, gains above 0 dB are not applied", err);
    }
    if (e.ctx) {
      const ctx = e.ctx;
      e.route = (el) => {
        el.muted = false;
        el.volume = 1;
        const gain = ctx.createGain();
        ctx.createMediaElementSource(el).connect(gain).connect(ctx.destination);
        return gain;
      };
      try {
        e.gainA = e.route(audioARef.current);
        if (audioBRef.current) e.gainB = e.route(audioBRef.current);
      } catch (err) {
        console.warn("track player: could not route audio through Web Audio", err);
      }
    }
    applyGains(true);
  }

  function levelOf(w) {
    if (!e.matched) return 1;
    return dbToGain(w === "b" ? L().gainDbB : L().gainDbA);
  }

  function applyGains(immediate) {
    const hasBNow = L().hasB && audioBRef.current;
    const ga = !hasBNow || e.which === "a" ? levelOf("a") : 0;
    const gb = hasBNow && e.which === "b" ? levelOf("b") : 0;
    if (rootRef.current) rootRef.current.dataset.gains = `${ga.toFixed(3)},${gb.toFixed(3)}`;
    if (e.ctx) {
      const now = e.ctx.currentTime;
      for (const [node, value] of [[e.gainA, ga], [e.gainB, gb]]) {
        if (!node) continue;
        node.gain.cancelScheduledValues(now);
        if (immediate) node.gain.setValueAtTime(value, now);
        else node.gain.setTargetAtTime(value, now, 0.006); // ~30 ms to settle: no click
      }
    } else if (e.ctx === null) {
      const a = audioARef.current;
      const b = audioBRef.current;
      if (a) { a.muted = ga === 0; a.volume = Math.min(1, ga || 1); }
      if (b) { b.muted = gb === 0; b.volume = Math.min(1, gb || 1); }
    }
  }

  function reportPosition(t) {
    const cb = L().onPosition;
    if (cb) cb(Math.round(t * 1000) / 1000);
  }

  async function play() {
    const a = audioARef.current;
    if (!a || e.playing) return;
    ensureGraph();
    if (e.ctx && e.ctx.state !== "running") e.ctx.resume().catch(() => {});
    let t = e.position;
    if (duration() > 0 && t >= duration() - 0.05) t = 0;
    e.position = t;
    const els = [a, audioBRef.current].filter((el) => el && el.getAttribute("src"));
    if (!els.includes(a)) return; // nothing to play yet
    for (const el of els) if (Math.abs(el.currentTime - t) > 0.005) el.currentTime = t;
    e.playing = true;
    e.follow = true;
    setPlaying(true);
    try {
      await Promise.all(els.map((el) => el.play()));
      setMessage("");
    } catch (err) {
      if (err?.name === "AbortError") return; // paused before it started
      for (const el of els) el.pause();
      e.playing = false;
      setPlaying(false);
      setMessage(`Playback failed: ${err?.message || err}`);
      return;
    }
    startLoop();
  }

  function pause(report = true) {
    if (!e.playing) return;
    e.position = activeEl().currentTime;
    e.playing = false;
    for (const el of [audioARef.current, audioBRef.current]) {
      if (!el) continue;
      el.pause();
      el.playbackRate = 1;
      if (Math.abs(el.currentTime - e.position) > 0.001) el.currentTime = e.position;
    }
    setPlaying(false);
    drawOverlay();
    if (report) reportPosition(e.position);
  }

  function toggle() {
    if (e.playing) pause();
    else play();
  }

  function seek(t, report = true) {
    const d = duration();
    e.position = clamp(t, 0, d > 0 ? d : Infinity);
    for (const el of [audioARef.current, audioBRef.current]) if (el) el.currentTime = e.position;
    const x = e.position * e.pps - e.scroll;
    if (x < 0 || x > e.width) reveal(e.position, 0.25);
    e.follow = true;
    drawOverlay();
    if (report) reportPosition(e.position);
  }

  function choose(w) {
    if (!L().hasB || e.which === w) return;
    const from = activeEl();
    e.which = w;
    const to = activeEl();
    to.playbackRate = 1;
    if (Math.abs(to.currentTime - from.currentTime) > SYNC_S) to.currentTime = from.currentTime;
    if (!e.playing) e.position = from.currentTime;
    applyGains(false);
    setWhich(w);
    L().onAb?.(w);
    drawOverlay();
  }

  function setMatch(on) {
    e.matched = on;
    setMatched(on);
    applyGains(false);
    L().onMatchLoudness?.(on);
  }

  /** While playing both A/B elements, keep the silent one aligned (rate nudge; seek if far off). */
  function syncIdle(now) {
    const idle = idleEl();
    const active = activeEl();
    if (!idle || !L().hasB || now - e.lastSync < 200) return;
    e.lastSync = now;
    const drift = idle.currentTime - active.currentTime;
    if (Math.abs(drift) > 0.25) {
      idle.playbackRate = 1;
      idle.currentTime = active.currentTime;
    } else if (Math.abs(drift) > 0.005) {
      idle.playbackRate = clamp(1 - drift * 2, 0.9, 1.1);
    } else if (idle.playbackRate !== 1) {
      idle.playbackRate = 1;
    }
  }

  function startLoop() {
    if (e.raf) return;
    const tick = (now) => {
      e.raf = 0;
      if (!e.playing) return;
      follow(activeEl().currentTime);
      syncIdle(now);
      drawOverlay();
      e.raf = requestAnimationFrame(tick);
    };
    e.raf = requestAnimationFrame(tick);
  }

  function onEnded(ev) {
    if (ev.currentTarget !== activeEl() || !e.playing) return;
    e.playing = false;
    e.position = duration() || activeEl().currentTime;
    for (const el of [audioARef.current, audioBRef.current]) if (el) el.pause();
    setPlaying(false);
    drawOverlay();
    reportPosition(e.position);
  }

  // ---- pointer and keyboard --------------------------------------------------------------------
  function pointerX(ev) {
    return ev.clientX - scrollerRef.current.getBoundingClientRect().left;
  }

  function onPointerDown(ev) {
    const scroller = scrollerRef.current;
    const rect = scroller.getBoundingClientRect();
    if (ev.button !== 0 || ev.clientY - rect.top > scroller.clientHeight) return; // the scrollbar
    lastUsed = e.api;
    e.drag = { x0: ev.clientX, scroll0: e.scroll, moved: false, id: ev.pointerId };
    scroller.setPointerCapture?.(ev.pointerId);
  }

  function onPointerMove(ev) {
    const d = e.drag;
    if (!d || d.id !== ev.pointerId) return;
    const dx = ev.clientX - d.x0;
    if (!d.moved && Math.abs(dx) < DRAG_PX) return;
    if (!d.moved) scrollerRef.current.classList.add("mbtp-dragging");
    d.moved = true;
    scrollerRef.current.scrollLeft = d.scroll0 - dx;
  }

  function onPointerUp(ev) {
    const d = e.drag;
    if (!d || d.id !== ev.pointerId) return;
    e.drag = null;
    scrollerRef.current.classList.remove("mbtp-dragging");
    if (!d.moved && ev.type === "pointerup") seek((e.scroll + pointerX(ev)) / e.pps);
  }

  function onScroll() {
    const left = scrollerRef.current.scrollLeft;
    if (Math.abs(left - e.scroll) > 1) e.follow = false; // the listener scrolled, not us
    e.scroll = left;
    requestDraw();
  }

  function onKeyDown(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const target = ev.target;
    if (target instanceof Element && target.closest("input,textarea,select,[contenteditable='true']")) return;
    lastUsed = e.api;
    const onSlider = target === scrollerRef.current;
    const key = ev.key;
    const step = ev.shiftKey ? 1 : KEY_SEEK_S;
    const report = !ev.repeat; // a held arrow reports once, on keyup
    let handled = true;
    if (onSlider && (key === "ArrowLeft" || key === "ArrowDown")) seek(currentTime() - step, report);
    else if (onSlider && (key === "ArrowRight" || key === "ArrowUp")) seek(currentTime() + step, report);
    else if (onSlider && key === "Home") seek(0);
    else if (onSlider && key === "End") seek(duration());
    else if (key === " ") { if (!ev.repeat) toggle(); } // on the waveform and on the player's own buttons
    else if (key === "+" || key === "=") zoomAroundPlayhead(ZOOM_STEP);
    else if (key === "-" || key === "_") zoomAroundPlayhead(1 / ZOOM_STEP);
    else if (key === "0") fit();
    else if (L().hasB && (key === "a" || key === "A")) choose("a");
    else if (L().hasB && (key === "b" || key === "B")) choose("b");
    else handled = false;
    if (handled) {
      ev.preventDefault(); // for Space on a button: no click on keyup
      ev.stopPropagation();
      if (ev.repeat && key.startsWith("Arrow")) e.heldArrow = true;
    }
  }

  function onKeyUp(ev) {
    if (ev.key === " " && !(ev.target instanceof Element && ev.target.closest("input,textarea,select"))) ev.preventDefault();
    if (e.heldArrow && ev.key.startsWith("Arrow")) {
      e.heldArrow = false;
      reportPosition(currentTime());
    }
  }

  // ---- effects ---------------------------------------------------------------------------------
  e.api = e.api || { toggle: () => toggle() };
  e.api.toggle = toggle; // latest closure

  useEffect(() => {
    const api = e.api;
    players.push(api);
    if (players.length === 1) document.addEventListener("keydown", onDocumentKey);
    return () => {
      players.splice(players.indexOf(api), 1);
      if (lastUsed === api) lastUsed = null;
      if (!players.length) document.removeEventListener("keydown", onDocumentKey);
    };
  }, []);

  useEffect(() => {
    const wrap = wrapRef.current;
    const stop = observeResize(wrap, (w) => {
      e.width = w;
      e.dpr = window.devicePixelRatio || 1;
      layout();
    });
    // Ctrl/⌘ + wheel zooms around the pointer (React's onWheel is passive: no preventDefault).
    const scroller = scrollerRef.current;
    const onWheel = (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      lastUsed = e.api;
      const step = ev.deltaMode === 1 ? ev.deltaY * 33 : ev.deltaY;
      zoomTo(e.pps * Math.exp(-step * 0.005), pointerX(ev));
    };
    scroller.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      stop();
      scroller.removeEventListener("wheel", onWheel);
      cancelAnimationFrame(e.raf);
      e.raf = 0;
      e.playing = false;
      if (e.ctx) e.ctx.close().catch(() => {});
    };
  }, []);

  // A new track (or peaks) resets the view; the cache keeps already parsed files.
  useEffect(() => {
    e.gen += 1;
    e.loaded = new Map();
    e.pending = new Set();
    e.failed = new Set();
    e.rate = 0;
    e.fit = true;
    setMessage(levels.length ? "" : "No waveform for this track.");
    layout();
  }, [levels]);

  // Sources are set here rather than by React: a renewed address for the same file (signed URLs are
  // re-issued when the page refreshes its data) or another version to compare keeps the playhead and
  // keeps playing; only the element whose address changed reloads, and rejoins at the playhead.
  useEffect(() => {
    const t = currentTime();
    let changed = false;
    for (const [el, url] of [[audioARef.current, audioUrl || ""], [audioBRef.current, audioUrlB || ""]]) {
      if (!el || (el.getAttribute("src") || "") === url) continue;
      changed = true;
      if (url) {
        el.setAttribute("src", url);
        el.currentTime = t;
        if (e.playing) el.play().catch(() => {});
      } else {
        el.pause();
        el.removeAttribute("src");
        el.load();
      }
    }
    if (!changed) return;
    if (!audioUrlB && e.which === "b") {
      e.which = "a";
      setWhich("a");
      applyGains(false);
    }
    if (!audioUrl) pause(false);
    e.lastAria = -1;
    requestDraw();
  }, [audioUrl, audioUrlB]);

  useEffect(() => {
    e.matched = matchLoudness !== false;
    setMatched(e.matched);
    applyGains(false);
  }, [matchLoudness]);

  useEffect(() => applyGains(false), [gainDbA, gainDbB]);

  useEffect(() => {
    if (!hasB && e.which === "b") {
      e.which = "a";
      setWhich("a");
    }
    if (hasB && e.ctx && !e.gainB && audioBRef.current) e.gainB = e.route(audioBRef.current); // B added later
    applyGains(true);
  }, [hasB]);

  useEffect(() => requestDraw(), [height, colorsProp, durationS]);

  const cssVars = Object.fromEntries(Object.entries(colors).map(([k, v]) => [`--mbtp-${k}`, v]));
  const offsets = `${labelA} ${Number(gainDbA).toFixed(1)} dB, ${labelB} ${Number(gainDbB).toFixed(1)} dB`;
  return (
    <div
      ref={rootRef}
      id={id}
      className={`mbtp ${className || ""}`}
      data-testid={props["data-testid"]}
      data-playing={playing ? "true" : "false"}
      data-ab={which}
      role="group"
      aria-label={`Player: ${label}`}
      onKeyDown={onKeyDown}
      onKeyUp={onKeyUp}
      onFocus={() => { lastUsed = e.api; }}
      style={cssVars}
    >
      <style href="mb-track-player" precedence="default">{CSS}</style>
      <div className="mbtp-bar">
        <button type="button" className="mbtp-btn mbtp-play" aria-label={playing ? "Pause" : "Play"} title={playing ? "Pause (Space)" : "Play (Space)"} onClick={toggle}>
          <Icon name={playing ? "pause" : "play"} />
        </button>
        <span ref={timeRef} className="mbtp-time" aria-label="Position">
          {`${formatTime(0, true)} / ${formatTime(durationS, false)}`}
        </span>
        {hasB && (
          <div className="mbtp-seg" role="group" aria-label="Compare versions (keys A and B)">
            <button type="button" className="mbtp-btn" aria-pressed={which === "a"} title={`${labelA} (A)`} onClick={() => choose("a")}>{labelA}</button>
            <button type="button" className="mbtp-btn" aria-pressed={which === "b"} title={`${labelB} (B)`} onClick={() => choose("b")}>{labelB}</button>
          </div>
        )}
        {hasB && (
          <button type="button" className="mbtp-btn" aria-pressed={matched} title={matched ? `Levels matched (${offsets}); press to hear real levels` : "Real levels; press to match loudness"} onClick={() => setMatch(!matched)}>
            Match loudness
          </button>
        )}
        <span className="mbtp-spacer" />
        <div className="mbtp-seg" role="group" aria-label="Zoom">
          <button type="button" className="mbtp-btn" aria-label="Zoom out" title="Zoom out (−)" disabled={!zoom.canOut} onClick={() => zoomAroundPlayhead(1 / ZOOM_STEP)}><Icon name="zoomOut" /></button>
          <button type="button" className="mbtp-btn" aria-label="Zoom in" title="Zoom in (+)" disabled={!zoom.canIn} onClick={() => zoomAroundPlayhead(ZOOM_STEP)}><Icon name="zoomIn" /></button>
          <button type="button" className="mbtp-btn" aria-label="Fit whole track" title="Fit (0)" disabled={!zoom.canOut} onClick={fit}><Icon name="fit" /></button>
        </div>
      </div>
      <div ref={wrapRef} className="mbtp-wrap" style={{ height: `${height + SCROLLBAR_PX}px` }}>
        <canvas ref={baseRef} role="img" aria-label={`Waveform of ${label}`} style={{ height: `${height}px` }} />
        <canvas ref={overlayRef} aria-hidden="true" style={{ height: `${height}px` }} />
        <div
          ref={scrollerRef}
          className="mbtp-scroller"
          role="slider"
          tabIndex={0}
          aria-label="Playback position"
          aria-orientation="horizontal"
          aria-valuemin={0}
          aria-valuemax={Math.ceil(durationS || 0)}
          aria-valuenow={0}
          aria-valuetext={`0:00 of ${formatTime(durationS, false)}`}
          onScroll={onScroll}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
        >
          <div ref={spacerRef} style={{ width: "100%", height: "1px" }} />
        </div>
      </div>
      {message && <div className="mbtp-msg" role="status">{message}</div>}
      {/* Both elements always exist (so both are routed through Web Audio); the effect above sets src. */}
      <audio ref={audioARef} preload="auto" onEnded={onEnded} onLoadedMetadata={() => layout()} data-version="a" />
      <audio ref={audioBRef} preload="auto" onEnded={onEnded} data-version="b" />
    </div>
  );
}

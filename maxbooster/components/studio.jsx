// The Studio editor: arrange view (canvas timeline drawn from the .dat peaks pyramid), transport,
// mixer with inserts, library panel, undo/redo and shortcuts. Wrapped by studio.py.
//
// The document is edited here first (studio_doc.js applies each committed gesture at once) and
// sent as one event per gesture: onCommit(JSON {txn_id, base_version, ops}); the server answers
// through the `ack` prop. Playback, meters, zoom, scroll and drag previews stay in the browser:
// they never send an event. Audio is the Web Audio port of the server's mixdown
// (studio_engine.js), so what plays here is what the bounce renders.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { drawColumns, fillColumns, loadPeaks, observeResize } from "$/public/external/maxbooster/components/peaks_dat/peaks_dat.js";
import { EditSession, newId, snapToSample } from "$/public/external/maxbooster/components/studio/studio_doc.js";
import { Transport } from "$/public/external/maxbooster/components/studio/studio_engine.js";
import { Recorder, calibrateLatency, openInput, placeTake } from "$/public/external/maxbooster/components/studio/studio_record.js";

const DEFAULT_COLORS = {
  bg: "#16181c", panel: "#1e2126", raised: "#262a30", border: "#30353d", text: "#e6e8eb",
  muted: "#9aa1ab", accent: "#3d8bfd", wave: "#56606e", solid: "#1f6feb",
};
const ROLE_COLORS = { // the kinds of track the engine knows (audio.arrangement_schema.ROLES)
  vocals: "#e0719a", drums: "#e8a23d", bass: "#7c6cf0", music: "#3dbb8a", other: "#6f8fb8",
};
const PALETTE = ["#e0719a", "#e8a23d", "#e8d13d", "#3dbb8a", "#40b4d8", "#3d8bfd", "#7c6cf0", "#b36cf0", "#6f8fb8", "#a0a7b1"];
const RULER = 26; // css px of the bar ruler above the tracks
const TRACK_H = 76; // css px per track lane
const HEADER_W = 222; // css px of the track headers column
const EDGE = 7; // css px near a clip edge that trims instead of moving
const FADE_HANDLE = 8; // css px square of the fade handles at the clip's top corners
const MIN_PX_PER_S = 2;
const MAX_PX_PER_S = 2000;
const RESEND_MS = 10000; // an edit unanswered this long is sent again (same id: applied once)

const CSS = `
.mbst,.mbst *{box-sizing:border-box}
.mbst{display:flex;flex-direction:column;width:100%;min-width:0;background:var(--st-panel);border:1px solid var(--st-border);border-radius:8px;color:var(--st-text);font-size:13px;overflow:hidden}
.mbst-pop{position:absolute;right:10px;top:48px;z-index:30;width:300px;background:var(--st-panel);border:1px solid var(--st-border);border-radius:10px;padding:14px;display:flex;flex-direction:column;gap:8px;box-shadow:0 12px 32px rgba(0,0,0,.5)}
.mbst-pop .opt{display:flex;gap:8px;align-items:center;font-size:12px;cursor:pointer}
.mbst-pop input{accent-color:var(--st-accent)}
.mbst-bar{position:relative;display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:8px 10px;border-bottom:1px solid var(--st-border);background:var(--st-raised)}
.mbst-btn{appearance:none;display:inline-flex;align-items:center;justify-content:center;gap:5px;height:30px;min-width:30px;padding:0 8px;border-radius:6px;border:1px solid var(--st-border);background:var(--st-panel);color:var(--st-text);font:inherit;font-size:12px;line-height:1;cursor:pointer;white-space:nowrap}
.mbst-btn:hover:not(:disabled){border-color:var(--st-accent)}
.mbst-btn:disabled{opacity:.45;cursor:default}
.mbst-btn[aria-pressed="true"]{background:color-mix(in srgb,var(--st-accent) 25%,var(--st-panel));border-color:var(--st-accent)}
.mbst-btn svg{width:15px;height:15px;flex:none}
.mbst-play{width:34px;height:34px;min-width:34px;padding:0;border-radius:50%;background:var(--st-solid);border-color:var(--st-solid);color:#fff}
.mbst-lcd{display:flex;gap:10px;align-items:baseline;padding:4px 10px;border-radius:6px;background:#0e1013;border:1px solid var(--st-border);font-variant-numeric:tabular-nums;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.mbst-lcd b{font-size:15px;color:#9fd0ff;font-weight:600;min-width:6.6em}
.mbst-lcd span{font-size:12px;color:var(--st-muted);min-width:5.6em}
.mbst-field{display:inline-flex;align-items:center;gap:4px;color:var(--st-muted);font-size:12px}
.mbst-field input[type=number]{width:62px;height:28px;border-radius:6px;border:1px solid var(--st-border);background:var(--st-panel);color:var(--st-text);padding:0 6px;font:inherit;font-size:12px}
.mbst-zoom{width:84px;accent-color:var(--st-accent)}
.mbst-sep{width:1px;height:22px;background:var(--st-border);margin:0 2px}
.mbst-grow{flex:1 1 0}
.mbst-right{display:flex;gap:6px;align-items:center;margin-left:auto}
.mbst-advice{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;padding:10px 12px;border-bottom:1px solid var(--st-border);background:color-mix(in srgb,var(--st-accent) 10%,var(--st-panel));font-size:12px}
.mbst-advice ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;flex:1;min-width:0}
.mbst-advice em{font-style:normal;color:#9fd0ff}
.mbst-body{display:flex;min-height:0;position:relative}
.mbst-lib{width:210px;min-width:210px;border-right:1px solid var(--st-border);display:flex;flex-direction:column;background:var(--st-panel);max-height:calc(var(--st-lanes) + ${RULER}px)}
.mbst-lib h2{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:var(--st-muted);margin:0;padding:10px 10px 6px;font-weight:600}
.mbst-lib ul{list-style:none;margin:0;padding:0 6px 8px;overflow-y:auto;flex:1}
.mbst-lib li{display:flex;align-items:center;gap:6px;padding:6px;border-radius:6px;cursor:grab;border:1px solid transparent}
.mbst-lib li:hover{background:var(--st-raised);border-color:var(--st-border)}
.mbst-lib .t{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.mbst-lib .d{color:var(--st-muted);font-size:11px;font-variant-numeric:tabular-nums}
.mbst-lib p{color:var(--st-muted);font-size:12px;padding:0 10px;margin:4px 0}
.mbst-up{display:flex;flex-wrap:wrap;gap:2px 6px;padding:6px 10px;font-size:12px;border-top:1px solid var(--st-border)}
.mbst-up .t{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.mbst-up .d{color:var(--st-muted);font-variant-numeric:tabular-nums}
.mbst-up progress{width:100%;height:4px;accent-color:var(--st-accent)}
.mbst-arr{display:flex;flex:1;min-width:0;overflow:auto;max-height:70vh;position:relative}
.mbst-heads{position:sticky;left:0;z-index:3;width:${HEADER_W}px;min-width:${HEADER_W}px;background:var(--st-panel);border-right:1px solid var(--st-border)}
.mbst-heads .corner{height:${RULER}px;border-bottom:1px solid var(--st-border);display:flex;align-items:center;padding:0 8px;color:var(--st-muted);font-size:11px;position:sticky;top:0;background:var(--st-panel);z-index:2}
.mbst-head{height:${TRACK_H}px;border-bottom:1px solid var(--st-border);padding:6px 8px 6px 12px;display:flex;flex-direction:column;gap:5px;position:relative}
.mbst-head[data-selected="true"]{background:var(--st-raised)}
.mbst-head .sw{position:absolute;left:0;top:0;bottom:0;width:5px}
.mbst-head input.name{width:100%;background:transparent;border:1px solid transparent;color:var(--st-text);font:inherit;font-size:13px;font-weight:600;padding:2px 4px;border-radius:4px}
.mbst-head input.name:hover,.mbst-head input.name:focus{border-color:var(--st-border);background:var(--st-bg)}
.mbst-head .row{display:flex;gap:4px;align-items:center}
.mbst-swatch{appearance:none;width:16px;height:16px;border-radius:50%;border:2px solid rgba(255,255,255,.25);cursor:pointer;padding:0;flex:none}
.mbst-palette{position:absolute;left:12px;top:${TRACK_H - 8}px;z-index:6;display:grid;grid-template-columns:repeat(5,20px);gap:6px;padding:8px;background:var(--st-panel);border:1px solid var(--st-border);border-radius:8px;box-shadow:0 8px 24px rgba(0,0,0,.5)}
.mbst-palette button{appearance:none;width:20px;height:20px;border-radius:50%;border:2px solid transparent;cursor:pointer;padding:0}
.mbst-palette button[aria-pressed="true"]{border-color:#fff}
.mbst-ms{height:22px;min-width:24px;padding:0 6px;font-size:11px;font-weight:700}
.mbst-ms.m[aria-pressed="true"]{background:#8a6d1f;border-color:#c79b2a}
.mbst-ms.s[aria-pressed="true"]{background:#1f6b4a;border-color:#2fa36f}
.mbst-ms.a{color:#e0574f}
.mbst-ms.a[aria-pressed="true"]{background:#8a2a26;border-color:#e0574f;color:#fff}
.mbst-rec{color:#e0574f}
.mbst-rec[aria-pressed="true"]{background:#c7372f;border-color:#e0574f;color:#fff;animation:mbst-pulse 1s infinite}
@keyframes mbst-pulse{50%{opacity:.6}}
.mbst-lane{position:relative;flex:1;min-width:0}
.mbst-lane canvas{position:absolute;left:0;top:0;display:block;transform-origin:0 0}
.mbst-playhead{position:absolute;left:0;top:0;width:2px;margin-left:-1px;background:#ff5a52;pointer-events:none;z-index:2;will-change:transform}
.mbst-playhead::before{content:"";position:absolute;left:-5px;top:0;border:6px solid transparent;border-top:8px solid #ff5a52;border-bottom:0}
.mbst-lane .hit{position:absolute;left:0;top:0;outline:none}
.mbst-lane .hit:focus-visible{box-shadow:inset 0 0 0 2px #6ea8fe}
.mbst-drop{position:absolute;inset:0;border:2px dashed var(--st-accent);background:color-mix(in srgb,var(--st-accent) 10%,transparent);pointer-events:none;display:flex;align-items:center;justify-content:center;font-weight:600;z-index:5}
.mbst-empty{position:absolute;left:${HEADER_W + 24}px;top:${RULER + 24}px;color:var(--st-muted);max-width:420px;line-height:1.5;pointer-events:none;z-index:2}
.mbst-tabs{display:flex;gap:2px;padding:0 10px;border-top:1px solid var(--st-border);background:var(--st-raised)}
.mbst-tab{appearance:none;background:transparent;border:0;border-bottom:2px solid transparent;color:var(--st-muted);padding:8px 12px;font:inherit;font-size:12px;cursor:pointer}
.mbst-tab[aria-selected="true"]{color:var(--st-text);border-bottom-color:var(--st-accent)}
.mbst-mixer{display:flex;gap:8px;padding:10px;overflow-x:auto;background:var(--st-bg);border-top:1px solid var(--st-border);min-height:280px}
.mbst-strip{width:150px;min-width:150px;background:var(--st-panel);border:1px solid var(--st-border);border-radius:8px;padding:8px;display:flex;flex-direction:column;gap:6px}
.mbst-strip.master{border-color:color-mix(in srgb,var(--st-accent) 50%,var(--st-border))}
.mbst-strip .nm{font-weight:600;font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;border-left:4px solid;padding-left:6px}
.mbst-strip label{font-size:11px;color:var(--st-muted);display:flex;justify-content:space-between;gap:4px}
.mbst-strip input[type=range]{width:100%;accent-color:var(--st-accent)}
.mbst-meter{height:8px;border-radius:3px;background:#0e1013;position:relative;overflow:hidden}
.mbst-meter i{position:absolute;left:0;top:0;bottom:0;width:100%;transform:scaleX(0);transform-origin:0 0;will-change:transform;background:linear-gradient(90deg,#2fa36f 0%,#2fa36f 70%,#e8c23d 85%,#e0574f 100%)}
.mbst-ins{display:flex;flex-direction:column;gap:4px;border-top:1px solid var(--st-border);padding-top:6px}
.mbst-ins .fx{background:var(--st-raised);border:1px solid var(--st-border);border-radius:6px;padding:5px}
.mbst-ins .fx header{display:flex;justify-content:space-between;align-items:center;font-size:11px;font-weight:600}
.mbst-ins select{width:100%;height:26px;background:var(--st-panel);color:var(--st-text);border:1px solid var(--st-border);border-radius:6px;font:inherit;font-size:11px}
.mbst-x{appearance:none;background:transparent;border:0;color:var(--st-muted);cursor:pointer;font-size:14px;line-height:1;padding:0 2px}
.mbst-x:hover{color:#ff8a80}
.mbst-clip{display:flex;flex-wrap:wrap;gap:14px;padding:12px;background:var(--st-bg);border-top:1px solid var(--st-border);min-height:90px;align-items:end}
.mbst-clip label{display:flex;flex-direction:column;gap:4px;font-size:11px;color:var(--st-muted)}
.mbst-clip input[type=number]{width:92px;height:28px;border-radius:6px;border:1px solid var(--st-border);background:var(--st-panel);color:var(--st-text);padding:0 6px;font:inherit;font-size:12px}
.mbst-status{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;padding:6px 10px;border-top:1px solid var(--st-border);font-size:12px;color:var(--st-muted);min-height:30px}
.mbst-status .err{color:#ff8a80}
.mbst-status .ok{color:#7fd6a5}
.mbst-status .info{color:var(--st-text)}
.mbst-over{position:absolute;inset:0;background:rgba(10,12,15,.78);z-index:20;display:flex;align-items:center;justify-content:center;padding:16px}
.mbst-over .card{background:var(--st-panel);border:1px solid var(--st-border);border-radius:10px;padding:18px 20px;max-width:560px;width:100%;max-height:100%;overflow:auto}
.mbst-over h2{margin:0 0 10px;font-size:15px}
.mbst-over table{border-collapse:collapse;width:100%;font-size:12px}
.mbst-over td{padding:4px 6px;border-bottom:1px solid var(--st-border)}
.mbst-over kbd{background:var(--st-raised);border:1px solid var(--st-border);border-radius:4px;padding:1px 6px;font-family:inherit;font-size:11px}
.mbst :focus-visible{outline:2px solid #6ea8fe;outline-offset:2px}
.mbst-upnote{display:none}
@media (max-width:900px){.mbst-upnote{display:inline}.mbst-lib{display:none}.mbst-zoom{width:80px}.mbst-heads{width:152px;min-width:152px}.mbst-head select,.mbst-head .up{display:none}.mbst-empty{left:170px}}
`;

const ICONS = {
  play: <path d="M5 3.2v9.6a.6.6 0 0 0 .9.5l7.6-4.8a.6.6 0 0 0 0-1L5.9 2.7a.6.6 0 0 0-.9.5z" fill="currentColor" />,
  stop: <path d="M4 4h8v8H4z" fill="currentColor" />,
  rec: <circle cx="8" cy="8" r="4.5" fill="currentColor" />,
  start: <path d="M3 3v10M13 3.5v9L6 8z" stroke="currentColor" strokeWidth="1.5" fill="currentColor" strokeLinejoin="round" />,
  loop: <path d="M3 7V6a2 2 0 0 1 2-2h7l-2-2M13 9v1a2 2 0 0 1-2 2H4l2 2" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
  click: <path d="M6 2h4l3 12H3zM8 5v5l3-4" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinejoin="round" />,
  undo: <path d="M5 3 2 6l3 3M2 6h7a4 4 0 0 1 0 8H6" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
  redo: <path d="m11 3 3 3-3 3M14 6H7a4 4 0 0 0 0 8h3" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
  plus: <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />,
  split: <path d="M8 2v12M4 5 2 8l2 3M12 5l2 3-2 3" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
  magnet: <path d="M4 2v6a4 4 0 0 0 8 0V2M4 5h3M9 5h3" stroke="currentColor" strokeWidth="1.5" fill="none" />,
  bounce: <path d="M8 2v8M5 7l3 3 3-3M3 12v2h10v-2" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />,
  keys: <path d="M2 4h12v8H2zM4 6h1M7 6h1M10 6h2M4 9h8" stroke="currentColor" strokeWidth="1.3" fill="none" />,
  wand: <path d="m3 13 7-7M11 2v2M14 5h-2M13.5 2.5 12 4M8 3l.5 1M12.5 8l-1-.5" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" />,
};

function Icon({ name }) {
  return <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">{ICONS[name]}</svg>;
}

const SHORTCUTS = [
  ["Space", "Play / stop"], ["Enter or Home", "Back to the start"], ["S", "Split the selected clip at the playhead"],
  ["Delete", "Delete the selected clip"], ["Ctrl+D", "Duplicate the selected clip"], ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z or Ctrl+Y", "Redo"], ["M", "Mute the selected track"], ["Shift+S", "Solo the selected track"],
  ["R", "Record on the armed track / stop"], ["L", "Loop on / off"], ["C", "Metronome on / off"], ["G", "Snap to the grid on / off"], ["+ / −", "Zoom in / out"],
  ["← / →", "Move the selected clip by one beat"], ["Ctrl+E", "Bounce the mix"], ["?", "Show this list"],
];

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round6 = (v) => Math.round(v * 1e6) / 1e6;

/** 83.456 → "1:23.456". */
export function clock(seconds) {
  const t = Math.max(0, seconds || 0);
  const ms = Math.floor(t * 1000 + 1e-6);
  const m = Math.floor(ms / 60000);
  const s = ((ms % 60000) / 1000).toFixed(3).padStart(6, "0");
  return `${m}:${s}`;
}

/** Seconds → "bar|beat|ticks" (1-based, 960 ticks a beat). */
export function barsBeats(seconds, bpm, beatsPerBar, beatUnit) {
  const beatS = (60 / bpm) * (4 / beatUnit);
  // + 12 µs (just over half a sample at 44.1 kHz): a playhead on a beat is a whole sample, up to half
  // a sample before the beat's exact time (at 110 BPM 7.636354 s is beat 14, not "beat 13 and 959 ticks")
  const beats = (Math.max(0, seconds) + 1.2e-5) / beatS;
  const bar = Math.floor(beats / beatsPerBar) + 1;
  const beat = Math.floor(beats % beatsPerBar) + 1;
  const ticks = Math.floor((beats % 1) * 960);
  return `${String(bar).padStart(3, "0")}|${beat}|${String(ticks).padStart(3, "0")}`;
}

function parseJson(text, fallback) {
  if (!text) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function levelsOf(media) {
  return Object.entries((media && media.peaks_urls) || {})
    .map(([spp, url]) => ({ spp: Number(spp), url }))
    .filter((l) => l.spp > 0 && l.url)
    .sort((a, b) => a.spp - b.spp);
}

/** The coarsest pyramid level that is still at least as fine as the view (else the finest). */
export function pickLevel(levels, samplesPerPx) {
  let pick = levels[0];
  for (const l of levels) if (l.spp <= samplesPerPx) pick = l;
  return pick;
}

function headWidth(scroller) {
  const heads = scroller.querySelector(".mbst-heads");
  return heads ? heads.offsetWidth : HEADER_W;
}

const ROLE_LABELS = { vocals: "Vocals", drums: "Drums", bass: "Bass", music: "Music", other: "Other" };
const ROLE_WORDS = [["vocals", /vox|vocal|voice|sing|adlib|choir/i], ["drums", /drum|kick|snare|hat|perc|beat|loop/i],
  ["bass", /bass|808|sub/i], ["music", /key|piano|synth|pad|guitar|string|chord|lead|music|inst/i]];

/** A track kind guessed from a file's title ("Kick loop" → drums), else "other". */
export function guessRole(title) {
  for (const [role, words] of ROLE_WORDS) if (words.test(title || "")) return role;
  return "other";
}

function trackColor(track, index) {
  return track.color || ROLE_COLORS[track.role] || PALETTE[index % PALETTE.length];
}

function emptyTrack(n) {
  return { id: newId("tr"), name: `Track ${n}`, role: "other", volume_db: 0.0, pan: 0.0, mute: false, solo: false,
    inserts: [], clips: [] };
}

function defaultsOf(effect) {
  const fx = { type: effect.type };
  for (const p of effect.params || []) fx[p.name] = p.default;
  if (effect.type === "eq") fx.bands = [{ kind: "peak", freq_hz: 1000.0, gain_db: 0.0, q: 0.707 }];
  return fx;
}

export function Studio(props) {
  const { boot, ready = true, ack, suggestion, uploadUrl, uploadMaxBytes = 0, onCommit, onBounce, onMedia, onAssistant } = props;
  const colors = { ...DEFAULT_COLORS, ...(props.colors || {}) };
  const opened = useMemo(() => parseJson(boot, null), [boot]);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((t) => t + 1), []);
  const sessionRef = useRef(null);
  const [media, setMedia] = useState({});
  const [library, setLibrary] = useState([]);
  const [pxPerS, setPxPerS] = useState(40);
  const [snap, setSnap] = useState(true);
  const [loop, setLoop] = useState({ on: false, start: 0, end: 8 });
  const [metronome, setMetronome] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [selClip, setSelClip] = useState("");
  const [selTrack, setSelTrack] = useState("");
  const [panel, setPanel] = useState("mixer");
  const [help, setHelp] = useState(false);
  const [bounceOpen, setBounceOpen] = useState(false);
  const [colorFor, setColorFor] = useState("");
  const [countIn, setCountIn] = useState(false);
  const [armed, setArmed] = useState(""); // the track a recording goes to
  const [recording, setRecording] = useState(false);
  const recRef = useRef({ input: null, recorder: null, origin: 0, track: "" });
  const [dismissed, setDismissed] = useState("");
  const advice = useMemo(() => parseJson(suggestion, null), [suggestion]);
  const [bounceFormat, setBounceFormat] = useState("wav24");
  const [bounceStems, setBounceStems] = useState(false);
  const [message, setMessageText] = useState("");
  const [tone, setTone] = useState("err");
  const setMessage = (text) => { setMessageText(text); setTone("err"); };
  const inform = (text) => { setMessageText(text); setTone("info"); };
  const [dropping, setDropping] = useState(false);
  const [uploads, setUploads] = useState([]);
  const [width, setWidth] = useState(800);
  const [preview, setPreview] = useState(null); // live fader/pan values while a control is held
  const positionRef = useRef(0); // seconds, when stopped
  const engineRef = useRef({ ctx: null, transport: null, buffers: new Map(), loading: new Map() });
  const peaksRef = useRef(new Map()); // url -> parsed peaks
  const laneRef = useRef(null);
  const baseCanvas = useRef(null);
  const lcdRef = useRef(null);
  const meterRefs = useRef(new Map());
  const dragRef = useRef(null);
  const columnsRef = useRef({ min: new Float32Array(4096), max: new Float32Array(4096) }); // reused per draw
  const playheadRef = useRef(null);
  const sentAtRef = useRef(0);
  const rootRef = useRef(null);

  // ---- the editing session (one per opened project) ----
  // Not before the page's load has run: a reloaded tab first gets its earlier state back, whose
  // `boot` can be versions behind; a session started on it would stay behind.
  if (opened && ready && (!sessionRef.current || sessionRef.current.projectId !== opened.project.id)) {
    const p = opened.project;
    sessionRef.current = new EditSession({
      projectId: p.id, doc: p.document, version: p.version,
      storage: typeof window !== "undefined" ? window.localStorage : null,
      send: (edit) => {
        sentAtRef.current = Date.now();
        onCommit && onCommit(JSON.stringify(edit));
      },
      onChange: () => rerender(),
    });
  }
  const session = sessionRef.current;
  const doc = session ? session.doc : null;
  const meta = opened ? opened.project : null;
  const effects = (opened && opened.effects) || [];
  const limits = (opened && opened.limits) || { tracks: 8, plan: "Free" };

  useEffect(() => {
    if (!opened) return;
    setMedia(opened.media || {});
    setLibrary(opened.library || []);
  }, [opened]);

  useEffect(() => {
    if (session) session.flush(); // edits kept from an earlier visit go out now
  }, [session]);

  useEffect(() => {
    const answer = parseJson(ack, null);
    if (answer && session) session.acknowledge(answer);
    if (answer && answer.ok === false) setMessage(answer.message || "This change was not saved.");
  }, [ack, session]);

  useEffect(() => { // an edit whose answer was lost (connection dropped) is sent again
    const timer = setInterval(() => {
      if (session && session.inFlight && Date.now() - sentAtRef.current > RESEND_MS) session.resend();
    }, 2000);
    return () => clearInterval(timer);
  }, [session]);

  useEffect(() => { // clips whose audio is still processing: ask for fresh media every few seconds
    const waiting = Object.values(media).some((m) => m.state === "processing")
      || uploads.some((u) => u.state === "processing" && !(media[u.trackId] && media[u.trackId].state === "ready"));
    if (!waiting || !onMedia) return undefined;
    const timer = setTimeout(() => onMedia("processing"), 3000);
    return () => clearTimeout(timer);
  }, [media, uploads, onMedia]);

  // ---- test hook: the document as this tab sees it ----
  useEffect(() => {
    if (typeof window === "undefined" || !sessionRef.current) return undefined;
    window.__studio = {
      doc: () => JSON.parse(JSON.stringify(sessionRef.current.doc)),
      version: () => sessionRef.current.version,
      pending: () => sessionRef.current.pending.length,
      commit: (ops, label) => sessionRef.current.commit(ops, label),
      undo: () => sessionRef.current.undo(),
      redo: () => sessionRef.current.redo(),
      position: () => currentPosition(),
      playing: () => !!engineRef.current.transport?.playing,
      zoom: () => pxPerS,
      media: () => media,
      recording: () => recording,
      lastError: () => sessionRef.current.lastError,
      snap: () => snap,
      loop: () => ({ ...loop }),
      metronome: () => metronome,
      engine: () => engineRef.current, // {ctx, transport}: tests tap the click bus and the mix
    };
    return () => { delete window.__studio; };
  });

  const commit = useCallback((ops, label) => {
    if (!session) return false;
    const ok = session.commit(ops, label);
    if (!ok) setMessage(session.lastError);
    else setMessage("");
    return ok;
  }, [session]);

  // ---- geometry ----
  const sr = doc ? doc.sample_rate : 48000;
  const bpm = doc ? doc.tempo_bpm : 120;
  const beatsPerBar = meta ? meta.beats_per_bar : 4;
  const beatUnit = meta ? meta.beat_unit : 4;
  const beatS = (60 / bpm) * (4 / beatUnit);
  const tracks = doc ? doc.tracks : [];
  const contentEnd = useMemo(() => {
    let end = 0;
    for (const t of tracks) for (const c of t.clips) end = Math.max(end, c.start_s + c.length_s);
    return end;
  }, [tracks]);
  const timelineS = Math.max(contentEnd + 30, 120, (width / pxPerS) * 1.2);
  const laneW = Math.ceil(timelineS * pxPerS);
  const lanesH = tracks.length * TRACK_H;

  const snapTime = useCallback((t, force) => {
    const v = Math.max(0, t);
    if (!(snap || force)) return snapToSample(v, sr);
    const grid = pxPerS * beatS < 14 ? beatS * beatsPerBar : beatS;
    return snapToSample(Math.round(v / grid) * grid, sr);
  }, [snap, sr, pxPerS, beatS, beatsPerBar]);

  // ---- media: peaks and audio ----
  const [peaksVersion, setPeaksVersion] = useState(0);
  const samplesPerPx = (rate) => (rate || sr) / pxPerS / (typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1);
  useEffect(() => {
    let live = true;
    for (const t of tracks) {
      for (const c of t.clips) {
        const m = media[c.file];
        if (!m) continue;
        const levels = levelsOf(m);
        if (!levels.length) continue;
        const level = pickLevel(levels, samplesPerPx(m.sample_rate));
        if (peaksRef.current.has(level.url)) continue;
        peaksRef.current.set(level.url, null);
        loadPeaks(level.url).then((p) => {
          peaksRef.current.set(level.url, p);
          if (live) setPeaksVersion((v) => v + 1);
        }).catch(() => peaksRef.current.delete(level.url));
      }
    }
    return () => { live = false; };
  }, [tracks, media, pxPerS]);

  const loadBuffer = useCallback(async (file) => {
    const eng = engineRef.current;
    if (eng.buffers.has(file)) return eng.buffers.get(file);
    if (eng.loading.has(file)) return eng.loading.get(file);
    const m = media[file];
    if (!m || !m.audio_url) return null;
    const job = fetch(m.audio_url, { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); })
      .then((bytes) => eng.ctx.decodeAudioData(bytes))
      .then((buffer) => { eng.buffers.set(file, buffer); eng.loading.delete(file); return buffer; })
      .catch(() => { eng.loading.delete(file); return null; });
    eng.loading.set(file, job);
    return job;
  }, [media]);

  const ensureEngine = useCallback(async () => {
    const eng = engineRef.current;
    if (!eng.ctx || eng.ctx.sampleRate !== sr) {
      if (eng.transport) eng.transport.stop();
      eng.ctx = new AudioContext({ sampleRate: sr, latencyHint: "interactive" });
      eng.buffers = new Map();
      eng.loading = new Map();
      eng.transport = new Transport(eng.ctx, { onState: () => setPlaying(!!eng.transport?.playing) });
    }
    if (eng.ctx.state === "suspended") await eng.ctx.resume();
    const files = new Set();
    for (const t of sessionRef.current.doc.tracks) for (const c of t.clips) files.add(c.file);
    const missing = [...files].filter((f) => !eng.buffers.has(f));
    if (missing.length) {
      inform("Loading audio…");
      await Promise.all(missing.map(loadBuffer));
      setMessage("");
    }
    return eng;
  }, [sr, loadBuffer]);

  const playDoc = useCallback((d) => {
    // The engine plays the document with live fader/pan previews applied.
    if (!preview) return d;
    const next = JSON.parse(JSON.stringify(d));
    if (preview.track === "master") next.master.volume_db = preview.value;
    else {
      const t = next.tracks.find((x) => x.id === preview.track);
      if (t) t[preview.field] = preview.value;
    }
    return next;
  }, [preview]);

  useEffect(() => { // keep the playing graph in step with the document
    const eng = engineRef.current;
    if (eng.transport && doc) eng.transport.setDocument(playDoc(doc), eng.buffers);
  }, [doc, playDoc]);

  function currentPosition() {
    const tr = engineRef.current.transport;
    return tr && tr.playing ? tr.positionSeconds() : positionRef.current;
  }

  const play = useCallback(async () => {
    const eng = await ensureEngine();
    eng.transport.setDocument(playDoc(sessionRef.current.doc), eng.buffers);
    eng.transport.setLoop(loop.on, loop.start, loop.end);
    eng.transport.setMeter(beatsPerBar, beatUnit);
    eng.transport.setMetronome(metronome);
    eng.transport.play(positionRef.current, { countInBars: countIn ? 1 : 0 });
    setPlaying(true);
  }, [ensureEngine, playDoc, loop, metronome, countIn, beatsPerBar, beatUnit]);

  const stop = useCallback(() => {
    const tr = engineRef.current.transport;
    if (tr && tr.playing) {
      positionRef.current = tr.positionSeconds();
      tr.stop();
    }
    setPlaying(false);
  }, []);

  const seek = useCallback((t) => {
    positionRef.current = Math.max(0, t);
    const tr = engineRef.current.transport;
    if (tr && tr.playing) tr.seek(positionRef.current);
  }, []);

  const toggle = useCallback(() => {
    if (recRef.current.recorder && recRef.current.recorder.recording) return stopRecording();
    return engineRef.current.transport?.playing ? stop() : play();
  });

  useEffect(() => {
    const tr = engineRef.current.transport;
    if (tr) tr.setLoop(loop.on, loop.start, loop.end);
  }, [loop]);
  useEffect(() => {
    const tr = engineRef.current.transport;
    if (tr) tr.setMetronome(metronome);
  }, [metronome]);
  useEffect(() => () => { // leaving the page stops the sound and frees the context
    const eng = engineRef.current;
    if (eng.transport) eng.transport.stop();
    if (eng.ctx) eng.ctx.close();
  }, []);

  // ---- drawing ----
  useEffect(() => {
    if (!laneRef.current) return undefined;
    return observeResize(laneRef.current.parentElement, (w) => setWidth(Math.max(200, w)));
  }, [!!doc]);

  const clipAt = useCallback((x, y) => {
    const row = Math.floor((y - RULER) / TRACK_H);
    const track = tracks[row];
    if (!track || y < RULER) return null;
    const t = x / pxPerS;
    for (let i = track.clips.length - 1; i >= 0; i--) {
      const c = track.clips[i];
      if (t >= c.start_s && t <= c.start_s + c.length_s) return { track, clip: c, row };
    }
    return { track, clip: null, row };
  }, [tracks, pxPerS]);

  const draw = useCallback(() => {
    const canvas = baseCanvas.current;
    const lane = laneRef.current;
    if (!canvas || !lane || !doc) return;
    const scroller = lane.closest(".mbst-arr");
    const dpr = window.devicePixelRatio || 1;
    const viewLeft = Math.max(0, scroller.scrollLeft);
    const viewW = Math.min(Math.max(120, scroller.clientWidth - headWidth(scroller)), 4096 / dpr);
    const h = RULER + Math.max(lanesH, TRACK_H);
    // The canvas covers only the visible part of the lane (never wider than 4,096 device px, never
    // taller than the view): drawing and uploading it stay proportional to what is on screen.
    const viewTop = clamp(scroller.scrollTop, 0, Math.max(0, h - 1));
    const viewH = Math.max(1, Math.min(h, viewTop + Math.max(scroller.clientHeight, RULER + TRACK_H)) - viewTop);
    const geometry = `${viewLeft},${viewTop},${viewW},${viewH},${dpr}`;
    if (canvas.dataset.geometry !== geometry) {
      canvas.dataset.geometry = geometry;
      canvas.style.transform = `translate(${viewLeft}px, ${viewTop}px)`;
      canvas.style.width = `${viewW}px`;
      canvas.style.height = `${viewH}px`;
      canvas.width = Math.round(viewW * dpr);
      canvas.height = Math.round(viewH * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, -viewTop * dpr);
    g.fillStyle = colors.bg;
    g.fillRect(0, viewTop, viewW, viewH);
    const t0 = viewLeft / pxPerS;
    const t1 = (viewLeft + viewW) / pxPerS;
    const rowVisible = (row) => RULER + (row + 1) * TRACK_H >= viewTop && RULER + row * TRACK_H <= viewTop + viewH;
    // lanes
    tracks.forEach((t, i) => {
      if (!rowVisible(i)) return;
      g.fillStyle = t.id === selTrack ? "#1b1f25" : (i % 2 ? "#17191d" : "#191c20");
      g.fillRect(0, RULER + i * TRACK_H, viewW, TRACK_H);
      g.fillStyle = colors.border;
      g.fillRect(0, RULER + (i + 1) * TRACK_H - 1, viewW, 1);
    });
    // grid
    const barS = beatS * beatsPerBar;
    const showBeats = pxPerS * beatS >= 14;
    const step = showBeats ? beatS : barS * Math.max(1, Math.ceil(40 / (pxPerS * barS)));
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    for (let k = Math.floor(t0 / step); k * step <= t1; k++) {
      const ts = k * step;
      const x = Math.round(ts * pxPerS - viewLeft) + 0.5;
      const isBar = Math.abs(ts / barS - Math.round(ts / barS)) < 1e-6;
      g.fillStyle = isBar ? "#2a2f37" : "#20242a";
      g.fillRect(x, RULER, 1, lanesH);
      if (isBar) {
        g.fillStyle = colors.muted;
        g.fillText(String(Math.round(ts / barS) + 1), x + 4, RULER / 2);
        g.fillRect(x, RULER - 8, 1, 8);
      } else {
        g.fillStyle = "#3a4049";
        g.fillRect(x, RULER - 4, 1, 4);
      }
    }
    g.fillStyle = colors.border;
    g.fillRect(0, RULER - 1, viewW, 1);
    if (loop.on || loop.end > loop.start) {
      const lx = loop.start * pxPerS - viewLeft;
      const lw = (loop.end - loop.start) * pxPerS;
      g.fillStyle = loop.on ? "rgba(61,139,253,.35)" : "rgba(154,161,171,.18)";
      g.fillRect(lx, 2, lw, RULER - 10);
    }
    // clips
    const drag = dragRef.current;
    tracks.forEach((track, i) => {
      const color = trackColor(track, i);
      for (const c0 of track.clips) {
        let c = c0;
        let row = i;
        if (drag && drag.clipId === c0.id && drag.preview) {
          c = drag.preview.clip;
          row = drag.preview.row;
        }
        if (c.start_s > t1 || c.start_s + c.length_s < t0 || !rowVisible(row)) continue;
        const x = c.start_s * pxPerS - viewLeft;
        const w = Math.max(2, c.length_s * pxPerS);
        const y = RULER + row * TRACK_H + 3;
        const ch = TRACK_H - 7;
        const m = media[c.file] || { state: "missing" };
        const selected = c0.id === selClip;
        g.globalAlpha = track.mute ? 0.45 : 1;
        g.fillStyle = m.state === "missing" ? "#4a2226" : `color-mix(in srgb, ${color} 28%, #15181c)`;
        g.beginPath();
        g.roundRect(x, y, w, ch, 4);
        g.fill();
        g.strokeStyle = selected ? "#ffffff" : color;
        g.lineWidth = selected ? 2 : 1;
        g.stroke();
        g.save();
        g.beginPath();
        g.rect(Math.max(x, 0), y, Math.min(w, viewW), ch);
        g.clip();
        // waveform
        const levels = levelsOf(m);
        if (levels.length && m.state !== "missing") {
          const rate = m.sample_rate || sr;
          const level = pickLevel(levels, samplesPerPx(rate));
          const peaks = peaksRef.current.get(level.url);
          if (peaks) {
            const colStart = Math.max(0, Math.floor(-x));
            const colEnd = Math.min(Math.ceil(w), Math.ceil(viewW - x));
            const count = Math.max(0, colEnd - colStart) * dpr;
            if (count > 0) {
              if (columnsRef.current.min.length < count) {
                columnsRef.current = { min: new Float32Array(count * 2), max: new Float32Array(count * 2) };
              }
              const mins = columnsRef.current.min;
              const maxs = columnsRef.current.max;
              const per = rate / pxPerS / dpr;
              const startSample = (c.offset_s + colStart / pxPerS) * rate;
              fillColumns(peaks, startSample, per, count, mins, maxs, (c.offset_s + c.length_s) * rate);
              const gain = 10 ** ((c.gain_db || 0) / 20);
              for (let k = 0; k < count; k++) { mins[k] = clamp(mins[k] * gain, -1, 1); maxs[k] = clamp(maxs[k] * gain, -1, 1); }
              g.save();
              g.setTransform(1, 0, 0, 1, (x + colStart) * dpr, 0);
              drawColumns(g, mins, maxs, count, (y + 14) * dpr, (ch - 16) * dpr, color);
              g.restore();
            }
          }
        }
        // fades
        g.strokeStyle = "rgba(255,255,255,.75)";
        g.lineWidth = 1;
        if (c.fade_in_s > 0) {
          g.beginPath(); g.moveTo(x, y + ch); g.lineTo(x + c.fade_in_s * pxPerS, y); g.stroke();
        }
        if (c.fade_out_s > 0) {
          g.beginPath(); g.moveTo(x + w - c.fade_out_s * pxPerS, y); g.lineTo(x + w, y + ch); g.stroke();
        }
        g.fillStyle = "rgba(255,255,255,.85)";
        g.fillRect(x + c.fade_in_s * pxPerS, y, FADE_HANDLE - 2, FADE_HANDLE - 2);
        g.fillRect(x + w - c.fade_out_s * pxPerS - FADE_HANDLE + 2, y, FADE_HANDLE - 2, FADE_HANDLE - 2);
        // name
        g.fillStyle = colors.text;
        g.font = "600 11px system-ui, sans-serif";
        g.textBaseline = "top";
        const label = m.state === "missing" ? "Missing file — remove this clip"
          : m.state === "processing" ? `${m.title || "Audio"} (processing…)` : (m.title || "Audio");
        g.fillText(label + (c.gain_db ? `  ${c.gain_db > 0 ? "+" : ""}${c.gain_db.toFixed(1)} dB` : ""),
          Math.max(x, 0) + FADE_HANDLE + 2, y + 3);
        g.restore();
        g.globalAlpha = 1;
      }
    });
    if (drag && drag.kind === "drop") {
      g.fillStyle = "rgba(61,139,253,.35)";
      g.fillRect(drag.x - viewLeft, RULER + drag.row * TRACK_H + 3, Math.max(4, drag.w), TRACK_H - 7);
    }
  }, [doc, tracks, media, pxPerS, selClip, selTrack, loop, beatS, beatsPerBar, lanesH, colors, peaksVersion, sr]);

  useEffect(() => { draw(); }, [draw, width]);

  // playhead + meters + time display on animation frames, no React render; each writes the DOM only
  // when what it shows changed (a stopped transport costs nothing per frame)
  useEffect(() => {
    let raf = 0;
    let frameNo = 0;
    const last = { x: NaN, bars: "", clock: "", meters: new Map(), zeroed: false };
    const frame = () => {
      raf = requestAnimationFrame(frame);
      frameNo += 1;
      const lane = laneRef.current;
      const head = playheadRef.current;
      if (!lane || !head) return;
      const tr = engineRef.current.transport;
      const playing = !!(tr && tr.playing);
      const pos = currentPosition();
      const x = Math.round(pos * pxPerS * 2) / 2;
      if (x !== last.x) {
        last.x = x;
        head.style.transform = `translateX(${x}px)`;
        if (playing) {
          const scroller = lane.closest(".mbst-arr");
          const viewW = scroller.clientWidth - headWidth(scroller);
          if (x > scroller.scrollLeft + viewW - 40 || x < scroller.scrollLeft) scroller.scrollLeft = Math.max(0, x - 80); // follow
        }
      }
      if (lcdRef.current && (playing ? frameNo % 4 === 0 : true)) {
        const bars = barsBeats(pos, bpm, beatsPerBar, beatUnit);
        const time = clock(pos);
        if (bars !== last.bars) { last.bars = bars; lcdRef.current.children[0].textContent = bars; }
        if (time !== last.clock) { last.clock = time; lcdRef.current.children[1].textContent = time; }
      }
      if (playing && frameNo % 2 === 0 && meterRefs.current.size) { // meters at ~30 Hz
        last.zeroed = false;
        const levels = tr.meters() || {};
        for (const [id, el] of meterRefs.current) {
          const lv = levels[id];
          const peak = lv ? Math.max(lv.peakL || 0, lv.peakR || 0) : 0;
          const db = peak > 0 ? 20 * Math.log10(peak) : -90;
          const v = Math.round(clamp((db + 60) / 60, 0, 1) * 120) / 120; // 0.5 dB steps
          if (last.meters.get(id) !== v) { last.meters.set(id, v); el.style.transform = `scaleX(${v})`; }
        }
      } else if (!playing && !last.zeroed) {
        last.zeroed = true;
        last.meters.clear();
        for (const el of meterRefs.current.values()) el.style.transform = "scaleX(0)";
      }
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
  }, [pxPerS, bpm, beatsPerBar, beatUnit]);

  // ---- gestures on the timeline ----
  const pointFrom = (event) => {
    const rect = laneRef.current.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  const onPointerDown = (event) => {
    if (!doc || event.button !== 0) return;
    const { x, y } = pointFrom(event);
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus({ preventScroll: true });
    if (y < RULER) {
      dragRef.current = { kind: "ruler", x0: x, t0: x / pxPerS };
      return;
    }
    const hit = clipAt(x, y);
    if (!hit) return;
    setSelTrack(hit.track.id);
    if (!hit.clip) {
      setSelClip("");
      seek(snapTime(x / pxPerS));
      return;
    }
    const c = hit.clip;
    setSelClip(c.id);
    const cx = c.start_s * pxPerS;
    const cw = c.length_s * pxPerS;
    const yIn = y - (RULER + hit.row * TRACK_H + 3);
    let kind = "move";
    if (yIn <= FADE_HANDLE + 2 && Math.abs(x - (cx + c.fade_in_s * pxPerS)) <= FADE_HANDLE) kind = "fadeIn";
    else if (yIn <= FADE_HANDLE + 2 && Math.abs(x - (cx + cw - c.fade_out_s * pxPerS)) <= FADE_HANDLE) kind = "fadeOut";
    else if (x - cx <= EDGE) kind = "trimLeft";
    else if (cx + cw - x <= EDGE) kind = "trimRight";
    dragRef.current = { kind, clipId: c.id, trackId: hit.track.id, row: hit.row, x0: x, y0: y, clip: c, moved: false,
      preview: null };
  };

  const previewFor = (drag, x, y) => {
    const c = drag.clip;
    const dt = (x - drag.x0) / pxPerS;
    const m = media[c.file] || {};
    const fileLen = m.duration_s || Infinity;
    const next = { ...c };
    let row = drag.row;
    if (drag.kind === "move") {
      next.start_s = snapTime(c.start_s + dt);
      row = clamp(Math.floor((y - RULER) / TRACK_H), 0, tracks.length - 1);
    } else if (drag.kind === "trimLeft") {
      const end = c.start_s + c.length_s;
      let start = snapTime(c.start_s + dt);
      start = clamp(start, Math.max(0, c.start_s - c.offset_s), end - 0.01);
      next.start_s = start;
      next.offset_s = round6(Math.max(0, c.offset_s + (start - c.start_s)));
      next.length_s = snapToSample(end - start, sr);
      next.fade_in_s = Math.min(c.fade_in_s, Math.max(0, next.length_s - c.fade_out_s));
    } else if (drag.kind === "trimRight") {
      const end = clamp(snapTime(c.start_s + c.length_s + dt), c.start_s + 0.01, c.start_s + fileLen - c.offset_s);
      next.length_s = snapToSample(end - c.start_s, sr);
      next.fade_out_s = Math.min(c.fade_out_s, Math.max(0, next.length_s - c.fade_in_s));
    } else if (drag.kind === "fadeIn") {
      next.fade_in_s = snapToSample(clamp(c.fade_in_s + dt, 0, c.length_s - c.fade_out_s), sr);
    } else if (drag.kind === "fadeOut") {
      next.fade_out_s = snapToSample(clamp(c.fade_out_s - dt, 0, c.length_s - c.fade_in_s), sr);
    }
    return { clip: next, row };
  };

  const onPointerMove = (event) => {
    const drag = dragRef.current;
    const el = event.currentTarget;
    const { x, y } = pointFrom(event);
    if (!drag) { // cursor hints only
      const hit = y >= RULER && clipAt(x, y);
      let cursor = "default";
      if (hit && hit.clip) {
        const cx = hit.clip.start_s * pxPerS;
        const cw = hit.clip.length_s * pxPerS;
        cursor = (x - cx <= EDGE || cx + cw - x <= EDGE) ? "ew-resize" : "grab";
      }
      el.style.cursor = y < RULER ? "text" : cursor;
      return;
    }
    if (drag.kind === "ruler") {
      if (Math.abs(x - drag.x0) > 4) {
        const a = snapTime(drag.t0);
        const b = snapTime(x / pxPerS);
        setLoop((l) => ({ ...l, start: Math.min(a, b), end: Math.max(a, b), on: true }));
        drag.moved = true;
      }
      return;
    }
    if (!drag.moved && Math.abs(x - drag.x0) < 3 && Math.abs(y - drag.y0) < 3) return;
    drag.moved = true;
    drag.preview = previewFor(drag, x, y);
    draw();
  };

  const onPointerUp = (event) => {
    const drag = dragRef.current;
    dragRef.current = null;
    if (!drag) return;
    if (drag.kind === "ruler") {
      if (!drag.moved) seek(snapTime(drag.t0));
      return;
    }
    if (!drag.moved || !drag.preview) { draw(); return; }
    const { clip: next, row } = drag.preview;
    const c = drag.clip;
    const ops = [];
    const target = tracks[row];
    if (drag.kind === "move" && target && target.id !== drag.trackId) {
      ops.push({ op: "clip.move_to_track", id: c.id, track: target.id });
    }
    for (const f of ["start_s", "offset_s", "length_s", "fade_in_s", "fade_out_s"]) {
      if (next[f] !== c[f]) ops.push({ op: "clip.set", id: c.id, field: f, value: next[f] });
    }
    const labels = { move: "Move clip", trimLeft: "Trim clip", trimRight: "Trim clip", fadeIn: "Fade in", fadeOut: "Fade out" };
    if (ops.length) commit(ops, labels[drag.kind]);
    else draw();
  };

  const onWheel = (event) => {
    if (!(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    const scroller = laneRef.current.closest(".mbst-arr");
    const { x } = pointFrom(event);
    const t = x / pxPerS;
    const next = clamp(pxPerS * (event.deltaY < 0 ? 1.25 : 0.8), MIN_PX_PER_S, MAX_PX_PER_S);
    setPxPerS(next);
    requestAnimationFrame(() => { scroller.scrollLeft = Math.max(0, t * next - (x - scroller.scrollLeft)); });
  };

  useEffect(() => { // wheel zoom needs a non-passive listener
    const el = laneRef.current && laneRef.current.querySelector(".hit");
    if (!el) return undefined;
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  });

  useEffect(() => { // redraw on scroll (the canvases only cover the visible part)
    const scroller = laneRef.current && laneRef.current.closest(".mbst-arr");
    if (!scroller) return undefined;
    let pending = 0;
    const onScroll = () => {
      if (pending) return;
      pending = requestAnimationFrame(() => { pending = 0; draw(); });
    };
    scroller.addEventListener("scroll", onScroll, { passive: true });
    return () => { scroller.removeEventListener("scroll", onScroll); cancelAnimationFrame(pending); };
  }, [draw]);

  // ---- recording ----
  const latencyKey = `mb-studio-latency-${sr}`;
  const latencyFrames = () => {
    const saved = Number(window.localStorage.getItem(latencyKey));
    if (Number.isFinite(saved) && saved > 0) return saved;
    const ctx = engineRef.current.ctx; // not calibrated: what the browser reports (often too little)
    return ctx ? Math.round(((ctx.baseLatency || 0) + (ctx.outputLatency || 0)) * sr) : 0;
  };

  const disarm = () => {
    const r = recRef.current;
    if (r.recorder) r.recorder.dispose();
    if (r.input && r.input.close) r.input.close();
    recRef.current = { input: null, recorder: null, origin: 0, track: "" };
    setArmed("");
  };

  const arm = async (t) => {
    if (armed === t.id) { disarm(); return; }
    if (recording) return;
    disarm();
    try {
      const eng = await ensureEngine();
      const input = await openInput(eng.ctx);
      // made when the track is armed, not at Record: the input settles before the take starts
      recRef.current = { input, recorder: new Recorder(eng.ctx, input, { chunkSeconds: 5 }), origin: 0, track: t.id };
      setArmed(t.id);
      inform(`Ready to record on ${t.name} from ${input.label || "your microphone"}. Press Record (R).`);
    } catch (err) {
      setMessage(err && err.message ? err.message : "The microphone could not be opened.");
    }
  };

  const calibrate = async () => {
    const r = recRef.current;
    if (!r.input) { setMessage("Arm a track first (the ● button on it), then measure the delay."); return; }
    inform("Measuring the delay: keep the speakers on and the microphone near them for a few seconds…");
    try {
      const result = await calibrateLatency(engineRef.current.ctx, r.input);
      window.localStorage.setItem(latencyKey, String(result.latencyFrames));
      inform(`Recording delay measured: ${result.latencyMs.toFixed(1)} ms. Takes are placed with it from now on.`);
    } catch (err) {
      setMessage(err && err.message ? err.message : "The delay could not be measured.");
    }
  };

  const uploadTake = (take, trackId, placement) => {
    const t = sessionRef.current.doc.tracks.find((x) => x.id === trackId);
    const n = (t ? t.clips.length : 0) + 1;
    const name = `${t ? t.name : "Take"} take ${n}.wav`;
    const file = new File([take.wav], name, { type: "audio/wav" });
    setUploads((u) => [...u, { id: `take-${n}-${Date.now()}`, name, progress: 0, state: "uploading" }]);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.withCredentials = true;
    xhr.onload = () => {
      const reply = parseJson(xhr.responseText, {});
      if (xhr.status >= 200 && xhr.status < 300 && reply.track) {
        const tr = reply.track;
        const length = snapToSample(take.frames / sr - placement.offsetSeconds, sr);
        if (length <= 0) { setMessage("The take was shorter than the count-in: nothing to place."); return; }
        setMedia((m) => ({ ...m, [tr.id]: { id: tr.id, title: tr.title || name, duration_s: take.frames / sr, state: "processing", peaks_urls: {}, audio_url: "" } }));
        const clip = { id: newId("cl"), file: tr.id, start_s: placement.seconds, offset_s: placement.offsetSeconds,
          length_s: length, gain_db: 0.0, fade_in_s: 0.0, fade_out_s: 0.0 };
        const doc2 = sessionRef.current.doc;
        const target = doc2.tracks.find((x) => x.id === trackId);
        if (!target) return;
        // Earlier takes under the new one move to a muted "takes" track below it: kept, not heard.
        const end = clip.start_s + clip.length_s;
        const under = target.clips.filter((c) => c.start_s < end && c.start_s + c.length_s > clip.start_s);
        const ops = [];
        if (under.length) {
          const takesName = `${target.name} takes`.slice(0, 200);
          let takes = doc2.tracks.find((x) => x.name === takesName && x.mute);
          if (!takes && doc2.tracks.length >= limits.tracks) {
            setMessage(`The earlier take stays on ${target.name}: your plan has no room for a takes track. Mute or delete it to hear only the new one.`);
          } else {
            if (!takes) {
              takes = { ...emptyTrack(doc2.tracks.length + 1), name: takesName, role: target.role, mute: true };
              ops.push({ op: "track.add", track: takes, index: doc2.tracks.indexOf(target) + 1 });
            }
            for (const c of under) ops.push({ op: "clip.move_to_track", id: c.id, track: takes.id });
          }
        }
        ops.push({ op: "clip.add", track: trackId, clip });
        commit(ops, "Record take");
        setUploads((u) => u.map((x2) => (x2.name === name ? { ...x2, state: "processing", trackId: tr.id } : x2)));
        onMedia && onMedia("take");
      } else {
        setMessage((reply.error && reply.error.message) || "The take could not be saved. Check your connection and record again.");
      }
    };
    xhr.onerror = () => setMessage("The take could not be uploaded: check your connection and record again.");
    const form = new FormData();
    form.append("file", file, name);
    xhr.send(form);
  };

  const startRecording = async () => {
    const r = recRef.current;
    if (!r.recorder) { setMessage("Arm a track first: press the ● button on the track you want to record onto."); return; }
    const eng = await ensureEngine();
    eng.transport.setDocument(playDoc(sessionRef.current.doc), eng.buffers);
    eng.transport.setMeter(beatsPerBar, beatUnit);
    eng.transport.setMetronome(metronome);
    await eng.transport.play(positionRef.current, { countInBars: countIn ? 1 : 0 });
    await r.recorder.ready;
    r.origin = eng.transport.originFrame;
    r.start = await r.recorder.start();
    setRecording(true);
    setPlaying(true);
    inform(countIn ? "Recording after the count-in…" : "Recording…");
  };

  const stopRecording = async () => {
    const r = recRef.current;
    const tr = engineRef.current.transport;
    const take = await r.recorder.stop();
    if (tr && tr.playing) { positionRef.current = tr.positionSeconds(); tr.stop(); }
    setPlaying(false);
    setRecording(false);
    const placement = placeTake(take.startFrame, r.origin, latencyFrames(), sr);
    setMessage(take.dropouts.length ? "The browser missed a bit of audio during this take (the computer was busy). Listen back, and record again if you hear a gap." : "");
    uploadTake(take, r.track, placement);
  };

  const toggleRecord = () => (recording ? stopRecording() : startRecording());

  // ---- edits from buttons and keys ----
  const findClip = (id) => {
    for (const t of tracks) for (const c of t.clips) if (c.id === id) return [t, c];
    return [null, null];
  };

  const addTrack = () => {
    if (tracks.length >= limits.tracks) {
      setMessage(`Your ${limits.plan} plan allows ${limits.tracks} tracks in a project.`);
      return;
    }
    const t = emptyTrack(tracks.length + 1);
    if (commit([{ op: "track.add", track: t }], "Add track")) setSelTrack(t.id);
  };

  const splitAtPlayhead = () => {
    const at = snapToSample(currentPosition(), sr);
    const [, c] = findClip(selClip);
    const targets = c ? [c] : (tracks.find((t) => t.id === selTrack)?.clips || []);
    const hit = targets.find((x) => x.start_s < at && at < x.start_s + x.length_s);
    if (!hit) { setMessage("Put the playhead over a clip to split it."); return; }
    commit([{ op: "clip.split", id: hit.id, at_s: at, new_id: newId("cl") }], "Split clip");
  };

  const removeClip = () => {
    if (!selClip) return;
    if (commit([{ op: "clip.remove", id: selClip }], "Delete clip")) setSelClip("");
  };

  const duplicateClip = () => {
    const [t, c] = findClip(selClip);
    if (!c) return;
    const copy = { ...c, id: newId("cl"), start_s: snapToSample(c.start_s + c.length_s, sr) };
    if (commit([{ op: "clip.add", track: t.id, clip: copy }], "Duplicate clip")) setSelClip(copy.id);
  };

  const nudge = (beats) => {
    const [, c] = findClip(selClip);
    if (!c) return;
    const start = snapToSample(Math.max(0, c.start_s + beats * beatS), sr);
    if (start !== c.start_s) commit([{ op: "clip.set", id: c.id, field: "start_s", value: start }], "Move clip");
  };

  const setTrack = (t, field, value, label) => {
    if (t[field] === value) return;
    commit([{ op: "track.set", id: t.id, field, value }], label);
  };

  const undo = () => { if (session && !session.undo()) setMessage(session.lastError); };
  const redo = () => { if (session) session.redo(); };

  const onKey = (event) => {
    const el = event.target;
    if (el instanceof Element && el.closest("input,textarea,select,[contenteditable='true']")) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key;
    const handled = () => { event.preventDefault(); event.stopPropagation(); };
    if (key === " ") { if (!(el instanceof Element && el.closest("button"))) { handled(); if (!event.repeat) toggle(); } return; }
    if (mod && (key === "z" || key === "Z")) { handled(); if (event.shiftKey) redo(); else undo(); return; }
    if (mod && (key === "y" || key === "Y")) { handled(); redo(); return; }
    if (mod && (key === "d" || key === "D")) { handled(); duplicateClip(); return; }
    if (mod && (key === "e" || key === "E")) { handled(); setBounceOpen(true); return; }
    if (mod) return;
    const t = tracks.find((x) => x.id === selTrack);
    switch (key) {
      case "Enter": case "Home": handled(); seek(0); break;
      case "s": handled(); splitAtPlayhead(); break;
      case "S": handled(); if (t) setTrack(t, "solo", !t.solo, "Solo"); break;
      case "m": case "M": handled(); if (t) setTrack(t, "mute", !t.mute, "Mute"); break;
      case "Delete": case "Backspace": handled(); removeClip(); break;
      case "l": case "L": handled(); setLoop((l) => ({ ...l, on: !l.on, end: l.end > l.start ? l.end : l.start + beatS * beatsPerBar * 4 })); break;
      case "c": case "C": handled(); setMetronome((v) => !v); break;
      case "r": case "R": handled(); toggleRecord(); break;
      case "g": case "G": handled(); setSnap((v) => !v); break;
      case "+": case "=": handled(); setPxPerS((v) => clamp(v * 1.5, MIN_PX_PER_S, MAX_PX_PER_S)); break;
      case "-": case "_": handled(); setPxPerS((v) => clamp(v / 1.5, MIN_PX_PER_S, MAX_PX_PER_S)); break;
      case "ArrowLeft": if (selClip) { handled(); nudge(-1); } break;
      case "ArrowRight": if (selClip) { handled(); nudge(1); } break;
      case "?": handled(); setHelp((v) => !v); break;
      case "Escape": setHelp(false); setSelClip(""); break;
      default:
    }
  };

  // ---- library panel and file drops ----
  const placeTrack = (item, x, row) => {
    const start = snapTime(Math.max(0, x / pxPerS));
    const length = snapToSample(item.duration_s || 1, sr);
    const ops = [];
    let target = tracks[row];
    if (!target) {
      if (tracks.length >= limits.tracks) {
        setMessage(`Your ${limits.plan} plan allows ${limits.tracks} tracks in a project. Drop onto an existing track.`);
        return;
      }
      target = { ...emptyTrack(tracks.length + 1), name: (item.title || "Audio").slice(0, 60), role: guessRole(item.title) };
      ops.push({ op: "track.add", track: target });
    }
    const clip = { id: newId("cl"), file: item.id, start_s: start, offset_s: 0.0, length_s: length, gain_db: 0.0,
      fade_in_s: 0.0, fade_out_s: 0.0 };
    ops.push({ op: "clip.add", track: target.id, clip });
    setMedia((m) => ({ ...m, [item.id]: m[item.id] || item }));
    if (commit(ops, "Add clip")) { setSelClip(clip.id); setSelTrack(target.id); }
  };

  const uploadFile = (file, x, row) => {
    if (uploadMaxBytes && file.size > uploadMaxBytes) {
      setMessage(`${file.name} is too big to upload (the limit is ${Math.round(uploadMaxBytes / 1048576)} MB).`);
      return;
    }
    const id = newId("up");
    setUploads((u) => [...u, { id, name: file.name, progress: 0, state: "uploading" }]);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) setUploads((u) => u.map((x2) => (x2.id === id ? { ...x2, progress: ev.loaded / ev.total } : x2)));
    };
    xhr.onload = () => {
      const reply = parseJson(xhr.responseText, {});
      if (xhr.status >= 200 && xhr.status < 300 && reply.track) {
        const tr = reply.track;
        const item = { id: tr.id, title: tr.title || file.name, duration_s: tr.duration_s || 0,
          state: tr.status === "ready" ? "ready" : "processing", audio_url: tr.audio_url || "", peaks_urls: tr.peaks_urls || {},
          sample_rate: tr.sample_rate || 0, channels: tr.channels || 2 };
        setUploads((u) => u.map((x2) => (x2.id === id ? { ...x2, state: "processing", progress: 1, trackId: tr.id } : x2)));
        placeTrack(item, x, row);
        onMedia && onMedia("uploaded");
      } else {
        const msg = (reply.error && reply.error.message) || `The upload of ${file.name} failed. Try again.`;
        setUploads((u) => u.filter((x2) => x2.id !== id));
        setMessage(msg);
      }
    };
    xhr.onerror = () => {
      setUploads((u) => u.filter((x2) => x2.id !== id));
      setMessage(`The upload of ${file.name} stopped: check your connection and drop it again.`);
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  };

  const onDragOver = (event) => {
    const types = event.dataTransfer ? [...event.dataTransfer.types] : [];
    if (!types.includes("application/x-mb-track") && !types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDropping(true);
  };

  const onDrop = (event) => {
    event.preventDefault();
    setDropping(false);
    const { x, y } = pointFrom(event);
    const row = Math.max(0, Math.floor((y - RULER) / TRACK_H));
    const trackId = event.dataTransfer.getData("application/x-mb-track");
    if (trackId) {
      const item = library.find((l) => l.id === trackId);
      if (item) placeTrack(item, x, row);
      return;
    }
    [...(event.dataTransfer.files || [])].forEach((f, i) => uploadFile(f, x, row + i));
  };

  // ---- render ----
  const style = {
    "--st-bg": colors.bg, "--st-panel": colors.panel, "--st-raised": colors.raised, "--st-border": colors.border,
    "--st-text": colors.text, "--st-muted": colors.muted, "--st-accent": colors.accent, "--st-solid": colors.solid,
    "--st-lanes": `${lanesH}px`,
  };
  if (!opened || !doc) {
    return <div className="mbst" style={style}><style>{CSS}</style><div className="mbst-status">Opening the project…</div></div>;
  }
  const selected = findClip(selClip);
  // clips whose audio was deleted from the library: drawn as "Missing file", removable in one edit
  const missing = [];
  for (const t of tracks) for (const c of t.clips) if (media[c.file] && media[c.file].state === "missing") missing.push(c.id);
  const removeMissing = () => {
    if (commit(missing.map((id) => ({ op: "clip.remove", id })), "Remove missing clips") && missing.includes(selClip)) setSelClip("");
  };
  const status = session.pending.length
    ? <span>Saving… ({session.pending.length} change{session.pending.length === 1 ? "" : "s"} waiting)</span>
    : <span className="ok">All changes saved</span>;
  const fxLabel = Object.fromEntries(effects.map((e) => [e.type, e.label]));

  const strip = (t, i) => {
    const isMaster = t === "master";
    const name = isMaster ? "Master" : t.name;
    const vol = preview && preview.track === (isMaster ? "master" : t.id) && preview.field === "volume_db"
      ? preview.value : (isMaster ? doc.master.volume_db : t.volume_db);
    const pan = !isMaster && preview && preview.track === t.id && preview.field === "pan" ? preview.value : (isMaster ? 0 : t.pan);
    const inserts = isMaster ? doc.master.inserts : t.inserts;
    const owner = isMaster ? "master" : t.id;
    const commitLevel = (field, value) => {
      setPreview(null);
      if (isMaster) {
        if (doc.master.volume_db !== value) commit([{ op: "master.set", field: "volume_db", value }], "Master level");
      } else setTrack(t, field, value, field === "pan" ? "Pan" : "Volume");
    };
    const setInserts = (next, label) => commit([{ op: "inserts.set", track: owner, inserts: next }], label);
    return (
      <div className={`mbst-strip${isMaster ? " master" : ""}`} key={owner} data-testid={`strip-${owner}`}>
        <div className="nm" style={{ borderColor: isMaster ? colors.accent : trackColor(t, i) }} title={name}>{name}</div>
        <div className="mbst-meter" aria-hidden="true"><i ref={(el) => { if (el) meterRefs.current.set(owner, el); else meterRefs.current.delete(owner); }} /></div>
        <label htmlFor={`vol-${owner}`}><span>Volume</span><span>{vol > 0 ? "+" : ""}{Number(vol).toFixed(1)} dB</span></label>
        <input id={`vol-${owner}`} type="range" min={-60} max={12} step={0.1} value={vol} aria-label={`${name} volume`}
          onChange={(e) => setPreview({ track: owner, field: "volume_db", value: Number(e.target.value) })}
          onPointerUp={(e) => commitLevel("volume_db", Number(e.target.value))}
          onKeyUp={(e) => commitLevel("volume_db", Number(e.target.value))}
          onDoubleClick={() => commitLevel("volume_db", 0)} />
        {!isMaster && (<>
          <label htmlFor={`pan-${owner}`}><span>Pan</span><span>{pan === 0 ? "C" : pan < 0 ? `L${Math.round(-pan * 100)}` : `R${Math.round(pan * 100)}`}</span></label>
          <input id={`pan-${owner}`} type="range" min={-1} max={1} step={0.01} value={pan} aria-label={`${name} pan`}
            onChange={(e) => setPreview({ track: owner, field: "pan", value: Number(e.target.value) })}
            onPointerUp={(e) => commitLevel("pan", Number(e.target.value))}
            onKeyUp={(e) => commitLevel("pan", Number(e.target.value))}
            onDoubleClick={() => commitLevel("pan", 0)} />
          <div className="row" style={{ display: "flex", gap: 4 }}>
            <button type="button" className="mbst-btn mbst-ms m" aria-pressed={t.mute} onClick={() => setTrack(t, "mute", !t.mute, "Mute")} aria-label={`Mute ${name}`}>M</button>
            <button type="button" className="mbst-btn mbst-ms s" aria-pressed={t.solo} onClick={() => setTrack(t, "solo", !t.solo, "Solo")} aria-label={`Solo ${name}`}>S</button>
          </div>
        </>)}
        <div className="mbst-ins">
          {inserts.map((fx, k) => {
            const spec = effects.find((e) => e.type === fx.type) || { params: [] };
            return (
              <div className="fx" key={`${owner}-${k}-${fx.type}`}>
                <header><span>{fxLabel[fx.type] || fx.type}</span>
                  <button type="button" className="mbst-x" aria-label={`Remove ${fxLabel[fx.type] || fx.type} from ${name}`}
                    onClick={() => setInserts(inserts.filter((_, j) => j !== k), "Remove effect")}>×</button></header>
                {spec.params.map((p) => (
                  <label key={p.name} style={{ flexDirection: "column", alignItems: "stretch" }}>
                    <span style={{ display: "flex", justifyContent: "space-between" }}><span>{p.label}</span><span>{Number(fx[p.name]).toFixed(p.max - p.min > 50 ? 0 : 2)} {p.unit === "fraction" || p.unit === "ratio" ? "" : p.unit}</span></span>
                    <input type="range" min={p.min} max={p.max} step={(p.max - p.min) / 200} defaultValue={fx[p.name]}
                      aria-label={`${name} ${fxLabel[fx.type]} ${p.label}`}
                      onPointerUp={(e) => setInserts(inserts.map((f, j) => (j === k ? { ...f, [p.name]: Number(e.target.value) } : f)), `${fxLabel[fx.type]} ${p.label}`)}
                      onKeyUp={(e) => setInserts(inserts.map((f, j) => (j === k ? { ...f, [p.name]: Number(e.target.value) } : f)), `${fxLabel[fx.type]} ${p.label}`)} />
                  </label>
                ))}
                {fx.type === "eq" && (fx.bands || []).map((b, bi) => (
                  <label key={`b${bi}`} style={{ flexDirection: "column", alignItems: "stretch" }}>
                    <span style={{ display: "flex", justifyContent: "space-between" }}><span>{b.kind.replace("_", " ")} {Math.round(b.freq_hz)} Hz</span><span>{b.gain_db.toFixed(1)} dB</span></span>
                    <input type="range" min={-24} max={24} step={0.1} defaultValue={b.gain_db} aria-label={`${name} EQ band ${bi + 1} gain`}
                      onPointerUp={(e) => setInserts(inserts.map((f, j) => (j === k ? { ...f, bands: f.bands.map((bb, q) => (q === bi ? { ...bb, gain_db: Number(e.target.value) } : bb)) } : f)), "EQ gain")} />
                  </label>
                ))}
              </div>
            );
          })}
          <select aria-label={`Add an effect to ${name}`} value=""
            onChange={(e) => { const spec = effects.find((x) => x.type === e.target.value); if (spec) setInserts([...inserts, defaultsOf(spec)], `Add ${spec.label}`); }}>
            <option value="">+ Add effect…</option>
            {effects.map((e) => <option key={e.type} value={e.type}>{e.label}</option>)}
          </select>
        </div>
      </div>
    );
  };

  const selectedClipPanel = () => {
    const [t, c] = selected;
    if (!c) return <div className="mbst-clip"><span style={{ color: colors.muted }}>Click a clip to see and change its details here.</span></div>;
    const field = (label, f, min, max, step, unit) => (
      <label key={f}>{label}
        <input type="number" min={min} max={max} step={step} defaultValue={Number(c[f]).toFixed(3)} key={`${c.id}-${f}-${c[f]}`}
          aria-label={`Clip ${label}`}
          onBlur={(e) => { const v = snapToSample(Number(e.target.value), sr); if (Number.isFinite(v) && v !== c[f]) commit([{ op: "clip.set", id: c.id, field: f, value: f === "gain_db" ? Number(e.target.value) : v }], `Clip ${label}`); }}
          onKeyDown={(e) => { if (e.key === "Enter") e.currentTarget.blur(); }} />
        <span style={{ fontSize: 10 }}>{unit}</span>
      </label>
    );
    return (
      <div className="mbst-clip" data-testid="clip-panel">
        <div style={{ fontWeight: 600, alignSelf: "center", minWidth: 140 }}>{(media[c.file] || {}).title || "Clip"}<div style={{ color: colors.muted, fontWeight: 400, fontSize: 11 }}>on {t.name}</div></div>
        {field("Start", "start_s", 0, 86400, 0.001, "seconds")}
        {field("Length", "length_s", 0.001, 86400, 0.001, "seconds")}
        {field("Gain", "gain_db", -96, 24, 0.1, "dB")}
        {field("Fade in", "fade_in_s", 0, 86400, 0.001, "seconds")}
        {field("Fade out", "fade_out_s", 0, 86400, 0.001, "seconds")}
        <button type="button" className="mbst-btn" onClick={splitAtPlayhead}><Icon name="split" />Split at playhead</button>
        <button type="button" className="mbst-btn" onClick={duplicateClip}>Duplicate</button>
        <button type="button" className="mbst-btn" onClick={removeClip} style={{ color: "#ff8a80" }}>Delete clip</button>
      </div>
    );
  };

  return (
    <div className="mbst" style={style} ref={rootRef} onKeyDown={onKey} data-version={session.version}>
      <style>{CSS}</style>
      <div className="mbst-bar" role="toolbar" aria-label="Transport and tools">
        <button type="button" className="mbst-btn" onClick={() => seek(0)} aria-label="Back to the start" title="Back to the start (Home)"><Icon name="start" /></button>
        <button type="button" className="mbst-btn mbst-play" onClick={toggle} aria-label={playing ? "Stop" : "Play"} title="Play / stop (Space)" data-testid="play">
          <Icon name={playing ? "stop" : "play"} /></button>
        <button type="button" className="mbst-btn mbst-rec" aria-pressed={recording} onClick={toggleRecord} aria-label={recording ? "Stop recording" : "Record"}
          title={armed ? "Record onto the armed track (R)" : "Arm a track (● on the track) to record"} data-testid="record"><Icon name="rec" /></button>
        <button type="button" className="mbst-btn" aria-pressed={loop.on} onClick={() => setLoop((l) => ({ ...l, on: !l.on }))} title="Loop (L). Drag on the ruler to set the loop." aria-label="Loop"><Icon name="loop" /></button>
        <button type="button" className="mbst-btn" aria-pressed={metronome} onClick={() => setMetronome((v) => !v)} title="Metronome (C)" aria-label="Metronome"><Icon name="click" /></button>
        <button type="button" className="mbst-btn" aria-pressed={countIn} onClick={() => setCountIn((v) => !v)} title="Count one bar in before playing or recording">1 bar in</button>
        <div className="mbst-lcd" ref={lcdRef} aria-label="Playhead position" role="timer"><b>001|1|000</b><span>0:00.000</span></div>
        <label className="mbst-field">Tempo
          <input type="number" min={20} max={400} step={0.01} defaultValue={bpm} key={`bpm-${bpm}`} aria-label="Tempo in BPM"
            onBlur={(e) => { const v = Number(e.target.value); if (v >= 20 && v <= 400 && v !== bpm) commit([{ op: "session.set", field: "tempo_bpm", value: v }], "Tempo"); else e.target.value = bpm; }}
            onKeyDown={(e) => { if (e.key === "Enter") e.currentTarget.blur(); }} /></label>
        <span className="mbst-field">{beatsPerBar}/{beatUnit} · {sr / 1000} kHz</span>
        <span className="mbst-sep" />
        <button type="button" className="mbst-btn" aria-pressed={snap} onClick={() => setSnap((v) => !v)} title="Snap to the grid (G)"><Icon name="magnet" />Snap</button>
        <input className="mbst-zoom" type="range" min={Math.log(MIN_PX_PER_S)} max={Math.log(MAX_PX_PER_S)} step={0.01} value={Math.log(pxPerS)}
          onChange={(e) => setPxPerS(Math.exp(Number(e.target.value)))} aria-label="Zoom" title="Zoom (+/−, Ctrl+wheel)" />
        <span className="mbst-sep" />
        <button type="button" className="mbst-btn" onClick={undo} disabled={!session.canUndo} aria-label="Undo" title="Undo (Ctrl+Z)"><Icon name="undo" /></button>
        <button type="button" className="mbst-btn" onClick={redo} disabled={!session.canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)"><Icon name="redo" /></button>
        <button type="button" className="mbst-btn" onClick={addTrack} data-testid="add-track"><Icon name="plus" />Track</button>
        <div className="mbst-right">
        <button type="button" className="mbst-btn" onClick={() => { setDismissed(""); onAssistant && onAssistant("ask"); }}
          disabled={!!(advice && advice.busy) || !tracks.some((t) => t.clips.length)} title="Suggest levels and pans for every track"
          data-testid="assistant"><Icon name="wand" />{advice && advice.busy ? "Listening…" : "Mix assistant"}</button>
        <button type="button" className="mbst-btn" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)"><Icon name="keys" /></button>
        <button type="button" className="mbst-btn" style={{ background: colors.solid, borderColor: colors.solid, color: "#fff" }}
          aria-expanded={bounceOpen} onClick={() => setBounceOpen((v) => !v)} title="Render the mix on the server (Ctrl+E)" data-testid="bounce"><Icon name="bounce" />Bounce</button>
        </div>
        {bounceOpen && (
          <div className="mbst-pop" role="dialog" aria-label="Bounce the mix">
            <strong>Bounce the mix</strong>
            <span style={{ color: colors.muted, fontSize: 12 }}>The mix is rendered on the server exactly as you hear it here and added to your Library, ready for mastering.</span>
            {[["wav24", "WAV, 24-bit (best for mastering)"], ["wav16", "WAV, 16-bit"], ["flac", "FLAC, 24-bit"], ["mp3", "MP3, 320 kbps (to share)"]].map(([v, label]) => (
              <label key={v} className="opt"><input type="radio" name="mbst-format" value={v} checked={bounceFormat === v} onChange={() => setBounceFormat(v)} />{label}</label>
            ))}
            <label className="opt"><input type="checkbox" checked={bounceStems} onChange={(e) => setBounceStems(e.target.checked)} />Also stems: one file per track, before the master bus</label>
            <div style={{ display: "flex", gap: 6, justifyContent: "flex-end" }}>
              <button type="button" className="mbst-btn" onClick={() => setBounceOpen(false)}>Cancel</button>
              <button type="button" className="mbst-btn" style={{ background: colors.solid, borderColor: colors.solid, color: "#fff" }} data-testid="bounce-start"
                onClick={() => { setBounceOpen(false); onBounce && onBounce(JSON.stringify({ format: bounceFormat, stems: bounceStems })); }}>Bounce</button>
            </div>
          </div>
        )}
      </div>
      {advice && advice.tracks && advice.id !== dismissed && (() => {
        const rows = advice.tracks.filter((a) => tracks.some((t) => t.id === a.track_id));
        const fmtPan = (p) => (Math.abs(p) < 0.005 ? "C" : p < 0 ? `L${Math.round(-p * 100)}` : `R${Math.round(p * 100)}`);
        const apply = () => {
          const ops = [];
          for (const a of rows) {
            const t = tracks.find((x) => x.id === a.track_id);
            if (t.volume_db !== a.volume_db) ops.push({ op: "track.set", id: t.id, field: "volume_db", value: a.volume_db });
            if (t.pan !== a.pan) ops.push({ op: "track.set", id: t.id, field: "pan", value: a.pan });
          }
          if (ops.length) commit(ops, "Mix assistant");
          setDismissed(advice.id);
        };
        return (
          <div className="mbst-advice" role="region" aria-label="Mix assistant suggestion" data-testid="assistant-panel">
            <strong>Mix assistant</strong>
            {rows.length === 0 ? <span>Your levels and pans already match what it would suggest.</span> : (
              <ul>{rows.map((a) => (
                <li key={a.track_id} title={a.reason}><b>{a.name}</b> volume {a.previous_volume_db.toFixed(1)} → <em>{a.volume_db.toFixed(1)} dB</em>, pan {fmtPan(a.previous_pan)} → <em>{fmtPan(a.pan)}</em></li>
              ))}</ul>
            )}
            <div style={{ display: "flex", gap: 6 }}>
              {rows.length > 0 && <button type="button" className="mbst-btn" style={{ background: colors.solid, borderColor: colors.solid, color: "#fff" }} onClick={apply} data-testid="assistant-apply">Apply (you can undo it)</button>}
              <button type="button" className="mbst-btn" onClick={() => setDismissed(advice.id)}>Dismiss</button>
            </div>
          </div>
        );
      })()}
      <div className="mbst-body">
        <aside className="mbst-lib" aria-label="Library">
          <h2>Library</h2>
          {library.length === 0 && <p>Your ready tracks appear here. Drop audio files on the timeline to add new ones.</p>}
          <ul>
            {library.map((item) => (
              <li key={item.id} draggable="true" title={`Drag ${item.title} onto a track`} data-testid="library-item"
                onDragStart={(e) => { e.dataTransfer.setData("application/x-mb-track", item.id); e.dataTransfer.effectAllowed = "copy"; }}>
                <span className="t">{item.title}</span><span className="d">{clock(item.duration_s).replace(/\.\d+$/, "")}</span>
                <button type="button" className="mbst-x" aria-label={`Add ${item.title} at the playhead`}
                  onClick={() => placeTrack(item, currentPosition() * pxPerS, Math.max(0, tracks.findIndex((t) => t.id === selTrack)))}>+</button>
              </li>
            ))}
          </ul>
          {uploads.filter((u) => !(u.trackId && media[u.trackId] && media[u.trackId].state === "ready")).map((u) => (
            <div key={u.id} className="mbst-up" data-testid="upload-progress">
              <span className="t">{u.name}</span>
              <span className="d">{u.state === "uploading" ? `Uploading ${Math.round(u.progress * 100)} %` : "Processing…"}</span>
              <progress max={1} value={u.state === "uploading" ? u.progress : undefined} aria-label={`Upload of ${u.name}`} />
            </div>))}
        </aside>
        <div className="mbst-arr" onDragOver={onDragOver} onDragLeave={() => setDropping(false)} onDrop={onDrop}>
          <div className="mbst-heads">
            <div className="corner">{tracks.length} / {limits.tracks} tracks</div>
            {tracks.map((t, i) => (
              <div className="mbst-head" key={t.id} data-selected={t.id === selTrack} onPointerDown={() => setSelTrack(t.id)} data-testid="track-head">
                <span className="sw" style={{ background: trackColor(t, i) }} />
                <input className="name" defaultValue={t.name} key={`${t.id}-${t.name}`} aria-label={`Name of track ${i + 1}`} maxLength={200}
                  onBlur={(e) => { const v = e.target.value.trim(); if (v && v !== t.name) setTrack(t, "name", v, "Rename track"); else e.target.value = t.name; }}
                  onKeyDown={(e) => { if (e.key === "Enter") e.currentTarget.blur(); if (e.key === "Escape") { e.currentTarget.value = t.name; e.currentTarget.blur(); } }} />
                <div className="row">
                  <button type="button" className="mbst-btn mbst-ms m" aria-pressed={t.mute} onClick={() => setTrack(t, "mute", !t.mute, "Mute")} aria-label={`Mute ${t.name}`}>M</button>
                  <button type="button" className="mbst-btn mbst-ms s" aria-pressed={t.solo} onClick={() => setTrack(t, "solo", !t.solo, "Solo")} aria-label={`Solo ${t.name}`}>S</button>
                  <button type="button" className="mbst-btn mbst-ms a" aria-pressed={armed === t.id} onClick={() => arm(t)} aria-label={`Record on ${t.name}`} title="Arm for recording" data-testid="arm">●</button>
                  <button type="button" className="mbst-swatch" style={{ background: trackColor(t, i) }} aria-label={`Colour of ${t.name}`}
                    aria-expanded={colorFor === t.id} onClick={() => setColorFor(colorFor === t.id ? "" : t.id)} />
                  {colorFor === t.id && (
                    <div className="mbst-palette" role="group" aria-label={`Pick a colour for ${t.name}`}>
                      {PALETTE.map((c) => <button type="button" key={c} style={{ background: c }} aria-label={`Colour ${c}`} aria-pressed={t.color === c}
                        onClick={() => { setColorFor(""); setTrack(t, "color", c, "Track colour"); }} />)}
                    </div>
                  )}
                  <select aria-label={`Kind of track ${t.name}`} value={t.role} style={{ height: 22, background: colors.panel, color: colors.text, border: `1px solid ${colors.border}`, borderRadius: 5, fontSize: 11 }}
                    onChange={(e) => setTrack(t, "role", e.target.value, "Track kind")}>
                    {Object.keys(ROLE_COLORS).map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
                  </select>
                  <button type="button" className="mbst-x up" title="Move up" aria-label={`Move ${t.name} up`} disabled={i === 0}
                    onClick={() => commit([{ op: "track.move", id: t.id, index: i - 1 }], "Move track")}>↑</button>
                  <button type="button" className="mbst-x" aria-label={`Delete track ${t.name}`} title="Delete track"
                    onClick={() => commit([{ op: "track.remove", id: t.id }], "Delete track")}>×</button>
                </div>
              </div>
            ))}
          </div>
          <div className="mbst-lane" ref={laneRef} style={{ width: laneW, minWidth: laneW, height: RULER + Math.max(lanesH, TRACK_H) }}>
            <canvas ref={baseCanvas} aria-hidden="true" />
            <div ref={playheadRef} className="mbst-playhead" aria-hidden="true" style={{ height: RULER + Math.max(lanesH, TRACK_H) }} />
            <div className="hit" tabIndex={0} role="application" aria-label="Timeline: click to place the playhead, drag clips to move them, drag their edges to trim, press ? for shortcuts"
              style={{ width: laneW, height: RULER + Math.max(lanesH, TRACK_H), touchAction: "pan-x pan-y" }}
              onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={() => { dragRef.current = null; draw(); }}
              data-testid="timeline" />
          </div>
          {tracks.length === 0 && (
            <div className="mbst-empty">Drag a song from your library on the left onto this area, or drop audio files here. Add an empty track with “+ Track”.</div>
          )}
          {dropping && <div className="mbst-drop">Drop to add to the project</div>}
        </div>
      </div>
      <div className="mbst-tabs" role="tablist" aria-label="Panels">
        <button type="button" role="tab" className="mbst-tab" aria-selected={panel === "mixer"} onClick={() => setPanel("mixer")}>Mixer</button>
        <button type="button" role="tab" className="mbst-tab" aria-selected={panel === "clip"} onClick={() => setPanel("clip")}>Clip</button>
      </div>
      {panel === "mixer" ? (
        <div className="mbst-mixer" role="tabpanel" aria-label="Mixer">
          {tracks.map((t, i) => strip(t, i))}
          {strip("master", tracks.length)}
        </div>
      ) : <div role="tabpanel" aria-label="Clip">{selectedClipPanel()}</div>}
      <div className="mbst-status" role="status" aria-live="polite">
        {status}
        <span>Version {session.version}</span>
        {armed && !recording && <button type="button" className="mbst-btn" onClick={calibrate} title="Play a few clicks and listen for them to measure your recording delay">Measure recording delay</button>}
        {uploads.some((u) => u.state === "uploading") && ( // the library column (with the bars) is hidden on phones
          <span className="mbst-upnote">{uploads.filter((u) => u.state === "uploading")
            .map((u) => `Uploading ${u.name}: ${Math.round(u.progress * 100)} %`).join(" · ")}</span>
        )}
        {missing.length > 0 && (
          <span className="err" data-testid="missing-files">
            {missing.length === 1 ? "1 clip has no audio file any more" : `${missing.length} clips have no audio file any more`} (deleted from your Library, or it could not be read).{" "}
            <button type="button" className="mbst-btn" onClick={removeMissing} data-testid="remove-missing">
              {missing.length === 1 ? "Remove this clip" : "Remove these clips"}</button>
          </span>
        )}
        {message && <span className={tone} data-testid="studio-message">{message}</span>}
      </div>
      {help && (
        <div className="mbst-over" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={() => setHelp(false)}>
          <div className="card" onClick={(e) => e.stopPropagation()}>
            <h2>Keyboard shortcuts</h2>
            <table><tbody>{SHORTCUTS.map(([k, v]) => <tr key={k}><td><kbd>{k}</kbd></td><td>{v}</td></tr>)}</tbody></table>
            <div style={{ marginTop: 12, textAlign: "right" }}><button type="button" className="mbst-btn" onClick={() => setHelp(false)} autoFocus>Close</button></div>
          </div>
        </div>
      )}
    </div>
  );
}

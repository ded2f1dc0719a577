// Drop zone + file picker that uploads each file with XMLHttpRequest (fetch has no upload progress)
// as multipart/form-data, field "file", at most `maxParallel` at once, one row per file with
// progress, "Processing…", the outcome and a Cancel button. Wrapped by uploader.py.
//
// Server contract: 2xx {"track": {...}, "duplicate": bool} → onUploaded(JSON string of the reply);
// 4xx/5xx {"error": {"code", "message"}} → the message on the row and
// onFailed(JSON string {name, code, message}). Files over maxBytes are refused before uploading.
import { useEffect, useReducer, useRef, useState } from "react";

const MB = 1024 * 1024;
const DEFAULT_COLORS = {
  bg: "#16181c", panel: "#1e2126", raised: "#262a30", border: "#30353d", text: "#e6e8eb",
  muted: "#9aa1ab", accent: "#3d8bfd", solid: "#1f6feb",
};
const ACTIVE = new Set(["uploading", "processing"]);
const FINISHED = new Set(["added", "duplicate", "error", "cancelled"]);

const CSS = `
.mbup,.mbup *{box-sizing:border-box}
.mbup{width:100%;color:var(--mbup-text);min-width:0}
.mbup-zone{appearance:none;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:10px;width:100%;min-height:150px;padding:24px 16px;border:1.5px dashed var(--mbup-border);border-radius:10px;background:var(--mbup-panel);color:var(--mbup-text);font:inherit;text-align:center;cursor:pointer;transition:border-color .12s,background .12s}
.mbup-zone:hover,.mbup-zone[data-over="true"]{border-color:var(--mbup-accent);background:color-mix(in srgb,var(--mbup-accent) 8%,var(--mbup-panel))}
.mbup-zone svg{width:28px;height:28px;color:var(--mbup-accent)}
.mbup-title{font-size:15px;font-weight:500}
.mbup-hint{font-size:12px;color:var(--mbup-muted)}
.mbup-pick{display:inline-block;padding:6px 14px;border-radius:6px;background:var(--mbup-solid);color:#fff;font-size:13px;font-weight:500}
.mbup-list{list-style:none;margin:12px 0 0;padding:0;display:flex;flex-direction:column;gap:8px}
.mbup-row{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:6px 12px;align-items:center;padding:10px 12px;border:1px solid var(--mbup-border);border-radius:8px;background:var(--mbup-panel)}
.mbup-name{font-size:14px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.mbup-status{font-size:12px;color:var(--mbup-muted);white-space:nowrap}
.mbup-status[data-tone="ok"]{color:#4cc38a}
.mbup-status[data-tone="error"]{color:#ff8589}
.mbup-msg{grid-column:1/-1;font-size:13px;color:#ff8589;overflow-wrap:anywhere}
.mbup-track{grid-column:1/-1;display:flex;align-items:center;gap:10px}
.mbup-bar{flex:1;height:6px;border-radius:3px;background:var(--mbup-raised);overflow:hidden}
.mbup-fill{height:100%;background:var(--mbup-accent)}
.mbup-fill[data-indeterminate="true"]{width:100%!important;opacity:.5}
.mbup-bytes{font-size:12px;color:var(--mbup-muted);font-variant-numeric:tabular-nums;white-space:nowrap}
.mbup-btn{appearance:none;height:28px;padding:0 10px;border-radius:6px;border:1px solid var(--mbup-border);background:var(--mbup-raised);color:var(--mbup-text);font:inherit;font-size:12px;cursor:pointer}
.mbup-btn:hover{border-color:var(--mbup-accent)}
.mbup-foot{display:flex;justify-content:flex-end;margin-top:8px}
.mbup :focus-visible{outline:2px solid #6ea8fe;outline-offset:2px}
.mbup-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
`;

const mb = (bytes) => (bytes / MB).toFixed(1);

/** Whether a dropped file matches an `accept` list (".wav,audio/*"); the picker filters by itself. */
export function accepts(file, accept) {
  if (!accept) return true;
  const name = file.name.toLowerCase();
  const type = (file.type || "").toLowerCase();
  return accept.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean).some((rule) => {
    if (rule.startsWith(".")) return name.endsWith(rule);
    if (rule.endsWith("/*")) return type.startsWith(rule.slice(0, -1));
    return type === rule;
  });
}

function statusText(row, addedText) {
  switch (row.status) {
    case "queued": return ["Waiting…", ""];
    case "uploading": return [`Uploading ${row.percent}%`, ""];
    case "processing": return ["Processing…", ""];
    case "added": return [addedText.charAt(0).toUpperCase() + addedText.slice(1), "ok"];
    case "duplicate": return ["Already in your library", "ok"];
    case "cancelled": return ["Cancelled", ""];
    default: return ["Failed", "error"];
  }
}

export function Uploader(props) {
  const {
    uploadUrl, accept = "audio/*", maxBytes = 0, maxParallel = 3, onUploaded, onFailed, colors: colorsProp,
    id, className, title = "Drop audio files here or choose files", hint = "WAV, FLAC, AIFF, MP3…", multiple = true,
    addedText = "added", method = "POST", rejectText = "Not an audio file this app accepts.",
  } = props;
  const colors = { ...DEFAULT_COLORS, ...(colorsProp || {}) };
  const inputRef = useRef(null);
  const rowsRef = useRef([]);
  const seqRef = useRef(0);
  const frameRef = useRef(0);
  const [, rerender] = useReducer((n) => n + 1, 0);
  const [over, setOver] = useState(false);
  const [announce, setAnnounce] = useState("");
  const live = useRef(null);
  live.current = { uploadUrl, accept, maxBytes, maxParallel, onUploaded, onFailed, addedText, method, rejectText };

  // progress events come fast: at most one render per animation frame for them
  function renderSoon() {
    if (frameRef.current) return;
    frameRef.current = requestAnimationFrame(() => {
      frameRef.current = 0;
      rerender();
    });
  }

  function failed(row, code, message) {
    row.status = "error";
    row.message = message;
    row.xhr = null;
    setAnnounce(`${row.name}: ${message}`);
    live.current.onFailed?.(JSON.stringify({ name: row.name, code, message }));
  }

  function pump() {
    const limit = Math.max(1, Number(live.current.maxParallel) || 3);
    let active = rowsRef.current.filter((r) => ACTIVE.has(r.status)).length;
    for (const row of rowsRef.current) {
      if (active >= limit) break;
      if (row.status !== "queued") continue;
      start(row);
      active += 1;
    }
    rerender();
  }

  function finish(row, xhr) {
    row.xhr = null;
    let body = null;
    try {
      body = JSON.parse(xhr.responseText || "null");
    } catch {
      body = null;
    }
    if (xhr.status >= 200 && xhr.status < 300 && body && typeof body === "object" && (body.track || body.id || body.release)) {
      row.status = body.duplicate ? "duplicate" : "added";
      row.percent = 100;
      setAnnounce(`${row.name}: ${body.duplicate ? "already in your library" : live.current.addedText || "added"}`);
      live.current.onUploaded?.(JSON.stringify(body));
    } else {
      const error = (body && typeof body === "object" && body.error) || {};
      const code = typeof error.code === "string" && error.code ? error.code : `http_${xhr.status}`;
      const message = typeof error.message === "string" && error.message
        ? error.message
        : `Upload failed (HTTP ${xhr.status}).`;
      failed(row, code, message);
    }
    pump();
  }

  function start(row) {
    const xhr = new XMLHttpRequest();
    row.xhr = xhr;
    row.status = "uploading";
    xhr.open(live.current.method || "POST", live.current.uploadUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable || row.status !== "uploading") return;
      const fraction = ev.total > 0 ? ev.loaded / ev.total : 0; // total includes the multipart framing
      row.loaded = Math.min(row.size, Math.round(fraction * row.size));
      row.percent = Math.min(100, Math.floor(fraction * 100));
      renderSoon();
    };
    xhr.upload.onload = () => {
      if (row.status !== "uploading") return;
      row.status = "processing";
      row.loaded = row.size;
      row.percent = 100;
      rerender();
    };
    xhr.onload = () => finish(row, xhr);
    xhr.onerror = () => {
      failed(row, "network_error", "The connection was lost during the upload. Try again.");
      pump();
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      row.status = "cancelled";
      row.xhr = null;
      setAnnounce(`${row.name}: cancelled`);
      pump();
    };
    const form = new FormData();
    form.append("file", row.file, row.name);
    row.file = null; // the request holds it now
    xhr.send(form);
  }

  function addFiles(fileList) {
    const { maxBytes: limit, accept: rule, rejectText: refused } = live.current;
    for (const file of Array.from(fileList || [])) {
      const row = {
        key: ++seqRef.current, name: file.name, size: file.size, loaded: 0, percent: 0, status: "queued",
        message: "", file, xhr: null,
      };
      rowsRef.current = [...rowsRef.current, row];
      if (limit > 0 && file.size > limit) {
        row.file = null;
        failed(row, "body_too_large", `Too large: ${mb(file.size)} MB. Files up to ${mb(limit)} MB can be uploaded.`);
      } else if (!accepts(file, rule)) {
        row.file = null;
        failed(row, "invalid_input", refused);
      }
    }
    pump();
  }

  function cancel(row) {
    if (row.xhr) row.xhr.abort(); // onabort marks the row
    else if (row.status === "queued") {
      row.status = "cancelled";
      row.file = null;
      pump();
    }
  }

  function clearFinished() {
    rowsRef.current = rowsRef.current.filter((r) => !FINISHED.has(r.status));
    rerender();
  }

  useEffect(() => () => {
    cancelAnimationFrame(frameRef.current);
    for (const row of rowsRef.current) row.xhr?.abort();
  }, []);

  const dragHandlers = {
    onDragEnter: (ev) => { ev.preventDefault(); setOver(true); },
    onDragOver: (ev) => { ev.preventDefault(); ev.dataTransfer.dropEffect = "copy"; if (!over) setOver(true); },
    onDragLeave: (ev) => { if (!ev.currentTarget.contains(ev.relatedTarget)) setOver(false); },
    onDrop: (ev) => { ev.preventDefault(); setOver(false); addFiles(ev.dataTransfer?.files); },
  };
  const rows = rowsRef.current;
  const cssVars = Object.fromEntries(Object.entries(colors).map(([k, v]) => [`--mbup-${k}`, v]));
  const limitText = maxBytes > 0 ? ` · up to ${mb(maxBytes)} MB each` : "";
  return (
    <div id={id} className={`mbup ${className || ""}`} data-testid={props["data-testid"]} style={cssVars}>
      <style href="mb-uploader" precedence="default">{CSS}</style>
      <button
        type="button"
        className="mbup-zone"
        data-over={over ? "true" : "false"}
        aria-describedby={`${id || "mbup"}-hint`}
        onClick={() => inputRef.current?.click()}
        {...dragHandlers}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <path d="M12 15V4M7.5 8.5 12 4l4.5 4.5M5 14v4a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-4" />
        </svg>
        <span className="mbup-title">{title}</span>
        <span className="mbup-pick" aria-hidden="true">{multiple ? "Choose files" : "Choose a file"}</span>
        <span className="mbup-hint" id={`${id || "mbup"}-hint`}>{hint}{limitText}</span>
      </button>
      <input
        ref={inputRef}
        type="file"
        multiple={multiple}
        accept={accept || undefined}
        hidden
        tabIndex={-1}
        aria-hidden="true"
        onChange={(ev) => {
          addFiles(ev.target.files);
          ev.target.value = ""; // choosing the same file again fires change again
        }}
      />
      {rows.length > 0 && (
        <ul className="mbup-list" aria-label="Uploads">
          {rows.map((row) => {
            const [text, tone] = statusText(row, addedText || "added");
            const busy = row.status === "queued" || ACTIVE.has(row.status);
            return (
              <li key={row.key} className="mbup-row" data-status={row.status}>
                <span className="mbup-name" title={row.name}>{row.name}</span>
                <span style={{ display: "flex", alignItems: "center", gap: "10px" }}>
                  <span className="mbup-status" data-tone={tone}>{text}</span>
                  {busy && (
                    <button type="button" className="mbup-btn" aria-label={`Cancel upload of ${row.name}`} onClick={() => cancel(row)}>
                      Cancel
                    </button>
                  )}
                </span>
                {row.status === "error" && <span className="mbup-msg">{row.message || "Upload failed."}</span>}
                {(ACTIVE.has(row.status) || row.status === "queued") && (
                  <span className="mbup-track">
                    <span
                      className="mbup-bar"
                      role="progressbar"
                      aria-label={`Upload of ${row.name}`}
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={row.percent}
                    >
                      <span
                        className="mbup-fill"
                        data-indeterminate={row.status === "processing" ? "true" : "false"}
                        style={{ display: "block", width: `${row.percent}%` }}
                      />
                    </span>
                    <span className="mbup-bytes">{`${row.percent}% · ${mb(row.loaded)} / ${mb(row.size)} MB`}</span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {rows.some((r) => FINISHED.has(r.status)) && (
        <div className="mbup-foot">
          <button type="button" className="mbup-btn" onClick={clearFinished}>Clear finished</button>
        </div>
      )}
      <div className="mbup-sr" role="status" aria-live="polite">{announce}</div>
    </div>
  );
}

// A small waveform drawn from one .dat peaks file (no audio decoding). Wrapped by
// waveform_thumbnail.py. Cheap on purpose: a library page shows dozens, so the file is fetched only
// near the viewport, parsed once per URL (shared cache), and the canvas is redrawn only when its
// width, the data or the colour changes.
import { useEffect, useRef, useState } from "react";
import {
  drawColumns,
  fillColumns,
  loadPeaks,
  observeResize,
  observeVisible,
} from "$/public/external/maxbooster/components/peaks_dat/peaks_dat.js";

function draw(canvas, cssWidth, cssHeight, state, color) {
  if (!canvas || cssWidth <= 0) return;
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(cssWidth * dpr));
  const height = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  const line = Math.max(1, Math.round(dpr));
  const mid = Math.round(height / 2 - line / 2);
  if (state.status !== "ready") {
    // loading: a faint centre line; error: the same line, a little stronger (title says why)
    ctx.globalAlpha = state.status === "error" ? 0.6 : 0.25;
    ctx.fillStyle = color;
    ctx.fillRect(0, mid, width, line);
    ctx.globalAlpha = 1;
    return;
  }
  const peaks = state.peaks;
  const mins = new Float32Array(width);
  const maxs = new Float32Array(width);
  fillColumns(peaks, 0, (peaks.length * peaks.samplesPerPixel) / width, width, mins, maxs);
  const pad = Math.round(dpr);
  drawColumns(ctx, mins, maxs, width, pad, height - 2 * pad, color);
}

export function WaveformThumbnail({ peaksUrl, height = 48, color = "#9aa1ab", label = "Waveform", id, className, ...rest }) {
  const boxRef = useRef(null);
  const canvasRef = useRef(null);
  const [visible, setVisible] = useState(false);
  const [width, setWidth] = useState(0);
  const [state, setState] = useState({ status: "loading", peaks: null, error: "" });

  useEffect(() => observeVisible(boxRef.current, () => setVisible(true)), []);
  useEffect(() => observeResize(boxRef.current, (w) => setWidth(w)), []);

  useEffect(() => {
    if (!visible) return undefined;
    if (!peaksUrl) {
      setState({ status: "error", peaks: null, error: "no peaks file" });
      return undefined;
    }
    let live = true;
    setState((s) => (s.status === "loading" ? s : { status: "loading", peaks: null, error: "" }));
    loadPeaks(peaksUrl).then(
      (peaks) => live && setState({ status: "ready", peaks, error: "" }),
      (err) => live && setState({ status: "error", peaks: null, error: String(err?.message || err) }),
    );
    return () => {
      live = false;
    };
  }, [peaksUrl, visible]);

  useEffect(() => draw(canvasRef.current, width, height, state, color), [width, height, state, color]);

  const decorative = !label;
  return (
    <div
      ref={boxRef}
      id={id}
      className={className}
      data-testid={rest["data-testid"]}
      data-state={state.status}
      aria-busy={state.status === "loading" ? "true" : undefined}
      title={state.status === "error" ? `Waveform unavailable: ${state.error}` : undefined}
      style={{ position: "relative", width: "100%", minWidth: 0, height: `${height}px` }}
    >
      <canvas
        ref={canvasRef}
        role={decorative ? undefined : "img"}
        aria-label={decorative ? undefined : label}
        aria-hidden={decorative ? "true" : undefined}
        style={{ display: "block", width: "100%", height: `${height}px` }}
      />
    </div>
  );
}

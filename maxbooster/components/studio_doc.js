// The Studio's document model in the browser: the same id-addressed ops as the server
// (maxbooster/services/studio/ops.py, which stays the authority: it validates and stores),
// applied here optimistically so an edit shows at once; the per-user undo/redo stack of
// inverse ops (undo is sent as a new edit); and the queue of edits not yet acknowledged,
// kept in localStorage so edits made while the connection is down are replayed once
// (the server answers a repeated txn_id with its first result).
//
// Plain ES module, no imports: the studio component imports it, and a test runs it in Node
// against the Python implementation with the same random edits.

const clone = (x) => (x === undefined ? undefined : JSON.parse(JSON.stringify(x)));

export const TRACK_FIELDS = ["name", "role", "volume_db", "pan", "mute", "solo", "color"];
export const CLIP_FIELDS = ["start_s", "offset_s", "length_s", "gain_db", "fade_in_s", "fade_out_s"];

export class EditRefused extends Error {}

function findTrack(doc, id, where) {
  const i = doc.tracks.findIndex((t) => t.id === id);
  if (i < 0) throw new EditRefused(`${where}: there is no track '${id}' (it may have been deleted).`);
  return [i, doc.tracks[i]];
}

function findClip(doc, id, where) {
  for (const t of doc.tracks) {
    const j = t.clips.findIndex((c) => c.id === id);
    if (j >= 0) return [t, j, t.clips[j]];
  }
  throw new EditRefused(`${where}: there is no clip '${id}' (it may have been deleted).`);
}

function field(op, allowed, where) {
  if (!allowed.includes(op.field)) throw new EditRefused(`${where}: field must be one of ${allowed.join(", ")}.`);
  return op.field;
}

function index(op, size) {
  const i = op.index;
  return Number.isInteger(i) ? Math.max(0, Math.min(size, i)) : size;
}

function applyOne(doc, op, where) {
  switch (op.op) {
    case "track.add": {
      const track = clone(op.track);
      if (!track || typeof track !== "object") throw new EditRefused(`${where}: track must be an object.`);
      if (!track.clips) track.clips = [];
      if (!track.inserts) track.inserts = [];
      doc.tracks.splice(index(op, doc.tracks.length), 0, track);
      return [{ op: "track.remove", id: track.id }];
    }
    case "track.remove": {
      const [i, track] = findTrack(doc, op.id, where);
      doc.tracks.splice(i, 1);
      return [{ op: "track.add", track, index: i }];
    }
    case "track.move": {
      const [i, track] = findTrack(doc, op.id, where);
      doc.tracks.splice(i, 1);
      doc.tracks.splice(index(op, doc.tracks.length), 0, track);
      return [{ op: "track.move", id: track.id, index: i }];
    }
    case "track.set": {
      const [, track] = findTrack(doc, op.id, where);
      const f = field(op, TRACK_FIELDS, where);
      const old = track[f];
      if (op.value === null || op.value === undefined) delete track[f]; // e.g. undo back to no colour
      else track[f] = clone(op.value);
      return [{ op: "track.set", id: track.id, field: f, value: old === undefined ? null : old }];
    }
    case "clip.add": {
      const [, track] = findTrack(doc, op.track, where);
      const clip = clone(op.clip);
      if (!clip || typeof clip !== "object") throw new EditRefused(`${where}: clip must be an object.`);
      track.clips.splice(index(op, track.clips.length), 0, clip);
      return [{ op: "clip.remove", id: clip.id }];
    }
    case "clip.remove": {
      const [track, j, clip] = findClip(doc, op.id, where);
      track.clips.splice(j, 1);
      return [{ op: "clip.add", track: track.id, clip, index: j }];
    }
    case "clip.set": {
      const [, , clip] = findClip(doc, op.id, where);
      const f = field(op, CLIP_FIELDS, where);
      const old = clip[f] === undefined ? 0.0 : clip[f];
      clip[f] = clone(op.value);
      return [{ op: "clip.set", id: clip.id, field: f, value: old }];
    }
    case "clip.move_to_track": {
      const [source, j, clip] = findClip(doc, op.id, where);
      const [, target] = findTrack(doc, op.track, where);
      source.clips.splice(j, 1);
      target.clips.splice(index(op, target.clips.length), 0, clip);
      return [{ op: "clip.move_to_track", id: clip.id, track: source.id, index: j }];
    }
    case "clip.split": {
      const [, , clip] = findClip(doc, op.id, where);
      const at = op.at_s;
      const start = Number(clip.start_s);
      const length = Number(clip.length_s);
      if (typeof at !== "number" || !(start < at && at < start + length)) {
        throw new EditRefused(`${where}: split at_s must fall inside the clip.`);
      }
      const first = at - start;
      const second = { ...clone(clip), id: op.new_id, start_s: at, offset_s: Number(clip.offset_s || 0) + first,
        length_s: length - first, fade_in_s: 0.0 };
      let undo = applyOne(doc, { op: "clip.set", id: clip.id, field: "fade_out_s", value: 0.0 }, where);
      undo = undo.concat(applyOne(doc, { op: "clip.set", id: clip.id, field: "length_s", value: first }, where));
      const [track, j] = findClip(doc, clip.id, where);
      undo = undo.concat(applyOne(doc, { op: "clip.add", track: track.id, clip: second, index: j + 1 }, where));
      return undo.reverse();
    }
    case "inserts.set": {
      const owner = op.track === "master" ? doc.master : findTrack(doc, op.track, where)[1];
      const old = owner.inserts || [];
      owner.inserts = clone(op.inserts);
      return [{ op: "inserts.set", track: op.track, inserts: old }];
    }
    case "master.set": {
      const f = field(op, ["volume_db"], where);
      const old = doc.master[f];
      doc.master[f] = clone(op.value);
      return [{ op: "master.set", field: f, value: old }];
    }
    case "session.set": {
      const f = field(op, ["tempo_bpm"], where);
      const old = doc[f];
      doc[f] = clone(op.value);
      return [{ op: "session.set", field: f, value: old }];
    }
    default:
      throw new EditRefused(`${where}: unknown change '${op.op}'.`);
  }
}

/** [new document, inverse ops]; `doc` is not changed. Throws EditRefused like the server. */
export function applyOps(doc, ops) {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > 500) {
    throw new EditRefused("An edit is a list of 1 to 500 changes.");
  }
  const next = clone(doc);
  let inverse = [];
  ops.forEach((op, n) => {
    if (!op || typeof op !== "object") throw new EditRefused(`Change ${n + 1} is not an object.`);
    inverse = applyOne(next, op, `Change ${n + 1} (${op.op})`).concat(inverse);
  });
  return [next, inverse];
}

/** A new id: letters, digits and dashes only (ids can double as shared-state tokens). */
export function newId(prefix = "") {
  const raw = (globalThis.crypto && globalThis.crypto.randomUUID)
    ? globalThis.crypto.randomUUID()
    : `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}-${Math.random().toString(16).slice(2)}`;
  return prefix ? `${prefix}-${raw}` : raw;
}

/** Snap seconds to the sample grid so the browser and the renderer pick the same sample. */
export function snapToSample(seconds, sampleRate) {
  return Math.round(seconds * sampleRate) / sampleRate;
}

/**
 * The editing session of one project in one tab.
 *
 * commit(ops, label) applies at once and queues the edit; `send(edit)` (given by the page)
 * delivers it; `acknowledge(ack)` is called with the server's answer. Edits go one at a time,
 * each on the version the server last confirmed, so the server never has to guess.
 */
export class EditSession {
  constructor({ projectId, doc, version, send, onChange, storage }) {
    this.projectId = projectId;
    this.confirmed = clone(doc); // the document as the server last confirmed it
    this.version = version;
    this.doc = clone(doc); // what the user sees: confirmed + pending edits
    this.pending = []; // [{txn_id, ops, label, kind: "do"|"undo"|"redo"}]
    this.inFlight = null;
    this.undoStack = []; // [{ops, inverse, label}] confirmed by the server
    this.redoStack = [];
    this.send = send;
    this.onChange = onChange || (() => {});
    this.storage = storage || null;
    this.key = `mb-studio-pending-${projectId}`;
    this.lastError = "";
    this._restore();
  }

  _persist() {
    if (!this.storage) return;
    try {
      const items = this.pending.map(({ txn_id, ops, label, kind, base }) => ({ txn_id, ops, label, kind, base }));
      if (items.length) this.storage.setItem(this.key, JSON.stringify({ version: this.version, items }));
      else this.storage.removeItem(this.key);
    } catch (e) { /* storage full or blocked: edits still go out while the page is open */ }
  }

  _restore() {
    if (!this.storage) return;
    let saved = null;
    try { saved = JSON.parse(this.storage.getItem(this.key) || "null"); } catch (e) { saved = null; }
    if (!saved || !Array.isArray(saved.items)) return;
    for (const item of saved.items) {
      try {
        const [next] = applyOps(this.doc, item.ops);
        this.doc = next;
        this.pending.push(item);
      } catch (e) { /* no longer applies to the saved document: already stored, or obsolete */ }
    }
  }

  _recompute() {
    let doc = clone(this.confirmed);
    const kept = [];
    for (const item of this.pending) {
      try {
        [doc] = applyOps(doc, item.ops);
        kept.push(item);
      } catch (e) { /* dropped: it no longer applies */ }
    }
    this.pending = kept;
    this.doc = doc;
  }

  /** Apply `ops` now and queue them; false (with lastError) when they cannot apply here. */
  commit(ops, label = "Edit", kind = "do") {
    let next;
    try {
      [next] = applyOps(this.doc, ops);
    } catch (e) {
      this.lastError = e.message;
      this.onChange(this);
      return false;
    }
    this.doc = next;
    this.pending.push({ txn_id: newId("t"), ops: clone(ops), label, kind });
    if (kind === "do") this.redoStack = [];
    this._persist();
    this.onChange(this);
    this.flush();
    return true;
  }

  flush() {
    if (this.inFlight || !this.pending.length) return;
    this.inFlight = this.pending[0];
    this.inFlight.base = this.version;
    this._persist();
    this.send({ txn_id: this.inFlight.txn_id, base_version: this.version, ops: this.inFlight.ops });
  }

  /** The connection came back: send the unacknowledged edit again (same txn_id: applied once). */
  resend() {
    const item = this.inFlight || this.pending[0];
    this.inFlight = null;
    if (item) this.flush();
  }

  /** The server's answer: {txn_id, ok, version, inverse, message, document?}. */
  acknowledge(ack) {
    if (!ack || !this.pending.length || ack.txn_id !== this.pending[0].txn_id) return;
    const item = this.pending.shift();
    this.inFlight = null;
    if (ack.ok) {
      if (ack.document) { // a resent edit the server had already applied: take its document as is
        this.confirmed = clone(ack.document);
        this._recompute();
      } else {
        [this.confirmed] = applyOps(this.confirmed, item.ops);
      }
      this.version = ack.version;
      const entry = { ops: item.ops, inverse: ack.inverse, label: item.label };
      if (item.kind === "undo") this.redoStack.push({ ...entry, ops: entry.inverse, inverse: entry.ops });
      else this.undoStack.push(entry);
      if (this.undoStack.length > 500) this.undoStack.shift();
      this.lastError = "";
    } else {
      if (ack.document) {
        this.confirmed = clone(ack.document);
        this.version = ack.version;
      }
      this.lastError = ack.message || "This change was not saved.";
      if (item.kind === "undo") this.undoStack.push(item.entry);
      if (item.kind === "redo") this.redoStack.push(item.entry);
      this._recompute();
    }
    this._persist();
    this.onChange(this);
    this.flush();
  }

  get canUndo() { return this.undoStack.length > 0; }
  get canRedo() { return this.redoStack.length > 0; }

  undo() {
    const entry = this.undoStack.pop();
    if (!entry) return false;
    const ok = this.commit(entry.inverse, `Undo ${entry.label}`, "undo");
    if (ok) this.pending[this.pending.length - 1].entry = entry;
    else this.lastError = `Can't undo ${entry.label}: ${this.lastError}`;
    return ok;
  }

  redo() {
    const entry = this.redoStack.pop();
    if (!entry) return false;
    // entry.ops redo the edit (its inverse as the server computed it when the undo was stored)
    const ok = this.commit(entry.ops, entry.label.replace(/^Undo /, ""), "redo");
    if (ok) this.pending[this.pending.length - 1].entry = entry;
    return ok;
  }
}

"""The browser's copy of the edit ops (`studio_doc.js`) does what the server's `ops.apply` does:
the same 200 seeded random edits, run through both (Node runs the module), give the same
documents and the same inverse ops, edit by edit and as one sequence on the browser's own copy.
The browser applies edits optimistically, so a difference here would show the user one thing
and store another."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from maxbooster.services.studio import ops
from maxbooster.services.studio.ops import EditRefused
from tests.studio.test_ops import EVERY_KIND, _doc, _random_edit

MODULE = Path(__file__).resolve().parents[2] / "maxbooster" / "components" / "studio_doc.js"

RUNNER = """
import { applyOps, EditSession } from %(module)s;
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(0, "utf8"));
const out = { steps: [], sequence: null, session: null };
for (const [doc, edit] of cases.steps) {
  try { const [after, inverse] = applyOps(doc, edit); out.steps.push({ after, inverse }); }
  catch (e) { out.steps.push({ error: e.message }); }
}
let doc = cases.start;
for (const edit of cases.sequence) [doc] = applyOps(doc, edit);
out.sequence = doc;
// An editing session whose "server" answers each edit with the inverse from the cases.
const sent = [];
const session = new EditSession({ projectId: "p1", doc: cases.start, version: 0, send: (e) => sent.push(e) });
let version = 0;
for (const [i, edit] of cases.sequence.entries()) {
  session.commit(edit, "Edit " + i);
  const e = sent.shift();
  session.acknowledge({ txn_id: e.txn_id, ok: true, version: ++version, inverse: cases.inverses[i] });
}
const final = session.doc;
let undos = 0;
while (session.undo()) {
  const e = sent.shift();
  const [, inverse] = applyOps(session.confirmed, e.ops);
  session.acknowledge({ txn_id: e.txn_id, ok: true, version: ++version, inverse });
  undos++;
}
const undone = session.doc;
while (session.redo()) {
  const e = sent.shift();
  const [, inverse] = applyOps(session.confirmed, e.ops);
  session.acknowledge({ txn_id: e.txn_id, ok: true, version: ++version, inverse });
}
out.session = { final, undone, redone: session.doc, undos, version: session.version };
process.stdout.write(JSON.stringify(out));
"""


def _edits(n: int) -> tuple[dict, list[tuple[dict, list, dict, list]]]:
    rng = random.Random(20261203)
    start = _doc()
    doc, history = start, []
    while len(history) < n:
        edit = _random_edit(rng, doc, len(history))
        try:
            new, inverse = ops.apply(doc, edit)
        except EditRefused:
            continue
        history.append((doc, edit, new, inverse))
        doc = new
    return start, history


def _run(cases: dict) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = RUNNER % {"module": json.dumps(MODULE.as_uri())}
    done = subprocess.run([node, "--input-type=module", "-e", script], input=json.dumps(cases), text=True,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_browser_ops_match_the_server_edit_by_edit_and_in_sequence() -> None:
    start, history = _edits(200)
    every = [(_doc(), edit, *ops.apply(_doc(), edit)) for edit in EVERY_KIND]  # each kind once, from a known doc
    out = _run({"steps": [[before, edit] for before, edit, _, _ in every + history], "start": start,
                "sequence": [edit for _, edit, _, _ in history], "inverses": [inv for *_, inv in history]})
    for (_before, edit, after, inverse), got in zip(every + history, out["steps"], strict=True):
        assert "error" not in got, (edit, got)
        assert ops.validate(got["after"]) == after, edit
        assert got["inverse"] == inverse, edit
    final = history[-1][2]
    assert ops.validate(out["sequence"]) == final
    session = out["session"]
    assert ops.validate(session["final"]) == final
    assert session["undos"] == 200
    assert ops.validate(session["undone"]) == start  # undo all: the initial document
    assert ops.validate(session["redone"]) == final  # redo all: the final one
    assert session["version"] == 600


def test_browser_refuses_what_cannot_apply_and_keeps_the_document() -> None:
    start = _doc()
    bad = [[{"op": "clip.set", "id": "nope", "field": "start_s", "value": 1.0}],
           [{"op": "clip.split", "id": "c1", "at_s": 99.0, "new_id": "x"}],
           [{"op": "track.set", "id": "t1", "field": "colour", "value": "red"}],
           [{"op": "teleport"}]]
    out = _run({"steps": [[start, edit] for edit in bad], "start": start, "sequence": [], "inverses": []})
    for edit, got in zip(bad, out["steps"], strict=True):
        assert "error" in got, edit
        with pytest.raises(EditRefused):
            ops.apply(start, edit)

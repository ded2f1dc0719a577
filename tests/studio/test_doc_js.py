"""The browser's copy of the edit ops (`studio_doc.js`) does what the server's `ops.apply` does:
the same 200 seeded random edits (every op, with inserts added/changed/removed on tracks and the
master bus, solo, colour, length and both fades), run through both, give the same documents and the
same inverse ops, edit by edit and as one sequence on the browser's own copy; undo all gives the
first document back and redo all the last. The module runs in Node and in Chromium (a page that
imports it as the Studio does). Without Node the test fails under MAXBOOSTER_REQUIRE_SERVICES=1.
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
from tests.conftest import REQUIRE_SERVICES
from tests.studio.engine_harness import static_server
from tests.studio.test_ops import EVERY_KIND, RANDOM_KINDS, _doc, _random_edit, random_kinds

MODULE = Path(__file__).resolve().parents[2] / "maxbooster" / "components" / "studio_doc.js"

# The same steps in Node and in Chromium: `cases` in, `out` built from the module's applyOps and
# EditSession (the module the Studio page imports).
STEPS = """
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
"""

RUNNER = """
import { applyOps, EditSession } from %(module)s;
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(0, "utf8"));
""" + STEPS + """
process.stdout.write(JSON.stringify(out));
"""

IN_PAGE = "async (cases) => { const { applyOps, EditSession } = await import('/studio_doc.js');" + STEPS + \
    "return { out, agent: navigator.userAgent }; }"


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
        message = "Node.js is not installed (./mb installs it with the front-end tools)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (MAXBOOSTER_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    script = RUNNER % {"module": json.dumps(MODULE.as_uri())}
    done = subprocess.run([node, "--input-type=module", "-e", script], input=json.dumps(cases), text=True,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _cases() -> tuple[dict, list, dict]:
    """The 200 random edits (and each kind once, from a known document) as the runner reads them."""
    start, history = _edits(200)
    assert random_kinds([(before, edit) for before, edit, _, _ in history]) >= RANDOM_KINDS
    every = [(_doc(), edit, *ops.apply(_doc(), edit)) for edit in EVERY_KIND]  # each kind once, from a known doc
    cases = {"steps": [[before, edit] for before, edit, _, _ in every + history], "start": start,
             "sequence": [edit for _, edit, _, _ in history], "inverses": [inv for *_, inv in history]}
    return start, every + history, cases


def _check(start: dict, steps: list, out: dict) -> None:
    history = steps[len(EVERY_KIND):]
    for (_before, edit, after, inverse), got in zip(steps, out["steps"], strict=True):
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


def test_browser_ops_match_the_server_edit_by_edit_and_in_sequence() -> None:
    start, steps, cases = _cases()
    _check(start, steps, _run(cases))


def test_the_same_edits_undo_and_redo_in_chromium(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same 200 edits, undone all and redone all, in Chromium: a page imports studio_doc.js as the
    Studio does (Node and Chromium run different engines; the Studio runs in the second)."""
    start, steps, cases = _cases()
    shutil.copy(MODULE, tmp_path / "studio_doc.js")
    (tmp_path / "index.html").write_text("<!doctype html><html lang='en'><title>studio doc</title></html>")
    with static_server(tmp_path) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{url}/index.html")
            got = page.evaluate(IN_PAGE, cases)
        finally:
            context.close()
    assert "Chrome/" in got["agent"]
    _check(start, steps, got["out"])


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

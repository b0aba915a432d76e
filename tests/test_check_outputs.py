"tools/check_outputs.py: a committed notebook whose outputs are stale or missing fails, naming what differs."
import copy, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent/"tools"))
import check_outputs as co
from coursecompanion.core import VERDICT_MIME, VerdictBox, decide

def nb_with(decision) -> dict:
    box = VerdictBox("99_demo", {1: "A beats B"})
    box.record(1, decision, "measured")
    cell = {"cell_type": "code", "source": "box", "outputs": [{"output_type": "display_data", "data": {VERDICT_MIME: box.data()}}]}
    return {"cells": [cell]}

base = decide([1.0, 1.2, 0.9, 1.1], 0.5, "A beats B by half a point")

def test_same_outputs_pass(): assert co.compare("x", nb_with(base), nb_with(base)) == []

def test_effect_within_noise_passes():
    assert co.compare("x", nb_with(base), nb_with(decide([1.05, 1.2, 0.9, 1.1], 0.5, "A beats B by half a point"))) == []

def test_changed_verdict_fails():
    bad = co.compare("x", nb_with(base), nb_with(decide([0.1, -0.2, 0.3], 0.5, "A beats B by half a point")))
    assert any("verdict 'holds' committed, 'does not hold here' now" in b for b in bad)

def test_effect_drift_beyond_noise_fails():
    bad = co.compare("x", nb_with(base), nb_with(decide([2.0, 2.2, 1.9, 2.1], 0.5, "A beats B by half a point")))
    assert any("half-width" in b for b in bad)

def test_missing_outputs_fail():
    empty = copy.deepcopy(nb_with(base)); empty["cells"][0]["outputs"] = []
    bad = co.compare("x", empty, nb_with(base))
    assert "the committed notebook has no outputs" in bad and any("claims differ" in b for b in bad)

def test_every_committed_notebook_has_outputs():
    nbs = sorted(p for p in (co.root/"nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
    import json
    assert [p.name for p in nbs if co.n_outputs(json.loads(p.read_text())) == 0] == []

#!/usr/bin/env python3
"""Check that the notebooks committed in nbs/ carry outputs, and that those outputs are current.

Usage: python tools/check_outputs.py [--executed _executed] [NOTEBOOK ...]

Every notebook in nbs/ is committed with its outputs (tools/run_lessons.py --write-back writes them). For each one,
this compares the committed outputs with a fresh execution of the same notebook (tools/run_lessons.py --out
_executed): the notebook must show outputs, every verdict must be the same, and every decision's effect (and each
part's) must agree within the committed interval's half-width, the noise the lesson itself stated. A difference
fails and names the notebook to re-execute with `python tools/run_lessons.py --write-back nbs/NAME.ipynb`.
"""
import argparse, json, math, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
VERDICT_MIME = "application/vnd.coursecompanion.verdicts+json"  # coursecompanion.core.VERDICT_MIME

def boxes(nb:dict) -> list[dict]:
    "The verdict boxes a notebook's outputs hold (the last state of each, as shown)."
    return [o["data"][VERDICT_MIME] for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if VERDICT_MIME in o.get("data", {})]

def n_outputs(nb:dict) -> int: return sum(len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")

def decisions(d:dict|None, path:str="") -> dict:
    "Every decision in `d` (its narrower claim and parts too), keyed by where it sits."
    if not d: return {}
    out = {path or "claim": d}
    if d.get("narrower"): out.update(decisions(d["narrower"], f"{path}narrower/"))
    for i, p in enumerate(d.get("parts") or []): out.update(decisions(p, f"{path}part {i + 1}/"))
    return out

def compare(name:str, committed:dict, fresh:dict) -> list[str]:
    "What differs between the committed and the fresh notebook `name` (an empty list: nothing)."
    bad = []
    if n_outputs(committed) == 0: bad.append("the committed notebook has no outputs")
    old = {(b["lesson"], c["number"]): c for b in boxes(committed) for c in b["claims"]}
    new = {(b["lesson"], c["number"]): c for b in boxes(fresh) for c in b["claims"]}
    if set(old) != set(new): bad.append(f"claims differ: committed {sorted(map(str, old))}, fresh {sorted(map(str, new))}")
    for k in sorted(set(old) & set(new), key=str):
        o, n = old[k], new[k]
        if o["verdict"] != n["verdict"]:
            bad.append(f"claim {k[1]}: verdict {o['verdict']!r} committed, {n['verdict']!r} now")
            continue
        od, nd = decisions(o.get("decision")), decisions(n.get("decision"))
        for where in sorted(set(od) & set(nd)):
            a, b = od[where], nd[where]
            if a.get("verdict") != b.get("verdict"):
                bad.append(f"claim {k[1]} {where}: verdict {a.get('verdict')!r} committed, {b.get('verdict')!r} now")
            if a.get("effect") is None or b.get("effect") is None: continue
            half = (a["hi"] - a["lo"]) / 2 if a.get("n", 0) > 1 else math.inf
            if abs(b["effect"] - a["effect"]) > half + 1e-9 * max(1.0, abs(a["effect"])):
                bad.append(f"claim {k[1]} {where}: effect {b['effect']:+.4g} now vs {a['effect']:+.4g} committed, "
                           f"further apart than the committed interval's half-width {half:.3g}")
    return bad

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--executed", default="_executed", help="folder of freshly executed copies (tools/run_lessons.py)")
    a = p.parse_args()
    nbs = [Path(n) for n in a.notebooks] or sorted(f for f in (root/"nbs").glob("*.ipynb") if not f.name.startswith(("_", ".")))
    executed, failed = root/a.executed, []
    for f in nbs:
        committed = json.loads(f.read_text())
        fresh_f = executed/f.name
        if not fresh_f.exists(): bad = [f"no fresh execution in {a.executed}/"]
        else: bad = compare(f.name, committed, json.loads(fresh_f.read_text()))
        n_claims = len({(b["lesson"], c["number"]) for b in boxes(committed) for c in b["claims"]})
        print(f"{f.name:<36} {'ok' if not bad else 'DIFFERS'} ({n_outputs(committed)} outputs, {n_claims} verdicts)")
        for b in bad: print(f"    {b}")
        if bad: failed.append(f.name)
    if failed:
        sys.exit("FAILED: the committed outputs of these notebooks are not what they compute now; re-execute them with "
                 f"`python tools/run_lessons.py --write-back {' '.join('nbs/' + n for n in failed)}` and commit: "
                 + " ".join(failed))
    print(f"committed outputs are current: {len(nbs)} notebooks")

if __name__ == "__main__": main()

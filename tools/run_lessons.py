#!/usr/bin/env python3
"""Execute notebooks in a fresh Jupyter kernel each and write the executed copies to a folder.

Usage: python tools/run_lessons.py [--out _executed] [--timeout 600] [NOTEBOOK ...]
Without notebooks, runs every nbs/*.ipynb whose name does not start with '_' or '.'.
A failing cell stops the run with the notebook, the cell number and its first line named.
Widget state is stored in the executed notebook so the site can render widgets statically.
"""
import argparse, os, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

root = Path(__file__).resolve().parent.parent

def run_notebook(src:Path, dest:Path, timeout:int=600) -> float:
    "Execute `src` in a fresh kernel (cwd = its folder), write it to `dest`; return seconds taken."
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}},
                            store_widget_state=True)
    t0 = time.perf_counter()
    try: client.execute()
    except CellExecutionError as e:
        idx = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {idx}" if idx is None else f"cell {idx}: {nb.cells[idx].source.splitlines()[0][:80] if nb.cells[idx].source else ''}"
        raise SystemExit(f"FAILED executing {src.relative_to(root)} at {where}\n{e}") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return time.perf_counter() - t0

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--out", default="_executed")
    p.add_argument("--timeout", type=int, default=600)
    a = p.parse_args()
    nbs = [Path(n).resolve() for n in a.notebooks] or sorted(f for f in (root/"nbs").glob("*.ipynb") if not f.name.startswith(("_", ".")))
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    total = 0.0
    for nb in nbs:
        secs = run_notebook(nb, root/a.out/nb.name, a.timeout); total += secs
        print(f"{nb.name}: {secs:.1f} s", flush=True)
    print(f"executed {len(nbs)} notebooks in {total:.1f} s -> {a.out}/")

if __name__ == "__main__": main()

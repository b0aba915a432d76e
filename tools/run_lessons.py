#!/usr/bin/env python3
"""Execute notebooks in a fresh Jupyter kernel each and write the executed copies to a folder.

Usage: python tools/run_lessons.py [--out _executed] [--jobs 2] [--timeout 600] [--flags "slow gpu"] [--write-back]
                                   [NOTEBOOK ...]
Without notebooks, runs every nbs/*.ipynb whose name does not start with '_' or '.'.
With --write-back, each notebook that ran is also written back over its source in nbs/, outputs included, and
cleaned by nbdev_clean: this is how the committed notebooks get their outputs (a failed notebook is left as it was).

This is the course's notebook test as well as the site's execution: CI runs each notebook once.
It tests as `nbdev_test` does: cells are skipped as nbdev_test skips them (`#| eval: false`,
cells calling nbdev_export, cells carrying one of settings.ini's tst_flags (slow, gpu, ...)
unless that flag is given with --flags), notebooks with `skip_exec: true` front matter or a
`.notest` file beside them are not run, the kernel runs with IN_TEST=1 and cwd = the notebook's
folder. Every notebook runs (in `--jobs` parallel workers, longest first by the last run's
times); a failing cell fails the run with the notebook, the cell number and its first line named.
Each notebook's wall and CPU time (its kernel and the kernel's children) is printed.
Widget state is stored in the executed notebook so the site can render widgets statically.
"""
import argparse, json, multiprocessing, os, re, resource, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from configparser import ConfigParser
from pathlib import Path
from queue import Empty
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

root = Path(__file__).resolve().parent.parent
SKIP_TAG = "skip-execution"  # nbclient's tag for cells it must not run

class LessonClient(NotebookClient):
    """nbclient, with the wait for each cell's reply polled in short slices.

    When a notebook shows an Output widget (`interact`), nbclient sends widget messages on the
    shell socket while it awaits the cell's reply on that socket; the wake-up can be missed and
    the wait then lasts the whole cell timeout (600 s) before it sees the reply (seen here on
    lesson 05, about one run in four). Polling in 0.5 s slices bounds that delay."""
    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        get_msg = kc.shell_channel.get_msg
        async def sliced_get_msg(timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                step = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
                try: return await get_msg(timeout=step)
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline: raise
        kc.shell_channel.get_msg = sliced_get_msg
        return kc

def test_flags() -> set[str]:
    cp = ConfigParser(delimiters=["="]); cp.read(root/"settings.ini", encoding="utf-8")
    return set(cp["DEFAULT"].get("tst_flags", "").replace("|", " ").split())

def skip_reason(cell, flags:set[str]) -> str|None:
    "Why `nbdev_test` would not run this code cell (None: it would)."
    from nbdev.process import extract_directives
    if "nbdev_export(" in cell.source: return "nbdev_export"
    direc = extract_directives(nbformat.from_dict(dict(cell)), remove=False)
    if direc.get("eval:", [""])[0].lower() == "false": return "eval: false"
    hit = flags & direc.keys()
    return f"#| {' '.join(sorted(hit))}" if hit else None

def skip_notebook(src:Path, nb) -> str|None:
    "Why `nbdev_test` would not run the notebook `src` at all (None: it would)."
    if (src.parent/".notest").exists(): return ".notest beside it"
    from nbdev.process import NBProcessor
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import nb_lang
    fm = getattr(NBProcessor(src, procs=FrontmatterProc, process=True).nb, "frontmatter_", {}) or {}
    if str(fm.get("skip_exec", "")).lower() in ("true", "1", "yes"): return "skip_exec: true"
    if nb_lang(nb) != "python": return "not a Python notebook"
    return None

def where(nb, idx:int|None) -> str:
    if idx is None: return "an unknown cell"
    first = next((l for l in nb.cells[idx].source.splitlines() if l.strip() and not l.lstrip().startswith("#|")), "")
    n_code = sum(c.cell_type == "code" for c in nb.cells[:idx + 1])
    return f"cell {idx + 1} (code cell {n_code}): {first[:80]}"

def run_notebook(src:Path, dest:Path, timeout:int=600, flags:set[str]=frozenset()) -> tuple[float, int]:
    "Execute `src` in a fresh kernel (cwd = its folder), write it to `dest`; return (seconds, cells skipped)."
    nb = nbformat.read(src, as_version=4)
    if why := skip_notebook(src, nb):  # shown on the site unexecuted, as nbdev_test leaves it untested
        dest.parent.mkdir(parents=True, exist_ok=True); nbformat.write(nb, dest)
        print(f"{src.name}: not run ({why})", flush=True); return 0.0, -1
    skipped = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (why := skip_reason(cell, flags)):
            skipped[i] = why; cell.metadata.setdefault("tags", []).append(SKIP_TAG)
    client = LessonClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}},
                            store_widget_state=True, skip_cells_with_tag=SKIP_TAG)
    t0 = time.perf_counter()
    # The kernel's own stderr (start-up chatter) is shown only if the notebook fails.
    kernel_log = tempfile.TemporaryFile("w+")
    os.environ["IN_TEST"] = "1"  # as nbdev_test sets it (the kernel inherits it)
    try: client.execute(stderr=kernel_log)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        kernel_log.seek(0); log = kernel_log.read().strip()
        if log: print(f"{src.name}: kernel stderr:\n{log}", file=sys.stderr)
        idx = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if idx is None and not isinstance(e, CellExecutionError):  # a timeout or dead kernel leaves no error output
            idx = next((i for i, c in reversed(list(enumerate(nb.cells))) if c.cell_type == "code" and c.get("execution_count")), None)
            if idx is not None: idx = next((j for j in range(idx + 1, len(nb.cells)) if nb.cells[j].cell_type == "code" and j not in skipped), idx)
        kind = {CellTimeoutError: f"timed out (> {timeout} s)", DeadKernelError: "the kernel died"}.get(type(e), "failed")
        raise SystemExit(f"FAILED: {src.name} {kind} at {where(nb, idx)}\n" + re.sub(r"\x1b\[[0-9;]*m", "", str(e))) from None
    finally: kernel_log.close()
    for i, why in skipped.items():
        tags = nb.cells[i].metadata["tags"]; tags.remove(SKIP_TAG)
        if not tags: del nb.cells[i].metadata["tags"]
        nb.cells[i].metadata["skipped"] = why  # the site says why this cell shows no output
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return time.perf_counter() - t0, len(skipped)

def write_back(src:Path, executed:Path):
    "Write the executed copy over its source notebook, cleaned as nbdev_clean cleans it (outputs kept)."
    from nbdev.clean import _nbdev_clean
    from execnb.nbio import read_nb, write_nb
    nb = read_nb(executed)
    _nbdev_clean(nb, path=src)
    write_nb(nb, src)

def _run_one(src:str, dest:str, timeout:int, flags:set[str], back:bool=False) -> dict:
    "Worker: run one notebook; return its name, status, wall and CPU seconds (a failure's message, not an exception)."
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        secs, n_skip = run_notebook(Path(src), Path(dest), timeout, flags); err = None
        if back and n_skip >= 0: write_back(Path(src), Path(dest))
    except SystemExit as e: secs, n_skip, err = time.perf_counter() - t0, 0, str(e)
    except Exception as e: secs, n_skip, err = time.perf_counter() - t0, 0, f"FAILED: {Path(src).name}: {type(e).__name__}: {e}"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"name": Path(src).name, "secs": secs, "cpu": cpu, "skipped": n_skip, "error": err}

TIMES = ".times.json"  # the last run's wall time per notebook, beside the executed copies: longest start first

HINT = root/"tools"/"lesson_times.json"  # committed: wall times of one run, for a fresh checkout's first run

def order(nbs:list[Path], out:Path) -> list[Path]:
    """Longest first, so that parallel workers finish together: by the last run's times, else by the committed
    hint (tools/lesson_times.json), notebooks with no time first (new ones), by size."""
    last = {}
    for f in (HINT, out/TIMES):
        try: last.update(json.loads(f.read_text()))
        except (OSError, ValueError): pass
    return sorted(nbs, key=lambda f: (-last[f.name], 0) if f.name in last else (-1e9, -f.stat().st_size))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--out", default="_executed")
    p.add_argument("--jobs", type=int, default=int(os.environ.get("CC_JOBS", min(2, os.cpu_count() or 1))),
                   help="notebooks run at once (default: 2, or CC_JOBS); each lesson uses one thread")
    p.add_argument("--timeout", type=int, default=600, help="seconds one cell may run")
    p.add_argument("--flags", default=os.environ.get("NBDEV_TEST_FLAGS", ""), help="test flags to run anyway, as for nbdev_test")
    p.add_argument("--write-back", action="store_true", help="write each executed notebook, cleaned, over its source")
    a = p.parse_args()
    nbs = [Path(n).resolve() for n in a.notebooks] or sorted(f for f in (root/"nbs").glob("*.ipynb") if not f.name.startswith(("_", ".")))
    # Plots must land in the outputs, even where MPLBACKEND=Agg is set for tests.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    flags = test_flags() - set(a.flags.split())
    out = Path(a.out) if Path(a.out).is_absolute() else root/a.out
    if not a.notebooks:  # a lesson removed from nbs/ must not stay on the site
        for old in out.glob("*.ipynb"):
            if old.name not in {nb.name for nb in nbs}: old.unlink()
    t0, results = time.perf_counter(), []
    jobs = max(1, min(a.jobs, len(nbs)))
    print(f"executing {len(nbs)} notebooks, {jobs} at a time" + (", writing outputs back to nbs/" if a.write_back else ""),
          flush=True)
    # With several notebooks at once, PyTorch's default of one thread per core oversubscribes the cores, and threads
    # that wait for each other make a run many times slower: each kernel gets cores/jobs threads unless set already.
    if jobs > 1: os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    # spawn: a fresh interpreter per worker (no forked asyncio or ZMQ state)
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futs = [pool.submit(_run_one, str(nb), str(out/nb.name), a.timeout, flags, a.write_back) for nb in order(nbs, out)]
        for fut in as_completed(futs):
            r = fut.result(); results.append(r)
            if r["skipped"] < 0: continue
            status = "FAILED" if r["error"] else "ok"
            extra = f", {r['skipped']} cells skipped" if r["skipped"] else ""
            print(f"{r['name']:<36} {r['secs']:7.1f} s wall {r['cpu']:7.1f} s CPU  {status}{extra}", flush=True)
            if r["error"]: print(r["error"], file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    try: times = json.loads((out/TIMES).read_text())
    except (OSError, ValueError): times = {}
    times.update({r["name"]: round(r["secs"], 1) for r in results if not r["error"] and r["skipped"] >= 0})
    (out/TIMES).write_text(json.dumps(times, indent=1, sort_keys=True))
    failed = [r["name"] for r in results if r["error"]]
    print(f"executed {len(nbs)} notebooks in {wall:.1f} s wall ({sum(r['secs'] for r in results):.1f} s of notebook time, "
          f"{sum(r['cpu'] for r in results):.1f} s CPU, {jobs} workers) -> {a.out}/")
    if failed: sys.exit(f"FAILED: {len(failed)} notebook(s): {' '.join(sorted(failed))}")

if __name__ == "__main__": main()

"""Build (or check) lesson 15's stored artefacts: the pretrained fortunes LM and the pretraining curve.

Writes, under stored/15_language_model/ (tracked in git, about 2 MB):
  fortunes_lm.pt + fortunes_lm.json   the LM pretrained on all training quotes (`PRETRAIN`), its SHA-256, its key
                                      (source of the code on its path, torch, data checksum, settings), machine,
                                      date and command
  curve.json                          classifier accuracies on Rotten Tomatoes for every pretraining budget of
                                      `CURVE` (the LM fine-tuned on the reviews, then one classifier per label count
                                      and seed, each at least `MIN_STEPS` optimiser steps) and from random weights,
                                      with their key and the same record
LMs pretrained on fewer tokens are cached under artifacts/lm/ (ignored by git). Each file is reused while its key
matches, so with current files this script only checks them (a few seconds). Jobs run in parallel processes of one
thread each: first the LMs, then the curve.

Usage: python benchmarks/pretrain_lm.py [--store stored/15_language_model] [--work artifacts/lm] [--jobs 2]
"""
import argparse, resource, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tqdm import tqdm

root = Path(__file__).resolve().parent.parent

def build_lm(tokens, store, work):
    "Pretrain (or load) the LM of one budget in a fresh process of one thread."
    from coursecompanion.core import setup_cpu
    setup_cpu(threads=1)
    from coursecompanion import language_model as L
    t0 = time.process_time()
    L.pretrained_lm(tokens, store, work)
    return f"LM on {tokens:,} tokens: {time.process_time() - t0:.0f} s CPU"

def build_curve(tokens, store, work):
    "The curve's rows for one budget (None: classifiers from scratch), in a fresh process of one thread."
    from coursecompanion.core import setup_cpu
    setup_cpu(threads=1)
    from coursecompanion import language_model as L
    task = L.rt_task()
    lm, vocab = L.pretrained_lm(tokens, store, work, build=False) if tokens is not None else (None, None)
    return L.curve_runs(lm, vocab, task, tokens)

def children_cpu() -> float:
    "CPU seconds (user + sys) of this process's finished child processes."
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def run(jobs, fn, args, desc):
    "Run `fn(job, *args)` for every job in parallel processes, with a progress bar; the results in job order."
    out = {}
    with ProcessPoolExecutor(args.jobs) as ex, tqdm(total=len(jobs), desc=desc, unit="job", file=sys.stdout) as bar:
        futs = {ex.submit(fn, j, args.store, args.work): j for j in jobs}
        for f in as_completed(futs):
            out[futs[f]] = f.result()
            bar.update()
    return [out[j] for j in jobs]

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", default=str(root/"stored"/"15_language_model"), help="tracked folder of the stored LM")
    p.add_argument("--work", default=str(root/"artifacts"/"lm"), help="cache of the smaller LMs (ignored by git)")
    p.add_argument("--jobs", type=int, default=2, help="parallel processes (one thread each)")
    args = p.parse_args()
    from coursecompanion import language_model as L
    from coursecompanion.core import machine_summary
    t0, store = time.perf_counter(), Path(args.store)
    budgets = sorted(L.CURVE["pretrain_tokens"], reverse=True)  # the longest first
    try:
        lm_log = L.cached_fortunes_lm(store, build=False)[2]
        curve = L.cached_results(store/"curve.json", L.curve_config(lm_log["sha256"]))
        print(f"stored LM and curve are current (LM key {lm_log['key']}, curve key {curve['config']['key']})")
    except FileNotFoundError as e:
        print(f"rebuilding: {e}")
        for msg in run([b for b in budgets if b > 0], build_lm, args, "pretraining LMs"): print(msg)
        lm_log = L.cached_fortunes_lm(store, build=False)[2]
        c0 = children_cpu()
        rows = run(budgets + [None], build_curve, args, "fine-tuning and classifiers")
        curve = L.cached_results(store/"curve.json", L.curve_config(lm_log["sha256"]), lambda: sum(rows, []),
                                 cpu_s=children_cpu() - c0)
        print(f"wrote {store/'curve.json'}: {len(curve['results'])} classifier runs")
    for tokens in budgets + [None]:  # the worst seed of each arm: every arm must train (the notebook checks it)
        accs = [r["accuracy"] for r in curve["results"] if r["pretrain_tokens"] == tokens]
        print(f"  {'random weights' if tokens is None else f'{tokens:,} tokens'}: accuracy "
              f"{min(accs):.3f}-{max(accs):.3f} over {len(accs)} runs")
    ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(f"lesson 15's stored artefacts in {time.perf_counter() - t0:.0f} s wall, "
          f"{sum(r.ru_utime + r.ru_stime for r in ru):.0f} s CPU (all processes) on {machine_summary()}")

"""How much importing each of the engine's modules adds to `import torch` (target: at most 0.3 s).

Run: .venv/bin/python benchmarks/import_time.py [--repeats 7] [--modules learner checkpoint ...]
Each import runs in a fresh interpreter, alternating with `import torch`, and the minimum of each is reported
(import time varies by seconds on a loaded machine).
"""
import argparse, subprocess, sys

def once(stmt, cpu=False):
    "Seconds `stmt` takes in a fresh interpreter: wall clock, or with `cpu` the process's CPU time."
    clock = "process_time" if cpu else "perf_counter"
    code = f"import time; t=time.{clock}(); {stmt}; print(time.{clock}()-t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    p.add_argument("--modules", nargs="+", default=["core", "data", "learner", "checkpoint"])
    a = p.parse_args()
    cpu = a.clock == "cpu"
    for m in a.modules:
        runs = [(once("import torch", cpu), once(f"import coursecompanion.{m}", cpu)) for _ in range(a.repeats)]
        t_torch, t_ours = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"import torch: {t_torch:.3f} s   import coursecompanion.{m}: {t_ours:.3f} s   "
              f"extra {t_ours - t_torch:.3f} s (target <= 0.3 s; {a.clock} clock)")

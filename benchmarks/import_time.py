"""How much `import coursecompanion.learner` adds to `import torch` (target: at most 0.3 s).

Run: .venv/bin/python benchmarks/import_time.py [--repeats 5]; each import runs in a fresh interpreter.
"""
import argparse, statistics, subprocess, sys

def best_time(stmt, repeats):
    code = f"import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"
    return statistics.median(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
                             for _ in range(repeats))

if __name__ == "__main__":
    p = argparse.ArgumentParser(); p.add_argument("--repeats", type=int, default=5); a = p.parse_args()
    t_torch = best_time("import torch", a.repeats)
    t_ours = best_time("import coursecompanion.learner", a.repeats)
    print(f"import torch: {t_torch:.3f} s   import coursecompanion.learner: {t_ours:.3f} s   extra {t_ours - t_torch:.3f} s (target <= 0.3 s)")

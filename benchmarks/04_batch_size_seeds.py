"""Lesson 04's claim 2 on enough seeds to decide it: sharpness vs generalisation gap over batch sizes.

Lesson 04 trains its 784-64-64-10 MLP on 1,024 Fashion-MNIST images with batch sizes 16-1,024, each until the
training loss falls to 0.05, and measures each solution's filter-normalised sharpness and its accuracy gap. Eight
seeds left the verdict open (the rule asked for about 31), more than the lesson's time budget allows, so this
script runs every seed of `--seeds` and stores the runs (without the models) with the settings, a hash of the code
they ran (`coursecompanion.loss_landscapes` and `fashion_dls`), the machine, the date and the command. The lesson
loads them and decides claim 2 with `decide`. Each run is reused while the key matches, so with a current file the
script only checks it. About 4 s of one CPU thread per seed.

Usage: python benchmarks/04_batch_size_seeds.py [--seeds 48] [--out benchmarks/results/04_batch_size_seeds.json]
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tqdm import tqdm
sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or by runpy from a lesson
from record import record  # benchmarks/record.py
from coursecompanion.core import code_hash, setup_cpu
from coursecompanion.data import fashion_dls
from coursecompanion import loss_landscapes

root = Path(__file__).resolve().parent.parent
SETTINGS = {"n_train": 1024, "n_valid": 2000, "data_seed": 0, "batch_sizes": [16, 64, 256, 1024],
            "target_loss": 0.05, "alpha": 0.25, "n_dirs": 5}

def key(settings:dict) -> str:
    "The hash the stored runs are valid for: the code they ran and the settings."
    return code_hash(loss_landscapes, fashion_dls, extra=sorted((k, str(v)) for k, v in settings.items()))

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=48, help="seeds 0..N-1, four batch sizes each")
    p.add_argument("--out", default=str(root/"benchmarks"/"results"/"04_batch_size_seeds.json"))
    args = p.parse_args()
    setup_cpu(threads=1)
    out, k = Path(args.out), key(SETTINGS)
    old = json.loads(out.read_text()) if out.exists() else {}
    runs = old.get("runs", {}) if old.get("key") == k and old.get("settings") == SETTINGS else {}
    dls = fashion_dls(SETTINGS["n_train"], SETTINGS["n_valid"], bs=64, flatten=True, seed=SETTINGS["data_seed"])
    trn, val = (dls.train.x, dls.train.y), (dls.valid.x, dls.valid.y)
    todo = [(bs, s) for s in range(args.seeds) for bs in SETTINGS["batch_sizes"] if f"{bs},{s}" not in runs]
    t0 = time.process_time()
    for bs, s in tqdm(todo, desc="runs", unit="run", file=sys.stdout):
        r = loss_landscapes.batch_size_run(trn, val, bs, s, SETTINGS["target_loss"], SETTINGS["alpha"],
                                           SETTINGS["n_dirs"])
        runs[f"{bs},{s}"] = {c: v for c, v in r.items() if c != "model"}
    if todo or not old:
        info = {"key": k, "settings": SETTINGS, "seeds": args.seeds, "runs": runs,
                "record": record("benchmarks/04_batch_size_seeds.py", time.process_time() - t0 + old.get("record", {}).get("cpu_s", 0))}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(info, indent=1))
    print(f"{len(runs)} runs of {args.seeds} seeds stored in {out} (key {k}); {len(todo)} run now")

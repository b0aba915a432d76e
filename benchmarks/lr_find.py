"""LR finder benchmark: how long `lr_find` takes on lesson 06's task, and where each suggestion lands
against a grid of 1cycle runs, on the lesson's setting, on settings the default rule was chosen on, and on held-out ones.

Usage: python benchmarks/lr_find.py [--quick] [--settings NAME ...]
Prints two tables. Timings on a shared machine are noisy: the minimum of several runs is the fairest figure.
"""
import argparse, statistics, sys, time
from pathlib import Path
import numpy as np
import torch
from torch import nn
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from coursecompanion.core import set_seed, setup_cpu, machine_info
from coursecompanion.data import fashion_dls, mnist_dls
from coursecompanion.learner import Learner, MetricsCB, NonFiniteLossError, accuracy
from coursecompanion.lr_finder import lr_find, snapshot, restore
from coursecompanion.one_cycle import fit_one_cycle

def mlp(): return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
def cnn(): return nn.Sequential(nn.Unflatten(1, (1, 28)), nn.Conv2d(1, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(),
                                nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
sgd = lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9)
# name: (model, optimiser, training images, epochs, grid of peak LRs)
SETTINGS = {"mlp-adam-10k (lesson)": (mlp, torch.optim.Adam, 10_000, 3, np.logspace(-4, 0, 9)),
            "mlp-sgd-10k": (mlp, sgd, 10_000, 3, np.logspace(-3, 1, 9)),
            "cnn-adam-10k": (cnn, torch.optim.Adam, 10_000, 3, np.logspace(-4, 0, 9)),
            "mlp-adam-60k": (mlp, torch.optim.Adam, None, 2, np.logspace(-4, 0, 9)),
            # held out: measured only after the default rule (mid) was chosen on the four settings above
            "cnn-sgd-10k (held out)": (cnn, sgd, 10_000, 3, np.logspace(-3, 1, 9)),
            "mlp-adam-mnist5k (held out)": (mlp, torch.optim.Adam, "mnist", 3, np.logspace(-4, 0, 9))}
_dls = {}
def get_dls(n):
    "Fashion-MNIST with `n` training images (None: all), or the 5,000-image MNIST sample for n='mnist'."
    if n not in _dls: _dls[n] = mnist_dls(bs=128) if n == "mnist" else fashion_dls(n_train=n, n_valid=5_000, bs=128)
    return _dls[n]

def learner(setting, seed):
    model, opt, n, _, _ = SETTINGS[setting]
    set_seed(seed); return Learner(model(), get_dls(n), opt_func=opt, cbs=[MetricsCB(accuracy)])

def time_lr_find(setting, reps):
    "Wall times of lr_find on a fresh learner, and of the snapshot/restore it adds."
    t_find, t_snap = [], []
    for i in range(reps):
        learn = learner(setting, i)
        t0 = time.perf_counter(); lr_find(learn); t_find.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); restore(learn, snapshot(learn)); t_snap.append(time.perf_counter() - t0)
    return t_find, t_snap

def one_cycle_acc(setting, seed, epochs, lr):
    "Validation accuracy after a 1cycle run; 0 if the loss stopped being finite."
    try: return fit_one_cycle(learner(setting, seed), epochs, lr).recorder.values[-1]["accuracy"]
    except NonFiniteLossError: return 0.

def quality(setting, grid_seeds=(0, 1), find_seeds=(0, 1, 2, 3)):
    "Mean 1cycle accuracy over the grid, and each rule's suggestions and grid ranks, for beta 0.9 and 0.98."
    _, _, _, epochs, grid = SETTINGS[setting]
    acc = np.array([np.mean([one_cycle_acc(setting, s, epochs, float(lr)) for s in grid_seeds]) for lr in grid])
    rank = np.argsort(np.argsort(-acc)) + 1
    nearest = lambda lr: int(np.argmin(np.abs(np.log10(grid) - np.log10(lr))))
    rows = []
    for beta in (0.9, 0.98):
        found = [lr_find(learner(setting, s), beta=beta).suggestions for s in find_seeds]
        for rule in found[0]._fields:
            lrs = [getattr(f, rule) for f in found]
            rows.append((setting, beta, rule, lrs, [int(rank[nearest(lr)]) for lr in lrs]))
    return grid, acc, rows

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="only the lesson's setting")
    p.add_argument("--settings", nargs="*", default=None, choices=list(SETTINGS))
    p.add_argument("--reps", type=int, default=10)
    args = p.parse_args()
    setup_cpu(threads=1)
    names = args.settings or (list(SETTINGS)[:1] if args.quick else list(SETTINGS))
    print("machine:", machine_info())
    t_find, t_snap = time_lr_find(names[0], args.reps)
    print(f"\nlr_find on {names[0]} ({args.reps} runs, fresh learners): min {min(t_find):.3f} s, median {statistics.median(t_find):.3f} s; "
          f"snapshot+restore alone: median {1000 * statistics.median(t_snap):.1f} ms")
    print("\n| setting | best 1cycle peak LR (grid acc) | rule | beta | suggested (seeds 0-3) | grid rank of nearest (of 9) |")
    print("|---|---|---|---|---|---|")
    for name in names:
        t0 = time.perf_counter(); grid, acc, rows = quality(name)
        best = f"{grid[int(np.argmax(acc))]:.2g} ({acc.max():.4f})"
        for setting, beta, rule, lrs, ranks in rows:
            print(f"| {setting} | {best} | {rule} | {beta} | {', '.join(f'{x:.2g}' for x in lrs)} | {ranks} |")
        print(f"<!-- {name}: grid accuracies {np.round(acc, 4).tolist()}; {time.perf_counter() - t0:.0f} s -->", flush=True)

if __name__ == "__main__": main()

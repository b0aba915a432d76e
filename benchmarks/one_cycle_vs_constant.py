"""1cycle against a constant LR (claim 5), a larger version of lesson 07's measurement.

For each setting: sweep both policies over a grid of LRs (2 selection seeds), then, each at its own best LR,
train on new seeds: 1cycle of 1..E epochs, a constant LR for 2E epochs. Report accuracy at equal epochs,
epochs to reach the other policy's E-epoch accuracy, and a sharpness proxy (training-loss rise under
random weight perturbations of relative size 0.1).

Usage: python benchmarks/one_cycle_vs_constant.py [--quick] [--settings NAME ...] [--seeds N] [--plot FILE.png]
"""
import argparse, copy, sys, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from coursecompanion.core import set_seed, setup_cpu, machine_info
from coursecompanion.data import fashion_dls
from coursecompanion.learner import Callback, Learner, MetricsCB, NonFiniteLossError, accuracy
from coursecompanion.one_cycle import fit_one_cycle, perturbed_loss_increase

def mlp(): return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
def cnn(): return nn.Sequential(nn.Unflatten(1, (1, 28)), nn.Conv2d(1, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(),
                                nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
# name: (model, training images, epochs E)
SETTINGS = {"mlp-adam-10k (lesson)": (mlp, 10_000, 3), "mlp-adam-60k": (mlp, None, 3), "cnn-adam-10k": (cnn, 10_000, 3)}
GRID = [float(x) for x in np.logspace(-4, 0, 9)]
_dls = {}
def get_dls(n):
    if n not in _dls: _dls[n] = fashion_dls(n_train=n, n_valid=5_000, bs=128)
    return _dls[n]

def learner(setting, seed):
    model, n, _ = SETTINGS[setting]
    set_seed(seed); return Learner(model(), get_dls(n), opt_func=torch.optim.Adam, cbs=[MetricsCB(accuracy)])

class KeepWeightsCB(Callback):
    "Copy the weights after epoch `epoch`."
    def __init__(self, epoch): self.epoch = epoch
    def after_epoch(self, learn):
        if learn.epoch == self.epoch: self.weights = copy.deepcopy(learn.model.state_dict())

def accs(learn): return [v["accuracy"] for v in learn.recorder.values]

def final_acc(name, seed, lr, epochs, policy):
    "Validation accuracy after training; 0 if the loss stopped being finite."
    learn = learner(name, seed)
    try: return accs(learn.fit_one_cycle(epochs, lr) if policy == "1cycle" else learn.fit(epochs, lr=lr))[-1]
    except NonFiniteLossError: return 0.

def run_setting(name, n_seeds):
    _, n, E = SETTINGS[name]
    sweep = {p: np.array([np.mean([final_acc(name, s, lr, E, p) for s in (0, 1)]) for lr in GRID]) for p in ("1cycle", "constant")}
    best = {p: GRID[int(np.argmax(a))] for p, a in sweep.items()}
    seeds = range(100, 100 + n_seeds)
    xb, yb = get_dls(n).train.x[:2000], get_dls(n).train.y[:2000]
    cyc, const, sharp = [], [], {"1cycle": [], "constant": []}
    for s in seeds:
        cyc.append([accs(learner(name, s).fit_one_cycle(e, best["1cycle"]))[-1] for e in range(1, E + 1)])
        last = learner(name, s).fit_one_cycle(E, best["1cycle"])  # the E-epoch cycle again, for its weights
        keep = KeepWeightsCB(E - 1); cl = learner(name, s).fit(2 * E, lr=best["constant"], cbs=[keep])
        const.append(accs(cl))
        sharp["1cycle"].append(perturbed_loss_increase(last.model, F.cross_entropy, xb, yb, 0.1))
        cl.model.load_state_dict(keep.weights)
        sharp["constant"].append(perturbed_loss_increase(cl.model, F.cross_entropy, xb, yb, 0.1))
    return dict(E=E, best=best, sweep=sweep, cyc=np.array(cyc), const=np.array(const), sharp={k: np.array(v) for k, v in sharp.items()})

def epochs_to(a, target):
    hit = np.nonzero(a.mean(0) >= target)[0]
    return int(hit[0]) + 1 if len(hit) else None

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="only the lesson's setting")
    p.add_argument("--settings", nargs="*", default=None, choices=list(SETTINGS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--plot", default=None, help="save accuracy-vs-epochs plots to this file")
    args = p.parse_args()
    setup_cpu(threads=1)
    names = args.settings or (list(SETTINGS)[:1] if args.quick else list(SETTINGS))
    print("machine:", machine_info(), f"\nseeds 100..{99 + args.seeds} (LRs chosen on seeds 0, 1); Fashion-MNIST, 5,000 test images as validation")
    print("\n| setting | policy | LR | acc after E epochs (mean ± sd) | acc by epochs (mean; 1cycle: cycles of 1..E epochs) | "
          "constant LR's epochs to match each cycle | loss rise at alpha=0.1 (mean ± sd) |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for name in names:
        t0 = time.perf_counter(); r = results[name] = run_setting(name, args.seeds); E = r["E"]
        c_at_E, k_at_E = r["cyc"][:, -1], r["const"][:, E - 1]
        match = [epochs_to(r["const"], r["cyc"][:, e].mean()) or f"> {2 * E}" for e in range(E)]
        for pol, a, at_E in (("1cycle", r["cyc"], c_at_E), ("constant", r["const"], k_at_E)):
            print(f"| {name} (E={E}) | {pol} | {r['best'][pol]:.2g} | {at_E.mean():.4f} ± {at_E.std(ddof=1):.4f} | "
                  f"{np.round(a.mean(0), 4).tolist()} | {match if pol == '1cycle' else ''} | "
                  f"{r['sharp'][pol].mean():.4f} ± {r['sharp'][pol].std(ddof=1):.4f} |")
        wins = int((c_at_E > k_at_E).sum())
        print(f"<!-- {name}: 1cycle ahead at E epochs on {wins}/{len(c_at_E)} seeds; 1cycle/constant sharpness per seed "
              f"{np.round(r['sharp']['1cycle'] / r['sharp']['constant'], 2).tolist()}; sweep 1cycle {np.round(r['sweep']['1cycle'], 4).tolist()} "
              f"constant {np.round(r['sweep']['constant'], 4).tolist()}; {time.perf_counter() - t0:.0f} s -->", flush=True)
    if args.plot:
        import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
        fig, axs = plt.subplots(1, len(results), figsize=(5 * len(results), 3.5), squeeze=False)
        for ax, (name, r) in zip(axs[0], results.items()):
            ax.plot(range(1, 2 * r["E"] + 1), r["const"].mean(0), "o-", label="constant LR")
            ax.plot(range(1, r["E"] + 1), r["cyc"].mean(0), "o-", label="1cycle of that length")
            ax.set_title(name); ax.set_xlabel("epochs"); ax.set_ylabel("valid accuracy"); ax.legend()
        fig.tight_layout(); fig.savefig(args.plot, dpi=100); print("plot:", args.plot)

if __name__ == "__main__": main()

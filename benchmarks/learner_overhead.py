"""Learner overhead: the same MLP 64-100-10 on sklearn digits, batch 64, SGD, 20 epochs, one thread,
trained by `Learner.fit` (default callbacks) and by a plain PyTorch loop over the same tensors.
Target: the Learner takes at most 1.10x the plain loop's time per epoch.

Run: .venv/bin/python benchmarks/learner_overhead.py [--repeats 15]
Both loops do the same work per epoch: a shuffled training pass and a validation pass computing the loss.
Runs alternate between the two; the ratio of the minimum times is the figure (as timeit reports): on a shared
machine other processes only ever add time, so the minimum is the least noisy estimate. Medians are printed too.
"""
import argparse, statistics, time
clock = time.perf_counter
import torch, torch.nn.functional as F
from torch import nn
from coursecompanion.core import set_seed, setup_cpu, machine_info
from coursecompanion.data import digits_dls
from coursecompanion.learner import Learner

def make_model():
    set_seed(0)
    return nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10))

def plain_loop(dls, epochs):
    model = make_model(); opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y, xv, yv, bs = dls.train.x, dls.train.y, dls.valid.x, dls.valid.y, dls.train.bs
    g = torch.Generator().manual_seed(0)
    t0 = clock()
    for epoch in range(epochs):
        model.train(); idx = torch.randperm(len(x), generator=g)
        for i in range(0, len(x) - bs + 1, bs):  # drop the short last batch, as the Learner's training loader does
            b = idx[i:i+bs]
            loss = F.cross_entropy(model(x[b]), y[b])
            loss.backward(); opt.step(); opt.zero_grad()
        model.eval()
        with torch.no_grad():
            for i in range(0, len(xv), dls.valid.bs): F.cross_entropy(model(xv[i:i+dls.valid.bs]), yv[i:i+dls.valid.bs])
    return (clock() - t0) / epochs

def learner_loop(dls, epochs):
    learn = Learner(make_model(), dls, lr=0.1, device="cpu")
    t0 = clock()
    learn.fit(epochs)
    return (clock() - t0) / epochs

def main():
    p = argparse.ArgumentParser(); p.add_argument("--repeats", type=int, default=15); p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    a = p.parse_args()
    global clock
    clock = time.process_time if a.clock == "cpu" else time.perf_counter
    setup_cpu(threads=1)
    dls = digits_dls(bs=64, seed=0)
    plain_loop(dls, 2); learner_loop(dls, 2)  # warm up
    plain, ours = [], []
    for _ in range(a.repeats): plain.append(plain_loop(dls, a.epochs)); ours.append(learner_loop(dls, a.epochs))
    print(f"machine: {machine_info()}")
    print(f"digits {len(dls.train.x)} train / {len(dls.valid.x)} valid, bs 64, SGD, {a.epochs} epochs, 1 thread, {a.repeats} runs each, {a.clock} clock")
    for name, f in (("min", min), ("median", statistics.median)):
        mp, ml = f(plain), f(ours)
        print(f"{name:>6}: plain loop {mp*1000:.2f} ms/epoch   Learner {ml*1000:.2f} ms/epoch   ratio {ml/mp:.3f}")
    print("target: ratio of the minima <= 1.10")

if __name__ == "__main__": main()

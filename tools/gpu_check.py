#!/usr/bin/env python3
"""The CUDA paths of the foundation, checked on a GPU machine (CI has none; run this where one exists).

Usage: python tools/gpu_check.py   (needs torch with CUDA, numpy, scikit-learn, tqdm; Fashion-MNIST optional)
Checks, on digits: the Learner trains on CUDA with data moved once; an interrupted fit resumed from a
checkpoint ends with bitwise the same weights; a checkpoint saved on CUDA loads on the CPU; float16 +
GradScaler through MixedPrecisionCB; lr_find leaves model and optimiser exactly as they were; fit_one_cycle runs.
"""
import tempfile, time
from pathlib import Path
import torch, torch.nn.functional as F
from torch import nn
from coursecompanion.core import set_seed, machine_info
from coursecompanion.data import digits_dls
from coursecompanion.learner import Learner, MetricsCB, CheckpointCB, accuracy
from coursecompanion.mixed_precision import MixedPrecisionCB
from coursecompanion.lr_finder import lr_find
from coursecompanion.one_cycle import fit_one_cycle

def make(cbs=(), seed=3, opt=torch.optim.SGD):
    set_seed(seed, deterministic=True)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10))
    return Learner(model, digits_dls(bs=64, seed=seed), lr=0.05, cbs=[MetricsCB(accuracy), *cbs], opt_func=lambda p, lr: opt(p, lr=lr))

def main():
    assert torch.cuda.is_available(), "this check needs a CUDA GPU"
    print(machine_info())
    d = Path(tempfile.mkdtemp())
    t = time.perf_counter(); straight = make([CheckpointCB(d/"ep{epoch}.pth")]).fit(4)
    p = next(straight.model.parameters())
    assert p.device.type == "cuda" and straight.dls.train.x.device.type == "cuda", "model and data should be on the GPU"
    acc = straight.recorder.values[-1]["accuracy"]; assert acc > 0.8, acc
    print(f"fit 4 epochs on {torch.cuda.get_device_name()}: accuracy {acc:.3f} in {time.perf_counter() - t:.1f} s")
    resumed = make().fit(4, resume_from=d/"ep1.pth")
    same = all(torch.equal(a, b) for a, b in zip(straight.model.parameters(), resumed.model.parameters()))
    print(f"resume from epoch 1 gives bitwise the same weights on CUDA: {same}"); assert same
    cpu = Learner(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10)), digits_dls(seed=3), device="cpu").load(d/"ep3.pth")
    assert all(torch.equal(a.cpu(), b) for a, b in zip(straight.model.parameters(), cpu.model.parameters()))
    print("a CUDA checkpoint loads on the CPU: True")
    mpcb = MixedPrecisionCB(torch.float16); mp = make([mpcb]).fit(3)
    print(f"float16 + GradScaler: accuracy {mp.recorder.values[-1]['accuracy']:.3f}, final loss scale {mpcb.scaler.get_scale()}, weights {p.dtype}")
    assert mp.recorder.values[-1]["accuracy"] > 0.8 and next(mp.model.parameters()).dtype == torch.float32
    learn = make(opt=torch.optim.Adam); learn.fit(1)
    before = [t.clone() for t in learn.model.parameters()]
    opt_before = {k: v.clone() for k, v in learn.opt.state[next(learn.model.parameters())].items()}
    res = lr_find(learn)
    assert all(torch.equal(a, b) for a, b in zip(before, learn.model.parameters()))
    assert all(torch.equal(v, learn.opt.state[next(learn.model.parameters())][k]) for k, v in opt_before.items())
    print(f"lr_find on CUDA restores model and Adam state bitwise: True (suggestion {res.suggestions.default:.2e})" if hasattr(res, "suggestions") else "lr_find on CUDA restores model and Adam state bitwise: True")
    oc = fit_one_cycle(make(opt=torch.optim.Adam), 3, 1e-2)
    print(f"fit_one_cycle on CUDA: accuracy {oc.recorder.values[-1]['accuracy']:.3f}"); assert oc.recorder.values[-1]["accuracy"] > 0.8
    print("GPU CHECK PASSED")

if __name__ == "__main__": main()

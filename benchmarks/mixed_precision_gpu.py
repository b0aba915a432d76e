"""float32 vs TF32 vs float16 + GradScaler vs bfloat16 on one CUDA GPU, through `Learner` + `MixedPrecisionCB`.

A CNN (channels 128-256-512, BatchNorm) on all 60,000 Fashion-MNIST training images, batch 512, tested on the
10,000 test images; the same seed for every precision. Prints a table (seconds per epoch, peak GPU memory,
accuracy, final loss scale) with `torch.cuda.get_device_name()`, and writes it as JSON with --json.

Run:  python benchmarks/mixed_precision_gpu.py [--epochs 3] [--data DIR_WITH_FASHION_MNIST_IDX_FILES] [--json out.json]
Without CUDA it says so and runs a tiny CPU version (float32 vs bfloat16 on 2,000 images) so the code path is checked.
"""
import argparse, json, statistics, sys, time
import torch
from torch import nn
from coursecompanion.core import machine_info, set_seed, setup_cpu
from coursecompanion.data import DataLoaders, load_fashion_mnist, subset
from coursecompanion.learner import Learner, MetricsCB, accuracy
from coursecompanion.mixed_precision import MixedPrecisionCB, PeakMemory

def conv_bn(ci, co, stride): return [nn.Conv2d(ci, co, 3, stride, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU()]

def cnn(c=(128, 256, 512)):
    "A plain CNN for 28x28 images: 28 -> 14 -> 7, then global average pooling."
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), *conv_bn(1, c[0], 1), *conv_bn(c[0], c[1], 2), *conv_bn(c[1], c[2], 2),
                         *conv_bn(c[2], c[2], 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c[2], 10))

# name -> (autocast dtype for MixedPrecisionCB or None, allow TF32)
CONFIGS = {"float32 (TF32 off)": (None, False), "TF32": (None, True),
           "float16 + GradScaler": (torch.float16, False), "bfloat16": (torch.bfloat16, False)}

def run(name, dls, device, epochs, channels):
    dtype, tf32 = CONFIGS[name]
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = tf32
    set_seed(0)
    mp = MixedPrecisionCB(dtype) if dtype is not None else None
    learn = Learner(cnn(channels), dls, lr=0.05, device=device, cbs=[MetricsCB(accuracy)] + ([mp] if mp else []),
                    opt_func=lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True))
    learn.create_opt()
    with PeakMemory(device) as pm: learn.fit(epochs)
    times = [v["time"] for v in learn.recorder.values]
    return {"precision": name, "first_epoch_s": times[0], "s_per_epoch": statistics.median(times[1:] or times),
            "peak_mib": pm.peak_mib, "accuracy": learn.recorder.values[-1]["accuracy"],
            "valid_loss": learn.recorder.values[-1]["valid_loss"],
            "final_scale": mp.scaler.get_scale() if mp is not None and mp.scaler is not None else None}

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3); p.add_argument("--bs", type=int, default=512)
    p.add_argument("--data", default=None); p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    cuda = torch.cuda.is_available()
    if cuda: device, configs, n_train, channels = "cuda", list(CONFIGS), None, (128, 256, 512)
    else:
        print("No CUDA GPU here: running a tiny CPU check (float32 vs bfloat16, 2,000 images) instead of the GPU benchmark.")
        setup_cpu(); device, configs, n_train, channels, a.epochs = "cpu", ["float32 (TF32 off)", "bfloat16"], 2_000, (8, 16, 32), 2
    torch.backends.cudnn.benchmark = True
    x_tr, y_tr, x_te, y_te = load_fashion_mnist(a.data)
    x_tr, y_tr = subset(x_tr, y_tr, n_train)
    x_te, y_te = subset(x_te, y_te, None if cuda else 1_000)
    dls = DataLoaders.from_tensors(x_tr, y_tr, x_te, y_te, bs=a.bs, valid_bs=1024, flatten=True, seed=0)
    info = machine_info()
    print(f"device: {torch.cuda.get_device_name() if cuda else info['cpu']}   torch {torch.__version__}   "
          f"{len(x_tr)} train / {len(x_te)} test images, batch {a.bs}, {a.epochs} epochs, CNN channels {channels}, seed 0")
    rows = []
    for name in configs:
        t0 = time.perf_counter(); rows.append(run(name, dls, device, a.epochs, channels))
        print(f"  ({name}: {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    base = rows[0]["s_per_epoch"]
    print(f"{'precision':22} {'s/epoch':>8} {'speed-up':>9} {'1st epoch':>10} {'peak MiB':>9} {'accuracy':>9} {'final scale':>12}")
    for r in rows:
        scale = "-" if r["final_scale"] is None else f"{r['final_scale']:.0f}"
        print(f"{r['precision']:22} {r['s_per_epoch']:8.3f} {base / r['s_per_epoch']:8.2f}x {r['first_epoch_s']:10.3f} "
              f"{r['peak_mib']:9.0f} {r['accuracy']:9.4f} {scale:>12}")
    print(f"memory: {PeakMemory(device).__enter__().how}")
    out = {"device": torch.cuda.get_device_name() if cuda else info["cpu"], "machine": info, "epochs": a.epochs, "bs": a.bs, "rows": rows}
    if a.json:
        with open(a.json, "w") as f: json.dump(out, f, indent=1)
    return out

if __name__ == "__main__": main()

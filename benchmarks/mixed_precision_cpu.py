"""float32 against bfloat16 autocast on this CPU: the lesson-11 training run, plus a raw matrix product.

Each precision trains the lesson's MLP (784-512-256-10, SGD momentum 0.9, lr 0.05, seed 42) on 20,000 Fashion-MNIST
training images (batch 256) for 3 epochs in a fresh process (so its peak memory is its own), and is tested on 10,000
images. A 256x512 @ 512x256 matrix product is timed in both dtypes on one thread (best of 20). The record names the
CPU, what `cpu_features()` found (bfloat16 native or emulated) and the torch version.

Run:  python benchmarks/mixed_precision_cpu.py [--json benchmarks/results/mixed_precision_cpu_NAME.json]
To see an AVX2-only CPU's path on an AVX-512 machine, cap the kernels first:
      ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/mixed_precision_cpu.py --json ...
The record carries its provenance: machine, UTC time, the command, the capping variables and a code hash.
"""
import argparse, datetime, json, os, shlex, sys, time
import torch
import coursecompanion.mixed_precision as mp
from coursecompanion.core import code_hash, cpu_features, machine_info, machine_summary
from coursecompanion.mixed_precision import train_precision_subprocess

CAPS = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")

def matmul_ms(dtype, reps=20):
    "Best-of-`reps` milliseconds for a 256x512 @ 512x256 product in `dtype`, on one thread."
    threads = torch.get_num_threads(); torch.set_num_threads(1)
    a, b = torch.randn(256, 512).to(dtype), torch.randn(512, 256).to(dtype)
    a @ b; best = float("inf")
    for _ in range(reps):
        t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
    torch.set_num_threads(threads)
    return 1000 * best

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the record here"); a = p.parse_args(argv)
    rows = []
    for dt in ("float32", "bfloat16"):
        t = time.perf_counter()
        rows.append(train_precision_subprocess(dt, timeout=1800))
        print(f"{dt}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {"date": now.date().isoformat(), "time_utc": now.strftime("%H:%M:%S"), "machine": machine_info(),
              "cpu_features": cpu_features(), "summary": machine_summary(), "source": "benchmarks/mixed_precision_cpu.py",
              "command": " ".join([*(f"{k}={os.environ[k]}" for k in CAPS if k in os.environ), "python",
                                   *map(shlex.quote, sys.argv)]),
              "caps": {k: os.environ[k] for k in CAPS if k in os.environ},
              "code_hash": code_hash(mp, matmul_ms, main),
              "setup": "MLP 784-512-256-10, 20,000 train / 10,000 test Fashion-MNIST images, batch 256, 3 epochs, seed 42",
              "matmul_ms": {"float32": matmul_ms(torch.float32), "bfloat16": matmul_ms(torch.bfloat16)}, "rows": rows}
    print(json.dumps(record, indent=1))
    if a.json:
        with open(a.json, "w") as f: json.dump(record, f, indent=1)

if __name__ == "__main__": main()

"""Build (or check) lesson 15's cached fortunes language model, and time it.

Writes artifacts/lm/fortunes_lm.pth and fortunes_lm.json (settings, SHA-256, training log): the files the
notebook loads instead of pretraining again. The notebook rebuilds them itself when they are missing,
corrupted or made with other settings, so this script only saves that minute of CPU on later runs.
With --epochs N (or other settings) it trains a variant into another folder and prints its validation
perplexity next to the Kneser-Ney baseline, e.g. to see where a longer pretraining would take the LSTM.

Usage: python benchmarks/pretrain_lm.py [--folder DIR] [--epochs N] [--kn]
"""
import argparse, math, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch
from coursecompanion.core import setup_cpu, machine_summary
from coursecompanion.language_model import (PRETRAIN, KneserNey, LMLoader, Vocab, cached_fortunes_lm, fortunes_corpus,
                                            perplexity, token_logprobs)

root = Path(__file__).resolve().parent.parent
p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--folder", default=None, help="default artifacts/lm (the notebook's), artifacts/lm_e{N} for other epochs")
p.add_argument("--epochs", type=int, default=PRETRAIN["epochs"])
p.add_argument("--kn", action="store_true", help="also score the Kneser-Ney 4-gram baseline (d=0.9)")
args = p.parse_args()
if args.folder is None: args.folder = str(root/"artifacts"/("lm" if args.epochs == PRETRAIN["epochs"] else f"lm_e{args.epochs}"))
setup_cpu(threads=1)
t0, c0 = time.perf_counter(), time.process_time()
model, vocab, log = cached_fortunes_lm(args.folder, epochs=args.epochs)
print(f"{'loaded' if log['cached'] else 'trained'} in {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU "
      f"(training took {log['cpu_s']:.1f} s CPU when built) on {machine_summary()}")
for e in log["epochs"]: print(f"epoch {e['epoch']}: valid perplexity {math.exp(e['valid_loss']):.1f}")
train, valid = fortunes_corpus(PRETRAIN["n_train"], PRETRAIN["n_valid"], PRETRAIN["seed"])
ids = [vocab.encode(d) for d in valid]
print(f"LSTM, stream in order: perplexity {perplexity(token_logprobs(model, LMLoader(ids, bs=1, bptt=200))):.1f}")
if args.kn:
    stream = torch.cat(ids).tolist()
    kn = KneserNey(torch.cat([vocab.encode(d) for d in train]).tolist(), 4, 0.9)
    print(f"Kneser-Ney 4-gram (d=0.9): perplexity {perplexity(kn.logprobs(stream)):.1f}")

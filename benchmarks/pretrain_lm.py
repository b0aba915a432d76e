"""Build (or check) lesson 15's cached artefacts, and time them: the pretrained LM, the ablations, the classifiers.

Writes, under artifacts/lm/ (the notebook's folder):
  fortunes_lm.pth + fortunes_lm.json     the pretrained fortunes LM (settings `PRETRAIN`, SHA-256, training log)
  ablations/<name>/fortunes_lm.*         one LM per entry of `ABLATIONS` (the AWD regularisers one at a time)
  classifiers_<part>.json                ULMFiT's stage 3 and the same classifier from scratch for every
                                         (labels, seed) of `CLASSIFIER_PLAN`, on the LM fine-tuned from the first
Each is reused while its checksum and settings match and rebuilt otherwise, by the same exported functions the
notebook calls (which rebuild whatever is missing itself): this script only runs them up front, in parallel
processes of one thread each (first the LM and the ablations, then the classifiers), so that the notebook loads them.

Usage: python benchmarks/pretrain_lm.py [--folder artifacts/lm] [--jobs 2] [--kn]
"""
import argparse, math, resource, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

root = Path(__file__).resolve().parent.parent

def build(job, folder):
    "One job in a fresh process of one thread: 'lm', an ablation's name, or 'classifiers:<part>'."
    from coursecompanion.core import setup_cpu
    setup_cpu(threads=1)
    from coursecompanion import language_model as L
    t0, c0 = time.perf_counter(), time.process_time()
    ppls = lambda log: " ".join(f"{math.exp(e['valid_loss']):.1f}" for e in log["epochs"])
    if job == "lm":
        _, _, log = L.cached_fortunes_lm(folder)
        out = [f"pretrained LM: {'loaded' if log['cached'] else 'trained'}, valid perplexity per epoch {ppls(log)}"]
    elif job.startswith("classifiers:"):
        part = job.split(":", 1)[1]
        lm, vocab, log = L.cached_fortunes_lm(folder)  # built in the first phase
        task = L.rt_task()
        ft, ppl = L.fine_tune_lm(lm, vocab, task)
        res = L.cached_ulmfit_runs(folder, log, ft, task, part)
        out = [f"fine-tuned on reviews: perplexity {ppl['before']:.0f} -> {ppl['after']:.0f}"]
        for r in res["results"]:
            who = r.get("schedule") or ("ULMFiT" if r["pretrained"] else "scratch")
            out.append(f"  {r['labels']:>6} labels, seed {r['seed']}, {who}: "
                       f"accuracy {r['accuracy']:.3f} (stages {', '.join(f'{a:.3f}' for a in r['stage_accuracy'])})")
        out.append(f"classifiers ({part}): {'loaded' if res['cached'] else 'trained'} ({res['cpu_s']:.0f} s CPU when built)")
    else:
        _, _, log = L.ablation_lm(folder, job)
        out = [f"ablation '{job}': {'loaded' if log['cached'] else 'trained'}, valid perplexity per epoch {ppls(log)}"]
    out.append(f"[{job}] {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU")
    return "\n".join(out)

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folder", default=str(root/"artifacts"/"lm"))
    p.add_argument("--jobs", type=int, default=2, help="parallel processes (one thread each)")
    p.add_argument("--kn", action="store_true", help="then score the LM and the Kneser-Ney 4-gram baseline (d=0.9)")
    args = p.parse_args()
    from coursecompanion.core import machine_summary
    from coursecompanion.language_model import ABLATION_BUDGET, ABLATIONS, CLASSIFIER_PLAN, PRETRAIN
    phases = [["lm"] + [n for n in ABLATIONS if {**PRETRAIN, **ABLATION_BUDGET, **ABLATIONS[n]} != PRETRAIN],
              [f"classifiers:{part}" for part in CLASSIFIER_PLAN]]  # the classifiers start from the pretrained LM
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as ex:
        for jobs in phases:
            for msg in ex.map(build, jobs, [args.folder] * len(jobs)): print(msg, flush=True)
    ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(f"all artefacts in {time.perf_counter() - t0:.0f} s wall, {sum(r.ru_utime + r.ru_stime for r in ru):.0f} s CPU "
          f"(user + sys, all processes) on {machine_summary()}")
    if args.kn:
        import torch
        from coursecompanion.core import setup_cpu
        from coursecompanion.language_model import (PRETRAIN, KneserNey, LMLoader, cached_fortunes_lm, fortunes_corpus,
                                                    perplexity, token_logprobs)
        setup_cpu(threads=1)
        model, vocab, _ = cached_fortunes_lm(args.folder)
        train, valid = fortunes_corpus(PRETRAIN["n_train"], PRETRAIN["n_valid"], PRETRAIN["seed"])
        ids = [vocab.encode(d) for d in valid]
        print(f"LSTM, stream in order: perplexity {perplexity(token_logprobs(model, LMLoader(ids, bs=1, bptt=200))):.1f}")
        kn = KneserNey(torch.cat([vocab.encode(d) for d in train]).tolist(), 4, 0.9)
        print(f"Kneser-Ney 4-gram (d=0.9): perplexity {perplexity(kn.logprobs(torch.cat(ids).tolist())):.1f}")

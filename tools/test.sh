#!/usr/bin/env bash
# Every test coursecompanion has, after setting up what it needs (tools/setup.sh). Any failure fails the run.
# Each notebook is executed once in a fresh kernel, as nbdev_test tests it (tools/run_lessons.py: same skipped cells,
# IN_TEST=1, a failing cell fails the run), 2 at a time; its verdicts and their effects are then compared with the
# outputs committed in nbs/ (tools/check_outputs.py), so a stale notebook fails and is named. The site is built from
# the committed notebooks, as the main job builds it (tools/site.sh), and checked in Chromium by pytest.
# `nbdev_test` passes on its own too (CC_NBDEV_TEST=1 also runs it here, a second execution CI skips).
# Prints the time of every stage and of every notebook (wall and CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
declare -a timings=()
stage() { echo; echo "== $*"; stage_name="$*"; stage_t0=$EPOCHREALTIME; }
done_stage() {
  local s; s=$(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $stage_t0}")
  timings+=("$(printf '%7s s  %s' "$s" "$stage_name")"); echo "-- $s s: $stage_name"
}
report() {
  local rc=$?
  echo; echo "stage times:"; printf "%s\n" "${timings[@]}"
  [ "$rc" = 0 ] || echo "FAILED (exit $rc) in stage: ${stage_name:-?}"
  echo "whole suite: $(( $(date +%s) - start )) s"
}
trap report EXIT

stage "set-up (tools/setup.sh)"
bash tools/setup.sh
source .venv/bin/activate
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
done_stage

stage "nbdev_export and nbdev_clean leave the tree unchanged"
if git rev-parse --git-dir >/dev/null 2>&1; then
  before=$(git status --porcelain; git diff | sha1sum)
  nbdev_export; nbdev_clean
  after=$(git status --porcelain; git diff | sha1sum)
  if [ "$before" != "$after" ]; then
    echo "FAIL: nbdev_export/nbdev_clean changed the tree: notebooks and modules are out of sync or not clean"
    git status --short; git --no-pager diff --stat; exit 1
  fi
else
  echo "(not a git checkout: skipped)"
fi
done_stage

stage "README.md matches nbs/index.ipynb"
python tools/make_readme.py --check
done_stage

stage "every module imports in a fresh process"
for f in coursecompanion/[a-z]*.py; do
  m=$(basename "$f" .py)
  python -c "import coursecompanion.$m" || { echo "FAIL: import coursecompanion.$m"; exit 1; }
  echo "ok coursecompanion.$m"
done
done_stage

stage "stored results are current (benchmarks/: each script checks its code key, and reruns only if stale)"
python benchmarks/pretrain_lm.py --jobs "${CC_JOBS:-2}"
python benchmarks/04_batch_size_seeds.py
python benchmarks/09_weight_decay_seeds.py
if [ -n "$(git status --porcelain stored/ benchmarks/results/ 2>/dev/null)" ]; then
  echo "FAIL: stored results were stale and have been rebuilt: commit them"; git status --porcelain stored/ benchmarks/results/; exit 1
fi
done_stage

stage "notebooks: every notebook executed once in a fresh kernel, tested as nbdev_test tests it (2 workers)"
python tools/run_lessons.py --out _executed --jobs "${CC_JOBS:-2}"
done_stage

stage "the committed outputs are current (verdicts and effects of the fresh execution vs nbs/)"
python tools/check_outputs.py --executed _executed
if [ -n "$(git status --porcelain stored/ 2>/dev/null)" ]; then
  echo "FAIL: a notebook found its stored results stale and rebuilt them: commit them"; git status --porcelain stored/; exit 1
fi
done_stage

if [ "${CC_NBDEV_TEST:-0}" = 1 ]; then
  stage "nbdev_test over every notebook (CC_NBDEV_TEST=1: a second execution, as nbdev users test)"
  nbdev_test --n_workers "${CC_JOBS:-2}" --timing ${NBDEV_TEST_FLAGS:+--flags "$NBDEV_TEST_FLAGS"}
  done_stage
fi

stage "the main job: the course site from the committed notebooks (tools/site.sh) into _docs/"
bash tools/site.sh
export CC_REQUIRE_SITE=1  # the browser test fails, not skips, without a site
done_stage

stage "pytest tests/ (the site in Chromium, the build scripts, the package's own tests)"
python -m pytest tests/ -q -ra --durations=8
done_stage

stage "packaging: the wheel builds, installs in a clean environment and imports (tools/wheel_check.sh)"
bash tools/wheel_check.sh data
done_stage

stage "lessons 11 and 12 again with a restricted CPU instruction set (tools/restricted_cpu.sh)"
bash tools/restricted_cpu.sh
done_stage

echo; echo "== all tests passed"

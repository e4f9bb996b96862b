#!/usr/bin/env bash
# Create .venv (Python 3.11) and install requirements*.txt into it; a no-op when nothing changed.
# Sourced by scripts/run-app.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
# LightGBM (the learned ranker) needs the OpenMP runtime; Debian ships it with gcc, else:
if ! ldconfig -p 2>/dev/null | grep -q libgomp.so.1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq >&2 && apt-get install -y -qq libgomp1 >&2
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $($PYTHON --version)…" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing requirements (first run: several minutes)…" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The CPU build of torch first, so nothing below can pull a CUDA build.
  .venv/bin/python -m pip install --quiet "$(grep -E '^torch==' requirements.txt)"
  .venv/bin/python -m pip install --quiet -r requirements.txt
  .venv/bin/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
  echo "$wanted" > "$stamp"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

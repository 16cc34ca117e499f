#!/usr/bin/env bash
# PyTorch (CPU use only) and Pillow from PyPI into .venv, for the tensor and image tests (test/e2e/python_torch.test.ts).
# Skipped when both imported once (stamp) and are still installed: a second run does not import torch (6 s here).
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:torch] %s\n' "$*" >&2; }

PY=.venv/bin/python
if [ ! -x "$PY" ]; then log ".venv missing (scripts/setup.sh step 3): torch and Pillow not installed"; exit 0; fi
stamp=.venv/.arraylens-torch
present() { "$PY" -c 'import importlib.util as u, sys; sys.exit(not (u.find_spec("torch") and u.find_spec("PIL")))' 2>/dev/null; }
if [ -e "$stamp" ] && present; then exit 0; fi
if "$PY" -c 'import torch, PIL' >/dev/null 2>&1; then touch "$stamp"; exit 0; fi

# PyPI's Linux torch wheel pulls NVIDIA's CUDA libraries too (about 3 GB in all, see README); the tests use the CPU
# only. --no-cache-dir: do not keep a second copy of those wheels in ~/.cache/pip.
log "installing torch and pillow from PyPI into .venv (a large download, see README: PyTorch)"
nice "$PY" -m pip install --disable-pip-version-check --no-cache-dir --progress-bar off torch pillow 2>&1 \
  | grep -E '^ *(Downloading|Successfully installed|ERROR)' >&2 || true
"$PY" -c 'import torch, PIL' || { log "torch/Pillow still do not import: see the pip output above"; exit 1; }
touch "$stamp"
log "torch $("$PY" -c 'import torch; print(torch.__version__)') installed"

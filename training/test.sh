#!/usr/bin/env bash
# Quick tests of the training pipeline (needs Debian's python3-torch; .ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch, numpy, PIL" 2>/dev/null; then
  echo "training tests need Debian's PyTorch: apt-get install -y python3-torch python3-numpy python3-pil dataset-fashion-mnist" >&2
  exit 1
fi
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m unittest discover -s training/tests -v

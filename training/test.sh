#!/usr/bin/env bash
# Quick tests of the training pipeline, the 2-rank DDP run included (Debian's python3-torch & co.:
# installed here when missing and running as root, else the exact command is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/system-deps.sh training
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m unittest discover -s training/tests -v "$@"

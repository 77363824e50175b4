#!/usr/bin/env bash
# The Debian packages the tests and the training pipeline need, installed when missing:
#   e2e       chromium                          the browser tests drive the system Chromium (no browser download)
#   training  python3-torch python3-numpy python3-pil dataset-fashion-mnist
#             the training tests (Debian's PyTorch on the CPU, the data set they train on)
#   train     training + python3-tqdm           npm run train (its progress bar)
#   all       e2e + training                    npm test
# As root: apt-get update and apt-get install -y. Otherwise: stops with the exact command to run.
set -euo pipefail
what=${1:-all}
need=()
want_python() {
  /usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch)
  /usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
  /usr/bin/python3 -c "import PIL" 2>/dev/null || need+=(python3-pil)
  [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
}
want_chromium() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
}
case "$what" in
  e2e) want_chromium ;;
  training) want_python ;;
  train) want_python; /usr/bin/python3 -c "import tqdm" 2>/dev/null || need+=(python3-tqdm) ;;
  all) want_chromium; want_python ;;
  *) echo "usage: tools/system-deps.sh [e2e|training|train|all]" >&2; exit 2 ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
else
  echo "missing Debian packages (${need[*]}); run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi

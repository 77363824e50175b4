#!/usr/bin/env bash
# One command for the whole model pipeline: install what is missing, train the independent
# classifier, train MT-Diffusion (resuming from the last checkpoint), export to public/weights,
# evaluate. Re-running after an interruption continues where it stopped.
#   npm run train -- [--steps N] [--batch N] [--seed N] [--out DIR] [--device cpu|cuda|auto]
# (--device also moves the classifier and the evaluation; export always runs on the CPU.)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3          # Debian's interpreter: Debian's torch is invisible to other pythons
OUT=training/runs/main
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

need=()
"$PY" -c "import torch" 2>/dev/null || need+=(python3-torch)
"$PY" -c "import numpy" 2>/dev/null || need+=(python3-numpy)
"$PY" -c "import PIL" 2>/dev/null || need+=(python3-pil)
"$PY" -c "import tqdm" 2>/dev/null || need+=(python3-tqdm)
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need[@]}"
  else
    echo "missing Debian packages; run: sudo apt-get install -y ${need[*]}" >&2; exit 1
  fi
fi

export OMP_WAIT_POLICY=PASSIVE   # keeps 2 threads from spinning when the machine is shared
seed=0
device=cpu
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  [ "${ARGS[$i]}" = --seed ] && seed="${ARGS[$((i + 1))]}"
  [ "${ARGS[$i]}" = --device ] && device="${ARGS[$((i + 1))]}"
done
nice -n 10 "$PY" -u training/train_classifier.py --out "$OUT" --seed "$seed" --device "$device"
nice -n 10 "$PY" -u training/train.py --out "$OUT" "${ARGS[@]}"
"$PY" -u training/export.py --out "$OUT"
"$PY" -u training/export_samples.py --out "$OUT"
"$PY" -u training/trajectory_map.py   # the trajectory map's PCA (public/samples/projection.json)
nice -n 10 "$PY" -u training/eval.py --out "$OUT" --device "$device"

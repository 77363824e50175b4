#!/usr/bin/env bash
# One command for the whole model pipeline: install what is missing, (read your data,) train the independent
# classifier, train MT-Diffusion (resuming from the last checkpoint), export, (evaluate). Re-running after an
# interruption continues where it stopped.
#
#   npm run train -- [--data DIR] [--name NAME] [--out DIR] [--steps N] [--batch N] [--seed N] [--device cpu|cuda]
#                    [--nproc N] [--nnodes M --node-rank R --master-addr HOST [--master-port P]]
#                    [--classifier-epochs N] [--classifier-steps N (at least; default 200 with --data)]
#                    [--into-bundled] [--prepare-only]  (other flags go to train.py)
#
# --data DIR     your images: one sub-folder per class (PNG/JPEG/WebP), or an idx pair (training/prepare_data.py).
#                Without it: Fashion-MNIST. The model goes to <out>/model (load it with "Load model…").
# --nproc N      N training processes on this machine under PyTorch DDP (torchrun; gloo on CPUs, nccl with
#                --device cuda, one process per GPU). --batch stays the global batch.
# --nnodes M --node-rank R --master-addr HOST [--master-port 29500]: M machines; run the same command on each
#                (R = 0..M-1; HOST = node 0's address). Every node needs <out>/dataset.npz (for --data) and
#                <out>/representation.npz: run with --prepare-only on node 0 and copy <out> to the others first.
# --into-bundled replace the playground's bundled model (public/weights, public/samples, fixtures, report):
#                only for Fashion-MNIST.
# (--device also moves the classifier and the evaluation; export always runs on the CPU.)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}   # Debian's interpreter: Debian's torch is invisible to other pythons
OUT=training/runs/main
DATA="" NAME="" NPROC=1 NNODES=1 NODE_RANK=0 MASTER_ADDR="" MASTER_PORT=29500 CLS_EPOCHS=4 CLS_STEPS="" BUNDLED=0 PREPARE_ONLY=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --name) NAME="$2"; shift 2 ;;
    --nproc) NPROC="$2"; shift 2 ;;
    --nnodes) NNODES="$2"; shift 2 ;;
    --node-rank) NODE_RANK="$2"; shift 2 ;;
    --master-addr) MASTER_ADDR="$2"; shift 2 ;;
    --master-port) MASTER_PORT="$2"; shift 2 ;;
    --classifier-epochs) CLS_EPOCHS="$2"; shift 2 ;;
    --classifier-steps) CLS_STEPS="$2"; shift 2 ;;
    --into-bundled) BUNDLED=1; shift ;;
    --prepare-only) PREPARE_ONLY=1; shift ;;
    --weights) echo "error: --weights: the model goes to <out>/model; --into-bundled replaces the bundled one" >&2; exit 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ -n "$CLS_STEPS" ] || { [ -n "$DATA" ] && CLS_STEPS=200 || CLS_STEPS=0; }
if [ -n "$DATA" ] && [ "$BUNDLED" = 1 ]; then
  echo "error: --into-bundled replaces the playground's Fashion-MNIST model; a model of your data goes to $OUT/model" >&2; exit 2
fi
if [ "$NNODES" -gt 1 ] && [ -z "$MASTER_ADDR" ]; then
  echo "error: --nnodes $NNODES needs --master-addr (node 0's address) and --node-rank on every node" >&2; exit 2
fi

if [ "$PY" = /usr/bin/python3 ]; then
  bash tools/system-deps.sh train
fi

export OMP_WAIT_POLICY=PASSIVE   # keeps threads from spinning when the machine is shared
seed=0
device=cpu
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  [ "${ARGS[$i]}" = --seed ] && seed="${ARGS[$((i + 1))]}"
  [ "${ARGS[$i]}" = --device ] && device="${ARGS[$((i + 1))]}"
done
DS=()
if [ -n "$DATA" ]; then
  if [ "$NODE_RANK" = 0 ]; then
    nm=(); [ -n "$NAME" ] && nm=(--name "$NAME")
    "$PY" -u training/prepare_data.py --data "$DATA" --out "$OUT" --seed "$seed" "${nm[@]}"
  fi
  DS=(--dataset "$OUT/dataset.npz")
fi
if [ "$NODE_RANK" = 0 ]; then
  nice -n 10 "$PY" -u training/train_classifier.py --out "$OUT" --seed "$seed" --device "$device" \
    --epochs "$CLS_EPOCHS" --min-steps "$CLS_STEPS" "${DS[@]}"
fi
[ "$PREPARE_ONLY" = 1 ] && { echo "prepared $OUT (copy it to the other nodes, then run the same command there)"; exit 0; }

if [ "$NPROC" -gt 1 ] || [ "$NNODES" -gt 1 ]; then
  # torchrun. Debian's PyTorch 1.13 on Python 3.11 crashes in torchrun's default log path
  # ("'NoneType' object has no attribute 'get'" in to_map); redirecting the ranks' output to files and
  # teeing it back (--redirects 1 --tee 1 --log_dir) avoids that path.
  cores=$(nproc)
  export OMP_NUM_THREADS=$(( cores / NPROC > 0 ? cores / NPROC : 1 ))
  mkdir -p "$OUT/torchrun-logs"
  if [ "$NNODES" -gt 1 ]; then
    where=(--nnodes "$NNODES" --node_rank "$NODE_RANK" --master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT")
  else
    # One node: a static rendezvous on a free local port (--standalone always takes port 29400, so two
    # runs on one machine would collide).
    port=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    where=(--nnodes 1 --node_rank 0 --master_addr 127.0.0.1 --master_port "$port")
  fi
  launch=("$PY" -m torch.distributed.run "${where[@]}" --nproc_per_node "$NPROC"
          --redirects 1 --tee 1 --log_dir "$OUT/torchrun-logs")   # torchrun starts each rank with python -u
  threads=(--threads "$cores")
else
  launch=("$PY" -u)
  threads=()
fi
status=0
nice -n 10 "${launch[@]}" training/train.py --out "$OUT" "${DS[@]}" "${threads[@]}" "${ARGS[@]}" || status=$?
[ "$status" = 0 ] || { echo "training stopped (status $status); run the same command again to resume" >&2; exit "$status"; }
[ "$NODE_RANK" = 0 ] || exit 0

if [ "$BUNDLED" = 1 ]; then
  "$PY" -u training/export.py --out "$OUT" --weights public/weights
  "$PY" -u training/export_samples.py --out "$OUT"
  "$PY" -u training/trajectory_map.py   # the trajectory map's PCA (public/samples/projection.json)
  nice -n 10 "$PY" -u training/eval.py --out "$OUT" --device "$device"
else
  "$PY" -u training/export.py --out "$OUT"
  "$PY" -u training/export_samples.py --out "$OUT" --into "$OUT/model" "${DS[@]}"
  echo "your model: $OUT/model — open the playground (npm start), press \"Load model…\" and choose that folder"
fi

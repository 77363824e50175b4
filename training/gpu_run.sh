#!/usr/bin/env bash
# The model pipeline on a CUDA machine in a fixed time budget: classifier, a short speed probe
# that fixes the step count to fit the budget, MT-Diffusion training, evaluation. Export runs
# afterwards on the CPU machine (npm run train's export.py) from the checkpoint this leaves.
#   training/gpu_run.sh DEST [TRAIN_SECONDS]     (env: PY, DEVICE, BATCH, LIMIT, EVAL_ARGS)
# DEST receives: gpu.txt, classifier.log, plan.txt, train.log, run.tgz (checkpoint without the
# optimiser state, classifier, representation, log), opt.pt, eval.log, weights.tgz (report, card, grids).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=$(realpath -m "${1:?usage: training/gpu_run.sh DEST [TRAIN_SECONDS]}")
BUDGET=${2:-360}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-256}
CLS_LIMIT=${LIMIT:+--limit $((LIMIT * 2))}   # smoke tests: train.py's first LIMIT images need their representation
LIMIT=${LIMIT:+--limit $LIMIT}
RUN=training/runs/gpu
PROBE=$(mktemp -d)
mkdir -p "$RUN" "$DEST"
export PYTHONUNBUFFERED=1
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 ))s] $*" | tee -a "$DEST/plan.txt"; }

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true; "$PY" -c "import torch; print(torch.__version__)"; } > "$DEST/gpu.txt" 2>&1
stamp "classifier"
"$PY" -u training/train_classifier.py --out "$RUN" --device "$DEVICE" --seed 0 --epochs "${CLS_EPOCHS:-4}" $CLS_LIMIT > "$DEST/classifier.log" 2>&1
stamp "probe"
cp "$RUN/representation.npz" "$PROBE/"
"$PY" -u training/train.py --out "$PROBE" --device "$DEVICE" --batch "$BATCH" --steps 300 --ckpt-every 100000 $LIMIT > "$PROBE/log" 2>&1
rate=$("$PY" -c "import json, statistics, sys; r = [json.loads(l)['img_s'] for l in open(sys.argv[1])][5:]; print(statistics.median(r))" "$PROBE/train_log.jsonl")
steps=$("$PY" -c "import sys; print(max(1000, int(float(sys.argv[1]) / int(sys.argv[2]) * int(sys.argv[3])) // 1000 * 1000))" "$rate" "$BATCH" "$BUDGET")
stamp "probe: $rate img/s at batch $BATCH -> --steps $steps for ${BUDGET}s"
# A hard stop a minute past the budget: SIGTERM checkpoints and exits, and the rest still runs.
timeout -s TERM $((BUDGET + 60)) "$PY" -u training/train.py --out "$RUN" --device "$DEVICE" --batch "$BATCH" \
  --steps "$steps" --warmup 500 --ema 0.9995 --ckpt-every 5000 $LIMIT 2>&1 | tr '\r' '\n' | awk 'NR % 40 == 1' > "$DEST/train.log" || true
stamp "trained: $(tail -1 "$RUN/train_log.jsonl")"
"$PY" - "$RUN" "$DEST" <<'PYEOF'
import os, sys, torch
run, dest = sys.argv[1], sys.argv[2]
ck = torch.load(os.path.join(run, "ckpt.pt"), map_location="cpu", weights_only=False)
torch.save(ck.pop("opt"), os.path.join(dest, "opt.pt"))      # kept apart: each file comes back alone
torch.save(ck, os.path.join(run, "ckpt_noopt.pt"))
PYEOF
tar czf "$DEST/run.tgz" -C "$RUN" ckpt_noopt.pt classifier.pt representation.npz train_log.jsonl
stamp "packed"
"$PY" -u training/eval.py --out "$RUN" --weights "$DEST/weights" --device "$DEVICE" --threads 8 ${EVAL_ARGS:-} > "$DEST/eval.log" 2>&1 || stamp "eval failed"
tar czf "$DEST/weights.tgz" -C "$DEST" weights && rm -rf "$DEST/weights"
stamp "done"

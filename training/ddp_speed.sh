#!/usr/bin/env bash
# Training speed on 1 process against N (PyTorch DDP via torchrun, as npm run train -- --nproc N runs it),
# on the same prepared data, alternating, each from a fresh checkpoint: images per second of the steps after
# the first --log-every interval (start-up and first-step costs left out), from train_log.jsonl.
#   bash training/ddp_speed.sh DATA_DIR [N=2] [STEPS=40] [BATCH=32] [ROUNDS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$1 N=${2:-2} STEPS=${3:-40} BATCH=${4:-32} ROUNDS=${5:-2}
OUT=training/runs/ddp-speed
PY=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE
bash training/pipeline.sh --data "$DATA" --out "$OUT" --prepare-only --classifier-steps 20 >/dev/null
cores=$(nproc)
rate() {   # mean img/s of the log records after the first
  "$PY" -c "import json,sys; r=[json.loads(l)['img_s'] for l in open(sys.argv[1])][1:]; print(f'{sum(r)/len(r):.1f}')" "$1"
}
for ((round = 1; round <= ROUNDS; round++)); do
  for n in 1 "$N"; do
    rm -f "$OUT/ckpt.pt" "$OUT/train_log.jsonl"
    common=(training/train.py --out "$OUT" --dataset "$OUT/dataset.npz" --steps "$STEPS" --batch "$BATCH"
            --log-every 10 --ckpt-every 100000 --mask-bank 200 --threads "$cores")
    if [ "$n" = 1 ]; then
      OMP_NUM_THREADS=$cores nice -n 10 "$PY" -u "${common[@]}" >/dev/null
    else
      port=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
      OMP_NUM_THREADS=$(( cores / n > 0 ? cores / n : 1 )) nice -n 10 "$PY" -m torch.distributed.run \
        --nnodes 1 --node_rank 0 --master_addr 127.0.0.1 --master_port "$port" --nproc_per_node "$n" --redirects 1 --tee 1 --log_dir "$OUT/torchrun-logs" "${common[@]}" >/dev/null
    fi
    echo "round $round: $n rank(s): $(rate "$OUT/train_log.jsonl") img/s (batch $BATCH, $STEPS steps; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  done
done

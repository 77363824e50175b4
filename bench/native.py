#!/usr/bin/python3
"""Native reference for `npm run bench`: the same MT-Diffusion network's forward pass in PyTorch on the CPU.

Builds training/mtd/model.py's MTDiffusion from the config block of public/weights/model.json and loads the
shipped weights from its shards (float16 -> float32, TF layouts back to PyTorch's: the inverse of
training/export.py), checks the eps head against public/fixtures/parity.json, then times forward(z, t)
(every head, torch.no_grad) at batch 1 and 16. Prints one JSON object on stdout.

Usage: /usr/bin/python3 bench/native.py [--threads 2] [--runs 200] [--quick]
Debian's torch is only visible to Debian's interpreter (/usr/bin/python3).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mtd.shipped import load_shipped  # noqa: E402  (public/weights -> training/mtd/model.py's MTDiffusion)


def parity_eps(model, cfg) -> float | None:
    path = os.path.join(ROOT, "public", "fixtures", "parity.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        fx = json.load(f)
    b, s = fx["batch"], fx["imageSize"]
    z = torch.tensor(fx["inputs"]["z"], dtype=torch.float32).reshape(b, s, s, 1).permute(0, 3, 1, 2)
    t = torch.tensor(fx["inputs"]["t"]).long()
    with torch.no_grad():
        eps = model(z, t)["eps"].permute(0, 2, 3, 1).reshape(-1).numpy()
    return float(np.max(np.abs(eps - np.array(fx["outputs"]["eps"], dtype=np.float32))))


def time_forward(model, size: int, batch: int, runs: int, warmup: int) -> dict:
    g = torch.Generator().manual_seed(7)
    z = torch.randn(batch, 1, size, size, generator=g)
    t = torch.full((batch,), 500, dtype=torch.long)
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            out = model(z, t)
            _ = [v.sum().item() for v in out.values()]  # materialise every head
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    return {"batch": batch, "runs": runs, "medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    runs = 40 if args.quick else args.runs
    torch.set_num_threads(args.threads)
    model, cfg, loaded = load_shipped(os.path.join(ROOT, "public", "weights"))
    result = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
        "weights": f"shipped weights from public/weights ({loaded} tensors, float16 -> float32)",
        "parityEpsMaxAbsDiff": parity_eps(model, cfg),
        "forward": [time_forward(model, cfg["imageSize"], b, runs if b == 1 else max(10, runs // 4), 10) for b in (1, 16)],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

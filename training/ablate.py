"""Score training runs side by side on the settings the model must show (short ablations).

  /usr/bin/python3 training/ablate.py RUN_DIR [RUN_DIR ...] [--n 200] [--steps 20] [--drift-guidance 0,2]
Each RUN_DIR holds ckpt.pt (its EMA weights are scored) and the independent classifier (classifier.pt,
representation.npz). Every run sees the same test images, masks and noise. Prints one JSON line per run
and guidance scale: sketch -> image (edge F1 against the given sketch, the classifier's agreement with the
sketch's source image), inpainting on box masks (hidden-pixel MSE, drift only and with paste, against the
unconditional model with paste), class-conditional accuracy, joint agreement and the generated-label chi^2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd import device as devices  # noqa: E402
from mtd.data import MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.model import MTDiffusion  # noqa: E402
from mtd.sampling import Conditions, batched, sample, to_uint8  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from eval import Judge, chi_square, edge_f1  # noqa: E402


def score(run_dir: str, n: int, steps: int, w: float, judge: Judge | None = None, commits=(0.0,)) -> dict:
    ck = devices.load(os.path.join(run_dir, "ckpt.pt"))
    cfg = ck["config"]
    model = MTDiffusion(cfg)
    model.load_state_dict(ck["ema"])
    model.eval()
    tables = Tables(cfg["schedule"], cfg["drift"])
    judge = judge or Judge(run_dir, torch.device("cpu"))
    te_u8, te_y = load_split("t10k")
    rng = np.random.default_rng(11)
    idx = rng.choice(len(te_u8), n, replace=False)
    x = torch.from_numpy(to_model_space(te_u8[idx]))
    sk = torch.from_numpy(sketch_of(te_u8[idx]))
    box = torch.from_numpy(np.stack([np.pad(MaskBank.box(rng), 2)[None] for _ in idx]).astype(np.float32))
    inner = torch.zeros_like(box)
    inner[:, :, 2:30, 2:30] = 1
    hidden = (1 - box) * inner

    def run(cond_fn, **kw):
        return batched(lambda s, c: sample(model, tables, c, cond_fn(s, c), seed=100003 + s, sampler="ddim",
                                           steps=steps, **kw), n, 100)

    mse = lambda img: float((((img - x) ** 2) * hidden).sum() / hidden.sum())  # noqa: E731
    r = {"run": run_dir, "step": ck["step"], "driftGuidance": w, "n": n, "ddimSteps": steps}
    t0 = time.time()
    sc = run(lambda s, c: Conditions(sketch=sk[s:s + c], drift_guidance=w))
    r["sketchEdgeF1"] = edge_f1(sk.numpy(), sketch_of(to_uint8(sc["image"])))
    r["sketchClassAgreement"] = float((judge.predict(sc["image"]) == te_y[idx]).mean())
    m = lambda s, c: (x[s:s + c], box[s:s + c])  # noqa: E731
    r["boxMseDriftOnly"] = mse(run(lambda s, c: Conditions(masked=m(s, c), drift_guidance=w))["image"])
    r["boxMseDriftPaste"] = mse(run(lambda s, c: Conditions(masked=m(s, c), paste=True, drift_guidance=w))["image"])
    if w == 0:
        r["boxMseUncondPaste"] = mse(run(lambda s, c: Conditions(masked=m(s, c), paste=True, masked_drift=False))["image"])
    cls = torch.arange(10).repeat_interleave(n // 10)
    cc = batched(lambda s, c: sample(model, tables, c, Conditions(label=cls[s:s + c], drift_guidance=w),
                                     seed=200003 + s, sampler="ddim", steps=steps), len(cls), 100)
    r["classAccuracy"] = float((judge.predict(cc["image"]) == cls.numpy()).mean())
    for commit in commits:
        joint = run(lambda s, c: Conditions(generate={"label"}, drift_guidance=w, label_commit=commit))
        gen = joint["label_probs"].argmax(1).numpy()
        key = "" if commit == 0 else f"Commit{commit:g}"
        r[f"jointAgreement{key}"] = float((judge.predict(joint["image"]) == gen).mean())
        r[f"jointChi2{key}"] = chi_square(gen)
    r["seconds"] = round(time.time() - t0)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--drift-guidance", default="0")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--labels", default="", help="a name per run, separated by |")
    ap.add_argument("--table", default="", help="append each row to this ablation table (JSON)")
    ap.add_argument("--label-commit", default="0", help="joint: label commitment thresholds to score, e.g. 0,0.5")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    judge = Judge(args.runs[0], torch.device("cpu"))
    labels = args.labels.split("|") if args.labels else args.runs
    for run_dir, label in zip(args.runs, labels):
        for w in (float(v) for v in args.drift_guidance.split(",")):
            row = score(run_dir, args.n, args.steps, w, judge, [float(v) for v in args.label_commit.split(",")])
            print(json.dumps(row), flush=True)
            if args.table:
                append_row(args.table, {"variant": f"{label}, w = {w:g}", **row})


def append_row(path: str, row: dict) -> None:
    """Adds a row to an ablation table (the model card's "Ablations" section reads it via eval.py)."""
    table = json.load(open(path)) if os.path.exists(path) else {"setup": "", "columns": [], "rows": [], "conclusion": ""}
    for key in row:
        if key not in ("variant", "run", "seconds") and key not in table["columns"]:
            table["columns"].append(key)
    table["rows"].append(row)
    with open(path, "w") as f:
        json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()

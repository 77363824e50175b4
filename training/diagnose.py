"""Diagnosis: how much each head's x_0 estimate gains from a condition's true drift, over t.

For each conditioning modality (label, masked image, sketch, representation) and t in --ts, noised test
images are built twice from the same noise, with the modality's drift and without it:
  z_t = sqrt(abar_t) x_0 + kappa_t E_i(x^i) + sqrt(1 - abar_t) eps     (given)
  z_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps                        (absent)
and both heads' x_0 estimates are scored: the masked-image head's output, and the eps head's
x_0 = (z_t - c_t - sqrt(1 - abar_t) eps^)/sqrt(abar_t) (c_t = the drift that is in z_t), clipped to [-1, 1].
Scores, each for the modality it conditions on: label -> the independent classifier's accuracy on x_0;
masked (box masks) -> MSE on the hidden pixels; sketch -> edge F1 of sketch_of(x_0) against the given
sketch; repr -> distance of the classifier's representation of x_0 to the given one. Also the plain MSE.

  /usr/bin/python3 training/diagnose.py --run RUN_DIR [--weights public/weights] [--n 500] [--json OUT]
RUN_DIR supplies the independent classifier; the model is RUN_DIR/ckpt.pt's EMA, or --weights (TF.js).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd import device as devices  # noqa: E402
from mtd.data import MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.model import MTDiffusion  # noqa: E402
from mtd.sampling import to_uint8  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from mtd.shipped import load_shipped  # noqa: E402
from eval import Judge, edge_f1  # noqa: E402

MODALITIES = ("label", "masked", "sketch", "repr")


def load_model(run_dir: str, weights: str | None):
    if weights:
        model, cfg, _ = load_shipped(weights)
        return model, cfg
    ck = devices.load(os.path.join(run_dir, "ckpt.pt"))
    model = MTDiffusion(ck["config"])
    model.load_state_dict(ck["ema"])
    return model.eval(), ck["config"]


@torch.no_grad()
def diagnose(model, cfg, judge: Judge, n: int, ts: list[int], seed: int = 3) -> dict:
    tables = Tables(cfg["schedule"], cfg["drift"])
    te_u8, te_y = load_split("t10k")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(te_u8), n, replace=False)
    x = torch.from_numpy(to_model_space(te_u8[idx]))
    y = torch.from_numpy(te_y[idx])
    sketch = torch.from_numpy(sketch_of(te_u8[idx]))
    mask = torch.from_numpy(np.stack([np.pad(MaskBank.box(rng), 2)[None] for _ in idx]).astype(np.float32))
    inner = torch.zeros_like(mask)
    inner[:, :, 2:30, 2:30] = 1
    hidden = (1 - mask) * inner
    rep = torch.from_numpy(judge.representation(x))
    classes = len(cfg["classNames"])
    zero_img, zero = torch.zeros_like(x), torch.zeros(n)

    def encoding(modality: str) -> torch.Tensor:
        given = {k: (torch.ones(n) if k == modality else zero) for k in MODALITIES}
        return model.encode(F.one_hot(y, classes).float(), x, mask if modality == "masked" else zero_img,
                            sketch, rep, given)

    def score(modality: str, x0: torch.Tensor) -> float:
        if modality == "label":
            return float((judge.predict(x0) == y.numpy()).mean())
        if modality == "masked":
            return float((((x0 - x) ** 2) * hidden).sum() / hidden.sum())
        if modality == "sketch":
            return edge_f1(sketch.numpy(), sketch_of(to_uint8(x0)))
        return float(np.linalg.norm(judge.representation(x0) - rep.numpy(), axis=1).mean())

    metric = {"label": "classifier accuracy", "masked": "hidden-pixel MSE (box)", "sketch": "edge F1",
              "repr": "representation distance"}
    out = {"n": n, "ts": ts, "metric": metric, "rows": {}}
    g = torch.Generator().manual_seed(seed)
    for modality in MODALITIES:
        enc = encoding(modality)
        rows = []
        for t in ts:
            ab, kappa = float(tables.alpha_bar[t]), float(tables.kappa[t])
            eps = torch.randn(x.shape, generator=g)
            row = {"t": t, "kappa": kappa, "driftRms": float((kappa * enc).pow(2).mean().sqrt())}
            for name, c in (("given", kappa * enc), ("absent", torch.zeros_like(enc))):
                z = ab ** 0.5 * x + c + (1 - ab) ** 0.5 * eps
                heads = {k: [] for k in ("masked", "eps")}
                for s in range(0, n, 250):
                    o = model(z[s:s + 250], torch.full((len(z[s:s + 250]),), t))
                    heads["masked"].append(o["masked"])
                    heads["eps"].append((z[s:s + 250] - c[s:s + 250] - (1 - ab) ** 0.5 * o["eps"]) / ab ** 0.5)
                for head, parts in heads.items():
                    x0 = torch.cat(parts).clamp(-1, 1)
                    row[f"{head}_{name}"] = score(modality, x0)
                    row[f"{head}_{name}_mse"] = float(((x0 - x) ** 2).mean())
            rows.append(row)
        out["rows"][modality] = rows
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", required=True, help="run dir with classifier.pt and representation.npz (and ckpt.pt)")
    ap.add_argument("--weights", default="", help="score these TF.js weights instead of RUN/ckpt.pt")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--ts", default="100,300,500,700,900")
    ap.add_argument("--json", default="")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, cfg = load_model(args.run, args.weights)
    judge = Judge(args.run, torch.device("cpu"))
    res = diagnose(model, cfg, judge, args.n, [int(t) for t in args.ts.split(",")])
    text = json.dumps(res, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    for modality, rows in res["rows"].items():
        print(f"{modality} ({res['metric'][modality]}): t, masked head given/absent, eps head given/absent")
        for r in rows:
            print(f"  {r['t']:4d}  {r['masked_given']:.3f} / {r['masked_absent']:.3f}   {r['eps_given']:.3f} / {r['eps_absent']:.3f}")


if __name__ == "__main__":
    main()

"""Evaluate the exported MT-Diffusion model; write public/weights/report.json, README.md and grids.

Every figure is measured on the Fashion-MNIST test split with the independent classifier
(train_classifier.py), never with the diffusion model's own label head.
  --n-fd/--n-small/--n-sampler: fewer samples for a smoke test; the shipped report uses the defaults.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd import device as devices  # noqa: E402
from mtd.classifier import Classifier  # noqa: E402
from mtd.data import CLASS_NAMES, MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.model import MTDiffusion  # noqa: E402
from mtd.sampling import Conditions, batched, sample, to_uint8  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from train import holdout_split  # noqa: E402
from export import round_to_fp16_  # noqa: E402

BS = 250


def frechet(f1: np.ndarray, f2: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (FID formula, own features)."""
    m1, m2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    # sqrtm(s1 s2) via the symmetric form sqrt(s1)^(1/2) s2 sqrt(s1)^(1/2)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    w2 = np.linalg.eigvalsh(r1 @ s2 @ r1)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(w2, 0, None)).sum())


class Judge:
    """The independent classifier: features, predictions, representation."""

    def __init__(self, run_dir, dev):
        self.net = Classifier()
        self.net.load_state_dict(devices.load(os.path.join(run_dir, "classifier.pt")))
        self.net = devices.OnDevice(self.net.eval(), dev)
        r = np.load(os.path.join(run_dir, "representation.npz"))
        self.mean, self.comps, self.scale = r["mean"], r["components"], r["scale"]
        self.test_accuracy = float(r["test_accuracy"])

    @torch.no_grad()
    def features(self, x):
        return torch.cat([self.net.inner.features(x[i:i + 1000].to(self.net.target)).cpu()
                          for i in range(0, len(x), 1000)]).numpy()

    @torch.no_grad()
    def predict(self, x):
        return torch.cat([self.net(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)]).numpy()

    def representation(self, x):
        return ((self.features(x) - self.mean) @ self.comps.T / self.scale).astype(np.float32)


def save_grid(images: torch.Tensor, path: str, cols: int, captions=None, scale=3):
    u8 = to_uint8(images)
    n = len(u8)
    rows = -(-n // cols)
    cap_h = 12 if captions else 0
    cell = 28 * scale
    im = Image.new("L", (cols * (cell + 2), rows * (cell + 2 + cap_h)), 255)
    draw = ImageDraw.Draw(im)
    for i in range(n):
        r, c = divmod(i, cols)
        x0, y0 = c * (cell + 2), r * (cell + 2 + cap_h)
        im.paste(Image.fromarray(u8[i]).resize((cell, cell), Image.NEAREST), (x0, y0))
        if captions:
            draw.text((x0 + 2, y0 + cell), captions[i][:14], fill=0)
    im.save(path)


def edge_f1(a: np.ndarray, b: np.ndarray) -> float:
    """F1 of edge pixels of two {0,1} maps, averaged over the batch."""
    tp = (a * b).sum((1, 2, 3))
    return float(np.mean(2 * tp / np.maximum(a.sum((1, 2, 3)) + b.sum((1, 2, 3)), 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--weights", default="public/weights")
    ap.add_argument("--n-fd", type=int, default=2000, help="samples for the Frechet distance")
    ap.add_argument("--n-small", type=int, default=200, help="samples for the other metrics")
    ap.add_argument("--n-inpaint", type=int, default=100, help="test images per inpainting mask kind")
    ap.add_argument("--n-guided", type=int, default=100, help="samples for each label-guided row (autograd: slow on a CPU)")
    ap.add_argument("--n-sampler", type=int, default=100, help="samples per sampler grid/metric")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--guidance", type=float, default=10.0, help="label-head guidance scale for the guided rows")
    ap.add_argument("--device", default="cpu", help="where the networks run: cpu (default), cuda, or auto")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = devices.pick(args.device)
    t_start = time.time()
    n_fd, n_small = args.n_fd, args.n_small

    ck = devices.load(os.path.join(args.out, "ckpt.pt"))
    cfg = ck["config"]
    model = MTDiffusion(cfg)
    model.load_state_dict(ck["ema"])
    model.eval()
    model32 = MTDiffusion(cfg)
    model32.load_state_dict(ck["ema"])
    model32.eval()
    round_to_fp16_(model)                      # evaluate exactly what ships (float16 weights)
    model, model32 = devices.OnDevice(model, dev), devices.OnDevice(model32, dev)
    tables = Tables(cfg["schedule"], cfg["drift"])
    judge = Judge(args.out, dev)
    te_u8, te_y = load_split("t10k")
    tr_u8, _ = load_split("train")
    _, hold_idx = holdout_split(len(tr_u8), ck["args"]["seed"])
    x_test = torch.from_numpy(to_model_space(te_u8))
    f_test = judge.features(x_test)
    rep_test = judge.representation(x_test)
    report = {"trainingSteps": ck["step"], "batch": ck["args"]["batch"],
              "trainingDevice": ck["args"].get("device", "cpu"), "evalDevice": str(dev), "parameters":
              sum(p.numel() for p in model.parameters()), "independentClassifierTestAccuracy": judge.test_accuracy}
    grids = os.path.join(args.weights, "grids")
    os.makedirs(grids, exist_ok=True)
    log = lambda *a: print(f"[{time.time() - t_start:6.0f}s]", *a, flush=True)  # noqa: E731

    def run(n, cond_fn, m=model, **kw):
        return batched(lambda s, c: sample(m, tables, c, cond_fn(s, c), seed=args.seed * 100003 + s, **kw), n, BS)

    # 1. Frechet distance (independent classifier features), joint image-label generation, DDIM 50.
    joint = run(n_fd, lambda s, c: Conditions(generate={"label"}), sampler="ddim", steps=50)
    f_joint = judge.features(joint["image"])
    hold = torch.from_numpy(to_model_space(tr_u8[hold_idx[:n_fd]]))
    report["frechetDistance"] = {
        "samplesVsTest": frechet(f_joint, f_test), "heldOutRealVsTest_floor": frechet(judge.features(hold), f_test),
        "samples": n_fd, "sampler": "DDIM 50 steps, eta 0, joint image-label"}
    pred = judge.predict(joint["image"])
    gen_label = joint["label_probs"].argmax(1).numpy()
    report["jointImageLabel"] = {"agreement": float((pred == gen_label).mean()), "goal": 0.90, "samples": n_fd,
                                 "generatedLabelHistogram": np.bincount(gen_label, minlength=10).tolist()}
    save_grid(joint["image"][:64], os.path.join(grids, "joint_ddim50.png"), 8,
              [CLASS_NAMES[i] for i in gen_label[:64]])
    je = run(n_small, lambda s, c: Conditions(generate={"label"}, x0_from="eps"), sampler="ddim", steps=50)
    report["jointImageLabel"]["x0FromEpsHead"] = {
        "agreement": float((judge.predict(je["image"]) == je["label_probs"].argmax(1).numpy()).mean()),
        "frechetDistance": frechet(judge.features(je["image"]), f_test), "samples": n_small}
    log("joint, x0 from the eps head", report["jointImageLabel"]["x0FromEpsHead"])
    log("joint", report["frechetDistance"], report["jointImageLabel"]["agreement"])

    # 2. Class-conditional generation: drift conditioning alone, and with the label head's guidance.
    cc_rows = {}
    for name, lg, src in (("driftOnly", 0.0, "masked"), ("withLabelGuidance", args.guidance, "masked"),
                          ("x0FromEpsHead", 0.0, "eps")):
        cls = torch.arange(10).repeat_interleave((args.n_guided if lg > 0 else n_small) // 10)
        cc = run(len(cls), lambda s, c: Conditions(label=cls[s:s + c], label_guidance=lg, x0_from=src),
                 sampler="ddim", steps=50)
        cc_pred = judge.predict(cc["image"])
        cc_rows[name] = {"accuracy": float((cc_pred == cls.numpy()).mean()), "guidanceScale": lg, "x0From": src,
                         "samples": len(cls),
                         "frechetDistance": frechet(judge.features(cc["image"]), f_test),
                         "perClass": [float((cc_pred[cls.numpy() == k] == k).mean()) for k in range(10)]}
        sel = torch.cat([torch.nonzero(cls == k)[:8, 0] for k in range(10)])
        save_grid(cc["image"][sel], os.path.join(grids, f"class_conditional_{name}.png"), 8,
                  [CLASS_NAMES[int(cls[i])] for i in sel])
        log("class-conditional", name, cc_rows[name]["accuracy"])
    report["classConditional"] = {"accuracy": cc_rows["driftOnly"]["accuracy"], "goal": 0.90,
                                  "samples": cc_rows["driftOnly"]["samples"], "sampler": "DDIM 50 steps, eta 0", **cc_rows}
    jg = run(args.n_guided, lambda s, c: Conditions(generate={"label"}, label_guidance=args.guidance),
             sampler="ddim", steps=50)
    report["jointImageLabel"]["withLabelGuidance"] = {
        "agreement": float((judge.predict(jg["image"]) == jg["label_probs"].argmax(1).numpy()).mean()),
        "guidanceScale": args.guidance, "samples": args.n_guided,
        "frechetDistance": frechet(judge.features(jg["image"]), f_test)}
    save_grid(jg["image"][:64], os.path.join(grids, "joint_guided_ddim50.png"), 8,
              [CLASS_NAMES[i] for i in jg["label_probs"].argmax(1).numpy()[:64]])
    log("joint guided", report["jointImageLabel"]["withLabelGuidance"])

    # 3. Samplers: grids for each sampler the UI offers (DDPM 1000 included).
    samplers = {}
    for name, kw in {"ddpm1000": dict(sampler="ddpm", steps=1000), "ddpm100": dict(sampler="ddpm", steps=100),
                     "ddim50": dict(sampler="ddim", steps=50), "ddim20": dict(sampler="ddim", steps=20),
                     "ddim50_eta1": dict(sampler="ddim", steps=50, eta=1.0),
                     "ddim50_x0FromEpsHead": dict(sampler="ddim", steps=50, x0_from="eps")}.items():
        n = min(32, args.n_sampler) if name == "ddpm1000" else args.n_sampler
        src = kw.pop("x0_from", "masked")
        r = run(n, lambda s, c: Conditions(x0_from=src), **kw)
        save_grid(r["image"][:64], os.path.join(grids, f"unconditional_{name}.png"), 8)
        u8 = to_uint8(r["image"])
        samplers[name] = {"samples": n, "frechetDistance": frechet(judge.features(r["image"]), f_test) if n >= 100 else None,
                          "saturatedFraction": float(((u8 > 250).mean((1, 2)) > 0.5).mean()),
                          "blankFraction": float(((u8 > 30).mean((1, 2)) < 0.02).mean())}
        log("sampler", name, samplers[name])
    report["unconditionalSamplers"] = samplers

    # 4. Label head as a noise-aware classifier of (noised) test images, no drift (label absent).
    acc_t, n_label = {}, min(len(x_test), 5 * n_fd // 2)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for t in [0, 50, 100, 200, 300, 400, 500, 600, 800, 1000]:
            ab = float(tables.alpha_bar[t])
            correct = 0
            for i in range(0, n_label, 1000):
                j = min(i + 1000, n_label)
                xb = x_test[i:j]
                z = ab ** 0.5 * xb + (1 - ab) ** 0.5 * torch.randn(xb.shape, generator=g)
                correct += (model(z, torch.full((len(xb),), t))["label"].argmax(1).numpy() == te_y[i:j]).sum()
            acc_t[str(t)] = float(correct / n_label)
    report["labelHeadAccuracy"] = {"atT0": acc_t["0"], "goal": 0.90, "overT": acc_t, "images": n_label}
    log("label head", acc_t)

    # 5. Masked-image generation (inpainting) on test images: box, stroke, half masks.
    rng = np.random.default_rng(11)
    idx = rng.choice(len(te_u8), args.n_inpaint, replace=False)
    xm = x_test[idx]
    mean_image = torch.from_numpy(to_model_space(tr_u8)).mean(0, keepdim=True)
    masks = {"box": np.stack([np.pad(MaskBank.box(rng), 2)[None] for _ in idx]),
             "stroke": np.stack([np.pad(MaskBank.strokes(rng), 2)[None] for _ in idx]),
             "half": np.stack([np.pad(MaskBank.half(int(k) % 4), 2)[None] for k in range(len(idx))])}
    inpaint = {}
    for kind, m_np in masks.items():
        m = torch.from_numpy(m_np.astype(np.float32))
        inner = torch.zeros_like(m)
        inner[:, :, 2:30, 2:30] = 1
        hidden = (1 - m) * inner
        mse = lambda img: float((((img - xm) ** 2) * hidden).sum() / hidden.sum())  # noqa: E731
        mt = run(len(idx), lambda s, c: Conditions(masked=(xm[s:s + c], m[s:s + c])), sampler="ddim", steps=50)
        mt_paste = run(len(idx), lambda s, c: Conditions(masked=(xm[s:s + c], m[s:s + c]), paste=True),
                       sampler="ddim", steps=50)
        mt_eps = run(len(idx), lambda s, c: Conditions(masked=(xm[s:s + c], m[s:s + c]), x0_from="eps"),
                     sampler="ddim", steps=50)
        paste = run(len(idx), lambda s, c: Conditions(masked=(xm[s:s + c], m[s:s + c]), paste=True, masked_drift=False),
                    sampler="ddim", steps=50)
        mean_fill = m * xm + (1 - m) * mean_image
        visible = m * inner
        inpaint[kind] = {
            "mseHidden": {"mtDiffusion": mse(mt["image"]), "mtDiffusionWithPaste": mse(mt_paste["image"]),
                          "mtDiffusionX0FromEpsHead": mse(mt_eps["image"]),
                          "baselineUnconditionalPaste": mse(paste["image"]),
                          "baselineMeanImage": mse(mean_fill)},
            "visibleMaxAbsChange": float(((mt["image"] - xm).abs() * visible).max()),
            "hiddenFraction": float(hidden.sum() / inner.sum()), "images": len(idx)}
        k8 = slice(0, 8)
        save_grid(torch.cat([xm[k8], m[k8] * xm[k8] + (1 - m[k8]) * 0.0, mt["image"][k8], paste["image"][k8]]),
                  os.path.join(grids, f"inpaint_{kind}.png"), 8)
        log("inpaint", kind, inpaint[kind])
    report["maskedImage"] = {**inpaint, "grids": "rows: original, masked (hidden = grey), MT-Diffusion, paste baseline",
                             "sampler": "DDIM 50 steps; MT-Diffusion = masked drift, x0 from the masked-image head; "
                                        "baseline = same model and sampler without the masked drift, pasting the "
                                        "visible pixels each step"}

    # 6. Image transition: sketch-conditioned generation (edge agreement), vs unconditional baseline.
    sk = torch.from_numpy(sketch_of(te_u8[idx]))
    sc = run(len(idx), lambda s, c: Conditions(sketch=sk[s:s + c]), sampler="ddim", steps=50)
    unc = run(len(idx), lambda s, c: Conditions(), sampler="ddim", steps=50)
    sk_np = sk.numpy()
    report["sketchConditioned"] = {
        "edgeF1": edge_f1(sk_np, sketch_of(to_uint8(sc["image"]))),
        "baselineUnconditionalEdgeF1": edge_f1(sk_np, sketch_of(to_uint8(unc["image"]))),
        "floorRealImageEdgeF1": 1.0, "images": len(idx)}
    save_grid(torch.cat([xm[:8], sk[:8] * 2 - 1, sc["image"][:8]]), os.path.join(grids, "sketch_to_image.png"), 8)
    log("sketch", report["sketchConditioned"])

    # 7. Representation-conditioned generation: distance from the requested representation.
    req = torch.from_numpy(rep_test[idx])
    rc = run(len(idx), lambda s, c: Conditions(repr=req[s:s + c]), sampler="ddim", steps=50)
    dist = lambda x: float(np.linalg.norm(judge.representation(x) - req.numpy(), axis=1).mean())  # noqa: E731
    shuffled = req.numpy()[np.random.default_rng(3).permutation(len(idx))]
    report["representationConditioned"] = {
        "meanDistance": dist(rc["image"]), "baselineUnconditional": dist(unc["image"]),
        "baselineRandomTestImage": float(np.linalg.norm(shuffled - req.numpy(), axis=1).mean()),
        "dim": cfg["representation"]["dim"], "images": len(idx)}
    save_grid(torch.cat([xm[:8], rc["image"][:8]]), os.path.join(grids, "representation_conditioned.png"), 8)
    log("repr", report["representationConditioned"])

    # 8. float16 vs float32 weights: same noise, same sampler.
    j32 = run(n_small, lambda s, c: Conditions(generate={"label"}), m=model32, sampler="ddim", steps=50)
    j16 = {k: v[:n_small] for k, v in joint.items()}
    report["float16VsFloat32"] = {
        "maxAbsPixelDiff": float((j32["image"] - j16["image"]).abs().max()),
        "meanAbsPixelDiff": float((j32["image"] - j16["image"]).abs().mean()),
        "jointAgreementFloat32": float((judge.predict(j32["image"]) == j32["label_probs"].argmax(1).numpy()).mean()),
        "jointAgreementFloat16": float((judge.predict(j16["image"]) == j16["label_probs"].argmax(1).numpy()).mean()),
        "frechetFloat32": frechet(judge.features(j32["image"]), f_test),
        "frechetFloat16": frechet(f_joint[:n_small], f_test), "samples": n_small}
    log("fp16", report["float16VsFloat32"])
    report["evalSeconds"] = round(time.time() - t_start)
    with open(os.path.join(args.weights, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    from model_card import write_model_card
    write_model_card(report, cfg, os.path.join(args.weights, "README.md"))
    log("wrote", os.path.join(args.weights, "report.json"))


if __name__ == "__main__":
    main()

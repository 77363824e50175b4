"""Evaluate the exported MT-Diffusion model; write public/weights/report.json, README.md and grids.

Every figure is measured on the Fashion-MNIST test split with the independent classifier
(train_classifier.py), never with the diffusion model's own label head. Generation metrics use n >= 1,000
samples (the Frechet distance of joint samples n = 2,000), each Frechet distance beside the floor of the
same number of held-out real images, and each headline beside its goal and the previous weights' value
(read from the report.json being replaced).
  --quick: n = 200, Frechet n = 500, DDIM 20: minutes instead of most of an hour, for development.
  --quality-vs-nfe: only the quality curve of every sampler (QUALITY_LINES) at --quality-nfe budgets: class-
  conditional Frechet distance and accuracy, n = --quality-n; resumable (each point is kept in
  <out>/quality_vs_nfe.json as it finishes) and merged into report.json's "qualityVsNfe" after every point.
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
from mtd.classifier import Classifier  # noqa: E402
from mtd.data import CLASS_NAMES, MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.model import MTDiffusion  # noqa: E402
from mtd.coefficients import SAMPLER_TITLES, model_evaluations, steps_for_evaluations  # noqa: E402
from mtd.sampling import SAMPLING_DEFAULTS, Conditions, batched, sample, to_uint8  # noqa: E402
from mtd.schedule import Tables  # noqa: E402
from train import holdout_split  # noqa: E402
from export import round_to_fp16_  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

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


def chi_square(labels: np.ndarray, classes: int = 10) -> float:
    """Pearson chi^2 of a label histogram against the uniform distribution (9 degrees of freedom)."""
    counts = np.bincount(labels, minlength=classes)
    expected = len(labels) / classes
    return float(((counts - expected) ** 2 / expected).sum())


def edge_f1(a: np.ndarray, b: np.ndarray) -> float:
    """F1 of edge pixels of two {0,1} maps, averaged over the batch."""
    tp = (a * b).sum((1, 2, 3))
    return float(np.mean(2 * tp / np.maximum(a.sum((1, 2, 3)) + b.sum((1, 2, 3)), 1)))


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


def headline_of(r: dict) -> dict:
    """The figures the goals table compares, from a report of this or the previous format."""
    if "headline" in r:
        return r["headline"]
    out = {}
    try:  # the first weights' report.json (before n >= 1,000): its keys, where they exist
        out["jointFrechetRatio"] = r["frechetDistance"]["samplesVsTest"] / r["frechetDistance"]["heldOutRealVsTest_floor"]
        out["jointAgreement"] = r["jointImageLabel"]["agreement"]
        out["jointChi2"] = chi_square(np.repeat(np.arange(10), r["jointImageLabel"]["generatedLabelHistogram"]))
        out["classAccuracy"] = r["classConditional"]["driftOnly"]["accuracy"]
        out["classFrechetRatio"] = r["classConditional"]["driftOnly"]["frechetDistance"] / r["frechetDistance"]["heldOutRealVsTest_floor"]
        out["sketchEdgeF1"] = r["sketchConditioned"]["edgeF1"]
        for kind in ("box", "stroke"):
            m = r["maskedImage"][kind]["mseHidden"]
            out[f"{kind}MseDriftOnly"] = m["mtDiffusion"]
            out[f"{kind}MseUncondPaste"] = m["baselineUnconditionalPaste"]
        out["reprDistance"] = r["representationConditioned"]["meanDistance"]
        out["labelHeadT0"] = r["labelHeadAccuracy"]["atT0"]
    except (KeyError, TypeError, ZeroDivisionError):
        pass
    return out


# The quality curve's lines: each sampler as the playground offers it. DDPM and DDIM on trailing timesteps;
# Euler and Euler a on Karras timesteps (on trailing ones Euler is DDIM(0) and Euler a(eta) is DDIM(eta) exactly,
# coefficients.py); Heun and DPM-Solver++(2M) on both (QUALITY_DEFAULT_LINES: the ones measured by default).
# DDPM also at NFE 100 (it is the slowest to converge).
QUALITY_LINES = (
    {"id": "ddpm", "sampler": "ddpm", "eta": 0.0, "spacing": "trailing", "extraNfe": (100,)},
    {"id": "ddim", "sampler": "ddim", "eta": 0.0, "spacing": "trailing"},
    {"id": "euler-karras", "sampler": "euler", "eta": 0.0, "spacing": "karras"},
    {"id": "euler_a-karras", "sampler": "euler_a", "eta": 1.0, "spacing": "karras"},
    {"id": "heun", "sampler": "heun", "eta": 0.0, "spacing": "trailing"},
    {"id": "heun-karras", "sampler": "heun", "eta": 0.0, "spacing": "karras"},
    {"id": "dpmpp_2m", "sampler": "dpmpp_2m", "eta": 0.0, "spacing": "trailing"},
    {"id": "dpmpp_2m-karras", "sampler": "dpmpp_2m", "eta": 0.0, "spacing": "karras"},
)
QUALITY_DEFAULT_LINES = "ddpm,ddim,euler-karras,euler_a-karras,heun,heun-karras,dpmpp_2m,dpmpp_2m-karras"
QUALITY_NFE = (5, 10, 20, 50)


def quality_points(lines, budgets):
    """(line, nfe budget, steps) in the order they are measured: cheapest budgets first, so a cut-short run
    still has whole low-NFE columns."""
    pts = [(line, nfe, steps_for_evaluations(line["sampler"], nfe))
           for line in lines for nfe in (*budgets, *[b for b in line.get("extraNfe", ()) if b > max(budgets)])]
    return sorted(pts, key=lambda p: p[1])


def quality_report(lines, done: dict, meta: dict) -> dict:
    """report.json's "qualityVsNfe": per line its measured points, NFE ascending."""
    out_lines = []
    for line in lines:
        pts = sorted((v for k, v in done.items() if k.split("@")[0] == line["id"]), key=lambda v: v["nfe"])
        if pts:
            out_lines.append({"id": line["id"], "sampler": line["sampler"], "eta": line["eta"], "spacing": line["spacing"],
                              "title": SAMPLER_TITLES[line["sampler"]], "points": pts})
    return {**meta, "lines": out_lines}


def quality_vs_nfe(args, model, tables, report_path, log):
    """Class-conditional samples (n/10 per class, the same classes and seeds for every line and budget) of every
    sampler line at every NFE budget, scored with the independent classifier: the Frechet distance (its features,
    against the test split) beside the floor of n held-out real images, and its accuracy on the asked class.
    Sampling does not need the classifier: each point's images are kept in <out>/quality/ and scored as soon as
    <out>/classifier.pt exists (train_classifier.py may still be running), so a run can start at once and resume."""
    n = args.quality_n
    if n < 10 or n % 10:
        raise SystemExit(f"--quality-n must be a positive multiple of 10 (n/10 samples per class), got {n}")
    budgets = tuple(int(b) for b in args.quality_nfe.split(","))
    known = {ln["id"] for ln in QUALITY_LINES}
    asked = args.quality_lines.split(",")
    if not set(asked) <= known:
        raise SystemExit(f"--quality-lines: unknown {sorted(set(asked) - known)}; valid: {', '.join(sorted(known))}")
    lines = [next(ln for ln in QUALITY_LINES if ln["id"] == a) for a in asked]   # in the order asked
    want = torch.arange(10).repeat_interleave(n // 10)
    dg = args.quality_drift_guidance
    image_dir = os.path.join(args.out, "quality", f"n{n}-dg{dg:g}")
    os.makedirs(image_dir, exist_ok=True)
    partial_path = os.path.join(args.out, "quality_vs_nfe.json")
    done = {}
    if os.path.exists(partial_path):
        saved = json.load(open(partial_path))
        if saved.get("n") == n and saved.get("driftGuidance") == dg:
            done = saved["points"]
            log(f"quality: resuming, {len(done)} points already scored in {partial_path}")
    scorer = {}

    def score_ready():
        """Scores every kept point without a score, once the classifier exists; writes both JSON files."""
        if not os.path.exists(os.path.join(args.out, "representation.npz")):
            return
        if not scorer:
            judge = Judge(args.out, args.dev)
            te_u8, _ = load_split("t10k")
            tr_u8, _ = load_split("train")
            _, hold_idx = holdout_split(len(tr_u8), args.holdout_seed)
            f_test = judge.features(torch.from_numpy(to_model_space(te_u8)))
            floor = frechet(judge.features(torch.from_numpy(to_model_space(tr_u8[hold_idx[:n]]))), f_test)
            scorer.update(judge=judge, f_test=f_test, floor=floor)
            log(f"quality: classifier loaded (test accuracy {judge.test_accuracy:.4f}), floor at n = {n}: {floor:.2f}")
        judge, f_test, floor = scorer["judge"], scorer["f_test"], scorer["floor"]
        if os.path.exists(partial_path):   # another process of the same curve may have scored points meanwhile
            saved = json.load(open(partial_path))
            if saved.get("n") == n and saved.get("driftGuidance") == dg:
                done.update({k: v for k, v in saved["points"].items() if k not in done})
        changed = False
        for name in sorted(os.listdir(image_dir)):
            key = name[:-3]
            if not name.endswith(".pt") or key in done:
                continue
            kept = torch.load(os.path.join(image_dir, name))
            images = kept["images"].float()
            value = frechet(judge.features(images), f_test)
            done[key] = {**kept["meta"], "frechetDistance": value, "ratioToFloor": value / floor,
                         "accuracy": float((judge.predict(images) == want.numpy()).mean())}
            log(f"quality {key}: steps {kept['meta']['steps']}, NFE {kept['meta']['evaluations']}, FD {value:.2f} "
                f"(floor {floor:.2f}), accuracy {done[key]['accuracy']:.3f}")
            changed = True
        if not changed and not args.quality_score_only:
            return
        meta = {"n": n, "mode": "class-conditional", "driftGuidance": dg, "x0From": "masked", "clipX0": True,
                "floor": floor, "classifierTestAccuracy": judge.test_accuracy, "nfeBudgets": list(budgets),
                "command": "training/eval.py --quality-vs-nfe" + (f" --quality-n {n}" if n != 1000 else ""),
                "note": "NFE = model evaluations (Heun: 2 per step but the last, so the largest step count within the "
                        "budget); Frechet distance on the independent classifier's features against the test split, "
                        "floor = n held-out real images; the same classes and seeds for every point."}
        tmp = partial_path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump({"n": n, "driftGuidance": dg, "points": done}, fh, indent=1)
        os.replace(tmp, partial_path)
        report = json.load(open(report_path)) if os.path.exists(report_path) else {}
        report["qualityVsNfe"] = quality_report(QUALITY_LINES, done, meta)
        with open(report_path + ".tmp", "w") as fh:
            json.dump(report, fh, indent=1)
        os.replace(report_path + ".tmp", report_path)

    score_ready()
    if args.quality_score_only:
        return done
    for line, nfe, steps in quality_points(lines, budgets):
        key = f"{line['id']}@{nfe}"
        path = os.path.join(image_dir, key + ".pt")
        if key in done or os.path.exists(path):
            continue
        t0 = time.time()
        evaluations = []

        def one(s, c):
            r = sample(model, tables, c, Conditions(label=want[s:s + c], drift_guidance=dg),
                       sampler=line["sampler"], steps=steps, eta=line["eta"], spacing=line["spacing"],
                       seed=args.seed * 100003 + 7 + s)
            evaluations.append(r["evaluations"])
            return r
        out = batched(one, n, args.quality_batch)
        assert evaluations[0] == model_evaluations(line["sampler"], steps) <= nfe
        meta = {"nfe": nfe, "steps": steps, "evaluations": evaluations[0], "seconds": round(time.time() - t0)}
        torch.save({"images": out["image"].half(), "meta": meta}, path + ".tmp")
        os.replace(path + ".tmp", path)
        log(f"quality {key}: sampled {n} in {meta['seconds']} s ({n * evaluations[0] / max(1, meta['seconds']):.1f} evaluations/s)")
        score_ready()
    score_ready()
    return done


def quality_main(args, dev, log):
    """--quality-vs-nfe: the model (the run's checkpoint if --out has one, else the shipped weights, which are
    already float16) and only the quality curve."""
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    if os.path.exists(ckpt_path):
        ck = devices.load(ckpt_path)
        cfg = ck["config"]
        model = MTDiffusion(cfg)
        model.load_state_dict(ck["ema"])
        model.eval()
        round_to_fp16_(model)
        args.holdout_seed = ck["args"]["seed"]
    else:
        from mtd.shipped import load_shipped
        model, cfg, _ = load_shipped(args.weights)
        args.holdout_seed = cfg.get("seed", 0)
        log(f"quality: no {ckpt_path}; using the shipped weights in {args.weights}")
    args.dev = dev
    model = devices.OnDevice(model, dev)
    quality_vs_nfe(args, model, Tables(cfg["schedule"], cfg["drift"]), os.path.join(args.weights, "report.json"), log)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="training/runs/main")
    ap.add_argument("--weights", default="public/weights")
    ap.add_argument("--quick", action="store_true", help="n 200, Frechet n 500, DDIM 20 (development)")
    ap.add_argument("--n", type=int, default=0, help="samples per generation metric (default 1000; --quick 200)")
    ap.add_argument("--n-fd", type=int, default=0, help="joint samples for the Frechet distance (default 2000)")
    ap.add_argument("--n-guided", type=int, default=200, help="samples per label-guided row (autograd: slow on a CPU)")
    ap.add_argument("--steps", type=int, default=0, help="DDIM steps (default 50; --quick 20)")
    ap.add_argument("--n-sampler", type=int, default=200, help="samples per extra sampler grid (DDIM 50, eta 1, DDPM)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label-guidance", type=float, default=10.0, help="label-head guidance scale of the guided rows")
    ap.add_argument("--device", default="cpu", help="where the networks run: cpu (default), cuda, or auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quality-vs-nfe", action="store_true", help="only the quality-versus-NFE curve of every sampler")
    ap.add_argument("--quality-n", type=int, default=1000, help="samples per quality point (default 1000)")
    ap.add_argument("--quality-nfe", default=",".join(map(str, QUALITY_NFE)), help="NFE budgets (default 5,10,20,50)")
    ap.add_argument("--quality-lines", default=QUALITY_DEFAULT_LINES, help="comma-separated QUALITY_LINES ids")
    ap.add_argument("--quality-score-only", action="store_true",
                    help="only score the kept quality images and rewrite report.json's qualityVsNfe (no sampling)")
    ap.add_argument("--quality-batch", type=int, default=100, help="samples per batch of the quality curve (default 100)")
    ap.add_argument("--quality-drift-guidance", type=float, default=0.0,
                    help="drift guidance of the quality samples (default 0: the samplers alone; > 0 doubles the forwards)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = devices.pick(args.device)
    t_start = time.time()
    n = args.n or (200 if args.quick else 1000)
    n_fd = args.n_fd or (500 if args.quick else 2000)
    steps = args.steps or (20 if args.quick else 50)
    dflt = SAMPLING_DEFAULTS
    log = lambda *a: print(f"[{time.time() - t_start:6.0f}s]", *a, flush=True)  # noqa: E731
    if args.quality_vs_nfe:
        return quality_main(args, dev, log)

    ck = devices.load(os.path.join(args.out, "ckpt.pt"))
    cfg = ck["config"]
    model, model32 = MTDiffusion(cfg), MTDiffusion(cfg)
    model.load_state_dict(ck["ema"])
    model32.load_state_dict(ck["ema"])
    model.eval(), model32.eval()
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
    f_hold = judge.features(torch.from_numpy(to_model_space(tr_u8[hold_idx[:max(n, n_fd)]])))
    floor = {k: frechet(f_hold[:k], f_test) for k in sorted({n, n_fd})}   # the same number of real images
    report_path = os.path.join(args.weights, "report.json")
    previous = headline_of(json.load(open(report_path))) if os.path.exists(report_path) else {}
    report = {"format": "mt-diffusion-report/2", "trainingSteps": ck["step"], "batch": ck["args"]["batch"],
              "trainingDevice": ck["args"].get("device", "cpu"), "evalDevice": str(dev),
              "parameters": sum(p.numel() for p in model.parameters()),
              "independentClassifierTestAccuracy": judge.test_accuracy, "quick": args.quick,
              "n": n, "nFrechet": n_fd, "sampler": f"DDIM {steps} steps, eta 0, x0 from the masked-image head",
              "samplingDefaults": dflt, "frechetFloor": {str(k): v for k, v in floor.items()}}
    grids = os.path.join(args.weights, "grids")
    os.makedirs(grids, exist_ok=True)

    def run(count, cond_fn, m=model, seed_base=0, **kw):
        kw.setdefault("sampler", "ddim")
        kw.setdefault("steps", steps)
        return batched(lambda s, c: sample(m, tables, c, cond_fn(s, c), seed=args.seed * 100003 + seed_base + s, **kw),
                       count, BS)

    def fd(images):
        f = judge.features(images)
        value = frechet(f, f_test)
        return {"frechetDistance": value, "floor": floor[len(images)] if len(images) in floor else None,
                "ratioToFloor": value / floor[len(images)] if len(images) in floor else None}

    # 1. Joint image-label generation: agreement, label balance, Frechet distance.
    jw, commit = dflt["driftGuidance"]["joint"], dflt["labelCommit"]
    joint = run(n_fd, lambda s, c: Conditions(generate={"label"}, drift_guidance=jw, label_commit=commit))
    gen = joint["label_probs"].argmax(1).numpy()
    report["joint"] = {"samples": n_fd, "driftGuidance": jw, "labelCommit": commit,
                       "agreement": float((judge.predict(joint["image"]) == gen).mean()),
                       "chi2": chi_square(gen), "histogram": np.bincount(gen, minlength=10).tolist(), **fd(joint["image"])}
    save_grid(joint["image"][:64], os.path.join(grids, "joint.png"), 8, [CLASS_NAMES[i] for i in gen[:64]])
    old = run(n, lambda s, c: Conditions(generate={"label"}))
    g_old = old["label_probs"].argmax(1).numpy()
    report["joint"]["alwaysCommitNoGuidance"] = {"samples": n, "agreement": float((judge.predict(old["image"]) == g_old).mean()),
                                                "chi2": chi_square(g_old), "histogram": np.bincount(g_old, minlength=10).tolist()}
    log("joint", report["joint"])

    # 2. Class-conditional generation: drift only, with drift guidance, with label-head guidance.
    cls = torch.arange(10).repeat_interleave(n // 10)
    cc_rows = {}
    for name, kw, count in (("driftOnly", {}, len(cls)),
                            ("driftGuidance", {"drift_guidance": dflt["driftGuidance"]["class"]}, len(cls)),
                            ("labelGuidance", {"label_guidance": args.label_guidance}, min(len(cls), args.n_guided))):
        if name == "driftGuidance" and kw["drift_guidance"] == 0:
            continue
        want = cls if count == len(cls) else torch.arange(10).repeat_interleave(count // 10)
        out = run(len(want), lambda s, c: Conditions(label=want[s:s + c], **kw), seed_base=7)
        pred = judge.predict(out["image"])
        cc_rows[name] = {"samples": len(want), **{k: v for k, v in kw.items()},
                         "accuracy": float((pred == want.numpy()).mean()),
                         "perClass": [float((pred[want.numpy() == k] == k).mean()) for k in range(10)], **fd(out["image"])}
        sel = torch.cat([torch.nonzero(want == k)[:8, 0] for k in range(10)])
        save_grid(out["image"][sel], os.path.join(grids, f"class_conditional_{name}.png"), 8,
                  [CLASS_NAMES[int(want[i])] for i in sel])
        log("class-conditional", name, cc_rows[name]["accuracy"])
    report["classConditional"] = cc_rows

    # 3. The label head as a noise-aware classifier of noised test images (no label drift).
    acc_t, g = {}, torch.Generator().manual_seed(5)
    with torch.no_grad():
        for t in [0, 50, 100, 200, 300, 400, 500, 600, 800, 1000]:
            ab = float(tables.alpha_bar[t])
            correct = 0
            for i in range(0, 5000, 1000):
                xb = x_test[i:i + 1000]
                z = ab ** 0.5 * xb + (1 - ab) ** 0.5 * torch.randn(xb.shape, generator=g)
                correct += (model(z, torch.full((len(xb),), t))["label"].argmax(1).numpy() == te_y[i:i + 1000]).sum()
            acc_t[str(t)] = float(correct / 5000)
    report["labelHead"] = {"atT0": acc_t["0"], "overT": acc_t, "images": 5000}

    # 4. Masked-image generation (inpainting) on n test images per mask kind.
    rng = np.random.default_rng(11)
    idx = rng.choice(len(te_u8), n, replace=False)
    xm, ym = x_test[idx], te_y[idx]
    masks = {"box": np.stack([np.pad(MaskBank.box(rng), 2)[None] for _ in idx]),
             "stroke": np.stack([np.pad(MaskBank.strokes(rng), 2)[None] for _ in idx]),
             "half": np.stack([np.pad(MaskBank.half(int(k) % 4), 2)[None] for k in range(n)])}
    iw = dflt["driftGuidance"]["inpaint"]
    report["inpaint"] = {"originalsClassifierAccuracy": float((judge.predict(xm) == ym).mean()), "driftGuidance": iw}
    for kind, m_np in masks.items():
        m = torch.from_numpy(m_np.astype(np.float32))
        inner = torch.zeros_like(m)
        inner[:, :, 2:30, 2:30] = 1
        hidden = (1 - m) * inner
        mse = lambda img: float((((img - xm) ** 2) * hidden).sum() / hidden.sum())  # noqa: E731
        mk = lambda s, c: (xm[s:s + c], m[s:s + c])  # noqa: E731
        rows = {"driftOnly": run(n, lambda s, c: Conditions(masked=mk(s, c), drift_guidance=iw)),
                "driftPaste": run(n, lambda s, c: Conditions(masked=mk(s, c), paste=True, drift_guidance=iw)),
                "uncondPaste": run(n, lambda s, c: Conditions(masked=mk(s, c), paste=True, masked_drift=False))}
        report["inpaint"][kind] = {
            "images": n, "hiddenFraction": float(hidden.sum() / inner.sum()),
            "mseHidden": {k: mse(v["image"]) for k, v in rows.items()},
            "classifierAccuracy": {k: float((judge.predict(v["image"]) == ym).mean()) for k, v in rows.items()},
            "visibleMaxAbsChange": float(((rows["driftOnly"]["image"] - xm).abs() * m * inner).max())}
        k8 = slice(0, 8)
        save_grid(torch.cat([xm[k8], m[k8] * xm[k8], rows["driftOnly"]["image"][k8], rows["driftPaste"]["image"][k8],
                             rows["uncondPaste"]["image"][k8]]), os.path.join(grids, f"inpaint_{kind}.png"), 8)
        log("inpaint", kind, report["inpaint"][kind])

    # 5. Image transition: sketch -> image; edge F1 against the sketch, class agreement with its source.
    sk = torch.from_numpy(sketch_of(te_u8[idx]))
    unc = run(n, lambda s, c: Conditions(), seed_base=13)
    report["sketch"] = {"images": n, "unconditionalEdgeF1": edge_f1(sk.numpy(), sketch_of(to_uint8(unc["image"]))),
                        "unconditionalClassAgreement": float((judge.predict(unc["image"]) == ym).mean())}
    for name, w in (("driftOnly", 0.0), ("driftGuidance", dflt["driftGuidance"]["sketch"])):
        if name == "driftGuidance" and w == 0:
            continue
        sc = run(n, lambda s, c: Conditions(sketch=sk[s:s + c], drift_guidance=w), seed_base=13)
        report["sketch"][name] = {"driftGuidance": w, "edgeF1": edge_f1(sk.numpy(), sketch_of(to_uint8(sc["image"]))),
                                  "classAgreement": float((judge.predict(sc["image"]) == ym).mean())}
        save_grid(torch.cat([xm[:8], sk[:8] * 2 - 1, sc["image"][:8], xm[8:16], sk[8:16] * 2 - 1, sc["image"][8:16]]),
                  os.path.join(grids, f"sketch_{name}.png"), 8)
        log("sketch", name, report["sketch"][name])

    # 6. Representation -> image: distance of the result's representation to the requested one.
    req = torch.from_numpy(rep_test[idx])
    rw = dflt["driftGuidance"]["repr"]
    rc = run(n, lambda s, c: Conditions(repr=req[s:s + c], drift_guidance=rw), seed_base=13)
    dist = lambda x: float(np.linalg.norm(judge.representation(x) - req.numpy(), axis=1).mean())  # noqa: E731
    report["repr"] = {"images": n, "driftGuidance": rw, "meanDistance": dist(rc["image"]),
                      "unconditional": dist(unc["image"]),
                      "randomTestImage": float(np.linalg.norm(req.numpy()[np.random.default_rng(3).permutation(n)]
                                                              - req.numpy(), axis=1).mean())}
    save_grid(torch.cat([xm[:8], rc["image"][:8]]), os.path.join(grids, "representation_conditioned.png"), 8)
    log("repr", report["repr"])

    # 7. Unconditional samplers.
    # The evaluation's own sampler reuses the unconditional samples above (n, with a Frechet distance); the
    # others are grids and saturation checks on --n-sampler samples (no Frechet distance below n = 1,000).
    samplers = {}
    k = args.n_sampler
    for name, kw, count in ((f"ddim{steps}", dict(steps=steps), n), ("ddim50", dict(steps=50), k),
                            ("ddim50_eta1", dict(steps=50, eta=1.0), k), ("ddpm100", dict(sampler="ddpm", steps=100), k),
                            ("ddpm1000", dict(sampler="ddpm", steps=1000), min(32, k))):
        if name in samplers or (args.quick and name != f"ddim{steps}"):
            continue
        r = unc if name == f"ddim{steps}" else run(count, lambda s, c: Conditions(), seed_base=13, **kw)
        save_grid(r["image"][:64], os.path.join(grids, f"unconditional_{name}.png"), 8)
        u8 = to_uint8(r["image"])
        samplers[name] = {"samples": count, **(fd(r["image"]) if count >= 1000 else {}),
                          "saturatedFraction": float(((u8 > 250).mean((1, 2)) > 0.5).mean()),
                          "blankFraction": float(((u8 > 30).mean((1, 2)) < 0.02).mean())}
        log("sampler", name, samplers[name])
    report["unconditionalSamplers"] = samplers

    # 8. float16 vs float32 weights: same noise, same sampler.
    k = min(200, n)
    j32 = run(k, lambda s, c: Conditions(generate={"label"}, drift_guidance=jw, label_commit=commit), m=model32)
    diff = (j32["image"] - joint["image"][:k]).abs()
    report["float16VsFloat32"] = {"samples": k, "maxAbsPixelDiff": float(diff.max()), "meanAbsPixelDiff": float(diff.mean())}

    h = report["joint"]
    ccb = cc_rows.get("driftGuidance", cc_rows["driftOnly"])
    skb = report["sketch"].get("driftGuidance", report["sketch"]["driftOnly"])
    report["headline"] = {
        "sketchClassAgreement": skb["classAgreement"], "sketchEdgeF1": skb["edgeF1"],
        "boxMseDriftOnly": report["inpaint"]["box"]["mseHidden"]["driftOnly"],
        "boxMseUncondPaste": report["inpaint"]["box"]["mseHidden"]["uncondPaste"],
        "strokeMseDriftOnly": report["inpaint"]["stroke"]["mseHidden"]["driftOnly"],
        "strokeMseUncondPaste": report["inpaint"]["stroke"]["mseHidden"]["uncondPaste"],
        "inpaintPasteClassifierAccuracy": float(np.mean([report["inpaint"][k]["classifierAccuracy"]["driftPaste"]
                                                         for k in ("box", "stroke", "half")])),
        "jointAgreement": h["agreement"], "jointChi2": h["chi2"], "jointFrechetRatio": h["ratioToFloor"],
        "classAccuracyDriftOnly": cc_rows["driftOnly"]["accuracy"], "classAccuracy": ccb["accuracy"],
        "classFrechetRatio": ccb["ratioToFloor"],
        "reprDistance": report["repr"]["meanDistance"], "labelHeadT0": report["labelHead"]["atT0"]}
    report["previous"] = previous
    if os.path.exists(report_path) and "qualityVsNfe" in json.load(open(report_path)):   # measured by --quality-vs-nfe
        report["qualityVsNfe"] = json.load(open(report_path))["qualityVsNfe"]
    report["evalSeconds"] = round(time.time() - t_start)
    for extra in ("diagnosis.json", "diagnosisPrevious.json", "ablations.json"):   # written by diagnose.py / ablate.py into the run dir
        path = os.path.join(args.out, extra)
        if os.path.exists(path):
            report[extra[:-5]] = json.load(open(path))
    with open(report_path, "w") as f:
        json.dump(report, f, indent=1)
    from model_card import write_model_card
    write_model_card(report, cfg, os.path.join(args.weights, "README.md"))
    log("wrote", report_path)


if __name__ == "__main__":
    main()

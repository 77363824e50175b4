"""Writes public/weights/README.md (the model card) from report.json: every headline beside its goal and
the previous weights' value, then the diagnosis, the ablations and the details."""
from __future__ import annotations

# (key in report["headline"], what it is, goal text, test(value, previous, headline) -> met?)
GOALS = [
    ("sketchClassAgreement", "Sketch -> image: classifier agrees with the sketch's source image", ">= 85%",
     lambda v, h: v >= 0.85),
    ("sketchEdgeF1", "Sketch -> image: edge F1 against the given sketch", ">= 0.70", lambda v, h: v >= 0.70),
    ("boxMseDriftOnly", "Inpainting, drift only (no paste): hidden MSE, box masks", "< uncond + paste",
     lambda v, h: v < h["boxMseUncondPaste"]),
    ("strokeMseDriftOnly", "Inpainting, drift only (no paste): hidden MSE, stroke masks", "< uncond + paste",
     lambda v, h: v < h["strokeMseUncondPaste"]),
    ("inpaintPasteClassifierAccuracy", "Inpainting, drift + paste: classifier accuracy (box, stroke, half)", ">= 88%",
     lambda v, h: v >= 0.88),
    ("jointAgreement", "Joint: classifier agrees with the generated label", ">= 97%", lambda v, h: v >= 0.97),
    ("jointChi2", "Joint: generated-label chi^2 over 10 classes", "<= 30", lambda v, h: v <= 30),
    ("jointFrechetRatio", "Joint: Frechet distance / real floor", "<= 2", lambda v, h: v <= 2),
    ("classAccuracyDriftOnly", "Class-conditional, drift only: accuracy", ">= 95%", lambda v, h: v >= 0.95),
    ("classAccuracy", "Class-conditional, default settings: accuracy", ">= 95%", lambda v, h: v >= 0.95),
    ("classFrechetRatio", "Class-conditional: Frechet distance / real floor", "<= 2", lambda v, h: v <= 2),
    ("reprDistance", "Representation -> image: distance to the requested representation", "hold (1.30)",
     lambda v, h: v <= 1.30 * 1.05),
    ("labelHeadT0", "Label head on clean test images (t = 0)", "hold (92.7%)", lambda v, h: v >= 0.927 - 0.01),
]
PERCENT = {"sketchClassAgreement", "inpaintPasteClassifierAccuracy", "jointAgreement", "classAccuracyDriftOnly",
           "classAccuracy", "labelHeadT0"}


DIAGNOSIS_READING = [
    "How to read it. The noised test image itself is in z_t, so at t <= 300 every head reads the answer from the image "
    "and a condition adds nothing (given = absent): there the drift kappa_t E is small next to sqrt(abar_t) x_0 and "
    "nothing is lost yet. The conditions matter where the image is drowned, t >= 500, and that is where their "
    "information is lost: kappa_t E competes with noise of variance 1 - abar_t ~ 1, and for the spatial conditions "
    "(masked image, sketch) the conv encoder's output is a smooth, image-like map that the backbone cannot tell apart "
    "from the image. The label (a learned table of 10 patterns, trivially told apart) lifts the masked head's class "
    "accuracy at t = 700 from chance to ~0.57; the sketch lifts edge F1 there by only ~0.19, and at t = 900 by "
    "~0.06: the shape a sketch fixes is decided at t ~ 600-900, where its drift is read worst. The eps head gains "
    "nothing from the sketch at any t and is hurt by the masked image's drift at t >= 500 (its x_0 divides the "
    "error by sqrt(abar_t)), which is why sampling takes x_0 from the masked-image head.",
]

DEPARTURES = [
    "- **x_0 from the masked-image head drives every reverse step**, not the eps head's x_0 = (y_t - sqrt(1 - abar_t) "
    "eps^)/sqrt(abar_t). The diagnosis above shows why: the eps head's x_0 gains little or nothing from a condition's "
    "drift (and with the masked image given it is worse than without at t >= 500), while the masked-image head, "
    "trained on every sample to predict the whole image, does use it. The eps consistent with that x_0 is used for "
    "the update, so the chain is still the paper's on y_t = z_t - c_t.",
    "- **Classifier-free guidance in the common space (drift guidance w).** The paper has none. The unconditional "
    "prediction needs no second model and no dropped-condition training beyond the training mix: it is the same "
    "network on y_t = z_t - c^_t, the state with every modality's drift removed, which is exactly what the network "
    "sees when nothing is given. h~ = h(z_t) + w (h(z_t) - h(y_t)) on the head that drives the update (Ho & "
    "Salimans 2022, eq. 6 with w = 0 off); one more forward per step.",
    "- **Label commitment in joint generation.** The paper feeds the generated label back through its encoder; we "
    "feed the one-hot of the label head's argmax, and only to samples whose head is at least `labelCommit` sure. "
    "Always committing (the first weights' rule) locks in the label head's bias at t ~ T, where it is near chance, "
    "and the drift then makes that guess come true: the class histogram was skewed (chi^2 in the hundreds, Details).",
    "- **w_t and the label encoding**, which the paper leaves open: kappa_t = kappa_max sin(pi t / T) for every "
    "modality (kappa_0 = kappa_T = 0), a learned table of tanh maps for the label, tanh-bounded bias-free encoders "
    "so an absent modality adds exactly 0.",
    "- **Training mix**, which the paper leaves open: each modality is given to a sample independently with the "
    "probabilities above, so the same network sees every combination, 'nothing given' (plain DDPM) included.",
]


def _fmt(key, v):
    if v is None:
        return "n/a"
    return f"{100 * v:.1f}%" if key in PERCENT else f"{v:.3f}"


def _diagnosis(d: dict, prev: dict | None = None) -> list[str]:
    lines = ["## Diagnosis: what each condition's drift adds to the x_0 estimates, over t",
             f"`training/diagnose.py`, {d['n']} noised test images per t, the same noise with and without the modality's "
             "drift (given / absent); x_0 from the masked-image head and from the eps head.", "",
             "| modality (metric) | t | kappa_t | masked head: given / absent | eps head: given / absent |"
             + (" previous weights, masked head |" if prev else ""),
             "|---|---|---|---|---|" + ("---|" if prev else "")]
    for modality, rows in d["rows"].items():
        for i, r in enumerate(rows):
            old = ""
            if prev:
                p = prev["rows"][modality][i]
                old = f" {p['masked_given']:.3f} / {p['masked_absent']:.3f} |"
            lines.append(f"| {modality} ({d['metric'][modality]}) | {r['t']} | {r['kappa']:.3f} | "
                         f"{r['masked_given']:.3f} / {r['masked_absent']:.3f} | {r['eps_given']:.3f} / {r['eps_absent']:.3f} |{old}")
    return lines + ["", *DIAGNOSIS_READING, ""]


def _ablations(a: dict) -> list[str]:
    lines = ["## Ablations (equal compute, same seeds)", a.get("setup", ""), "",
             "| variant | " + " | ".join(a["columns"]) + " |", "|---" * (len(a["columns"]) + 1) + "|"]
    for row in a["rows"]:
        lines.append(f"| {row['variant']} | " + " | ".join(
            "n/a" if row.get(c) is None else (f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]))
            for c in a["columns"]) + " |")
    return lines + [""] + [a.get("conclusion", ""), ""]


def write_model_card(r: dict, cfg: dict, path: str) -> None:
    h, prev = r["headline"], r.get("previous", {})
    tr = cfg.get("training", {})
    carrier = cfg["encoders"].get("carrier")
    lines = [
        "# MT-Diffusion on Fashion-MNIST: model card",
        "",
        "Produced by `npm run train` (training/pipeline.sh); figures written by `training/eval.py` into `report.json`, "
        "measured on the Fashion-MNIST test split with an independent CNN classifier "
        f"(test accuracy {100 * r['independentClassifierTestAccuracy']:.1f}%), never with the model's own heads.",
        f"{'**Quick evaluation (--quick): small n, not for decisions.** ' if r.get('quick') else ''}"
        f"Generation metrics: n = {r['n']} each, joint Frechet distance n = {r['nFrechet']}; {r['sampler']}.",
        "",
        "## Model",
        f"- {r['parameters'] / 1e6:.2f}M parameters: a UNet backbone (channels {cfg['backbone']['channels']}, GroupNorm, "
        "self-attention at 8x8) shared by five heads: eps (image), label, masked image, sketch, representation.",
        f"- Schedule: {cfg['schedule']['type']} beta, T = {cfg['schedule']['T']}; drift kappa_t = "
        f"{cfg['drift']['kappaMax']} sin(pi t / T).",
        "- Spatial encoders (masked image, sketch): " + (
            f"tanh(conv(x)) times a checkerboard carrier of gain {carrier['gain']:g}: g (-1)^(row + col)."
            if carrier else "tanh(conv(x)), no carrier."),
        f"- Trained {r['trainingSteps']} steps at batch {r['batch']} on 55,000 training images (5,000 held out), device "
        f"{r.get('trainingDevice', 'cpu')}" + (f", fine-tuned from {tr['initFrom']}" if tr.get("initFrom") else "") +
        "; EMA weights, shipped as float16.",
        f"- Training mix (probability each modality is given): {tr.get('givenProb', 'see train.py GIVEN_PROB')}.",
        f"- Loss weights: {cfg['loss']}.",
        f"- Playground defaults measured here: {r['samplingDefaults']}.",
        "",
        "## Goals",
        "| metric | now | previous weights | goal | |",
        "|---|---|---|---|---|",
    ]
    for key, what, goal, test in GOALS:
        v = h.get(key)
        met = "n/a" if v is None else ("met" if test(v, h) else "**not met**")
        lines.append(f"| {what} | {_fmt(key, v)} | {_fmt(key, prev.get(key))} | {goal} | {met} |")
    lines += ["", f"Baselines: uncond + paste hidden MSE box {h['boxMseUncondPaste']:.3f}, stroke {h['strokeMseUncondPaste']:.3f}; "
              f"unconditional samples' edge F1 against the sketch {r['sketch']['unconditionalEdgeF1']:.3f} and class agreement "
              f"{100 * r['sketch']['unconditionalClassAgreement']:.1f}%; originals' classifier accuracy "
              f"{100 * r['inpaint']['originalsClassifierAccuracy']:.1f}%.", ""]
    if "diagnosis" in r:
        lines += _diagnosis(r["diagnosis"], r.get("diagnosisPrevious"))
    if "ablations" in r:
        lines += _ablations(r["ablations"])
    j = r["joint"]
    lines += ["## Details", "",
              f"- Joint: histogram {j['histogram']} (chi^2 {j['chi2']:.1f}); the first weights' rule (always commit, "
              f"no guidance) on the same weights: agreement {100 * j['alwaysCommitNoGuidance']['agreement']:.1f}%, chi^2 "
              f"{j['alwaysCommitNoGuidance']['chi2']:.1f} (n = {j['alwaysCommitNoGuidance']['samples']}).",
              f"- Frechet floors (held-out real vs test, same n): {', '.join(f'n = {k}: {v:.2f}' for k, v in r['frechetFloor'].items())}."]
    for name, c in r["classConditional"].items():
        fdv = f"{c['frechetDistance']:.2f}" if c.get("frechetDistance") is not None else "n/a"
        lines.append(f"- Class-conditional {name} (n = {c['samples']}): accuracy {100 * c['accuracy']:.1f}%, Frechet {fdv}, "
                     f"per class {[round(v, 2) for v in c['perClass']]}.")
    for kind in ("box", "stroke", "half"):
        m = r["inpaint"][kind]
        lines.append(f"- Inpainting {kind} (n = {m['images']}, {100 * m['hiddenFraction']:.0f}% hidden): hidden MSE "
                     + ", ".join(f"{k} {v:.4f}" for k, v in m["mseHidden"].items()) + "; classifier accuracy "
                     + ", ".join(f"{k} {100 * v:.1f}%" for k, v in m["classifierAccuracy"].items())
                     + f"; visible pixels' max change {m['visibleMaxAbsChange']:.1e}.")
    for name in ("driftOnly", "driftGuidance"):
        if name in r["sketch"]:
            s = r["sketch"][name]
            lines.append(f"- Sketch {name} (w = {s['driftGuidance']:g}): edge F1 {s['edgeF1']:.3f}, class agreement "
                         f"{100 * s['classAgreement']:.1f}%.")
    rp = r["repr"]
    lines.append(f"- Representation: distance {rp['meanDistance']:.3f} (unconditional {rp['unconditional']:.3f}, "
                 f"random test image {rp['randomTestImage']:.3f}).")
    lh = r["labelHead"]
    lines += ["", "### Label head accuracy over t (noised test images, no label drift)",
              "| t | " + " | ".join(lh["overT"].keys()) + " |", "|---" * (len(lh["overT"]) + 1) + "|",
              "| accuracy | " + " | ".join(f"{v:.3f}" for v in lh["overT"].values()) + " |", "",
              "### Samplers (unconditional)", "| sampler | samples | Frechet distance | / floor | saturated | blank |",
              "|---|---|---|---|---|---|"]
    for name, s in r["unconditionalSamplers"].items():
        fdv = f"{s['frechetDistance']:.2f}" if s.get("frechetDistance") is not None else "n/a"
        ratio = f"{s['ratioToFloor']:.2f}" if s.get("ratioToFloor") is not None else "n/a"
        lines.append(f"| {name} | {s['samples']} | {fdv} | {ratio} | {100 * s['saturatedFraction']:.1f}% | "
                     f"{100 * s['blankFraction']:.1f}% |")
    f16 = r["float16VsFloat32"]
    lines += ["", f"float16 vs float32 weights, same noise, {f16['samples']} joint samples: max abs pixel difference "
              f"{f16['maxAbsPixelDiff']:.4f}, mean {f16['meanAbsPixelDiff']:.5f}.", "",
              "## Grids",
              "Joint: ![joint](grids/joint.png)", "",
              "Class-conditional: " + " ".join(f"![{k}](grids/class_conditional_{k}.png)" for k in r["classConditional"]), "",
              "Inpainting (rows: original, visible part, drift only, drift + paste, uncond + paste): "
              "![box](grids/inpaint_box.png) ![stroke](grids/inpaint_stroke.png) ![half](grids/inpaint_half.png)", "",
              "Sketch to image (rows: original, sketch, result; twice): " +
              " ".join(f"![{k}](grids/sketch_{k}.png)" for k in ("driftOnly", "driftGuidance") if k in r["sketch"]), "",
              "Representation (rows: source image, result): ![repr](grids/representation_conditioned.png)", "",
              "Unconditional: " + " ".join(f"![{k}](grids/unconditional_{k}.png)" for k in r["unconditionalSamplers"]), "",
              f"Evaluation took {r['evalSeconds']} s."]
    lines += ["", "## Where this instantiation departs from shared/MT-DIFFUSION.md, and why", *DEPARTURES]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

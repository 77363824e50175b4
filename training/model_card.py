"""Writes public/weights/README.md (the model card) from report.json: every figure beside its goal."""
from __future__ import annotations


def _pct(x):
    return f"{100 * x:.1f}%"


def _verdict(value, goal, higher=True):
    ok = value >= goal if higher else value <= goal
    return "meets goal" if ok else "below goal"


def write_model_card(r: dict, cfg: dict, path: str) -> None:
    fd = r["frechetDistance"]
    j, cc, lh = r["jointImageLabel"], r["classConditional"], r["labelHeadAccuracy"]
    lines = [
        "# MT-Diffusion on Fashion-MNIST: model card",
        "",
        "Produced by `npm run train` (training/pipeline.sh); figures written by `training/eval.py` into",
        "`report.json`, measured on the Fashion-MNIST test split with an independent CNN classifier",
        f"(test accuracy {_pct(r['independentClassifierTestAccuracy'])}), never with the model's own heads.",
        "",
        "## Model",
        f"- {r['parameters'] / 1e6:.2f}M parameters: a UNet backbone (channels {cfg['backbone']['channels']}, "
        "GroupNorm, self-attention at 8x8) shared by five heads: eps (image), label, masked image, sketch, representation.",
        f"- Schedule: {cfg['schedule']['type']} beta, T = {cfg['schedule']['T']}; drift kappa_t = "
        f"{cfg['drift']['kappaMax']} sin(pi t / T).",
        f"- Trained {r['trainingSteps']} steps at batch {r['batch']} on 55,000 training images (5,000 held out), "
        f"device {r.get('trainingDevice', 'cpu')}; EMA weights, shipped as float16. Evaluated on {r.get('evalDevice', 'cpu')}.",
        "- Sampling: each reverse step takes x_0 from the masked-image head (`x0_from=\"masked\"`, the playground's "
        "default), which predicts the whole image from z_t with every given modality's drift in it; rows marked "
        "'x0 from the eps head' use the textbook x_0 = (y_t - sqrt(1 - abar) eps)/sqrt(abar) instead.",
        f"- Loss weights: {cfg['loss']}.",
        "",
        "## Results",
        "| metric | value | goal / baseline |",
        "|---|---|---|",
        f"| Frechet distance (classifier features), {fd['samples']} joint samples, DDIM 50 vs test | "
        f"{fd['samplesVsTest']:.2f} | floor: held-out real vs test {fd['heldOutRealVsTest_floor']:.2f} |",
        f"| Joint image-label: classifier agrees with generated label (drift only) | {_pct(j['agreement'])} | "
        f"goal 90% ({_verdict(j['agreement'], 0.9)}) |",
        f"| Joint image-label, label-head guidance s = {j['withLabelGuidance']['guidanceScale']:g} | "
        f"{_pct(j['withLabelGuidance']['agreement'])} | goal 90% ({_verdict(j['withLabelGuidance']['agreement'], 0.9)}); "
        f"Frechet {j['withLabelGuidance']['frechetDistance']:.2f} on {j['withLabelGuidance']['samples']} |",
        f"| Class-conditional: classifier accuracy on requested class (drift only) | {_pct(cc['driftOnly']['accuracy'])} | "
        f"goal 90% ({_verdict(cc['driftOnly']['accuracy'], 0.9)}) |",
        f"| Class-conditional, label-head guidance s = {cc['withLabelGuidance']['guidanceScale']:g} | "
        f"{_pct(cc['withLabelGuidance']['accuracy'])} | goal 90% ({_verdict(cc['withLabelGuidance']['accuracy'], 0.9)}) |",
    ]
    if "x0FromEpsHead" in j:
        je = j["x0FromEpsHead"]
        lines.append(f"| Joint image-label, x0 from the eps head | {_pct(je['agreement'])} | Frechet {je['frechetDistance']:.2f} "
                     f"on {je['samples']} (vs {j['agreement']:.3f} agreement with the masked-image head) |")
    if "x0FromEpsHead" in cc:
        ce = cc["x0FromEpsHead"]
        lines.append(f"| Class-conditional, x0 from the eps head | {_pct(ce['accuracy'])} | Frechet {ce['frechetDistance']:.2f} "
                     f"(masked-image head: {cc['driftOnly'].get('frechetDistance', float('nan')):.2f}) |")
    lines += [
        f"| Label head on clean test images (t = 0) | {_pct(lh['atT0'])} | goal 90% ({_verdict(lh['atT0'], 0.9)}) |",
    ]
    for kind, m in r["maskedImage"].items():
        if not isinstance(m, dict):
            continue
        s = m["mseHidden"]
        extra = ""
        if "mtDiffusionWithPaste" in s:
            extra = (f"; MT-Diffusion + paste {s['mtDiffusionWithPaste']:.4f}; "
                     f"x0 from the eps head {s['mtDiffusionX0FromEpsHead']:.4f}")
        lines.append(f"| Inpainting, {kind} mask: MSE on hidden pixels ({m['images']} images) | {s['mtDiffusion']:.4f} | "
                     f"paste baseline {s['baselineUnconditionalPaste']:.4f}; mean image {s['baselineMeanImage']:.4f}"
                     f"{extra}; visible max change {m['visibleMaxAbsChange']:.1e} |")
    sk, rp = r["sketchConditioned"], r["representationConditioned"]
    lines += [
        f"| Sketch-conditioned: edge F1 vs given sketch | {sk['edgeF1']:.3f} | unconditional {sk['baselineUnconditionalEdgeF1']:.3f} |",
        f"| Representation-conditioned: distance to requested | {rp['meanDistance']:.3f} | "
        f"unconditional {rp['baselineUnconditional']:.3f}; random test image {rp['baselineRandomTestImage']:.3f} |",
        "",
        "### Label head accuracy over t (noised test images, no label drift)",
        "| t | " + " | ".join(lh["overT"].keys()) + " |",
        "|---" * (len(lh["overT"]) + 1) + "|",
        "| accuracy | " + " | ".join(f"{v:.3f}" for v in lh["overT"].values()) + " |",
        "",
        "### Samplers (unconditional)",
        "| sampler | Frechet distance | saturated | blank |",
        "|---|---|---|---|",
    ]
    for name, s in r["unconditionalSamplers"].items():
        fdv = "n/a" if s["frechetDistance"] is None else f"{s['frechetDistance']:.2f}"
        lines.append(f"| {name} | {fdv} | {_pct(s['saturatedFraction'])} | {_pct(s['blankFraction'])} |")
    f16 = r["float16VsFloat32"]
    lines += [
        "",
        "### float16 vs float32 weights (same noise)",
        f"Max abs pixel difference {f16['maxAbsPixelDiff']:.4f} (mean {f16['meanAbsPixelDiff']:.5f}); joint agreement "
        f"{_pct(f16['jointAgreementFloat16'])} (fp16) vs {_pct(f16['jointAgreementFloat32'])} (fp32); Frechet "
        f"{f16['frechetFloat16']:.2f} vs {f16['frechetFloat32']:.2f} on {f16['samples']} samples.",
        "",
        "## Grids",
        "Joint (drift only, then with label-head guidance): ![joint](grids/joint_ddim50.png) "
        "![joint guided](grids/joint_guided_ddim50.png)",
        "",
        "Class-conditional (drift only, then guided): ![cc](grids/class_conditional_driftOnly.png) "
        "![cc guided](grids/class_conditional_withLabelGuidance.png)",
        "",
        "Unconditional: ![ddpm1000](grids/unconditional_ddpm1000.png) ![ddim50](grids/unconditional_ddim50.png)",
        "",
        "Inpainting (rows: original, masked, MT-Diffusion, paste baseline): ![box](grids/inpaint_box.png) "
        "![half](grids/inpaint_half.png) ![stroke](grids/inpaint_stroke.png)",
        "",
        "Sketch to image (rows: original, sketch, result): ![sketch](grids/sketch_to_image.png)",
        "",
        f"Evaluation took {r['evalSeconds']} s.",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

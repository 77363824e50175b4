"""Reverse process in PyTorch, mirroring src/engine/runner.ts (used for evaluation and grids); the
sampler maths is coefficients.py (the mirror of src/core/samplers.ts).

Works on y_t = z_t - c_t, the ordinary DDPM chain (MT-DIFFUSION.md, closed form); the drift
estimate c_hat_t = kappa_t * sum_i g_i E_i(x^i) uses given modalities as they are and generated
ones from their heads' current predictions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .coefficients import (SPACINGS, conversions, paste_coefficients, sampling_timesteps, step_coefficients,  # noqa: F401
                           step_count_problem, timestep_subsequence)
from .schedule import Tables


@dataclass
class Conditions:
    """What is given (tensors) and what is generated (True) for a batch; None = absent."""
    label: torch.Tensor | None = None        # [B] class ids, given
    masked: tuple[torch.Tensor, torch.Tensor] | None = None   # (image [B,1,32,32], mask [B,1,32,32])
    sketch: torch.Tensor | None = None       # [B,1,32,32] given
    repr: torch.Tensor | None = None         # [B,D] given
    generate: set = field(default_factory=set)  # subset of {"label", "sketch", "repr"}
    # Replacement (RePaint-style): the visible pixels of y_{t-1} are resampled from q(y_{t-1} | x)
    # after every step. With masked_drift=False the masked modality adds no drift: the baseline
    # "the same model sampling unconditionally and pasting the visible pixels each step".
    paste: bool = False
    masked_drift: bool = True
    # Which prediction of x_0 drives the update: "masked" (default: the masked-image head's
    # reconstruction of the whole image) or "eps" (x0 from the eps head, the textbook estimate).
    # src/engine RunRequest.x0From; the measured difference is in public/weights/report.json.
    x0_from: str = "masked"
    # Drift guidance w (classifier-free guidance in the common space, Ho & Salimans 2022 eq. 6 with
    # w = 0 off): h~ = h(z_t) + w (h(z_t) - h(z_t - c_t)) on the head h that drives the update
    # (x0_from), where z_t - c_t = y_t is the same state with every modality's drift removed.
    drift_guidance: float = 0.0
    # Classifier guidance with the model's own label head (Dhariwal & Nichol eq. 14), as in
    # src/engine/guidance.ts: eps~ = eps^ - s sqrt(1 - aB_t) grad_z log p(y | z_t); y = the given
    # class, or the current argmax in joint generation.
    label_guidance: float = 0.0
    # Joint generation: the generated label's drift is given only to samples whose label head is at
    # least this confident (max_k p(k | z_t) >= label_commit), as the one-hot of its argmax; 0 = always
    # (the first weights' rule, which locks in the head's bias at t ~ T: report.json's histogram).
    label_commit: float = 0.0


# The playground's default run settings for these weights, chosen by measurement (public/weights/README.md,
# "Ablations"); eval.py measures with them, export.py writes them into model.json's config
# ("samplingDefaults") and src/store reads them from there.
SAMPLING_DEFAULTS = {
    "driftGuidance": {"joint": 2.0, "class": 2.0, "inpaint": 0.0, "sketch": 4.0, "repr": 0.0},
    "labelCommit": 0.3,
}


def encode_estimate(model, out, cond: Conditions, B: int):
    classes = model.enc_label.table.shape[0]
    rdim = model.enc_repr.linear.in_features
    zeros_img = torch.zeros(B, 1, 32, 32)
    one, zero = torch.ones(B), torch.zeros(B)
    given = {}
    if cond.label is not None:
        probs, given["label"] = F.one_hot(cond.label, classes).float(), one
    elif "label" in cond.generate:
        # The generated label is fed back as the one-hot of the head's current argmax: a hard
        # decision gave 78% classifier agreement against 69% for the soft softmax (first weights).
        p = torch.softmax(out["label"], 1)
        probs = F.one_hot(p.argmax(1), classes).float()
        given["label"] = (p.max(1).values >= cond.label_commit).float() if cond.label_commit > 0 else one
    else:
        probs, given["label"] = torch.zeros(B, classes), zero
    if cond.masked is not None and cond.masked_drift:
        image, mask, given["masked"] = cond.masked[0], cond.masked[1], one
    else:
        image, mask, given["masked"] = zeros_img, zeros_img, zero
    if cond.sketch is not None:
        sketch, given["sketch"] = cond.sketch, one
    elif "sketch" in cond.generate:
        sketch, given["sketch"] = out["sketch"], one
    else:
        sketch, given["sketch"] = zeros_img, zero
    if cond.repr is not None:
        rep, given["repr"] = cond.repr, one
    elif "repr" in cond.generate:
        rep, given["repr"] = out["repr"], one
    else:
        rep, given["repr"] = torch.zeros(B, rdim), zero
    return model.encode(probs, image, mask, sketch, rep, given)


@dataclass
class Evaluation:
    """One model evaluation at t on z (`denoise`): the heads, the drift estimate E (c_t = kappa_t E),
    y_t = z_t - c_t, the x0_hat that drives a step (guided, clipped) and the eps consistent with it."""
    out: dict
    enc: torch.Tensor
    y: torch.Tensor
    x0: torch.Tensor
    eps: torch.Tensor
    forwards: int


def denoise(model, tables: Tables, cond: Conditions, z: torch.Tensor, t: int, clip: bool = True) -> Evaluation:
    """The model at t on z with both guidances (src/engine/runner.ts `evaluate`): label-head guidance, the drift
    estimate, drift guidance (a second forward, on y_t) and x0_hat from the chosen head."""
    B = z.shape[0]
    ab = tables.alpha_bar
    forwards = 1
    if cond.label_guidance > 0 and (cond.label is not None or "label" in cond.generate):
        with torch.enable_grad():
            zg = z.detach().requires_grad_(True)
            out = model(zg, torch.full((B,), t))
            target = cond.label if cond.label is not None else out["label"].argmax(1)
            logp = torch.log_softmax(out["label"], 1).gather(1, target[:, None]).sum()
            grad = torch.autograd.grad(logp, zg)[0]
        out = {k: v.detach() for k, v in out.items()}
        out["eps_unguided"] = out["eps"]
        out["eps"] = out["eps"] - cond.label_guidance * (1 - float(ab[t])) ** 0.5 * grad
    else:
        out = model(z, torch.full((B,), t))
    eps_raw = out.pop("eps_unguided", out["eps"])   # eps^ before any guidance
    enc = encode_estimate(model, out, cond, B)
    y = z - float(tables.kappa[t]) * enc
    cv = conversions(ab, t)                                # x0_hat <-> eps on y_t (coefficients.py)
    eps_hat = out["eps"]
    out_u = model(y, torch.full((B,), t)) if cond.drift_guidance != 0 else None
    if out_u is not None:
        forwards += 1
        if cond.x0_from == "eps":
            eps_hat = eps_hat + cond.drift_guidance * (eps_raw - out_u["eps"])
    x0 = cv.x0_from_y * y + cv.x0_from_eps * eps_hat   # predictX0FromEps on y_t
    if cond.x0_from == "masked":
        # x_0 from the masked-image head, which predicts the whole image from z_t (with every
        # given modality's drift in it) and is well conditioned at large t, where the eps head's
        # x_0 = (y - sqrt(1 - aB) eps)/sqrt(aB) multiplies any error by 1/sqrt(aB). Guidance shifts
        # it exactly as it shifts the eps-based estimate: x0~ = x0 + x0_from_eps (eps~ - eps^).
        x0 = out["masked"] + cv.x0_from_eps * (eps_hat - eps_raw)
        if out_u is not None:
            x0 = x0 + cond.drift_guidance * (out["masked"] - out_u["masked"])
    if clip:
        x0 = x0.clamp(-1, 1)
    eps = cv.eps_from_y * y + cv.eps_from_x0 * x0   # the eps consistent with the (clipped) x0_hat
    return Evaluation(out=out, enc=enc, y=y, x0=x0, eps=eps, forwards=forwards)


@torch.no_grad()
def sample(model, tables: Tables, B: int, cond: Conditions, sampler="ddim", steps=50, eta=0.0,
           seed=0, clip=True, z_T=None, step_noise=None, paste_noise=None, record=None, spacing="trailing"):
    """Returns dict(image [B,1,32,32], label_probs [B,10] (last step), out (last head outputs),
    evaluations (model evaluations, NFE), forwards (network forwards, drift guidance included)).

    Timesteps from `spacing` ('trailing' or 'karras', coefficients.sampling_timesteps). Each step is
    y_prev = x0 x0_hat + y y_t + eps eps + sigma xi (+ prev_x0 x0_hat of the step before: DPM-Solver++(2M), whose
    history is the x0_hat a frame holds, composited with the visible pixels when inpainting); Heun then evaluates
    the model again at t_prev on the predictor z~ = y_prev + c_prev and takes its corrector. z_T / step_noise(t) /
    paste_noise(t) override the torch generator (the parity fixture uses the playground's named streams,
    mtd/rng.py); record, a list, receives per-step dicts (z_t, t, x0_hat, probs, drift, nfe before the step).
    """
    if not (0 <= cond.drift_guidance <= 10 and 0 <= cond.label_commit <= 1):
        raise ValueError(f"drift_guidance must be in 0..10 and label_commit in 0..1, got "
                         f"{cond.drift_guidance}, {cond.label_commit}")
    problem = step_count_problem(sampler, steps, tables.T)
    if problem is not None:
        raise ValueError(problem)
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, 1, 32, 32, generator=g) if z_T is None else z_T.clone()
    ab = tables.alpha_bar
    ts = sampling_timesteps(ab, steps, spacing)
    out, prev_x0, evaluations, forwards = None, None, 0, 0
    for i, t in enumerate(ts):
        t_prev = ts[i + 1] if i + 1 < len(ts) else 0
        ev = denoise(model, tables, cond, z, t, clip)
        out, y, x0 = ev.out, ev.y, ev.x0
        c_t, c_prev = float(tables.kappa[t]) * ev.enc, float(tables.kappa[t_prev]) * ev.enc
        co = step_coefficients(ab, sampler, eta, t, t_prev, ts[i - 1] if i > 0 else None)
        noise = torch.randn(B, 1, 32, 32, generator=g) if step_noise is None else step_noise(t)
        if record is not None:
            record.append({"t": t, "z": z.clone(), "x0_hat": x0.clone(), "probs": torch.softmax(out["label"], 1),
                           "drift": c_t.clone(), "nfe": evaluations})
        evaluations += 1
        forwards += ev.forwards
        y_prev = co.x0 * x0 + co.y * y + co.eps * ev.eps
        if co.prev_x0 != 0:
            y_prev = y_prev + co.prev_x0 * prev_x0
        if co.sigma > 0:
            y_prev = y_prev + co.sigma * noise
        if co.corrector is not None:
            # Heun (Karras et al. Alg. 1, lines 9-11): the model again at t_prev on the Euler predictor, then the
            # trapezoid: y_prev = y y_t + eps eps^(t) + eps_next eps^(t_prev, predictor).
            ev2 = denoise(model, tables, cond, y_prev + c_prev, t_prev, clip)
            evaluations += 1
            forwards += ev2.forwards
            cc = co.corrector
            y_prev = cc.y * y + cc.eps * ev.eps + cc.eps_next * ev2.eps
        if cond.paste and cond.masked is not None:
            # Replacement in y-space: the visible pixels of y_{t-1} resampled from
            # q(y_{t-1} | x) = N(sqrt(aB_{t-1}) x, (1 - aB_{t-1}) I), then the drift is added back
            # (src/engine/conditions.ts paste); y_0 keeps them exactly.
            img, mask = cond.masked
            xi = torch.randn(B, 1, 32, 32, generator=g) if paste_noise is None else paste_noise(t_prev)
            pc = paste_coefficients(ab, t_prev)
            known = pc.x * img + (pc.noise * xi if pc.noise > 0 else 0)
            y_prev = mask * known + (1 - mask) * y_prev
        # The x0_hat the frame holds (composited with the given visible pixels): DPM-Solver++(2M)'s history.
        prev_x0 = x0 if cond.masked is None else cond.masked[1] * cond.masked[0] + (1 - cond.masked[1]) * x0
        z = y_prev + c_prev   # z_{t-1} = y_{t-1} + c^_{t-1}
    image = z
    if cond.masked is not None:   # the visible pixels are the given ones
        image = cond.masked[1] * cond.masked[0] + (1 - cond.masked[1]) * image
    return {"image": image.clamp(-1, 1), "label_probs": torch.softmax(out["label"], 1), "out": out,
            "evaluations": evaluations, "forwards": forwards}


def batched(fn, n: int, bs: int):
    """Runs fn(start, count) over n items in batches and concatenates dict outputs."""
    parts = [fn(s, min(bs, n - s)) for s in range(0, n, bs)]
    return {k: torch.cat([p[k] for p in parts]) for k in ("image", "label_probs")}


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[B,1,32,32] in [-1,1] -> uint8 [B,28,28] (crop the padding)."""
    x = ((images[:, 0, 2:30, 2:30] + 1) * 127.5).round().clamp(0, 255)
    return x.to(torch.uint8).numpy()

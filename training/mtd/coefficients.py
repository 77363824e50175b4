"""The reverse process as Float64 scalar coefficients: the Python mirror of src/core/samplers.ts
(stepCoefficients, conversions, pasteCoefficients). Every sampler step t -> t_prev < t on
y_t = z_t - c_t is

    y_prev = x0 * x0_hat + y * y_t + eps * eps_hat + sigma * xi,     xi ~ N(0, I),

and the drift is re-added after it: z_prev = y_prev + c_prev (MT-DIFFUSION.md). sampling.py `sample`
applies these to tensors; public/fixtures/coefficients.json, written by `write_coefficient_fixture` (no
weights needed: `cd training && /usr/bin/python3 -m mtd.coefficients`, or export.py beside its fixtures),
pins the TypeScript functions to these (src/engine/coefficients-parity.test.ts).

Adding a sampler: one case in `step_coefficients` here and in samplers.ts, its name in SAMPLERS in both,
and a run in FIXTURE_RUNS.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass

import numpy as np

SAMPLERS = ("ddim", "ddpm")


@dataclass(frozen=True)
class StepCoefficients:
    x0: float
    y: float
    eps: float
    sigma: float   # 0 on the last step (t_prev = 0) and for DDIM(eta = 0)


@dataclass(frozen=True)
class Conversions:
    """x0_hat = x0_from_y y_t + x0_from_eps eps;  eps = eps_from_y y_t + eps_from_x0 x0_hat (DDPM eq. 4)."""
    x0_from_y: float     # 1/sqrt(aB_t)
    x0_from_eps: float   # -sqrt(1/aB_t - 1)
    eps_from_y: float    # 1/sqrt(1 - aB_t)
    eps_from_x0: float   # -sqrt(aB_t)/sqrt(1 - aB_t)


@dataclass(frozen=True)
class PasteCoefficients:
    """Replacement in y-space: y_prev <- M (x * image + noise * xi) + (1 - M) y_prev; exact at t_prev = 0."""
    x: float       # sqrt(aB_prev)
    noise: float   # sqrt(1 - aB_prev), 0 at t_prev = 0


def _check_pair(T: int, t: int, t_prev: int) -> None:
    if not (isinstance(t, int) and 1 <= t <= T):
        raise ValueError(f"t must be an integer in 1..{T}, got {t}")
    if not (isinstance(t_prev, int) and 0 <= t_prev < t):
        raise ValueError(f"t_prev must be an integer in 0..{t - 1}, got {t_prev}")


def step_coefficients(alpha_bar: np.ndarray, sampler: str, eta: float, t: int, t_prev: int) -> StepCoefficients:
    """One reverse step t -> t_prev (aP = aB_{t_prev}; samplers.ts stepCoefficients has the derivations):
    'ddpm' (Ho et al. eq. 6-7, strided): x0 = sqrt(aP) b/(1 - aB_t), y = sqrt(aB_t/aP)(1 - aP)/(1 - aB_t),
    eps = 0, sigma^2 = b (1 - aP)/(1 - aB_t), b = 1 - aB_t/aP, no noise at t_prev = 0; eta unused.
    'ddim' (Song et al. eq. 12, 16): x0 = sqrt(aP), y = 0, eps = sqrt(1 - aP - sigma^2),
    sigma = eta sqrt((1 - aP)/(1 - aB_t)) sqrt(1 - aB_t/aP)."""
    _check_pair(len(alpha_bar) - 1, t, t_prev)
    a_t, a_p = float(alpha_bar[t]), float(alpha_bar[t_prev])
    if sampler == "ddpm":
        a_step = a_t / a_p
        b_step = 1 - a_step
        one_minus_t = 1 - a_t
        var = b_step * (1 - a_p) / one_minus_t
        return StepCoefficients(x0=math.sqrt(a_p) * b_step / one_minus_t,
                                y=math.sqrt(a_step) * (1 - a_p) / one_minus_t,
                                eps=0.0, sigma=0.0 if t_prev == 0 else math.sqrt(var))
    if sampler == "ddim":
        if not eta >= 0:
            raise ValueError(f"eta must be >= 0, got {eta}")
        sigma = eta * math.sqrt((1 - a_p) / (1 - a_t)) * math.sqrt(1 - a_t / a_p)
        return StepCoefficients(x0=math.sqrt(a_p), y=0.0, eps=math.sqrt(max(0.0, 1 - a_p - sigma * sigma)), sigma=sigma)
    raise ValueError(f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}")


def conversions(alpha_bar: np.ndarray, t: int) -> Conversions:
    """The x0_hat <-> eps conversions at t on y_t; clipping keeps them consistent with
    eps' = eps + eps_from_x0 (x0_clipped - x0_raw), and a change of eps moves x0_hat by x0_from_eps (eps~ - eps)."""
    T = len(alpha_bar) - 1
    if not (isinstance(t, int) and 1 <= t <= T):
        raise ValueError(f"t must be an integer in 1..{T}, got {t}")
    a = float(alpha_bar[t])
    s1m = math.sqrt(1 - a)
    return Conversions(x0_from_y=math.sqrt(1 / a), x0_from_eps=-math.sqrt(1 / a - 1),
                       eps_from_y=1 / s1m, eps_from_x0=-math.sqrt(a) / s1m)


def paste_coefficients(alpha_bar: np.ndarray, t_prev: int) -> PasteCoefficients:
    """q(y_{t_prev} | x) = N(sqrt(aB_prev) x, (1 - aB_prev) I) for the visible pixels."""
    T = len(alpha_bar) - 1
    if not (isinstance(t_prev, int) and 0 <= t_prev < T):
        raise ValueError(f"t_prev must be an integer in 0..{T - 1}, got {t_prev}")
    a = float(alpha_bar[t_prev])
    return PasteCoefficients(x=math.sqrt(a), noise=0.0 if t_prev == 0 else math.sqrt(1 - a))


# The fixture: every sampler, several step counts and eta, on the shipped linear schedule, a cosine one and
# a short one whose runs take every full step t -> t - 1.
FIXTURE_SCHEDULES = (
    ("linear-1000", {"type": "linear", "T": 1000, "betaStart": 1e-4, "betaEnd": 0.02}, (1, 3, 4, 16, 50)),
    ("cosine-1000", {"type": "cosine", "T": 1000}, (4, 50)),
    ("linear-10", {"type": "linear", "T": 10, "betaStart": 0.01, "betaEnd": 0.3}, (10,)),
)
FIXTURE_RUNS = (("ddpm", 0.0), ("ddim", 0.0), ("ddim", 0.5), ("ddim", 1.0))


def coefficient_fixture() -> dict:
    from .sampling import timestep_subsequence
    from .schedule import make_betas
    schedules = []
    for name, cfg, step_counts in FIXTURE_SCHEDULES:
        alpha_bar = np.cumprod(1.0 - make_betas(cfg))   # schedule.py Tables.alpha_bar
        runs, ts_all, prev_all = [], set(), set()
        for steps in step_counts:
            ts = timestep_subsequence(cfg["T"], steps)
            prevs = ts[1:] + [0]
            for sampler, eta in FIXTURE_RUNS:
                co = [step_coefficients(alpha_bar, sampler, eta, t, p) for t, p in zip(ts, prevs)]
                runs.append({"sampler": sampler, "eta": eta, "steps": steps, "t": ts, "tPrev": prevs,
                             **{k: [getattr(c, k) for c in co] for k in ("x0", "y", "eps", "sigma")}})
            ts_all.update(ts)
            prev_all.update(prevs)
        t_list, p_list = sorted(ts_all), sorted(prev_all)
        cv = [conversions(alpha_bar, t) for t in t_list]
        pc = [paste_coefficients(alpha_bar, p) for p in p_list]
        schedules.append({
            "name": name, "schedule": cfg, "runs": runs,
            "conversions": {"t": t_list, "x0FromY": [c.x0_from_y for c in cv], "x0FromEps": [c.x0_from_eps for c in cv],
                            "epsFromY": [c.eps_from_y for c in cv], "epsFromX0": [c.eps_from_x0 for c in cv]},
            "paste": {"tPrev": p_list, "x": [c.x for c in pc], "noise": [c.noise for c in pc]},
        })
    return {"description": "Float64 sampler coefficients from training/mtd/coefficients.py: per run, step k is "
            "y_prev = x0[k] x0_hat + y[k] y_t + eps[k] eps_hat + sigma[k] xi from t[k] to tPrev[k]; conversions and "
            "paste per timestep. src/core/samplers.ts must give the same numbers.",
            "schedules": schedules}


def write_coefficient_fixture(path: str) -> None:
    with open(path, "w") as f:
        json.dump(coefficient_fixture(), f)


DEFAULT_FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "public", "fixtures", "coefficients.json")

if __name__ == "__main__":
    write_coefficient_fixture(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FIXTURE)

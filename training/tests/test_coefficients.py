"""The sampler coefficients (mtd/coefficients.py, the mirror of src/core/samplers.ts): the checked-in
public/fixtures/coefficients.json is what the functions give now (src/engine/coefficients-parity.test.ts
holds the TypeScript side to the same file), and the coefficients mean what they say.
Run: /usr/bin/python3 -m unittest discover -s training/tests   (npm run test:training)
"""
from __future__ import annotations

import json
import math
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

from mtd.coefficients import (DEFAULT_FIXTURE, coefficient_fixture, conversions, edm_sigma,  # noqa: E402
                              karras_timesteps, model_evaluations, paste_coefficients, sampling_timesteps,
                              step_coefficients, step_count_problem, steps_for_evaluations, timestep_subsequence)
from mtd.schedule import Tables  # noqa: E402

AB = Tables({"type": "linear", "T": 1000, "betaStart": 1e-4, "betaEnd": 0.02}, {"type": "sine", "kappaMax": 0.5}).alpha_bar


class Coefficients(unittest.TestCase):
    def test_checked_in_fixture_is_current(self):
        with open(DEFAULT_FIXTURE) as f:
            stored = json.load(f)
        self.assertEqual(stored, json.loads(json.dumps(coefficient_fixture())),
                         "public/fixtures/coefficients.json is stale: cd training && /usr/bin/python3 -m mtd.coefficients")

    def test_ddim_eta_1_has_the_ddpm_variance_and_the_last_step_lands_on_x0(self):
        for t, p in ((1000, 999), (1000, 980), (333, 1), (20, 0)):
            self.assertAlmostEqual(step_coefficients(AB, "ddim", 1.0, t, p).sigma,
                                   step_coefficients(AB, "ddpm", 0.0, t, p).sigma, places=14)
        for sampler in ("ddim", "ddpm"):
            c = step_coefficients(AB, sampler, 1.0, 20, 0)
            self.assertEqual(c.sigma, 0.0)
            self.assertAlmostEqual(c.x0, 1.0, places=14)
            self.assertAlmostEqual(c.y + c.eps, 0.0, places=7)

    def test_ddpm_full_step_is_the_posterior(self):
        t = 500
        a_t, a_p = AB[t], AB[t - 1]
        beta = 1 - a_t / a_p
        c = step_coefficients(AB, "ddpm", 0.0, t, t - 1)
        self.assertAlmostEqual(c.x0, beta * math.sqrt(a_p) / (1 - a_t), places=15)
        self.assertAlmostEqual(c.y, math.sqrt(1 - beta) * (1 - a_p) / (1 - a_t), places=15)
        self.assertAlmostEqual(c.sigma ** 2, beta * (1 - a_p) / (1 - a_t), places=15)

    def test_conversions_invert_each_other_and_paste_is_exact_at_0(self):
        cv = conversions(AB, 300)
        y, eps = 0.7, -0.4
        x0 = cv.x0_from_y * y + cv.x0_from_eps * eps
        self.assertAlmostEqual(cv.eps_from_y * y + cv.eps_from_x0 * x0, eps, places=9)
        self.assertEqual((paste_coefficients(AB, 0).x, paste_coefficients(AB, 0).noise), (1.0, 0.0))
        p = paste_coefficients(AB, 500)
        self.assertAlmostEqual(p.x ** 2 + p.noise ** 2, 1.0, places=14)

    def test_errors_name_the_valid_choices(self):
        with self.assertRaisesRegex(ValueError, "unknown sampler 'lms'; valid: ddim, ddpm, euler, euler_a, heun, dpmpp_2m"):
            step_coefficients(AB, "lms", 0.0, 10, 9)
        with self.assertRaisesRegex(ValueError, "eta must be"):
            step_coefficients(AB, "euler_a", -0.5, 10, 9)
        with self.assertRaisesRegex(ValueError, "t_before must be"):
            step_coefficients(AB, "dpmpp_2m", 0.0, 10, 9, 10)
        with self.assertRaisesRegex(ValueError, "unknown spacing 'log'"):
            sampling_timesteps(AB, 10, "log")
        self.assertEqual(step_count_problem("dpmpp_2m", 1, 1000),
                         "steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 1")
        self.assertIn("Heun needs at least 2 steps", step_count_problem("heun", 1, 1000))
        self.assertIsNone(step_count_problem("dpmpp_2m", 3, 1000))
        self.assertIn("steps must be an integer in 1..1000", step_count_problem("ddim", 0, 1000))
        with self.assertRaisesRegex(ValueError, "t_prev must be"):
            step_coefficients(AB, "ddpm", 0.0, 10, 10)
        with self.assertRaisesRegex(ValueError, "eta must be"):
            step_coefficients(AB, "ddim", -1.0, 10, 9)



class NewSamplers(unittest.TestCase):
    """Euler, Euler a, Heun and DPM-Solver++(2M) in the coefficient form."""

    def test_euler_is_ddim_and_euler_a_is_ddim_eta_on_the_same_timesteps(self):
        # x' = x + (s' - s)(x - x0)/s is DDIM's y' = sqrt(aP) x0 + sqrt(1 - aP) eps written in y and eps.
        cv = lambda t: conversions(AB, t)  # noqa: E731
        for t, p in ((1000, 980), (600, 300), (20, 1), (20, 0)):
            for eta in (0.0, 0.5, 1.0):
                e = step_coefficients(AB, "euler_a" if eta else "euler", eta, t, p)
                d = step_coefficients(AB, "ddim", eta, t, p)
                c = cv(t)
                # both as (x0_hat, y_t) coefficients: eps = eps_from_y y + eps_from_x0 x0
                as_x0y = lambda k: (k.x0 + k.eps * c.eps_from_x0, k.y + k.eps * c.eps_from_y)  # noqa: E731
                for a, b in zip(as_x0y(e), as_x0y(d)):
                    self.assertAlmostEqual(a, b, delta=1e-9 * max(1, abs(b)))
                self.assertAlmostEqual(e.sigma, d.sigma, places=12)

    def test_heun_corrector_and_its_evaluations(self):
        c = step_coefficients(AB, "heun", 0.0, 500, 300)
        e = step_coefficients(AB, "euler", 0.0, 500, 300)
        self.assertEqual((c.x0, c.y, c.eps, c.sigma), (e.x0, e.y, e.eps, e.sigma))   # the predictor is Euler
        self.assertAlmostEqual(c.corrector.eps + c.corrector.eps_next, e.eps, places=12)
        self.assertIsNone(step_coefficients(AB, "heun", 0.0, 20, 0).corrector)      # the last step is Euler
        self.assertEqual([model_evaluations("heun", n) for n in (2, 3, 10)], [3, 5, 19])
        self.assertEqual([steps_for_evaluations("heun", n) for n in (5, 10, 20, 50)], [3, 5, 10, 25])
        self.assertEqual(steps_for_evaluations("dpmpp_2m", 10), 10)

    def test_dpmpp_2m_first_and_last_steps_are_ddim(self):
        for t, p in ((1000, 900), (40, 0)):
            a, d = step_coefficients(AB, "dpmpp_2m", 0.0, t, p), step_coefficients(AB, "ddim", 0.0, t, p)
            c = conversions(AB, t)
            self.assertAlmostEqual(a.x0, d.x0 + d.eps * c.eps_from_x0, places=9)
            self.assertAlmostEqual(a.y, d.y + d.eps * c.eps_from_y, places=9)
            self.assertEqual(a.prev_x0, 0.0)
        self.assertEqual(step_coefficients(AB, "dpmpp_2m", 0.0, 40, 0, 80).prev_x0, 0.0)
        m = step_coefficients(AB, "dpmpp_2m", 0.0, 500, 300, 700)
        f = step_coefficients(AB, "dpmpp_2m", 0.0, 500, 300)
        self.assertLess(m.prev_x0, 0)
        self.assertAlmostEqual(m.x0 + m.prev_x0, f.x0, places=12)   # the extrapolation keeps a constant x0_hat

    def test_karras_timesteps(self):
        for n in (1, 2, 3, 7, 50, 999, 1000):
            ts = karras_timesteps(AB, n)
            self.assertEqual(len(ts), n)
            self.assertEqual(ts[0], 1000)
            self.assertTrue(all(a > b for a, b in zip(ts, ts[1:])))
            if n > 1:
                self.assertEqual(ts[-1], 1)
        self.assertEqual(karras_timesteps(AB, 1000), list(range(1000, 0, -1)))
        # eq. 5 with rho = 7: the middle of 3 is (s_max^(1/7)/2 + s_min^(1/7)/2)^7, the t of the nearest log sigma
        mid = (edm_sigma(AB, 1000) ** (1 / 7) / 2 + edm_sigma(AB, 1) ** (1 / 7) / 2) ** 7
        t = karras_timesteps(AB, 3)[1]
        self.assertLessEqual(abs(math.log(edm_sigma(AB, t) / mid)), abs(math.log(edm_sigma(AB, t + 1) / mid)))
        self.assertLessEqual(abs(math.log(edm_sigma(AB, t) / mid)), abs(math.log(edm_sigma(AB, t - 1) / mid)))
        self.assertEqual(timestep_subsequence(1000, 16)[:4], [1000, 938, 875, 812])


# Golden order tests on an analytic model: data x_0 ~ N(MU, S^2) per coordinate, so the exact x0_hat is
# E[x_0 | y_t] = MU + sqrt(aB) S^2/(aB S^2 + 1 - aB) (y_t - sqrt(aB) MU), and the probability-flow ODE in
# x = y/sqrt(aB), sigma = edm_sigma keeps (x - MU)/sqrt(S^2 + sigma^2) constant: the exact solution.
MU, S = 0.3, 0.5


def exact_x0(y: np.ndarray, t: int) -> np.ndarray:
    a = float(AB[t])
    return MU + math.sqrt(a) * S * S / (a * S * S + 1 - a) * (y - math.sqrt(a) * MU)


def solve(sampler: str, ts: list[int], y: np.ndarray) -> np.ndarray:
    """Runs the coefficient form over ts (no final jump to 0) with the exact model; returns y at ts[-1]."""
    prev_x0 = None
    for k, (t, p) in enumerate(zip(ts, ts[1:])):
        co = step_coefficients(AB, sampler, 0.0, t, p, ts[k - 1] if k > 0 else None)
        c = conversions(AB, t)
        x0 = exact_x0(y, t)
        eps = c.eps_from_y * y + c.eps_from_x0 * x0
        y_new = co.x0 * x0 + co.y * y + co.eps * eps + (co.prev_x0 * prev_x0 if co.prev_x0 else 0)
        if co.corrector is not None:
            c2 = conversions(AB, p)
            eps2 = c2.eps_from_y * y_new + c2.eps_from_x0 * exact_x0(y_new, p)
            y_new = co.corrector.y * y + co.corrector.eps * eps + co.corrector.eps_next * eps2
        y, prev_x0 = y_new, x0
    return y


def ode_error(sampler: str, ts: list[int]) -> float:
    y0 = np.linspace(-3, 3, 13)   # standard normal quantiles at t = ts[0] (aB ~ 0): y ~ N(~0, ~1)
    a0, a1 = float(AB[ts[0]]), float(AB[ts[-1]])
    s0, s1 = edm_sigma(AB, ts[0]), edm_sigma(AB, ts[-1])
    x_exact = MU + (y0 / math.sqrt(a0) - MU) * math.sqrt((S * S + s1 * s1) / (S * S + s0 * s0))
    return float(np.abs(solve(sampler, ts, y0) - math.sqrt(a1) * x_exact).max())


def observed_orders(sampler: str, grids: list[list[int]]) -> list[float]:
    errs = [ode_error(sampler, g) for g in grids]
    return [math.log(e0 / e1) / math.log((len(g1) - 1) / (len(g0) - 1))
            for e0, e1, g0, g1 in zip(errs, errs[1:], grids, grids[1:])]


class GoldenOrder(unittest.TestCase):
    # Uniform-in-t steps from T to 200 (25, 50, 100, 200 steps): the mesh refines everywhere.
    UNIFORM = [list(range(1000, 199, -800 // n)) for n in (25, 50, 100, 200)]

    def test_first_order_solvers(self):
        for sampler in ("euler", "ddim"):
            for p in observed_orders(sampler, self.UNIFORM):
                self.assertGreater(p, 0.8, sampler)
                self.assertLess(p, 1.3, sampler)

    def test_second_order_solvers(self):
        for sampler in ("heun", "dpmpp_2m"):
            for p in observed_orders(sampler, self.UNIFORM):
                self.assertGreater(p, 1.7, sampler)
                self.assertLess(p, 2.4, sampler)

    def test_second_order_beats_first_at_equal_evaluations(self):
        g50, g25 = self.UNIFORM[1], self.UNIFORM[0]
        self.assertLess(ode_error("heun", g25) * 1.5, ode_error("euler", g50))    # Heun: 2 evaluations a step
        self.assertLess(ode_error("dpmpp_2m", g50) * 4, ode_error("euler", g50))

    def test_karras_grid_converges(self):
        # Karras steps to t = 1 (the integer timesteps crowd near t = 1, so only moderate N refine cleanly).
        grids = [karras_timesteps(AB, n) for n in (25, 50, 100)]
        for sampler, lo in (("euler", 0.7), ("heun", 1.5), ("dpmpp_2m", 1.5)):
            for p in observed_orders(sampler, grids):
                self.assertGreater(p, lo, sampler)


if __name__ == "__main__":
    unittest.main()

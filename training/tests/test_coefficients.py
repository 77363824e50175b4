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

from mtd.coefficients import (DEFAULT_FIXTURE, coefficient_fixture, conversions, paste_coefficients,  # noqa: E402
                              step_coefficients)
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
        with self.assertRaisesRegex(ValueError, "unknown sampler 'euler'; valid: ddim, ddpm"):
            step_coefficients(AB, "euler", 0.0, 10, 9)
        with self.assertRaisesRegex(ValueError, "t_prev must be"):
            step_coefficients(AB, "ddpm", 0.0, 10, 10)
        with self.assertRaisesRegex(ValueError, "eta must be"):
            step_coefficients(AB, "ddim", -1.0, 10, 9)


if __name__ == "__main__":
    unittest.main()

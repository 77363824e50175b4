"""The trajectory map's projection (training/trajectory_map.py): PCA recovers known directions, and the
shipped public/samples/projection.json is what the script writes from the test set.
Run: /usr/bin/python3 -m unittest training.tests.test_trajectory_map
"""
from __future__ import annotations

import json
import os
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import trajectory_map  # noqa: E402


class TrajectoryMap(unittest.TestCase):
    def test_pca_recovers_known_directions(self):
        rng = np.random.default_rng(0)
        d = 16
        e1 = np.zeros(d); e1[3] = -1.0  # noqa: E702  (signed back to +: its largest entry becomes positive)
        e2 = np.zeros(d); e2[7] = 1.0  # noqa: E702
        x = 5.0 + rng.normal(size=(4000, 1)) * 3 * e1 + rng.normal(size=(4000, 1)) * 2 * e2 + rng.normal(size=(4000, d)) * 0.1
        mean, basis, explained = trajectory_map.pca2(x)
        np.testing.assert_allclose(mean, 5.0, atol=0.15)
        np.testing.assert_allclose(basis[0], -e1, atol=0.01)
        np.testing.assert_allclose(basis[1], e2, atol=0.01)
        np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-12)
        self.assertAlmostEqual(explained[0], 9 / (9 + 4 + d * 0.01), delta=0.02)

    def test_shipped_file_is_what_the_script_writes(self):
        with open(os.path.join(ROOT, "public", "samples", "projection.json")) as f:
            shipped = json.load(f)
        self.assertEqual(trajectory_map.projection(os.path.join(ROOT, "public", "samples")), shipped)
        basis = np.array(shipped["basis"])
        np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-6)
        self.assertEqual(len(shipped["points"]["coords"]), len(shipped["points"]["labels"]))


if __name__ == "__main__":
    unittest.main()

"""The measured run settings: training/mtd/sampling.py SAMPLING_DEFAULTS is the table export.py writes into
public/weights/model.json's config as samplingDefaults (src/store/defaults.test.ts checks the TypeScript twin
against the same file), so a change to the table without a new export shows here.
Run: /usr/bin/python3 -m unittest training.tests.test_defaults  (or training/test.sh for every training test)
"""
from __future__ import annotations

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

from mtd.sampling import SAMPLING_DEFAULTS  # noqa: E402


class SamplingDefaults(unittest.TestCase):
    def test_shipped_weights_carry_the_table(self):
        with open(os.path.join(ROOT, "public", "weights", "model.json")) as f:
            config = json.load(f)["config"]
        self.assertEqual(config.get("samplingDefaults"), SAMPLING_DEFAULTS)

    def test_table_shape(self):
        self.assertEqual(set(SAMPLING_DEFAULTS), {"driftGuidance", "labelCommit"})
        self.assertEqual(set(SAMPLING_DEFAULTS["driftGuidance"]), {"joint", "class", "inpaint", "sketch", "repr"})
        for w in SAMPLING_DEFAULTS["driftGuidance"].values():
            self.assertTrue(0 <= w <= 10, w)
        # The browser's slider offers 0..0.95.
        self.assertTrue(0 <= SAMPLING_DEFAULTS["labelCommit"] <= 0.95)


if __name__ == "__main__":
    unittest.main()

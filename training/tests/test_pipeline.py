"""Quick tests of the training pipeline on the real data set (a small subset): a few training
steps run, resume from a checkpoint, export in TF.js format, and the shared conventions hold.
Run: /usr/bin/python3 -m unittest discover -s training/tests   (npm run test:training)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mtd import rng  # noqa: E402
from mtd.data import MaskBank, load_split, sketch_of, to_model_space  # noqa: E402
from mtd.model import MTDiffusion, default_config  # noqa: E402
from mtd.schedule import Tables  # noqa: E402

PY = sys.executable


class SharedConventions(unittest.TestCase):
    def test_kappa_endpoints_and_recursion(self):
        cfg = default_config()
        tb = Tables(cfg["schedule"], cfg["drift"])
        self.assertEqual(tb.kappa[0], 0.0)
        self.assertLess(abs(tb.kappa[-1]), 1e-12)
        # c_t = sqrt(alpha_t) (c_{t-1} + w_t): unrolling the recursion gives kappa back
        c = 0.0
        for t in range(1, tb.T + 1):
            c = np.sqrt(tb.alphas[t]) * (c + tb.w[t])
            if t in (1, 250, 500, 999):
                self.assertAlmostEqual(c, tb.kappa[t], places=10)

    def test_linear_schedule_alpha_bar_T(self):
        tb = Tables(default_config()["schedule"], default_config()["drift"])
        self.assertAlmostEqual(tb.alpha_bar[-1], 4.035e-5, delta=1e-7)

    def test_image_space_and_sketch(self):
        images, _ = load_split("t10k")
        x = to_model_space(images[:4])
        self.assertEqual(x.shape, (4, 1, 32, 32))
        self.assertTrue(np.all(x[:, :, :2, :] == -1.0))
        s = sketch_of(images[:4])
        self.assertEqual(set(np.unique(s)), {0.0, 1.0})
        self.assertTrue(np.all(s[:, :, :2, :] == 0))
        # a blank image has no edges; a bright square has edges only on its border
        sq = np.zeros((1, 28, 28), np.uint8)
        sq[0, 10:18, 10:18] = 255
        e = sketch_of(sq)[0, 0, 2:30, 2:30]
        self.assertEqual(e[14, 14], 0)
        self.assertEqual(e[10, 14], 1)
        self.assertEqual(sketch_of(np.zeros((1, 28, 28), np.uint8)).sum(), 0)

    def test_masks_are_binary_and_hide_something(self):
        bank = MaskBank(200, seed=1).masks
        self.assertEqual(bank.shape, (200, 1, 32, 32))
        self.assertTrue(set(np.unique(bank)) <= {0.0, 1.0})
        self.assertGreater((bank[:, :, 2:30, 2:30] == 0).mean(), 0.1)

    def test_noise_streams_match_the_typescript_golden_values(self):
        # Golden values printed by src/core/rng.ts (initialNoise(42, 5), stepNoise(7, 980, 3)).
        np.testing.assert_array_equal(rng.initial_noise(42, 5), np.array(
            [-0.17078368365764618, 0.43432891368865967, 2.2226457595825195, -1.235717535018921, 0.2267148494720459],
            np.float32))
        np.testing.assert_array_equal(rng.step_noise(7, 980, 3), np.array(
            [0.04485413059592247, 0.5773495435714722, 0.5951786041259766], np.float32))

    def test_unconditional_encoding_is_zero_drift(self):
        m = MTDiffusion(default_config())
        B = 2
        zeros = torch.zeros(B)
        enc = m.encode(torch.zeros(B, 10), torch.randn(B, 1, 32, 32), torch.zeros(B, 1, 32, 32),
                       torch.zeros(B, 1, 32, 32), torch.zeros(B, 8),
                       {"label": zeros, "masked": zeros, "sketch": zeros, "repr": zeros})
        self.assertEqual(float(enc.abs().max()), 0.0)


class QuickTraining(unittest.TestCase):
    """A few optimiser steps on 256 real images, interrupted and resumed, then exported."""

    def test_train_resume_export(self):
        with tempfile.TemporaryDirectory() as out:
            run = lambda *a: subprocess.run([PY, *a], cwd=ROOT, capture_output=True, text=True, timeout=600)  # noqa: E731
            r = run("training/train_classifier.py", "--out", out, "--epochs", "1", "--limit", "512")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            common = ["--out", out, "--batch", "8", "--limit", "256", "--mask-bank", "50", "--ckpt-every", "2"]
            r = run("training/train.py", *common, "--steps", "3")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            ck = torch.load(os.path.join(out, "ckpt.pt"))
            self.assertEqual(ck["step"], 3)
            r = run("training/train.py", *common, "--steps", "5")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            self.assertIn("resumed from", r.stdout)
            ck2 = torch.load(os.path.join(out, "ckpt.pt"))
            self.assertEqual(ck2["step"], 5)
            changed = any(not torch.equal(ck["model"][k], ck2["model"][k]) for k in ck["model"])
            self.assertTrue(changed, "resumed training did not update the weights")
            with open(os.path.join(out, "train_log.jsonl")) as f:
                log = [json.loads(line) for line in f]
            self.assertTrue(all(np.isfinite(rec["loss"]) for rec in log))
            wdir = os.path.join(out, "weights")
            r = run("training/export.py", "--out", out, "--weights", wdir, "--fixture", os.path.join(out, "fx", "p.json"))
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            with open(os.path.join(wdir, "model.json")) as f:
                manifest = json.load(f)
            names = [w["name"] for w in manifest["weightsManifest"][0]["weights"]]
            self.assertIn("backbone/down0/conv1/kernel", names)
            self.assertIn("encoders/label/table", names)
            self.assertEqual(manifest["config"]["trainingSteps"], 5)
            for path, meta in manifest["integrity"].items():
                self.assertEqual(os.path.getsize(os.path.join(wdir, path)), meta["bytes"])

    def test_missing_data_names_the_apt_package(self):
        with tempfile.TemporaryDirectory() as empty:
            r = subprocess.run([PY, "training/train_classifier.py", "--out", empty, "--data-dir", empty],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("apt-get install -y dataset-fashion-mnist", r.stderr)


if __name__ == "__main__":
    unittest.main()

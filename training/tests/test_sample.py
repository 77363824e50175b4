"""training/sample.py, the sampling CLI, run in-process on tiny settings (n <= 4, 2 steps) from the shipped weights.
Run: /usr/bin/python3 -m unittest training.tests.test_sample  (or training/test.sh for every training test)
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import sample as cli  # noqa: E402  (training/sample.py)
from mtd.data import load_split  # noqa: E402

TINY = ["--steps", "2", "--quiet"]


def setUpModule():
    torch.set_num_threads(1)


class SampleCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.test_u8, cls.test_y = load_split("t10k")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_cli(self, *args: str, name: str = "out.npz") -> dict:
        """Runs the CLI, checks that the file it wrote holds what it returned; returns the file's arrays."""
        path = os.path.join(self.tmp.name, name)
        returned = cli.main([*TINY, *args, "--out", path])
        with np.load(path) as f:
            written = {k: f[k] for k in f.files}
        self.assertEqual(set(written), set(returned))
        return written

    def error_of(self, *args: str) -> str:
        """The message of a CLI error (argparse exits with status 2 and writes it to stderr)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as cm:
            cli.main([*TINY, *args, "--out", os.path.join(self.tmp.name, "never.npz")])
        self.assertEqual(cm.exception.code, 2)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "never.npz")))
        return err.getvalue()

    def check_common(self, f: dict, n: int, mode: str) -> dict:
        self.assertEqual(f["images"].shape, (n, 28, 28))
        self.assertEqual(f["images"].dtype, np.uint8)
        self.assertEqual(f["labels"].shape, (n,))
        self.assertEqual(f["labels"].dtype, np.int64)
        self.assertTrue(((f["labels"] >= 0) & (f["labels"] < 10)).all())
        self.assertEqual(f["label_probs"].shape, (n, 10))
        self.assertEqual(f["label_probs"].dtype, np.float32)
        np.testing.assert_allclose(f["label_probs"].sum(1), 1, atol=1e-5)
        config = json.loads(str(f["config"]))
        self.assertEqual((config["mode"], config["n"], config["steps"]), (mode, n, 2))
        self.assertEqual(config["weights"]["dir"], "public/weights")
        self.assertEqual(len(config["weights"]["modelJsonSha256"]), 64)
        self.assertIsInstance(config["weights"]["trainingSteps"], int)
        return config

    # --- each mode ---
    def test_joint(self):
        f = self.run_cli("--mode", "joint", "--n", "2")
        self.assertEqual(set(f), {"images", "labels", "label_probs", "config"})
        config = self.check_common(f, 2, "joint")
        # Unset, drift guidance and label commitment are the measured defaults (sampling.py SAMPLING_DEFAULTS).
        from mtd.sampling import SAMPLING_DEFAULTS
        self.assertEqual((config["sampler"], config["driftGuidance"], config["labelGuidance"], config["labelCommit"]),
                         ("ddim", SAMPLING_DEFAULTS["driftGuidance"]["joint"], 0.0, SAMPLING_DEFAULTS["labelCommit"]))
        # joint: the generated label is the label head's argmax
        np.testing.assert_array_equal(f["labels"], f["label_probs"].argmax(1))

    def test_uncond_ddpm(self):
        f = self.run_cli("--mode", "uncond", "--n", "2", "--sampler", "ddpm")
        self.assertEqual(set(f), {"images", "labels", "label_probs", "config"})
        self.assertEqual(self.check_common(f, 2, "uncond")["sampler"], "ddpm")

    def test_uncond_heun_karras(self):
        f = self.run_cli("--mode", "uncond", "--n", "2", "--sampler", "heun", "--spacing", "karras")
        config = self.check_common(f, 2, "uncond")
        self.assertEqual((config["sampler"], config["spacing"]), ("heun", "karras"))

    def test_class_balanced_and_fixed(self):
        f = self.run_cli("--mode", "class", "--n", "4")
        self.check_common(f, 4, "class")
        np.testing.assert_array_equal(f["labels"], [0, 1, 2, 3])   # balanced: class i % 10
        # --guidance is the alias of --drift-guidance; label guidance applies to class
        f = self.run_cli("--mode", "class", "--n", "2", "--class", "7", "--guidance", "1.5", "--label-guidance", "2")
        np.testing.assert_array_equal(f["labels"], [7, 7])
        config = self.check_common(f, 2, "class")
        self.assertEqual((config["class"], config["driftGuidance"], config["labelGuidance"]), (7, 1.5, 2.0))

    def test_inpaint_indices_file_and_paste(self):
        idx_file = os.path.join(self.tmp.name, "idx.txt")
        with open(idx_file, "w") as fh:
            fh.write("5\n17 3\n")
        f = self.run_cli("--mode", "inpaint", "--source", "test", "--indices", idx_file, "--mask", "stroke")
        config = self.check_common(f, 3, "inpaint")
        self.assertEqual((config["mask"], config["paste"]), ("stroke", True))
        np.testing.assert_array_equal(f["source_index"], [5, 17, 3])
        self.assertEqual(f["source_index"].dtype, np.int64)
        np.testing.assert_array_equal(f["source_label"], self.test_y[[5, 17, 3]])
        m = f["masks"]
        self.assertEqual((m.shape, m.dtype), ((3, 28, 28), np.uint8))
        self.assertTrue(set(np.unique(m)) <= {0, 1} and (m == 0).any() and (m == 1).any())
        # the visible pixels are the source image's, exactly
        src = self.test_u8[[5, 17, 3]]
        np.testing.assert_array_equal(f["images"][m == 1], src[m == 1])

    def test_inpaint_centre_no_paste(self):
        f = self.run_cli("--mode", "inpaint", "--first", "2", "--mask", "centre", "--no-paste")
        self.assertFalse(json.loads(str(f["config"]))["paste"])
        np.testing.assert_array_equal(f["source_index"], [0, 1])
        self.assertTrue((f["masks"][:, 7:21, 7:21] == 0).all())
        self.assertEqual(int(f["masks"].sum()), 2 * (28 * 28 - 14 * 14))

    def test_sketch_cycles_indices(self):
        f = self.run_cli("--mode", "sketch", "--first", "2", "--n", "4")
        self.check_common(f, 4, "sketch")
        np.testing.assert_array_equal(f["source_index"], [0, 1, 0, 1])
        self.assertNotIn("masks", f)

    def test_repr(self):
        f = self.run_cli("--mode", "repr", "--first", "2", "--drift-guidance", "1")
        self.check_common(f, 2, "repr")
        np.testing.assert_array_equal(f["source_index"], [0, 1])

    # --- determinism ---
    def test_same_seed_same_images_and_batch_size_free(self):
        a = self.run_cli("--mode", "joint", "--n", "3", "--seed", "11", "--sampler", "ddpm", name="a.npz")
        b = self.run_cli("--mode", "joint", "--n", "3", "--seed", "11", "--sampler", "ddpm", name="b.npz")
        np.testing.assert_array_equal(a["images"], b["images"])
        np.testing.assert_array_equal(a["labels"], b["labels"])
        c = self.run_cli("--mode", "joint", "--n", "3", "--seed", "12", "--sampler", "ddpm", name="c.npz")
        self.assertFalse(np.array_equal(a["images"], c["images"]))
        # sample i has seed + i's noise: batch size and n do not change it (up to float rounding)
        d = self.run_cli("--mode", "joint", "--n", "3", "--seed", "11", "--sampler", "ddpm", "--batch-size", "2",
                         name="d.npz")
        self.assertLessEqual(np.abs(a["images"].astype(int) - d["images"]).max(), 1)
        e = self.run_cli("--mode", "joint", "--n", "1", "--seed", "12", "--sampler", "ddpm", name="e.npz")
        self.assertLessEqual(np.abs(a["images"][1].astype(int) - e["images"][0]).max(), 1)

    # --- errors ---
    def test_error_bad_mode(self):
        msg = self.error_of("--mode", "paint")
        self.assertIn("'paint'", msg)
        choices = msg.split("choose from", 1)[1]   # quoted or not, depending on the Python version
        for mode in ("joint", "class", "inpaint", "sketch", "repr", "uncond"):
            self.assertIn(mode, choices)

    def test_error_n(self):
        self.assertIn("--n must be at least 1 (got 0)", self.error_of("--n", "0"))
        self.assertIn("--n must be at least 1 (got -3)", self.error_of("--mode", "sketch", "--n", "-3"))

    def test_error_indices(self):
        idx_file = os.path.join(self.tmp.name, "bad.txt")
        with open(idx_file, "w") as fh:
            fh.write("4 10000\n")
        msg = self.error_of("--mode", "inpaint", "--indices", idx_file)
        self.assertIn("test index 10000 is out of range", msg)
        self.assertIn("valid: 0..9999", msg)
        self.assertIn("valid: 0..9999", self.error_of("--mode", "sketch", "--first", "10001"))
        with open(idx_file, "w") as fh:
            fh.write("-1\n")
        self.assertIn("test index -1 is out of range", self.error_of("--mode", "sketch", "--indices", idx_file))
        with open(idx_file, "w") as fh:
            fh.write("1\n2 x3\n")
        self.assertIn("'x3' on line 2 is not an integer", self.error_of("--mode", "sketch", "--indices", idx_file))
        missing = os.path.join(self.tmp.name, "nope.txt")
        self.assertIn(f"file not found: {missing}", self.error_of("--mode", "inpaint", "--indices", missing))
        self.assertIn("--indices/--first apply to --mode inpaint, sketch, repr only",
                      self.error_of("--mode", "joint", "--first", "3"))

    def test_error_repr_without_representation(self):
        with open(os.path.join(ROOT, "public", "samples", "index.json")) as fh:
            index = json.load(fh)
        have = set(index["testIndices"]) | set(index["backdrop"]["testIndices"])
        absent = next(i for i in range(10000) if i not in have)
        idx_file = os.path.join(self.tmp.name, "repr.txt")
        with open(idx_file, "w") as fh:
            fh.write(f"0 {absent}\n")
        msg = self.error_of("--mode", "repr", "--indices", idx_file)
        self.assertIn(f"test index {absent} has no representation", msg)
        self.assertIn("not shipped", msg)

    def test_error_class(self):
        msg = self.error_of("--mode", "class", "--class", "10")
        self.assertIn("--class 10 is out of range; valid: 0..9", msg)
        self.assertIn("9 Ankle boot", msg)
        self.assertIn("--class applies to --mode class only", self.error_of("--mode", "joint", "--class", "3"))

    def test_error_steps(self):
        self.assertIn("--steps must be at least 1 (got 0)", self.error_of("--steps", "0"))
        self.assertIn("--steps 1001 is out of range; valid: 1..1000", self.error_of("--steps", "1001"))
        self.assertIn("--steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 2",
                      self.error_of("--sampler", "dpmpp_2m"))
        self.assertIn("invalid choice: 'log'", self.error_of("--spacing", "log"))

    def test_error_settings_that_would_do_nothing(self):
        self.assertIn("--eta applies to --sampler ddim and euler_a only (ddpm takes no eta)",
                      self.error_of("--sampler", "ddpm", "--eta", "0.5"))
        self.assertIn("--eta 1.5 is out of range; valid: 0..1", self.error_of("--eta", "1.5"))
        self.assertIn("--label-guidance applies to --mode joint or class only",
                      self.error_of("--mode", "sketch", "--label-guidance", "2"))
        self.assertIn("nothing to guide in --mode uncond", self.error_of("--mode", "uncond", "--guidance", "2"))
        self.assertIn("--mask and --paste/--no-paste apply to --mode inpaint only",
                      self.error_of("--mode", "sketch", "--mask", "box"))
        self.assertIn("invalid choice: 'ellipse'", self.error_of("--mode", "inpaint", "--mask", "ellipse"))


if __name__ == "__main__":
    unittest.main()

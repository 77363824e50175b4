"""Training on 2 processes (PyTorch DDP via torchrun, gloo on the CPU) on a tiny drawn data set, through the
pipeline the user runs (`npm run train -- --data DIR --nproc 2`): the ranks end with bit-identical weights and
EMA, the loss falls, torchrun's to_map crash never shows, the model is exported beside the run, and the 2-rank
checkpoint resumes on 1 process.
Run: /usr/bin/python3 -m unittest training.tests.test_ddp   (part of npm run test:training)
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

from mtd import shapes  # noqa: E402
from mtd.ranks import digest  # noqa: E402

STEPS, MORE = 24, 30
COMMON = ["--batch", "16", "--mask-bank", "50", "--warmup", "2", "--log-every", "1", "--ckpt-every", "1000"]


class TwoRanks(unittest.TestCase):
    def test_two_ranks_identical_loss_falls_resume_on_one(self):
        with tempfile.TemporaryDirectory() as tmp:
            data, out = os.path.join(tmp, "shapes"), os.path.join(tmp, "run")
            shapes.write(data, per_class=12)
            env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
            r = subprocess.run(["bash", "training/pipeline.sh", "--data", data, "--out", out, "--name", "Shapes",
                                "--nproc", "2", "--steps", str(STEPS), "--classifier-steps", "10", *COMMON],
                               cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
            said = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, said[-3000:])
            self.assertNotIn("to_map", said)
            self.assertNotIn("'NoneType' object has no attribute", said)

            with open(os.path.join(out, "ranks.json")) as f:
                ranks = json.load(f)
            self.assertEqual(ranks["world"], 2)
            self.assertEqual(len(ranks["ranks"]), 2)
            a, b = ranks["ranks"]
            self.assertEqual(a["model"], b["model"], "the ranks' weights differ")
            self.assertEqual(a["ema"], b["ema"], "the ranks' EMA differ")
            self.assertTrue(ranks["identical"])
            ck = torch.load(os.path.join(out, "ckpt.pt"))
            self.assertEqual(ck["step"], STEPS)
            self.assertEqual(ck["world"], 2)
            self.assertEqual(digest(ck["model"]), a["model"], "the checkpoint is not the ranks' weights")
            self.assertEqual(digest(ck["ema"]), a["ema"])
            self.assertEqual(len(ck["gens"]), 2)
            self.assertFalse(torch.equal(ck["gens"][0], ck["gens"][1]), "the ranks share one random stream")

            with open(os.path.join(out, "train_log.jsonl")) as f:
                losses = [json.loads(line)["loss"] for line in f]
            self.assertEqual(len(losses), STEPS)
            first, last = np.mean(losses[:5]), np.mean(losses[-5:])
            self.assertLess(last, 0.9 * first, f"the loss did not fall: {first:.4f} -> {last:.4f}")

            with open(os.path.join(out, "model", "model.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["config"]["classNames"], ["circle", "square", "triangle"])
            self.assertEqual(manifest["config"]["name"], "Shapes")
            self.assertEqual(manifest["config"]["trainingSteps"], STEPS)
            for name in ("samples.json", "samples.bin", *manifest["weightsManifest"][0]["paths"]):
                self.assertEqual(os.path.getsize(os.path.join(out, "model", name)), manifest["integrity"][name]["bytes"])

            # The 2-rank checkpoint goes on on one process (any rank count resumes).
            r = subprocess.run([sys.executable, "training/train.py", "--out", out, "--dataset",
                                os.path.join(out, "dataset.npz"), "--steps", str(MORE), *COMMON],
                               cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
            self.assertEqual(r.returncode, 0, (r.stdout + r.stderr)[-3000:])
            self.assertIn(f"resumed from {out}/ckpt.pt at step {STEPS} (trained on 2 rank(s), now 1", r.stdout)
            ck2 = torch.load(os.path.join(out, "ckpt.pt"))
            self.assertEqual(ck2["step"], MORE)
            self.assertEqual(ck2["world"], 1)
            self.assertTrue(any(not torch.equal(ck["model"][k], ck2["model"][k]) for k in ck["model"]))


if __name__ == "__main__":
    unittest.main()

"""A user's data set (mtd/userdata.py, prepare_data.py): what it reads, and every refusal naming the path.
Run: /usr/bin/python3 -m unittest discover -s training/tests -p test_userdata.py
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from mtd import shapes  # noqa: E402
from mtd.userdata import MAX_CLASSES, MIN_PER_CLASS, UserDataError, fit_grey, load_user_data, polarity  # noqa: E402


class Conversion(unittest.TestCase):
    def test_dark_on_white_becomes_light_on_black_fitted_into_28(self):
        img = Image.new("RGB", (100, 50), (255, 255, 255))
        img.paste((0, 0, 0), (40, 10, 60, 40))
        g = fit_grey(img)
        self.assertEqual(g.shape, (28, 28))
        self.assertEqual(g.dtype, np.uint8)
        self.assertEqual(g[0, 0], 0)                 # the white border became the black background
        self.assertGreater(g[14, 14], 200)           # the dark square is light now
        self.assertEqual(g[2, 14], 0)                # a 2:1 image is centred: rows above it are background

    def test_transparent_pixels_read_as_white_and_luma_is_bt601(self):
        img = Image.new("RGBA", (28, 28), (0, 0, 0, 0))
        img.paste((255, 0, 0, 255), (10, 10, 18, 18))
        g = fit_grey(img)
        self.assertEqual(g[0, 0], 0)
        self.assertEqual(g[14, 14], 255 - round(0.299 * 255))

    def test_polarity_keeps_a_dark_border(self):
        a = np.zeros((28, 28), np.uint8)
        a[10:18, 10:18] = 200
        self.assertIs(polarity(a), a)


class Refusals(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, "data")
        shapes.write(self.root, per_class=MIN_PER_CLASS)

    def tearDown(self):
        self.tmp.cleanup()

    def refused(self, path, *needles, **kw):
        with self.assertRaises(UserDataError) as cm:
            load_user_data(path, **kw)
        for n in needles:
            self.assertIn(n, str(cm.exception))

    def test_reads_class_folders_sorted_with_a_stratified_test_split(self):
        d = load_user_data(self.root)
        self.assertEqual(d["class_names"], ["circle", "square", "triangle"])
        self.assertEqual(len(d["test_labels"]), 3)
        self.assertEqual(sorted(d["test_labels"].tolist()), [0, 1, 2])
        self.assertEqual(d["train_images"].shape, (27, 28, 28))

    def test_missing_folder_and_a_file(self):
        self.refused(os.path.join(self.root, "nope"), "nope", "no such folder")
        f = os.path.join(self.root, "circle", "circle-000.png")
        self.refused(f, f, "is a file")

    def test_fewer_than_two_classes(self):
        self.refused(os.path.join(self.root, "circle"), "circle", "at least 2")

    def test_too_few_images_says_the_minimum(self):
        os.remove(os.path.join(self.root, "square", "square-000.png"))
        self.refused(self.root, os.path.join(self.root, "square"), f"at least {MIN_PER_CLASS}")

    def test_too_many_classes(self):
        for k in range(MAX_CLASSES - 2):
            os.makedirs(os.path.join(self.root, f"extra{k}"))
        self.refused(self.root, self.root, f"at most {MAX_CLASSES}")

    def test_damaged_image_is_fatal_unless_skipped_and_strays_are_counted(self):
        bad = os.path.join(self.root, "circle", "broken.png")
        with open(bad, "wb") as f:
            f.write(b"\x89PNG not really")
        with open(os.path.join(self.root, "circle", "notes.txt"), "w") as f:
            f.write("hello")
        self.refused(self.root, bad, "--skip-unreadable")
        d = load_user_data(self.root, skip_unreadable=True)
        self.assertEqual(d["skipped"], {"not an image": 1, "unreadable": 1})

    def test_idx_pair_with_classes_txt(self):
        idx = os.path.join(self.tmp.name, "idx")
        os.makedirs(idx)
        n = 3 * MIN_PER_CLASS
        images = np.random.default_rng(0).integers(0, 255, (n, 28, 28), dtype=np.uint8)
        labels = np.repeat(np.arange(3, dtype=np.uint8), MIN_PER_CLASS)
        with gzip.open(os.path.join(idx, "train-images-idx3-ubyte.gz"), "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + np.array([n, 28, 28], ">u4").tobytes() + images.tobytes())
        with gzip.open(os.path.join(idx, "train-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + np.array([n], ">u4").tobytes() + labels.tobytes())
        with open(os.path.join(idx, "classes.txt"), "w") as f:
            f.write("a\nb\nc\n")
        d = load_user_data(idx)
        self.assertEqual(d["kind"], "idx")
        self.assertEqual(d["class_names"], ["a", "b", "c"])
        self.assertEqual(len(d["train_labels"]) + len(d["test_labels"]), n)

    def test_cli_exit_2_with_the_path(self):
        missing = os.path.join(self.root, "nope")
        r = subprocess.run([sys.executable, "training/prepare_data.py", "--data", missing, "--out", self.tmp.name],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"error: {missing}: no such folder", r.stderr)


if __name__ == "__main__":
    unittest.main()

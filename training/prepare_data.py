"""Reads a user's data set (mtd/userdata.py) into <out>/dataset.npz for the rest of the pipeline.

  prepare_data.py --data DIR --out RUN [--name NAME] [--test-fraction 0.1] [--seed 0] [--skip-unreadable]
                  [--class-names a,b,c]   (idx pairs only; else classes.txt beside them, else "class k")
Exit status 2 with "error: <path>: <why>" when the data cannot be used.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mtd.userdata import MIN_PER_CLASS, UserDataError, load_user_data, save_dataset  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="", help="the model's name in the playground (default: the folder's name)")
    ap.add_argument("--test-fraction", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-unreadable", action="store_true",
                    help="skip (and count) image files that cannot be decoded instead of stopping")
    ap.add_argument("--class-names", default="", help="comma-separated names for an idx pair's labels 0, 1, ...")
    args = ap.parse_args()
    names = [s.strip() for s in args.class_names.split(",") if s.strip()] or None
    try:
        data = load_user_data(args.data, args.test_fraction, args.seed, args.skip_unreadable, names)
    except UserDataError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    name = args.name or os.path.basename(os.path.normpath(os.path.abspath(args.data)))
    os.makedirs(args.out, exist_ok=True)
    save_dataset(os.path.join(args.out, "dataset.npz"), data, name)
    per_class = [int((data["train_labels"] == k).sum()) for k in range(len(data["class_names"]))]
    print(f"data set '{name}' from {args.data} ({data['kind']}): {len(data['class_names'])} classes "
          f"{data['class_names']}, {len(data['train_labels'])} training images {per_class}, "
          f"{len(data['test_labels'])} held out for testing (minimum per class: {MIN_PER_CLASS})")
    for why, n in data["skipped"].items():
        if n:
            print(f"skipped {n} file(s): {why}")


if __name__ == "__main__":
    main()

"""Training cost of chapter 03's CNN taggers per fine-tuning depth (``tagbook.vision.finetune``).

For each depth (``none``: the tag layer on pooled features; ``head``: the 1x1 head convolution too,
on the cached output of the frozen stem; ``block``: the last MBConv block as well; ``all``: the
whole EfficientNet-Lite0 from the images), the seconds of one training step (forward, backward
and SGD update with the pairwise hinge, 92 tags) on a batch of random inputs of the real shape,
best of ``--repeats``, and the projected seconds per epoch of ``--images`` training images. Ratios
to ``none`` and ``head`` are measured in one run.

    .venv/bin/python benchmarks/bench_cnn_finetune.py [--batch 32] [--images 1215] [--modes none head block all]

The last printed line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from tagbook.experiments.he2015 import finetune_step_seconds
from tagbook.vision import load_backbone
from tagbook.vision.finetune import FINETUNE


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32, help="images per step (the CNN taggers' batch size)")
    parser.add_argument("--images", type=int, default=1215, help="training images per epoch (chapter 03's default)")
    parser.add_argument("--tags", type=int, default=92)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--modes", nargs="+", default=list(FINETUNE), choices=FINETUNE)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    backbone = load_backbone("efficientnet-lite0")
    steps = -(-args.images // args.batch)
    result = {"benchmark": "cnn_finetune", "batch": args.batch, "images": args.images, "threads": args.threads,
              "step_seconds": {}, "epoch_seconds": {}}
    for mode in args.modes:
        seconds = finetune_step_seconds(backbone, mode, batch=args.batch, n_tags=args.tags, repeats=args.repeats)
        result["step_seconds"][mode] = seconds
        result["epoch_seconds"][mode] = seconds * steps
        print(f"{mode:>6}: {1e3 * seconds:9.1f} ms per step of {args.batch}, {seconds * steps:8.1f} s per epoch "
              f"of {args.images} images", flush=True)
    for base in ("none", "head"):
        if base in result["step_seconds"]:
            result[f"ratio_to_{base}"] = {m: s / result["step_seconds"][base] for m, s in result["step_seconds"].items()}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()

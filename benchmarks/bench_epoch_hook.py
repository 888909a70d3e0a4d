"""What the per-epoch held-out measurement costs chapter 05's training (prints figures, last line JSON).

    .venv/bin/python benchmarks/bench_epoch_hook.py [--epochs 5] [--threads 2]

Trains the conv-level and the pooled model twice on random conv maps of the chapter's default
sizes (557 training images of 1280 x 7 x 7, 86 seen labels with 50-d vectors, batches of 32):
once plainly and once with the per-epoch hook that chapter 05 uses (the sampled BCE in evaluation
mode on a fixed label sample of 120 held-out and 120 training images,
:class:`tagbook.experiments.kovacs2019.EpochBCE`'s measurement). Both runs of a model are in one
process, one after the other, so their ratio holds on a loaded machine too; the epoch losses of
the two runs are compared (they must be equal: the hook changes nothing).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from tagbook.experiments.kovacs2019 import fixed_label_sample, sample_bce
from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig
from tagbook.methods.vse.pooled import PooledVSE, PooledVSEConfig

N_TRAIN, N_HELD_OUT, CHANNELS, N_LABELS, DIM = 557, 120, 1280, 86, 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)  # the chapter trains 15: the hook costs the same per epoch
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    conv = np.maximum(rng.normal(size=(N_TRAIN + N_HELD_OUT, CHANNELS, 7, 7)), 0).astype(np.float32)
    targets = rng.random((N_TRAIN + N_HELD_OUT, N_LABELS)) < 0.05
    vectors = rng.normal(size=(N_LABELS, DIM)).astype(np.float32)
    train, held_out = np.arange(N_TRAIN), np.arange(N_TRAIN, N_TRAIN + N_HELD_OUT)
    measured = {"held-out": held_out, "training": np.sort(rng.choice(train, N_HELD_OUT, replace=False))}
    samples = {name: fixed_label_sample(targets[idx]) for name, idx in measured.items()}
    print(f"{N_TRAIN} training images of {CHANNELS} x 7 x 7, {N_LABELS} labels, {args.epochs} epochs, "
          f"{args.threads} threads; the hook measures {N_HELD_OUT} held-out and {N_HELD_OUT} training images")
    result = {"epochs": args.epochs, "threads": args.threads}
    kinds = (("conv", ConvVSE, ConvVSEConfig(epochs=args.epochs, seed=0, show_progress=False, num_threads=args.threads)),
             ("pooled", PooledVSE, PooledVSEConfig(epochs=args.epochs, seed=0, show_progress=False,
                                                    num_threads=args.threads)))
    for name, cls, config in kinds:
        start = time.perf_counter()
        plain = cls(config).fit(conv[train], targets[train], vectors)
        plain_s = time.perf_counter() - start
        model, spent = cls(config), [0.0]

        def hook(epoch, model=model, spent=spent):
            begin = time.perf_counter()
            for part, idx in measured.items():
                sample_bce(model, conv[idx], vectors, samples[part])
            spent[0] += time.perf_counter() - begin

        start = time.perf_counter()
        model.fit(conv[train], targets[train], vectors, on_epoch=hook)
        hooked_s = time.perf_counter() - start
        same = model.history_ == plain.history_
        print(f"{name:7s} plain {plain_s:7.1f} s   with hook {hooked_s:7.1f} s   hook itself {spent[0]:6.1f} s "
              f"({100 * spent[0] / plain_s:4.1f}% of plain)   epoch losses identical: {same}")
        result[name] = {"plain_s": round(plain_s, 2), "with_hook_s": round(hooked_s, 2), "hook_s": round(spent[0], 2),
                        "hook_share_of_plain": round(spent[0] / plain_s, 4), "identical_losses": same}
    print(json.dumps(result))


if __name__ == "__main__":
    main()

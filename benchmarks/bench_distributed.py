"""Training the conv-level head in 1 process and in 2 (torchrun, gloo): time per epoch.

Stand-in data with EfficientNet-Lite0's shapes (random conv maps 1280 x 7 x 7, 50-d label vectors,
50 labels per image): speed does not depend on what the maps show. Each launch trains the same
model, one epoch per call of the training loop; the first (warm-up) is left out. Two processes
with one thread each split every batch; one process uses one or two threads.

    .venv/bin/python benchmarks/bench_distributed.py [--n-images 512] [--epochs 3]

On a machine with fewer cores than processes x threads the processes compete: compare the rows
only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch


def train(args: argparse.Namespace) -> None:
    """One rank of a launch: train, and on rank 0 print the epoch times as JSON."""
    from tagbook.training.distributed import DistributedContext
    from tagbook.methods.vse.conv import ConvVSEConfig, ConvVSEHead
    from tagbook.training.label_sampling import train_label_sampling, unit_rows
    from tagbook.seeding import seed_everything

    ctx = DistributedContext.from_environment()
    rng = np.random.default_rng(0)
    conv = rng.normal(size=(args.n_images, 1280, 7, 7)).astype(np.float32)
    targets = rng.random((args.n_images, 200)) < 0.03
    vectors = unit_rows(rng.normal(size=(200, 50)))
    seed_everything(0)
    config = ConvVSEConfig(epochs=1, batch_size=args.batch_size, show_progress=False, num_threads=args.threads)
    head = ConvVSEHead(1280, 50, config)
    inputs, times, losses = torch.as_tensor(conv), [], []
    for epoch in range(args.epochs + 1):  # the first is a warm-up
        t0 = time.perf_counter()
        losses += train_label_sampling(head, inputs, targets, vectors, config, context=ctx)
        if epoch:
            times.append(time.perf_counter() - t0)
    if ctx.is_main:
        print(json.dumps({"seconds_per_epoch": float(np.median(times)), "last_loss": losses[-1]}))
    ctx.cleanup()


def launch(args: argparse.Namespace, processes: int, threads: int) -> dict:
    worker = [__file__, "--worker", "--n-images", str(args.n_images), "--epochs", str(args.epochs),
              "--batch-size", str(args.batch_size), "--threads", str(threads)]
    if processes == 1:
        command = [sys.executable, *worker]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
                   str(processes), *worker]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    src = Path(__file__).resolve().parents[1] / "src"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        train(args)
        return
    print(f"{args.n_images} conv maps 1280x7x7, batch {args.batch_size}, median of {args.epochs} epochs, "
          f"{os.cpu_count()} cores")
    rows = [(1, 1), (1, 2), (2, 1)]
    results = {row: launch(args, *row) for row in rows}
    base = results[(1, 1)]["seconds_per_epoch"]
    for (processes, threads), r in results.items():
        print(f"{processes} process(es) x {threads} thread(s): {r['seconds_per_epoch']:6.2f} s/epoch "
              f"({base / r['seconds_per_epoch']:.2f}x of 1x1), last epoch loss {r['last_loss']:.4f}")


if __name__ == "__main__":
    main()

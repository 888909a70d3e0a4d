"""Sampled vs full training steps of the chapter-04 tagger, from 1k to 400k tags (Ni et al. Table 1).

Per training step (batch 128, P = 5, N = 10, d = 50, a 1280 -> 512 -> 50 network), at each
vocabulary size:

- ``output``: the word-vector part of the step, i.e. look-up (sampled) or one product with the
  whole table (full), the loss, its backward into the word vectors and ``f``, and the word-vector
  update (SparseAdam on the touched rows, or dense Adam on the whole table);
- ``step``: the whole step, sampling and the network's forward and backward included;
- ``sampling_share``: the fraction of the sampled step spent drawing positives and negatives
  (the paper's profile: 60% at 432k words before its fast schemes);
- ``peak_rss_mb``: peak resident memory of a process that builds and trains the sampled model
  (each size and mode runs in a fresh process, so the figures do not mix).

The sampled objective is the paper's (alpha = 0.01). The full baseline is the cheapest honest full
objective: alpha = 0 (one matrix product over the vocabulary and a fused softplus loss, no Python
loop, no dense target matrix) with a dense Adam update of the table, so the speed-up it reports is
a lower bound. The data are synthetic: 8,192 images with 1-15 Zipf-distributed tags each and
random features; timing does not depend on what the features show. Scoring 1,000 images against
the largest vocabulary to a top-10 through the chunked top-k is timed too. The measuring processes
run with ``OMP_WAIT_POLICY=PASSIVE`` unless the environment sets it: on a machine shared with other
work, OpenMP threads spinning at barriers otherwise swamp the small ops of a sampled step (tens of
times slower in our measurements).

    .venv/bin/python benchmarks/bench_sampled_tagging.py            # 1k, 10k, 100k, 400k tags
    .venv/bin/python benchmarks/bench_sampled_tagging.py --quick    # 1k, 10k, 100k, fewer steps

The last printed line is JSON: ``tags``, ``sampled_output_ms``, ``full_output_ms``,
``sampled_step_ms``, ``full_step_ms``, ``sampling_share``, ``peak_rss_mb`` (lists aligned with
``tags``), plus ``full_peak_rss_mb``, ``sampling_ms``, the target checks and the scoring figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

DEFAULT_TAGS = (1_000, 10_000, 100_000, 400_000)
QUICK_TAGS = (1_000, 10_000, 100_000)


def synthetic_corpus(n_tags: int, n_images: int, n_features: int, dim: int, seed: int = 0):
    """Random features, Zipf tags (1-15 per image) over ``n_tags`` words, random word vectors."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n_images, n_features), dtype=np.float32)
    weights = 1.0 / np.arange(1, n_tags + 1)
    cdf = np.cumsum(weights / weights.sum())
    counts = rng.integers(1, 16, size=n_images)
    flat = np.minimum(np.searchsorted(cdf, rng.random(counts.sum()), side="right"), n_tags - 1)
    tags = np.split(flat, np.cumsum(counts)[:-1])
    vectors = rng.standard_normal((n_tags, dim), dtype=np.float32)
    return features, [t.tolist() for t in tags], vectors


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def measure_training(args) -> dict:
    """One vocabulary size, one mode, in this process: mean milliseconds per step of each part."""
    from tagbook.methods.tagging.sampled_inputs import as_tag_rows, unit_rows
    from tagbook.methods.tagging.sampled_tagging import SampledTaggerConfig, SampledTrainer

    features, tags, vectors = synthetic_corpus(args.one, args.images, args.features, args.dim)
    sampled = args.mode == "sampled"
    config = SampledTaggerConfig(
        batch_size=args.batch,
        sampled=sampled,
        alpha=0.01 if sampled else 0.0,
        full_over_vocabulary=True,
        num_threads=args.threads,
        show_progress=False,
    )
    trainer = SampledTrainer(config, features, as_tag_rows(tags, len(tags), args.one), unit_rows(vectors))
    del features, tags, vectors
    if trainer.negative_sampler is not None:
        trainer.negative_sampler.start_epoch(trainer.rng)
    steps = args.steps if sampled else args.full_steps
    order = trainer.rng.permutation(trainer.rows)
    batches = [order[(i * args.batch) % (order.size - args.batch) :][: args.batch] for i in range(steps + args.warmup)]
    for batch in batches[: args.warmup]:
        trainer.step(batch)
    trainer.times.__init__()  # forget the warm-up steps
    for batch in batches[args.warmup :]:
        trainer.step(batch)
    ms = trainer.times.mean_ms()
    return {
        "tags": args.one,
        "mode": args.mode,
        "output_ms": ms["output"],
        "step_ms": ms["step"],
        "sampling_ms": ms["sampling"],
        "sampling_share": trainer.times.sampling_share,
        "steps": steps,
        "peak_rss_mb": peak_rss_mb(),
    }


def measure_scoring(args) -> dict:
    """Top-10 of 1,000 image points against ``args.one`` word vectors, chunked."""
    import torch

    from tagbook.ranking import top_k_scores

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(1)
    points = rng.standard_normal((1000, args.dim), dtype=np.float32)
    vectors = rng.standard_normal((args.one, args.dim), dtype=np.float32)
    t0 = time.perf_counter()
    idx, _ = top_k_scores(points, vectors, 10)
    elapsed = time.perf_counter() - t0
    assert idx.shape == (1000, 10)
    return {"tags": args.one, "mode": "score", "score_ms": 1e3 * elapsed, "peak_rss_mb": peak_rss_mb()}


def run_child(args, n_tags: int, mode: str) -> dict:
    command = [sys.executable, __file__, "--one", str(n_tags), "--mode", mode, "--steps", str(args.steps),
               "--full-steps", str(args.full_steps), "--warmup", str(args.warmup), "--threads", str(args.threads),
               "--batch", str(args.batch), "--dim", str(args.dim), "--features", str(args.features),
               "--images", str(args.images)]
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", args.omp_wait_policy)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {mode} at {n_tags} tags failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k, 10k and 100k tags with fewer steps")
    parser.add_argument("--tags", type=int, nargs="+", default=None, help="vocabulary sizes (default 1k-400k)")
    parser.add_argument("--steps", type=int, default=None, help="timed sampled steps (default 40; quick 15)")
    parser.add_argument("--full-steps", type=int, default=None, help="timed full steps (default 5; quick 3)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--dim", type=int, default=50, help="word-vector dimension (GloVe 6B: 50)")
    parser.add_argument("--features", type=int, default=1280, help="image feature size (EfficientNet-Lite0)")
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--omp-wait-policy", default="PASSIVE", choices=("PASSIVE", "ACTIVE"),
                        help="OpenMP idle threads sleep (PASSIVE, default) or spin; an environment "
                             "OMP_WAIT_POLICY wins")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # a child: one size
    parser.add_argument("--mode", choices=("sampled", "full", "score"), default="sampled", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.steps = args.steps or (15 if args.quick else 40)
    args.full_steps = args.full_steps or (3 if args.quick else 5)
    if args.one is not None:
        print(json.dumps(measure_scoring(args) if args.mode == "score" else measure_training(args)))
        return

    sizes = tuple(args.tags) if args.tags else (QUICK_TAGS if args.quick else DEFAULT_TAGS)
    print(f"batch {args.batch}, P=5, N=10, d={args.dim}, network {args.features}->512->{args.dim}, "
          f"{args.images} images, {args.threads} threads "
          f"(OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', args.omp_wait_policy)}); "
          f"{args.steps} sampled / {args.full_steps} full steps timed")
    print(f"{'tags':>8} {'sampled out':>12} {'full out':>10} {'ratio':>8} {'sampled step':>13} {'full step':>10} "
          f"{'sampling':>9} {'RSS sampled':>12} {'RSS full':>9}")
    rows = []
    for n_tags in sizes:
        s, f = run_child(args, n_tags, "sampled"), run_child(args, n_tags, "full")
        rows.append((s, f))
        print(f"{n_tags:>8} {s['output_ms']:>10.2f}ms {f['output_ms']:>8.1f}ms {f['output_ms'] / s['output_ms']:>7.0f}x "
              f"{s['step_ms']:>11.2f}ms {f['step_ms']:>8.1f}ms {100 * s['sampling_share']:>8.1f}% "
              f"{s['peak_rss_mb']:>10.0f}MB {f['peak_rss_mb']:>7.0f}MB", flush=True)
    score = run_child(args, sizes[-1], "score")
    print(f"top-10 of 1,000 images over {sizes[-1]} words (chunked): {score['score_ms']:.0f} ms, "
          f"peak RSS {score['peak_rss_mb']:.0f} MB")
    sampled_out = [s["output_ms"] for s, _ in rows]
    growth = sampled_out[-1] / sampled_out[0]
    speedup = rows[-1][1]["output_ms"] / rows[-1][0]["output_ms"]
    print(f"sampled output part grows {growth:.2f}x from {sizes[0]} to {sizes[-1]} tags (target <= 1.5x); "
          f"full/sampled output at {sizes[-1]}: {speedup:.0f}x (target >= 50x at 400k); "
          f"sampled peak RSS at {sizes[-1]}: {rows[-1][0]['peak_rss_mb']:.0f} MB (target <= 1536 MB)")
    print(json.dumps({
        "tags": list(sizes),
        "sampled_output_ms": sampled_out,
        "full_output_ms": [f["output_ms"] for _, f in rows],
        "sampled_step_ms": [s["step_ms"] for s, _ in rows],
        "full_step_ms": [f["step_ms"] for _, f in rows],
        "sampling_share": [s["sampling_share"] for s, _ in rows],
        "peak_rss_mb": [s["peak_rss_mb"] for s, _ in rows],
        "full_peak_rss_mb": [f["peak_rss_mb"] for _, f in rows],
        "sampling_ms": [s["sampling_ms"] for s, _ in rows],
        "sampled_output_growth": growth,
        "full_over_sampled_output_at_largest": speedup,
        "score_top10_ms": score["score_ms"],
        "score_peak_rss_mb": score["peak_rss_mb"],
        "threads": args.threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", args.omp_wait_policy),
    }))


if __name__ == "__main__":
    main()

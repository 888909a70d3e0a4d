"""WARP's negative search, vectorised against a per-pair loop, and WSABIE's training speed.

The search is timed on one batch of (image, relevant tag) pairs of a half-trained model (scores
from random embeddings shifted so that about one candidate in ten violates the margin), for
several vocabulary sizes; training on synthetic features of the CNN features' shape (1280-D).
Speed does not depend on what the features show.

    .venv/bin/python benchmarks/bench_wsabie.py [--pairs 256] [--tags 81 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from tagbook.methods.tagging.inputs import as_tag_matrix
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.methods.tagging.warp import sample_warp_negatives
from tagbook.methods.tagging.wsabie import WSABIE, WSABIEConfig


def loop_search(rows, s_pos, scores, tags, rng, margin=1.0):
    """The textbook form: per pair, draw irrelevant tags one at a time."""
    out = []
    for p, i in enumerate(rows):
        irrelevant = np.flatnonzero(~tags[i])
        for n in range(1, irrelevant.size + 1):
            c = irrelevant[rng.integers(irrelevant.size)]
            if margin + scores[p, c] > s_pos[p]:
                out.append((c, n))
                break
        else:
            out.append((-1, irrelevant.size))
    return out


def time_search(n_pairs: int, n_tags: int, block: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    tags = rng.random((n_pairs, n_tags)) < min(0.5, 3.0 / n_tags)
    tags[np.arange(n_pairs), rng.integers(0, n_tags, n_pairs)] = True
    index = TagIndex(as_tag_matrix(tags, n_pairs))
    rows = np.arange(n_pairs)
    positives = np.array([rng.choice(np.flatnonzero(r)) for r in tags])
    scores = rng.normal(size=(n_pairs, n_tags)).astype(np.float32)
    s_pos = scores[rows, positives] + 2.3  # about 10% of the negatives violate
    start = time.perf_counter()
    sample_warp_negatives(rows, s_pos, lambda p, c: scores[p[:, None], c], index,
                          np.random.default_rng(1), block_size=block)
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    loop_search(rows, s_pos, scores, tags, np.random.default_rng(1))
    loop = time.perf_counter() - start
    return {"n_tags": n_tags, "vectorised_s": vectorised, "loop_s": loop, "speedup": loop / vectorised}


def time_training(n_images: int, n_tags: int, threads: int) -> dict:
    pb = planted_problem(n_images=n_images, n_tags=n_tags, n_features=1280, max_tags_per_image=3, seed=0)
    cfg = WSABIEConfig(epochs=1, show_progress=False, num_threads=threads)
    start = time.perf_counter()
    WSABIE(cfg).fit(pb.features, pb.tag_matrix)
    seconds = time.perf_counter() - start
    pairs = int(pb.tag_matrix.sum())
    return {"n_images": n_images, "n_tags": n_tags, "epoch_s": seconds, "pairs_per_s": pairs / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--tags", type=int, nargs="+", default=[81, 1000, 10000])
    parser.add_argument("--block", type=int, default=16)
    parser.add_argument("--train-images", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    search = []
    for n_tags in args.tags:
        row = time_search(args.pairs, n_tags, args.block)
        search.append(row)
        print(f"WARP search, {args.pairs} pairs, {n_tags:6d} tags: vectorised {row['vectorised_s'] * 1e3:8.1f} ms, "
              f"loop {row['loop_s'] * 1e3:8.1f} ms ({row['speedup']:.1f}x)")
    training = time_training(args.train_images, 81, args.threads)
    print(f"WSABIE training, {training['n_images']} images x 1280-D, 81 tags: one epoch {training['epoch_s']:.2f} s, "
          f"{training['pairs_per_s']:.0f} pairs/s")
    print(json.dumps({"search": search, "training": training, "threads": args.threads}))


if __name__ == "__main__":
    main()

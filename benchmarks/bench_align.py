"""Timings of cross-lingual alignment, CSLS retrieval and BiSkip on this machine (prints figures).

    .venv/bin/python benchmarks/bench_align.py [--vocab 20000] [--threads 2]

Measures, on random unit vectors of the sizes the chapter uses (50-d English onto 200-d Chinese):
the Procrustes fit; one RCSLS gradient step (neighbour search in the smaller space against the
larger one); CSLS retrieval of 1,500 queries with the r_S term over the whole vocabulary, in the
full 200-d space and in the exact 50-d coordinates of the map's range
(:func:`tagbook.text.align.compress_to_map_range`); and BiSkip's pair generation and one epoch
on a planted 10,000-pair corpus.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from tagbook.text.align import (
    RCSLSAlignment,
    RCSLSConfig,
    compress_to_map_range,
    normalize_rows,
    procrustes,
    retrieve,
)
from tagbook.text.biskip import BiSkip, BiSkipConfig


def timed(fn, repeat: int = 3) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    S = normalize_rows(rng.normal(size=(args.vocab, 50)))
    T = normalize_rows(rng.normal(size=(args.vocab, 200)))
    pairs = rng.choice(args.vocab, size=(5000, 2))
    X, Y = S[pairs[:, 0]], T[pairs[:, 1]]
    print(f"vocabulary {args.vocab} x 50 -> {args.vocab} x 200, 5000 seed pairs, {args.threads} threads")

    print(f"Procrustes fit:                       {timed(lambda: procrustes(X, Y)) * 1e3:8.1f} ms")
    model = RCSLSAlignment(RCSLSConfig(show_progress=False))
    W = torch.from_numpy(procrustes(X, Y).astype(np.float32))
    Xt, Yt, St, Tt = (torch.from_numpy(a) for a in (X, Y, S, T))
    step = timed(lambda: model._loss_and_grad(W, Xt, Yt, St, Tt, 10, 10), repeat=2)
    print(f"RCSLS loss + gradient (one step):     {step:8.2f} s")

    mapped = normalize_rows(S @ W.numpy().T)
    queries = np.arange(1500)
    full = timed(lambda: retrieve(mapped[queries], T, k=10, method="csls", mapped_source_space=mapped), repeat=1)
    a, b = compress_to_map_range(W.numpy(), S, T)
    small = timed(lambda: retrieve(a[queries], b, k=10, method="csls", mapped_source_space=a, normalize=False), repeat=1)
    print(f"CSLS retrieval, 1500 queries, 200-d:  {full:8.2f} s")
    print(f"  same in the map's 50-d range:       {small:8.2f} s  ({full / small:.1f}x faster)")

    corpus = []
    for _ in range(10000):
        n = int(rng.integers(4, 12))
        words = rng.integers(2000, size=n)
        corpus.append(([f"e{w}" for w in words], [f"z{w}" for w in words]))
    bi = BiSkip(BiSkipConfig(epochs=1, min_count=1, show_progress=False))
    start = time.perf_counter()
    bi.fit(corpus)
    epoch = time.perf_counter() - start
    bi._build_vocab(corpus)
    src, tgt = bi._encode(corpus, 0), bi._encode(corpus, 1)
    gen = timed(lambda: bi._epoch_pairs(src, tgt, np.random.default_rng(0)), repeat=2)
    n_pairs = len(bi._epoch_pairs(src, tgt, np.random.default_rng(0))[0])
    print(f"BiSkip pair generation, 10k sentence pairs: {gen:6.2f} s ({n_pairs} training pairs)")
    print(f"BiSkip one epoch incl. vocabulary:           {epoch:6.2f} s ({n_pairs / epoch:,.0f} pairs/s)")


if __name__ == "__main__":
    main()

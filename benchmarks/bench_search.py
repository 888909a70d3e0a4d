"""Localisation-map search over 10,000 cached images: index build and query time.

The images are stand-ins (random conv maps with EfficientNet-Lite0's shape, 1280 x 7 x 7): speed
does not depend on what the pixels show. The index keeps each image's region embeddings
(k x d x 7 x 7, float16); a query runs only the cosine maps and the small map network.

    .venv/bin/python benchmarks/bench_search.py [--n-images 10000] [--embed-dim 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from tagbook.apps.map_index import MapIndex
from tagbook.methods.vse.localisation import SpatialQuery
from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=10_000)
    parser.add_argument("--embed-dim", type=int, default=50, help="label-vector dimension (GloVe 6B: 50)")
    parser.add_argument("--k-blocks", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)

    # a model with the real shapes (weights do not change the cost): one epoch on random data
    n_labels = 60
    train = rng.normal(size=(64, 1280, 7, 7)).astype(np.float32)
    model = ConvVSE(ConvVSEConfig(epochs=1, k_blocks=args.k_blocks, show_progress=False, num_threads=args.threads))
    model.fit(train, rng.random((64, n_labels)) < 0.1, rng.normal(size=(n_labels, args.embed_dim)))

    build_s, parts = 0.0, []
    for start in range(0, args.n_images, args.chunk):
        conv = rng.normal(size=(min(args.chunk, args.n_images - start), 1280, 7, 7)).astype(np.float32)
        t0 = time.perf_counter()
        parts.append(MapIndex.build(model, conv, [f"img{start + i:05d}" for i in range(len(conv))]).regions)
        build_s += time.perf_counter() - t0
    index = MapIndex(model, np.concatenate(parts), [f"img{i:05d}" for i in range(args.n_images)])

    queries = {
        "sky:top, not cloud:top": SpatialQuery.parse(["sky:top"], ["cloud:top"]),
        "person:right, not person:left": SpatialQuery.parse(["person:right"], ["person:left"]),
        "dog:right, sky:top, not cloud:all": SpatialQuery.parse(["dog:right", "sky:top"], ["cloud:all"]),
    }
    print(f"{args.n_images} images, k={args.k_blocks}, d={args.embed_dim}, {args.threads} threads")
    print(f"index size: {index.regions.nbytes / 2**20:.0f} MiB (float16 region embeddings)")
    print(f"index build from cached conv maps: {build_s:.2f} s ({args.n_images / build_s:.0f} img/s)")
    for text, query in queries.items():
        vectors = rng.normal(size=(len(query.labels), args.embed_dim))
        index.search(query, vectors, k=10)  # warm-up
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            index.search(query, vectors, k=10)
            times.append(time.perf_counter() - t0)
        print(f"query {text!r} ({len(query.labels)} labels): {min(times):.3f} s best of 3 "
              f"({args.n_images / min(times):.0f} img/s)")


if __name__ == "__main__":
    main()

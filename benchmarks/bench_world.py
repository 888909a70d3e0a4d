"""How fast the toy world generates (target: 10,000 images at 64 px in under 30 s on 2 cores).

Prints images/s and total seconds for one and for two worker processes, then the cost of a cache
write and a cache read of the same world. Run: ``.venv/bin/python benchmarks/bench_world.py``
(``--n-images`` and ``--image-size`` to change the size; the default is the target's).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-images", type=int, default=10_000)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from tagbook.world import WorldConfig, generate_world, make_world

    config = WorldConfig(n_images=args.n_images, seed=args.seed, image_size=args.image_size)
    print(f"toy world: {config.n_images} images at {config.image_size} px, {os.cpu_count()} CPU cores visible")
    worlds = {}
    for workers in (1, 2):
        start = time.perf_counter()
        worlds[workers] = generate_world(config, workers=workers, progress=False)
        seconds = time.perf_counter() - start
        print(f"  generate, {workers} worker(s): {seconds:7.2f} s  {config.n_images / seconds:8.1f} images/s")
    same = np.array_equal(worlds[1].images, worlds[2].images) and worlds[1].captions == worlds[2].captions
    print(f"  1 and 2 workers give the same world: {same}")

    with tempfile.TemporaryDirectory() as cache:
        os.environ["TAGBOOK_CACHE"] = cache
        start = time.perf_counter()
        make_world(config, workers=2, progress=False)
        first = time.perf_counter() - start
        start = time.perf_counter()
        make_world(config, progress=False)
        second = time.perf_counter() - start
        size_mb = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(cache) for f in files) / 2**20
    print(f"  make_world, empty cache (generate + write): {first:7.2f} s")
    print(f"  make_world, warm cache (verify + read):     {second:7.2f} s  ({size_mb:.0f} MiB on disk)")


if __name__ == "__main__":
    main()

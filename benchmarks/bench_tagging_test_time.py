"""Test-time cost of the annotation methods of chapter 03: time per test image against the number
of training images N (kNN, DREL) and the number of tags T (DREL, WSABIE, SVM, and kNN).

He et al. (2015, Sec. 2) argue that DREL, WSABIE and the one-vs-all SVM cost O(T) per test image
and kNN O(N). Synthetic non-negative features of the CNN features' shape (1280-D) are scored by
models of the real structure with random parameters (timing does not depend on trained values;
see :func:`tagbook.experiments.he2015.time_per_test_image`). Ratios are measured in one run.

    .venv/bin/python benchmarks/bench_tagging_test_time.py [--n 1000 10000 100000] [--t 81 1000 10000]

The last printed line is JSON: seconds per test image per method and size, and the log-log slopes.
"""

from __future__ import annotations

import argparse
import json
import time

from tagbook.experiments.he2015 import complexity_slopes, complexity_table


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="training images N")
    parser.add_argument("--t", type=int, nargs="+", default=[81, 1_000, 10_000], help="tags T")
    parser.add_argument("--features", type=int, default=1280, help="feature dimensions")
    parser.add_argument("--test-images", type=int, default=200, help="test images scored per timing")
    parser.add_argument("--repeats", type=int, default=3, help="timings per point (the best is kept)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    table = complexity_table(args.n, args.t, n_features=args.features, n_test=args.test_images, repeats=args.repeats)
    slopes = complexity_slopes(table)
    print(table.assign(ms_per_image=1e3 * table["seconds"]).drop(columns="seconds").to_string(index=False))
    print(slopes.to_string(index=False))
    result = {
        "benchmark": "tagging_test_time",
        "features": args.features,
        "test_images": args.test_images,
        "seconds_per_image_vs_N": {m: {str(int(r.N)): r.seconds for r in part.itertuples()}
                                   for m, part in table[table["axis"] == "N"].groupby("method", sort=False)},
        "seconds_per_image_vs_T": {m: {str(int(r.T)): r.seconds for r in part.itertuples()}
                                   for m, part in table[table["axis"] == "T"].groupby("method", sort=False)},
        "loglog_slopes": {f"{r.method} vs {r.axis}": r.slope for r in slopes.itertuples()},
        "knn_over_drel_at_largest_N": float(
            table[(table["axis"] == "N") & (table["N"] == max(args.n)) & (table["method"] == "kNN")]["seconds"].iloc[0]
            / table[(table["axis"] == "N") & (table["N"] == max(args.n)) & (table["method"] == "DREL")]["seconds"].iloc[0]),
        "wall_s": time.perf_counter() - start,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()

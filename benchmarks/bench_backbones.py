"""Feature extraction speed per backbone, and the cost of scoring one image against 50,000 labels.

Run: ``.venv/bin/python benchmarks/bench_backbones.py [--images 32] [--threads 2]``

Part 1 times end-to-end extraction (uint8 photos in; crop, resize, normalise, forward; pooled
features and probabilities out; no cache) for each EfficientNet-Lite model at batch 1, 4 (the
default of ``extract_features``), 16 and 32, on two paths measured in the same run:

* eager: the package's model as published (``load_backbone(name, fold_bn=False)``);
* tagbook: the extraction path used by default (batch norms folded into the convolutions).

Part 2 times zero-shot scoring: the cosine of a 300-d image vector against a 50,000 x 300 label
matrix (rows L2-normalised once), then the top-k labels; per image and per batch of 32 images.
The build machines have two shared cores: run on a quiet machine, and read the ratios more
than the absolute numbers.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from tagbook.photos import load_sample_photos
from tagbook.vision import LITE_BACKBONES, extract_features, load_backbone


def _extract_seconds(backbone, images, batch_size: int) -> float:
    start = time.perf_counter()
    extract_features(backbone, images, kinds=("pooled", "probs"), batch_size=batch_size, cache=False, progress=False)
    return time.perf_counter() - start


def paired_images_per_second(a, b, images, batch_size: int, repeats: int) -> tuple[float, float]:
    """Best-of-``repeats`` images/s of backbones ``a`` and ``b``, timed alternately so that load
    from other processes hits both alike."""
    for bb in (a, b):  # warm-up
        _extract_seconds(bb, images[:batch_size], batch_size)
    best_a = best_b = float("inf")
    for _ in range(repeats):
        best_a = min(best_a, _extract_seconds(a, images, batch_size))
        best_b = min(best_b, _extract_seconds(b, images, batch_size))
    return len(images) / best_a, len(images) / best_b


def bench_extraction(names, n_images: int, batch_sizes, repeats: int) -> pd.DataFrame:
    photos = [p.image for p in load_sample_photos()]
    images = [photos[i % len(photos)] for i in range(n_images)]
    rows = []
    for name in names:
        eager = load_backbone(name, fold_bn=False)
        fast = load_backbone(name, fold_bn=True)
        for bs in batch_sizes:
            e, f = paired_images_per_second(eager, fast, images, bs, repeats)
            rows.append({"backbone": name, "input": f"{fast.input_size} px", "batch": bs,
                         "eager img/s": round(e, 1), "tagbook img/s": round(f, 1), "ratio": round(f / e, 2)})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def timed(fn, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_scoring(n_labels: int = 50_000, dim: int = 300, k: int = 10, repeats: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = rng.standard_normal((n_labels, dim)).astype(np.float32)
    labels /= np.linalg.norm(labels, axis=1, keepdims=True)
    image = rng.standard_normal(dim).astype(np.float32)
    batch = rng.standard_normal((32, dim)).astype(np.float32)

    def numpy_one():
        v = image / np.linalg.norm(image)
        s = labels @ v
        top = np.argpartition(-s, k)[:k]
        return top[np.argsort(-s[top])]

    def numpy_batch():
        v = batch / np.linalg.norm(batch, axis=1, keepdims=True)
        s = v @ labels.T
        top = np.argpartition(-s, k, axis=1)[:, :k]
        return np.take_along_axis(top, np.argsort(-np.take_along_axis(s, top, 1), axis=1), 1)

    t_labels, t_image, t_batch = torch.from_numpy(labels), torch.from_numpy(image), torch.from_numpy(batch)

    def torch_one():
        with torch.inference_mode():
            return torch.topk(t_labels @ (t_image / t_image.norm()), k).indices

    def torch_batch():
        with torch.inference_mode():
            return torch.topk((t_batch / t_batch.norm(dim=1, keepdim=True)) @ t_labels.T, k, dim=1).indices

    assert np.array_equal(numpy_one(), torch_one().numpy())
    rows = []
    for lib, one, many in (("numpy", numpy_one, numpy_batch), ("torch", torch_one, torch_batch)):
        t1, t32 = timed(one, repeats), timed(many, repeats)
        rows.append({"library": lib, "labels": n_labels, "dim": dim, "top-k": k,
                     "ms / image (one at a time)": round(1000 * t1, 3),
                     "ms / image (batch of 32)": round(1000 * t32 / 32, 3)})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32, help="images per timing (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per cell, best kept (default 3)")
    parser.add_argument("--backbones", nargs="+", default=list(LITE_BACKBONES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 4, 16, 32])
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    extraction = bench_extraction(args.backbones, args.images, args.batch_sizes, args.repeats)
    print("\nFeature extraction, end to end (uint8 photos -> pooled features + ImageNet probabilities):")
    print(extraction.to_string(index=False))
    print("\nScoring one image against 50,000 labels (cosine, then top-10):")
    print(bench_scoring().to_string(index=False))


if __name__ == "__main__":
    main()

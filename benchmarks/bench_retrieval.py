"""Timings of chapter 06's retrieval pieces on this machine (prints figures; the last line is JSON).

    .venv/bin/python benchmarks/bench_retrieval.py [--threads 2] [--joint-dim 64] [--images 400]

Measures:

- the evaluation of 1,000 images x 5,000 captions (the Multi30k / MS-COCO 1K test size): the
  cosine scores of 1,000 x 5,000 joint-space embeddings and :func:`tagbook.metrics.recall_at_k`
  (both directions, R@1/5/10 and median rank), and the same with the order score (the
  ``"asymmetric"`` similarity, scored in blocks by :meth:`AME.similarity`); target: within 1 s
  on 2 cores for the cosine;
- caption-caption retrieval (Table 5) of 5,000 x 5,000 captions (:func:`caption_recall_at_k`);
- AME's training throughput in captions per second (both languages' captions of an epoch over
  its wall time), with and without the alignment loss, on a made-up problem of ``--images``
  images with 5 captions of 8-14 words per language and a 2,000-word vocabulary per language;
- the caption-pair model of the real-caption tier (captions per second).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from tagbook.methods.retrieval import AME, ame_preset
from tagbook.methods.retrieval.caption_pairs import CaptionPairModel
from tagbook.metrics.retrieval import caption_recall_at_k, recall_at_k


def timed(fn, repeat: int = 3) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def made_up_problem(n_images: int, rng: np.random.Generator, vocab: int = 2000, dim: int = 50):
    words = {lang: [f"{lang}{i}" for i in range(vocab)] for lang in ("en", "de")}
    vectors = {lang: {w: rng.normal(size=dim).astype(np.float32) for w in words[lang]} for lang in words}
    captions = {lang: [[[words[lang][j] for j in rng.integers(0, vocab, size=rng.integers(8, 15))]
                        for _ in range(5)] for _ in range(n_images)] for lang in words}
    lexicon = [(f"en{i}", f"de{i}") for i in range(0, vocab, 4)]
    return rng.normal(size=(n_images, 1280)).astype(np.float32), captions, vectors, lexicon


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--joint-dim", type=int, default=64)
    parser.add_argument("--images", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    figures: dict[str, float] = {}

    images, captions = unit(rng.normal(size=(1000, args.joint_dim))), unit(rng.normal(size=(5000, args.joint_dim)))
    captions[::5] = unit(images + 0.5 * unit(rng.normal(size=images.shape)))  # some signal: realistic ranks
    figures["eval_1000x5000_cosine_s"] = timed(lambda: recall_at_k(images @ captions.T, 5))
    sim = images @ captions.T
    figures["eval_1000x5000_metric_only_s"] = timed(lambda: recall_at_k(sim, 5))
    order = AME(ame_preset("ame", similarity="asymmetric", joint_dim=args.joint_dim, gru_width=args.joint_dim))
    figures["eval_1000x5000_order_s"] = timed(lambda: recall_at_k(order.similarity(np.abs(images), np.abs(captions)), 5),
                                              repeat=1)
    other = unit(captions + 0.3 * unit(rng.normal(size=captions.shape)))
    figures["caption_caption_5000x5000_s"] = timed(lambda: caption_recall_at_k(captions @ other.T, 5), repeat=1)
    print(f"evaluation, 1,000 images x 5,000 captions, both directions: cosine {figures['eval_1000x5000_cosine_s']:.3f} s "
          f"(metric alone {figures['eval_1000x5000_metric_only_s']:.3f} s), order score {figures['eval_1000x5000_order_s']:.3f} s; "
          f"caption-caption 5,000 x 5,000: {figures['caption_caption_5000x5000_s']:.3f} s")

    features, caps, vectors, lexicon = made_up_problem(args.images, rng)
    n_captions = sum(len(per_image) for lang in caps for per_image in caps[lang])
    for name, preset in (("ame_paper", "ame"), ("ame_no_alignment", "ame_no_alignment"), ("fme", "fme")):
        config = ame_preset(preset, epochs=1, joint_dim=args.joint_dim, gru_width=args.joint_dim,
                            num_threads=args.threads, show_progress=False)
        start = time.perf_counter()
        AME(config).fit(features, caps, word_vectors=vectors, lexicon=lexicon)
        figures[f"train_{name}_captions_per_s"] = n_captions / (time.perf_counter() - start)
    config = ame_preset("ame", epochs=1, joint_dim=args.joint_dim, gru_width=args.joint_dim, num_threads=args.threads)
    start = time.perf_counter()
    CaptionPairModel(config).fit(caps, word_vectors=vectors, lexicon=lexicon)
    figures["train_caption_pairs_captions_per_s"] = n_captions / (time.perf_counter() - start)
    print("training throughput (captions per second, one epoch incl. building the vocabulary): "
          + ", ".join(f"{k[len('train_'):-len('_captions_per_s')]} {v:.0f}" for k, v in figures.items()
                      if k.startswith("train_")))
    figures |= {"threads": args.threads, "joint_dim": args.joint_dim, "images": args.images}
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()

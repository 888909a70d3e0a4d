"""Speed of `tagbook annotate` on phone photos: warm per-photo latency, decode included.

    .venv/bin/python benchmarks/bench_annotate.py [--backbone efficientnet-lite0] [--repeats 12]
                                                  [--vocabulary-size 20000] [--photos 6] [--threads 2]

Writes ``--photos`` synthetic 12-megapixel JPEGs (4000 x 3000, quality 90: scikit-image's sample
photos enlarged, with fine noise so the JPEG carries detail as a camera's does) into a temporary
folder, half of them with the EXIF orientation tag 6 (a phone held upright, stored sideways). Then:

- decode: each photo read by :func:`tagbook.vision.imageio.read_image` in full and reduced
  (``Image.draft`` down to the backbone's input plus its crop margin, EXIF orientation applied
  both times), median milliseconds, measured alternately in one run;
- per method (mt, conse, hierse, label-enhanced) with the 20,000-word everyday vocabulary:
  the annotator is loaded once (backbone, vocabulary, label vectors) and warmed on every photo
  (the "warm" state of a long-running process or a second photo), then each call reads one photo
  (reduced decode) and annotates it, end to end: decode, preprocessing, the ImageNet forward pass,
  Eq. 1-3 and the top 5. Median and 90th percentile over ``--repeats`` calls; for label-enhanced
  also with the full decode, side by side.

Target: label-enhanced at most 60 ms per photo on 2 idle cores, decode included. On a shared
machine absolute figures are inflated; the decode ratio is measured in one run. The last line
printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

TARGET_MS = 60.0
METHODS = ("mt", "conse", "hierse", "label-enhanced")


def write_phone_photos(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` 4000 x 3000 JPEGs from the sample photos; every second one stored sideways with EXIF
    orientation 6 (so it must be turned to come out upright)."""
    from PIL import Image
    from skimage import data

    sources = [data.chelsea, data.coffee, data.astronaut, data.rocket, data.horse, data.camera]
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        image = sources[i % len(sources)]()
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        if image.dtype != np.uint8:
            image = (np.asarray(image, dtype=float) * 255).astype(np.uint8)
        big = np.asarray(Image.fromarray(image[..., :3]).resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.int16)
        big = np.clip(big + rng.integers(-6, 7, size=big.shape, dtype=np.int16), 0, 255).astype(np.uint8)
        photo = Image.fromarray(big)
        path = folder / f"phone_{i:02d}.jpg"
        if i % 2:
            exif = Image.Exif()
            exif[0x0112] = 6  # stored turned: viewers rotate it 90 degrees clockwise
            photo.transpose(Image.Transpose.ROTATE_90).save(path, quality=90, exif=exif.tobytes())
        else:
            photo.save(path, quality=90)
        paths.append(path)
    return paths


def median_ms(values) -> float:
    return 1000.0 * statistics.median(values)


def p90_ms(values) -> float:
    ordered = sorted(values)
    return 1000.0 * ordered[int(0.9 * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--vocabulary-size", type=int, default=20000)
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lang", default="zh")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from tagbook.apps.annotator import AnnotatorConfig, CrossLingualAnnotator, target_vocabulary
    from tagbook.apps.photo_inputs import decode_min_side
    from tagbook.methods.zeroshot.source_models import ImageNetSource
    from tagbook.vision.imageio import read_image

    min_side = decode_min_side(args.backbone)
    result: dict = {"backbone": args.backbone, "lang": args.lang, "torch_threads": torch.get_num_threads(),
                    "repeats": args.repeats, "photo_pixels": 4000 * 3000, "decode_min_side": min_side}
    with tempfile.TemporaryDirectory(prefix="bench_annotate_") as tmp:
        t0 = time.perf_counter()
        paths = write_phone_photos(Path(tmp), args.photos)
        print(f"wrote {len(paths)} 12-megapixel JPEGs ({sum(p.stat().st_size for p in paths) / len(paths) / 1e6:.1f} MB "
              f"each, EXIF orientation 6 on {len(paths) // 2}) in {time.perf_counter() - t0:.1f} s")

        # ---- decode alone, full and reduced, alternately
        full_t, reduced_t = [], []
        shapes = {}
        for r in range(max(args.repeats, len(paths))):
            path = paths[r % len(paths)]
            start = time.perf_counter()
            full = read_image(path)
            middle = time.perf_counter()
            reduced = read_image(path, min_side=min_side)
            end = time.perf_counter()
            full_t.append(middle - start)
            reduced_t.append(end - middle)
            shapes[path.name] = (full.shape, reduced.shape)
        # every photo was taken landscape: the sideways-stored ones too once EXIF orientation is applied
        upright = all(f[0] < f[1] and r[0] < r[1] for f, r in shapes.values())
        result["decode_full_ms"] = round(median_ms(full_t), 1)
        result["decode_reduced_ms"] = round(median_ms(reduced_t), 1)
        result["decode_ratio_full_over_reduced"] = round(statistics.median(full_t) / statistics.median(reduced_t), 2)
        example_full, example_reduced = next(iter(shapes.values()))
        print(f"decode: full {result['decode_full_ms']:.1f} ms ({example_full[1]} x {example_full[0]}), reduced "
              f"{result['decode_reduced_ms']:.1f} ms ({example_reduced[1]} x {example_reduced[0]}): "
              f"{result['decode_ratio_full_over_reduced']:.1f}x; EXIF-turned photos come out upright: {upright}")
        result["exif_upright"] = bool(upright)

        # ---- per method, warm, end to end
        t0 = time.perf_counter()
        vocabulary = target_vocabulary(args.lang, args.vocabulary_size)
        source = ImageNetSource(args.backbone)
        print(f"set-up: vocabulary of {len(vocabulary):,} {args.lang} words, {args.backbone}: {time.perf_counter() - t0:.1f} s")
        print(f"{'method':<16} {'decode':>8} {'backbone':>9} {'method':>8} {'total ms':>9} {'p90':>7}"
              f"   (medians over {args.repeats} single-photo calls, reduced decode)")
        result["methods"] = {}
        for method in METHODS:
            t0 = time.perf_counter()
            annotator = CrossLingualAnnotator(AnnotatorConfig(lang=args.lang, method=method, backbone=args.backbone,
                                                              n_frequent=args.vocabulary_size),
                                              vocabulary=vocabulary, source=source).fit()
            for path in paths:  # warm up: encodes the source labels these photos need, once
                annotator.annotate([read_image(path, min_side=min_side)], top=5)
            fit_s = time.perf_counter() - t0

            def one_call(path, side):
                start = time.perf_counter()
                image = read_image(path, min_side=side)
                decoded = time.perf_counter()
                probs = source.predict_proba([image], cache=False)
                forward = time.perf_counter()
                annotator.predict(probs, top=5)
                end = time.perf_counter()
                return decoded - start, forward - decoded, end - forward, end - start

            runs = [one_call(paths[r % len(paths)], min_side) for r in range(args.repeats)]
            decode_t, backbone_t, method_t, total_t = map(list, zip(*runs))
            row = {"decode_ms": round(median_ms(decode_t), 1), "backbone_ms": round(median_ms(backbone_t), 1),
                   "method_ms": round(median_ms(method_t), 1), "total_ms": round(median_ms(total_t), 1),
                   "p90_total_ms": round(p90_ms(total_t), 1), "warm_up_s": round(fit_s, 1)}
            if method == "label-enhanced":  # full decode, side by side (alternating with the reduced one)
                pairs = [(one_call(paths[r % len(paths)], None)[3], one_call(paths[r % len(paths)], min_side)[3])
                         for r in range(args.repeats)]
                row["total_full_decode_ms"] = round(median_ms([p[0] for p in pairs]), 1)
                row["total_reduced_decode_ms_paired"] = round(median_ms([p[1] for p in pairs]), 1)
            result["methods"][method] = row
            print(f"{method:<16} {row['decode_ms']:>8.1f} {row['backbone_ms']:>9.1f} {row['method_ms']:>8.1f}"
                  f" {row['total_ms']:>9.1f} {row['p90_total_ms']:>7.1f}")
        le = result["methods"]["label-enhanced"]
        print(f"label-enhanced with the full decode: {le['total_full_decode_ms']:.1f} ms per photo against "
              f"{le['total_reduced_decode_ms_paired']:.1f} ms reduced (paired calls)")
    result["target_ms_label_enhanced"] = TARGET_MS
    result["label_enhanced_within_target_here"] = bool(le["total_ms"] <= TARGET_MS)
    print(f"target: label-enhanced <= {TARGET_MS:.0f} ms per photo on 2 idle cores, decode included; measured here "
          f"{le['total_ms']:.1f} ms (a shared machine inflates absolute figures: rerun when idle)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

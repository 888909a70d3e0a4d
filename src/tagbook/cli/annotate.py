"""`tagbook annotate IMAGE_OR_DIR... --lang zh --method label-enhanced`: label any photo in another language.

Harvests an ImageNet model (EfficientNet-Lite) for target-language labels as in Wei, Wang and Li
(2017): machine translation of its English labels, zero-shot ConSE / HierSE through a
multilingual space, or label-enhanced zero-shot, over the language's 20,000 most frequent everyday
content words (:mod:`tagbook.text.everyday`) or, for English, every GloVe 6B word. With ``--json``
the document (a list of ``{"input": ..., "labels": [{"label": ..., "gloss": ..., "score": ...}]}``
or ``{"input": ..., "error": ...}``) is written entry by entry as the photos are read. Images are found and read by
:mod:`tagbook.vision.imageio` (folders: their image files, sorted, not recursive; JPEGs decoded at
reduced scale down to the backbone's input plus its crop margin), one batch at a time; a bad input
(missing, not an image, unreadable, truncated, too large, an empty folder) gets a message on
stderr and a non-zero exit status, and the others are still annotated.
"""

from __future__ import annotations

import argparse
import json
import sys

BATCH = 32  # photos read and annotated together; the next batch is read only after
BACKBONES = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")


def add_parser(subparsers) -> None:
    from tagbook.apps.annotator import LANGUAGES, METHODS, VOCABULARIES
    from tagbook.text.everyday import DESCRIPTIONS

    p = subparsers.add_parser(
        "annotate",
        help="label photos with words in Chinese, English, Japanese or German",
        description=(
            "Annotate photos with labels in a target language by harvesting an ImageNet model "
            "(EfficientNet-Lite) as in Wei, Wang and Li (2017): mt translates its English labels "
            "(each label as a phrase, then its head noun, then its WordNet names; the sense chosen by the "
            "target word's frequency); conse and hierse embed the photo in a multilingual word space and take "
            "the nearest target words; label-enhanced (the paper's method) moves the photo's vector "
            "towards each of its top English labels in turn and picks one new word per step. "
            "Each label is printed with its English gloss where the dictionary has one. "
            "The first run in a language encodes its vocabulary (a few minutes for 20,000 words); later runs reuse it.\n\n"
            "The target words (--lang) are the language's most frequent everyday content words, built from "
            "offline resources only, never from any labelled photo:\n"
            + "".join(f"  {lang}: {DESCRIPTIONS[lang]}\n" for lang in ("zh", "ja", "en", "de"))
            + "  en with --vocabulary glove: all 400,000 words of GloVe 6B, ranked in GloVe's own space "
              "(conse, hierse and label-enhanced)\n"
            "mt translates with CC-CEDICT (zh), JMdict (ja) or the MUSE en-de dictionary (de, shared data only)."
        ),
        epilog="example: tagbook annotate photo.jpg holiday/ --lang zh --method label-enhanced --theta 0.5 --k 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR", help="image files or folders of images")
    p.add_argument("--lang", choices=LANGUAGES, default="zh", help="target language (default zh)")
    p.add_argument("--method", choices=METHODS, default="label-enhanced", help="default label-enhanced")
    p.add_argument("--theta", type=_unit_float, default=0.5, help="weight of the image vector in Eq. 3, in [0, 1] (default 0.5)")
    p.add_argument("--k", type=_positive_int, default=5, help="number of labels to print per image (default 5)")
    p.add_argument("--source-k", type=_positive_int, default=10, metavar="K",
                   help="number K of top English labels combined in Eq. 1 and used in Eq. 3 (default 10)")
    p.add_argument("--base", choices=("hierse", "conse"), default="hierse", help="zero-shot model under label-enhanced")
    p.add_argument("--backbone", choices=BACKBONES, default="efficientnet-lite0", help="ImageNet model (default lite0)")
    p.add_argument("--vocabulary", choices=VOCABULARIES, default="everyday",
                   help="target words: everyday (default; the most frequent content words of --lang) or glove "
                        "(--lang en only: every GloVe 6B word)")
    p.add_argument("--vocabulary-size", type=_positive_int, default=20000, metavar="N",
                   help="number of everyday words ranked (default 20000)")
    p.add_argument("--mt-strategy", choices=("phrase", "word"), default="phrase",
                   help="--method mt: phrase first (default) or the older word-by-word reading")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.set_defaults(func=run)


def _unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--theta must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"--theta must be in [0, 1], got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def run(args) -> int:
    from tagbook.apps.annotator import AnnotatorConfig, CrossLingualAnnotator, NoDictionary
    from tagbook.apps.photo_inputs import batches, decode_min_side, iter_photo_items

    try:
        config = AnnotatorConfig(
            lang=args.lang, method=args.method, theta=args.theta, k=args.source_k, base=args.base,
            backbone=args.backbone, n_frequent=args.vocabulary_size, vocabulary=args.vocabulary,
            mt_strategy=args.mt_strategy,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    annotator = None
    failed = 0
    first = True
    if args.json:
        print("[", end="", flush=True)  # the document is streamed, one entry per photo, as the folder is read
    for batch in batches(iter_photo_items(args.inputs, min_side=decode_min_side(args.backbone)), BATCH):
        good = [it for it in batch if it.error is None]
        if good:
            try:
                if annotator is None:
                    annotator = CrossLingualAnnotator(config).fit()
                predictions = annotator.annotate([it.image for it in good], top=args.k)
            except NoDictionary as exc:
                if args.json:
                    print("]")
                print(f"error: --method mt needs a dictionary: {exc}; use --method conse, hierse or label-enhanced", file=sys.stderr)
                return 2
            except FileNotFoundError as exc:
                if args.json:
                    print("]")
                print(f"error: {exc}", file=sys.stderr)
                return 2
            for it, preds in zip(good, predictions):
                it.labels, it.image = preds, None
        for it in batch:
            if it.error is not None:
                failed += 1
                print(f"error: {it.path}: {it.error}", file=sys.stderr)
            elif not args.json:
                labels = "  ".join(p.label + (f" ({p.gloss})" if p.gloss else "") for p in it.labels)
                print(f"{it.path}: {labels}", flush=True)
            if args.json:
                entry = json.dumps(_json_entry(it), ensure_ascii=False, indent=2)
                print(("\n" if first else ",\n") + "\n".join("  " + line for line in entry.splitlines()), end="", flush=True)
                first = False
    if args.json:
        print("\n]" if not first else "]")
    return 0 if failed == 0 else 1


def _json_entry(it) -> dict:
    entry = {"input": it.path}
    if it.error is not None:
        entry["error"] = it.error
    else:
        entry["labels"] = [{"label": p.label, "gloss": p.gloss, "score": round(p.score, 4)} for p in it.labels]
    return entry

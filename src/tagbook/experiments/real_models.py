"""Real models reachable offline (chapter 01): the runs the chapter makes, its tables and its claims.

The chapter measures what the package registries alone give: three ImageNet classifiers on the
hand-labelled sample photos, word vectors in four languages, cross-lingual alignment of English
vectors onto Chinese and Japanese ones (least squares, Procrustes, RCSLS; nearest-neighbour and
CSLS retrieval), hubness, the same alignment experiment on the toy world, and BiSkip on real
parallel sentences when the Tatoeba file is present.

1. :func:`imagenet_top_labels`, :func:`top1_table`, :func:`top_k_table`, :func:`top1_agreement`:
   the classifiers on the photos;
2. :func:`nearest_neighbour_table`: nearest words in each language's own vectors;
3. :func:`run_word_translation` (one :func:`~tagbook.experiments.alignment.word_translation_table`
   per dictionary), :func:`gain_summary`, and the tables beside the papers,
   :func:`conneau_table1` (Conneau et al. 2018, Table 1) and :func:`alignment_ratio_table`
   (Mohammadshahi et al. 2019, Tables 1-4);
4. :func:`translation_problem` (the split of the table, as unit-row matrices, for the calls the
   chapter shows), :func:`k_occurrences`, :func:`plot_hubness`, :func:`held_out_translations`;
5. :func:`toy_translation_runs`, :func:`toy_translation_table`: the toy world, five splits;
6. :func:`read_tatoeba`, :func:`run_biskip`, :func:`biskip_statistics_table`,
   :func:`biskip_neighbours`: BiSkip (Luong et al. 2015) on Tatoeba;
7. :func:`record_claims`: the four claims of Conneau et al. (2018) and Joulin et al. (2018), per
   data tier, with the verdict computed from the tables it is given.

Word-translation precision follows MUSE (Conneau et al. 2018, Sec. 4.1): a held-out English word
is correct at k when any of its dictionary translations is among its k retrieved words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from tagbook.experiments.alignment import TranslationSetup, translation_split, word_translation_table
from tagbook.metrics.translation import evaluate_word_translation, k_occurrence, translation_precision
from tagbook.paths import shared_data_dir
from tagbook.report import paper_numbers
from tagbook.text.align import BilingualDictionary, RCSLSConfig, normalize_rows, retrieve
from tagbook.text.biskip import BiSkip, BiSkipConfig
from tagbook.text.lexicons import Lexicon, load_cedict, load_jmdict, load_muse_dictionary, toy_lexicon
from tagbook.text.tokenize import tokenize
from tagbook.text.vectors import WordVectors, load_vectors
from tagbook.vision import LITE_BACKBONES, load_backbone, top_imagenet_labels

__all__ = [
    "ALIGNMENT_NAMES", "BISKIP_QUERY_WORDS", "FIGURE_WIDTH", "GAP_ROWS", "NEIGHBOUR_QUERIES", "PERCENT_COLUMNS",
    "RETRIEVAL_NAMES",
    "RCSLS_VARIANTS", "RCSLSDiagnosis", "diagnosis_reason", "plot_p1_against_dictionary_size", "plot_rcsls_diagnosis", "rcsls_config",
    "toy_rcsls_diagnosis", "rcsls_diagnosis",
    "BiSkipRun", "RealTextData", "RowComparison", "TranslationProblem", "TranslationRuns",
    "alignment_ratio_table", "biskip_dictionary", "plot_biskip_training", "biskip_neighbours", "biskip_statistics_table",
    "cached_word_translation", "word_translation_key", "canonical_dictionary", "compare_rows", "conneau_table1", "dictionary_sources", "english_vectors",
    "gain_summary", "german_vocabulary", "held_out_translations", "hub_glosses", "imagenet_top_labels",
    "k_occurrences", "nearest_neighbour_table", "photo_label_table", "plot_hubness", "read_tatoeba",
    "real_claim_settings", "real_text_data", "record_claims", "run_biskip", "run_word_translation",
    "setting_name", "top1_agreement", "top1_table", "top_hubs", "top_k_table", "toy_claim_settings",
    "toy_translation_runs", "toy_translation_table", "translation_problem", "translation_setup",
]

FIGURE_WIDTH = 6.8  # inches: 680 px at the book's 100 dpi, inside the text column
ALIGNMENT_NAMES = {"lstsq": "Least squares", "procrustes": "Procrustes", "rcsls": "RCSLS"}
RETRIEVAL_NAMES = {"nn": "NN", "csls": "CSLS"}
PERCENT_COLUMNS = ("P@1", "P@5", "alignment ratio")

# Words whose nearest neighbours the chapter shows, per language (German: see german_vocabulary).
NEIGHBOUR_QUERIES = {
    "en": ("dog", "bicycle", "river", "red"),
    "zh": ("狗", "自行车", "河", "红色"),
    "ja": ("犬", "自転車", "川", "赤"),
    "de": ("Hund", "Fahrrad", "Fluss", "rot"),
}
BISKIP_QUERY_WORDS = ("dog", "water", "school", "happy", "red", "eat", "doctor", "winter")

# The P@1 differences of the gain summary: label -> (method, retrieval) minus (method, retrieval).
GAP_ROWS = {
    "CSLS − NN (Procrustes)": (("procrustes", "csls"), ("procrustes", "nn")),
    "RCSLS − Procrustes (NN)": (("rcsls", "nn"), ("procrustes", "nn")),
    "RCSLS − Procrustes (CSLS)": (("rcsls", "csls"), ("procrustes", "csls")),
    "Procrustes − least squares (NN)": (("procrustes", "nn"), ("lstsq", "nn")),
}


# ---------------------------------------------------------------------------------------------
# The real text data (MUSE dictionaries, Tatoeba sentence pairs), when present
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealTextData:
    """The folder of the optional real text data: ``muse/en-{zh,ja}.dict`` and ``tatoeba/cmn.txt``."""

    folder: Path

    @property
    def has_muse(self) -> bool:
        return (self.folder / "muse" / "en-zh.dict").is_file() or (self.folder / "en-zh.dict").is_file()

    @property
    def tatoeba_file(self) -> Path:
        return self.folder / "tatoeba" / "cmn.txt"

    @property
    def has_tatoeba(self) -> bool:
        return self.tatoeba_file.is_file()

    def describe(self) -> str:
        """One Markdown sentence: the folder and what was found in it."""
        return (f"Real text data folder: `{self.folder}` (MUSE dictionaries {'found' if self.has_muse else '**absent**'}, "
                f"Tatoeba sentence pairs {'found' if self.has_tatoeba else '**absent**'}). "
                "Sections that need a missing file say so and are skipped.")


def real_text_data(data_dir: str | Path | None = None) -> RealTextData:
    """The real text data folder: ``data_dir``, or ``../shared/data`` beside the repository.

    A ``data_dir`` that is given must exist (the error names the parameter); the default folder
    may be absent, and then the sections that need it are skipped.
    """
    if data_dir:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise FileNotFoundError(f"data_dir: no such folder {folder}")
        return RealTextData(folder)
    return RealTextData(shared_data_dir())


# ---------------------------------------------------------------------------------------------
# Photos and ImageNet classifiers
# ---------------------------------------------------------------------------------------------


def photo_label_table(labels: pd.DataFrame, langs: Sequence[str] = ("en", "zh", "de", "ja")) -> pd.DataFrame:
    """One row per photo, each language's hand labels joined by `` · `` (photo order kept)."""
    missing = [c for c in ("photo", *langs) if c not in labels.columns]
    if missing:
        raise KeyError(f"photo_label_table: the label table has no column {missing[0]!r}")
    return labels.groupby("photo", sort=False).agg({lang: " · ".join for lang in langs})


def imagenet_top_labels(photos: Sequence, backbones: Sequence[str] = LITE_BACKBONES,
                        k: int = 3) -> dict[str, pd.DataFrame]:
    """Each backbone's top-``k`` ImageNet classes of each photo (long form, see
    :func:`tagbook.vision.top_imagenet_labels`); ``attrs["seconds"]`` holds the time, loading included."""
    top = {}
    for name in backbones:
        start = time.perf_counter()
        model = load_backbone(name)
        top[name] = top_imagenet_labels(model, photos, k=k)
        top[name].attrs["seconds"] = time.perf_counter() - start
    return top


def top1_table(top: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Photo x backbone: the top-1 class with its probability, ``"label (0.41)"``."""
    return pd.DataFrame({
        name: table[table["rank"] == 1].set_index("photo").apply(lambda r: f"{r['label']} ({r['prob']:.2f})", axis=1)
        for name, table in top.items()
    })


def top_k_table(top: Mapping[str, pd.DataFrame], backbone: str, photos: Sequence) -> pd.DataFrame:
    """Photo x rank: the class names of one backbone, photos in the order given."""
    if backbone not in top:
        raise KeyError(f"backbone: {backbone!r} was not run; run: {', '.join(top)}")
    table = top[backbone].pivot(index="photo", columns="rank", values="label")
    return table.loc[[getattr(p, "name", p) for p in photos]]


def top1_agreement(top: Mapping[str, pd.DataFrame], photos: Sequence) -> float:
    """Share of photos on which every backbone names the same top-1 class."""
    if not top:
        raise ValueError("top1_agreement: no backbone was run")
    indexed = {name: table.set_index(["photo", "rank"]) for name, table in top.items()}
    names = [getattr(p, "name", p) for p in photos]
    return float(np.mean([len({t.loc[(name, 1), "class"] for t in indexed.values()}) == 1 for name in names]))


# ---------------------------------------------------------------------------------------------
# Word vectors in four languages
# ---------------------------------------------------------------------------------------------


def german_vocabulary(labels: pd.DataFrame, queries: Iterable[str] = NEIGHBOUR_QUERIES["de"]) -> list[str]:
    """The small German vocabulary the encoder is run on: the photos' German hand labels, the toy
    world's German names and the query words, sorted."""
    return sorted(set(labels["de"]) | {t for _, t in toy_lexicon("en", "de").pairs()} | set(queries))


def nearest_neighbour_table(queries: Mapping[str, tuple[WordVectors, Sequence[str]]], k: int = 5) -> pd.DataFrame:
    """(language, word) -> the ``k`` nearest words by cosine in that language's vectors; query
    words missing from the vectors are left out."""
    rows = []
    for lang, (vectors, words) in queries.items():
        for word in words:
            if word in vectors:
                neighbours = [w for w, _ in vectors.most_similar(word, k=k)]
                rows.append({"language": lang, "word": word, f"nearest {k}": " · ".join(neighbours)})
    return pd.DataFrame(rows, columns=["language", "word", f"nearest {k}"]).set_index(["language", "word"])


# ---------------------------------------------------------------------------------------------
# Cross-lingual alignment: word translation on real vectors
# ---------------------------------------------------------------------------------------------


RCSLS_VARIANTS = {
    "authors": "the released code's defaults: lr 1, no constraint, iterations + 1 steps, a rise halves the step",
    "spectral": "this library's: lr 4, spectral norm at most 1, iterations steps, a rise undoes the step",
}


def rcsls_config(variant: str, iterations: int) -> RCSLSConfig:
    """RCSLS settings by name (:data:`RCSLS_VARIANTS`): ``"authors"`` is
    :meth:`RCSLSConfig.authors` with ``niter = iterations``; ``"spectral"`` the library's defaults."""
    if variant == "authors":
        return RCSLSConfig.authors(iterations, show_progress=False)
    if variant == "spectral":
        return RCSLSConfig(n_iter=iterations, show_progress=False)
    raise ValueError(f"rcsls_variant: one of {', '.join(RCSLS_VARIANTS)}; got {variant!r}")


def translation_setup(max_vocab: int, n_test: int | float, max_train: int, train_translations: int,
                      rcsls_iterations: int, seed: int, rcsls_variant: str = "authors") -> TranslationSetup:
    """The chapter's experiment settings; ``train_translations=0`` fits on all translations."""
    return TranslationSetup(
        max_vocab=max_vocab, n_test=n_test, max_train=max_train, seed=seed,
        train_translations=train_translations or None,
        rcsls=rcsls_config(rcsls_variant, rcsls_iterations),
    )


def english_vectors(name: str, max_vocab: int, glove: WordVectors | None = None) -> WordVectors:
    """The English side: GloVe's ``max_vocab`` most frequent words (``"glove-en"``), or the
    multilingual encoder run on those words one by one (``"usem3"``)."""
    if name == "usem3":
        glove = glove if glove is not None else load_vectors("glove-en")
        return load_vectors("usem3", words=glove.words[:max_vocab], lang="en")
    if name == "glove-en":
        return load_vectors("glove-en", max_words=max_vocab)
    raise ValueError(f"vectors: 'glove-en' or 'usem3', got {name!r}")


def canonical_dictionary(vectors: WordVectors, pairs: Iterable[tuple[str, str]]) -> BilingualDictionary:
    """Pairs whose target has a vector, the target replaced by the row's own word (GiNZA maps
    480k keys onto 20k rows, so several spellings share one row)."""
    return BilingualDictionary.from_pairs(
        (s, vectors.words[vectors.row(t)]) for s, t in pairs if t in vectors
    )


def dictionary_sources(data: RealTextData) -> dict[tuple[str, str], Callable[[], list[tuple[str, str]]]]:
    """(language, dictionary name) -> a loader of its English -> target pairs: CC-CEDICT and
    JMdict always, the MUSE dictionaries when the data folder has them."""
    sources: dict[tuple[str, str], Callable[[], list[tuple[str, str]]]] = {
        ("zh", "CC-CEDICT"): lambda: load_cedict().pairs(),
        ("ja", "JMdict"): lambda: load_jmdict().pairs(),
    }
    if data.has_muse:
        sources[("zh", "MUSE")] = lambda: load_muse_dictionary("zh", data.folder).pairs()
        sources[("ja", "MUSE")] = lambda: load_muse_dictionary("ja", data.folder).pairs()
    return sources


def setting_name(lang: str, dictionary: str) -> str:
    """How the chapter names a setting: ``"en→zh CC-CEDICT"``."""
    return f"en→{lang} {dictionary}"


@dataclass
class TranslationRuns:
    """One word-translation table per (language, dictionary), and the seconds each took."""

    tables: dict[tuple[str, str], pd.DataFrame]
    seconds: dict[tuple[str, str], float]
    cached: bool = False  # reused from disk by cached_word_translation

    def settings(self) -> dict[str, pd.DataFrame]:
        """Setting name -> its table, indexed by (alignment, retrieval)."""
        return {setting_name(*key): t.set_index(["alignment", "retrieval"]) for key, t in self.tables.items()}

    def combined_table(self) -> pd.DataFrame:
        """Every setting's table in one, indexed by (setting, alignment, retrieval)."""
        real = pd.concat({setting_name(*key): t for key, t in self.tables.items()}, names=["setting", "row"])
        return real.reset_index(level="row", drop=True).set_index(["alignment", "retrieval"], append=True)

    def counts_table(self) -> pd.DataFrame:
        """Setting -> vocabulary sizes, training pairs, test words and queries, seconds."""
        counts = pd.DataFrame({setting_name(*key): t.attrs for key, t in self.tables.items()}).T
        counts["seconds"] = [self.seconds[key] for key in self.tables]
        return counts


def run_word_translation(english: WordVectors, targets: Mapping[str, WordVectors],
                         dictionaries: Mapping[tuple[str, str], Callable[[], Iterable[tuple[str, str]]]],
                         setup: TranslationSetup) -> TranslationRuns:
    """:func:`~tagbook.experiments.alignment.word_translation_table` for each dictionary, English
    onto the vectors of its language (``targets[lang]``), on the dictionary made canonical."""
    missing = sorted({lang for lang, _ in dictionaries} - set(targets))
    if missing:
        raise KeyError(f"targets: no vectors for language {missing[0]!r}")
    tables, seconds = {}, {}
    for (lang, name), pairs in dictionaries.items():
        start = time.perf_counter()
        dictionary = canonical_dictionary(targets[lang], pairs())
        tables[lang, name] = word_translation_table(
            english.words, english.matrix, targets[lang].words, targets[lang].matrix, dictionary, setup, progress=False
        )
        seconds[lang, name] = time.perf_counter() - start
    return TranslationRuns(tables, seconds)


# The code a cached word-translation run depends on: a change in any of these files re-runs it.
WORD_TRANSLATION_CODE = ("text/align.py", "experiments/alignment.py", "metrics/translation.py")
WORD_TRANSLATION_CACHE_VERSION = 1


def _vectors_digest(vectors: WordVectors, max_vocab: int) -> str:
    """:func:`~tagbook.cache.content_hash` of the first ``max_vocab`` words and their vectors."""
    from tagbook.cache import content_hash

    n = min(max_vocab, len(vectors))
    words = "\n".join(vectors.words[:n]).encode("utf-8")
    matrix = np.ascontiguousarray(np.asarray(vectors.matrix[:n], dtype=np.float32))
    return content_hash([words, b"\0", matrix.tobytes(), str(matrix.shape).encode("ascii")], 32)


def word_translation_key(english: WordVectors, targets: Mapping[str, WordVectors],
                         dictionaries: Mapping[tuple[str, str], BilingualDictionary], setup: TranslationSetup) -> str:
    """The cache key of :func:`cached_word_translation`: the vectors (words and values, capped at
    ``setup.max_vocab``), every dictionary's pairs, the setup (RCSLS settings included), the
    source of the code that computes the tables, and the versions of this package, NumPy and torch."""
    import dataclasses

    import torch

    import tagbook
    from tagbook.cache import content_hash, content_key, file_sha256

    root = Path(tagbook.__file__).parent
    record = {
        "version": WORD_TRANSLATION_CACHE_VERSION,
        "english": _vectors_digest(english, setup.max_vocab),
        "targets": {lang: _vectors_digest(v, setup.max_vocab) for lang, v in sorted(targets.items())},
        "dictionaries": {f"{lang}/{name}": content_hash("\n".join(f"{a}\t{b}" for a, b in d.pairs).encode("utf-8"), 32)
                         for (lang, name), d in sorted(dictionaries.items())},
        "setup": dataclasses.asdict(setup),
        "code": {name: file_sha256(root / name, 32) for name in WORD_TRANSLATION_CODE},
        "packages": {"tagbook": tagbook.__version__, "numpy": np.__version__, "torch": torch.__version__},
    }
    return content_key(record, length=32)


def _runs_to_json(runs: TranslationRuns) -> dict:
    return {"settings": [
        {"lang": lang, "dictionary": name, "seconds": runs.seconds[lang, name],
         "columns": list(t.columns), "rows": t.astype(object).where(t.notna(), None).values.tolist(),
         "attrs": {k: (v.item() if hasattr(v, "item") else v) for k, v in t.attrs.items()}}
        for (lang, name), t in runs.tables.items()
    ]}


def _runs_from_json(payload: dict) -> TranslationRuns:
    tables, seconds = {}, {}
    for entry in payload["settings"]:
        key = (entry["lang"], entry["dictionary"])
        table = pd.DataFrame(entry["rows"], columns=entry["columns"])
        for col in table.columns:
            if col not in ("alignment", "retrieval"):
                table[col] = pd.to_numeric(table[col])
        table.attrs.update(entry["attrs"])
        tables[key], seconds[key] = table, float(entry["seconds"])
    return TranslationRuns(tables, seconds)


def cached_word_translation(english: WordVectors, targets: Mapping[str, WordVectors],
                            dictionaries: Mapping[tuple[str, str], Callable[[], Iterable[tuple[str, str]]]],
                            setup: TranslationSetup, use_cache: bool = True) -> TranslationRuns:
    """:func:`run_word_translation`, its tables stored on disk and reused while nothing it
    depends on changed (:func:`word_translation_key`).

    The entry is one JSON file under ``$TAGBOOK_CACHE/word-translation/``, written atomically
    (:func:`tagbook.cache.atomic_write`) with the SHA-256 of its payload inside: an entry that is
    unreadable or whose payload does not match is removed and recomputed. ``runs.cached`` says
    whether the tables were reused (their ``seconds`` are then those of the run that made them).
    """
    import json

    from tagbook.cache import atomic_write, cache_path, content_hash

    canonical = {key: canonical_dictionary(targets[key[0]], pairs()) for key, pairs in dictionaries.items()
                 if key[0] in targets}
    missing = sorted({lang for lang, _ in dictionaries} - set(targets))
    if missing:
        raise KeyError(f"targets: no vectors for language {missing[0]!r}")
    path = cache_path("word-translation", word_translation_key(english, targets, canonical, setup), suffix=".json")
    if use_cache and path.is_file():
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            body = json.dumps(entry["payload"], sort_keys=True, ensure_ascii=True)
            if entry.get("sha256") == content_hash(body.encode("ascii")):
                runs = _runs_from_json(entry["payload"])
                runs.cached = True
                return runs
        except (OSError, ValueError, KeyError, TypeError):
            pass
        path.unlink(missing_ok=True)
    runs = run_word_translation(english, targets, {key: (lambda d=d: d.pairs) for key, d in canonical.items()}, setup)
    payload = _runs_to_json(runs)
    body = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    record = json.dumps({"payload": payload, "sha256": content_hash(body.encode("ascii"))}, ensure_ascii=True)
    if use_cache:
        atomic_write(path, lambda f: f.write(record.encode("ascii")))
    return runs


def _p1_gap(table: pd.DataFrame, better: tuple[str, str], worse: tuple[str, str], metric: str = "P@1") -> float:
    t = table.set_index(["alignment", "retrieval"]) if "alignment" in table.columns else table
    return float(t.loc[better, metric] - t.loc[worse, metric])


def gain_summary(tables: Mapping[str, pd.DataFrame], rows: Mapping[str, tuple] = GAP_ROWS) -> pd.DataFrame:
    """Difference -> setting: the P@1 differences of :data:`GAP_ROWS` in percentage points
    (positive: the first method is better), rounded to 0.1 as printed."""
    return pd.DataFrame({
        setting: {label: _p1_gap(t, better, worse) for label, (better, worse) in rows.items()}
        for setting, t in tables.items()
    }).round(1)


# ---------------------------------------------------------------------------------------------
# Beside the published numbers
# ---------------------------------------------------------------------------------------------


def _method_label(alignment: str, retrieval: str) -> str:
    return f"{ALIGNMENT_NAMES[alignment]} - {RETRIEVAL_NAMES[retrieval]}"


def conneau_table1(tables: Mapping[str, pd.DataFrame], paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Conneau et al. (2018), Table 1 (supervised P@1, en-zh and zh-en) beside ours.

    Rows: each (alignment, retrieval) of ours, labelled as the paper labels its rows
    (``"Procrustes - CSLS"``); columns: the paper's settings (``"paper en-zh"``), then our
    settings (``"ours en→zh CC-CEDICT"``). A cell the paper or we do not have is missing.
    """
    paper = paper_numbers("conneau2018") if paper is None else paper
    paper = paper[paper["metric"] == "P@1"]
    rows: dict[str, dict[str, float]] = {}
    for setting, t in tables.items():
        t = t.set_index(["alignment", "retrieval"]) if "alignment" in t.columns else t
        for (alignment, retrieval), value in t["P@1"].items():
            rows.setdefault(_method_label(alignment, retrieval), {})[f"ours {setting}"] = float(value)
    for r in paper.itertuples():
        rows.setdefault(r.method, {})[f"paper {r.setting}"] = float(r.value)
    paper_columns = [f"paper {s}" for s in dict.fromkeys(paper["setting"])]
    ours_columns = [f"ours {s}" for s in tables]
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=paper_columns + ours_columns)
    table.index.name = "method"
    return table


def alignment_ratio_table(tables: Mapping[str, pd.DataFrame], paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mohammadshahi et al. (2019), Tables 1-4 (alignment ratio) beside ours.

    The paper's rows are its retrieval models (FME, AME) on Multi30k and MS-COCO; ours are the
    three maps (NN retrieval) on our dictionaries: the two blocks share no cell, so each row has
    the other block's columns missing.
    """
    paper = paper_numbers("mohammadshahi2019") if paper is None else paper
    paper = paper[paper["metric"] == "alignment ratio"]
    rows: dict[str, dict[str, float]] = {}
    for r in paper.itertuples():
        rows.setdefault(r.method, {})[f"paper {r.setting}"] = float(r.value)
    for setting, t in tables.items():
        t = t.set_index(["alignment", "retrieval"]) if "alignment" in t.columns else t
        for (alignment, retrieval), value in t["alignment ratio"].items():
            if retrieval == "nn":
                rows.setdefault(f"{ALIGNMENT_NAMES[alignment]} map", {})[f"ours {setting}"] = float(value)
    columns = [f"paper {s}" for s in dict.fromkeys(paper["setting"])] + [f"ours {s}" for s in tables]
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    table.index.name = "method"
    return table


# ---------------------------------------------------------------------------------------------
# One translation problem, for the calls the chapter shows: hubness and examples
# ---------------------------------------------------------------------------------------------


@dataclass
class TranslationProblem:
    """The split of :func:`~tagbook.experiments.alignment.word_translation_table`, ready to fit.

    ``source`` and ``target`` are the capped vocabularies as unit rows; ``src_rows`` /
    ``tgt_rows`` index the training pairs in them; ``test`` holds the held-out English words.
    """

    source_words: list[str]
    target_words: list[str]
    source: np.ndarray
    target: np.ndarray
    train: BilingualDictionary
    test: BilingualDictionary
    src_rows: np.ndarray
    tgt_rows: np.ndarray


def translation_problem(english: WordVectors, target: WordVectors, dictionary: BilingualDictionary,
                        setup: TranslationSetup) -> TranslationProblem:
    """The vocabularies capped at ``setup.max_vocab``, normalised, and split as in the table."""
    source_words = list(english.words[: setup.max_vocab])
    target_words = list(target.words[: setup.max_vocab])
    source = normalize_rows(english.matrix[: setup.max_vocab])
    target_matrix = normalize_rows(target.matrix[: setup.max_vocab])
    train, test = translation_split(dictionary, source_words, target_words, setup)
    src_rows, tgt_rows = train.training_rows(source_words, target_words)
    return TranslationProblem(source_words, target_words, source, target_matrix, train, test, src_rows, tgt_rows)


def k_occurrences(ranked: Mapping[str, np.ndarray], n_targets: int, k: int = 10) -> dict[str, np.ndarray]:
    """Retrieval method -> ``N_k``: how many top-``k`` lists each target word is in."""
    return {method: k_occurrence(lists, n_targets, k=k) for method, lists in ranked.items()}


def top_hubs(occurrence: np.ndarray, target_words: Sequence[str], n: int = 3) -> list[tuple[str, int]]:
    """The ``n`` most retrieved target words and their counts, most first (ties: lower row first)."""
    occurrence = np.asarray(occurrence)
    if len(occurrence) != len(target_words):
        raise ValueError(f"occurrence has {len(occurrence)} entries for {len(target_words)} target words")
    order = np.argsort(-occurrence, kind="stable")[:n]
    return [(target_words[i], int(occurrence[i])) for i in order]


def hub_glosses(dictionary: BilingualDictionary, words: Iterable[str], source_words: Sequence[str]) -> dict[str, str]:
    """Target word -> its most frequent English translation in ``dictionary`` (rank in
    ``source_words``), for the target words that have one."""
    wanted = set(words)
    rank = {w: i for i, w in enumerate(source_words)}
    best: dict[str, str] = {}
    for src, tgt in dictionary.pairs:
        if tgt in wanted and (tgt not in best or rank.get(src, len(rank)) < rank.get(best[tgt], len(rank))):
            best[tgt] = src
    return best


def _label_fonts() -> list[str]:
    """The installed families of the theme's sans-serif list, in its order: given to a text as a
    list, matplotlib falls back along it glyph by glyph (DejaVu Sans first, then a CJK font)."""
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in rcParams["font.sans-serif"] if name in installed] or ["sans-serif"]


def _font_draws(text: str) -> bool:
    """Whether the label fonts can draw ``text``: CJK characters need an installed CJK font."""
    if all(ord(ch) < 0x2E80 for ch in text):
        return True
    return any("CJK" in name for name in _label_fonts())


def _hub_label(word: str, gloss: str | None, rank: int) -> str:
    """``"的 (of)"``; without a font for the word, its gloss alone (``"“of”"``) or ``"hub 1"``."""
    if _font_draws(word):
        return f"{word} ({gloss})" if gloss else word
    return f"“{gloss}”" if gloss else f"hub {rank}"


def plot_hubness(occurrence: Mapping[str, np.ndarray], target_words: Sequence[str], title: str,
                 glosses: Mapping[str, str] | None = None, shown: int = 200, n_named: int = 3,
                 xlabel: str = "target words, most retrieved first", width: float = FIGURE_WIDTH) -> Figure:
    """``N_k`` of the ``shown`` most retrieved target words under each retrieval rule (log-log),
    the ``n_named`` top hubs of each rule named beside their points (with their English gloss;
    the gloss alone where no installed font draws the word)."""
    if not occurrence:
        raise ValueError("plot_hubness: give the occurrence counts of at least one retrieval method")
    labels = {"nn": "nearest neighbour", "csls": "CSLS"}
    glosses = dict(glosses or {})
    fig, ax = plt.subplots(figsize=(width, 3.6), layout="constrained")
    highest, lowest = 1.0, np.inf
    for number, (method, counts) in enumerate(occurrence.items()):
        ranked = np.sort(np.asarray(counts))[::-1][:shown]
        ranked = ranked[ranked > 0]  # a log axis: words in no list are left out
        if len(ranked) == 0:
            continue
        highest, lowest = max(highest, float(ranked[0])), min(lowest, float(ranked[-1]))
        line, = ax.plot(np.arange(1, len(ranked) + 1), ranked, label=labels.get(method, method))
        for rank, (word, count) in enumerate(top_hubs(counts, target_words, n_named), start=1):
            if count <= 0:
                continue
            name = _hub_label(word, glosses.get(word), rank)
            # the first curve's hubs are named above it, the others' below theirs, stacked by rank
            dy = 8 + 12 * (n_named - rank) if number == 0 else -24 - 12 * (rank - 1)
            ax.annotate(name, xy=(rank, count), xytext=(14, dy), textcoords="offset points", fontsize=8,
                        fontfamily=_label_fonts(), color=line.get_color(), va="center",
                        arrowprops={"arrowstyle": "-", "color": line.get_color(), "lw": 0.6})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(max(lowest, 1.0) / 1.5, highest * 3.0)
    ax.set(xlabel=xlabel, ylabel="$N_{10}$ (top-10 lists it is in)")
    ax.set_title(title, fontsize=10)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(NullFormatter())
    ax.legend(loc="upper right", fontsize=8)
    return fig


def held_out_translations(problem: TranslationProblem, mapped: np.ndarray, lexicon: Lexicon, n: int = 12,
                          skip: int = 1000, k: int = 3) -> pd.DataFrame:
    """English -> top ``k`` translations under NN and CSLS of the map that gave ``mapped`` (all
    source words, mapped and normalised), beside the lexicon's first ``k``; the words are the
    ``n`` most frequent held-out words past the first ``skip`` (mostly function words)."""
    index = {w: i for i, w in enumerate(problem.source_words)}
    held_out = sorted((w for w in problem.test.sources if index.get(w, -1) >= skip), key=index.get)[:n]
    rows = []
    for word in held_out:
        query = mapped[[index[word]]]
        row = {"English": word}
        for method in ("nn", "csls"):
            best = retrieve(query, problem.target, k=k, method=method, mapped_source_space=mapped)[0]
            row[method] = " · ".join(problem.target_words[i] for i in best)
        row[lexicon.name or "lexicon"] = " · ".join(lexicon.translate(word, k=k))
        rows.append(row)
    return pd.DataFrame(rows).set_index("English") if rows else pd.DataFrame(columns=["nn", "csls"])


# ---------------------------------------------------------------------------------------------
# The toy world: the same experiment where the truth is known
# ---------------------------------------------------------------------------------------------


def toy_translation_runs(setup: TranslationSetup, langs: Sequence[str] = ("zh", "de", "ja"), n_splits: int = 5,
                         test_share: float = 0.3) -> pd.DataFrame:
    """Toy English skip-gram vectors aligned onto each toy language, the toy lexicon as
    dictionary, over ``n_splits`` random splits (seeds ``setup.seed + split``) holding out
    ``test_share`` of its words; one row per (setting, split, alignment, retrieval)."""
    if n_splits < 1:
        raise ValueError(f"n_splits must be at least 1, got {n_splits}")
    toy_en = load_vectors("toy-en")
    rows = []
    for lang in langs:
        target = load_vectors(f"toy-{lang}")
        dictionary = BilingualDictionary.from_pairs(toy_lexicon("en", lang).pairs())
        for split in range(n_splits):
            split_setup = TranslationSetup(max_vocab=setup.max_vocab, n_test=test_share, max_train=setup.max_train,
                                           seed=setup.seed + split, rcsls=setup.rcsls)
            t = word_translation_table(toy_en.words, toy_en.matrix, target.words, target.matrix, dictionary,
                                       split_setup, progress=False)
            rows.append(t.assign(setting=f"en→{lang} toy", split=split, test_queries=t.attrs["test_queries"]))
    return pd.concat(rows)


def toy_translation_table(toy: pd.DataFrame) -> pd.DataFrame:
    """(setting, alignment, retrieval) -> P@1, P@5 and test queries, means over the splits."""
    return toy.groupby(["setting", "alignment", "retrieval"], sort=False)[["P@1", "P@5", "test_queries"]].mean()


# ---------------------------------------------------------------------------------------------
# Why RCSLS loses on the toy world: about 100 pairs for a 100 x 100 map
# ---------------------------------------------------------------------------------------------


@dataclass
class RCSLSDiagnosis:
    """RCSLS fitted on toy splits with its held-out pairs watched at every step.

    ``curves``: one row per (setting, split, variant, step): training loss, held-out loss (the
    same RCSLS loss on the held-out pairs, same neighbourhoods), held-out CSLS P@1 (percent) and
    the spectral norm of ``W``. ``splits``: per (setting, split) the training pairs, distinct
    training words, the map's size and the rank of the training matrix (the English vectors of
    the training pairs). ``sizes``: held-out CSLS P@1 of Procrustes and RCSLS (the chapter's
    variant) against the number of training pairs, per (setting, split).
    """

    curves: pd.DataFrame
    splits: pd.DataFrame
    sizes: pd.DataFrame
    variant: str

    def mean_curves(self) -> pd.DataFrame:
        """(variant, step) -> means over settings and splits."""
        cols = ["train loss", "held-out loss", "held-out P@1", "spectral norm"]
        return self.curves.groupby(["variant", "step"])[cols].mean()

    def best_step(self, variant: str, column: str = "held-out P@1") -> int:
        """The step at which the mean held-out P@1 is highest (loss: lowest), first if tied."""
        curve = self.mean_curves().loc[variant, column]
        return int(curve.idxmin() if "loss" in column else curve.idxmax())

    def size_table(self) -> pd.DataFrame:
        """(training pairs) x alignment: held-out CSLS P@1, mean ± sd over settings and splits."""
        g = self.sizes.groupby(["train pairs", "alignment"])["P@1"]
        table = g.mean().unstack().round(1)
        sd = g.std(ddof=1).unstack().round(1)
        out = pd.DataFrame(index=table.index)
        for col in table.columns:
            out[f"{ALIGNMENT_NAMES[col]} P@1"] = table[col]
            out[f"{ALIGNMENT_NAMES[col]} sd"] = sd[col]
        out["RCSLS − Procrustes"] = (table["rcsls"] - table["procrustes"]).round(1)
        return out

    def summary(self) -> dict:
        """The numbers the chapter and the ledger quote."""
        m = self.mean_curves()
        out = {
            "pairs_min": int(self.splits["train pairs"].min()), "pairs_max": int(self.splits["train pairs"].max()),
            "rank_min": int(self.splits["rank"].min()), "rank_max": int(self.splits["rank"].max()),
            "dim": int(self.splits["source dim"].iloc[0]), "target_dim": int(self.splits["target dim"].iloc[0]),
            "n_runs": int(len(self.splits)),
        }
        for variant in self.curves["variant"].unique():
            curve = m.loc[variant]
            best = self.best_step(variant)
            out[variant] = {
                "best_p1_step": best, "p1_start": float(curve["held-out P@1"].iloc[0]),
                "p1_best": float(curve["held-out P@1"].max()), "p1_last": float(curve["held-out P@1"].iloc[-1]),
                "best_loss_step": self.best_step(variant, "held-out loss"),
                "train_start": float(curve["train loss"].iloc[0]), "train_last": float(curve["train loss"].iloc[-1]),
                "held_start": float(curve["held-out loss"].iloc[0]), "held_last": float(curve["held-out loss"].iloc[-1]),
                "norm_last": float(curve["spectral norm"].iloc[-1]), "last_step": int(curve.index.max()),
            }
        return out


def _held_out_p1(W: np.ndarray, source: np.ndarray, target: np.ndarray, queries: np.ndarray, gold) -> float:
    mapped = normalize_rows(source @ W.T.astype(np.float32))
    ranked = retrieve(mapped[queries], target, k=1, method="csls", mapped_source_space=mapped)
    return 100.0 * translation_precision(ranked, gold, ks=(1,))["P@1"]


def toy_rcsls_diagnosis(setup: TranslationSetup, variant: str = "authors", langs: Sequence[str] = ("zh", "de", "ja"),
                        n_splits: int = 5, test_share: float = 0.3, steps: int = 30,
                        sizes: Sequence[int] = (20, 40, 60, 80), variants: Sequence[str] = ("authors", "spectral"),
                        ) -> RCSLSDiagnosis:
    """:func:`rcsls_diagnosis` on the toy world: toy English skip-gram vectors onto each toy
    language, the toy lexicon as dictionary, the splits of :func:`toy_translation_runs`."""
    targets = {f"en→{lang} toy": (load_vectors(f"toy-{lang}"),
                                   BilingualDictionary.from_pairs(toy_lexicon("en", lang).pairs())) for lang in langs}
    return rcsls_diagnosis(load_vectors("toy-en"), targets, setup, variant, n_splits, test_share, steps, sizes, variants)


def rcsls_diagnosis(source: WordVectors, targets: Mapping[str, tuple[WordVectors, BilingualDictionary]],
                    setup: TranslationSetup, variant: str = "authors", n_splits: int = 5, test_share: float = 0.3,
                    steps: int = 30, sizes: Sequence[int] = (20, 40, 60, 80),
                    variants: Sequence[str] = ("authors", "spectral")) -> RCSLSDiagnosis:
    """For each setting (name -> target vectors and dictionary) and each of ``n_splits`` splits
    (seeds ``setup.seed + split``, ``test_share`` of the dictionary's words held out): each RCSLS
    variant run for ``steps`` steps with its held-out loss and held-out CSLS P@1 recorded after
    every step; then Procrustes and RCSLS (``setup.rcsls``, named ``variant``) fitted on the first
    ``sizes`` training pairs (most frequent words first) and on all of them, scored on the same
    held-out words."""
    from tagbook.text.align import RCSLSAlignment

    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    S = normalize_rows(source.matrix[: setup.max_vocab])
    src_words = list(source.words[: setup.max_vocab])
    curves, splits, size_rows = [], [], []
    for setting, (target, dictionary) in targets.items():
        T = normalize_rows(target.matrix[: setup.max_vocab])
        tgt_words = list(target.words[: setup.max_vocab])
        for split in range(n_splits):
            split_setup = TranslationSetup(max_vocab=setup.max_vocab, n_test=test_share, max_train=setup.max_train,
                                           seed=setup.seed + split, rcsls=setup.rcsls,
                                           alignments=("procrustes", "rcsls"), retrievals=("csls",))
            train, test = translation_split(dictionary, src_words, tgt_words, split_setup)
            src_rows, tgt_rows = train.training_rows(src_words, tgt_words)
            held_src, held_tgt = test.training_rows(src_words, tgt_words)
            queries, gold = test.test_queries(src_words, tgt_words)
            splits.append({"setting": setting, "split": split, "train pairs": len(src_rows),
                           "train words": len(set(src_rows.tolist())), "source dim": S.shape[1],
                           "target dim": T.shape[1], "rank": int(np.linalg.matrix_rank(S[src_rows])),
                           "held-out pairs": len(held_src), "held-out words": len(queries)})
            for name in variants:
                p1, norms = [], []

                def watch(_step, W, p1=p1, norms=norms):
                    p1.append(_held_out_p1(W, S, T, queries, gold))
                    norms.append(float(np.linalg.norm(W, 2)))

                cfg = rcsls_config(name, steps)
                cfg.n_iter = steps
                model = RCSLSAlignment(cfg).fit(S[src_rows], T[tgt_rows], S, T, held_out=(S[held_src], T[held_tgt]),
                                                on_step=watch)
                for step, (tr, ho) in enumerate(zip(model.loss_history_, model.held_out_loss_history_)):
                    curves.append({"setting": setting, "split": split, "variant": name, "step": step,
                                   "train loss": tr, "held-out loss": ho, "held-out P@1": p1[step],
                                   "spectral norm": norms[step]})
            for m in [n for n in sizes if n < len(src_rows)] + [None]:
                sized = TranslationSetup(max_vocab=setup.max_vocab, n_test=test_share, max_train=m,
                                         seed=setup.seed + split, rcsls=setup.rcsls,
                                         alignments=("procrustes", "rcsls"), retrievals=("csls",))
                t = word_translation_table(source.words, source.matrix, target.words, target.matrix, dictionary,
                                           sized, progress=False)
                for alignment, p_at_1 in t[["alignment", "P@1"]].itertuples(index=False):
                    size_rows.append({"setting": setting, "split": split, "train pairs": int(t.attrs["train_pairs"]),
                                      "all": m is None, "alignment": alignment, "P@1": float(p_at_1)})
    sizes_frame = pd.DataFrame(size_rows)
    # "all" pairs differ by split (90 to 102 or so): one label for them, their mean
    sizes_frame.loc[sizes_frame["all"], "train pairs"] = int(round(pd.DataFrame(splits)["train pairs"].mean()))
    return RCSLSDiagnosis(pd.DataFrame(curves), pd.DataFrame(splits), sizes_frame.drop(columns="all"), variant)


def _change_since_start(curves: pd.DataFrame, column: str) -> pd.Series:
    """Each run's ``column`` minus its value at step 0 (the Procrustes start)."""
    runs = curves.groupby(["setting", "split", "variant"])[column]
    return curves[column] - runs.transform("first")


def plot_rcsls_diagnosis(diagnosis: RCSLSDiagnosis, width: float = FIGURE_WIDTH) -> Figure:
    """Training loss, held-out loss and held-out CSLS P@1 against the step, as changes since the
    Procrustes start (step 0) of each run; one line per variant, the mean over the toy settings
    and splits, the band ± one sd over them, a dot at the best held-out point."""
    curves = diagnosis.curves
    fig, axes = plt.subplots(1, 3, figsize=(width, 3.0), layout="constrained")
    columns = (("train loss", "training loss\n(the fitted pairs)"), ("held-out loss", "held-out loss\n(same loss, held-out pairs)"),
               ("held-out P@1", "held-out CSLS P@1\n(points)"))
    for variant in dict.fromkeys(curves["variant"]):
        group = curves[curves["variant"] == variant]
        for ax, (col, _) in zip(axes, columns):
            change = _change_since_start(group, col).groupby(group["step"]).agg(["mean", "std"])
            mean, sd = change["mean"], change["std"]
            line, = ax.plot(mean.index, mean.values, label=variant)
            ax.fill_between(mean.index, mean - sd, mean + sd, color=line.get_color(), alpha=0.15, lw=0)
            if col != "train loss":
                best = int(mean.idxmin() if "loss" in col else mean.idxmax())
                ax.plot([best], [mean.loc[best]], marker="o", color=line.get_color(), ms=4)
    for ax, (_, title) in zip(axes, columns):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step (0: Procrustes)")
        ax.axhline(0.0, color="grey", lw=0.6)
    axes[0].set_ylabel("change since step 0")
    axes[2].legend(fontsize=8, title="variant", title_fontsize=8, loc="lower left")
    splits = diagnosis.splits
    fig.suptitle(f"RCSLS on the toy world: {splits['train pairs'].min()}–{splits['train pairs'].max()} pairs for a "
                 f"{splits['source dim'].iloc[0]} × {splits['target dim'].iloc[0]} map, {len(splits)} runs",
                 fontsize=10)
    return fig


def plot_p1_against_dictionary_size(diagnosis: RCSLSDiagnosis, width: float = FIGURE_WIDTH) -> Figure:
    """Left: held-out CSLS P@1 of Procrustes and RCSLS against the training pairs (means ± sd
    over the toy settings and splits). Right: RCSLS minus Procrustes, paired by run."""
    fig, (ax, gap_ax) = plt.subplots(1, 2, figsize=(width, 3.0), layout="constrained")
    sizes = diagnosis.sizes
    g = sizes.groupby(["alignment", "train pairs"])["P@1"].agg(["mean", "std"])
    for alignment in ("procrustes", "rcsls"):
        if alignment in g.index.get_level_values(0):
            d = g.loc[alignment]
            ax.errorbar(d.index, d["mean"], yerr=d["std"], marker="o", capsize=3, label=ALIGNMENT_NAMES[alignment])
    wide = sizes.pivot_table(index=["setting", "split", "train pairs"], columns="alignment", values="P@1")
    gap = (wide["rcsls"] - wide["procrustes"]).groupby(level="train pairs").agg(["mean", "std"])
    gap_ax.errorbar(gap.index, gap["mean"], yerr=gap["std"], marker="o", capsize=3, color="C2")
    gap_ax.axhline(0.0, color="grey", lw=0.6)
    ax.set(xlabel="training pairs (last point: all)", ylabel="held-out CSLS P@1 (%)")
    ax.set_title("P@1 against dictionary size", fontsize=9)
    gap_ax.set(xlabel="training pairs (last point: all)", ylabel="RCSLS − Procrustes (points)")
    gap_ax.set_title(f"the gap, paired by run (RCSLS: {diagnosis.variant})", fontsize=9)
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------
# BiSkip on real parallel sentences
# ---------------------------------------------------------------------------------------------


def read_tatoeba(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """Tokenised (English, Chinese) sentence pairs of a Tatoeba ``cmn.txt`` (tab-separated
    ``English<TAB>Chinese<TAB>attribution`` lines); Chinese is segmented with jieba."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no Tatoeba file {path}")
    corpus = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(f"{path}:{number}: expected English<TAB>Chinese, got {line[:60]!r}")
        corpus.append((tokenize(fields[0], "en"), tokenize(fields[1], "zh")))
    return corpus


def biskip_dictionary(data: RealTextData) -> tuple[str, BilingualDictionary]:
    """(name, dictionary) BiSkip is scored with: MUSE en-zh when present, else CC-CEDICT."""
    if data.has_muse:
        return "MUSE", BilingualDictionary.from_pairs(load_muse_dictionary("zh", data.folder).pairs())
    return "CC-CEDICT", BilingualDictionary.from_pairs(load_cedict().pairs())


@dataclass
class BiSkipRun:
    """A BiSkip model trained on sentence pairs and its word-translation scores.

    ``table``: retrieval -> P@k etc. (percentages); ``chance``: P@1 of a random guess (percent);
    ``n_queries``: dictionary English words with a translation in the vocabulary.
    """

    model: BiSkip
    n_pairs: int
    seconds: float
    english_words: list[str]
    chinese_words: list[str]
    dictionary_name: str
    n_queries: int
    table: pd.DataFrame
    chance: float
    epochs: pd.DataFrame | None = None  # per epoch: training loss and held-out dictionary P@k
    measure_seconds: float = 0.0  # of ``seconds``, the time the per-epoch measurement took


def _biskip_translation(model: BiSkip, dictionary: BilingualDictionary):
    """English -> Chinese word translation of the space as it stands: ``(en words, zh words,
    query rows, gold, table)``."""
    en_words, en = model.language_vectors("en")
    zh_words, zh = model.language_vectors("zh")
    queries, gold = dictionary.test_queries(en_words, zh_words)
    if len(queries) == 0:
        raise ValueError("run_biskip: no dictionary word has its translation in the BiSkip vocabulary")
    table = pd.DataFrame(evaluate_word_translation(en, zh, queries, gold, retrieve=retrieve)).set_index("retrieval")
    return en_words, zh_words, queries, gold, table


def run_biskip(corpus: Sequence[tuple[Sequence[str], Sequence[str]]], dictionary: BilingualDictionary,
               config: BiSkipConfig, dictionary_name: str = "", per_epoch: bool = True) -> BiSkipRun:
    """Train BiSkip on ``corpus`` and score its word translation English -> Chinese: every
    dictionary word is held out (BiSkip sees no dictionary).

    With ``per_epoch`` the same word translation is scored after every epoch too (through
    BiSkip's ``on_epoch`` hook, which leaves training as it is): ``epochs`` holds, per epoch, the
    training loss and the held-out dictionary P@1 and P@5 of nearest-neighbour and CSLS
    retrieval. Nothing is chosen from it: every epoch is trained, the last one is scored.
    """
    rows, measuring = [], [0.0]
    model = BiSkip(config)

    def measure(epoch: int) -> None:
        begin = time.perf_counter()
        t = _biskip_translation(model, dictionary)[-1]
        row = {"epoch": epoch, "training loss": model.loss_history_[-1]}
        for method in t.index:
            for k in ("P@1", "P@5"):
                row[f"{k} {method}"] = float(t.loc[method, k])
        rows.append(row)
        measuring[0] += time.perf_counter() - begin

    start = time.perf_counter()
    model.fit(corpus, on_epoch=measure if per_epoch else None)
    seconds = time.perf_counter() - start
    en_words, zh_words, queries, gold, table = _biskip_translation(model, dictionary)
    chance = 100.0 * float(np.mean([len(g) for g in gold])) / len(zh_words)
    epochs = pd.DataFrame(rows).set_index("epoch") if rows else None
    return BiSkipRun(model, len(corpus), seconds, en_words, zh_words, dictionary_name, len(queries), table, chance,
                     epochs, measuring[0])


def plot_biskip_training(run: BiSkipRun, width: float = FIGURE_WIDTH) -> Figure:
    """Left: BiSkip's training loss per epoch (the mean skip-gram loss with negative sampling
    over the epoch's pairs). Right, from the same run, after every epoch: English -> Chinese
    P@1 on the dictionary words, which training never sees (nearest neighbour and CSLS), with
    the chance level."""
    if run.epochs is None:
        raise ValueError("plot_biskip_training: the run has no per-epoch record (run_biskip(..., per_epoch=True))")
    curve = run.epochs
    fig, (loss_ax, p_ax) = plt.subplots(1, 2, figsize=(width, 3.0), layout="constrained")
    loss_ax.plot(curve.index, curve["training loss"], marker="o", color="C0")
    loss_ax.set(xlabel="epoch", ylabel="mean loss per pair")
    loss_ax.set_title(f"training loss\n({run.n_pairs} Tatoeba sentence pairs)", fontsize=9)
    for method, colour in (("nn", "C1"), ("csls", "C2")):
        if f"P@1 {method}" in curve:
            p_ax.plot(curve.index, curve[f"P@1 {method}"], marker="o", color=colour, label=method.upper())
    p_ax.axhline(run.chance, color="grey", lw=0.8, ls=":", label="chance")
    p_ax.set(xlabel="epoch", ylabel="P@1 (%)")
    p_ax.set_title(f"held-out: {run.dictionary_name} P@1\n({run.n_queries} English words; no dictionary in training)",
                   fontsize=9)
    p_ax.legend(fontsize=8)
    for ax in (loss_ax, p_ax):
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle("BiSkip per epoch: training loss and held-out word translation", fontsize=10)
    return fig


def biskip_statistics_table(run: BiSkipRun, paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """The bilingual space's size beside Wei et al. (2017): sentence pairs, English and Chinese words."""
    paper = paper_numbers("wei2017") if paper is None else paper
    paper = paper[paper["method"] == "BiSkip bilingual space"].set_index("metric")["value"]
    ours = {"parallel sentence pairs": run.n_pairs, "English words": len(run.english_words),
            "Chinese words": len(run.chinese_words)}
    return pd.DataFrame({
        "paper (170k crawled pairs, MultiVec)": [paper.get(m) for m in ours],
        "ours (Tatoeba cmn, this trainer)": list(ours.values()),
    }, index=pd.Index(list(ours), name="statistic"))


def biskip_neighbours(model: BiSkip, words: Sequence[str] = BISKIP_QUERY_WORDS, topn: int = 5) -> pd.DataFrame:
    """English word -> its nearest Chinese and English words in the BiSkip space."""
    rows = []
    for word in words:
        if f"en:{word}" in model.index_:
            rows.append({
                "English": word,
                "nearest Chinese": " · ".join(w[3:] for w, _ in model.most_similar(f"en:{word}", lang="zh", topn=topn)),
                "nearest English": " · ".join(w[3:] for w, _ in model.most_similar(f"en:{word}", lang="en", topn=topn)),
            })
    return pd.DataFrame(rows, columns=["English", "nearest Chinese", "nearest English"]).set_index("English")


# ---------------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------------


def real_claim_settings(runs: TranslationRuns) -> dict[str, pd.DataFrame]:
    """Setting -> its table indexed by (alignment, retrieval): the real tier of the claims."""
    return runs.settings()


def toy_claim_settings(toy: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Toy setting -> means over the splits of P@1, skew N10 and hubs, by (alignment, retrieval)."""
    return {s: g.groupby(["alignment", "retrieval"])[["P@1", "skew N10", "hubs (N1>5)"]].mean()
            for s, g in toy.groupby("setting", sort=False)}


@dataclass(frozen=True)
class RowComparison:
    """One setting's two compared numbers and whether the candidate won."""

    setting: str
    baseline: float
    candidate: float
    held: bool


def compare_rows(settings: Mapping[str, pd.DataFrame], baseline: tuple[str, str], candidate: tuple[str, str],
                 metric: str, lower_is_better: bool = False) -> list[RowComparison]:
    """Per setting, ``metric`` of the ``candidate`` (alignment, retrieval) row against the
    ``baseline`` row; held when strictly better (higher, or lower when ``lower_is_better``)."""
    out = []
    for setting, t in settings.items():
        a, b = float(t.loc[baseline, metric]), float(t.loc[candidate, metric])
        out.append(RowComparison(setting, a, b, b < a if lower_is_better else b > a))
    return out


def _ours(comparisons: Sequence[RowComparison]) -> str:
    return "; ".join(f"{c.setting}: {c.baseline:.1f} → {c.candidate:.1f}" for c in comparisons)


def _counts(comparisons: Sequence[RowComparison]) -> dict:
    return {"n_checked": len(comparisons), "n_held": sum(c.held for c in comparisons)}


def _reason(comparisons: Sequence[RowComparison], what: str, unit: str = "points") -> str:
    """Where the claim held and where not, with the differences."""
    won = [c for c in comparisons if c.held]
    lost = [c for c in comparisons if not c.held]
    suffix = f" {unit}" if unit else ""

    def gap(c: RowComparison) -> str:
        return f"{c.candidate - c.baseline:+.1f}"

    if not lost:
        where = "both settings" if len(comparisons) == 2 else f"all {len(comparisons)} settings"
        if len(comparisons) == 1:
            where = comparisons[0].setting
        return f"{what} in {where} ({', '.join(gap(c) for c in comparisons)}{suffix})"
    return f"{what} in {len(won)} of {len(comparisons)} settings; not in " + ", ".join(
        f"{c.setting} ({gap(c)}{suffix})" for c in lost)


def _paper_csls_gain(paper: pd.DataFrame) -> str | None:
    """The paper's Procrustes P@1 under NN and CSLS, en-zh: ``"40.6 → 42.7 (en-zh)"``."""
    rows = paper[(paper["metric"] == "P@1") & (paper["setting"] == "en-zh")].set_index("method")["value"]
    if not {"Procrustes - NN", "Procrustes - CSLS"} <= set(rows.index):
        return None
    return f"{rows['Procrustes - NN']:.1f} → {rows['Procrustes - CSLS']:.1f} (en-zh)"


def diagnosis_reason(diagnosis: RCSLSDiagnosis) -> str:
    """Why RCSLS trails on the toy tier, in the numbers of :func:`toy_rcsls_diagnosis`."""
    d = diagnosis.summary()
    v = d[diagnosis.variant]
    sizes = diagnosis.size_table()["RCSLS − Procrustes"]
    return (f"diagnosis ({diagnosis.variant} variant, {d['n_runs']} toy runs): {d['pairs_min']}-{d['pairs_max']} "
            f"training pairs fit a {d['target_dim']} x {d['dim']} map, and the training matrix has rank "
            f"{d['rank_min']}-{d['rank_max']} (not even Procrustes is unique); held-out CSLS P@1 is best after "
            f"{v['best_p1_step']} step(s) ({v['p1_start']:.1f} → {v['p1_best']:.1f}) and {v['p1_last']:.1f} after "
            f"{v['last_step']}, while the training loss falls {v['train_start']:.3f} → {v['train_last']:.3f}: the "
            f"map overfits the pairs; the gap to Procrustes shrinks with the dictionary "
            f"({sizes.iloc[0]:+.1f} points at {sizes.index[0]} pairs, {sizes.iloc[-1]:+.1f} at {sizes.index[-1]})")


def record_claims(ledger, real: Mapping[str, pd.DataFrame], toy: Mapping[str, pd.DataFrame],
                  paper: pd.DataFrame | None = None, toy_diagnosis: RCSLSDiagnosis | None = None) -> list:
    """Check the four claims on each data tier and record them, held or not, in ``ledger``.

    ``real`` and ``toy`` map a setting to its table indexed by (alignment, retrieval), with
    ``P@1`` and ``skew N10`` (:func:`real_claim_settings`, :func:`toy_claim_settings`). A claim
    holds on a tier when it holds in every setting of it. ``toy_diagnosis``
    (:func:`toy_rcsls_diagnosis`) adds its findings to the reason of the toy RCSLS claim when
    that claim does not hold. Returns the recorded claims.
    """
    paper = paper_numbers("conneau2018") if paper is None else paper
    csls_paper = _paper_csls_gain(paper)
    claims = []
    for tier, settings in (("offline-real", real), ("toy", toy)):
        if not settings:
            raise ValueError(f"record_claims: no setting for the {tier} tier")
        claims += _record_tier(ledger, tier, settings, csls_paper,
                               diagnosis=toy_diagnosis if tier == "toy" else None)
    return claims


def _record_tier(ledger, tier: str, settings: Mapping[str, pd.DataFrame], csls_paper: str | None,
                 diagnosis: RCSLSDiagnosis | None = None) -> list:
    claims = []
    csls = compare_rows(settings, ("procrustes", "nn"), ("procrustes", "csls"), "P@1")
    claims.append(ledger.check(
        f"csls-beats-nn-{tier}", "conneau2018",
        "CSLS retrieval gives a higher word-translation P@1 than nearest-neighbour retrieval (same Procrustes map)",
        "Table 1",
        {f"{s}: {r}": float(t.loc[("procrustes", r), "P@1"]) for s, t in settings.items() for r in ("nn", "csls")},
        all(c.held for c in csls), tier,
        short="CSLS > NN retrieval (P@1, Procrustes)", paper_value=csls_paper, ours=_ours(csls),
        reason=_reason(csls, "CSLS ahead of NN"), **_counts(csls),
    ))

    hubs = compare_rows(settings, ("procrustes", "nn"), ("procrustes", "csls"), "skew N10", lower_is_better=True)
    claims.append(ledger.check(
        f"csls-reduces-hubness-{tier}", "conneau2018",
        "CSLS reduces hubness: the k-occurrence distribution of retrieved target words is less skewed than under NN",
        "Sec. 2.3",
        {f"{s}: skew N10 {r}": float(t.loc[("procrustes", r), "skew N10"])
         for s, t in settings.items() for r in ("nn", "csls")},
        all(c.held for c in hubs), tier,
        short="CSLS reduces hubness (skew of N10)", ours="skew N10 " + _ours(hubs),
        reason=_reason(hubs, "skew of N10 lower under CSLS", unit=""), **_counts(hubs),
    ))

    rcsls = compare_rows(settings, ("procrustes", "csls"), ("rcsls", "csls"), "P@1")
    reason = _reason(rcsls, "RCSLS ahead of Procrustes")
    if not all(c.held for c in rcsls):
        skew = max(float(t.loc[("procrustes", "nn"), "skew N10"]) for t in settings.values())
        reason += (f"; these spaces have little hubness for the RCSLS loss to remove "
                   f"(skew of N10 under NN at most {skew:.1f})")
        if diagnosis is not None:
            reason += "; " + diagnosis_reason(diagnosis)
    claims.append(ledger.check(
        f"rcsls-beats-procrustes-{tier}", "joulin2018",
        "Learning the map with the RCSLS loss gives a higher P@1 than Procrustes, both with CSLS retrieval",
        "Table 1",
        {f"{s}: {a}": float(t.loc[(a, "csls"), "P@1"]) for s, t in settings.items() for a in ("procrustes", "rcsls")},
        all(c.held for c in rcsls), tier,
        note="RCSLS ahead in: " + (", ".join(c.setting for c in rcsls if c.held) or "none")
        + "; behind or level in: " + (", ".join(c.setting for c in rcsls if not c.held) or "none"),
        short="RCSLS > Procrustes (P@1, CSLS)", ours=_ours(rcsls), reason=reason, **_counts(rcsls),
    ))

    orthogonal = compare_rows(settings, ("lstsq", "nn"), ("procrustes", "nn"), "P@1")
    claims.append(ledger.check(
        f"orthogonal-beats-least-squares-{tier}", "joulin2018",
        "An orthogonal map (Procrustes) on unit vectors translates better than the least-squares map (NN retrieval)",
        "Sec. 1",
        {f"{s}: {a}": float(t.loc[(a, "nn"), "P@1"]) for s, t in settings.items() for a in ("lstsq", "procrustes")},
        all(c.held for c in orthogonal), tier,
        short="Procrustes > least squares (P@1, NN)", ours=_ours(orthogonal),
        reason=_reason(orthogonal, "Procrustes ahead of least squares"), **_counts(orthogonal),
    ))
    return claims

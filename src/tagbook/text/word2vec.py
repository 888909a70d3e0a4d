"""Skip-gram word vectors (Mikolov et al. 2013) trained with gensim, and the toy world's vectors.

:func:`train_word2vec` trains on tokenised sentences with the settings of a
:class:`Word2VecConfig`; :func:`load_toy` (``load_vectors("toy-<lang>")``) trains on the toy
world's corpus of one language and caches the result under a key of every setting that shapes
the vectors (corpus size, seed, configuration, gensim version).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import asdict, dataclass
from typing import Sequence

from tagbook.text.word_vectors import WordVectors, vector_cache_file, vector_cache_key

__all__ = ["Word2VecConfig", "train_word2vec", "load_toy"]


@dataclass(frozen=True)
class Word2VecConfig:
    """Skip-gram settings (Mikolov et al. 2013). ``workers=1`` with a fixed ``seed`` makes gensim
    deterministic across runs (its vectors start from ``numpy.random.default_rng(seed)`` and the
    single worker sees the sentences in order)."""

    dim: int = 100
    window: int = 5
    min_count: int = 2
    negative: int = 5
    epochs: int = 10
    sample: float = 1e-3
    seed: int = 0
    workers: int = 1


def train_word2vec(sentences: Sequence[Sequence[str]], config: Word2VecConfig = Word2VecConfig(),
                   *, lang: str | None = None, name: str = "") -> WordVectors:
    """Skip-gram vectors (gensim ``Word2Vec(sg=1)``) for tokenised ``sentences``.

    Maximises ``sum_t sum_{-c<=j<=c, j!=0} log p(w_{t+j} | w_t)`` with negative sampling.
    """
    sentences = [list(s) for s in sentences]
    if not any(sentences):
        raise ValueError("sentences is empty: nothing to train word vectors on")
    from gensim.models import Word2Vec

    model = Word2Vec(
        sentences=sentences, vector_size=config.dim, window=config.window,
        min_count=config.min_count, negative=config.negative, epochs=config.epochs,
        sample=config.sample, seed=config.seed, workers=config.workers, sg=1,
    )
    if len(model.wv) == 0:
        raise ValueError(f"no word occurs min_count={config.min_count} times in the corpus")
    return WordVectors.from_keyed_vectors(model.wv, lang=lang, name=name or "skip-gram")


def load_toy(lang: str, *, n_sentences: int = 20000, seed: int = 0,
             config: Word2VecConfig | None = None, cache: bool = True) -> WordVectors:
    """Skip-gram vectors trained on the toy world's ``lang`` corpus, cached by corpus parameters."""
    if lang not in ("en", "zh", "de", "ja"):
        raise ValueError(f"toy vectors exist for en, zh, de, ja; got lang={lang!r}")
    config = config or Word2VecConfig(seed=seed)
    try:
        from tagbook.world.corpora import monolingual_corpus
    except ImportError as error:
        raise ModuleNotFoundError(
            "toy vectors need tagbook.world.corpora.monolingual_corpus (the toy world)"
        ) from error
    gensim_version = importlib.metadata.version("gensim")
    key = vector_cache_key({"lang": lang, "n_sentences": n_sentences, "seed": seed, "config": asdict(config),
                   "gensim": gensim_version})
    cached = vector_cache_file(f"toy-{lang}-{key}.npz")
    if cache and cached.is_file():
        return WordVectors.load(cached)
    corpus = monolingual_corpus(lang, n_sentences, seed)
    vectors = train_word2vec(corpus, config, lang=lang, name=f"toy skip-gram ({lang})")
    if cache:
        vectors.save(cached)
    return vectors

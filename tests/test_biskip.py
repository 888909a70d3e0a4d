"""Known-answer tests for the bilingual skip-gram trainer (tagbook.text.biskip)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest

from tagbook.metrics.translation import translation_precision
from tagbook.text.align import retrieve
from tagbook.text.biskip import BiSkip, BiSkipConfig, monotonic_alignment

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

N_CONCEPTS = 60


def planted_parallel_corpus(n_pairs=1500, seed=0):
    """Random walks over 60 concepts, each with 3 fixed successors (so every concept has its own
    typical neighbours); the Chinese side names the same concepts (``e17`` <-> ``z17``) in the
    same order, with two neighbours swapped in a third of the sentences."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(N_CONCEPTS, size=(N_CONCEPTS, 3))
    corpus = []
    for _ in range(n_pairs):
        walk = [int(rng.integers(N_CONCEPTS))]
        for _ in range(int(rng.integers(3, 8))):
            walk.append(int(successors[walk[-1], rng.integers(3)]))
        en = [f"e{c}" for c in walk]
        zh = [f"z{c}" for c in walk]
        if rng.random() < 1 / 3:
            i = rng.integers(len(zh) - 1)
            zh[i], zh[i + 1] = zh[i + 1], zh[i]
        corpus.append((en, zh))
    return corpus


def translation_p_at_1(model: BiSkip) -> float:
    en_words, en = model.language_vectors("en")
    zh_words, zh = model.language_vectors("zh")
    zh_index = {w: i for i, w in enumerate(zh_words)}
    gold = [{zh_index["z" + w[1:]]} for w in en_words]
    ranked = retrieve(en, zh, k=1)
    return translation_precision(ranked, gold, ks=(1,))["P@1"]


CONFIG = BiSkipConfig(dim=24, window=3, epochs=4, lr=0.02, batch_size=1024, min_count=1, subsample=0, seed=3, show_progress=False)


def test_biskip_puts_translations_nearest_on_planted_corpus():
    model = BiSkip(CONFIG).fit(planted_parallel_corpus())
    assert len(model.words_) == 2 * N_CONCEPTS
    assert model.words_[0].startswith("en:") and model.words_[-1].startswith("zh:")
    p1 = translation_p_at_1(model)
    assert p1 > 0.8, p1  # chance is 1/60
    assert model.loss_history_[-1] < model.loss_history_[0]
    top = model.most_similar("en:e5", lang="zh", topn=3)
    assert top[0][0] == "zh:z5" and all(w.startswith("zh:") for w, _ in top)


def test_biskip_without_cross_lingual_signal_is_near_chance():
    """Shuffling which Chinese sentence goes with which English one removes the bilingual signal."""
    corpus = planted_parallel_corpus()
    rng = np.random.default_rng(1)
    order = rng.permutation(len(corpus))
    shuffled = [(corpus[i][0], corpus[j][1]) for i, j in zip(range(len(corpus)), order)]
    p1 = translation_p_at_1(BiSkip(CONFIG).fit(shuffled))
    assert p1 < 0.2, p1


def test_biskip_is_deterministic_given_seed():
    corpus = planted_parallel_corpus(n_pairs=300)
    cfg = BiSkipConfig(dim=8, window=2, epochs=1, min_count=1, seed=7, show_progress=False)
    a, b = BiSkip(cfg).fit(corpus), BiSkip(cfg).fit(corpus)
    assert np.array_equal(a.matrix_, b.matrix_)
    c = BiSkip(BiSkipConfig(dim=8, window=2, epochs=1, min_count=1, seed=8, show_progress=False)).fit(corpus)
    assert not np.array_equal(a.matrix_, c.matrix_)


def test_monotonic_alignment_follows_relative_position():
    assert monotonic_alignment(4, 8).tolist() == [0, 2, 4, 6]
    assert monotonic_alignment(5, 2).tolist() == [0, 0, 0, 1, 1]
    assert monotonic_alignment(1, 3).tolist() == [0]
    with pytest.raises(ValueError, match="lengths"):
        monotonic_alignment(0, 3)


def test_cross_pairs_use_the_aligned_window():
    model = BiSkip(BiSkipConfig(window=1, min_count=1, subsample=0, show_progress=False))
    corpus = [(["a", "b"], ["x", "y", "z", "w"])]
    model._build_vocab(corpus)
    src, tgt = model._encode(corpus, 0), model._encode(corpus, 1)
    keep_s, keep_t = src.valid.copy(), tgt.valid.copy()
    window = np.ones_like(src.ids)
    centres, contexts = model._cross_pairs(src, tgt, keep_s, keep_t, window)
    words = model.words_
    got = sorted((words[c], words[o]) for c, o in zip(centres, contexts))
    # a (pos 0) is aligned to x (pos 0): contexts x, y; b (pos 1) to z (pos 2): contexts y, z, w
    assert got == sorted([("en:a", "zh:x"), ("en:a", "zh:y"), ("en:b", "zh:y"), ("en:b", "zh:z"), ("en:b", "zh:w")])


def test_most_similar_ranks_ties_by_vocabulary_order():
    model = BiSkip(CONFIG).fit([(["a", "b", "c"], ["x", "y", "z"])] * 4)
    assert model.words_ == ["en:a", "en:b", "en:c", "zh:x", "zh:y", "zh:z"]
    model.matrix_ = np.array([[1, 0], [1, 0], [0, 1], [1, 0], [0, 1], [1, 0]], dtype=np.float32)
    assert [w for w, _ in model.most_similar("en:a", topn=3)] == ["en:b", "zh:x", "zh:z"]
    assert model.most_similar("en:a", lang="zh", topn=10) == [("zh:x", 1.0), ("zh:z", 1.0), ("zh:y", 0.0)]
    with pytest.raises(ValueError, match="topn must be a positive int"):
        model.most_similar("en:a", topn=0)


def test_biskip_rejects_bad_input():
    with pytest.raises(ValueError, match="no sentence pair"):
        BiSkip(CONFIG).fit([([], ["z1"])])
    with pytest.raises(ValueError, match="min_count"):
        BiSkip(BiSkipConfig(min_count=5, show_progress=False)).fit([(["a"], ["b"])])
    with pytest.raises(ValueError, match="BiSkipConfig.dim"):
        BiSkipConfig(dim=0)
    with pytest.raises(ValueError, match="must differ"):
        BiSkip(CONFIG, src_lang="en", tgt_lang="en")
    with pytest.raises(RuntimeError, match="not fitted"):
        BiSkip(CONFIG).language_vectors("en")


@pytest.mark.shared_data
@pytest.mark.slow
def test_biskip_on_real_tatoeba_en_zh_beats_chance():
    path = DATA / "tatoeba" / "cmn.txt"
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    import jieba

    jieba.setLogLevel(logging.WARNING)
    lines = path.read_text(encoding="utf-8").splitlines()[::3][:8000]  # a spread of sentence lengths
    corpus = []
    for line in lines:
        en, zh = line.split("\t")[:2]
        en_tokens = re.findall(r"[a-z]+", en.lower())
        zh_tokens = [w for w in jieba.lcut(zh) if re.search(r"\w", w)]
        corpus.append((en_tokens, zh_tokens))
    cfg = BiSkipConfig(dim=48, epochs=3, lr=0.01, min_count=3, seed=0, show_progress=False)
    model = BiSkip(cfg).fit(corpus)
    hand_pairs = {
        "dog": "狗", "cat": "猫", "water": "水", "book": "书", "money": "钱", "car": "车",
        "tea": "茶", "house": "房子", "eat": "吃", "go": "去", "school": "学校", "friend": "朋友",
    }
    en_words, en = model.language_vectors("en")
    zh_words, zh = model.language_vectors("zh")
    kept = [(e, z) for e, z in hand_pairs.items() if e in en_words and z in zh_words]
    assert len(kept) >= 10
    queries = np.array([en_words.index(e) for e, _ in kept])
    gold = [{zh_words.index(z)} for _, z in kept]
    p5 = translation_precision(retrieve(en[queries], zh, k=5), gold, ks=(5,))["P@5"]
    assert p5 >= 0.5, (p5, len(zh_words))  # chance is about 5 / len(zh_words) < 0.01

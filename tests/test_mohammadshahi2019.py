"""The chapter-06 experiment functions on a tiny planted problem (no world, no backbone)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tagbook.experiments import mohammadshahi2019 as m19
from tagbook.report import ClaimsLedger

EN = ["dog", "cat", "car", "tree", "red", "blue"]
DE = ["hund", "katze", "auto", "baum", "rot", "blau"]
NOISE = {"en": ["a", "the"], "de": ["ein", "der"]}


def _tiny_world(n_images=30, seed=0):
    """Images of 4 kinds with a colour; captions name kind and colour in en and de."""
    rng = np.random.default_rng(seed)
    kinds, colours = rng.integers(0, 4, n_images), rng.integers(4, 6, n_images)
    centres = rng.normal(size=(6, 12))
    features = (centres[kinds] + centres[colours] + 0.1 * rng.normal(size=(n_images, 12))).astype(np.float32)
    tokens = {}
    for lang, words in (("en", EN), ("de", DE)):
        tokens[lang] = [[[str(rng.choice(NOISE[lang])), words[c], words[k]] for _ in range(5)]
                        for k, c in zip(kinds, colours)]
    order = rng.permutation(n_images)
    splits = {"train": order[:18], "val": order[18:24], "test": order[24:]}
    world = SimpleNamespace(images=np.zeros((n_images, 2, 2, 3), np.uint8), splits=splits, caption_tokens=tokens)
    base = rng.normal(size=(8, 6))
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    vectors = {"en": dict(zip(EN + NOISE["en"], base)),
               "de": dict(zip(DE + NOISE["de"], base @ rotation.T + 0.01 * rng.normal(size=base.shape)))}
    lexicon = list(zip(EN + NOISE["en"], DE + NOISE["de"]))
    return world, features, vectors, lexicon


@pytest.fixture(scope="module")
def tiny():
    world, features, vectors, lexicon = _tiny_world()
    config = m19.Mohammadshahi2019Config(n_images=30, epochs=2, n_seeds=2, joint_dim=8, de_captions=1,
                                         test_words=0.25)
    data = m19.prepare_data(config, world=world, features=features, vectors=vectors, lexicon=lexicon)
    return config, data


@pytest.fixture(scope="module")
def runs(tiny):
    config, data = tiny
    return m19.run_retrieval(data, config)


def test_split_lexicon_holds_out_whole_source_words():
    pairs = [("dog", "hund"), ("dog", "köter"), ("cat", "katze"), ("car", "auto"), ("tree", "baum")]
    train, test = m19.split_lexicon(pairs, 0.5, seed=0)
    assert len(test) == 2 and not {a for a, _ in train} & set(test)
    assert sum(len(v) for v in test.values()) + len(train) == len(pairs)
    if "dog" in test:
        assert test["dog"] == {"hund", "köter"}
    with pytest.raises(ValueError, match="two source words"):
        m19.split_lexicon([("dog", "hund")], 0.5, 0)


def test_procrustes_alignment_recovers_a_rotation_and_the_ratio_counts_missing_words():
    rng = np.random.default_rng(1)
    source = {w: v for w, v in zip(EN, rng.normal(size=(6, 5)))}
    rotation, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    target = {d: source[e] @ rotation.T for e, d in zip(EN, DE)}
    aligned = m19.align_vectors(source, target, list(zip(EN[:4], DE[:4])))
    unit = {d: v / np.linalg.norm(v) for d, v in target.items()}
    for e, d in zip(EN, DE):  # the two held-out words are mapped right too
        assert np.allclose(aligned[e], unit[d], atol=1e-5)
    words_en, words_de = list(aligned), list(unit)
    mat_en, mat_de = np.stack(list(aligned.values())), np.stack(list(unit.values()))
    assert m19.lexicon_alignment_ratio(words_en, mat_en, words_de, mat_de, {"red": {"rot"}, "blue": {"blau"}}) == 100.0
    # a source word without a vector counts as wrong; a wrong gold translation too
    ratio = m19.lexicon_alignment_ratio(words_en, mat_en, words_de, mat_de,
                                        {"red": {"rot"}, "blue": {"rot"}, "emu": {"emu"}, "dog": {"hund"}})
    assert ratio == pytest.approx(50.0)
    with pytest.raises(ValueError, match="at least two lexicon pairs"):
        m19.align_vectors(source, target, [("dog", "hund")])


def test_prepare_data_keeps_german_low_resource_and_test_words_out_of_training(tiny):
    config, data = tiny
    assert all(len(c) == 1 for c in data.captions["train"]["de"])
    assert all(len(c) == 5 for c in data.captions["train"]["en"] + data.captions["test"]["de"])
    assert len(data.flat_captions("test", "de")) == 5 * len(data.splits["test"])
    assert not {a for a, _ in data.train_pairs} & set(data.test_lexicon)
    assert data.split_features("val").shape == (6, 12)
    for lang in m19.LANGS:
        assert np.allclose(np.linalg.norm(np.stack(list(data.vectors[lang].values())), axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="features has 3 rows"):
        m19.prepare_data(config, world=data.world, features=np.zeros((3, 12)), vectors=data.vectors,
                         lexicon=data.train_pairs)


def test_bad_configurations_fail_clearly():
    with pytest.raises(ValueError, match="de_captions must be at most 5"):
        m19.Mohammadshahi2019Config(de_captions=6)
    with pytest.raises(ValueError, match="similarity"):
        m19.Mohammadshahi2019Config(similarity="cosine")
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        m19.Mohammadshahi2019Config(epochs=0)
    with pytest.raises(ValueError, match="model must be one of"):
        m19.model_config(m19.Mohammadshahi2019Config(), "VSE++", 0)
    config = m19.Mohammadshahi2019Config.from_params({"epochs": 3, "seed": 5, "n_seeds": 2, "unrelated": 1})
    assert config.seeds == [5, 6] and config.epochs == 3
    assert m19.model_config(config, "AME", 5).alignment == "paper"
    assert m19.model_config(config, "FME", 5).train_embeddings is False


def test_run_retrieval_covers_every_model_language_and_seed(runs, tiny):
    config, _ = tiny
    rows = runs.rows
    assert len(rows) == 2 * (2 + 2 * 3)  # seeds x (Mono per language + 3 bilingual models x 2 languages)
    assert set(rows["model"]) == set(m19.MODELS) and runs.seeds == [0, 1]
    recalls = rows[list(m19.RECALL_COLUMNS)].to_numpy()
    assert ((recalls >= 0) & (recalls <= 100)).all()
    assert np.allclose(rows["R@sum"], recalls.sum(axis=1))
    bilingual = rows[rows["model"] != "Mono"]
    assert bilingual[["alignment before", "alignment after"]].notna().all().all()
    fme = rows[rows["model"] == "FME"]
    assert np.allclose(fme["alignment before"], fme["alignment after"])  # frozen embeddings keep the alignment
    assert rows[rows["model"] == "Mono"][["alignment before"]].isna().all().all()
    assert (rows["best epoch"].between(0, config.epochs - 1)).all()


def test_tables_and_claims(runs, tmp_path):
    table = m19.retrieval_table(runs)
    assert table.shape == (8, 7) and "±" in table.loc[("de", "AME"), "R@sum"]
    paper = m19.paper_retrieval_table()
    assert paper.loc[("de", "AME"), "R@sum"] == pytest.approx(39.6 + 72.7 + 82.7 + 28.9 + 58.0 + 68.7)
    align = m19.alignment_table(runs)
    assert list(align.index) == ["FME", "AME", "AME w/o alignment"]
    assert align.loc["FME", "paper, after (Multi30k, cosine)"] == "76.81"
    ledger = ClaimsLedger("06", output_dir=tmp_path)
    claims = m19.record_claims(ledger, runs, tier="toy", where="tiny")
    assert len(claims) == 5 and len({c.id for c in claims}) == 5
    for claim in claims:
        assert claim.holds == (claim.n_held == claim.n_checked) and claim.ours and claim.reason and claim.short
    by_id = {c.id: c for c in claims}
    assert by_id["06-ame-vs-fme"].n_checked == 4  # 2 seeds x 2 languages
    assert by_id["06-low-resource-gain"].n_checked == 2
    # the verdict follows the numbers: recompute one from the rows
    ame, fme = (runs.values(m, "en", "alignment after") for m in ("AME", "FME"))
    assert by_id["06-alignment-kept"].n_held == int(np.sum(fme - ame <= 10.0))
    assert "en +20.9" in by_id["06-ame-vs-fme"].paper_value
    fig = m19.plot_rsum(runs)
    assert fig.get_size_inches()[0] * fig.dpi <= 700
    assert isinstance(runs.rows, pd.DataFrame)

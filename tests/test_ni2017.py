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


def test_new_parameters_are_checked():
    with pytest.raises(ValueError, match="curve_grid"):
        n17.Ni2017Config(curve_grid="diagonal")
    with pytest.raises(ValueError, match="clean_share"):
        n17.Ni2017Config(clean_share=0)
    with pytest.raises(ValueError, match="word_learning_rate"):
        n17.Ni2017Config(word_learning_rate=0)
    assert n17.curve_grid("cross") == [(1, 10), (2, 10), (5, 10), (10, 10), (5, 1), (5, 5), (5, 100), (1, 1)]
    assert len(n17.curve_grid("full")) == 16 and (1, 1) in n17.curve_grid("full")


def _curves_frame(final_f1: dict, seeds=(0, 1), epochs=3):
    """A curves frame whose last-epoch per-label F1 is ``final_f1[(P, N)] + seed``."""
    rows = []
    for seed in seeds:
        for (p, n), f1 in final_f1.items():
            for epoch in range(1, epochs + 1):
                for average in ("label", "micro"):
                    value = f1 + seed if epoch == epochs else 0.0
                    rows.append(dict(P=p, N=n, seed=seed, epoch=epoch, average=average, precision=0.0, recall=0.0,
                                     F1=value if average == "label" else -1.0))
    return pd.DataFrame(rows)


def test_sampling_claims_read_the_last_epoch_per_seed(tmp_path):
    f1 = {(1, 10): 20.0, (2, 10): 30.0, (5, 10): 40.0, (10, 10): 41.5, (5, 1): 39.0, (5, 5): 40.5, (5, 100): 37.5,
          (1, 1): 25.0}
    ledger = ClaimsLedger("04", output_dir=tmp_path)
    single = n17.record_single_samples_claim(ledger, _curves_frame(f1))
    assert single.holds and single.n_checked == 2 and single.evidence["F1(P=5, N=10) - F1(P=1, N=1), seed 1"] == 15.0
    parity = n17.record_positive_parity_claim(ledger, _curves_frame(f1))
    assert parity.holds and parity.n_checked == 2  # |41.5 - 40| <= 2 on both seeds
    negatives = n17.record_negatives_claim(ledger, _curves_frame(f1))
    assert not negatives.holds and negatives.n_held == 0  # spread 40.5 - 37.5 = 3 > 2
    assert negatives.evidence["spread over N, seed 0"] == pytest.approx(3.0)
    f1[(5, 100)] = 39.0
    close = n17.record_negatives_claim(ClaimsLedger("04", output_dir=tmp_path), _curves_frame(f1))
    assert close.holds and close.evidence["spread over N, seed 1"] == pytest.approx(1.5)


def test_sampling_curves_and_plot_on_tiny_data():
    data = _data("ugc")
    curves = n17.sampling_curves(data, [(1, 1), (5, 10)], seeds=(0,), epochs=2, hidden=8)
    assert len(curves) == 2 * 2 * 2  # settings x epochs x averages
    assert sorted(curves["epoch"].unique()) == [1, 2]
    assert curves["F1"].between(0, 100).all()
    fig = n17.plot_sampling_curves(curves)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "epoch"


def test_cross_corpus_settings_split_labels_and_shrink_the_clean_corpus(tmp_path):
    world = _World()
    rng = np.random.default_rng(1)
    extra = ["car", "road", "tree", "boat", "sea"]  # 10 label words: no image carries all of set A
    world.keys, world.names = world.keys + extra, world.names + extra
    world.label_index = {k: j for j, k in enumerate(world.keys)}
    world.label_matrix = rng.random((len(world), len(world.keys))) < 0.3
    world.labels_of_kind = lambda kind: world.keys[:4] + extra if kind == "object" else world.keys[4:6]
    words = GLOVE_WORDS + ["car", "road", "boat", "sea"]
    glove = rng.standard_normal((len(words), 6)).astype(np.float32)
    features = rng.standard_normal((len(world), 10)).astype(np.float32)
    cc = n17.prepare_cross_corpus(world, features, words, glove, seed=0, vocabulary_words=None, clean_share=0.5)
    assert len(cc.set_a) == len(cc.set_b) == 6 and len(cc.label_words) == 10
    small, full, ugc = (cc.corpora[name] for name in n17.CROSS_CORPORA)
    a_ids = set(small.label_ids[cc.set_a].tolist())
    assert all(set(t) <= a_ids and t for t in small.train_tags + full.train_tags)  # clean corpora: set A only
    assert len(small.train_idx) < len(full.train_idx) <= 28 and len(ugc.train_idx) == 28
    assert set(small.train_idx) <= set(full.train_idx)
    frame = n17.cross_corpus_runs(cc, variants=("S+Opt+X-Ent", "Opt+X-Ent"), seeds=(0, 1), epochs=1, hidden=8)
    assert len(frame) == 3 * 2 * 2 * 2
    table = n17.cross_corpus_table(frame)
    assert table.loc[("UGC, all -> B", "S+Opt+X-Ent"), "paper F1"] == "17.9"
    assert table.loc[("UGC, all -> B", "S+Opt+X-Ent"), "paper's setting"] == "YFCC->ESP"
    assert table.loc[("clean A, small -> B", "Opt+X-Ent"), "paper F1"] == "9.8"
    assert table.loc[("UGC, all -> B", "Opt+X-Ent"), "paper F1"] == "—"  # the paper has no full run on YFCC100M
    ledger = ClaimsLedger("04", output_dir=tmp_path)
    transfer = n17.record_transfer_claim(ledger, frame)
    part = frame[(frame["variant"] == "S+Opt+X-Ent") & (frame["average"] == "label")].set_index(["corpus", "seed"])["F1"]
    gaps = [part[("UGC, all -> B", s)] - part[("clean A, small -> B", s)] for s in (0, 1)]
    assert transfer.n_checked == 2 and transfer.n_held == sum(g > 0 for g in gaps)
    runs = n17.tagging_runs(_data("ugc"), seeds=(0,), epochs=1, hidden=8, oov_epochs=1, oov_partners=4)
    recall = n17.record_recall_claim(ledger, runs, frame)
    # Table 3: 3 pairs x 1 seed; cross-corpus: 1 pair x 2 seeds x 3 corpora
    assert recall.n_checked == 3 + 6
    assert recall.paper_value == "13 of 17 (sampled, full) pairs in Tables 2-3"


def test_oov_diagnostics_and_retrieval_figure():
    world = _World()
    world.images = np.zeros((len(world), 8, 8, 3), dtype=np.uint8)
    data = _data("ugc")
    runs = n17.tagging_runs(data, variants=("S+Opt+X-Ent",), seeds=(0,), epochs=2, hidden=8, oov_epochs=1,
                            oov_partners=4, word_learning_rate=0.05)
    table = n17.oov_table(runs, diagnostics=True)
    assert 0 < table.loc[0, "touched share (%)"] < 100
    assert table.loc[0, "cos(trained, initial), touched rows"] < 1.0  # lr 0.05 moved the tag vectors
    assert np.isfinite(table.loc[0, "Eq. 4 KL, first epoch"])
    queries = n17.retrieval_queries(data, n_seen=2, n_unseen=1)
    assert len(queries) == 3 and queries[-1] in set(data.unseen.tolist())
    fig = n17.plot_retrieval(world, data, runs[0].model, queries, k=3)
    assert len(fig.axes) == 9


def test_retrieval_hits_count_the_frames():
    data = _data("ugc")
    runs = n17.tagging_runs(data, variants=("S+Opt+X-Ent",), seeds=(0,), epochs=1, hidden=8, oov_epochs=1, oov_partners=4)
    queries = n17.retrieval_queries(data, n_seen=1, n_unseen=1)
    hits = n17.retrieval_hits(data, runs[0].model, queries, k=3)
    found, _ = runs[0].model.retrieve(data.label_ids[queries], data.features[data.test_idx], k=3)
    for (word, row), q, got in zip(hits.iterrows(), queries, found):
        assert word == data.label_words[q] and row.retrieved == 3
        assert row.hits == int(data.truth[data.test_idx[got], q].sum())

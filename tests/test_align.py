"""Known-answer tests for cross-lingual alignment and CSLS retrieval (tagbook.text.align)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.stats import ortho_group

from tagbook.experiments.alignment import TranslationSetup, translation_split, word_translation_table
from tagbook.metrics.translation import hub_count, translation_precision
from tagbook.text.align import (
    BilingualDictionary,
    LeastSquaresAlignment,
    ProcrustesAlignment,
    RCSLSAlignment,
    RCSLSConfig,
    compress_to_map_range,
    csls_scores,
    make_alignment,
    mean_topk_similarity,
    normalize_rows,
    procrustes,
    retrieve,
)

torch.set_num_threads(2)


def planted_rotation(n=400, d=20, seed=0):
    rng = np.random.default_rng(seed)
    Y = normalize_rows(rng.normal(size=(n, d))).astype(np.float64)
    R = ortho_group.rvs(d, random_state=seed)  # target = R @ source
    X = Y @ R  # rows: x_i = R^T y_i
    return X, Y, R


def test_procrustes_recovers_planted_rotation():
    X, Y, R = planted_rotation()
    W = ProcrustesAlignment().fit(X, Y).W_
    assert np.abs(W.astype(np.float64) - R).max() < 1e-5
    assert np.abs(procrustes(X, Y) - R).max() < 1e-10


def test_procrustes_rectangular_is_partial_isometry():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 8))
    Q = np.linalg.qr(rng.normal(size=(12, 8)))[0]  # 12x8, orthonormal columns
    Y = X @ Q.T
    W = procrustes(X, Y)
    assert W.shape == (12, 8)
    assert np.allclose(W.T @ W, np.eye(8), atol=1e-10)
    assert np.allclose(W, Q, atol=1e-8)


def test_least_squares_recovers_planted_linear_map():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 10))
    A = rng.normal(size=(6, 10))
    Y = X @ A.T
    assert np.abs(LeastSquaresAlignment().fit(X, Y).W_ - A).max() < 1e-4
    # ridge shrinks the map
    ridged = LeastSquaresAlignment(ridge=1e4).fit(X, Y).W_
    assert np.linalg.norm(ridged) < np.linalg.norm(A)


def test_transform_maps_rows_and_checks_shapes():
    X, Y, _ = planted_rotation(n=50, d=6)
    model = ProcrustesAlignment().fit(X, Y)
    assert np.allclose(model.transform(X), Y, atol=1e-5)
    with pytest.raises(ValueError, match=r"shape \(n, 6\)"):
        model.transform(np.zeros((3, 5)))
    with pytest.raises(RuntimeError, match="not fitted"):
        ProcrustesAlignment().transform(X)


def test_fit_rejects_mismatched_or_empty_pairs():
    with pytest.raises(ValueError, match="same number of pairs"):
        ProcrustesAlignment().fit(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="empty"):
        LeastSquaresAlignment().fit(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="alignment must be one of"):
        make_alignment("cca")
    with pytest.raises(ValueError, match="RCSLSConfig.k"):
        RCSLSConfig(k=0)


def test_mean_topk_similarity_hand_computed():
    queries = np.array([[1.0, 0.0], [0.0, 2.0]])
    candidates = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    r = mean_topk_similarity(queries, candidates, k=2)
    c = 1 / np.sqrt(2)
    assert np.allclose(r, [(1 + c) / 2, (1 + c) / 2], atol=1e-6)


def test_retrieve_nn_and_csls_hand_computed():
    # target 0 is a hub (the diagonal) close to all four queries
    targets = normalize_rows(np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    queries = normalize_rows(np.array([[1.0, 0.55, 0.0], [0.55, 1.0, 0.0], [0.7, 0.7, 0.3], [0.7, 0.7, -0.3]]))
    # cos(q0, hub) = 1.55 / (sqrt(1.3025) sqrt(2)) = 0.9603 > cos(q0, e1) = 1 / sqrt(1.3025) = 0.8762
    assert retrieve(queries, targets, k=1, method="nn")[:, 0].tolist() == [0, 0, 0, 0]
    # CSLS, k=2: r_S(hub) = mean(0.9603, 0.9603) = 0.9603; r_S(e1) = mean(0.8762, 0.6767) = 0.7765.
    # For q0 (r_T(q0) cancels): hub 2*0.9603 - 0.9603 = 0.9603 < e1 2*0.8762 - 0.7765 = 0.9759.
    r_s = mean_topk_similarity(targets, queries, k=2)
    assert np.allclose(r_s[:3], [0.9603, 0.7765, 0.7765], atol=1e-4)
    csls = retrieve(queries, targets, k=4, method="csls", csls_k=2)
    assert csls[:, 0].tolist() == [1, 2, 0, 0]
    full = csls_scores(queries, targets, mean_topk_similarity(queries, targets, 2), r_s)
    assert np.allclose(full[0, :2] + mean_topk_similarity(queries, targets, 2)[0], [0.9603, 0.9759], atol=1e-4)
    assert csls[:2].tolist() == np.argsort(-full[:2], axis=1).tolist()  # rows 2, 3 hold exact ties


def test_retrieve_batches_agree_with_one_block():
    rng = np.random.default_rng(3)
    Q, T = rng.normal(size=(97, 16)), rng.normal(size=(211, 16))
    for method in ("nn", "csls"):
        one = retrieve(Q, T, k=5, method=method, batch_size=10_000)
        many = retrieve(Q, T, k=5, method=method, batch_size=7)
        assert np.array_equal(one, many)
    with pytest.raises(ValueError, match="method must be"):
        retrieve(Q, T, method="cosine")
    with pytest.raises(ValueError, match="dimension"):
        retrieve(Q, T[:, :5])


def planted_hub_world(alpha=1.5, n=1000, n_hubs=20, d=32, seed=0):
    """Targets y_i plus hubs near a direction u; sources are rotated, u-shifted copies of the y_i.

    Mapping back with a rotation leaves the shared u component in every mapped source, so the
    hubs become the nearest neighbours of many of them.
    """
    rng = np.random.default_rng(seed)
    Y = normalize_rows(rng.normal(size=(n, d)))
    u = normalize_rows(rng.normal(size=(1, d)))[0]
    hubs = normalize_rows(u + 0.3 * rng.normal(size=(n_hubs, d)) / np.sqrt(d))
    targets = np.vstack([Y, hubs])
    R = ortho_group.rvs(d, random_state=seed + 1)
    X = normalize_rows(Y + alpha * u + 0.2 * rng.normal(size=(n, d)) / np.sqrt(d)) @ R
    return X, targets


def test_rcsls_beats_procrustes_and_csls_beats_nn_on_planted_hubs():
    X, targets = planted_hub_world()
    train, test = np.arange(500), np.arange(500, 1000)
    gold = [{i} for i in test]
    proc = ProcrustesAlignment().fit(X[train], targets[train])
    rcsls = RCSLSAlignment(RCSLSConfig(n_iter=15, show_progress=False)).fit(
        X[train], targets[train], source_space=X, target_space=targets
    )
    scores = {}
    for name, model in (("procrustes", proc), ("rcsls", rcsls)):
        mapped = model.transform(X)
        for method in ("nn", "csls"):
            ranked = retrieve(mapped[test], targets, k=5, method=method, mapped_source_space=mapped)
            scores[name, method] = translation_precision(ranked, gold, ks=(1,))["P@1"]
            scores[name, method, "hubs"] = hub_count(ranked, len(targets), more_than=5)
    assert scores["procrustes", "nn"] < 0.6  # the planted hubs break plain NN retrieval
    assert scores["rcsls", "nn"] > scores["procrustes", "nn"] + 0.3
    assert scores["procrustes", "csls"] > scores["procrustes", "nn"] + 0.3
    assert scores["procrustes", "csls", "hubs"] < scores["procrustes", "nn", "hubs"]
    assert scores["procrustes", "nn", "hubs"] >= 5


def test_rcsls_loss_decreases_and_respects_spectral_constraint():
    X, targets = planted_hub_world(n=300, n_hubs=10, seed=4)
    model = RCSLSAlignment(RCSLSConfig(n_iter=8, show_progress=False)).fit(X, targets[:300], target_space=targets)
    history = model.loss_history_
    assert len(history) >= 2 and history[-1] < history[0]
    assert all(b <= a + 1e-7 for a, b in zip(history, history[1:]))
    assert np.linalg.svd(model.W_, compute_uv=False).max() <= 1.0 + 1e-5
    again = RCSLSAlignment(RCSLSConfig(n_iter=8, show_progress=False)).fit(X, targets[:300], target_space=targets)
    assert np.array_equal(model.W_, again.W_)


def test_rcsls_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    X = torch.from_numpy(normalize_rows(rng.normal(size=(40, 5))))
    Y = torch.from_numpy(normalize_rows(rng.normal(size=(40, 5))))
    model = RCSLSAlignment(RCSLSConfig(k=3, show_progress=False))
    W = torch.from_numpy(rng.normal(size=(5, 5)).astype(np.float32)) * 0.3
    loss, grad = model._loss_and_grad(W, X, Y, X, Y, 3, 3)
    # the loss is piecewise linear in W: a tiny step along E changes it by <grad, E> * eps
    E = torch.from_numpy(rng.normal(size=(5, 5)).astype(np.float32))
    eps = 1e-3
    loss_eps, _ = model._loss_and_grad(W + eps * E, X, Y, X, Y, 3, 3)
    assert abs((loss_eps - loss) / eps - float((grad * E).sum())) < 5e-3


def test_bilingual_dictionary_split_by_source_and_indexing():
    pairs = [("dog", "狗"), ("dog", "犬"), ("cat", "猫"), ("cat", "cat"), ("sun", "太阳"), ("dog", "狗")]
    d = BilingualDictionary.from_pairs(pairs)
    assert d.pairs == (("dog", "狗"), ("dog", "犬"), ("cat", "猫"), ("sun", "太阳"))  # identity + duplicate dropped
    assert d.sources == ["dog", "cat", "sun"]
    train, test = d.split(1, seed=0)
    assert not set(train.sources) & set(test.sources)
    assert len(train) + len(test) == len(d)
    q, gold = d.test_queries(["cat", "dog", "owl"], ["狗", "猫", "犬"])
    assert q.tolist() == [1, 0] and gold == [{0, 2}, {1}]
    src_rows, tgt_rows = d.training_rows(["cat", "dog"], ["狗", "猫"])
    assert src_rows.tolist() == [1, 0] and tgt_rows.tolist() == [0, 1]
    with pytest.raises(ValueError, match="n_test"):
        d.split(3, seed=0)


def test_compressed_retrieval_gives_the_same_cosines_and_ranking():
    rng = np.random.default_rng(6)
    S, T = rng.normal(size=(300, 6)), rng.normal(size=(250, 15))
    W = rng.normal(size=(15, 6))  # rank 6 map into a 15-d space
    a, b = compress_to_map_range(W, S, T)
    assert a.shape == (300, 6) and b.shape == (250, 6)
    full = normalize_rows(S @ W.T) @ normalize_rows(T).T
    assert np.allclose(a @ b.T, full, atol=1e-5)
    for method in ("nn", "csls"):
        expected = retrieve(S @ W.T, T, k=5, method=method, mapped_source_space=S @ W.T)
        got = retrieve(a, b, k=5, method=method, mapped_source_space=a, normalize=False)
        assert (expected[:, 0] == got[:, 0]).mean() > 0.99  # float32 rounding may swap near-ties


def test_rcsls_same_result_whichever_space_hosts_the_neighbour_search():
    rng = np.random.default_rng(7)
    X, Y = normalize_rows(rng.normal(size=(200, 5))), normalize_rows(rng.normal(size=(200, 12)))
    model = RCSLSAlignment(RCSLSConfig(k=4, show_progress=False))
    W = torch.from_numpy(rng.normal(size=(12, 5)).astype(np.float32)) * 0.3
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    loss_small, grad_small = model._loss_and_grad(W, Xt, Yt, Xt, Yt, 4, 4)  # searches in the 5-d space
    # the transposed problem searches in the 12-d space: same loss (the pair terms are symmetric)
    loss_big, grad_big = model._loss_and_grad(W.T.contiguous(), Yt, Xt, Yt, Xt, 4, 4)
    assert abs(loss_small - loss_big) < 1e-5
    assert torch.allclose(grad_small, grad_big.T, atol=1e-5)


def test_word_translation_table_on_a_planted_rotation():
    """English words w0..w299 map by a rotation onto t0..t299; each word also has a wrong second
    translation. Fitting on first translations only recovers the rotation: every test word is right."""
    X, Y, _ = planted_rotation(n=300, d=12, seed=8)
    src_words = [f"w{i}" for i in range(300)]
    tgt_words = [f"t{i}" for i in range(300)]
    pairs = [p for i in range(300) for p in ((f"w{i}", f"t{i}"), (f"w{i}", f"t{(i * 7 + 3) % 300}"))]
    dictionary = BilingualDictionary.from_pairs(pairs)
    setup = TranslationSetup(max_vocab=300, n_test=60, max_train=150, train_translations=1, seed=1,
                             rcsls=RCSLSConfig(n_iter=3, show_progress=False))
    train, test = translation_split(dictionary, src_words, tgt_words, setup)
    assert len(train) == 150 and all(t == "t" + s[1:] for s, t in train.pairs)  # first translations only
    assert not set(train.sources) & set(test.sources) and len(test.sources) == 60
    ranks = [int(s[1:]) for s in train.sources]
    assert ranks == sorted(ranks)  # most frequent (lowest rank) first
    table = word_translation_table(src_words, X, tgt_words, Y, dictionary, setup, progress=False)
    assert table.attrs["test_queries"] == 60 and table.attrs["train_pairs"] == 150
    by = table.set_index(["alignment", "retrieval"])
    assert by.loc[("procrustes", "nn"), "P@1"] == 100.0
    assert by.loc[("rcsls", "csls"), "P@1"] == 100.0
    assert by.loc[("procrustes", "nn"), "alignment ratio"] == 100.0


def test_alignment_methods_import_no_metrics():
    # metrics are computed on the methods' output (tagbook.experiments.alignment), never inside them
    code = "import sys, tagbook.text.align; print([m for m in sys.modules if m.startswith('tagbook.metrics')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _released_code_loop(model: RCSLSAlignment, X, Y, Zs, Zt, niter: int, lr: float):
    """The loop of the authors' released code, as its text describes it, written out here: for
    it = 0..niter, evaluate the loss at R, step, and when that loss exceeds the previous one
    halve the step size (without a constraint its 'undo' restores the same, updated matrix)."""
    R = torch.from_numpy(procrustes(X.numpy(), Y.numpy()).astype(np.float32))
    fold, losses = None, []
    for it in range(niter + 1):
        f, df = model._loss_and_grad(R, X, Y, Zs, Zt, 3, 3)
        losses.append(f)
        R = R - lr * df
        if it > 0 and f > fold:
            lr /= 2
            f = fold
        fold = f
    return R.numpy(), losses


def test_authors_variant_follows_the_released_loop_and_records_held_out_loss():
    rng = np.random.default_rng(11)
    X = normalize_rows(rng.normal(size=(60, 6)))
    Y = normalize_rows(X @ rng.normal(size=(6, 6)) + 0.3 * rng.normal(size=(60, 6)))
    Zs, Zt = normalize_rows(rng.normal(size=(200, 6))), normalize_rows(rng.normal(size=(200, 6)))
    config = RCSLSConfig.authors(niter=5, k=3, show_progress=False, lr=10.0)  # a large step, so that the loss rises
    assert (config.n_iter, config.constraint, config.on_increase) == (6, "none", "keep")
    assert (RCSLSConfig.authors().lr, RCSLSConfig.authors().n_iter) == (1.0, 11)
    held = (normalize_rows(rng.normal(size=(20, 6))), normalize_rows(rng.normal(size=(20, 6))))
    seen = []
    model = RCSLSAlignment(config).fit(X, Y, source_space=Zs, target_space=Zt, held_out=held,
                                       on_step=lambda step, W: seen.append((step, W)))
    expected_W, expected_losses = _released_code_loop(model, *(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
                                                               for a in (X, Y, Zs, Zt)), niter=5, lr=10.0)
    # the released code evaluates R_0..R_niter and steps once more; we also evaluate the last map
    assert np.allclose(model.loss_history_[:6], expected_losses, atol=1e-5)
    assert np.allclose(model.W_, expected_W, atol=1e-5)
    assert any(b > a for a, b in zip(model.loss_history_, model.loss_history_[1:]))  # a rise was kept
    assert min(model.lr_history_) < 10.0  # ... and halved the step size
    assert len(model.held_out_loss_history_) == len(model.loss_history_) == 7
    assert [step for step, _ in seen] == list(range(7)) and np.allclose(seen[-1][1], model.W_)
    # the held-out loss is the same loss on the held-out pairs
    H = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in held]
    Zs_t, Zt_t = (torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in (Zs, Zt))
    last = model._loss_and_grad(torch.from_numpy(model.W_), *H, Zs_t, Zt_t, 3, 3)[0]
    assert model.held_out_loss_history_[-1] == pytest.approx(last, abs=1e-6)
    # watching held-out pairs changes nothing in the fit
    plain = RCSLSAlignment(config).fit(X, Y, source_space=Zs, target_space=Zt)
    assert np.array_equal(plain.W_, model.W_)
    with pytest.raises(ValueError, match="on_increase"):
        RCSLSConfig(on_increase="restart")

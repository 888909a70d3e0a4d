"""Chapter 04's taggers: the losses against hand computation, sparse word-vector updates, the
variants on a planted problem, scoring, determinism and persistence."""

import math

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.fast0tag import Fast0Tag, Fast0TagConfig
from tagbook.methods.tagging.negative_sampling import sample_positives
from tagbook.methods.tagging.sampled_inputs import as_tag_rows, batch_positives, pairs_within_images
from tagbook.methods.tagging.sampled_losses import (
    full_cross_entropy,
    full_fast0tag,
    sampled_cross_entropy,
    sampled_fast0tag,
)
from tagbook.methods.tagging.sampled_rows import RowOptimiser
from tagbook.methods.tagging.sampled_tagging import (
    PAPER_VARIANTS,
    SampledTagger,
    SampledTaggerConfig,
    SampledTrainer,
    variant_config,
)
from tagbook.methods.tagging.synthetic import planted_problem
from tagbook.methods.tagging.word_vector_regression import (
    AvgWordVector,
    AvgWordVectorConfig,
    LeastSquaresConfig,
    LeastSquaresWordVector,
    mean_tag_vectors,
)

# -- the tiny problem: 2 images, 4 tags, 2-d vectors -------------------------------------------
F_TINY = [[1.0, 0.5], [-0.5, 1.0]]
V_TINY = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.6, 0.8]]
TAGS_TINY = [[0, 3], [1]]  # image 0: words 0 and 3; image 1: word 1


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def hand_sampled_xent(f, v, pos, neg, alpha):
    """Eq. 1 negated, written out term by term for one image."""
    data = sum(math.log(sig(dot(f, v[p]))) for p in pos) + sum(math.log(sig(-dot(f, v[n]))) for n in neg)
    pairs = sum(sig(dot(v[p], v[q])) for i, p in enumerate(pos) for j, q in enumerate(pos) if i != j and p != q)
    cross = sum(sig(-dot(v[p], v[n])) for p in pos for n in neg)
    return -(data + alpha * (pairs + cross))


def hand_fast0tag(f, v, pos, neg):
    pairs = [math.log(sig(dot(f, v[p]) - dot(f, v[n]))) for p in pos for n in neg]
    return -sum(pairs) / len(pairs)


def _t(x):
    return torch.tensor(x, dtype=torch.float64)


def test_sampled_cross_entropy_is_eq1_by_hand():
    pos = [[0, 3], [1, 1]]  # image 1 has one tag: drawn twice, and never paired with itself
    neg = [[1, 2], [0, 2]]
    f, v = _t(F_TINY), _t(V_TINY)
    for alpha in (0.0, 0.01, 0.5):
        got = sampled_cross_entropy(f, v[torch.tensor(pos)], v[torch.tensor(neg)], alpha, torch.tensor(pos))
        want = np.mean([hand_sampled_xent(F_TINY[i], V_TINY, pos[i], neg[i], alpha) for i in range(2)])
        assert float(got) == pytest.approx(want, rel=1e-12)


def test_sampled_cross_entropy_at_the_origin_is_log_two_per_sample():
    # f = 0: every log-sigmoid term is -log 2, so the data term is (P + N) log 2 per image
    v = _t(V_TINY)
    got = sampled_cross_entropy(torch.zeros(2, 2, dtype=torch.float64), v[torch.tensor([[0, 3], [1, 1]])],
                                v[torch.tensor([[1, 2], [0, 2]])], alpha=0.0)
    assert float(got) == pytest.approx(4 * math.log(2.0))


def test_full_cross_entropy_is_eq1_over_every_word_by_hand():
    f, v = _t(F_TINY), _t(V_TINY)
    rows = as_tag_rows(TAGS_TINY, 2, 4)
    image, word = batch_positives(rows, np.arange(2))
    for alpha in (0.0, 0.2):
        got = full_cross_entropy(f, v, image, word, alpha)
        want = np.mean([
            hand_sampled_xent(F_TINY[i], V_TINY, TAGS_TINY[i], [w for w in range(4) if w not in TAGS_TINY[i]], alpha)
            for i in range(2)
        ])
        assert float(got) == pytest.approx(want, rel=1e-12)


def test_sampled_equals_full_when_the_samples_are_every_tag_and_non_tag():
    f, v = _t(F_TINY), _t(V_TINY)
    rows = as_tag_rows([[0, 3], [1, 2]], 2, 4)
    pos, neg = torch.tensor([[0, 3], [1, 2]]), torch.tensor([[1, 2], [0, 3]])
    image, word = batch_positives(rows, np.arange(2))
    for alpha in (0.0, 0.3):
        sampled = sampled_cross_entropy(f, v[pos], v[neg], alpha, pos)
        assert float(sampled) == pytest.approx(float(full_cross_entropy(f, v, image, word, alpha)), rel=1e-12)
    assert float(sampled_fast0tag(f, v[pos], v[neg])) == pytest.approx(float(full_fast0tag(f, v, image, word)), rel=1e-12)


def test_fast0tag_losses_are_eq5_by_hand():
    f, v = _t(F_TINY), _t(V_TINY)
    pos, neg = [[0, 3], [1, 1]], [[1, 2], [0, 2]]
    got = sampled_fast0tag(f, v[torch.tensor(pos)], v[torch.tensor(neg)])
    assert float(got) == pytest.approx(np.mean([hand_fast0tag(F_TINY[i], V_TINY, pos[i], neg[i]) for i in range(2)]))
    rows = as_tag_rows(TAGS_TINY, 2, 4)
    image, word = batch_positives(rows, np.arange(2))
    want = np.mean([hand_fast0tag(F_TINY[i], V_TINY, TAGS_TINY[i], [w for w in range(4) if w not in TAGS_TINY[i]])
                    for i in range(2)])
    assert float(full_fast0tag(f, v, image, word)) == pytest.approx(want, rel=1e-12)


def test_losses_have_finite_gradients_for_both_f_and_the_vectors():
    f = _t(F_TINY).requires_grad_(True)
    v = _t(V_TINY).requires_grad_(True)
    loss = sampled_cross_entropy(f, v[torch.tensor([[0, 3], [1, 1]])], v[torch.tensor([[1, 2], [0, 2]])], 0.01)
    loss.backward()
    assert torch.isfinite(f.grad).all() and torch.isfinite(v.grad).all()
    assert v.grad.abs().sum() > 0


def test_pairs_within_images_lists_every_ordered_pair():
    a, b = pairs_within_images(np.array([0, 0, 1, 2, 2, 2]), include_self=False)
    assert sorted(zip(a.tolist(), b.tolist())) == sorted(
        [(0, 1), (1, 0)] + [(i, j) for i in (3, 4, 5) for j in (3, 4, 5) if i != j])
    a, b = pairs_within_images(np.array([0, 0, 1]), include_self=True)
    assert len(a) == 4 + 1


# -- sparse updates ---------------------------------------------------------------------------
def _trainer(**overrides):
    rng = np.random.default_rng(0)
    n_words, n_images = 2000, 64
    tags = [rng.choice(200, size=rng.integers(1, 6), replace=False) for _ in range(n_images)]
    rows = as_tag_rows(tags, n_images, n_words)
    x = rng.normal(size=(n_images, 12)).astype(np.float32)
    vectors = rng.normal(size=(n_words, 8)).astype(np.float32)
    config = SampledTaggerConfig(**{"hidden": (16,), "num_threads": 1, "show_progress": False, **overrides})
    return SampledTrainer(config, x, rows, vectors)


@pytest.mark.parametrize("word_optimiser", ["adam", "sgd"])
def test_a_sampled_step_updates_only_the_rows_it_drew(word_optimiser):
    trainer = _trainer(word_optimiser=word_optimiser)
    before = trainer.table.clone()
    rows = np.arange(32)
    trainer.rng = np.random.default_rng(5)
    trainer.step(rows)
    # replay the draws from the same generator state: these are the rows the step used
    replay = np.random.default_rng(5)
    pos = sample_positives(trainer.index, rows, 5, replay)
    neg = trainer.negative_sampler.sample(trainer.index, rows, 10, replay)
    drawn = set(np.concatenate([pos.reshape(-1), neg.reshape(-1)]).tolist())
    changed = set(np.flatnonzero((trainer.table != before).any(1).numpy()).tolist())
    assert changed and changed <= drawn
    assert len(changed) >= 0.9 * len(drawn)  # a drawn row keeps its value only by a zero gradient
    assert set(np.flatnonzero(trainer.touched).tolist()) == drawn


def test_row_adam_matches_torch_sparse_adam_on_an_embedding():
    rng = np.random.default_rng(0)
    start = torch.from_numpy(rng.normal(size=(30, 4)).astype(np.float32))
    embedding = torch.nn.Embedding.from_pretrained(start.clone(), freeze=False, sparse=True)
    reference = torch.optim.SparseAdam([embedding.weight], lr=0.05)
    table = start.clone()
    rows_adam = RowOptimiser(table, lr=0.05)
    target = torch.from_numpy(rng.normal(size=(4,)).astype(np.float32))
    for _ in range(5):
        ids = rng.integers(0, 30, size=(6, 3))
        reference.zero_grad()
        ((embedding(torch.from_numpy(ids)) - target) ** 2).sum().backward()
        reference.step()
        rows, inverse = rows_adam.gather(ids)
        ((rows[inverse] - target) ** 2).sum().backward()
        rows_adam.step(rows)
    torch.testing.assert_close(table, embedding.weight.detach(), rtol=1e-5, atol=1e-6)


def test_row_updates_cost_does_not_depend_on_the_table_size():
    """The optimiser reads and writes only the gathered rows: its state rows outside them stay zero."""
    table = torch.zeros(400_000, 2)
    opt = RowOptimiser(table, lr=0.1)
    rows, inverse = opt.gather(np.array([[7, 7, 399_999]]))
    assert rows.shape == (2, 2)
    rows[inverse].sum().backward()
    assert sorted(opt.step(rows).tolist()) == [7, 399_999]
    moved = torch.nonzero(table.any(1)).reshape(-1).tolist()
    assert moved == [7, 399_999] and torch.nonzero(opt.exp_avg.any(1)).reshape(-1).tolist() == moved


def test_frozen_word_vectors_never_move_and_full_steps_touch_only_candidates():
    frozen = _trainer(optimise_word_vectors=False)
    before = frozen.table.clone()
    frozen.step(np.arange(32))
    assert torch.equal(frozen.table, before) and not frozen.touched.any()
    full = _trainer(sampled=False)
    before = full.table.detach().clone()
    full.step(np.arange(32))
    changed = (full.table.detach() != before).any(1).numpy()
    assert changed.any()
    assert not changed[full.frequencies == 0].any()  # words never used as a tag keep their vectors


def test_step_times_are_recorded_per_part():
    trainer = _trainer()
    for _ in range(3):
        trainer.step(np.arange(16))
    ms = trainer.times.mean_ms()
    assert trainer.times.steps == 3
    assert ms["step"] == pytest.approx(ms["sampling"] + ms["network_forward"] + ms["output"] + ms["network_backward"])
    assert 0 < trainer.times.sampling_share < 1


# -- the methods on a planted problem ------------------------------------------------------------
@pytest.fixture(scope="module")
def planted():
    """30 tags with planted feature prototypes; 10 more words never used as tags."""
    problem = planted_problem(n_images=500, n_tags=30, n_features=24, noise=0.3, seed=0)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(40, 12)).astype(np.float32)
    tags = np.zeros((500, 40), dtype=bool)
    tags[:, :30] = problem.tag_matrix
    return problem.features[:400], tags[:400], problem.features[400:], tags[400:], vectors


def precision_at(model, x, truth, k=3):
    idx, _ = model.top_k(x, k=k, labels=np.arange(30))  # the tag set
    return float(np.mean(np.take_along_axis(truth, idx, axis=1)))


FAST = dict(epochs=6, batch_size=32, hidden=(48,), learning_rate=1e-2, word_learning_rate=1e-2,
            num_threads=1, show_progress=False)


@pytest.mark.parametrize("name", list(PAPER_VARIANTS))
def test_every_paper_variant_recovers_the_planted_tags(planted, name):
    x, tags, x_test, tags_test, vectors = planted
    model = SampledTagger(variant_config(name, **FAST)).fit(x, tags, vectors)
    chance = tags_test[:, :30].mean()
    assert precision_at(model, x_test, tags_test) > 3 * chance
    assert model.history_[-1] < model.history_[0]


def test_fast0tag_class_and_word_vector_regressions_recover_the_planted_tags(planted):
    x, tags, x_test, tags_test, vectors = planted
    chance = tags_test[:, :30].mean()
    models = [
        Fast0Tag(Fast0TagConfig.sampled_variant(**FAST)),
        AvgWordVector(AvgWordVectorConfig(epochs=6, batch_size=32, hidden=(48,), learning_rate=1e-2,
                                          num_threads=1, show_progress=False)),
        AvgWordVector(AvgWordVectorConfig(loss="squared", epochs=6, batch_size=32, hidden=(48,),
                                          learning_rate=1e-2, num_threads=1, show_progress=False)),
        LeastSquaresWordVector(LeastSquaresConfig()),
    ]
    for model in models:
        model.fit(x, tags, vectors)
        assert precision_at(model, x_test, tags_test) > 3 * chance, type(model).__name__


def test_mean_tag_vectors_by_hand():
    rows = as_tag_rows(TAGS_TINY, 2, 4)
    out = mean_tag_vectors(rows, np.asarray(V_TINY, np.float32))
    np.testing.assert_allclose(out, [[0.8, 0.4], [0.0, 1.0]], atol=1e-6)


# -- scoring, determinism, inputs, persistence ---------------------------------------------------
@pytest.fixture(scope="module")
def fitted(planted):
    x, tags, x_test, tags_test, vectors = planted
    return SampledTagger(SampledTaggerConfig(**{**FAST, "epochs": 3})).fit(x, tags, vectors)


def test_top_k_agrees_with_dense_scores_and_maps_label_subsets(fitted, planted):
    x_test = planted[2]
    scores = fitted.score(x_test)
    idx, top = fitted.top_k(x_test, k=4, chunk_size=7)
    np.testing.assert_array_equal(idx, np.argsort(-scores, axis=1, kind="stable")[:, :4])
    np.testing.assert_allclose(top, np.take_along_axis(scores, idx, axis=1), rtol=1e-5)
    labels = np.array([35, 2, 17])
    sub, _ = fitted.top_k(x_test, k=2, labels=labels)
    assert set(np.unique(sub)) <= set(labels)
    np.testing.assert_array_equal(sub[:, 0], labels[np.argmax(scores[:, labels], axis=1)])


def test_retrieve_returns_the_best_images_of_each_word(fitted, planted):
    x_test = planted[2]
    scores = fitted.score(x_test)
    images, _ = fitted.retrieve([3, 31], x_test, k=5)
    np.testing.assert_array_equal(images, np.argsort(-scores[:, [3, 31]].T, axis=1, kind="stable")[:, :5])


def test_dense_scores_are_refused_beyond_the_limit(fitted, planted):
    with pytest.raises(ValueError, match="top_k"):
        fitted.score(planted[2], max_entries=10)


def test_training_is_deterministic_given_the_seed(planted):
    x, tags, x_test, _, vectors = planted
    cfg = dict(FAST, epochs=2)
    a = SampledTagger(SampledTaggerConfig(**cfg)).fit(x, tags, vectors)
    b = SampledTagger(SampledTaggerConfig(**cfg)).fit(x, tags, vectors)
    c = SampledTagger(SampledTaggerConfig(**cfg, seed=1)).fit(x, tags, vectors)
    np.testing.assert_array_equal(a.word_vectors_, b.word_vectors_)
    np.testing.assert_array_equal(a.image_vectors(x_test), b.image_vectors(x_test))
    assert a.history_ == b.history_
    assert not np.array_equal(a.word_vectors_, c.word_vectors_)


def test_tag_lists_and_tag_matrices_train_the_same_model(planted):
    x, tags, _, _, vectors = planted
    lists = [np.flatnonzero(row).tolist() for row in tags]
    cfg = SampledTaggerConfig(**dict(FAST, epochs=1))
    a = SampledTagger(cfg).fit(x, tags, vectors)
    b = SampledTagger(SampledTaggerConfig(**dict(FAST, epochs=1))).fit(x, lists, vectors)
    np.testing.assert_array_equal(a.word_vectors_, b.word_vectors_)


def test_bad_inputs_and_settings_get_clear_errors(planted):
    x, tags, _, _, vectors = planted
    with pytest.raises(ValueError, match="outside the vocabulary"):
        SampledTagger(SampledTaggerConfig(**FAST)).fit(x[:2], [[0, 99], [1]], vectors)
    with pytest.raises(ValueError, match="loss"):
        SampledTaggerConfig(loss="hinge").validate()
    with pytest.raises(ValueError, match="alpha"):
        SampledTaggerConfig(loss="fast0tag").validate()
    with pytest.raises(ValueError, match="negatives"):
        SampledTaggerConfig(negatives="nearby").validate()
    with pytest.raises(ValueError, match="unknown variant"):
        variant_config("Opt+Hinge")
    with pytest.raises(RuntimeError, match="not trained"):
        SampledTagger().top_k(x, k=3)


def test_defaults_are_the_papers_values():
    cfg = SampledTaggerConfig()
    assert (cfg.n_positive, cfg.n_negative, cfg.alpha, cfg.batch_size) == (5, 10, 0.01, 128)
    assert cfg.sampled and cfg.optimise_word_vectors and cfg.negative_power == 1.0
    assert SampledTaggerConfig.paper().hidden == (8192, 2048)
    f0 = Fast0TagConfig()
    assert f0.loss == "fast0tag" and not f0.optimise_word_vectors and not f0.sampled


def test_save_and_load_round_trip(fitted, planted, tmp_path):
    path = fitted.save(tmp_path / "model.pt", vocabulary="planted")
    loaded, meta = SampledTagger.load(path)
    assert meta == {"vocabulary": "planted"}
    np.testing.assert_array_equal(loaded.top_k(planted[2], k=3)[0], fitted.top_k(planted[2], k=3)[0])
    np.testing.assert_array_equal(loaded.touched_, fitted.touched_)
    with pytest.raises(ValueError, match="not a tagbook"):
        (tmp_path / "junk.pt").write_bytes(b"junk")
        SampledTagger.load(tmp_path / "junk.pt")

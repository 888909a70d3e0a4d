"""AME (chapter 06): similarities, the VSE++ ranking loss, RCSLS, the shared vocabulary and
encoder, the baselines by configuration, persistence, and data-parallel training."""

import dataclasses

import numpy as np
import pytest
import torch

from tagbook.methods.retrieval import AME, AMEConfig, SharedVocabulary, ame_preset, lexicon_pairs
from tagbook.methods.retrieval.ddp_selftest import (
    SELFTEST_TOLERANCE,
    SELFTEST_VARIANTS,
    selftest_config,
    selftest_problem,
    selftest_train,
)
from tagbook.methods.retrieval.losses import (
    cosine_similarity,
    nearest_rows,
    order_similarity,
    ranking_loss,
    rcsls_loss,
    similarity_matrix,
)
from tagbook.methods.retrieval.networks import AlignmentMatrices, CaptionEncoder, pad_captions
from tagbook.methods.retrieval.training import batch_ranking_loss, epoch_items, TrainingData
from tagbook.metrics.retrieval import recall_at_k
from tagbook.training.distributed import DistributedContext
from ddp_launch import assert_weights_close, identical_ranks, run_two_process_selftest

QUICK = dict(joint_dim=8, gru_width=8, batch_size=8, show_progress=False, num_threads=1)


# -- similarities ---------------------------------------------------------------------------------
def test_order_similarity_is_zero_below_the_image_and_negative_above():
    image = torch.tensor([[0.5, 0.5, 0.2]])
    captions = torch.tensor([
        [0.4, 0.5, 0.0],   # below the image in every coordinate: no violation
        [0.5, 0.9, 0.2],   # above it by 0.4 in one coordinate
        [0.8, 0.9, 0.2],   # above by 0.3 and 0.4
    ])
    scores = order_similarity(image, captions)
    assert scores.shape == (1, 3)
    assert scores[0].tolist() == pytest.approx([0.0, -0.4, -0.5])  # -||max(0, s - v)||, sqrt(0.09 + 0.16)
    assert scores[0, 0] > scores[0, 1] > scores[0, 2]  # the less a caption sticks out, the better
    # not symmetric: swapping the roles turns "below" into "above"
    assert order_similarity(captions[:1], image)[0, 0] == pytest.approx(-np.sqrt(0.1**2 + 0.2**2))
    # a zero violation has gradient 0, not NaN (VSE++'s sqrt of a sum gives NaN there)
    caption = captions[:1].clone().requires_grad_(True)
    order_similarity(image, caption).sum().backward()
    assert torch.isfinite(caption.grad).all() and caption.grad.abs().sum() == 0


def test_similarity_matrix_names_its_kinds():
    a, b = torch.eye(2), torch.tensor([[0.6, 0.8]])
    assert torch.equal(similarity_matrix(a, b, "symmetric"), cosine_similarity(a, b))
    assert torch.equal(similarity_matrix(a, b, "asymmetric"), order_similarity(a, b))
    with pytest.raises(ValueError, match="similarity must be one of symmetric, asymmetric"):
        similarity_matrix(a, b, "cosine")


# -- the ranking loss (Eq. 1, VSE++) ----------------------------------------------------------------
def test_ranking_loss_against_a_hand_computed_batch():
    # cosine scores S[i, j] = image i . caption j
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    captions = torch.tensor([[0.8, 0.6], [0.0, 1.0], [1.0, 0.0]])
    s = (images @ captions.T).tolist()
    # [[0.8, 0.0, 1.0], [0.6, 1.0, 0.0], [0.96, 0.8, 0.6]]
    margin = 0.2
    by_hand = 0.0
    for i in range(3):
        for j in range(3):
            if i != j:
                by_hand += max(0.0, margin - s[i][i] + s[i][j])  # image i retrieving caption j
                by_hand += max(0.0, margin - s[j][j] + s[i][j])  # caption j retrieving image i
    # the terms that are not zero: image 0: caption 2 (0.4); image 2: captions 0 (0.56) and 1 (0.4);
    # caption 0: image 2 (0.36); caption 2: image 0 (0.6); everything else is 0
    assert by_hand == pytest.approx(0.4 + 0.56 + 0.4 + 0.36 + 0.6)
    assert float(ranking_loss(images, captions, "symmetric", margin)) == pytest.approx(by_hand)
    # hardest negative only: per image the largest caption term, per caption the largest image term
    hardest = (0.4 + 0.0 + 0.56) + (0.36 + 0.0 + 0.6)
    assert float(ranking_loss(images, captions, "symmetric", margin, max_violation=True)) == pytest.approx(hardest)
    # images 0 and 2 are one image: they are no longer each other's negatives
    masked = float(ranking_loss(images, captions, "symmetric", margin, image_ids=torch.tensor([7, 1, 7])))
    assert masked == pytest.approx(0.4)  # only image 2 retrieving caption 1 is left
    with pytest.raises(ValueError, match="one id per row"):
        ranking_loss(images, captions, image_ids=torch.tensor([1, 2]))


def test_ranking_loss_with_the_order_score_and_a_perfect_batch():
    # each caption lies below its own image and sticks out of the other: no violation left
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    captions = torch.tensor([[0.9, 0.0], [0.0, 0.9]])
    assert float(ranking_loss(images, captions, "asymmetric", margin=0.05)) == 0.0
    # swap the captions: both pairs now violate by the full margin plus 0.9
    loss = float(ranking_loss(images, captions.flip(0), "asymmetric", margin=0.05))
    assert loss == pytest.approx(4 * (0.05 + 0.9))


# -- RCSLS (Eq. 3, Joulin et al. 2018) ----------------------------------------------------------------
def _rcsls_by_loop(source, target, source_space, target_space, k):
    total = 0.0
    for u, t in zip(source, target):
        near_t = sorted((float(u @ z) for z in target_space), reverse=True)[:k]
        near_s = sorted((float(z @ t) for z in source_space), reverse=True)[:k]
        total += -2 * float(u @ t) + np.mean(near_t) + np.mean(near_s)
    return total / len(source)


def _aligned_problem(seed=0, n=6, m=9, d=4):
    g = torch.Generator().manual_seed(seed)
    unit = lambda x: x / x.norm(dim=1, keepdim=True)  # noqa: E731
    xa = unit(torch.randn(m, d, generator=g, dtype=torch.float64))
    xb = unit(xa + 0.3 * torch.randn(m, d, generator=g, dtype=torch.float64))
    pairs = torch.arange(n)
    return xa, xb, pairs


def test_rcsls_value_matches_the_definition():
    xa, xb, pairs = _aligned_problem()
    value = rcsls_loss(xa[pairs], xb[pairs], xa, xb, k=3)
    assert float(value) == pytest.approx(_rcsls_by_loop(xa[pairs], xb[pairs], xa, xb, 3), abs=1e-12)
    assert nearest_rows(xa[:2], xb, 3).shape == (2, 3)
    with pytest.raises(ValueError, match="at least one lexicon pair"):
        rcsls_loss(xa[:0], xb[:0], xa, xb)


def test_rcsls_gradient_matches_finite_differences():
    xa, xb, pairs = _aligned_problem(seed=1)
    maps0 = torch.eye(4, dtype=torch.float64) + 0.1 * torch.randn(4, 4, generator=torch.Generator().manual_seed(2),
                                                                  dtype=torch.float64)

    def loss(map_a, map_b, table_a, table_b):
        unit = lambda x: x / x.norm(dim=1, keepdim=True)  # noqa: E731
        a, b = unit(table_a) @ map_a.T, unit(table_b) @ map_b.T
        return rcsls_loss(a[pairs], b[pairs], a, b, k=3)

    inputs = (maps0.clone().requires_grad_(True), torch.eye(4, dtype=torch.float64, requires_grad=True),
              xa.clone().requires_grad_(True), xb.clone().requires_grad_(True))
    # the neighbour sets are fixed within the finite-difference step: the loss is smooth there
    assert torch.autograd.gradcheck(loss, inputs, eps=1e-6, atol=1e-6)


def test_rcsls_gradient_is_joulins_closed_form_with_one_map():
    # with the target side left as it is, dL/dW = (1/n) [(-2Y + Ybar)^T X + Y^T Xbar]
    xa, xb, pairs = _aligned_problem(seed=3, n=5, m=8)
    w = torch.eye(4, dtype=torch.float64).requires_grad_(True)
    k = 2
    value = rcsls_loss(xa[pairs] @ w.T, xb[pairs], xa @ w.T, xb, k=k)
    (grad,) = torch.autograd.grad(value, [w])
    x, y = xa[pairs], xb[pairs]
    ybar = xb[nearest_rows(x @ torch.eye(4, dtype=torch.float64), xb, k)].mean(dim=1)
    xbar = xa[nearest_rows(y, xa, k)].mean(dim=1)
    closed = ((-2 * y + ybar).T @ x + y.T @ xbar) / len(x)
    assert torch.allclose(grad, closed, atol=1e-12)


def test_spectral_projection_clips_singular_values():
    matrices = AlignmentMatrices(2, 3, start=np.stack([3 * np.eye(3), np.diag([0.5, 2.0, 1.0])]))
    matrices.project_to_spectral_ball()
    singular = torch.linalg.svdvals(matrices.maps.detach())
    assert torch.allclose(singular, torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.5]]), atol=1e-6)
    assert AlignmentMatrices(2, 3).is_identity() and not matrices.is_identity()


# -- the shared vocabulary and encoder ------------------------------------------------------------------
def _vocabulary():
    vectors = {"en": {"dog": np.ones(3), "cat": np.array([1.0, 0, 0])},
               "de": {"hund": np.ones(3), "die": np.zeros(3) + 2}}
    captions = {"en": ["a dog", "a cat", "the dog"], "de": ["der hund", "die katze"]}
    return SharedVocabulary.build(captions, vectors, seed=0), vectors


def test_vocabulary_layout_lookup_and_random_rows():
    vocab, vectors = _vocabulary()
    assert vocab.languages == ("en", "de")
    # row 0 padding; en: <unk> at 1, then by frequency: dog (2), a (2) -> alphabetical: a, dog; then cat, the
    assert vocab.words["en"] == ["a", "dog", "cat", "the"] and vocab.unknown_rows == {"en": 1, "de": 6}
    assert vocab.rows("en").tolist() == [2, 3, 4, 5] and vocab.rows("de").tolist() == [7, 8, 9, 10]
    assert vocab.row("dog", "en") == 3 and vocab.row("dog", "de") is None
    assert np.array_equal(vocab.vectors[3], vectors["en"]["dog"])
    assert vocab.has_vector.tolist() == [False, False, False, True, True, False,
                                         False, False, True, True, False]  # de: der, die, hund, katze
    assert np.all(vocab.vectors[0] == 0) and np.linalg.norm(vocab.vectors[2]) > 0  # "a": a random row
    assert vocab.encode("a zebra dog", "en") == [2, 1, 3] and vocab.encode("", "de") == [6]
    # pairs keep only words of both vocabularies, the first of a repeated pair
    src, tgt = vocab.pair_rows([("dog", "hund"), ("cat", "katze"), ("dog", "hund"), ("emu", "emu")], "en", "de")
    assert src.tolist() == [3, 4] and tgt.tolist() == [9, 10]
    again = SharedVocabulary.from_dict(vocab.to_dict())
    assert again.words == vocab.words and np.array_equal(again.vectors, vocab.vectors)


def test_vocabulary_errors():
    with pytest.raises(ValueError, match="no word vectors given for de"):
        SharedVocabulary.build({"en": ["a"], "de": ["b"]}, {"en": {"a": np.ones(2)}})
    with pytest.raises(ValueError, match="share one dimension"):
        SharedVocabulary.build({"en": ["a"], "de": ["b"]}, {"en": {"a": np.ones(2)}, "de": {"b": np.ones(3)}})
    with pytest.raises(ValueError, match="no caption word has a word vector"):
        SharedVocabulary.build({"en": ["a"]}, {"en": {"z": np.ones(2)}})
    vocab, _ = _vocabulary()
    with pytest.raises(ValueError, match="language 'fr'"):
        vocab.encode("x", "fr")


def test_caption_embedding_is_the_last_valid_gru_state():
    torch.manual_seed(0)
    table = np.random.default_rng(0).normal(size=(9, 4)).astype(np.float32)
    encoder = CaptionEncoder(table, gru_width=6, joint_dim=6)
    captions = [[3, 1, 4, 1, 5], [2], [8, 7, 6]]
    tokens, lengths = pad_captions(captions)
    assert tokens.shape == (3, 5) and lengths.tolist() == [5, 1, 3] and tokens[1, 1:].tolist() == [0, 0, 0, 0]
    languages = torch.zeros(3, dtype=torch.long)
    with torch.no_grad():
        batch = encoder(tokens, lengths, languages)
        alone = torch.cat([encoder(torch.tensor([c]), torch.tensor([len(c)]), languages[:1]) for c in captions])
        # the state at the last real token, not after the padding
        padded_run, _ = encoder.gru(encoder.embed(tokens))
        last = torch.nn.functional.normalize(padded_run[torch.arange(3), lengths - 1], dim=1)
    assert torch.allclose(batch, alone, atol=1e-6) and torch.allclose(batch, last, atol=1e-6)
    assert torch.allclose(batch.norm(dim=1), torch.ones(3))
    # a language's matrix maps its words before the GRU
    maps = torch.stack([torch.eye(4), 2 * torch.eye(4)])
    assert torch.allclose(encoder.word_inputs(tokens, torch.tensor([1, 0, 0]), maps)[0], 2 * encoder.embed(tokens)[0])
    nonneg = CaptionEncoder(table, gru_width=6, joint_dim=3, nonnegative=True)
    with torch.no_grad():
        out = nonneg(tokens, lengths, languages)
    assert out.shape == (3, 3) and (out >= 0).all() and nonneg.project is not None
    with pytest.raises(ValueError, match="at least one token"):
        pad_captions([[1], []])


def test_epoch_items_and_batch_loss_layouts():
    data = TrainingData(features=torch.zeros(2, 3), captions=[[[[1]], [[2], [3]]], [[[4], [5], [6]], [[7]]]])
    paired = epoch_items(data, "paired")
    assert paired.tolist() == [[0, -1, 0], [0, -1, 1], [0, -1, 2], [1, -1, 0], [1, -1, 1]]
    mixed = epoch_items(data, "mixed")
    assert len(mixed) == 7 and mixed[:4].tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 1], [0, 1, 2]]
    # two caption groups (languages) are each ranked against the images, and the losses add up
    config = AMEConfig(mask_same_image=False)
    images, en, de = torch.eye(3)[:2], torch.eye(3)[[1, 0]], torch.eye(3)[:2]
    both = batch_ranking_loss(images, torch.cat([en, de]), 2, np.array([0, 1]), config)
    assert float(both) == pytest.approx(float(ranking_loss(images, en)) + float(ranking_loss(images, de)))


# -- data-parallel arithmetic in one process ----------------------------------------------------------
@pytest.mark.parametrize("batch_size,world_size", [(5, 2), (7, 3), (1, 2)])
def test_own_rows_live_and_the_others_constant_give_the_full_batch_gradient(batch_size, world_size):
    torch.manual_seed(0)
    encoder = torch.nn.Linear(4, 3)
    x, y = torch.randn(batch_size, 4), torch.randn(batch_size, 4)

    def embed(rows):
        return torch.nn.functional.normalize(encoder(rows), dim=1)

    full = torch.autograd.grad(ranking_loss(embed(x), embed(y)), list(encoder.parameters()))
    averaged = [torch.zeros_like(p) for p in encoder.parameters()]
    shards = np.array_split(np.arange(batch_size), world_size)
    for rank, shard in enumerate(shards):
        with torch.no_grad():
            constant_x, constant_y = embed(x), embed(y)
        own_x, own_y = embed(x[shard]), embed(y[shard])
        mixed_x = torch.cat([own_x if r == rank else constant_x[s] for r, s in enumerate(shards)])
        mixed_y = torch.cat([own_y if r == rank else constant_y[s] for r, s in enumerate(shards)])
        loss = ranking_loss(mixed_x, mixed_y) * world_size + 0.0 * (own_x.sum() + own_y.sum())
        for total, g in zip(averaged, torch.autograd.grad(loss, list(encoder.parameters()), allow_unused=True)):
            total += (g if g is not None else 0.0) / world_size  # DDP's average over the ranks
    for f, a in zip(full, averaged):
        assert torch.allclose(f, a, atol=1e-6)


# -- the model and its baselines --------------------------------------------------------------------
def _planted_problem(n_images=12, seed=0):
    """Images of 4 kinds; every caption names its image's kind (and noise words) in en and de."""
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, 4, n_images)
    centres = rng.normal(size=(4, 10))
    features = (centres[kinds] + 0.1 * rng.normal(size=(n_images, 10))).astype(np.float32)
    en_kind, de_kind = ["dog", "cat", "car", "tree"], ["hund", "katze", "auto", "baum"]
    en_noise, de_noise = ["a", "the", "big", "small"], ["ein", "der", "groß", "klein"]
    captions = {
        "en": [[f"{rng.choice(en_noise)} {en_kind[k]}", f"{en_kind[k]} {rng.choice(en_noise)}"] for k in kinds],
        "de": [[f"{rng.choice(de_noise)} {de_kind[k]}", f"{de_kind[k]}"] for k in kinds],
    }
    base = rng.normal(size=(8, 6))
    vectors = {"en": dict(zip(en_kind + en_noise, base)),
               "de": dict(zip(de_kind + de_noise, base + 0.05 * rng.normal(size=base.shape)))}
    lexicon = list(zip(en_kind + en_noise, de_kind + de_noise))
    return features, captions, vectors, lexicon


def test_ame_learns_a_planted_problem_in_both_languages():
    features, captions, vectors, lexicon = _planted_problem()
    model = AME(ame_preset("ame", epochs=15, lr=1e-2, alignment_every=2, alignment_k=2, **QUICK))
    model.fit(features, captions, word_vectors=vectors, lexicon=lexicon)
    assert len(model.history_) == 15
    assert model.history_[-1]["ranking_loss"] < model.history_[0]["ranking_loss"]
    assert np.isfinite(model.history_[0]["alignment_loss"])
    untrained = AME(ame_preset("ame", epochs=1, lr=1e-9, **QUICK)).fit(features, captions, word_vectors=vectors,
                                                                      lexicon=lexicon)
    for lang in ("en", "de"):
        flat = [c[0] for c in captions[lang]]
        sim = model.score(features, flat, lang)
        assert sim.shape == (12, 12)
        # captions name only the kind: 3 images share one on average, so R@5 is the fair test
        # (measured: 100 after training, 33 and 42 before)
        assert recall_at_k(sim, captions_per_image=1, ks=(5,)).text_to_image.recall[5] >= 75.0
        before = recall_at_k(untrained.score(features, flat, lang), captions_per_image=1, ks=(5,))
        assert before.text_to_image.recall[5] < 75.0


def test_presets_freeze_align_and_leave_alone_what_they_say():
    features, captions, vectors, lexicon = _planted_problem()
    common = dict(epochs=2, lr=1e-2, alignment_k=2, **QUICK)
    fme = AME(ame_preset("fme", **common)).fit(features, captions, word_vectors=vectors, lexicon=lexicon)
    assert np.array_equal(fme.network_.word_table.detach().numpy(), fme.vocabulary_.vectors)  # frozen
    assert fme.matrices_.is_identity() and fme.history_[0]["alignment_loss"] is None
    no_align = AME(ame_preset("ame_no_alignment", **common)).fit(features, captions, word_vectors=vectors)
    assert not np.array_equal(no_align.network_.word_table.detach().numpy(), no_align.vocabulary_.vectors)
    assert no_align.matrices_.is_identity()
    ame = AME(ame_preset("ame", **common)).fit(features, captions, word_vectors=vectors, lexicon=lexicon)
    assert not ame.matrices_.is_identity()
    assert torch.linalg.matrix_norm(ame.matrices_.maps.detach(), ord=2).max() <= 1 + 1e-5  # projected
    released = AME(ame_preset("ame", alignment="released", translator_init="procrustes", **common))
    released.fit(features, captions, word_vectors=vectors, lexicon=lexicon)
    assert np.isfinite(released.history_[1]["alignment_loss"])
    mono = AME(ame_preset("mono", **common)).fit(features, {"de": captions["de"]}, word_vectors=vectors)
    assert mono.languages_ == ("de",) and mono.vocabulary_.languages == ("de",)
    with pytest.raises(ValueError, match="language 'en'"):
        mono.encode_captions(["a dog"], "en")
    # mapped word vectors: unit rows times the language's matrix
    words, mapped = ame.word_vectors("en")
    _, raw = ame.word_vectors("en", mapped=False)
    assert len(words) == len(mapped) == len(ame.vocabulary_.words["en"])
    assert np.allclose(np.linalg.norm(raw, axis=1), 1.0, atol=1e-5)
    assert np.allclose(mapped, raw @ ame.matrices_.maps[0].detach().numpy().T, atol=1e-6)


def test_same_seed_same_model_and_a_monitor_keeps_the_best_epoch():
    features, captions, vectors, lexicon = _planted_problem()
    config = dict(epochs=3, lr=1e-2, **QUICK)
    a = AME(ame_preset("ame_no_alignment", **config)).fit(features, captions, word_vectors=vectors)
    b = AME(ame_preset("ame_no_alignment", **config)).fit(features, captions, word_vectors=vectors)
    assert np.array_equal(a.score(features, ["a dog"], "en"), b.score(features, ["a dog"], "en"))
    seen, snapshots = [], []

    def monitor(model, iteration, epoch):
        seen.append((iteration, epoch))
        snapshots.append(model.encode_images(features[:2]))
        return [0.0, 5.0, 1.0][epoch]  # the second epoch is the best

    kept = AME(ame_preset("ame_no_alignment", **config)).fit(features, captions, word_vectors=vectors, monitor=monitor)
    assert seen == [(3 * (e + 1), e) for e in range(3)]  # 24 paired items per epoch: 3 batches of 8
    assert [m["value"] for m in kept.monitored_] == [0.0, 5.0, 1.0]
    assert np.array_equal(kept.encode_images(features[:2]), snapshots[1])  # weights of epoch 1 restored


def test_save_and_load_give_the_same_scores(tmp_path):
    features, captions, vectors, lexicon = _planted_problem()
    model = AME(ame_preset("ame", similarity="asymmetric", epochs=1, alignment_k=2, **QUICK))
    model.fit(features, captions, word_vectors=vectors, lexicon=lexicon)
    path = model.save(tmp_path / "ame.pt", vectors="planted")
    again, metadata = AME.load(path)
    assert metadata == {"vectors": "planted"} and again.languages_ == ("en", "de")
    assert again.config.similarity == "asymmetric" and again.history_ == model.history_
    for lang in ("en", "de"):
        queries = ["a dog", "katze"]
        assert np.array_equal(again.score(features, queries, lang), model.score(features, queries, lang))
    scores = model.score(features, ["a dog"], "en")
    assert (scores <= 0).all()  # the order score: minus a norm
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a tagbook AME model"):
        AME.load(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError):
        AME.load(tmp_path / "absent.pt")


def test_bad_configurations_and_inputs_fail_clearly():
    features, captions, vectors, lexicon = _planted_problem()
    with pytest.raises(ValueError, match="preset must be one of"):
        ame_preset("vse")
    with pytest.raises(ValueError, match="unknown AMEConfig field"):
        ame_preset("ame", epoch=3)
    with pytest.raises(ValueError, match="similarity must be one of"):
        AMEConfig(similarity="cosine").validate()
    with pytest.raises(ValueError, match="joint_dim must be a positive int"):
        AME(AMEConfig(joint_dim=0))
    model = AME(ame_preset("ame", **QUICK))
    with pytest.raises(ValueError, match="needs a bilingual lexicon"):
        model.fit(features, captions, word_vectors=vectors)
    with pytest.raises(ValueError, match="needs captions in two languages"):
        model.fit(features, {"en": captions["en"]}, word_vectors=vectors, lexicon=lexicon)
    with pytest.raises(ValueError, match=r"captions\['de'\] has 11 entries but there are 12 images"):
        model.fit(features, {"en": captions["en"], "de": captions["de"][:11]}, word_vectors=vectors, lexicon=lexicon)
    with pytest.raises(ValueError, match="no lexicon pair has both words"):
        model.fit(features, captions, word_vectors=vectors, lexicon=[("emu", "emu")])
    with pytest.raises(ValueError, match="pass a vocabulary"):
        model.fit(features, captions, lexicon=lexicon)
    with pytest.raises(ValueError, match="image_features"):
        model.fit(features[:, :, None], captions, word_vectors=vectors, lexicon=lexicon)
    with pytest.raises(RuntimeError, match="not trained"):
        model.encode_images(features)
    assert lexicon_pairs({("de", "en"): [("hund", "dog")], ("en", "de"): [("cat", "katze")]}, "en", "de") == [
        ("cat", "katze"), ("dog", "hund")]


# -- the known answer: 2 processes == 1 process -----------------------------------------------------
@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    """The self-test under torchrun with 2 CPU processes; the folder of each rank's saved weights."""
    return run_two_process_selftest("tagbook.methods.retrieval.ddp_selftest", tmp_path_factory.mktemp("ame_ddp"), len(SELFTEST_VARIANTS),
                                    rank_timeout_s=90, timeout_s=180)


@pytest.mark.parametrize("variant", SELFTEST_VARIANTS)
def test_two_processes_train_the_weights_of_one(two_rank_run, variant):
    ranks = identical_ranks(two_rank_run, variant)
    model, history = selftest_train(variant, context=DistributedContext())
    reference = model.state_dict()
    assert_weights_close(ranks[0]["state_dict"], reference, SELFTEST_TOLERANCE)
    for theirs, ours in zip(ranks[0]["losses"], history):
        assert theirs["ranking_loss"] == pytest.approx(ours["ranking_loss"], abs=SELFTEST_TOLERANCE)
        assert (theirs["alignment_loss"] is None) == (ours["alignment_loss"] is None) == (variant == "fme")
    # training moved the weights far more than the tolerance (not two equal initialisations)
    problem = selftest_problem()
    start = AME(dataclasses.replace(selftest_config(variant), epochs=1, lr=1e-12))
    start.fit(problem["features"], problem["captions"], word_vectors=problem["vectors"], lexicon=problem["lexicon"],
              context=DistributedContext())
    moved = (reference["network.images.fc.weight"] - start.network_.images.fc.weight.detach()).abs().max().item()
    assert moved > 100 * SELFTEST_TOLERANCE
    if variant == "fme":  # frozen embeddings stay the pre-aligned vectors on both ranks
        assert np.array_equal(ranks[0]["state_dict"]["network.captions.embed.weight"].numpy(),
                              start.vocabulary_.vectors)


# -- the mapped word inputs, the caption-pair model and the sentence-encoder baseline ---------------
def test_mapped_word_inputs_equal_one_product_per_caption():
    torch.manual_seed(1)
    table = np.random.default_rng(1).normal(size=(12, 5)).astype(np.float32)
    encoder = CaptionEncoder(table, gru_width=4, joint_dim=4)
    tokens, _ = pad_captions([[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]])
    maps = torch.randn(2, 5, 5)
    languages = torch.tensor([1, 0, 1, 1])
    words = encoder.embed(tokens)
    direct = torch.stack([words[i] @ maps[int(languages[i])].T for i in range(4)])
    assert torch.allclose(encoder.word_inputs(tokens, languages, maps), direct, atol=1e-6)
    assert torch.allclose(encoder.word_inputs(tokens, torch.zeros(4, dtype=torch.long), maps), words @ maps[0].T,
                          atol=1e-6)
    # gradients reach the matrices of both languages present, and only them
    maps.requires_grad_(True)
    encoder.word_inputs(tokens, languages, maps).sum().backward()
    assert maps.grad[0].abs().sum() > 0 and maps.grad[1].abs().sum() > 0


def test_caption_pair_model_learns_to_match_the_languages():
    from tagbook.methods.retrieval.caption_pairs import CaptionPairModel, pair_items
    from tagbook.metrics.retrieval import caption_recall_at_k

    assert pair_items([2, 1], [1, 3]).tolist() == [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 0, 2]]
    _, captions, vectors, lexicon = _planted_problem(n_images=16)
    # scramble the German vectors: the model has to learn the match from the caption pairs
    rng = np.random.default_rng(3)
    vectors = {"en": vectors["en"], "de": {w: rng.normal(size=6) for w in vectors["de"]}}
    config = ame_preset("ame", epochs=20, lr=1e-2, alignment_every=2, alignment_k=2, **QUICK)
    calls = []
    model = CaptionPairModel(config).fit(captions, word_vectors=vectors, lexicon=lexicon,
                                         monitor=lambda m, i, e: calls.append((i, e)) or float(i))
    assert calls[0] == (0, -1) and len(calls) == 21  # once before training, then every epoch
    assert model.history_[-1]["ranking_loss"] < model.history_[0]["ranking_loss"]
    assert np.isfinite(model.history_[0]["alignment_loss"])
    en = model.encode([c[0] for c in captions["en"]], "en")
    de = model.encode([c[0] for c in captions["de"]], "de")
    assert en.shape == (16, 8) and np.allclose(np.linalg.norm(en, axis=1), 1.0, atol=1e-5)
    forward, _ = caption_recall_at_k(model.similarity(en, de), captions_per_image=1, ks=(5,))
    untrained = CaptionPairModel(ame_preset("ame", epochs=1, lr=1e-9, **QUICK)).fit(
        captions, word_vectors=vectors, lexicon=lexicon)
    before, _ = caption_recall_at_k(untrained.similarity(untrained.encode([c[0] for c in captions["en"]], "en"),
                                                         untrained.encode([c[0] for c in captions["de"]], "de")),
                                    captions_per_image=1, ks=(5,))
    # four kinds among 16 images: a caption's right kind holds ~4 images, so R@5 is the fair test
    assert forward.recall[5] >= 75.0 and forward.recall[5] > before.recall[5]
    words, mapped = model.word_vectors("de")
    assert len(words) == mapped.shape[0] and mapped.shape[1] == 6
    frozen = CaptionPairModel(ame_preset("fme", epochs=2, **QUICK)).fit(captions, word_vectors=vectors)
    assert torch.equal(frozen.encoder_.embed.weight.detach()[1:],
                       torch.as_tensor(frozen.vocabulary_.vectors)[1:])
    with pytest.raises(ValueError, match="exactly two languages"):
        CaptionPairModel(config).fit({"en": captions["en"]}, word_vectors=vectors, lexicon=lexicon)
    with pytest.raises(ValueError, match="needs a bilingual lexicon"):
        CaptionPairModel(config).fit(captions, word_vectors=vectors)
    with pytest.raises(RuntimeError, match="not trained"):
        CaptionPairModel(config).encode(["a dog"], "en")


def test_linear_image_map_learns_fixed_caption_vectors():
    from tagbook.methods.retrieval.sentence_map import LinearImageMap

    rng = np.random.default_rng(0)
    kinds = rng.integers(0, 5, 40)
    centres, meanings = rng.normal(size=(5, 12)), rng.normal(size=(5, 7))
    features = (centres[kinds] + 0.1 * rng.normal(size=(40, 12))).astype(np.float32)
    owners = np.repeat(np.arange(40), 2)
    vectors = meanings[kinds[owners]] + 0.05 * rng.normal(size=(80, 7))
    model = LinearImageMap(epochs=30, batch_size=16, lr=1e-2).fit(features, vectors, owners)
    assert model.history_[-1]["ranking_loss"] < model.history_[0]["ranking_loss"]
    sim = model.score(features, vectors)
    assert sim.shape == (40, 80)
    # R@10 (eight images share a kind on average): the kind's images come first
    assert recall_at_k(sim, captions_per_image=2, ks=(10,)).text_to_image.recall[10] >= 90.0
    with pytest.raises(ValueError, match="caption_images"):
        LinearImageMap().fit(features, vectors, owners + 100)
    with pytest.raises(RuntimeError, match="not trained"):
        LinearImageMap().score(features, vectors)

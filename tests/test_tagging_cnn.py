"""CNN taggers with Gong et al.'s three losses: the losses by hand, recovery, a trainable trunk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.cnn_tagger import CNNTagger, CNNTaggerConfig, pairwise_hinge_loss, softmax_loss
from tagbook.methods.tagging.synthetic import planted_problem

FAST = dict(show_progress=False, num_threads=1)


def test_softmax_loss_against_the_normalised_multi_hot_target():
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 0.0, 0.0], [2.0, 1.0, 0.0]])
    targets = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # image 1: no tag, left out
    log_p = torch.log_softmax(logits, dim=1)
    by_hand = -(0.5 * log_p[0, 0] + 0.5 * log_p[0, 1] + log_p[2, 2]) / 2
    assert softmax_loss(logits, targets).item() == pytest.approx(by_hand.item())


def test_pairwise_hinge_over_every_relevant_irrelevant_pair():
    logits = torch.tensor([[2.0, 0.5, 0.0], [0.0, 3.0, 1.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    # image 0: (0,1) -> max(0, 1-2+0.5)=0, (0,2) -> 0; image 1: (1,0) -> 0, (2,0) -> max(0, 1-1+0)=0
    assert pairwise_hinge_loss(logits, targets).item() == pytest.approx(0.0)
    logits = torch.tensor([[0.0, 0.5, 0.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0]])
    assert pairwise_hinge_loss(logits, targets).item() == pytest.approx((1.5 + 1.0) / 2)


@pytest.fixture(scope="module")
def problem():
    return planted_problem(n_images=500, n_tags=12, n_features=20, noise=0.3, seed=6)


@pytest.mark.parametrize("loss", ["softmax", "hinge", "warp"])
def test_each_loss_recovers_planted_tags(problem, loss):
    cfg = CNNTaggerConfig(**FAST, loss=loss, epochs=10, learning_rate=0.05)
    model = CNNTagger(cfg).fit(problem.features[:400], problem.tag_matrix[:400])
    scores = model.score(problem.features[400:])
    assert scores.shape == (100, 12) and scores.dtype == np.float32
    top = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    precision, chance = np.take_along_axis(problem.tag_matrix[400:], top, axis=1).mean(), problem.tag_matrix.mean()
    assert precision > 0.45 > 2 * chance, f"{loss}: precision@3 {precision:.3f} (chance {chance:.3f})"
    assert model.history_[-1] < model.history_[0]


def test_trunk_is_trained_with_the_head_and_fit_is_deterministic(problem):
    x = torch.from_numpy(problem.features[:120]).reshape(120, 4, 5)  # "cached activations"

    def make_trunk():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Conv1d(4, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten())

    trunk = make_trunk()
    start = [p.detach().clone() for p in trunk.parameters()]
    cfg = CNNTaggerConfig(**FAST, loss="warp", epochs=2)
    model = CNNTagger(cfg).fit(x, problem.tag_matrix[:120], trunk=trunk)
    assert any(not torch.equal(a, b) for a, b in zip(start, trunk.parameters()))
    scores = model.score(x)
    assert scores.shape == (120, 12)
    again = CNNTagger(cfg).fit(x, problem.tag_matrix[:120], trunk=make_trunk()).score(x)
    np.testing.assert_array_equal(scores, again)


def test_clear_errors(problem):
    x, y = problem.features[:20], problem.tag_matrix[:20]
    with pytest.raises(ValueError, match="loss"):
        CNNTagger(CNNTaggerConfig(loss="logistic"))
    with pytest.raises(RuntimeError, match="fit"):
        CNNTagger().score(x)
    with pytest.raises(ValueError, match="rows"):
        CNNTagger(CNNTaggerConfig(**FAST)).fit(x, y[:3])
    with pytest.raises(ValueError, match="without a trunk"):
        CNNTagger(CNNTaggerConfig(**FAST)).fit(x.reshape(20, 4, 5), y)
    with pytest.raises(ValueError, match="no image"):
        CNNTagger(CNNTaggerConfig(**FAST, loss="softmax")).fit(x, np.zeros_like(y))
    model = CNNTagger(CNNTaggerConfig(**FAST, epochs=1)).fit(x, y)
    with pytest.raises(ValueError, match="inputs must be"):
        model.score(x[:, :5])

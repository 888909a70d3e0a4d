"""WSABIE: joint word-image embedding trained with WARP (Weston, Bengio and Usunier 2011).

J. Weston, S. Bengio, N. Usunier. *Large scale image annotation: learning to rank with joint
word-image embeddings.* Machine Learning 81(1):21-35, 2010 (WSABIE, "Web Scale Annotation by
Image Embedding"). The baseline of He et al. (2015), Tables 1 and 2.

An image's features are mapped linearly into a ``D``-dimensional space, :math:`\\Phi_I(x) = xV`,
each tag ``y`` has an embedding :math:`W_y` there, and the score is the inner product

.. math::

    f_y(x) = W_y \\cdot xV .

Training minimises the WARP loss (:mod:`tagbook.methods.tagging.warp`) by stochastic gradient
descent over the (image, relevant tag) pairs, each epoch visiting every pair once in random
order, and after each step projects back onto the constraints :math:`\\lVert V_i \\rVert \\le C`
(every row of ``V``, one per input dimension) and :math:`\\lVert W_y \\rVert \\le C`, ``C = 1``.
Parameters start with mean 0 and standard deviation :math:`1/\\sqrt{D}`.

Departures, all parameters: a step averages the loss of ``batch_size`` pairs (Weston et al. step
after each pair: ``batch_size=1``), and ``standardise=True`` standardises the features on the
training images first, for inputs whose dimensions have very different scales (the low-level
features). It is off by default: on the toy world's EfficientNet-Lite0 features (non-negative,
1,700 training images, 92 labels, one seed) the top-5 F1 was 0.57 raw against 0.49
standardised, both at learning rate 0.01 (raw: better than 0.03 and 0.003; standardised: better
than 0.001, and 0.1 diverged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.methods.tagging.inputs import (
    FeatureScaler,
    as_features,
    as_tag_matrix,
    check_positive,
    check_positive_int,
    check_seed,
)
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.sgd import PlainSGD
from tagbook.methods.tagging.warp import harmonic_numbers, sample_warp_negatives, warp_weights
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext

_FULL_SCORES_LIMIT = 1 << 21  # batch x tags scores computed at once in the negative search


@dataclass
class WSABIEConfig:
    embedding_dim: int = 100  # D (Weston et al. report 100)
    learning_rate: float = 0.01
    epochs: int = 20
    batch_size: int = 32  # (image, relevant tag) pairs per step; 1 is Weston et al.'s SGD
    margin: float = 1.0
    max_norm: float = 1.0  # C: rows of V and W stay in the ball of this radius
    draw_block: int = 16  # candidate negatives drawn per unresolved pair at a time
    standardise: bool = False  # True for features of mixed scales (the low-level ones)
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        for name in ("embedding_dim", "epochs", "batch_size", "draw_block", "num_threads"):
            check_positive_int(getattr(self, name), name)
        for name in ("learning_rate", "margin", "max_norm"):
            check_positive(getattr(self, name), name)
        check_seed(self.seed)


class WSABIENet(nn.Module):
    """``V (n_features, D)`` and ``W (n_tags, D)``; ``f_y(x) = W_y · xV``."""

    def __init__(self, n_features: int, n_tags: int, embedding_dim: int):
        super().__init__()
        std = embedding_dim ** -0.5
        self.V = nn.Parameter(torch.randn(n_features, embedding_dim) * std)
        self.W = nn.Parameter(torch.randn(n_tags, embedding_dim) * std)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.V

    def forward(self, x: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(f_y(x), f_ȳ(x))`` of each row's relevant tag and its drawn negative."""
        phi = self.embed(x)
        return (phi * self.W[positives]).sum(-1), (phi * self.W[negatives]).sum(-1)

    @torch.no_grad()
    def project(self, max_norm: float) -> None:
        """Rows of ``V`` and ``W`` back into the ball of radius ``max_norm``."""
        for p in (self.V, self.W):
            norms = p.norm(dim=1, keepdim=True)
            p.mul_(torch.clamp(max_norm / norms.clamp_min(1e-12), max=1.0))


def warp_batch_loss(
    s_pos: torch.Tensor, s_neg: torch.Tensor, weights: torch.Tensor, margin: float
) -> torch.Tensor:
    """Mean over the batch's pairs of ``L(rank) max(0, m - s+ + s-)`` (weight 0: no violator)."""
    return (weights * F.relu(margin - s_pos + s_neg)).mean()


class WSABIE:
    """WSABIE with ``fit`` / ``score``.

    >>> model = WSABIE(WSABIEConfig(epochs=10)).fit(features, tag_matrix)
    >>> scores = model.score(test_features)      # (n, T) float32
    """

    def __init__(self, config: WSABIEConfig | None = None):
        self.config = config or WSABIEConfig()
        self.config.validate()
        self.net: WSABIENet | None = None
        self.scaler: FeatureScaler | None = None
        self.history_: list[float] = []  # mean WARP loss of each epoch

    def _net(self) -> WSABIENet:
        if self.net is None:
            raise RuntimeError("the model is not trained: call fit() first")
        return self.net

    def fit(self, features, tag_matrix, context: DistributedContext | None = None,
            callback: Callable[[int, "WSABIE"], None] | None = None) -> "WSABIE":
        """Train on ``features (N, d)`` and a 0/1 ``tag_matrix (N, T)``; ``callback(epoch, model)``,
        when given, is called after each epoch (from 1), for held-out curves."""
        cfg = self.config
        x = as_features(features)
        index = TagIndex(as_tag_matrix(tag_matrix, x.shape[0]))
        pair_rows, pair_tags = index.positive_pairs()
        if pair_rows.size == 0:
            raise ValueError("tag_matrix: no image has both a relevant and an irrelevant tag; nothing to train on")
        ctx = context if context is not None else DistributedContext.from_environment()
        rng = seed_everything(cfg.seed)
        torch.set_num_threads(cfg.num_threads)
        self.scaler = FeatureScaler.fit(x) if cfg.standardise else FeatureScaler.identity(x.shape[1])
        inputs = torch.from_numpy(self.scaler.transform(x))
        net = self.net = WSABIENet(x.shape[1], index.n_tags, cfg.embedding_dim)
        net.project(cfg.max_norm)
        harmonic = harmonic_numbers(index.n_tags)
        optimiser = PlainSGD(list(net.parameters()), cfg.learning_rate)
        model = ctx.wrap(net)
        self.history_ = []
        bar = tqdm(range(cfg.epochs), desc="WSABIE", disable=not (cfg.show_progress and ctx.is_main))
        for _ in bar:
            order = rng.permutation(pair_rows.size)
            total, seen = 0.0, 0
            for start in range(0, order.size, cfg.batch_size):
                batch = order[start : start + cfg.batch_size]
                rows, positives = pair_rows[batch], pair_tags[batch]
                negatives, weights = self._draw_negatives(rows, positives, inputs, index, harmonic, rng)
                shard = ctx.shard(np.arange(batch.size))
                mine = torch.from_numpy(shard if len(shard) else np.arange(1))
                s_pos, s_neg = model(inputs[torch.from_numpy(rows)[mine]], torch.from_numpy(positives)[mine],
                                     torch.from_numpy(negatives)[mine])
                loss = warp_batch_loss(s_pos, s_neg, torch.from_numpy(weights)[mine], cfg.margin)
                optimiser.zero_grad()
                (loss * ctx.shard_weight(len(shard), batch.size)).backward()
                optimiser.step()
                net.project(cfg.max_norm)
                total += loss.item() * len(shard)
                seen += len(shard)
            self.history_.append(ctx.all_reduce_mean(total, seen))
            bar.set_postfix(warp=f"{self.history_[-1]:.4f}")
            if callback is not None:
                with torch.no_grad():
                    callback(len(self.history_), self)
        return self

    def _draw_negatives(
        self,
        rows: np.ndarray,
        positives: np.ndarray,
        inputs: torch.Tensor,
        index: TagIndex,
        harmonic: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """WARP negatives of a batch at the current parameters, and their weights ``L(rank)``.

        Pairs without a violator get weight 0 and their own positive as a placeholder negative.
        """
        net = self._net()
        with torch.no_grad():
            phi = net.embed(inputs[torch.from_numpy(rows)])
            s_pos = (phi * net.W[torch.from_numpy(positives)]).sum(-1).numpy()

            if rows.size * index.n_tags <= _FULL_SCORES_LIMIT:  # all scores of the batch: one product
                full = (phi @ net.W.T).numpy()

                def score(pairs: np.ndarray, candidates: np.ndarray) -> np.ndarray:
                    return full[pairs[:, None], candidates]
            else:  # a large vocabulary: only the drawn candidates

                def score(pairs: np.ndarray, candidates: np.ndarray) -> np.ndarray:
                    w = net.W[torch.from_numpy(candidates)]  # (p, b, D)
                    return (w * phi[torch.from_numpy(pairs)][:, None, :]).sum(-1).numpy()

            negatives, n_draws = sample_warp_negatives(rows, s_pos, score, index, rng, self.config.draw_block,
                                                       self.config.margin)
        weights = warp_weights(negatives, n_draws, index.n_irrelevant[rows], harmonic)
        return np.where(negatives >= 0, negatives, positives), weights

    def embed(self, features, batch_size: int = 4096) -> np.ndarray:
        """Images in the joint space, ``xV``, ``(n, D)``."""
        net = self._net()
        x = torch.from_numpy(self.scaler.transform(as_features(features, n_features=net.V.shape[0])))
        with torch.no_grad():
            return torch.cat([net.embed(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]).numpy()

    def tag_embeddings(self) -> np.ndarray:
        """``W``, ``(T, D)``."""
        return self._net().W.detach().numpy().copy()

    def score(self, features, batch_size: int = 4096) -> np.ndarray:
        """``f_y(x) = W_y · xV`` for every image and tag, ``(n_images, T)`` float32."""
        return (self.embed(features, batch_size) @ self.tag_embeddings().T).astype(np.float32)

"""DREL: deep representation learning and tag embedding learning (He et al., ICMR 2015).

Images and tags meet in one latent space. An image's features go through two fully connected
layers with sigmoid activations :math:`f` (Eq. 1-2),

.. math::

    \\mathbf{a}_I = f(\\mathbf{W}_I^1 \\mathbf{x} + \\mathbf{b}_I^1), \\qquad
    \\tilde{\\mathbf{x}} = f(\\mathbf{W}_I^2 \\mathbf{a}_I + \\mathbf{b}_I^2),

and each tag has a learned embedding :math:`\\mathbf{y}` (randomly initialised, 256-d in the
paper) that a second two-layer sigmoid network maps to :math:`\\tilde{\\mathbf{y}}`. A learned
metric matrix :math:`\\mathbf{M}` gives the relevance (Eq. 3-4)

.. math::

    s = \\tilde{\\mathbf{y}}^\\top \\mathbf{M}\\, \\tilde{\\mathbf{x}},

and training minimises the pairwise hinge over triplets (irrelevant tag, image, relevant tag),
averaged over the :math:`T_N` triplets drawn (Eq. 5-6),

.. math::

    \\min_\\theta \\frac{1}{T_N} \\sum_{(i, j, k)} \\max(0,\\; m + s^-_{ik} - s^+_{ij}), \\qquad m = 1,

by plain stochastic gradient descent with back-propagation through both towers, the metric and
the tag embeddings.

Choices the paper leaves open, made here:

- **Triplets.** The paper does not say how triplets are drawn. Each epoch visits every image that
  has a relevant and an irrelevant tag once, in random order, and draws ``triplets_per_image``
  triplets for it: a relevant and an irrelevant tag, each uniformly and independently (with
  replacement). A step takes ``batch_size`` images, computes each image's latent vector once
  and the loss over all its triplets, so the image tower runs once per image, not per triplet.
- **Initialisation.** Tower weights are Glorot-uniform times ``init_gain = 4`` (Glorot and
  Bengio's advice for the logistic sigmoid), biases zero: with torch's default (or gain 1) the
  latent vectors barely vary between images at the start and training stalls at ranking tags
  by popularity (on :func:`~tagbook.methods.tagging.synthetic.planted_problem`, 30 tags:
  precision at 3 of 0.15, chance 0.07, against 0.36 with gain 4). Tag embeddings are standard
  normal; :math:`\\mathbf{M}` starts as the identity plus Gaussian noise of standard deviation
  ``metric_init_std``, scaled by ``1 / latent_dim`` so that the first scores are of order one.
- **Inputs.** Features are standardised per dimension on the training images
  (``standardise=True``): a sigmoid layer saturates on raw low-level features.
- **Optimiser.** SGD with momentum 0.9 (the usual setting of Caffe's SGD solver, the paper's
  toolkit era); ``momentum=0`` is plain SGD. On the toy world's EfficientNet-Lite0 features
  (1,700 training images, 92 labels, 10 epochs, 10 triplets per image, one seed) plain SGD
  reached a top-5 F1 of 0.31 at its best learning rate (0.1 of 0.02, 0.1, 0.5), momentum 0.9 at
  learning rate 0.05 reached 0.41, and more triplets per image raised it further (0.48 with 40,
  0.52 with 100): hence the defaults. Those figures were read on a test split, so chapter 03 does
  not rely on them: it chooses learning rate, momentum and ``init_gain`` on validation images
  (:data:`tagbook.experiments.he2015.CHOSEN`), where the same setting came out best for CNN
  features (validation F1@5 0.35 against 0.04-0.29 for the other five grid points).

Layer sizes are the paper's where our features allow: ``image_hidden=2048, latent_dim=1024`` for
CNN features (the paper's input is 4096-D Caffe features, ours 1280-D EfficientNet-Lite0, so
1280-2048-1024), ``DRELConfig.low_level()`` gives 1024-1024 for the low-level features, and the
tag tower is 256-512-1024 for both.

**Online updating** (the paper's selling point): :meth:`DREL.partial_fit` takes new images and
new tags; the new tags get fresh embeddings appended to the table and every parameter is
fine-tuned on the new data by the same triplet loss, with no change of structure.

Test cost is :math:`O(T)` per image: one pass of the image tower and a product with the
``T`` tag vectors (computed once).
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
    check_non_negative,
    check_positive,
    check_positive_int,
    check_seed,
)
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.sgd import PlainSGD
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext


@dataclass
class DRELConfig:
    """Hyper-parameters of DREL. Sizes default to the paper's CNN-feature network (Sec. 3.5)."""

    image_hidden: int = 2048  # first image layer (paper: 2048 for CNN features, 1024 for low-level)
    latent_dim: int = 1024  # the shared latent space (second layer of both towers)
    tag_embedding_dim: int = 256  # the learned tag embeddings y_i
    tag_hidden: int = 512  # first tag layer
    margin: float = 1.0  # m in Eq. 5 (the paper sets 1)
    learning_rate: float = 0.05  # SGD on the mean hinge of a batch
    momentum: float = 0.9  # heavy-ball momentum (0: plain SGD); see the module docstring
    weight_decay: float = 0.0
    epochs: int = 20
    batch_size: int = 64  # images per step; each brings triplets_per_image triplets
    triplets_per_image: int = 50
    metric_init_std: float = 0.1  # M = (I + N(0, std^2)) / latent_dim at the start
    embedding_lr_ratio: float = 1.0  # learning rate of the tag embeddings relative to the rest
    init_gain: float = 4.0  # Glorot-uniform gain of the tower weights (4: Glorot and Bengio's for sigmoid)
    standardise: bool = True  # standardise features on the training images
    partial_fit_epochs: int = 10  # default epochs of an online update
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    @classmethod
    def low_level(cls, **overrides) -> "DRELConfig":
        """The paper's network for low-level features: image 1164-1024-1024 (ours 1134-...), tags 256-512-1024."""
        return cls(**{"image_hidden": 1024, **overrides})

    def validate(self) -> None:
        for name in ("image_hidden", "latent_dim", "tag_embedding_dim", "tag_hidden", "epochs", "batch_size",
                     "triplets_per_image", "partial_fit_epochs", "num_threads"):
            check_positive_int(getattr(self, name), name)
        for name in ("margin", "learning_rate", "init_gain", "embedding_lr_ratio"):
            check_positive(getattr(self, name), name)
        for name in ("momentum", "weight_decay", "metric_init_std"):
            check_non_negative(getattr(self, name), name)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be < 1, got {self.momentum!r}")
        check_seed(self.seed)


def _tower(n_in: int, n_hidden: int, n_out: int, gain: float) -> nn.Sequential:
    """Two sigmoid layers, Glorot-uniform weights times ``gain`` (Glorot and Bengio 2010 suggest
    4 for the logistic sigmoid), zero biases."""
    tower = nn.Sequential(nn.Linear(n_in, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, n_out), nn.Sigmoid())
    for layer in (tower[0], tower[2]):
        nn.init.xavier_uniform_(layer.weight, gain=gain)
        nn.init.zeros_(layer.bias)
    return tower


class DRELNet(nn.Module):
    """The two towers, the tag embedding table and the metric matrix."""

    def __init__(self, n_features: int, n_tags: int, config: DRELConfig):
        super().__init__()
        self.image_tower = _tower(n_features, config.image_hidden, config.latent_dim, config.init_gain)
        self.tag_tower = _tower(config.tag_embedding_dim, config.tag_hidden, config.latent_dim, config.init_gain)
        self.tag_embeddings = nn.Parameter(torch.randn(n_tags, config.tag_embedding_dim))
        d = config.latent_dim
        self.metric = nn.Parameter((torch.eye(d) + config.metric_init_std * torch.randn(d, d)) / d)

    @property
    def n_tags(self) -> int:
        return self.tag_embeddings.shape[0]

    def append_tags(self, embeddings: torch.Tensor) -> None:
        """Add rows to the tag embedding table (new tags); the towers and the metric are kept."""
        table = torch.cat([self.tag_embeddings.detach(), embeddings.to(self.tag_embeddings.dtype)])
        self.tag_embeddings = nn.Parameter(table)

    def image_latent(self, x: torch.Tensor) -> torch.Tensor:
        """x -> x~ (Eq. 1-2), ``(B, latent_dim)``."""
        return self.image_tower(x)

    def tag_latent(self, tags: torch.Tensor | None = None) -> torch.Tensor:
        """y -> y~ for the tag indices ``tags`` (all tags when None), ``(n, latent_dim)``."""
        table = self.tag_embeddings if tags is None else self.tag_embeddings[tags]
        return self.tag_tower(table)

    def relevance(self, image_latent: torch.Tensor, tag_latent: torch.Tensor) -> torch.Tensor:
        """All pairs: ``s[b, t] = y~_t^T M x~_b`` (Eq. 3-4), ``(B, n)``."""
        return (image_latent @ self.metric.T) @ tag_latent.T

    def forward(self, x: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores ``(s+, s-)``, each ``(B, n)``, of each image's ``n`` relevant and irrelevant tags."""
        tags, inverse = torch.unique(torch.cat([positives, negatives], dim=1), return_inverse=True)
        # every image against each distinct tag of the batch, (B, U), then the triplets' entries:
        # a small matrix product and a gather, cheaper than (B, n, d) gathers and their backward
        scores = self.relevance(self.image_latent(x), self.tag_latent(tags))
        n = positives.shape[1]
        return scores.gather(1, inverse[:, :n]), scores.gather(1, inverse[:, n:])


def triplet_hinge(s_pos: torch.Tensor, s_neg: torch.Tensor, margin: float) -> torch.Tensor:
    """Eq. 5-6: the mean of ``max(0, m + s- - s+)`` over all triplets given."""
    return F.relu(margin + s_neg - s_pos).mean()


class DREL:
    """DREL with ``fit`` / ``partial_fit`` / ``score``.

    >>> model = DREL(DRELConfig(epochs=20)).fit(features, tag_matrix)     # (N, d), (N, T) 0/1
    >>> scores = model.score(test_features)                               # (n, T) float32
    >>> model.partial_fit(new_features, new_tag_matrix, new_tags=5)       # T + 5 tags now
    """

    def __init__(self, config: DRELConfig | None = None):
        self.config = config or DRELConfig()
        self.config.validate()
        self.net: DRELNet | None = None
        self.scaler: FeatureScaler | None = None
        self.history_: list[float] = []  # mean hinge of each epoch, partial fits appended
        self.n_updates_ = 0  # partial fits so far

    @property
    def n_tags_(self) -> int:
        return self._net().n_tags

    @property
    def n_features_(self) -> int:
        return self._net().image_tower[0].in_features

    def _net(self) -> DRELNet:
        if self.net is None:
            raise RuntimeError("the model is not trained: call fit() first")
        return self.net

    # -- training ---------------------------------------------------------------------------
    def fit(self, features, tag_matrix, context: DistributedContext | None = None,
            callback: Callable[[int, "DREL"], None] | None = None) -> "DREL":
        """Train from scratch on ``features (N, d)`` and a 0/1 ``tag_matrix (N, T)``.

        ``callback(epoch, model)``, when given, is called after each epoch (``epoch`` from 1), in
        eval mode, for held-out curves; it must not change the model.
        """
        x = as_features(features)
        tags = as_tag_matrix(tag_matrix, x.shape[0])
        index = TagIndex(tags)
        if index.trainable_rows().size == 0:
            raise ValueError("tag_matrix: no image has both a relevant and an irrelevant tag; nothing to train on")
        rng = seed_everything(self.config.seed)
        self.scaler = FeatureScaler.fit(x) if self.config.standardise else FeatureScaler.identity(x.shape[1])
        self.net = DRELNet(x.shape[1], tags.shape[1], self.config)
        self.n_updates_ = 0
        self.history_ = self._train(self.scaler.transform(x), index, self.config.epochs,
                                    self.config.learning_rate, rng, context, desc="DREL", callback=callback)
        return self

    def partial_fit(
        self,
        features,
        tag_matrix,
        new_tags: int = 0,
        epochs: int | None = None,
        learning_rate: float | None = None,
        context: DistributedContext | None = None,
    ) -> "DREL":
        """Online update with new images, and ``new_tags`` new tags, without changing the structure.

        ``tag_matrix`` is ``(n_new_images, T + new_tags)``: the model's ``T`` tags first, in their
        order, then the new ones. New tags get standard-normal embeddings appended to the table;
        every parameter is then fine-tuned on the new data for ``epochs`` (default
        ``config.partial_fit_epochs``) at ``learning_rate`` (default the config's). Features are
        standardised with the statistics of the first fit.
        """
        net = self._net()
        if not isinstance(new_tags, (int, np.integer)) or isinstance(new_tags, bool) or new_tags < 0:
            raise ValueError(f"new_tags must be an int >= 0, got {new_tags!r}")
        epochs = self.config.partial_fit_epochs if epochs is None else epochs
        learning_rate = self.config.learning_rate if learning_rate is None else learning_rate
        check_positive_int(epochs, "epochs")
        check_positive(learning_rate, "learning_rate")
        x = as_features(features, n_features=self.n_features_)
        tags = as_tag_matrix(tag_matrix, x.shape[0], n_tags=net.n_tags + int(new_tags))
        index = TagIndex(tags)
        if index.trainable_rows().size == 0:
            raise ValueError("tag_matrix: no image has both a relevant and an irrelevant tag; nothing to train on")
        self.n_updates_ += 1
        rng = np.random.default_rng([self.config.seed, self.n_updates_])
        if new_tags:
            fresh = rng.standard_normal((int(new_tags), self.config.tag_embedding_dim)).astype(np.float32)
            net.append_tags(torch.from_numpy(fresh))
        self.history_ += self._train(self.scaler.transform(x), index, int(epochs), float(learning_rate),
                                     rng, context, desc="DREL update")
        return self

    def _train(
        self,
        x: np.ndarray,
        index: TagIndex,
        epochs: int,
        learning_rate: float,
        rng: np.random.Generator,
        context: DistributedContext | None,
        desc: str,
        callback: Callable[[int, "DREL"], None] | None = None,
    ) -> list[float]:
        """SGD over triplets (see the module docstring); data-parallel under ``torchrun``.

        Every rank draws the same image order and triplets from the same seed and computes the
        loss of its shard of each batch, weighted by :meth:`DistributedContext.shard_weight`, so
        the averaged gradient is the full batch's and training matches one process.
        """
        cfg = self.config
        ctx = context if context is not None else DistributedContext.from_environment()
        torch.set_num_threads(cfg.num_threads)
        net = self._net()
        inputs = torch.from_numpy(x)
        rows = index.trainable_rows()
        n = cfg.triplets_per_image
        embeddings = [net.tag_embeddings]
        others = [p for name, p in net.named_parameters() if name != "tag_embeddings"]
        optimisers = [PlainSGD(others, learning_rate, cfg.momentum, cfg.weight_decay),
                      PlainSGD(embeddings, learning_rate * cfg.embedding_lr_ratio, cfg.momentum, cfg.weight_decay)]
        model = ctx.wrap(net)
        net.train()
        losses: list[float] = []
        bar = tqdm(range(epochs), desc=desc, disable=not (cfg.show_progress and ctx.is_main))
        for _ in bar:
            order = rng.permutation(rows)
            repeated = np.repeat(order, n)
            positives = torch.from_numpy(index.sample_relevant(repeated, rng).reshape(-1, n))
            negatives = torch.from_numpy(index.sample_irrelevant(repeated, rng).reshape(-1, n))
            total, seen = 0.0, 0
            for start in range(0, order.size, cfg.batch_size):
                batch = np.arange(start, min(start + cfg.batch_size, order.size))
                shard = ctx.shard(batch)
                mine = torch.from_numpy(shard if len(shard) else batch[:1])
                s_pos, s_neg = model(inputs[torch.from_numpy(order)[mine]], positives[mine], negatives[mine])
                hinge = triplet_hinge(s_pos, s_neg, cfg.margin)
                for optimiser in optimisers:
                    optimiser.zero_grad()
                (hinge * ctx.shard_weight(len(shard), len(batch))).backward()
                for optimiser in optimisers:
                    optimiser.step()
                total += hinge.item() * len(shard)
                seen += len(shard)
            losses.append(ctx.all_reduce_mean(total, seen))
            bar.set_postfix(hinge=f"{losses[-1]:.4f}")
            if callback is not None:
                net.eval()
                with torch.no_grad():
                    callback(len(losses), self)
                net.train()
        net.eval()
        return losses

    # -- inference --------------------------------------------------------------------------
    def image_latent(self, features, batch_size: int = 1024) -> np.ndarray:
        """Latent image vectors x~ ``(n, latent_dim)``."""
        net = self._net()
        x = torch.from_numpy(self.scaler.transform(as_features(features, n_features=self.n_features_)))
        with torch.no_grad():
            return torch.cat([net.image_latent(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]).numpy()

    def tag_latent(self) -> np.ndarray:
        """Latent tag vectors y~ ``(T, latent_dim)``."""
        with torch.no_grad():
            return self._net().tag_latent().numpy()

    def score(self, features, batch_size: int = 1024) -> np.ndarray:
        """Relevance ``s = y~^T M x~`` of every tag to every image, ``(n_images, T)`` float32."""
        net = self._net()
        x = torch.from_numpy(self.scaler.transform(as_features(features, n_features=self.n_features_)))
        with torch.no_grad():
            tag_lat = net.tag_latent()
            out = [net.relevance(net.image_latent(x[i : i + batch_size]), tag_lat) for i in range(0, x.shape[0], batch_size)]
        return torch.cat(out).numpy().astype(np.float32, copy=False)

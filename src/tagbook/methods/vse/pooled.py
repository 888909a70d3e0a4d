"""The pooled visual-semantic baseline (DeViSE-style, Frome et al. 2013) that the post contrasts.

The conv maps are averaged over space first, then projected to one image embedding
:math:`\\mathbf{u} \\in \\mathbb{R}^d` that is compared with the label's unit word vector:

.. math::

    s = \\sigma\\big(\\tau \\cos(\\mathbf{u}, \\mathbf{v}) + b\\big),

with a learnable scale :math:`\\tau` and bias :math:`b` (a cosine alone cannot reach confident
probabilities). Everything else is the conv-level model's: the same 50-label sampling, binary
cross-entropy, one-cycle schedule, epochs and batch size (:func:`train_label_sampling`), so the
two differ only in *where* image and label meet: after pooling here, per region there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tagbook.training.label_sampling import (
    LabelSamplingConfig,
    as_tensor,
    batched,
    check_targets,
    train_label_sampling,
    unit_rows,
)
from tagbook.seeding import seed_everything


@dataclass
class PooledVSEConfig(LabelSamplingConfig):
    hidden_channels: int = 512  # same width as the conv-level head's 1x1 conv
    init_scale: float = 10.0  # starting value of the cosine scale tau


class PooledVSEHead(nn.Module):
    """Global average pooling, a two-layer projection to ``d``, scaled cosine with each label."""

    def __init__(self, in_channels: int, embed_dim: int, config: PooledVSEConfig):
        super().__init__()
        self.project = nn.Sequential(
            nn.Linear(in_channels, config.hidden_channels), nn.ReLU(), nn.Linear(config.hidden_channels, embed_dim)
        )
        self.log_scale = nn.Parameter(torch.tensor(float(np.log(config.init_scale))))
        self.bias = nn.Parameter(torch.zeros(()))

    def image_embedding(self, conv: torch.Tensor) -> torch.Tensor:
        """``(B, C, h, w)`` -> unit image embeddings ``(B, d)``."""
        return F.normalize(self.project(conv.mean(dim=(2, 3))), dim=-1)

    def forward(self, conv: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        u = self.image_embedding(conv)
        cos = u @ labels.T if labels.ndim == 2 else torch.einsum("bd,bld->bl", u, labels)
        return self.log_scale.exp() * cos + self.bias


class PooledVSE:
    """Pooled (after global average pooling) visual-semantic model with ``fit`` / ``score``."""

    def __init__(self, config: PooledVSEConfig | None = None):
        self.config = config or PooledVSEConfig()
        self.config.validate()
        self.head: PooledVSEHead | None = None
        self.history_: list[float] = []

    def fit(self, inputs: np.ndarray | torch.Tensor, targets: np.ndarray, label_vectors: np.ndarray,
            on_epoch: Callable[[int], None] | None = None) -> "PooledVSE":
        """Train on conv maps ``(N, C, h, w)``, boolean ``targets (N, L)``, ``label_vectors (L, d)``;
        ``on_epoch(epoch)`` is called after each epoch, the model in evaluation mode, without
        changing training (:func:`train_label_sampling`)."""
        if self.config.fine_tune:
            raise NotImplementedError("the pooled baseline trains on cached conv maps only (fine_tune=False)")
        x = as_tensor(inputs, "inputs")
        vectors = unit_rows(label_vectors)
        targets = check_targets(targets, x.shape[0], vectors.shape[0])
        seed_everything(self.config.seed)
        self.head = PooledVSEHead(x.shape[1], vectors.shape[1], self.config)
        self.history_ = train_label_sampling(self.head, x, targets, vectors, self.config, desc="pooled VSE",
                                             on_epoch=on_epoch)
        return self

    def _head(self) -> PooledVSEHead:
        if self.head is None:
            raise RuntimeError("the model is not trained: call fit() first")
        return self.head

    def image_embeddings(self, inputs: np.ndarray | torch.Tensor, batch_size: int = 256) -> np.ndarray:
        """Unit image embeddings ``(N, d)``."""
        return batched(self._head().image_embedding, as_tensor(inputs, "inputs"), batch_size).numpy()

    def score(self, inputs: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Image-label match scores ``(N, L)`` in [0, 1]."""
        head = self._head()
        labels = unit_rows(label_vectors)
        return batched(lambda b: torch.sigmoid(head(b, labels)), as_tensor(inputs, "inputs"), batch_size).numpy()

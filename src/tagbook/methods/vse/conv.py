"""Visual-semantic embedding at the convolutional layer (Kovacs & Bremner, 2019).

The image side keeps its spatial grid. A backbone's last convolutional block ``(C, h, w)`` (7x7 at
224 px) is turned by 1x1 convolutions into ``k`` blocks of region embeddings, each ``(d, h, w)``
with ``d`` the label-embedding dimension. For a label with unit word vector :math:`\\mathbf{v}`,

.. math::

    S_j(x, y) = \\cos\\big(\\mathbf{r}_j(x, y), \\mathbf{v}\\big), \\qquad j = 1, \\dots, k,

gives ``k`` similarity maps; a few conv + ReLU layers :math:`g` turn them into one map
:math:`M = g(\\tau S_1, \\dots, \\tau S_k)` (the *localisation map*, logits; :math:`\\tau` is a
learnable scale that starts at 5 so that training leaves its first plateau sooner), and pooling mixes average and
max with a learnable weight :math:`\\alpha = \\sigma(a)`:

.. math::

    s = \\sigma\\Big(\\alpha \\cdot \\tfrac{1}{hw}\\sum_{x,y} M(x, y)
        + (1 - \\alpha) \\max_{x,y} M(x, y)\\Big) \\in [0, 1].

Training draws, per image and per epoch, 50 labels: all its positives plus random negatives, and
minimises binary cross-entropy with the one-cycle learning-rate policy (Smith, 2018). The backbone
is frozen by default (the model trains on cached conv maps); ``fine_tune=True`` trains it too.

Labels never shown in training (zero-shot) are scored the same way, from their word vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tagbook.seeding import seed_everything
from tagbook.training.checkpoints import config_from_checkpoint, load_checkpoint, save_checkpoint
from tagbook.training.label_sampling import (
    LabelSamplingConfig,
    as_tensor,
    batched,
    check_targets,
    train_label_sampling,
    unit_rows,
)


@dataclass
class ConvVSEConfig(LabelSamplingConfig):
    """The conv-level head: ``k_blocks`` region-embedding blocks and a small map network."""

    k_blocks: int = 5  # k in the post (its main model uses k = 5)
    hidden_channels: int = 512  # width of the 1x1 conv between backbone and region embeddings
    map_channels: int = 16  # width of the conv + ReLU layers applied to the k similarity maps
    map_layers: int = 2  # number of 3x3 conv + ReLU layers before the final 1x1 conv
    init_cos_scale: float = 5.0  # starting value of the learnable scale tau on the cosine maps

    def validate(self) -> None:
        super().validate()
        for name in ("k_blocks", "hidden_channels", "map_channels", "map_layers"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")


def mix_pool(maps: torch.Tensor, avg_weight: torch.Tensor | float) -> torch.Tensor:
    """Pool the last two (spatial) axes: ``w * mean + (1 - w) * max`` with ``w`` in [0, 1]."""
    flat = maps.flatten(-2)
    return avg_weight * flat.mean(-1) + (1 - avg_weight) * flat.amax(-1)


class ConvVSEHead(nn.Module):
    """Conv-level head: region embeddings, k cosine maps per label, map network, mixed pooling."""

    def __init__(self, in_channels: int, embed_dim: int, config: ConvVSEConfig):
        super().__init__()
        self.in_channels, self.embed_dim, self.k_blocks = in_channels, embed_dim, config.k_blocks
        self.embed = nn.Sequential(
            nn.Conv2d(in_channels, config.hidden_channels, 1),
            nn.ReLU(),
            nn.Conv2d(config.hidden_channels, config.k_blocks * embed_dim, 1),
        )
        layers: list[nn.Module] = []
        channels = config.k_blocks
        for _ in range(config.map_layers):
            layers += [nn.Conv2d(channels, config.map_channels, 3, padding=1), nn.ReLU()]
            channels = config.map_channels
        layers.append(nn.Conv2d(channels, 1, 1))
        self.map_net = nn.Sequential(*layers)
        self.pool_logit = nn.Parameter(torch.zeros(()))  # alpha = sigmoid(0) = 0.5 at start
        self.log_cos_scale = nn.Parameter(torch.tensor(float(np.log(config.init_cos_scale))))

    @property
    def avg_weight(self) -> torch.Tensor:
        """alpha: the weight of average pooling (1 - alpha goes to max pooling)."""
        return torch.sigmoid(self.pool_logit)

    def region_embeddings(self, conv: torch.Tensor) -> torch.Tensor:
        """``(B, C, h, w)`` conv maps -> ``(B, k, d, h, w)`` unit-norm region embeddings."""
        b, _, h, w = conv.shape
        regions = self.embed(conv).view(b, self.k_blocks, self.embed_dim, h, w)
        return F.normalize(regions, dim=2)

    def cosine_maps(self, regions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cosine similarity of every block with every label: ``(B, L, k, h, w)``.

        ``labels`` is ``(L, d)`` (the same labels for each image) or ``(B, L, d)`` (per image);
        rows must already have unit norm.
        """
        b, k, d, h, w = regions.shape
        flat = regions.reshape(b, k, d, h * w)
        # (L, d) @ (B, k, d, hw) -> (B, k, L, hw): a batched matmul, much faster than einsum here
        cos = (labels if labels.ndim == 2 else labels[:, None]) @ flat
        return cos.movedim(2, 1).reshape(b, -1, k, h, w)

    def maps_from_regions(self, regions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Localisation-map logits ``(B, L, h, w)`` from region embeddings and unit label vectors."""
        cos = self.cosine_maps(regions, labels) * self.log_cos_scale.exp()
        b, n_labels, k, h, w = cos.shape
        return self.map_net(cos.reshape(b * n_labels, k, h, w)).view(b, n_labels, h, w)

    def pool(self, maps: torch.Tensor) -> torch.Tensor:
        """Map logits ``(B, L, h, w)`` -> image-label logits ``(B, L)`` (mixed pooling)."""
        return mix_pool(maps, self.avg_weight)

    def forward(self, conv: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Image-label logits ``(B, L)``; ``sigmoid`` of them is the [0, 1] match score."""
        return self.pool(self.maps_from_regions(self.region_embeddings(conv), labels))


class ConvVSE:
    """Conv-level visual-semantic embedding model: ``fit`` on conv maps, ``score`` any labels.

    >>> model = ConvVSE(ConvVSEConfig(epochs=3)).fit(conv_maps, label_matrix, label_vectors)
    >>> scores = model.score(conv_maps, label_vectors)       # (N, L) in [0, 1]
    >>> maps = model.localisation_maps(conv_maps, label_vectors)  # (N, L, 7, 7) in [0, 1]
    """

    def __init__(self, config: ConvVSEConfig | None = None):
        self.config = config or ConvVSEConfig()
        self.config.validate()
        self.head: ConvVSEHead | None = None
        self.backbone: nn.Module | None = None
        self.history_: list[float] = []

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        inputs: np.ndarray | torch.Tensor,
        targets: np.ndarray,
        label_vectors: np.ndarray,
        backbone: nn.Module | None = None,
        on_epoch: Callable[[int], None] | None = None,
    ) -> "ConvVSE":
        """Train on conv maps ``(N, C, h, w)`` (frozen backbone, the default) with boolean
        ``targets (N, L)`` over labels whose word vectors are ``label_vectors (L, d)``.

        With ``config.fine_tune`` pass ``backbone`` (a module mapping images to conv maps) and
        images ``(N, 3, H, W)`` as ``inputs``: the backbone is trained with the head.
        ``on_epoch(epoch)`` is called after each epoch, the model in evaluation mode (``score``
        and the other inference methods work there), without changing training
        (:func:`train_label_sampling`).
        """
        x = as_tensor(inputs, "inputs")
        vectors = unit_rows(label_vectors)
        targets = check_targets(targets, x.shape[0], vectors.shape[0])
        if self.config.fine_tune:
            if backbone is None:
                raise ValueError("fine_tune=True needs a backbone module and images as inputs")
            self.backbone = backbone
            with torch.no_grad():
                in_channels = backbone(x[:1].float()).shape[1]
        elif backbone is not None:  # frozen backbone: compute the conv maps once
            backbone.eval()
            x = batched(backbone, x, self.config.batch_size)
            in_channels = x.shape[1]
        else:
            in_channels = x.shape[1]
        seed_everything(self.config.seed)
        self.head = ConvVSEHead(in_channels, vectors.shape[1], self.config)
        self.history_ = train_label_sampling(
            self.head, x, targets, vectors, self.config,
            backbone=self.backbone if self.config.fine_tune else None, desc="conv-level VSE", on_epoch=on_epoch,
        )
        return self

    # -- inference --------------------------------------------------------------------------
    def _head(self) -> ConvVSEHead:
        if self.head is None:
            raise RuntimeError("the model is not trained: call fit() or ConvVSE.load() first")
        return self.head

    def conv_maps(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        """The conv maps the head reads: ``inputs`` themselves, or with a fine-tuned backbone its
        output for the (preprocessed) images ``inputs``."""
        return self._features(inputs).numpy()

    def _features(self, inputs: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = as_tensor(inputs, "inputs")
        if self.backbone is not None:  # a fine-tuned backbone takes images
            self.backbone.eval()
            x = batched(self.backbone, x, self.config.batch_size)
        return x

    def region_embeddings(self, inputs: np.ndarray | torch.Tensor, batch_size: int = 256) -> np.ndarray:
        """Unit-norm region embeddings ``(N, k, d, h, w)`` (float32)."""
        head = self._head()
        x = self._features(inputs)
        return batched(head.region_embeddings, x, batch_size).numpy()

    def map_logits_from_regions(
        self, regions: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 256
    ) -> np.ndarray:
        """Localisation-map logits ``(N, L, h, w)`` from stored region embeddings."""
        head = self._head()
        labels = unit_rows(label_vectors)
        r = as_tensor(regions, "regions", ndim=5)
        return batched(lambda b: head.maps_from_regions(b, labels), r, batch_size).numpy()

    def localisation_maps(
        self, inputs: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 64
    ) -> np.ndarray:
        """Localisation maps ``(N, L, h, w)`` in [0, 1]: ``sigmoid`` of the map before pooling."""
        head = self._head()
        labels = unit_rows(label_vectors)
        x = self._features(inputs)
        fn = lambda b: torch.sigmoid(head.maps_from_regions(head.region_embeddings(b), labels))  # noqa: E731
        return batched(fn, x, batch_size).numpy()

    def score(self, inputs: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Image-label match scores ``(N, L)`` in [0, 1] for any labels (seen or not)."""
        head = self._head()
        labels = unit_rows(label_vectors)
        x = self._features(inputs)
        return batched(lambda b: torch.sigmoid(head(b, labels)), x, batch_size).numpy()

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path, **metadata) -> Path:
        """Save config, head weights and ``metadata`` (e.g. the word-vector source) to ``path``."""
        head = self._head()
        if self.backbone is not None:
            raise NotImplementedError("saving a fine-tuned backbone is not supported; save the head of a frozen-backbone model")
        return save_checkpoint(
            path, "conv_vse", self.config,
            in_channels=head.in_channels, embed_dim=head.embed_dim, state_dict=head.state_dict(),
            history=self.history_, metadata=metadata,
        )

    @classmethod
    def load(cls, path: str | Path) -> tuple["ConvVSE", dict]:
        """Load a model saved with :meth:`save`; returns ``(model, metadata)``."""
        blob = load_checkpoint(path, "conv_vse", "conv-level VSE model")
        model = cls(config_from_checkpoint(blob, ConvVSEConfig))
        model.head = ConvVSEHead(blob["in_channels"], blob["embed_dim"], model.config)
        model.head.load_state_dict(blob["state_dict"])
        model.head.eval()
        model.history_ = list(blob.get("history", []))
        return model, dict(blob.get("metadata", {}))



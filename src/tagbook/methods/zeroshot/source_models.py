"""Source ("English") annotation models whose predictions are harvested for another language.

The cross-lingual methods only need ``p(w_s | x)``: an ``(n_images, n_source_labels)`` matrix of
probabilities over the source vocabulary. Two kinds of source model give it here:

- :class:`LogisticHead`: a multi-label logistic-regression head trained on image features and the
  toy world's English labels. Its capacity is set by ``pca_dim`` (the features are projected on
  their first principal components before the head), so heads of clearly different quality come
  from one feature extraction: ``pca_dim=None`` keeps every dimension, ``pca_dim=4`` keeps four.
- :class:`ImageNetSource`: an ImageNet-1k classifier of :mod:`tagbook.vision` (EfficientNet-Lite0/1/2),
  whose 1000 softmax probabilities are over English WordNet labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

__all__ = ["LogisticHeadConfig", "LogisticHead", "ImageNetSource"]


@dataclass(frozen=True)
class LogisticHeadConfig:
    """``pca_dim``: principal components kept (None: all); ``l2``: weight decay; ``epochs`` of full-batch L-BFGS."""

    pca_dim: int | None = None
    l2: float = 1e-3
    epochs: int = 60
    seed: int = 0

    def __post_init__(self) -> None:
        if self.pca_dim is not None and (not isinstance(self.pca_dim, int) or self.pca_dim < 1):
            raise ValueError(f"pca_dim must be a positive int or None, got {self.pca_dim!r}")
        if self.l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {self.l2!r}")
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {self.epochs!r}")


class LogisticHead:
    """Multi-label logistic regression ``p(w_s | x) = sigmoid(W z(x) + b)`` on standardised (PCA) features.

    Trained by full-batch L-BFGS on the mean binary cross-entropy plus ``l2 * |W|^2``.
    Deterministic for a given seed (the parameters start at zero; L-BFGS has no randomness).
    """

    def __init__(self, config: LogisticHeadConfig | None = None):
        self.config = config or LogisticHeadConfig()
        self.weight: np.ndarray | None = None

    def _project(self, features: np.ndarray) -> np.ndarray:
        z = (np.asarray(features, dtype=np.float64) - self.mean) @ self.components
        return z / self.scale

    def fit(self, features: np.ndarray, labels: np.ndarray) -> "LogisticHead":
        features = np.asarray(features, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.float64)
        if features.ndim != 2 or labels.ndim != 2 or len(features) != len(labels):
            raise ValueError(
                f"features (n, d) and labels (n, n_labels) must have the same n, got {features.shape} and {labels.shape}"
            )
        self.mean = features.mean(axis=0)
        centred = features - self.mean
        dim = self.config.pca_dim
        if dim is None or dim >= min(centred.shape):
            self.components = np.eye(features.shape[1])
        else:
            # principal directions from the SVD; the sign of each is fixed for determinism
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            comps = vt[:dim].T
            comps *= np.sign(comps[np.abs(comps).argmax(axis=0), np.arange(dim)])
            self.components = comps
        self.scale = 1.0
        z = self._project(features)
        self.scale = z.std(axis=0) + 1e-8
        z = z / self.scale

        torch.manual_seed(self.config.seed)
        x = torch.tensor(z, dtype=torch.float64)
        y = torch.tensor(labels, dtype=torch.float64)
        w = torch.zeros(x.shape[1], y.shape[1], dtype=torch.float64, requires_grad=True)
        b = torch.zeros(y.shape[1], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=self.config.epochs, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + self.config.l2 * (w**2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        self.weight = w.detach().numpy()
        self.bias = b.detach().numpy()
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        if self.weight is None:
            raise RuntimeError("LogisticHead is not fitted: call fit(features, labels) first")
        logits = self._project(features) @ self.weight + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


class ImageNetSource:
    """An ImageNet-1k classifier as a source model: English labels, WordNet ids, softmax probabilities."""

    def __init__(self, backbone: str = "efficientnet-lite0"):
        from tagbook.vision import IMAGENET, load_backbone

        self.backbone = load_backbone(backbone)
        self.name = backbone
        self.wnids: list[str] = list(IMAGENET.wnids)
        self.names: list[str] = list(IMAGENET.names)

    def predict_proba(self, images: Sequence | np.ndarray, batch_size: int = 4, progress: bool = False, cache: bool = True) -> np.ndarray:
        from tagbook.vision import extract_features

        feats = extract_features(self.backbone, images, kinds=("probs",), batch_size=batch_size, cache=cache, progress=progress)
        return np.asarray(feats.probs, dtype=np.float64)

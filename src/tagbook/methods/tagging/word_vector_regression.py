"""Word-vector regression baselines of Ni et al. (Table 3 and 4): "Avg WV" and "least-squares".

Both map an image's features to the *mean of its tags' word vectors*,

.. math::

    \\mathbf{t} = \\frac{1}{|T|} \\sum_{w \\in T} \\mathbf{v}_w,

with fixed (pre-trained, unit-length) word vectors, and tag by cosine similarity between the
predicted point and every word vector (so any word with a vector can be scored):

- :class:`AvgWordVector` ("Avg WV"): the network :math:`h` of the sampled tagger trained with a
  cosine loss :math:`1 - \\cos(h(\\mathbf{x}), \\mathbf{t})` (or the squared error
  :math:`\\|h(\\mathbf{x}) - \\mathbf{t}\\|^2`, the released code's "regress to sum" choice), by Adam.
- :class:`LeastSquaresWordVector` ("least-squares"): a linear map fitted in closed form,
  :math:`W = (X^\\top X + \\lambda I)^{-1} X^\\top T` on centred, standardised features (the bias
  is the mean target).

The targets are computed as one sparse product, ``O(nnz x d)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.methods.tagging.inputs import (
    FeatureScaler,
    as_features,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_seed,
)
from tagbook.methods.tagging.sampled_inputs import (
    as_tag_rows,
    as_word_vectors,
    tagged_rows,
    unit_rows,
)
from tagbook.methods.tagging.sampled_scoring import WordSpaceScorer
from tagbook.methods.tagging.sampled_tagging import ImageToWordSpace
from tagbook.seeding import seed_everything

REGRESSION_LOSSES = ("cosine", "squared")


def mean_tag_vectors(tag_rows, vectors: np.ndarray) -> np.ndarray:
    """Each image's mean tag vector, ``(n_images, d)`` float32 (zero for an image with no tag)."""
    counts = np.diff(tag_rows.indptr).astype(np.float64)
    sums = tag_rows.astype(np.float32) @ vectors  # sparse (n, V) @ dense (V, d)
    return (np.asarray(sums) / np.maximum(counts, 1.0)[:, None]).astype(np.float32)


class _CosineScoring(WordSpaceScorer):
    """Cosine scoring: unit image points against the unit word table."""

    word_vectors_: np.ndarray | None = None

    def _predict(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if self.word_vectors_ is None:
            raise RuntimeError(f"the model is not trained: call {type(self).__name__}.fit() first")

    def image_vectors(self, features) -> np.ndarray:
        """The predicted mean tag vectors, scaled to unit length, ``(n, d)`` float32."""
        self._check_fitted()
        x = self.scaler.transform(as_features(features, n_features=self.scaler.mean.size))
        return unit_rows(self._predict(x))

    def scoring_word_vectors(self) -> np.ndarray:
        self._check_fitted()
        return self.word_vectors_


@dataclass
class AvgWordVectorConfig:
    """Hyper-parameters of "Avg WV": the sampled tagger's network regressing the mean tag vector."""

    hidden: tuple[int, ...] = (512,)
    loss: str = "cosine"  # or "squared"
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 1e-3
    standardise: bool = True
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        self.hidden = tuple(self.hidden)
        for width in self.hidden:
            check_positive_int(width, "hidden (each width)")
        if self.loss not in REGRESSION_LOSSES:
            raise ValueError(f"loss must be one of {REGRESSION_LOSSES}, got {self.loss!r}")
        for name in ("epochs", "batch_size", "num_threads"):
            check_positive_int(getattr(self, name), name)
        check_positive(self.learning_rate, "learning_rate")
        check_seed(self.seed)


def regression_loss(prediction: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean over the batch of ``1 - cos`` ("cosine") or the squared error summed over dimensions ("squared")."""
    if loss == "cosine":
        return (1.0 - F.cosine_similarity(prediction, target, dim=1)).mean()
    return ((prediction - target) ** 2).sum(1).mean()


class AvgWordVector(_CosineScoring):
    """"Avg WV": regress the mean of an image's tag vectors with the network h, tag by cosine."""

    def __init__(self, config: AvgWordVectorConfig | None = None):
        self.config = config or AvgWordVectorConfig()
        self.config.validate()
        self.net: ImageToWordSpace | None = None
        self.scaler: FeatureScaler | None = None
        self.word_vectors_ = None
        self.history_: list[float] = []

    def fit(self, features, tags, word_vectors) -> "AvgWordVector":
        """Train on ``features (N, n_features)``, ``tags`` (lists of word indices or a 0/1 matrix)
        and fixed ``word_vectors (V, d)``."""
        cfg = self.config
        x = as_features(features)
        vectors = unit_rows(as_word_vectors(word_vectors))
        tag_rows = as_tag_rows(tags, x.shape[0], vectors.shape[0])
        rows = tagged_rows(tag_rows)
        if rows.size == 0:
            raise ValueError("tags: no image has a tag; nothing to train on")
        rng = seed_everything(cfg.seed)
        torch.set_num_threads(cfg.num_threads)
        self.scaler = FeatureScaler.fit(x) if cfg.standardise else FeatureScaler.identity(x.shape[1])
        inputs = torch.from_numpy(self.scaler.transform(x))
        targets = torch.from_numpy(mean_tag_vectors(tag_rows, vectors))
        self.net = ImageToWordSpace(x.shape[1], cfg.hidden, vectors.shape[1])
        optimiser = torch.optim.Adam(self.net.parameters(), lr=cfg.learning_rate)
        self.history_ = []
        self.net.train()
        for _ in tqdm(range(cfg.epochs), desc="Avg WV", disable=not cfg.show_progress):
            order = rng.permutation(rows)
            total = 0.0
            for start in range(0, order.size, cfg.batch_size):
                batch = torch.from_numpy(order[start : start + cfg.batch_size])
                loss = regression_loss(self.net(inputs[batch]), targets[batch], cfg.loss)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * batch.numel()
            self.history_.append(total / order.size)
        self.net.eval()
        self.word_vectors_ = vectors
        return self

    def _predict(self, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        t = torch.from_numpy(x)
        with torch.no_grad():
            return torch.cat([self.net(t[i : i + batch_size]) for i in range(0, t.shape[0], batch_size)]).numpy()


@dataclass
class LeastSquaresConfig:
    """The closed-form linear regression onto the mean tag vector ("least-squares" of Table 3)."""

    ridge: float = 1e-3  # lambda, relative to the mean eigenvalue of X^T X
    standardise: bool = True

    def validate(self) -> None:
        check_non_negative(self.ridge, "ridge")


class LeastSquaresWordVector(_CosineScoring):
    """"least-squares": ``W = (X^T X + lambda I)^-1 X^T T`` onto mean tag vectors, tag by cosine."""

    def __init__(self, config: LeastSquaresConfig | None = None):
        self.config = config or LeastSquaresConfig()
        self.config.validate()
        self.scaler: FeatureScaler | None = None
        self.weights_: np.ndarray | None = None  # (n_features, d)
        self.bias_: np.ndarray | None = None  # (d,)
        self.word_vectors_ = None

    def fit(self, features, tags, word_vectors) -> "LeastSquaresWordVector":
        x = as_features(features)
        vectors = unit_rows(as_word_vectors(word_vectors))
        tag_rows = as_tag_rows(tags, x.shape[0], vectors.shape[0])
        rows = tagged_rows(tag_rows)
        if rows.size == 0:
            raise ValueError("tags: no image has a tag; nothing to train on")
        self.scaler = FeatureScaler.fit(x) if self.config.standardise else FeatureScaler.identity(x.shape[1])
        xs = self.scaler.transform(x)[rows].astype(np.float64)
        t = mean_tag_vectors(tag_rows, vectors)[rows].astype(np.float64)
        x_mean, t_mean = xs.mean(0), t.mean(0)
        xc, tc = xs - x_mean, t - t_mean
        gram = xc.T @ xc
        lam = self.config.ridge * max(np.trace(gram) / gram.shape[0], 1e-12)
        w = np.linalg.solve(gram + lam * np.eye(gram.shape[0]), xc.T @ tc)
        self.weights_ = w.astype(np.float32)
        self.bias_ = (t_mean - x_mean @ w).astype(np.float32)
        self.word_vectors_ = vectors
        return self

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weights_ + self.bias_

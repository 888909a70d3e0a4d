"""CNN taggers with softmax, pairwise-hinge or WARP losses (Gong, Jia, Leung, Toshev, Ioffe 2014).

Y. Gong et al. *Deep convolutional ranking for multilabel image annotation*, 2014: a network
whose last layer has one output ``f_t(x)`` per tag, trained with one of three losses, the
CNN_softmax, CNN_hingeloss and CNN_WARP baselines of He et al. (2015, Table 2):

- ``"softmax"``: cross-entropy between the softmax of the outputs and the multi-hot target
  normalised to sum 1, :math:`-\\sum_t \\bar{p}_t \\log p_t` with :math:`\\bar p = y / \\lVert y \\rVert_1`
  (images without a tag are left out);
- ``"hinge"``: the pairwise ranking hinge :math:`\\max(0, 1 - f_j(x) + f_k(x))` over every
  (relevant ``j``, irrelevant ``k``) pair of every image;
- ``"warp"``: the same hinge over (relevant, sampled irrelevant) pairs weighted by
  :math:`L(\\text{rank})` (:mod:`tagbook.methods.tagging.warp`).

Each loss is averaged over what it sums (images for softmax, pairs for the two ranking losses).
The pairwise hinge forms a ``(batch, T, T)`` array: fine for NUS-WIDE's 81 concepts, not for
tens of thousands of tags (WARP samples instead).

What is trained: a new linear tag layer on top of a ``trunk``, a module mapping cached inputs
to feature vectors (the last stages of an ImageNet backbone whose frozen stem's activations are
cached: :mod:`tagbook.vision.finetune`; uint8 inputs, images, reach a trunk unconverted). With ``trunk=None`` the inputs are feature vectors and only the tag layer is
trained. The trunk stays in eval mode (batch-norm statistics frozen, as the library's backbones
keep them) while its weights are trained at ``trunk_lr_ratio`` times the learning rate. SGD with
momentum, as Gong et al.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.methods.tagging.inputs import as_tag_matrix, check_non_negative, check_positive, check_positive_int, check_seed
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.methods.tagging.sgd import PlainSGD
from tagbook.methods.tagging.warp import harmonic_numbers, sample_warp_negatives, warp_weights
from tagbook.seeding import seed_everything

LOSSES = ("softmax", "hinge", "warp")


@dataclass
class CNNTaggerConfig:
    loss: str = "warp"  # "softmax", "hinge" or "warp"
    learning_rate: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 0.0
    trunk_lr_ratio: float = 0.1  # trunk learning rate relative to the tag layer's
    epochs: int = 20
    batch_size: int = 32  # images per step
    margin: float = 1.0  # hinge and WARP
    draw_block: int = 16  # WARP: candidate negatives drawn per unresolved pair at a time
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        for name in ("epochs", "batch_size", "draw_block", "num_threads"):
            check_positive_int(getattr(self, name), name)
        for name in ("learning_rate", "margin", "trunk_lr_ratio"):
            check_positive(getattr(self, name), name)
        check_non_negative(self.weight_decay, "weight_decay")
        check_non_negative(self.momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum must be < 1, got {self.momentum!r}")
        check_seed(self.seed)


def softmax_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over images with a tag of ``-Σ_t (y_t / |y|) log softmax(f)_t``."""
    counts = targets.sum(1)
    keep = counts > 0
    if not keep.any():
        return logits.sum() * 0.0
    p_bar = targets[keep] / counts[keep, None]
    return -(p_bar * F.log_softmax(logits[keep], dim=1)).sum(1).mean()


def pairwise_hinge_loss(logits: torch.Tensor, targets: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """Mean over all (image, relevant j, irrelevant k) of ``max(0, m - f_j + f_k)``."""
    pos = targets.bool()
    pairs = pos[:, :, None] & ~pos[:, None, :]  # (B, j, k)
    if not pairs.any():
        return logits.sum() * 0.0
    hinge = F.relu(margin - logits[:, :, None] + logits[:, None, :])
    return hinge[pairs].mean()


def _as_inputs(inputs, with_trunk: bool) -> torch.Tensor:
    """Inputs as a tensor: float32, except uint8 inputs of a trunk (images it normalises itself)."""
    x = inputs if torch.is_tensor(inputs) else torch.from_numpy(np.ascontiguousarray(inputs))
    if with_trunk and x.dtype == torch.uint8:
        return x
    return x.float()


class _Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class CNNTagger:
    """A tag layer (on an optional trainable trunk) trained with Gong et al.'s losses.

    >>> model = CNNTagger(CNNTaggerConfig(loss="hinge")).fit(features, tag_matrix)
    >>> scores = model.score(test_features)       # (n, T) float32 logits
    """

    def __init__(self, config: CNNTaggerConfig | None = None):
        self.config = config or CNNTaggerConfig()
        self.config.validate()
        self.trunk: nn.Module | None = None
        self.head: nn.Linear | None = None
        self.history_: list[float] = []

    def _modules(self) -> tuple[nn.Module, nn.Linear]:
        if self.head is None or self.trunk is None:
            raise RuntimeError("the model is not trained: call fit() first")
        return self.trunk, self.head

    def fit(self, inputs, tag_matrix, trunk: nn.Module | None = None) -> "CNNTagger":
        """Train on ``inputs (N, ...)`` (feature vectors when ``trunk`` is None) and a 0/1 ``tag_matrix (N, T)``."""
        cfg = self.config
        x = _as_inputs(inputs, trunk is not None)
        if x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(f"inputs must be (n_images, ...) with at least one image, got shape {tuple(x.shape)}")
        if trunk is None and x.ndim != 2:
            raise ValueError(f"without a trunk, inputs must be (n_images, n_features), got shape {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("inputs contain NaN or infinite values")
        tags = as_tag_matrix(tag_matrix, x.shape[0])
        index = TagIndex(tags)
        dense = torch.from_numpy(tags.toarray().astype(np.float32))
        rng = seed_everything(cfg.seed)
        torch.set_num_threads(cfg.num_threads)
        self.trunk = trunk if trunk is not None else _Identity()
        self.trunk.eval()
        with torch.no_grad():
            n_out = self.trunk(x[:1]).reshape(1, -1).shape[1]
        self.head = nn.Linear(n_out, tags.shape[1])
        usable = np.flatnonzero(index.n_relevant > 0) if cfg.loss == "softmax" else index.trainable_rows()
        if usable.size == 0:
            raise ValueError("tag_matrix: no image the loss can use (softmax needs a tag, the ranking losses a relevant and an irrelevant one)")
        optimisers = [PlainSGD(list(self.head.parameters()), cfg.learning_rate, cfg.momentum, cfg.weight_decay)]
        trunk_params = [p for p in self.trunk.parameters() if p.requires_grad]
        if trunk_params:
            optimisers.append(PlainSGD(trunk_params, cfg.learning_rate * cfg.trunk_lr_ratio, cfg.momentum,
                                       cfg.weight_decay))
        harmonic = harmonic_numbers(index.n_tags)
        self.history_ = []
        bar = tqdm(range(cfg.epochs), desc=f"CNN {cfg.loss}", disable=not cfg.show_progress)
        for _ in bar:
            order = rng.permutation(usable)
            total = 0.0
            for start in range(0, order.size, cfg.batch_size):
                rows = order[start : start + cfg.batch_size]
                logits = self._forward(x[torch.from_numpy(rows)])
                loss = self._loss(logits, rows, dense, index, harmonic, rng)
                for opt in optimisers:
                    opt.zero_grad()
                loss.backward()
                for opt in optimisers:
                    opt.step()
                total += loss.item() * rows.size
            self.history_.append(total / order.size)
            bar.set_postfix(loss=f"{self.history_[-1]:.4f}")
        return self

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        trunk, head = self._modules()
        return head(trunk(x).reshape(x.shape[0], -1))

    def _loss(self, logits, rows, dense, index, harmonic, rng) -> torch.Tensor:
        cfg = self.config
        targets = dense[torch.from_numpy(rows)]
        if cfg.loss == "softmax":
            return softmax_loss(logits, targets)
        if cfg.loss == "hinge":
            return pairwise_hinge_loss(logits, targets, cfg.margin)
        # WARP over every (image, relevant tag) pair of the batch
        local, tag = np.nonzero(targets.numpy())
        scores = logits.detach().numpy()
        s_pos = scores[local, tag]
        negatives, n_draws = sample_warp_negatives(
            rows[local], s_pos, lambda p, c: scores[local[p][:, None], c],
            index, rng, cfg.draw_block, cfg.margin,
        )
        weights = torch.from_numpy(warp_weights(negatives, n_draws, index.n_irrelevant[rows[local]], harmonic))
        neg = torch.from_numpy(np.where(negatives >= 0, negatives, tag))
        local_t, tag_t = torch.from_numpy(local), torch.from_numpy(tag)
        hinge = F.relu(cfg.margin - logits[local_t, tag_t] + logits[local_t, neg])
        return (weights * hinge).mean()

    def score(self, inputs, batch_size: int = 256) -> np.ndarray:
        """Tag-layer outputs ``f_t(x)`` ``(n, T)`` float32 (the softmax would not change the ranking)."""
        trunk, head = self._modules()
        x = _as_inputs(inputs, not isinstance(trunk, _Identity))
        if isinstance(trunk, _Identity) and (x.ndim != 2 or x.shape[1] != head.in_features):
            raise ValueError(f"inputs must be (n_images, {head.in_features}), got shape {tuple(x.shape)}")
        with torch.no_grad():
            out = [self._forward(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return torch.cat(out).numpy().astype(np.float32, copy=False)

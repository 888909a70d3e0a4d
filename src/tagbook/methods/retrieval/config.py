"""Settings of AME and of its baselines (Mohammadshahi, Lebret, Aberer 2019, Sec. 4.1).

The paper's values where its text kept them: joint space and GRU width 1024, batch 128, Adam
with learning rate 0.00011 (Multi30k; 0.00006 on MS-COCO) divided by 10 at epoch 15 of 30 (10
of 20), k = 5 nearest neighbours in the alignment loss (4 on MS-COCO). The margins, the
alignment period N and its learning rate were lost from the text; the defaults here say where
they come from. The defaults are sized for 2 CPU cores (joint space and GRU width 256).

Baselines by configuration (:func:`ame_preset`):

=====================  ==========================================================================
``"mono"``             one language; its word embeddings fine-tuned; no alignment
``"fme"``              both languages; the pre-aligned embeddings frozen; no alignment
``"ame"``              both languages; embeddings fine-tuned; the alignment loss (Eq. 3-4)
``"ame_no_alignment"`` both languages; embeddings fine-tuned; no alignment loss
=====================  ==========================================================================

Alignment, ``alignment=``:

- ``"paper"`` (the paper's description, Eq. 4): on every ``alignment_every``-th iteration the
  RCSLS loss is added, with equal weight, to the ranking loss; the word embeddings receive the
  gradient of both, and the per-language alignment matrices are updated by that gradient with
  their own learning rate ``alignment_lr`` (plain gradient steps; the paper constrains the map
  to be orthogonal, relaxed here as in Joulin et al. 2018, see below).
- ``"released"`` (the paper's released code): the alignment matrices take one gradient step of
  the RCSLS loss at EVERY iteration, on their own, with the word embeddings held fixed; the
  step size ``alignment_lr`` is halved whenever that loss rises over the previous iteration's,
  and the alignment loss is never added to the ranking loss.

After each step the matrices are projected onto the spectral-norm unit ball
(``alignment_constraint="spectral"``, both variants); the released code applies no constraint
(``"none"``), under which the RCSLS loss is unbounded below: it falls by growing the matrices.
- ``"none"``: no alignment loss; the alignment matrices stay at their start.

In every variant the alignment matrix of each language maps its word vectors before the shared
GRU reads them (as in the released code); the ranking loss does not train those matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

import numpy as np

from tagbook.methods.retrieval.losses import SIMILARITIES, Similarity

__all__ = ["AMEConfig", "AlignmentVariant", "ALIGNMENT_VARIANTS", "PRESETS", "ame_preset", "default_margin"]

AlignmentVariant = Literal["paper", "released", "none"]
ALIGNMENT_VARIANTS = ("paper", "released", "none")
BatchLayout = Literal["paired", "mixed"]
PRESETS = ("mono", "fme", "ame", "ame_no_alignment")


def default_margin(similarity: str) -> float:
    """The margin when none is set: 0.2 for the cosine (VSE++ and the paper's code), 0.05 for
    the order score (Vendrov et al. 2016). The paper's own two values were lost from its text."""
    return 0.2 if similarity == "symmetric" else 0.05


@dataclass
class AMEConfig:
    """Hyper-parameters of AME's model, losses and training loop."""

    # model
    joint_dim: int = 256  # the joint image-caption space (paper: 1024)
    gru_width: int = 256  # the GRU's hidden state (paper: 1024); a linear map to joint_dim when they differ
    similarity: Similarity = "symmetric"  # "symmetric": cosine; "asymmetric": order embeddings
    nonnegative: bool | None = None  # |.| of both embeddings (VSE++'s use_abs); None: on for "asymmetric"
    train_embeddings: bool = True  # False: the pre-aligned word embeddings stay frozen (FME)
    # ranking loss (Eq. 1)
    margin: float | None = None  # alpha; None: default_margin(similarity)
    max_violation: bool = False  # hardest negative only (VSE++'s MH); False: sum over negatives
    mask_same_image: bool = True  # two captions of one image in a batch are not negatives
    batch_layout: BatchLayout = "paired"  # "paired": each item is an image with one caption per
    #   language, the loss summed over languages (Eq. 1); "mixed": each item one caption of either
    #   language (the released code's data loader)
    # alignment loss (Eq. 3)
    alignment: AlignmentVariant = "paper"
    alignment_k: int = 5  # k nearest neighbours in RCSLS (paper: 5 on Multi30k, 4 on MS-COCO)
    alignment_every: int = 5  # N: the "paper" variant adds the alignment loss every N iterations (our choice)
    alignment_lr: float = 1.0  # step size of the alignment matrices (our choice; the released code: 12)
    alignment_max_pairs: int | None = None  # lexicon pairs per alignment step (random subset); None: all
    alignment_max_neighbours: int = 20_000  # neighbourhoods: the first (most frequent) words of each language
    alignment_constraint: Literal["spectral", "none"] = "spectral"  # after each step of the matrices
    translator_init: Literal["identity", "procrustes"] = "identity"  # "procrustes": the released code's start
    # optimisation
    epochs: int = 10
    batch_size: int = 128
    lr: float = 2e-4  # Adam (paper: 0.00011 on Multi30k)
    lr_decay_every: int | None = None  # divide lr by 10 every this many epochs; None: epochs // 2
    grad_clip: float = 2.0  # gradient-norm clipping of VSE++ and the paper's code; 0: none
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        for name in ("joint_dim", "gru_width", "alignment_k", "alignment_every", "alignment_max_neighbours",
                     "epochs", "batch_size", "num_threads"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name in ("alignment_max_pairs", "lr_decay_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive int or None, got {value!r}")
        if self.similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {', '.join(SIMILARITIES)}, got {self.similarity!r}")
        if self.alignment not in ALIGNMENT_VARIANTS:
            raise ValueError(f"alignment must be one of {', '.join(ALIGNMENT_VARIANTS)}, got {self.alignment!r}")
        if self.batch_layout not in ("paired", "mixed"):
            raise ValueError(f"batch_layout must be 'paired' or 'mixed', got {self.batch_layout!r}")
        if self.alignment_constraint not in ("spectral", "none"):
            raise ValueError(f"alignment_constraint must be 'spectral' or 'none', got {self.alignment_constraint!r}")
        if self.translator_init not in ("identity", "procrustes"):
            raise ValueError(f"translator_init must be 'identity' or 'procrustes', got {self.translator_init!r}")
        if self.margin is not None and not self.margin >= 0:
            raise ValueError(f"margin must be >= 0 or None, got {self.margin!r}")
        for name in ("lr", "alignment_lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not self.grad_clip >= 0:
            raise ValueError(f"grad_clip must be >= 0, got {self.grad_clip!r}")

    @property
    def effective_margin(self) -> float:
        return default_margin(self.similarity) if self.margin is None else float(self.margin)

    @property
    def uses_abs(self) -> bool:
        return self.similarity == "asymmetric" if self.nonnegative is None else bool(self.nonnegative)

    @property
    def decay_every(self) -> int:
        return self.lr_decay_every or max(1, self.epochs // 2)


def ame_preset(name: str, **overrides) -> AMEConfig:
    """The configuration of a model of the paper's tables (see the module docstring), with any
    field overridden: ``ame_preset("fme", similarity="asymmetric", epochs=20)``.

    ``"mono"`` trains on the languages of the captions it is given: pass one language.
    """
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {name!r}")
    known = {f.name for f in fields(AMEConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown AMEConfig field(s): {', '.join(unknown)}")
    base = {
        "mono": dict(train_embeddings=True, alignment="none"),
        "fme": dict(train_embeddings=False, alignment="none"),
        "ame": dict(train_embeddings=True, alignment="paper"),
        "ame_no_alignment": dict(train_embeddings=True, alignment="none"),
    }[name]
    config = replace(AMEConfig(), **{**base, **overrides})
    config.validate()
    return config

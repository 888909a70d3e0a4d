"""Fast0Tag (Zhang, Gong & Shah, CVPR 2016) as Ni et al. compare against it (Eq. 5).

An image's features are mapped to a "principal direction" :math:`\\mathbf{f}` in word-vector
space that ranks its tags above the other words; the word vectors are fixed (pre-trained), so
any word with a vector can be scored, which makes the method zero-shot. The loss is RankNet's
over every (tag, non-tag) pair of an image,

.. math::

    \\ell = -\\beta \\sum_{p} \\sum_{n} \\log\\sigma\\big(\\mathbf{f}^\\top(\\mathbf{v}_p - \\mathbf{v}_n)\\big),

with :math:`\\beta` one over the number of pairs (Zhang et al.'s normalisation). The full version
costs :math:`O(PN)` per image; Ni et al.'s sampled version, "S+Fast0Tag", uses ``P = 5`` sampled
tags and ``N = 10`` sampled negatives (all 50 pairs). The network and training loop are those of
:class:`tagbook.methods.tagging.sampled_tagging.SampledTagger`; only the loss and the defaults
differ (fixed word vectors, no :math:`\\alpha` term).
"""

from __future__ import annotations

from dataclasses import dataclass

from tagbook.methods.tagging.sampled_tagging import SampledTagger, SampledTaggerConfig


@dataclass
class Fast0TagConfig(SampledTaggerConfig):
    """Fast0Tag's settings: Eq. 5, fixed word vectors, all pairs (``sampled=True``: S+Fast0Tag)."""

    loss: str = "fast0tag"
    sampled: bool = False
    optimise_word_vectors: bool = False
    alpha: float = 0.0

    def validate(self) -> None:
        if self.loss != "fast0tag":
            raise ValueError(f"Fast0TagConfig needs loss='fast0tag', got {self.loss!r} (use SampledTaggerConfig)")
        super().validate()

    @classmethod
    def sampled_variant(cls, **overrides) -> "Fast0TagConfig":
        """Ni et al.'s S+Fast0Tag: ``P = 5`` positives x ``N = 10`` negatives per image."""
        return cls(**{"sampled": True, **overrides})


class Fast0Tag(SampledTagger):
    """Fast0Tag with ``fit`` / ``top_k`` / ``score`` (see :class:`SampledTagger`)."""

    config_class = Fast0TagConfig

    def __init__(self, config: Fast0TagConfig | None = None):
        super().__init__(config)

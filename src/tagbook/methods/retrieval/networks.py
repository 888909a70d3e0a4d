"""AME's encoders (Mohammadshahi, Lebret, Aberer 2019, Sec. 3.1, Fig. 1), in the VSE++ form.

- :class:`ImageEncoder`: a linear map of the CNN features into the joint space, then unit length
  (VSE++'s ``EncoderImagePrecomp``; Xavier-uniform weights, zero bias).
- :class:`CaptionEncoder`: ONE GRU shared by every language over ONE embedding table holding every
  language's words (:class:`~tagbook.methods.retrieval.vocabulary.SharedVocabulary`). Each word
  vector is first multiplied by its language's alignment matrix; the caption embedding is the
  GRU's state after the caption's last token (packed variable-length batches, so padding is
  never read), mapped linearly to the joint space when the GRU width differs from it, then unit
  length.
- For the order similarity both embeddings take their absolute value (VSE++'s ``use_abs``), so
  that they lie in the non-negative orthant of the order embeddings (Vendrov et al. 2016).
- :class:`AlignmentMatrices`: the per-language square matrices of the alignment loss (Eq. 3).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from tagbook.methods.retrieval.vocabulary import PAD_ROW

__all__ = ["ImageEncoder", "CaptionEncoder", "AMENetwork", "AlignmentMatrices", "pad_captions"]


def pad_captions(captions: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Row-id lists -> ``(tokens (n, max_len) long, lengths (n,) long)``, padded with row 0."""
    lengths = torch.tensor([len(c) for c in captions], dtype=torch.long)
    if len(captions) and int(lengths.min()) < 1:
        raise ValueError("every caption needs at least one token")
    tokens = torch.full((len(captions), int(lengths.max()) if len(captions) else 0), PAD_ROW, dtype=torch.long)
    for i, ids in enumerate(captions):
        tokens[i, : len(ids)] = torch.as_tensor(ids, dtype=torch.long)
    return tokens, lengths


def _finish(embeddings: torch.Tensor, nonnegative: bool) -> torch.Tensor:
    embeddings = F.normalize(embeddings, dim=-1)
    return embeddings.abs() if nonnegative else embeddings


class ImageEncoder(nn.Module):
    """CNN features ``(n, in_dim)`` -> unit joint-space embeddings ``(n, joint_dim)``."""

    def __init__(self, in_dim: int, joint_dim: int, nonnegative: bool = False):
        super().__init__()
        self.fc = nn.Linear(in_dim, joint_dim)
        self.nonnegative = nonnegative
        bound = float(np.sqrt(6.0 / (in_dim + joint_dim)))  # Xavier uniform, as VSE++
        nn.init.uniform_(self.fc.weight, -bound, bound)
        nn.init.zeros_(self.fc.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _finish(self.fc(features), self.nonnegative)


class CaptionEncoder(nn.Module):
    """Packed row-id captions -> unit joint-space embeddings, one GRU for every language."""

    def __init__(self, table: np.ndarray, gru_width: int, joint_dim: int, nonnegative: bool = False,
                 train_embeddings: bool = True):
        super().__init__()
        table = torch.as_tensor(np.asarray(table, dtype=np.float32))
        self.embed = nn.Embedding(table.shape[0], table.shape[1], padding_idx=PAD_ROW)
        with torch.no_grad():
            self.embed.weight.copy_(table)
        self.embed.weight.requires_grad_(train_embeddings)
        self.gru = nn.GRU(table.shape[1], gru_width, batch_first=True)
        self.project = nn.Linear(gru_width, joint_dim) if gru_width != joint_dim else None
        self.nonnegative = nonnegative

    def word_inputs(self, tokens: torch.Tensor, languages: torch.Tensor, maps: torch.Tensor | None) -> torch.Tensor:
        """The GRU's inputs ``(n, L, d)``: each word's vector times its language's matrix."""
        words = self.embed(tokens)
        if maps is None:
            return words
        # one product per language present (gathering a (d, d) matrix per caption would hold
        # n * d * d numbers: 134 MB for 128 captions of 512-d vectors)
        languages = torch.as_tensor(languages, dtype=torch.long)
        present = torch.unique(languages)
        if len(present) == 1:
            return words @ maps[int(present[0])].T
        mapped = words.new_zeros(words.shape[0], words.shape[1], maps.shape[1])
        for lang in present.tolist():
            rows = torch.nonzero(languages == lang).squeeze(1)
            mapped = mapped.index_copy(0, rows, words[rows] @ maps[lang].T)
        return mapped

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, languages: torch.Tensor,
                maps: torch.Tensor | None = None) -> torch.Tensor:
        packed = pack_padded_sequence(self.word_inputs(tokens, languages, maps), lengths.cpu(),
                                      batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)  # (1, n, width): the state after each caption's last token
        state = last[-1]
        if self.project is not None:
            state = self.project(state)
        return _finish(state, self.nonnegative)


class AMENetwork(nn.Module):
    """Both encoders as one module (what DistributedDataParallel wraps)."""

    def __init__(self, image_dim: int, table: np.ndarray, joint_dim: int, gru_width: int,
                 nonnegative: bool = False, train_embeddings: bool = True):
        super().__init__()
        self.images = ImageEncoder(image_dim, joint_dim, nonnegative)
        self.captions = CaptionEncoder(table, gru_width, joint_dim, nonnegative, train_embeddings)

    @property
    def word_table(self) -> torch.Tensor:
        """The current embedding table (a parameter: trained unless frozen)."""
        return self.captions.embed.weight

    def forward(self, features: torch.Tensor, tokens: torch.Tensor, lengths: torch.Tensor,
                languages: torch.Tensor, maps: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(image embeddings (b, D), caption embeddings (n, D))``."""
        return self.images(features), self.captions(tokens, lengths, languages, maps)


class AlignmentMatrices(nn.Module):
    """One ``(d, d)`` matrix per language (``maps[l]`` maps a word vector ``x`` to ``maps[l] @ x``)."""

    def __init__(self, n_languages: int, dim: int, start: np.ndarray | None = None):
        super().__init__()
        eye = torch.eye(dim).repeat(n_languages, 1, 1)
        if start is not None:
            start = torch.as_tensor(np.asarray(start, dtype=np.float32))
            if start.shape != eye.shape:
                raise ValueError(f"start must be {tuple(eye.shape)}, got {tuple(start.shape)}")
            eye = start.clone()
        self.maps = nn.Parameter(eye)

    def is_identity(self) -> bool:
        with torch.no_grad():
            return bool(torch.equal(self.maps, torch.eye(self.maps.shape[1]).expand_as(self.maps)))

    def project_to_spectral_ball(self) -> None:
        """Clip every matrix's singular values at 1 (Joulin et al. 2018's convex relaxation of
        orthogonality), in place."""
        with torch.no_grad():
            u, s, vh = torch.linalg.svd(self.maps.double(), full_matrices=False)
            self.maps.copy_((u * s.clamp(max=1.0)[:, None, :]) @ vh)

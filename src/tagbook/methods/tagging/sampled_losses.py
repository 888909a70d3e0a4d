"""The objectives of chapter 04, as losses to minimise (Ni et al. Eq. 1 and 5; Zhang et al. 2016).

``f`` is the image's point in word-vector space, :math:`\\mathbf{f} = h(\\mathbf{x}, \\{W_i\\})`
(Eq. 2), and :math:`\\mathbf{v}` are word vectors. Every loss is the *negative* of the paper's
objective for one image, averaged over the images of a batch.

**Sampled cross-entropy** (Eq. 1, the paper's method) with ``P`` positive samples ``v_p`` (the
image's tags) and ``N`` negative samples ``v_n`` (words it is not tagged with):

.. math::

    \\ell = -\\Big[\\sum_p \\log\\sigma(\\mathbf{f}^\\top\\mathbf{v}_p)
            + \\sum_n \\log\\sigma(-\\mathbf{f}^\\top\\mathbf{v}_n)\\Big]
            - \\alpha\\Big(\\sum_{p \\ne p'} \\sigma(\\mathbf{v}_p^\\top\\mathbf{v}_{p'})
            + \\sum_{p,n} \\sigma(-\\mathbf{v}_p^\\top\\mathbf{v}_n)\\Big).

The expectations of Eq. 1 are estimated by these sums over the samples (as Sec. 2.3 does). The
:math:`\\alpha` term is read exactly as printed: plain sigmoids, no logarithm, pulling the vectors
of co-occurring tags together and pushing an image's tags away from its negatives. The pair sum
:math:`p \\ne p'` runs over ordered pairs of sample slots holding *different* words (a word drawn
twice, when an image has fewer than ``P`` tags, is not paired with itself). The released code
has no :math:`\\alpha` term: ``alpha = 0`` is its variant.

**Full cross-entropy** ("X-Ent"): the same first two terms over *every* candidate word, the
image's tags as positives and all other candidates as negatives, computed as one matrix product
and a fused loss, :math:`\\sum_w \\mathrm{softplus}(s_w) - \\sum_{p} s_p` with
:math:`s = \\mathbf{f}^\\top V`. Its :math:`\\alpha` term uses all pairs of the image's tags and
all (tag, non-tag) pairs, through the row sums of :math:`\\sigma(-V_U V^\\top)` over the batch's
distinct tags :math:`U` (a cost of :math:`O(|U|\\,|V|\\,d)`).

**Fast0Tag** (Zhang et al. 2016; Eq. 5 of Ni et al.): the RankNet loss over all (positive,
negative) pairs, :math:`-\\beta\\sum_p\\sum_n \\log\\sigma(\\mathbf{f}^\\top(\\mathbf{v}_p -
\\mathbf{v}_n))`, with :math:`\\beta = 1/(\\text{number of pairs})` per image, Zhang et al.'s
normalisation; sampled (``P x N`` pairs) or full (every tag x every non-tag: :math:`O(PN)` per
image, Sec. 2.2).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from tagbook.methods.tagging.sampled_inputs import pairs_within_images

_FAST0TAG_BLOCK = 4_000_000  # (positive, candidate) scores held at once by the full Fast0Tag loss


def sample_scores(f: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """``f (B, d)`` against per-image samples ``vectors (B, n, d)``: scores ``(B, n)``."""
    return torch.bmm(vectors, f.unsqueeze(-1)).squeeze(-1)


def sampled_coherence(v_pos: torch.Tensor, v_neg: torch.Tensor, pos_ids: torch.Tensor | None = None) -> torch.Tensor:
    """The bracket of Eq. 1's :math:`\\alpha` term for each image, ``(B,)``:
    :math:`\\sum_{p \\ne p'} \\sigma(v_p^\\top v_{p'}) + \\sum_{p,n} \\sigma(-v_p^\\top v_n)`.

    ``pos_ids (B, P)`` are the positive slots' word indices; slots holding the same word are not
    paired (without ``pos_ids`` only a slot with itself is left out)."""
    p = v_pos.shape[1]
    same = torch.eye(p, dtype=torch.bool, device=v_pos.device).expand(v_pos.shape[0], p, p)
    if pos_ids is not None:
        same = pos_ids[:, :, None] == pos_ids[:, None, :]
    pos_pairs = torch.sigmoid(v_pos @ v_pos.transpose(1, 2)).masked_fill(same, 0.0).sum((1, 2))
    neg_pairs = torch.sigmoid(-(v_pos @ v_neg.transpose(1, 2))).sum((1, 2))
    return pos_pairs + neg_pairs


def sampled_cross_entropy(
    f: torch.Tensor,
    v_pos: torch.Tensor,
    v_neg: torch.Tensor,
    alpha: float = 0.0,
    pos_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Eq. 1 negated, mean over the batch: ``f (B, d)``, ``v_pos (B, P, d)``, ``v_neg (B, N, d)``."""
    per_image = -(F.logsigmoid(sample_scores(f, v_pos)).sum(1) + F.logsigmoid(-sample_scores(f, v_neg)).sum(1))
    if alpha:
        per_image = per_image - alpha * sampled_coherence(v_pos, v_neg, pos_ids)
    return per_image.mean()


def full_coherence(vectors: torch.Tensor, pos_image: np.ndarray, pos_word: np.ndarray) -> torch.Tensor:
    """The :math:`\\alpha` bracket summed over the batch, with every tag of each image as a positive
    and every other candidate as a negative. ``vectors (C, d)`` are the candidates,
    ``(pos_image, pos_word)`` the batch's (image, candidate) positives, sorted by image."""
    pos_image = np.asarray(pos_image, dtype=np.int64)
    pos_word = np.asarray(pos_word, dtype=np.int64)
    distinct, inverse = np.unique(pos_word, return_inverse=True)
    v_u = vectors[torch.from_numpy(distinct)]
    row_sums = torch.sigmoid(-(v_u @ vectors.T)).sum(1)  # sum over all candidates n of sigma(-v_p^T v_n)
    a, b = pairs_within_images(pos_image, include_self=True)
    va, vb = vectors[torch.from_numpy(pos_word[a])], vectors[torch.from_numpy(pos_word[b])]
    dots = (va * vb).sum(-1)
    # all candidates minus the image's own tags = its negatives
    neg_pairs = row_sums[torch.from_numpy(inverse)].sum() - torch.sigmoid(-dots).sum()
    pos_pairs = torch.sigmoid(dots).masked_fill(torch.from_numpy(a == b), 0.0).sum()
    return pos_pairs + neg_pairs


def full_cross_entropy(
    f: torch.Tensor, vectors: torch.Tensor, pos_image: np.ndarray, pos_word: np.ndarray, alpha: float = 0.0
) -> torch.Tensor:
    """Eq. 1 over every candidate word, negated, mean over the batch ("X-Ent").

    ``f (B, d)``, candidate vectors ``(C, d)``; ``(pos_image, pos_word)`` list each image's tags
    as (row of ``f``, row of ``vectors``), sorted by image."""
    logits = f @ vectors.T  # (B, C): the one product over the vocabulary
    pi, pw = torch.from_numpy(np.asarray(pos_image, np.int64)), torch.from_numpy(np.asarray(pos_word, np.int64))
    # -log sigma(s) = softplus(s) - s and -log sigma(-s) = softplus(s): one fused pass
    total = F.softplus(logits).sum() - logits[pi, pw].sum()
    if alpha:
        total = total - alpha * full_coherence(vectors, pos_image, pos_word)
    return total / f.shape[0]


def sampled_fast0tag(f: torch.Tensor, v_pos: torch.Tensor, v_neg: torch.Tensor) -> torch.Tensor:
    """Eq. 5 negated over the ``P x N`` sampled pairs, mean over pairs and then over images."""
    s_pos, s_neg = sample_scores(f, v_pos), sample_scores(f, v_neg)
    return F.softplus(s_neg[:, None, :] - s_pos[:, :, None]).mean((1, 2)).mean()


def full_fast0tag(f: torch.Tensor, vectors: torch.Tensor, pos_image: np.ndarray, pos_word: np.ndarray) -> torch.Tensor:
    """Eq. 5 negated over every (tag, non-tag candidate) pair of each image, mean over an image's
    pairs and then over the images that have both. Memory is bounded by scoring the positives in
    blocks; the cost is :math:`O(|T_i|\\,C)` per image."""
    b, c = f.shape[0], vectors.shape[0]
    pos_image = np.asarray(pos_image, dtype=np.int64)
    pos_word = np.asarray(pos_word, dtype=np.int64)
    scores = f @ vectors.T  # (B, C)
    is_tag = torch.zeros((b, c), dtype=torch.bool)
    pi, pw = torch.from_numpy(pos_image), torch.from_numpy(pos_word)
    is_tag[pi, pw] = True
    s_pos = scores[pi, pw]
    block = max(1, _FAST0TAG_BLOCK // max(c, 1))
    per_positive = []
    for start in range(0, pos_image.size, block):
        rows = pi[start : start + block]
        pairs = F.softplus(scores[rows] - s_pos[start : start + block, None]).masked_fill(is_tag[rows], 0.0)
        per_positive.append(pairs.sum(1))
    n_tags = torch.bincount(pi, minlength=b).to(scores.dtype)
    n_pairs = n_tags * (c - n_tags)
    per_image = torch.zeros(b, dtype=scores.dtype).index_add(0, pi, torch.cat(per_positive))
    valid = n_pairs > 0
    if not bool(valid.any()):
        raise ValueError("no image of the batch has both a tag and a non-tag candidate: Fast0Tag has no pair")
    return (per_image[valid] / n_pairs[valid]).mean()

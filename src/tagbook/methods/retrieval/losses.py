"""The similarities and losses of AME (Mohammadshahi, Lebret, Aberer 2019, Sec. 3).

**Similarity** of an image embedding :math:`v` and a caption embedding :math:`s` (both unit
length; for the order score both also non-negative):

- ``"symmetric"``: the cosine :math:`S(v, s) = v \\cdot s`;
- ``"asymmetric"``: the order-embedding score of Vendrov, Kiros, Fidler, Urtasun (2016, "Order-
  Embeddings of Images and Language"), :math:`S(v, s) = -\\lVert \\max(0, s - v) \\rVert_2`, as VSE++
  computes it: 0 (the highest score) when the caption lies below the image in every coordinate.

**Ranking loss** (the paper's Eq. 1; Faghri, Fleet, Kiros, Fidler 2018, "VSE++: Improving
Visual-Semantic Embeddings with Hard Negatives", Eq. 3-5): for the matching pairs
:math:`(v_i, s_i)` of a batch, with margin :math:`\\alpha` and :math:`[x]_+ = \\max(0, x)`,

.. math::

    \\ell = \\sum_i \\sum_{j \\ne i} [\\alpha - S(v_i, s_i) + S(v_i, s_j)]_+
          + [\\alpha - S(v_i, s_i) + S(v_j, s_i)]_+ ,

summed over the negatives (the paper's code) or, with ``max_violation``, only the hardest
negative of each query (VSE++'s MH loss, :math:`\\max_{j \\ne i}` in place of :math:`\\sum_{j \\ne i}`).
AME adds this loss for the captions of each language. Pairs that share an image (two captions
of one image in the same batch) are not treated as negatives when ``image_ids`` is given; VSE++
and the paper's code treat them as negatives.

**Alignment loss** (the paper's Eq. 3): RCSLS, the relaxed cross-domain similarity local
scaling loss of Joulin, Bojanowski, Mikolov, Jegou, Grave (2018, "Loss in Translation: Learning
Bilingual Word Mapping with a Retrieval Criterion", Eq. 4). For lexicon pairs whose mapped,
unit-length word vectors are :math:`u_i` (language A) and :math:`t_i` (language B),

.. math::

    \\mathcal{L}_{\\text{RCSLS}} = \\frac{1}{n} \\sum_i \\Big[ -2\\, u_i^\\top t_i
        + \\frac{1}{k} \\sum_{t \\in \\mathcal{N}_B(u_i)} u_i^\\top t
        + \\frac{1}{k} \\sum_{u \\in \\mathcal{N}_A(t_i)} u^\\top t_i \\Big],

where :math:`\\mathcal{N}_B(u_i)` are the ``k`` mapped words of language B nearest to
:math:`u_i` and :math:`\\mathcal{N}_A(t_i)` the ``k`` mapped words of language A nearest to
:math:`t_i`. The neighbour sets are chosen without gradient; given them the loss is smooth in
the vectors and the maps (Joulin et al. optimise the same subgradient). With one map and the
other language left as it is, this is exactly Joulin et al.'s loss (and
:class:`tagbook.text.align.RCSLSAlignment`'s).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch.nn import functional as F

__all__ = [
    "Similarity",
    "SIMILARITIES",
    "cosine_similarity",
    "order_similarity",
    "similarity_matrix",
    "ranking_loss",
    "nearest_rows",
    "rcsls_loss",
    "unit_rows",
]

Similarity = Literal["symmetric", "asymmetric"]
SIMILARITIES = ("symmetric", "asymmetric")


def cosine_similarity(images: torch.Tensor, captions: torch.Tensor) -> torch.Tensor:
    """``(n_images, n_captions)`` dot products of unit rows: the cosine ("symmetric")."""
    return images @ captions.T


def order_similarity(images: torch.Tensor, captions: torch.Tensor) -> torch.Tensor:
    """``(n_images, n_captions)`` order-embedding scores ``-||max(0, s - v)||`` ("asymmetric",
    Vendrov et al. 2016, as in VSE++'s ``order_sim``). The norm's gradient at 0 is 0 here
    (``torch.linalg.vector_norm``), where VSE++'s ``sqrt`` of a sum gives NaN."""
    violation = (captions[None, :, :] - images[:, None, :]).clamp(min=0)
    return -torch.linalg.vector_norm(violation, dim=2)


def similarity_matrix(images: torch.Tensor, captions: torch.Tensor, kind: Similarity = "symmetric") -> torch.Tensor:
    """``S(v_i, s_j)`` for every image row ``i`` and caption row ``j``."""
    if kind == "symmetric":
        return cosine_similarity(images, captions)
    if kind == "asymmetric":
        return order_similarity(images, captions)
    raise ValueError(f"similarity must be one of {', '.join(SIMILARITIES)}, got {kind!r}")


def ranking_loss(
    images: torch.Tensor,
    captions: torch.Tensor,
    kind: Similarity = "symmetric",
    margin: float = 0.2,
    max_violation: bool = False,
    image_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """VSE++'s pairwise hinge loss (the paper's Eq. 1) of a batch of matching rows.

    ``images[i]`` and ``captions[i]`` are a matching pair. Returns the SUM over the batch (as
    VSE++ and the paper's code) of the caption-retrieval and image-retrieval hinges, summed over
    all negatives or, with ``max_violation``, the hardest negative only. ``image_ids`` (one per
    row): rows with equal ids are not negatives of each other (a batch may hold two captions of
    one image).
    """
    if images.ndim != 2 or images.shape != captions.shape:
        raise ValueError(f"images and captions must be matching (batch, dim) rows, got {tuple(images.shape)} "
                         f"and {tuple(captions.shape)}")
    scores = similarity_matrix(images, captions, kind)  # (B, B): row = image, column = caption
    positive = scores.diagonal()
    cost_captions = (margin + scores - positive[:, None]).clamp(min=0)  # image i retrieving caption j
    cost_images = (margin + scores - positive[None, :]).clamp(min=0)  # caption j retrieving image i
    not_negative = torch.eye(len(scores), dtype=torch.bool, device=scores.device)
    if image_ids is not None:
        ids = torch.as_tensor(image_ids, device=scores.device).reshape(-1)
        if len(ids) != len(scores):
            raise ValueError(f"image_ids must hold one id per row ({len(scores)}), got {len(ids)}")
        not_negative = not_negative | (ids[:, None] == ids[None, :])
    cost_captions = cost_captions.masked_fill(not_negative, 0.0)
    cost_images = cost_images.masked_fill(not_negative, 0.0)
    if max_violation:
        return cost_captions.amax(dim=1).sum() + cost_images.amax(dim=0).sum()
    return cost_captions.sum() + cost_images.sum()


def nearest_rows(queries: torch.Tensor, candidates: torch.Tensor, k: int, batch_size: int = 4096) -> torch.Tensor:
    """Indices ``(n_queries, k)`` of the ``k`` candidate rows with the largest dot product with
    each query, best first (no gradient; searched in blocks of ``batch_size`` queries)."""
    if not 1 <= k <= candidates.shape[0]:
        raise ValueError(f"k must lie in [1, {candidates.shape[0]}] (the candidates), got {k}")
    with torch.no_grad():
        found = [
            (queries[start : start + batch_size] @ candidates.T).topk(k, dim=1).indices
            for start in range(0, queries.shape[0], batch_size)
        ]
    return torch.cat(found) if found else torch.empty(0, k, dtype=torch.long)


def rcsls_loss(
    source: torch.Tensor,
    target: torch.Tensor,
    source_space: torch.Tensor,
    target_space: torch.Tensor,
    k: int = 10,
    batch_size: int = 4096,
) -> torch.Tensor:
    """Relaxed CSLS (Joulin et al. 2018, Eq. 4) of lexicon pairs, differentiable in every input.

    ``source[i]`` and ``target[i]`` are the mapped unit vectors ``u_i``, ``t_i`` of pair ``i``;
    ``source_space`` and ``target_space`` hold the mapped vectors of every word of each language
    (the neighbourhoods, most frequent first if capped). ``k`` is capped at the space sizes.
    Returns the mean over the pairs (see the module docstring).
    """
    if source.shape != target.shape or source.ndim != 2:
        raise ValueError(f"source and target must be matching (n_pairs, dim) rows, got {tuple(source.shape)} "
                         f"and {tuple(target.shape)}")
    if source.shape[0] == 0:
        raise ValueError("rcsls_loss needs at least one lexicon pair")
    k_target, k_source = min(k, target_space.shape[0]), min(k, source_space.shape[0])
    near_target = target_space[nearest_rows(source, target_space, k_target, batch_size)]  # (n, k, d)
    near_source = source_space[nearest_rows(target, source_space, k_source, batch_size)]  # (n, k, d)
    pair = (source * target).sum(dim=1)
    hub_target = (near_target * source[:, None, :]).sum(dim=2).mean(dim=1)
    hub_source = (near_source * target[:, None, :]).sum(dim=2).mean(dim=1)
    return (-2.0 * pair + hub_target + hub_source).mean()


def unit_rows(matrix: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit length (differentiable; zero rows stay zero)."""
    return F.normalize(matrix, dim=-1)

"""What a spatial visual-semantic model gives beyond scores (Kovacs & Bremner, 2019).

- Localisation maps turned into weakly supervised segmentations with a background threshold
  (the post uses 0.8), and the trivial baselines to compare them with. Two kinds of map: the
  post's, built from the cosine similarities of region embeddings and label vector
  (:func:`cosine_localisation_maps`), and the map network's output through a sigmoid
  (``ConvVSE.localisation_maps``).
- Unsupervised coarse segmentation: k-means on an image's region embeddings (Fig. 11), and a
  random partition of the grid with the same number of regions to compare with.
- The diversity score (variance of an image's region embeddings, Fig. 7) and the pooled image
  activations used for PCA (Fig. 4).
- Localisation-map search (Figs. 12-13): a query paints, per concept, where it should appear
  (positive cells) and where it should not (negative cells); an image's score is

  .. math::

      \\mathrm{score}(I) = \\sum_{c} \\sum_{x, y} Q_c(x, y)\\, M_c^{I}(x, y),

  with :math:`M_c^{I}` the image's localisation map for concept :math:`c`. Each painted region is
  normalised to total weight +1 (wanted) or -1 (unwanted), so that a small region counts as much
  as a large one.

Queries are written ``LABEL:REGION``; REGION is one of :data:`REGION_NAMES` (e.g. ``left``,
``top``, ``top-left``, ``centre``, ``all``) or an explicit grid mask such as
``1111111/1111111/1111111/0000000/0000000/0000000/0000000`` (rows top to bottom, ``/`` between).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.cluster import KMeans
from torch.nn import functional as F

from tagbook.ranking import top_k

GRID = 7  # the conv grid at 224 px for both EfficientNet-Lite0 and ResNet-34

_SIDES = ("left", "right", "top", "bottom")
REGION_NAMES = (
    "all", "left", "right", "top", "bottom", "centre", "center",
    "top-left", "top-right", "bottom-left", "bottom-right",
)


class QueryError(ValueError):
    """A spatial query that cannot be parsed (the message says which part and why)."""


# -- query parsing ------------------------------------------------------------------------------
def region_mask(name: str, grid: int = GRID) -> np.ndarray:
    """Boolean ``(grid, grid)`` mask of a named region; a cell belongs to a side when its centre
    lies in that half (the middle row/column of an odd grid belongs to neither half)."""
    centres = (np.arange(grid) + 0.5) / grid
    rows, cols = np.meshgrid(centres, centres, indexing="ij")
    side = {
        "left": cols < 0.5, "right": cols > 0.5, "top": rows < 0.5, "bottom": rows > 0.5,
        "all": np.ones((grid, grid), dtype=bool),
    }
    side["centre"] = side["center"] = (np.abs(rows - 0.5) < 0.25) & (np.abs(cols - 0.5) < 0.25)
    key = name.strip().lower()
    if key in side:
        return side[key].copy()
    parts = key.split("-")
    if len(parts) == 2 and parts[0] in ("top", "bottom") and parts[1] in ("left", "right"):
        return side[parts[0]] & side[parts[1]]
    raise QueryError(
        f"unknown region {name!r}: use one of {', '.join(REGION_NAMES)} or a {grid}x{grid} mask of "
        f"0/1 rows separated by '/'"
    )


def parse_mask(text: str, grid: int = GRID) -> np.ndarray:
    """Boolean mask from ``grid`` rows of ``grid`` characters ``0``/``1`` separated by ``/``."""
    rows = text.strip().split("/")
    if len(rows) != grid or any(len(r) != grid or set(r) - {"0", "1"} for r in rows):
        raise QueryError(
            f"bad grid mask {text!r}: expected {grid} rows of {grid} characters 0/1 separated by '/'"
        )
    return np.array([[c == "1" for c in r] for r in rows], dtype=bool)


@dataclass(frozen=True)
class QueryTerm:
    """One painted concept: ``label`` wanted (``positive``) or unwanted in the cells of ``mask``."""

    label: str
    mask: np.ndarray
    positive: bool = True
    region: str = ""  # the text the mask came from, for display

    def __str__(self) -> str:
        return f"{'+' if self.positive else '-'}{self.label}:{self.region}"


def parse_term(text: str, positive: bool = True, grid: int = GRID) -> QueryTerm:
    """``"dog:right"`` -> a :class:`QueryTerm`; the label may contain spaces (``"red car:left"``)."""
    if not isinstance(text, str) or ":" not in text:
        raise QueryError(f"bad query term {text!r}: expected LABEL:REGION, e.g. 'dog:right'")
    label, region = (s.strip() for s in text.rsplit(":", 1))
    if not label:
        raise QueryError(f"bad query term {text!r}: the label before ':' is empty")
    if not region:
        raise QueryError(f"bad query term {text!r}: the region after ':' is empty")
    mask = parse_mask(region, grid) if "/" in region or set(region) <= {"0", "1"} else region_mask(region, grid)
    if not mask.any():
        raise QueryError(f"bad query term {text!r}: the region covers no cell of the {grid}x{grid} grid")
    return QueryTerm(label=label, mask=mask, positive=positive, region=region)


@dataclass
class SpatialQuery:
    """A set of painted concepts; :meth:`query_maps` gives one weight map per distinct label."""

    terms: list[QueryTerm] = field(default_factory=list)

    @classmethod
    def parse(cls, where: list[str] = (), where_not: list[str] = (), grid: int = GRID) -> "SpatialQuery":
        terms = [parse_term(t, True, grid) for t in where] + [parse_term(t, False, grid) for t in where_not]
        if not terms:
            raise QueryError("empty query: give at least one LABEL:REGION term")
        return cls(terms)

    @property
    def labels(self) -> list[str]:
        """Distinct labels in order of first appearance."""
        return list(dict.fromkeys(t.label for t in self.terms))

    def query_maps(self) -> np.ndarray:
        """``(n_labels, grid, grid)``: each term adds ``+mask/|mask|`` (wanted) or ``-mask/|mask|``."""
        labels = self.labels
        grid = self.terms[0].mask.shape[0]
        q = np.zeros((len(labels), grid, grid))
        for t in self.terms:
            q[labels.index(t.label)] += (1.0 if t.positive else -1.0) * t.mask / t.mask.sum()
        return q

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)


def map_search_scores(maps: np.ndarray, query_maps: np.ndarray) -> np.ndarray:
    """``maps (N, L, h, w)`` (one per query label, in query order) times ``query_maps (L, h, w)``,
    summed: the score of each image ``(N,)``."""
    maps, query_maps = np.asarray(maps), np.asarray(query_maps)
    if maps.shape[1:] != query_maps.shape:
        raise ValueError(f"maps {maps.shape} do not match the query maps {query_maps.shape}")
    return np.einsum("nlhw,lhw->n", maps, query_maps)


def rank_images(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best images, best first (ties by index, as everywhere in tagbook)."""
    return top_k(np.asarray(scores)[None, :], k)[0]


# -- maps to segmentations ----------------------------------------------------------------------
def cosine_localisation_maps(regions: np.ndarray, label_vectors: np.ndarray, reduce: str = "max") -> np.ndarray:
    """The post's localisation maps: cosine similarity of each grid cell's region embeddings with
    each label's unit word vector, ``(N, L, h, w)`` in [-1, 1].

    ``regions`` are ``(N, k, d, h, w)`` unit region embeddings; the ``k`` blocks' cosine maps are
    combined by their maximum (``reduce="max"``: a cell matches when any block does) or mean
    (``"mean"``); the post does not say how its figures combine them. Unlike the map network's
    sigmoid output, nothing here was trained to be a probability.
    """
    regions = np.asarray(regions, dtype=np.float32)
    if regions.ndim != 5:
        raise ValueError(f"regions must be (N, k, d, h, w), got shape {regions.shape}")
    if reduce not in ("max", "mean"):
        raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
    vectors = np.asarray(label_vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != regions.shape[2]:
        raise ValueError(f"label_vectors must be (L, {regions.shape[2]}), got shape {vectors.shape}")
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cos = np.einsum("ld,nkdhw->nlkhw", vectors, regions, optimize=True)
    return cos.max(axis=2) if reduce == "max" else cos.mean(axis=2)


def upsample_maps(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling of ``(N, L, h, w)`` maps to ``(N, L, *size)``."""
    t = torch.as_tensor(np.asarray(maps, dtype=np.float32))
    if tuple(t.shape[-2:]) == tuple(size):
        return t.numpy()
    return F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False).numpy()


def segment_from_maps(
    maps: np.ndarray, threshold: float, size: tuple[int, int], candidates: np.ndarray | None = None
) -> np.ndarray:
    """Class masks ``(N, *size)`` from localisation maps ``(N, L, h, w)`` in [0, 1] (cosine maps,
    in [-1, 1], take a threshold in that range).

    Each pixel takes the label whose upsampled map is highest there, or background (0) when that
    highest value is below ``threshold`` (maps already at ``size`` are used as they are). Label ``l`` is written as ``l + 1``. ``candidates``
    ``(N, L)`` restricts each image to some labels (e.g. its image-level tags).
    """
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [-1, 1], got {threshold!r}")
    up = upsample_maps(maps, size)
    if candidates is not None:
        candidates = np.asarray(candidates, dtype=bool)
        if candidates.shape != up.shape[:2]:
            raise ValueError(f"candidates {candidates.shape} must be (n_images, n_labels) = {up.shape[:2]}")
        up = np.where(candidates[:, :, None, None], up, -np.inf)
    best = up.argmax(axis=1)
    return np.where(up.max(axis=1) >= threshold, best + 1, 0).astype(np.int64)


def all_foreground_segmentation(label_choice: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Trivial baseline: every pixel gets the image's chosen label (``label_choice (N,)``, 0-based)."""
    label_choice = np.asarray(label_choice, dtype=np.int64)
    return np.broadcast_to((label_choice + 1)[:, None, None], (len(label_choice), *size)).copy()


def centre_prior_segmentation(label_choice: np.ndarray, size: tuple[int, int], area_fraction: float) -> np.ndarray:
    """Trivial baseline: a centred box covering ``area_fraction`` of the image gets the chosen
    label, the rest is background."""
    if not 0.0 < area_fraction <= 1.0:
        raise ValueError(f"area_fraction must lie in (0, 1], got {area_fraction!r}")
    h, w = size
    side = np.sqrt(area_fraction)
    rows = np.abs((np.arange(h) + 0.5) / h - 0.5) < side / 2
    cols = np.abs((np.arange(w) + 0.5) / w - 0.5) < side / 2
    box = rows[:, None] & cols[None, :]
    label_choice = np.asarray(label_choice, dtype=np.int64)
    return np.where(box[None], (label_choice + 1)[:, None, None], 0).astype(np.int64)


IGNORE = 255  # class id of pixels left out of scoring (objects of classes not being scored)


def semantic_masks(instance_masks: np.ndarray, instance_classes: list[list[str]], class_ids: dict[str, int]) -> np.ndarray:
    """Class masks from instance masks: ``instance_masks (N, H, W)`` with ``k`` = the image's
    ``k``-th instance, ``instance_classes[i][k - 1]`` its class name, ``class_ids`` name -> id
    (ids from 1; 0 is background). Instances of a class not in ``class_ids`` become
    :data:`IGNORE`, so that they count neither as background nor as an error."""
    instance_masks = np.asarray(instance_masks)
    out = np.zeros(instance_masks.shape, dtype=np.int64)
    for i, classes in enumerate(instance_classes):
        lut = np.array([0] + [class_ids.get(c, IGNORE) for c in classes], dtype=np.int64)
        out[i] = lut[instance_masks[i]]
    return out


# -- region embeddings: k-means, random partitions, diversity, activations ----------------------
def _region_vectors(regions: np.ndarray) -> np.ndarray:
    """``(k, d, h, w)`` -> ``(h*w, k*d)``: one vector per grid cell, all blocks side by side."""
    regions = np.asarray(regions)
    if regions.ndim != 4:
        raise ValueError(f"regions of one image must be (k, d, h, w), got shape {regions.shape}")
    k, d, h, w = regions.shape
    return regions.reshape(k * d, h * w).T


def kmeans_regions(regions: np.ndarray, n_clusters: int, seed: int = 0) -> np.ndarray:
    """Unsupervised coarse segmentation (Fig. 11): k-means over one image's ``h*w`` region
    embeddings ``(k, d, h, w)``; no spatial information is given. Returns ``(h, w)`` cluster ids."""
    vectors = _region_vectors(regions)
    h, w = np.asarray(regions).shape[2:]
    n_clusters = int(min(n_clusters, len(vectors)))
    km = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed).fit(vectors)
    return km.labels_.reshape(h, w)


def random_regions(n_regions: int, grid: int, rng: np.random.Generator) -> np.ndarray:
    """A random partition of the grid into ``n_regions`` contiguous regions (Voronoi cells of
    random seed cells): the chance baseline for :func:`kmeans_regions`."""
    cells = np.stack(np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij"), -1).reshape(-1, 2)
    seeds = cells[rng.choice(len(cells), size=min(n_regions, len(cells)), replace=False)]
    dist = ((cells[:, None, :] - seeds[None, :, :]) ** 2).sum(-1) + rng.random((len(cells), len(seeds))) * 1e-3
    return dist.argmin(1).reshape(grid, grid)


def upsample_partition(partition: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour upsampling of an ``(h, w)`` id grid to ``size``."""
    partition = np.asarray(partition)
    h, w = partition.shape
    rows = np.minimum((np.arange(size[0]) * h) // size[0], h - 1)
    cols = np.minimum((np.arange(size[1]) * w) // size[1], w - 1)
    return partition[np.ix_(rows, cols)]


def diversity_score(regions: np.ndarray) -> np.ndarray:
    """Diversity of each image (Fig. 7): the total variance of its region embeddings over the
    grid cells, :math:`\\sum_{j,e} \\mathrm{Var}_{x,y}\\, r_{j,e}(x, y)`, averaged over the k blocks.
    ``regions (N, k, d, h, w)`` -> ``(N,)``; 0 for an image whose regions all look alike."""
    regions = np.asarray(regions)
    if regions.ndim != 5:
        raise ValueError(f"regions must be (N, k, d, h, w), got shape {regions.shape}")
    return regions.reshape(*regions.shape[:3], -1).var(axis=-1).sum(axis=2).mean(axis=1)


def image_activations(regions: np.ndarray) -> np.ndarray:
    """Spatially averaged region embeddings ``(N, k*d)``: the layer before the label comparison,
    pooled, as used for the PCA view (Fig. 4)."""
    regions = np.asarray(regions)
    return regions.mean(axis=(3, 4)).reshape(regions.shape[0], -1)

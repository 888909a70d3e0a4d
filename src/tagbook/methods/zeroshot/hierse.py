"""HierSE: hierarchical semantic embedding of labels (Li et al. 2015), as used by Wei et al. (2017).

A source label ``w_s`` that is a WordNet node is embedded as the weighted mean of the word vectors
of the node and its ancestors,

    phi_hi(w_s) = 1/Z' * sum_{w' in {w_s} u super(w_s)} w(w' | w_s) * phi(w'),                      (Eq. 2)

with ``w(w' | w_s)`` decaying exponentially with the minimal path length ``d(w_s, w')`` from the
node to the ancestor, and ``Z'`` the sum of the weights. The image is then embedded by Eq. 1 with
``phi_hi`` in place of ``phi`` (:class:`tagbook.methods.zeroshot.conse.ConSE`). Two senses of one English
word (camera shutter, window shutter) share ``phi`` but get different ``phi_hi``.

Where the paper is silent, the choices here (each a field of :class:`HierSEConfig`):
- weight ``w(w' | w_s) = decay ** d(w_s, w')`` with ``decay = exp(-1)``, the weight of the
  authors' public HierSE code;
- ``max_distance = 6``: the node and at most six ancestors (seven nodes, as in that code);
- several parents: ``parents="all"`` takes every ancestor on every hypernym path, each at its
  *minimal* distance (what Eq. 2's "minimal path length" implies); ``parents="first"`` follows
  only the first path; ``parents="last"`` only the last one. The authors' code keeps one parent
  per node, the one listed *last* for it in ImageNet's ``wordnet.is_a.txt`` (a later line
  overwrites an earlier one): :func:`is_a_paths` builds those single-parent paths from the file.
  That order is not WordNet's (of the 1,422 synsets with several parents in the file, the last
  one listed is WordNet's last hypernym for 660), so ``"last"`` on WordNet's own paths only
  approximates it where the file does not cover a node;
- ancestors without a word vector drop out of the sum and out of ``Z'``; a node with no
  embeddable node on its path has no vector (a row of NaN);
- ``normalise_nodes=True`` unit-normalises each node's word vector before the weighted mean (as
  ConSE's label vectors are); the authors' code does not (``normalise_nodes=False``). The
  authors also embed a node as the mean of the word vectors of the tokens of *every* lemma of
  its synset, where we embed its one name: that is a choice of the caller's ``vector_of``
  (:func:`authors_hierse_config` gathers the authors' choices).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable, Mapping, Sequence

import numpy as np

from tagbook.methods.zeroshot.conse import ConSE, ZeroShotConfig

__all__ = ["HierSEConfig", "HierSE", "PARENTS", "ancestor_distances", "authors_hierse_config", "hierse_weights",
           "hierse_label_vectors", "is_a_paths"]

Node = Hashable
PathsOf = Callable[[Node], Sequence[Sequence[Node]]]
VectorOf = Callable[[Node], "np.ndarray | None"]


@dataclass(frozen=True)
class HierSEConfig:
    k: int = 10
    decay: float = math.exp(-1.0)
    max_distance: int = 6
    parents: str = "all"
    normalise_nodes: bool = True
    node_lemmas: str = "name"  # "name": a node's one name; "all": the mean over the tokens of every lemma


    def __post_init__(self) -> None:
        ZeroShotConfig(self.k)  # same check on k
        if not (0.0 < float(self.decay) <= 1.0):
            raise ValueError(f"decay (the base of Eq. 2's exponential weights) must be in (0, 1], got {self.decay!r}")
        if not isinstance(self.max_distance, (int, np.integer)) or self.max_distance < 0:
            raise ValueError(f"max_distance must be an int >= 0, got {self.max_distance!r}")
        if self.parents not in PARENTS:
            raise ValueError(f"parents must be one of {', '.join(PARENTS)}, got {self.parents!r}")
        if self.node_lemmas not in ("name", "all"):
            raise ValueError(f"node_lemmas must be 'name' or 'all', got {self.node_lemmas!r}")

    @property
    def construction(self) -> str:
        """``"authors"`` for the authors' code's choices, ``"paper"`` for this module's defaults."""
        return ("authors" if (self.parents, self.normalise_nodes, self.node_lemmas) == ("last", False, "all")
                else "paper" if (self.parents, self.normalise_nodes, self.node_lemmas) == ("all", True, "name")
                else "custom")


PARENTS = ("all", "first", "last")


def authors_hierse_config(k: int = 10, decay: float = math.exp(-1.0), max_distance: int = 6) -> HierSEConfig:
    """HierSE as its authors' public code builds it: one parent per node (the last listed),
    node vectors not unit-normalised, each node the mean over the tokens of all its lemmas."""
    return HierSEConfig(k=k, decay=decay, max_distance=max_distance, parents="last", normalise_nodes=False,
                        node_lemmas="all")


def is_a_paths(edges: Sequence[tuple[str, str]]) -> Callable[[Node], list[list[Node]]]:
    """``paths_of`` for :func:`hierse_label_vectors` from ``(parent, child)`` edges (ImageNet's
    ``wordnet.is_a.txt``): each node keeps the parent listed last for it, as the authors' code
    does, so every node has one node-first path up to its root."""
    parent: dict[Node, Node] = {}
    for p, c in edges:
        parent[c] = p

    def paths_of(node: Node) -> list[list[Node]]:
        path = [node]
        while path[-1] in parent and len(path) <= len(parent):
            path.append(parent[path[-1]])
        return [path]

    return paths_of


def _node_first(node: Node, path: Sequence[Node]) -> list[Node]:
    path = list(path)
    if not path:
        return [node]
    if path[0] == node:
        return path
    if path[-1] == node:
        return path[::-1]
    raise ValueError(f"a hypernym path of {node!r} must start or end at the node itself, got {path!r}")


def ancestor_distances(
    node: Node, paths: Sequence[Sequence[Node]], max_distance: int = 6, parents: str = "all"
) -> dict[Node, int]:
    """``{node: 0, parent: 1, ...}``: the minimal path length from ``node`` to each ancestor.

    ``paths`` are hypernym paths of ``node`` (root-first or node-first). ``parents="first"`` uses
    only the first path, ``"last"`` only the last. Ancestors farther than ``max_distance`` are left out.
    """
    if parents not in PARENTS:
        raise ValueError(f"parents must be one of {', '.join(PARENTS)}, got {parents!r}")
    paths = list(paths) or [[node]]
    if parents == "first":
        paths = paths[:1]
    elif parents == "last":
        paths = paths[-1:]
    distances: dict[Node, int] = {}
    for path in paths:
        for d, ancestor in enumerate(_node_first(node, path)):
            if d > max_distance:
                break
            if d < distances.get(ancestor, d + 1):
                distances[ancestor] = d
    return distances


def hierse_weights(distances: Mapping[Node, int], decay: float) -> dict[Node, float]:
    """Eq. 2's unnormalised weights ``decay ** d``."""
    return {n: float(decay) ** d for n, d in distances.items()}


def hierse_label_vectors(
    nodes: Sequence[Node], paths_of: PathsOf, vector_of: VectorOf, config: HierSEConfig | None = None
) -> np.ndarray:
    """``phi_hi`` of Eq. 2 for each node, ``(n_nodes, dim)``; NaN rows where nothing embeds.

    ``paths_of(node)`` gives the node's hypernym paths, ``vector_of(node)`` the word vector of the
    node's name in the bilingual space (or ``None``). Word vectors are L2-normalised before the
    weighted mean, as in ConSE, unless ``config.normalise_nodes`` is False.
    """
    config = config or HierSEConfig()
    cache: dict[Node, np.ndarray | None] = {}

    def unit_vector(n: Node) -> np.ndarray | None:
        if n not in cache:
            v = vector_of(n)
            if v is not None:
                v = np.asarray(v, dtype=np.float64)
                norm = np.linalg.norm(v)
                if not (np.isfinite(v).all() and norm > 0):
                    v = None
                elif config.normalise_nodes:
                    v = v / norm
            cache[n] = v
        return cache[n]

    rows: list[np.ndarray | None] = []
    dim = None
    for node in nodes:
        weights = hierse_weights(ancestor_distances(node, paths_of(node), config.max_distance, config.parents), config.decay)
        total, z = None, 0.0
        for ancestor, w in weights.items():
            v = unit_vector(ancestor)
            if v is None:
                continue
            total = w * v if total is None else total + w * v
            z += w
        row = None if total is None else total / z
        if row is not None:
            dim = len(row)
        rows.append(row)
    if dim is None:
        raise ValueError("no node (nor any of its ancestors) has a vector in the space")
    return np.stack([r if r is not None else np.full(dim, np.nan) for r in rows])


class HierSE(ConSE):
    """ConSE with HierSE label vectors (Eq. 2 into Eq. 1).

    ``fit(source_nodes, target_vectors, paths_of=..., vector_of=...)``; ``score(probs)`` as ConSE.
    """

    def __init__(self, config: HierSEConfig | None = None):
        self.hierse_config = config or HierSEConfig()
        super().__init__(ZeroShotConfig(k=self.hierse_config.k))

    def fit(  # type: ignore[override]
        self, source_nodes: Sequence[Node], target_vectors: np.ndarray, *, paths_of: PathsOf, vector_of: VectorOf
    ) -> "HierSE":
        self.source_nodes = list(source_nodes)
        vectors = hierse_label_vectors(self.source_nodes, paths_of, vector_of, self.hierse_config)
        return super().fit(vectors, target_vectors)

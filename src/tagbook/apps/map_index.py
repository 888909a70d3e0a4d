"""The map index that ``tagbook search`` serves: a collection's region embeddings, kept so that
a new spatial query needs no backbone pass (Kovacs & Bremner 2019, Figs. 12-13)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagbook.methods.vse.localisation import QueryError, SpatialQuery, map_search_scores, rank_images


def query_vectors(query: SpatialQuery, lookup, source: str = "the word vectors") -> np.ndarray:
    """``(n_labels, d)`` word vectors for the query's labels, in query order.

    ``lookup(label)`` returns a vector, or ``None`` / raises ``KeyError`` for an unknown word; an
    unknown label (or an all-zero vector) is a :class:`QueryError` naming it.
    """
    rows = []
    for label in query.labels:
        try:
            vector = lookup(label)
        except KeyError:
            vector = None
        if vector is None or not np.any(np.asarray(vector)):
            raise QueryError(f"no word vector for label {label!r} in {source}: try another word")
        rows.append(np.asarray(vector, dtype=np.float32))
    return np.stack(rows)


@dataclass
class MapIndex:
    """Region embeddings of a collection, kept so that any new query needs no backbone pass.

    A query for labels ``V`` costs one cosine per block and cell plus the small map network:
    ``maps = sigmoid(g(cos(R, V)))``, then :func:`map_search_scores`.
    """

    model: object  # a trained tagbook.methods.vse.conv.ConvVSE
    regions: np.ndarray  # (N, k, d, h, w), stored as float16 to halve memory
    names: list[str]

    @classmethod
    def build(cls, model, conv_maps: np.ndarray, names: list[str], batch_size: int = 256) -> "MapIndex":
        if len(names) != len(conv_maps):
            raise ValueError(f"{len(names)} names for {len(conv_maps)} images")
        parts = [
            model.region_embeddings(conv_maps[i : i + batch_size]).astype(np.float16)
            for i in range(0, len(conv_maps), batch_size)
        ]
        return cls(model=model, regions=np.concatenate(parts), names=list(names))

    def maps(self, label_vectors: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Localisation maps ``(N, L, h, w)`` in [0, 1] for the given label vectors."""
        out = []
        for i in range(0, len(self.regions), batch_size):
            logits = self.model.map_logits_from_regions(self.regions[i : i + batch_size].astype(np.float32), label_vectors)
            out.append(1.0 / (1.0 + np.exp(-logits)))
        return np.concatenate(out)

    def scores(self, query: SpatialQuery, label_vectors: np.ndarray) -> np.ndarray:
        """The query score of every image ``(N,)``; ``label_vectors`` follow ``query.labels``."""
        return map_search_scores(self.maps(label_vectors), query.query_maps())

    def search(self, query: SpatialQuery, label_vectors: np.ndarray, k: int = 10) -> list[tuple[int, str, float]]:
        """The ``k`` best images as ``(index, name, score)``, best first."""
        scores = self.scores(query, label_vectors)
        return [(int(i), self.names[i], float(scores[i])) for i in rank_images(scores, k)]

"""kNN tag voting: the nearest training images vote for their tags (the kNN baseline of He et
al. 2015, "in the same manner as" Gong et al. 2014, with ``k = 100``).

For a query image, the ``k`` training images nearest by cosine similarity of the features each
vote for every tag they carry; a tag's score is its number of votes, ties broken by the summed
similarity of the neighbours that voted for it:

.. math::

    \\text{score}_t = v_t + \\frac{\\sigma_t + k}{2k + 1}, \\qquad
    v_t = \\sum_{n \\in \\mathcal{N}_k} [t \\in \\mathcal{T}_n], \\quad
    \\sigma_t = \\sum_{n \\in \\mathcal{N}_k} [t \\in \\mathcal{T}_n] \\cos(x, x_n).

Since :math:`|\\sigma_t| \\le v_t \\le k`, the fraction lies in :math:`[0, 1)` and never
reorders tags with different vote counts. (At float32 a difference of the summed similarities
below about ``2e-3`` can be lost next to 100 votes; such ties fall to the tag index.)

The neighbour search is chunked (:func:`tagbook.ranking.top_k_scores`) over blocks of queries
and of training images, so no ``(n_queries, N)`` matrix is ever formed. Its cost per query grows
linearly with the training set: :math:`O(N)`, the paper's complexity argument against kNN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from tagbook.methods.tagging.inputs import as_features, as_tag_matrix, check_positive_int
from tagbook.ranking import top_k_scores


@dataclass
class KNNTagConfig:
    k: int = 100  # neighbours (the paper's setting for both feature types)
    exclude_self: bool = True  # score_training(): a training image is not its own neighbour
    query_chunk: int = 1024  # queries searched at a time
    train_chunk: int = 8192  # training images scored at a time per query block

    def validate(self) -> None:
        for name in ("k", "query_chunk", "train_chunk"):
            check_positive_int(getattr(self, name), name)
        if not isinstance(self.exclude_self, bool):
            raise ValueError(f"exclude_self must be a bool, got {self.exclude_self!r}")


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), float32."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class KNNTagVoting:
    """kNN tag voting with ``fit`` (stores the training set) / ``score``.

    >>> model = KNNTagVoting(KNNTagConfig(k=100)).fit(train_features, train_tags)
    >>> scores = model.score(test_features)          # (n, T) float32: votes + tie-break
    >>> train_scores = model.score_training()        # each image without itself
    """

    def __init__(self, config: KNNTagConfig | None = None):
        self.config = config or KNNTagConfig()
        self.config.validate()
        self.train_unit: np.ndarray | None = None
        self.tags: sparse.csr_matrix | None = None

    def fit(self, features, tag_matrix) -> "KNNTagVoting":
        x = as_features(features)
        self.tags = sparse.csr_matrix(as_tag_matrix(tag_matrix, x.shape[0]), dtype=np.float64)
        self.train_unit = unit_rows(x)
        return self

    def _fitted(self) -> tuple[np.ndarray, sparse.csr_matrix]:
        if self.train_unit is None or self.tags is None:
            raise RuntimeError("the model is not fitted: call fit() first")
        return self.train_unit, self.tags

    def neighbours(self, features, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest training images of each query, ``(indices, cosines)``, each
        ``(n, k')`` with ``k' = min(k, N)`` (``N - 1`` with exclusions), best first.

        ``exclude``: optional int array ``(n,)``, a training row each query must not count
        (itself, when the queries are training images); ``-1`` excludes nothing.
        """
        train, _ = self._fitted()
        queries = unit_rows(as_features(features, n_features=train.shape[1]))
        n_train = train.shape[0]
        if exclude is not None:
            exclude = np.asarray(exclude, dtype=np.int64)
            if exclude.shape != (queries.shape[0],):
                raise ValueError(f"exclude must be ({queries.shape[0]},), got {exclude.shape}")
            if ((exclude < -1) | (exclude >= n_train)).any():
                raise ValueError(f"exclude holds rows outside [-1, {n_train})")
        k = min(self.config.k, n_train - (1 if exclude is not None else 0))
        if k < 1:
            raise ValueError("the training set is too small to find a neighbour other than the query")
        search = k + 1 if exclude is not None else k
        idx_out, sim_out = [], []
        for start in range(0, queries.shape[0], self.config.query_chunk):
            block = slice(start, start + self.config.query_chunk)
            idx, sim = top_k_scores(queries[block], train, search, chunk_size=self.config.train_chunk)
            if exclude is not None:
                idx, sim = _drop_excluded(idx, sim, exclude[block], k)
            idx_out.append(idx)
            sim_out.append(sim)
        return np.concatenate(idx_out), np.concatenate(sim_out)

    def votes(self, features, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(votes, summed_similarity)``, each float64 ``(n, T)``."""
        _, tags = self._fitted()
        idx, sim = self.neighbours(features, exclude)
        n, k = idx.shape
        indptr = np.arange(0, n * k + 1, k)
        ones = sparse.csr_matrix((np.ones(n * k), idx.ravel(), indptr), shape=(n, tags.shape[0]))
        sims = sparse.csr_matrix((sim.ravel().astype(np.float64), idx.ravel(), indptr), shape=(n, tags.shape[0]))
        return (ones @ tags).toarray(), (sims @ tags).toarray()

    def score(self, features, exclude: np.ndarray | None = None) -> np.ndarray:
        """Votes plus the similarity tie-break (module docstring), ``(n, T)`` float32."""
        votes, similarity = self.votes(features, exclude)
        k = self.config.k
        return (votes + (similarity + k) / (2 * k + 1)).astype(np.float32)

    def score_training(self) -> np.ndarray:
        """Scores of the training images themselves, each excluding itself when ``config.exclude_self``."""
        train, _ = self._fitted()
        exclude = np.arange(train.shape[0]) if self.config.exclude_self else None
        return self.score(train, exclude)


def _drop_excluded(idx: np.ndarray, sim: np.ndarray, exclude: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's excluded index from ``k + 1`` neighbours (else its last), keeping ``k``."""
    hit = idx == exclude[:, None]
    # drop the excluded entry where present, otherwise the (k+1)-th neighbour
    drop = np.where(hit.any(axis=1), hit.argmax(axis=1), idx.shape[1] - 1)
    keep = np.ones(idx.shape, dtype=bool)
    keep[np.arange(idx.shape[0]), drop] = False
    return idx[keep].reshape(-1, k), sim[keep].reshape(-1, k)

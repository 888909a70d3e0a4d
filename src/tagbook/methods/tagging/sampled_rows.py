"""Row-sparse updates of a large table (word vectors): a step costs O(rows x d), not O(V x d).

A step of the sampled objectives reads a few thousand rows of a 400,000-row word-vector table.
:class:`RowOptimiser` gathers the distinct rows a step uses into a small leaf tensor, lets autograd
fill its gradient, and updates only those rows of the table (and of the optimiser state) with
index operations. ``"adam"`` is lazy Adam, the algorithm of ``torch.optim.SparseAdam`` (moments of a
row decay only in the steps that touch it; bias correction by the global step count);
``"sgd"`` is plain stochastic gradient descent.

``torch.optim.SparseAdam`` on an ``nn.Embedding(sparse=True)`` gives the same updates (a test
checks it), but in torch 2.13 on CPU its masked sparse-into-dense additions take time that grows
with the table (about ten times longer at 100k rows than at 1k in our measurements), which is
what a step at web-vocabulary scale must avoid.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from tagbook.methods.tagging.inputs import check_positive

ROW_OPTIMISERS = ("adam", "sgd")


class RowOptimiser:
    """Adam or SGD on the rows of ``table`` (a float tensor, updated in place) that a step uses.

    >>> opt = RowOptimiser(table, lr=1e-3)
    >>> rows, inverse = opt.gather(ids)          # rows: (U, d) leaf; rows[inverse] has ids' shape
    >>> loss(rows[inverse]).backward()
    >>> opt.step(rows)                           # only the U rows of the table move
    """

    def __init__(self, table: torch.Tensor, lr: float, kind: str = "adam",
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        if kind not in ROW_OPTIMISERS:
            raise ValueError(f"kind must be one of {ROW_OPTIMISERS}, got {kind!r}")
        check_positive(lr, "lr")
        if table.ndim != 2 or table.requires_grad:
            raise ValueError("table must be a 2-D tensor that autograd does not track")
        self.table, self.lr, self.kind = table, float(lr), kind
        self.beta1, self.beta2 = betas
        self.eps = float(eps)
        self.steps = 0
        self.exp_avg = torch.zeros_like(table) if kind == "adam" else None
        self.exp_avg_sq = torch.zeros_like(table) if kind == "adam" else None
        self._ids: torch.Tensor | None = None

    def gather(self, ids: np.ndarray | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The distinct rows of ``ids`` as a leaf tensor ``(U, d)`` that requires grad, and the
        inverse index (``ids``' shape) that maps each entry of ``ids`` to its row."""
        ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
        distinct, inverse = torch.unique(ids, return_inverse=True)
        self._ids = distinct
        return self.table.index_select(0, distinct).requires_grad_(True), inverse

    def step(self, rows: torch.Tensor) -> torch.Tensor:
        """Update the rows last gathered with ``rows.grad``; returns their indices."""
        if self._ids is None or rows.shape[0] != self._ids.shape[0]:
            raise RuntimeError("step() needs the tensor returned by the last gather()")
        ids, self._ids = self._ids, None
        if rows.grad is None:
            return ids
        grad = rows.grad
        self.steps += 1
        with torch.no_grad():
            if self.kind == "sgd":
                self.table.index_add_(0, ids, grad, alpha=-self.lr)
                return ids
            m = self.exp_avg.index_select(0, ids).mul_(self.beta1).add_(grad, alpha=1 - self.beta1)
            v = self.exp_avg_sq.index_select(0, ids).mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
            self.exp_avg.index_copy_(0, ids, m)
            self.exp_avg_sq.index_copy_(0, ids, v)
            step_size = self.lr * math.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
            self.table.index_add_(0, ids, m.div_(v.sqrt_().add_(self.eps)), alpha=-step_size)
        return ids

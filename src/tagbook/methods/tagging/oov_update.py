"""Out-of-vocabulary update of word vectors after joint training (Ni et al., Sec. 2.1, Eq. 3-4).

Training moves the vectors :math:`V_I` of words used as image tags; the vectors :math:`V_D` of the
other words of the text vocabulary are never updated, and their dot products with the moved ones
lose their meaning. The update keeps the *initial* vectors and refits :math:`V_D` alone, so that
the sigmoid correlations of each unseen word with every word match the initial ones:

.. math::

    C^{(i)} = \\sigma\\big(V^{(i)\\top} V^{(i)}\\big) \\quad \\text{(Eq. 3, initial vectors)},

.. math::

    \\mathcal{L}^{(w)} = -\\sum_{d \\in D} \\sum_{m \\in I \\cup D}
        C^{(i)}_{dm} \\log\\sigma(\\mathbf{v}_d^\\top\\mathbf{v}_m)
        + (1 - C^{(i)}_{dm}) \\log\\big(1 - \\sigma(\\mathbf{v}_d^\\top\\mathbf{v}_m)\\big)
        \\quad \\text{(Eq. 4, negated to a loss)},

with :math:`\\mathbf{v}_m` the trained vector for a seen word and the current (being fitted) one
for an unseen word. As the paper's footnote says, :math:`C^{(i)}` is never built: its entries are
computed on the fly from the stored initial vectors, for a batch of unseen words against a
sample of partner words at a time (``method="sigmoid"``: lazy Adam on the unseen rows, only the
rows a step uses updated, :class:`~tagbook.methods.tagging.sampled_rows.RowOptimiser`). :func:`correlation_loss` reports the fit as the mean excess of
Eq. 4's cross-entropy over its minimum, i.e. the mean KL divergence between the Bernoulli
variables :math:`C^{(i)}_{dm}` and :math:`\\sigma(\\mathbf{v}_d^\\top\\mathbf{v}_m)`, zero when
every correlation matches; it is computed in chunks of partners.

``method="linear"`` is the released code's closed form: match *linear* correlations with the seen
words, :math:`\\min_{\\mathbf{v}_d} \\| V_I \\mathbf{v}_d - V_I^{(i)} \\mathbf{v}_d^{(i)} \\|^2`,
solved for all unseen words at once as :math:`\\mathbf{v}_d = (V_I^\\top V_I + \\lambda I)^{-1}
V_I^\\top V_I^{(i)} \\mathbf{v}_d^{(i)}`, a ``d x d`` map accumulated over chunks of rows. The
released code computes the target correlations from the *trained* vectors, which makes the map
the identity (no update at all); here they come from the initial vectors, as Eq. 3 says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.methods.tagging.inputs import check_non_negative, check_positive, check_positive_int, check_seed
from tagbook.methods.tagging.sampled_rows import RowOptimiser
from tagbook.seeding import seed_everything

OOV_METHODS = ("sigmoid", "linear")


@dataclass
class OOVUpdateConfig:
    """Settings of the out-of-vocabulary update."""

    method: str = "sigmoid"  # Eq. 4 ("sigmoid") or the released code's closed form ("linear")
    epochs: int = 5  # passes over the unseen words (sigmoid)
    batch_size: int = 1024  # unseen words per step (sigmoid)
    partners: int = 4096  # partner words m per step, uniform over the whole vocabulary (sigmoid)
    learning_rate: float = 1e-2  # lazy Adam on the unseen rows (sigmoid)
    ridge: float = 1e-6  # lambda, relative to the mean eigenvalue of V_I^T V_I (linear)
    chunk_size: int = 8192  # rows per chunk when accumulating the linear map
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = False

    def validate(self) -> None:
        if self.method not in OOV_METHODS:
            raise ValueError(f"method must be one of {OOV_METHODS}, got {self.method!r}")
        for name in ("epochs", "batch_size", "partners", "chunk_size", "num_threads"):
            check_positive_int(getattr(self, name), name)
        check_positive(self.learning_rate, "learning_rate")
        check_non_negative(self.ridge, "ridge")
        check_seed(self.seed)


@dataclass
class OOVUpdateResult:
    vectors: np.ndarray  # (V, d) float32: seen rows as trained, unseen rows refitted
    n_unseen: int
    history: list[float] = field(default_factory=list)  # mean KL of each epoch's steps (sigmoid)


def _check_tables(initial, current, seen) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    initial = np.asarray(initial, dtype=np.float32)
    current = np.asarray(current, dtype=np.float32)
    seen = np.asarray(seen)
    if initial.ndim != 2 or initial.shape != current.shape:
        raise ValueError(f"initial and current word vectors must be the same (V, d) shape, got {initial.shape} and {current.shape}")
    if seen.shape != (initial.shape[0],) or seen.dtype != bool:
        raise ValueError(f"seen must be a boolean mask of length V={initial.shape[0]}, got {seen.dtype} {seen.shape}")
    return initial, current, seen


def bernoulli_kl(target_logits: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """KL(Bernoulli(sigmoid(target_logits)) || Bernoulli(sigmoid(logits))), elementwise: Eq. 4's
    cross-entropy minus its minimum (the entropy of the target), computed from log-sigmoids so
    that saturated correlations (large dot products) stay finite."""
    c = torch.sigmoid(target_logits)
    return c * (F.logsigmoid(target_logits) - F.logsigmoid(logits)) + (1 - c) * (
        F.logsigmoid(-target_logits) - F.logsigmoid(-logits)
    )


def correlation_loss(
    initial: np.ndarray,
    current: np.ndarray,
    rows: np.ndarray,
    partners: np.ndarray | None = None,
    chunk_size: int = 8192,
) -> float:
    """Mean over ``rows x partners`` (default partners: every word) of the KL divergence between
    the initial sigmoid correlations (Eq. 3) and the current ones; computed in chunks of partners,
    so no ``len(rows) x V`` matrix is held."""
    check_positive_int(chunk_size, "chunk_size")
    init = torch.from_numpy(np.asarray(initial, dtype=np.float32))
    cur = torch.from_numpy(np.asarray(current, dtype=np.float32))
    rows_t = torch.from_numpy(np.asarray(rows, dtype=np.int64))
    part = np.arange(init.shape[0]) if partners is None else np.asarray(partners, dtype=np.int64)
    if rows_t.numel() == 0 or part.size == 0:
        return 0.0
    total = 0.0
    with torch.no_grad():
        a_init, a_cur = init[rows_t], cur[rows_t]
        for start in range(0, part.size, chunk_size):
            m = torch.from_numpy(part[start : start + chunk_size])
            total += float(bernoulli_kl(a_init @ init[m].T, a_cur @ cur[m].T).double().sum())
    return total / (rows_t.numel() * part.size)


def linear_update(initial: np.ndarray, current: np.ndarray, seen: np.ndarray, ridge: float = 1e-6,
                  chunk_size: int = 8192) -> np.ndarray:
    """The closed form (module docstring): the unseen rows mapped by
    :math:`(V_I^\\top V_I + \\lambda I)^{-1} V_I^\\top V_I^{(i)}`; seen rows as in ``current``."""
    initial, current, seen = _check_tables(initial, current, seen)
    d = initial.shape[1]
    seen_rows = np.flatnonzero(seen)
    if seen_rows.size == 0:
        return current.copy()
    gram = np.zeros((d, d))
    cross = np.zeros((d, d))
    for start in range(0, seen_rows.size, chunk_size):
        idx = seen_rows[start : start + chunk_size]
        trained, init = current[idx].astype(np.float64), initial[idx].astype(np.float64)
        gram += trained.T @ trained
        cross += trained.T @ init
    lam = ridge * max(np.trace(gram) / d, 1e-12)
    mapping = np.linalg.solve(gram + lam * np.eye(d), cross)  # v_d = mapping @ v_d^(i)
    out = current.copy()
    unseen = np.flatnonzero(~seen)
    for start in range(0, unseen.size, chunk_size):
        idx = unseen[start : start + chunk_size]
        out[idx] = (initial[idx].astype(np.float64) @ mapping.T).astype(np.float32)
    return out


def sigmoid_update(initial: np.ndarray, current: np.ndarray, seen: np.ndarray,
                   config: OOVUpdateConfig) -> tuple[np.ndarray, list[float]]:
    """Fit the unseen rows to Eq. 4 by lazy Adam on their rows (module docstring); returns ``(table, history)``."""
    initial, current, seen = _check_tables(initial, current, seen)
    rng = seed_everything(config.seed)
    torch.set_num_threads(config.num_threads)
    n_words = initial.shape[0]
    unseen = np.flatnonzero(~seen)
    out = current.copy()
    if unseen.size == 0:
        return out, []
    position = np.full(n_words, -1, dtype=np.int64)
    position[unseen] = np.arange(unseen.size)
    init = torch.from_numpy(initial)
    fixed = torch.from_numpy(current)  # seen rows are read from here and never written
    table = torch.from_numpy(current[unseen].copy())  # the rows being fitted
    optimiser = RowOptimiser(table, config.learning_rate, "adam")
    n_partners = min(config.partners, n_words)
    history: list[float] = []
    for _ in tqdm(range(config.epochs), desc="OOV update", disable=not config.show_progress):
        order = rng.permutation(unseen.size)
        total, steps = 0.0, 0
        for start in range(0, order.size, config.batch_size):
            batch = order[start : start + config.batch_size]
            m = rng.choice(n_words, size=n_partners, replace=False) if n_partners < n_words else np.arange(n_words)
            unseen_partners = np.flatnonzero(position[m] >= 0)
            # one gather of every row being fitted that the step uses: the batch and its unseen partners
            rows, inverse = optimiser.gather(np.concatenate([batch, position[m[unseen_partners]]]))
            m_t = torch.from_numpy(m)
            partner = torch.index_put(fixed[m_t], (torch.from_numpy(unseen_partners),), rows[inverse[batch.size :]])
            logits = rows[inverse[: batch.size]] @ partner.T
            with torch.no_grad():
                target_logits = init[torch.from_numpy(unseen[batch])] @ init[m_t].T
                target = torch.sigmoid(target_logits)
            loss = F.binary_cross_entropy_with_logits(logits, target)
            loss.backward()
            optimiser.step(rows)
            with torch.no_grad():  # mean KL = Eq. 4's cross-entropy minus the targets' entropy (bernoulli_kl's mean)
                total += float(loss.detach()) - float(F.binary_cross_entropy_with_logits(target_logits, target))
            steps += 1
        history.append(total / max(steps, 1))
    out[unseen] = table.numpy()
    return out, history


def update_unseen_vectors(
    initial: np.ndarray, current: np.ndarray, seen: np.ndarray, config: OOVUpdateConfig | None = None
) -> OOVUpdateResult:
    """Refit the rows of ``current`` not marked ``seen`` from the ``initial`` table (Eq. 3-4, or
    the linear closed form); the seen rows are returned exactly as they are in ``current``."""
    config = config or OOVUpdateConfig()
    config.validate()
    initial, current, seen = _check_tables(initial, current, seen)
    n_unseen = int((~seen).sum())
    if config.method == "linear":
        return OOVUpdateResult(linear_update(initial, current, seen, config.ridge, config.chunk_size), n_unseen)
    vectors, history = sigmoid_update(initial, current, seen, config)
    return OOVUpdateResult(vectors, n_unseen, history)

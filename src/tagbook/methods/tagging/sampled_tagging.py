"""Sampled image tagging with joint word-vector optimisation (Ni et al., Lab41; chapter 04).

An image's features :math:`\\mathbf{x}` go through a network :math:`h` to a point in word-vector
space, :math:`\\mathbf{f} = h(\\mathbf{x}, \\{W_i\\})` (Eq. 2), and a word :math:`w` scores
:math:`\\mathbf{f}^\\top\\mathbf{v}_w`: the output layer *is* the word-vector matrix, one row per
word of the vocabulary (GloVe's 400,000 words in the chapter), initialised from pre-trained
vectors (Sec. 3.1) and, unlike most earlier work, optimised with the network ("Opt"). Training
minimises Eq. 1 (see :mod:`tagbook.methods.tagging.sampled_losses`) over ``P = 5`` positive tags
drawn uniformly from each image's tags and ``N = 10`` negatives drawn from the training tag
distribution (:mod:`tagbook.methods.tagging.negative_sampling`), with :math:`\\alpha = 0.01`.
``alpha = 0`` is the released code's variant (it has no :math:`\\alpha` term).

One class covers the rows of the paper's Tables 2-3, chosen by the config (see
:data:`PAPER_VARIANTS` and :func:`variant_config`):

==================  =================  ===========  ===================
paper's name        ``loss``           ``sampled``  word vectors
==================  =================  ===========  ===================
S+Opt+X-Ent         cross_entropy      True         optimised (default)
S Fixed WV          cross_entropy      True         frozen
Opt+X-Ent (Full)    cross_entropy      False        optimised
X-Ent (Fixed WV)    cross_entropy      False        frozen
S+Fast0Tag          fast0tag           True         frozen
Fast0Tag            fast0tag           False        frozen
==================  =================  ===========  ===================

**Sparse updates at 400k words.** In the sampled objectives a step reads only the ``B x (P + N)``
word vectors it drew and updates only those rows, with lazy Adam (the algorithm of
``torch.optim.SparseAdam``) or plain SGD written as row operations
(:class:`~tagbook.methods.tagging.sampled_rows.RowOptimiser`), so a step costs
:math:`O(B (P + N) d)` whatever the vocabulary.
The full objectives multiply by the whole table and update it densely (Adam): :math:`O(B |V| d)`,
which is what Table 1 times. The paper kept the table in CPU memory and the network on the GPU
(Sec. 3.2); here both are on the CPU.

The step runs the network, then the output part (look-up or product, loss, its backward into the
word vectors and ``f``, the word-vector update), then back-propagates ``f``'s gradient through
the network: the same gradients as one backward pass, and each part is timed
(:class:`StepTimes`), which is how the benchmark and the chapter measure the sampling share and
the output layer's cost.

Choices the paper leaves open, made here: ReLU between the layers of :math:`h` (the paper names
only the widths, 4096 -> 8192 -> 2048 -> 300; the default is 1280 -> 512 -> d for 2 CPU cores;
:meth:`SampledTaggerConfig.paper` gives the paper's); features standardised on the training images;
word vectors scaled to unit length first (``unit_word_vectors``, as the released code does); Adam
with learning rate 1e-3 for the network and the word vectors (the code's default, 1e-4, was for
hundreds of epochs); the full objectives run over the words used as training tags
(``full_over_vocabulary=True``: all words), so that words never seen as a tag keep their vectors.
Words that no training step touched are recorded (``touched_``) for the out-of-vocabulary update
(:mod:`tagbook.methods.tagging.oov_update`).

**Data-parallel under torchrun.** ``fit`` reads its place in a ``torchrun`` launch from the
environment (:mod:`tagbook.training.distributed`, gloo on CPU), so the same script trains in one
process or several. Every rank draws the same batches and the same positives and negatives (one
seed), computes the loss of its contiguous shard of each batch, weighted by ``b / B`` (its shard
size over the batch size), and the gradients are summed over the ranks: the sum is then the
whole batch's gradient, and training matches one process up to float rounding. The word-vector
table is **replicated**: every rank holds all ``V x d`` values. In the sampled objectives a rank
gathers the distinct rows of the *whole* batch's samples (as one process would) and only the
``U <= B (P + N)`` gathered rows' gradients are summed over the ranks, so the communication per
step is ``U x d`` floats (at most 1920 x 50 at batch 128, P = 5, N = 10), whatever the vocabulary,
and every rank applies the same row update. The full objectives sum the dense ``V x d`` gradient
of the table, which is what makes them expensive to distribute as well as to compute. The cost of
replication is memory: each process holds the table, its two Adam moments and the initial copy
(4 x 400,000 x 50 float32, 320 MB, at GloVe's size).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from tagbook.methods.tagging.inputs import (
    FeatureScaler,
    as_features,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_seed,
)
from tagbook.methods.tagging.negative_sampling import NEGATIVE_SCHEMES, make_negative_sampler, sample_positives
from tagbook.training.checkpoints import load_checkpoint, save_checkpoint
from tagbook.methods.tagging.oov_update import OOVUpdateConfig, OOVUpdateResult, update_unseen_vectors
from tagbook.methods.tagging.sampled_inputs import (
    as_tag_rows,
    as_word_vectors,
    batch_positives,
    tag_frequencies,
    tagged_rows,
    unit_rows,
)
from tagbook.methods.tagging.sampled_losses import (
    full_cross_entropy,
    full_fast0tag,
    sampled_cross_entropy,
    sampled_fast0tag,
)
from tagbook.methods.tagging.sampled_rows import ROW_OPTIMISERS, RowOptimiser
from tagbook.methods.tagging.sampled_scoring import WordSpaceScorer
from tagbook.methods.tagging.sampling import TagIndex
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext

LOSSES = ("cross_entropy", "fast0tag")


@dataclass
class SampledTaggerConfig:
    """Hyper-parameters of the sampled tagger; defaults are the paper's method, "S+Opt+X-Ent"."""

    hidden: tuple[int, ...] = (512,)  # widths of h's hidden layers (paper: 8192, 2048 after 4096-d input)
    loss: str = "cross_entropy"  # Eq. 1 ("cross_entropy") or Eq. 5 ("fast0tag")
    sampled: bool = True  # P positives and N negatives per image; False: every candidate word
    optimise_word_vectors: bool = True  # "Opt": the word vectors are parameters too
    alpha: float = 0.01  # weight of Eq. 1's word-vector term (0: the released code)
    n_positive: int = 5  # P
    n_negative: int = 10  # N
    negatives: str = "frequency"  # "frequency", "pool" or "adjacent" (Sec. 3.3)
    negative_power: float = 1.0  # p(w) ~ freq(w)^power; 1 = raw frequency (paper), 0.75 = word2vec
    pool_size: int = 100_000  # words pre-sampled per epoch by the "pool" scheme
    unit_word_vectors: bool = True  # scale the initial word vectors to unit length
    full_over_vocabulary: bool = False  # full objectives: every word (True) or the training tags
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 1e-3  # Adam on h
    word_learning_rate: float = 1e-3  # on the word vectors
    word_optimiser: str = "adam"  # lazy (row) Adam when sampled, Adam when full; or "sgd"
    standardise: bool = True  # standardise features on the training images
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    @classmethod
    def paper(cls, **overrides) -> "SampledTaggerConfig":
        """The paper's network, 4096-d features -> 8192 -> 2048 -> 300 (the word-vector size)."""
        return cls(**{"hidden": (8192, 2048), **overrides})

    def validate(self) -> None:
        hidden = tuple(self.hidden)
        for width in hidden:
            check_positive_int(width, "hidden (each width)")
        self.hidden = hidden
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.negatives not in NEGATIVE_SCHEMES:
            raise ValueError(f"negatives must be one of {NEGATIVE_SCHEMES}, got {self.negatives!r}")
        if self.word_optimiser not in ROW_OPTIMISERS:
            raise ValueError(f"word_optimiser must be one of {ROW_OPTIMISERS}, got {self.word_optimiser!r}")
        for name in ("n_positive", "n_negative", "pool_size", "epochs", "batch_size", "num_threads"):
            check_positive_int(getattr(self, name), name)
        for name in ("learning_rate", "word_learning_rate"):
            check_positive(getattr(self, name), name)
        for name in ("alpha", "negative_power"):
            check_non_negative(getattr(self, name), name)
        if self.loss == "fast0tag" and self.alpha:
            raise ValueError(f"alpha belongs to the cross-entropy objective (Eq. 1); Fast0Tag needs alpha=0, got {self.alpha!r}")
        check_seed(self.seed)


PAPER_VARIANTS: dict[str, dict] = {
    "S+Opt+X-Ent": dict(loss="cross_entropy", sampled=True, optimise_word_vectors=True),
    "S Fixed WV": dict(loss="cross_entropy", sampled=True, optimise_word_vectors=False),
    "Opt+X-Ent": dict(loss="cross_entropy", sampled=False, optimise_word_vectors=True),
    "X-Ent": dict(loss="cross_entropy", sampled=False, optimise_word_vectors=False),
    "S+Fast0Tag": dict(loss="fast0tag", sampled=True, optimise_word_vectors=False, alpha=0.0),
    "Fast0Tag": dict(loss="fast0tag", sampled=False, optimise_word_vectors=False, alpha=0.0),
}
"""The paper's rows as config settings. Tables 2-3 call "X-Ent" "Fixed WV", "Opt+X-Ent" "Full
XEntropy" and "S+Opt+X-Ent" "Proposed Algorithm"."""


def variant_config(name: str, **overrides) -> SampledTaggerConfig:
    """The config of the paper's row ``name`` (a key of :data:`PAPER_VARIANTS`), with ``overrides``."""
    if name not in PAPER_VARIANTS:
        raise ValueError(f"unknown variant {name!r}; known: {', '.join(PAPER_VARIANTS)}")
    return SampledTaggerConfig(**{**PAPER_VARIANTS[name], **overrides})


class ImageToWordSpace(nn.Module):
    """:math:`h(\\mathbf{x}, \\{W_i\\})` of Eq. 2: linear layers with ReLU between, the last one
    linear, ending in the word-vector dimension."""

    def __init__(self, n_features: int, hidden: tuple[int, ...], dim: int):
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, dim))
        self.layers = nn.Sequential(*layers)
        self.n_features, self.dim = n_features, dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


@dataclass
class StepTimes:
    """Seconds spent in each part of the training steps so far."""

    sampling: float = 0.0  # drawing the positives and negatives
    network_forward: float = 0.0  # f = h(x)
    output: float = 0.0  # word vectors: look-up or product, loss, its backward, their update
    network_backward: float = 0.0  # f's gradient back through h, and h's update
    steps: int = 0

    @property
    def total(self) -> float:
        return self.sampling + self.network_forward + self.output + self.network_backward

    @property
    def sampling_share(self) -> float:
        """Fraction of the step time spent sampling."""
        return self.sampling / self.total if self.total > 0 else 0.0

    def mean_ms(self) -> dict[str, float]:
        """Milliseconds per step of each part and of the whole step."""
        n = max(self.steps, 1)
        parts = {name: 1e3 * getattr(self, name) / n for name in ("sampling", "network_forward", "output", "network_backward")}
        return {**parts, "step": 1e3 * self.total / n}


class SampledTrainer:
    """The state of one training run: network, word table, samplers and optimisers.

    ``SampledTagger.fit`` drives it; a benchmark can call :meth:`step` on chosen batches.
    ``features`` are already standardised, ``word_vectors`` already scaled. ``context``: the
    process's place in a data-parallel launch (default: a single process; see the module docstring)."""

    def __init__(self, config: SampledTaggerConfig, features: np.ndarray, tag_rows, word_vectors: np.ndarray,
                 context: DistributedContext | None = None):
        config.validate()
        self.config = config
        self.context = context if context is not None else DistributedContext()
        self.rng = seed_everything(config.seed)
        torch.set_num_threads(config.num_threads)
        self.inputs = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
        self.tag_rows = tag_rows
        self.index = TagIndex(tag_rows)
        self.rows = tagged_rows(tag_rows)
        if self.rows.size == 0:
            raise ValueError("tags: no image has a tag; nothing to train on")
        self.frequencies = tag_frequencies(tag_rows)
        n_words, dim = word_vectors.shape
        self.net = ImageToWordSpace(self.inputs.shape[1], config.hidden, dim)
        table = torch.from_numpy(np.array(word_vectors, dtype=np.float32))
        if config.optimise_word_vectors and not config.sampled:
            table = nn.Parameter(table)  # the full objectives update the whole table densely
        self.table = table
        self.touched = np.zeros(n_words, dtype=bool)
        self.times = StepTimes()
        self.negative_sampler = None
        if config.sampled:
            self.negative_sampler = make_negative_sampler(
                config.negatives, self.frequencies, config.negative_power, config.pool_size
            )
            self.candidates = None
        else:
            self.candidates = None if config.full_over_vocabulary else np.flatnonzero(self.frequencies > 0)
            self.candidate_position = np.full(n_words, -1, dtype=np.int64)
            cand = np.arange(n_words) if self.candidates is None else self.candidates
            self.candidate_position[cand] = np.arange(cand.size)
        if self.context.is_distributed:  # every rank starts from rank 0's network
            with torch.no_grad():
                for p in self.net.parameters():
                    torch.distributed.broadcast(p, src=0)
        self.net_optimiser = torch.optim.Adam(self.net.parameters(), lr=config.learning_rate)
        self.word_optimiser = self._word_optimiser()

    def _word_optimiser(self) -> torch.optim.Optimizer | RowOptimiser | None:
        cfg = self.config
        if not cfg.optimise_word_vectors:
            return None
        if cfg.sampled:
            return RowOptimiser(self.table, cfg.word_learning_rate, cfg.word_optimiser)
        if cfg.word_optimiser == "sgd":
            return torch.optim.SGD([self.table], lr=cfg.word_learning_rate)
        return torch.optim.Adam([self.table], lr=cfg.word_learning_rate)

    # -- one step -------------------------------------------------------------------------
    def step(self, rows: np.ndarray) -> float:
        """One training step on the images ``rows`` (indices into the features); returns its loss
        (the mean over the whole batch, on every rank of a launch)."""
        cfg = self.config
        ctx = self.context
        rows = np.asarray(rows, dtype=np.int64)
        t0 = time.perf_counter()
        samples = None
        if cfg.sampled:  # drawn for the whole batch on every rank: the same draws as one process
            pos = sample_positives(self.index, rows, cfg.n_positive, self.rng)
            neg = self.negative_sampler.sample(self.index, rows, cfg.n_negative, self.rng)
            samples = (pos, neg)
        local, weight = slice(None), 1.0
        if ctx.is_distributed:
            shard = ctx.shard(np.arange(rows.size))
            # an empty shard (a batch smaller than the world) runs one image at weight 0
            local = shard if shard.size else np.arange(1)
            weight = shard.size / rows.size
        t1 = time.perf_counter()
        self.net.train()
        f = self.net(self.inputs[torch.from_numpy(rows[local])])
        t2 = time.perf_counter()
        f_out = f.detach().requires_grad_(True)
        loss, gathered, touched = self._output_loss(f_out, rows, samples, local)
        if weight != 1.0:
            loss = loss * weight
        if isinstance(self.word_optimiser, torch.optim.Optimizer):
            self.word_optimiser.zero_grad(set_to_none=True)
        loss.backward()
        if ctx.is_distributed and self.word_optimiser is not None:
            word_grad = gathered if gathered is not None else self.table
            if word_grad.grad is None:
                word_grad.grad = torch.zeros_like(word_grad)
            torch.distributed.all_reduce(word_grad.grad)  # the rows of the batch (sampled) or the table
        if isinstance(self.word_optimiser, RowOptimiser):
            self.word_optimiser.step(gathered)
        elif self.word_optimiser is not None:
            self.word_optimiser.step()
        if self.word_optimiser is not None:
            self.touched[touched] = True
        t3 = time.perf_counter()
        self.net_optimiser.zero_grad(set_to_none=True)
        f.backward(f_out.grad)
        value = loss.detach().reshape(1)
        if ctx.is_distributed:  # one sum of every gradient of h and of the loss
            params = list(self.net.parameters())
            flat = torch.cat([p.grad.reshape(-1) for p in params] + [value])
            torch.distributed.all_reduce(flat)
            offset = 0
            for p in params:
                p.grad.copy_(flat[offset : offset + p.numel()].view_as(p))
                offset += p.numel()
            value = flat[-1:]
        self.net_optimiser.step()
        t4 = time.perf_counter()
        times = self.times
        times.sampling += t1 - t0
        times.network_forward += t2 - t1
        times.output += t3 - t2
        times.network_backward += t4 - t3
        times.steps += 1
        return float(value)

    def _output_loss(self, f: torch.Tensor, rows: np.ndarray, samples, local=slice(None)):
        """The loss of the output part over the images ``rows[local]`` (``f``'s rows), the gathered
        rows (sampled, optimised: those of the whole batch) and the touched words (the whole batch's)."""
        cfg = self.config
        alpha = cfg.alpha if cfg.optimise_word_vectors else 0.0  # with frozen vectors the term is a constant
        if cfg.sampled:
            pos, neg = samples
            ids = np.concatenate([pos, neg], axis=1)
            gathered = None
            if self.word_optimiser is not None:
                gathered, inverse = self.word_optimiser.gather(ids)  # the distinct rows, a leaf
                vectors = gathered[inverse[local]]  # (b, P + N, d)
            else:
                vectors = self.table[torch.from_numpy(ids[local])]
            v_pos, v_neg = vectors[:, : cfg.n_positive], vectors[:, cfg.n_positive :]
            if cfg.loss == "cross_entropy":
                loss = sampled_cross_entropy(f, v_pos, v_neg, alpha, torch.from_numpy(pos[local]))
            else:
                loss = sampled_fast0tag(f, v_pos, v_neg)
            return loss, gathered, ids.reshape(-1)
        image, word = batch_positives(self.tag_rows, rows[local])
        table = self.table
        if self.candidates is not None:
            table = table[torch.from_numpy(self.candidates)]
        position = self.candidate_position[word]
        if cfg.loss == "cross_entropy":
            loss = full_cross_entropy(f, table, image, position, alpha)
        else:
            loss = full_fast0tag(f, table, image, position)
        touched = slice(None) if self.candidates is None else self.candidates
        return loss, None, touched

    # -- epochs ---------------------------------------------------------------------------
    def run_epoch(self) -> float:
        """One pass over the tagged images in random order; the mean loss per image."""
        cfg = self.config
        if self.negative_sampler is not None:
            self.negative_sampler.start_epoch(self.rng)
        order = self.rng.permutation(self.rows)
        total = 0.0
        for start in range(0, order.size, cfg.batch_size):
            batch = order[start : start + cfg.batch_size]
            total += self.step(batch) * batch.size
        return total / order.size


class SampledTagger(WordSpaceScorer):
    """Image tagging into a word-vector vocabulary (Ni et al.), with ``fit`` / ``top_k`` / ``score``.

    >>> model = SampledTagger().fit(features, tags, glove_vectors)   # tags: lists of word indices
    >>> words, scores = model.top_k(test_features, k=5)              # over all 400k words, chunked
    >>> model.update_out_of_vocabulary()                             # Sec. 2.1, Eq. 3-4
    >>> images, _ = model.retrieve([glove.row("grass")], test_features, k=6)
    """

    config_class = SampledTaggerConfig

    def __init__(self, config: SampledTaggerConfig | None = None):
        self.config = config or self.config_class()
        self.config.validate()
        self.net: ImageToWordSpace | None = None
        self.scaler: FeatureScaler | None = None
        self.word_vectors_: np.ndarray | None = None  # (V, d) float32, the scoring table
        self.initial_word_vectors_: np.ndarray | None = None  # what training started from
        self.touched_: np.ndarray | None = None  # (V,) bool: rows some training step updated
        self.frequencies_: np.ndarray | None = None  # (V,) training tag frequencies
        self.history_: list[float] = []  # mean loss per image, each epoch
        self.times_: StepTimes | None = None

    # -- training -------------------------------------------------------------------------
    def fit(self, features, tags, word_vectors, context: DistributedContext | None = None,
            on_epoch=None) -> "SampledTagger":
        """Train on ``features (N, n_features)``, ``tags`` (per image lists of word indices, or a
        0/1 ``(N, V)`` matrix) and the initial ``word_vectors (V, d)`` (row ``w`` = word ``w``).

        ``context``: the data-parallel launch (default: read from the environment, a single
        process without ``torchrun``; module docstring). ``on_epoch(epoch, model)``, if given, is
        called after each epoch (from 1) with the model as trained so far, ready to score (a
        learning curve evaluates it there; it must not train it)."""
        x = as_features(features)
        vectors = as_word_vectors(word_vectors)
        tag_rows = as_tag_rows(tags, x.shape[0], vectors.shape[0])
        if self.config.unit_word_vectors:
            vectors = unit_rows(vectors)
        self.scaler = FeatureScaler.fit(x) if self.config.standardise else FeatureScaler.identity(x.shape[1])
        ctx = context if context is not None else DistributedContext.from_environment()
        trainer = SampledTrainer(self.config, self.scaler.transform(x), tag_rows, vectors, context=ctx)
        self.history_ = []
        name = type(self).__name__
        bar = tqdm(range(self.config.epochs), desc=name, disable=not (self.config.show_progress and ctx.is_main))
        self.initial_word_vectors_ = vectors
        self.touched_ = trainer.touched
        self.frequencies_ = trainer.frequencies
        self.times_ = trainer.times
        for epoch in bar:
            self.history_.append(trainer.run_epoch())
            bar.set_postfix(loss=f"{self.history_[-1]:.4f}")
            if on_epoch is not None:
                trainer.net.eval()
                self.net = trainer.net
                self.word_vectors_ = trainer.table.detach().numpy().copy()
                on_epoch(epoch + 1, self)
        trainer.net.eval()
        self.net = trainer.net
        self.word_vectors_ = trainer.table.detach().numpy()
        return self

    def update_out_of_vocabulary(self, config: OOVUpdateConfig | None = None) -> OOVUpdateResult:
        """Sec. 2.1: refit the vectors no training step touched so that their sigmoid correlations
        with every word match the initial ones (Eq. 3-4); the scoring table is replaced."""
        self._check_fitted()
        result = update_unseen_vectors(self.initial_word_vectors_, self.word_vectors_, self.touched_, config)
        self.word_vectors_ = result.vectors
        return result

    # -- scoring --------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if self.net is None:
            raise RuntimeError(f"the model is not trained: call fit() or {type(self).__name__}.load() first")

    def image_vectors(self, features, batch_size: int = 4096) -> np.ndarray:
        """The images' points :math:`\\mathbf{f} = h(\\mathbf{x})` in word space, ``(n, d)`` float32."""
        self._check_fitted()
        x = torch.from_numpy(self.scaler.transform(as_features(features, n_features=self.net.n_features)))
        with torch.no_grad():
            out = [self.net(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return torch.cat(out).numpy()

    def scoring_word_vectors(self) -> np.ndarray:
        """The word table the model scores with, ``(V, d)`` float32 (trained, and OOV-updated if done)."""
        self._check_fitted()
        return self.word_vectors_

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path, **metadata) -> Path:
        """Write config, network, word tables, touched rows and ``metadata`` to ``path``."""
        self._check_fitted()
        return save_checkpoint(
            path, "sampled_tagger", self.config,
            **{"class": type(self).__name__},
            n_features=self.net.n_features,
            state_dict=self.net.state_dict(),
            scaler=(torch.from_numpy(self.scaler.mean), torch.from_numpy(self.scaler.scale)),
            word_vectors=torch.from_numpy(np.ascontiguousarray(self.word_vectors_)),
            initial_word_vectors=torch.from_numpy(self.initial_word_vectors_),
            touched=torch.from_numpy(self.touched_),
            frequencies=torch.from_numpy(self.frequencies_),
            history=list(self.history_),
            metadata=metadata,
        )

    @classmethod
    def load(cls, path: str | Path) -> tuple["SampledTagger", dict]:
        """Load a model written by :meth:`save`; returns ``(model, metadata)``."""
        blob = load_checkpoint(path, "sampled_tagger", "sampled-tagger model")
        known = {f.name for f in fields(cls.config_class)}
        settings = {k: v for k, v in blob["config"].items() if k in known}
        settings["hidden"] = tuple(settings.get("hidden", ()))
        model = cls(cls.config_class(**settings))
        vectors = blob["word_vectors"].numpy()
        model.net = ImageToWordSpace(int(blob["n_features"]), model.config.hidden, vectors.shape[1])
        model.net.load_state_dict(blob["state_dict"])
        model.net.eval()
        mean, scale = blob["scaler"]
        model.scaler = FeatureScaler(mean.numpy(), scale.numpy())
        model.word_vectors_ = vectors
        model.initial_word_vectors_ = blob["initial_word_vectors"].numpy()
        model.touched_ = blob["touched"].numpy()
        model.frequencies_ = blob["frequencies"].numpy()
        model.history_ = list(blob.get("history", []))
        return model, dict(blob.get("metadata", {}))

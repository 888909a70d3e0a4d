"""AME's training loop: the ranking loss over batches, the alignment loss over the lexicon,
data-parallel under ``torchrun`` (:mod:`tagbook.training.distributed`).

An epoch shuffles the training items (``batch_layout="paired"``: one item per image and caption
slot, carrying one caption of each language; ``"mixed"``: one item per caption of either
language) and walks them in batches. Adam trains the encoders (and the word embeddings unless
frozen); its learning rate is divided by 10 every ``decay_every`` epochs and the gradient norm is
clipped (VSE++). The alignment matrices take their own steps (see
:mod:`tagbook.methods.retrieval.config` for the ``"paper"`` and ``"released"`` variants).

Data parallelism. The ranking loss of a batch compares every item with every other, so it is
not a sum of per-shard losses. Each rank encodes its shard of the batch (the expensive part,
the GRU); the embeddings of all shards are gathered (``all_gather``), and each rank evaluates
the FULL batch loss with its own shard's embeddings live and the others' as constants. The
gradient one rank gets is then the full-batch gradient through its own items, and the sum over
ranks is the full-batch gradient; DistributedDataParallel averages over the ``W`` ranks, so each
rank scales its loss by ``W``. The alignment loss is computed identically on every rank (it
does not depend on the batch), so its average is itself. Two processes therefore train the
weights one process trains, up to float rounding; in one process the loop is the plain one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from tagbook.methods.retrieval.config import AMEConfig
from tagbook.methods.retrieval.losses import rcsls_loss, ranking_loss, unit_rows
from tagbook.methods.retrieval.networks import AlignmentMatrices, AMENetwork, pad_captions
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext

__all__ = ["TrainingData", "epoch_items", "batch_inputs", "batch_ranking_loss", "shard_ranking_loss", "alignment_loss", "joint_update",
           "gather_rows", "train_ame"]


@dataclass
class TrainingData:
    """What the loop reads, already encoded.

    ``captions[l][i]`` lists the row-id captions of image ``i`` in language ``l`` (an index into
    the model's languages). ``pairs`` are the lexicon's ``(row in language 0, row in language
    1)`` for the alignment loss, ``neighbours[l]`` the rows of language ``l`` searched for
    neighbours (both ``None`` without alignment).
    """

    features: torch.Tensor
    captions: list[list[list[list[int]]]]
    pairs: tuple[torch.Tensor, torch.Tensor] | None = None
    neighbours: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def n_images(self) -> int:
        return int(self.features.shape[0])

    @property
    def n_languages(self) -> int:
        return len(self.captions)


def epoch_items(data: TrainingData, layout: str) -> np.ndarray:
    """The items of one epoch, unshuffled, as rows ``(image, language, caption)``.

    ``"paired"``: one item per image and caption slot (``language`` is -1: the item carries
    caption ``slot % n`` of every language); ``"mixed"``: one item per caption.
    """
    rows = []
    for image in range(data.n_images):
        counts = [len(per_lang[image]) for per_lang in data.captions]
        if layout == "paired":
            rows += [(image, -1, slot) for slot in range(max(counts))]
        else:
            rows += [(image, lang, c) for lang, n in enumerate(counts) for c in range(n)]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


EncoderInputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]


def batch_inputs(data: TrainingData, items: np.ndarray) -> EncoderInputs:
    """Encoder inputs of ``items``: ``(features, tokens, lengths, languages, groups)``.

    Captions come group-major: with ``groups = G`` caption sets (G languages when paired, one
    mixed set otherwise), caption ``g * len(items) + j`` belongs to item ``j``.
    """
    images = items[:, 0]
    features = data.features[torch.as_tensor(images)].float()
    if len(items) and items[0, 1] < 0:  # paired: one caption of every language per item
        captions, languages = [], []
        for lang in range(data.n_languages):
            for image, _, slot in items:
                options = data.captions[lang][image]
                captions.append(options[slot % len(options)])
                languages.append(lang)
        groups = data.n_languages
    else:
        captions = [data.captions[lang][image][c] for image, lang, c in items]
        languages = items[:, 1].tolist()
        groups = 1
    tokens, lengths = pad_captions(captions)
    return features, tokens, lengths, torch.as_tensor(languages, dtype=torch.long), groups


def gather_rows(ctx: DistributedContext, own: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
    """The rows of every rank's shard in rank order, this rank's own rows kept live (with their
    graph) and the others' as constants. ``sizes[r]`` is rank ``r``'s row count."""
    if not ctx.is_distributed:
        return own
    biggest = max(sizes)
    padded = own.new_zeros(biggest, own.shape[1])
    padded[: len(own)] = own.detach()
    parts = [torch.empty_like(padded) for _ in range(ctx.world_size)]
    dist.all_gather(parts, padded)
    pieces = [part[:size] for part, size in zip(parts, sizes)]
    pieces[ctx.rank] = own
    return torch.cat(pieces)


def batch_ranking_loss(image_emb: torch.Tensor, caption_emb: torch.Tensor, groups: int, image_ids: np.ndarray,
                       config: AMEConfig) -> torch.Tensor:
    """The ranking loss (Eq. 1) of a whole batch, summed over its caption groups."""
    ids = torch.as_tensor(image_ids) if config.mask_same_image else None
    captions = caption_emb.reshape(groups, len(image_emb), -1)
    return sum(
        ranking_loss(image_emb, captions[g], config.similarity, config.effective_margin, config.max_violation, ids)
        for g in range(groups)
    )


def shard_ranking_loss(net: nn.Module, data: TrainingData, batch: np.ndarray, ctx: DistributedContext,
                       maps: torch.Tensor | None, config: AMEConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """``(this rank's loss to backpropagate, the batch's ranking loss)`` (see the module docstring).

    The rank encodes its shard of ``batch``; the full batch loss is computed with its own rows
    live and the other ranks' gathered as constants, times the world size (DDP averages). A rank
    with an empty shard (a last batch smaller than the world) still runs one stand-in item
    through the network, at weight 0: every rank must join DDP's gradient average.
    """
    sizes = [len(part) for part in np.array_split(np.arange(len(batch)), ctx.world_size)]
    shard = ctx.shard(batch)
    features, tokens, lengths, languages, groups = batch_inputs(data, shard if len(shard) else batch[:1])
    image_emb, caption_emb = net(features, tokens, lengths, languages, maps)
    mine, dim = len(shard), image_emb.shape[1]
    own_captions = caption_emb.reshape(groups, len(image_emb), dim)[:, :mine].transpose(0, 1)
    own = torch.cat([image_emb[:mine], own_captions.reshape(mine, groups * dim)], dim=1)
    full = gather_rows(ctx, own, sizes)  # one row per item: its image and its caption(s)
    full_captions = full[:, dim:].reshape(len(batch), groups, dim).transpose(0, 1).reshape(-1, dim)
    ranking = batch_ranking_loss(full[:, :dim], full_captions, groups, batch[:, 0], config)
    return ranking * ctx.world_size + 0.0 * (image_emb.sum() + caption_emb.sum()), ranking


def alignment_loss(table: torch.Tensor, maps: torch.Tensor, data: TrainingData, k: int,
                   pair_subset: np.ndarray | None = None) -> torch.Tensor:
    """RCSLS (Eq. 3) between the two languages' current word vectors, each unit-normalised and
    mapped by its language's matrix; neighbourhoods among ``data.neighbours``."""
    if data.pairs is None or data.neighbours is None:
        raise ValueError("the alignment loss needs lexicon pairs: fit with a lexicon")
    rows_a, rows_b = data.pairs
    if pair_subset is not None:
        rows_a, rows_b = rows_a[pair_subset], rows_b[pair_subset]
    source = unit_rows(table[rows_a]) @ maps[0].T
    target = unit_rows(table[rows_b]) @ maps[1].T
    space_a = unit_rows(table[data.neighbours[0]]) @ maps[0].T
    space_b = unit_rows(table[data.neighbours[1]]) @ maps[1].T
    return rcsls_loss(source, target, space_a, space_b, k)


class ReleasedAlignmentStep:
    """The released code's alignment update: one gradient step of RCSLS on the matrices alone
    (word vectors held fixed), every iteration; the step size is halved, and the previous
    matrices restored, whenever the loss rose over the previous iteration's. ``spectral``:
    project onto the spectral-norm unit ball after the step (the released code does not)."""

    def __init__(self, matrices: AlignmentMatrices, lr: float, spectral: bool = True):
        self.matrices, self.lr, self.spectral = matrices, lr, spectral
        self.previous_loss: float | None = None
        self.previous_maps: torch.Tensor | None = None

    def __call__(self, table: torch.Tensor, data: TrainingData, k: int, pair_subset: np.ndarray | None) -> float:
        maps = self.matrices.maps
        loss = alignment_loss(table.detach(), maps, data, k, pair_subset)
        (grad,) = torch.autograd.grad(loss, [maps])
        value = float(loss.detach())
        with torch.no_grad():
            if self.previous_loss is not None and value > self.previous_loss:
                self.lr /= 2.0
                maps.copy_(self.previous_maps)
            else:
                self.previous_loss, self.previous_maps = value, maps.detach().clone()
                maps -= self.lr * grad
        if self.spectral:
            self.matrices.project_to_spectral_ball()
        return value


Monitor = Callable[[int, int], "float | None"]


def joint_update(loss: torch.Tensor, word_table: torch.Tensor, matrices: AlignmentMatrices, data: TrainingData,
                 config: AMEConfig, iteration: int, subset, optimiser: torch.optim.Optimizer,
                 trainable: Sequence[torch.Tensor]) -> float | None:
    """One optimiser step on the ranking ``loss`` plus, on the paper's alignment every
    ``alignment_every`` iterations, Eq. 3's alignment loss (Eq. 4: the equally weighted sum); the
    alignment maps then take their own plain gradient step (``alignment_lr``, and the spectral
    projection when asked). Returns the alignment loss when it was added, else None."""
    with_alignment = config.alignment == "paper" and iteration % config.alignment_every == 0
    aligned = None
    if with_alignment:
        aligned = alignment_loss(word_table, matrices.maps, data, config.alignment_k, subset)
        loss = loss + aligned  # Eq. 4: the equally weighted sum
    optimiser.zero_grad(set_to_none=True)
    matrices.zero_grad(set_to_none=True)
    loss.backward()
    if config.grad_clip > 0:
        nn.utils.clip_grad_norm_(trainable, config.grad_clip)
    optimiser.step()
    if with_alignment:
        with torch.no_grad():
            matrices.maps -= config.alignment_lr * matrices.maps.grad
        if config.alignment_constraint == "spectral":
            matrices.project_to_spectral_ball()
    return None if aligned is None else float(aligned.detach())


def train_ame(
    network: AMENetwork,
    matrices: AlignmentMatrices,
    data: TrainingData,
    config: AMEConfig,
    context: DistributedContext | None = None,
    monitor: Monitor | None = None,
    monitor_every: int | None = None,
    desc: str = "AME",
) -> tuple[list[dict], list[dict], dict | None]:
    """Train ``network`` (and ``matrices``) in place.

    ``monitor(iteration, epoch)`` is called every ``monitor_every`` iterations (None: after every
    epoch) with the model in eval mode; a float it returns is recorded, and the weights at the
    highest value are returned as the best state (early stopping on a validation score, as the
    paper and VSE++ do).

    Returns ``(history, monitored, best_state)``: the mean ranking and alignment loss of every
    epoch (the alignment loss None when none was computed); ``{"iteration", "epoch", "value"}``
    per monitor call; and the best weights (``None`` when the monitor returned no number).
    """
    config.validate()
    ctx = context if context is not None else DistributedContext.from_environment()
    rng = seed_everything(config.seed)
    torch.set_num_threads(config.num_threads)
    if config.alignment != "none" and (data.pairs is None or data.n_languages != 2):
        raise ValueError(f"alignment={config.alignment!r} needs two languages and lexicon pairs")
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(trainable, lr=config.lr)
    net = ctx.wrap(network)
    use_maps = config.alignment != "none" or not matrices.is_identity()
    released = (ReleasedAlignmentStep(matrices, config.alignment_lr, config.alignment_constraint == "spectral")
                if config.alignment == "released" else None)
    items = epoch_items(data, config.batch_layout)
    n_pairs = 0 if data.pairs is None else len(data.pairs[0])
    history: list[dict] = []
    monitored: list[dict] = []
    best: tuple[float, dict] | None = None
    iteration = 0

    def run_monitor(epoch: int) -> None:
        nonlocal best
        if monitor is None:
            return
        network.eval()
        value = monitor(iteration, epoch)
        network.train()
        if value is None:
            return
        monitored.append({"iteration": iteration, "epoch": epoch, "value": float(value)})
        if best is None or float(value) > best[0]:
            best = (float(value), {"network": copy.deepcopy(network.state_dict()),
                                   "matrices": copy.deepcopy(matrices.state_dict())})

    network.train()
    bar = tqdm(range(config.epochs), desc=desc, disable=not (config.show_progress and ctx.is_main))
    for epoch in bar:
        for group in optimiser.param_groups:  # VSE++: lr * 0.1 ** (epoch // lr_update)
            group["lr"] = config.lr * 0.1 ** (epoch // config.decay_every)
        order = items[rng.permutation(len(items))]
        ranking_total, alignment_total, alignment_steps = 0.0, 0.0, 0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            subset = (rng.choice(n_pairs, size=config.alignment_max_pairs, replace=False)
                      if config.alignment != "none" and config.alignment_max_pairs
                      and config.alignment_max_pairs < n_pairs else None)
            if released is not None:
                alignment_total += released(network.word_table, data, config.alignment_k, subset)
                alignment_steps += 1
            maps = matrices.maps.detach() if use_maps else None
            loss, ranking = shard_ranking_loss(net, data, batch, ctx, maps, config)
            aligned = joint_update(loss, network.word_table, matrices, data, config, iteration, subset, optimiser,
                                   trainable)
            if aligned is not None:
                alignment_total += aligned
                alignment_steps += 1
            ranking_total += float(ranking.detach())
            iteration += 1
            if monitor_every and iteration % monitor_every == 0:
                run_monitor(epoch)
        history.append({
            "epoch": epoch,
            "ranking_loss": ranking_total / len(order),  # per item: the loss is a sum over the batch
            "alignment_loss": alignment_total / alignment_steps if alignment_steps else None,  # None: no alignment
        })
        bar.set_postfix(loss=f"{history[-1]['ranking_loss']:.4f}")
        if not monitor_every:
            run_monitor(epoch)
    network.eval()
    return history, monitored, (best[1] if best is not None else None)

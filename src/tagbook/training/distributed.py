"""Data-parallel training on CPU processes: ``torchrun``, the gloo backend, DistributedDataParallel.

The shared training loop of the visual-semantic models
(:func:`tagbook.training.label_sampling.train_label_sampling`, behind ``ConvVSE.fit`` and
``PooledVSE.fit``) reads its place in a launch from the environment, so a script that trains a
model in one process trains it, unchanged, in several::

    # train.py
    model = ConvVSE(ConvVSEConfig(epochs=10)).fit(conv_maps, targets, label_vectors)
    if DistributedContext.from_environment().is_main:
        model.save("model.pt")             # every rank holds the same weights: write them once

    torchrun --standalone --nproc_per_node 2 train.py     # 2 processes on this machine
    python train.py                                       # 1 process, the same results

``torchrun`` starts one process per rank and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR`` and ``MASTER_PORT`` in each (``--standalone`` picks a free port);
:meth:`DistributedContext.from_environment` reads them and joins the gloo process group. Without
them the context is a single process and every method below is a no-op. Each rank trains on its
shard of every batch, so two processes split the batch work; torchrun gives each process one
thread (``OMP_NUM_THREADS=1``), set ``num_threads`` in the config to match.

Inside a training loop::

    ctx = DistributedContext.from_environment()
    net = ctx.wrap(model)                          # DistributedDataParallel, or the model itself
    for batch in batches:                          # every rank draws the same batches (same seed)
        mine = ctx.shard(batch)                    # this rank's part of the batch
        loss = mean_loss(net, mine) * ctx.shard_weight(len(mine), len(batch))
        loss.backward()                            # DDP averages the gradients over the ranks
    epoch_loss = ctx.all_reduce_mean(loss_sum, items_seen)

Only rank 0 (``ctx.is_main``) shows progress bars and should write files. Training in several
processes equals training in one up to float rounding, fine-tuning of tagbook's backbones included
(they keep batch norm in eval mode); a backbone of your own with batch norm in training mode would
normalise each rank's shard on its own.

A check that two processes train the same weights as one::

    torchrun --standalone --nproc_per_node 2 -m tagbook.methods.vse.ddp_selftest
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


__all__ = ["DistributedContext", "LAUNCH_VARIABLES"]

LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
_RANK_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")  # any of these set means "launched"


def _int_variable(environ: Mapping[str, str], name: str) -> int:
    value = environ[name]
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {value!r}") from None


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a data-parallel launch.

    ``DistributedContext()`` is a single process: ``shard`` returns the whole batch, ``wrap`` the
    model itself, and nothing is communicated.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None  # None: no process group (a single process)

    def __post_init__(self) -> None:
        if self.world_size < 1:
            raise ValueError(f"world_size must be >= 1, got {self.world_size}")
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank must lie in [0, world_size={self.world_size}), got {self.rank}")
        if self.local_rank < 0:
            raise ValueError(f"local_rank must be >= 0, got {self.local_rank}")
        if self.world_size > 1 and self.backend is None:
            raise ValueError("a context with world_size > 1 needs a backend (its process group)")

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that shows progress and writes results."""
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    # -- set-up -----------------------------------------------------------------------------
    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        backend: str = "gloo",
        timeout: timedelta = timedelta(minutes=10),
    ) -> "DistributedContext":
        """The context of this process, joining the process group if a launch asks for one.

        - A process group already exists (a second model trained in the same launch, or one the
          caller set up): its rank and size.
        - None of ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` is set: a single process (``MASTER_ADDR``
          and ``MASTER_PORT`` alone are ignored).
        - Otherwise all five of :data:`LAUNCH_VARIABLES` must be set (``torchrun`` sets them);
          with ``WORLD_SIZE > 1`` the ``backend`` process group is initialised (``env://``),
          waiting at most ``timeout`` for the other ranks.
        """
        environ = os.environ if environ is None else environ
        if dist.is_available() and dist.is_initialized():
            return cls(
                rank=dist.get_rank(),
                world_size=dist.get_world_size(),
                local_rank=int(environ.get("LOCAL_RANK", 0)),
                backend=str(dist.get_backend()),
            )
        if not any(name in environ for name in _RANK_VARIABLES):
            return cls()
        missing = [name for name in LAUNCH_VARIABLES if not environ.get(name)]
        if missing:
            raise ValueError(
                f"distributed launch half configured: {', '.join(missing)} not set "
                f"(need all of {', '.join(LAUNCH_VARIABLES)}; launch with torchrun, or unset them all)"
            )
        rank, world_size, local_rank = (_int_variable(environ, name) for name in _RANK_VARIABLES)
        port = _int_variable(environ, "MASTER_PORT")
        if not 0 < port < 65536:
            raise ValueError(f"environment variable MASTER_PORT must be a port number, got {port}")
        if world_size < 1:
            raise ValueError(f"environment variable WORLD_SIZE must be >= 1, got {world_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"environment variable RANK must lie in [0, WORLD_SIZE={world_size}), got {rank}")
        if world_size == 1:
            return cls(local_rank=local_rank)
        if not dist.is_available():
            raise RuntimeError("this torch build has no torch.distributed; cannot join a launch")
        dist.init_process_group(
            backend, init_method="env://", rank=rank, world_size=world_size, timeout=timeout
        )
        return cls(rank=rank, world_size=world_size, local_rank=local_rank, backend=backend)

    def cleanup(self) -> None:
        """Leave the process group (call once, at the end of a launched script)."""
        if self.is_distributed and dist.is_initialized():
            dist.destroy_process_group()

    # -- training ---------------------------------------------------------------------------
    def wrap(self, model: nn.Module, find_unused_parameters: bool = False) -> nn.Module:
        """``DistributedDataParallel(model)`` on CPU (it starts every rank from rank 0's weights
        and averages gradients in ``backward``), or the model itself in a single process.

        ``find_unused_parameters``: the model holds trainable parameters its forward does not use
        (a backbone's ImageNet classifier); they keep no gradient, as in a single process.
        """
        if not self.is_distributed:
            return model
        return DistributedDataParallel(model, find_unused_parameters=find_unused_parameters)

    def shard(self, batch: np.ndarray) -> np.ndarray:
        """This rank's contiguous part of ``batch`` (indices drawn identically on every rank).

        The parts of all ranks are disjoint and cover the batch; their sizes differ by at most
        one (the first ``len(batch) % world_size`` ranks get one more) and may be zero when the
        batch is smaller than the world.
        """
        batch = np.asarray(batch)
        if not self.is_distributed:
            return batch
        return np.array_split(batch, self.world_size)[self.rank]

    def shard_weight(self, shard_size: int, batch_size: int) -> float:
        """The factor on this rank's mean shard loss that makes DDP's gradient the full batch's.

        The full-batch loss is the mean over its ``B`` items, :math:`L = \\frac{1}{B}\\sum_{i} \\ell_i`.
        DDP *averages* gradients over the ``W`` ranks, which gives that mean only when all shards
        have the same size. With rank ``r``'s mean loss :math:`L_r` over its :math:`b_r` items,

        .. math::

            \\frac{1}{W} \\sum_r \\nabla \\Big(\\frac{W b_r}{B} L_r\\Big)
            = \\frac{1}{B} \\sum_r \\sum_{i \\in \\text{shard}_r} \\nabla \\ell_i = \\nabla L,

        so the weight is :math:`W b_r / B`: exact for uneven shards, and exactly 1.0 in a single
        process (the plain loop's loss, bit for bit). It is 0 for an empty shard: that rank
        should still run forward and backward (on any one item), since DDP's gradient average
        waits for every rank.
        """
        if not 0 <= shard_size <= batch_size or batch_size < 1:
            raise ValueError(f"need 0 <= shard_size <= batch_size and batch_size >= 1, got {shard_size}, {batch_size}")
        return self.world_size * shard_size / batch_size

    def all_reduce_mean(self, total: float, count: float) -> float:
        """Global mean for logging: the sum of every rank's ``total`` over the sum of its ``count``."""
        if not self.is_distributed:
            return total / count
        both = torch.tensor([total, count], dtype=torch.float64)
        dist.all_reduce(both, op=dist.ReduceOp.SUM)
        return float(both[0] / both[1])

    def max_difference_from_main(self, module: nn.Module) -> float:
        """Largest absolute difference between this launch's copies of ``module``'s parameters
        (each rank's against rank 0's, maximum over ranks; 0.0 in a single process)."""
        if not self.is_distributed:
            return 0.0
        with torch.no_grad():
            mine = torch.cat([p.detach().reshape(-1).double() for p in module.parameters()])
            main = mine.clone()
            dist.broadcast(main, src=0)
            gap = (mine - main).abs().max().reshape(1)
            dist.all_reduce(gap, op=dist.ReduceOp.MAX)
        return float(gap)

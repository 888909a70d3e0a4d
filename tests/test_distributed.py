"""Data-parallel training: two gloo processes under torchrun train the weights one process trains."""


import numpy as np
import pytest
import torch
import torch.distributed as dist
from torch.nn import functional as F

from tagbook.methods.vse.ddp_selftest import SELFTEST_TOLERANCE, SELFTEST_VARIANTS, selftest_model, selftest_problem, selftest_train
from tagbook.training.distributed import DistributedContext
from tagbook.methods.vse.conv import ConvVSEConfig, ConvVSEHead
from tagbook.training.label_sampling import sample_label_sets, train_label_sampling, unit_rows
from tagbook.seeding import seed_everything
from ddp_launch import assert_weights_close, identical_ranks, run_two_process_selftest

LAUNCH = {
    "RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500",
}


# -- the known answer: 2 processes == 1 process ------------------------------------------------
@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    """The self-test under torchrun with 2 CPU processes; the folder of each rank's saved weights."""
    return run_two_process_selftest("tagbook.methods.vse.ddp_selftest", tmp_path_factory.mktemp("ddp"), len(SELFTEST_VARIANTS),
                                    rank_timeout_s=60, timeout_s=120)


@pytest.mark.parametrize("variant", SELFTEST_VARIANTS)
def test_two_processes_train_the_weights_of_one(two_rank_run, variant):
    ranks = identical_ranks(two_rank_run, variant)
    names = ranks[0]["state_dict"].keys()
    # the same training in this (single) process: equal up to float32 rounding
    # (see SELFTEST_TOLERANCE: measured gaps < 1e-7; without shard weights about 1e-2)
    model, losses = selftest_train(variant, context=DistributedContext())
    reference = model.state_dict()
    assert_weights_close(ranks[0]["state_dict"], reference, SELFTEST_TOLERANCE)
    assert np.allclose(ranks[0]["losses"], losses, rtol=0, atol=SELFTEST_TOLERANCE)
    # and training moved the weights far more than that (not two equal initialisations)
    head, backbone, _ = selftest_model(variant)
    untrained = (head if backbone is None else torch.nn.ModuleDict({"backbone": backbone, "head": head})).state_dict()
    assert max((reference[n] - untrained[n]).abs().max().item() for n in names) > 100 * SELFTEST_TOLERANCE
    # a backbone layer its forward leaves out keeps no gradient: not even weight decay touches it
    unused = [n for n in names if ".classifier." in n]
    assert bool(unused) == (variant == "fine_tune")
    for name in unused:
        assert torch.equal(ranks[0]["state_dict"][name], untrained[name]), name


# -- the gradient arithmetic behind it, in one process -------------------------------------------
def _rank_gradients(head, x, labels, y, batch, world_size, weighted):
    """Average over simulated ranks of the gradient of each rank's (weighted) shard loss."""
    grads = [torch.zeros_like(p) for p in head.parameters()]
    for rank in range(world_size):
        ctx = DistributedContext(rank=rank, world_size=world_size, backend="gloo")
        shard = ctx.shard(batch)
        if len(shard) == 0:
            continue  # such a rank runs one item at weight 0: a zero gradient
        mean = F.binary_cross_entropy_with_logits(head(x[shard], labels[shard]), y[shard])
        weight = ctx.shard_weight(len(shard), len(batch)) if weighted else 1.0
        for g, d in zip(grads, torch.autograd.grad(mean * weight, list(head.parameters()))):
            g += d / world_size  # what DDP's all-reduce average does
    return grads


@pytest.mark.parametrize("batch_size,world_size", [(5, 2), (7, 3), (1, 2), (8, 4)])
def test_shard_weights_make_the_rank_average_the_full_batch_gradient(batch_size, world_size):
    torch.manual_seed(0)
    conv, targets, vectors, _ = selftest_problem()
    head = ConvVSEHead(6, 4, ConvVSEConfig(hidden_channels=8, k_blocks=2, map_channels=4, map_layers=1))
    idx, pos = sample_label_sets(targets, 6, np.random.default_rng(0))
    x, labels = torch.as_tensor(conv), unit_rows(vectors)[torch.as_tensor(idx)]
    y = torch.as_tensor(pos, dtype=torch.float32)
    batch = np.arange(batch_size)
    full = torch.autograd.grad(F.binary_cross_entropy_with_logits(head(x[batch], labels[batch]), y[batch]),
                               list(head.parameters()))
    averaged = _rank_gradients(head, x, labels, y, batch, world_size, weighted=True)
    for f, a in zip(full, averaged):
        assert torch.allclose(f, a, rtol=1e-5, atol=1e-7)
    if batch_size % world_size:  # uneven shards: the plain average of shard means is another gradient
        plain = _rank_gradients(head, x, labels, y, batch, world_size, weighted=False)
        assert max((f - p).abs().max().item() for f, p in zip(full, plain)) > 1e-4


def _plain_loop(model, inputs, targets, label_vectors, config):
    """The loop as it reads without any data parallelism, to pin the single-process behaviour."""
    rng = seed_everything(config.seed)
    torch.set_num_threads(config.num_threads)
    n = inputs.shape[0]
    optimiser = torch.optim.AdamW([{"params": list(model.parameters()), "lr": config.max_lr}],
                                  weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[config.max_lr],
                                                   total_steps=config.epochs * -(-n // config.batch_size))
    losses = []
    for _ in range(config.epochs):
        order = rng.permutation(n)
        idx, pos = sample_label_sets(targets, config.labels_per_image, rng)
        total = 0.0
        for start in range(0, n, config.batch_size):
            batch = order[start : start + config.batch_size]
            labels = label_vectors[torch.as_tensor(idx[batch])]
            loss = F.binary_cross_entropy_with_logits(
                model(inputs[torch.as_tensor(batch)].float(), labels), torch.as_tensor(pos[batch], dtype=torch.float32)
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        losses.append(total / n)
    return losses


def test_single_process_loop_is_bit_identical_to_the_plain_loop(monkeypatch):
    for name in LAUNCH:
        monkeypatch.delenv(name, raising=False)
    conv, targets, vectors, _ = selftest_problem()
    config = ConvVSEConfig(epochs=2, batch_size=4, labels_per_image=6, hidden_channels=8, k_blocks=2,
                           map_channels=4, map_layers=1, show_progress=False, num_threads=1)
    models, histories = [], []
    for loop in (train_label_sampling, _plain_loop):
        seed_everything(0)
        models.append(ConvVSEHead(6, 4, config))
        histories.append(loop(models[-1], torch.as_tensor(conv), targets, unit_rows(vectors), config))
    assert histories[0] == histories[1]
    assert all(torch.equal(a, b) for a, b in zip(models[0].parameters(), models[1].parameters()))


# -- sharding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("world_size", [2, 3, 4])
@pytest.mark.parametrize("batch_size", [0, 1, 2, 5, 7, 32])
def test_shards_are_disjoint_cover_the_batch_and_differ_by_at_most_one(world_size, batch_size):
    batch = np.random.default_rng(batch_size).permutation(100)[:batch_size]
    shards = [DistributedContext(rank=r, world_size=world_size, backend="gloo").shard(batch) for r in range(world_size)]
    assert np.array_equal(np.concatenate(shards), batch)  # union in rank order = the batch
    assert sum(len(s) for s in shards) == len(set(np.concatenate(shards).tolist())) == batch_size  # disjoint
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    if batch_size:  # the shard weights average to 1 over the ranks
        weights = [DistributedContext(rank=r, world_size=world_size, backend="gloo").shard_weight(n, batch_size)
                   for r, n in enumerate(sizes)]
        assert np.isclose(sum(weights) / world_size, 1.0)


def test_single_process_context_is_a_no_op():
    ctx = DistributedContext()
    batch = np.array([4, 2, 9])
    assert ctx.shard(batch) is batch
    assert ctx.shard_weight(3, 3) == 1.0 and ctx.is_main and not ctx.is_distributed
    assert ctx.all_reduce_mean(3.0, 4) == 0.75
    head = torch.nn.Linear(2, 2)
    assert ctx.wrap(head) is head and ctx.max_difference_from_main(head) == 0.0
    ctx.cleanup()  # nothing to leave
    with pytest.raises(ValueError, match="shard_size"):
        ctx.shard_weight(4, 3)


# -- reading the launch from the environment ------------------------------------------------------
def test_no_launch_variables_mean_a_single_process():
    assert DistributedContext.from_environment({}) == DistributedContext()
    # a cluster may export MASTER_* for every job: alone they do not make a launch
    assert DistributedContext.from_environment({"MASTER_ADDR": "x", "MASTER_PORT": "1"}) == DistributedContext()
    one = DistributedContext.from_environment({**LAUNCH, "WORLD_SIZE": "1", "LOCAL_RANK": "0"})
    assert one.world_size == 1 and one.backend is None
    assert not dist.is_initialized()  # a world of one needs no process group


@pytest.mark.parametrize(
    "environ,message",
    [
        ({"WORLD_SIZE": "2"}, "RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT not set"),
        ({k: v for k, v in LAUNCH.items() if k != "MASTER_PORT"}, "MASTER_PORT not set"),
        ({**LAUNCH, "RANK": "first"}, "RANK must be an integer, got 'first'"),
        ({**LAUNCH, "WORLD_SIZE": "two"}, "WORLD_SIZE must be an integer"),
        ({**LAUNCH, "RANK": "2"}, r"RANK must lie in \[0, WORLD_SIZE=2\), got 2"),
        ({**LAUNCH, "WORLD_SIZE": "0", "RANK": "0"}, "WORLD_SIZE must be >= 1"),
        ({**LAUNCH, "MASTER_PORT": "99999"}, "MASTER_PORT must be a port number"),
    ],
)
def test_half_set_or_bad_launch_variables_fail_clearly(environ, message):
    with pytest.raises(ValueError, match=message):
        DistributedContext.from_environment(environ)
    assert not dist.is_initialized()


def test_context_fields_are_checked():
    with pytest.raises(ValueError, match="rank must lie"):
        DistributedContext(rank=2, world_size=2, backend="gloo")
    with pytest.raises(ValueError, match="needs a backend"):
        DistributedContext(rank=0, world_size=2)
    with pytest.raises(ValueError, match="world_size"):
        DistributedContext(world_size=0)

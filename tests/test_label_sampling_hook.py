"""The per-epoch hook of the label-sampling loop measures the model and leaves training as it was."""

import random

import numpy as np
import pytest
import torch

from tagbook.methods.vse.ddp_selftest import selftest_model, selftest_problem
from tagbook.seeding import seed_everything
from tagbook.training.distributed import DistributedContext
from tagbook.training.label_sampling import isolated_random_state, train_label_sampling, unit_rows


class _DropoutThenHead(torch.nn.Module):
    """A head behind dropout: training draws from torch's global generator at every step."""

    def __init__(self, head):
        super().__init__()
        self.dropout, self.head = torch.nn.Dropout(0.3), head

    def forward(self, x, labels):
        return self.head(self.dropout(x), labels)


def _model(variant):
    if variant == "dropout":
        head, backbone, config = selftest_model("conv")
        return _DropoutThenHead(head), backbone, config
    return selftest_model(variant)


def _train(variant, make_hook=None):
    """Train the tiny self-test model ``variant``; ``make_hook(head, backbone)`` gives the hook."""
    conv, targets, vectors, images = selftest_problem()
    head, backbone, config = _model(variant)  # seeded: the same initial weights every call
    inputs = torch.as_tensor(conv) if backbone is None else images
    hook = None if make_hook is None else make_hook(head, backbone)
    losses = train_label_sampling(head, inputs, targets, unit_rows(vectors), config, backbone=backbone,
                                  context=DistributedContext(), on_epoch=hook)
    modules = {"head": head} if backbone is None else {"head": head, "backbone": backbone}
    return losses, {name: m.state_dict() for name, m in modules.items()}, config


@pytest.mark.parametrize("variant", ["conv", "pooled", "fine_tune", "dropout"])
def test_a_hook_that_draws_and_evaluates_leaves_training_bit_identical(variant):
    conv, _, vectors, images = selftest_problem()
    calls, modes = [], []

    def make_hook(head, backbone):
        def hook(epoch):
            # what the hook sees: evaluation mode, no gradients
            modes.append((head.training, backbone is not None and backbone.training, torch.is_grad_enabled()))
            x = torch.as_tensor(conv) if backbone is None else backbone(images)
            labels = unit_rows(vectors)[None].expand(x.shape[0], -1, -1)
            calls.append((epoch, head(x.float(), labels).sum().item()))
            # and it draws from every global generator that dropout or third-party code uses
            torch.rand(7), np.random.rand(3), random.random()
        return hook

    plain_losses, plain_state, config = _train(variant)
    losses, state, _ = _train(variant, make_hook)
    assert losses == plain_losses  # bit-identical epoch losses
    for module, values in plain_state.items():  # and bit-identical parameters and buffers
        for name, value in values.items():
            assert torch.equal(value, state[module][name]), f"{module}.{name}"
    assert [epoch for epoch, _ in calls] == list(range(1, config.epochs + 1))  # once per epoch, from 1
    assert modes == [(False, False, False)] * config.epochs
    # the model changes between epochs: the hook measured it as it stood each time
    assert len({round(value, 6) for _, value in calls}) == config.epochs


def test_the_hook_sees_the_model_after_each_epoch_and_the_loop_trains_again_after_it():
    conv, targets, vectors, _ = selftest_problem()
    head, _, config = selftest_model("conv")
    modes = []

    class Spy(torch.nn.Module):  # records the mode of every training forward
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x, labels):
            modes.append(self.inner.training)
            return self.inner(x, labels)

    spy = Spy(head)
    train_label_sampling(spy, torch.as_tensor(conv), targets, unit_rows(vectors), config,
                         context=DistributedContext(), on_epoch=lambda epoch: None)
    assert modes and all(modes)  # every step after a hook ran in training mode


def test_a_failing_hook_puts_the_modules_back_in_training_mode_and_raises():
    conv, targets, vectors, _ = selftest_problem()
    head, _, config = selftest_model("conv")

    def hook(epoch):
        raise RuntimeError("measurement failed")

    with pytest.raises(RuntimeError, match="measurement failed"):
        train_label_sampling(head, torch.as_tensor(conv), targets, unit_rows(vectors), config,
                             context=DistributedContext(), on_epoch=hook)
    assert head.training


def test_isolated_random_state_restores_every_global_generator():
    seed_everything(3)
    with isolated_random_state():
        torch.rand(5), np.random.rand(5), random.random()
    after = (torch.rand(2), np.random.rand(2), random.random())
    seed_everything(3)
    fresh = (torch.rand(2), np.random.rand(2), random.random())
    assert torch.equal(after[0], fresh[0]) and np.array_equal(after[1], fresh[1]) and after[2] == fresh[2]

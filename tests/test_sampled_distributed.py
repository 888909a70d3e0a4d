"""Chapter 04's sampled tagger trains unchanged under torchrun: two gloo processes train the
network and the word table of one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tagbook.methods.tagging.sampled_ddp_selftest import (
    SELFTEST_TOLERANCE,
    SELFTEST_VARIANTS,
    selftest_problem,
    selftest_train,
)
from tagbook.training.distributed import DistributedContext
from ddp_launch import assert_weights_close, identical_ranks, run_two_process_selftest


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    """The self-test under torchrun with 2 CPU processes; the folder of each rank's saved weights."""
    return run_two_process_selftest("tagbook.methods.tagging.sampled_ddp_selftest",
                                    tmp_path_factory.mktemp("sampled_ddp"), len(SELFTEST_VARIANTS),
                                    rank_timeout_s=60, timeout_s=180)


@pytest.mark.parametrize("variant", SELFTEST_VARIANTS)
def test_two_processes_train_the_weights_of_one(two_rank_run, variant):
    ranks = identical_ranks(two_rank_run, variant)
    model, losses = selftest_train(variant, context=DistributedContext())
    reference = model.state_dict()
    assert_weights_close(ranks[0]["state_dict"], reference, SELFTEST_TOLERANCE)
    assert np.allclose(ranks[0]["losses"], losses, rtol=0, atol=SELFTEST_TOLERANCE)
    initial = torch.from_numpy(selftest_problem()[2])
    table = reference["word_vectors"]
    moved = (table - initial / initial.norm(dim=1, keepdim=True)).abs().max(dim=1).values > 1e-3
    if variant in ("sampled_opt", "full_opt"):  # the comparison covers a table that training moved
        assert moved[:9].any() and not moved[9:].any()  # never-tagged words 9-11 stay as they were
    else:
        assert not moved.any()

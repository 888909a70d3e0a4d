"""DREL and WSABIE train unchanged under torchrun: two gloo processes train the weights of one."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from tagbook.methods.tagging.ddp_selftest import SELFTEST_TOLERANCE, SELFTEST_VARIANTS, selftest_train
from tagbook.training.distributed import DistributedContext
from ddp_launch import run_two_process_selftest



@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    """The self-test under torchrun with 2 CPU processes; the folder of each rank's saved weights."""
    return run_two_process_selftest("tagbook.methods.tagging.ddp_selftest", tmp_path_factory.mktemp("tagging_ddp"), len(SELFTEST_VARIANTS),
                                    rank_timeout_s=60, timeout_s=180)


@pytest.mark.parametrize("variant", SELFTEST_VARIANTS)
def test_two_processes_train_the_weights_of_one(two_rank_run, variant):
    ranks = [torch.load(two_rank_run / f"{variant}.rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [blob["world_size"] for blob in ranks] == [2, 2]
    names = ranks[0]["state_dict"].keys()
    assert all(torch.equal(ranks[0]["state_dict"][n], ranks[1]["state_dict"][n]) for n in names)
    assert ranks[0]["losses"] == ranks[1]["losses"]
    model, losses = selftest_train(variant, context=DistributedContext())
    reference = model.state_dict()
    for name in names:
        assert torch.allclose(ranks[0]["state_dict"][name], reference[name], rtol=0, atol=SELFTEST_TOLERANCE), name
    assert np.allclose(ranks[0]["losses"], losses, rtol=0, atol=SELFTEST_TOLERANCE)
    if variant == "drel":  # the online update added its 2 tags in both runs
        assert reference["tag_embeddings"].shape[0] == 6

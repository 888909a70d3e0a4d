"""DREL and WSABIE train unchanged under torchrun: two gloo processes train the weights of one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

import tagbook
from tagbook.methods.tagging.ddp_selftest import SELFTEST_TOLERANCE, SELFTEST_VARIANTS, selftest_train
from tagbook.training.distributed import DistributedContext

LAUNCH = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    if not (dist.is_available() and dist.is_gloo_available()):
        pytest.skip("this torch build has no gloo backend")
    out = tmp_path_factory.mktemp("tagging_ddp")
    src = str(Path(tagbook.__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")])), OMP_NUM_THREADS="1")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "tagbook.methods.tagging.ddp_selftest", "--selftest", "--out", str(out), "--timeout", "60",
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # torchrun and its two workers
        log, _ = proc.communicate()
        pytest.fail(f"the 2-process run did not finish in 180 s:\n{log[-3000:]}")
    assert proc.returncode == 0, f"torchrun failed ({proc.returncode}):\n{log[-3000:]}"
    assert log.count("2 process(es)") == len(SELFTEST_VARIANTS), log[-3000:]
    return out


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

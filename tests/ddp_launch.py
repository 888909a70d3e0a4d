"""Launch a model family's data-parallel self-test under torchrun with 2 CPU processes (shared by
the known-answer tests of chapters 03-06's training loops)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist

import tagbook

LAUNCH = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def run_two_process_selftest(module: str, out: Path, n_variants: int, rank_timeout_s: int = 60,
                             timeout_s: int = 180) -> Path:
    """``torchrun --standalone --nproc_per_node 2 -m MODULE --selftest --out OUT``; fails the test
    with the log's tail when it does not finish, fails, or reports fewer variants than expected."""
    if not (dist.is_available() and dist.is_gloo_available()):
        pytest.skip("this torch build has no gloo backend")
    src = str(Path(tagbook.__file__).resolve().parents[1])  # the tagbook this test imports
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")])), OMP_NUM_THREADS="1")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", module, "--selftest", "--out", str(out), "--timeout", str(rank_timeout_s),
    ]  # --standalone: the rendezvous takes a free port itself
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # torchrun and its two workers
        log, _ = proc.communicate()
        pytest.fail(f"the 2-process run did not finish in {timeout_s} s:\n{log[-3000:]}")
    assert proc.returncode == 0, f"torchrun failed ({proc.returncode}):\n{log[-3000:]}"
    assert log.count("2 process(es)") == n_variants, log[-3000:]  # rank 0's report only
    return out


def identical_ranks(out: Path, variant: str) -> list[dict]:
    """Both ranks' saved blobs for ``variant``, checked to come from a world of 2 with bit-identical
    weights and the same (global) epoch losses; DDP must keep the copies equal."""
    import torch

    ranks = [torch.load(out / f"{variant}.rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [blob["world_size"] for blob in ranks] == [2, 2]
    names = ranks[0]["state_dict"].keys()
    assert all(torch.equal(ranks[0]["state_dict"][n], ranks[1]["state_dict"][n]) for n in names)
    assert ranks[0]["losses"] == ranks[1]["losses"]
    return ranks


def assert_weights_close(trained: dict, reference: dict, tolerance: float) -> None:
    """Every tensor of a 2-process run within ``tolerance`` of the same training in one process."""
    import torch

    for name, tensor in trained.items():
        assert torch.allclose(tensor, reference[name], rtol=0, atol=tolerance), name

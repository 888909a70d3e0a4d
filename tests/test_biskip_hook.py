"""BiSkip's per-epoch hook measures the space as it stands and leaves training as it was."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from tagbook.text.biskip import BiSkip, BiSkipConfig

from test_biskip import planted_parallel_corpus, translation_p_at_1

CONFIG = BiSkipConfig(dim=16, window=3, epochs=3, lr=0.05, batch_size=4096, min_count=1, subsample=1e-2, seed=5, threads=1,
                      show_progress=False)


def test_a_hook_that_reads_and_draws_leaves_training_bit_identical():
    corpus = planted_parallel_corpus(n_pairs=300)
    plain = BiSkip(CONFIG).fit(corpus)
    model = BiSkip(CONFIG)
    calls = []

    def hook(epoch):
        # the space as it stands: vectors, neighbours and the losses so far
        calls.append((epoch, list(model.loss_history_), model.matrix_.copy(), translation_p_at_1(model)))
        model.most_similar("en:e1", lang="zh", topn=3)
        torch.rand(5), np.random.rand(3), random.random()  # draws from the global generators

    model.fit(corpus, on_epoch=hook)
    assert model.loss_history_ == plain.loss_history_  # bit-identical losses
    assert np.array_equal(model.matrix_, plain.matrix_)  # and vectors
    assert [c[0] for c in calls] == [1, 2, 3]  # once per epoch, numbered from 1
    assert [len(c[1]) for c in calls] == [1, 2, 3] and calls[-1][1] == model.loss_history_
    assert np.array_equal(calls[-1][2], model.matrix_)  # the last call saw the final space
    assert not np.array_equal(calls[0][2], calls[-1][2])  # and the first an earlier one
    assert calls[-1][3] == translation_p_at_1(plain)


def test_a_failing_hook_stops_training_with_its_error():
    def hook(epoch):
        raise RuntimeError("measurement failed")

    with pytest.raises(RuntimeError, match="measurement failed"):
        BiSkip(CONFIG).fit(planted_parallel_corpus(n_pairs=100), on_epoch=hook)

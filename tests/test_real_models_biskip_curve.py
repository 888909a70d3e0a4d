"""Chapter 01's BiSkip run scores the held-out dictionary after every epoch without changing training."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from tagbook.experiments import real_models as r01
from tagbook.text.align import BilingualDictionary
from tagbook.text.biskip import BiSkipConfig


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    successors = rng.integers(20, size=(20, 2))
    corpus = []
    for _ in range(300):
        walk = [int(rng.integers(20))]
        for _ in range(4):
            walk.append(int(successors[walk[-1], rng.integers(2)]))
        corpus.append(([f"e{c}" for c in walk], [f"z{c}" for c in walk]))
    dictionary = BilingualDictionary.from_pairs([(f"e{i}", f"z{i}") for i in range(20)])
    config = BiSkipConfig(dim=16, window=2, epochs=4, lr=0.05, batch_size=2048, min_count=1, subsample=0, seed=1,
                          show_progress=False)
    return corpus, dictionary, config


@pytest.fixture(scope="module")
def runs(problem):
    """The same BiSkip run with and without the per-epoch record."""
    corpus, dictionary, config = problem
    return (r01.run_biskip(corpus, dictionary, config, "planted"),
            r01.run_biskip(corpus, dictionary, config, "planted", per_epoch=False))


def test_the_per_epoch_record_leaves_training_and_scores_unchanged(runs):
    tracked, plain = runs
    assert plain.epochs is None and plain.measure_seconds == 0.0
    assert tracked.model.loss_history_ == plain.model.loss_history_
    assert np.array_equal(tracked.model.matrix_, plain.model.matrix_)
    assert tracked.table.equals(plain.table)
    curve = tracked.epochs
    assert curve.index.tolist() == [1, 2, 3, 4]
    assert curve["training loss"].tolist() == tracked.model.loss_history_
    # the last epoch's held-out scores are the run's table
    for method in ("nn", "csls"):
        for k in ("P@1", "P@5"):
            assert curve.loc[4, f"{k} {method}"] == tracked.table.loc[method, k]
    assert curve["P@1 nn"].iloc[-1] > curve["P@1 nn"].iloc[0]  # the space learns translations as it trains
    assert 0.0 < tracked.measure_seconds < tracked.seconds


def test_plot_biskip_training_draws_loss_and_held_out_p1(runs):
    run, without = runs
    fig = r01.plot_biskip_training(run)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, p_ax = fig.axes
    assert loss_ax.get_xlabel() == p_ax.get_xlabel() == "epoch"
    assert "held-out" in p_ax.get_title() and "training loss" in loss_ax.get_title()
    labels = [line.get_label() for line in p_ax.get_lines()]
    assert labels == ["NN", "CSLS", "chance"]
    assert list(p_ax.get_lines()[0].get_ydata()) == run.epochs["P@1 nn"].tolist()
    with pytest.raises(ValueError, match="per-epoch"):
        r01.plot_biskip_training(without)

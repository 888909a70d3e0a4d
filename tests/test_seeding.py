import random

import numpy as np
import pytest
import torch

from tagbook.seeding import seed_everything


def test_same_seed_same_draws_everywhere():
    def draws(seed):
        rng = seed_everything(seed)
        return random.random(), np.random.rand(), torch.rand(1).item(), rng.random()

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_bad_seeds_are_refused(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        seed_everything(bad)

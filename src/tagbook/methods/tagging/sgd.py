"""Stochastic gradient descent, written out: ``p <- p - lr (g + wd p)``, optionally with momentum.

The tagging methods of chapter 03 train by plain SGD (He et al. 2015; Weston et al. 2011). This
is the update of ``torch.optim.SGD`` (heavy-ball momentum, dampening 0, no Nesterov) without
importing ``torch.optim``, whose first import pulls in the compiler stack (seconds on two cores).
"""

from __future__ import annotations

import torch


class PlainSGD:
    """SGD over a list of parameters; ``learning_rate`` may be changed between steps."""

    def __init__(self, params: list[torch.nn.Parameter], learning_rate: float, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        self.params = list(params)
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self._velocity: list[torch.Tensor | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad if self.weight_decay == 0 else p.grad.add(p, alpha=self.weight_decay)
            if self.momentum:
                v = self._velocity[i]
                v = g.clone() if v is None else v.mul_(self.momentum).add_(g)
                self._velocity[i] = v
                g = v
            p.add_(g, alpha=-self.learning_rate)

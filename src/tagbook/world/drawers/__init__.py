"""The drawers of every object category, gathered from one module per group of categories."""

from __future__ import annotations

from tagbook.world.drawers import animals, buildings, food, furniture, plants, sky, things, vehicles
from tagbook.world.pen import Drawer

# the order of the groups (and of the categories within each) is the order of DRAWERS
GROUPS = (animals, plants, vehicles, furniture, food, buildings, sky, things)


def _gather() -> dict[str, Drawer]:
    drawers: dict[str, Drawer] = {}
    for group in GROUPS:
        clash = drawers.keys() & group.DRAWERS.keys()
        if clash:
            raise ValueError(f"{group.__name__} redefines the drawers of {sorted(clash)}")
        drawers.update(group.DRAWERS)
    return drawers


DRAWERS: dict[str, Drawer] = _gather()

__all__ = ["DRAWERS", "GROUPS", "Drawer"]

"""Saving and loading trained models: one file layout for every model family.

A checkpoint is a ``torch.save`` dictionary with a ``kind`` (which model it holds), the model's
``config`` as a dictionary, and whatever tensors and lists the model needs. It is read back with
``weights_only=True`` (no arbitrary unpickling), and a file of another kind, or no checkpoint at
all, is refused with a message naming the file.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

import torch

ConfigT = TypeVar("ConfigT")


def save_checkpoint(path: str | Path, kind: str, config: Any, **content: Any) -> Path:
    """Write ``{"kind": kind, "config": asdict(config), **content}`` to ``path`` (folders made)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"kind": kind, "config": asdict(config), **content}, path)
    return path


def load_checkpoint(path: str | Path, kind: str, description: str) -> dict[str, Any]:
    """The dictionary saved by :func:`save_checkpoint`; ``description`` names the model in errors
    (``"conv-level VSE model"``). A missing file is a ``FileNotFoundError``, any other problem a
    ``ValueError``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise ValueError(f"{path} is not a tagbook {description} file ({exc})") from exc
    if not isinstance(blob, dict) or blob.get("kind") != kind:
        raise ValueError(f"{path} is not a tagbook {description} file")
    return blob


def config_from_checkpoint(blob: dict[str, Any], config_class: type[ConfigT]) -> ConfigT:
    """The saved config, rebuilt from the fields ``config_class`` still has (an older file's
    extra fields are dropped; new fields take their defaults)."""
    known = {f.name for f in fields(config_class)}
    return config_class(**{k: v for k, v in blob["config"].items() if k in known})

"""Inputs of the visual-semantic models: word vectors for labels, conv maps for images, a
trainable backbone for fine-tuning."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


VECTOR_SOURCES = {"glove": "glove-en", "toy": "toy-en"}  # chapter parameter -> tagbook.text name


def label_phrase(label) -> str:
    """The English text embedded for a toy-world label: its name, or for a polysemous key such
    as ``mouse.computer`` / ``bank.river`` the name followed by its sense (``"mouse computer"``),
    so that the two senses of one word get different (averaged) vectors."""
    return label.key.replace(".", " ") if "." in label.key else label.names["en"]


def load_word_vectors(source: str):
    """``"glove"`` (GloVe 6B 50-d) or ``"toy"`` (skip-gram on the toy world's English corpus)."""
    if source not in VECTOR_SOURCES:
        raise ValueError(f"label_vectors must be one of {sorted(VECTOR_SOURCES)}, got {source!r}")
    from tagbook.text.vectors import load_vectors

    return load_vectors(VECTOR_SOURCES[source])


def phrase_matrix(vectors, phrases: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors ``(L, d)`` for phrases (multi-word ones averaged) and a mask of those found."""
    matrix, found = vectors.phrase_vectors(list(phrases), unit=True)
    return matrix.astype(np.float32), found


def conv_features(images, backbone: str = "efficientnet-lite0", progress: bool = True) -> np.ndarray:
    """Last conv block ``(N, C, g, g)`` of an ImageNet backbone (7x7x1280 for EfficientNet-Lite0)
    for uint8 images ``(N, H, W, 3)`` or a list of images of any size. The whole image is resized
    to the backbone's input size (224 px for Lite0; no centre crop, so the grid covers the whole
    picture and lines up with its masks). Cached on disk by content (:mod:`tagbook.vision`).
    ``"resnet34"``, the post's backbone, works where torchvision and its weights are present.
    """
    from tagbook.vision import extract_features, load_backbone

    feats = extract_features(load_backbone(backbone), images, kinds=("conv",), center_crop=False, progress=progress)
    return feats.conv


def backbone_inputs(images, backbone: str = "efficientnet-lite0") -> torch.Tensor:
    """Normalised input tensors ``(N, 3, S, S)`` for fine-tuning (same preprocessing as :func:`conv_features`)."""
    from tagbook.vision import load_backbone
    from tagbook.vision.extract import as_image_list

    return load_backbone(backbone).preprocessing_for(center_crop=False).batch(as_image_list(images))


def fine_tunable_backbone(backbone: str = "efficientnet-lite0") -> nn.Module:
    """A trainable copy of an ImageNet backbone (images -> conv maps) for ``fine_tune=True``.

    Batch-norm statistics stay frozen (the backbone keeps eval mode); its weights are trained.
    """
    import copy

    from tagbook.vision import load_backbone

    net = copy.deepcopy(load_backbone(backbone, fold_bn=False))
    return net.requires_grad_(True)



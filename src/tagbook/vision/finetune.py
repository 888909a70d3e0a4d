"""Fine-tuning the last stages of a backbone on cached activations of its frozen stem.

Gong et al. (2014) train their CNN taggers end to end: an ImageNet network with a new tag output
layer, every weight updated by back-propagation from raw images. On two CPU cores that costs far
too much, so this module splits an EfficientNet-Lite backbone in two:

- the **frozen stem**, run once per image and cached (:func:`stem_activations`, atomic and keyed
  by the backbone's weights, its preprocessing, the split and the images' contents, like the
  feature cache), and
- the **trainable tail** (:func:`trainable_tail`), a copy of the backbone's last stages whose
  weights a tagger trains; it ends with the spatial mean, so it maps the cached activations to the
  pooled feature vector ``(N, 1280)`` that a tag layer reads.

Where the split falls (``trainable``, one of :data:`FINETUNE`):

- ``"none"``: nothing is trained below the tag layer; the "activations" are the pooled features.
- ``"head"``: the last convolution stage: the 1x1 head convolution (320 -> 1,280 channels, its
  batch norm folded in) and its ReLU6, 410k weights; the cached activations are the last MBConv
  block's output, ``(320, g, g)`` (``g = 7`` for Lite0).
- ``"block"``: the last MBConv block (192 -> 320 channels) as well; cached ``(192, g, g)``.
- ``"all"``: the whole network (full fine-tuning); the "activations" are the cropped and resized
  images, uint8 ``(3, S, S)``, normalised inside the tail.

Batch-norm statistics stay frozen in every case (the library's backbones fold them into the
convolutions, or keep them in eval mode), and the tail is used in eval mode (no drop-connect), so
a tail applied to its stem's activations gives the backbone's own pooled features.
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from torch import nn

from tagbook.cache import cache_path, content_key, load_arrays, save_arrays
from tagbook.vision.backbones import Backbone, set_torch_threads
from tagbook.vision.extract import as_image_list, extract_features, image_key

FINETUNE = ("none", "head", "block", "all")
TAIL_BLOCKS = {"head": 0, "block": 1}  # MBConv blocks in the tail, besides the head convolution
CACHE_NAMESPACE = "stem-activations"
CACHE_FORMAT = 1


def _check(backbone: Backbone, trainable: str) -> None:
    if not isinstance(backbone, Backbone):
        raise TypeError(f"backbone must come from load_backbone(), got {type(backbone).__name__}")
    if trainable not in FINETUNE:
        raise ValueError(f"trainable must be one of {', '.join(FINETUNE)}, got {trainable!r}")
    if trainable != "none" and not hasattr(backbone.net, "_blocks"):
        raise ValueError(f"fine-tuning the stages of {backbone.name!r} is not supported: use an EfficientNet-Lite "
                         f"backbone, or trainable='none'")


class TrainableTail(nn.Module):
    """The last stages of an EfficientNet-Lite network, ending in the spatial mean.

    ``forward(activations) -> (N, 1280)``; with ``from_images`` the input is uint8 resized images
    ``(N, 3, S, S)`` and the tail normalises them and runs the stem convolution too.
    ``output_mean`` / ``output_std``, when set, standardise the output (fixed, not trained), so a
    tag layer on the tail starts from the same inputs as one on standardised pooled features.
    """

    def __init__(self, net: nn.Module, n_blocks: int | None, mean=None, std=None):
        super().__init__()
        net = copy.deepcopy(net)
        self.from_images = n_blocks is None
        if self.from_images:
            self.stem = nn.Sequential(net._conv_stem, net._bn0, copy.deepcopy(net._swish))
            blocks = list(net._blocks)
            self.register_buffer("input_mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
            self.register_buffer("input_std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))
        else:
            self.stem = None
            blocks = list(net._blocks)[len(net._blocks) - n_blocks:] if n_blocks else []
        self.blocks = nn.ModuleList(blocks)
        self.head_conv, self.head_bn, self.act = net._conv_head, net._bn1, copy.deepcopy(net._swish)
        self.register_buffer("output_mean", torch.zeros(0))
        self.register_buffer("output_std", torch.zeros(0))
        self.requires_grad_(True)
        self.eval()

    def set_output_standardisation(self, mean: np.ndarray, std: np.ndarray) -> "TrainableTail":
        self.output_mean = torch.as_tensor(np.asarray(mean, dtype=np.float32))
        self.output_std = torch.as_tensor(np.asarray(std, dtype=np.float32))
        return self

    def train(self, mode: bool = True) -> "TrainableTail":
        """Always eval mode: frozen batch-norm statistics, no drop-connect (its weights still train)."""
        return super().train(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.from_images:
            x = self.stem((x.float() - self.input_mean) / self.input_std)
        x = x.float()
        for block in self.blocks:
            x = block(x)
        pooled = self.act(self.head_bn(self.head_conv(x))).mean(dim=(2, 3))
        if self.output_mean.numel():
            pooled = (pooled - self.output_mean) / self.output_std
        return pooled


def trainable_tail(backbone: Backbone, trainable: str = "head") -> TrainableTail | None:
    """A fresh trainable copy of ``backbone``'s last stages (``None`` for ``"none"``)."""
    _check(backbone, trainable)
    if trainable == "none":
        return None
    spec = backbone.spec
    return TrainableTail(backbone.net, TAIL_BLOCKS.get(trainable), spec.mean, spec.std)


@torch.inference_mode()
def _frozen_stem(backbone: Backbone, x: torch.Tensor, n_tail_blocks: int) -> torch.Tensor:
    net = backbone.net
    x = net._swish(net._bn0(net._conv_stem(x)))
    for block in list(net._blocks)[: len(net._blocks) - n_tail_blocks]:
        x = block(x)
    return x


def stem_activations(backbone: Backbone, images, trainable: str = "head", batch_size: int = 8, cache=True,
                     progress: bool = False) -> np.ndarray:
    """What the frozen stem gives for each image: the input of :func:`trainable_tail`.

    ``"none"``: the pooled features (:func:`~tagbook.vision.extract.extract_features`);
    ``"head"`` / ``"block"``: float32 ``(N, C, g, g)``, cached on disk (``cache=True``) under
    ``$TAGBOOK_CACHE/stem-activations``; ``"all"``: uint8 resized images ``(N, 3, S, S)`` (not cached).
    """
    _check(backbone, trainable)
    if trainable == "none":
        return extract_features(backbone, images, kinds=("pooled",), progress=progress, cache=cache).pooled
    rgb = as_image_list(images)
    prep = backbone.preprocessing
    if trainable == "all":
        if not rgb:
            return np.zeros((0, 3, prep.size, prep.size), dtype=np.uint8)
        return np.ascontiguousarray(np.stack([prep.resized(im) for im in rgb]).transpose(0, 3, 1, 2))
    n_tail = TAIL_BLOCKS[trainable]
    key = content_key({"format": CACHE_FORMAT, **backbone.cache_identity(), "tail_blocks": n_tail,
                       "images": content_key([image_key(im) for im in rgb], length=32)}, length=32)
    path = cache_path(CACHE_NAMESPACE, key)
    if cache:
        hit = load_arrays(path)
        if hit is not None and hit[0].get("activations") is not None and len(hit[0]["activations"]) == len(rgb):
            return hit[0]["activations"]
    set_torch_threads()
    parts = []
    from tqdm import tqdm

    for start in tqdm(range(0, len(rgb), batch_size), desc=f"{backbone.name} stem", disable=not progress):
        x = prep.batch(rgb[start : start + batch_size])
        parts.append(_frozen_stem(backbone, x, n_tail).numpy().astype(np.float32, copy=False))
    out = np.ascontiguousarray(np.concatenate(parts)) if parts else np.zeros((0,), np.float32)
    if cache and parts:
        save_arrays(path, {"activations": out}, {"backbone": backbone.name, "tail_blocks": n_tail, "n": len(rgb)})
    return out


def pooled_from_activations(tail: TrainableTail, activations: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The tail's output for cached activations, ``(N, 1280)`` float32, without gradients."""
    x = torch.from_numpy(np.asarray(activations))
    with torch.no_grad():
        parts: Sequence[torch.Tensor] = [tail(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return torch.cat(list(parts)).numpy().astype(np.float32, copy=False) if parts else np.zeros((0, 1280), np.float32)

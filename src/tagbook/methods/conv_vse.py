"""Visual-semantic embedding at the convolutional layer (Kovacs & Bremner, 2019).

The image side keeps its spatial grid. A backbone's last convolutional block ``(C, h, w)`` (7x7 at
224 px) is turned by 1x1 convolutions into ``k`` blocks of region embeddings, each ``(d, h, w)``
with ``d`` the label-embedding dimension. For a label with unit word vector :math:`\\mathbf{v}`,

.. math::

    S_j(x, y) = \\cos\\big(\\mathbf{r}_j(x, y), \\mathbf{v}\\big), \\qquad j = 1, \\dots, k,

gives ``k`` similarity maps; a few conv + ReLU layers :math:`g` turn them into one map
:math:`M = g(\\tau S_1, \\dots, \\tau S_k)` (the *localisation map*, logits; :math:`\\tau` is a
learnable scale that starts at 5 so that training leaves its first plateau sooner), and pooling mixes average and
max with a learnable weight :math:`\\alpha = \\sigma(a)`:

.. math::

    s = \\sigma\\Big(\\alpha \\cdot \\tfrac{1}{hw}\\sum_{x,y} M(x, y)
        + (1 - \\alpha) \\max_{x,y} M(x, y)\\Big) \\in [0, 1].

Training draws, per image and per epoch, 50 labels: all its positives plus random negatives, and
minimises binary cross-entropy with the one-cycle learning-rate policy (Smith, 2018). The backbone
is frozen by default (the model trains on cached conv maps); ``fine_tune=True`` trains it too.

Labels never shown in training (zero-shot) are scored the same way, from their word vectors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from tagbook.distributed import DistributedContext
from tagbook.seeding import seed_everything


@dataclass
class VSETrainConfig:
    """Training settings shared by the conv-level model and the pooled baseline."""

    labels_per_image: int = 50  # positives first, the rest random negatives
    epochs: int = 10
    batch_size: int = 32
    max_lr: float = 3e-3  # peak of the one-cycle schedule
    weight_decay: float = 1e-4
    fine_tune: bool = False  # train the backbone too (needs images and a backbone module)
    backbone_lr_ratio: float = 0.1  # backbone learning rate relative to the head's
    seed: int = 0
    num_threads: int = 2
    show_progress: bool = True

    def validate(self) -> None:
        for name in ("labels_per_image", "epochs", "batch_size", "num_threads"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name in ("max_lr", "backbone_lr_ratio"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")


@dataclass
class ConvVSEConfig(VSETrainConfig):
    """The conv-level head: ``k_blocks`` region-embedding blocks and a small map network."""

    k_blocks: int = 5  # k in the post (its main model uses k = 5)
    hidden_channels: int = 512  # width of the 1x1 conv between backbone and region embeddings
    map_channels: int = 16  # width of the conv + ReLU layers applied to the k similarity maps
    map_layers: int = 2  # number of 3x3 conv + ReLU layers before the final 1x1 conv
    init_cos_scale: float = 5.0  # starting value of the learnable scale tau on the cosine maps

    def validate(self) -> None:
        super().validate()
        for name in ("k_blocks", "hidden_channels", "map_channels", "map_layers"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")


def mix_pool(maps: torch.Tensor, avg_weight: torch.Tensor | float) -> torch.Tensor:
    """Pool the last two (spatial) axes: ``w * mean + (1 - w) * max`` with ``w`` in [0, 1]."""
    flat = maps.flatten(-2)
    return avg_weight * flat.mean(-1) + (1 - avg_weight) * flat.amax(-1)


def unit_rows(vectors: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Label vectors as a float32 tensor with unit-norm rows (zero rows stay zero)."""
    t = torch.as_tensor(np.asarray(vectors, dtype=np.float32))
    if t.ndim != 2:
        raise ValueError(f"label vectors must be (n_labels, d), got shape {tuple(t.shape)}")
    return F.normalize(t, dim=-1)


class ConvVSEHead(nn.Module):
    """Conv-level head: region embeddings, k cosine maps per label, map network, mixed pooling."""

    def __init__(self, in_channels: int, embed_dim: int, config: ConvVSEConfig):
        super().__init__()
        self.in_channels, self.embed_dim, self.k_blocks = in_channels, embed_dim, config.k_blocks
        self.embed = nn.Sequential(
            nn.Conv2d(in_channels, config.hidden_channels, 1),
            nn.ReLU(),
            nn.Conv2d(config.hidden_channels, config.k_blocks * embed_dim, 1),
        )
        layers: list[nn.Module] = []
        channels = config.k_blocks
        for _ in range(config.map_layers):
            layers += [nn.Conv2d(channels, config.map_channels, 3, padding=1), nn.ReLU()]
            channels = config.map_channels
        layers.append(nn.Conv2d(channels, 1, 1))
        self.map_net = nn.Sequential(*layers)
        self.pool_logit = nn.Parameter(torch.zeros(()))  # alpha = sigmoid(0) = 0.5 at start
        self.log_cos_scale = nn.Parameter(torch.tensor(float(np.log(config.init_cos_scale))))

    @property
    def avg_weight(self) -> torch.Tensor:
        """alpha: the weight of average pooling (1 - alpha goes to max pooling)."""
        return torch.sigmoid(self.pool_logit)

    def region_embeddings(self, conv: torch.Tensor) -> torch.Tensor:
        """``(B, C, h, w)`` conv maps -> ``(B, k, d, h, w)`` unit-norm region embeddings."""
        b, _, h, w = conv.shape
        regions = self.embed(conv).view(b, self.k_blocks, self.embed_dim, h, w)
        return F.normalize(regions, dim=2)

    def cosine_maps(self, regions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cosine similarity of every block with every label: ``(B, L, k, h, w)``.

        ``labels`` is ``(L, d)`` (the same labels for each image) or ``(B, L, d)`` (per image);
        rows must already have unit norm.
        """
        b, k, d, h, w = regions.shape
        flat = regions.reshape(b, k, d, h * w)
        # (L, d) @ (B, k, d, hw) -> (B, k, L, hw): a batched matmul, much faster than einsum here
        cos = (labels if labels.ndim == 2 else labels[:, None]) @ flat
        return cos.movedim(2, 1).reshape(b, -1, k, h, w)

    def maps_from_regions(self, regions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Localisation-map logits ``(B, L, h, w)`` from region embeddings and unit label vectors."""
        cos = self.cosine_maps(regions, labels) * self.log_cos_scale.exp()
        b, n_labels, k, h, w = cos.shape
        return self.map_net(cos.reshape(b * n_labels, k, h, w)).view(b, n_labels, h, w)

    def pool(self, maps: torch.Tensor) -> torch.Tensor:
        """Map logits ``(B, L, h, w)`` -> image-label logits ``(B, L)`` (mixed pooling)."""
        return mix_pool(maps, self.avg_weight)

    def forward(self, conv: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Image-label logits ``(B, L)``; ``sigmoid`` of them is the [0, 1] match score."""
        return self.pool(self.maps_from_regions(self.region_embeddings(conv), labels))


def sample_label_sets(
    targets: np.ndarray, n_per_image: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per image, ``n`` label indices: all positives (in random order) then random negatives.

    ``targets`` is a boolean ``(N, L)`` matrix. Returns ``(indices, is_positive)``, both
    ``(N, n)`` with ``n = min(n_per_image, L)``. An image with more than ``n`` positives keeps a
    random ``n`` of them.
    """
    targets = np.asarray(targets, dtype=bool)
    n = min(int(n_per_image), targets.shape[1])
    keys = rng.random(targets.shape) - 2.0 * targets  # positives sort first, then a random order
    idx = np.argsort(keys, axis=1, kind="stable")[:, :n]
    return idx, np.take_along_axis(targets, idx, axis=1)


def _as_tensor(x: np.ndarray | torch.Tensor, name: str, ndim: int = 4) -> torch.Tensor:
    t = torch.as_tensor(x)
    if t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {tuple(t.shape)}")
    return t


def _check_targets(targets: np.ndarray, n_images: int, n_labels: int) -> np.ndarray:
    targets = np.asarray(targets)
    if targets.shape != (n_images, n_labels):
        raise ValueError(
            f"targets must be (n_images, n_labels) = ({n_images}, {n_labels}), got {targets.shape}"
        )
    return targets.astype(bool)


def train_label_sampling(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: np.ndarray,
    label_vectors: torch.Tensor,
    config: VSETrainConfig,
    backbone: nn.Module | None = None,
    desc: str = "training",
    context: DistributedContext | None = None,
) -> list[float]:
    """The shared training loop: label sampling, BCE, AdamW with the one-cycle schedule.

    ``model(features, labels (B, n, d)) -> logits (B, n)``. With ``backbone`` (fine-tuning),
    ``inputs`` are images and ``backbone(images)`` gives the features inside the loop.
    Returns the mean loss of each epoch.

    Under ``torchrun`` (``context`` None: read from the environment, see
    :mod:`tagbook.distributed`) the loop is data-parallel: every rank draws the same permutation
    and label samples from the same seed, computes the loss of its shard of each batch, and
    DistributedDataParallel averages the gradients. Shards differ in size when the batch does
    not divide evenly (the last batch), so each rank's mean BCE is weighted by ``W b / B`` (its
    shard size ``b``, the batch size ``B``, ``W`` ranks; :meth:`DistributedContext.shard_weight`):
    the rank-average of the gradients is then exactly the full batch's mean-loss gradient, and
    training matches one process up to float rounding. The progress bar shows on rank 0 only;
    the epoch losses are global means. In a single process the loop is the plain one
    (bit-identical results).
    """
    config.validate()
    ctx = context if context is not None else DistributedContext.from_environment()
    rng = seed_everything(config.seed)
    torch.set_num_threads(config.num_threads)
    n_images = inputs.shape[0]
    steps_per_epoch = -(-n_images // config.batch_size)
    groups = [{"params": [p for p in model.parameters() if p.requires_grad], "lr": config.max_lr}]
    max_lrs = [config.max_lr]
    if backbone is not None:
        groups.append({"params": list(backbone.parameters()), "lr": config.max_lr * config.backbone_lr_ratio})
        max_lrs.append(config.max_lr * config.backbone_lr_ratio)
    optimiser = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=max_lrs, total_steps=config.epochs * steps_per_epoch
    )
    model.train()
    if backbone is None:
        net = ctx.wrap(model)
    else:  # a backbone may hold layers its forward leaves out (an ImageNet classifier)
        backbone.train()
        net = ctx.wrap(_BackboneThenHead(backbone, model), find_unused_parameters=True)
    losses: list[float] = []
    bar = tqdm(range(config.epochs), desc=desc, disable=not (config.show_progress and ctx.is_main))
    for _ in bar:
        order = rng.permutation(n_images)
        label_idx, is_pos = sample_label_sets(targets, config.labels_per_image, rng)
        total, seen = 0.0, 0
        for start in range(0, n_images, config.batch_size):
            batch = order[start : start + config.batch_size]
            shard = ctx.shard(batch)  # the whole batch in a single process
            # a rank with an empty shard (a last batch smaller than the world) runs one item
            # at weight 0: every rank must run forward and backward for DDP's gradient average
            rows = shard if len(shard) else batch[:1]
            x = inputs[torch.as_tensor(rows)].float()
            labels = label_vectors[torch.as_tensor(label_idx[rows])]  # (b, n, d)
            y = torch.as_tensor(is_pos[rows], dtype=torch.float32)
            bce = F.binary_cross_entropy_with_logits(net(x, labels), y)
            loss = bce * ctx.shard_weight(len(shard), len(batch))  # 1.0 in a single process
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total += bce.item() * len(shard)
            seen += len(shard)
        losses.append(ctx.all_reduce_mean(total, seen))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    model.eval()
    if backbone is not None:
        backbone.eval()
    return losses


class _BackboneThenHead(nn.Module):
    """``head(backbone(images), labels)``: one module, so that DDP averages both gradients."""

    def __init__(self, backbone: nn.Module, head: nn.Module):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(images), labels)


def _batched(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([fn(x[i : i + batch_size].float()) for i in range(0, x.shape[0], batch_size)])


class ConvVSE:
    """Conv-level visual-semantic embedding model: ``fit`` on conv maps, ``score`` any labels.

    >>> model = ConvVSE(ConvVSEConfig(epochs=3)).fit(conv_maps, label_matrix, label_vectors)
    >>> scores = model.score(conv_maps, label_vectors)       # (N, L) in [0, 1]
    >>> maps = model.localisation_maps(conv_maps, label_vectors)  # (N, L, 7, 7) in [0, 1]
    """

    def __init__(self, config: ConvVSEConfig | None = None):
        self.config = config or ConvVSEConfig()
        self.config.validate()
        self.head: ConvVSEHead | None = None
        self.backbone: nn.Module | None = None
        self.history_: list[float] = []

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        inputs: np.ndarray | torch.Tensor,
        targets: np.ndarray,
        label_vectors: np.ndarray,
        backbone: nn.Module | None = None,
    ) -> "ConvVSE":
        """Train on conv maps ``(N, C, h, w)`` (frozen backbone, the default) with boolean
        ``targets (N, L)`` over labels whose word vectors are ``label_vectors (L, d)``.

        With ``config.fine_tune`` pass ``backbone`` (a module mapping images to conv maps) and
        images ``(N, 3, H, W)`` as ``inputs``: the backbone is trained with the head.
        """
        x = _as_tensor(inputs, "inputs")
        vectors = unit_rows(label_vectors)
        targets = _check_targets(targets, x.shape[0], vectors.shape[0])
        if self.config.fine_tune:
            if backbone is None:
                raise ValueError("fine_tune=True needs a backbone module and images as inputs")
            self.backbone = backbone
            with torch.no_grad():
                in_channels = backbone(x[:1].float()).shape[1]
        elif backbone is not None:  # frozen backbone: compute the conv maps once
            backbone.eval()
            x = _batched(backbone, x, self.config.batch_size)
            in_channels = x.shape[1]
        else:
            in_channels = x.shape[1]
        seed_everything(self.config.seed)
        self.head = ConvVSEHead(in_channels, vectors.shape[1], self.config)
        self.history_ = train_label_sampling(
            self.head, x, targets, vectors, self.config,
            backbone=self.backbone if self.config.fine_tune else None, desc="conv-level VSE",
        )
        return self

    # -- inference --------------------------------------------------------------------------
    def _head(self) -> ConvVSEHead:
        if self.head is None:
            raise RuntimeError("the model is not trained: call fit() or ConvVSE.load() first")
        return self.head

    def conv_maps(self, inputs: np.ndarray | torch.Tensor) -> np.ndarray:
        """The conv maps the head reads: ``inputs`` themselves, or with a fine-tuned backbone its
        output for the (preprocessed) images ``inputs``."""
        return self._features(inputs).numpy()

    def _features(self, inputs: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = _as_tensor(inputs, "inputs")
        if self.backbone is not None:  # a fine-tuned backbone takes images
            self.backbone.eval()
            x = _batched(self.backbone, x, self.config.batch_size)
        return x

    def region_embeddings(self, inputs: np.ndarray | torch.Tensor, batch_size: int = 256) -> np.ndarray:
        """Unit-norm region embeddings ``(N, k, d, h, w)`` (float32)."""
        head = self._head()
        x = self._features(inputs)
        return _batched(head.region_embeddings, x, batch_size).numpy()

    def map_logits_from_regions(
        self, regions: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 256
    ) -> np.ndarray:
        """Localisation-map logits ``(N, L, h, w)`` from stored region embeddings."""
        head = self._head()
        labels = unit_rows(label_vectors)
        r = _as_tensor(regions, "regions", ndim=5)
        return _batched(lambda b: head.maps_from_regions(b, labels), r, batch_size).numpy()

    def localisation_maps(
        self, inputs: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 64
    ) -> np.ndarray:
        """Localisation maps ``(N, L, h, w)`` in [0, 1]: ``sigmoid`` of the map before pooling."""
        head = self._head()
        labels = unit_rows(label_vectors)
        x = self._features(inputs)
        fn = lambda b: torch.sigmoid(head.maps_from_regions(head.region_embeddings(b), labels))  # noqa: E731
        return _batched(fn, x, batch_size).numpy()

    def score(self, inputs: np.ndarray | torch.Tensor, label_vectors: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Image-label match scores ``(N, L)`` in [0, 1] for any labels (seen or not)."""
        head = self._head()
        labels = unit_rows(label_vectors)
        x = self._features(inputs)
        return _batched(lambda b: torch.sigmoid(head(b, labels)), x, batch_size).numpy()

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path, **metadata) -> Path:
        """Save config, head weights and ``metadata`` (e.g. the word-vector source) to ``path``."""
        head = self._head()
        if self.backbone is not None:
            raise NotImplementedError("saving a fine-tuned backbone is not supported; save the head of a frozen-backbone model")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "kind": "conv_vse",
                "config": asdict(self.config),
                "in_channels": head.in_channels,
                "embed_dim": head.embed_dim,
                "state_dict": head.state_dict(),
                "history": self.history_,
                "metadata": metadata,
            },
            path,
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> tuple["ConvVSE", dict]:
        """Load a model saved with :meth:`save`; returns ``(model, metadata)``."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
            raise ValueError(f"{path} is not a tagbook conv-level VSE model file ({exc})") from exc
        if not isinstance(blob, dict) or blob.get("kind") != "conv_vse":
            raise ValueError(f"{path} is not a tagbook conv-level VSE model file")
        known = {f.name for f in fields(ConvVSEConfig)}
        model = cls(ConvVSEConfig(**{k: v for k, v in blob["config"].items() if k in known}))
        model.head = ConvVSEHead(blob["in_channels"], blob["embed_dim"], model.config)
        model.head.load_state_dict(blob["state_dict"])
        model.head.eval()
        model.history_ = list(blob.get("history", []))
        return model, dict(blob.get("metadata", {}))


# -- data glue: word vectors for labels, conv maps for images, a model trained on the toy world --
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


def train_toy_model(
    path: str | Path | None,
    n_images: int = 800,
    image_size: int = 64,
    label_vectors: str = "glove",
    config: ConvVSEConfig | None = None,
    world_seed: int = 0,
    n_unseen: int = 0,
) -> ConvVSE:
    """Train a conv-level model on the toy world's training images (train + val splits) and,
    with ``path``, save it with what a search needs: the word-vector source, the world's
    configuration and the labels it was trained on. ``n_unseen > 0`` holds object labels out.
    """
    from tagbook.world import WorldConfig, make_world

    config = config or ConvVSEConfig()
    world = make_world(WorldConfig(n_images=n_images, seed=world_seed, image_size=image_size))
    labels = list(world.vocabulary)
    if n_unseen:
        split = world.zero_shot_split(n_unseen, seed=world_seed)
        train_idx, unseen = split.train_idx, set(split.unseen)
        labels = [lab for lab in labels if lab.key not in unseen]
    else:
        train_idx, unseen = np.concatenate([world.splits["train"], world.splits["val"]]), set()
    vectors = load_word_vectors(label_vectors)
    matrix, found = phrase_matrix(vectors, [label_phrase(lab) for lab in labels])
    labels = [lab for lab, ok in zip(labels, found) if ok]  # labels with no word vector cannot be trained
    columns = [world.label_index[lab.key] for lab in labels]
    features = conv_features(world.images[train_idx])
    model = ConvVSE(config).fit(features, world.label_matrix[np.ix_(train_idx, columns)], matrix[found])
    if path is not None:
        model.save(
            path,
            label_vectors=label_vectors,
            world={"n_images": n_images, "image_size": image_size, "seed": world_seed},
            labels=[lab.key for lab in labels],
            unseen=sorted(unseen),
            backbone="efficientnet-lite0",
        )
    return model

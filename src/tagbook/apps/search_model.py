"""The toy search model that ``tagbook search --train`` fits: a conv-level embedding model
trained on the toy world, saved with what a search needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig
from tagbook.methods.vse.inputs import conv_features, label_phrase, load_word_vectors, phrase_matrix


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

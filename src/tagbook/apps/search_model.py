"""What ``tagbook search`` serves: the toy search model that ``--train`` fits (a conv-level
embedding model trained on the toy world, saved with what a search needs), the collection a
search ranks (a folder of photos or the toy test images), the query's label vectors, and the
search itself through a :class:`~tagbook.apps.map_index.MapIndex`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import numpy as np

from tagbook.apps.map_index import MapIndex, QueryError, query_vectors
from tagbook.methods.vse import inputs as vse_inputs
from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig
from tagbook.methods.vse.inputs import label_phrase, phrase_matrix
from tagbook.methods.vse.localisation import SpatialQuery

SEARCH_SIDE = 224  # images are resized to SEARCH_SIDE x SEARCH_SIDE (JPEGs decoded at reduced scale down to it)


class SearchError(Exception):
    """A search that cannot run: a bad source, model or query (the message says which)."""


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


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
    vectors = vse_inputs.load_word_vectors(label_vectors)
    matrix, found = phrase_matrix(vectors, [label_phrase(lab) for lab in labels])
    labels = [lab for lab, ok in zip(labels, found) if ok]  # labels with no word vector cannot be trained
    columns = [world.label_index[lab.key] for lab in labels]
    features = vse_inputs.conv_features(world.images[train_idx])
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


def load_image_source(source: str, warn: Callable[[str], None] = _warn) -> tuple[np.ndarray, list[str], int]:
    """Images of a folder (its image files, sorted, not recursive; other files skipped with a note)
    or of one image file, read one at a time by :func:`tagbook.vision.imageio.iter_images` and
    resized to ``(N, 224, 224, 3)`` uint8; their names; and how many files could not be read. A
    file that cannot be read gets a message through ``warn`` (stderr) and the others are kept; an empty folder, a
    bad single file or a folder with no readable image is a :class:`SearchError`."""
    from PIL import Image

    from tagbook.vision.imageio import IMAGE_SUFFIXES, ImageReadError, iter_images

    path = Path(source)
    if not path.exists():
        raise SearchError(f"no such folder or file: {source} (or use 'toy' for the toy world)")
    skipped: list[Path] = []
    images, names, failed = [], [], 0
    for file, image in iter_images([path], min_side=SEARCH_SIDE, skipped=skipped):
        if isinstance(image, ImageReadError):
            if file == path and path.is_dir() and image.reason.startswith("the folder has no image files"):
                extra = f" ({len(skipped)} other files skipped)" if skipped else ""
                raise SearchError(f"no images in folder {source}{extra}: expected {', '.join(IMAGE_SUFFIXES)} files")
            if file == path:  # the one file given, or a folder that cannot be listed
                raise SearchError(str(image))
            warn(f"error: {image}")
            failed += 1
            continue
        resized = Image.fromarray(image).resize((SEARCH_SIDE, SEARCH_SIDE), Image.Resampling.BILINEAR)
        images.append(np.asarray(resized))
        names.append(str(file))
    if skipped:
        warn(f"note: skipped {len(skipped)} non-image files: {', '.join(f.name for f in skipped[:5])}"
             f"{' ...' if len(skipped) > 5 else ''}")
    if not images:
        raise SearchError(f"no image could be read in folder {source} ({failed} files failed, each reported above)")
    return np.stack(images), names, failed


def load_search_model(path: str) -> tuple[ConvVSE, dict]:
    """A saved search model and its metadata; a missing or foreign file is a :class:`SearchError`."""
    try:
        return ConvVSE.load(path)
    except FileNotFoundError:
        raise SearchError(f"model file not found: {path} (create one with: tagbook search toy --train --model {path})") from None
    except ValueError as exc:
        raise SearchError(str(exc)) from None


def search_label_vectors(query: SpatialQuery, meta: dict) -> np.ndarray:
    """Unit word vectors of the query's labels from the vectors the model was trained with."""
    source = meta.get("label_vectors", "glove")
    vectors = vse_inputs.load_word_vectors(source)
    lookup = lambda label: vectors.phrase_vector(label.replace(".", " "), unit=True)  # noqa: E731
    try:
        return query_vectors(query, lookup, source=f"the {source} word vectors")
    except QueryError as exc:
        raise SearchError(str(exc)) from None


def toy_test_images(meta: dict):
    """The test images of the toy world a model was trained on: ``(images, names, world)``."""
    from tagbook.world import WorldConfig, make_world

    if "world" not in meta:
        raise SearchError("this model was not trained on the toy world; search a folder instead")
    world = make_world(WorldConfig(**meta["world"]), progress=False)
    test = world.splits["test"]
    return world.images[test], [f"toy:{i}" for i in test], world


def describe_toy_image(world, name: str) -> str:
    """What a toy test image holds (``toy:INDEX``): its scene and objects with their positions."""
    i = int(name.split(":", 1)[1])
    objects = ", ".join(f"{o.category} ({o.position})" for o in world.objects[i])
    return f"{world.scenes[i]} scene: {objects}"

def search_images(model: ConvVSE, images: np.ndarray, names: list[str], query: SpatialQuery,
                  label_vectors: np.ndarray, k: int) -> list[tuple[int, str, float]]:
    """The ``k`` best images for a spatial query, ``(index, name, score)`` best first."""
    index = MapIndex.build(model, vse_inputs.conv_features(images), names)
    return index.search(query, label_vectors, k=k)

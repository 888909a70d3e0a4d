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


# -- text search with a chapter-04 sampled tagger -------------------------------------------------
TEXT_MODEL_BACKBONE = "efficientnet-lite0"


def pooled_features(images: np.ndarray) -> np.ndarray:
    """Pooled backbone features of images, ``(N, 1280)`` float32 (what the sampled tagger reads)."""
    from tagbook.vision import extract_features, load_backbone

    return extract_features(load_backbone(TEXT_MODEL_BACKBONE), images, kinds=("pooled",), progress=False).pooled


def load_text_vectors() -> tuple[list[str], np.ndarray]:
    """GloVe's 400,000 words and their 50-d vectors: the text model's vocabulary."""
    from tagbook.text.vectors import load_vectors

    glove = load_vectors("glove-en")
    return list(glove.words), np.asarray(glove.matrix, dtype=np.float32)


def text_vocabulary(words: list[str], matrix: np.ndarray, image_tags: list[list[str]],
                    seed: int = 0) -> tuple[list[str], np.ndarray, list[list[int]]]:
    """The model's vocabulary: every word of ``words``, then the training tags it lacks (random
    initial vectors); and each image's tags as word indices (lower-cased, duplicates merged)."""
    index = {w: i for i, w in enumerate(words)}
    lowered = [[t.lower() for t in tags] for tags in image_tags]
    extra = sorted({t for tags in lowered for t in tags if t not in index})
    index.update({w: len(words) + k for k, w in enumerate(extra)})
    rng = np.random.default_rng(seed + 1)
    vectors = np.concatenate([np.asarray(matrix, dtype=np.float32),
                              rng.standard_normal((len(extra), matrix.shape[1])).astype(np.float32)])
    return list(words) + extra, vectors, [sorted({index[t] for t in tags}) for tags in lowered]


def train_text_model(path: str | Path | None, n_images: int = 600, epochs: int = 15, world_seed: int = 0,
                     hidden: int = 512, oov_epochs: int = 2, oov_partners: int = 1024, show_progress: bool = True):
    """Train chapter 04's S+Opt+X-Ent tagger on the toy world's noisy UGC tags (train + val
    images) over GloVe's 400,000 words plus the training tags GloVe lacks, refit the vectors of
    the words no step touched (the out-of-vocabulary update, Sec. 2.1), and, with ``path``,
    save it with its vocabulary, the world's configuration and the test images' features."""
    import torch

    from tagbook.methods.tagging.oov_update import OOVUpdateConfig
    from tagbook.methods.tagging.sampled_tagging import SampledTagger, SampledTaggerConfig
    from tagbook.world import WorldConfig, make_world

    world = make_world(WorldConfig(n_images=n_images, seed=world_seed), progress=False)
    train_idx = np.concatenate([world.splits["train"], world.splits["val"]])
    test_idx = np.asarray(world.splits["test"])
    features = pooled_features(world.images)
    glove_words, glove_matrix = load_text_vectors()
    words, vectors, tags = text_vocabulary(glove_words, glove_matrix, [world.tags[i] for i in train_idx], world_seed)
    config = SampledTaggerConfig(hidden=(hidden,), epochs=epochs, seed=world_seed, show_progress=show_progress)
    model = SampledTagger(config).fit(features[train_idx], tags, vectors)
    trained = model.touched_.copy()
    model.update_out_of_vocabulary(OOVUpdateConfig(epochs=oov_epochs, partners=oov_partners, seed=world_seed,
                                                   show_progress=show_progress))
    if path is not None:
        model.save(
            path,
            words=words,
            n_vector_words=len(glove_words),
            training_tag=torch.from_numpy(model.frequencies_ > 0),
            updated=torch.from_numpy(~trained),
            world={"n_images": n_images, "seed": world_seed},
            test_index=[int(i) for i in test_idx],
            test_features=torch.from_numpy(np.ascontiguousarray(features[test_idx], dtype=np.float32)),
            backbone=TEXT_MODEL_BACKBONE,
        )
    return model


def load_text_model(path: str):
    """A saved text-search model (:func:`train_text_model`) and its metadata."""
    from tagbook.methods.tagging.sampled_tagging import SampledTagger

    try:
        model, meta = SampledTagger.load(path)
    except FileNotFoundError:
        raise SearchError(f"model file not found: {path} (create one with: tagbook search toy --train "
                          f"--text WORDS --model {path})") from None
    except ValueError as exc:
        raise SearchError(f"{exc} (--text needs a sampled-tagger model: tagbook search toy --train --text WORDS "
                          f"--model {path})") from None
    if "words" not in meta or "test_features" not in meta:
        raise SearchError(f"{path} has no vocabulary or test images: train it with tagbook search toy --train --text WORDS")
    return model, meta


def text_query(model, meta: dict, text: str) -> tuple[np.ndarray, list[dict]]:
    """The query's vector (the sum of its words' rows of the model's scoring table) and, per
    word, whether it was a training tag; a word outside the vocabulary is a :class:`SearchError`
    that names it."""
    words = [w.lower() for w in text.split()]
    if not words:
        raise SearchError("empty --text query: give at least one word")
    index = {w: i for i, w in enumerate(meta["words"])}
    missing = [w for w in dict.fromkeys(words) if w not in index]
    if missing:
        quoted = ", ".join(f"'{w}'" for w in missing)
        raise SearchError(
            f"{quoted} {'is' if len(missing) == 1 else 'are'} not in the model's vocabulary "
            f"({len(meta['words']):,} words: the {meta.get('n_vector_words', len(meta['words'])):,} words with a "
            "GloVe vector and the training tags); no image can be scored for it")
    table = model.scoring_word_vectors()
    tag = np.asarray(meta["training_tag"]) if "training_tag" in meta else np.zeros(len(index), dtype=bool)
    rows = [index[w] for w in words]
    info = [{"word": w, "training tag": bool(tag[r])} for w, r in zip(words, rows)]
    return table[rows].sum(0), info


def search_text(model, meta: dict, text: str, k: int) -> tuple[list[tuple[int, str, float]], list[dict]]:
    """The ``k`` test images of the toy world whose points score the query highest,
    ``(index, name, score)`` best first, and the query's words."""
    from tagbook.ranking import top_k_scores

    query, info = text_query(model, meta, text)
    features = np.asarray(meta["test_features"], dtype=np.float32)
    points = model.image_vectors(features)
    found, scores = top_k_scores(query[None, :], points, min(k, points.shape[0]))
    names = [f"toy:{i}" for i in meta["test_index"]]
    hits = [(int(j), names[j], float(s)) for j, s in zip(found[0], scores[0]) if j >= 0]
    return hits, info

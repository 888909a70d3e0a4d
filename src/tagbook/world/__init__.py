"""The toy world: a procedurally generated, multilingual, multi-label image world.

Scenes of 1 to 4 objects (65 categories with real names: animals, vehicles, furniture, food,
plants, buildings, sky objects and things) over 8 scene types, each image with a per-pixel
instance mask of the visible pixels, labels (objects, scene, colours, sizes, positions) named in
English, Chinese, German and Japanese, five captions per language, noisy user tags with a long
tail, a WordNet-mapped concept tree, a four-language lexicon with polysemous words, text corpora
and train/val/test and zero-shot splits. Deterministic in its configuration; cached on disk.

    >>> from tagbook.world import WorldConfig, make_world
    >>> world = make_world(WorldConfig(n_images=400, seed=0, image_size=64))
    >>> world.images.shape, world.captions["zh"][0][0]

Fields of :class:`ToyWorld`:

* ``images`` ``(N, H, W, 3)`` uint8; ``instance_masks`` ``(N, H, W)`` uint8, 0 = background,
  ``k`` = the ``k``-th object of that image (``objects[i][k - 1]``), visible pixels only;
* ``objects[i]``: :class:`ObjectInstance` (category, colour, size, position, bbox, instance_id,
  area, centroid), measured on the mask;
* ``scenes[i]``: the scene key; ``vocabulary``: :class:`Label` list (objects, scenes,
  attributes); ``label_matrix`` ``(N, len(vocabulary))`` bool;
* ``captions[lang][i]``: 5 strings, ``caption_tokens[lang][i]`` their tokens,
  ``caption_specs[i]`` what each caption says (language-free);
* ``tags[i]``: noisy user tags; ``splits``: ``train`` / ``val`` / ``test`` index arrays;
  ``zero_shot_split(n_unseen, seed)``.
"""

from tagbook.world.types import Label, ObjectInstance, ZeroShotSplit
from tagbook.world.world import (
    GENERATOR_VERSION,
    ToyWorld,
    WorldConfig,
    generate_image,
    generate_world,
    label_vocabulary,
    make_world,
    region_of,
    size_of,
)

__all__ = [
    "GENERATOR_VERSION",
    "Label",
    "ObjectInstance",
    "ToyWorld",
    "WorldConfig",
    "ZeroShotSplit",
    "generate_image",
    "generate_world",
    "label_vocabulary",
    "make_world",
    "region_of",
    "size_of",
]

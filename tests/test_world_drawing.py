"""The toy world's drawing, pixel for pixel: category drawers, backgrounds, textures, whole images.

The recorded hashes pin the rendered pixels, so that reorganising the drawing code cannot change
a single image. Polygon rasterisation may change between Pillow major versions; the hashes of
drawn objects were recorded with Pillow 13 and are checked only there (backgrounds
are NumPy only and are always checked).
"""

from __future__ import annotations

import hashlib

import numpy as np
import PIL
import pytest

from tagbook.world import GENERATOR_VERSION, WorldConfig, generate_image
from tagbook.world.concepts import CATEGORY_INFO, SCENES
from tagbook.world.drawers import GROUPS
from tagbook.world.drawing import DRAWERS, Placed, background, render
from tagbook.world.textures import TEXTURES, texture_factor

PILLOW_MAJOR = "13"
RECORDED_GENERATOR_VERSION = 1
needs_recorded_pillow = pytest.mark.skipif(
    PIL.__version__.split(".")[0] != PILLOW_MAJOR,
    reason=f"object hashes were recorded with Pillow 13.x; re-record them for Pillow {PIL.__version__}",
)

# sha256 (first 16 hex digits) of each drawing below, recorded before the drawing code was split
# into modules
CATEGORY_HASHES = {
    "dog": "56b1f413a991162f",
    "cat": "62fc99fbf6808c7c",
    "horse": "1c5edb62368ea2e4",
    "zebra": "bac0cb308af9fc08",
    "cow": "3fdb1424a6486b03",
    "sheep": "dc84e6cfa7f92488",
    "giraffe": "768ec71d6d7dbaa9",
    "pig": "9b1e6f9d81357759",
    "elephant": "5375de6131b5e019",
    "bear": "d20f9ab7ee7e5e8c",
    "rabbit": "f44d27589baafdeb",
    "mouse.animal": "2d6d469ed576db8a",
    "bat.animal": "1675f99cf4a713a5",
    "duck": "938b5233be74ca3e",
    "owl": "e569e6a907334539",
    "parrot": "0229e9fbae9fcae9",
    "fish": "837ec4a358966948",
    "snake": "35653bd5aa0be67e",
    "butterfly": "d39a4381a2830097",
    "tree": "746040b229bd9e0b",
    "flower": "dab04e3330f76bf5",
    "cactus": "7937116f16b5ef8f",
    "car": "4dc497aba05eb9ad",
    "truck": "fd040a390d4f9958",
    "motorcycle": "04428233a91821ee",
    "bicycle": "e21f51cd5e8cf380",
    "boat": "02b9212bb852837c",
    "ship": "489dd258dc372f6d",
    "airplane": "c302a4a41fd63c67",
    "balloon": "0c9ed30bc3334852",
    "bus": "9a35aa210036c142",
    "train": "a1206c4ec0143845",
    "chair": "49efd478ad3a699c",
    "table": "77461bdd93bb8d7c",
    "sofa": "981994efe971f7fb",
    "bed": "3ba14cd3496c67c5",
    "lamp": "d5171dd7fea9b3be",
    "apple": "f4890ce4c16a29f0",
    "banana": "867e0dcf86131d4c",
    "orange.fruit": "b90c88b456696699",
    "cake": "da95eebc4253367c",
    "bread": "60eeac8ca653eaff",
    "carrot": "71e9fa43f329d95b",
    "house": "922f84aaf870bf53",
    "church": "7ae46a92564ba01b",
    "tower": "2d64a83e98677972",
    "bridge": "26f8f471e43aa9c1",
    "window": "9daba28007254259",
    "bank.building": "111269cc030c2c3d",
    "sun": "4ae5011a206053d8",
    "moon": "dde06e5e16bfd821",
    "star": "fa7310f0bc2fccbd",
    "cloud": "23e7b9941017bf2d",
    "camera": "c11483a74af3f7c0",
    "shutter.camera": "b419a796a5966bf8",
    "shutter.window": "050089c4570aac27",
    "mouse.computer": "6e926fa91e194495",
    "bat.sports": "3c7d092364c702e1",
    "clock": "baf6a1fa3226bcaa",
    "umbrella": "70231dba7bd94736",
    "ball": "9eae6a66b3db4292",
    "kite": "bcc57ba25c2d33e9",
    "cup": "1d5aa99dc0d3c498",
    "mug": "599d3064bf74bbae",
    "bottle": "57fb2fbd3d454106",
}
SCENE_HASHES = {
    "sky": "14a78e070d6f6d62",
    "grass": "3a0ef82e97791313",
    "water": "9c98b2acceebaf89",
    "beach": "67ec3d116ffbc6c1",
    "snow": "f12021e36d5d1b19",
    "room": "12fa2664620f93d1",
    "street": "125c6950ff094c91",
    "bank.river": "d616136ba522dd6a",
}
IMAGES_HASH = "0b658c715063c530"  # images and masks 0..5 of WorldConfig(n_images=6, seed=3, image_size=64)


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _draw_alone(category: str, index: int) -> str:
    """One instance on a grey background, unflipped and flipped, with textures and noise."""
    parts = []
    for flip in (False, True):
        grey = np.full((64, 64, 3), 128.0, np.float32)
        obj = Placed(category, "red", (200, 40, 40), (6.0, 9.0, 52.0, 40.0), flip, 0.12, 100 + index)
        image, mask, drawn = render(grey, [obj], np.random.default_rng(index))
        parts += [image, mask, np.asarray(drawn, np.int64)]
    return _digest(*parts)


def test_every_category_has_a_recorded_drawing_in_order():
    assert list(DRAWERS) == list(CATEGORY_HASHES)


@needs_recorded_pillow
@pytest.mark.parametrize("index, category", list(enumerate(CATEGORY_HASHES)))
def test_category_draws_as_recorded(index, category):
    assert _draw_alone(category, index) == CATEGORY_HASHES[category]


@pytest.mark.parametrize("scene", list(SCENE_HASHES))
def test_background_draws_as_recorded(scene):
    image, horizon = background(scene, 64, np.random.default_rng(5))
    assert image.shape == (64, 64, 3) and image.dtype == np.float32
    assert _digest(image, np.float64(horizon)) == SCENE_HASHES[scene]


def test_every_scene_has_a_recorded_background():
    assert set(SCENE_HASHES) == set(SCENES)
    with pytest.raises(ValueError, match="unknown scene"):
        background("moonbase", 64, np.random.default_rng(0))


@needs_recorded_pillow
@pytest.mark.skipif(GENERATOR_VERSION != RECORDED_GENERATOR_VERSION, reason="the world generator changed on purpose")
def test_generated_images_as_recorded():
    config = WorldConfig(n_images=6, seed=3, image_size=64)
    parts = []
    for i in range(6):
        generated = generate_image(config, i)
        parts += [generated["image"], generated["mask"]]
    assert _digest(*parts) == IMAGES_HASH


def test_each_drawer_module_holds_one_category_group():
    group_of_module = {
        "animals": "animal", "plants": "plant", "vehicles": "vehicle", "furniture": "furniture",
        "food": "food", "buildings": "building", "sky": "sky", "things": "object",
    }
    gathered = []
    for module in GROUPS:
        expected = group_of_module[module.__name__.rsplit(".", 1)[1]]
        assert {CATEGORY_INFO[key].group for key in module.DRAWERS} == {expected}, module.__name__
        gathered += list(module.DRAWERS)
    assert gathered == list(DRAWERS)
    assert all(drawer.texture in TEXTURES for drawer in DRAWERS.values())


def test_texture_factor_names_an_unknown_kind():
    rng = np.random.default_rng(0)
    assert np.all(texture_factor("plain", 4, 5, rng, 10.0) == 1.0)
    stripes = texture_factor("stripes", 20, 20, rng, 20.0)
    assert stripes.shape == (20, 20) and set(np.unique(stripes)) == {np.float32(0.18), np.float32(1.0)}
    with pytest.raises(ValueError, match="texture kind"):
        texture_factor("polka", 4, 5, rng, 10.0)

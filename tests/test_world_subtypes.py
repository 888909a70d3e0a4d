"""The toy world's opt-in fine-grained subtypes: the default world is untouched, subtypes are drawn visibly."""

import hashlib

import numpy as np
import pytest

from tagbook.world import WorldConfig
from tagbook.world.concepts import CATEGORIES
from tagbook.world.subtypes import (
    PATTERNS, SUBTYPES, draw_subtypes, pattern_factor, subtype, subtype_keys, subtype_synset,
)
from tagbook.world.world import ToyWorld, generate_world, world_cache_path

# measured with the generator before subtypes existed: WorldConfig(n_images=6, seed=11, image_size=64)
DEFAULT_WORLD_SHA256 = "d1a5837f1bcf4b0b6c08778a0c072dbcafacfebbcaceb33d4060dfdf26286897"
DEFAULT_CACHE_NAME = "ed5fdfff4fe8df3828fa.npz"


def _digest(world) -> str:
    objs = [[(o.category, o.colour, o.size, o.position, o.bbox, o.area, o.centroid) for o in objs] for objs in world.objects]
    return hashlib.sha256(world.images.tobytes() + world.instance_masks.tobytes() + repr(world.captions).encode()
                          + repr(objs).encode()).hexdigest()


@pytest.fixture(scope="module")
def worlds():
    plain = generate_world(WorldConfig(n_images=6, seed=11, image_size=64), progress=False)
    fine = generate_world(WorldConfig(n_images=6, seed=11, image_size=64, fine_grained=True), progress=False)
    return plain, fine


def test_the_default_world_and_its_cache_key_are_unchanged(worlds):
    plain, _ = worlds
    assert _digest(plain) == DEFAULT_WORLD_SHA256
    config = WorldConfig(n_images=6, seed=11, image_size=64)
    assert world_cache_path(config).name == DEFAULT_CACHE_NAME
    assert world_cache_path(WorldConfig(n_images=6, seed=11, image_size=64, fine_grained=True)).name != DEFAULT_CACHE_NAME
    assert all(o.subtype is None for objs in plain.objects for o in objs)
    arrays, meta = plain.to_arrays()
    assert "fine_grained" not in meta["config"] and all(len(o) == 8 for objs in meta["objects"] for o in objs)
    with pytest.raises(ValueError, match="no subtypes"):
        plain.subtype_label_matrix()


def test_fine_grained_world_keeps_scenes_and_categories_and_draws_subtypes(worlds):
    plain, fine = worlds
    assert fine.scenes == plain.scenes
    for a, b in zip(plain.objects, fine.objects):
        assert sorted(o.category for o in a) == sorted(o.category for o in b) or len(a) != len(b)
    for objs in fine.objects:
        for o in objs:
            assert subtype(o.subtype).category == o.category
    assert not np.array_equal(plain.images, fine.images)  # patterns and proportions show
    keys, y = fine.subtype_label_matrix()
    assert keys == subtype_keys() and y.shape == (6, len(keys))
    for i, objs in enumerate(fine.objects):
        assert set(np.flatnonzero(y[i])) == {keys.index(o.subtype) for o in objs}
    arrays, meta = fine.to_arrays()
    again = ToyWorld.from_arrays(fine.config, arrays, meta)
    assert again.objects == fine.objects and meta["config"]["fine_grained"] is True


def test_subtypes_come_from_their_own_stream():
    first = draw_subtypes(["dog", "cat", "dog"], seed=3, index=7)
    assert first == draw_subtypes(["dog", "cat", "dog"], seed=3, index=7)
    assert [subtype(k).category for k in first] == ["dog", "cat", "dog"]
    draws = {draw_subtypes(["boat"], seed=3, index=i)[0] for i in range(60)}
    assert draws == {s.key for s in SUBTYPES["boat"]}


def test_the_subtype_table():
    keys = subtype_keys()
    assert len(keys) >= 150 and len(set(keys)) == len(keys)
    assert set(SUBTYPES) == set(CATEGORIES)
    for category, subs in SUBTYPES.items():
        assert len({(s.aspect, s.pattern) for s in subs}) == len(subs)  # drawn differently from each other
        assert all(s.pattern in PATTERNS for s in subs)
    beagle = subtype_synset("dog/beagle")
    assert beagle is not None and beagle.wnid == "n02088364"
    assert subtype_synset("duck/teal") is not None  # the duck, not the colour
    assert subtype_synset("giraffe/baby_giraffe") is None
    assert sum(subtype_synset(k) is not None for k in keys) >= 100


def test_patterns():
    assert (pattern_factor("plain", 5, 7) == 1).all()
    for name in PATTERNS[1:]:
        f = pattern_factor(name, 20, 20)
        assert f.shape == (20, 20) and 0 < (f < 1).mean() < 1
    with pytest.raises(ValueError, match="unknown pattern"):
        pattern_factor("zigzag", 3, 3)
    with pytest.raises(TypeError, match="fine_grained"):
        WorldConfig(fine_grained=1)

"""The toy world: determinism, masks, captions true to the masks, languages, splits, cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tagbook.world import WorldConfig, generate_world, make_world
from tagbook.world.captions import EN_SYNONYMS, ZH_SYNONYMS, relation_between
from tagbook.world.concepts import CATEGORIES, CATEGORY_INFO, LANGUAGES

N = 48


@pytest.fixture(scope="module")
def world():
    return generate_world(WorldConfig(n_images=N, seed=3, image_size=64), progress=False)


def region_from_mask(mask: np.ndarray) -> str:
    """Independent of the library: centroid of the mask's pixels, then thirds of the image."""
    ys, xs = np.nonzero(mask)
    cx, cy = xs.mean() + 0.5, ys.mean() + 0.5
    size = mask.shape[0]
    col = "left" if cx < size / 3 else ("right" if cx >= 2 * size / 3 else None)
    row = "top" if cy < size / 3 else ("bottom" if cy >= 2 * size / 3 else None)
    if row and col:
        return f"{row} {col}"
    return row or col or "centre"


EN_PHRASE = {
    "top left": ("in the top left",), "top": ("at the top",), "top right": ("in the top right",),
    "left": ("on the left",), "centre": ("in the middle", "in the centre"), "right": ("on the right",),
    "bottom left": ("in the bottom left",), "bottom": ("at the bottom",), "bottom right": ("in the bottom right",),
}
ZH_PHRASE = {
    "top left": "左上方", "top": "上方", "top right": "右上方", "left": "左边", "centre": "中间",
    "right": "右边", "bottom left": "左下方", "bottom": "下方", "bottom right": "右下方",
}


def test_shapes_and_types(world):
    assert world.images.shape == (N, 64, 64, 3) and world.images.dtype == np.uint8
    assert world.instance_masks.shape == (N, 64, 64) and world.instance_masks.dtype == np.uint8
    assert world.label_matrix.shape == (N, len(world.vocabulary)) and world.label_matrix.dtype == bool
    assert len(world.objects) == len(world.scenes) == len(world.tags) == N
    assert len(CATEGORIES) >= 40
    assert len(world.labels_of_kind("scene")) >= 6
    assert all(1 <= len(objs) <= 4 for objs in world.objects)


def test_same_seed_same_world_other_seed_other_world(world):
    again = generate_world(WorldConfig(n_images=N, seed=3, image_size=64), progress=False)
    np.testing.assert_array_equal(again.images, world.images)
    np.testing.assert_array_equal(again.instance_masks, world.instance_masks)
    assert again.captions == world.captions and again.tags == world.tags and again.objects == world.objects
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(again.splits[name], world.splits[name])
    other = generate_world(WorldConfig(n_images=N, seed=4, image_size=64), progress=False)
    assert not np.array_equal(other.images, world.images)
    assert other.captions["en"] != world.captions["en"]


def test_prefix_of_a_bigger_world_is_the_smaller_world(world):
    bigger = generate_world(WorldConfig(n_images=N + 5, seed=3, image_size=64), progress=False)
    np.testing.assert_array_equal(bigger.images[:N], world.images)
    assert bigger.captions["zh"][:N] == world.captions["zh"]


def test_every_object_has_visible_mask_pixels_and_matching_bbox(world):
    for i, objs in enumerate(world.objects):
        mask = world.instance_masks[i]
        assert set(np.unique(mask)) - {0} == {o.instance_id for o in objs}
        for o in objs:
            m = mask == o.instance_id
            assert m.sum() == o.area > 0
            ys, xs = np.nonzero(m)
            assert o.bbox == (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
            assert o.position == region_from_mask(m)


def test_instances_of_a_category_differ(world):
    """Colour, size and pose vary: two dogs (or any repeated category) are not the same crop."""
    seen: dict[str, list[np.ndarray]] = {}
    for i, objs in enumerate(world.objects):
        for o in objs:
            x, y, w, h = o.bbox
            seen.setdefault(o.category, []).append(((x, y, w, h), world.images[i, y:y + h, x:x + w].mean(axis=(0, 1))))
    repeated = {k: v for k, v in seen.items() if len(v) >= 2}
    assert repeated
    for items in repeated.values():
        boxes = {b for b, _ in items}
        colours = np.array([c for _, c in items])
        assert len(boxes) > 1 or np.ptp(colours, axis=0).max() > 1


def test_captions_agree_with_the_masks(world):
    checked_positions = checked_relations = 0
    for i, objs in enumerate(world.objects):
        mask = world.instance_masks[i]
        by_id = {o.instance_id: o for o in objs}
        assert len(world.caption_specs[i]) == 5
        for j, spec in enumerate(world.caption_specs[i]):
            en, zh = world.captions["en"][i][j].lower(), world.captions["zh"][i][j]
            for m in spec.mentions:
                assert all(k in by_id for k in m.instance_ids), "a caption mentions an object that is not in the image"
                assert {by_id[k].category for k in m.instance_ids} == {m.category}
                assert m.count == len(m.instance_ids) == sum(o.category == m.category for o in objs)
                names = [CATEGORIES[m.category].names["en"], CATEGORY_INFO[m.category].en_plural, *(w for pair in EN_SYNONYMS.get(m.category, []) for w in pair)]
                assert any(re.search(rf"\b{re.escape(n)}", en) for n in names), (en, m.category)
                zh_names = [CATEGORIES[m.category].names["zh"], *ZH_SYNONYMS.get(m.category, [])]
                assert any(n in zh for n in zh_names), (zh, m.category)
                if m.colour is not None:
                    assert {by_id[k].colour for k in m.instance_ids} == {m.colour}
                if m.position is not None:
                    region = region_from_mask(mask == m.instance_ids[0])
                    assert m.position == region
                    assert any(p in en for p in EN_PHRASE[region]), (en, region)
                    assert ZH_PHRASE[region] in zh
                    checked_positions += 1
            if spec.relation is not None:
                a, rel, b = spec.relation
                ma, mb = (mask == spec.mentions[a].instance_ids[0]), (mask == spec.mentions[b].instance_ids[0])
                ca = (np.nonzero(ma)[1].mean() + 0.5, np.nonzero(ma)[0].mean() + 0.5)
                cb = (np.nonzero(mb)[1].mean() + 0.5, np.nonzero(mb)[0].mean() + 0.5)
                assert rel == relation_between(ca, cb, mask.shape[0])
                assert {"next_to": "next to", "left_of": "to the left of", "right_of": "to the right of", "above": "above", "below": "below"}[rel] in en
                checked_relations += 1
    assert checked_positions > 20 and checked_relations > 3


def test_five_different_captions_in_every_language(world):
    for lang in LANGUAGES:
        assert len(world.captions[lang]) == N
        for i in range(N):
            caps = world.captions[lang][i]
            assert len(caps) == 5 and len(set(caps)) == 5 and all(caps)
            assert len(world.caption_tokens[lang][i]) == 5
    assert all(re.search(r"[\u4e00-\u9fff]", c) for caps in world.captions["zh"] for c in caps)
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", c) for caps in world.captions["ja"] for c in caps)
    frames = {s.frame for specs in world.caption_specs for s in specs}
    assert len(frames) >= 5


def test_every_label_is_named_in_four_languages(world):
    for label in world.vocabulary:
        assert set(label.names) >= set(LANGUAGES)
        assert all(isinstance(label.names[lang], str) and label.names[lang] for lang in LANGUAGES)
    keys = [label.key for label in world.vocabulary]
    assert len(keys) == len(set(keys))


def test_label_matrix_matches_objects_and_scene(world):
    index = world.label_index
    for i in range(N):
        row = world.label_matrix[i]
        assert row[index[world.scenes[i]]]
        for o in world.objects[i]:
            assert row[index[o.category]] and row[index[o.colour]] and row[index[o.size]]
        objects = {label.key for label in world.vocabulary if label.kind == "object" and row[index[label.key]]}
        assert objects == {o.category for o in world.objects[i]}


def test_tags_are_noisy_but_mostly_relevant(world):
    assert all(len(t) == len(set(t)) for t in world.tags)
    relevant = sum(CATEGORIES[o.category].names["en"] in world.tags[i] for i in range(N) for o in world.objects[i])
    total = sum(len(objs) for objs in world.objects)
    assert 0.5 < relevant / total < 1.0
    untagged = generate_world(WorldConfig(n_images=4, seed=3, ugc_tags=False), progress=False)
    assert untagged.tags == [[], [], [], []]


def test_splits_partition_the_images(world):
    parts = [world.splits[k] for k in ("train", "val", "test")]
    allidx = np.concatenate(parts)
    assert sorted(allidx.tolist()) == list(range(N))
    assert len(parts[0]) > len(parts[1]) > 0


def test_zero_shot_split_is_truly_disjoint():
    world = generate_world(WorldConfig(n_images=160, seed=1), progress=False)
    split = world.zero_shot_split(n_unseen=8, seed=2)
    assert len(split.unseen) == 8 and not set(split.seen) & set(split.unseen)
    unseen_cols = [world.label_index[k] for k in split.unseen]
    assert not world.label_matrix[split.train_idx][:, unseen_cols].any()
    assert world.label_matrix[split.test_idx][:, unseen_cols].any(axis=1).all()
    assert not set(split.train_idx) & set(split.test_idx)
    assert not set(split.train_idx) & set(world.splits["test"].tolist())
    assert len(split.train_idx) > 0 and len(split.test_idx) > 0
    again = world.zero_shot_split(n_unseen=8, seed=2)
    assert again.unseen == split.unseen
    with pytest.raises(ValueError, match="n_unseen"):
        world.zero_shot_split(n_unseen=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_images": 0}, "n_images"),
        ({"image_size": 30}, "image_size"),
        ({"image_size": 300}, "image_size"),
        ({"seed": -1}, "seed"),
        ({"n_images": 2.5}, "n_images"),
        ({"ugc_tags": "yes"}, "ugc_tags"),
        ({"split_fractions": (0.5, 0.5, 0.5)}, "split_fractions"),
    ],
)
def test_config_validates(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        WorldConfig(**kwargs)


def test_larger_images_work():
    world = generate_world(WorldConfig(n_images=3, seed=0, image_size=224), progress=False)
    assert world.images.shape == (3, 224, 224, 3)
    assert all(o.area > 0 for objs in world.objects for o in objs)


def test_cache_round_trip_and_recovery_from_truncation(tmp_path, monkeypatch):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    cfg = WorldConfig(n_images=6, seed=5)
    first = make_world(cfg, progress=False)
    files = sorted(p.name for p in (tmp_path / "world").iterdir())
    assert len(files) == 2 and files[1].endswith(".sha256")

    import tagbook.world.world as module

    def fail(*args, **kwargs):
        raise AssertionError("generated again although a valid cache entry exists")

    monkeypatch.setattr(module, "generate_world", fail)
    cached = make_world(cfg, progress=False)
    np.testing.assert_array_equal(cached.images, first.images)
    assert cached.captions == first.captions and cached.objects == first.objects
    assert cached.caption_specs == first.caption_specs
    np.testing.assert_array_equal(cached.label_matrix, first.label_matrix)

    path = tmp_path / "world" / files[0]
    path.write_bytes(path.read_bytes()[:1000])  # an interrupted write
    monkeypatch.undo()
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    regenerated = make_world(cfg, progress=False)
    np.testing.assert_array_equal(regenerated.images, first.images)
    assert len(path.read_bytes()) > 1000


def test_summary_check_finds_every_caption_true_to_the_masks(world):
    from tagbook.world import summary

    table = summary.caption_mask_agreement(world)
    assert (table["checked"] > 0).all()
    assert (table["agree"] == table["checked"]).all()
    freq = summary.tag_rank_frequency(world)
    assert freq["count"].is_monotonic_decreasing and freq["rank"].iloc[0] == 1
    assert len(summary.polysemy_table()) >= 8 and len(summary.near_synonym_table()) >= 6

"""Localisation maps, segmentation from maps, k-means regions and map search on hand-made cases."""

import numpy as np
import pytest

from tagbook.metrics.ranking import retrieval_precision_at_k
from tagbook.methods.vse.localisation import (
    QueryError,
    SpatialQuery,
    all_foreground_segmentation,
    centre_prior_segmentation,
    diversity_score,
    image_activations,
    kmeans_regions,
    map_search_scores,
    parse_mask,
    parse_term,
    random_regions,
    rank_images,
    region_mask,
    segment_from_maps,
    upsample_partition,
)


def test_named_regions_on_the_7x7_grid():
    left, right = region_mask("left"), region_mask("right")
    assert left[:, :3].all() and not left[:, 3:].any()  # middle column belongs to neither half
    assert right[:, 4:].all() and not right[:, :4].any()
    assert region_mask("top")[:3].all() and not region_mask("top")[3:].any()
    assert region_mask("Bottom")[4:].all()
    centre = region_mask("centre")
    assert centre.sum() == 9 and centre[2:5, 2:5].all()
    assert np.array_equal(region_mask("center"), centre)
    assert np.array_equal(region_mask("top-left"), region_mask("top") & region_mask("left"))
    assert region_mask("all").all()
    assert region_mask("left", grid=4)[:, :2].all() and region_mask("left", grid=4).sum() == 8


def test_parse_terms_labels_with_spaces_and_explicit_masks():
    term = parse_term("dog:right")
    assert term.label == "dog" and term.positive and np.array_equal(term.mask, region_mask("right"))
    assert parse_term("red car : left", positive=False).label == "red car"
    text = "/".join(["1111111"] * 3 + ["0000000"] * 4)
    mask = parse_term(f"sky:{text}").mask
    assert mask[:3].all() and not mask[3:].any()
    assert np.array_equal(parse_mask("10/01", grid=2), np.eye(2, dtype=bool))


@pytest.mark.parametrize(
    "bad, message",
    [
        ("dog", "LABEL:REGION"),
        (":left", "label before"),
        ("dog:", "region after"),
        ("dog:middle", "unknown region 'middle'"),
        ("dog:1111111/0000000", "7 rows"),
        ("dog:" + "/".join(["0000000"] * 7), "covers no cell"),
        ("dog:" + "/".join(["00x0000"] * 7), "bad grid mask"),
    ],
)
def test_bad_query_syntax_fails_with_a_clear_message(bad, message):
    with pytest.raises(QueryError, match=message):
        parse_term(bad)


def test_empty_query_is_an_error():
    with pytest.raises(QueryError, match="empty query"):
        SpatialQuery.parse([], [])


def test_query_maps_combine_terms_per_label_with_unit_weights():
    q = SpatialQuery.parse(["person:right", "sky:top"], ["person:left"])
    assert q.labels == ["person", "sky"]
    maps = q.query_maps()
    assert maps.shape == (2, 7, 7)
    assert maps[0][region_mask("right")] == pytest.approx(1 / 21)
    assert maps[0][region_mask("left")] == pytest.approx(-1 / 21)
    assert maps[0].sum() == pytest.approx(0.0)  # +1 right, -1 left
    assert maps[1].sum() == pytest.approx(1.0)
    assert str(q) == "+person:right +sky:top -person:left"


def test_map_search_ranks_the_image_that_matches_the_painting_first():
    q = SpatialQuery.parse(["dog:right"], ["dog:left"])
    maps = np.zeros((3, 1, 7, 7))
    maps[0, 0][:, :3] = 1.0  # dog on the left: the wrong side
    maps[1, 0][:, 4:] = 1.0  # dog on the right: the match
    maps[2, 0] = 1.0  # dog everywhere: + and - cancel
    scores = map_search_scores(maps, q.query_maps())
    assert scores == pytest.approx([-1.0, 1.0, 0.0])
    assert rank_images(scores, 2).tolist() == [1, 2]
    assert retrieval_precision_at_k(scores, np.array([False, True, False]), 1) == 1.0
    assert retrieval_precision_at_k(scores, np.array([False, True, False]), 2) == 0.5
    with pytest.raises(ValueError, match="do not match"):
        map_search_scores(maps, np.zeros((2, 7, 7)))


def test_segment_from_maps_threshold_and_candidates():
    maps = np.zeros((1, 2, 2, 2))
    maps[0, 0] = [[0.9, 0.2], [0.2, 0.2]]
    maps[0, 1] = [[0.85, 0.95], [0.1, 0.5]]
    seg = segment_from_maps(maps, 0.8, (2, 2))
    assert seg[0].tolist() == [[1, 2], [0, 0]]  # label l is written l + 1, below 0.8 is background
    assert segment_from_maps(maps, 0.0, (2, 2))[0].tolist() == [[1, 2], [1, 2]]
    only_second = segment_from_maps(maps, 0.8, (2, 2), candidates=np.array([[False, True]]))
    assert only_second[0].tolist() == [[2, 2], [0, 0]]
    assert segment_from_maps(maps, 0.5, (8, 8)).shape == (1, 8, 8)
    with pytest.raises(ValueError, match="threshold"):
        segment_from_maps(maps, 1.5, (2, 2))


def test_trivial_baselines():
    fg = all_foreground_segmentation(np.array([0, 3]), (4, 4))
    assert (fg[0] == 1).all() and (fg[1] == 4).all()
    centre = centre_prior_segmentation(np.array([2]), (10, 10), 0.36)
    assert (centre[0] == 3).sum() == 36 and centre[0, 5, 5] == 3 and centre[0, 0, 0] == 0
    with pytest.raises(ValueError, match="area_fraction"):
        centre_prior_segmentation(np.array([0]), (4, 4), 0.0)


def test_kmeans_separates_two_kinds_of_region_without_spatial_input():
    rng = np.random.default_rng(0)
    regions = rng.normal(scale=0.05, size=(2, 4, 7, 7))
    regions[:, 0, :, :3] += 1.0  # left part points one way
    regions[:, 1, :, 3:] += 1.0  # right part another
    clusters = kmeans_regions(regions, 2, seed=0)
    assert clusters.shape == (7, 7)
    assert len(np.unique(clusters[:, :3])) == 1 and len(np.unique(clusters[:, 3:])) == 1
    assert clusters[0, 0] != clusters[0, 6]


def test_random_regions_partition_the_grid_into_contiguous_pieces():
    part = random_regions(4, 7, np.random.default_rng(1))
    assert part.shape == (7, 7) and len(np.unique(part)) == 4
    up = upsample_partition(part, (14, 14))
    assert up.shape == (14, 14) and np.array_equal(up[::2, ::2], part)


def test_diversity_is_zero_for_uniform_images_and_activations_pool_space():
    rng = np.random.default_rng(0)
    uniform = np.broadcast_to(rng.normal(size=(1, 2, 3, 1, 1)), (1, 2, 3, 7, 7))
    mixed = rng.normal(size=(1, 2, 3, 7, 7))
    scores = diversity_score(np.concatenate([uniform, mixed]))
    assert scores[0] == pytest.approx(0.0, abs=1e-12) and scores[1] > 1.0
    act = image_activations(mixed)
    assert act.shape == (1, 6) and act[0, 0] == pytest.approx(mixed[0, 0, 0].mean())


def test_semantic_masks_map_instances_to_classes_and_ignore_others():
    from tagbook.methods.vse.localisation import IGNORE, semantic_masks

    inst = np.array([[[0, 1], [2, 3]]])
    out = semantic_masks(inst, [["dog", "cat", "zebra"]], {"dog": 1, "cat": 2})
    assert out[0].tolist() == [[0, 1], [2, IGNORE]]


def test_cosine_maps_are_the_posts_cosine_similarities_combined_over_blocks():
    from tagbook.methods.vse.localisation import cosine_localisation_maps

    label = np.array([[3.0, 0.0, 0.0]])  # normalised inside
    regions = np.zeros((1, 2, 3, 2, 2), dtype=np.float32)
    regions[0, 0, 0] = [[1.0, 0.0], [0.0, -1.0]]  # block 0: along the label at (0, 0), against it at (1, 1)
    regions[0, 0, 1] = [[0.0, 1.0], [1.0, 0.0]]
    regions[0, 1, 1] = 1.0  # block 1: orthogonal everywhere
    best = cosine_localisation_maps(regions, label)
    assert best.shape == (1, 1, 2, 2)
    assert best[0, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]  # max over the blocks
    mean = cosine_localisation_maps(regions, label, reduce="mean")
    assert mean[0, 0].tolist() == [[0.5, 0.0], [0.0, -0.5]]
    seg = segment_from_maps(mean, -0.6, (2, 2))  # cosine maps take thresholds below 0
    assert seg[0].tolist() == [[1, 1], [1, 1]]
    with pytest.raises(ValueError, match="label_vectors"):
        cosine_localisation_maps(regions, np.ones((1, 4)))
    with pytest.raises(ValueError, match="reduce"):
        cosine_localisation_maps(regions, label, reduce="sum")

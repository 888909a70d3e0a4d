"""Segmentation metrics on hand-made masks with hand-computed answers."""

import numpy as np
import pytest

from tagbook.metrics.segmentation import (
    confusion_matrix,
    iou,
    iou_per_class,
    mean_iou,
    segmentation_covering,
)


def test_iou_of_overlapping_squares():
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2, :2] = True  # 4 pixels
    b[:2, 1:3] = True  # 4 pixels, 2 shared
    assert iou(a, b) == pytest.approx(2 / 6)
    assert iou(a, a) == 1.0
    assert iou(a, ~a) == 0.0


def test_iou_both_empty_is_one_and_shapes_must_match():
    assert iou(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0
    with pytest.raises(ValueError, match="differ in shape"):
        iou(np.zeros((3, 3)), np.zeros((3, 4)))


def test_confusion_matrix_rows_truth_columns_prediction():
    truth = np.array([[0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 2]])
    cm = confusion_matrix(pred, truth, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 0]]


def test_mean_iou_hand_computed_and_micro_over_images():
    truth = np.array([[[0, 0, 1, 1]], [[0, 0, 0, 1]]])
    pred = np.array([[[0, 1, 1, 1]], [[0, 0, 0, 0]]])
    # pooled over both images: class 0: tp 4, fp 1 (pixel 2,3 of image 2), fn 1 -> 4/6
    # class 1: tp 2, fp 1, fn 1 -> 2/4
    per_class = iou_per_class(confusion_matrix(pred, truth, 2))
    assert per_class == pytest.approx([4 / 6, 2 / 4])
    assert mean_iou(pred, truth, 2) == pytest.approx((4 / 6 + 2 / 4) / 2)


def test_absent_class_is_left_out_and_ignore_index_drops_pixels():
    truth = np.array([0, 0, 255, 1])
    pred = np.array([0, 1, 2, 1])
    # class 2 only predicted on an ignored pixel: absent everywhere -> NaN, left out of the mean
    per_class = iou_per_class(confusion_matrix(pred, truth, 3, ignore_index=255))
    assert per_class[:2] == pytest.approx([1 / 2, 1 / 2])
    assert np.isnan(per_class[2])
    assert mean_iou(pred, truth, 3, ignore_index=255) == pytest.approx(0.5)


def test_out_of_range_class_ids_fail_clearly():
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)


def test_covering_perfect_relabelled_partition_and_single_region():
    truth = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    assert segmentation_covering(truth + 7, truth) == 1.0  # ids do not matter
    # one region for everything: each half has IoU 4/8 with it
    assert segmentation_covering(np.zeros_like(truth), truth) == pytest.approx(0.5)
    # over-split: left half split in two (2 + 2), right half whole
    split = np.array([[0, 2, 1, 1], [0, 2, 1, 1]])
    assert segmentation_covering(split, truth) == pytest.approx((4 * 0.5 + 4 * 1.0) / 8)

"""The MS-COCO English-Japanese loader on made-up files in the Karpathy, STAIR and YJ layouts."""

import json
from pathlib import Path

import pytest

from tagbook.data.coco_japanese import load_coco_japanese, read_japanese_captions, read_karpathy_split
from tagbook.metrics import recall_at_k

FIXTURES = Path(__file__).parent / "fixtures" / "coco_japanese"
KARPATHY = FIXTURES / "karpathy_split_sample.json"
STAIR = FIXTURES / "stair_sample_tokenized.json"
YJ = FIXTURES / "yj_sample.json"


def test_karpathy_splits_tokens_and_the_raw_fallback():
    test = read_karpathy_split(KARPATHY, ("test",))
    assert [im["cocoid"] for im in test] == [14, 15, 16]
    assert test[0]["captions"][2] == "a red kite number 2 over the field"
    assert test[1]["captions"][4] == "a dog on a mat."  # no tokens: the raw caption, lower-cased
    assert [im["cocoid"] for im in read_karpathy_split(KARPATHY, ("train", "restval"))] == [11, 12]
    with pytest.raises(ValueError, match="splits must be among"):
        read_karpathy_split(KARPATHY, ("dev",))


def test_stair_captions_follow_the_annotation_ids():
    captions = read_japanese_captions(STAIR, "stair")
    assert sorted(captions) == [11, 12, 13, 14, 15, 16]
    # image 12's annotation ids are 42, 49, 3, 10, 17 for captions 0..4: id order is 2, 3, 4, 0, 1
    assert [c.split()[3] for c in captions[12]] == ["2", "3", "4", "0", "1"]
    assert captions[16] == ["猫 が いる"] * 3


def test_yj_captions_lose_their_spaces():
    captions = read_japanese_captions(YJ, "yj")
    assert sorted(captions) == [11, 14]
    assert captions[14][0] == "白い犬0が走る"


def test_splits_keep_images_with_enough_captions_in_both_languages():
    test = load_coco_japanese(KARPATHY, STAIR, "test", "stair")
    assert test.cocoids == [14, 15] and test.dropped == 1  # 16 has 3 Japanese captions
    assert len(test.flat_captions("en")) == len(test.flat_captions("ja")) == 10
    assert test.filenames[0] == "COCO_val2014_000000000014.jpg"
    train = load_coco_japanese(KARPATHY, [STAIR], "train", "stair")
    assert train.cocoids == [11, 12]  # restval joins train
    yj = load_coco_japanese(KARPATHY, YJ, "test", "yj")
    assert yj.cocoids == [14] and yj.dropped == 2
    fewer = load_coco_japanese(KARPATHY, STAIR, "test", "stair", captions_per_image=3)
    assert fewer.cocoids == [14, 15, 16]
    # the layout recall_at_k expects: a perfect score matrix gives R@1 = 100
    import numpy as np

    sim = np.kron(np.eye(len(fewer)), np.ones((1, 3)))
    assert recall_at_k(sim, captions_per_image=3).image_to_text.recall[1] == 100.0


def test_bad_files_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_japanese_captions(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"images": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="annotation layout"):
        read_japanese_captions(bad)
    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="Karpathy layout"):
        read_karpathy_split(empty, ("test",))
    with pytest.raises(ValueError, match="layout must be"):
        read_japanese_captions(STAIR, "mscoco")
    with pytest.raises(ValueError, match="split must be"):
        load_coco_japanese(KARPATHY, STAIR, "restval")

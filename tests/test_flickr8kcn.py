"""The Flickr8k-CN loader on a small fixture written in the release's published layout."""

from pathlib import Path

import pytest

from tagbook.data.flickr8kcn import Flickr8kCNError, load_flickr8kcn, read_caption_file
from tagbook.groundtruth import ground_truth

# two test images with five human-translated captions each (zhm), one training image with zhc only
ZHM = """\ufeff1056338697_4f7d7ce270.jpg#zhm#1 一个金发女人正在街上叫计程车。
1056338697_4f7d7ce270.jpg#zhm#0 一个穿蓝色衬衫的金发女人似乎要搭车。
1056338697_4f7d7ce270.jpg#zhm#2 从背后看，一个女人正在向来往的车辆挥手示意。
1056338697_4f7d7ce270.jpg#zhm#3 一个穿着蓝色抹胸上衣的金发女子在街道边挥着手。
1056338697_4f7d7ce270.jpg#zhm#4 穿着蓝色连衣裙的那个女人正冲着行来的车辆伸出她的手。
106490881_5a2dd9b7bd.jpg#zhm#0 一个穿着蓝色泳裤的男孩在海滩上。
106490881_5a2dd9b7bd.jpg#zhm#1 一个男孩对着相机在沙滩上微笑着。
106490881_5a2dd9b7bd.jpg#zhm#2 一个穿着泳裤的小男孩正张开双臂走在沙滩上。
106490881_5a2dd9b7bd.jpg#zhm#3 孩子们在海滩上玩耍。
106490881_5a2dd9b7bd.jpg#zhm#4 男孩正在一片海的海边玩。
"""
ZHC = "667626_18933d713e.jpg#zhc#0 一个穿着泳装的女人躺在海水里。\r\n"
TEST_SPLIT = "1056338697_4f7d7ce270\n106490881_5a2dd9b7bd\n3385593926_d3e9c21170\n"
TRAIN_SPLIT = "667626_18933d713e\n"


@pytest.fixture
def release(tmp_path) -> Path:
    data = tmp_path / "flickr8kcn" / "data"
    data.mkdir(parents=True)
    (data / "flickr8kzhmtest.captions.txt").write_text(ZHM, encoding="utf-8")
    (data / "flickr8kzhc.caption.txt").write_bytes(ZHC.encode("utf-8"))
    (data / "flickr8ktest.txt").write_text(TEST_SPLIT, encoding="utf-8")
    (data / "flickr8ktrain.txt").write_text(TRAIN_SPLIT, encoding="utf-8")
    (data / "flickr8kval.txt").write_text("", encoding="utf-8")
    return tmp_path / "flickr8kcn"


def test_loads_the_papers_test_set_from_the_repository_folder(release):
    ds = load_flickr8kcn(release)  # the repository root: the files are found in data/
    assert ds.split == "test" and ds.source == "zhm"
    assert ds.image_ids == ["1056338697_4f7d7ce270", "106490881_5a2dd9b7bd"]
    assert [len(c) for c in ds.captions] == [5, 5]
    assert ds.captions[0][0] == "一个穿蓝色衬衫的金发女人似乎要搭车。"  # ordered by <n>, BOM stripped
    assert ds.without_captions == ["3385593926_d3e9c21170"]
    assert ds.image_dir is None
    with pytest.raises(Flickr8kCNError, match="image_dir"):
        ds.image_path(0)


def test_other_sources_splits_and_images(release):
    images = release / "Flicker8k_Dataset"
    images.mkdir()
    ds = load_flickr8kcn(release / "data", split="train", source="zhc")
    assert ds.image_ids == ["667626_18933d713e"] and ds.captions == [["一个穿着泳装的女人躺在海水里。"]]
    assert ds.image_path(0) == images / "667626_18933d713e.jpg"


def test_ground_truth_from_the_fixture(release):
    gt = ground_truth(load_flickr8kcn(release).captions)
    assert "女人" in gt.labels[0] and "蓝色" in gt.labels[0]
    assert "男孩" in gt.labels[1] and "沙滩" in gt.labels[1]


def test_clear_errors(release, tmp_path):
    with pytest.raises(Flickr8kCNError, match="flickr8kzhmtest.captions.txt"):
        load_flickr8kcn(tmp_path)
    with pytest.raises(Flickr8kCNError, match="not a folder"):
        load_flickr8kcn(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="split"):
        load_flickr8kcn(release, split="dev")
    with pytest.raises(ValueError, match="source"):
        load_flickr8kcn(release, source="fr")
    with pytest.raises(Flickr8kCNError, match="no image of the val split"):
        load_flickr8kcn(release, split="val", source="zhc")
    bad = tmp_path / "bad.txt"
    bad.write_text("1.jpg#zhm#0 好\n2.jpg zhm 0 坏\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:2"):
        read_caption_file(bad)

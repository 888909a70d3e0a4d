"""`tagbook world export`: COCO JSON that pycocotools reads back, masks that match, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tagbook.cli import main
from tagbook.world import WorldConfig, make_world

pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

# pycocotools 2.0.11 decodes through a NumPy-2 deprecated __array__ path; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    out = tmp_path_factory.mktemp("export") / "coco"
    mp = pytest.MonkeyPatch()
    mp.setenv("TAGBOOK_CACHE", str(cache))
    try:
        assert main(["world", "export", "--n-images", "12", "--seed", "4", "--image-size", "72", "--out", str(out)]) == 0
        world = make_world(WorldConfig(n_images=12, seed=4, image_size=72), progress=False)  # from the cache
    finally:
        mp.undo()
    return out, world


def test_pycocotools_reads_instances_and_masks_match(exported, capsys):
    out, world = exported
    coco = COCO(str(out / "annotations" / "instances.json"))
    capsys.readouterr()
    assert sorted(coco.getImgIds()) == list(range(12))
    cats = coco.loadCats(coco.getCatIds())
    assert len(cats) >= 40 and all(c["supercategory"] for c in cats)
    name_of = {c["id"]: c["name"] for c in cats}
    for i in range(12):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[i]))
        assert len(anns) == len(world.objects[i])
        for ann in anns:
            k = ann["attributes"]["instance_id"]
            expected = world.instance_masks[i] == k
            decoded = coco.annToMask(ann).astype(bool)
            np.testing.assert_array_equal(decoded, expected)
            assert name_of[ann["category_id"]] == world.objects[i][k - 1].category
            assert mask_utils.area(ann["segmentation"]) == ann["area"] == expected.sum()
            assert list(mask_utils.toBbox(ann["segmentation"])) == ann["bbox"]
        img = coco.loadImgs([i])[0]
        assert (img["width"], img["height"]) == (72, 72) and img["tags"] == world.tags[i]


def test_png_files_hold_the_pixels(exported):
    from PIL import Image

    out, world = exported
    for i in (0, 11):
        np.testing.assert_array_equal(np.asarray(Image.open(out / "images" / f"{i:06d}.png")), world.images[i])


def test_captions_per_language_in_coco_caption_format(exported, capsys):
    out, world = exported
    for lang in ("en", "zh", "de", "ja"):
        coco = COCO(str(out / "annotations" / f"captions_{lang}.json"))
        capsys.readouterr()
        for i in (0, 5):
            caps = [a["caption"] for a in coco.loadAnns(coco.getAnnIds(imgIds=[i]))]
            assert caps == world.captions[lang][i]
    labels = json.loads((out / "annotations" / "labels.json").read_text(encoding="utf-8"))["labels"]
    assert len(labels) == len(world.vocabulary) and all(set(lab["names"]) == {"en", "zh", "de", "ja"} for lab in labels)


@pytest.mark.parametrize("flag, value, message", [
    ("--n-images", "0", "--n-images"),
    ("--image-size", "30", "--image-size"),
    ("--seed", "-3", "--seed"),
])
def test_bad_values_get_clear_errors(tmp_path, capsys, flag, value, message):
    args = {"--n-images": "4", "--seed": "0", "--image-size": "64"}
    args[flag] = value
    argv = ["world", "export", *[x for kv in args.items() for x in kv], "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err
    assert not (tmp_path / "o").exists(), "nothing is written before the values are checked"


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["world", "export", "--n-images", "4", "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err

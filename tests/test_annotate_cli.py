"""`tagbook annotate` on real photos and on bad inputs."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tagbook.cli import main
from tagbook.cli import annotate as annotate_cli


def write_photo(path: Path) -> Path:
    from skimage import data

    Image.fromarray(data.chelsea()).save(path)
    return path


def run_cli(capsys, *argv):
    status = main(["annotate", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_bad_inputs_get_a_message_each_and_a_non_zero_status(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a picture")
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"\xff\xd8 this is no JPEG")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.md").write_text("no images here")
    truncated = tmp_path / "cut.png"
    full = tmp_path / "full.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(full)
    truncated.write_bytes(full.read_bytes()[:200])
    status, out, err = run_cli(capsys, tmp_path / "missing.jpg", tmp_path / "notes.txt", fake, empty, truncated, "--method", "mt")
    assert status == 1
    assert out == ""
    assert "missing.jpg: no such file" in err
    assert "notes.txt: not an image" in err
    assert "fake.jpg: not an image" in err
    assert "empty: the folder has no image files" in err
    assert "cut.png: cannot read the image" in err


def test_huge_images_are_refused_before_decoding(tmp_path, monkeypatch):
    big = tmp_path / "big.png"
    Image.new("RGB", (400, 300)).save(big)
    monkeypatch.setattr(annotate_cli, "MAX_PIXELS", 100_000)
    (item,) = annotate_cli.collect_images([str(big)])
    assert item.error.startswith("image too large: 400 x 300 pixels")


def test_bad_options_are_refused(capsys):
    for argv in (["x.jpg", "--theta", "1.5"], ["x.jpg", "--k", "0"], ["x.jpg", "--lang", "fr"]):
        with pytest.raises(SystemExit) as exc:
            main(["annotate", *argv])
        assert exc.value.code == 2
    assert "--theta must be in [0, 1]" in capsys.readouterr().err


def test_machine_translation_of_a_real_photo_and_the_others_still_run(tmp_path, capsys):
    photo = write_photo(tmp_path / "chelsea.png")
    status, out, err = run_cli(capsys, photo, tmp_path / "missing.jpg", "--method", "mt", "--k", "3", "--json")
    assert status == 1 and "missing.jpg: no such file" in err
    doc = json.loads(out)
    assert doc[1] == {"input": str(tmp_path / "missing.jpg"), "error": "no such file or folder"}
    labels = [entry["label"] for entry in doc[0]["labels"]]
    assert len(labels) == 3
    assert "山猫" in labels or any("猫" in label for label in labels)  # lynx / tabby / Egyptian cat


def test_label_enhanced_annotates_a_folder_in_chinese_with_glosses(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    write_photo(folder / "chelsea.png")
    status, out, err = run_cli(capsys, folder, "--lang", "zh", "--method", "label-enhanced", "--theta", "0.5",
                               "--k", "5", "--vocabulary-size", "0")
    assert status == 0, err
    line = out.strip()
    assert line.startswith(str(folder / "chelsea.png") + ":")
    assert "猫" in line and "(cat)" in line

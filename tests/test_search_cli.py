"""`tagbook search` on small folders, with a stand-in backbone and word list so it runs in seconds."""

import json

import numpy as np
import pytest
from PIL import Image

import tagbook.methods.vse.inputs as vse_inputs
from tagbook.cli import main
from tagbook.methods.vse.conv import ConvVSE, ConvVSEConfig
from tagbook.text.vectors import WordVectors

WORDS = ["red", "blue", "green", "sky", "dog"]
C = 8


def _fake_conv_features(images, backbone="efficientnet-lite0", size=224):
    """7x7 grid of mean colours plus a fixed projection: enough to tell red on the left from right."""
    images = np.asarray(images, dtype=np.float32) / 255.0
    n, h, w, _ = images.shape
    cells = images[:, : h // 7 * 7, : w // 7 * 7].reshape(n, 7, h // 7, 7, w // 7, 3).mean(axis=(2, 4))
    proj = np.random.default_rng(0).normal(size=(3, C - 3)).astype(np.float32)
    return np.concatenate([cells, cells @ proj], axis=-1).transpose(0, 3, 1, 2).copy()


@pytest.fixture()
def setup(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    vectors = WordVectors(WORDS, rng.normal(size=(len(WORDS), 6)), lang=None, name="test words")
    monkeypatch.setattr(vse_inputs, "conv_features", _fake_conv_features)
    monkeypatch.setattr(vse_inputs, "load_word_vectors", lambda source: vectors)
    # train on images half red / half blue: label "red" present when a red half exists
    images, targets = [], []
    for i in range(40):
        img = np.zeros((28, 28, 3), np.uint8)
        left, right = rng.integers(0, 2, 2)
        img[:, :14, 0 if left else 2] = 255
        img[:, 14:, 0 if right else 2] = 255
        images.append(img)
        targets.append([bool(left or right), bool(not left or not right), False, False, False])
    config = ConvVSEConfig(epochs=30, batch_size=8, hidden_channels=16, map_channels=8, max_lr=1e-2,
                           show_progress=False, num_threads=1)
    model = ConvVSE(config).fit(_fake_conv_features(np.stack(images)), np.array(targets), vectors.matrix)
    model_path = model.save(tmp_path / "model.pt", label_vectors="glove")
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, (left, right) in {"a_red_left": (255, 0), "b_red_right": (0, 255), "c_blue": (0, 0)}.items():
        img = np.zeros((56, 56, 3), np.uint8)
        img[:, :28] = (left, 0, 255 - left)
        img[:, 28:] = (right, 0, 255 - right)
        Image.fromarray(img).save(folder / f"{name}.png")
    return model_path, folder


def _run(capsys, *argv):
    status = main(["search", *map(str, argv)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_folder_search_ranks_by_the_painted_query_and_prints_json(setup, capsys):
    model_path, folder = setup
    (folder / "notes.txt").write_text("not an image")
    status, out, err = _run(capsys, folder, "--model", model_path, "--where", "red:right", "--not", "red:left", "--k", "3", "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["query"] == "+red:right -red:left"
    names = [r["image"].rsplit("/", 1)[-1] for r in result["results"]]
    assert names[0] == "b_red_right.png" and names[-1] == "a_red_left.png"
    assert [r["rank"] for r in result["results"]] == [1, 2, 3]
    assert "skipped 1 non-image files: notes.txt" in err


def test_plain_text_output_and_k(setup, capsys):
    model_path, folder = setup
    status, out, _ = _run(capsys, folder, "--model", model_path, "--where", "red:left", "--k", "1")
    assert status == 0
    lines = out.strip().splitlines()
    assert lines[0] == "query: +red:left" and len(lines) == 2 and "a_red_left.png" in lines[1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--where", "red"], "expected LABEL:REGION"),
        (["--where", "red:middle"], "unknown region 'middle'"),
        (["--where", "unicorn:left"], "no word vector for label 'unicorn'"),
        ([], "empty query"),
        (["--where", "red:left", "--k", "0"], "--k must be a positive number"),
    ],
)
def test_bad_queries_fail_with_a_clear_message(setup, capsys, argv, message):
    model_path, folder = setup
    status, out, err = _run(capsys, folder, "--model", model_path, *argv)
    assert status == 2 and message in err and out == ""


def test_bad_sources_and_models_fail_with_a_clear_message(setup, tmp_path, capsys):
    model_path, folder = setup
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = _run(capsys, empty, "--model", model_path, "--where", "red:left")
    assert status == 2 and f"no images in folder {empty}" in err
    bad_only = tmp_path / "bad_only"
    bad_only.mkdir()
    (bad_only / "broken.jpg").write_text("this is text, not a JPEG")
    status, out, err = _run(capsys, bad_only, "--model", model_path, "--where", "red:left")
    assert status == 2 and out == "" and f"{bad_only / 'broken.jpg'}: not an image" in err
    assert f"no image could be read in folder {bad_only} (1 files failed" in err
    status, _, err = _run(capsys, bad_only / "broken.jpg", "--model", model_path, "--where", "red:left")
    assert status == 2
    assert err.strip() == f"error: {bad_only / 'broken.jpg'}: not an image (or an image format that cannot be read)"
    status, _, err = _run(capsys, tmp_path / "missing", "--model", model_path, "--where", "red:left")
    assert status == 2 and "no such folder or file" in err
    status, _, err = _run(capsys, empty, "--where", "red:left")
    assert status == 2 and "no model given" in err
    status, _, err = _run(capsys, folder, "--model", tmp_path / "none.pt", "--where", "red:left")
    assert status == 2 and "model file not found" in err
    status, _, err = _run(capsys, folder, "--model", model_path, "--train")
    assert status == 2 and "use SOURCE 'toy'" in err


def test_a_bad_file_among_good_ones_gets_a_message_and_the_others_are_ranked(setup, capsys):
    model_path, folder = setup
    (folder / "b2_broken.jpg").write_text("this is text, not a JPEG")
    full = (folder / "a_red_left.png").read_bytes()
    (folder / "b3_cut.png").write_bytes(full[: len(full) // 2])
    status, out, err = _run(capsys, folder, "--model", model_path, "--where", "red:right", "--k", "5", "--json")
    assert status == 1  # as annotate: some input could not be read
    assert f"error: {folder / 'b2_broken.jpg'}: not an image" in err
    assert f"error: {folder / 'b3_cut.png'}: cannot read the image" in err
    names = [r["image"].rsplit("/", 1)[-1] for r in json.loads(out)["results"]]
    assert sorted(names) == ["a_red_left.png", "b_red_right.png", "c_blue.png"] and names[0] == "b_red_right.png"


def test_folder_images_are_read_through_the_image_reader(tmp_path, capsys):
    from tagbook.apps.search_model import load_image_source

    Image.new("RGB", (60, 40), (0, 0, 250)).save(tmp_path / "a_blue.png")
    Image.new("RGB", (2400, 1800), (250, 0, 0)).save(tmp_path / "b_big_red.JPG")
    (tmp_path / "c_broken.gif").write_text("no GIF")
    (tmp_path / "d_unknown.xyz").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    Image.new("RGB", (60, 40)).save(tmp_path / "sub" / "deeper.png")  # not recursive
    images, names, failed = load_image_source(str(tmp_path))
    assert images.shape == (2, 224, 224, 3) and images.dtype == np.uint8 and failed == 1
    assert names == [str(tmp_path / "a_blue.png"), str(tmp_path / "b_big_red.JPG")]
    assert np.abs(images[1].astype(int) - (250, 0, 0)).max() <= 3
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'c_broken.gif'}: not an image" in err
    assert "skipped 1 non-image files: d_unknown.xyz" in err

"""`tagbook annotate` on real photos and on bad inputs."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tagbook.cli import main
from tagbook.apps import photo_inputs
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


def test_huge_images_are_refused_before_decoding(tmp_path):
    big = tmp_path / "big.png"
    Image.new("RGB", (400, 300)).save(big)
    (item,) = photo_inputs.iter_photo_items([str(big)], max_pixels=100_000)
    assert item.error.startswith("image too large: 400 x 300 pixels")


class FakeAnnotator:
    """Stands in for the real annotator (no model loaded): one label per photo, its shape recorded."""

    fits = 0
    batches: list = []

    def __init__(self, config):
        self.config = config

    def fit(self):
        FakeAnnotator.fits += 1
        return self

    def annotate(self, images, top=5):
        from tagbook.apps.annotator import Prediction

        FakeAnnotator.batches.append([im.shape for im in images])
        return [[Prediction("猫", "cat", 0.9)] for _ in images]


@pytest.fixture()
def fake_annotator(monkeypatch):
    import tagbook.apps.annotator as annotator_app

    monkeypatch.setattr(annotator_app, "CrossLingualAnnotator", FakeAnnotator)
    monkeypatch.setattr(FakeAnnotator, "fits", 0)
    monkeypatch.setattr(FakeAnnotator, "batches", [])
    return FakeAnnotator


def folder_with_a_bad_file(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.full((40, 50, 3), 120, np.uint8)).save(folder / "a.png")
    (folder / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut off")
    Image.fromarray(np.full((30, 20, 3), 200, np.uint8)).save(folder / "c.jpg")
    (folder / "notes.txt").write_text("not a photo, left out of the folder's images")
    return folder


def test_a_bad_file_in_a_folder_gets_a_message_and_the_others_are_annotated(tmp_path, capsys, fake_annotator):
    folder = folder_with_a_bad_file(tmp_path)
    status, out, err = run_cli(capsys, folder, "--lang", "zh")
    assert status == 1
    assert out.splitlines() == [f"{folder / 'a.png'}: 猫 (cat)", f"{folder / 'c.jpg'}: 猫 (cat)"]
    assert f"error: {folder / 'b.jpg'}: cannot read the image" in err and "notes.txt" not in err
    assert fake_annotator.fits == 1 and fake_annotator.batches == [[(40, 50, 3), (30, 20, 3)]]


def test_json_output_keeps_its_shape_with_a_bad_file(tmp_path, capsys, fake_annotator):
    folder = folder_with_a_bad_file(tmp_path)
    status, out, err = run_cli(capsys, folder, tmp_path / "missing.jpg", "--json")
    assert status == 1 and "missing.jpg: no such file or folder" in err
    doc = json.loads(out)
    good, bad = {"input", "labels"}, {"input", "error"}
    assert [set(entry) for entry in doc] == [good, bad, good, bad]
    assert doc[0] == {"input": str(folder / "a.png"), "labels": [{"label": "猫", "gloss": "cat", "score": 0.9}]}
    assert doc[1]["input"] == str(folder / "b.jpg") and doc[1]["error"].startswith("cannot read the image")
    assert doc[3] == {"input": str(tmp_path / "missing.jpg"), "error": "no such file or folder"}


def test_photos_are_read_in_batches_at_reduced_scale(tmp_path, capsys, monkeypatch, fake_annotator):
    monkeypatch.setattr(annotate_cli, "BATCH", 2)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        Image.new("RGB", (2400, 1800), (90, 140, 200)).save(tmp_path / name)
    status, out, _ = run_cli(capsys, tmp_path)
    assert status == 0 and len(out.splitlines()) == 3
    assert photo_inputs.decode_min_side("efficientnet-lite0") == 256  # 224 px input + 32 px crop margin
    # 1800 // 256 = 7: decoded at 1/4 scale, the shorter side (450) still >= 256
    assert fake_annotator.fits == 1 and fake_annotator.batches == [[(450, 600, 3)] * 2, [(450, 600, 3)]]


def test_bad_options_are_refused(capsys):
    for argv in (["x.jpg", "--theta", "1.5"], ["x.jpg", "--k", "0"], ["x.jpg", "--lang", "fr"],
                 ["x.jpg", "--vocabulary-size", "0"], ["x.jpg", "--vocabulary", "wordnet"]):
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
                               "--k", "5", "--vocabulary-size", "1000")  # the 1,000 most frequent everyday words
    assert status == 0, err
    line = out.strip()
    assert line.startswith(str(folder / "chelsea.png") + ":")
    assert "猫" in line and "(cat)" in line


def test_the_glove_vocabulary_is_english_only(tmp_path, capsys):
    photo = write_photo(tmp_path / "chelsea.png")
    status, out, err = run_cli(capsys, photo, "--lang", "zh", "--vocabulary", "glove")
    assert status == 2 and out == "" and "glove vocabulary is English" in err


def test_every_glove_word_is_a_candidate_for_english(tmp_path, capsys):
    photo = write_photo(tmp_path / "chelsea.png")
    status, out, err = run_cli(capsys, photo, "--lang", "en", "--vocabulary", "glove", "--method", "label-enhanced",
                               "--base", "conse", "--k", "8", "--json")
    assert status == 0, err
    (entry,) = json.loads(out)
    labels = [item["label"] for item in entry["labels"]]
    assert len(labels) == 8 and "cat" in labels and all(item["gloss"] is None for item in entry["labels"])


def test_a_folder_is_streamed_batch_by_batch(tmp_path, capsys, monkeypatch, fake_annotator):
    from tagbook.vision import imageio

    events = []
    real_read = imageio.read_image

    def logged_read(path, **kwargs):
        events.append(f"read {Path(path).name}")
        return real_read(path, **kwargs)

    real_annotate = FakeAnnotator.annotate

    def logged_annotate(self, images, top=5):
        events.append(f"annotate {len(images)}")
        return real_annotate(self, images, top)

    monkeypatch.setattr(imageio, "read_image", logged_read)
    monkeypatch.setattr(FakeAnnotator, "annotate", logged_annotate)
    monkeypatch.setattr(annotate_cli, "BATCH", 2)
    for name in ("a.png", "b.png", "c.png"):
        Image.fromarray(np.full((20, 30, 3), 50, np.uint8)).save(tmp_path / name)
    status, out, _ = run_cli(capsys, tmp_path, "--json")
    assert status == 0 and len(json.loads(out)) == 3
    assert events == ["read a.png", "read b.png", "annotate 2", "read c.png", "annotate 1"]


def test_chunked_ranking_is_the_dense_ranking():
    """top_labels (tagbook.ranking.top_k_scores, any vocabulary size) ranks as score() does."""
    from tagbook.apps.annotator import AnnotatorConfig, CrossLingualAnnotator, TargetVocabulary
    from tagbook.ranking import top_k
    from tagbook.text.spaces import WordVectorSpace
    from tagbook.text.vectors import WordVectors

    rng = np.random.default_rng(0)
    source_names = [f"label{i}" for i in range(30)]
    target_words = [f"word{i}" for i in range(200)]
    space = WordVectorSpace({"en": WordVectors(source_names, rng.normal(size=(30, 16)), lang="en"),
                             "zh": WordVectors(target_words, rng.normal(size=(200, 16)), lang="zh")}, name="random")

    class Source:
        names = source_names
        wnids = [f"n{i:08d}" for i in range(30)]

    probs = rng.dirichlet(np.full(30, 0.3), size=6)
    vocabulary = TargetVocabulary("zh", target_words, [None] * 200)
    for method in ("conse", "label-enhanced"):
        config = AnnotatorConfig(lang="zh", method=method, base="conse", k=5, theta=0.4)
        annotator = CrossLingualAnnotator(config, space=space, vocabulary=vocabulary, source=Source()).fit()
        dense = annotator.score(probs)
        best, scores = annotator.top_labels(probs, 12)
        assert (best == top_k(dense, 12)).all(), method
        np.testing.assert_allclose(scores, np.take_along_axis(dense, best, axis=1), rtol=1e-6)
    with pytest.raises(KeyError, match="'word999' is not in the everyday zh vocabulary"):
        vocabulary.index("word999")

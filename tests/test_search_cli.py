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


# -- text search with a chapter-04 sampled tagger ---------------------------------------------------
TEXT_WORDS = ["the", "sky", "snow", "horse", "nature", "puppy"]  # "puppy": a vector, never a toy tag


def _fake_pooled_features(images):
    """Mean colour of a 4x4 grid and a fixed projection: features that follow the image content."""
    images = np.asarray(images, dtype=np.float32) / 255.0
    n, h, w, _ = images.shape
    cells = images[:, : h // 4 * 4, : w // 4 * 4].reshape(n, 4, h // 4, 4, w // 4, 3).mean(axis=(2, 4)).reshape(n, -1)
    return np.concatenate([cells, cells @ np.random.default_rng(0).normal(size=(48, 16))], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    import tagbook.apps.search_model as search_model

    patch = pytest.MonkeyPatch()
    patch.setattr(search_model, "pooled_features", _fake_pooled_features)
    vectors = np.random.default_rng(3).normal(size=(len(TEXT_WORDS), 8)).astype(np.float32)
    patch.setattr(search_model, "load_text_vectors", lambda: (list(TEXT_WORDS), vectors))
    path = tmp_path_factory.mktemp("text") / "tagger.pt"
    try:
        model = search_model.train_text_model(path, n_images=60, epochs=3, hidden=16, oov_partners=4,
                                              show_progress=False)
    finally:
        patch.undo()
    return path, model, vectors


def test_text_vocabulary_adds_missing_tags_after_the_vector_words():
    from tagbook.apps.search_model import text_vocabulary

    words, vectors, tags = text_vocabulary(["a", "b"], np.ones((2, 3), np.float32), [["B", "zz"], ["a", "a"]])
    assert words == ["a", "b", "zz"] and vectors.shape == (3, 3) and np.allclose(vectors[:2], 1)
    assert tags == [[1, 2], [0]]


def test_text_search_ranks_the_toy_test_images_and_marks_unseen_words(text_model, capsys):
    path, model, vectors = text_model
    status, out, err = _run(capsys, "toy", "--model", path, "--text", "Snow puppy", "--k", "3", "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["query"] == "snow puppy"
    assert result["words"] == [{"word": "snow", "training tag": True}, {"word": "puppy", "training tag": False}]
    assert [r["rank"] for r in result["results"]] == [1, 2, 3]
    scores = [r["score"] for r in result["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["image"].startswith("toy:") and isinstance(r["tags"], list) for r in result["results"])
    # the scores are the model's: f(x) . (v_snow + v_puppy) for the saved test features
    from tagbook.apps.search_model import load_text_model

    loaded, meta = load_text_model(str(path))
    table = loaded.scoring_word_vectors()
    points = loaded.image_vectors(np.asarray(meta["test_features"]))
    best = points @ (table[TEXT_WORDS.index("snow")] + table[TEXT_WORDS.index("puppy")])
    assert np.isclose(scores[0], best.max(), atol=1e-4)
    # "puppy" was never a training tag: the OOV update moved its vector, a training tag kept its trained one
    assert not np.allclose(table[TEXT_WORDS.index("puppy")], loaded.initial_word_vectors_[TEXT_WORDS.index("puppy")])
    status, out, _ = _run(capsys, "toy", "--model", path, "--text", "puppy", "--k", "2")
    assert status == 0 and out.splitlines()[0] == "query: puppy" and "never a training tag" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--text", "snow qwertyuiop"], "'qwertyuiop' is not in the model's vocabulary"),
        (["--text", "   "], "empty --text query"),
        (["--text", "snow", "--where", "sky:top"], "cannot be combined with --where"),
    ],
)
def test_text_search_errors_name_the_problem(text_model, capsys, argv, message):
    path, _, _ = text_model
    status, out, err = _run(capsys, "toy", "--model", path, *argv)
    assert status == 2 and message in err and out == ""


def test_text_search_needs_the_toy_source_and_a_tagger_model(text_model, tmp_path, capsys):
    path, _, _ = text_model
    status, _, err = _run(capsys, tmp_path, "--model", path, "--text", "snow")
    assert status == 2 and "use SOURCE 'toy'" in err
    map_model = ConvVSE(ConvVSEConfig(epochs=1, show_progress=False, num_threads=1)).fit(
        _fake_conv_features(np.zeros((4, 28, 28, 3), np.uint8)), np.eye(4, 5, dtype=bool), np.eye(5, 6)
    ).save(tmp_path / "map.pt")
    status, _, err = _run(capsys, "toy", "--model", map_model, "--text", "snow")
    assert status == 2 and "--text needs a sampled-tagger model" in err
    status, _, err = _run(capsys, "toy", "--model", tmp_path / "none.pt", "--text", "snow")
    assert status == 2 and "model file not found" in err

"""The Multi30k loader on a made-up fixture in the release's layout, and on the real text folder."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from tagbook.data.multi30k import (
    Multi30kError,
    load_image_features,
    load_multi30k,
    moses_unescape,
    read_caption_file,
    read_image_list,
    split_files,
)
from fixture_trees import materialise
from tagbook.paths import shared_data_dir

FIXTURE = materialise("multi30k")  # a made-up tree in the release layout (tests/fixtures/multi30k_tree.json)
REAL = shared_data_dir() / "multi30k"


def test_task2_test_split_from_the_fixture():
    ds = load_multi30k(FIXTURE)  # defaults: task 2, the 2016 test images, English and German
    assert (ds.task, ds.split, ds.languages) == (2, "test_2016", ("en", "de"))
    assert ds.image_names == ["3000000001.jpg", "3000000002.jpg"]
    assert ds.image_ids == ["3000000001", "3000000002"]
    assert len(ds) == 2 and ds.captions_per_image("en") == ds.captions_per_image("de") == 5
    # caption n of image i comes from line i of file n
    assert ds.captions["en"][0][1] == 'a boy holds a " stop " sign .'  # &quot; undone
    assert ds.captions["de"][1][2] == "menschen warten an einer bushaltestelle ."
    assert ds.captions["en"][0][3] == "a boy & a sign ." and ds.captions["en"][1][3] == "a queue | bus ."
    assert ds.captions["de"][0][4].endswith("schild < stop > hoch .")
    flat = ds.flat_captions("en")
    assert len(flat) == 10 and flat[5] == ds.captions["en"][1][0]  # caption j of image j // 5
    assert ds.tokens("en")[0][1] == ["a", "boy", "holds", "a", '"', "stop", '"', "sign", "."]


def test_task1_and_other_splits():
    ds = load_multi30k(FIXTURE, task=1, split="train")
    assert ds.split == "train" and len(ds) == 3 and ds.captions_per_image("en") == 1
    assert ds.captions["en"][2] == ["a man 's hat sits on a bench ."]  # &apos; undone, tokens kept apart
    assert ds.captions["de"][0] == ["ein roter drachen fliegt über einer grünen wiese ."]
    test = load_multi30k(FIXTURE, task=1, split="test", languages=("de",))
    assert test.split == "test_2016" and test.languages == ("de",)
    assert test.image_names == load_multi30k(FIXTURE, task=2, split="test_2016").image_names
    raw = load_multi30k(FIXTURE, task=2, split="train", unescape=False)
    assert "&apos;s" in raw.captions["en"][2][0]
    # the task-1 English sentence of each image is one of its five task-2 English captions
    task1, task2 = load_multi30k(FIXTURE, task=1, split="train"), load_multi30k(FIXTURE, task=2, split="train")
    assert all(task1.captions["en"][i][0] in task2.captions["en"][i] for i in range(3))
    with pytest.raises(KeyError, match="holds de"):
        test.flat_captions("en")


def test_moses_unescape():
    assert moses_unescape("a mcdonald &apos;s .") == "a mcdonald 's ."
    assert moses_unescape("&quot;x&quot; &amp; &lt;y&gt; &#124; &#91;z&#93;") == '"x" & <y> | [z]'
    assert moses_unescape("&amp;lt;") == "&lt;"  # an escaped escape comes back as text, once
    assert moses_unescape("no escapes") == "no escapes"


def test_the_repository_root_is_accepted(tmp_path):
    shutil.copytree(FIXTURE / "task2", tmp_path / "dataset" / "data" / "task2")
    ds = load_multi30k(tmp_path / "dataset", task=2, split="val", languages=("en",))
    assert ds.root == tmp_path / "dataset" / "data" and len(ds) == 2


def test_files_and_lists():
    images, captions = split_files(FIXTURE, task=2, split="train", lang="de")
    assert images.name == "train_images.txt"
    assert [p.name for p in captions] == [f"train.lc.norm.tok.{n}.de" for n in range(1, 6)]
    images, captions = split_files(FIXTURE, task=1, split="test", lang="en")
    assert (images.name, [p.name for p in captions]) == ("test_2016_flickr.txt", ["test_2016_flickr.lc.norm.tok.en"])
    images, captions = split_files(FIXTURE, task=2, split="test_2017")
    assert read_image_list(images) == ["12000000001_0a1b2c3d4e.jpg"] and captions == []
    assert read_caption_file(FIXTURE / "task1/tok/val.lc.norm.tok.en") == [
        "a girl reads a book .", "a cat sleeps on a sofa ."]


def test_clear_errors(tmp_path):
    with pytest.raises(Multi30kError, match="no captions for the test_2017"):
        load_multi30k(FIXTURE, task=2, split="test_2017")
    with pytest.raises(ValueError, match="split must be one of"):
        load_multi30k(FIXTURE, task=1, split="test_2017")
    with pytest.raises(ValueError, match="task must be 1 or 2"):
        load_multi30k(FIXTURE, task=3)
    with pytest.raises(ValueError, match="languages"):
        load_multi30k(FIXTURE, languages=("en", "fr"))
    with pytest.raises(Multi30kError, match="not a folder"):
        load_multi30k(tmp_path / "nowhere")
    with pytest.raises(Multi30kError, match="task2/image_splits"):
        load_multi30k(tmp_path)
    # a caption file one line short
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE, broken)
    path = broken / "task2" / "tok" / "val.lc.norm.tok.3.en"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"val.lc.norm.tok.3.en has 1 lines but .*val_images.txt lists 2"):
        load_multi30k(broken, split="val")
    (broken / "task2" / "tok" / "val.lc.norm.tok.2.de").unlink()
    with pytest.raises(Multi30kError, match="val.lc.norm.tok.2.de"):
        load_multi30k(broken, split="val", languages=("de",))


def test_image_features_from_npy_and_npz(tmp_path):
    names = load_multi30k(FIXTURE, split="val").image_names
    rows = np.arange(6, dtype=np.float64).reshape(2, 3)
    np.save(tmp_path / "val_ims.npy", rows)
    features = load_image_features(tmp_path / "val_ims.npy", names)
    assert features.dtype == np.float32 and features.tolist() == rows.tolist()
    # an .npz in another order, with an extra image: reordered to the split
    np.savez(tmp_path / "feats.npz", features=np.array([[9.0, 9.0], [2.0, 2.0], [1.0, 1.0]]),
             names=np.array(["extra.jpg", names[1], names[0]]))
    assert load_image_features(tmp_path / "feats.npz", names).tolist() == [[1.0, 1.0], [2.0, 2.0]]
    with pytest.raises(ValueError, match=r"must be \(3, d\)"):
        load_image_features(tmp_path / "val_ims.npy", names + ["x.jpg"])
    with pytest.raises(ValueError, match="no features for 1 image"):
        load_image_features(tmp_path / "feats.npz", names + ["missing.jpg"])
    np.savez(tmp_path / "bad.npz", feats=rows)
    with pytest.raises(ValueError, match="lacks the array"):
        load_image_features(tmp_path / "bad.npz", names)
    with pytest.raises(Multi30kError, match="not found"):
        load_image_features(tmp_path / "absent.npy", names)
    (tmp_path / "f.csv").write_text("1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=".npy or .npz"):
        load_image_features(tmp_path / "f.csv", names)


# ------------------------------------------------------------------------- the real release
needs_real = pytest.mark.skipif(not (REAL / "task2").is_dir(), reason=f"Multi30k text absent: {REAL}")


@pytest.mark.shared_data
@needs_real
def test_real_task2_counts_and_captions():
    test = load_multi30k(REAL, task=2, split="test")
    assert len(test) == 1000 and test.captions_per_image("en") == 5 and len(test.flat_captions("de")) == 5000
    assert test.image_names[0] == "1007129816.jpg"
    assert test.captions["en"][0][0] == "the man with pierced ears is wearing glasses and an orange hat ."
    # Moses escapes: 32 lines of test_2016.lc.norm.tok.1.en hold "&apos;" (grep -c), all undone
    assert sum("'" in captions[0] for captions in test.captions["en"]) == 32
    assert not any("&apos;" in c or "&quot;" in c for c in test.flat_captions("en") + test.flat_captions("de"))
    assert test.captions["de"][477][3] == (
        "drei frauen in brasilianschen karnevalskostümen zeigen die i < 3 you karten die sie haben .")  # &lt; undone
    assert len(load_multi30k(REAL, task=2, split="val", languages=("en",))) == 1014
    train = load_multi30k(REAL, task=2, split="train")
    assert len(train) == 29000 and train.image_names[:2] == ["1000092795.jpg", "10002456.jpg"]
    assert train.captions["en"][0][1] == "two young , white males are outside near many bushes ."
    assert train.captions["de"][0][0] == "zwei männer betrachten etwas im garten"
    images, _ = split_files(REAL, task=2, split="test_2017")
    assert len(read_image_list(images)) == 1071


@pytest.mark.shared_data
@needs_real
def test_real_task1_sentence_is_one_of_the_task2_captions():
    task1 = load_multi30k(REAL, task=1, split="train", languages=("en",))
    task2 = load_multi30k(REAL, task=2, split="train", languages=("en",))
    assert len(task1) == 29000 and task1.image_names == task2.image_names
    assert all(task1.captions["en"][i][0] in task2.captions["en"][i] for i in range(len(task1)))
    assert len(load_multi30k(REAL, task=1, split="test").captions["de"]) == 1000

"""The NUS-WIDE loader on a made-up fixture in the release layout, the Fast0Tag split, and the
compact real ground truth beside the repository (skipped where it is absent)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from tagbook.data.nuswide import (
    LOW_LEVEL_FEATURES,
    OFFICIAL_SPLIT_SIZES,
    LabelRepair,
    NUSWideError,
    fast0tag_split,
    label_statistics,
    load_nuswide,
    load_shared_labels,
    load_shared_vocabularies,
    normalise_image_name,
    read_image_list,
)
from fixture_trees import materialise
from tagbook.paths import shared_data_dir

FIXTURE = materialise("nuswide")  # a made-up tree in the release layout (tests/fixtures/nuswide_tree.json)
SHARED = shared_data_dir() / "nuswide"
needs_shared = pytest.mark.skipif(
    not (SHARED / "labels81_train.tsv").is_file(), reason="../shared/data/nuswide is not present"
)

CONCEPTS = ["animal", "lake", "sky", "water"]
TRAIN_LABELS = [  # animal lake sky water, as written in the fixture's Labels_<concept>_Train.txt
    [1, 0, 0, 0],
    [1, 0, 0, 1],
    [0, 1, 1, 1],
    [0, 0, 1, 0],
    [0, 0, 0, 0],
]
TAG_NAMES = ["nature", "sky", "blue", "water", "puppy", "lake"]


@pytest.fixture
def release(tmp_path) -> Path:
    """A writable copy of the fixture."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "NUS-WIDE"))


def first_values(path: Path, n: int = 3) -> list[float]:
    return [float(v) for v in path.read_text().split("\n")[0].split()[:n]]


def test_loads_the_training_split_in_the_release_layout():
    ds = load_nuswide(FIXTURE)
    assert ds.split == "train" and len(ds) == 5
    assert ds.image_ids[0] == "animal/0001_1000001.jpg" and ds.image_ids[-1] == "sky/0002_1000005.jpg"
    assert ds.flickr_ids.tolist() == [1000001, 1000002, 1000003, 1000004, 1000005]
    assert ds.concepts == CONCEPTS  # CRLF stripped, file order kept
    assert ds.labels.dtype == bool and ds.labels.astype(int).tolist() == TRAIN_LABELS
    assert {name: m.shape for name, m in ds.features.items()} == {n: (5, d) for n, d in LOW_LEVEL_FEATURES.items()}
    assert ds.features["CH"][0, :3].tolist() == pytest.approx(
        first_values(FIXTURE / "Low_Level_Features" / "Train_Normalized_CH.dat")
    )
    assert ds.features["BoW"][0, :3].tolist() == first_values(FIXTURE / "Low_Level_Features" / "BoW_Train_int.dat")
    assert ds.features["CH"].dtype == np.float32
    assert ds.feature_matrix().shape == (5, 1134) and ds.feature_matrix(["CH", "EDH"]).shape == (5, 137)
    assert ds.tag_names == TAG_NAMES
    assert ds.tags.dtype == bool and ds.tags.shape == (5, 6)
    assert [sorted(np.array(TAG_NAMES)[row]) for row in ds.tags] == [
        ["nature", "puppy"], ["puppy", "water"], ["blue", "lake", "nature"], ["blue", "sky"], [],
    ]
    assert ds.label_repairs == []


def test_test_split_a_feature_subset_and_no_tags():
    ds = load_nuswide(FIXTURE, split="test", features=("CH", "BoW"), tags=False)
    assert ds.image_ids == ["animal/0003_1000006.jpg", "lake/0002_1000007.jpg", "sky/0003_1000008.jpg"]
    assert ds.labels.astype(int).tolist() == [[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]]
    assert set(ds.features) == {"CH", "BoW"} and ds.tags is None and ds.tag_names == []
    with pytest.raises(KeyError, match="not loaded"):
        ds.feature_matrix(["WT"])
    assert load_nuswide(FIXTURE, features=(), tags=False).features == {}


def test_the_all_image_layout_gives_the_same_split(release):
    """Normalized_<F>.dat, BoW_int.dat and AllTags1k.txt hold all images in Imagelist.txt order."""
    expected = {split: load_nuswide(release, split=split) for split in ("train", "test")}
    order = read_image_list(release / "ImageList" / "Imagelist.txt")
    position = {image_id: (split, i) for split, ds in expected.items() for i, image_id in enumerate(ds.image_ids)}
    features = release / "Low_Level_Features"

    def write_all_images(name: str, matrices: dict[str, np.ndarray]) -> None:
        rows = [matrices[position[image_id][0]][position[image_id][1]] for image_id in order]
        (features.parent / name).write_text("".join(" ".join(f"{v:g}" for v in row) + " \n" for row in rows))

    for feature in LOW_LEVEL_FEATURES:
        name = "BoW_int.dat" if feature == "BoW" else f"Normalized_{feature}.dat"
        write_all_images(f"Low_Level_Features/{name}", {s: ds.features[feature] for s, ds in expected.items()})
    write_all_images("NUS_WID_Tags/AllTags1k.txt", {s: ds.tags.astype(int) for s, ds in expected.items()})
    for split_file in list(features.glob("*_Normalized_*.dat")) + list(features.glob("BoW_*_int.dat")):
        split_file.unlink()
    for split_file in (release / "NUS_WID_Tags").glob("*_Tags1k.dat"):
        split_file.unlink()
    # the concept list's other place in unpacked releases
    shutil.move(release / "ConceptsList" / "Concepts81.txt", release / "Concepts81.txt")

    for split, want in expected.items():
        got = load_nuswide(release, split=split)
        assert got.image_ids == want.image_ids and np.array_equal(got.labels, want.labels)
        assert np.array_equal(got.tags, want.tags)
        for feature in LOW_LEVEL_FEATURES:
            np.testing.assert_allclose(got.features[feature], want.features[feature], rtol=1e-5)


def test_a_label_value_other_than_0_1_is_read_as_0_and_recorded(release):
    # the release's own defect: Labels_lake_Train.txt line 78,373 holds -1130179
    path = release / "Groundtruth" / "TrainTestLabels" / "Labels_lake_Train.txt"
    lines = path.read_text().splitlines()
    lines[1] = "-1130179"
    path.write_text("\n".join(lines) + "\n")
    ds = load_nuswide(release, features=(), tags=False)
    assert ds.label_repairs == [LabelRepair(file="Labels_lake_Train.txt", line=2, value=-1130179)]
    assert ds.labels.astype(int).tolist() == TRAIN_LABELS
    with pytest.raises(ValueError, match=r"Labels_lake_Train.txt: line 2 holds -1130179"):
        load_nuswide(release, features=(), tags=False, strict_labels=True)


def test_clear_errors_name_the_missing_or_bad_file(release, tmp_path):
    with pytest.raises(NUSWideError, match="not a folder"):
        load_nuswide(tmp_path / "nowhere")
    with pytest.raises(NUSWideError, match="data_dir is None"):
        load_nuswide(None)
    with pytest.raises(NUSWideError, match="Concepts81.txt"):
        load_nuswide(tmp_path)
    with pytest.raises(ValueError, match="split must be"):
        load_nuswide(release, split="val")
    with pytest.raises(ValueError, match="unknown: \\['GIST'\\]"):
        load_nuswide(release, features=("CH", "GIST"))

    (release / "Groundtruth" / "TrainTestLabels" / "Labels_sky_Test.txt").unlink()
    with pytest.raises(NUSWideError, match="Labels_sky_Test.txt"):
        load_nuswide(release, split="test")

    (release / "Low_Level_Features" / "Train_Normalized_WT.dat").unlink()
    with pytest.raises(NUSWideError, match="Train_Normalized_WT.dat"):
        load_nuswide(release)
    load_nuswide(release, features=("CH",))  # the other files still load

    edh = release / "Low_Level_Features" / "Train_Normalized_EDH.dat"
    edh.write_text("\n".join(edh.read_text().splitlines()[:4]) + "\n")  # one image short
    with pytest.raises(ValueError, match="Train_Normalized_EDH.dat: 4 lines, but the split's image list has 5"):
        load_nuswide(release, features=("EDH",))

    ch = release / "Low_Level_Features" / "Train_Normalized_CH.dat"
    lines = ch.read_text().splitlines()
    lines[2] = " ".join(lines[2].split()[:-1])  # 63 values on line 3
    ch.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="Train_Normalized_CH.dat: line 3 holds fewer than 64"):
        load_nuswide(release, features=("CH",))

    (release / "NUS_WID_Tags" / "Train_Tags1k.dat").unlink()
    with pytest.raises(NUSWideError, match="'NUS_WID_Tags/Train_Tags1k.dat' or 'NUS_WID_Tags/AllTags1k.txt'"):
        load_nuswide(release, features=())


def test_image_names_of_every_list_form():
    assert normalise_image_name("C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg\r\n") == "actor/0001_2124494179.jpg"
    assert normalise_image_name("actor\\0001_2124494179.jpg") == "actor/0001_2124494179.jpg"
    assert normalise_image_name("actor/0001_2124494179.jpg") == "actor/0001_2124494179.jpg"
    with pytest.raises(ValueError, match="folder"):
        normalise_image_name("0001_2124494179.jpg")


def test_fast0tag_split_on_a_tiny_case_and_on_the_fixture():
    seen, unseen, union = fast0tag_split(["sky", "dog", "blue", "cat"], ["cat", "sky", "zebra"])
    assert seen == ["dog", "blue"] and unseen == ["cat", "sky", "zebra"]
    assert union == ["dog", "blue", "cat", "sky", "zebra"]
    split = fast0tag_split(TAG_NAMES, CONCEPTS)
    assert split.seen == ["nature", "blue", "puppy"] and split.unseen == CONCEPTS and len(split.union) == 7
    with pytest.raises(ValueError, match="tag_list_1k repeats \\['dog'\\]"):
        fast0tag_split(["dog", "cat", "dog"], ["cat"])
    with pytest.raises(ValueError, match="concepts81 repeats"):
        fast0tag_split(["dog"], ["cat", "cat"])


@needs_shared
def test_fast0tag_split_on_the_real_lists():
    tag_list, concepts = load_shared_vocabularies(SHARED.parent)  # the data folder above works too
    assert len(tag_list) == 1000 and len(concepts) == 81
    split = fast0tag_split(tag_list, concepts)
    assert (len(split.seen), len(split.unseen), len(split.union)) == (925, 81, 1006)
    assert not set(split.seen) & set(split.unseen)
    assert sorted(set(concepts) - set(tag_list)) == ["computer", "fire", "map", "swimmers", "tattoo", "whales"]
    # TagList1k.txt begins "nature sky blue water clouds red green bravo": sky, water, clouds are concepts
    assert split.seen[:5] == ["nature", "blue", "red", "green", "bravo"]
    assert split.union[925:] == concepts


@pytest.fixture(scope="module")
def shared_labels():
    if not (SHARED / "labels81_train.tsv").is_file():
        pytest.skip("../shared/data/nuswide is not present")
    return {split: load_shared_labels(SHARED, split=split) for split in ("train", "test")}


def test_the_compact_ground_truth_has_the_official_counts(shared_labels):
    train, test = shared_labels["train"], shared_labels["test"]
    assert (len(train), len(test)) == (161_789, 107_859)
    assert OFFICIAL_SPLIT_SIZES == {"train": 161_789, "test": 107_859}
    assert train.labels.shape == (161_789, 81) and test.labels.shape == (107_859, 81)
    assert train.concepts[:2] == ["airport", "animal"] and train.concepts[-1] == "zebra"
    # first lines: "actor/0001_2124494179.jpg<TAB>2124494179<TAB>person", "actor/0002_174174086.jpg ... person"
    assert train.image_ids[0] == "actor/0001_2124494179.jpg" and train.flickr_ids[0] == 2124494179
    assert test.image_ids[0] == "actor/0002_174174086.jpg" and test.labels[0].sum() == 1
    assert train.concepts[int(np.flatnonzero(train.labels[0])[0])] == "person"
    assert len(set(train.image_ids) | set(test.image_ids)) == 269_648


def test_label_statistics_of_the_official_split(shared_labels):
    train = label_statistics(shared_labels["train"].labels, shared_labels["train"].concepts)
    test = label_statistics(shared_labels["test"].labels, shared_labels["test"].concepts)
    # labels per image: SOURCE.md gives mean 1.86 / 1.88, max 12 / 13, and 36,340 / 23,961 images without a concept
    assert train.images_without_labels == 36_340 and test.images_without_labels == 23_961
    assert train.labels_per_image.max() == 12 and test.labels_per_image.max() == 13
    assert train.labels_per_image.sum() == 301_459 and test.labels_per_image.sum() == 202_389
    assert round(train.mean_labels_per_image, 2) == 1.86 and round(test.mean_labels_per_image, 2) == 1.88
    assert train.labels_per_image_histogram.tolist() == [
        36340, 47571, 31614, 19747, 12305, 7283, 3989, 1969, 730, 190, 46, 3, 2,
    ]
    # images per label: a long tail, from sky to map
    assert train.by_frequency().head(3).to_dict() == {"sky": 44_255, "clouds": 32_418, "person": 30_909}
    assert train.by_frequency().tail(2).to_dict() == {"earthquake": 42, "map": 40}
    assert test.by_frequency().iloc[-1] == 20 and test.by_frequency().index[-1] == "map"
    assert test.images_per_label.min() == 20  # every concept has test images
    both = label_statistics(
        np.vstack([shared_labels["train"].labels, shared_labels["test"].labels]), train.names
    ).by_frequency()
    # SOURCE.md: "Most frequent over both splits: sky 74,190, clouds 54,087, person 51,577; rarest: map 60,
    # earthquake 63, soccer 152"
    assert both[["sky", "clouds", "person", "map", "earthquake", "soccer"]].tolist() == [
        74_190, 54_087, 51_577, 60, 63, 152,
    ]
    # the head: 6 of 81 concepts hold half of all labels, the 10 most frequent about two thirds
    assert train.labels_holding(0.5) == 6 and test.labels_holding(0.5) == 6
    assert 0.65 < train.head_share(10) < 0.66


def test_label_statistics_on_a_hand_case():
    stats = label_statistics(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 0, 1]]), ["a", "b", "c"])
    assert stats.n_images == 4 and stats.n_labels == 3
    assert stats.labels_per_image.tolist() == [2, 1, 0, 2] and stats.images_without_labels == 1
    assert stats.labels_per_image_histogram.tolist() == [1, 1, 2]
    assert stats.by_frequency().to_dict() == {"a": 3, "b": 1, "c": 1}  # ties by name
    assert stats.head_share(1) == pytest.approx(3 / 5) and stats.labels_holding(0.6) == 1
    assert stats.labels_holding(0.61) == 2 and stats.labels_holding(1.0) == 3
    with pytest.raises(ValueError, match="labels must be"):
        label_statistics(np.zeros((2, 2)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="share must"):
        stats.labels_holding(0)


def test_shared_reader_errors(tmp_path):
    with pytest.raises(NUSWideError, match="Concepts81.txt"):
        load_shared_labels(tmp_path)
    (tmp_path / "Concepts81.txt").write_text("sky\nwater\n")
    with pytest.raises(NUSWideError, match="labels81_test.tsv"):
        load_shared_labels(tmp_path, split="test")
    (tmp_path / "labels81_train.tsv").write_text("a/0001_1.jpg\t1\tsky water\nb/0002_2.jpg\t2\t\n")
    small = load_shared_labels(tmp_path)
    assert small.labels.astype(int).tolist() == [[1, 1], [0, 0]] and small.flickr_ids.tolist() == [1, 2]
    (tmp_path / "labels81_train.tsv").write_text("a/0001_1.jpg\t1\tsky fog\n")
    with pytest.raises(ValueError, match="'fog' is not in Concepts81.txt"):
        load_shared_labels(tmp_path)
    with pytest.raises(NUSWideError, match="TagList1k.txt"):
        load_shared_vocabularies(tmp_path)

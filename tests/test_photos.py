"""The hand-labelled sample photos: all load offline, labelled in four aligned languages."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest

from tagbook.photos import LANGUAGES, SOURCES, load_labels, load_sample_photos, photo_grid

CJK = re.compile(r"[\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.fixture(scope="module")
def photos():
    return load_sample_photos()


def test_every_photo_loads_as_read_only_rgb(photos):
    assert [p.name for p in photos] == list(SOURCES) and len(photos) == 17
    for p in photos:
        assert p.image.dtype == np.uint8 and p.image.ndim == 3 and p.image.shape[2] == 3, p.name
        assert min(p.image.shape[:2]) >= 300, p.name
        assert not p.image.flags.writeable, p.name
        assert p.image.std() > 5, f"{p.name} is flat"
        assert p.source.split()[0] in {"scikit-image", "scikit-learn", "matplotlib"}


def test_grey_photos_are_repeated_across_channels_and_horse_is_black_on_white(photos):
    by_name = {p.name: p for p in photos}
    cam = by_name["camera"].image
    assert np.array_equal(cam[:, :, 0], cam[:, :, 1]) and np.array_equal(cam[:, :, 0], cam[:, :, 2])
    horse = by_name["horse"].image
    assert set(np.unique(horse).tolist()) == {0, 255}
    assert horse[0, 0].tolist() == [255, 255, 255]  # background
    assert by_name["chelsea"].image[:, :, 0].mean() != by_name["chelsea"].image[:, :, 2].mean()


def test_labels_complete_and_aligned_in_four_languages(photos):
    assert LANGUAGES == ("en", "zh", "de", "ja")
    for p in photos:
        sizes = {lang: len(p.labels[lang]) for lang in LANGUAGES}
        assert len(set(sizes.values())) == 1, (p.name, sizes)
        assert 3 <= sizes["en"] <= 8, (p.name, sizes)
        for lang in LANGUAGES:
            assert all(w and w == w.strip() for w in p.labels[lang]), (p.name, lang)
            assert len(set(p.labels[lang])) == len(p.labels[lang]), (p.name, lang, "duplicate label")
        assert all(re.fullmatch(r"[a-z]+( [a-z]+)?", w) for w in p.labels["en"]), p.name
        assert all(CJK.search(w) and not KANA.search(w) for w in p.labels["zh"]), p.name
        assert all(CJK.search(w) or KANA.search(w) for w in p.labels["ja"]), p.name
        assert all(w[0].isupper() and w.isalpha() for w in p.labels["de"]), p.name


def test_chinese_labels_are_simplified():
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    for word in load_labels()["zh"]:
        assert to_simplified.convert(word) == word, word


def test_an_english_word_has_one_translation_everywhere():
    table = load_labels()
    seen: dict[str, set] = defaultdict(set)
    for row in table.itertuples(index=False):
        seen[row.en].add((row.zh, row.de, row.ja))
    assert all(len(v) == 1 for v in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}


def test_selecting_photos_by_name():
    (coffee,) = load_sample_photos(["coffee"])
    assert coffee.labels["en"][:2] == ["coffee", "espresso"] and coffee.labels["zh"][0] == "咖啡"
    with pytest.raises(ValueError, match="unknown sample photo.*'dog'"):
        load_sample_photos(["dog"])


def test_photo_grid_shows_every_photo(photos):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = photo_grid(photos[:4], captions=["a", "b", "c", "d"], ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 4 and [ax.get_title() for ax in shown] == ["a", "b", "c", "d"]
    assert shown[0].images[0].get_array().shape == photos[0].image.shape
    plt.close(fig)
    with pytest.raises(ValueError, match="captions"):
        photo_grid(photos[:2], captions=["only one"])

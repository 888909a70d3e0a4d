"""Tokenisers for English, German, Chinese (jieba) and Japanese (fugashi + UniDic-lite)."""

from __future__ import annotations

import pytest

from tagbook.text.tokenize import analyze_japanese, chinese_word_frequencies, lookup_forms, pos_tags, tokenize


def test_english_lower_cases_and_drops_punctuation():
    assert tokenize("A black dog runs on the grass.", "en") == ["a", "black", "dog", "runs", "on", "the", "grass"]
    assert tokenize("The dog&apos;s ball isn't red-and-white!", "en") == [
        "the", "dog's", "ball", "isn't", "red", "and", "white"]
    assert tokenize("Café in 2 mins", "en") == ["café", "in", "2", "mins"]


def test_german_keeps_umlauts_and_sharp_s():
    assert tokenize("Ein großer Hund läuft über die Straße.", "de") == [
        "ein", "großer", "hund", "läuft", "über", "die", "straße"]
    assert tokenize("ÄRGER, Öl & Übung 3x", "de") == ["ärger", "öl", "übung", "3", "x"]


def test_chinese_segmentation_and_pos_tags():
    assert tokenize("一只黑色的狗在草地上奔跑。", "zh") == ["一只", "黑色", "的", "狗", "在", "草地", "上", "奔跑"]
    tags = dict(pos_tags("一只黑色的狗在草地上奔跑。"))
    assert tags["狗"] == "n" and tags["奔跑"] == "v" and tags["上"] == "f" and tags["。"] == "x"


def test_chinese_word_frequencies_come_from_jieba_dictionary():
    frequency = chinese_word_frequencies()
    assert frequency["的"] > frequency["狗"] > frequency["犬"] > 0  # 的 is the most frequent word
    assert frequency.get("狗狗狗狗", 0) == 0


def test_japanese_surface_forms_lemmas_and_pos():
    assert tokenize("猫が庭で遊んでいる。", "ja") == ["猫", "が", "庭", "で", "遊ん", "で", "いる"]
    tokens = analyze_japanese("猫が庭で遊んでいる。")
    playing = tokens[4]
    assert (playing.surface, playing.base, playing.pos) == ("遊ん", "遊ぶ", "動詞")
    assert tokens[-1].is_punctuation
    assert pos_tags("犬が走る", "ja")[0] == ("犬", "名詞")
    assert lookup_forms("遊んでいる", "ja")[0] == ["遊ん", "遊ぶ"]
    sky = analyze_japanese("スカイ")[0]
    assert sky.lemma == "スカイ"  # UniDic's 'スカイ-sky' without its English gloss


def test_lookup_forms_try_the_written_case_then_lower_case():
    assert lookup_forms("Der hund", "de") == [["Der", "der"], ["hund", "Hund"]]
    assert lookup_forms("a Dog&apos;s toy", "en") == [["a"], ["Dog's", "dog's"], ["toy"]]
    assert [forms[0].lower() for forms in lookup_forms("Der HUND", "de")] == tokenize("Der HUND", "de")
    assert lookup_forms("黑色的狗", "zh") == [["黑色"], ["的"], ["狗"]]


def test_clear_errors():
    with pytest.raises(ValueError, match="lang must be one of"):
        tokenize("bonjour", "fr")
    with pytest.raises(TypeError, match="text must be a str"):
        tokenize(None, "en")
    with pytest.raises(ValueError, match="pos_tags supports"):
        pos_tags("a dog", "en")

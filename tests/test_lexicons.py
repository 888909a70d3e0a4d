"""Bilingual lexicons: gloss normalisation, first-sense order, CC-CEDICT, JMdict, MUSE, toy world."""

from __future__ import annotations

import gzip
import importlib.util
import json
import lzma
import sqlite3
from pathlib import Path

import pytest

from tagbook.text.lexicons import (
    Lexicon,
    build_reverse_index,
    lexicon_from_terms,
    load_cedict,
    load_jmdict,
    load_muse_dictionary,
    normalize_gloss,
    toy_lexicon,
)

MUSE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "muse"


@pytest.fixture()
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_gloss_normalisation():
    assert normalize_gloss("to run") == ("run", False)
    assert normalize_gloss("(archaic) dog") == ("dog", True)
    assert normalize_gloss("dog (Canis (lupus) familiaris)") == ("dog", False)
    assert normalize_gloss("  The Sky ") == ("sky", False)
    assert normalize_gloss("CL:隻|只[zhi1]") == ("", False)
    assert normalize_gloss("variant of 狗[gou3]") == ("", False)
    assert normalize_gloss("surname Wang") == ("", False)
    assert normalize_gloss("a very long explanation of some word") == ("", False)


def test_reverse_index_puts_first_senses_first():
    rows = [  # (headword, sense number, gloss, tiebreak)
        ("甲", 2, "dog", (0,)),  # dog is its third sense
        ("乙", 0, "(archaic) dog", (0,)),  # first sense but marked
        ("丙", 0, "dog", (5,)),  # first sense, less common
        ("丁", 0, "dog; hound", (1,)),  # the gloss must be split by the caller: not a key
        ("戊", 0, "dog", (1,)),
        ("戊", 3, "dog", (0,)),  # a later sense of the same headword does not count twice
    ]
    index = build_reverse_index(rows)
    assert index["dog"] == ["戊", "丙", "甲", "乙"]
    assert index["dog; hound"] == ["丁"]


def test_lexicon_interface():
    lexicon = Lexicon({"dog": ["狗", "犬", "狗"], "cat": ["猫"], "none": []}, source="en", target="zh")
    assert lexicon.translate("Dog") == ["狗", "犬"] and lexicon.translate("dog", k=1) == ["狗"]
    assert lexicon.translate("bird") == [] and "cat" in lexicon and "none" not in lexicon
    assert lexicon.pairs() == [("dog", "狗"), ("dog", "犬"), ("cat", "猫")]
    assert lexicon.reverse().translate("犬") == ["dog"]
    assert lexicon.restrict(targets={"犬", "猫"}).pairs() == [("dog", "犬"), ("cat", "猫")]
    with pytest.raises(ValueError, match="k must be"):
        lexicon.translate("dog", k=0)


def test_cedict_english_to_chinese_first_sense_order(private_cache):
    cedict = load_cedict()
    assert len(cedict) > 80000 and cedict.target == "zh"
    assert cedict.translate("dog", k=2) == ["狗", "犬"]
    assert cedict.translate("bicycle")[0] == "自行车"
    assert cedict.translate("cat")[0] == "猫"
    assert cedict.translate("eat")[0] == "吃"
    assert "蝙蝠" in cedict.translate("bat") and "球棒" in cedict.translate("bat")
    pairs = cedict.pairs()
    assert pairs.index(("dog", "狗")) < pairs.index(("dog", "犬"))
    assert list((private_cache / "lexicons").glob("cedict-en-zh-*.json.gz"))  # cached
    assert load_cedict().translate("dog", k=2) == ["狗", "犬"]


# ------------------------------------------------------------------------------------- JMdict

_JMDICT_SCHEMA = """
CREATE TABLE Entry (idseq INTEGER NOT NULL UNIQUE);
CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
CREATE TABLE KJP (kid INTEGER, text TEXT);
CREATE TABLE KNP (kid INTEGER, text TEXT);
CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
CREATE TABLE misc (sid INTEGER, text TEXT);
CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
"""


def _tiny_jmdict(path: Path) -> Path:
    """Four entries in jamdict's SQLite schema (the tables the loader reads)."""
    connection = sqlite3.connect(path)
    connection.executescript(_JMDICT_SCHEMA)
    entries = [  # idseq, kanji, kana, priority tags, senses [(glosses, misc)]
        (1, "犬", "いぬ", ["ichi1", "news1"], [(["dog (Canis (lupus) familiaris)"], []), (["spy"], [])]),
        (2, None, "ワンワン", [], [(["bow-wow"], []), (["dog"], ["children's language"])]),
        (3, "狗", "いぬ", ["nf30"], [(["dog"], [])]),
        (4, "鼠", "ねずみ", ["ichi1"], [(["mouse", "rat"], ["word usually written using kana alone"])]),
    ]
    sense_id = 0
    for idseq, kanji, kana, tags, senses in entries:
        connection.execute("INSERT INTO Entry VALUES (?)", (idseq,))
        if kanji:
            kid = connection.execute("INSERT INTO Kanji (idseq, text) VALUES (?, ?)", (idseq, kanji)).lastrowid
            connection.executemany("INSERT INTO KJP VALUES (?, ?)", [(kid, t) for t in tags])
        connection.execute("INSERT INTO Kana (idseq, text) VALUES (?, ?)", (idseq, kana))
        for glosses, misc in senses:
            sense_id += 1
            connection.execute("INSERT INTO Sense VALUES (?, ?)", (sense_id, idseq))
            connection.executemany("INSERT INTO SenseGloss VALUES (?, 'eng', '', ?)", [(sense_id, g) for g in glosses])
            connection.executemany("INSERT INTO misc VALUES (?, ?)", [(sense_id, m) for m in misc])
    connection.commit()
    connection.close()
    return path


def test_jmdict_loader_on_a_tiny_database(tmp_path, private_cache):
    database = _tiny_jmdict(tmp_path / "jamdict.db")
    jmdict = load_jmdict(database)
    assert jmdict.translate("dog") == ["犬", "狗", "ワンワン"]  # common first sense, rarer, then marked
    assert jmdict.translate("spy") == ["犬"]
    assert jmdict.translate("mouse") == ["ねずみ"]  # usually written in kana
    compressed = tmp_path / "xz" / "jamdict.db.xz"
    compressed.parent.mkdir()
    compressed.write_bytes(lzma.compress(database.read_bytes()))
    assert load_jmdict(compressed.parent).pairs() == jmdict.pairs()
    cached = sorted((private_cache / "lexicons").iterdir())  # one index per database file, nothing else
    assert len(cached) == 2 and all(p.name.startswith("jmdict-en-ja-v") and p.name.endswith(".json.gz") for p in cached)
    for path in cached:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            assert json.load(handle)["dog"] == ["犬", "狗", "ワンワン"]
    with pytest.raises(FileNotFoundError, match="no JMdict database"):
        load_jmdict(tmp_path / "missing.db")


def test_jmdict_package_when_installed(private_cache):
    if importlib.util.find_spec("jamdict_data") is None:
        with pytest.raises(ModuleNotFoundError, match="jamdict-data==1.5"):
            load_jmdict()
        pytest.skip("jamdict-data is not installed")
    jmdict = load_jmdict()
    assert jmdict.translate("dog")[0] == "犬" and jmdict.translate("cat")[0] == "猫"


# ------------------------------------------------------------------------------------- MUSE


def test_muse_loader_on_a_fixture(tmp_path):
    (tmp_path / "en-zh.dict").write_text(
        "狗 @ dog\n犬 @ dog\n貓 @ cat\n猫 @ cat\ncat @ cat\n學生 @ student\n", encoding="utf-8")
    muse = load_muse_dictionary("zh", tmp_path)
    assert muse.translate("dog") == ["狗", "犬"]
    assert muse.translate("cat") == ["猫"]  # 貓 -> 猫 merges with 猫; the identity pair is dropped
    assert muse.translate("student") == ["学生"]  # Traditional -> Simplified
    assert muse.n_pairs == 4
    kept = load_muse_dictionary("zh", tmp_path, drop_identical=False)
    assert kept.translate("cat") == ["猫", "cat"]
    (tmp_path / "muse").mkdir()
    (tmp_path / "muse" / "en-de.dict").write_text("hund @ dog\nkaputt\n", encoding="utf-8")
    with pytest.raises(ValueError, match="en-de.dict:2: expected 'target @ english'"):
        load_muse_dictionary("de", tmp_path)
    with pytest.raises(FileNotFoundError, match="en-ja.dict not found"):
        load_muse_dictionary("ja", tmp_path)
    with pytest.raises(ValueError, match="lang must be"):
        load_muse_dictionary("fr", tmp_path)


@pytest.mark.shared_data
def test_muse_real_dictionaries_sizes():
    if not (MUSE / "en-de.dict").is_file():
        pytest.skip(f"MUSE dictionaries absent: {MUSE}")
    de = load_muse_dictionary("de", MUSE.parent)
    assert (de.n_pairs, len(de)) == (53193, 29551)  # counts documented with the data
    assert de.translate("dog")[0] == "hund"
    ja = load_muse_dictionary("ja", MUSE)
    assert (ja.n_pairs, len(ja)) == (25964, 22528)
    zh = load_muse_dictionary("zh", MUSE)
    assert len(zh) == 15053 and zh.n_pairs <= 21473  # Simplified forms may merge
    assert "狗" in zh.translate("dog") and "學" not in "".join(t for _, t in zh.pairs())


# ------------------------------------------------------------------------------------- toy world


class _Term:
    def __init__(self, **names):
        self.names = names


def test_lexicon_from_terms_keeps_table_order_for_polysemy():
    terms = {"bat.animal": _Term(en="bat", zh="蝙蝠", ja="コウモリ"),
             "bat.sports": _Term(en="bat", zh="球棒", ja="バット"),
             "dog": {"en": "Dog", "zh": ["狗", "小狗"]}}
    lexicon = lexicon_from_terms(terms, "en", "zh")
    assert lexicon.translate("bat") == ["蝙蝠", "球棒"] and lexicon.translate("dog") == ["狗", "小狗"]
    assert lexicon_from_terms({"bat": [terms["bat.sports"], terms["bat.animal"]]}).translate("bat") == ["球棒", "蝙蝠"]
    assert lexicon_from_terms(terms, "en", "ja").translate("dog") == []
    with pytest.raises(TypeError, match="mapping or have .names"):
        lexicon_from_terms([("bat", "蝙蝠")])


def test_toy_lexicon_follows_the_world_lexicon_sense_order():
    world = pytest.importorskip("tagbook.world.lexicon")
    lexicon = toy_lexicon("en", "ja")
    for word in ("dog", "bat", "bank"):
        senses = world.LEXICON[word]
        assert lexicon.translate(word, k=1) == [senses[0].names["ja"][0]]
        assert lexicon.translate(word) == list(dict.fromkeys(n for s in senses for n in s.names["ja"]))
    assert set(lexicon.translate("bat")) >= {"コウモリ", "バット"}
    assert "Hund" in toy_lexicon("zh", "de").translate("狗")

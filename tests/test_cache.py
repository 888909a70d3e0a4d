"""The atomic array cache: round trip, and no trust in truncated, corrupted or unverified entries."""

from __future__ import annotations

import numpy as np
import pytest

from tagbook.cache import atomic_write, cache_path, content_hash, content_key, file_sha256, load_arrays, save_arrays


@pytest.fixture()
def entry(tmp_path):
    arrays = {"images": np.arange(2 * 8 * 8 * 3, dtype=np.uint8).reshape(2, 8, 8, 3), "x": np.linspace(0, 1, 7)}
    meta = {"captions": ["ein Hund", "一只狗", "犬がいます"], "n": 2}
    path = save_arrays(tmp_path / "entry.npz", arrays, meta)
    return path, arrays, meta


def test_round_trip_keeps_arrays_and_metadata(entry):
    path, arrays, meta = entry
    loaded = load_arrays(path)
    assert loaded is not None
    got, got_meta = loaded
    assert set(got) == set(arrays)
    for name in arrays:
        np.testing.assert_array_equal(got[name], arrays[name])
        assert got[name].dtype == arrays[name].dtype
    assert got_meta == meta


def test_no_temporary_files_left_behind(entry):
    path, _, _ = entry
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.npz", "entry.npz.sha256"]


def test_missing_entry_is_none(tmp_path):
    assert load_arrays(tmp_path / "absent.npz") is None


def test_truncated_entry_is_detected_and_removed(entry):
    path, _, _ = entry
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert load_arrays(path) is None
    assert not path.exists() and not path.with_name(path.name + ".sha256").exists()


def test_flipped_byte_is_detected(entry):
    path, _, _ = entry
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_arrays(path) is None


def test_entry_without_checksum_is_not_trusted(entry):
    """An interrupted write leaves data without its checksum: that data is not trusted."""
    path, _, _ = entry
    path.with_name(path.name + ".sha256").unlink()
    assert load_arrays(path) is None
    assert not path.exists()


def test_rewrite_after_corruption_is_trusted_again(entry):
    path, arrays, meta = entry
    path.write_bytes(b"garbage")
    assert load_arrays(path) is None
    save_arrays(path, arrays, meta)
    assert load_arrays(path) is not None


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(TypeError, match="'bad'"):
        save_arrays(tmp_path / "e.npz", {"bad": np.array([{"a": 1}], dtype=object)})


def test_cache_path_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path))
    key = content_key({"n": 1, "seed": 2})
    assert key == content_key({"seed": 2, "n": 1})
    assert key != content_key({"seed": 3, "n": 1})
    assert cache_path("world", key) == tmp_path / "world" / f"{key}.npz"


def test_content_keys_are_pinned():
    # entries already on disk are found by these keys: the recipe may never change
    assert content_key({"n": 1, "seed": 2}) == "a91acef5296bf56b9b7d"
    assert content_key({"b": [1.5, None], "a": "狗"}, length=32) == "7ba1493f178982a6de13ed2565caa8cf"


def test_content_hash_is_sha256_of_the_parts_in_order(tmp_path):
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2, appendix B.1
    assert content_hash(b"abc") == abc
    assert content_hash([b"a", memoryview(b"b"), bytearray(b"c")]) == abc
    assert content_hash(b"abc", 8) == abc[:8]
    with pytest.raises(ValueError, match="length must be"):
        content_hash(b"abc", 0)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 5000)  # more than one read block
    assert file_sha256(blob) == content_hash(blob.read_bytes())
    assert file_sha256(blob) == "7d471e4af16db5a30ce10aebbc29f5178b2edbad6c7dc2e8ff8ee6e4848a726f"
    assert file_sha256(blob, length=16) == "7d471e4af16db5a3"


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = atomic_write(tmp_path / "sub" / "f.bin", lambda f: f.write(b"old"))
    assert path.read_bytes() == b"old"

    def fails(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, fails)
    assert path.read_bytes() == b"old"
    assert [p.name for p in path.parent.iterdir()] == ["f.bin"]  # no temporary file left

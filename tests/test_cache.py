"""The atomic array cache: round trip, and no trust in truncated, corrupted or unverified entries."""

from __future__ import annotations

import numpy as np
import pytest

from tagbook.cache import cache_path, content_key, load_arrays, save_arrays


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

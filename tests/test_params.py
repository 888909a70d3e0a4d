import textwrap

import pytest

from tagbook.book import check_overrides
from tagbook.cli import main
from tagbook.params import ParameterError, chapter_parameters, read_parameter_specs, validate

NOTEBOOK = textwrap.dedent(
    '''\
    # %% [markdown]
    # # A chapter

    # %% tags=["parameters"]
    n_images = 400  # [16, 20000] number of images
    theta = 0.5  # [0, 1] weight of the image vector
    dataset = "toy"  # {toy, flickr8kcn} which data
    thetas = [0.0, 0.5, 1.0]  # [0, 1] the grid
    data_dir = None  # (str) folder of the real data
    fine_tune = False  # train the backbone too

    # %%
    print("body")
    '''
)


@pytest.fixture
def book_root(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "07_demo.py").write_text(NOTEBOOK)
    monkeypatch.setenv("TAGBOOK_ROOT", str(tmp_path))
    return tmp_path


def test_specs_are_read_from_the_parameters_cell(book_root):
    specs = read_parameter_specs(book_root / "notebooks" / "07_demo.py")
    assert list(specs) == ["n_images", "theta", "dataset", "thetas", "data_dir", "fine_tune"]
    assert specs["n_images"].type is int and (specs["n_images"].low, specs["n_images"].high) == (16, 20000)
    assert specs["dataset"].choices == ("toy", "flickr8kcn")
    assert specs["data_dir"].nullable and specs["data_dir"].type is str
    assert specs["n_images"].help == "number of images"


def test_overrides_are_parsed_and_checked(book_root):
    _, parsed = check_overrides("07", {"n_images": "500", "theta": "1", "thetas": "[0, 0.25]", "fine_tune": "yes"})
    assert parsed == {"n_images": 500, "theta": 1.0, "thetas": [0, 0.25], "fine_tune": True}
    assert check_overrides("7", {"data_dir": "none"})[1] == {"data_dir": None}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"n_image": "5"}, "unknown parameter 'n_image'; this chapter takes: n_images"),
        ({"n_images": "many"}, "parameter 'n_images' expects int"),
        ({"n_images": "3"}, "parameter 'n_images' = 3 is below its minimum"),
        ({"theta": "1.5"}, "parameter 'theta' = 1.5 is above its maximum"),
        ({"dataset": "coco"}, "parameter 'dataset' = 'coco' is not allowed; choose one of: toy, flickr8kcn"),
        ({"thetas": "0.5"}, "write a list as JSON"),
        ({"thetas": "[0.5, 2]"}, "is above its maximum"),
        ({"fine_tune": "maybe"}, "parameter 'fine_tune' expects bool"),
    ],
)
def test_bad_overrides_name_the_parameter(book_root, overrides, message):
    with pytest.raises(ParameterError) as info:
        check_overrides("07", overrides)
    assert message in str(info.value)


def test_unknown_chapter_lists_the_known_ones(book_root):
    with pytest.raises(ParameterError, match="unknown chapter '42'; known chapters: 07_demo"):
        check_overrides("42", {})


def test_cli_run_rejects_bad_input_before_any_work(book_root, capsys):
    assert main(["run", "07", "-p", "n_images", "x"]) == 2
    assert "parameter 'n_images' expects int" in capsys.readouterr().err
    assert main(["run", "99"]) == 2
    assert "unknown chapter" in capsys.readouterr().err
    assert main(["run", "07", "-p", "seed", "1"]) == 2
    assert "unknown parameter 'seed'" in capsys.readouterr().err
    assert not (book_root / "book").exists()  # nothing was executed or built
    assert main(["run", "07", "--list"]) == 0
    assert "n_images" in capsys.readouterr().out


def test_chapter_parameters_validates_the_running_namespace(book_root):
    namespace = {"n_images": 20, "theta": 1, "dataset": "toy", "thetas": [0.0], "data_dir": None, "fine_tune": False}
    params = chapter_parameters("07", namespace, show=False)
    assert params.theta == 1.0 and isinstance(params.theta, float) and params.n_images == 20
    with pytest.raises(ParameterError, match="'n_images' must be int"):
        chapter_parameters("07", {**namespace, "n_images": "20"}, show=False)


def test_validate_rejects_bool_for_int(book_root):
    specs = read_parameter_specs(book_root / "notebooks" / "07_demo.py")
    with pytest.raises(ParameterError, match="bool"):
        validate(specs, {"n_images": True})

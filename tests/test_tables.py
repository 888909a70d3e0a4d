"""One set of table rules: dashes for missing values, integers as integers, fixed decimals, no '...'."""

import numpy as np
import pandas as pd
import pytest

from tagbook.report import (
    MISSING,
    format_frame,
    format_number,
    html_table,
    markdown_table,
    paper_vs_build,
    set_display_options,
)


def test_missing_values_are_a_dash_whatever_their_kind():
    frame = pd.DataFrame({
        "float": [np.nan, 0.5],
        "nullable": pd.array([None, 3], dtype="Int64"),
        "object": [None, "x"],
        "text": ["nan", "<NA>"],
        "time": pd.to_datetime([None, "2026-01-02"]),
    })
    table = markdown_table(frame, index=False)
    for word in ("NaN", "nan", "<NA>", "None", "NaT"):
        assert word not in table
    assert table.splitlines()[2] == f"| {MISSING} | {MISSING} | {MISSING} | {MISSING} | {MISSING} |"


def test_integers_stay_integers_and_ratios_get_three_decimals():
    frame = pd.DataFrame({
        "count": [3, 12],
        "merged count": [3.0, np.nan],  # a count that went through a merge: float with NaN
        "nullable": pd.array([4, None], dtype="Int64"),
        "ratio": [0.45678, 1.0],
        "big": [np.uint8(7), np.uint8(8)],
    })
    formatted = format_frame(frame)
    assert formatted.iloc[0].tolist() == ["3", "3", "4", "0.457", "7"]
    assert formatted.iloc[1].tolist() == ["12", MISSING, MISSING, "1.000", "8"]


def test_percentages_have_one_decimal_even_when_whole():
    frame = pd.DataFrame({"hit@5 (%)": [45.23, 50.0], "share": [0.25, 0.5]})
    formatted = format_frame(frame, percent_columns=["hit@5 (%)"])
    assert formatted["hit@5 (%)"].tolist() == ["45.2", "50.0"]
    assert formatted["share"].tolist() == ["0.250", "0.500"]
    assert format_frame(frame, ratio_digits=2)["share"].tolist() == ["0.25", "0.50"]
    assert format_frame(frame, digits={"share": 1})["share"].tolist() == ["0.2", "0.5"]
    with pytest.raises(KeyError, match="no column or index level 'hit@1'"):
        format_frame(frame, percent_columns=["hit@1"])
    with pytest.raises(ValueError, match="ratio_digits"):
        format_frame(frame, ratio_digits=-1)


def test_mixed_object_columns_are_formatted_value_by_value():
    frame = pd.DataFrame({"value": [2.0, 0.1234, "n/a", True, np.inf]})
    assert format_frame(frame)["value"].tolist() == ["2", "0.123", "n/a", "yes", "∞"]
    assert format_number(np.float32(0.5)) == "0.500" and format_number(np.int64(7)) == "7"


def test_markdown_table_has_plain_separators_the_index_first_and_escaped_cells():
    frame = pd.DataFrame({"label": ["**窗户**", "a | b\nc"], "n": [1, 2]}, index=pd.Index(["img 0", "img 1"], name="image"))
    lines = markdown_table(frame).splitlines()
    assert lines[0] == "| image | label | n |"
    assert lines[1] == "|---|---|---|"
    assert lines[2] == "| img 0 | **窗户** | 1 |"
    assert lines[3] == "| img 1 | a \\| b c | 2 |"
    assert markdown_table(frame, index=False).splitlines()[0] == "| label | n |"
    assert markdown_table(pd.DataFrame({"x": [1]})).splitlines()[0] == "|  | x |"  # an unnamed index


def test_markdown_table_covers_the_harvest_use_bold_cells_and_an_unnamed_index():
    frame = pd.DataFrame({"MT": ["狗, **猫**"], "ZS": ["草"]}, index=["image 3"])
    assert markdown_table(frame) == "|  | MT | ZS |\n|---|---|---|\n| image 3 | 狗, **猫** | 草 |"


def test_long_cells_are_never_shortened():
    long = "word " * 60
    frame = pd.DataFrame({"text": [long.strip()], "n": [1]}, index=range(1))
    assert long.strip() in markdown_table(frame)
    assert long.strip() in html_table(frame)
    assert "..." not in markdown_table(frame) and "..." not in html_table(frame)
    many = pd.DataFrame({f"c{i}": [i] for i in range(40)}, index=range(1))
    assert "..." not in html_table(many) and "c39" in html_table(many)


def test_multiindex_rows_and_columns_become_plain_cells():
    frame = pd.DataFrame(
        [[0.5, 1.0], [0.25, np.nan]],
        index=pd.MultiIndex.from_tuples([("conse", "hit@1"), ("hierse", "hit@1")], names=["method", "metric"]),
        columns=pd.MultiIndex.from_tuples([("paper", "Flickr8k-CN"), ("ours", "toy")]),
    )
    lines = markdown_table(frame).splitlines()
    assert lines[0] == "| method | metric | paper Flickr8k-CN | ours toy |"
    assert lines[1] == "|---|---|---|---|"
    assert lines[3] == f"| hierse | hit@1 | 0.250 | {MISSING} |"


def test_paper_vs_build_blanks_become_dashes():
    paper = pd.DataFrame({"paper": ["w"], "table": ["T2"], "method": ["conse"], "metric": ["hit@1"],
                          "setting": [""], "value": [0.3], "note": [""]})
    build = pd.DataFrame({"method": ["mt"], "metric": ["hit@1"], "setting": [""], "value": [0.2]})
    table = markdown_table(paper_vs_build(paper, build, paper_data="paper", build_data="toy"))
    assert "nan" not in table.lower() and MISSING in table
    assert "| conse | hit@1 |  | 0.300 | T2 | — |" in table


def test_display_options_never_truncate():
    names = ["display.max_colwidth", "display.max_columns", "display.max_rows", "display.width"]
    saved = {name: pd.get_option(name) for name in names}
    try:
        set_display_options()
        frame = pd.DataFrame({"text": ["x" * 200], **{f"c{i}": [i] for i in range(30)}}, index=range(1))
        shown = frame._repr_html_()
        assert "..." not in shown and "x" * 200 in shown and "c29" in shown
        long = pd.DataFrame({"n": range(500)})
        assert "..." not in long._repr_html_()
    finally:
        for name, value in saved.items():
            pd.set_option(name, value)

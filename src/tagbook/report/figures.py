"""The figure theme of the book (and the table display options every chapter shares)."""

from __future__ import annotations

import warnings

from tagbook.report.tables import set_display_options

_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR")


def use_theme() -> None:
    """The one look of the book: the figure theme (seaborn) with a CJK-capable font when one is
    installed, and pandas display options that never shorten a table (:func:`set_display_options`).
    """
    set_display_options()
    import matplotlib
    import seaborn as sns
    from matplotlib import font_manager

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [name for name in _CJK_FAMILIES if name in installed]
    # Families named one by one: matplotlib falls back glyph by glyph through a list of families,
    # not through the generic "sans-serif" (Latin from DejaVu Sans, Chinese and Japanese from Noto).
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", *cjk]
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans", *cjk, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["figure.dpi"] = 100
    matplotlib.rcParams["savefig.bbox"] = "tight"
    if not cjk:
        warnings.warn(
            "no CJK font found (install fonts-noto-cjk); Chinese and Japanese labels in figures will not render",
            stacklevel=2,
        )

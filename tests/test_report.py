import json

import numpy as np
import pandas as pd
import pytest

from tagbook.params import read_parameter_specs
from tagbook.report import (
    ClaimsLedger,
    command_line,
    format_duration,
    format_headline,
    load_claims,
    paper_numbers,
    paper_vs_build,
    read_claims_file,
    results_at_a_glance,
    run_this_chapter,
    verdict,
    verdict_label,
    write_claims_page,
)


def test_ledger_writes_the_required_keys_and_the_claims_page_gathers_them(tmp_path):
    ledger = ClaimsLedger("02", output_dir=tmp_path, parameters={"seed": 0, "thetas": (0.0, 1.0)})
    ledger.check(
        "le-beats-zs-hit5", "wei2017", "label-enhanced beats zero-shot on hit@5", "Table 2",
        {"label_enhanced": 0.61, "zero_shot": np.float64(0.55)}, holds=np.bool_(True), tier="toy",
    )
    ledger.check("hierse-beats-conse", "wei2017", "HierSE | beats ConSE", "Table 2",
                 {"hierse": 0.4, "conse": 0.5}, holds=False, tier="offline-real")
    path = ledger.write()
    assert path == tmp_path / "02.claims.json"
    records = json.loads(path.read_text())
    assert {"id", "paper", "statement", "holds", "evidence"} <= set(records[0])
    assert records[0]["holds"] is True and records[0]["parameters"]["thetas"] == [0.0, 1.0]
    page = write_claims_page(tmp_path).read_text()
    assert "recorded claims held" not in page  # no total across papers and tiers
    assert "HierSE \\| beats ConSE" in page  # pipes escaped inside the table
    assert "- `le-beats-zs-hit5` (chapter 02): label_enhanced = 0.61; zero_shot = 0.55" in page
    assert "| {bdg-danger}`✗ not held` | HierSE \\| beats ConSE (`offline-real`; Table 2) |" in page
    assert "| {bdg-success}`✓ held` | label-enhanced beats zero-shot on hit@5 (`toy`; Table 2) |" in page
    assert "| paper | data | claims | held | partly | not held | headline |" in page
    # one headline per paper and data tier
    assert "| Wei, Wang, Li (2017) | toy | 1 | 1 | 0 | 0 | 1 of 1 held |" in page
    assert "| Wei, Wang, Li (2017) | offline-real | 1 | 0 | 0 | 1 | 0 of 1 held, 1 not held |" in page
    assert "{download}`02.claims.json <02.claims.json>`" in page
    assert "nan" not in page.lower() and "None" not in page


def test_ledger_refuses_claims_without_evidence_or_a_real_decision(tmp_path):
    ledger = ClaimsLedger("03", output_dir=tmp_path)
    with pytest.raises(ValueError, match="needs measured evidence"):
        ledger.check("a", "he2015", "s", "w", {}, True, "toy")
    with pytest.raises(TypeError, match="holds must be a bool"):
        ledger.check("b", "he2015", "s", "w", {"x": 1.0}, "yes", "toy")
    with pytest.raises(ValueError, match="NaN"):
        ledger.check("c", "he2015", "s", "w", {"x": float("nan")}, True, "toy")
    with pytest.raises(ValueError, match="tier"):
        ledger.check("d", "he2015", "s", "w", {"x": 1.0}, True, "imaginary")
    ledger.check("e", "he2015", "s", "w", {"x": 1.0}, True, "toy")
    with pytest.raises(ValueError, match="recorded twice"):
        ledger.check("e", "he2015", "s", "w", {"x": 1.0}, True, "toy")


def test_load_claims_names_a_broken_file(tmp_path):
    (tmp_path / "04.claims.json").write_text('[{"id": "x", "paper": "p"}]')
    with pytest.raises(ValueError, match="04.claims.json: claim 'x' lacks statement, holds, evidence"):
        load_claims(tmp_path)


def test_empty_claims_page_says_so(tmp_path):
    assert "No chapter has recorded a claim" in write_claims_page(tmp_path).read_text()


def test_paper_numbers_file_is_well_formed():
    df = paper_numbers()
    assert list(df.columns) == ["paper", "table", "method", "metric", "setting", "value", "note"]
    assert not df.duplicated(["paper", "table", "method", "metric", "setting"]).any()
    with pytest.raises(KeyError, match="no numbers typed in for paper 'nobody'"):
        paper_numbers("nobody")


def test_paper_vs_build_labels_columns_and_fills_nothing_in():
    paper = pd.DataFrame({
        "paper": ["wei2017"] * 2, "table": ["Table 2"] * 2, "method": ["conse", "hierse"],
        "metric": ["hit@1"] * 2, "setting": ["", ""], "value": [0.3, 0.35], "note": ["", ""],
    })
    build = pd.DataFrame({"method": ["conse", "mt"], "metric": ["hit@1", "hit@1"], "setting": ["", ""], "value": [0.5, 0.2]})
    table = paper_vs_build(paper, build, paper_data="Flickr8k-CN", build_data="toy world")
    assert list(table.columns) == ["paper (Flickr8k-CN)", "paper source", "this build (toy world)"]
    assert table.loc[("conse", "hit@1", ""), "this build (toy world)"] == 0.5
    assert np.isnan(table.loc[("hierse", "hit@1", ""), "this build (toy world)"])
    assert np.isnan(table.loc[("mt", "hit@1", ""), "paper (Flickr8k-CN)"])


def test_claims_page_links_each_chapter_by_its_title(tmp_path):
    ledger = ClaimsLedger("05", output_dir=tmp_path)
    ledger.check("maps-localise", "kovacs2019", "maps localise", "Fig. 10", {"miou": 0.2}, True, "toy")
    ledger.write()
    notebook = {"cells": [{"cell_type": "code", "source": ["# not a title"]},
                          {"cell_type": "markdown", "source": ["# Conv-level embeddings\n", "text"]}]}
    (tmp_path / "05_conv_vse.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "05_conv_vse.failed.ipynb").write_text("{}")
    page = write_claims_page(tmp_path).read_text()
    # without an anchor in the chapter, the evidence link is the chapter, by its title
    assert "| maps localise (`toy`; Fig. 10) | — | — | — | [05 Conv-level embeddings](05_conv_vse.ipynb) |" in page
    assert "### Kovacs & Bremner." in page
    # with the anchor the driver places at the claim's section, the link is that section
    notebook["cells"][1]["source"] = ["(claim-05-maps-localise)=\n", "# Conv-level embeddings\n", "text"]
    (tmp_path / "05_conv_vse.ipynb").write_text(json.dumps(notebook))
    assert "| 05: {ref}`claim-05-maps-localise` |" in write_claims_page(tmp_path).read_text()


def test_the_new_fields_are_optional_and_recorded(tmp_path):
    ledger = ClaimsLedger("06", output_dir=tmp_path)
    old_style = ledger.check("a", "mohammadshahi2019", "s", "Table 1", {"x": 1.0}, True, "toy", note="n")
    assert (old_style.paper_value, old_style.ours, old_style.n_checked, old_style.n_held, old_style.reason) == (
        None, None, None, None, "")
    claim = ledger.check("b", "mohammadshahi2019", "AME beats the baseline", "Table 2", {"r@1": 0.3}, False, "toy",
                         paper_value=np.float64(45.2), ours="2 of 3 models", n_checked=3, n_held=np.int64(2),
                         reason="one language\npair behind", short="AME beats baseline")
    assert claim.paper_value == 45.2 and type(claim.paper_value) is float and claim.n_held == 2
    assert claim.reason == "one language pair behind"
    record = json.loads(ledger.write().read_text())[1]
    assert {k: record[k] for k in ("paper_value", "ours", "n_checked", "n_held", "reason", "short")} == {
        "paper_value": 45.2, "ours": "2 of 3 models", "n_checked": 3, "n_held": 2,
        "reason": "one language pair behind", "short": "AME beats baseline"}


@pytest.mark.parametrize("holds, n_checked, n_held, expected, label", [
    (True, None, None, "held", "held"),
    (False, None, None, "not held", "not held"),
    (True, 3, 3, "held", "held"),
    (False, 3, 2, "partly", "partly: 2 of 3"),
    (False, 3, 0, "not held", "not held"),
    (False, 1, 0, "not held", "not held"),
    (True, 1, 1, "held", "held"),
])
def test_verdicts(holds, n_checked, n_held, expected, label):
    record = {"id": "c", "holds": holds, "n_checked": n_checked, "n_held": n_held}
    assert verdict(record) == expected and verdict_label(record) == label
    claim = ClaimsLedger("02").check("c", "p", "s", "w", {"x": 1.0}, holds, "toy", n_checked=n_checked, n_held=n_held)
    assert verdict(claim) == expected and verdict_label(claim) == label


@pytest.mark.parametrize("holds, n_checked, n_held, error, match", [
    (True, 3, 2, ValueError, "contradicts n_held = 2 of n_checked = 3"),
    (False, 3, 3, ValueError, "contradicts"),
    (False, 2, 3, ValueError, r"n_held must be in \[0, n_checked = 2\]"),
    (False, 0, 0, ValueError, "n_checked must be at least 1"),
    (False, 3, None, ValueError, "give n_checked and n_held together"),
    (False, 3.0, 1, TypeError, "n_checked must be an int"),
])
def test_inconsistent_counts_are_refused(holds, n_checked, n_held, error, match):
    with pytest.raises(error, match=match):
        ClaimsLedger("02").check("c", "p", "s", "w", {"x": 1.0}, holds, "toy", n_checked=n_checked, n_held=n_held)
    with pytest.raises(error, match=match):
        verdict({"id": "c", "holds": holds, "n_checked": n_checked, "n_held": n_held})


def test_headline_numbers_are_checked():
    ledger = ClaimsLedger("02")
    with pytest.raises(ValueError, match="ours is NaN; pass None"):
        ledger.check("a", "p", "s", "w", {"x": 1.0}, True, "toy", ours=float("nan"))
    with pytest.raises(TypeError, match="paper_value must be a number, a short text or None"):
        ledger.check("b", "p", "s", "w", {"x": 1.0}, True, "toy", paper_value=[1])


def test_claims_files_without_the_new_fields_still_load_and_bad_counts_name_the_file(tmp_path):
    old = [{"id": "x", "paper": "he2015", "statement": "s", "where": "w", "evidence": {"a": 1.0},
            "holds": False, "tier": "toy", "chapter": "03", "note": "because"}]
    (tmp_path / "03.claims.json").write_text(json.dumps(old))
    records = load_claims(tmp_path)
    assert verdict_label(records[0]) == "not held"
    page = write_claims_page(tmp_path).read_text()
    assert "| {bdg-danger}`✗ not held` | s (`toy`; w) | — | — | because | chapter 03 |" in page
    broken = [dict(old[0], n_checked=2, n_held=2)]
    (tmp_path / "04.claims.json").write_text(json.dumps(broken))
    with pytest.raises(ValueError, match="04.claims.json: claim 'x': holds = False contradicts"):
        read_claims_file(tmp_path / "04.claims.json")


def test_claims_page_counts_partly_held_claims(tmp_path):
    ledger = ClaimsLedger("06", output_dir=tmp_path)
    ledger.check("a", "p", "s", "w", {"x": 1.0}, False, "toy", n_checked=3, n_held=2)
    ledger.check("b", "p", "t", "w", {"x": 1.0}, True, "toy")
    ledger.write()
    page = write_claims_page(tmp_path).read_text()
    assert "| p | toy | 2 | 1 | 1 | 0 | 1 of 2 held, 1 partly |" in page
    assert "| {bdg-warning}`◐ partly: 2 of 3` | s (`toy`; w) |" in page
    # seed papers first, the supporting ones apart
    ledger.check("c", "ni2017", "u", "w", {"x": 1.0}, True, "toy", paper_value=45.2, ours=0.5)
    ledger.write()
    page = write_claims_page(tmp_path).read_text()
    assert page.index("Ni et al. (2017)") < page.index("**Supporting papers") < page.index("| p | toy |")
    assert "| {bdg-success}`✓ held` | u (`toy`; w) | 45.2 | 0.5 | — |" in page
    assert "Ni et al. (2017) | toy | 1 | 1 | 0 | 0 | 1 of 1 held" in (tmp_path / "headlines.md").read_text()


def test_results_at_a_glance_box():
    ledger = ClaimsLedger("02")
    ledger.check("a", "wei2017", "label-enhanced zero-shot beats zero-shot on hit@5 for every model", "Table 2",
                 {"x": 1.0}, False, "toy", paper_value=45.2, ours=0.4567, n_checked=3, n_held=2,
                 reason="the weakest model | behind", short="LE beats ZS")
    ledger.check("b", "wei2017", "HierSE beats ConSE", "Table 2", {"x": 1.0}, True, "toy")
    box = results_at_a_glance(ledger.claims)
    lines = box.splitlines()
    assert lines[:3] == ["```{admonition} Results at a glance", ":class: results-at-a-glance", ""]
    assert lines[-1] == "```"
    assert "**1 of 2** of the claims checked held on this run, 1 partly." in box
    assert "| claim | the paper | ours | verdict | reason |\n|---|---|---|---|---|" in box
    assert "| LE beats ZS | 45.2 | 0.457 | partly: 2 of 3 | the weakest model \\| behind |" in box
    assert "| HierSE beats ConSE | — | — | held | — |" in box
    assert "data" not in lines[5]  # one tier: no data column
    ledger.check("c", "wei2017", "on photos", "Sec. 4", {"x": 1.0}, True, "offline-real")
    assert "| claim | the paper | ours | verdict | reason | data |" in results_at_a_glance(ledger.claims)
    assert "This run recorded no claims." in results_at_a_glance([])


def test_format_headline():
    assert [format_headline(v) for v in (None, 45.0, 45.2, 0.45678, "2 of 3", np.float64(0.5))] == [
        "—", "45", "45.2", "0.457", "2 of 3", "0.5"]


def test_run_this_chapter_box_and_its_command_reads_back(tmp_path):
    import shlex

    source = tmp_path / "02_x.py"
    source.write_text('# %% tags=["parameters"]\ndataset = "toy"  # {toy, flickr8kcn}\n'
                      'data_dir = None  # (str) folder\nthetas = [0.0, 0.5]  # [0, 1]\nfast = True\nK = 10\n')
    values = {"dataset": "toy", "data_dir": "/my data", "thetas": [0.0, 1.0], "fast": False, "K": 5}
    command = command_line("02_x", values)
    assert command == "tagbook run 02 -p dataset toy -p data_dir '/my data' -p thetas '[0.0, 1.0]' -p fast false -p K 5"
    words = shlex.split(command)
    specs = read_parameter_specs(source)
    parsed = {words[i + 1]: specs[words[i + 1]].parse(words[i + 2]) for i in range(3, len(words), 3)}
    assert parsed == values
    assert specs["data_dir"].parse(shlex.split(command_line("02", {"data_dir": None}))[-1]) is None

    box = run_this_chapter("02", values, ["toy", "offline-real"], 754.4)
    lines = box.splitlines()
    assert lines[:3] == ["````{admonition} Run this chapter", ":class: run-this-chapter", ""]
    assert lines[-1] == "````"
    assert f"```shell\n{command}\n```" in box
    assert "- Data: `toy` (the procedurally generated toy world); `offline-real`" in box
    assert "- Run time of the run shown on this page: 12 min 34 s" in box and "`tagbook run 02 --list`" in box
    with pytest.raises(ValueError, match="tier must be one of"):
        run_this_chapter("02", {}, "real", 1.0)
    assert "not measured" in run_this_chapter("02", {}, None, None)


def test_format_duration():
    assert [format_duration(s) for s in (0.04, 59.94, 59.96, 60, 3599.4, 3725)] == [
        "0.0 s", "59.9 s", "1 min 00 s", "1 min 00 s", "59 min 59 s", "1 h 02 min"]
    with pytest.raises(ValueError, match="run_time_s"):
        format_duration(-1)

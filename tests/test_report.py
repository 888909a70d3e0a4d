import json

import numpy as np
import pandas as pd
import pytest

from tagbook.report import ClaimsLedger, load_claims, paper_numbers, paper_vs_build, write_claims_page


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
    assert "In this build, 1 of 2 recorded claims held." in page
    assert "HierSE \\| beats ConSE" in page  # pipes escaped inside the table
    assert "- `le-beats-zs-hit5`: label_enhanced = 0.61; zero_shot = 0.55" in page
    assert "| **NO** | offline-real |" in page and "| yes | toy |" in page
    assert "| 02 | 2 | 1 | 1 |" in page  # the per-chapter summary


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
    assert "| [05 Conv-level embeddings](05_conv_vse.ipynb) | 1 | 1 | 0 |" in page
    assert "## 05 Conv-level embeddings" in page

"""Every claims file follows the JSON schema in the repository (src/tagbook/report/claims.schema.json):
files a tiny ledger writes here, and the book's own files when a build left them."""

import json
from pathlib import Path

import jsonschema
import pytest

from tagbook.paths import generated_dir
from tagbook.report import ClaimsLedger
from tagbook.report.scoreboard import SCHEMA_FILE

SCHEMA = json.loads(SCHEMA_FILE.read_text())


def validator():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_a_valid_schema_and_ships_with_the_package():
    validator()
    assert SCHEMA_FILE.parent.name == "report" and SCHEMA_FILE.is_file()
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"report/*.json"' in pyproject


def test_files_a_ledger_writes_validate(tmp_path):
    ledger = ClaimsLedger("09", output_dir=tmp_path, parameters={"seed": 0, "thetas": (0.0, 1.0), "path": tmp_path})
    ledger.check("plain", "wei2017", "a claim", "Table 2", {"a": 1.0}, True, "toy")
    ledger.check("all-fields", "ni2017", "another", "Fig. 3", {"a": 0.5, "b": 2}, False, "offline-real", note="n",
                 paper_value=45.2, ours="2 of 3 models", n_checked=3, n_held=2, reason="one behind", short="short")
    records = json.loads(ledger.write().read_text())
    errors = list(validator().iter_errors(records))
    assert errors == []


@pytest.mark.parametrize("change, where", [
    ({"tier": "real"}, "tier"),
    ({"holds": "yes"}, "holds"),
    ({"evidence": {}}, "evidence"),
    ({"evidence": {"a": "high"}}, "evidence"),
    ({"n_checked": 0}, "n_checked"),
])
def test_the_schema_refuses_broken_records(tmp_path, change, where):
    ledger = ClaimsLedger("09", output_dir=tmp_path)
    ledger.check("c", "wei2017", "a claim", "Table 2", {"a": 1.0}, True, "toy")
    record = dict(json.loads(ledger.write().read_text())[0], **change)
    errors = list(validator().iter_errors([record]))
    assert errors and where in "/".join(map(str, errors[0].absolute_path))
    missing = {k: v for k, v in record.items() if k != "statement"}
    assert list(validator().iter_errors([missing]))


BUILT = sorted(generated_dir().glob("*.claims.json"))


@pytest.mark.skipif(not BUILT, reason="no book build left claims files in book/_generated/")
@pytest.mark.parametrize("path", BUILT, ids=[p.name for p in BUILT])
def test_the_books_claims_files_validate(path):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator().iter_errors(json.loads(path.read_text()))]
    assert errors == []

"""The catalogue is complete: every code of flags.md is registered with its settings, fixture
and page; and on generated data every planted finding is found and nothing else."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from audit.registry import load_flags
from audit.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "flags.md"
SECTIONS = ["Condition", "Methodology", "Worked example", "Why is this a red flag",
            "Legal basis", "Settings and defaults", "Exclusions"]


def catalogue_codes() -> list[str]:
    if SPEC.exists():
        text = SPEC.read_text(encoding="utf-8")
        return sorted(set(re.findall(r"^\| ((?:CON|PRC|COL|COI|DEP|GOV)-[A-Z-]+) \|", text, re.M)))
    return sorted(load_flags())


def test_every_catalogue_code_is_registered():
    codes = catalogue_codes()
    assert len(codes) >= 38
    assert set(codes) <= set(load_flags())


@pytest.mark.parametrize("code", sorted(load_flags()))
def test_flag_has_settings_fixture_and_page(code):
    spec = load_flags()[code]
    assert spec.title_vi and spec.title_en and spec.legal_basis and spec.needs
    assert code in load_settings().raw["flags"]
    fixture = ROOT / "tests" / "fixtures" / "flags" / f"{code}.toml"
    assert fixture.exists(), fixture
    assert "worked example" in fixture.read_text(encoding="utf-8")
    page = (ROOT / "docs" / "flags" / f"{code}.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", page, re.M)
    for section in SECTIONS:
        assert any(h.strip().startswith(section) for h in headings), (code, section)


def test_planted_findings_are_found_and_nothing_else(tmp_path):
    from audit.engine import run_audit
    from procurement.ingest import ingest
    from procurement.synthetic import generate

    res = generate("small", 2025, tmp_path / "data")
    db = f"sqlite:///{tmp_path}/t.db"
    ingested = ingest([str(res.out_dir)], db)
    assert ingested.exit_code == 3  # the planted bad rows
    with open(res.bad_rows_path, encoding="utf-8") as f:
        bad = {(r["table"], int(r["row"]), r["reason"]) for r in csv.DictReader(f)}
    got_bad = {(q["table"], q["row"], q["reason"]) for q in ingested.report["quarantine"]}
    assert got_bad == bad
    audit = run_audit(db, out_dir=tmp_path / "out")
    with open(res.truth_path, encoding="utf-8") as f:
        truth = {(r["code"], r["subject_type"], r["subject_id"]) for r in csv.DictReader(f)}
    found = {(x.code, x.subject_type, x.subject_id) for x in audit.all_findings}
    assert truth, "the generator planted nothing"
    assert {c for c, _, _ in truth} >= set(catalogue_codes())
    # Flags registered beyond flags.md (Cardinal R025, R038, R048: docs/conformance.md) are
    # planted too.
    assert {c for c, _, _ in truth} >= set(load_flags())
    assert found - truth == set(), "flagged but not planted"
    assert truth - found == set(), "planted but not found"
    assert audit.not_computed == []

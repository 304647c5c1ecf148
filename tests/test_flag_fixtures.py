"""Every flag against its fixture of named cases (tests/fixtures/flags/<CODE>.toml)."""
from __future__ import annotations

import pytest

from tests.flagcases import all_cases, run_case

CASES = all_cases()


@pytest.mark.parametrize("code,case", CASES, ids=[f"{c}: {k['name']}" for c, k in CASES])
def test_flag_case(code, case):
    findings, not_computed = run_case(code, case)
    assert not not_computed or not case["expect"], not_computed
    got = sorted(f.subject_id for f in findings if f.code == code)
    assert got == sorted(case["expect"])
    for f in findings:
        assert f.detail_vi and f.detail_en and f.evidence and f.legal_basis
        assert 0 <= f.score <= 100 and f.severity in ("low", "medium", "high")
    for subject, severity in case.get("expect_severity", {}).items():
        assert {f.subject_id: f.severity for f in findings}[subject] == severity

"""procurement/ocds_rules.py holds what the reader needs from the OCDS schemas (so that nothing
is read from outside the package at run time): it must say what the schemas say."""
from __future__ import annotations

import csv
from pathlib import Path

from tests.ocdsschema import release_schema_with_bids

from procurement import ocds_rules as R
from tests.conftest import need

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "schema"


def _codes(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(r["Code"] for r in csv.DictReader(f))


def test_rules_and_codelists_match_the_schemas():
    need(SCHEMA.is_dir(), f"the OCDS schemas are missing ({SCHEMA})")
    from ocdsmerge.rules import get_merge_rules
    rules = get_merge_rules(release_schema_with_bids())
    assert dict(rules) == R.MERGE_RULES
    assert R.MERGE_RULES[("bids", "details", "identifiers")] == "wholeListMerge"
    c = SCHEMA / "codelists"
    assert R.CURRENCIES == _codes(c / "currency.csv") and "VND" in R.CURRENCIES
    assert R.TENDER_STATUS == _codes(c / "tenderStatus.csv")
    assert R.AWARD_STATUS == _codes(c / "awardStatus.csv")
    assert R.CONTRACT_STATUS == _codes(c / "contractStatus.csv")
    assert R.METHODS == _codes(c / "method.csv")
    assert R.PARTY_ROLES == _codes(c / "partyRole.csv")
    assert R.BID_STATUS == _codes(SCHEMA / "bid-extension" / "codelists" / "bidStatus.csv")

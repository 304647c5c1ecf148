"""procurement/ocds_rules.py holds what the reader needs from the OCDS schemas (so that nothing
is read from outside the package at run time): it must say what the schemas say."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from procurement import ocds_rules as R
from tests.conftest import need

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "schema"


def _codes(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(r["Code"] for r in csv.DictReader(f))


def test_rules_and_codelists_match_the_schemas():
    need(SCHEMA.is_dir(), f"the OCDS schemas are missing ({SCHEMA})")
    from ocdsmerge.rules import get_merge_rules
    release = json.loads((SCHEMA / "release-schema.json").read_text(encoding="utf-8"))
    patch = json.loads((SCHEMA / "bid-extension" / "release-schema.json").read_text(encoding="utf-8"))

    def merge_patch(target, p):
        if not isinstance(p, dict):
            return p
        out = dict(target) if isinstance(target, dict) else {}
        for k, v in p.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge_patch(out.get(k), v)
        return out
    rules = get_merge_rules(merge_patch(release, patch))
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

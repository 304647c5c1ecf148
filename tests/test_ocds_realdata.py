"""Every real OCDS sample (12 countries' governments, shared/ocds/sample-data-real-examples, and
OCDS Kit's real extracts) ingests without a crash — what does not fit is quarantined with its
reason, an unreadable file exits 4 with a message — and the flags run on each country's data,
one store per country folder.  The whole test stays under three minutes.

Run with ``-s`` to see the ingest figures per country."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from audit.engine import run_audit
from procurement import store
from procurement.ingest import ingest
from procurement.ocds_wiring import wired
from procurement.readers import UnreadableInput, read_source
from tests.conftest import need

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ocds"
SAMPLES = SHARED / "sample-data-real-examples"
KIT = SHARED / "ocdskit-realdata"


def _folders():
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.iterdir() if p.is_dir()) + [KIT]


def _files(folder: Path) -> list[str]:
    files = sorted(str(p) for p in folder.rglob("*.json"))
    # Releases first, records (whose compiled releases are the fuller picture) last.
    return [f for f in files if "/records/" not in f] + [f for f in files if "/records/" in f]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    need(SAMPLES.is_dir(), f"the shared OCDS samples are missing ({SAMPLES})")
    base = tmp_path_factory.mktemp("real")
    out = {}
    t_all = time.perf_counter()
    with wired():
        for folder in _folders():
            files = _files(folder)
            readable, unreadable = [], {}
            for f in files:
                try:
                    read_source(f)
                    readable.append(f)
                except UnreadableInput as e:
                    unreadable[f] = str(e)
            url = f"sqlite:///{base}/{folder.name}.db"
            t0 = time.perf_counter()
            res = ingest(readable, url)
            t_ingest = time.perf_counter() - t0
            bad = {f: ingest([f], f"sqlite:///{base}/{folder.name}-bad.db") for f in unreadable}
            t0 = time.perf_counter()
            audit = run_audit(url, out_dir=base / f"{folder.name}-findings")
            t_flags = time.perf_counter() - t0
            store.dispose_engines()
            out[folder.name] = {"files": files, "unreadable": unreadable, "bad": bad,
                                "report": res.report, "exit": res.exit_code, "audit": audit,
                                "t_ingest": t_ingest, "t_flags": t_flags}
    elapsed = time.perf_counter() - t_all
    print(f"\n{'folder':<22}{'files':>6}{'unread.':>8}{'exit':>5}{'tenders':>9}{'bids':>10}"
          f"{'contracts':>11}{'lines':>10}{'quar.':>7}{'ingest s':>9}{'flags s':>8}{'findings':>9}")
    for name, r in out.items():
        t = r["report"]["tables"]
        cell = lambda n: f"{t.get(n, {}).get('landed', 0)}/{t.get(n, {}).get('read', 0)}"
        print(f"{name:<22}{len(r['files']):>6}{len(r['unreadable']):>8}{r['exit']:>5}"
              f"{cell('tenders'):>9}{cell('bids'):>10}{cell('contracts'):>11}"
              f"{cell('contract_lines'):>10}{len(r['report']['quarantine']):>7}"
              f"{r['t_ingest']:>9.2f}{r['t_flags']:>8.2f}{len(r['audit'].all_findings):>9}")
    print(f"total {elapsed:.1f} s")
    out["_elapsed"] = elapsed
    return out


def test_every_country_ingests_and_is_audited(results):
    names = [k for k in results if not k.startswith("_")]
    assert len(names) == 13     # 12 countries and OCDS Kit's extracts
    for name in names:
        r = results[name]
        assert r["exit"] in (0, 3), (name, r["exit"])
        tables = r["report"]["tables"]
        assert tables["tenders"]["landed"] > 0, name
        for t, c in tables.items():
            assert c["read"] == c["landed"] + c["quarantined"], (name, t)
        for q in r["report"]["quarantine"]:
            assert q["reason"] and q["reasons"] and q["row"] >= 1, (name, q)
        assert (r["exit"] == 3) == bool(r["report"]["quarantine"])
        # The flags ran over this country's store and said what they could not compute.
        audit = r["audit"]
        assert audit.run["run_id"]
        computed = {f.code for f in audit.all_findings}
        not_computed = {n["code"] for n in audit.not_computed}
        assert not computed & not_computed
    assert results["_elapsed"] < 180, results["_elapsed"]


def test_unreadable_files_exit_4_with_a_clear_message(results):
    unreadable = {Path(f).name: (msg, results[n]["bad"][f])
                  for n in results if not n.startswith("_")
                  for f, msg in results[n]["unreadable"].items()}
    # The three empty files of Paraguay's sample (published empty upstream).
    assert sorted(unreadable) == ["283826.json", "283906.json", "284456.json"]
    for msg, res in unreadable.values():
        assert "empty" in msg and "rỗng" in msg
        assert res.exit_code == 4 and not res.landed and res.message == msg


def test_non_standard_codes_are_mapped_or_quarantined_and_reported(results):
    arm = results["armenia"]["report"]
    w = "\n".join(arm["warnings"])
    assert "qualified → valid" in w and "not-qualified → disqualified" in w
    assert arm["tables"]["bids"]["landed"] > 0
    # A tenderer bidding on several lots of one tender: one contract bid, the rest quarantined.
    assert {q["reason"] for q in arm["quarantine"]} == {"duplicate_key"}
    ukr = results["ukraine"]["report"]
    assert Counter(q["reason"] for q in ukr["quarantine"] if q["table"] == "bids") == {
        "bad_enum": ukr["tables"]["bids"]["quarantined"]}
    assert "bid.status" in "\n".join(ukr["warnings"]) and "active" in "\n".join(ukr["warnings"])
    assert "mdl → MDL" in "\n".join(results["moldova"]["report"]["warnings"])
    assert "MNX" in "\n".join(results["mexico"]["report"]["warnings"])   # kept, not guessed
    kit = results["ocdskit-realdata"]["report"]
    assert any("ISO-8859-1" in x for x in kit["warnings"])


def test_foreign_ids_land_with_their_scheme(results):
    """No foreign identifier is quarantined as a bad tax code."""
    for name in results:
        if name.startswith("_"):
            continue
        assert not [q for q in results[name]["report"]["quarantine"] if q["reason"] == "bad_tax_code"], name

"""Conformance with Cardinal (cardinal-rs 0.0.8) on its own indicator fixtures
(shared/ocds/cardinal-rs-fixtures/indicators/): R018 → PRC-SINGLE, R028 → COL-IDENTICAL,
R030 → PRC-LATE-WIN, R035 → PRC-ALL-DISQ, R036 → PRC-LOWEST-DISQ (docs/conformance.md).

Two layers:

1. ``test_ocds_tables_carry_what_cardinal_reads`` — each fixture is ingested; a small reading of
   Cardinal's definition over the OCDS tables (procurement/ocds_store.py: tender status,
   procurementMethodDetails, numberOfTenderers, every bid with its tenderers, awards with their
   status and suppliers, amounts with their currency) gives exactly the ocids Cardinal expects.
   This proves the store keeps everything those definitions need, and is the reference the flag
   modules follow.
2. ``test_flag_with_cardinal_settings`` — the flag itself, run with ``--settings
   settings/cardinal.toml`` (``definition = "cardinal"``: OCDS processes follow Cardinal's
   definition over the OCDS tables, audit/flags/_ocds.py), gives the same ocids.

Then the two definitions side by side: the defaults keep the catalogue (contract tables only,
OCDS tables never read), and Cardinal mode on generated CSV data computes every one of the five
flags with the catalogue's rule, beside OCDS processes that follow Cardinal's.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from audit.engine import run_audit
from procurement import store
from procurement.ingest import ingest
from procurement.ocds_store import load_ocds_frames
from procurement.ocds_wiring import wired
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "cardinal-rs-fixtures" / "indicators"
SETTINGS = ROOT / "settings" / "cardinal.toml"
FLAGS = {"R018": "PRC-SINGLE", "R028": "COL-IDENTICAL", "R030": "PRC-LATE-WIN",
         "R035": "PRC-ALL-DISQ", "R036": "PRC-LOWEST-DISQ"}
# Cardinal's tests always exclude these procurementMethodDetails and skip price comparison for
# the second (build.rs of cardinal-rs).
EXCLUDED, NO_PRICE = {"EXC"}, {"NPC"}


def _expected(ident: str) -> list[str]:
    return sorted(json.loads((FIXTURES / f"{ident}.expected").read_text(encoding="utf-8"))
                  .get("OCID", {}))


def ingest_fixtures(tmp_path_factory, idents, name: str) -> dict[str, str]:
    """Each of Cardinal's fixtures ``idents`` ingested into a store of its own → its URL."""
    need(FIXTURES.is_dir(), f"Cardinal's fixtures are missing ({FIXTURES})")
    base = tmp_path_factory.mktemp(name)
    out = {}
    with wired():
        for ident in idents:
            url = f"sqlite:///{base}/{ident}.db"
            res = ingest([str(FIXTURES / f"{ident}.jsonl")], url)
            assert res.exit_code in (0, 3), res.message
            out[ident] = url
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    yield ingest_fixtures(tmp_path_factory, FLAGS, "cardinal")
    store.dispose_engines()


# --- Cardinal's definitions, read over the OCDS tables -------------------------------------------
def _processes(o) -> pd.DataFrame:
    t = o["ocds_tenders"]
    keep = ~t["procurement_method_details"].isin(EXCLUDED) & t["status"].ne("cancelled")
    return t[keep]


def _tenderer_sets(o) -> pd.Series:
    """(ocid, bid_id) → the frozenset of the bid's tenderers (empty when none is known)."""
    bt = o["ocds_bid_tenderers"].dropna(subset=["vendor_id"])
    sets = bt.groupby(["ocid", "bid_id"])["vendor_id"].agg(frozenset)
    b = o["ocds_bids"].set_index(["ocid", "bid_id"])
    return sets.reindex(b.index).apply(lambda s: s if isinstance(s, frozenset) else frozenset())


def _winners(o) -> pd.Series:
    """ocid → the set of suppliers of its active awards."""
    a = o["ocds_awards"]
    active = a[a["status"].eq("active")][["ocid", "award_id"]]
    s = o["ocds_award_suppliers"].merge(active, on=["ocid", "award_id"]).dropna(subset=["vendor_id"])
    return s.groupby("ocid")["vendor_id"].agg(frozenset)


def r018(o) -> list[str]:
    t = _processes(o)
    t = t[t["procurement_method"].isin(["open", "selective"]) & t["number_of_tenderers"].eq(1)]
    return sorted(t["ocid"])


def r028(o) -> list[str]:
    t = _processes(o)
    t = t[~t["procurement_method_details"].isin(NO_PRICE)]
    b = o["ocds_bids"].copy()
    b["tenderers"] = _tenderer_sets(o).to_numpy()
    b = b[b["ocid"].isin(t["ocid"]) & b["amount"].notna() & b["tenderers"].map(len).gt(0)]
    out = []
    for (ocid, _, _), g in b.groupby(["ocid", "amount", "currency"]):
        if g["tenderers"].nunique() >= 2:
            out.append(ocid)
    return sorted(set(out))


def r030(o) -> list[str]:
    t = _processes(o).set_index("ocid")
    b = o["ocds_bids"].copy()
    b["tenderers"] = _tenderer_sets(o).to_numpy()
    win = _winners(o)
    out = []
    for r in b[b["status"].eq("valid") & b["ocid"].isin(t.index)].itertuples():
        end = t.at[r.ocid, "tender_period_end"]
        won = win.get(r.ocid, frozenset())
        if isinstance(end, str) and isinstance(r.date, str) and r.tenderers & won:
            if pd.Timestamp(r.date) > pd.Timestamp(end):     # instants, not strings
                out.append(r.ocid)
    return sorted(set(out))


def r035(o) -> list[str]:
    t = _processes(o)
    b = o["ocds_bids"].copy()
    b["tenderers"] = _tenderer_sets(o).to_numpy()
    a = o["ocds_awards"]
    final = a.groupby("ocid")["status"].agg(lambda s: s.isin(["active", "cancelled", "unsuccessful"]).all())
    win = _winners(o)
    out = []
    for ocid, g in b[b["ocid"].isin(t["ocid"])].groupby("ocid"):
        valid = set().union(*g.loc[g["status"].eq("valid"), "tenderers"]) if (g["status"] == "valid").any() else set()
        disq = set().union(*g.loc[g["status"].eq("disqualified"), "tenderers"]) if (g["status"] == "disqualified").any() else set()
        if len(valid) == 1 and disq - valid and final.get(ocid, False) and win.get(ocid) == frozenset(valid):
            out.append(ocid)
    return sorted(out)


def r036(o) -> list[str]:
    t = _processes(o)
    t = t[~t["procurement_method_details"].isin(NO_PRICE)]
    a = o["ocds_awards"]
    awarded = set(a.loc[a["status"].eq("active"), "ocid"])
    b = o["ocds_bids"]
    b = b[b["ocid"].isin(t["ocid"]) & b["ocid"].isin(awarded) & ~b["status"].isin(["invited", "withdrawn"])]
    out = []
    for ocid, g in b.groupby("ocid"):
        if g["amount"].isna().any():
            continue
        low = g["amount"].min()
        if g.loc[g["amount"].eq(low), "status"].eq("disqualified").any():
            out.append(ocid)
    return sorted(out)


READINGS = {"R018": r018, "R028": r028, "R030": r030, "R035": r035, "R036": r036}


@pytest.mark.parametrize("ident", list(FLAGS))
def test_ocds_tables_carry_what_cardinal_reads(stores, ident):
    o = load_ocds_frames(store.get_engine(stores[ident]))
    assert READINGS[ident](o) == _expected(ident)


def test_the_fixtures_keep_ocds_only_facts(stores):
    """What the CSV contract has no place for is kept: pending/invited bids, a bid with no
    tenderer, a consortium, award statuses, a cancelled tender, NPC/EXC, numberOfTenderers."""
    o = load_ocds_frames(store.get_engine(stores["R035"]))
    assert {"invited", "pending", "withdrawn"} <= set(o["ocds_bids"]["status"].dropna())
    assert {"cancelled", "unsuccessful", "pending"} <= set(o["ocds_awards"]["status"].dropna())
    assert "invalid" in set(o["ocds_awards"]["status_raw"].dropna())
    assert "cancelled" in set(o["ocds_tenders"]["status"].dropna())
    o = load_ocds_frames(store.get_engine(stores["R028"]))
    assert set(o["ocds_tenders"]["procurement_method_details"].dropna()) == {"NPC", "EXC"}
    n = o["ocds_bids"].set_index(["ocid", "bid_id"])["n_tenderers"]
    assert n[("missing tenderers", "#2")] == 0 and n[("shuffled tenderers", "#1")] == 2
    assert set(o["ocds_bids"]["currency"]) == {"USD", "CAD"}
    o = load_ocds_frames(store.get_engine(stores["R018"]))
    assert dict(zip(o["ocds_tenders"]["ocid"], o["ocds_tenders"]["number_of_tenderers"]))["negative"] == -1


@pytest.mark.parametrize("ident", list(FLAGS))
def test_flag_with_cardinal_settings(stores, ident):
    res = run_audit(stores[ident], settings_path=str(SETTINGS), store_run=False)
    got = sorted(f.subject_id for f in res.all_findings if f.code == FLAGS[ident])
    assert got == _expected(ident)


def test_cardinal_settings_are_valid():
    from audit.settings import load_settings
    s = load_settings(str(SETTINGS))
    assert s.flag("PRC-LATE-WIN")["late_statuses"] == []
    assert s.flag("PRC-LATE-WIN")["winning_bid_statuses"] == ["valid"]
    assert s.flag("PRC-LOWEST-DISQ")["winner_above_lowest"] is False


# --- the two definitions side by side -------------------------------------------------------------
def test_cardinal_definition_is_checked(tmp_path):
    from audit.settings import SettingsError, load_settings
    bad = tmp_path / "bad.toml"
    bad.write_text('[flags.PRC-SINGLE]\ndefinition = "cardnial"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="flags.PRC-SINGLE.definition.*catalogue, cardinal"):
        load_settings(str(bad))
    s = load_settings()
    for code in FLAGS.values():          # our defaults stay as the catalogue says
        assert s.flag(code)["definition"] == "catalogue"
        assert s.flag(code)["excluded_method_details"] == []


# What the catalogue (the default settings) makes of Cardinal's fixtures: it reads the contract
# tables only, where these fixtures have no contract (so no winner), bids only when they name
# exactly one tenderer, and prices in USD/CAD (no price_vnd): the flag is not computed for the
# table it lacks, or finds nothing — never a finding from an OCDS-only fact.
_CATALOGUE = {"R018": ["bids"], "R028": None, "R030": ["contracts"], "R035": ["contracts"],
              "R036": ["bids", "contracts"]}


@pytest.mark.parametrize("ident", list(FLAGS))
def test_default_settings_keep_the_catalogue(stores, ident):
    res = run_audit(stores[ident], store_run=False)
    code = FLAGS[ident]
    lacks = {n["code"]: n["needs"] for n in res.not_computed}.get(code)
    assert lacks == _CATALOGUE[ident]
    assert [f for f in res.all_findings if f.code == code] == []
    # The default path never reads the OCDS tables (the OCDS bench runs it on 300,000 releases).
    from audit.context import Context
    from audit.engine import compute
    from audit.frames import load_frames
    from audit.settings import load_settings
    ctx = Context(load_frames(store.get_engine(stores[ident])), load_settings())
    compute(ctx.frames, ctx.settings, codes=list(FLAGS.values()), ctx=ctx)
    assert not any(k.startswith("ocds.") for k in ctx._cache)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A store of the generator's CSV data only, and the same store with Cardinal's R035 fixture
    ingested on top (OCDS processes beside tenders entered as CSV)."""
    from procurement.synthetic import generate
    base = tmp_path_factory.mktemp("cardinal-csv")
    res = generate("small", 2025, base / "data")
    urls = {"csv": f"sqlite:///{base / 'csv.db'}", "mixed": f"sqlite:///{base / 'mixed.db'}"}
    for url in urls.values():
        assert ingest([str(res.out_dir)], url).exit_code in (0, 3)
    with wired():
        r = ingest([str(FIXTURES / "R035.jsonl")], urls["mixed"])
    assert r.exit_code in (0, 3), r.message
    yield {**urls, "dir": base}
    store.dispose_engines()


def _catalogue_twin(tmp) -> Path:
    """settings/cardinal.toml with every definition back to the catalogue's."""
    text = SETTINGS.read_text(encoding="utf-8").replace('definition = "cardinal"',
                                                        'definition = "catalogue"')
    assert 'definition = "catalogue"' in text
    out = tmp / "cardinal-as-catalogue.toml"
    out.write_text(text, encoding="utf-8")
    return out


def _by_code(res) -> dict[str, set]:
    out: dict[str, set] = {c: set() for c in FLAGS.values()}
    for f in res.all_findings:
        if f.code in out:
            out[f.code].add((f.subject_id, f.severity, f.score, f.detail_en))
    return out


def test_cardinal_mode_on_a_csv_only_store(generated):
    """No OCDS data: every one of the five flags is computed (nothing not computed), by the
    catalogue's definition with the same settings file."""
    card = run_audit(generated["csv"], settings_path=str(SETTINGS), store_run=False)
    assert not {n["code"] for n in card.not_computed} & set(FLAGS.values())
    twin = run_audit(generated["csv"], settings_path=str(_catalogue_twin(generated["dir"])),
                     store_run=False)
    assert _by_code(card) == _by_code(twin)
    assert _by_code(card)["PRC-SINGLE"], "the generator plants single bids"


def test_cardinal_mode_splits_ocds_processes_from_csv_tenders(generated):
    """OCDS processes follow Cardinal, tenders entered as CSV the catalogue, in one run."""
    ocids = set(load_ocds_frames(store.get_engine(generated["mixed"]))["ocds_tenders"]["ocid"])
    card = run_audit(generated["mixed"], settings_path=str(SETTINGS), store_run=False)
    twin = run_audit(generated["mixed"], settings_path=str(_catalogue_twin(generated["dir"])),
                     store_run=False)
    csv_only = run_audit(generated["csv"], settings_path=str(SETTINGS), store_run=False)
    got, cat, alone = _by_code(card), _by_code(twin), _by_code(csv_only)
    for code in FLAGS.values():
        assert {x for x in got[code] if x[0] not in ocids} == alone[code], code
        assert {x for x in cat[code] if x[0] not in ocids} == alone[code], code
    assert sorted(x[0] for x in got["PRC-ALL-DISQ"] if x[0] in ocids) == _expected("R035")
    # The catalogue finds no winner in these processes (awards, no contract).
    assert not any(x[0] in ocids for x in cat["PRC-ALL-DISQ"])
    f = next(f for f in card.all_findings if f.code == "PRC-ALL-DISQ" and f.subject_id == "F2")
    assert {"ocds_tenders:F2", "ocds_bids:F2/#1", "ocds_awards:F2/#1"} <= set(f.evidence)
    assert "D, E" in f.detail_vi and "Cardinal R035" in f.detail_en and f.severity == "high"


def test_texts_keep_the_currency(stores):
    res = run_audit(stores["R028"], settings_path=str(SETTINGS), store_run=False)
    (f,) = [f for f in res.all_findings if f.code == "COL-IDENTICAL"]
    assert "1 USD" in f.detail_vi and "1 USD" in f.detail_en
    assert "VND" not in f.detail_en and not re.search(r"\d đ\b", f.detail_vi)
    assert set(f.parties["vendor"]) == {"V", "D"}

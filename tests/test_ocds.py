"""The OCDS reader (procurement/ocds.py): containers, encodings, compiling, mapping, the OCDS-only
tables, unreadable files, and what goes to quarantine or to the warnings."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from procurement import ocds_store as S
from procurement import store
from procurement.ingest import ingest
from procurement.ocds import read_ocds
from procurement.ocds_wiring import wired
from procurement.readers import UnreadableInput

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ocds"
REAL = SHARED / "ocdskit-realdata"


@pytest.fixture(autouse=True)
def _hooks():
    with wired():
        yield


def _write(path: Path, objs, mode: str = "lines") -> Path:
    if mode == "lines":
        path.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n",
                        encoding="utf-8")
    elif mode == "package":
        path.write_text(json.dumps({"uri": "x", "publishedDate": "2024-01-01T00:00:00Z",
                                    "version": "1.1", "publisher": {"name": "p"},
                                    "releases": objs}, ensure_ascii=False), encoding="utf-8")
    return path


def _rows(url, table, *cols):
    t = S.TABLES[table] if table in S.TABLES else store.contract_tables[table]
    with store.get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(*[t.c[c] for c in cols]).order_by(*[t.c[c] for c in cols]))]


VN_RELEASE = {
    "ocid": "ocds-vn-1", "id": "1", "date": "2024-06-01T00:00:00Z", "tag": ["compiled"],
    "parties": [
        {"id": "SGD01", "name": "Sở GD&ĐT Hà Nội", "roles": ["buyer", "procuringEntity"]},
        {"id": "VN-MST-0100109106", "name": "Công ty A", "roles": ["tenderer", "supplier"],
         "identifier": {"scheme": "VN-MST", "id": "0100109106"}},
        {"id": "VN-MST-0101243150", "name": "Công ty B", "roles": ["tenderer"],
         "identifier": {"scheme": "VN-MST", "id": "0101243150"}},
        {"id": "GB-COH-01234567", "name": "UK Ltd", "roles": ["tenderer"],
         "identifier": {"scheme": "GB-COH", "id": "01234567"}},
        {"id": "UA-EDR-123456789012", "name": "Ukrainian LLC", "roles": ["tenderer"],
         "identifier": {"scheme": "UA-EDR", "id": "123456789012"}},
    ],
    "buyer": {"id": "SGD01"},
    "tender": {"id": "T1", "procurementMethod": "open", "status": "complete",
               "procurementMethodDetails": "NPC", "numberOfTenderers": 5,
               "value": {"amount": 100000000, "currency": "VND"},
               "tenderPeriod": {"startDate": "2024-06-01T08:00:00+07:00",
                                "endDate": "2024-06-20T10:00:00+07:00"},
               "procuringEntity": {"id": "SGD01"}},
    "bids": {"details": [
        # 03:30 UTC is 10:30 Vietnam time: after the 10:00 +07:00 deadline (an instant compare).
        {"id": "b1", "status": "valid", "date": "2024-06-20T03:30:00Z",
         "value": {"amount": 90000000, "currency": "VND"}, "tenderers": [{"id": "VN-MST-0100109106"}]},
        {"id": "b2", "status": "qualified", "value": {"amount": 95000000, "currency": "VND"},
         "tenderers": [{"id": "VN-MST-0101243150"}]},
        {"id": "b3", "status": "disqualified", "value": {"amount": 3500, "currency": "usd"},
         "tenderers": [{"id": "GB-COH-01234567"}]},
        {"id": "b4", "status": "valid", "value": {"amount": 91000000, "currency": "VND"},
         "tenderers": [{"id": "GB-COH-01234567"}, {"id": "UA-EDR-123456789012"}]},
        {"id": "b5", "status": "pending", "tenderers": [{"id": "UA-EDR-123456789012"}]},
        {"id": "b6", "status": "invited"},
        {"id": "b7", "status": "active", "tenderers": [{"id": "UA-EDR-123456789012"}]},
    ]},
    "awards": [{"id": "a1", "status": "active", "date": "2024-06-25T00:00:00+07:00",
                "value": {"amount": 90000000, "currency": "VND"},
                "suppliers": [{"id": "VN-MST-0100109106"}]}],
    "contracts": [{"id": "c1", "awardID": "a1", "dateSigned": "2024-06-28T09:00:00+07:00",
                   "value": {"amount": 90000000, "currency": "VND"},
                   "items": [{"id": "i1", "description": "Phần mềm", "quantity": 10,
                              "unit": {"name": "school", "value": {"amount": 9000000, "currency": "VND"}}}]}],
}


def test_mapping_foreign_ids_consortium_statuses_currencies(tmp_path, sqlite_url):
    """VN-MST ids are tax codes, other schemes are kept with their prefix (never bad_tax_code);
    a consortium, a pending, an invited bid and a bid with no tenderer stay in ocds_bids only;
    `qualified` maps to valid and is reported; `active` is ambiguous: quarantined as bad_enum and
    reported; a USD bid keeps its currency and no VND price."""
    f = _write(tmp_path / "r.jsonl", [VN_RELEASE])
    r = ingest([str(f)], sqlite_url)
    assert r.exit_code == 3
    assert [(q["table"], q["reason"], q["column"]) for q in r.report["quarantine"]] == [
        ("bids", "bad_enum", "status")]
    assert r.report["tables"]["bids"] == {"read": 4, "landed": 3, "quarantined": 1, "inserted": 3,
                                          "updated": 0, "unchanged": 0}
    assert _rows(sqlite_url, "bids", "vendor_id", "price_vnd", "status", "submitted_on") == [
        ("0100109106", 90000000, "valid", "2024-06-20T10:30:00+07:00"),
        ("0101243150", 95000000, "valid", None),
        ("GB-COH-01234567", None, "disqualified", None)]
    assert _rows(sqlite_url, "vendors", "vendor_id") == [
        ("0100109106",), ("0101243150",), ("GB-COH-01234567",), ("UA-EDR-123456789012",)]
    ob = {r[0]: r[1:] for r in _rows(sqlite_url, "ocds_bids", "bid_id", "status", "status_raw",
                                      "amount", "currency", "n_tenderers", "contract_vendor_id")}
    assert ob["b2"] == ("valid", "qualified", 95000000.0, "VND", 1, "0101243150")
    assert ob["b3"] == ("disqualified", "disqualified", 3500.0, "USD", 1, "GB-COH-01234567")
    assert ob["b4"] == ("valid", "valid", 91000000.0, "VND", 2, None)   # consortium: one bid
    assert ob["b5"][:2] == ("pending", "pending") and ob["b5"][-1] is None
    assert ob["b6"] == ("invited", "invited", None, None, 0, None)
    assert ob["b7"][:2] == (None, "active")
    assert _rows(sqlite_url, "ocds_bid_tenderers", "bid_id", "position", "vendor_id") == [
        ("b1", 1, "0100109106"), ("b2", 1, "0101243150"), ("b3", 1, "GB-COH-01234567"),
        ("b4", 1, "GB-COH-01234567"), ("b4", 2, "UA-EDR-123456789012"),
        ("b5", 1, "UA-EDR-123456789012"), ("b7", 1, "UA-EDR-123456789012")]
    t = _rows(sqlite_url, "ocds_tenders", "ocid", "status", "procurement_method_details",
              "number_of_tenderers", "value_amount", "value_currency", "procuring_entity_known")
    assert t == [("ocds-vn-1", "complete", "NPC", 5, 100000000.0, "VND", True)]
    assert _rows(sqlite_url, "tenders", "tender_id", "method", "estimated_value_vnd", "awarded_on",
                 "bid_deadline") == [("ocds-vn-1", "open_bidding", 100000000,
                                      __import__("datetime").date(2024, 6, 25),
                                      "2024-06-20T10:00:00+07:00")]
    assert _rows(sqlite_url, "contracts", "contract_id", "vendor_id", "value_vnd") == [
        ("ocds-vn-1/c1", "0100109106", 90000000)]
    assert _rows(sqlite_url, "contract_lines", "contract_id", "line_no", "unit", "unit_price_vnd") == [
        ("ocds-vn-1/c1", 1, "school", 9000000)]
    w = "\n".join(r.report["warnings"])
    assert "qualified → valid" in w and "usd → USD" in w and "bid.status" in w and "active" in w
    assert "consortium" in w


def test_bad_vn_tax_code_is_quarantined_foreign_12_digits_is_not_personal(tmp_path, sqlite_url):
    rel = json.loads(json.dumps(VN_RELEASE))
    rel["parties"][1]["identifier"]["id"] = "0100109107"        # wrong check digit
    rel["parties"][1]["id"] = "P1"
    rel["bids"]["details"][0]["tenderers"] = [{"id": "P1"}]
    rel["awards"][0]["suppliers"] = [{"id": "P1"}]
    f = _write(tmp_path / "r.jsonl", [rel])
    r = ingest([str(f)], sqlite_url)
    reasons = {(q["table"], q["reason"]) for q in r.report["quarantine"]}
    assert ("vendors", "bad_tax_code") in reasons and ("bids", "bad_tax_code") in reasons
    assert ("contracts", "bad_tax_code") in reasons
    from procurement.values import is_personal_tax_code
    assert not is_personal_tax_code("UA-EDR-123456789012")
    assert ("UA-EDR-123456789012",) in _rows(sqlite_url, "vendors", "vendor_id")


def test_missing_buyer_and_tenderer_are_unknown_not_broken(tmp_path, sqlite_url):
    rel = {"ocid": "X1", "bids": {"details": [{"status": "valid", "value": {"amount": 5, "currency": "USD"}}]},
           "awards": [{"status": "active"}]}
    r = ingest([str(_write(tmp_path / "x.jsonl", [rel]))], sqlite_url)
    assert r.exit_code == 0, r.report["quarantine"]
    assert _rows(sqlite_url, "tenders", "tender_id", "procuring_entity_id", "method") == [
        ("X1", "unknown:X1", "other")]
    assert _rows(sqlite_url, "authorities", "authority_id", "kind") == [("unknown:X1", "other")]
    assert _rows(sqlite_url, "ocds_tenders", "procuring_entity_known") == [(False,)]
    assert _rows(sqlite_url, "ocds_bids", "bid_id", "n_tenderers", "amount", "currency") == [
        ("#1", 0, 5.0, "USD")]
    assert _rows(sqlite_url, "bids", "tender_id") == []


def test_containers_give_the_same_rows(tmp_path, sqlite_url):
    """Release package, JSON lines, concatenated JSON, gzip, a top-level array and a record
    package all give the same contract rows."""
    rels = [VN_RELEASE, dict(VN_RELEASE, ocid="ocds-vn-2")]
    paths = {
        "package": _write(tmp_path / "p.json", rels, "package"),
        "lines": _write(tmp_path / "l.jsonl", rels),
    }
    (tmp_path / "c.json").write_text("".join(json.dumps(r) for r in rels), encoding="utf-8")
    paths["concatenated"] = tmp_path / "c.json"
    with gzip.open(tmp_path / "g.jsonl.gz", "wt", encoding="utf-8") as g:
        g.write("\n".join(json.dumps(r) for r in rels))
    paths["gzip"] = tmp_path / "g.jsonl.gz"
    (tmp_path / "a.json").write_text(json.dumps(rels), encoding="utf-8")
    paths["array"] = tmp_path / "a.json"
    (tmp_path / "rp.json").write_text(json.dumps({"version": "1.1", "records": [
        {"ocid": r["ocid"], "releases": [{"url": "http://x", "date": r["date"], "tag": ["tender"]}],
         "compiledRelease": r} for r in rels]}), encoding="utf-8")
    paths["records"] = tmp_path / "rp.json"
    got = {}
    for kind, p in paths.items():
        src = read_ocds(p)
        got[kind] = {rt.table + str(len(rt)): sorted(map(repr, zip(*rt.data.values())))
                     for rt in src.tables}
        assert sum(len(v) for v in src.extras.values()) > 0
    first = got.pop("package")
    assert first and all(v == first for v in got.values()), {k: v == first for k, v in got.items()}


def test_releases_are_compiled_by_ocid_with_the_merge_rules(tmp_path):
    """Two releases of one ocid (tender, then award with bids) compile into one tender whose
    bids merge by id; a compiled release of the same ocid in the file wins."""
    r1 = {"ocid": "M1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
          "tender": {"procurementMethod": "open", "title": "Old"},
          "bids": {"details": [{"id": "x", "status": "pending", "tenderers": [{"id": "A"}]}]}}
    r2 = {"ocid": "M1", "id": "2", "date": "2024-02-01T00:00:00Z", "tag": ["award"],
          "tender": {"title": "New"},
          "bids": {"details": [{"id": "x", "status": "valid"},
                               {"id": "y", "status": "valid", "tenderers": [{"id": "B"}]}]}}
    src = read_ocds(_write(tmp_path / "m.json", [r2, r1], "package"))
    tenders = next(rt for rt in src.tables if rt.table == "tenders")
    assert tenders.data["title"] == ["New"] and tenders.data["method"] == ["open_bidding"]
    assert [(b["bid_id"], b["status"], b["n_tenderers"])
            for b in S.as_dicts("ocds_bids", src.extras["ocds_bids"])] == [
        ("x", "valid", 1), ("y", "valid", 1)]
    assert src.meta["ocds"]["merged"] == 1
    comp = dict(r2, tag=["compiled"], tender={"title": "Compiled", "procurementMethod": "direct"})
    src = read_ocds(_write(tmp_path / "m2.json", [r1, comp, r2], "package"))
    tenders = next(rt for rt in src.tables if rt.table == "tenders")
    assert tenders.data["title"] == ["Compiled"]


def test_real_encodings_versioned_and_linked_records():
    """ISO-8859-1 and UTF-8 copies of one publication read the same; a versioned release reads as
    the latest values; a record package with linked releases uses its compiled releases."""
    latin = read_ocds(REAL / "release-package_encoding-iso-8859-1.json")
    utf8 = read_ocds(REAL / "release-package_encoding-utf-8.json")
    assert latin.meta["ocds"]["encoding"] == "iso-8859-1" and utf8.meta["ocds"]["encoding"] == "utf-8"
    assert "ISO-8859-1" in latin.warnings[0]
    names = lambda s: sorted(n for rt in s.tables if rt.table == "authorities" for n in rt.data["name"])
    assert names(latin) == names(utf8) and any("Í" in n or "Ó" in n or "É" in n for n in names(utf8))
    v = read_ocds(REAL / "versioned-release-1.json")
    c = read_ocds(REAL / "compiled-release-1.json")
    key = lambda s: next(rt for rt in s.tables if rt.table == "tenders").data
    assert key(v)["tender_id"] == key(c)["tender_id"] == ["OCDS-87SD3T-AD-SF-DRM-063-2015"]
    assert key(v)["title"] == key(c)["title"]
    linked = read_ocds(REAL / "record-package_linked-releases.json")
    assert linked.meta["ocds"]["compiled_releases"] == 2


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (b'{"releases": [{"ocid": "a", "tag": ["compiled"]}, {"ocid": ', "truncated"),
    (b"not json at all", "JSON"),
    (b'{"hello": 1}', "no OCDS"),
    (b"\x1f\x8b\x08\x00broken", "JSON"),
])
def test_unreadable_files_exit_4_with_a_message(tmp_path, sqlite_url, content, needle):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(UnreadableInput) as e:
        read_ocds(p)
    assert needle in str(e.value)
    r = ingest([str(p)], sqlite_url)
    assert r.exit_code == 4 and r.message and not r.landed
    with store.get_engine(sqlite_url).connect() as conn:
        assert conn.execute(select(store.contract_tables["tenders"])).first() is None


def test_broken_line_in_json_lines_is_reported_not_fatal(tmp_path, sqlite_url):
    p = tmp_path / "l.jsonl"
    p.write_text(json.dumps(VN_RELEASE) + "\n{broken\n" + json.dumps(dict(VN_RELEASE, ocid="z")) + "\n")
    src = read_ocds(p)
    assert [len(rt) for rt in src.tables if rt.table == "tenders"] == [2]
    assert any("line that is not valid JSON" in w and "2:" in w for w in src.warnings)


def test_second_ingest_changes_nothing_and_strict_lands_nothing(tmp_path, sqlite_url):
    f = _write(tmp_path / "r.jsonl", [VN_RELEASE])
    ingest([str(f)], sqlite_url)
    before = {t: _rows(sqlite_url, t, *[c.name for c in S.TABLES[t].columns if c.name not in
                                        ("ingest_id", "source_id")]) for t in S.TABLES}
    r = ingest([str(f)], sqlite_url)
    assert all(c["inserted"] == c["updated"] == 0 for c in r.report["tables"].values())
    after = {t: _rows(sqlite_url, t, *[c.name for c in S.TABLES[t].columns if c.name not in
                                       ("ingest_id", "source_id")]) for t in S.TABLES}
    assert before == after and before["ocds_bids"]
    other = f"sqlite:///{tmp_path}/strict.db"
    r = ingest([str(f)], other, strict=True)
    assert r.exit_code == 3 and not r.landed
    assert _rows(other, "ocds_bids", "bid_id") == [] and _rows(other, "tenders", "tender_id") == []


def test_a_changed_release_replaces_its_ocds_rows(tmp_path, sqlite_url):
    ingest([str(_write(tmp_path / "a.jsonl", [VN_RELEASE]))], sqlite_url)
    rel = json.loads(json.dumps(VN_RELEASE))
    rel["bids"]["details"] = rel["bids"]["details"][:2]
    rel["tender"]["status"] = "cancelled"
    ingest([str(_write(tmp_path / "b.jsonl", [rel]))], sqlite_url)
    assert _rows(sqlite_url, "ocds_bids", "bid_id") == [("b1",), ("b2",)]
    assert _rows(sqlite_url, "ocds_tenders", "status") == [("cancelled",)]


def test_dates_are_instants(tmp_path):
    """A bid stamped in UTC is compared with a +07:00 deadline as an instant: both are stored in
    Vietnam time, so the later instant sorts later (Cardinal R030 compares the strings)."""
    src = read_ocds(_write(tmp_path / "r.jsonl", [VN_RELEASE]))
    b = next(x for x in S.as_dicts("ocds_bids", src.extras["ocds_bids"]) if x["bid_id"] == "b1")
    t = S.as_dicts("ocds_tenders", src.extras["ocds_tenders"])[0]
    assert b["date"] == "2024-06-20T10:30:00+07:00" and t["tender_period_end"] == "2024-06-20T10:00:00+07:00"
    assert b["date"] > t["tender_period_end"] and "2024-06-20T03:30:00Z" < "2024-06-20T10:00:00+07:00"


def test_long_foreign_ids_fit_the_store(tmp_path, sqlite_url):
    rel = {"ocid": "L1", "tender": {"procurementMethod": "open"},
           "parties": [{"id": "p", "name": "Long", "identifier": {"scheme": "XX-VERYLONGSCHEME",
                                                                   "id": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}],
           "bids": {"details": [{"id": "1", "status": "valid", "tenderers": [{"id": "p"}]}]}}
    ingest([str(_write(tmp_path / "r.jsonl", [rel]))], sqlite_url)
    (vid,), = _rows(sqlite_url, "vendors", "vendor_id")
    assert len(vid) == 20 and vid.startswith("XX-VERYLONG")
    assert _rows(sqlite_url, "ocds_parties", "entity_id", "scheme", "identifier") == [
        (vid, "XX-VERYLONGSCHEME", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")]


@pytest.mark.postgres
def test_postgresql(tmp_path, pg_url):
    f = _write(tmp_path / "r.jsonl", [VN_RELEASE])
    r = ingest([str(f)], pg_url)
    assert r.exit_code == 3
    assert len(_rows(pg_url, "ocds_bids", "bid_id")) == 7
    r = ingest([str(f)], pg_url)
    assert all(c["inserted"] == c["updated"] == 0 for c in r.report["tables"].values())


def _store_rows(url) -> dict:
    """Every row of the contract and OCDS tables and of the quarantine (without run ids)."""
    out = {}
    with store.get_engine(url).connect() as conn:
        for name, t in list(store.contract_tables.items()) + list(S.TABLES.items()):
            cols = [c for c in t.columns if c.name not in ("ingest_id", "source_id", "_source_id")]
            out[name] = sorted(tuple(map(repr, r)) for r in conn.execute(select(*cols)))
        q = store.quarantine
        out["quarantine"] = sorted(tuple(map(repr, r)) for r in conn.execute(
            select(q.c.table_name, q.c.row_no, q.c.reason, q.c.reasons, q.c.raw)))
    return out


def _big_file(tmp_path) -> Path:
    """JSON lines with repeated ocids (across and within the halves) and a broken line."""
    rels = []
    for i in range(24):
        r = json.loads(json.dumps(VN_RELEASE))
        r["ocid"] = f"ocds-vn-{i}"
        r["bids"]["details"][1]["tenderers"] = [{"id": f"VN-MST-01012431{50 + i % 5}"}]
        rels.append(r)
    rels.append(dict(rels[3], id="again"))         # an ocid repeated across the halves
    rels.insert(20, dict(rels[18], id="again"))    # and within the second half
    lines = [json.dumps(r, ensure_ascii=False) for r in rels]
    lines.insert(15, "{broken")
    p = tmp_path / "big.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _in_parts(monkeypatch) -> None:
    """Read every file as a large one: chunks of 4 releases, two processes for JSON lines."""
    import procurement.ocds as O
    monkeypatch.setattr(O, "CHUNK_RELEASES", 4)
    monkeypatch.setattr(O, "SPLIT_BYTES", 0)
    # two processes whatever threads the test runner has
    monkeypatch.setattr(O, "workers", lambda size, threshold: 2)


def test_chunks_and_two_processes_give_the_same_store(tmp_path, monkeypatch):
    """A large file is mapped in chunks spooled to disk and, for JSON lines, by two processes:
    the store, the quarantine and the warnings are exactly those of the whole-file read."""
    p = _big_file(tmp_path)
    whole = f"sqlite:///{tmp_path}/whole.db"
    r1 = ingest([str(p)], whole)
    _in_parts(monkeypatch)
    src = read_ocds(p)
    assert sum(1 for rt in src.tables if hasattr(rt, "load")) > 4
    assert [s for s, _ in src.extra_streams] == ["a.extras", "b.extras"]
    src.close()
    parts = f"sqlite:///{tmp_path}/parts.db"
    r2 = ingest([str(p)], parts)
    assert r1.exit_code == r2.exit_code == 3        # the repeated ocids' rows: duplicate keys
    assert r1.report["tables"] == r2.report["tables"]
    assert r1.report["warnings"] == r2.report["warnings"]
    assert _store_rows(whole) == _store_rows(parts)
    # Again: the OCDS rows of the same ocids (and keyed rows) are replaced, nothing doubles.
    r1, r2 = ingest([str(p)], whole), ingest([str(p)], parts)
    assert r1.report["tables"] == r2.report["tables"]
    assert _store_rows(whole) == _store_rows(parts)


def test_chunks_on_postgresql(tmp_path, monkeypatch, pg_server):
    """The same on PostgreSQL (no side database there: the chunks are inserted as they come)."""
    p = _big_file(tmp_path)
    whole, parts = pg_server.new_database(), pg_server.new_database()
    r1 = ingest([str(p)], whole)
    _in_parts(monkeypatch)
    r2 = ingest([str(p)], parts)
    assert r1.report == r2.report
    assert _store_rows(whole) == _store_rows(parts)
    r1, r2 = ingest([str(p)], whole), ingest([str(p)], parts)
    assert r1.report["tables"] == r2.report["tables"]
    assert _store_rows(whole) == _store_rows(parts)
    store.dispose_engines()


def _killed(*args, **kwargs):
    """A worker killed (for memory, say): the process ends at once."""
    os._exit(9)


@pytest.mark.parametrize("which", ["_map_part", "_build_side"])
def test_a_killed_worker_costs_time_not_rows(tmp_path, monkeypatch, caplog, which):
    """The process mapping half of the file, or the one building the side database, killed:
    the file is read (or its OCDS-only rows landed) in the main process instead, with a warning
    naming HOCBA_WORKERS=1, and the store is the same."""
    import logging

    import procurement.ocds as O
    p = _big_file(tmp_path)
    whole = f"sqlite:///{tmp_path}/whole.db"
    r1 = ingest([str(p)], whole)
    _in_parts(monkeypatch)
    monkeypatch.setattr(O, which, _killed)
    parts = f"sqlite:///{tmp_path}/parts.db"
    with caplog.at_level(logging.WARNING):
        r2 = ingest([str(p)], parts)
    assert "a worker process died" in caplog.text and "HOCBA_WORKERS=1" in caplog.text
    assert r1.report["tables"] == r2.report["tables"]
    assert r1.report["warnings"] == r2.report["warnings"]
    assert _store_rows(whole) == _store_rows(parts)


def test_chunks_read_in_one_process_beside_the_side_database(tmp_path, monkeypatch):
    """A large file that cannot be split (gzip) is read in chunks by this process while a
    helper builds the side database from the spool: the spool's buffered tail is written out
    before the helper starts (the last small chunks' OCDS-only rows were lost before)."""
    p = _big_file(tmp_path)
    gz = tmp_path / "big.jsonl.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    whole = f"sqlite:///{tmp_path}/whole.db"
    r1 = ingest([str(gz)], whole)
    _in_parts(monkeypatch)
    src = read_ocds(gz)
    assert sum(1 for rt in src.tables if hasattr(rt, "load")) > 4 and src.spool is not None
    src.close()
    parts = f"sqlite:///{tmp_path}/parts.db"
    r2 = ingest([str(gz)], parts)
    assert r1.report["tables"] == r2.report["tables"]
    assert _store_rows(whole) == _store_rows(parts)
    assert len(_store_rows(parts)["ocds_tenders"]) == 24


# --- found by feeding hostile but plausible files (2026-11-30) -----------------------------------
def test_odd_values_do_not_stop_the_ingest(tmp_path, sqlite_url):
    """An identifier given as a list, numberOfTenderers beyond 64 bits, a lineNo beyond 64
    bits, a VN-MST tax code written as a number (its leading 0 lost): no crash, each value
    reported, quarantined or repaired."""
    rels = [
        {"ocid": "o-1", "tender": {"id": "t", "numberOfTenderers": 1e19},
         "parties": [{"id": "P1", "name": "Co", "roles": ["tenderer"],
                      "identifier": {"scheme": "VN-MST", "id": ["0101234565"]}}],
         "bids": {"details": [{"id": "b1", "status": "valid", "tenderers": [{"id": "P1"}]}]}},
        {"ocid": "o-2", "tender": {"id": "t"},
         "parties": [{"id": "P2", "name": "Sao Khuê", "roles": ["tenderer"],
                      "identifier": {"scheme": "VN-MST", "id": 100109106}}],
         "bids": {"details": [{"id": "b1", "status": "valid", "tenderers": [{"id": "P2"}]}]}},
    ]
    r = ingest([str(_write(tmp_path / "r.jsonl", rels))], sqlite_url)
    assert r.exit_code in (0, 3), r.message
    assert any("numberOfTenderers" in w for w in r.report["warnings"])
    assert _rows(sqlite_url, "ocds_tenders", "ocid", "number_of_tenderers") == [
        ("o-1", None), ("o-2", None)]
    assert ("o-2/0100109106",) in _rows(sqlite_url, "bids", "row_key")


def test_a_key_repeated_across_vietnamese_and_foreign_rows_is_quarantined(tmp_path, sqlite_url):
    """One company bidding twice in a process, named once by its VN-MST identifier and once by a
    bare party id equal to its tax code: the second bid is a duplicate key, and a second ingest
    changes nothing."""
    rel = {"ocid": "o-1", "buyer": {"id": "B1", "name": "Buyer"},
           "parties": [{"id": "P1", "name": "Công ty A", "roles": ["tenderer"],
                        "identifier": {"scheme": "VN-MST", "id": "0101234565"}}],
           "tender": {"id": "t1", "procurementMethod": "open"},
           "bids": {"details": [
               {"id": "b1", "status": "valid", "value": {"amount": 100, "currency": "VND"},
                "tenderers": [{"id": "P1"}]},
               {"id": "b2", "status": "valid", "value": {"amount": 999, "currency": "VND"},
                "tenderers": [{"id": "0101234565", "name": "Công ty A"}]}]}}
    f = _write(tmp_path / "r.jsonl", [rel])
    r = ingest([str(f)], sqlite_url)
    assert [q["reason"] for q in r.report["quarantine"] if q["table"] == "bids"] == ["duplicate_key"]
    assert _rows(sqlite_url, "bids", "row_key", "price_vnd") == [("o-1/0101234565", 100)]
    again = ingest([str(f)], sqlite_url)
    assert all(c["updated"] == 0 for c in again.report["tables"].values())


def test_single_objects_where_arrays_belong_and_long_fractions(tmp_path, sqlite_url):
    """awards, contracts and bids.details written as one object (XML-to-JSON converters) are
    read as arrays of one, and reported; a date-time with 7 fraction digits (.NET) is valid."""
    rel = {"ocid": "o-1", "buyer": {"id": "B1", "name": "Buyer"},
           "parties": [{"id": "P1", "name": "Công ty A", "roles": ["tenderer", "supplier"],
                        "identifier": {"scheme": "VN-MST", "id": "0101234565"}}],
           "tender": {"id": "t1", "procurementMethod": "open",
                      "tenderPeriod": {"endDate": "2024-06-01T08:00:00.0000000+07:00"}},
           "bids": {"details": {"id": "b1", "status": "valid", "tenderers": [{"id": "P1"}],
                                "value": {"amount": 100, "currency": "VND"}}},
           "awards": {"id": "a1", "status": "active", "suppliers": {"id": "P1"},
                      "value": {"amount": 100, "currency": "VND"}},
           "contracts": {"id": "c1", "awardID": "a1", "value": {"amount": 100, "currency": "VND"}}}
    r = ingest([str(_write(tmp_path / "r.jsonl", [rel]))], sqlite_url)
    assert r.exit_code == 0, r.report["quarantine"]
    assert len(_rows(sqlite_url, "bids", "row_key")) == 1
    assert _rows(sqlite_url, "contracts", "vendor_id") == [("0101234565",)]
    assert _rows(sqlite_url, "tenders", "bid_deadline") == [("2024-06-01T08:00:00+07:00",)]
    one = [w for w in r.report["warnings"] if "array of one" in w]
    assert len(one) == 4 and any("awards.suppliers" in w for w in one)


@pytest.mark.postgres
def test_long_texts_on_postgresql(tmp_path, pg_url):
    """What a publisher writes in the OCDS-only text columns has no length limit there."""
    rel = {"ocid": "o-1", "date": "Monday, 03 June 2024 10:00:00 AM (GMT+07:00) Bangkok",
           "buyer": {"id": "B1", "name": "Buyer"},
           "tender": {"id": "t1", "procurementMethod": "open",
                      "value": {"amount": 5, "currency": "Dólares americanos (USD)"}}}
    r = ingest([str(_write(tmp_path / "r.jsonl", [rel]))], pg_url)
    assert r.exit_code == 0, r.message
    assert _rows(pg_url, "ocds_tenders", "release_date", "value_currency") == [
        (rel["date"], "Dólares americanos (USD)")]


@pytest.mark.postgres
def test_an_older_postgresql_store_gets_its_varchar_widened(pg_url):
    from sqlalchemy import create_engine, inspect, text
    raw = create_engine(pg_url)
    with raw.begin() as conn:        # the OCDS table as an older version created it
        conn.execute(text('CREATE TABLE ocds_tenders (ocid TEXT PRIMARY KEY, '
                          'release_date VARCHAR(40), value_currency VARCHAR(16))'))
    raw.dispose()
    eng = store.get_engine(pg_url)
    cols = {c["name"]: c["type"] for c in inspect(eng).get_columns("ocds_tenders")}
    assert getattr(cols["release_date"], "length", None) is None
    assert getattr(cols["value_currency"], "length", None) is None
    assert "has_bid_details" in cols                 # and the missing columns were added


@pytest.mark.parametrize("mode", ["lines", "package"])
def test_a_nul_character_in_a_text_is_replaced_on_both_stores(tmp_path, db_url, mode):
    """A NUL (\\u0000) in an ocid, a title or a party's name: PostgreSQL's text cannot hold it
    (the ingest crashed there, SQLite stored it); on both stores it becomes U+FFFD, each text
    counted in one warning."""
    rel = {"ocid": "o-\x001", "tag": ["compiled"], "buyer": {"id": "B1", "name": "Bu\x00yer"},
           "parties": [{"id": "B1", "name": "Bu\x00yer", "roles": ["buyer"]}],
           "tender": {"id": "t1", "title": "Gói\x00 thầu", "procurementMethod": "open"}}
    other = {"ocid": "o-2", "tag": ["compiled"], "buyer": {"id": "B1"}, "tender": {"id": "t2"}}
    f = _write(tmp_path / ("r.jsonl" if mode == "lines" else "r.json"), [rel, other], mode)
    assert b"\\u0000" in f.read_bytes()
    r = ingest([str(f)], db_url)
    assert r.exit_code == 0, (r.message, r.report["quarantine"])
    assert _rows(db_url, "tenders", "tender_id", "title") == [("o-2", None), ("o-\ufffd1", "Gói\ufffd thầu")]
    assert _rows(db_url, "authorities", "name") == [("Bu\ufffdyer",)]
    assert _rows(db_url, "ocds_tenders", "ocid") == [("o-2",), ("o-\ufffd1",)]
    nul = [w for w in r.report["warnings"] if "NUL" in w]
    assert len(nul) == 1 and nul[0].endswith("(×4)"), nul     # the ocid, the title, two names


def test_ids_too_long_for_a_key_are_quarantined_on_both_stores(tmp_path, db_url):
    """An ocid, a buyer's party id, a bid id of 3,000 characters: beyond what PostgreSQL's
    B-tree takes (the ingest crashed there, SQLite landed them).  On both stores the contract
    rows that carry such an id are quarantined as key_too_long (their dependants as dangling
    references), no OCDS-only row keeps it, and the other releases land."""
    long_ = "x" * 3000
    party = {"id": "VN-MST-0101234565", "name": "Công ty A", "roles": ["tenderer", "supplier"],
             "identifier": {"scheme": "VN-MST", "id": "0101234565"}}
    rels = [
        {"ocid": "o-" + long_, "buyer": {"id": "B1", "name": "Buyer"}, "parties": [party],
         "tender": {"id": "t", "procurementMethod": "open"},
         "bids": {"details": [{"id": "b1", "status": "valid", "tenderers": [{"id": party["id"]}]}]},
         "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": party["id"]}]}],
         "contracts": [{"id": "c1", "awardID": "a1", "value": {"amount": 1, "currency": "VND"},
                        "items": [{"id": "i1", "quantity": 1}]}]},
        {"ocid": "o-2", "buyer": {"id": "B-" + long_, "name": "Long Buyer"},
         "tender": {"id": "t"}},
        {"ocid": "o-3", "buyer": {"id": "B1", "name": "Buyer"}, "parties": [party],
         "tender": {"id": "t"},
         "bids": {"details": [{"id": "b-" + long_, "status": "valid",
                               "tenderers": [{"id": party["id"]}]}]}},
    ]
    r = ingest([str(_write(tmp_path / "r.jsonl", rels))], db_url)
    assert r.exit_code == 3, r.message
    reasons = {(q["table"], q["reason"]) for q in r.report["quarantine"]}
    assert {("tenders", "key_too_long"), ("authorities", "key_too_long"), ("bids", "key_too_long"),
            ("contracts", "key_too_long"), ("contract_lines", "key_too_long")} <= reasons
    q = next(q for q in r.report["quarantine"] if q["table"] == "tenders")
    assert q["column"] == "tender_id" and "3002 byte" in q["reasons"][0]["text_vi"]
    assert "3002 bytes" in q["reasons"][0]["text_en"]
    assert _rows(db_url, "tenders", "tender_id") == [("o-3",)]
    assert _rows(db_url, "bids", "row_key") == [("o-3/0101234565",)]
    assert _rows(db_url, "ocds_tenders", "ocid") == [("o-2",), ("o-3",)]
    assert _rows(db_url, "ocds_bids", "ocid") == []
    assert _rows(db_url, "ocds_parties", "entity_id") == [("0101234565",), ("B1",)]
    assert any("key_too_long" in w and "(×" in w for w in r.report["warnings"])


def test_whole_numbers_beyond_32_bits_are_kept_on_both_stores(tmp_path, db_url):
    """numberOfTenderers 3,000,000,000 and an own export's lineNo of 3,000,000,001 fit the OCDS
    tables' 64-bit columns on PostgreSQL as on SQLite (PostgreSQL's integer is 32-bit)."""
    rel = {"ocid": "o-1", "tag": ["compiled"], "buyer": {"id": "B1", "name": "Buyer"},
           "hocba": {}, "parties": [{"id": "P1", "name": "Công ty A", "roles": ["supplier"],
                                     "identifier": {"scheme": "VN-MST", "id": "0101234565"}}],
           "tender": {"id": "t1", "procurementMethod": "open", "numberOfTenderers": 3_000_000_000},
           "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "P1"}]}],
           "contracts": [{"id": "c1", "awardID": "a1", "value": {"amount": 100, "currency": "VND"},
                          "items": [{"id": "i1", "lineNo": 3_000_000_001, "quantity": 1,
                                     "service": "training",
                                     "unit": {"name": "package",
                                              "value": {"amount": 100, "currency": "VND"}}}]}]}
    r = ingest([str(_write(tmp_path / "r.jsonl", [rel]))], db_url)
    assert r.exit_code == 0, (r.message, r.report["quarantine"])
    assert _rows(db_url, "ocds_tenders", "number_of_tenderers") == [(3_000_000_000,)]
    assert _rows(db_url, "ocds_contract_lines", "line_no") == [(3_000_000_001,)]
    assert _rows(db_url, "contract_lines", "line_no") == [(3_000_000_001,)]


@pytest.mark.postgres
def test_an_older_postgresql_store_gets_its_integers_widened(tmp_path, pg_url):
    from sqlalchemy import BigInteger, create_engine, inspect, text
    store.get_engine(pg_url)
    store.dispose_engines()
    raw = create_engine(pg_url)
    with raw.begin() as conn:        # the 32-bit columns of an older version
        conn.execute(text('ALTER TABLE ocds_tenders ALTER COLUMN number_of_tenderers TYPE integer, '
                          'ALTER COLUMN row_no TYPE integer'))
        conn.execute(text('ALTER TABLE ocds_bid_tenderers ALTER COLUMN position TYPE integer'))
    raw.dispose()
    eng = store.get_engine(pg_url)
    for table, col in (("ocds_tenders", "number_of_tenderers"), ("ocds_tenders", "row_no"),
                       ("ocds_bid_tenderers", "position")):
        types = {c["name"]: c["type"] for c in inspect(eng).get_columns(table)}
        assert isinstance(types[col], BigInteger), (table, col)
    rel = {"ocid": "o-1", "buyer": {"id": "B1", "name": "Buyer"},
           "tender": {"id": "t1", "numberOfTenderers": 3_000_000_000}}
    assert ingest([str(_write(tmp_path / "r.jsonl", [rel]))], pg_url).exit_code == 0
    assert _rows(pg_url, "ocds_tenders", "number_of_tenderers") == [(3_000_000_000,)]


def test_amounts_written_as_text_read_as_their_currency_writes_them(tmp_path, sqlite_url):
    """VND text as the contract's money (125.000 is a hundred and twenty-five thousand; 1,5 đồng
    and NaN are quarantined as bad_amount); a currency written VNĐ is VND; other currencies with
    English thousands commas."""
    parties = [{"id": f"P{i}", "name": n, "roles": ["tenderer"],
                "identifier": {"scheme": "VN-MST", "id": t}}
               for i, (n, t) in enumerate([("A", "0101234565"), ("B", "0101234572"),
                                           ("C", "0101234597"), ("D", "0100109106")], 1)]
    bids = [{"id": f"b{i}", "status": "valid", "tenderers": [{"id": f"P{i}"}],
             "value": {"amount": a, "currency": c}}
            for i, (a, c) in enumerate([("1,5", "VND"), ("125.000", "VND"), ("NaN", "VND"),
                                        (125000, "VNĐ")], 1)]
    rels = [{"ocid": "o-1", "buyer": {"id": "B1", "name": "Buyer"}, "parties": parties,
             "tender": {"id": "t1", "procurementMethod": "open",
                        "value": {"amount": "1.000.000", "currency": "VND"}},
             "bids": {"details": bids}},
            {"ocid": "o-2", "buyer": {"id": "B1", "name": "Buyer"},
             "tender": {"id": "t2", "value": {"amount": "1,234.50", "currency": "USD"}}}]
    r = ingest([str(_write(tmp_path / "r.jsonl", rels))], sqlite_url)
    assert r.exit_code == 3
    assert sorted(q["reason"] for q in r.report["quarantine"]) == ["bad_amount", "bad_amount"]
    assert _rows(sqlite_url, "bids", "vendor_id", "price_vnd") == [
        ("0100109106", 125000), ("0101234572", 125000)]
    assert _rows(sqlite_url, "tenders", "tender_id", "estimated_value_vnd") == [
        ("o-1", 1000000), ("o-2", None)]
    assert _rows(sqlite_url, "ocds_tenders", "ocid", "value_amount", "value_currency") == [
        ("o-1", 1000000.0, "VND"), ("o-2", 1234.5, "USD")]
    assert any("VNĐ → VND" in w for w in r.report["warnings"])


def test_json_lines_run_together_a_bom_inside_and_a_file_cut_short(tmp_path, sqlite_url):
    """`}{` on one line and a byte order mark inside the file (``cat a.jsonl b.jsonl``) are
    read, with a note; a file whose last line stops in the middle of a JSON text is cut short:
    exit 4, nothing lands."""
    a, b, c = (json.dumps(dict(VN_RELEASE, ocid=o), ensure_ascii=False) for o in "abc")
    p = tmp_path / "joined.jsonl"
    p.write_bytes((a + "\n" + b + c + "\n").encode() + b"\xef\xbb\xbf"
                  + json.dumps(dict(VN_RELEASE, ocid="d")).encode() + b"\n")
    src = read_ocds(p)
    assert [len(rt) for rt in src.tables if rt.table == "tenders"] == [4]
    assert sum("JSON texts run together" in w for w in src.warnings) == 2
    src.close()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(a + "\n" + b[: len(b) // 2], encoding="utf-8")
    r = ingest([str(cut)], sqlite_url)
    assert r.exit_code == 4 and "cut short" in r.message and "line 2" in r.message
    assert _rows(sqlite_url, "tenders", "tender_id") == []


def test_release_without_ocid_and_bare_record_of_links_are_reported(tmp_path):
    """A compiled release without an ocid says so (not "not OCDS"); a top-level record with
    only links to its releases is reported, a record with a compiled release is not."""
    p = tmp_path / "r.json"
    p.write_text("\n".join(json.dumps(o) for o in [
        {"ocid": "ocds-x-1", "compiledRelease": {"ocid": "ocds-x-1", "tag": ["compiled"],
                                                 "tender": {"id": "t1"}},
         "releases": [{"url": "http://example.org/1.json", "date": "2024-01-01T00:00:00Z"}]},
        {"ocid": "ocds-x-9", "releases": [{"url": "http://example.org/r.json",
                                           "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}]},
        {"tag": ["compiled"], "tender": {"id": "t2"}},
    ]), encoding="utf-8")
    src = read_ocds(p)
    assert [len(rt) for rt in src.tables if rt.table == "tenders"] == [1]
    linked = [w for w in src.warnings if "linked releases only" in w]
    assert len(linked) == 1 and "ocds-x-9" in linked[0]
    assert any("release without an ocid" in w for w in src.warnings)
    assert not any("not an OCDS release" in w for w in src.warnings)


def test_a_stray_byte_in_a_utf8_file_spoils_one_value_not_the_file(tmp_path, sqlite_url):
    """A UTF-8 JSON lines file with one Latin-1 byte: that line is read with U+FFFD for the
    byte, and reported; the other lines keep their Vietnamese (not read as ISO-8859-1)."""
    p = tmp_path / "stray.jsonl"
    p.write_bytes(
        json.dumps({"ocid": "o-1", "buyer": {"id": "B1", "name": "Sở Giáo dục và Đào tạo"},
                    "tender": {"id": "t1"}}, ensure_ascii=False).encode() + b"\n"
        + b'{"ocid":"o-2","buyer":{"id":"B2","name":"Caf\xe9"},"tender":{"id":"t2"}}\n')
    r = ingest([str(p)], sqlite_url)
    assert r.exit_code == 0
    assert _rows(sqlite_url, "authorities", "name") == [("Caf\ufffd",), ("Sở Giáo dục và Đào tạo",)]
    assert any("stray byte" in w and ": 2 " in w for w in r.report["warnings"])
    assert not any("ISO-8859-1" in w for w in r.report["warnings"])


def test_a_contract_of_an_award_that_is_not_there_says_so(tmp_path, sqlite_url):
    parties = [{"id": f"P{i}", "name": n, "roles": ["supplier"],
                "identifier": {"scheme": "VN-MST", "id": t}}
               for i, (n, t) in enumerate([("A", "0101234565"), ("B", "0101234572")], 1)]
    rel = {"ocid": "o-1", "buyer": {"id": "B1", "name": "Buyer"}, "parties": parties,
           "tender": {"id": "t1"},
           "awards": [{"id": "a1", "suppliers": [{"id": "P1"}]},
                      {"id": "a2", "suppliers": [{"id": "P2"}]}],
           "contracts": [{"id": "c1", "awardID": "a9"}]}
    r = ingest([str(_write(tmp_path / "r.jsonl", [rel]))], sqlite_url)
    assert any("awardID a9 matches no award" in w for w in r.report["warnings"])
    assert _rows(sqlite_url, "ocds_contracts", "contract_ocds_id", "award_id") == [("c1", "a9")]

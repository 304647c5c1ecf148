"""Ingest (data-contract.md; interfaces.md, "Ingest report" and exit codes).

Every test writes small CSV folders in ``tmp_path`` and ingests them into its own SQLite file.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from procurement import store
from procurement.contract import TABLES, VI_HEADERS
from procurement.ingest import (EXIT_OK, EXIT_QUARANTINED, EXIT_UNREADABLE, IngestResult,
                                ingest)
from procurement.reasons import REASONS
from procurement.readers import match_header
from procurement.text import fold

from tests.test_values import CONTRACT_CODES, WORKBENCH_CODES

HEAD = "0100109106"          # valid check digit
BRANCH = "0100109106-001"
OTHER = "0312687878"         # valid
UNKNOWN = "0100233488"       # valid, but in no input

BASE = {
    "schools": """school_id,name,level,province_code,commune_code,students,in_pilot
S1,Trường Tiểu học Lê Lợi,primary,01,00004,500,x
S2,Trường THCS Hoà Bình,lower_secondary,Hà Nội,00008,"1.200",có
""",
    "authorities": """authority_id,name,kind,province_code,commune_code,school_id,parent_authority_id
MOET,Bộ Giáo dục và Đào tạo,ministry,,,,
SGD01,Sở GD&ĐT Hà Nội,province_department,01,,,MOET
SCH1,Trường Tiểu học Lê Lợi,school,01,,S1,SGD01
""",
    "vendors": f"""vendor_id,name,registered_on,status,parent_vendor_id
{HEAD},Công ty TNHH Sao Khuê,05/09/2015,active,
{BRANCH},Chi nhánh Sao Khuê Huế,2016-01-02,active,{HEAD}
{OTHER},Công ty CP Phần mềm Việt,2010-01-01,active,
""",
    "officials": """official_id,full_name,authority_id,position
O1,Nguyễn Văn Hùng,SGD01,director
""",
    "tenders": """tender_id,procuring_entity_id,title,category,method,estimated_value_vnd,published_on,school_year
T1,SGD01,Phần mềm quản lý trường học,school_management_software,open_bidding,500.000.000 đ,2024-09-05,2024-2025
""",
    "bids": f"""tender_id,vendor_id,price_vnd,status
T1,{HEAD},450000000,valid
T1,{OTHER},470000000,valid
""",
    "contracts": f"""contract_id,tender_id,vendor_id,value_vnd,signed_on
C1,T1,{HEAD},450000000,2024-10-01
""",
}


# --- helpers ----------------------------------------------------------------------------------
@pytest.fixture
def db(tmp_path) -> str:
    yield f"sqlite:///{tmp_path}/t.db"
    store.dispose_engines()


def write(folder: Path, tables: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in tables.items():
        (folder / f"{name}.csv").write_text(body, encoding=encoding)
    return folder


def run(paths, db: str, **kw) -> IngestResult:
    return ingest([str(p) for p in paths], db, progress=False, **kw)


def rows(db: str, table: str) -> list[dict]:
    t = store.contract_tables[table]
    with store.get_engine(db).connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(t.c.row_key)).mappings()]


def keys(db: str, table: str) -> list[str]:
    return [r["row_key"] for r in rows(db, table)]


def dump(db: str) -> dict[str, list[tuple]]:
    """Every row of every table of the database, in a stable order."""
    eng = store.get_engine(db)
    out = {}
    with eng.connect() as conn:
        for name in sorted(inspect(eng).get_table_names()):
            out[name] = sorted(tuple(map(repr, r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
    return out


def contract_dump(db: str) -> dict[str, list[tuple]]:
    d = dump(db)
    return {name: d[name] for name in TABLES}


def quarantined(result: IngestResult) -> list[tuple]:
    return [(q["table"], q["row"], q["column"], q["reason"]) for q in result.report["quarantine"]]


def base(tmp_path: Path, db: str) -> IngestResult:
    res = run([write(tmp_path / "base", BASE)], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    return res


# --- one quarantine case per reason code ---------------------------------------------------------
# (case, table, CSV text, expected first (row, column, reason)); the base input is in the store.
QUARANTINE_CASES = [
    ("key_too_long", "schools",
     "school_id,name,level,province_code,commune_code\n" + "S" * 1001 + ",Trường,primary,01,00004\n",
     (2, "school_id", "key_too_long")),
    ("missing_required", "schools",
     "school_id,name,level,province_code,commune_code\nS9,,primary,01,00004\n",
     (2, "name", "missing_required")),
    ("missing_required: column absent", "schools",
     "school_id,name,province_code,commune_code\nS9,Trường A,01,00004\n",
     (2, "level", "missing_required")),
    ("missing_required when kind is school", "authorities",
     "authority_id,name,kind,province_code\nA9,Trường B,school,01\n",
     (2, "school_id", "missing_required")),
    ("missing_required: province except for the ministry", "authorities",
     "authority_id,name,kind,province_code\nA9,Sở GD&ĐT,province_department,\n",
     (2, "province_code", "missing_required")),
    ("bad_date", "vendors",
     f"vendor_id,name,registered_on\n{UNKNOWN},Công ty A,05/09/15\n",
     (2, "registered_on", "bad_date")),
    ("impossible_date", "vendors",
     f"vendor_id,name,registered_on\n{UNKNOWN},Công ty A,2015-02-30\n",
     (2, "registered_on", "impossible_date")),
    ("bad_amount", "tenders",
     "tender_id,procuring_entity_id,category,method,estimated_value_vnd\n"
     "T9,SGD01,training,open_bidding,100000 USD\n",
     (2, "estimated_value_vnd", "bad_amount")),
    ("negative_amount", "bids",
     f"tender_id,vendor_id,price_vnd,status\nT1,{BRANCH},-450.000.000,valid\n",
     (2, "price_vnd", "negative_amount")),
    ("bad_integer", "schools",
     "school_id,name,level,province_code,commune_code,students\nS9,Trường C,primary,01,00004,12.5\n",
     (2, "students", "bad_integer")),
    ("bad_number", "contract_lines",
     "contract_id,line_no,service,quantity,unit_price_vnd\nC1,1,training,nhiều,1000\n",
     (2, "quantity", "bad_number")),
    ("bad_number: share above 100 %", "vendor_people",
     f"vendor_id,full_name,role,share_pct\n{HEAD},Trần Thị Mai,owner,150\n",
     (2, "share_pct", "bad_number")),
    ("bad_bool", "schools",
     "school_id,name,level,province_code,commune_code,in_pilot\nS9,Trường D,primary,01,00004,maybe\n",
     (2, "in_pilot", "bad_bool")),
    ("bad_enum", "schools",
     "school_id,name,level,province_code,commune_code\nS9,Trường E,tiểu học,01,00004\n",
     (2, "level", "bad_enum")),
    ("bad_tax_code", "vendors",
     "vendor_id,name\n0100109107,Công ty sai mã\n",
     (2, "vendor_id", "bad_tax_code")),
    ("unknown_province", "schools",
     "school_id,name,level,province_code,commune_code\nS9,Trường F,primary,02,00004\n",
     (2, "province_code", "unknown_province")),
    ("commune_not_in_province", "schools",
     "school_id,name,level,province_code,commune_code\nS9,Trường G,primary,08,00004\n",
     (2, "commune_code", "commune_not_in_province")),
    ("bad_school_year", "deployments",
     f"school_id,school_year,service,vendor_id,status\nS1,2024-2026,digital_signature,{HEAD},live\n",
     (2, "school_year", "bad_school_year")),
    ("dangling_reference", "bids",
     f"tender_id,vendor_id,price_vnd,status\nT404,{HEAD},1,valid\n",
     (2, "tender_id", "dangling_reference")),
    ("dangling_reference to a vendor in no input", "contracts",
     f"contract_id,vendor_id,value_vnd\nC9,{UNKNOWN},1000\n",
     (2, "vendor_id", "dangling_reference")),
    ("duplicate_key", "schools",
     "school_id,name,level,province_code,commune_code\n"
     "S9,Trường H,primary,01,00004\nS9,Trường H (bản sao),primary,01,00004\n",
     (3, "school_id", "duplicate_key")),
    ("duplicate_key: Hoà and hòa are one person", "vendor_people",
     f"vendor_id,full_name,role,birth_date\n{HEAD},Lê Văn Hoà,director,1980-01-01\n"
     f"{HEAD},LÊ VĂN HÒA,director,01/01/1980\n",
     (3, "vendor_id", "duplicate_key")),
]


def test_the_quarantine_cases_cover_every_reason_code():
    assert {c[3][2] for c in QUARANTINE_CASES} == CONTRACT_CODES | WORKBENCH_CODES == set(REASONS)


@pytest.mark.parametrize("case,table,body,expected", QUARANTINE_CASES,
                         ids=[c[0] for c in QUARANTINE_CASES])
def test_quarantine_case(tmp_path, db, case, table, body, expected):
    base(tmp_path, db)
    before = contract_dump(db)
    res = run([write(tmp_path / "case", {table: body})], db)
    assert res.exit_code == EXIT_QUARANTINED
    row, column, reason = expected
    assert quarantined(res) == [(table, row, column, reason)]
    q = res.report["quarantine"][0]
    assert q["source"] == str(tmp_path / "case" / f"{table}.csv")
    first = q["reasons"][0]
    assert (first["column"], first["code"]) == (column, reason)
    if reason == "duplicate_key":      # names the key and the row it first appeared on
        assert "dòng 2" in first["text_vi"] and "row 2" in first["text_en"]
    else:
        assert column in first["text_vi"] and column in first["text_en"]
    assert first["text_vi"] != first["text_en"]
    n = body.count("\n") - 1
    assert res.report["tables"][table]["read"] == n
    assert res.report["tables"][table]["quarantined"] == 1
    assert res.report["tables"][table]["landed"] == n - 1
    if n == 1:
        assert contract_dump(db) == before       # nothing landed


def test_a_quarantined_row_keeps_its_source_row_raw_values_and_every_problem(tmp_path, db):
    base(tmp_path, db)
    body = "school_id,name,level,province_code,commune_code,ghi_chu\nS9,,tiểu học,01,00004,xem lại\n"
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_QUARANTINED
    with store.get_engine(db).connect() as conn:
        stored = conn.execute(select(store.quarantine)).mappings().all()
    assert len(stored) == 1
    q = stored[0]
    assert q["source"] == str(tmp_path / "in" / "schools.csv") and q["row_no"] == 2
    assert q["table_name"] == "schools" and q["column_name"] == "name"
    assert q["reason"] == "missing_required"
    assert [(r["column"], r["code"]) for r in q["reasons"]] == [
        ("name", "missing_required"), ("level", "bad_enum")]
    assert q["raw"] == {"school_id": "S9", "level": "tiểu học", "province_code": "01",
                        "commune_code": "00004", "ghi_chu": "xem lại"}


def test_fixing_the_source_and_ingesting_again_lands_the_row(tmp_path, db):
    base(tmp_path, db)
    bad = "school_id,name,level,province_code,commune_code\nS9,Trường I,tiểu học,01,00004\n"
    assert run([write(tmp_path / "bad", {"schools": bad})], db).exit_code == EXIT_QUARANTINED
    assert "S9" not in keys(db, "schools")
    good = bad.replace("tiểu học", "primary")
    res = run([write(tmp_path / "good", {"schools": good})], db)
    assert res.exit_code == EXIT_OK and res.report["tables"]["schools"]["inserted"] == 1
    assert "S9" in keys(db, "schools")


# --- order of problems ------------------------------------------------------------------------------
def test_every_problem_of_a_row_is_listed_values_then_key_then_references(tmp_path, db):
    base(tmp_path, db)
    # columns deliberately out of the contract's order: problems follow the contract's order
    bids = (f"status,price_vnd,vendor_id,tender_id\n"
            f"valid,1,{HEAD},T404\n"
            f"maybe,-5,{HEAD},T404\n")
    contracts = f"contract_id,tender_id,vendor_id,value_vnd,signed_on\nC9,T404,{UNKNOWN},1.5,2024-02-30\n"
    res = run([write(tmp_path / "in", {"bids": bids, "contracts": contracts})], db)
    assert res.exit_code == EXIT_QUARANTINED
    by_row = {(q["table"], q["row"]): q for q in res.report["quarantine"]}
    assert [(r["column"], r["code"]) for r in by_row["bids", 2]["reasons"]] == [
        ("tender_id", "dangling_reference")]
    second = by_row["bids", 3]
    assert [(r["column"], r["code"]) for r in second["reasons"]] == [
        ("price_vnd", "negative_amount"),
        ("status", "bad_enum"),
        ("tender_id", "duplicate_key"),
        ("tender_id", "dangling_reference"),
    ]
    assert (second["column"], second["reason"]) == ("price_vnd", "negative_amount")
    assert [(r["column"], r["code"]) for r in by_row["contracts", 2]["reasons"]] == [
        ("signed_on", "impossible_date"),
        ("value_vnd", "bad_amount"),
        ("tender_id", "dangling_reference"),
        ("vendor_id", "dangling_reference"),
    ]


# --- the report adds up -----------------------------------------------------------------------------
def test_the_report_adds_up(tmp_path, db):
    tables = dict(BASE)
    tables["schools"] += "S3,Trường X,primary,01,00004,abc,x\nS1,Trường Y,primary,01,00004,,\n"
    tables["bids"] += f"T1,{UNKNOWN},1,valid\n"
    res = run([write(tmp_path / "in", tables)], db)
    assert res.exit_code == EXIT_QUARANTINED
    per_table: dict[str, int] = {}
    for q in res.report["quarantine"]:
        per_table[q["table"]] = per_table.get(q["table"], 0) + 1
    for name, body in tables.items():
        c = res.report["tables"][name]
        n_rows = len(list(csv.reader(body.splitlines()))) - 1
        assert c["read"] == n_rows
        assert c["read"] == c["landed"] + c["quarantined"]
        assert c["landed"] == c["inserted"] + c["updated"] + c["unchanged"]
        assert c["quarantined"] == per_table.get(name, 0)
        assert len(rows(db, name)) == c["inserted"]
    assert res.report["tables"]["schools"]["quarantined"] == 2
    assert res.report["tables"]["bids"]["quarantined"] == 1


def test_a_second_ingest_of_the_same_input_changes_nothing(tmp_path, db):
    folder = write(tmp_path / "in", BASE)
    first = run([folder], db)
    assert first.exit_code == EXIT_OK
    before = contract_dump(db)
    second = run([folder], db)
    assert second.exit_code == EXIT_OK
    for name, c in second.report["tables"].items():
        assert c["inserted"] == c["updated"] == 0, name
        assert c["unchanged"] == c["landed"] == first.report["tables"][name]["inserted"], name
    assert contract_dump(db) == before
    assert dump(db)["history"] == []


def test_a_changed_row_replaces_the_stored_one_and_the_old_values_go_to_history(tmp_path, db):
    base(tmp_path, db)
    old = {r["school_id"]: r for r in rows(db, "schools")}
    # S1 changes, S2 is not mentioned; vendors are not in this input at all
    newer = "school_id,name,level,province_code,commune_code,students,in_pilot\n" \
            "S1,Trường Tiểu học Lê Lợi,primary,01,00004,650,không\n"
    res = run([write(tmp_path / "newer", {"schools": newer})], db)
    assert res.exit_code == EXIT_OK
    assert res.report["tables"]["schools"] == {"read": 1, "landed": 1, "quarantined": 0,
                                               "inserted": 0, "updated": 1, "unchanged": 0}
    now = {r["school_id"]: r for r in rows(db, "schools")}
    assert now["S1"]["students"] == 650 and now["S1"]["in_pilot"] is False
    assert now["S2"] == old["S2"]                               # not mentioned: kept
    assert len(rows(db, "vendors")) == 3                        # table not in the input: kept
    with store.get_engine(db).connect() as conn:
        hist = conn.execute(select(store.history)).mappings().all()
    assert len(hist) == 1
    h = hist[0]
    assert (h["table_name"], h["row_key"]) == ("schools", "S1")
    assert h["old_values"]["students"] == 500 and h["old_values"]["in_pilot"] is True
    assert h["old_values"]["name"] == "Trường Tiểu học Lê Lợi"
    assert h["old_source_id"] == old["S1"]["_source_id"]
    # the same newer input again: nothing more changes
    again = run([write(tmp_path / "newer", {"schools": newer})], db)
    assert again.report["tables"]["schools"]["unchanged"] == 1
    assert len(dump(db)["history"]) == 1


def test_same_key_with_the_other_tone_placement_updates_the_same_row(tmp_path, db):
    base(tmp_path, db)
    first = f"vendor_id,full_name,role,birth_date\n{HEAD},Lê Văn Hoà,director,1980-01-01\n"
    run([write(tmp_path / "a", {"vendor_people": first})], db)
    second = first.replace("Hoà", "Hòa")
    res = run([write(tmp_path / "b", {"vendor_people": second})], db)
    assert res.exit_code == EXIT_OK
    assert res.report["tables"]["vendor_people"]["updated"] == 1
    people = rows(db, "vendor_people")
    assert len(people) == 1
    assert people[0]["full_name"] == "Lê Văn Hòa"                  # kept as written
    assert people[0]["full_name_key"] == fold("LÊ VĂN HOÀ")
    assert people[0]["row_key"] == f"{HEAD}/director/{fold('Lê Văn Hoà')}/1980-01-01"


# --- references and cascades ----------------------------------------------------------------------
def test_references_resolve_against_the_store_from_an_earlier_ingest(tmp_path, db):
    base(tmp_path, db)
    later = {
        "contract_lines": "contract_id,line_no,school_id,service,unit,unit_price_vnd\n"
                          "C1,1,S2,school_management_software,school,12.000.000\n",
        "deployments": f"school_id,school_year,service,vendor_id,contract_id,status\n"
                       f"S2,NH 2024-2025,school_management_software,{HEAD},C1,live\n",
        "tender_committee": "tender_id,official_id,role\nT1,O1,approver\n",
    }
    res = run([write(tmp_path / "later", later)], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    assert keys(db, "deployments") == [f"S2/2024-2025/school_management_software/{HEAD}"]


def test_references_resolve_across_inputs_of_one_ingest(tmp_path, db):
    first = write(tmp_path / "a", {k: BASE[k] for k in ("schools", "authorities", "vendors")})
    second = write(tmp_path / "b", {k: BASE[k] for k in ("tenders", "bids", "contracts")})
    res = run([first, second], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    assert keys(db, "contracts") == ["C1"]


def test_quarantine_cascades_along_references(tmp_path, db):
    tables = dict(BASE)
    # the head office is quarantined: its branch, its people, its bids and its contract follow
    tables["vendors"] = tables["vendors"].replace("05/09/2015", "05/09/15")
    tables["vendor_people"] = (f"vendor_id,full_name,role\n{HEAD},Trần Thị Mai,owner\n"
                               f"{BRANCH},Lê Văn Nam,director\n{OTHER},Phạm Văn An,director\n")
    tables["bids"] += f"T1,{BRANCH},460000000,valid\n"
    tables["deployments"] = (f"school_id,school_year,service,vendor_id,contract_id,status\n"
                             f"S1,2024-2025,school_management_software,{OTHER},,live\n"
                             f"S2,2024-2025,school_management_software,{OTHER},C1,live\n")
    res = run([write(tmp_path / "in", tables)], db)
    assert res.exit_code == EXIT_QUARANTINED
    got = {(t, r): (c, reason) for t, r, c, reason in quarantined(res)}
    assert got == {
        ("vendors", 2): ("registered_on", "bad_date"),
        ("vendors", 3): ("parent_vendor_id", "dangling_reference"),     # branch of it
        ("vendor_people", 2): ("vendor_id", "dangling_reference"),
        ("vendor_people", 3): ("vendor_id", "dangling_reference"),      # branch's people
        ("bids", 2): ("vendor_id", "dangling_reference"),
        ("bids", 4): ("vendor_id", "dangling_reference"),
        ("contracts", 2): ("vendor_id", "dangling_reference"),
        ("deployments", 3): ("contract_id", "dangling_reference"),      # its contract
    }
    assert keys(db, "vendors") == [OTHER]
    assert keys(db, "vendor_people") == [f"{OTHER}/director/{fold('Phạm Văn An')}/"]
    assert keys(db, "bids") == [f"T1/{OTHER}"]
    assert keys(db, "contracts") == []
    assert keys(db, "deployments") == [f"S1/2024-2025/school_management_software/{OTHER}"]


def test_a_row_quarantined_in_this_input_does_not_resolve_even_when_stored(tmp_path, db):
    base(tmp_path, db)
    # The head office is stored; this input repeats it with a parent that exists nowhere, so it
    # is quarantined, and so are the rows that refer to it here.
    vendors = (f"vendor_id,name,parent_vendor_id\n{HEAD},Công ty TNHH Sao Khuê,{UNKNOWN}\n"
               f"{BRANCH},Chi nhánh Sao Khuê Huế,{HEAD}\n")
    bids = f"tender_id,vendor_id,price_vnd,status\nT1,{HEAD},440000000,valid\n"
    res = run([write(tmp_path / "in", {"vendors": vendors, "bids": bids})], db)
    assert sorted(quarantined(res)) == [
        ("bids", 2, "vendor_id", "dangling_reference"),
        ("vendors", 2, "parent_vendor_id", "dangling_reference"),
        ("vendors", 3, "parent_vendor_id", "dangling_reference"),
    ]
    assert {r["row_key"]: r["price_vnd"] for r in rows(db, "bids")}[f"T1/{HEAD}"] == 450000000


def test_self_references_resolve_in_any_row_order(tmp_path, db):
    vendors = (f"vendor_id,name,parent_vendor_id\n{BRANCH},Chi nhánh,{HEAD}\n"
               f"{HEAD},Công ty mẹ,\n")
    authorities = ("authority_id,name,kind,province_code,parent_authority_id\n"
                   "SGD01,Sở GD&ĐT Hà Nội,province_department,01,MOET\n"
                   "MOET,Bộ Giáo dục và Đào tạo,ministry,,\n")
    res = run([write(tmp_path / "in", {"vendors": vendors, "authorities": authorities})], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    assert keys(db, "vendors") == [HEAD, BRANCH]


# --- strict, unreadable, failure halfway --------------------------------------------------------------
def test_strict_lands_nothing_when_a_row_is_quarantined(tmp_path, db):
    base(tmp_path, db)
    before = contract_dump(db)
    tables = {"schools": BASE["schools"].replace(",500,", ",650,") +
              "S3,Trường Z,primary,01,00004,,\nS4,Trường Q,primary,99,00004,,\n"}
    res = run([write(tmp_path / "in", tables)], db, strict=True)
    assert res.exit_code == EXIT_QUARANTINED and res.landed is False
    assert quarantined(res) == [("schools", 5, "province_code", "unknown_province")]
    c = res.report["tables"]["schools"]
    assert (c["read"], c["landed"], c["quarantined"]) == (4, 3, 1)
    assert c["inserted"] == c["updated"] == c["unchanged"] == 0
    assert contract_dump(db) == before
    assert dump(db)["history"] == []
    with store.get_engine(db).connect() as conn:   # the run and its quarantine are on record
        runs = conn.execute(select(store.ingest_runs).order_by(store.ingest_runs.c.ingest_id)).mappings().all()
        assert runs[-1]["landed"] is False and runs[-1]["exit_code"] == EXIT_QUARANTINED
        assert conn.execute(select(func.count()).select_from(store.quarantine)).scalar() == 1


def test_strict_lands_everything_when_nothing_is_quarantined(tmp_path, db):
    res = run([write(tmp_path / "in", BASE)], db, strict=True)
    assert res.exit_code == EXIT_OK and res.landed
    assert len(rows(db, "schools")) == 2


def _cp1258(text_: str) -> bytes:
    """``text_`` as Windows-1258 writes Vietnamese: base letters, then a combining tone mark."""
    tones = "\u0300\u0301\u0309\u0303\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text_):
        d = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
                   + "".join(c for c in d if c in tones))
    return "".join(out).encode("cp1258")


CP1258_SCHOOLS = _cp1258("school_id,name,level,province_code,commune_code\n"
                         "S5,Trường Tiểu học Hoà Bình,primary,01,00004\n")


@pytest.mark.parametrize("kind", ["cp1258", "nul", "missing", "empty folder", "unknown file type"])
def test_an_unreadable_input_exits_4_and_lands_nothing(tmp_path, db, kind):
    base(tmp_path, db)
    before = dump(db)
    good = write(tmp_path / "good", {"schools": BASE["schools"].replace("S1,", "S7,")})
    bad = tmp_path / "bad"
    bad.mkdir()
    if kind == "cp1258":
        with pytest.raises(UnicodeDecodeError):
            CP1258_SCHOOLS.decode("utf-8")
        (bad / "schools.csv").write_bytes(CP1258_SCHOOLS)
    elif kind == "nul":
        (bad / "vendors.csv").write_bytes(b"vendor_id,name\n0100109106,A\x00B\n")
    elif kind == "missing":
        bad = tmp_path / "no such folder"
    elif kind == "unknown file type":
        bad = tmp_path / "data.parquet"
        bad.write_bytes(b"PAR1")
    res = run([good, bad], db)
    assert res.exit_code == EXIT_UNREADABLE and res.landed is False
    assert res.message and str(bad) in res.message
    assert set(res.report) == {"tables", "quarantine", "warnings", "ignored", "unknown_columns"}
    assert res.report["warnings"] == [res.message]
    assert dump(db) == before


@pytest.mark.parametrize("fail_after", [1, 4, 9])
def test_a_failure_halfway_leaves_the_database_exactly_as_it_was(tmp_path, db, fail_after):
    base(tmp_path, db)
    run([write(tmp_path / "bad", {"schools": "school_id,name,level,province_code,commune_code\n"
                                             "S9,,primary,01,00004\n"})], db)
    before = dump(db)
    assert before["history"] == [] and before["quarantine"]
    tables = dict(BASE)
    tables["schools"] = tables["schools"].replace(",500,", ",650,") + "S3,Trường M,primary,01,00004,,\n"
    tables["vendors"] += f"{UNKNOWN},Công ty mới,2020-01-01,active,\n"
    tables["bids"] += f"T1,{UNKNOWN},1,maybe\n"
    with pytest.raises(RuntimeError, match="injected"):
        run([write(tmp_path / "in", tables)], db, _fail_after_rows=fail_after)
    assert dump(db) == before
    # and the same input without the failure lands
    res = run([tmp_path / "in"], db)
    assert res.exit_code == EXIT_QUARANTINED and res.report["tables"]["schools"]["updated"] == 1


# --- reading: headers, unknown columns, ignored files, BOM, line numbers -----------------------------
def _vi_header_rows() -> list[tuple[str, str, str]]:
    path = Path(store.__file__).parent / "data" / "headers_vi.csv"
    with path.open(encoding="utf-8") as f:
        return [(r["table"], r["column"], r["header_vi"]) for r in csv.DictReader(f)]


def _no_diacritics(s: str) -> str:
    s = unicodedata.normalize("NFD", s.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in s if not unicodedata.combining(c))


def test_every_vietnamese_header_names_its_column_without_regard_to_case_diacritics_or_spacing():
    rows_ = _vi_header_rows()
    assert {(t, c) for t, c, _ in rows_} == {(t.name, c) for t in TABLES.values() for c in t.column_names}
    for table, column, vi in rows_:
        assert VI_HEADERS[table][column] == vi
        for variant in (vi, vi.upper(), vi.lower(), _no_diacritics(vi), _no_diacritics(vi).upper(),
                        vi.replace(" ", ""), "  " + vi.replace(" ", "   ") + " ",
                        unicodedata.normalize("NFD", vi), column, column.upper()):
            assert match_header(table, variant) == column, (table, variant)


def test_vietnamese_headers_are_accepted_by_ingest(tmp_path, db):
    vi = VI_HEADERS["schools"]
    header = [vi["school_id"].upper(), _no_diacritics(vi["name"]), vi["level"].replace(" ", ""),
              " " + vi["province_code"].lower() + " ", unicodedata.normalize("NFD", vi["commune_code"]),
              _no_diacritics(vi["students"]).lower(), vi["in_pilot"]]
    body = ",".join(header) + "\nS1,Trường Tiểu học Lê Lợi,primary,01,00004,500,x\n"
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_OK, res.report
    assert res.report["unknown_columns"] == {}
    (s1,) = rows(db, "schools")
    assert (s1["name"], s1["level"], s1["students"], s1["in_pilot"]) == \
        ("Trường Tiểu học Lê Lợi", "primary", 500, True)


def test_unknown_columns_are_reported_and_kept_aside(tmp_path, db):
    body = ("school_id,name,ghi_chu,level,province_code,commune_code,Người nhập\n"
            "S1,Trường A,xem lại,primary,01,00004,Lan\nS2,Trường B,,primary,01,00004,\n")
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_OK
    assert res.report["unknown_columns"] == {"schools": ["ghi_chu", "Người nhập"]}
    by_id = {r["school_id"]: r for r in rows(db, "schools")}
    assert by_id["S1"]["_extra"] == {"ghi_chu": "xem lại", "Người nhập": "Lan"}
    assert by_id["S2"]["_extra"] is None


def test_a_missing_required_column_is_a_warning_and_every_row_is_quarantined(tmp_path, db):
    body = "school_id,name,province_code,commune_code\nS1,Trường A,01,00004\nS2,Trường B,01,00004\n"
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_QUARANTINED
    assert [w for w in res.report["warnings"] if "level" in w and "schools.csv" in w]
    assert quarantined(res) == [("schools", 2, "level", "missing_required"),
                                ("schools", 3, "level", "missing_required")]


def test_a_repeated_column_uses_the_first_and_reports_the_second(tmp_path, db):
    vi_name = VI_HEADERS["schools"]["name"]
    body = (f"school_id,name,level,province_code,commune_code,{vi_name}\n"
            "S1,Trường A,primary,01,00004,Trường khác\n")
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_OK
    assert res.report["unknown_columns"] == {"schools": [vi_name]}
    assert [w for w in res.report["warnings"] if vi_name in w]
    (s1,) = rows(db, "schools")
    assert s1["name"] == "Trường A" and s1["_extra"] == {vi_name: "Trường khác"}


def test_files_that_are_not_tables_are_listed_as_ignored(tmp_path, db):
    folder = write(tmp_path / "in", {"schools": BASE["schools"], "notes": "a,b\n1,2\n"})
    (folder / "readme.txt").write_text("xin chào", encoding="utf-8")
    (folder / "schools.xlsx.bak").write_bytes(b"\x00\x01")
    res = run([folder], db)
    assert res.exit_code == EXIT_OK
    assert sorted(res.report["ignored"]) == sorted(
        str(folder / n) for n in ("notes.csv", "readme.txt", "schools.xlsx.bak"))
    assert list(res.report["tables"]) == ["schools"]


def test_a_byte_order_mark_is_accepted(tmp_path, db):
    folder = write(tmp_path / "in", {"schools": BASE["schools"]}, encoding="utf-8-sig")
    assert (folder / "schools.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    res = run([folder], db)
    assert res.exit_code == EXIT_OK, res.report
    assert res.report["unknown_columns"] == {}
    assert keys(db, "schools") == ["S1", "S2"]


def test_contract_lines_without_line_no_are_numbered_by_position(tmp_path, db):
    base(tmp_path, db)
    contracts = f"contract_id,vendor_id,value_vnd\nC2,{OTHER},1000\n"
    lines = ("contract_id,line_no,school_id,item,service,unit_price_vnd\n"
             "C1,,S1,bản quyền 12 tháng,school_management_software,100\n"
             "C2,,S1,chứng thư số 3 năm,digital_signature,200\n"
             "C1,,S2,bản quyền 12 tháng,school_management_software,300\n"
             "C1,7,S2,tập huấn,training,400\n"
             "C1,,,hỗ trợ,training,500\n")
    res = run([write(tmp_path / "in", {"contracts": contracts, "contract_lines": lines})], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    got = {r["row_key"]: (r["line_no"], r["unit_price_vnd"]) for r in rows(db, "contract_lines")}
    assert got == {"C1/1": (1, 100), "C2/1": (1, 200), "C1/2": (2, 300), "C1/7": (7, 400),
                   "C1/4": (4, 500)}


def test_contract_lines_a_position_that_repeats_a_written_line_no_is_a_duplicate(tmp_path, db):
    base(tmp_path, db)
    lines = ("contract_id,line_no,service,unit_price_vnd\n"
             "C1,2,training,100\nC1,,training,200\n")
    res = run([write(tmp_path / "in", {"contract_lines": lines})], db)
    assert quarantined(res) == [("contract_lines", 3, "contract_id", "duplicate_key")]


def test_blank_lines_are_not_rows_and_row_numbers_are_the_spreadsheets(tmp_path, db):
    body = ("school_id,name,level,province_code,commune_code\n"
            "S1,Trường A,primary,01,00004\n\n,,,,\n"
            'S2,"Trường B\nhai dòng",primary,01,00004\n'
            "S3,Trường C,bad,01,00004\n")
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.report["tables"]["schools"]["read"] == 3
    assert quarantined(res) == [("schools", 6, "level", "bad_enum")]
    assert {r["school_id"]: r["name"] for r in rows(db, "schools")}["S2"] == "Trường B\nhai dòng"


def test_hostile_text_lands_as_written(tmp_path, db):
    hostile = ["<script>alert('x')</script>", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)",
               "-2+3", "'; DROP TABLE schools; --", "Trường \"Hoà\" & <b>"]
    body = "school_id,name,level,province_code,commune_code,address\n" + "".join(
        f'H{i},"{h.replace(chr(34), chr(34) * 2)}",primary,01,00004,"{h.replace(chr(34), chr(34) * 2)}"\n'
        for i, h in enumerate(hostile))
    res = run([write(tmp_path / "in", {"schools": body})], db)
    assert res.exit_code == EXIT_OK, res.report
    got = {r["school_id"]: (r["name"], r["address"]) for r in rows(db, "schools")}
    assert got == {f"H{i}": (h, h) for i, h in enumerate(hostile)}


def test_text_is_stored_in_nfc_and_names_get_a_folded_key(tmp_path, db):
    nfd = unicodedata.normalize("NFD", "Trường THCS Hoà Bình")
    body = f"school_id,name,level,province_code,commune_code\nS1,{nfd},primary,01,00004\n"
    run([write(tmp_path / "in", {"schools": body})], db)
    (s1,) = rows(db, "schools")
    assert s1["name"] == "Trường THCS Hoà Bình" and unicodedata.is_normalized("NFC", s1["name"])
    assert s1["name_key"] == fold("TRƯỜNG THCS HÒA BÌNH")


def test_a_long_text_cell_lands(tmp_path, db):
    base(tmp_path, db)
    long_text = "Triển khai học bạ số. " * 12000           # ~260 000 characters
    body = f'directive_id,issuer_id,issued_on,title,text\n1/SGDĐT,SGD01,2024-09-05,Về học bạ số,"{long_text}"\n'
    res = run([write(tmp_path / "in", {"directives": body})], db)
    assert res.exit_code == EXIT_OK, res.report
    assert rows(db, "directives")[0]["text"] == long_text.strip()


def test_values_that_used_to_crash_are_quarantined(tmp_path, db):
    base(tmp_path, db)
    body = ("school_id,name,level,province_code,commune_code,students\n"
            "S8,Trường A,primary,01,00004,²\n"
            "S9,Trường B,primary,01,00004,99999999999999999999\n")
    tenders = ("tender_id,procuring_entity_id,category,method,estimated_value_vnd\n"
               "T8,SGD01,training,open_bidding,99999999999999999999\n"
               "T9,SGD01,training,open_bidding,1e999999999\n")
    res = run([write(tmp_path / "in", {"schools": body, "tenders": tenders})], db)
    assert quarantined(res) == [
        ("schools", 2, "students", "bad_integer"),
        ("schools", 3, "students", "bad_integer"),
        ("tenders", 2, "estimated_value_vnd", "bad_amount"),
        ("tenders", 3, "estimated_value_vnd", "bad_amount"),
    ]


# --- the command line -----------------------------------------------------------------------------------
def cli(*argv: str) -> int:
    from audit.cli import main
    try:
        return main(list(argv))
    except SystemExit as e:        # argparse ends a wrong command line with SystemExit
        return e.code


REPORT_KEYS = {"tables", "quarantine", "warnings", "ignored", "unknown_columns"}
COUNT_KEYS = {"read", "landed", "quarantined", "inserted", "updated", "unchanged"}
QUARANTINE_KEYS = {"source", "table", "row", "column", "reason", "reasons"}
REASON_KEYS = {"column", "code", "text_vi", "text_en"}


def check_report_shape(report: dict) -> None:
    assert set(report) == REPORT_KEYS
    for name, counts in report["tables"].items():
        assert name in TABLES
        assert set(counts) == COUNT_KEYS
        assert all(type(v) is int and v >= 0 for v in counts.values())
    for q in report["quarantine"]:
        assert set(q) == QUARANTINE_KEYS
        assert q["table"] in TABLES and type(q["row"]) is int and q["row"] >= 2
        assert isinstance(q["source"], str) and isinstance(q["column"], str)
        assert q["reasons"] and (q["reasons"][0]["column"], q["reasons"][0]["code"]) == \
            (q["column"], q["reason"])
        for r in q["reasons"]:
            assert set(r) == REASON_KEYS and r["code"] in CONTRACT_CODES
            assert all(isinstance(v, str) and v for k, v in r.items() if k != "column")
    assert all(isinstance(w, str) for w in report["warnings"])
    assert all(isinstance(i, str) for i in report["ignored"])
    assert all(t in TABLES and all(isinstance(c, str) for c in cols)
               for t, cols in report["unknown_columns"].items())


def test_cli_ingest_exit_0_and_the_report_file(tmp_path, db):
    folder = write(tmp_path / "in", BASE)
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "reports" / "ingest.json"
    assert cli("ingest", str(folder), "--db", db, "--report", str(out), "--quiet") == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    check_report_shape(report)
    assert report["quarantine"] == [] and report["ignored"] == [str(folder / "notes.txt")]
    assert report["tables"]["schools"] == {"read": 2, "landed": 2, "quarantined": 0,
                                           "inserted": 2, "updated": 0, "unchanged": 0}
    assert cli("ingest", str(folder), "--db", db, "--report", str(out), "--quiet") == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    assert all(c["inserted"] == c["updated"] == 0 for c in again["tables"].values())


def test_cli_ingest_exit_3_with_the_quarantine_in_the_report(tmp_path, db):
    tables = dict(BASE)
    tables["schools"] = ("school_id,name,level,province_code,commune_code,ghi_chu\n"
                         "S1,Trường A,primary,01,00004,x\nS2,,tiểu học,01,00004,y\n")
    out = tmp_path / "r.json"
    assert cli("ingest", str(write(tmp_path / "in", tables)), "--db", db, "--report", str(out),
               "--quiet") == 3
    report = json.loads(out.read_text(encoding="utf-8"))
    check_report_shape(report)
    assert report["unknown_columns"] == {"schools": ["ghi_chu"]}
    q = [x for x in report["quarantine"] if x["table"] == "schools"]
    assert q == [{
        "source": str(tmp_path / "in" / "schools.csv"), "table": "schools", "row": 3,
        "column": "name", "reason": "missing_required",
        "reasons": [
            {"column": "name", "code": "missing_required",
             "text_vi": "Thiếu giá trị bắt buộc ở cột «name».",
             "text_en": "A required value is missing in column 'name'."},
            {"column": "level", "code": "bad_enum",
             "text_vi": q[0]["reasons"][1]["text_vi"], "text_en": q[0]["reasons"][1]["text_en"]},
        ]}]
    assert "tiểu học" in q[0]["reasons"][1]["text_vi"] and "primary" in q[0]["reasons"][1]["text_en"]
    assert report["tables"]["schools"]["landed"] == 1


def test_cli_ingest_strict_exit_3_and_nothing_lands(tmp_path, db):
    tables = dict(BASE)
    tables["schools"] += "S3,Trường C,primary,99,00004,,\n"
    out = tmp_path / "r.json"
    assert cli("ingest", str(write(tmp_path / "in", tables)), "--db", db, "--strict",
               "--report", str(out), "--quiet") == 3
    check_report_shape(json.loads(out.read_text(encoding="utf-8")))
    assert all(rows(db, name) == [] for name in TABLES)


@pytest.mark.parametrize("kind", ["missing", "cp1258"])
def test_cli_ingest_exit_4_when_an_input_cannot_be_read(tmp_path, db, kind):
    if kind == "missing":
        source = tmp_path / "nowhere"
    else:
        source = tmp_path / "in"
        source.mkdir()
        (source / "schools.csv").write_bytes(CP1258_SCHOOLS)
    out = tmp_path / "r.json"
    assert cli("ingest", str(source), "--db", db, "--report", str(out), "--quiet") == 4
    report = json.loads(out.read_text(encoding="utf-8"))
    check_report_shape(report)
    assert report["tables"] == {} and len(report["warnings"]) == 1
    assert all(rows(db, name) == [] for name in TABLES)


@pytest.mark.parametrize("argv", [
    [], ["ingest"], ["frobnicate"], ["ingest", "x", "--no-such-option"],
    ["ingest", "x", "--db"], ["ingest", "x", "--db", "nosuchdialect://nowhere"],
], ids=["nothing", "no source", "unknown command", "unknown option", "--db without URL",
        "bad database URL"])
def test_cli_exit_2_for_a_wrong_command_line(tmp_path, argv):
    argv = [str(write(tmp_path / "in", {"schools": BASE["schools"]})) if a == "x" else a for a in argv]
    assert cli(*argv) == 2


# --- found by feeding hostile but plausible files (2026-11-30) -----------------------------------
def test_a_key_repeated_in_a_second_file_of_the_input_is_quarantined(tmp_path, db):
    """Two files of one table in one folder (schools.csv, Schools.csv): the later row of a key
    is quarantined as duplicate_key, not stored as an update of the first."""
    folder = write(tmp_path / "in", {"schools": BASE["schools"]})
    (folder / "Schools.csv").write_text(
        "school_id,name,level,province_code,commune_code\n"
        "S1,Trường khác,primary,01,00004\nS3,Trường Ba,primary,01,00004\n", encoding="utf-8")
    res = run([folder], db)
    assert res.exit_code == EXIT_QUARANTINED
    assert [q[3] for q in quarantined(res)] == ["duplicate_key"]
    t = res.report["tables"]["schools"]
    assert (t["read"], t["landed"], t["inserted"], t["updated"]) == (4, 3, 3, 0)
    with store.get_engine(db).connect() as conn:
        assert conn.execute(select(func.count()).select_from(store.history)).scalar() == 0
    # the first file read (by sorted name: Schools.csv) keeps S1
    assert {r["school_id"]: r["name"] for r in rows(db, "schools")}["S1"] == "Trường khác"


def test_broken_utf16_and_an_unclosed_quote_are_unreadable(tmp_path, db):
    bad16 = tmp_path / "u16"
    bad16.mkdir()
    (bad16 / "schools.csv").write_bytes(
        "school_id,name\nS1,Trường\n".encode("utf-16") + b"\x41")       # an odd last byte
    res = run([bad16], db)
    assert res.exit_code == EXIT_UNREADABLE
    assert "UTF-16" in res.message and "CSV UTF-8" in res.message
    quote = write(tmp_path / "q", {"schools": (
        "school_id,name,level,province_code,commune_code\n"
        'S1,"Trường Một,primary,01,00004\nS2,Trường Hai,primary,01,00004\n')})
    res = run([quote], db)
    assert res.exit_code == EXIT_UNREADABLE
    assert "dòng 2" in res.message and "line 2 is never closed" in res.message
    # irregular but closed quoting is still read as a spreadsheet reads it
    ok = write(tmp_path / "ok", {"schools": (
        "school_id,name,level,province_code,commune_code\n"
        'S1,"Trường "Lê" Lợi",primary,01,00004\n')})
    assert run([ok], db).exit_code == EXIT_OK


def test_numbers_with_thousands_dots_and_negative_zero(tmp_path, db):
    base(tmp_path, db)
    lines = write(tmp_path / "l", {"contract_lines": (
        "contract_id,line_no,school_id,service,quantity,unit,unit_price_vnd\n"
        "C1,1,S1,school_management_software,1.234,student,18.200\n"
        "C1,2,S1,training,\"2,5\",other,1000\n"
        "C1,3,S1,training,-0,other,1000\n")})
    res = run([lines], db)
    assert res.exit_code == EXIT_OK, res.report["quarantine"]
    got = {r["line_no"]: (r["quantity"], r["unit_price_vnd"]) for r in rows(db, "contract_lines")}
    assert got[1] == (1234.0, 18200) and got[2][0] == 2.5 and str(got[3][0]) == "0.0"
    again = run([lines], db)            # the same input again changes nothing
    assert again.report["tables"]["contract_lines"]["updated"] == 0


def test_every_cell_of_a_landed_row_is_kept(tmp_path, db):
    """Cells under an empty header cell, beyond the header, or under a repeated label are kept
    with the landed row (``_extra``) and reported.  A row that comes again with equal contract
    values is unchanged whatever its notes say (data-contract.md: "changes nothing when all are
    equal"): its kept-aside notes are refreshed, with a warning and no history; a row whose
    values change goes to history with its old notes."""
    head = "school_id,name,level,province_code,commune_code"
    v1 = write(tmp_path / "v1", {"schools": (
        f"{head},,ghi_chu,name\n"
        "S1,Trường Một,primary,01,00004,ô trống,đã xác minh,Tên khác,ô thừa\n")})
    res = run([v1], db)
    assert res.exit_code == EXIT_OK
    assert res.report["unknown_columns"]["schools"] == ["ghi_chu", "name (2)", "column_6",
                                                        "column_9"]
    assert rows(db, "schools")[0]["_extra"] == {
        "column_6": "ô trống", "ghi_chu": "đã xác minh", "name (2)": "Tên khác",
        "column_9": "ô thừa"}
    assert run([v1], db).report["tables"]["schools"]["unchanged"] == 1      # the same again
    v2 = write(tmp_path / "v2", {"schools": f"{head},ghi_chu\nS1,Trường Một,primary,01,00004,mới\n"})
    res = run([v2], db)                                                      # only the note changed
    assert res.report["tables"]["schools"] | {"read": 0} == {
        "read": 0, "landed": 1, "quarantined": 0, "inserted": 0, "updated": 0, "unchanged": 1}
    assert any("schools: 1 dòng chỉ khác ở các cột ngoài hợp đồng" in w and "no history" in w
               for w in res.report["warnings"])
    assert rows(db, "schools")[0]["_extra"] == {"ghi_chu": "mới"}
    again = run([v2], db)                                                    # the same again
    assert again.report["tables"]["schools"]["unchanged"] == 1
    assert not any("cột ngoài hợp đồng" in w for w in again.report["warnings"])
    v3 = write(tmp_path / "v3", {"schools": f"{head}\nS1,Trường Hai,primary,01,00004\n"})
    assert run([v3], db).report["tables"]["schools"]["updated"] == 1
    assert rows(db, "schools")[0]["_extra"] is None
    with store.get_engine(db).connect() as conn:
        old = [r[0] for r in conn.execute(select(store.history.c.old_values)
                                          .order_by(store.history.c.history_id))]
    assert [o.get("_extra") for o in old] == [{"ghi_chu": "mới"}]
    assert [o["name"] for o in old] == ["Trường Một"]
    # The notes gone from an input whose values are equal: the row keeps none.
    v4 = write(tmp_path / "v4", {"schools": f"{head},ghi_chu\nS1,Trường Hai,primary,01,00004,x\n"})
    assert run([v4], db).report["tables"]["schools"]["unchanged"] == 1
    assert rows(db, "schools")[0]["_extra"] == {"ghi_chu": "x"}
    res = run([v3], db)
    assert res.report["tables"]["schools"]["unchanged"] == 1
    assert rows(db, "schools")[0]["_extra"] is None


def test_an_added_unknown_column_changes_no_row(tmp_path, db):
    """The same rows with a new column of notes: every row unchanged, no history."""
    base = "school_id,name,level,province_code,commune_code\n"
    body = "".join(f"S{i},Trường {i},primary,01,00004\n" for i in range(5))
    run([write(tmp_path / "a", {"schools": base + body})], db)
    noted = base.rstrip("\n") + ",ghi_chu_noi_bo\n" + "".join(
        line + ",xem lại\n" for line in body.splitlines())
    res = run([write(tmp_path / "b", {"schools": noted})], db)
    assert res.report["tables"]["schools"]["unchanged"] == 5
    assert res.report["tables"]["schools"]["updated"] == 0
    with store.get_engine(db).connect() as conn:
        assert conn.execute(select(store.history.c.row_key)).first() is None
    assert all(r["_extra"] == {"ghi_chu_noi_bo": "xem lại"} for r in rows(db, "schools"))


def test_subfolders_and_broken_links_are_listed_as_ignored(tmp_path, db):
    only = tmp_path / "only"
    (only / "sub").mkdir(parents=True)
    res = run([only], db)
    assert res.exit_code == EXIT_UNREADABLE and "subfolder" in res.message
    folder = write(tmp_path / "in", {"schools": BASE["schools"]})
    (folder / "old").mkdir()
    (folder / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    res = run([folder], db)
    assert res.exit_code == EXIT_OK
    assert sorted(Path(p).name for p in res.report["ignored"]) == ["gone.csv", "old"]

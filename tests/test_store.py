"""The store on both back ends: schema creation is repeatable, ingest behaves the same."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from procurement import store
from procurement.ingest import ingest

SCHOOLS = """school_id,name,level,province_code,commune_code,students,in_pilot
S1,Trường Tiểu học Lê Lợi,primary,01,00070,500,x
S2,Trường THCS Hoà Bình,lower_secondary,Hà Nội,00070,"1.200",có
"""
VENDORS = """vendor_id,name,registered_on,parent_vendor_id
0100109106,Công ty TNHH Sao Khuê,05/09/2015,
0100109106-001,Chi nhánh Sao Khuê Huế,2016-01-02,0100109106
"""


def _write(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in tables.items():
        (folder / f"{name}.csv").write_text(body, encoding="utf-8")
    return folder


def test_schema_is_created_and_upgrade_is_repeatable(db_url):
    eng = store.get_engine(db_url)
    store.ensure_schema(eng)
    store.ensure_schema(eng)
    names = set(inspect(eng).get_table_names())
    assert {"schools", "vendors", "deployments", "quarantine", "history", "sources"} <= names
    cols = {c["name"] for c in inspect(eng).get_columns("vendor_people")}
    assert {"row_key", "full_name", "full_name_key", "_hash", "_extra"} <= cols


# Opens a store once the file argv[2] exists (every process started first: they open it at once).
OPEN_WHEN_TOLD = r"""
import os, sys, time
sys.path.insert(0, sys.argv[3])
from procurement import store, ingest
import audit.findings, audit.review
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
store.get_engine(sys.argv[1])
"""


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_new_store_opened_by_several_processes_at_once(kind, request, tmp_path):
    """Four processes open the same new store at the same moment, three times: each creates or
    finds the schema (PostgreSQL failed on pg_type's unique index, SQLite on "table already
    exists")."""
    for attempt in range(3):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path}/new{attempt}.db"
        else:
            url = request.getfixturevalue("pg_server").new_database()
        _at_once(OPEN_WHEN_TOLD, [[url]] * 4, tmp_path / f"go{attempt}", timeout=120)
        eng = store.get_engine(url)
        assert {"schools", "audit_runs", "reviews", "ocds_tenders"} <= set(inspect(eng).get_table_names())
        store.dispose_engines()


def test_ingest_lands_and_repeats_as_noop(db_url, tmp_path):
    src = _write(tmp_path / "in", schools=SCHOOLS, vendors=VENDORS)
    first = ingest([str(src)], db_url)
    assert first.exit_code == 0, first.report
    assert first.report["tables"]["schools"] == {"read": 2, "landed": 2, "quarantined": 0,
                                                 "inserted": 2, "updated": 0, "unchanged": 0}
    second = ingest([str(src)], db_url)
    assert second.report["tables"]["vendors"]["inserted"] == 0
    assert second.report["tables"]["vendors"]["updated"] == 0
    assert second.report["tables"]["vendors"]["unchanged"] == 2
    eng = store.get_engine(db_url)
    with eng.connect() as conn:
        row = conn.execute(select(store.contract_tables["schools"]).where(
            store.contract_tables["schools"].c.school_id == "S2")).mappings().one()
        assert row["students"] == 1200 and row["in_pilot"] is True
        assert row["name_key"] == "trươngᶠ thcs hoaᶠ binhᶠ"
        assert conn.execute(select(func.count()).select_from(store.contract_tables["vendors"])).scalar() == 2


def test_changed_row_goes_to_history(db_url, tmp_path):
    ingest([str(_write(tmp_path / "a", schools=SCHOOLS))], db_url)
    changed = SCHOOLS.replace(",500,", ",650,")
    res = ingest([str(_write(tmp_path / "b", schools=changed))], db_url)
    assert res.report["tables"]["schools"]["updated"] == 1
    assert res.report["tables"]["schools"]["unchanged"] == 1
    eng = store.get_engine(db_url)
    with eng.connect() as conn:
        hist = conn.execute(select(store.history)).mappings().all()
        assert len(hist) == 1 and hist[0]["row_key"] == "S1"
        assert hist[0]["old_values"]["students"] == 500
        now = conn.execute(select(store.contract_tables["schools"].c.students).where(
            store.contract_tables["schools"].c.row_key == "S1")).scalar()
        assert now == 650


@pytest.mark.postgres
def test_money_beyond_2_to_53_is_exact_on_postgres(pg_url, tmp_path):
    big = 2 ** 53 + 1
    body = ("tender_id,procuring_entity_id,category,method,estimated_value_vnd\n"
            f"T1,MOET,other,open_bidding,{big}\n")
    auth = "authority_id,name,kind\nMOET,Bộ Giáo dục và Đào tạo,ministry\n"
    res = ingest([str(_write(tmp_path / "in", authorities=auth, tenders=body))], pg_url)
    assert res.exit_code == 0, res.report
    eng = store.get_engine(pg_url)
    with eng.connect() as conn:
        v = conn.execute(select(store.contract_tables["tenders"].c.estimated_value_vnd)).scalar()
    assert v == big


def test_an_ingest_has_a_large_page_cache_and_gives_it_back(tmp_path):
    """procurement.store.bulk_cache: 256 MiB of SQLite page cache while a transaction lands
    rows, the usual 64 MiB on the pooled connection afterwards."""
    eng = store.get_engine(f"sqlite:///{tmp_path}/c.db")
    with eng.connect() as conn:
        with conn.begin(), store.bulk_cache(conn):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -store.BULK_CACHE_KIB
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -65536
    store.dispose_engines()


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 33, 100])
def test_sqlite_insert_in_groups_keeps_every_row_in_order(tmp_path, n):
    """store.sqlite_insert: groups of SQLITE_ROWS_PER_INSERT rows per statement and the rest
    one by one give the same table as one statement a row; OR IGNORE keeps the first of a key."""
    import sqlite3
    db = sqlite3.connect(tmp_path / "x.db")
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, a INTEGER, b TEXT, c REAL, d)")
    rows = [(f"k{i % 40:03d}", i, f"v{i}" if i % 3 else None, i / 7, b"\x00" if i % 5 == 0 else "x")
            for i in range(n)]
    store.sqlite_insert(db, 'INSERT OR IGNORE INTO "t" ("k", "a", "b", "c", "d")', rows)
    first = {}
    for r in rows:
        first.setdefault(r[0], r)
    assert db.execute("SELECT * FROM t ORDER BY k").fetchall() == sorted(first.values())
    db.execute("CREATE TABLE u (k TEXT, a INTEGER, fixed INTEGER)")
    store.sqlite_insert(db, 'INSERT INTO "u"', [(r[0], r[1]) for r in rows], "(?, ?, 7)")
    assert db.execute("SELECT * FROM u ORDER BY rowid").fetchall() == [(r[0], r[1], 7) for r in rows]


# Ingests argv[2] into argv[1] once the file argv[3] exists; prints the exit code and counts.
INGEST_WHEN_TOLD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[4])
from procurement import store
from procurement.ingest import ingest
store.get_engine(sys.argv[1])
print("ready", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.001)
r = ingest([sys.argv[2]], sys.argv[1])
print(json.dumps({"exit": r.exit_code, "tables": r.report["tables"]}))
"""


def _at_once(script: str, argvs: list[list[str]], go: Path, timeout: int) -> list[str]:
    """Run ``script`` in one fresh interpreter per ``argvs`` item (its arguments, then ``go`` and
    the project's root): once every one has printed "ready", create ``go`` so that they go on at
    the same moment; return what each printed after, each having exited 0."""
    root = str(Path(__file__).resolve().parent.parent)
    procs = [subprocess.Popen([sys.executable, "-c", script, *argv, str(go), root],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for argv in argvs]
    out = []
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.communicate()[1][-2000:]
        go.touch()
        for p in procs:
            stdout, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, err[-3000:]
            out.append(stdout)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return out


def _ingests_at_once(url: str, sources: list[Path], go: Path) -> list[dict]:
    import json
    return [json.loads(stdout.strip().splitlines()[-1])
            for stdout in _at_once(INGEST_WHEN_TOLD, [[url, str(src)] for src in sources], go,
                                   timeout=300)]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_ingests_at_once_take_turns(kind, request, tmp_path):
    """Two processes ingest into one store at once: the same input twice lands once (the other
    finds it unchanged; PostgreSQL failed with a duplicate key), and two changes of one row
    both go to history, each with the values it replaced (PostgreSQL lost one)."""
    import csv
    import shutil

    from procurement.synthetic import generate
    url = (f"sqlite:///{tmp_path}/s.db" if kind == "sqlite"
           else request.getfixturevalue("pg_server").new_database())
    base = tmp_path / "d"
    generate("small", 7, base)
    store.get_engine(url)
    first, second = _ingests_at_once(url, [base, base], tmp_path / "go1")
    assert first["exit"] == second["exit"] and first["exit"] in (0, 3)
    for name, c in first["tables"].items():
        d = second["tables"][name]
        assert sorted([c["inserted"], d["inserted"]]) == [0, c["landed"]], name
        assert c["updated"] == d["updated"] == 0, name
    rows = list(csv.DictReader((base / "schools.csv").open(encoding="utf-8")))
    school, old = rows[0]["school_id"], rows[0]["name"]
    variants = []
    for tag in ("X", "Y"):
        v = tmp_path / f"d{tag}"
        shutil.copytree(base, v)
        text_ = (base / "schools.csv").read_text(encoding="utf-8")
        (v / "schools.csv").write_text(text_.replace(f"{school},{old},", f"{school},{old} ({tag}),", 1),
                                       encoding="utf-8")
        variants.append(v)
    results = _ingests_at_once(url, variants, tmp_path / "go2")
    assert [r["tables"]["schools"]["updated"] for r in results] == [1, 1]
    eng = store.get_engine(url)
    with eng.connect() as conn:
        olds = [h[0]["name"] for h in conn.execute(
            select(store.history.c.old_values).where(store.history.c.table_name == "schools",
                                                     store.history.c.row_key == school)
            .order_by(store.history.c.history_id))]
        now = conn.execute(select(store.contract_tables["schools"].c.name)
                           .where(store.contract_tables["schools"].c.row_key == school)).scalar()
    assert olds[0] == old and len(olds) == 2
    assert {olds[1], now} == {f"{old} (X)", f"{old} (Y)"}


def test_a_key_too_long_for_the_store_is_quarantined_on_both_stores(db_url, tmp_path):
    """A school_id of 3,000 characters, a person's name that makes a vendor_people key too long:
    PostgreSQL's B-tree refuses an index entry beyond 2,704 bytes (the ingest crashed there,
    SQLite landed it); on both stores the row is quarantined as key_too_long, named on the
    column that makes it long."""
    long_id, long_name = "S" * 3000, "Nguyễn Văn " + "Ă" * 600      # 1,215 bytes of UTF-8
    schools = SCHOOLS + f"{long_id},Trường dài,primary,01,00070,10,x\n"
    people = ("vendor_id,full_name,role\n0100109106,Nguyễn Văn An,director\n"
              f"0100109106,{long_name},shareholder\n")
    deployments = ("school_id,school_year,service,vendor_id,status\n"
                   f"{long_id},2024-2025,training,0100109106,live\n")
    src = _write(tmp_path / "in", schools=schools, vendors=VENDORS,
                 vendor_people=people, deployments=deployments)
    r = ingest([str(src)], db_url)
    assert r.exit_code == 3, r.message
    got = sorted((q["table"], q["column"], q["reason"]) for q in r.report["quarantine"])
    assert got == [("deployments", "school_id", "key_too_long"),      # its key holds the id too
                   ("schools", "school_id", "key_too_long"),
                   ("vendor_people", "full_name", "key_too_long")]
    eng = store.get_engine(db_url)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(store.contract_tables["schools"])).scalar() == 2
        assert conn.execute(select(func.count()).select_from(store.contract_tables["vendor_people"])).scalar() == 1
    # Just within the limit: 1,000 bytes land.
    ok = "S" * 1000
    _write(tmp_path / "in2", schools="school_id,name,level,province_code,commune_code\n"
                                     f"{ok},Trường,primary,01,00070\n")
    assert ingest([str(tmp_path / "in2")], db_url).exit_code == 0

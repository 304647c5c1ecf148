"""findings.csv / findings.json as interfaces.md fixes them, stable ids, settings errors."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from audit.cli import main
from audit.findings import CSV_COLUMNS, Finding, finding_id, write_csv
from audit.settings import SettingsError, load_settings

AUTH = "authority_id,name,kind,province_code\nSGD01,Sở GD&ĐT Hà Nội,province_department,01\n"
VENDORS = ("vendor_id,name\n0100109106,=HYPERLINK(\"http://x\")\n0101243150,Công ty B\n"
           "0102100740,<img src=x onerror=alert(1)>\n")
TENDERS = ["tender_id,procuring_entity_id,category,method,estimated_value_vnd,school_year",
           "T1,SGD01,training,open_bidding,100000000,2024-2025",
           "T2,SGD01,training,open_bidding,200000000,2023-2024",
           "T3,SGD01,training,limited_bidding,300000000,2024-2025"]
BIDS = ["tender_id,vendor_id,price_vnd,status",
        "T1,0100109106,90000000,valid", "T1,0101243150,80000000,disqualified",
        "T2,0102100740,150000000,valid",
        "T3,0100109106,250000000,valid", "T3,0101243150,260000000,valid"]


def _folder(path: Path, shuffle_seed: int | None = None) -> Path:
    path.mkdir(parents=True)
    tenders, bids = TENDERS[:], BIDS[:]
    if shuffle_seed is not None:
        rnd = random.Random(shuffle_seed)
        body = tenders[1:]
        rnd.shuffle(body)
        tenders = tenders[:1] + body
        body = bids[1:]
        rnd.shuffle(body)
        bids = bids[:1] + body
    (path / "authorities.csv").write_text(AUTH, encoding="utf-8")
    (path / "vendors.csv").write_text(VENDORS, encoding="utf-8")
    (path / "tenders.csv").write_text("\n".join(tenders) + "\n", encoding="utf-8")
    (path / "bids.csv").write_text("\n".join(bids) + "\n", encoding="utf-8")
    return path


def _findings(tmp_path: Path, name: str, shuffle_seed=None, extra=()) -> tuple[list[dict], dict]:
    db = f"sqlite:///{tmp_path}/{name}.db"
    assert main(["ingest", str(_folder(tmp_path / name, shuffle_seed)), "--db", db, "--quiet"]) == 0
    out = tmp_path / f"{name}-out"
    assert main(["flags", "--db", db, "--out", str(out), "--as-of", "2026-01-01", *extra]) == 0
    raw = (out / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    return rows, json.loads((out / "findings.json").read_text(encoding="utf-8"))


def test_findings_csv_and_json_shape(tmp_path):
    rows, doc = _findings(tmp_path, "a")
    header = (tmp_path / "a-out" / "findings.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",") == CSV_COLUMNS
    single = {r["subject_id"]: r for r in rows if r["code"] == "PRC-SINGLE"}
    assert set(single) == {"T1", "T2"}
    assert single["T1"]["subject_type"] == "tender" and single["T1"]["province_code"] == "01"
    assert single["T1"]["review_status"] == "new"
    assert "tenders:T1" in single["T1"]["evidence"].split(" ")
    assert "bids:T1/0100109106" in single["T1"]["evidence"].split(" ")
    scores = [(-float(r["score"]), r["finding_id"]) for r in rows]
    assert scores == sorted(scores)
    assert set(doc) == {"run", "findings", "not_computed", "risk"}
    assert {"run_id", "as_of", "created_at", "code_version", "settings", "inputs"} <= set(doc["run"])
    assert doc["run"]["as_of"] == "2026-01-01"
    assert doc["run"]["inputs"][0]["sha256"]
    assert set(doc["risk"]) == {"vendor_group", "procuring_entity", "official", "province"}
    assert isinstance(doc["findings"][0]["evidence"], list)
    needs = {n["code"]: n["needs"] for n in doc["not_computed"]}
    assert "deployments" in needs.get("DEP-PARENTFEE", ["deployments"])


def test_finding_ids_are_stable_across_row_order_and_databases(tmp_path):
    a, _ = _findings(tmp_path, "a")
    b, _ = _findings(tmp_path, "b", shuffle_seed=4)
    assert {(r["finding_id"], r["code"], r["subject_id"]) for r in a} == \
           {(r["finding_id"], r["code"], r["subject_id"]) for r in b}
    assert finding_id("PRC-SINGLE", "tender", "T1") == [r["finding_id"] for r in a
                                                         if r["code"] == "PRC-SINGLE" and r["subject_id"] == "T1"][0]


def test_selection_by_school_year_and_province(tmp_path):
    rows, _ = _findings(tmp_path, "a", extra=("--school-year", "NH 2024-2025", "--province", "Hà Nội"))
    single = {r["subject_id"] for r in rows if r["code"] == "PRC-SINGLE"}
    assert single == {"T1"}


def test_bad_selection_is_a_usage_error(tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    assert main(["flags", "--db", db, "--out", str(tmp_path / "o"), "--province", "Atlantis"]) == 2
    assert main(["flags", "--db", db, "--out", str(tmp_path / "o"), "--school-year", "2024-2026"]) == 2


def test_formula_cells_are_neutralised(tmp_path):
    f = Finding(finding_id("X-Y", "tender", "=1+1"), "PRC-SINGLE", "tender", "=1+1", "01", None,
                "low", 10.0, "t", "t", "-2+3", "@SUM(A1)", ["tenders:=1+1"], "basis")
    write_csv([f], tmp_path / "f.csv")
    row = next(csv.DictReader((tmp_path / "f.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert row["subject_id"] == "'=1+1"
    assert row["detail_vi"] == "'-2+3" and row["detail_en"] == "'@SUM(A1)"


def test_settings_unknown_key_and_wrong_type(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[flags.CON-HHI]\nthreshhold = 1500\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="threshhold"):
        load_settings(bad)
    bad.write_text('[flags.CON-HHI]\nthreshold = "high"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="threshold"):
        load_settings(bad)
    good = tmp_path / "good.toml"
    good.write_text('as_of = "2025-06-30"\n[flags.CON-HHI]\nthreshold = 1500\n', encoding="utf-8")
    s = load_settings(good)
    assert s.flag("CON-HHI")["threshold"] == 1500 and str(s.as_of) == "2025-06-30"
    assert main(["flags", "--db", f"sqlite:///{tmp_path}/x.db", "--out", str(tmp_path / "o"),
                 "--settings", str(bad)]) == 2


def test_settings_dates_may_be_toml_dates(tmp_path):
    """flags.md: as_of is a date; docs/flags/GOV-OVERDUE.md writes ``as_of = 2025-06-01``.  A
    TOML date and a quoted text are the same setting; a TOML date-time or time is refused."""
    import datetime as dt
    f = tmp_path / "s.toml"

    def load(text):
        f.write_text(text, encoding="utf-8")
        return load_settings(f)

    for text in ("as_of = 2025-06-01\n", 'as_of = "2025-06-01"\n'):
        s = load(text)
        assert s.as_of == dt.date(2025, 6, 1) and s.raw["as_of"] == "2025-06-01"
    s = load("[flags.PRC-SHORT]\nshopping_change_date = 2025-09-01\n")
    assert s.flag("PRC-SHORT")["shopping_change_date"] == "2025-09-01"
    s = load("[[direct_award_limits]]\nfrom = 2024-01-01\nto = \"\"\npurchase_estimate = 1\n"
             "consulting = 2\ngoods = 3\n")
    assert s.limits[0].start == dt.date(2024, 1, 1) and s.limits[0].end is None
    assert s.raw["direct_award_limits"][0]["from"] == "2024-01-01"
    for bad, key in [("as_of = 2025-06-01T08:00:00\n", "as_of"),
                     ("as_of = 2025-06-01T08:00:00+07:00\n", "as_of"),
                     ("as_of = 08:00:00\n", "as_of"),
                     ("[flags.PRC-SHORT]\nshopping_change_date = 2025-08-04T00:00:00\n",
                      "shopping_change_date"),
                     ('[flags.PRC-SHORT]\nshopping_change_date = "soon"\n', "shopping_change_date"),
                     ("[[direct_award_limits]]\nfrom = 2024-01-01T00:00:00\nto = \"\"\n"
                      "purchase_estimate = 1\nconsulting = 2\ngoods = 3\n",
                      r"direct_award_limits\[0\]\.from")]:
        with pytest.raises(SettingsError, match=key) as e:
            load(bad)
        assert "ngày" in str(e.value) and "date" in str(e.value)
    # The command: a TOML date in the settings file is the run's as_of.
    good = tmp_path / "d.toml"
    good.write_text("as_of = 2025-06-01\n", encoding="utf-8")
    _, doc = _findings(tmp_path, "d", extra=("--settings", str(good)))
    assert doc["run"]["as_of"] == "2026-01-01"          # --as-of wins over the file
    db = f"sqlite:///{tmp_path}/d.db"
    assert main(["flags", "--db", db, "--out", str(tmp_path / "o"), "--settings", str(good)]) == 0
    doc = json.loads((tmp_path / "o" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["as_of"] == doc["run"]["settings"]["as_of"] == "2025-06-01"


def test_findings_json_text_is_the_standard_librarys():
    """write_json writes what ``json.dumps(..., ensure_ascii=False, indent=1, default=str)``
    writes, for every kind of value a run holds (and a few it might)."""
    import datetime as dt
    import math

    from audit.findings import dumps_indent1

    rng = random.Random(4)
    leaves = ["a", "é\"\\\n\u2028<b>", "", 0, -5, 2.5, 1e20, 0.1, math.nan, math.inf, -math.inf,
              True, False, None, dt.date(2026, 11, 29), (1, "b"), [], {}, ["x", "y"]]

    def value(depth=0):
        r = rng.random()
        if depth > 3 or r < 0.5:
            return rng.choice(leaves)
        if r < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {(rng.choice(["k", "ü", 1, 2.5, True, None]) if rng.random() < 0.3 else f"k{i}"):
                value(depth + 1) for i in range(rng.randint(0, 4))}

    for _ in range(3000):
        v = value()
        assert dumps_indent1(v) == json.dumps(v, ensure_ascii=False, indent=1, default=str)
    f = Finding("X-1", "X", "tender", "T1", "01", "2024-2025", "high", 75.0, "t", "t", "d", "d",
                ["tenders:T1", "bids:T1/V"], "law", parties={"vendor": ["V"]})
    d = f.as_dict()
    assert d["evidence"] == f.evidence and d["evidence"] is not f.evidence
    assert d["parties"] == f.parties and d["parties"]["vendor"] is not f.parties["vendor"]


def test_stored_findings_rows_are_sqlalchemys_on_sqlite(tmp_path):
    """store_run's driver path on SQLite stores exactly what SQLAlchemy's insert would."""
    from sqlalchemy import create_engine, select

    from audit import findings as F
    from procurement.store import metadata
    fs = [Finding(finding_id=f"X-{i}", code="PRC-SPLIT", subject_type="tender",
                  subject_id=f"T{i}", province_code=None if i % 2 else "01",
                  school_year="2024-2025", severity="high", score=70.5 + i, title_vi="Tiêu đề",
                  title_en="Title", detail_vi="Chi tiết <b>", detail_en="Detail",
                  evidence=[f"tenders:T{i}", "bids:T1|V"], legal_basis="Luật Đấu thầu",
                  family="PRC", parties={"vendor": ["0100109106"], "note": {"á": 1}})
          for i in range(3)]
    run = {"run_id": "20260101T000000Z-abcdef", "as_of": "2026-01-01",
           "created_at": "2026-01-01T00:00:00+00:00", "code_version": "x", "settings": {},
           "inputs": [], "params": {}}
    got = []
    for via_driver in (True, False):
        eng = create_engine(f"sqlite:///{tmp_path}/{via_driver}.db")
        metadata.create_all(eng)
        with eng.begin() as conn:
            if via_driver:
                F.store_run(conn, dict(run), fs, [], {})
            else:
                rows = []
                for x in fs:
                    d = x.as_dict()
                    d.pop("review_status")
                    rows.append(d | {"run_id": run["run_id"]})
                conn.execute(F.stored_findings.insert(), rows)
        with eng.connect() as conn:
            got.append(conn.exec_driver_sql("SELECT * FROM findings ORDER BY finding_id").all())
            if via_driver:
                assert F.load_run_findings(conn, run["run_id"]) == fs
    assert got[0] == got[1] and len(got[0]) == 3


def test_ingest_report_path_errors(tmp_path):
    """--report naming a folder is a usage error before anything lands; one that cannot be
    written says so, and whether the data landed."""
    folder = _folder(tmp_path / "in")
    db = f"sqlite:///{tmp_path}/r.db"
    assert main(["ingest", str(folder), "--db", db, "--report", str(tmp_path), "--quiet"]) == 2
    assert not (tmp_path / "r.db").exists()            # checked before the store was opened
    (tmp_path / "afile").write_text("x")
    assert main(["ingest", str(folder), "--db", db, "--report",
                 str(tmp_path / "afile" / "r.json"), "--quiet"]) == 1


def test_evidence_cell_splits_back_into_its_references():
    """A key with a space (a person's name) or a % is percent-encoded inside its reference."""
    from urllib.parse import unquote

    from audit.findings import evidence_cell
    refs = ["tenders:T1", "vendor_people:0100109106/founding_member/ĐẶNG QUỐC KHOẺ/1976-08-25",
            "directives:12/50% giảm", "bids:T1/0100109106"]
    cell = evidence_cell(refs)
    assert "ĐẶNG%20QUỐC%20KHOẺ" in cell and "50%25%20giảm" in cell
    assert [unquote(r) for r in cell.split(" ")] == refs
    assert evidence_cell(["tenders:T1", "bids:T1/0100109106"]) == "tenders:T1 bids:T1/0100109106"


def test_command_line_errors_are_vietnamese_first(tmp_path, capsys):
    """argparse's own messages come in Vietnamese, then in English (exit 2)."""
    import pytest
    for argv, vi in ((["flags", "--db", "x"], "thiếu tham số bắt buộc: --out"),
                     (["report", "--lang", "fr", "--out", "y"], "giá trị 'fr' không hợp lệ"),
                     (["run", "--jobs", "abc", "--out", "x"], "giá trị 'abc' không hợp lệ"),
                     (["flags", "--db", "x", "--out", "y", "--bogus"], "tham số không nhận ra")):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert vi in err and "command-line error" in err
        assert err.index(vi) < err.index("command-line error")


def test_unusable_paths_are_messages_not_tracebacks(tmp_path, capsys):
    folder = _folder(tmp_path / "in")
    db = f"sqlite:///{tmp_path}/p.db"
    assert main(["ingest", str(folder), "--db", db, "--quiet"]) == 0
    (tmp_path / "afile").write_text("x")
    assert main(["flags", "--db", db, "--out", str(tmp_path / "afile")]) == 1
    assert "cannot read or write" in capsys.readouterr().err
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'as_of = "2024-06-01" # \xe0\xff\n')
    for settings in (bad, tmp_path):
        assert main(["flags", "--db", db, "--out", str(tmp_path / "o"),
                     "--settings", str(settings)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "cannot read the settings file" in err



def test_a_mistyped_db_is_said_not_created(tmp_path, capsys):
    """A command that reads a store, given a SQLite file that is not there, exits 2 and makes
    nothing (ingest creates its store)."""
    db = tmp_path / "typo" / "x.db"
    for argv in (["flags", "--out", str(tmp_path / "o")], ["map", "--out", str(tmp_path / "m.html")],
                 ["export-ocds", "--out", str(tmp_path / "e.json")]):
        assert main([*argv, "--db", f"sqlite:///{db}"]) == 2
        assert "no database at" in capsys.readouterr().err
    assert not db.parent.exists()


def test_a_file_that_is_not_a_database_is_said(tmp_path, capsys):
    """--db naming a file that is not SQLite: exit 2 with a message, the file untouched."""
    bad = tmp_path / "notes.db"
    bad.write_text("ghi chú, không phải cơ sở dữ liệu\n", encoding="utf-8")
    before = bad.read_bytes()
    for argv in (["flags", "--out", str(tmp_path / "o")], ["review", "--verify"],
                 ["ingest", str(_folder(tmp_path / "in"))]):
        assert main([*argv, "--db", f"sqlite:///{bad}"]) == 2
        err = capsys.readouterr().err
        assert "không phải là cơ sở dữ liệu SQLite" in err and "is not a SQLite database" in err
    assert bad.read_bytes() == before


def test_flags_stores_no_run_when_its_files_cannot_be_written(tmp_path, capsys):
    """A findings.csv (or .json) that is a folder is found before anything is computed: exit
    1 naming it, and no run stored (it would become 'latest' with no files)."""
    db = f"sqlite:///{tmp_path}/a.db"
    assert main(["ingest", str(_folder(tmp_path / "a")), "--db", db, "--quiet"]) == 0
    from audit.diff import list_runs
    from procurement import store
    for name in ("findings.csv", "findings.json"):
        out = tmp_path / f"out-{name}"
        (out / name).mkdir(parents=True)
        assert main(["flags", "--db", db, "--out", str(out)]) == 1
        assert name in capsys.readouterr().err
    assert list_runs(store.get_engine(db)) == []
    assert main(["flags", "--db", db, "--out", str(tmp_path / "ok")]) == 0
    assert len(list_runs(store.get_engine(db))) == 1


def test_an_empty_selection_option_is_a_usage_error(tmp_path, capsys):
    """--province "" does not quietly mean every province."""
    db = f"sqlite:///{tmp_path}/a.db"
    assert main(["ingest", str(_folder(tmp_path / "a")), "--db", db, "--quiet"]) == 0
    for opt in ("--province", "--school-year"):
        assert main(["flags", "--db", db, "--out", str(tmp_path / "o"), opt, " "]) == 2
        assert f"{opt} trống" in capsys.readouterr().err


def test_two_runs_in_a_row_keep_their_order(tmp_path):
    """The second of two runs made within one second is 'latest' (created_at is stored to the
    microsecond)."""
    db = f"sqlite:///{tmp_path}/a.db"
    assert main(["ingest", str(_folder(tmp_path / "a")), "--db", db, "--quiet"]) == 0
    ids = []
    for i in range(3):
        from audit.engine import run_audit
        ids.append(run_audit(db, province="01" if i % 2 else None).run["run_id"])
    from audit.diff import resolve_run
    from procurement import store
    eng = store.get_engine(db)
    assert resolve_run(eng, "latest") == ids[-1] and resolve_run(eng, "previous") == ids[-2]


@pytest.mark.parametrize("command", ["", "demo", "generate", "ingest", "flags", "template", "map",
                                     "report", "run", "review", "diff", "export-ocds", "serve"])
def test_help_is_vietnamese_first(command, capsys):
    """Every help page: a description and every option's help in Vietnamese, then English."""
    import re
    with pytest.raises(SystemExit) as e:
        main([command, "--help"] if command else ["--help"])
    assert e.value.code == 0
    page = capsys.readouterr().out
    assert page.startswith("cách dùng / usage:")
    assert "tùy chọn / options" in page
    # each option's help: the text after the option up to the next option, joined
    blocks = re.split(r"\n  (?=-|\{|[a-z_]+ )", page.split("tùy chọn / options:", 1)[1])
    vietnamese = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                            re.IGNORECASE)
    for block in blocks:
        text = " ".join(block.split())
        if not text:
            continue
        assert " / " in text and vietnamese.search(text.split(" / ")[0]), text
    if command:
        description = page.split("\n\n")[1]
        assert vietnamese.search(description.split(" / ")[0]), description


def test_two_flags_runs_at_once_get_distinct_run_ids(db_url):
    """Two audits stored at once with the same parameters in the same second: the later one
    gets the documented suffix instead of a duplicate key (PostgreSQL) or a failed upgrade of a
    read transaction (SQLite)."""
    import threading

    from sqlalchemy import create_engine, func, select

    from audit import findings as F
    from procurement import store
    store.get_engine(db_url)                      # the schema, once
    run = {"run_id": "20260101T000000Z-abcdef", "as_of": "2026-01-01",
           "created_at": "2026-01-01T00:00:00+00:00", "code_version": "x", "settings": {},
           "inputs": [], "params": {"province": None}}
    fs = [Finding(finding_id="X-1", code="PRC-SPLIT", subject_type="tender", subject_id="T1",
                  province_code="01", school_year="2024-2025", severity="high", score=70.0,
                  title_vi="Tiêu đề", title_en="Title", detail_vi="Chi tiết", detail_en="Detail",
                  evidence=["tenders:T1"], legal_basis="Luật Đấu thầu", family="PRC",
                  parties={})]
    per_writer = 12
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    ids: list[str] = []

    def writer() -> None:
        pg = db_url.startswith("postgresql")
        eng = create_engine(db_url) if pg else store.get_engine(db_url)
        try:
            barrier.wait()
            for _ in range(per_writer):
                r = dict(run)
                with eng.begin() as conn:
                    F.store_run(conn, r, fs, [], {})
                ids.append(r["run_id"])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            if pg:
                eng.dispose()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(set(ids)) == 2 * per_writer
    with store.get_engine(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(F.audit_runs)).scalar() == 2 * per_writer

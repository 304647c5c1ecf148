"""The review chain (``hocba-audit review``), its verification, and ``hocba-audit diff``."""
from __future__ import annotations

import csv
import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from audit import findings as F
from audit import review as R
from audit.cli import main
from audit.diff import DiffError, diff_runs, resolve_run
from procurement import store

T0 = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.timezone.utc)


def _finding(code: str, subject_id: str, score: float, severity: str = "medium") -> F.Finding:
    return F.Finding(
        finding_id=F.finding_id(code, "tender", subject_id), code=code, subject_type="tender",
        subject_id=subject_id, province_code="01", school_year="2024-2025", severity=severity,
        score=score, title_vi="Tiêu đề", title_en="Title", detail_vi="Chi tiết", detail_en="Detail",
        evidence=[f"tenders:{subject_id}"], legal_basis="Luật Đấu thầu", family=code.split("-")[0],
        parties={"procuring_entity": ["SGD01"]})


def _store_run(engine, run_id: str, findings: list[F.Finding], minutes: int = 0) -> None:
    run = {"run_id": run_id, "as_of": "2026-01-01",
           "created_at": (T0 + dt.timedelta(minutes=minutes)).isoformat(), "code_version": "test",
           "settings": {}, "inputs": [], "params": {}, "review_head": R.chain_head(engine)}
    with engine.begin() as conn:
        F.store_run(conn, run, findings, [], {})


@pytest.fixture
def chain(sqlite_url):
    """A store with one run of five findings and three decisions."""
    eng = store.get_engine(sqlite_url)
    fs = [_finding("PRC-SINGLE", f"T{i}", 50 + i) for i in range(5)]
    _store_run(eng, "20260105T030000Z-aaaaaa", fs)
    for i, status in enumerate(["under_review", "confirmed", "dismissed"]):
        R.record(eng, fs[i].finding_id, status, f"ghi chú {i}", "Nguyễn Thị Hoà")
    return sqlite_url, eng, fs


def _execute(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


# --- recording -------------------------------------------------------------------------------

def test_record_links_rows_and_updates_the_recorded_head(chain):
    _url, eng, fs = chain
    with eng.connect() as conn:
        rows = conn.execute(select(R.reviews).order_by(R.reviews.c.seq)).mappings().all()
        meta = conn.execute(select(store.store_meta.c.value)
                            .where(store.store_meta.c.key == R.HEAD_KEY)).scalar_one()
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert rows[0]["prev_hash"] == R.GENESIS
    assert rows[1]["prev_hash"] == rows[0]["hash"] and rows[2]["prev_hash"] == rows[1]["hash"]
    assert all(R.row_hash(r) == r["hash"] for r in rows)
    assert json.loads(meta) == {"seq": 3, "hash": rows[2]["hash"]} == R.chain_head(eng)
    assert R.latest_statuses(eng) == {fs[0].finding_id: "under_review",
                                      fs[1].finding_id: "confirmed", fs[2].finding_id: "dismissed"}
    result = R.verify(eng)
    assert result.ok and result.rows == 3 and result.head["seq"] == 3 and result.problems == []


def test_canonical_serialisation_is_utc_sorted_utf8():
    row = {"seq": 1, "finding_id": "X-1", "status": "new", "note": "Hoà", "reviewer": "B",
           "decided_at": dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
           "prev_hash": R.GENESIS}
    body = R.canonical(row)
    assert body.decode("utf-8").startswith('{"decided_at":"2026-01-05T03:00:00+00:00","finding_id"')
    assert "Hoà".encode("utf-8") in body
    same = dict(row, decided_at=dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.timezone.utc))
    assert R.row_hash(same) == R.row_hash(row)
    assert R.row_hash(dict(row, note="Hoa")) != R.row_hash(row)


def test_latest_decision_wins(chain):
    _url, eng, fs = chain
    R.record(eng, fs[0].finding_id, "confirmed", "đã xác minh", "Trần Văn B")
    assert R.latest_statuses(eng)[fs[0].finding_id] == "confirmed"
    assert [h["status"] for h in R.history(eng, fs[0].finding_id)] == ["under_review", "confirmed"]


def test_record_refuses_bad_input(chain):
    _url, eng, fs = chain
    with pytest.raises(R.UnknownFinding):
        R.record(eng, "PRC-SINGLE-000000000000", "confirmed", "n", "A")
    with pytest.raises(R.ReviewError):
        R.record(eng, fs[0].finding_id, "closed", "n", "A")
    with pytest.raises(R.ReviewError):
        R.record(eng, fs[0].finding_id, "confirmed", "   ", "A")
    with pytest.raises(R.ReviewError):
        R.record(eng, fs[0].finding_id, "confirmed", "n", "")
    assert R.chain_head(eng)["seq"] == 3


# --- the command line ----------------------------------------------------------------------

def test_review_command_prints_the_head(chain, capsys):
    url, eng, fs = chain
    code = main(["review", fs[3].finding_id, "--status", "confirmed", "--note", "giá bất thường",
                 "--by", "Lê Văn C", "--db", url])
    out = capsys.readouterr().out
    head = R.chain_head(eng)
    assert code == 0 and head["seq"] == 4
    assert f"#4 {head['hash']}" in out
    assert "Xác nhận / Confirmed" in out


def test_review_command_unknown_finding_exits_1(chain, capsys):
    url, eng, _fs = chain
    code = main(["review", "PRC-SINGLE-ffffffffffff", "--status", "confirmed", "--note", "n",
                 "--by", "A", "--db", url])
    err = capsys.readouterr().err
    assert code == 1
    assert "không có phát hiện" in err and "no stored audit run has finding" in err
    assert R.chain_head(eng)["seq"] == 3


def test_review_command_line_errors_exit_2(chain, capsys):
    url, _eng, fs = chain
    for argv in (["review", fs[0].finding_id, "--status", "confirmed", "--db", url],
                 ["review", "--verify", fs[0].finding_id, "--db", url],
                 ["review", fs[0].finding_id, "--status", "closed", "--note", "n", "--by", "A"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    err = capsys.readouterr().err
    assert "lỗi dòng lệnh" in err and "command-line error" in err


def test_verify_command_on_an_intact_chain(chain, capsys):
    url, eng, _fs = chain
    assert main(["review", "--verify", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "nguyên vẹn" in out and f"#3 {R.chain_head(eng)['hash']}" in out


# --- tampering --------------------------------------------------------------------------------

def test_an_edited_row_fails_verify(chain, capsys):
    url, eng, _fs = chain
    _execute(eng, "UPDATE reviews SET note = 'đã sửa' WHERE seq = 2")
    result = R.verify(eng)
    assert not result.ok
    assert (result.first.seq, result.first.kind) == (2, "edited")
    assert main(["review", "--verify", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "#2" in err and "row 2 was edited" in err


def test_an_edited_and_rehashed_row_breaks_the_next_link(chain):
    _url, eng, _fs = chain
    with eng.connect() as conn:
        row = dict(conn.execute(select(R.reviews).where(R.reviews.c.seq == 2)).mappings().one())
    row["status"] = "dismissed"
    _execute(eng, "UPDATE reviews SET status = 'dismissed', hash = :h WHERE seq = 2", h=R.row_hash(row))
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (3, "link")


def test_a_rehashed_last_row_differs_from_the_recorded_head(chain):
    _url, eng, _fs = chain
    with eng.connect() as conn:
        row = dict(conn.execute(select(R.reviews).where(R.reviews.c.seq == 3)).mappings().one())
    row["note"] = "khác"
    _execute(eng, "UPDATE reviews SET note = 'khác', hash = :h WHERE seq = 3", h=R.row_hash(row))
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (3, "head")


def test_a_deleted_row_fails_verify(chain, capsys):
    url, eng, _fs = chain
    _execute(eng, "DELETE FROM reviews WHERE seq = 2")
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (2, "missing")
    assert main(["review", "--verify", "--db", url]) == 1
    assert "#2" in capsys.readouterr().err


def test_a_deleted_first_row_fails_verify(chain):
    _url, eng, _fs = chain
    _execute(eng, "DELETE FROM reviews WHERE seq = 1")
    assert (R.verify(eng).first.seq, R.verify(eng).first.kind) == (1, "missing")


def test_a_deleted_last_row_fails_verify(chain, capsys):
    url, eng, _fs = chain
    _execute(eng, "DELETE FROM reviews WHERE seq = 3")
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (3, "tail")
    assert main(["review", "--verify", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "#3" in err and "store_meta" in err


def test_a_deleted_tail_is_caught_by_an_audit_runs_head(chain):
    """Even with the head in store_meta removed too, the head an audit run recorded remains."""
    _url, eng, fs = chain
    _store_run(eng, "20260105T040000Z-bbbbbb", fs, minutes=60)      # records head #3
    R.record(eng, fs[4].finding_id, "under_review", "n", "A")        # #4, after the run
    _execute(eng, "DELETE FROM reviews WHERE seq >= 3")
    _execute(eng, "DELETE FROM store_meta WHERE key = :k", k=R.HEAD_KEY)
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (3, "tail")
    assert "20260105T040000Z-bbbbbb" in result.first.text_en


def test_a_row_appended_outside_review_is_reported(chain):
    _url, eng, fs = chain
    head = R.chain_head(eng)
    row = {"seq": 4, "finding_id": fs[4].finding_id, "status": "dismissed", "note": "x",
           "reviewer": "X", "decided_at": T0, "prev_hash": head["hash"]}
    row["hash"] = R.row_hash(row)
    with eng.begin() as conn:
        conn.execute(R.reviews.insert().values(**row))
    result = R.verify(eng)
    assert (result.first.seq, result.first.kind) == (4, "unrecorded")


@pytest.mark.parametrize("sql, first", [
    # a time that is not one: the row is edited, and the rows after it are still checked
    ("UPDATE reviews SET decided_at = 'hôm qua' WHERE seq = 2", (2, "edited")),
    ("UPDATE reviews SET note = x'00ff' WHERE seq = 1", (1, "edited")),          # a blob
    ("UPDATE store_meta SET value = 'garbage' WHERE key = 'review_head'", (None, "head")),
    ("UPDATE store_meta SET value = '{\"seq\": 3}' WHERE key = 'review_head'", (None, "head")),
    ("UPDATE store_meta SET value = '{\"seq\": \"x\", \"hash\": \"h\"}' "
     "WHERE key = 'review_head'", (None, "head")),
    ("UPDATE audit_runs SET review_head = '{\"seq\": 9}'", (None, "head")),
    ("UPDATE audit_runs SET review_head = '[1, 2'", (None, "head")),
    # a row put in before the first one: reported, and the chain from row 1 still checks
    ("INSERT INTO reviews VALUES (0, 'x', 'new', 'n', 'r', '2026-01-05 03:00:00', 'p', 'h')",
     (0, "unrecorded")),
])
def test_verify_names_hand_edits_of_any_form(chain, capsys, sql, first):
    """Values no decision could hold (written with sqlite3 by hand) are broken links named by
    --verify, not a traceback."""
    url, eng, _fs = chain
    _execute(eng, sql)
    result = R.verify(eng)
    assert not result.ok
    assert (result.first.seq, result.first.kind) == first
    assert main(["review", "--verify", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "first broken link" in err
    if first[0] is None:
        assert "a recorded head" in err and "unreadable" in err
    else:
        assert f"#{first[0]}" in err


def test_verify_of_an_empty_store_file(tmp_path, capsys):
    """A store file SQLite has not made a database yet (0 bytes) is an empty chain."""
    db = tmp_path / "empty.db"
    db.touch()
    assert main(["review", "--verify", "--db", f"sqlite:///{db}"]) == 0
    assert "0 quyết định / decisions" in capsys.readouterr().out


def test_review_command_messages_say_each_thing_once(chain, capsys):
    url, _eng, fs = chain
    for argv, vi, en in (
            (["review", fs[0].finding_id, "--status", "new", "--by", "A", "--db", url],
             "thiếu --note", "missing --note"),
            (["review", fs[0].finding_id, "--status", "new", "--note", " ", "--by", "A",
              "--db", url], "--note trống", "--note is empty"),
            (["review", "--verify", fs[0].finding_id, "--db", url],
             "--verify không đi cùng FINDING_ID", "--verify does not take FINDING_ID")):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.count(vi) == 1 and err.count(en) == 1, err
        assert err.index(vi) < err.index(en)


def test_a_note_that_is_not_utf8_is_a_usage_error(chain, capsys):
    url, eng, fs = chain
    note = b"l\xfd do".decode("utf-8", "surrogateescape")    # what the shell passes through
    assert main(["review", fs[0].finding_id, "--status", "confirmed", "--note", note,
                 "--by", "A", "--db", url]) == 2
    assert "--note" in capsys.readouterr().err
    assert R.chain_head(eng)["seq"] == 3 and R.verify(eng).ok


def test_runs_made_in_the_same_second_keep_their_order(sqlite_url):
    """created_at is stored to the microsecond: 'previous' is the run made before 'latest'
    even when both were made in the same second (their ids sort the other way here)."""
    eng = store.get_engine(sqlite_url)
    fs = [_finding("PRC-SINGLE", "T1", 50)]
    for run_id, micro in (("20260105T030000Z-ffffff", 100), ("20260105T030000Z-000000", 900)):
        run = {"run_id": run_id, "as_of": "2026-01-01", "created_at": T0.isoformat(),
               "code_version": "test", "settings": {}, "inputs": [], "params": {},
               "review_head": None}
        with eng.begin() as conn:
            F.store_run(conn, run, fs, [], {}, created_at=T0.replace(microsecond=micro))
    assert resolve_run(eng, "latest") == "20260105T030000Z-000000"
    assert resolve_run(eng, "previous") == "20260105T030000Z-ffffff"


def test_tampering_fails_verify_on_both_stores(db_url):
    """Edit, delete and delete-last on SQLite and PostgreSQL; putting a row back heals it."""
    eng = store.get_engine(db_url)
    fs = [_finding("PRC-SINGLE", f"T{i}", 50 + i) for i in range(3)]
    _store_run(eng, "20260105T030000Z-aaaaaa", fs)
    for i, f in enumerate(fs):
        R.record(eng, f.finding_id, "confirmed", f"lý do {i}", "Phạm Thu Hà",
                 decided_at=dt.datetime(2026, 1, 5, 17, 30, i, 123456,
                                        tzinfo=dt.timezone(dt.timedelta(hours=7))))
    assert R.verify(eng).ok
    with eng.connect() as conn:
        rows = {r["seq"]: dict(r) for r in conn.execute(select(R.reviews)).mappings()}
    _execute(eng, "UPDATE reviews SET reviewer = 'Người khác' WHERE seq = 2")
    assert (R.verify(eng).first.seq, R.verify(eng).first.kind) == (2, "edited")
    _execute(eng, "UPDATE reviews SET reviewer = 'Phạm Thu Hà' WHERE seq = 2")
    assert R.verify(eng).ok
    _execute(eng, "DELETE FROM reviews WHERE seq = 2")
    assert (R.verify(eng).first.seq, R.verify(eng).first.kind) == (2, "missing")
    with eng.begin() as conn:
        conn.execute(R.reviews.insert().values(**rows[2]))
    assert R.verify(eng).ok
    _execute(eng, "DELETE FROM reviews WHERE seq = 3")
    assert (R.verify(eng).first.seq, R.verify(eng).first.kind) == (3, "tail")


# --- concurrency ------------------------------------------------------------------------------

def _two_reviewers(url: str, finding_ids: list[str], per_reviewer: int) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def reviewer(name: str) -> None:
        eng = create_engine(url) if url.startswith("postgresql") else store.get_engine(url)
        try:
            barrier.wait()
            for i in range(per_reviewer):
                R.record(eng, finding_ids[i % len(finding_ids)],
                         R.STATUSES[i % 4], f"{name} quyết định {i}", name)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            if url.startswith("postgresql"):
                eng.dispose()

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("Thanh tra A", "Thanh tra B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def _check_after_race(eng, per_reviewer: int) -> None:
    n = 2 * per_reviewer
    with eng.connect() as conn:
        rows = conn.execute(select(R.reviews.c.seq, R.reviews.c.reviewer, R.reviews.c.note)
                            .order_by(R.reviews.c.seq)).all()
    assert [r[0] for r in rows] == list(range(1, n + 1))
    for who in ("Thanh tra A", "Thanh tra B"):
        notes = {r[2] for r in rows if r[1] == who}
        assert notes == {f"{who} quyết định {i}" for i in range(per_reviewer)}
    result = R.verify(eng)
    assert result.ok, result.problems
    assert result.head["seq"] == n


@pytest.mark.postgres
def test_two_reviewers_at_once_on_postgresql(pg_url):
    eng = store.get_engine(pg_url)
    fs = [_finding("PRC-SINGLE", f"T{i}", 50 + i) for i in range(10)]
    _store_run(eng, "20260105T030000Z-aaaaaa", fs)
    _two_reviewers(pg_url, [f.finding_id for f in fs], 50)
    _check_after_race(eng, 50)


def test_two_reviewers_at_once_on_sqlite(sqlite_url):
    eng = store.get_engine(sqlite_url)
    fs = [_finding("PRC-SINGLE", f"T{i}", 50 + i) for i in range(10)]
    _store_run(eng, "20260105T030000Z-aaaaaa", fs)
    _two_reviewers(sqlite_url, [f.finding_id for f in fs], 25)
    _check_after_race(eng, 25)


# --- across runs ------------------------------------------------------------------------------

AUTH = "authority_id,name,kind,province_code\nSGD01,Sở GD&ĐT Hà Nội,province_department,01\n"
VENDORS = "vendor_id,name\n0100109106,Công ty A\n0101243150,Công ty B\n"
TENDERS = ("tender_id,procuring_entity_id,category,method,estimated_value_vnd,school_year\n"
           "T1,SGD01,training,open_bidding,100000000,2024-2025\n"
           "T2,SGD01,training,open_bidding,200000000,2023-2024\n")
BIDS = ("tender_id,vendor_id,price_vnd,status\nT1,0100109106,90000000,valid\n"
        "T1,0101243150,80000000,disqualified\nT2,0101243150,150000000,valid\n")


def _csv_rows(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["finding_id"]: r for r in csv.DictReader(f)}


def test_status_follows_a_finding_across_runs_and_runs_record_the_head(tmp_path, sqlite_url):
    from audit.engine import run_audit
    from procurement.ingest import ingest
    folder = tmp_path / "d"
    folder.mkdir()
    for name, body in (("authorities", AUTH), ("vendors", VENDORS), ("tenders", TENDERS),
                       ("bids", BIDS)):
        (folder / f"{name}.csv").write_text(body, encoding="utf-8")
    ingest([str(folder)], sqlite_url)
    first = run_audit(sqlite_url, out_dir=tmp_path / "r1", as_of="2026-01-01")
    assert first.run["review_head"] is None
    rows = _csv_rows(tmp_path / "r1" / "findings.csv")
    t1 = F.finding_id("PRC-SINGLE", "tender", "T1")
    assert rows[t1]["review_status"] == "new"
    eng = store.get_engine(sqlite_url)
    row = R.record(eng, t1, "confirmed", "một nhà thầu hợp lệ", "Nguyễn Văn A")
    time.sleep(1.05)   # a run id is the UTC second and the parameters: two runs in one second collide
    second = run_audit(sqlite_url, out_dir=tmp_path / "r2", as_of="2026-01-01")
    rows = _csv_rows(tmp_path / "r2" / "findings.csv")
    assert rows[t1]["review_status"] == "confirmed"
    assert all(r["review_status"] == "new" for fid, r in rows.items() if fid != t1)
    with eng.connect() as conn:
        heads = dict(conn.execute(select(F.audit_runs.c.run_id, F.audit_runs.c.review_head)).all())
    assert heads[second.run["run_id"]] == {"seq": 1, "hash": row["hash"]}
    assert R.verify(eng).heads_checked == 2     # the second run's head and store_meta's


# --- diff ---------------------------------------------------------------------------------------

@pytest.fixture
def two_runs(sqlite_url):
    eng = store.get_engine(sqlite_url)
    a = [_finding("PRC-SINGLE", "T1", 50), _finding("PRC-SINGLE", "T2", 60),
         _finding("PRC-SHORT", "T3", 40), _finding("COL-CLOSE", "T4", 70)]
    b = [_finding("PRC-SINGLE", "T2", 72.5, "high"), _finding("PRC-SHORT", "T3", 40),
         _finding("COL-CLOSE", "T4", 70, "high"), _finding("PRC-NOSAVE", "T5", 80)]
    _store_run(eng, "20260105T030000Z-aaaaaa", a)
    _store_run(eng, "20260106T030000Z-bbbbbb", b, minutes=24 * 60)
    R.record(eng, a[0].finding_id, "dismissed", "không đủ căn cứ", "A")
    return sqlite_url, eng, a, b


def test_diff_runs_new_resolved_changed(two_runs):
    _url, eng, a, b = two_runs
    d = diff_runs(eng, "20260105T030000Z-aaaaaa", "20260106T030000Z-bbbbbb")
    assert [f["finding_id"] for f in d["new"]] == [b[3].finding_id]
    assert [f["finding_id"] for f in d["resolved"]] == [a[0].finding_id]
    assert d["resolved"][0]["review_status"] == "dismissed"
    changed = {f["finding_id"]: f for f in d["changed"]}
    assert set(changed) == {a[1].finding_id, a[3].finding_id}
    c = changed[a[1].finding_id]
    assert (c["score_a"], c["score_b"], c["delta"], c["severity_a"], c["severity_b"]) == \
        (60, 72.5, 12.5, "medium", "high")
    assert changed[a[3].finding_id]["delta"] == 0           # severity only
    assert d["changed"][0]["finding_id"] == a[1].finding_id  # the larger change first
    assert d["counts"] == {"a": 4, "b": 4, "new": 1, "resolved": 1, "changed": 2, "unchanged": 1}
    assert d["run_a"]["run_id"] == "20260105T030000Z-aaaaaa"
    back = diff_runs(eng, "latest", "previous")
    assert [f["finding_id"] for f in back["new"]] == [a[0].finding_id]


def test_diff_run_references(two_runs):
    _url, eng, _a, _b = two_runs
    assert resolve_run(eng, "20260105") == "20260105T030000Z-aaaaaa"
    assert resolve_run(eng, "latest") == "20260106T030000Z-bbbbbb"
    assert resolve_run(eng, "previous") == "20260105T030000Z-aaaaaa"
    with pytest.raises(DiffError):
        resolve_run(eng, "2026010")         # two runs
    with pytest.raises(DiffError):
        resolve_run(eng, "19990101")


def test_diff_command(two_runs, capsys, tmp_path):
    url, _eng, a, b = two_runs
    out_json = tmp_path / "d.json"
    assert main(["diff", "20260105T030000Z-aaaaaa", "20260106T030000Z-bbbbbb", "--db", url,
                 "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "Mới / new: 1 · Đã hết / resolved: 1 · Thay đổi / changed: 2" in out
    assert b[3].finding_id in out and a[0].finding_id in out and "60.0→72.5" in out
    assert "(medium→high)" in out
    assert json.loads(out_json.read_text(encoding="utf-8"))["counts"]["new"] == 1
    assert main(["diff", "nope", "latest", "--db", url]) == 1
    assert "không có lần chạy" in capsys.readouterr().err

"""The explorer class, driven without a browser: filters, table, detail, review buttons,
privacy and escaping; and the notebook that shows it."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from audit import review as R
from audit.present.explorer import (Explorer, FastScrubber, filter_findings, network_focus,
                                    search_key)
from procurement import store

ROOT = Path(__file__).resolve().parent.parent
SEED = 11


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    """The small synthetic set, ingested and audited once per module (a SQLite file)."""
    from audit.engine import run_audit
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    tmp = tmp_path_factory.mktemp("explorer")
    generate("small", SEED, tmp / "d")
    url = f"sqlite:///{tmp / 'small.db'}"
    ingest([str(tmp / "d")], url)
    run_audit(url)
    store.dispose_engines()
    return tmp / "small.db"


@pytest.fixture
def db(small_db, tmp_path):
    """This test's own copy of the audited store."""
    target = tmp_path / "x.db"
    shutil.copy(small_db, target)
    for suffix in ("-wal", "-shm"):
        if Path(f"{small_db}{suffix}").exists():
            shutil.copy(f"{small_db}{suffix}", f"{target}{suffix}")
    url = f"sqlite:///{target}"
    yield url, store.get_engine(url)
    store.dispose_engines()


def _rows(ex: Explorer) -> list[str]:
    return re.findall(r"<tr data-finding='([^']+)'", ex.table.value)


# --- filters and table ---------------------------------------------------------------------

def test_a_filter_change_updates_the_table_in_place(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", page_size=100, network=False)
    table = ex.table
    everything = _rows(ex)
    assert len(everything) == len(ex.data.frame) > 20
    ex.filters["service"].value = "digital_signature"
    assert ex.table is table
    shown = _rows(ex)
    assert shown and len(shown) < len(everything)
    frame = ex.data.frame.set_index("finding_id")
    assert all("|digital_signature|" in frame.loc[f, "services"] for f in shown)
    assert ex.count.value.startswith(f"{len(shown)} phát hiện")
    ex.filters["service"].value = ""
    ex.filters["family"].value = "COI"
    assert _rows(ex) and {frame.loc[f, "code"][:3] for f in _rows(ex)} == {"COI"}
    ex.filters["severity"].value = "high"
    assert all(frame.loc[f, "severity"] == "high" for f in _rows(ex))
    ex.filters["family"].value = ""
    ex.filters["severity"].value = ""
    years = [v for _label, v in ex.filters["school_year"].options if v]
    ex.filters["school_year"].value = years[0]
    assert set(frame.loc[_rows(ex), "school_year"]) <= {years[0], ""}
    assert len(_rows(ex)) < len(everything)


def test_filters_match_the_pure_function_and_paging(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", page_size=10, network=False)
    assert ex.pages > 1 and len(_rows(ex)) == 10
    first = ex.table_ids()
    ex.next_page()
    assert ex.page == 1 and ex.table_ids() != first and not set(ex.table_ids()) & set(first)
    ex.filters["severity"].value = "medium"       # a filter change goes back to page 1
    assert ex.page == 0
    expected = filter_findings(ex.data.frame, severity="medium")
    assert ex.table_ids() == list(expected["finding_id"][:10])
    assert [v for _l, v in ex.picker.options] == ex.table_ids()


def test_search_works_with_and_without_diacritics(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", page_size=200, network=False)
    frame = ex.data.frame
    target = next(r for r in frame.itertuples() if r.vendors and
                  search_key(ex.data.vendor_names[r.vendors[0]]) != ex.data.vendor_names[r.vendors[0]].casefold())
    name = ex.data.vendor_names[target.vendors[0]]
    ex.filters["search"].value = name
    with_marks = _rows(ex)
    ex.filters["search"].value = search_key(name)           # no diacritics, lower case
    without = _rows(ex)
    ex.filters["search"].value = search_key(name).upper()
    assert target.finding_id in with_marks and with_marks == without == _rows(ex)
    assert len(with_marks) < len(frame)
    ex.filters["search"].value = "không có nhà thầu nào tên thế này"
    assert _rows(ex) == [] and "Không có phát hiện nào" in ex.table.value


def test_search_key():
    assert search_key("Công ty  Đông  Á") == search_key("cong ty dong a") == "cong ty dong a"
    assert search_key("Hoà") == search_key("hoa") == search_key("HÒA")


# --- detail ----------------------------------------------------------------------------------

def test_select_shows_explanation_evidence_and_legal_basis(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", network=False)
    fid = next(f for f in ex.data.frame["finding_id"] if f.startswith("PRC-SINGLE"))
    ex.select(fid)
    f = ex.finding(fid)
    html = ex.detail.value
    assert f["detail_vi"][:40].replace("&", "&amp;") in html
    assert "Căn cứ pháp lý" in html and f["legal_basis"][:20] in html
    tender = f["subject_id"]
    assert f"tenders:{tender}" in html and "Mã gói thầu" in html   # the evidence row, Vietnamese headers
    assert "Chưa có quyết định nào" in html
    assert "hocba-selected" in ex.table.value or fid not in ex.table_ids()
    assert "Mạng lưới" in ex.network.value and "Các bên liên quan" in ex.network.value
    assert network_focus(f) is not None


def test_the_network_around_the_selected_subject(db, monkeypatch):
    import html as H
    import importlib.util
    url, eng = db
    ex = Explorer(eng, privacy="public", network=True)
    frame = ex.data.frame
    coi = next(f for f in frame["finding_id"] if f.startswith("COI-"))
    ex.select(coi)
    net = ex.network.value
    if importlib.util.find_spec("audit.present.network") is None:
        assert "Các bên liên quan" in net                 # the parties instead
    else:
        assert "<iframe" in net and ex.network_error is None, ex.network_error
        shown = H.unescape(H.unescape(net))
        assert [v for v in _personal_values(url.split("///", 1)[1]) if v in shown] == []
        from audit.present import network

        def broken(*_a, **_k):
            raise RuntimeError("vẽ hỏng")
        monkeypatch.setattr(network, "embed", broken)
        ex.select(coi)
        assert "RuntimeError: vẽ hỏng" in ex.network.value and "Các bên liên quan" in ex.network.value
    overdue = next((f for f in frame["finding_id"] if f.startswith("GOV-OVERDUE")), None)
    if overdue:
        ex.select(overdue)
        assert "<iframe" not in ex.network.value


# --- review ---------------------------------------------------------------------------------

def _reviews(eng) -> int:
    with eng.connect() as conn:
        return conn.execute(select(func.count()).select_from(R.reviews)).scalar_one()


def test_a_review_click_writes_one_row(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", reviewer="Nguyễn Thị Thanh Tra", network=False)
    fid = ex.table_ids()[2]
    ex.select(fid)
    ex.note.value = "Đã đối chiếu hồ sơ mời thầu"
    ex.review_buttons["confirmed"].click()
    assert _reviews(eng) == 1
    head = R.chain_head(eng)
    with eng.connect() as conn:
        row = conn.execute(select(R.reviews)).mappings().one()
    assert (row["finding_id"], row["status"], row["reviewer"], row["note"]) == \
        (fid, "confirmed", "Nguyễn Thị Thanh Tra", "Đã đối chiếu hồ sơ mời thầu")
    assert head["hash"] in ex.message.value and "#1" in ex.message.value
    assert ex.note.value == ""
    assert "Xác nhận" in ex.detail.value and "Đã đối chiếu hồ sơ mời thầu" in ex.detail.value
    ex.filters["status"].value = "confirmed"
    assert ex.table_ids() == [fid]
    assert R.verify(eng).ok
    assert R.latest_statuses(eng) == {fid: "confirmed"}


def test_a_review_needs_a_selection_a_note_and_a_name(db):
    _url, eng = db
    ex = Explorer(eng, privacy="internal", network=False)
    ex.note.value = "lý do"
    ex.reviewer.value = "A"
    ex.review_buttons["dismissed"].click()
    assert _reviews(eng) == 0 and "Chọn một phát hiện trước" in ex.message.value
    ex.select(ex.table_ids()[0])
    ex.note.value = ""
    ex.review_buttons["dismissed"].click()
    assert _reviews(eng) == 0 and "thiếu ghi chú" in ex.message.value
    ex.note.value = "lý do"
    ex.reviewer.value = " "
    ex.review_buttons["dismissed"].click()
    assert _reviews(eng) == 0 and "thiếu tên người xem xét" in ex.message.value


def test_statuses_come_from_the_chain(db):
    _url, eng = db
    fid = Explorer(eng, privacy="internal", network=False).table_ids()[0]
    R.record(eng, fid, "under_review", "đang xác minh", "B")
    ex = Explorer(eng, privacy="internal", network=False)
    ex.filters["status"].value = "under_review"
    assert ex.table_ids() == [fid] and "Đang xem xét" in ex.table.value


# --- privacy and escaping ---------------------------------------------------------------------

def _personal_values(db_path: str) -> set[str]:
    conn = sqlite3.connect(db_path)
    values: set[str] = set()
    for table in ("officials", "declared_relatives", "vendor_people"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        for col in ("full_name", "national_id", "phone", "email", "address", "birth_date"):
            if col in cols:
                values |= {str(v) for (v,) in conn.execute(f"SELECT {col} FROM {table}") if v}
    conn.close()
    return {v for v in values if len(v) >= 6}


def test_public_mode_shows_no_personal_value(db):
    url, eng = db
    personal = _personal_values(url.split("///", 1)[1])
    assert len(personal) > 500
    ex = Explorer(eng, privacy="public", page_size=500, network=False)
    coi = [f for f in ex.data.frame["finding_id"] if f.startswith("COI")]
    assert coi
    pages = [ex.table.value, json.dumps([o[0] for o in ex.picker.options], ensure_ascii=False)]
    for fid in ex.data.frame["finding_id"]:
        ex.select(fid)
        pages += [ex.detail.value, ex.network.value]
    ex.select(coi[0])
    ex.note.value = "ghi chú"
    ex.reviewer.value = "Thanh tra viên Lê Thị Mai"
    ex.review("under_review")
    pages.append(ex.detail.value)
    shown = "\n".join(pages)
    import html as H
    shown = H.unescape(shown)
    leaked = sorted(v for v in personal if v in shown)
    assert leaked == []
    assert "Lê Thị Mai" not in shown
    assert re.search(r"Cán bộ #[0-9A-F]{10}", shown)
    # a person's name is not searchable in public mode, and is in internal mode
    conn = sqlite3.connect(url.split("///", 1)[1])
    official = conn.execute("SELECT o.full_name FROM officials o JOIN tender_committee c "
                            "ON c.official_id = o.official_id LIMIT 1").fetchone()[0]
    conn.close()
    assert official not in H.unescape(ex.data.frame["search"].str.cat(sep=" "))
    internal = Explorer(eng, privacy="internal", network=False)
    internal.select(coi[0])
    assert any(v in H.unescape(internal.detail.value) for v in personal)


def test_fast_scrubber_agrees_with_the_masker(db):
    _url, eng = db
    ex = Explorer(eng, privacy="public", network=False)
    masker, fast = ex.data.masker, ex.data.scrub
    assert isinstance(fast, FastScrubber)
    coi = ex.data.frame[ex.data.frame["code"].str.startswith("COI")]
    texts = list(coi["detail_vi"]) + list(coi["detail_en"]) + [" ".join(e) for e in coi["evidence"]]
    values = list(masker._replacements)[::300][:30]
    texts += [f"x{v}y {v}, {v.upper()} — {v[:-1]}" for v in values]
    expected = [masker.scrub(t) for t in texts]
    assert sum(e != t for e, t in zip(expected, texts)) > 40
    assert [fast(t) for t in texts] == expected


def test_hostile_names_render_as_text(db):
    _url, eng = db
    hostile = "<img src=x onerror=alert(1)>"
    probe = Explorer(eng, privacy="internal", network=False)
    fid = next(r.finding_id for r in probe.data.frame.itertuples() if r.vendors)
    vendor = probe.finding(fid)["vendors"][0]
    with eng.begin() as conn:
        conn.execute(text("UPDATE vendors SET name = :n WHERE vendor_id = :v"), {"n": hostile, "v": vendor})
    for privacy in ("internal", "public"):
        ex = Explorer(eng, privacy=privacy, page_size=500, network=False)
        ex.select(fid)
        ex.note.value = "<script>alert('x')</script>"
        ex.reviewer.value = "A"
        ex.review("under_review")
        for html in (ex.table.value, ex.detail.value, ex.network.value, ex.message.value):
            assert "<img" not in html and "<script>" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in ex.table.value + ex.network.value
        assert "&lt;script&gt;" in ex.detail.value


# --- no run, the notebook -------------------------------------------------------------------

def test_an_empty_store_shows_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    ex = Explorer.open(url, privacy="public")
    try:
        assert "hocba-audit flags" in ex.header.value
        assert ex.table_ids() == [] and "Không có phát hiện nào" in ex.table.value
        ex.filters["search"].value = "abc"
        ex.review("confirmed")
        assert "Chọn một phát hiện trước" in ex.message.value
    finally:
        store.dispose_engines()


def test_the_notebook_only_builds_and_shows_the_class():
    nb = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for line in "".join(code[0]["source"]).splitlines():
        assert re.fullmatch(r'\w+ = "[^"]*"  # help: .+', line), line
    body = "".join("".join(c["source"]) for c in code[1:])
    assert "Explorer.open(" in body
    assert not re.search(r"^\s*(def|class|for|if|import pandas)\b", body, re.M)


@pytest.mark.postgres
def test_the_explorer_on_postgresql(pg_url):
    """Stored findings and decisions read back from PostgreSQL (JSON, time zones)."""
    from tests.test_review import _finding, _store_run
    eng = store.get_engine(pg_url)
    fs = [_finding("PRC-SINGLE", f"T{i}", 40 + i) for i in range(4)] + \
         [_finding("COL-CLOSE", "T9", 90, "high")]
    _store_run(eng, "20260105T030000Z-aaaaaa", fs)
    ex = Explorer(eng, privacy="public", network=False)
    assert ex.table_ids()[0] == fs[-1].finding_id and len(ex.table_ids()) == 5
    ex.filters["family"].value = "COL"
    assert ex.table_ids() == [fs[-1].finding_id]
    ex.select(fs[-1].finding_id)
    assert "tenders:T9" in ex.detail.value          # evidence not in the store: said so
    ex.note.value = "giá sát nhau"
    ex.reviewer.value = "Thanh tra A"
    row = ex.review("confirmed")
    assert row["seq"] == 1 and R.verify(eng).ok
    assert "#1 " in ex.detail.value and "Thanh tra A" not in ex.detail.value   # public: pseudonym

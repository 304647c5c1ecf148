"""Reports: papermill + nbconvert on the small generated set, privacy, languages, the archive,
the scheduled run with a failing province, and headless Chromium with every request blocked."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The small synthetic set, ingested, with a stored audit run."""
    from procurement import store as st
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    from audit.engine import run_audit
    tmp = tmp_path_factory.mktemp("reports")
    generate("small", 7, tmp / "d")
    url = f"sqlite:///{tmp}/x.db"
    ingest([str(tmp / "d")], url)
    # The generator plants a hostile vendor name, but not always where a report shows it: give
    # the vendor with the most deployments (the largest group of some market) such a name too.
    from sqlalchemy import text
    with st.get_engine(url).begin() as conn:
        top = conn.execute(text("SELECT vendor_id FROM deployments GROUP BY vendor_id "
                                "ORDER BY count(*) DESC, vendor_id LIMIT 1")).scalar()
        conn.execute(text("UPDATE vendors SET name = :n WHERE vendor_id = :v"),
                     {"n": f"Công ty {HOSTILE} Số", "v": top})
    res = run_audit(url, store_run=True)
    province = pd.read_csv(tmp / "d" / "schools.csv", dtype=str)["province_code"].mode()[0]
    yield {"url": url, "tmp": tmp, "run_id": res.run["run_id"], "province": province,
           "findings": res.all_findings, "hostile_vendor": top}
    st.dispose_engines()


def personal_values(url: str) -> set[str]:
    """Every personal value of the store: people's names, ids, phones, e-mails, addresses and
    birth dates (as written and as a report would print them), personal-tax-code vendors."""
    from procurement import store as st
    from procurement.values import is_personal_tax_code
    from audit.frames import load_table
    eng = st.get_engine(url)
    out: set[str] = set()
    for table in ("officials", "declared_relatives", "vendor_people"):
        df = load_table(eng, table)
        for col in ("full_name", "national_id", "phone", "email", "address"):
            if col in df:
                out.update(v.strip() for v in df[col].dropna() if len(v.strip()) >= 5)
        for d in df["birth_date"].dropna():
            out.update({d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y")})
    v = load_table(eng, "vendors")
    for r in v.itertuples():
        if is_personal_tax_code(r.vendor_id):
            out.update(x for x in (r.vendor_id, r.name, r.phone, r.email, r.address) if isinstance(x, str))
    return out


_SCRIPT = re.compile(r"<script\b(?![^>]*application/json)[^>]*>.*?</script>", re.S | re.I)
_SRCDOC = re.compile(r'srcdoc="([^"]*)"')
_JSON_ESC = re.compile(r"\\u([0-9a-fA-F]{4})")


def readable(page: str) -> str:
    """What a page can show: its text and attributes, every embedded page (``srcdoc``) and
    data block unescaped, without the code of inlined libraries (which holds no data)."""
    import html as h
    inner = [readable(h.unescape(m)) for m in _SRCDOC.findall(page)]
    outer = _SRCDOC.sub("", _SCRIPT.sub("", page))
    text = h.unescape(outer)
    text = _JSON_ESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return "\n".join([outer, text] + inner)


def leaks(page: str, values) -> list[str]:
    """The values that occur in what ``page`` can show.  (A value whose words are not all
    words of the page cannot occur in it: that test is cheap and spares most searches.)"""
    text = readable(page)
    words = set(re.findall(r"\w+", text))
    return sorted(v for v in values if all(w in words for w in re.findall(r"\w+", v)) and v in text)


@pytest.fixture(scope="module")
def public_report(store):
    """``hocba-audit report`` with its defaults (inspection, vi, public) on the stored run."""
    from audit.cli import main
    out = store["tmp"] / "public.html"
    archive = store["tmp"] / "archive-public"
    assert main(["report", "--db", store["url"], "--province", store["province"], "--run-id", store["run_id"],
                 "--out", str(out), "--archive", str(archive)]) == 0
    run_dir = next(archive.glob("inspection-*/*"))
    return {"path": out, "html": out.read_text(encoding="utf-8"), "run_dir": run_dir}


@pytest.fixture(scope="module")
def internal_en_report(store):
    """The English internal edition, made in Python (the notebook calls the same sections in
    the same order: test_notebook_calls_every_section checks that)."""
    from audit.present.report_inspection import InspectionReport
    rep = InspectionReport.load(store["url"], province=store["province"], lang="en", privacy="internal",
                                run_id=store["run_id"])
    return {"html": str(rep.document())}


# --- building blocks -------------------------------------------------------------------------

def test_tables_and_charts_escape_hostile_text():
    from audit.present import report as R
    t = str(R.table([{"a": HOSTILE, "b": 'x" onmouseover="y'}], [("a", HOSTILE), ("b", "B")]))
    assert "<img" not in t and "&lt;img src=x onerror=alert(1)&gt;" in t
    assert 'x" onmouseover' not in t
    chart = str(R.bar_chart([(HOSTILE, 3.0)], title=HOSTILE))
    assert "<img" not in chart and "&lt;img" in chart
    assert "<img" not in str(R.section(HOSTILE, "s", HOSTILE))
    assert "<img" not in str(R.figures([(HOSTILE, HOSTILE)]))


def test_toc_lists_sections_whatever_the_attribute_order():
    from audit.present import report as R
    doc = (f'<nav>{R.TOC_MARK}</nav><h2 class="hocba-section" id="sec-a">A &amp; B</h2>'
           f'<h2 id="sec-b" class="hocba-section">C</h2><h2 id="other">not a section</h2>')
    out = R.insert_toc(doc, "Mục lục")
    assert R.TOC_MARK not in out
    assert re.findall(r'<li><a href="#([^"]+)">', out) == ["sec-a", "sec-b"]


def test_every_label_exists_in_both_languages():
    from audit import i18n
    used = set()
    for path in (ROOT / "audit" / "present").glob("report*.py"):
        used |= set(re.findall(r'\bL\(\s*"([a-z_0-9]+)"', path.read_text(encoding="utf-8")))
    used |= set(re.findall(r'\bL\(\s*"([a-z_0-9]+)"', (ROOT / "audit" / "reporting.py").read_text()))
    assert used, "the label scan found nothing"
    missing = used - set(i18n.LABELS)
    assert not missing, missing
    for key, (vi, en) in i18n.LABELS.items():
        assert vi.strip() and en.strip(), key
    same = [k for k, (vi, en) in i18n.LABELS.items() if vi == en and k not in ("hhi",)]
    assert not same, f"labels not translated: {same}"
    assert i18n.t("sec_market", "vi") == "Cơ cấu thị trường"


def test_projection_rate_and_interval():
    from audit.present.report_pilot import projection
    pilot = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "students": [100.0, 200.0, 100.0, 100.0],
                          "province_code": ["86"] * 4})
    costs = pd.DataFrame({"school_id": ["a", "b", "c"], "cost": [1_000_000.0, 2_000_000.0, 1_500_000.0]})
    everyone = pd.DataFrame({"province_code": ["86", "01", "01"], "students": [500.0, 1000.0, 0.0]})
    p = projection(costs, pilot, everyone, "2024-2025", n_boot=500)
    assert p.rate == pytest.approx(4_500_000 / 500)          # ratio of sums, school d counts with 0
    assert p.rate_low <= p.rate <= p.rate_high and p.rate_low < p.rate_high
    assert list(p.by_province["province_code"]) == ["01", "86"]
    assert p.total == pytest.approx(1500 * p.rate)
    again = projection(costs, pilot, everyone, "2024-2025", n_boot=500)
    assert (again.rate_low, again.rate_high) == (p.rate_low, p.rate_high)   # fixed seed
    assert projection(costs.iloc[0:0], pilot, everyone, None) is None


def test_pilot_costs_count_the_parent_fee_per_student():
    """parent_fee_vnd is per student per year (data-contract.md): a school of 400 students
    charged 45,000 đ each costs its families 18,000,000 đ a year, not 45,000 đ."""
    from audit.present.report_pilot import pilot_costs
    schools = pd.DataFrame({"school_id": ["a", "b"], "in_pilot": [True, True],
                            "students": [400.0, float("nan")], "province_code": ["86", "86"]})
    deployments = pd.DataFrame({
        "school_id": ["a", "b"], "status": ["live", "live"], "school_year": ["2025-2026"] * 2,
        "service": ["other", "other"], "vendor_id": ["0100109106"] * 2,
        "budget_cost_vnd": [1_000_000.0, 2_000_000.0], "parent_fee_vnd": [45_000.0, 45_000.0]})
    c = pilot_costs(schools, deployments, "2025-2026").set_index("school_id")
    assert c.loc["a", "families"] == 18_000_000 and c.loc["a", "cost"] == 19_000_000
    assert c.loc["b", "families"] == 0 and c.loc["b", "cost"] == 2_000_000   # students unknown


def test_unknown_students_stay_unknown():
    """A service whose schools' students are all unknown has unknown students and cost per
    student, not 0 students."""
    from audit.present.report_pilot import by_service_vendor
    costs = pd.DataFrame({"school_id": ["a", "b"], "service": ["other", "other"],
                          "students": [float("nan")] * 2, "budget": [1.0, 2.0],
                          "families": [0.0, 0.0], "cost": [1.0, 2.0]})
    row = by_service_vendor(costs, ["service"]).iloc[0]
    assert pd.isna(row["students"]) and pd.isna(row["per_student"]) and row["cost"] == 3.0


def test_bad_parameters_say_what_to_write(store):
    from audit.present.report_data import ReportError, parse_params
    with pytest.raises(ReportError, match="Atlantis"):
        parse_params("Atlantis", None, "vi", "public")
    with pytest.raises(ReportError, match="2024-2026"):
        parse_params(None, "2024-2026", "vi", "public")
    with pytest.raises(ReportError, match="public"):
        parse_params(None, None, "vi", "secret")
    assert parse_params("Vĩnh Long", "2024–2025", "en", "internal") == ("86", "2024-2025")


def test_sections_in_python_without_jupyter(store):
    """Every section renders from the package alone; a stored run and an in-memory run agree."""
    from audit.present.report_inspection import InspectionReport
    stored = InspectionReport.load(store["url"], province=store["province"], run_id=store["run_id"])
    fresh = InspectionReport.load(store["url"], province=store["province"])
    assert [f.finding_id for f in stored.d.findings] == [f.finding_id for f in fresh.d.findings]
    assert stored.d.findings, "the small set plants findings in its province"
    scores = [f.score for f in stored.d.findings]
    assert scores == sorted(scores, reverse=True)
    k = stored.key_figures()
    assert k["findings"] == len(stored.d.findings) and k["schools"] > 300
    mk = stored.markets()
    assert not mk.empty and mk["hhi"].between(0, 10000 * 2).all()
    cases = [f for f in stored.d.findings if f.code.startswith("COI")]
    assert cases and all(" → " in stored.coi_path(f) for f in cases)
    # families' yearly fees: the fee per student per year × the school's students
    dep, sch = stored.deployments, stored.schools
    expected = (dep["parent_fee_vnd"].fillna(0)
                * dep["school_id"].map(dict(zip(sch["school_id"], sch["students"]))).fillna(0)).sum()
    assert expected > dep["parent_fee_vnd"].sum() > 0
    assert k["parent_fees"] == pytest.approx(expected)


# --- rendered reports ---------------------------------------------------------------------------

SECTIONS = ("sec-summary", "sec-sources", "sec-market", "sec-map", "sec-findings", "sec-coi",
            "sec-procurement", "sec-deployments", "sec-governance", "sec-appendix")


def test_public_report_is_one_offline_page_with_every_section(store, public_report):
    html = public_report["html"]
    assert html.lstrip().lower().startswith("<!doctype html>")
    for s in SECTIONS:
        assert f'href="#{s}"' in html, f"table of contents lacks {s}"
        assert f'id="{s}"' in html
    assert "DỮ LIỆU TỔNG HỢP" in html.split('id="sec-summary"')[0], "synthetic banner on top"
    assert "Tóm tắt" in html and "Summary" not in html
    # No code, no outside reference, no script of ours.
    assert "InspectionReport.load" not in html and "report.summary()" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "require.js" not in html and "mathjax" not in html.lower() and "@import" not in html
    assert "Content-Security-Policy" in html
    # Hostile text is text.
    assert "<img src=x" not in html
    # the vendor given that name is shown, as text: in a table (HTML-escaped) or in the map's
    # data (JSON-escaped inside the frame)
    assert ("Công ty &lt;img src=x onerror=alert(1)&gt; Số" in html
            or "Công ty \\u003cimg src=x onerror=alert(1)\\u003e Số" in html)
    assert 'class="hocba-table hocba-findings"' in html


def test_public_report_shows_no_personal_value(store, public_report):
    values = personal_values(store["url"])
    assert len(values) > 100
    leaked = leaks(public_report["html"], values)
    assert not leaked, leaked[:10]


def test_internal_english_report_names_people(store, internal_en_report, public_report):
    html = internal_en_report["html"]
    assert "Summary" in html and "Market structure" in html and "Conflict-of-interest cases" in html
    for vi in ("Tóm tắt", "Cơ cấu thị trường", "Các phát hiện theo nhóm dấu hiệu", "Phụ lục"):
        assert vi not in html
    assert "Internal edition" in html and "SYNTHETIC DATA" in html
    for s in SECTIONS:
        assert f'id="{s}"' in html
    shown = leaks(html, personal_values(store["url"]))
    assert len(shown) >= 5, "an internal report shows the people of its COI cases"
    # The same finding ids in both editions.
    ids = lambda s: set(re.findall(r'id="f-([A-Z]+-[A-Z-]*[0-9a-f]{12})"', s))  # noqa: E731
    assert ids(html) == ids(public_report["html"]) and ids(html)


@pytest.mark.parametrize("name", ["inspection", "pilot_evaluation"])
def test_notebook_calls_every_section_in_order(name):
    import nbformat
    from audit.present.report_inspection import InspectionReport
    from audit.present.report_pilot import PilotReport
    cls = InspectionReport if name == "inspection" else PilotReport
    nb = nbformat.read(str(ROOT / "notebooks" / "reports" / f"{name}.ipynb"), as_version=4)
    calls = re.findall(r"^report\.([a-z_]+)\(\)$", "\n".join(c.source for c in nb.cells if c.cell_type == "code"), re.M)
    assert calls == ["header", *cls.SECTIONS]


def test_archive_holds_notebook_html_findings_parameters_hashes(store, public_report):
    run_dir = public_report["run_dir"]
    assert run_dir.parent.name == f"inspection-{store['province']}"
    names = {p.name for p in run_dir.iterdir()}
    assert {"report.ipynb", "report.html", "findings.csv", "findings.json", "parameters.json",
            "manifest.json"} <= names
    params = json.loads((run_dir / "parameters.json").read_text(encoding="utf-8"))
    assert params["province"] == store["province"] and params["run_id"] == store["run_id"]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["code_version"] and manifest["audit_run_id"] == store["run_id"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in manifest["inputs"])
    assert any(i["source"].endswith("inspection.ipynb") for i in manifest["inputs"])
    findings = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    shown = set(re.findall(r'id="f-([^"]+)"', public_report["html"]))
    assert {f["finding_id"] for f in findings} == shown
    import nbformat
    nb = nbformat.read(str(run_dir / "report.ipynb"), as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def test_pilot_evaluation_report(store):
    from audit.reporting import render_report
    out = store["tmp"] / "pilot.html"
    res = render_report("pilot_evaluation", db_url=store["url"], lang="en", out_html=out,
                        archive_dir=store["tmp"] / "archive")
    html = out.read_text(encoding="utf-8")
    for s in ("sec-coverage", "sec-milestones", "sec-costs", "sec-projection", "sec-method"):
        assert f'href="#{s}"' in html
    assert "Projected yearly cost" in html and "95%" in html
    # the store holds some provinces only: the projection says it is not the national cost
    assert "so the total below is not the national cost" in html
    assert "Steering committee set up" in html and "Late (days)" in html    # the milestones
    assert Path(res.run_dir).parent.name == "pilot_evaluation-national"
    assert "<svg" in html  # charts drawn inline


def test_report_command_line_errors(store, tmp_path):
    from audit.cli import main
    out = tmp_path / "r.html"
    with pytest.raises(SystemExit) as e:
        main(["report", "--db", store["url"], "--lang", "fr", "--out", str(out)])
    assert e.value.code == 2
    assert main(["report", "--db", store["url"], "--province", "Atlantis", "--out", str(out)]) == 2
    assert not out.exists()


def _appendix_rows(url: str, lang: str, privacy: str) -> dict[str, str]:
    """The quarantine appendix's rows: "<table> <row>" → the problem's text."""
    import html as h
    from audit.present.report_inspection import InspectionReport
    page = str(InspectionReport.load(url, lang=lang, privacy=privacy).appendix().html)
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [h.unescape(re.sub("<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 6:            # source, table, row, column, reason, problem
            out[f"{cells[1]} {cells[2]}"] = cells[5]
    return out


def test_public_quarantine_appendix_hides_personal_values_only(tmp_path):
    """The public appendix keeps a reason's text whole (the table a reference misses, the first
    row of a repeated key) and hides only a personal value: a person's column, the tax code of
    a household business or individual, a repeated key holding one."""
    from audit.cli import main
    d = tmp_path / "in"
    d.mkdir()
    (d / "authorities.csv").write_text("authority_id,name,kind,province_code\n"
                                       "SGD01,Sở GD&ĐT Hà Nội,province_department,01\n", encoding="utf-8")
    (d / "vendors.csv").write_text("vendor_id,name\n0100109106,Công ty B\n001085099999,Hộ Lê Thị Chín\n"
                                   "001085099999,Hộ Lê Thị Chín\n", encoding="utf-8")
    (d / "tenders.csv").write_text("tender_id,procuring_entity_id,category,method,school_year\n"
                                   "T1,SGD01,training,open_bidding,2024-2025\n"
                                   "T2,SGD01,training,open_bidding,2024-2026\n", encoding="utf-8")
    (d / "bids.csv").write_text("tender_id,vendor_id,price_vnd,status\nT1,0100109106,90000000,valid\n"
                                "T1,0101243150,80000000,valid\nT1,001085077777,80000000,valid\n"
                                "T9,0100109106,1,valid\n", encoding="utf-8")
    (d / "vendor_people.csv").write_text("vendor_id,full_name,role,birth_date\n"
                                         "0100109106,Trần Văn Mười,owner,1980-02-30\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/q.db"
    assert main(["ingest", str(d), "--db", url, "--quiet"]) == 3
    vi = _appendix_rows(url, "vi", "public")
    en = _appendix_rows(url, "en", "public")
    assert vi["Hồ sơ dự thầu 3"] == ("«0101243150» ở cột «vendor_id» không có trong bảng «vendors» của "
                                    "dữ liệu nhập hay của kho (hoặc dòng đó bị cách ly).")
    assert en["Bids 3"] == ("'0101243150' in column 'vendor_id' is not in table 'vendors' of the input "
                            "or the store (or that row was quarantined).")
    assert vi["Hồ sơ dự thầu 4"].startswith("«[đã ẩn]» ở cột «vendor_id» không có trong bảng «vendors»")
    assert en["Bids 4"].startswith("'[hidden]' in column 'vendor_id' is not in table 'vendors'")
    assert "«T9» ở cột «tender_id» không có trong bảng «tenders»" in vi["Hồ sơ dự thầu 5"]
    assert "«2024-2026»" in vi["Gói thầu 3"] and "'2024-2026'" in en["Tenders 3"]
    assert vi["Người của nhà cung cấp 2"] == "Ngày «[đã ẩn]» ở cột «birth_date» không tồn tại trong lịch."
    assert en["Vendor people 2"] == "The date '[hidden]' in column 'birth_date' does not exist in the calendar."
    assert vi["Nhà cung cấp 4"] == "Khoá «[đã ẩn]» đã xuất hiện ở dòng 3 của cùng tệp; dòng sau bị cách ly."
    assert en["Vendors 4"] == ("Key '[hidden]' already appeared on row 3 of the same input; the later "
                               "row is quarantined.")
    shown = "\n".join([*vi.values(), *en.values()])
    for personal in ("001085077777", "001085099999", "1980-02-30"):
        assert personal not in shown
    internal = "\n".join(_appendix_rows(url, "vi", "internal").values())
    assert "001085077777" in internal and "1980-02-30" in internal


def test_template_fields_read_a_stored_reason_text():
    from audit.present.report_inspection import _template_fields
    from procurement.reasons import REASONS, problem
    for value in ("0101243150", "x» ở cột «vendor_id» không có trong bảng «y", "O'Brien", ""):
        for lang in (0, 1):
            p = problem("dangling_reference", "vendor_id", value, target="vendors")
            text = (p.text_vi, p.text_en)[lang]
            assert _template_fields(REASONS["dangling_reference"][lang], text, "vendor_id") == \
                {"value": value, "target": "vendors"}
    assert _template_fields(REASONS["dangling_reference"][0], "another text", "vendor_id") is None


@pytest.fixture(scope="module")
def scheduled(store):
    """``hocba-audit run`` over three provinces and one bad name, two at a time."""
    import contextlib
    import io
    from audit.cli import main
    out = store["tmp"] / "run"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", "--db", store["url"], "--provinces", f"{store['province']},01,Atlantis,79",
                     "--jobs", "2", "--out", str(out), "--archive", str(store["tmp"] / "a"), "--no-progress"])
    return {"code": code, "out": out, "err": err.getvalue()}


def test_scheduled_run_records_a_failed_province_and_exits_1(store, scheduled):
    out = scheduled["out"]
    assert scheduled["code"] == 1
    assert "Atlantis" in scheduled["err"]
    reports = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert len(reports) == 3 and any(r.startswith(store["province"] + "-") for r in reports)
    index = (out / "index.html").read_text(encoding="utf-8")
    for r in reports:
        assert f'href="{r}"' in index
    assert "Atlantis" in index and "không phải là tỉnh" in index
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    failed = [o for o in run["outcomes"] if not o["ok"]]
    assert [o["given"] for o in failed] == ["Atlantis"]
    mine = next(o for o in run["outcomes"] if o["province"] == store["province"])
    assert mine["figures"]["findings"] > 0 and mine["figures"]["schools"] > 300
    # Every province's figures are shown, 0 included; "—" only on the row that failed.
    import html as h
    rows = [[h.unescape(re.sub("<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", index, re.S)]
    rows = {r[0]: r[2:6] for r in rows if r}
    assert rows["Atlantis"] == ["—"] * 4
    empty = [o for o in run["outcomes"] if o["ok"] and o["figures"]["schools"] == 0]
    assert empty, "the small set has no school in 01 or 79"
    for o in run["outcomes"]:
        if o["ok"]:
            f = o["figures"]
            assert f["findings"] is not None and f["high"] is not None and f["risk"] is not None
            assert "" not in rows[o["name"]] and "—" not in rows[o["name"]], rows[o["name"]]
    for o in empty:
        assert rows[o["name"]][0] == "0"


# --- headless Chromium, every request blocked ------------------------------------------------------

def _browser():
    need(Path("/usr/bin/chromium").exists(), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    return sync_playwright


def _open(sync_playwright, path: Path):
    """Open ``path``; returns (page facts, requests attempted other than the file)."""
    url = path.resolve().as_uri()
    attempted, errors, dialogs = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()

            def route(r):
                if r.request.url == url:
                    r.continue_()
                else:
                    attempted.append(r.request.url)
                    r.abort()
            page.context.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url, wait_until="load")
            page.wait_for_timeout(300)
            if page.locator(".hocba-map iframe").count():
                page.wait_for_timeout(1500)  # the map draws itself
            facts = {
                "findings_rows": page.locator("table.hocba-findings tr.hocba-finding").count(),
                "toc_links": page.locator("nav.hocba-toc a").count(),
                "iframes": page.locator(".hocba-map iframe").count(),
                "placeholder": page.locator(".hocba-placeholder").count(),
                "text": page.inner_text("body"),
            }
            if facts["iframes"]:
                frame = page.frames[1] if len(page.frames) > 1 else None
                facts["map_drawn"] = bool(frame and frame.locator("canvas, svg").count())
        finally:
            browser.close()
    return facts, attempted, errors, dialogs


@pytest.mark.browser
def test_browser_opens_report_offline(store, public_report):
    sync_playwright = _browser()
    facts, attempted, errors, dialogs = _open(sync_playwright, public_report["path"])
    assert attempted == [], attempted
    assert errors == [] and dialogs == []
    assert facts["findings_rows"] >= len([f for f in store["findings"]
                                          if f.province_code in (store["province"], None)])
    assert facts["toc_links"] == len(SECTIONS)
    try:
        from audit.present import network  # noqa: F401
        has_network = hasattr(network, "embed")
    except ImportError:
        has_network = False
    if has_network:
        assert facts["iframes"] == 1 and facts.get("map_drawn"), "the supplier map is drawn"
    else:
        assert facts["placeholder"] == 1, "a visible placeholder where the map goes"
    values = personal_values(store["url"])
    assert not [v for v in values if v in facts["text"]]


@pytest.mark.browser
def test_browser_index_page(scheduled):
    sync_playwright = _browser()
    facts, attempted, errors, dialogs = _open(sync_playwright, scheduled["out"] / "index.html")
    assert attempted == [] and errors == [] and dialogs == []
    assert "Atlantis" in facts["text"]

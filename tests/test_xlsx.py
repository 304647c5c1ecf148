"""The Excel template and the ``.xlsx`` reader (data-contract.md, "Containers")."""
from __future__ import annotations

import csv
import datetime as dt
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from procurement import geo, values
from procurement.contract import ENUMS, TABLE_ORDER, TABLES, VI_HEADERS
from procurement.readers import UnreadableInput, match_header, read_csv_folder, read_source
from procurement.template import (COMMUNES_SHEET, INSTRUCTIONS_SHEET, MONEY_FORMAT,
                                  PROVINCES_SHEET, TEXT_FORMAT, write_template)
from procurement.xlsx import merge_header_rows, read_workbook

TAX = "0100109106"          # a real tax code (check digit valid)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


def _col(table: str, column: str) -> int:
    return TABLES[table].column_names.index(column) + 1


def _put(ws, table: str, row: int, cells: dict) -> None:
    for column, value in cells.items():
        ws.cell(row=row, column=_col(table, column), value=value)


# --- the template -----------------------------------------------------------------------------
def test_template_has_one_sheet_per_table_with_both_header_rows(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *TABLE_ORDER, PROVINCES_SHEET, COMMUNES_SHEET]
    for name in TABLE_ORDER:
        ws = wb[name]
        cols = TABLES[name].column_names
        row1 = [c.value for c in ws[1]]
        row2 = [c.value for c in ws[2]]
        assert row1 == [VI_HEADERS[name][c] for c in cols], name
        assert row2 == cols, name
        assert ws.freeze_panes == "A3"
        assert ws.max_row == 2          # no data rows
        for j, col in enumerate(TABLES[name].columns, start=1):
            top, low = ws.cell(row=1, column=j), ws.cell(row=2, column=j)
            assert top.font.b and low.font.b
            # The header cells still name their column after whatever marking was applied.
            assert match_header(name, top.value) == col.name
            assert match_header(name, low.value) == col.name
            assert top.comment is not None and "—" in top.comment.text
            red = top.font.color is not None and top.font.color.rgb == "FFC00000"
            if col.required:
                assert red and "BẮT BUỘC" in top.comment.text and "REQUIRED" in top.comment.text
            assert ws.column_dimensions[get_column_letter(j)].width >= 10


def test_template_has_a_drop_down_for_every_enum_and_bool_column(template):
    wb = openpyxl.load_workbook(template)
    for name in TABLE_ORDER:
        ws = wb[name]
        by_column: dict[str, str] = {}
        for dv in ws.data_validations.dataValidation:
            assert dv.type == "list"
            for rng in dv.sqref.ranges:
                assert rng.min_row == 3 and rng.max_row == 1_048_576
                assert rng.min_col == rng.max_col
                by_column[TABLES[name].column_names[rng.min_col - 1]] = dv.formula1
        for col in TABLES[name].columns:
            if col.kind == "enum":
                assert by_column[col.name].strip('"').split(",") == list(ENUMS[col.enum]), \
                    (name, col.name)
            elif col.kind == "bool":
                assert by_column[col.name] == '"true,false"'
            elif col.kind == "province":
                assert PROVINCES_SHEET in by_column[col.name]
            else:
                assert col.name not in by_column, (name, col.name)


def test_template_formats_codes_and_dates_as_text(template):
    wb = openpyxl.load_workbook(template)

    def fmt(table, column):
        return wb[table].column_dimensions[get_column_letter(_col(table, column))].number_format

    for table, column in [("vendors", "vendor_id"), ("schools", "province_code"),
                          ("schools", "commune_code"), ("schools", "school_id"),
                          ("officials", "national_id"), ("vendors", "phone"),
                          ("vendors", "registered_on"), ("tenders", "published_on"),
                          ("deployments", "school_year")]:
        assert fmt(table, column) == TEXT_FORMAT, (table, column)
    assert fmt("tenders", "estimated_value_vnd") == MONEY_FORMAT
    assert fmt("schools", "students") == "General"


def test_template_instructions_and_lists(template):
    wb = openpyxl.load_workbook(template)
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    vi_at, en_at = text.index("Định dạng giá trị"), text.index("Value formats")
    assert vi_at < en_at                                   # Vietnamese first, then English
    for needle in ("05/09/2024", "125.000.000", "Văn bản", "Text", "true/false", "2024-2025"):
        assert needle in text
    for name in TABLE_ORDER:
        assert f"{name} — " in text
    prov = wb[PROVINCES_SHEET]
    codes = [r[0] for r in prov.iter_rows(min_row=3, values_only=True)]
    assert codes == list(geo.provinces())
    assert len(codes) == 34 and "01" in codes and all(isinstance(c, str) for c in codes)
    communes = [r for r in wb[COMMUNES_SHEET].iter_rows(min_row=3, values_only=True)]
    assert len(communes) == len(geo.communes())
    assert ("00070", "01") in {(r[0], r[2]) for r in communes}


def test_empty_template_reads_as_empty_tables(template):
    src = read_workbook(template)
    assert src.kind == "xlsx" and len(src.sha256) == 64
    assert [t.table for t in src.tables] == list(TABLE_ORDER)
    for t in src.tables:
        assert len(t) == 0 and list(t.data) == TABLES[t.table].column_names
        assert t.unknown_columns == [] and t.source == f"{template}#{t.table}"
    assert src.ignored == [f"{template}#{s}" for s in
                           (INSTRUCTIONS_SHEET, PROVINCES_SHEET, COMMUNES_SHEET)]
    assert src.warnings == []


# --- reading a filled-in workbook -------------------------------------------------------------
@pytest.fixture(scope="module")
def filled(template, tmp_path_factory) -> Path:
    wb = openpyxl.load_workbook(template)
    ws = wb["schools"]
    _put(ws, "schools", 3, {"school_id": "S1", "name": "Trường Tiểu học Hoàn Kiếm",
                            "level": "primary", "province_code": "01", "commune_code": "00070",
                            "students": 512, "in_pilot": True})
    # row 4 left empty on purpose
    _put(ws, "schools", 5, {"school_id": "S2", "name": "Trường THCS A", "level": "Lower_Secondary",
                            "province_code": 1, "commune_code": "00070", "in_pilot": False})
    extra = len(TABLES["schools"].columns) + 1
    ws.cell(row=1, column=extra, value="Ghi chú")          # an unknown column, both header rows
    ws.cell(row=2, column=extra, value="ghi_chu")
    ws.cell(row=5, column=extra, value="mới mở")

    ws = wb["vendors"]
    _put(ws, "vendors", 3, {"vendor_id": TAX, "name": "Tập đoàn Viettel",
                            "registered_on": dt.datetime(2005, 1, 13), "status": "active"})

    ws = wb["tenders"]
    _put(ws, "tenders", 3, {"tender_id": "T1", "procuring_entity_id": "A1",
                            "category": "school_management_software", "method": "open_bidding",
                            "estimated_value_vnd": 125000000.0,
                            "published_on": "05/09/2024 17:00", "school_year": "2024-2025",
                            "in_investment_project": False})

    # A sheet with a title row and only the Vietnamese header, named with other case and spaces.
    wb.remove(wb["officials"])
    ws = wb.create_sheet(" Officials ")
    ws.append(["DANH SÁCH CÁN BỘ SỞ GD&ĐT"])
    ws.append([VI_HEADERS["officials"][c] for c in ("official_id", "full_name", "authority_id",
                                                     "position", "birth_date")])
    ws.append(["O1", "Trần Thị Bình", "A1", "director", "05/09/1975"])
    ws.append(["O2", "Lê Văn Cường", "A1", "Procurement_Officer", dt.datetime(1980, 2, 29)])

    # A sheet with only the English header row: data from row 2.
    wb.remove(wb["pilot_milestones"])
    ws = wb.create_sheet("pilot_milestones")
    ws.append(["province_code", "milestone", "due_on", "done_on"])
    ws.append(["01", "plan_issued", "2024-09-05", None])

    ws = wb.create_sheet("Ghi chú")                       # not a table
    ws.append(["anything"])
    path = tmp_path_factory.mktemp("filled") / "book.xlsx"
    wb.save(path)
    return path


def _table(src, name):
    found = [t for t in src.tables if t.table == name]
    assert len(found) == 1, name
    return found[0]


def test_filled_workbook_reads_back(filled):
    src = read_workbook(filled)
    assert src.path == str(filled) and src.kind == "xlsx"
    assert {t.table for t in src.tables} == set(TABLE_ORDER)
    assert f"{filled}#Ghi chú" in src.ignored
    assert f"{filled}#{INSTRUCTIONS_SHEET}" in src.ignored
    assert not any("#schools" in s or "Officials" in s for s in src.ignored)
    assert src.warnings == []

    schools = _table(src, "schools")
    assert schools.source == f"{filled}#schools"
    assert schools.row_numbers == [3, 5]                  # the empty row 4 is skipped, not renumbered
    assert schools.unknown_columns == ["ghi_chu"]
    assert schools.headers["school_id"] == "school_id"
    assert schools.data["school_id"] == ["S1", "S2"]
    assert schools.data["in_pilot"] == [True, False]
    assert schools.data["students"] == [512, None]
    assert schools.raw_row(1)["ghi_chu"] == "mới mở"
    col = TABLES["schools"].by_name
    assert values.parse(col["level"], schools.data["level"][1]) == "lower_secondary"
    assert values.parse(col["province_code"], schools.data["province_code"][1]) == "01"
    assert values.parse(col["commune_code"], schools.data["commune_code"][0], "01") == "00070"

    vendors = _table(src, "vendors")
    assert vendors.row_numbers == [3]
    assert vendors.data["vendor_id"] == [TAX]             # the leading zero survives
    assert isinstance(vendors.data["registered_on"][0], dt.datetime)
    assert values.parse(TABLES["vendors"].by_name["registered_on"],
                        vendors.data["registered_on"][0]) == dt.date(2005, 1, 13)

    tenders = _table(src, "tenders")
    cols = TABLES["tenders"].by_name
    assert values.parse(cols["estimated_value_vnd"], tenders.data["estimated_value_vnd"][0]) \
        == 125_000_000
    assert values.parse(cols["published_on"], tenders.data["published_on"][0]) \
        == "2024-09-05T17:00:00+07:00"
    assert tenders.data["in_investment_project"] == [False]

    officials = _table(src, "officials")
    assert officials.source == f"{filled}# Officials "
    assert officials.row_numbers == [3, 4]                # title row 1, Vietnamese header row 2
    assert set(officials.data) == {"official_id", "full_name", "authority_id", "position",
                                   "birth_date"}
    assert officials.headers["official_id"] == VI_HEADERS["officials"]["official_id"]
    assert officials.data["full_name"] == ["Trần Thị Bình", "Lê Văn Cường"]
    assert values.parse(TABLES["officials"].by_name["birth_date"],
                        officials.data["birth_date"][1]) == dt.date(1980, 2, 29)

    milestones = _table(src, "pilot_milestones")
    assert milestones.row_numbers == [2]
    assert milestones.data["done_on"] == [None]

    assert len(_table(src, "bids")) == 0


def test_read_source_dispatches_xlsx(filled):
    src = read_source(filled)
    assert src.kind == "xlsx" and len(_table(src, "schools")) == 2


def test_xlsx_matches_csv_reader(tmp_path):
    """The same sheet as CSV and as a one-header workbook gives the same raw table."""
    rows = [["school_id", "Tên trường", "level", "note", "school_id"],
            ["S1", "Trường A", "primary", "x", "dup"],
            [None, None, None, None, None],
            ["S2", "Trường B", "other", None, None, "spill"]]
    folder = tmp_path / "csv"
    folder.mkdir()
    with (folder / "schools.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["" if v is None else v for v in r] for r in rows])
    wb = openpyxl.Workbook()
    wb.active.title = "schools"
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "b.xlsx")
    a = read_csv_folder(folder)
    b = read_workbook(tmp_path / "b.xlsx")
    ta, tb = a.tables[0], b.tables[0]
    assert ta.row_numbers == tb.row_numbers == [2, 4]
    assert ta.headers == tb.headers
    # a repeated label keeps its own name; a cell beyond the header gets one
    assert ta.unknown_columns == tb.unknown_columns == ["note", "school_id (2)", "column_6"]
    assert ta.raw_row(0) == {"school_id": "S1", "Tên trường": "Trường A", "level": "primary",
                             "note": "x", "school_id (2)": "dup"}
    assert {k: [v or None for v in vs] for k, vs in ta.data.items()} == tb.data
    assert ta.raw_row(1) == tb.raw_row(1)
    assert [w.split(": ", 1)[1] for w in a.warnings] == [w.split(": ", 1)[1] for w in b.warnings]
    assert len(b.warnings) == 2          # the repeated column, the cell beyond the header


def test_header_rows_merge_and_leading_blank_rows(tmp_path):
    # A column named only in the Vietnamese row keeps that name; an unknown one keeps its label.
    merged = merge_header_rows("schools", [["Mã trường", "Mã tỉnh", "Ghi chú", None],
                                           ["school_id", "ma_tinh_cu", None, "note2"]])
    assert merged == ["school_id", "Mã tỉnh", "Ghi chú", "note2"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SCHOOLS"
    ws["A3"], ws["B3"] = "Danh sách", None                 # rows 1–2 empty, a title on row 3
    ws.append(["Mã trường", "Mã tỉnh", "Ghi chú"])          # row 4
    ws.append(["school_id", "ma_tinh_cu", None])           # row 5
    ws.append(["S9", "01", "x"])                           # row 6
    wb.save(tmp_path / "m.xlsx")
    t = read_workbook(tmp_path / "m.xlsx").tables[0]
    assert t.row_numbers == [6]
    assert t.data == {"school_id": ["S9"], "province_code": ["01"]}
    assert t.unknown_columns == ["Ghi chú"]


def test_empty_sheet_and_duplicate_sheets_warn(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "schools"
    ws = wb.create_sheet("Schools ")
    ws.append(["school_id"])
    ws.append(["S1"])
    wb.save(tmp_path / "e.xlsx")
    src = read_workbook(tmp_path / "e.xlsx")
    assert [len(t) for t in src.tables] == [0, 1]
    assert any("empty sheet" in w for w in src.warnings)
    assert any("both sheets are read" in w for w in src.warnings)


# --- unreadable workbooks ----------------------------------------------------------------------
def test_corrupt_workbook_is_unreadable(tmp_path):
    bad = tmp_path / "random.xlsx"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(UnreadableInput) as e:
        read_workbook(bad)
    msg = str(e.value)
    assert "không mở được" in msg and "cannot be opened" in msg
    assert msg.index("không mở được") < msg.index("cannot be opened")
    with pytest.raises(UnreadableInput):
        read_source(bad)

    not_xlsx = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(not_xlsx, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnreadableInput, match="cannot be opened"):
        read_workbook(not_xlsx)

    locked = tmp_path / "locked.xlsx"            # an encrypted workbook is an OLE container
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(1024))
    with pytest.raises(UnreadableInput, match="password"):
        read_workbook(locked)

    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableInput):
        read_workbook(empty)


# --- end to end --------------------------------------------------------------------------------
VALID_ROWS: dict[str, dict] = {
    "schools": {"school_id": "S1", "name": "Trường Tiểu học Hoàn Kiếm", "level": "primary",
                "province_code": "01", "commune_code": "00070", "ownership": "public",
                "students": 512, "classes": 15, "teachers": 30, "in_pilot": True},
    "authorities": {"authority_id": "A1", "name": "Sở Giáo dục và Đào tạo Hà Nội",
                    "kind": "province_department", "province_code": "01"},
    "vendors": {"vendor_id": TAX, "name": "Tập đoàn Công nghiệp - Viễn thông Quân đội",
                "registered_on": dt.datetime(2005, 1, 13), "status": "active",
                "province_code": "Hà Nội"},
    "vendor_people": {"vendor_id": TAX, "full_name": "Nguyễn Văn An",
                      "role": "legal_representative", "share_pct": 51.5,
                      "birth_date": "05/09/1970"},
    "officials": {"official_id": "O1", "full_name": "Trần Thị Bình", "authority_id": "A1",
                  "position": "director", "birth_date": dt.datetime(1975, 3, 1)},
    "declared_relatives": {"official_id": "O1", "full_name": "Lê Văn Cường", "relation": "spouse"},
    "tenders": {"tender_id": "T1", "procuring_entity_id": "A1", "title": "Phần mềm học bạ số",
                "category": "school_management_software", "method": "open_bidding",
                "estimated_value_vnd": 125000000.0, "published_on": "05/09/2024 17:00",
                "bid_deadline": dt.datetime(2024, 9, 20, 9, 30), "school_year": "2024-2025",
                "funding_source": "state_budget", "in_investment_project": False},
    "tender_committee": {"tender_id": "T1", "official_id": "O1", "role": "approver"},
    "bids": {"tender_id": "T1", "vendor_id": TAX, "price_vnd": "120.000.000 đ",
             "status": "valid"},
    "contracts": {"contract_id": "C1", "tender_id": "T1", "vendor_id": TAX,
                  "procuring_entity_id": "A1", "signed_on": "01/10/2024",
                  "value_vnd": 120000000, "start_on": "2024-10-01", "end_on": "2025-09-30"},
    "contract_lines": {"contract_id": "C1", "line_no": 1, "school_id": "S1",
                       "item": "bản quyền phần mềm quản lý trường học 12 tháng",
                       "service": "school_management_software", "quantity": 1,
                       "unit": "school", "unit_price_vnd": 120000000},
    "deployments": {"school_id": "S1", "school_year": "2024-2025",
                    "service": "school_management_software", "product": "Học bạ số X",
                    "vendor_id": TAX, "contract_id": "C1", "status": "live",
                    "records_total": 512, "records_signed": 500,
                    "exports_standard_format": True},
    "directives": {"directive_id": "2024/1234/SGDĐT-CNTT", "issuer_id": "A1",
                   "issued_on": dt.datetime(2024, 8, 15), "title": "Triển khai học bạ số"},
    "pilot_milestones": {"province_code": "01", "milestone": "plan_issued",
                         "due_on": "2024-09-05", "done_on": "30/08/2024"},
}


def test_valid_rows_cover_every_table():
    assert set(VALID_ROWS) == set(TABLE_ORDER)
    for name, row in VALID_ROWS.items():
        spec = TABLES[name]
        assert set(row) <= set(spec.column_names), name
        assert all(c.name in row for c in spec.columns if c.required), name


def test_filled_template_ingests_end_to_end(template, tmp_path):
    ingest_mod = pytest.importorskip("procurement.ingest")
    wb = openpyxl.load_workbook(template)
    for name, row in VALID_ROWS.items():
        _put(wb[name], name, 3, row)
    path = tmp_path / "valid.xlsx"
    wb.save(path)
    result = ingest_mod.ingest([str(path)], db_url=f"sqlite:///{tmp_path / 'store.db'}",
                               strict=False)
    assert result.report["quarantine"] == []
    assert result.exit_code == 0, result.report
    for name in TABLE_ORDER:
        counts = result.report["tables"][name]
        assert counts["read"] == counts["landed"] == counts["inserted"] == 1, (name, counts)
    assert f"{path}#{INSTRUCTIONS_SHEET}" in result.report["ignored"]
    assert result.report["unknown_columns"] == {}

    # Ingesting the same workbook again changes nothing.
    again = ingest_mod.ingest([str(path)], db_url=f"sqlite:///{tmp_path / 'store.db'}")
    assert again.exit_code == 0
    assert all(c["inserted"] == c["updated"] == 0 and c["unchanged"] == 1
               for c in again.report["tables"].values())


def test_quarantined_row_reports_the_spreadsheet_row(template, tmp_path):
    ingest_mod = pytest.importorskip("procurement.ingest")
    wb = openpyxl.load_workbook(template)
    ws = wb["schools"]
    _put(ws, "schools", 3, VALID_ROWS["schools"])
    _put(ws, "schools", 6, {**VALID_ROWS["schools"], "school_id": "S2",
                            "commune_code": "99999"})
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    result = ingest_mod.ingest([str(path)], db_url=f"sqlite:///{tmp_path / 'store.db'}")
    assert result.exit_code == 3
    [q] = result.report["quarantine"]
    assert (q["source"], q["table"], q["row"], q["column"], q["reason"]) == \
        (f"{path}#schools", "schools", 6, "commune_code", "commune_not_in_province")


def test_wrong_sheet_dimension_does_not_cut_rows(tmp_path):
    """Some tools write a sheet dimension of "A1"; every row and cell is still read."""
    wb = openpyxl.Workbook()
    wb.active.title = "schools"
    wb.active.append(["school_id", "name"])
    wb.active.append(["S1", "Trường A"])
    wb.active.append(["S2", "Trường B"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "dim.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B3" />' in data
                data = data.replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1" />')
            zout.writestr(item, data)
    t = read_workbook(bad).tables[0]
    assert t.row_numbers == [2, 3]
    assert t.data == {"school_id": ["S1", "S2"], "name": ["Trường A", "Trường B"]}


def test_letterhead_above_the_header_and_percent_cells(tmp_path):
    """An official letterhead (authority, national motto, title, "Kèm theo…", blank rows) above
    the two header rows; a share typed as 60% (Excel stores 0.6) is read as 60."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "vendor_people"
    for line in ["SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "DANH SÁCH CỔ ĐÔNG",
                 "(Kèm theo Công văn số 123/SGDĐT-KHTC)", None, None]:
        ws.append([line])
    ws.append(["Mã số thuế", "Vai trò", "Họ và tên", "Tỷ lệ sở hữu (%)"])     # row 8
    ws.append(["vendor_id", "role", "full_name", "share_pct"])               # row 9
    ws.append(["0100109106", "shareholder", "Nguyễn Văn A", 0.6])            # row 10
    ws["D10"].number_format = "0%"
    ws.append(["0100109106", "shareholder", "Trần Thị B", 0.125])            # row 11
    ws["D11"].number_format = "0.0%"
    ws.append(["0100109106", "employee", "Lê C", 40])                        # row 12: a number
    wb.save(tmp_path / "l.xlsx")
    t = read_workbook(tmp_path / "l.xlsx").tables[0]
    assert t.row_numbers == [10, 11, 12]
    assert t.data["share_pct"] == [60.0, 12.5, 40]
    assert t.unknown_columns == []


def _with_cached(path: Path, out: Path, cells: dict[str, str]) -> None:
    """``path`` rewritten with a saved result for formula cells (as Excel writes them):
    ``cells`` maps a cell reference to its ``<c>`` element's new text."""
    import re
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                for ref, new in cells.items():
                    text = re.sub(rf'<c r="{ref}"[^>]*>.*?</c>', new, text, count=1)
                data = text.encode("utf-8")
            zout.writestr(item, data)


def test_a_formula_without_a_saved_result_is_said_not_read_as_empty(tmp_path):
    """openpyxl (and other programs) write formulas without computing them: read for its cached
    value such a cell is empty, and a figure the sheet shows would be lost silently.  The
    workbook is unreadable (exit 4) with the cells named; saved by Excel, it reads."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "schools"
    ws.append(["school_id", "name", "level", "province_code", "students"])
    ws.append(["S1", "Trường Một", "primary", "01", 420])
    ws.append(["S2", '=B2&" - cơ sở 2"', "primary", "01", "=E2*2"])
    plain = tmp_path / "formulas.xlsx"
    wb.save(plain)
    with pytest.raises(UnreadableInput) as e:
        read_workbook(plain)
    text = str(e.value)
    assert "B3 =B2&\" - cơ sở 2\"" in text and "E3 =E2*2" in text and "2 cells" in text
    assert "LibreOffice" in text
    # The same workbook as Excel saves it: each formula with its result (a text result is
    # stored t="str"; an empty one too).
    saved = tmp_path / "saved.xlsx"
    _with_cached(plain, saved, {
        "B3": '<c r="B3" t="str"><f>B2&amp;" - cơ sở 2"</f><v>Trường Một - cơ sở 2</v></c>',
        "E3": '<c r="E3"><f>E2*2</f><v>840</v></c>'})
    t = read_workbook(saved).tables[0]
    rows = {r["school_id"]: r for r in map(t.raw_row, range(len(t)))}
    assert rows["S2"]["name"] == "Trường Một - cơ sở 2" and rows["S2"]["students"] == 840
    empty = tmp_path / "empty-result.xlsx"
    _with_cached(plain, empty, {
        "B3": '<c r="B3" t="str"><f>IF(1,"","")</f><v></v></c>',
        "E3": '<c r="E3"><f>E2*2</f><v>840</v></c>'})
    t = read_workbook(empty)            # an empty text result is a result
    assert len(t.tables[0]) == 2


def test_every_column_note_says_something_in_both_languages():
    from procurement.template import column_note
    for name, spec in TABLES.items():
        for col in spec.columns:
            vi, en = column_note(spec, col).split("\n—\n")
            assert vi.strip() and en.strip(), (name, col.name)

"""The Excel input template (``hocba-audit template --out FILE.xlsx``).

One sheet per contract table, in :data:`~procurement.contract.TABLE_ORDER`: row 1 is the
Vietnamese header, row 2 the snake_case column name, both bold and frozen; data goes from row 3.
Required columns have a red header and every header has a note with the column's format.
Enumeration and yes/no columns have drop-down lists; province code columns offer the 34
provinces.  Before the tables: an instructions sheet ("Hướng dẫn", Vietnamese then English);
after them the province and commune lists.  Those three sheets are not tables, so ingest lists
them as ignored.

Cell formats.  Identifiers, tax codes, province and commune codes, phone numbers, citizen ids
and school years are text, so that Excel keeps leading zeros (``0100109106``, ``01``,
``00070``).  Date and date-time columns are text too: ``05/09/2024`` typed into a text cell lands
as written and is read day first, whereas a date-formatted cell is interpreted with the
computer's regional settings — on an English (US) Windows, 05/09/2024 would become 9 May.  A
real Excel date pasted into those columns is still read correctly.  Money is a number with
thousands separators; other numbers are General.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import geo
from .contract import ENUMS, TABLE_ORDER, TABLES, VI_HEADERS, Column, Table

INSTRUCTIONS_SHEET = "Hướng dẫn"
PROVINCES_SHEET = "Danh mục tỉnh"
COMMUNES_SHEET = "Danh mục xã"
LISTS_SHEET = "Danh sách giá trị"     # only when an enumeration is too long for an inline list

FIRST_DATA_ROW = 3
LAST_ROW = 1_048_576                  # validations cover the whole column below the header

TEXT_FORMAT = "@"
MONEY_FORMAT = "#,##0"
_NUMBER_FORMATS = {"money": MONEY_FORMAT, "int": "General", "number": "General",
                   "percent": "General"}

#: Vietnamese names of the tables, for the instructions.
TABLE_VI = {
    "schools": "Trường học",
    "authorities": "Cơ quan, đơn vị (Bộ, Sở GD&ĐT, UBND xã, trường tự mua sắm…)",
    "vendors": "Nhà cung cấp (doanh nghiệp)",
    "vendor_people": "Người của nhà cung cấp (đại diện pháp luật, giám đốc, cổ đông…)",
    "officials": "Cán bộ, công chức, viên chức",
    "declared_relatives": "Người thân đã kê khai của cán bộ",
    "tenders": "Gói thầu",
    "tender_committee": "Người quyết định, tổ chuyên gia, thẩm định, ký hợp đồng của gói thầu",
    "bids": "Hồ sơ dự thầu",
    "contracts": "Hợp đồng",
    "contract_lines": "Hạng mục hợp đồng (theo trường)",
    "deployments": "Triển khai phần mềm, dịch vụ tại trường theo năm học",
    "directives": "Văn bản chỉ đạo",
    "pilot_milestones": "Mốc thí điểm học bạ số của tỉnh",
}

_KIND_HINTS: dict[str, tuple[str, str]] = {
    "date": ("Ngày: 05/09/2024 (ngày/tháng/năm) hoặc 2024-09-05.",
             "Date: 05/09/2024 (day first) or 2024-09-05."),
    "datetime": ("Ngày hoặc ngày giờ: 05/09/2024, 05/09/2024 17:00 hoặc 2024-09-05T17:00:00+07:00; "
                 "giờ không ghi múi giờ là giờ Việt Nam.",
                 "Date or date-time: 05/09/2024, 05/09/2024 17:00 or 2024-09-05T17:00:00+07:00; "
                 "a time without an offset is Vietnam time."),
    "money": ("Số tiền VNĐ, số nguyên không âm: 125000000 hoặc 125.000.000 (có thể kèm đ / VNĐ).",
              "Amount in VND, a whole non-negative number: 125000000 or 125.000.000 (đ / VNĐ "
              "allowed)."),
    "int": ("Số nguyên.", "Whole number."),
    "number": ("Số, có thể có phần thập phân (2,5 hoặc 2.5).",
               "Number, decimals allowed (2,5 or 2.5)."),
    "percent": ("Tỉ lệ phần trăm từ 0 đến 100.", "Percentage from 0 to 100."),
    "bool": ("true / false (cũng nhận 1/0, có/không, x; để trống là false).",
             "true / false (1/0, yes/no, có/không, x accepted; empty is false)."),
    "tax_code": ("Mã số thuế 10 chữ số, hoặc 10 chữ số-3 chữ số của chi nhánh (0100109106-001); "
                 "giữ số 0 ở đầu.",
                 "Tax code: 10 digits, or 10 digits-3 digits for a branch (0100109106-001); keep "
                 "the leading zero."),
    "province": (f"Mã tỉnh 2 chữ số (xem trang «{PROVINCES_SHEET}»), hoặc tên tỉnh.",
                 f"2-digit province code (see sheet '{PROVINCES_SHEET}'), or the province name."),
    "commune": (f"Mã xã/phường/đặc khu 5 chữ số (xem trang «{COMMUNES_SHEET}»), thuộc tỉnh của "
                f"dòng.",
                f"5-digit commune/ward code (see sheet '{COMMUNES_SHEET}'), in the row's "
                f"province."),
    "school_year": ("Năm học: 2024-2025.", "School year: 2024-2025."),
}

# Text columns that hold codes: keep them as text so leading zeros survive.
_CODE_HINT = ("Ô dạng văn bản: giữ nguyên số 0 ở đầu.", "Text cell: leading zeros are kept.")

_HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_NAME_FILL = PatternFill("solid", start_color="FFF2F2F2", end_color="FFF2F2F2")
_REQUIRED_COLOR = "FFC00000"


def _number_format(col: Column) -> str:
    return _NUMBER_FORMATS.get(col.kind, TEXT_FORMAT)


def _requirement(table: Table, col: Column) -> tuple[str, str] | None:
    if col.required:
        return "BẮT BUỘC.", "REQUIRED."
    for name, test, values in table.required_when:
        if name == col.name:
            v = ", ".join(values)
            return (f"Bắt buộc khi {test} là {v}.", f"Required when {test} is {v}.")
    for name, test, values in table.required_unless:
        if name == col.name:
            v = ", ".join(values)
            return (f"Bắt buộc, trừ khi {test} là {v}.", f"Required unless {test} is {v}.")
    return None


def is_required(table: Table, col: Column) -> bool:
    """Required, or required in most rows (required unless / when a condition holds)."""
    return col.required or any(name == col.name for name, *_ in table.required_unless)


def column_note(table: Table, col: Column) -> str:
    """The note on a header cell: requirement, format, reference — Vietnamese, then English."""
    vi: list[str] = []
    en: list[str] = []
    req = _requirement(table, col)
    if req:
        vi.append(req[0])
        en.append(req[1])
    if col.kind == "enum":
        values = ", ".join(col.values)
        vi.append(f"Một trong các giá trị: {values}.")
        en.append(f"One of: {values}.")
    elif col.kind in _KIND_HINTS:
        vi.append(_KIND_HINTS[col.kind][0])
        en.append(_KIND_HINTS[col.kind][1])
    elif _number_format(col) == TEXT_FORMAT and (col.name.endswith("_id") or col.name in
                                                  ("phone", "national_id")):
        vi.append(_CODE_HINT[0])
        en.append(_CODE_HINT[1])
    if col.ref:
        vi.append(f"Tham chiếu bảng «{col.ref}».")
        en.append(f"Refers to table '{col.ref}'.")
    if col.name in table.key:
        vi.append("Thuộc khoá của bảng.")
        en.append("Part of the table's key.")
    if not vi:          # an optional free-text column: say so rather than show a bare dash
        vi.append("Không bắt buộc; văn bản tự do.")
        en.append("Optional; free text.")
    return " ".join(vi) + "\n—\n" + " ".join(en)


def _list_validation(values: tuple[str, ...], wb: Workbook, lists: dict) -> DataValidation:
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= 255:      # Excel's limit for an inline list
        formula = inline
    else:
        ws = lists.get("sheet")
        if ws is None:
            ws = lists["sheet"] = wb.create_sheet(LISTS_SHEET)
            ws.sheet_state = "hidden"
            lists["next"] = 1
        c = lists["next"]
        lists["next"] = c + 1
        letter = get_column_letter(c)
        for i, v in enumerate(values, start=1):
            ws.cell(row=i, column=c, value=v)
        formula = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
    return _validation(formula)


def _validation(formula: str) -> DataValidation:
    # A warning, not a stop: the contract accepts any case for enumerations and names for
    # provinces, which a strict list would refuse.
    return DataValidation(
        type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
        errorStyle="warning", errorTitle="Giá trị ngoài danh sách / Value not in the list",
        error="Giá trị này không có trong danh sách; dòng có thể bị cách ly khi nhập. / "
              "This value is not in the list; the row may be quarantined on ingest.")


def _write_table_sheet(wb: Workbook, table: Table, lists: dict, province_range: str) -> None:
    ws = wb.create_sheet(table.name)
    vi = VI_HEADERS[table.name]
    for j, col in enumerate(table.columns, start=1):
        letter = get_column_letter(j)
        required = is_required(table, col)
        color = _REQUIRED_COLOR if required else None
        top = ws.cell(row=1, column=j, value=vi[col.name])
        top.font = Font(bold=True, color=color)
        top.fill = _HEADER_FILL
        top.alignment = Alignment(vertical="center", wrap_text=True)
        note = Comment(column_note(table, col), "hocba-audit")
        note.width, note.height = 320, 170
        top.comment = note
        name = ws.cell(row=2, column=j, value=col.name)
        name.font = Font(bold=True, color=color, italic=True, size=9)
        name.fill = _NAME_FILL
        dim = ws.column_dimensions[letter]
        dim.width = min(max(len(vi[col.name]), len(col.name), 10) + 4, 45)
        dim.number_format = _number_format(col)   # the column's style: new cells inherit it
        rng = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}"
        dv = None
        if col.kind == "enum":
            dv = _list_validation(col.values, wb, lists)
        elif col.kind == "bool":
            dv = _validation('"true,false"')
        elif col.kind == "province":
            dv = _validation(province_range)
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"


def _write_provinces(wb: Workbook) -> str:
    ws = wb.create_sheet(PROVINCES_SHEET)
    ws.append(["Mã tỉnh", "Tên tỉnh"])
    ws.append(["province_code", "name"])
    for code, name in geo.provinces().items():
        ws.append([code, name])
    _style_list_sheet(ws, (12, 36))
    n = len(geo.provinces())
    return f"{quote_sheetname(PROVINCES_SHEET)}!$A${FIRST_DATA_ROW}:$A${FIRST_DATA_ROW + n - 1}"


def _write_communes(wb: Workbook) -> None:
    ws = wb.create_sheet(COMMUNES_SHEET)
    ws.append(["Mã xã", "Tên xã, phường, đặc khu", "Mã tỉnh", "Tên tỉnh"])
    ws.append(["commune_code", "name", "province_code", "province"])
    names = geo.provinces()
    for code, (prov, name) in sorted(geo.communes().items(), key=lambda kv: (kv[1][0], kv[0])):
        ws.append([code, name, prov, names.get(prov, prov)])
    _style_list_sheet(ws, (12, 36, 10, 30))


def _style_list_sheet(ws, widths: tuple[int, ...]) -> None:
    for j, w in enumerate(widths, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = w
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
        for r in (1, 2):
            ws.cell(row=r, column=j).font = Font(bold=True, italic=(r == 2))
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            cell.number_format = TEXT_FORMAT
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"


def instructions() -> list[tuple[str, str]]:
    """The instructions sheet as (style, text) lines: style is ``title``, ``head`` or ``text``."""
    lines: list[tuple[str, str]] = []
    T = lambda s: lines.append(("title", s))   # noqa: E731
    H = lambda s: lines.append(("head", s))    # noqa: E731
    P = lambda s: lines.append(("text", s))    # noqa: E731

    T("MẪU NHẬP DỮ LIỆU HỌC BẠ SỐ — hocba-audit")
    H("1. Cách dùng")
    P("Mỗi bảng dữ liệu là một trang tính mang đúng tên bảng (schools, vendors, tenders…). "
      "Không đổi tên trang. Bảng nào không có dữ liệu thì để trống hoặc xoá trang đó: mọi bảng "
      "đều không bắt buộc.")
    P("Dòng 1 là tiêu đề tiếng Việt, dòng 2 là tên cột; giữ nguyên hai dòng này. Dữ liệu bắt "
      "đầu từ dòng 3. Thứ tự cột không quan trọng. Số dòng trong báo cáo nhập là số dòng Excel.")
    P("Tiêu đề chữ đỏ là cột bắt buộc. Di chuột lên tiêu đề để xem ghi chú: định dạng, giá trị "
      "được phép, bảng được tham chiếu.")
    P("Cột thêm vào (không có trong mẫu) được giữ riêng và liệt kê trong báo cáo, không gây "
      "lỗi. Các trang không phải bảng dữ liệu (trang này, danh mục tỉnh, danh mục xã) được bỏ "
      "qua khi nhập.")
    P("Dòng có giá trị sai, thiếu giá trị bắt buộc hoặc tham chiếu tới dòng không có sẽ bị cách "
      "ly (không nhập) kèm lý do; sửa tệp rồi nhập lại thì dòng được nhập. Dòng trùng khoá với "
      "một dòng phía trên bị cách ly.")
    H("2. Định dạng giá trị")
    P("Ngày: 2024-09-05 hoặc 05/09/2024 (ngày/tháng/năm, năm đủ 4 chữ số). Các cột ngày được "
      "định dạng Văn bản để Excel giữ nguyên điều bạn gõ: nếu để định dạng Ngày, Excel đọc "
      "05/09/2024 theo cài đặt vùng của máy và trên máy cài tiếng Anh (Mỹ) sẽ thành ngày 9 "
      "tháng 5. Dán một ô ngày thật của Excel vào cũng được.")
    P("Ngày giờ (published_on, bid_deadline, submitted_on): 05/09/2024 17:00 hoặc "
      "2024-09-05T17:00:00+07:00; giờ không ghi múi giờ được hiểu là giờ Việt Nam (+07:00).")
    P("Số tiền (VNĐ, số nguyên): 125000000, 125.000.000, 125,000,000, 125.000.000 đ hoặc "
      "125.000.000 VNĐ. Không nhận số âm, số lẻ đồng hoặc ngoại tệ.")
    P("Có/không: true/false (cũng nhận 1/0, yes/no, có/không, x; ô trống là false).")
    P("Mã số thuế: 10 chữ số (0100109106) hoặc chi nhánh 0100109106-001; chữ số kiểm tra phải "
      "đúng. Cột mã số thuế, mã trường, mã đơn vị, mã tỉnh, mã xã, số CCCD, điện thoại được "
      "định dạng Văn bản để giữ số 0 ở đầu.")
    P(f"Mã tỉnh: 2 chữ số của 34 tỉnh, thành phố từ 01/07/2025 (trang «{PROVINCES_SHEET}»); "
      f"cũng nhận tên tỉnh, có hoặc không dấu, có hoặc không chữ «Tỉnh/Thành phố». Tên tỉnh cũ "
      f"(trước 2025) chỉ được nhận khi nay thuộc đúng một tỉnh.")
    P(f"Mã xã: 5 chữ số của xã, phường, đặc khu hiện hành (trang «{COMMUNES_SHEET}»), phải "
      f"thuộc tỉnh của dòng. Dữ liệu trước 01/07/2025 ghi theo xã hiện nay chứa địa điểm đó.")
    P("Năm học: 2024-2025 (cũng nhận 2024–2025, 2024/2025, NH 2024-2025); hai năm liên tiếp.")
    P("Danh mục: chọn trong danh sách thả xuống; không phân biệt chữ hoa, chữ thường.")
    P("Văn bản: Unicode; kiểu bỏ dấu cũ (hoà, thuý) được giữ như đã viết và coi là bằng kiểu "
      "mới (hòa, thúy).")
    H("3. Các bảng")
    for name in TABLE_ORDER:
        t = TABLES[name]
        P(f"{name} — {TABLE_VI.get(name, t.doc)}. Khoá: {', '.join(t.key)}.")

    lines.append(("text", ""))
    T("INPUT TEMPLATE FOR DIGITAL SCHOOL RECORDS (HỌC BẠ SỐ) — hocba-audit")
    H("1. How to use it")
    P("Each table is one sheet named exactly after the table (schools, vendors, tenders…). Do "
      "not rename sheets. Leave empty or delete the sheets of tables you have no data for: "
      "every table is optional.")
    P("Row 1 is the Vietnamese header, row 2 the column name; keep both. Data starts on row 3. "
      "Column order is free. Row numbers in the ingest report are Excel's own.")
    P("Red headers are required columns. Hover over a header for its note: format, allowed "
      "values, referenced table.")
    P("Extra columns (not in the template) are kept aside and listed in the report, never "
      "fatal. Sheets that are not tables (this one, the province and commune lists) are "
      "ignored on ingest.")
    P("A row with a bad value, a missing required value or a reference to a row that does not "
      "exist is quarantined (not loaded) with its reasons; fix the file and ingest again to "
      "load it. A row repeating the key of a row above it is quarantined.")
    H("2. Value formats")
    P("Dates: 2024-09-05 or 05/09/2024 (day/month/year, four-digit year). Date columns are "
      "formatted as Text so Excel keeps what you type: in a Date-formatted cell Excel reads "
      "05/09/2024 with the computer's regional settings, and on an English (US) computer it "
      "becomes 9 May. Pasting a real Excel date cell works too.")
    P("Date-times (published_on, bid_deadline, submitted_on): 05/09/2024 17:00 or "
      "2024-09-05T17:00:00+07:00; a time without an offset is Vietnam time (+07:00).")
    P("Money (VND, whole đồng): 125000000, 125.000.000, 125,000,000, 125.000.000 đ or "
      "125.000.000 VNĐ. Negatives, fractions of a đồng and other currencies are rejected.")
    P("Yes/no: true/false (1/0, yes/no, có/không, x also accepted; an empty cell is false).")
    P("Tax codes: 10 digits (0100109106) or a branch 0100109106-001, with a valid check digit. "
      "Tax code, school, authority, province and commune code, citizen id and phone columns "
      "are formatted as Text so leading zeros are kept.")
    P(f"Province code: the 2-digit code of the 34 provinces in force since 2025-07-01 (sheet "
      f"'{PROVINCES_SHEET}'); the province name is accepted too, with or without diacritics or "
      f"the 'Tỉnh/Thành phố' prefix. A pre-2025 name only where it maps to exactly one current "
      f"province.")
    P(f"Commune code: the 5-digit code of a current commune, ward or special zone (sheet "
      f"'{COMMUNES_SHEET}'), inside the row's province. Data from before 2025-07-01 uses the "
      f"current commune that now holds the place.")
    P("School year: 2024-2025 (2024–2025, 2024/2025, NH 2024-2025 accepted); consecutive years.")
    P("Enumerations: pick from the drop-down list; case does not matter.")
    P("Text: Unicode; old-style tone placement (hoà, thuý) is kept as written and compared "
      "equal to new-style (hòa, thúy).")
    H("3. Tables")
    for name in TABLE_ORDER:
        t = TABLES[name]
        P(f"{name} — {t.doc}. Key: {', '.join(t.key)}.")
    return lines


def _write_instructions(wb: Workbook) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 130
    for i, (style, text) in enumerate(instructions(), start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True, size=12)


def build_template() -> Workbook:
    """The template as an openpyxl workbook (not yet saved)."""
    wb = Workbook()
    _write_instructions(wb)
    lists: dict = {}
    province_range = (f"{quote_sheetname(PROVINCES_SHEET)}!$A${FIRST_DATA_ROW}:"
                      f"$A${FIRST_DATA_ROW + len(geo.provinces()) - 1}")
    for name in TABLE_ORDER:
        _write_table_sheet(wb, TABLES[name], lists, province_range)
    written = _write_provinces(wb)
    if written != province_range:
        raise RuntimeError(f"province list at {written}, expected {province_range}")
    _write_communes(wb)
    if "sheet" in lists:    # keep the hidden list sheet last
        ws = lists["sheet"]
        wb.move_sheet(ws, offset=len(wb.sheetnames) - 1 - wb.index(ws))
    wb.active = 0
    wb.properties.title = "hocba-audit — mẫu nhập dữ liệu / input template"
    wb.properties.creator = "hocba-audit"
    return wb


def write_template(path: str | Path) -> Path:
    """Write the Excel input template to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template().save(path)
    return path

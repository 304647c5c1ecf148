"""Read an ``.xlsx`` workbook of the input contract (data-contract.md, "Containers").

One sheet per table, named ``<table>`` (compared without regard to case or surrounding spaces);
every other sheet is listed as ignored (``book.xlsx#Hướng dẫn``).  A sheet may have more than one
header row — the template puts the Vietnamese header above the snake_case column name and a
person may add a title row above both — so the header rows are found among the first rows of the
sheet: a row is a header row when at least half of its non-empty cells name columns of the table (English
or Vietnamese, :func:`procurement.readers.match_header`).  The last run of consecutive header rows
is merged (a column named only in an earlier header row keeps that name) and the data starts
below it.

Row numbers are the spreadsheet's own (1-based, as Excel shows them); empty rows are skipped but
keep the numbering true.  Values stay native (``int``, ``float``, ``bool``, ``datetime``, ``str``):
the parsers of :mod:`procurement.values` accept them.  The workbook is streamed (openpyxl
``read_only``), so a sheet of 200,000 rows is read without loading the whole workbook.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

from .contract import TABLES
from .readers import (RawTable, SourceData, UnreadableInput, _build_table, match_header,
                      sha256_of, table_for_name)

#: How many rows from the top of a sheet may hold a title or header rows (a letterhead:
#: the authority, the national motto, a title, a "Kèm theo…" line, blank rows).
HEADER_SCAN_ROWS = 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # encrypted .xlsx and old .xls
_ZIP_MAGIC = b"PK"


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _trim(row: Iterable[object]) -> list[object]:
    """A row as a list without its trailing empty cells."""
    cells = list(row)
    n = len(cells)
    while n and _is_blank(cells[n - 1]):
        n -= 1
    del cells[n:]
    return cells


def _label(v: object) -> str:
    return "" if v is None else str(v).strip()


def _header_score(table: str, row: list[object]) -> tuple[int, int]:
    """(cells naming a column of ``table``, non-empty cells) of one row."""
    labels = [_label(v) for v in row]
    filled = [lab for lab in labels if lab]
    return sum(1 for lab in filled if match_header(table, lab)), len(filled)


def _is_header_row(table: str, row: list[object]) -> bool:
    matched, filled = _header_score(table, row)
    return matched > 0 and 2 * matched >= filled


def find_header_rows(table: str, top: list[list[object]]) -> tuple[int, int]:
    """Indices ``(first, last)`` into ``top`` (whose first row is not empty) of the header rows.

    The header is the first run of consecutive header rows; when no row qualifies, the row naming
    the most columns, else the first non-empty row (as a CSV file's first row would be).
    """
    flags = [_is_header_row(table, row) for row in top]
    if any(flags):
        first = flags.index(True)
        last = first
        while last + 1 < len(flags) and flags[last + 1]:
            last += 1
        return first, last
    best, best_score = None, 0
    for i, row in enumerate(top):
        matched, _ = _header_score(table, row)
        if matched > best_score:
            best, best_score = i, matched
    if best is None:
        best = next((i for i, row in enumerate(top) if row), 0)
    return best, best


def merge_header_rows(table: str, rows: list[list[object]]) -> list[str]:
    """One header from several header rows.

    Each position takes the last header row's label when it names a column; otherwise the
    label of the nearest earlier header row that names a column not named in the last row;
    otherwise the last non-empty label written at that position (an unknown column).
    """
    labels = [[_label(v) for v in row] for row in rows]
    width = max((len(r) for r in labels), default=0)
    for r in labels:
        r.extend([""] * (width - len(r)))
    last = labels[-1]
    in_last = {c for c in (match_header(table, lab) for lab in last if lab) if c}
    merged: list[str] = []
    for i in range(width):
        label = last[i]
        if label and match_header(table, label):
            merged.append(label)
            continue
        chosen = None
        for r in reversed(labels[:-1]):
            col = match_header(table, r[i]) if r[i] else None
            if col and col not in in_last:
                chosen = r[i]
                break
        if chosen is None:
            chosen = label or next((r[i] for r in reversed(labels[:-1]) if r[i]), "")
        merged.append(chosen)
    while merged and not merged[-1]:
        merged.pop()
    return merged


def read_sheet_rows(table: str, source: str, rows: Iterator[Iterable[object]],
                    warnings: list[str]) -> RawTable:
    """One contract table from the rows of one sheet (row 1 first, every row, empty ones too)."""
    it = (_trim(r) for r in rows)
    skipped = 0                       # empty rows above the first written one
    for row in it:
        if row:
            it = chain([row], it)
            break
        skipped += 1
    else:
        warnings.append(f"{source}: trang tính rỗng, không có dòng tiêu đề / empty sheet, "
                        f"no header row")
        return RawTable(table, source)
    top = list(islice(it, HEADER_SCAN_ROWS))
    first, last = find_header_rows(table, top)
    header = merge_header_rows(table, top[first:last + 1])
    data = chain(top[last + 1:], it)
    return _build_table(table, source, header, data, first_row=skipped + last + 2,
                        warnings=warnings)


#: Tables with a share column (0–100): their sheets are read cell by cell, for the formats.
_PERCENT_TABLES = frozenset(name for name, spec in TABLES.items()
                            if any(c.kind == "percent" for c in spec.columns))


def _shown_rows(ws) -> Iterator[tuple]:
    """The rows of a sheet with each number cell formatted as a percentage as Excel shows it:
    ``60%`` is stored as 0.6 and read as 60 (a share column holds 0–100)."""
    for row in ws.iter_rows():
        yield tuple(_shown(c) for c in row)


def _shown(cell) -> object:
    v = cell.value
    if (v.__class__ in (int, float) and "%" in (getattr(cell, "number_format", None) or "")):
        return float(Decimal(repr(v)) * 100)     # 0.6 → 60.0, not 60.00000000000001
    return v


def _unreadable(path: Path, detail: str) -> UnreadableInput:
    return UnreadableInput(
        f"{path}: sổ tính không mở được ({detail}); hãy mở tệp bằng Excel hoặc LibreOffice và "
        f"lưu lại dưới dạng .xlsx (Sổ làm việc Excel), không đặt mật khẩu. / "
        f"{path}: the workbook cannot be opened ({detail}); open it in Excel or LibreOffice and "
        f"save it again as .xlsx (Excel Workbook), without a password.")


def _open(path: Path):
    import openpyxl  # imported here: the CSV-only paths never pay for it

    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise _unreadable(path, f"{type(e).__name__}: {e}") from None
    if head.startswith(_OLE_MAGIC):
        raise UnreadableInput(
            f"{path}: tệp được bảo vệ bằng mật khẩu hoặc là định dạng .xls cũ nên không mở "
            f"được; hãy gỡ mật khẩu và lưu lại dưới dạng .xlsx. / "
            f"{path}: the file is password-protected or in the old .xls format and cannot be "
            f"opened; remove the password and save it again as .xlsx.")
    if not head.startswith(_ZIP_MAGIC):
        raise _unreadable(path, "không phải tệp .xlsx / not an .xlsx file")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # BadZipFile, KeyError (missing part), XML errors, …
        raise _unreadable(path, f"{type(e).__name__}: {e}") from None


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _formulas_without_result(path: Path, part: str | None, limit: int = 5) -> tuple[int, list[str]]:
    """Cells of the sheet stored at ``part`` of the workbook that hold a formula with no saved
    result (a workbook written by a program that does not compute formulas, openpyxl among
    them): their number and the first ``limit`` as ``C4 =G3*2``.  Reading the workbook's cached
    values, such a cell is empty: a figure the sheet shows would be lost without a word."""
    import zipfile
    from xml.etree.ElementTree import iterparse
    if not part:
        return 0, []
    try:
        with zipfile.ZipFile(path) as z:
            with z.open(part) as f:
                if b"<f" not in f.read():          # most sheets: no formula at all
                    return 0, []
            n, shown = 0, []
            with z.open(part) as f:
                for _, el in iterparse(f):
                    if el.tag != _NS + "c":
                        continue
                    formula, value = el.find(_NS + "f"), el.find(_NS + "v")
                    # No result: no <v>, or an empty one on a number cell (a formula whose
                    # result is the empty text is stored t="str" with an empty <v>).
                    if formula is not None and (value is None or (
                            not (value.text or "").strip() and el.get("t") in (None, "n"))):
                        n += 1
                        if len(shown) < limit:
                            shown.append(f"{el.get('r', '?')} ={formula.text or '…'}")
                    el.clear()
            return n, shown
    except (KeyError, zipfile.BadZipFile, OSError, SyntaxError):
        return 0, []          # the sheet itself is read (and judged) by openpyxl


def read_workbook(path: Path) -> SourceData:
    """Read one ``.xlsx`` workbook: one :class:`RawTable` per sheet named after a table."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"{path}: không tìm thấy tệp / no such file")
    src = SourceData(str(path), "xlsx", sha256_of(path))
    wb = _open(path)
    try:
        seen: dict[str, str] = {}
        for sheet in wb.sheetnames:
            ws = wb[sheet]
            source = f"{path}#{sheet}"
            # A chart sheet has no cells: it is never a table.
            table = table_for_name(sheet) if hasattr(ws, "iter_rows") else None
            if table is None:
                src.ignored.append(source)
                continue
            if table in seen:
                src.warnings.append(
                    f"{source}: bảng «{table}» đã có ở trang «{seen[table]}»; cả hai trang đều "
                    f"được đọc / table '{table}' already came from sheet '{seen[table]}'; both "
                    f"sheets are read")
            seen.setdefault(table, sheet)
            n, cells = _formulas_without_result(path, getattr(ws, "_worksheet_path", None))
            if n:
                raise UnreadableInput(
                    f"{source}: {n} ô có công thức nhưng chưa có kết quả được lưu ({', '.join(cells)}"
                    f"{', …' if n > len(cells) else ''}); tệp được ghi bởi một chương trình không "
                    f"tính công thức. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi nhập lại. / "
                    f"{n} cells hold a formula with no saved result ({', '.join(cells)}"
                    f"{', …' if n > len(cells) else ''}); the file was written by a program that "
                    f"does not compute formulas. Open it in Excel or LibreOffice, save it, and "
                    f"ingest it again.")
            # The dimension written in a sheet may be wrong (some tools write "A1"); openpyxl
            # would then cut the rows short, so it is ignored and every row is read.
            ws.reset_dimensions()
            try:
                rows = (_shown_rows(ws) if table in _PERCENT_TABLES
                        else ws.iter_rows(values_only=True))
                src.tables.append(read_sheet_rows(table, source, rows, src.warnings))
            except UnreadableInput:
                raise
            except Exception as e:
                raise UnreadableInput(
                    f"{source}: trang tính hỏng, không đọc được ({type(e).__name__}: {e}); hãy "
                    f"mở bằng Excel và lưu lại dưới dạng .xlsx. / the sheet is corrupt and cannot "
                    f"be read ({type(e).__name__}: {e}); open the workbook in Excel and save it "
                    f"again as .xlsx.") from None
    finally:
        wb.close()
    return src

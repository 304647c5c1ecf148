"""Readers: turn an input container into raw tables, without judging any value.

An input (data-contract.md, "Containers") is a folder of CSV files, an ``.xlsx`` workbook or an
OCDS file.  A reader returns a :class:`SourceData`: one :class:`RawTable` per contract table it
found, with each row's spreadsheet row number, plus what it ignored and what it warns about.
A reader raises :class:`UnreadableInput` when the input cannot be read at all (the command then
exits 4 and nothing lands).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from .contract import TABLES, VI_HEADERS
from .text import strip_diacritics


class UnreadableInput(Exception):
    """The input cannot be read at all; the message says what to do."""


@dataclass
class RawTable:
    """One table as read: columns of raw values, in row order, and the rows as written."""
    table: str
    source: str                                   # file path (``book.xlsx#sheet`` for a sheet)
    row_numbers: list[int] = field(default_factory=list)
    data: dict[str, list[object]] = field(default_factory=dict)   # contract column → raw values
    unknown_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)         # contract column → header written
    labels: list[str] = field(default_factory=list)               # every header cell, in order
    rows: list[list[object]] = field(default_factory=list)        # every row's cells, as read
    text_cells: bool = False                                      # every cell a str (CSV)

    def __len__(self) -> int:
        return len(self.row_numbers)

    def raw_row(self, i: int) -> dict[str, object]:
        """The i-th row as read, every column (unknown ones included), keyed by its header."""
        row = self.rows[i]
        out = {}
        for j, v in enumerate(row):
            label = self.labels[j] if j < len(self.labels) else f"column_{j + 1}"
            if v is not None and v != "":
                out[label] = v if isinstance(v, (str, int, float, bool)) else str(v)
        return out


@dataclass
class SourceData:
    path: str
    kind: str                       # csv_folder | xlsx | ocds
    sha256: str
    tables: list[RawTable] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)        # e.g. {"synthetic": true} from dataset.json


def _header_key(text: str) -> str:
    """A header compared without regard to case, diacritics or spacing."""
    s = strip_diacritics(unicodedata.normalize("NFC", str(text)))
    return re.sub(r"[\s_]+", "", s)


@lru_cache(maxsize=1)
def _header_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for name, table in TABLES.items():
        m: dict[str, str] = {}
        for col in table.column_names:
            m[_header_key(col)] = col
            vi = VI_HEADERS.get(name, {}).get(col)
            if vi:
                m.setdefault(_header_key(vi), col)
        index[name] = m
    return index


def match_header(table: str, header: object) -> str | None:
    """The contract column that ``header`` names in ``table`` (English or Vietnamese), if any."""
    if header is None:
        return None
    return _header_index()[table].get(_header_key(str(header)))


def table_for_name(name: str) -> str | None:
    """The contract table a file or sheet name stands for (``schools.csv`` → ``schools``)."""
    stem = Path(name).stem if name.lower().endswith(".csv") else name
    key = stem.strip().casefold()
    return key if key in TABLES else None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(path).as_posix().encode())
                h.update(b"\0")
                with p.open("rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
    else:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise UnreadableInput(
                f"{path}: tệp UTF-16 hỏng (byte {e.start}: {e.reason}), có thể bị cắt cụt. Hãy lưu "
                f"lại tệp dưới dạng «CSV UTF-8» rồi nhập lại. / {path}: broken UTF-16 (byte "
                f"{e.start}: {e.reason}); the file may be truncated. Save it as 'CSV UTF-8' and "
                f"ingest again.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UnreadableInput(
            f"{path}: không đọc được vì không phải UTF-8 (byte lỗi ở dòng {line}). "
            f"Hãy lưu lại tệp dưới dạng «CSV UTF-8» rồi nhập lại. / "
            f"{path}: not UTF-8 (first bad byte on line {line}). Save it as 'CSV UTF-8' and "
            f"ingest again.") from None


#: The largest CSV cell accepted (the csv module's default, 128 KiB, is less than the full text
#: of a long directive).
MAX_CELL = 1 << 30


def read_csv_table(path: Path, table: str, warnings: list[str]) -> RawTable:
    """One contract table from one CSV file."""
    if csv.field_size_limit() < MAX_CELL:
        csv.field_size_limit(MAX_CELL)
    text = _decode(path)
    if "\x00" in text:
        raise UnreadableInput(f"{path}: tệp chứa byte NUL, không phải CSV văn bản. / "
                              f"{path}: contains NUL bytes; it is not a text CSV file.")
    rows = _csv_rows(path, text)
    if not rows:
        warnings.append(f"{path}: tệp rỗng, không có dòng tiêu đề / empty file, no header row")
        return RawTable(table, str(path))
    return _build_table(table, str(path), rows[0], _TextRows(rows[1:]), first_row=2,
                        warnings=warnings)


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    """Every row of a CSV text.  A quoted field never closed would take every later line into
    itself without a word from the csv module: that file is unreadable, with the line where
    the field opens.  Other irregular quoting (``"A "B" C"``) is read leniently, as a
    spreadsheet does."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    last_line = 0                 # the line the last whole row ended on
    try:
        for row in reader:
            rows.append(row)
            last_line = reader.line_num
        return rows
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            start = last_line + 1
            raise UnreadableInput(
                f"{path}: dấu ngoặc kép mở ở dòng {start} không bao giờ được đóng, nên mọi dòng sau "
                f"đó bị đọc vào một ô. Hãy sửa dấu ngoặc kép (trong một ô, \" được viết là \"\") "
                f"rồi nhập lại. / {path}: a quote opened on line {start} is never closed, so every "
                f"later line would be read into one cell. Fix the quotes (inside a cell \" is "
                f"written \"\") and ingest again.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as e:
        raise UnreadableInput(f"{path}: CSV hỏng ở dòng {reader.line_num} ({e}) / malformed CSV "
                              f"at line {reader.line_num} ({e})") from None


def _build_table(table: str, source: str, header: list, rows, first_row: int,
                 warnings: list[str]) -> RawTable:
    """Map a header row onto the contract's columns and collect the data rows below it."""
    positions: dict[int, str] = {}
    unknown: list[str] = []
    headers: dict[str, str] = {}
    written = ["" if h is None else str(h).strip() for h in header]
    # Every column keeps its own label in the raw rows: a repeated label gets "(2)", "(3)", and
    # a column without one "column_<n>" (its cells are reported and kept only if it has any).
    labels: list[str] = []
    times: dict[str, int] = {}
    for i, label in enumerate(written):
        times[label] = times.get(label, 0) + 1
        labels.append(f"column_{i + 1}" if not label else
                      label if times[label] == 1 else f"{label} ({times[label]})")
    unlabelled = [i for i, label in enumerate(written) if not label]
    for i, label in enumerate(written):
        col = match_header(table, label)
        if col is None:
            if label:
                unknown.append(labels[i])
            continue
        if col in headers:
            warnings.append(f"{source}: cột «{label}» lặp lại «{headers[col]}»; chỉ dùng cột đầu / "
                            f"column '{label}' repeats '{headers[col]}'; the first one is used")
            unknown.append(labels[i])
            continue
        positions[i] = col
        headers[col] = label
    rt = RawTable(table, source, unknown_columns=unknown, headers=headers, labels=labels)
    rt.data = {col: [] for col in positions.values()}
    cols = [(i, rt.data[col]) for i, col in positions.items()]
    n = first_row - 1
    if isinstance(rows, _TextRows):
        _collect_text_rows(rt, rows.rows, first_row, cols, len(labels), source, warnings)
        _unnamed_cells(rt, unlabelled)
        return rt
    try:
        for n, row in enumerate(rows, start=first_row):
            if not row or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue  # blank lines are not rows
            width = len(row)
            for i, values in cols:
                values.append(row[i] if i < width else None)
            rt.row_numbers.append(n)
            rt.rows.append(row)
            if width > len(labels) and any(v not in (None, "") for v in row[len(labels):]):
                warnings.append(f"{source}: dòng {n} có nhiều ô hơn tiêu đề; các ô thừa được giữ "
                                f"trong dữ liệu gốc / row {n} has more cells than the header; the "
                                f"extra cells are kept with the raw row")
    except csv.Error as e:
        raise UnreadableInput(f"{source}: CSV hỏng ở dòng {n + 1} ({e}) / malformed CSV at row "
                              f"{n + 1} ({e})") from None
    _unnamed_cells(rt, unlabelled)
    return rt


def _unnamed_cells(rt: RawTable, unlabelled: list[int]) -> None:
    """Cells under an empty header cell or beyond the header: their columns (``column_<n>``)
    join the unknown columns when any row has a value there, so that they are reported and
    kept with the landed rows (``_extra``) as well as the quarantined ones."""
    width = len(rt.labels)
    longest = max(map(len, rt.rows), default=0)
    for i in [*unlabelled, *range(width, longest)]:
        if any(len(r) > i and r[i] is not None and r[i] != "" for r in rt.rows):
            rt.unknown_columns.append(f"column_{i + 1}")


class _TextRows:
    """Rows read whole from a CSV file: every cell a str (the fast path)."""

    def __init__(self, rows: list[list[str]]):
        self.rows = rows


def _collect_text_rows(rt: RawTable, rows: list[list[str]], first_row: int, cols, width: int,
                       source: str, warnings: list[str]) -> None:
    """Columns from CSV rows with C-speed list operations (a national file has 10^5 rows)."""
    rt.text_cells = True
    # A row is blank when no cell has anything but white space.
    numbered = [(n, r) for n, r in enumerate(rows, start=first_row)
                if any(r) and (r[0].strip() or "".join(r).strip())]
    kept = [r for _, r in numbered]
    rt.row_numbers = [n for n, _ in numbered]
    rt.rows = kept
    lengths = set(map(len, kept))
    for i, values in cols:
        if lengths and min(lengths) > i:
            values.extend(map(itemgetter(i), kept))
        else:
            values.extend(r[i] if i < len(r) else None for r in kept)
    if lengths and max(lengths) > width:
        for n, r in numbered:
            if len(r) > width and any(v != "" for v in r[width:]):
                warnings.append(f"{source}: dòng {n} có nhiều ô hơn tiêu đề; các ô thừa được giữ "
                                f"trong dữ liệu gốc / row {n} has more cells than the header; the "
                                f"extra cells are kept with the raw row")


def read_csv_folder(path: Path) -> SourceData:
    src = SourceData(str(path), "csv_folder", sha256_of(path))
    entries = sorted(path.iterdir())
    files = [p for p in entries if p.is_file()]
    # Subfolders are not read (one folder is one input), and a link to nothing is no file:
    # both are listed with the ignored files.
    src.ignored.extend(str(p) for p in entries if not p.is_file())
    if not files:
        n = len(entries)
        vi = f" (chỉ có {n} thư mục con hoặc liên kết hỏng, không được đọc)" if n else ""
        en = f" (only {n} subfolder(s) or broken link(s), which are not read)" if n else ""
        raise UnreadableInput(f"{path}: thư mục không có tệp nào để đọc{vi}; hãy cho thư mục chứa "
                              f"các tệp .csv. / {path}: the folder has no file to read{en}; give "
                              f"the folder that holds the .csv files.")
    for p in files:
        if p.name == "dataset.json":
            try:
                src.meta = json.loads(p.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                src.warnings.append(f"{p}: dataset.json không đọc được / unreadable dataset.json")
            continue
        table = table_for_name(p.name) if p.suffix.lower() == ".csv" else None
        if table is None:
            src.ignored.append(str(p))
            continue
        src.tables.append(read_csv_table(p, table, src.warnings))
    return src


def read_source(path: str | Path) -> SourceData:
    """Read one input container of any supported kind."""
    p = Path(path)
    if not p.exists():
        raise UnreadableInput(f"{p}: không tìm thấy tệp hay thư mục / no such file or folder")
    if p.is_dir():
        return read_csv_folder(p)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from .xlsx import read_workbook
        return read_workbook(p)
    if suffix == ".csv":
        table = table_for_name(p.name)
        if table is None:
            raise UnreadableInput(f"{p}: tên tệp không phải tên một bảng của hợp đồng dữ liệu "
                                  f"(ví dụ schools.csv) / the file name is not a contract table "
                                  f"(e.g. schools.csv)")
        src = SourceData(str(p), "csv_folder", sha256_of(p))
        src.tables.append(read_csv_table(p, table, src.warnings))
        return src
    if suffix in (".json", ".jsonl", ".gz", ".ndjson"):
        try:
            from .ocds import read_ocds  # provided by the OCDS issue
        except ImportError:
            raise UnreadableInput(f"{p}: chưa hỗ trợ nhập OCDS / OCDS input is not supported yet") from None
        return read_ocds(p)
    if suffix == ".xls":
        raise UnreadableInput(f"{p}: định dạng .xls cũ không được hỗ trợ; hãy lưu thành .xlsx / "
                              f"the old .xls format is not supported; save the workbook as .xlsx")
    raise UnreadableInput(f"{p}: không nhận ra loại tệp (cần thư mục CSV, .xlsx hoặc OCDS .json) / "
                          f"unknown input type (expected a CSV folder, an .xlsx workbook or OCDS .json)")

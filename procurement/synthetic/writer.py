"""Turning the world's canonical values into CSV text.

Values are written in the contract's canonical form (ISO dates, plain integer money,
``true``/``false``, 2-digit province codes …), except for a small fraction of rows where one
value is written in another form the contract also accepts — ``05/09/2024``,
``125.000.000 đ``, ``có``/``x``, ``Tỉnh Cao Bằng``/``Cao Bang``, ``NH 2024-2025``, NFD or
old-style tone marks, tax codes with spaces or dots, enumerations in other case, phones as
``+84 …``. Every such value is valid and must land.
"""
from __future__ import annotations

import csv
import unicodedata
from datetime import date, datetime
from pathlib import Path

from ..contract import TABLES
from . import geo
from .util import group_thousands, old_style_tones

#: Share of rows (per table) that get one value in another accepted form.
VARIANT_RATE = 0.015


def canonical(value) -> str:
    t = type(value)
    if t is str:
        return value
    if value is None:
        return ""
    if t is int:
        return str(value)
    if t is bool:
        return "true" if value else "false"
    if t is date or t is datetime:
        return value.isoformat()
    if t is float:
        return f"{value:g}"
    return str(value)


def _variant(kind: str, column: str, value, r) -> str | None:
    """Another accepted form of ``value`` (or None when the column has none)."""
    if value is None or value == "":
        return None
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "datetime":
        if isinstance(value, datetime):
            return value.strftime("%d/%m/%Y %H:%M") if r.random() < 0.6 else value.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{value:%Y-%m-%d}T{r.choice(('08', '09', '17'))}:00:00+07:00"
    if kind == "money":
        v = int(value)
        if v < 1000:
            return None
        return r.choice((group_thousands(v, "."), group_thousands(v, ","),
                         group_thousands(v, ".") + " đ", group_thousands(v, ".") + " VNĐ"))
    if kind == "bool":
        return r.choice(("có", "x", "1", "yes")) if value else r.choice(("không", "0", "no"))
    if kind == "province":
        return r.choice(geo.provinces()[value].name_variants())
    if kind == "school_year":
        a, b = value.split("-")
        return r.choice((f"NH {a}-{b}", f"{a}/{b}", f"{a}\u2013{b}"))
    if kind == "name":
        old = old_style_tones(value)
        if old != value and r.random() < 0.4:
            return old
        nfd = unicodedata.normalize("NFD", value)
        return nfd if nfd != value else None
    if kind == "tax_code":
        if len(value) != 10:
            return None
        return r.choice((f"{value[:4]} {value[4:7]} {value[7:]}",
                         f"{value[:2]}.{value[2:4]}.{value[4:7]}.{value[7:]}"))
    if kind == "enum":
        return value.upper() if r.random() < 0.5 else value.capitalize()
    if column == "phone" and len(value) == 10 and value[:2] in ("09", "03", "07", "08"):
        return r.choice((f"+84 {value[1:4]} {value[4:7]} {value[7:]}",
                         f"{value[:4]}.{value[4:7]}.{value[7:]}",
                         f"{value[:4]} {value[4:7]} {value[7:]}"))
    return None


_BOOL_TEXT = {True: "true", False: "false", None: ""}


def _column_text(kind: str, values: list) -> list[str]:
    """One column's canonical text, fast: one comprehension per kind (``canonical`` for the
    rare value of an unexpected type)."""
    if kind in ("int", "money"):
        return ["" if v is None else (str(v) if v.__class__ is int else canonical(v)) for v in values]
    if kind == "bool":
        return [_BOOL_TEXT[v] if (v is None or v.__class__ is bool) else canonical(v) for v in values]
    if kind in ("date", "datetime"):
        return ["" if v is None else (v if v.__class__ is str else v.isoformat()) for v in values]
    return [v if v.__class__ is str else canonical(v) for v in values]


def format_table(table: str, rows: list[dict], r, rate: float = VARIANT_RATE) -> list[list[str]]:
    """Rows as lists of strings in contract column order; a few with one varied value, and
    every column that has other accepted forms varied in at least one row."""
    cols = TABLES[table].columns
    names = [c.name for c in cols]
    kinds = [("phone" if c.name == "phone" else c.kind) for c in cols]
    variable = [i for i, k in enumerate(kinds) if k in (
        "date", "datetime", "money", "bool", "province", "school_year", "name", "tax_code",
        "enum", "phone")]
    columns = [_column_text(k, [row[n] for row in rows]) for k, n in zip(kinds, names)]
    out = [list(t) for t in zip(*columns)] if rows else []
    varied: set[int] = set()
    if variable:
        for k, row in enumerate(rows):
            if r.random() < rate:
                i = r.choice(variable)
                alt = _variant(kinds[i], names[i], row[names[i]], r)
                if alt is not None:
                    out[k][i] = alt
                    varied.add(i)
    for i in variable:
        if i in varied or not rows:
            continue
        for _ in range(200):
            k = r.randrange(len(rows))
            alt = _variant(kinds[i], names[i], rows[k][names[i]], r)
            if alt is not None:
                out[k][i] = alt
                break
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(header)
        wr.writerows(rows)

"""The contract's value rules (data-contract.md, "Value formats"), one case per fixture row.

``tests/fixtures/value_rules.csv`` holds the table: ``case`` names the case; ``kind`` is the
column kind (``name_key`` compares two names by their folded key); ``enum`` the enumeration of
an ``enum`` column; ``province`` the row's province for a commune; ``cell`` the native type of a
spreadsheet cell (empty: the text as read from CSV); ``raw`` the value as written (``\\uXXXX``
escapes spell decomposed characters); ``expected`` the canonical value, or ``code`` the reason
it is rejected with.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from procurement import geo, values
from procurement.contract import ENUMS, KINDS, TABLES, Column
from procurement.reasons import REASONS
from procurement.text import address_key, email_key, fold, occurs, phone_key
from procurement.values import ValueProblem

FIXTURE = Path(__file__).parent / "fixtures" / "value_rules.csv"

#: Every reason code of the contract; the three that need a whole row are tested in test_ingest.
CONTRACT_CODES = {
    "missing_required", "bad_date", "impossible_date", "bad_amount", "negative_amount",
    "bad_integer", "bad_number", "bad_bool", "bad_enum", "bad_tax_code", "unknown_province",
    "commune_not_in_province", "bad_school_year", "dangling_reference", "duplicate_key",
}
#: Codes beyond the contract's list (README, "Choices where the specification is open").
WORKBENCH_CODES = {"key_too_long"}
ROW_CODES = {"missing_required", "dangling_reference", "duplicate_key"}


def _unescape(s: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)


def _load() -> list[dict]:
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["raw"] = _unescape(r["raw"])
        r["expected"] = _unescape(r["expected"])
    return rows


RULES = _load()


def _cell(row: dict) -> object:
    """The raw value as a reader hands it over: text from CSV, or a native Excel cell."""
    raw, cell = row["raw"], row["cell"]
    return {
        "": lambda: raw,
        "int": lambda: int(raw),
        "float": lambda: float(raw),
        "bool": lambda: raw == "true",
        "date": lambda: dt.date.fromisoformat(raw),
        "datetime": lambda: dt.datetime.fromisoformat(raw),
    }[cell]()


def _canon(value: object) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _column(row: dict) -> Column:
    return Column("value", row["kind"], enum=row["enum"] or None)


# --- the fixture itself is complete --------------------------------------------------------------
def test_fixture_cases_are_named_once_and_well_formed():
    names = [r["case"] for r in RULES]
    assert len(names) == len(set(names))
    for r in RULES:
        assert r["kind"] in set(KINDS) | {"name_key"}, r["case"]
        assert (r["kind"] == "enum") == bool(r["enum"]), r["case"]
        assert not r["enum"] or r["enum"] in ENUMS, r["case"]
        if r["kind"] == "name_key":  # two names, equal or not
            assert r["expected"] and r["code"] in ("", "differs"), r["case"]
        else:  # one outcome per case: a canonical value or a reason code
            assert bool(r["expected"]) != bool(r["code"]), r["case"]


def test_fixture_covers_every_kind_and_every_value_reason_code():
    assert {r["kind"] for r in RULES} >= set(KINDS)
    assert {r["code"] for r in RULES if r["kind"] != "name_key"} - {""} == CONTRACT_CODES - ROW_CODES
    # every kind has an accepted and a rejected case, except free text (nothing is rejected)
    for kind in set(KINDS) - {"text", "name"}:
        outcomes = {bool(r["code"]) for r in RULES if r["kind"] == kind}
        assert outcomes == {True, False}, kind


def test_reason_codes_are_the_contracts():
    assert set(REASONS) == CONTRACT_CODES | WORKBENCH_CODES
    for vi, en in REASONS.values():
        assert vi.strip() and en.strip() and vi != en


# --- one test per fixture row -----------------------------------------------------------------------
@pytest.mark.parametrize("row", RULES, ids=[r["case"] for r in RULES])
def test_value_rule(row):
    if row["kind"] == "name_key":
        a, b = fold(values.parse_text(row["raw"])), fold(values.parse_text(row["expected"]))
        if row["code"] == "differs":
            assert a != b
        else:
            assert a == b
        return
    column = _column(row)
    raw = _cell(row)
    province = row["province"] or None
    if row["code"]:
        with pytest.raises(ValueProblem) as exc:
            values.parse(column, raw, province)
        assert exc.value.code == row["code"]
    else:
        parsed = values.parse(column, raw, province)
        assert _canon(parsed) == row["expected"]
        if isinstance(parsed, str):
            assert unicodedata.is_normalized("NFC", parsed)


# --- rules that are not one value ------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("raw", ["", "   ", None, float("nan")], ids=["empty", "blank", "None", "NaN"])
def test_an_empty_value_is_none_for_every_kind(kind, raw):
    column = Column("value", kind, enum="school_level" if kind == "enum" else None)
    assert values.parse(column, raw, "01") is None


def _old_provinces() -> list[dict]:
    with (Path(values.__file__).parent / "data" / "old_provinces.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _old_provinces(), ids=lambda r: r["old_name"])
def test_every_pre_2025_province_name_maps_to_its_one_current_province(row):
    assert row["current_code"] in geo.provinces()
    assert values.parse_province(row["old_name"]) == row["current_code"]
    assert values.parse_province("Tỉnh " + row["old_name"]) == row["current_code"]
    bare = unicodedata.normalize("NFD", row["old_name"].replace("Đ", "D"))
    bare = "".join(c for c in bare if not unicodedata.combining(c)).upper()
    assert values.parse_province(bare) == row["current_code"]


def test_there_are_34_current_provinces_each_found_by_code_and_name():
    provinces = geo.provinces()
    assert len(provinces) == 34
    assert provinces["01"].endswith("Hà Nội") and provinces["96"] == "Cà Mau"
    for code, name in provinces.items():
        assert values.parse_province(code) == code
        assert values.parse_province(name) == code
        assert values.parse_province(name.upper()) == code


def test_communes_are_the_3321_current_ones_each_inside_its_province():
    communes = geo.communes()
    assert len(communes) == 3321
    for code, (province, _name) in list(communes.items())[::97]:
        assert values.parse_commune(code, province) == code
        other = "01" if province != "01" else "79"
        with pytest.raises(ValueProblem) as exc:
            values.parse_commune(code, other)
        assert exc.value.code == "commune_not_in_province"


def test_every_enum_value_is_accepted_in_any_case_and_nothing_else():
    for name, allowed in ENUMS.items():
        column = Column("value", "enum", enum=name)
        for v in allowed:
            assert values.parse(column, v.upper()) == v
            assert values.parse(column, v.title()) == v
        with pytest.raises(ValueProblem) as exc:
            values.parse(column, allowed[0] + "x")
        assert exc.value.code == "bad_enum"
        assert ", ".join(allowed) == exc.value.extra["allowed"]


def test_every_contract_column_has_a_parser():
    for table in TABLES.values():
        for column in table.columns:
            assert values.parse(column, "") is None
            if column.kind in ("text", "name"):
                assert values.parse(column, " \u00a7 free text \u00a7 ") == "\u00a7 free text \u00a7"
            else:
                with pytest.raises(ValueProblem):
                    values.parse(column, "\u00a7not a value\u00a7", "01")


def test_personal_tax_code_is_recognised():
    assert values.is_personal_tax_code("001234567890")
    assert not values.is_personal_tax_code("0100109106")
    assert not values.is_personal_tax_code("0100109106-001")
    assert not values.is_personal_tax_code(None)


def test_vn_day_and_has_time_read_the_canonical_date_time():
    late = values.parse_datetime("2024-09-05T20:00:00+00:00")
    assert values.vn_day(late) == dt.date(2024, 9, 6) and values.has_time(late)
    day = values.parse_datetime("05/09/2024")
    assert values.vn_day(day) == dt.date(2024, 9, 5) and not values.has_time(day)
    assert values.vn_day(None) is None and not values.has_time(None)


# --- normalisation of people's contacts and phrase matching (flags.md, "People") -----------------
@pytest.mark.parametrize("raw,expected", [
    ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),          # 11 digits starting with 84
    ("842438694321", "02438694321"),        # 12 digits starting with 84
    ("0912.345.678", "0912345678"),
    ("(024) 3869-4321", "02438694321"),
    ("8412345", "8412345"),                  # too short to carry a country code
    ("0084912345678", "0084912345678"),      # 13 digits: kept
    ("", ""), (None, ""),
])
def test_phone_key(raw, expected):
    assert phone_key(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("  An.Nguyen@Mail.VN ", "an.nguyen@mail.vn"),
    ("Straße@Example.DE", "strasse@example.de"),          # case folding, not lower()
    ("", ""), (None, ""),
])
def test_email_key(raw, expected):
    assert email_key(raw) == expected


@pytest.mark.parametrize("a,b,equal", [
    ("Số 1, P. Hoà Bình; Q.1", "số 1 p hòa bình q 1", True),
    ("12 Lê Lợi, Phường Bến Nghé", "12  LÊ LỢI  PHƯỜNG BẾN NGHÉ", True),
    ("Số 1: đường A.", "Số 1 đường A", True),
    ("P. Bến Nghé", "Phường Bến Nghé", False),       # abbreviations are not expanded
    ("12/3 Lê Lợi", "12 3 Lê Lợi", False),            # other punctuation is kept
    ("Hoà Bình", "Hoa Binh", False),
])
def test_address_key(a, b, equal):
    assert (address_key(a) == address_key(b)) is equal
    assert address_key(a) == address_key(address_key(a))


@pytest.mark.parametrize("phrase,text_,found", [
    ("sử dụng", "Đề nghị các trường SỬ DỤNG phần mềm X.", True),
    ("mua", "Mua phần mềm quản lý", True),
    ("mua", "Mùa thu năm học", False),               # a tone makes another word
    ("mua", "mua sắm thiết bị", True),                 # (the `sắm` exception is the flag's)
    ("không", "khôngđược", False),                     # whole words only
    ("ký hợp đồng", "Ký  hợp   đồng với công ty", True),
    ("Hoà Bình", "Công ty Hòa Bình", True),
])
def test_phrases_occur_as_whole_folded_words(phrase, text_, found):
    assert occurs(phrase, fold(text_)) is found
    assert occurs(fold(phrase), fold(text_)) is found   # a folded phrase folds to itself


@pytest.mark.parametrize("raw,value", [
    ("1.234", 1234.0), ("1.234.567", 1234567.0), ("1.234,5", 1234.5), ("-1.000", -1000.0),
    ("2.5", 2.5), ("2,5", 2.5), ("0.125", 0.125), ("12.34", 12.34), ("1.2345", 1.2345),
])
def test_number_thousands_dots(raw, value):
    """Dots between groups of three digits are thousands, as in money (README, "Numbers")."""
    assert values.parse_number(raw) == value


def test_number_negative_zero_is_zero():
    import math
    for raw in ("-0", "-0,0", -0.0):
        assert math.copysign(1, values.parse_number(raw)) == 1


@pytest.mark.parametrize("raw,code", [
    (100109106, "0100109106"), (100109106.0, "0100109106"),
    (100109106001, "0100109106-001"),            # a branch code that lost its first 0
    (12345678901, "012345678901"),               # a personal code (citizen id) that lost its 0
])
def test_tax_code_from_a_number_cell(raw, code):
    assert values.parse_tax_code(raw) == code


def test_eth_left_by_windows_1252_reads_as_d_stroke():
    """Ð (U+00D0), which a Windows-1252 round trip leaves for Đ, folds and looks up as Đ."""
    assert fold("ÐINH Văn Ðức") == fold("Đinh văn Đức")
    assert values.parse_province("Tỉnh Ðồng Nai") == values.parse_province("Đồng Nai")

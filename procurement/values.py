"""Parsers for every value kind of the input contract (data-contract.md, "Value formats").

Each parser takes what a reader produced (a string from CSV, or a native cell value from
Excel: ``int``, ``float``, ``bool``, ``datetime``) and returns the canonical value, or raises
:class:`ValueProblem` with the contract's reason code.  Empty values never reach a parser:
:func:`parse` turns them into ``None`` first.

Canonical forms: dates ``datetime.date``; date-times ``str`` in ISO 8601 — ``2024-09-05`` when
no time was given, else ``2024-09-05T17:00:00+07:00`` (converted to Vietnam time, so that the
first ten characters are always the Vietnam calendar day and instants compare as strings);
money ``int`` đồng; booleans ``bool``; tax codes ``0100109106`` / ``0100109106-001`` (or a
12-digit personal tax code); provinces ``"01"``; communes ``"00070"``; school years
``"2024-2025"``; enumerations their lower-case listed value; text NFC.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from stdnum.exceptions import ValidationError
from stdnum.vn import mst

from . import geo
from .contract import ENUMS, Column
from .text import clean_text

VN_TZ = dt.timezone(dt.timedelta(hours=7))

#: The largest whole number the store holds (a signed 64-bit ``BIGINT``).
MAX_INT = 2**63 - 1


class ValueProblem(ValueError):
    """A value that breaks its rule; ``code`` is the contract's reason code."""

    def __init__(self, code: str, **extra: object):
        super().__init__(code)
        self.code = code
        self.extra = extra


def is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and raw != raw:  # NaN
        return True
    return isinstance(raw, str) and not raw.strip()


# --- dates -----------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?$")      # (any number of second fractions: .NET writes 7)
_DMY_DT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _make_date(y: str, m: str, d: str) -> dt.date:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        raise ValueProblem("impossible_date") from None


def parse_date(raw: object) -> dt.date:
    """``2024-09-05``, ``05/09/2024`` (day first) or an Excel date cell."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValueProblem("bad_date")
    s = raw.strip()
    if m := _ISO_DATE.match(s):
        return _make_date(*m.groups())
    if m := _DMY_DATE.match(s):
        d, mo, y = m.groups()
        return _make_date(y, mo, d)
    # A date written with a midnight time (some exports do this) is still a date.
    if (m := _ISO_DT.match(s)) and m.group(8) is None and int(m.group(4)) == 0 \
            and int(m.group(5)) == 0 and not int(m.group(6) or 0):
        return _make_date(*m.groups()[:3])
    raise ValueProblem("bad_date")


def _dt_text(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    try:
        return value.astimezone(VN_TZ).replace(microsecond=0).isoformat()
    except OverflowError:  # an instant whose Vietnam day falls outside years 1–9999
        raise ValueProblem("bad_date") from None


def parse_datetime(raw: object) -> str:
    """A date, or a date with a time (no offset means Vietnam time); see the module docstring."""
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is None and raw.hour == raw.minute == raw.second == 0:
            return raw.date().isoformat()  # an Excel date cell
        return _dt_text(raw)
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if not isinstance(raw, str):
        raise ValueProblem("bad_date")
    s = raw.strip()
    if _ISO_DATE.match(s) or _DMY_DATE.match(s):
        return parse_date(s).isoformat()
    if m := _ISO_DT.match(s):
        y, mo, d, hh, mi, ss, frac, off = m.groups()
        day = _make_date(y, mo, d)
        tz = VN_TZ
        if off:
            if off in ("Z", "z"):
                tz = dt.timezone.utc
            else:
                sign = 1 if off[0] == "+" else -1
                digits = off[1:].replace(":", "")
                hours, minutes = int(digits[:2]), int(digits[2:])
                if hours > 23 or minutes > 59:
                    raise ValueProblem("bad_date")
                tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        try:
            value = dt.datetime(day.year, day.month, day.day, int(hh), int(mi), int(ss or 0),
                                tzinfo=tz)
        except ValueError:
            raise ValueProblem("bad_date") from None
        return _dt_text(value)
    if m := _DMY_DT.match(s):
        d, mo, y, hh, mi, ss = m.groups()
        day = _make_date(y, mo, d)
        try:
            value = dt.datetime(day.year, day.month, day.day, int(hh), int(mi), int(ss or 0))
        except ValueError:
            raise ValueProblem("bad_date") from None
        return _dt_text(value)
    raise ValueProblem("bad_date")


def vn_day(value: str | None) -> dt.date | None:
    """The Vietnam calendar day of a canonical date-time."""
    return dt.date.fromisoformat(value[:10]) if value else None


def has_time(value: str | None) -> bool:
    return bool(value) and len(value) > 10


# --- numbers ---------------------------------------------------------------------------------
_MONEY_SUFFIX = re.compile(r"\s*(đ|đồng|vnđ|vnd|₫|d)\s*$", re.IGNORECASE)
_GROUPED = re.compile(r"^[0-9]{1,3}([.,][0-9]{3})+$")
_OTHER_CURRENCY = re.compile(r"[$€£¥]|usd|eur", re.IGNORECASE)


def _is_ascii_digits(s: str) -> bool:
    # str.isdigit() is also true of "²" and other digits that int() refuses.
    return s.isascii() and s.isdigit()


def _whole(digits: str, code: str) -> int:
    """ASCII digits as an int the store can hold (no huge ints from a long string)."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > 19 or int(digits) > MAX_INT:
        raise ValueProblem(code)
    return int(digits)


def _decimal(body: str, code: str, too_big: str | None = None) -> Decimal:
    """A finite decimal small enough for the store, else ``code`` (``too_big`` when too large)."""
    try:
        d = Decimal(body)
    except InvalidOperation:
        raise ValueProblem(code) from None
    if not d.is_finite():
        raise ValueProblem(code)
    if d.adjusted() > 18:
        raise ValueProblem(too_big or code)
    return d


def parse_money(raw: object) -> int:
    """Whole đồng: ``125000000``, ``125.000.000``, ``125,000,000``, with ``đ``/``VNĐ``; Excel numbers."""
    if isinstance(raw, bool):
        raise ValueProblem("bad_amount")
    if isinstance(raw, int):
        if raw < 0:
            raise ValueProblem("negative_amount")
        if raw > MAX_INT:
            raise ValueProblem("bad_amount")
        return raw
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueProblem("bad_amount")
        if raw < 0:
            raise ValueProblem("negative_amount")
        if not raw.is_integer() or raw >= 2.0**63:
            raise ValueProblem("bad_amount")
        return int(raw)
    if not isinstance(raw, str):
        raise ValueProblem("bad_amount")
    if raw.isascii() and raw.isdigit():
        value = int(raw)
        if value > MAX_INT:
            raise ValueProblem("bad_amount")
        return value
    s = clean_text(raw).replace("\u00a0", " ")
    if _OTHER_CURRENCY.search(s):
        raise ValueProblem("bad_amount")
    s = _MONEY_SUFFIX.sub("", s).strip()
    negative = s.startswith("-") or (s.startswith("(") and s.endswith(")"))
    body = s.strip("()").lstrip("-").strip().replace(" ", "")
    if not body:
        raise ValueProblem("bad_amount")
    too_big = "negative_amount" if negative else "bad_amount"
    if _is_ascii_digits(body):
        value = _whole(body, too_big)
    elif _GROUPED.match(body) and len({c for c in body if not c.isdigit()}) == 1:
        value = _whole(body.replace(".", "").replace(",", ""), too_big)
    else:
        # ``125000000.0`` from a spreadsheet export is a whole number; ``1.5`` is a fraction.
        d = _decimal(body, "bad_amount", too_big)
        if d != d.to_integral_value():
            raise ValueProblem("negative_amount" if negative else "bad_amount")
        value = int(d)
        if value > MAX_INT:
            raise ValueProblem(too_big)
    if negative and value != 0:
        raise ValueProblem("negative_amount")
    return value


def parse_int(raw: object) -> int:
    """A whole number (``1.234`` with a thousands dot is accepted; ``12.5`` is not)."""
    if isinstance(raw, bool):
        raise ValueProblem("bad_integer")
    if isinstance(raw, int):
        if abs(raw) > MAX_INT:
            raise ValueProblem("bad_integer")
        return raw
    if isinstance(raw, float):
        if not raw.is_integer() or abs(raw) >= 2.0**63:  # NaN and infinities are not integers
            raise ValueProblem("bad_integer")
        return int(raw)
    if not isinstance(raw, str):
        raise ValueProblem("bad_integer")
    s = raw.strip().replace(" ", "")
    sign = -1 if s.startswith("-") else 1
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or body[0] in "+-":
        raise ValueProblem("bad_integer")
    if _is_ascii_digits(body):
        return sign * _whole(body, "bad_integer")
    if _GROUPED.match(body) and len({c for c in body if not c.isdigit()}) == 1:
        return sign * _whole(body.replace(".", "").replace(",", ""), "bad_integer")
    d = _decimal(body, "bad_integer")
    if d != d.to_integral_value() or int(d) > MAX_INT:
        raise ValueProblem("bad_integer")
    return sign * int(d)


#: Dots between groups of three digits, as Vietnamese writes thousands (and as money is read
#: here): ``1.234`` is one thousand two hundred and thirty-four, ``1.234,5`` has a decimal comma.
_DOT_THOUSANDS = re.compile(r"-?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?")


def parse_number(raw: object) -> float:
    """A decimal number: ``2.5`` or ``2,5`` (decimal comma); ``1.234`` and ``1.234.567`` with
    dots between groups of three digits are thousands (``_DOT_THOUSANDS``)."""
    if isinstance(raw, bool):
        raise ValueProblem("bad_number")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:  # an int too large for a float
            raise ValueProblem("bad_number") from None
    elif isinstance(raw, str):
        s = raw.strip().replace(" ", "")
        if _DOT_THOUSANDS.fullmatch(s):
            s = s.replace(".", "").replace(",", ".")     # 1.234 → 1234; 1.234,5 → 1234.5
        elif s.count(",") == 1 and "." not in s:
            s = s.replace(",", ".")
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise ValueProblem("bad_number") from None
        if d.is_nan():  # float() refuses a signalling NaN
            raise ValueProblem("bad_number")
        value = float(d)
    else:
        raise ValueProblem("bad_number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueProblem("bad_number")
    return value + 0.0              # -0.0 → 0.0: the same value stores (and hashes) the same


def parse_percent(raw: object) -> float:
    """A share from 0 to 100 (a trailing ``%`` is allowed)."""
    if isinstance(raw, str):
        raw = raw.strip().rstrip("%")
    value = parse_number(raw)
    if not 0 <= value <= 100:
        raise ValueProblem("bad_number", extra_vi=" (phải từ 0 đến 100)",
                           extra_en=" (must be from 0 to 100)")
    return value


# --- booleans, codes, enumerations -------------------------------------------------------------
_TRUE = {"true", "1", "yes", "có", "co", "x", "y", "t"}
_FALSE = {"false", "0", "no", "không", "khong", "n", "f"}


def parse_bool(raw: object) -> bool:
    """``true/false``, ``1/0``, ``yes/no``, ``có/không``, ``x``; any case; Excel booleans."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        s = clean_text(raw).casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ValueProblem("bad_bool")


_PERSONAL_TAX_CODE = re.compile(r"[0-9]{12}")


@lru_cache(maxsize=1 << 16)
def _tax_code(s: str) -> str:
    compact = re.sub(r"[\s.\-]", "", s)
    if _PERSONAL_TAX_CODE.fullmatch(compact) and "-" not in s:
        # A personal tax code (the citizen id of an individual or household); with a dash it is
        # a head office's code with a mistyped branch number instead.
        return compact
    try:
        mst.validate(compact)
    except ValidationError:
        raise ValueProblem("bad_tax_code") from None
    return mst.format(compact)


def parse_tax_code(raw: object) -> str:
    """A Vietnamese tax code, checked with ``stdnum.vn.mst``; a 12-digit personal code is kept."""
    if isinstance(raw, bool):
        raise ValueProblem("bad_tax_code")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and raw >= 0:
        # A number cell drops the leading zeros: a 10-digit code, a branch code (10 + 3
        # digits, 12 digits left when its first is 0) or a personal code (a citizen id,
        # which always starts with 0: 11 digits left).
        digits = str(raw)
        if len(digits) <= 10:
            raw = digits.zfill(10)
        elif len(digits) == 11:
            raw = digits.zfill(12)
        elif len(digits) <= 13:
            digits = digits.zfill(13)
            raw = f"{digits[:10]}-{digits[10:]}"
        else:
            raw = digits
    if not isinstance(raw, str):
        raise ValueProblem("bad_tax_code")
    return _tax_code(clean_text(raw))


def is_personal_tax_code(code: str | None) -> bool:
    """A 12-digit personal tax code: an individual or a household business."""
    return bool(code) and len(code) == 12 and code.isdigit()


def _is_whole_number(raw: object) -> bool:
    """An Excel number cell holding a whole number (an id or a code)."""
    if isinstance(raw, bool):
        return False
    return isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())


def parse_province(raw: object) -> str:
    """A current province by code (``1``/``01``) or by name, with or without diacritics or prefix."""
    if _is_whole_number(raw):
        raw = str(int(raw))
    if not isinstance(raw, str):
        raise ValueProblem("unknown_province")
    code = geo.province_code(raw)
    if code is None:
        raise ValueProblem("unknown_province")
    return code


def parse_commune(raw: object, province_code: str | None) -> str:
    """A current commune's 5-digit code, inside ``province_code`` (when that is known)."""
    if _is_whole_number(raw):
        raw = str(int(raw))
    if not isinstance(raw, str):
        raise ValueProblem("commune_not_in_province", province=province_code or "—")
    s = raw.strip()
    if not s.isdigit() or len(s) > 5:
        raise ValueProblem("commune_not_in_province", province=province_code or "—")
    code = s.zfill(5)
    actual = geo.commune_province(code)
    if actual is None or (province_code is not None and actual != province_code):
        raise ValueProblem("commune_not_in_province", province=province_code or "—")
    return code


_SCHOOL_YEAR = re.compile(r"^(?:nh|năm học|nam hoc)?\s*\.?\s*(\d{4})\s*[-–—/]\s*(\d{4})$",
                          re.IGNORECASE)


def parse_school_year(raw: object) -> str:
    """``2024-2025``, ``2024–2025``, ``2024/2025``, ``NH 2024-2025``; consecutive years only."""
    if not isinstance(raw, str):
        raise ValueProblem("bad_school_year")
    m = _SCHOOL_YEAR.match(clean_text(raw))
    if not m:
        raise ValueProblem("bad_school_year")
    a, b = int(m.group(1)), int(m.group(2))
    if b != a + 1:
        raise ValueProblem("bad_school_year")
    return f"{a}-{b}"


def parse_enum(raw: object, allowed: tuple[str, ...]) -> str:
    if isinstance(raw, str):
        s = clean_text(raw).casefold()
        if s in allowed:
            return s
    raise ValueProblem("bad_enum", allowed=", ".join(allowed))


def parse_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a spreadsheet number used as an id: 12.0 → "12"
    if isinstance(raw, dt.datetime):
        raw = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    elif isinstance(raw, dt.date):
        raw = raw.isoformat()
    return clean_text(str(raw))


_PARSERS = {
    "text": parse_text, "name": parse_text, "date": parse_date, "datetime": parse_datetime,
    "money": parse_money, "int": parse_int, "number": parse_number, "percent": parse_percent,
    "bool": parse_bool, "tax_code": parse_tax_code, "province": parse_province,
    "school_year": parse_school_year,
}


def parse(column: Column, raw: object, province_code: str | None = None):
    """Parse one raw value of ``column``; ``None`` for an empty one."""
    if is_empty(raw):
        return None
    if column.kind == "enum":
        return parse_enum(raw, ENUMS[column.enum])
    if column.kind == "commune":
        return parse_commune(raw, province_code)
    return _PARSERS[column.kind](raw)


# --- formatting (the inverse of parsing; the generator and the property tests use it) ---------
def format_money(value: int, style: str = "plain") -> str:
    if style == "plain":
        return str(value)
    grouped = f"{value:,}"
    if style == "dots":
        return grouped.replace(",", ".")
    if style == "dots_dong":
        return grouped.replace(",", ".") + " đ"
    if style == "dots_vnd":
        return grouped.replace(",", ".") + " VNĐ"
    if style == "commas":
        return grouped
    raise ValueError(style)


def format_date(value: dt.date, style: str = "iso") -> str:
    # Not strftime("%Y"): it drops the leading zeros of a year before 1000 on Linux.
    return value.isoformat() if style == "iso" else \
        f"{value.day:02d}/{value.month:02d}/{value.year:04d}"

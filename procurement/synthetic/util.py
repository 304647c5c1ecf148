"""Small pure helpers of the generator: seeds, text folding, dates, money.

Nothing here reads the clock, the environment or ``hash()``: the generator must give the same
bytes for the same seed on every machine and under every ``PYTHONHASHSEED``.
"""
from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))

#: The school years every synthetic data set covers.
SCHOOL_YEARS: tuple[str, ...] = ("2023-2024", "2024-2025", "2025-2026")


def derive_seed(seed: int, label: str) -> int:
    """An independent, stable 64-bit seed for one part of the generator."""
    digest = hashlib.sha256(f"{seed}:{label}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


# --- text -------------------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_WS = re.compile(r"\s+")


def _fold_word(m: re.Match) -> str:
    decomposed = unicodedata.normalize("NFD", m.group(0))
    tones = [ch for ch in decomposed if ch in _TONES]
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return bare + ("\u0001" + tones[0] if tones else "")


def fold(text: str | None) -> str:
    """The *folding* of flags.md: NFC, case folding, one space for whitespace runs, and the tone
    mark of each word taken off its vowel and kept as a mark of the whole word."""
    if not text:
        return ""
    t = _WS.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()
    return _WORD.sub(_fold_word, t)


def strip_diacritics(text: str) -> str:
    """``Nguyễn Văn Hùng`` → ``Nguyen Van Hung``."""
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return unicodedata.normalize("NFC", "".join(ch for ch in t if unicodedata.category(ch) != "Mn"))


def slug(text: str, sep: str = "") -> str:
    """ASCII lower-case slug: ``Sao Khuê`` → ``saokhue``."""
    return sep.join(re.findall(r"[a-z0-9]+", strip_diacritics(text).lower()))


_OLD_STYLE = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
              "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
              "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ"}
_OLD_RE = re.compile("|".join(_OLD_STYLE))


def old_style_tones(text: str) -> str:
    """New-style tone placement → old style (``hòa`` → ``hoà``); other text unchanged."""
    return _OLD_RE.sub(lambda m: _OLD_STYLE[m.group(0)], text)


def normalize_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) in (11, 12) and digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits


def normalize_address(address: str | None) -> str:
    if not address:
        return ""
    return fold(re.sub(r"[,.;:]", " ", address))


# --- dates ------------------------------------------------------------------------------------

def d(s: str) -> date:
    return date.fromisoformat(s)


def add_days(x: date, n: int) -> date:
    return x + timedelta(days=n)


def add_months(x: date, n: int) -> date:
    """The same day n calendar months later, or that month's last day."""
    y, m = divmod(x.month - 1 + n, 12)
    y += x.year
    m += 1
    return date(y, m, min(x.day, calendar.monthrange(y, m)[1]))


def as_date(x: date | datetime | None) -> date | None:
    if x is None:
        return None
    if isinstance(x, datetime):
        return x.astimezone(VN_TZ).date() if x.tzinfo else x.date()
    return x


def school_year_of(x: date) -> str:
    """The school year that contains a day (years start on 1 August)."""
    y = x.year if x.month >= 8 else x.year - 1
    return f"{y}-{y + 1}"


def year_start(school_year: str) -> int:
    return int(school_year[:4])


def working_days_after(start: date, end: date) -> int:
    """Monday–Friday days after ``start`` up to and including ``end``."""
    n = 0
    cur = start + timedelta(days=1)
    while cur <= end:
        if cur.weekday() < 5:
            n += 1
        cur += timedelta(days=1)
    return n


def rand_date(rng, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def at_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ)


# --- money ------------------------------------------------------------------------------------

def round_to(x: float, unit: int) -> int:
    return int(round(x / unit)) * unit


def ceil_to(x: int, unit: int) -> int:
    return -(-int(x) // unit) * unit


def group_thousands(n: int, sep: str) -> str:
    s = str(n)
    parts = []
    while len(s) > 3:
        parts.append(s[-3:])
        s = s[:-3]
    parts.append(s)
    return sep.join(reversed(parts))

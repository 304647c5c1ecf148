"""Property tests for the value parsers and the name folding (hypothesis).

What is formatted in an accepted style parses back to the same value; nothing valid is rejected;
a parser either returns a value or raises :class:`ValueProblem`, never anything else.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from procurement import values
from procurement.contract import ENUMS, KINDS, Column
from procurement.reasons import REASONS, problem
from procurement.text import fold
from procurement.values import MAX_INT, VN_TZ, ValueProblem

MONEY_STYLES = ("plain", "dots", "dots_dong", "dots_vnd", "commas")


# --- money ---------------------------------------------------------------------------------------
@given(st.integers(0, MAX_INT), st.sampled_from(MONEY_STYLES))
def test_money_in_every_style_parses_back(amount, style):
    assert values.parse_money(values.format_money(amount, style)) == amount


@given(st.integers(0, MAX_INT))
def test_money_as_an_excel_number_parses_back(amount):
    assert values.parse_money(amount) == amount
    if amount <= 2**53:
        assert values.parse_money(float(amount)) == amount


@given(st.integers(1, MAX_INT), st.sampled_from(MONEY_STYLES))
def test_a_negative_amount_is_rejected_in_every_style(amount, style):
    with pytest.raises(ValueProblem) as exc:
        values.parse_money("-" + values.format_money(amount, style))
    assert exc.value.code == "negative_amount"


@given(st.integers(0, 10**15), st.integers(1, 99))
def test_a_fraction_of_a_dong_is_rejected(amount, cents):
    # one or two decimals: never mistaken for a thousands separator
    text = f"{amount}.{cents}" if cents % 10 else f"{amount}.{cents // 10}"
    with pytest.raises(ValueProblem) as exc:
        values.parse_money(text)
    assert exc.value.code == "bad_amount"


@given(st.integers(0, 10**12), st.sampled_from(["$", "USD", "EUR", "€", "£", "¥", "usd"]),
       st.booleans())
def test_any_other_currency_is_rejected(amount, sign, before):
    text = f"{sign}{amount}" if before else f"{amount} {sign}"
    with pytest.raises(ValueProblem) as exc:
        values.parse_money(text)
    assert exc.value.code == "bad_amount"


@given(st.integers(-MAX_INT, MAX_INT))
def test_integers_parse_back(n):
    assert values.parse_int(str(n)) == n
    assert values.parse_int(n) == n
    if n >= 0:
        assert values.parse_int(values.format_money(n, "dots")) == n


# --- dates and date-times --------------------------------------------------------------------------
@given(st.dates(), st.sampled_from(["iso", "dmy"]))
def test_dates_in_both_styles_parse_back(day, style):
    text = values.format_date(day, style)
    assert values.parse_date(text) == day
    assert values.parse_datetime(text) == day.isoformat()


@given(st.dates())
def test_excel_date_cells_parse_back(day):
    midnight = dt.datetime(day.year, day.month, day.day)
    assert values.parse_date(midnight) == day
    assert values.parse_date(day) == day
    assert values.parse_datetime(midnight) == day.isoformat()


@given(st.dates(), st.sampled_from(["iso", "dmy"]))
def test_two_digit_years_are_rejected(day, style):
    text = values.format_date(day, style)
    short = text[2:] if style == "iso" else text[:-4] + text[-2:]
    with pytest.raises(ValueProblem) as exc:
        values.parse_date(short)
    assert exc.value.code == "bad_date"


_INSTANTS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31))
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@given(_INSTANTS, _OFFSETS, st.sampled_from(["T", " "]), st.booleans())
def test_date_times_with_an_offset_parse_back_in_vietnam_time(moment, tz, sep, zulu):
    aware = moment.replace(microsecond=0, tzinfo=tz)
    text = aware.isoformat(sep=sep)
    if zulu and aware.utcoffset() == dt.timedelta(0):
        text = text[:-6] + "Z"
    parsed = values.parse_datetime(text)
    assert parsed == aware.astimezone(VN_TZ).isoformat()
    assert dt.datetime.fromisoformat(parsed) == aware          # the same instant
    assert values.vn_day(parsed) == aware.astimezone(VN_TZ).date()
    assert values.has_time(parsed)


@given(_INSTANTS, st.sampled_from(["iso", "iso_space", "dmy", "dmy_no_seconds"]))
def test_date_times_without_an_offset_are_vietnam_time(moment, style):
    moment = moment.replace(microsecond=0)
    if style == "dmy_no_seconds":
        moment = moment.replace(second=0)
    text = {
        "iso": moment.isoformat(),
        "iso_space": moment.isoformat(sep=" "),
        "dmy": f"{moment:%d/%m}/{moment.year:04d} {moment:%H:%M:%S}",
        "dmy_no_seconds": f"{moment:%d/%m}/{moment.year:04d} {moment:%H:%M}",
    }[style]
    assert values.parse_datetime(text) == moment.replace(tzinfo=VN_TZ).isoformat()


@given(_INSTANTS)
def test_excel_date_time_cells_are_vietnam_time(moment):
    moment = moment.replace(microsecond=0)
    assume(moment.time() != dt.time())  # a midnight cell is a date
    assert values.parse_datetime(moment) == moment.replace(tzinfo=VN_TZ).isoformat()


# --- school years ---------------------------------------------------------------------------------
_PREFIXES = ["", "NH ", "nh", "NH. ", "Năm học ", "năm học ", "Nam hoc "]
_SEPARATORS = ["-", "–", "—", "/", " - ", " / "]


@given(st.integers(1000, 9998), st.sampled_from(_PREFIXES), st.sampled_from(_SEPARATORS))
def test_school_years_parse_back(first, prefix, sep):
    assert values.parse_school_year(f"{prefix}{first}{sep}{first + 1}") == f"{first}-{first + 1}"


@given(st.integers(1000, 9999), st.integers(1000, 9999), st.sampled_from(_SEPARATORS))
def test_years_that_are_not_consecutive_are_rejected(first, second, sep):
    assume(second != first + 1)
    with pytest.raises(ValueProblem) as exc:
        values.parse_school_year(f"{first}{sep}{second}")
    assert exc.value.code == "bad_school_year"


# --- tax codes ------------------------------------------------------------------------------------
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)   # stdnum/vn/mst.py


def _check_digit(first9: str) -> str | None:
    r = sum(w * int(d) for w, d in zip(_WEIGHTS, first9)) % 11
    return None if r == 0 else str(10 - r)       # remainder 0: no digit fits


@st.composite
def tax_codes(draw) -> str:
    first9 = draw(st.text("0123456789", min_size=9, max_size=9))
    assume(first9[2:] != "0000000")
    digit = _check_digit(first9)
    assume(digit is not None)
    return first9 + digit


def _written(code10: str, style: str) -> str:
    if style == "dots":
        return f"{code10[:2]}.{code10[2:5]}.{code10[5:]}"
    if style == "spaces":
        return f" {code10[:4]} {code10[4:7]} {code10[7:]} "
    return code10


@given(tax_codes(), st.sampled_from(["plain", "dots", "spaces"]),
       st.one_of(st.none(), st.integers(1, 999)), st.sampled_from(["-", " - ", ""]))
def test_valid_tax_codes_parse_back(code, style, branch, dash):
    text = _written(code, style)
    expected = code
    if branch is not None:
        text += f"{dash}{branch:03d}"
        expected += f"-{branch:03d}"
    assert values.parse_tax_code(text) == expected
    if branch is None:          # an Excel number cell: the leading zeros are gone
        assert values.parse_tax_code(int(code)) == code


@given(tax_codes(), st.integers(1, 9))
def test_any_other_check_digit_is_rejected(code, shift):
    wrong = code[:9] + str((int(code[9]) + shift) % 10)
    with pytest.raises(ValueProblem) as exc:
        values.parse_tax_code(wrong)
    assert exc.value.code == "bad_tax_code"


@given(st.text("0123456789", min_size=12, max_size=12))
def test_twelve_digit_personal_tax_codes_are_kept(code):
    assert values.parse_tax_code(code) == code
    assert values.is_personal_tax_code(code)


# --- names: folding ---------------------------------------------------------------------------------
_TONE_MARKS = ["\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]   # huyền sắc hỏi ngã nặng
# Open syllables whose tone is placed on the first vowel (old style) or the second (new style).
_GLIDES = [("h", "o", "a"), ("h", "o", "e"), ("th", "u", "y"), ("l", "o", "e"), ("kh", "o", "e"),
           ("h", "u", "y"), ("t", "o", "a"), ("x", "o", "a"), ("t", "u", "y")]
_SYLLABLES = ["nguyên", "văn", "thi", "đăng", "trương", "lê", "phan", "ngoc", "anh", "minh",
              "hương", "quôc", "bao", "châu", "tuân", "yên", "đưc", "ơn", "ư"]
_CASES = [str.lower, str.upper, str.title, lambda s: s]


def _toned(syllable: str, mark: str | None) -> str:
    """A syllable with a tone on its main vowel (the last vowel letter of its nucleus)."""
    if mark is None:
        return syllable
    base = unicodedata.normalize("NFD", syllable)
    idx = max(i for i, c in enumerate(base) if c.lower() in "aeiouy")
    j = idx + 1
    while j < len(base) and unicodedata.combining(base[j]):
        j += 1
    return unicodedata.normalize("NFC", base[:j] + mark + base[j:])


@st.composite
def vietnamese_names(draw, min_words=1, max_words=4):
    words = []
    for _ in range(draw(st.integers(min_words, max_words))):
        mark = draw(st.one_of(st.none(), st.sampled_from(_TONE_MARKS)))
        if draw(st.booleans()):
            onset, v1, v2 = draw(st.sampled_from(_GLIDES))
            words.append(("glide", onset, v1, v2, mark))
        else:
            words.append(("plain", draw(st.sampled_from(_SYLLABLES)), mark))
    return words


def _write(words, *, old_style: bool, case=lambda s: s, form="NFC", space=" ") -> str:
    out = []
    for w in words:
        if w[0] == "glide":
            _, onset, v1, v2, mark = w
            m = mark or ""
            out.append(onset + (v1 + m + v2 if old_style else v1 + v2 + m))
        else:
            out.append(_toned(w[1], w[2]))
    return unicodedata.normalize(form, case(unicodedata.normalize("NFC", space.join(out))))


@given(vietnamese_names(), st.sampled_from(_CASES), st.sampled_from(["NFC", "NFD"]),
       st.sampled_from([" ", "  ", "\t", " \u00a0"]), st.booleans())
def test_fold_ignores_tone_placement_case_normal_form_and_spacing(words, case, form, space, old):
    reference = fold(_write(words, old_style=True))
    variant = _write(words, old_style=old, case=case, form=form, space=space)
    assert fold(variant) == reference
    assert fold("  " + variant + " ") == reference


@given(vietnamese_names())
def test_old_and_new_tone_placement_are_written_differently_but_fold_equal(words):
    old, new = _write(words, old_style=True), _write(words, old_style=False)
    assert fold(old) == fold(new)
    # text is kept as written: the two placements stay different strings
    if any(w[0] == "glide" and w[4] for w in words):
        assert values.parse_text(old) != values.parse_text(new)


@given(vietnamese_names())
def test_fold_is_idempotent_and_normalised(words):
    folded = fold(_write(words, old_style=True))
    assert fold(folded) == folded
    assert unicodedata.is_normalized("NFC", folded)
    assert folded == folded.casefold()


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_fold_is_idempotent_on_any_text(text):
    once = fold(text)
    assert fold(once) == once
    assert fold(unicodedata.normalize("NFD", text)) == once


@given(vietnamese_names(), st.data())
def test_a_different_tone_on_one_word_folds_different(words, data):
    i = data.draw(st.integers(0, len(words) - 1))
    w = words[i]
    other = data.draw(st.sampled_from([None, *_TONE_MARKS]).filter(lambda m: m != w[-1]))
    changed = list(words)
    changed[i] = (*w[:-1], other)
    assert fold(_write(words, old_style=True)) != fold(_write(changed, old_style=True))


def test_hoa_differs_from_hoa_with_a_tone():
    assert fold("Hoa") != fold("Hoà")
    assert fold("Hoà") == fold("hòa") == fold("HÒA") == fold("Ho\u0300a") == fold("Hoa\u0300")
    assert fold("thuý") == fold("thúy") and fold("loè") == fold("lòe")
    assert fold("mùa") != fold("mua") and fold("Đông") != fold("Dong")


# --- every parser either returns or says what is wrong ----------------------------------------------
_ANY_CELL = st.one_of(
    st.text(max_size=40),
    st.text("0123456789.,- đĐ₫VNvn()$%/:T+Z²٣０", max_size=30),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), _OFFSETS)),
)


@pytest.mark.parametrize("kind", sorted(KINDS))
@given(raw=_ANY_CELL)
def test_a_parser_returns_a_value_or_raises_a_value_problem(kind, raw):
    column = Column("value", kind, enum="service" if kind == "enum" else None)
    try:
        parsed = values.parse(column, raw, "01")
    except ValueProblem as e:
        assert e.code in REASONS
        problem(e.code, "value", raw, **e.extra)      # its texts can be written
        return
    if parsed is None:
        assert values.is_empty(raw)
    elif kind in ("money", "int"):
        assert isinstance(parsed, int) and not isinstance(parsed, bool) and abs(parsed) <= MAX_INT
    elif kind == "enum":
        assert parsed in ENUMS["service"]
    if isinstance(parsed, str):
        assert unicodedata.is_normalized("NFC", parsed)

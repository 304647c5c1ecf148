"""Vietnamese text normalisation: NFC, the catalogue's *folding*, contact normalisation.

Folding (flags.md, "People"): NFC, case folding, runs of whitespace made one space; in every
word (a run of letters and digits) the tone mark (huyền, sắc, hỏi, ngã, nặng) is taken off its
vowel and kept as a mark of the whole word, so ``Hoà``, ``hòa`` and ``HÒA`` fold equal while
``Hoa`` differs.  Every other diacritic (â ă ê ô ơ ư đ) is kept.

The word's tone is written as a trailing Telex letter in its *modifier* form (ᶠ huyền, ˢ sắc,
ʳ hỏi, ˣ ngã, ʲ nặng: U+1DA0, U+02E2, U+02B3, U+02E3, U+02B2).  These are letters without case,
so folding a folded text changes nothing (``fold(fold(x)) == fold(x)``: a stored key can be
folded again, e.g. used as a phrase), and they never occur in written Vietnamese, so the marker
cannot collide with a written letter.  It stays part of the word: ``mua`` never matches inside
``mùa`` (folded ``muaᶠ``) when phrases are matched on word boundaries.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks in NFD and their Telex letters (modifier letters: uncased, see above).
_TONES = {"\u0300": "\u1da0", "\u0301": "\u02e2", "\u0309": "\u02b3", "\u0303": "\u02e3",
          "\u0323": "\u02b2"}
_WS = re.compile(r"\s+")
_ADDRESS_PUNCT = str.maketrans({",": " ", ".": " ", ";": " ", ":": " "})


def nfc(value: str) -> str:
    """NFC form of ``value``."""
    return unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """A text value as stored: NFC, surrounding whitespace removed (what was written is kept)."""
    return nfc(value).strip()


def collapse_ws(value: str) -> str:
    return _WS.sub(" ", nfc(value)).strip()


def _fold_word(chars: list[str]) -> str:
    tones = sorted({_TONES[c] for c in chars if c in _TONES})
    base = unicodedata.normalize("NFC", "".join(c for c in chars if c not in _TONES))
    return base + "".join(tones)


@lru_cache(maxsize=1 << 18)
def _fold_chunk(s: str) -> str:
    """Fold one whitespace-free chunk (already NFC and case folded)."""
    s = unicodedata.normalize("NFD", s)
    out: list[str] = []
    word: list[str] = []
    for ch in s:
        if ch.isalnum() or (word and unicodedata.combining(ch)):
            word.append(ch)
        else:
            if word:
                out.append(_fold_word(word))
                word = []
            out.append(ch)
    if word:
        out.append(_fold_word(word))
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=1 << 18)
def fold(value: str | None) -> str:
    """The catalogue's folded form of a text (see the module docstring).

    White space never belongs to a word and folding makes every run of it one space, so the
    text is folded chunk by chunk between spaces; chunks (words) repeat and are cached."""
    if not value:
        return ""
    s = _WS.sub(" ", unicodedata.normalize("NFC", value)).strip().casefold()
    s = s.replace("ð", "đ")     # Ð (eth), which a Windows-1252 round trip leaves for Đ
    return " ".join(_fold_chunk(c) for c in s.split(" ")) if s else ""


def strip_diacritics(value: str) -> str:
    """ASCII-ish form for lenient look-ups (province names): no diacritics, đ (and ð, the eth a
    Windows-1252 round trip leaves for it) → d, case folded."""
    s = unicodedata.normalize("NFD", nfc(value).casefold().replace("đ", "d").replace("ð", "d"))
    return "".join(c for c in s if not unicodedata.combining(c))


def phone_key(value: str | None) -> str:
    """Normalised phone: digits only; an 11- or 12-digit number starting with 84 gets 0 instead."""
    if not value:
        return ""
    digits = "".join(c for c in str(value) if c.isdigit())
    if len(digits) in (11, 12) and digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits


def email_key(value: str | None) -> str:
    """Normalised e-mail: trimmed and case folded."""
    return nfc(value).strip().casefold() if value else ""


def address_key(value: str | None) -> str:
    """Normalised address: `,` `.` `;` `:` made spaces, then folded."""
    return fold(nfc(value).translate(_ADDRESS_PUNCT)) if value else ""


_WORD_BOUNDARY_CACHE: dict[str, re.Pattern[str]] = {}


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A regex that finds the folded ``phrase`` as whole words in a folded text."""
    key = fold(phrase)
    pat = _WORD_BOUNDARY_CACHE.get(key)
    if pat is None:
        pat = re.compile(r"(?<![^\W_])" + re.escape(key) + r"(?![^\W_])")
        _WORD_BOUNDARY_CACHE[key] = pat
    return pat


def occurs(phrase: str, folded_text: str) -> bool:
    """True when ``phrase`` occurs in ``folded_text`` as whole words (flags.md, directive sentences)."""
    return bool(phrase_pattern(phrase).search(folded_text))


#: Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069).
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(value: str) -> str:
    """``value`` for display without bidirectional controls: one left unclosed in a vendor's
    name would show the rest of a sentence reversed ("< 10" as "01 >").  What is stored keeps
    them; a report shows the text's letters in their order."""
    return value.translate(_BIDI_CONTROLS) if value else value

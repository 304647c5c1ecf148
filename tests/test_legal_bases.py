"""Every flag's legal basis exists in Vietnamese and English (audit/legal_bases.toml), reaches
the findings as ``vi / en``, and a report or the explorer shows the reader's language."""
from __future__ import annotations

import re

import pytest

from audit import i18n
from audit.registry import legal_bases, load_flags

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ]", re.I)


@pytest.mark.parametrize("code", sorted(load_flags()))
def test_every_flag_has_its_legal_basis_in_both_languages(code):
    entry = legal_bases().get(code)
    assert entry, f"{code}: add [{code}] vi = … en = … to audit/legal_bases.toml"
    assert set(entry) == {"vi", "en"}
    assert VIETNAMESE.search(entry["vi"]), (code, entry["vi"])
    assert " / " not in entry["vi"] and " / " not in entry["en"]
    assert load_flags()[code].legal_basis == f"{entry['vi']} / {entry['en']}"


def test_no_entry_without_a_flag():
    assert set(legal_bases()) <= set(load_flags())


def test_the_reader_gets_one_language():
    text = load_flags()["PRC-SPLIT"].legal_basis
    vi, en = i18n.legal_basis(text, "vi"), i18n.legal_basis(text, "en")
    assert vi.startswith("Điểm l khoản 6 Điều 16 Luật Đấu thầu") and "Law" not in vi
    assert en.startswith("Law on Bidding 22/2023 Art 16.6.l") and "Luật" not in en
    assert i18n.legal_basis("Cardinal R018", "en") == "Cardinal R018"
    assert i18n.legal_basis(None, "vi") == ""
    with pytest.raises(ValueError):
        i18n.legal_basis(text, "fr")

"""The public edition's masking (audit/privacy.py): people found in any text whatever the
case, spacing or Unicode form their name is written in; a name two people hold is not shown as
either of them; an official's staff number does not sit beside the pseudonym; pseudonyms are
the same in reports and maps; bidirectional controls from the data are not shown."""
from __future__ import annotations

import re
import unicodedata

import pytest

from audit.privacy import CODE_DIGITS, Masker
from procurement import store
from procurement.ingest import ingest
from procurement.text import without_bidi_controls

FILES = {
    "authorities.csv": "authority_id,name,kind,province_code\nSGD01,Sở GD&ĐT Hà Nội,province_department,01\n",
    "officials.csv": ("official_id,full_name,authority_id,position,birth_date,phone\n"
                      "CB0001072,Phạm Thị Ngọc Hiền,SGD01,head_of_division,1989-09-20,0912345678\n"
                      "CB0002000,Lê Văn Tám,SGD01,director,1970-01-01,0987654321\n"),
    "vendors.csv": ("vendor_id,name\n4199639139,Công ty TNHH Giải pháp Số\n"
                    "052185012346,Hộ kinh doanh Trương Thị Mười\n"),
    "vendor_people.csv": ("vendor_id,full_name,role,birth_date,phone\n"
                          "4199639139,Phạm Thị Ngọc Hiền,employee,1989-09-21,0900000001\n"
                          "4199639139,Nguyễn Văn Lananh,owner,1980-02-02,0900000002\n"),
}


@pytest.fixture(scope="module")
def eng(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    for name, body in FILES.items():
        (folder / name).write_text(body, encoding="utf-8")
    url = f"sqlite:///{folder}/p.db"
    assert ingest([str(folder)], url, progress=False).exit_code == 0
    return store.get_engine(url)


def test_a_name_is_found_in_any_case_spacing_or_form(eng):
    m = Masker(eng, "public")
    for written in ("Lê Văn Tám", "LÊ VĂN TÁM", "lê  văn\u00a0tám", unicodedata.normalize("NFD", "Lê Văn Tám")):
        shown = m.scrub(f"Chỉ thị nêu {written}, ĐT 0987654321.")
        assert "tám" not in shown.lower() and "0987654321" not in shown, shown
        assert re.search(rf"Cán bộ #[0-9A-F]{{{CODE_DIGITS}}}", shown)
    # the same pseudonym whatever the form
    forms = {m.scrub("LÊ VĂN TÁM"), m.scrub("Lê Văn Tám")}
    assert len(forms) == 1


def test_an_individual_vendor_in_capitals_is_masked(eng):
    m = Masker(eng, "public")
    shown = m.scrub("Các trường dùng chữ ký số của HỘ KINH DOANH TRƯƠNG THỊ MƯỜI (052185012346).")
    assert "MƯỜI" not in shown and "052185012346" not in shown
    assert "Hộ kinh doanh/cá nhân #" in shown


def test_a_phone_is_found_however_its_digits_are_grouped(eng):
    m = Masker(eng, "public")
    for written in ("0987.654.321", "0987 654 321", "+84 987 654 321", "(+84) 987-654-321"):
        shown = m.scrub(f"ĐT {written}; hết")
        assert shown == "ĐT [đã ẩn]; hết", (written, shown)
    assert m.scrub("ĐT 0987.654.322") == "ĐT 0987.654.322"      # another number


def test_a_value_inside_a_longer_word_is_left_alone(eng):
    """Matching starts and ends on word boundaries: a phone inside a longer number, or a name
    inside a longer word, is not a hit."""
    m = Masker(eng, "public")
    assert m.scrub("mã 109123456789") == "mã 109123456789"
    assert "0912345678" not in m.scrub("gọi 0912345678 ngay")


def test_a_name_two_people_hold_is_shown_as_neither(eng):
    """An official and a vendor's employee share a name (different birth dates): a text that
    quotes it cannot say which one it is, so it shows no pseudonym rather than a wrong one."""
    m = Masker(eng, "public")
    shown = m.scrub("Cán bộ Phạm Thị Ngọc Hiền (CB0001072) trùng số điện thoại với nhân viên "
                    "Phạm Thị Ngọc Hiền của 4199639139")
    assert "Hiền" not in shown
    assert shown.count("[họ tên đã ẩn]") == 2
    assert Masker(eng, "public", lang="en").scrub("Phạm Thị Ngọc Hiền") == "[name hidden]"
    # the folded form of the name (as evidence keys write it) too
    from procurement.text import fold
    assert m.scrub(f"vendor_people:4199639139/employee/{fold('Phạm Thị Ngọc Hiền')}") == \
        "vendor_people:4199639139/employee/[họ tên đã ẩn]"


def test_an_officials_staff_number_becomes_its_pseudonym(eng):
    m = Masker(eng, "public")
    label = m.person("official", "CB0002000", "Lê Văn Tám", "director")
    shown = m.scrub("Lê Văn Tám (CB0002000) là Giám đốc; xem officials:CB0002000")
    assert "CB0002000" not in shown
    code = label.split("#")[1].split(" ")[0]
    assert shown.startswith(f"{label.split(' — ')[0]} — Giám đốc") or shown.startswith(label)
    assert f"(#{code})" not in shown                  # not said twice
    assert f"officials:#{code}" in shown


def test_internal_edition_shows_everything(eng):
    m = Masker(eng, "internal")
    text = "Lê Văn Tám (CB0002000) 0987654321"
    assert m.scrub(text) == text


def test_the_map_masks_free_text_as_the_reports_do(eng):
    """A tender title in a map tooltip naming a person (as written, in capitals) and a phone:
    masked with the same pseudonym a report shows."""
    import networkx as nx

    from audit.present.network import Labeller
    m = Masker(eng, "public")
    lab = Labeller(nx.MultiDiGraph(), m, "vi", engine=eng)
    shown = lab.text("Gói thầu do LÊ VĂN TÁM thẩm định; ĐT 0987.654.321 / 0987654321")
    assert "TÁM" not in shown and "0987654321" not in shown
    assert m.scrub("Lê Văn Tám") in shown


def test_bidirectional_controls_are_not_shown():
    assert without_bidi_controls("Công ty Phú An\u202e < 10 trường") == "Công ty Phú An < 10 trường"
    from audit.present.report import esc
    assert "\u202e" not in esc("A\u202eB") and "\u2067" not in esc("A\u2067B")


def test_map_tooltips_speak_the_reports_language(eng):
    """A vendor's status is translated and a score has the language's decimal comma."""
    import networkx as nx

    from audit.present.network import Labeller
    G = nx.MultiDiGraph()
    G.add_node("vendor:4199639139", type="vendor", key="4199639139",
               name="Công ty TNHH Giải pháp Số", status="active")
    G.add_node("finding:x", type="finding", codes=["PRC-SINGLE"], risk=73.3)
    for lang, status, score in (("vi", "Trạng thái: Đang hoạt động", "PRC-SINGLE · 73,3"),
                                ("en", "Status: Active", "PRC-SINGLE · 73.3")):
        lab = Labeller(G, Masker(eng, "public", lang), lang, engine=eng)
        assert status in lab.node_title(G.nodes["vendor:4199639139"])
        assert lab.node_label(G.nodes["finding:x"]) == score


def test_a_map_page_heading_shows_no_bidirectional_control():
    from audit.present.network import _esc
    assert _esc("Lạc Tiến \u202egnp.exe <b>") == "Lạc Tiến gnp.exe &lt;b&gt;"


def test_the_explorer_shows_an_officials_staff_number_as_its_code(eng):
    """COI-REVOLVING's subject is <official_id>+<vendor_id>: in public the staff number is the
    official's pseudonym code, as the reports show it."""
    from audit.present.explorer import FindingsData
    data = FindingsData.__new__(FindingsData)
    data.engine, data.privacy, data.lang = eng, "public", "vi"
    shown = data.subject_label("official_vendor", "CB0002000+4199639139")
    code = Masker(eng, "public").code("official", "CB0002000")
    assert shown == f"#{code}+4199639139"
    data.privacy = "internal"
    assert data.subject_label("official_vendor", "CB0002000+4199639139") == "CB0002000+4199639139"


def test_a_map_reuses_the_callers_masker(eng, monkeypatch):
    """A report or the explorer hands its masker to the map: the store's personal values are
    gathered once (at national scale, seconds per map), not again for every map."""
    from audit.present import network
    given = Masker(eng, "public", "vi")
    made = []

    class Counting(Masker):
        def __init__(self, *a, **k):
            made.append(a)
            super().__init__(*a, **k)
    monkeypatch.setattr(network, "Masker", Counting)
    network.map_page(engine=eng, masker=given, findings=[])
    assert made == []
    network.map_page(engine=eng, masker=given, findings=[], lang="en")    # another language
    assert len(made) == 1

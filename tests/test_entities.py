"""Person matching and vendor groups (audit/entities.py) against the catalogue's words
(flags.md, "People" and "Vendor groups"), with decoys that must not match."""
from __future__ import annotations

import random
import time
import unicodedata

import pandas as pd
import pytest

from audit.entities import (Link, VendorGroups, ancestors, fold_text, match_people,
                            normal_address, normal_email, normal_phone, person_keys,
                            vendor_groups)
from procurement.text import address_key, fold

NAME = "Nguyễn Thị Hòa"
BIRTH = "1978-04-12"


def person(name=NAME, birth=BIRTH, nid=None, phone=None, email=None, address=None):
    return {"full_name": name, "birth_date": pd.Timestamp(birth) if birth else pd.NaT,
            "national_id": nid, "phone": phone, "email": email, "address": address}


def same(a: dict, b: dict) -> str | None:
    """The reason two records are the same person, None when they are not."""
    left = person_keys(pd.DataFrame([a]))
    right = person_keys(pd.DataFrame([b]))
    m = match_people(left, right)
    assert len(m) <= 1
    return None if m.empty else m["reason"].iloc[0]


# --- person matching ------------------------------------------------------------------------

def test_name_birth_and_one_contact_match():
    assert same(person(phone="0912345678"), person(phone="0912345678")) == "name+birth+phone"
    assert same(person(email="hoa@x.vn"), person(email="hoa@x.vn")) == "name+birth+email"
    assert same(person(address="12 Lê Lợi"), person(address="12 Lê Lợi")) == "name+birth+address"


def test_decoy_common_name_other_birth_date():
    assert same(person(phone="0912345678"), person(birth="1978-04-13", phone="0912345678")) is None


def test_decoy_same_name_and_birth_nothing_else_in_common():
    a = person(phone="0912345678", email="a@x.vn", address="12 Lê Lợi")
    b = person(phone="0987654321", email="b@x.vn", address="14 Lê Lợi")
    assert same(a, b) is None
    # A contact present on one side only is not "non-empty on both sides".
    assert same(person(phone="0912345678"), person(email="a@x.vn")) is None
    assert same(person(), person()) is None


def test_missing_birth_date_never_matches_without_id():
    assert same(person(birth=None, phone="0912345678"), person(birth=None, phone="0912345678")) is None
    assert same(person(phone="0912345678"), person(birth=None, phone="0912345678")) is None


@pytest.mark.parametrize("a,b", [
    ("Nguyễn Thị Hòa", unicodedata.normalize("NFD", "Nguyễn Thị Hòa")),   # NFD vs NFC
    ("Nguyễn Thị Hòa", "NGUYỄN THỊ HÒA"),                                   # capitals
    ("Nguyễn Thị Hòa", "nguyễn   thị\thòa "),                               # case, spaces
    ("Nguyễn Thị Hòa", "Nguyễn Thị Hoà"),                                   # old-style tone
    ("Lê Thúy", "LÊ THUÝ"),                                                 # old style + capitals
    ("Lê Thúy", unicodedata.normalize("NFD", "lê thuý")),                   # old style in NFD
    ("Trần Khánh Hòa", "Trần Khánh Hoà"),
])
def test_folded_names_are_equal(a, b):
    assert same(person(name=a, phone="0912345678"), person(name=b, phone="0912345678"))


@pytest.mark.parametrize("a,b", [
    ("Nguyễn Văn Hùng", "Nguyen Van Hung"),     # no diacritics: never equal
    ("Nguyễn Thị Hòa", "Nguyễn Thị Hoa"),       # tone missing
    ("Nguyễn Thị Hòa", "Nguyễn Thị Họa"),       # another tone
    ("Lê Thị Thu", "Lê Thị Thư"),               # ư ≠ u
    ("Đỗ Văn An", "Do Văn An"),                 # đ ≠ d
])
def test_different_names_never_equal(a, b):
    assert same(person(name=a, phone="0912345678", address="12 Lê Lợi"),
                person(name=b, phone="0912345678", address="12 Lê Lợi")) is None


def test_national_ids_decide():
    # Equal (after trimming): the same person whatever the name and everything else.
    assert same(person(nid="001078000123"),
                person(name="Nguyen Thi Hoa", birth="1990-01-01", nid=" 001078000123 ")) == "national_id"
    # Different: different people, whatever else agrees.
    assert same(person(nid="001078000123", phone="0912345678", email="a@x.vn"),
                person(nid="001078000124", phone="0912345678", email="a@x.vn")) is None
    # Only one has an id: the other rule applies.
    assert same(person(nid="001078000123", phone="0912345678"),
                person(phone="+84 912 345 678")) == "name+birth+phone"
    # A blank id is no id.
    assert same(person(nid="  ", phone="0912345678"), person(nid="001078000124", phone="0912345678"))


@pytest.mark.parametrize("raw,key", [
    ("0912345678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("(+84) 912-345-678", "0912345678"),
    ("+84 24 3825 1234", "02438251234"),     # 12 digits starting with 84
    ("8491234567", "8491234567"),            # 10 digits: kept
    ("840912345678", "00912345678"),         # 12 digits starting with 84: 84 → 0, literally
    ("không có", ""),
])
def test_phone_normalisation(raw, key):
    assert normal_phone(raw) == key


def test_phone_normalisation_matches_people():
    assert same(person(phone="+84 912 345 678"), person(phone="0912.345.678")) == "name+birth+phone"
    assert same(person(phone="84912345678"), person(phone="0912 345 678")) == "name+birth+phone"


def test_email_normalisation():
    assert normal_email("  Hoa.Nguyen@Example.VN ") == "hoa.nguyen@example.vn"
    assert same(person(email=" HOA@X.VN"), person(email="hoa@x.vn")) == "name+birth+email"


def test_address_normalisation():
    a = "Số 12, Lê Lợi; P. Bến Nghé: Q.1"
    assert normal_address(a) == normal_address("số 12 LÊ LỢI  P Bến Nghé Q 1")
    assert normal_address(a) == normal_address(unicodedata.normalize("NFD", a))
    # Abbreviations are not expanded; other punctuation is kept.
    assert normal_address("P. Bến Nghé") != normal_address("Phường Bến Nghé")
    assert normal_address("12/3 Lê Lợi") != normal_address("12 3 Lê Lợi")
    assert same(person(address="12, Hoà Bình"), person(address="12 hòa bình")) == "name+birth+address"
    assert same(person(address="P. Bến Nghé"), person(address="Phường Bến Nghé")) is None


def test_relatives_without_email_column():
    rel = pd.DataFrame([person(phone="0912345678")]).drop(columns=["email"])
    vp = pd.DataFrame([person(phone="+84912345678", email="x@y.vn")])
    m = match_people(person_keys(rel), person_keys(vp))
    assert list(m["reason"]) == ["name+birth+phone"]


def test_match_keeps_index_labels_and_many_to_many():
    left = pd.DataFrame([person(phone="0912345678"), person(name="Lê Văn Nam", nid="001")],
                        index=["o1", "o2"])
    right = pd.DataFrame([person(phone="0912345678"), person(name="Lê Văn Bình", nid="001"),
                          person(name="Hòa", phone="0912345678")], index=["p1", "p2", "p3"])
    m = match_people(person_keys(left), person_keys(right))
    assert sorted(zip(m["left"], m["right"])) == [("o1", "p1"), ("o2", "p2")]
    assert match_people(person_keys(left.iloc[:0]), person_keys(right)).empty


def test_fold_text_agrees_with_the_reference_folding():
    rng = random.Random(7)
    letters = [chr(c) for c in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00))]
    pool = list("aăâbcdđeêghiklmnoôơpqrstuưvxy0123456789 ,.;:-/()_'\t\n") + letters + [
        "Hoà", "Thuý", "\u0300", "\u0301", "\u0323", "\u0303", "\u0309", "ß", "İ", "Σ", "ﬁ", "\u00a0"]
    for _ in range(20000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 14)))
        if rng.random() < 0.3:
            s = unicodedata.normalize("NFD", s)
        assert fold_text(s) == fold(s), s
        assert normal_address(s) == address_key(s), s


def test_person_matching_is_fast_at_national_scale():
    rng = random.Random(1)
    fam = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Đặng", "Bùi", "Đỗ"]
    mid = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc"]
    giv = ["Hùng", "Hòa", "Thúy", "Lan", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Sơn"]

    def people(n, email=True):
        rows = []
        for _ in range(n):
            rows.append({
                "full_name": f"{rng.choice(fam)} {rng.choice(mid)} {rng.choice(giv)}",
                "birth_date": pd.Timestamp("1960-01-01") + pd.Timedelta(days=rng.randint(0, 15000)),
                "national_id": f"{rng.randint(0, 10**12 - 1):012d}" if rng.random() < 0.5 else None,
                "address": f"Số {rng.randint(1, 999)}, đường {rng.choice(giv)}, phường "
                           f"{rng.choice(giv)}, quận {rng.randint(1, 12)}, TP Hồ Chí Minh",
                "phone": f"+84 9{rng.randint(0, 99999999):08d}",
                **({"email": f"u{rng.randint(0, 10**7)}@mail.vn"} if email else {})})
        return pd.DataFrame(rows)

    officials, relatives, vendor_people = people(60000), people(20000, False), people(15000)
    t0 = time.perf_counter()
    ko, kr, kv = person_keys(officials), person_keys(relatives), person_keys(vendor_people)
    match_people(ko, kv)
    match_people(kr, kv)
    # ≈ 1 s on an idle laptop; the bound only guards against a comparison of every pair
    # (60,000 × 15,000 records), which would take minutes.
    assert time.perf_counter() - t0 < 20.0


# --- vendor groups ----------------------------------------------------------------------------

A, B, C, D = "0100109106", "0101243150", "0102100740", "0100233583"
HEAD, BRANCH = "0100109106", "0100109106-001"


def vendors(*rows):
    cols = ["vendor_id", "name", "parent_vendor_id", "phone", "email", "address", "status"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)


def people_of(*rows):
    cols = ["vendor_id", "full_name", "role", "share_pct", "birth_date", "national_id", "phone",
            "email", "address", "since", "until"]
    out = []
    for r in rows:
        r = {"birth_date": pd.Timestamp(BIRTH), **r}
        out.append({c: r.get(c) for c in cols})
    return pd.DataFrame(out, columns=cols)


def v(vid, **kw):
    return {"vendor_id": vid, "name": f"Công ty {vid}", **kw}


def groups_of(vs, vp=None) -> VendorGroups:
    return vendor_groups(vendors(*vs), vp if vp is not None else people_of())


def test_link_1_declared_parent():
    g = groups_of([v(A), v(B, parent_vendor_id=A)])
    assert g.group(B) == A and [l.kind for l in g.links] == ["parent"]
    assert g.family_of[B] == A


@pytest.mark.parametrize("col,x,y", [
    ("phone", "+84 24 3825 1234", "024.3825.1234"),
    ("email", "Info@SaoKhue.vn ", "info@saokhue.vn"),
    ("address", "12, Lê Lợi, P. Bến Nghé", "12 LÊ LỢI P Bến Nghé"),
])
def test_link_2_same_contact_on_vendor_rows(col, x, y):
    g = groups_of([v(A, **{col: x}), v(B, **{col: y}), v(C, **{col: "khác 1"})])
    assert g.group(B) == A and g.group(C) == C
    assert [(l.a, l.b, l.kind) for l in g.links] == [(A, B, col)]
    assert g.family_of[B] == B                      # not a declared parent


def test_address_abbreviation_is_not_a_link():
    g = groups_of([v(A, address="12 Lê Lợi, P. Bến Nghé"), v(B, address="12 Lê Lợi, Phường Bến Nghé")])
    assert g.group(B) == B


def test_link_3_one_legal_representative_of_both():
    vp = people_of({"vendor_id": A, "full_name": "Trần Văn Hùng", "role": "legal_representative",
                    "national_id": "001078000123"},
                   {"vendor_id": B, "full_name": "TRẦN VĂN HÙNG", "role": "legal_representative",
                    "national_id": "001078000123"})
    g = groups_of([v(A), v(B)], vp)
    assert g.group(B) == A and [l.kind for l in g.links] == ["legal_representative"]


def test_link_3_by_name_birth_and_contact():
    vp = people_of({"vendor_id": A, "full_name": "Lê Thị Thúy", "role": "legal_representative",
                    "phone": "0912345678"},
                   {"vendor_id": B, "full_name": unicodedata.normalize("NFD", "Lê Thị Thuý"),
                    "role": "legal_representative", "phone": "+84 912 345 678"})
    assert groups_of([v(A), v(B)], vp).group(B) == A


@pytest.mark.parametrize("role_a,share_a,role_b,share_b,linked", [
    ("owner", 25, "owner", 25, True),                   # exactly 25: ≥ 25
    ("owner", 60, "shareholder", 30, True),             # any of the three roles in each
    ("founding_member", 25.0, "shareholder", 100, True),
    ("shareholder", 24.9, "shareholder", 80, False),    # 24.9 % in one
    ("owner", None, "owner", 50, False),                # empty share_pct counts as 0
    ("director", 50, "director", 50, False),            # director is not a link
    ("chief_accountant", 50, "employee", 50, False),
])
def test_link_4_owner_with_25_percent_in_both(role_a, share_a, role_b, share_b, linked):
    vp = people_of({"vendor_id": A, "full_name": "Phạm Minh Tuấn", "role": role_a,
                    "share_pct": share_a, "national_id": "079080001111"},
                   {"vendor_id": B, "full_name": "Phạm Minh Tuấn", "role": role_b,
                    "share_pct": share_b, "national_id": "079080001111"})
    g = groups_of([v(A), v(B)], vp)
    assert (g.group(B) == A) is linked
    if linked:
        assert [l.kind for l in g.links] == ["owner"]


def test_non_link_legal_representative_of_one_owner_of_the_other():
    vp = people_of({"vendor_id": A, "full_name": "Phạm Minh Tuấn", "role": "legal_representative",
                    "national_id": "079080001111"},
                   {"vendor_id": B, "full_name": "Phạm Minh Tuấn", "role": "owner", "share_pct": 90,
                    "national_id": "079080001111"})
    g = groups_of([v(A), v(B)], vp)
    assert g.group(B) == B and g.links == []


def test_non_link_director_of_both():
    vp = people_of(*({"vendor_id": x, "full_name": "Phạm Minh Tuấn", "role": "director",
                      "national_id": "079080001111"} for x in (A, B)))
    assert groups_of([v(A), v(B)], vp).group(B) == B


def test_non_link_shared_tax_code_prefix_alone():
    g = groups_of([v(HEAD), v(BRANCH)])
    assert g.group(BRANCH) == BRANCH and g.group(HEAD) == HEAD


def test_non_link_peoples_contacts_shared_but_not_the_vendor_rows():
    # Two different legal representatives (different ids) with the same phone, e-mail and
    # address; the vendor rows have different contacts.
    vp = people_of({"vendor_id": A, "full_name": "Phạm Minh Tuấn", "role": "legal_representative",
                    "national_id": "079080001111", "phone": "0912345678", "email": "t@x.vn",
                    "address": "12 Lê Lợi"},
                   {"vendor_id": B, "full_name": "Đỗ Thị Lan", "role": "legal_representative",
                    "national_id": "079080002222", "phone": "0912345678", "email": "t@x.vn",
                    "address": "12 Lê Lợi"})
    g = groups_of([v(A, phone="0241111111"), v(B, phone="0242222222")], vp)
    assert g.group(B) == B and g.links == []


def test_non_link_same_name_and_birth_different_people():
    vp = people_of({"vendor_id": A, "full_name": "Nguyễn Văn Hùng", "role": "legal_representative",
                    "phone": "0911111111"},
                   {"vendor_id": B, "full_name": "Nguyễn Văn Hùng", "role": "legal_representative",
                    "phone": "0922222222"},
                   {"vendor_id": C, "full_name": "Nguyen Van Hung", "role": "legal_representative",
                    "phone": "0911111111"})
    g = groups_of([v(A), v(B), v(C)], vp)
    assert {g.group(x) for x in (A, B, C)} == {A, B, C}


def test_dates_and_status_are_ignored():
    vp = people_of({"vendor_id": A, "full_name": "Phạm Minh Tuấn", "role": "legal_representative",
                    "national_id": "079080001111", "until": pd.Timestamp("2010-01-01")},
                   {"vendor_id": B, "full_name": "Phạm Minh Tuấn", "role": "legal_representative",
                    "national_id": "079080001111", "since": pd.Timestamp("2024-01-01")})
    g = groups_of([v(A, status="dissolved"), v(B)], vp)
    assert g.group(B) == A


def test_group_named_by_smallest_vendor_id_and_chains():
    # B–C by phone, C–D by legal representative, A is D's parent: one group named A.
    vp = people_of(*({"vendor_id": x, "full_name": "Phạm Minh Tuấn", "role": "legal_representative",
                      "national_id": "079080001111"} for x in (C, D)))
    g = groups_of([v(B, phone="0241111111"), v(C, phone="02411 11111"), v(D, parent_vendor_id=A),
                   v(A)], vp)
    assert sorted(A < x for x in (B, C, D)) == [True] * 3
    assert {g.group(x) for x in (A, B, C, D)} == {A}
    assert g.members[A] == sorted([A, B, C, D])
    assert {l.kind for l in g.links_of(A)} == {"parent", "phone", "legal_representative"}


def test_head_office_names_the_group_of_its_branch():
    g = groups_of([v(BRANCH, parent_vendor_id=HEAD), v(HEAD)])
    assert g.group(BRANCH) == HEAD and g.family_of[BRANCH] == HEAD


def test_declared_parent_family_is_links_of_kind_1_alone():
    # A ← B ← C (parents), D linked to C by e-mail: one group, two families.
    g = groups_of([v(A), v(B, parent_vendor_id=A), v(C, parent_vendor_id=B, email="x@y.vn"),
                   v(D, email="X@Y.VN")])
    assert {g.group(x) for x in (A, B, C, D)} == {A}
    assert g.family_of[C] == A and g.family_of[B] == A and g.family_of[D] == D
    assert g.family(D) == D and g.group("9999999999") == "9999999999"


def test_unknown_parent_is_no_link():
    g = groups_of([v(B, parent_vendor_id=A)])
    assert g.group(B) == B and g.links == []


def test_ancestors_follow_the_chain_and_stop_on_cycles():
    assert ancestors(C, {C: B, B: A}) == [C, B, A]
    assert ancestors(A, {C: B, B: A}) == [A]          # never the branches/subsidiaries
    assert ancestors(A, {A: B, B: A}) == [A, B]


def test_link_dataclass():
    assert Link(A, B, "phone", "x") == Link(A, B, "phone", "x")


def test_shared_people_lists_every_pair_of_vendors_with_a_person_in_common():
    from audit.entities import shared_people
    vp = people_of({"vendor_id": A, "full_name": "Mai Thị Thuý", "role": "director", "phone": "0977123456"},
                   {"vendor_id": B, "full_name": "MAI THỊ THÚY", "role": "employee", "phone": "+84977123456"},
                   {"vendor_id": C, "full_name": "Mai Thị Thúy", "role": "director", "phone": "0900000000"},
                   {"vendor_id": A, "full_name": "Mai Thị Thuý", "role": "owner", "share_pct": 5,
                    "phone": "0977123456"})
    sp = shared_people(vp)
    assert sorted(set(zip(sp["a"], sp["b"]))) == [(A, B)] if A < B else [(B, A)]
    assert set(sp["reason"]) == {"name+birth+phone"}


def test_person_keys_contacts_mask_limits_contact_keys():
    df = pd.DataFrame([person(phone="0912345678", address="12 Lê Lợi"),
                       person(name="Lê Văn Nam", phone="0987654321")])
    keys = person_keys(df, contacts=pd.Series([False, True], index=df.index))
    assert keys.loc[0, "phone"] is None and keys.loc[0, "address"] is None
    assert keys.loc[1, "phone"] == "0987654321"
    assert keys.loc[0, "name"] == fold(NAME)

"""Deliberately bad rows, scattered through the files, with the problem ingest must report first.

Each bad row is a fresh row (a new key, references to rows that land) with exactly one broken
value, except the duplicates (a valid row whose key is already used by an earlier row) and the
cascade (a vendor quarantined for a bad parent tax code, and that vendor's person, whose
``vendor_id`` then refers to a quarantined row). A row is checked in the contract's order —
values column by column, then the key, then references column by column — so every row here
is built so that its listed problem is the first one.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..contract import TABLES
from .taxcode import new_tax_code, wrong_check_digit
from .world import World
from .writer import canonical

#: Every reason code of the contract; each appears at least once.
REASONS = ("missing_required", "bad_date", "impossible_date", "bad_amount", "negative_amount",
           "bad_integer", "bad_number", "bad_bool", "bad_enum", "bad_tax_code", "unknown_province",
           "commune_not_in_province", "bad_school_year", "dangling_reference", "duplicate_key")


@dataclass
class BadRow:
    table: str
    cells: dict[str, str]       # raw text by column
    column: str                 # the first problem's column
    reason: str                 # the first problem's code
    after: tuple | None = None  # for a duplicate: the key of the row it must follow


def _text(row: dict) -> dict[str, str]:
    return {k: canonical(v) for k, v in row.items() if not k.startswith("_")}


def build(w: World, rng) -> list[BadRow]:
    out: list[BadRow] = []
    pc = w.scope[0]
    other_pc = next(p for p in w.provinces if p != pc)
    schools = [w.schools[s] for s in w.schools_in[pc]]

    def new_school(**changes) -> dict[str, str]:
        base = _text(rng.choice(schools))
        base["school_id"] = f"TR{pc}{w.next_id(f'school-{pc}'):05d}"
        base["name"] = f"Trường Tiểu học {rng.choice(('Hòa Bình', 'Quyết Tiến', 'Đoàn Kết'))} số {rng.randint(3, 9)}"
        base.update(changes)
        return base

    # --- schools
    out.append(BadRow("schools", new_school(name=""), "name", "missing_required"))
    out.append(BadRow("schools", new_school(level="mầm non"), "level", "bad_enum"))
    out.append(BadRow("schools", new_school(province_code="99"), "province_code", "unknown_province"))
    out.append(BadRow("schools", new_school(commune_code=w.provinces[other_pc].wards[0].code),
                      "commune_code", "commune_not_in_province"))
    out.append(BadRow("schools", new_school(students="khoảng 450"), "students", "bad_integer"))
    out.append(BadRow("schools", new_school(in_pilot="chưa rõ"), "in_pilot", "bad_bool"))
    dup = rng.choice(schools)
    out.append(BadRow("schools", dict(_text(dup), name=dup["name"] + " (bản cũ)"), "school_id",
                      "duplicate_key", after=(dup["school_id"],)))

    # --- authorities: a school authority without its school
    out.append(BadRow("authorities", {
        "authority_id": f"TRUONG-TR{pc}{w.next_id(f'school-{pc}'):05d}",
        "name": "Trường THCS Quang Trung số 5", "kind": "school", "province_code": pc,
        "commune_code": "", "school_id": "", "parent_authority_id": w.department[pc]},
        "school_id", "missing_required"))

    # --- vendors
    def new_vendor(**changes) -> dict[str, str]:
        code = new_tax_code(rng, "01", w.used_tax)
        core = w.new_core(rng)
        base = {"vendor_id": code, "name": f"Công ty TNHH Thương mại Dịch vụ {core}",
                "address": w.new_address(pc, r=rng), "phone": w.new_phone(rng),
                "email": w.new_email("lienhe", "tm-" + code + ".example.com"), "website": "",
                "registered_on": "2016-03-14", "status": "active", "province_code": pc,
                "parent_vendor_id": ""}
        base.update(changes)
        return base

    bad_code = wrong_check_digit(new_tax_code(rng, "01", w.used_tax))
    out.append(BadRow("vendors", new_vendor(vendor_id=bad_code), "vendor_id", "bad_tax_code"))
    out.append(BadRow("vendors", new_vendor(registered_on="tháng 5/2019"), "registered_on", "bad_date"))
    ghost_parent = new_tax_code(rng, "79", w.used_tax)          # valid, but no such vendor
    out.append(BadRow("vendors", new_vendor(parent_vendor_id=ghost_parent), "parent_vendor_id",
                      "dangling_reference"))
    # the cascade: a vendor whose parent's tax code is wrong, and that vendor's person
    cascade = new_vendor(parent_vendor_id=wrong_check_digit(new_tax_code(rng, "01", w.used_tax)))
    out.append(BadRow("vendors", cascade, "parent_vendor_id", "bad_tax_code"))
    person = w.person(pc, born=(1970, 1985))
    out.append(BadRow("vendor_people", {
        "vendor_id": cascade["vendor_id"], "full_name": person["full_name"],
        "role": "legal_representative", "share_pct": "", "birth_date": canonical(person["birth_date"]),
        "national_id": canonical(person["national_id"]), "address": canonical(person["address"]),
        "phone": canonical(person["phone"]), "email": canonical(person["email"]),
        "since": "2016-03-14", "until": ""}, "vendor_id", "dangling_reference"))
    some_vendor = w.tables["vendors"][rng.randrange(len(w.tables["vendors"]))]["vendor_id"]
    person = w.person(pc)
    out.append(BadRow("vendor_people", {
        "vendor_id": some_vendor, "full_name": person["full_name"], "role": "chief_accountant",
        "share_pct": "", "birth_date": "1980-02-30", "national_id": "", "address": "",
        "phone": canonical(person["phone"]), "email": "", "since": "", "until": ""},
        "birth_date", "impossible_date"))

    # --- officials and relatives
    school_aid = w.school_authority[rng.choice(w.schools_in[pc])]
    person = w.person(pc)
    out.append(BadRow("officials", {
        "official_id": f"CB{w.next_id('official'):07d}", "full_name": person["full_name"],
        "authority_id": school_aid, "position": "hiệu trưởng",
        "birth_date": canonical(person["birth_date"]), "national_id": canonical(person["national_id"]),
        "address": "", "phone": canonical(person["phone"]), "email": "", "since": "2019-08-01",
        "until": ""}, "position", "bad_enum"))
    person = w.person(pc, p_nid=0)
    out.append(BadRow("declared_relatives", {
        "official_id": "CB9999999", "full_name": person["full_name"], "relation": "spouse",
        "birth_date": canonical(person["birth_date"]), "national_id": "", "address": "",
        "phone": canonical(person["phone"]), "employer": "Kinh doanh tự do"},
        "official_id", "dangling_reference"))

    # --- tenders
    dept = w.department[pc]
    tenders = [t for t in w.tables["tenders"] if t["procuring_entity_id"] == dept]

    def new_tender(**changes) -> dict[str, str]:
        base = _text(rng.choice(tenders))
        base["tender_id"] = f"IB24{w.next_id('tender-2024'):08d}"
        base.update(changes)
        return base

    out.append(BadRow("tenders", new_tender(estimated_value_vnd="1,5 tỷ"), "estimated_value_vnd", "bad_amount"))
    out.append(BadRow("tenders", new_tender(school_year="2024-2026"), "school_year", "bad_school_year"))
    out.append(BadRow("tenders", new_tender(published_on="2024-06-31"), "published_on", "impossible_date"))
    t = rng.choice(tenders)
    out.append(BadRow("tender_committee", {"tender_id": t["tender_id"], "official_id": "CB8888888",
                                           "role": "evaluator"}, "official_id", "dangling_reference"))

    # --- bids
    bidders: dict[str, set] = {}
    for b in w.tables["bids"]:
        bidders.setdefault(b["tender_id"], set()).add(b["vendor_id"])
    t = rng.choice(tenders)
    outsider = next(v for v in sorted(w.vendors) if v not in bidders.get(t["tender_id"], set()))
    out.append(BadRow("bids", {"tender_id": t["tender_id"], "vendor_id": outsider,
                               "price_vnd": "-150000000", "submitted_on": "", "status": "valid"},
                      "price_vnd", "negative_amount"))
    out.append(BadRow("bids", {"tender_id": "IB2499999999", "vendor_id": outsider,
                               "price_vnd": "150000000", "submitted_on": "2024-06-20",
                               "status": "valid"}, "tender_id", "dangling_reference"))

    # --- contracts and lines
    contracts = [c for c in w.tables["contracts"] if c["tender_id"] is None]

    def new_contract(**changes) -> dict[str, str]:
        base = _text(rng.choice(contracts))
        base["contract_id"] = f"HD2024-9{w.next_id('contract-2024'):05d}"
        base.update(changes)
        return base

    out.append(BadRow("contracts", new_contract(signed_on="05/09/24"), "signed_on", "bad_date"))
    out.append(BadRow("contracts", new_contract(value_vnd="150 triệu"), "value_vnd", "bad_amount"))
    c = rng.choice(contracts)
    n_lines = sum(1 for ln in w.tables["contract_lines"] if ln["contract_id"] == c["contract_id"])
    out.append(BadRow("contract_lines", {
        "contract_id": c["contract_id"], "line_no": str(n_lines + 1), "school_id": "",
        "item": "Phí triển khai", "service": "other", "quantity": "nhiều", "unit": "package",
        "unit_price_vnd": "2000000"}, "quantity", "bad_number"))
    out.append(BadRow("contract_lines", {
        "contract_id": "HD2024-999999", "line_no": "1", "school_id": "", "item": "Phí bảo trì",
        "service": "other", "quantity": "1", "unit": "package", "unit_price_vnd": "3000000"},
        "contract_id", "dangling_reference"))

    # --- deployments
    sid = rng.choice(w.schools_in[pc])
    v = w.market_vendors[(pc, "school_management_software")][0]
    base = {"school_id": sid, "school_year": "2024-2026", "service": "training", "product": "",
            "vendor_id": v, "contract_id": "", "status": "live", "started_on": "", "ended_on": "",
            "budget_cost_vnd": "", "parent_fee_vnd": "", "records_total": "",
            "records_signed": "", "exports_standard_format": ""}
    out.append(BadRow("deployments", dict(base), "school_year", "bad_school_year"))
    out.append(BadRow("deployments", dict(base, school_year="2023-2024", service="infrastructure_equipment",
                                          exports_standard_format="có thể"),
                      "exports_standard_format", "bad_bool"))
    out.append(BadRow("deployments", dict(base, school_year="2023-2024", service="hosting_and_data",
                                          vendor_id=new_tax_code(rng, "02", w.used_tax)),
                      "vendor_id", "dangling_reference"))

    # --- directives and milestones: repeated keys
    d = rng.choice([x for x in w.tables["directives"] if x["issuer_id"] == dept])
    out.append(BadRow("directives", dict(_text(d), title=d["title"] + " (bản sửa đổi)"),
                      "directive_id", "duplicate_key", after=(d["directive_id"],)))
    m = w.tables["pilot_milestones"][rng.randrange(len(w.tables["pilot_milestones"]))]
    out.append(BadRow("pilot_milestones", dict(_text(m), document_ref="trùng lặp"), "province_code",
                      "duplicate_key", after=(m["province_code"], m["milestone"])))
    out.append(BadRow("pilot_milestones", dict(_text(m), milestone="kiểm tra giữa kỳ"),
                      "milestone", "bad_enum"))

    for b in out:
        missing = set(TABLES[b.table].column_names) - set(b.cells)
        assert not missing, (b.table, missing)
    assert set(REASONS) <= {b.reason for b in out}
    return out


def place(rows: list[list[str]], canonical_rows: list[dict], bad: list[BadRow], table: str, rng
          ) -> tuple[list[list[str]], list[tuple[int, BadRow]]]:
    """Insert the bad rows of one table at random places (a duplicate after its original).

    ``canonical_rows`` are the world's rows behind ``rows`` (the text may be a variant form, so
    a duplicate's original is found by its canonical key). Returns the new rows and, for each
    bad row, its spreadsheet row number (header = 1)."""
    mine = [b for b in bad if b.table == table]
    if not mine:
        return rows, []
    key = TABLES[table].key
    cols = TABLES[table].column_names
    slots: list = list(range(len(rows)))          # indices into rows, or BadRow
    for b in mine:
        lo = 0
        if b.after is not None:
            orig = next(i for i, r in enumerate(canonical_rows)
                        if tuple(canonical(r[k]) for k in key) == b.after)
            lo = slots.index(orig) + 1
        slots.insert(rng.randint(lo, len(slots)), b)
    out_rows, numbers = [], []
    for i, item in enumerate(slots):
        if isinstance(item, BadRow):
            out_rows.append([item.cells[c] for c in cols])
            numbers.append((i + 2, item))
        else:
            out_rows.append(rows[item])
    return out_rows, numbers

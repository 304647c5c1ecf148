"""The seeded synthetic data generator (procurement.synthetic), at small scale only.

The CSV checks below read the written files with a small validator of their own, built from
data-contract.md alone, so they test what the generator *writes*, not what it meant to write.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from stdnum.vn import mst

from procurement.contract import TABLE_ORDER, TABLES
from procurement.synthetic import build_world, generate
from procurement.synthetic import geo
from procurement.synthetic.badrows import REASONS
from procurement.synthetic.plants import PLANTERS, load_all, planter
from procurement.synthetic.selfcheck import findings
from procurement.synthetic.util import strip_diacritics
from procurement.synthetic.world import COMPETITIVE, SMS

ROOT = Path(__file__).resolve().parents[1]
MINE = ["DEP-PARENTFEE", "GOV-OVERDUE", "PRC-SINGLE"]
SEED = 11


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "small"
    result = generate("small", SEED, out)
    return result


def read(result, table: str) -> list[dict]:
    with open(result.out_dir / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def bad_rows(result) -> list[dict]:
    with open(result.bad_rows_path, encoding="utf-8", newline="") as f:
        return [dict(r, row=int(r["row"])) for r in csv.DictReader(f)]


# ------------------------------------------------------------------ a validator from the contract
def _province_names() -> dict[str, str]:
    out = {}
    for pc, p in geo.provinces().items():
        out[pc] = pc
        for name in (p.name, p.short):
            bare = strip_diacritics(name).lower()
            for prefix in ("thanh pho ", "tinh "):
                bare = bare.removeprefix(prefix)
            out[bare] = pc
    return out


PROVINCES = _province_names()


def province_of(raw: str) -> str | None:
    if raw in PROVINCES:
        return PROVINCES[raw]
    bare = strip_diacritics(unicodedata.normalize("NFC", raw)).lower().strip()
    for prefix in ("thanh pho ", "tinh "):
        bare = bare.removeprefix(prefix)
    return PROVINCES.get(bare)


_DAY = r"(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})"
_TIME = r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\+07:00)?)?"


def _date(raw: str, with_time: bool) -> tuple[str | None, str | None]:
    m = re.fullmatch(f"(?:{_DAY}){_TIME if with_time else ''}", raw)
    if not m:
        return None, "bad_date"
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
    try:
        return date(int(y), int(mo), int(d)).isoformat(), None
    except ValueError:
        return None, "impossible_date"


def _money(raw: str) -> tuple[int | None, str | None]:
    body = re.sub(r"\s*(đ|VNĐ)$", "", raw.strip())
    neg = body.startswith("-")
    body = body.lstrip("-")
    if re.fullmatch(r"\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+", body):
        return (None, "negative_amount") if neg else (int(re.sub(r"\D", "", body)), None)
    return None, "bad_amount"


BOOLS = {"true", "false", "1", "0", "yes", "no", "có", "không", "x", ""}


def check_value(column, raw: str, row_province: str | None):
    """(canonical value, problem code or None) for one cell."""
    kind = column.kind
    if raw == "":
        return None, None
    if kind in ("date", "datetime"):
        return _date(raw, kind == "datetime")
    if kind == "money":
        return _money(raw)
    if kind == "int":
        return (int(raw), None) if re.fullmatch(r"\d+", raw) else (None, "bad_integer")
    if kind in ("number", "percent"):
        try:
            v = float(raw)
        except ValueError:
            return None, "bad_number"
        return (v, None) if kind == "number" or 0 <= v <= 100 else (None, "bad_number")
    if kind == "bool":
        return (raw.lower() in ("true", "1", "yes", "có", "x"), None) if raw.lower() in BOOLS else (None, "bad_bool")
    if kind == "enum":
        return (raw.lower(), None) if raw.lower() in column.values else (None, "bad_enum")
    if kind == "tax_code":
        return (mst.compact(raw), None) if mst.is_valid(raw) else (None, "bad_tax_code")
    if kind == "province":
        pc = province_of(raw)
        return (pc, None) if pc else (None, "unknown_province")
    if kind == "commune":
        ward = geo.wards().get(raw)
        return (raw, None) if ward and ward.province == row_province else (None, "commune_not_in_province")
    if kind == "school_year":
        m = re.fullmatch(r"(?:NH )?(\d{4})[-–/](\d{4})", raw)
        if m and int(m.group(2)) == int(m.group(1)) + 1:
            return f"{m.group(1)}-{m.group(2)}", None
        return None, "bad_school_year"
    return unicodedata.normalize("NFC", raw), None


def validate(result) -> list[tuple[str, int, str, str]]:
    """Every row's first problem, in the contract's order, with the cascade along references."""
    landed: dict[str, set] = {}
    problems = []
    for name in TABLE_ORDER:
        spec = TABLES[name]
        keys_seen: set = set()
        landed[name] = set()
        for i, row in enumerate(read(result, name)):
            first = None
            values = {}
            pc = province_of(row["province_code"]) if "province_code" in row else None
            for col in spec.columns:
                raw = row[col.name]
                required = col.required
                for c, test, vals in spec.required_when:
                    if c == col.name and row[test].lower() in vals:
                        required = True
                for c, test, vals in spec.required_unless:
                    if c == col.name and row[test].lower() not in vals:
                        required = True
                if required and raw == "":
                    first = first or (col.name, "missing_required")
                    continue
                v, p = check_value(col, raw, pc)
                if p:
                    first = first or (col.name, p)
                values[col.name] = v
            key = tuple(values.get(k) for k in spec.key)
            if first is None:
                if key in keys_seen:
                    first = (spec.key[0], "duplicate_key")
                keys_seen.add(key)
            if first is None:
                for col in spec.refs:
                    v = values.get(col.name)
                    if v is not None and (v,) not in landed[col.ref]:
                        first = (col.name, "dangling_reference")
                        break
            if first is None:
                landed[name].add(key)
            else:
                problems.append((name, i + 2, *first))
    return problems


# ------------------------------------------------------------------ tests
def test_dataset_json_and_files(small):
    meta = json.loads((small.out_dir / "dataset.json").read_text(encoding="utf-8"))
    assert meta == {"synthetic": True, "generator": "hocba-audit", "scale": "small", "seed": SEED,
                    "school_years": ["2023-2024", "2024-2025", "2025-2026"]}
    assert small.truth_path == Path(str(small.out_dir) + ".truth.csv")
    assert small.bad_rows_path == Path(str(small.out_dir) + ".bad_rows.csv")
    for name, table in TABLES.items():
        with open(small.out_dir / f"{name}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == table.column_names
        assert len(rows) - 1 == small.counts[name]


def test_same_seed_gives_identical_files_across_processes(tmp_path):
    code = ("import sys; from procurement.synthetic import generate; "
            "generate('small', 5, sys.argv[1])")
    digests = []
    for hashseed in ("1", "4242"):
        out = tmp_path / f"run{hashseed}" / "data"
        env = dict(os.environ, PYTHONHASHSEED=hashseed, PYTHONPATH=str(ROOT))
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, cwd=ROOT, env=env)
        files = sorted(out.iterdir()) + [Path(str(out) + ".truth.csv"), Path(str(out) + ".bad_rows.csv")]
        digests.append({f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files})
    assert len(digests[0]) == len(TABLES) + 3
    assert digests[0] == digests[1]


def test_another_seed_gives_other_data(small, tmp_path):
    other = generate("small", SEED + 1, tmp_path / "other")
    assert (other.out_dir / "vendors.csv").read_bytes() != (small.out_dir / "vendors.csv").read_bytes()


def test_bad_rows_are_exactly_the_rows_the_contract_rejects(small):
    """Every row the contract rejects is listed with its first problem, and no other row is."""
    listed = sorted((r["table"], r["row"], r["column"], r["reason"]) for r in bad_rows(small))
    assert sorted(validate(small)) == listed
    assert 20 <= len(listed) <= 40


def test_every_reason_code_and_the_cascade_are_in_bad_rows(small):
    rows = bad_rows(small)
    assert {r["reason"] for r in rows} == set(REASONS)
    # the cascade: a vendor quarantined for a bad tax code, and its person left dangling
    vendors = read(small, "vendors")
    bad_vendor_ids = {vendors[r["row"] - 2]["vendor_id"] for r in rows
                      if r["table"] == "vendors" and r["reason"] == "bad_tax_code"
                      and r["column"] == "parent_vendor_id"}
    assert bad_vendor_ids and all(mst.is_valid(v) for v in bad_vendor_ids)
    people = read(small, "vendor_people")
    dangling = [people[r["row"] - 2]["vendor_id"] for r in rows
                if r["table"] == "vendor_people" and r["reason"] == "dangling_reference"]
    assert set(dangling) & bad_vendor_ids
    # bad rows are scattered, not all at the end of their files
    assert any(r["row"] - 1 < small.counts[r["table"]] * 0.8 for r in rows)


def test_every_tax_code_is_valid_or_a_listed_bad_row(small):
    listed = {(r["table"], r["row"], r["column"]) for r in bad_rows(small) if r["reason"] == "bad_tax_code"}
    checked = 0
    for name, table in TABLES.items():
        for col in (c for c in table.columns if c.kind == "tax_code"):
            for i, row in enumerate(read(small, name)):
                if row[col.name] and (name, i + 2, col.name) not in listed:
                    assert mst.is_valid(row[col.name]), (name, i + 2, row[col.name])
                    checked += 1
    assert len(listed) >= 2 and checked > 1000
    vendors = read(small, "vendors")
    assert any(re.fullmatch(r"\d{10}-\d{3}", v["vendor_id"]) for v in vendors)   # branches
    cells = [r[c.name] for name, table in TABLES.items() for c in table.columns
             if c.kind == "tax_code" for r in read(small, name)]
    assert any(" " in x or "." in x for x in cells)                            # accepted forms


def test_provinces_and_communes_are_real_and_consistent(small):
    listed = {(r["table"], r["row"]) for r in bad_rows(small)}
    seen_codes = set()
    for name in ("schools", "authorities", "vendors", "pilot_milestones"):
        for i, row in enumerate(read(small, name)):
            if (name, i + 2) in listed or not row["province_code"]:
                continue
            pc = province_of(row["province_code"])
            assert pc in geo.provinces(), (name, row["province_code"])
            seen_codes.add(pc)
            if row.get("commune_code"):
                assert geo.wards()[row["commune_code"]].province == pc, (name, i + 2)
    schools = [r for i, r in enumerate(read(small, "schools")) if ("schools", i + 2) not in listed]
    assert len({province_of(r["province_code"]) for r in schools}) == 1      # small: one province
    assert all(re.fullmatch(r"\d{5}", s["commune_code"]) for s in schools)


def test_counts_at_small_scale(small):
    background, _ = build_world("small", SEED, planters=[])
    assert 295 <= len(background.tables["schools"]) <= 305
    c = small.counts       # the files: background, planted scenes and bad rows
    assert 300 <= c["schools"] <= 500
    assert c["authorities"] > c["schools"]          # one authority per school, plus the others
    assert 40 <= c["vendors"] <= 200   # background firms plus the planters' fresh ones
    assert 1.5 <= c["officials"] / c["schools"] <= 4
    assert 200 <= c["tenders"] <= 800
    assert c["bids"] > c["tenders"]
    assert 2.5 <= c["deployments"] / c["schools"] <= 8
    assert c["contract_lines"] >= c["contracts"]
    assert c["pilot_milestones"] == 6 + 2            # 6 milestones, plus 2 bad rows
    schools = read(small, "schools")
    names = [s["name"] for s in schools]
    assert sum(n.startswith("Trường Tiểu học") for n in names) > 80
    assert any(n.startswith("Trường THCS") for n in names) and any(n.startswith("Trường THPT") for n in names)
    authorities = read(small, "authorities")
    kinds = {a["kind"].lower() for a in authorities}
    assert {"ministry", "province_department", "commune_committee", "school"} <= kinds


def test_truth_holds_the_example_planters(small):
    with open(small.truth_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["code", "subject_type", "subject_id"]
    truth = {(r["code"], r["subject_type"], r["subject_id"]) for r in rows}
    codes = {r[0] for r in truth}
    assert set(MINE) <= codes
    single = next(r for r in truth if r[0] == "PRC-SINGLE")
    valid = [b for b in read(small, "bids") if b["tender_id"] == single[2] and b["status"].lower() == "valid"]
    assert single[1] == "tender" and len(valid) == 1
    fee = next(r for r in truth if r[0] == "DEP-PARENTFEE")
    sid, service, year = fee[2].split("/")
    dep = [d for d in read(small, "deployments") if d["school_id"] == sid and d["service"].lower() == service]
    assert dep and service == SMS and year == "2024-2025"
    overdue = sorted(r[2] for r in truth if r[0] == "GOV-OVERDUE")
    assert len(overdue) == 2 and all(re.fullmatch(r"\d{2}/[a-z_]+", s) for s in overdue)


def test_hostile_text_lands_as_written(small):
    vendors = read(small, "vendors")
    listed = {r["row"] for r in bad_rows(small) if r["table"] == "vendors"}
    good = [v for i, v in enumerate(vendors) if i + 2 not in listed]
    assert any("<img src=x onerror=alert(1)>" in v["name"] for v in good)
    assert any(v["name"].startswith("=HYPERLINK(") for v in good)
    assert any(d["product"].startswith("<script>") for d in read(small, "deployments"))


def test_other_accepted_forms_appear(small):
    text = "".join((small.out_dir / f"{t}.csv").read_text(encoding="utf-8") for t in TABLES)
    assert re.search(r",\d{2}/\d{2}/\d{4}[, ]", text)                    # day-first dates
    assert re.search(r"\d{1,3}(\.\d{3})+ (đ|VNĐ)", text)               # money with a currency
    assert re.search(r",(NH \d{4}-\d{4}|\d{4}/\d{4}|\d{4}–\d{4}),", text)
    assert re.search(r",(có|x|yes|không|no),", text)
    assert any(unicodedata.normalize("NFC", line) != line for line in text.splitlines())  # NFD
    schools = read(small, "schools")
    assert any(not re.fullmatch(r"\d{2}", s["province_code"]) and province_of(s["province_code"])
               for s in schools)


def test_background_raises_no_flag():
    """With only the example planters, the self-check finds exactly the planted findings."""
    world, truth = build_world("small", SEED, planters=MINE)
    assert {t[0] for t in truth} == set(MINE)
    assert findings(world) == set(truth)


def test_decoys_are_in_the_background():
    world, _ = build_world("small", SEED, planters=[])
    T = world.tables
    people = {(p["full_name"], p["birth_date"]) for p in T["vendor_people"]}
    # an official with a vendor person's name and birth date (not the same person)
    assert any((o["full_name"], o["birth_date"]) in people for o in T["officials"])
    # a relative whose name is a vendor person's written without diacritics, same birth date
    bare = {(strip_diacritics(n), b) for n, b in people}
    assert any((r["full_name"], r["birth_date"]) in bare and r["full_name"] == strip_diacritics(r["full_name"])
               for r in T["declared_relatives"])
    # a directive that names a product only to say it is not required
    assert any("không bắt buộc sử dụng" in (d["text"] or "") for d in T["directives"])
    # a market with fewer than 20 schools served by at most two groups
    cms = {d["school_id"] for d in T["deployments"] if d["service"] == "center_management_software"}
    assert 0 < len(cms) < 20
    # a contract without tender just under 50 million, a compatibility award, a cancelled tender
    assert any(c["tender_id"] is None and c["value_vnd"] == 49_500_000 for c in T["contracts"])
    assert sum(t["direct_award_ground"] == "compatibility" for t in T["tenders"]) == 1
    awarded = {c["tender_id"] for c in T["contracts"]}
    assert any(t["tender_id"] not in awarded and t["method"] in COMPETITIVE for t in T["tenders"])


def test_selfcheck_sees_broken_rules():
    """The oracle is not vacuous: breaking one record per rule raises that rule."""
    world, truth = build_world("small", SEED, planters=[])
    T = world.tables
    bids: dict[str, list] = {}
    for b in T["bids"]:
        bids.setdefault(b["tender_id"], []).append(b)
    winner = {c["tender_id"]: c["vendor_id"] for c in T["contracts"] if c["tender_id"]}
    two = [t for t in T["tenders"] if t["method"] in COMPETITIVE and t["tender_id"] in winner
           and len(bids[t["tender_id"]]) == 2]
    expect = set()

    def pair(t):
        a, b = bids[t["tender_id"]]
        return (a, b) if a["vendor_id"] == winner[t["tender_id"]] else (b, a)

    win, lose = pair(two[0])
    lose["price_vnd"] = win["price_vnd"]
    expect |= {("COL-IDENTICAL", "tender", two[0]["tender_id"]), ("COL-CLOSE", "tender", two[0]["tender_id"])}
    win, lose = pair(two[1])
    two[1]["estimated_value_vnd"] = win["price_vnd"]
    expect.add(("PRC-NOSAVE", "tender", two[1]["tender_id"]))
    win, lose = pair(two[2])
    lose["status"] = "disqualified"
    expect |= {("PRC-ALL-DISQ", "tender", two[2]["tender_id"]), ("PRC-SINGLE", "tender", two[2]["tender_id"])}
    deps = [d for d in T["deployments"] if d["service"] == SMS and d["status"] == "live" and d["budget_cost_vnd"]]
    deps[0]["budget_cost_vnd"] *= 3
    expect.add(("DEP-COST", "deployment", f"{deps[0]['school_id']}/{SMS}/{deps[0]['school_year']}"))
    deps[1]["exports_standard_format"] = False
    expect.add(("DEP-LOCKIN", "vendor", f"{deps[1]['vendor_id']}+{SMS}"))
    pc = world.scope[0]
    last = world.school_years[-1]
    v0 = world.market_vendors[(pc, SMS)][0]
    for d in T["deployments"]:
        if d["service"] == SMS and d["school_year"] == last and d["status"] == "live":
            d["vendor_id"] = v0
    expect |= {("CON-HHI", "market", f"{pc}/{SMS}/{last}"), ("CON-DOM", "market", f"{pc}/{SMS}/{last}")}
    dv = next(d for d in T["directives"] if d["issuer_id"] == world.department[pc])
    dv["text"] += f"\nCác trường sử dụng {world.product(None, v0, SMS)} từ năm học tới."
    expect.add(("DEP-DIRECTIVE", "directive", dv["directive_id"]))
    found = findings(world)
    assert expect <= found, sorted(expect - found)


def test_planter_registry():
    registry = load_all()
    assert set(MINE) <= set(registry)
    assert registry is PLANTERS
    with pytest.raises(ValueError):
        planter("PRC-SINGLE")(lambda w, rng: [])
    world, truth = build_world("small", SEED, planters=["GOV-OVERDUE"])
    assert {t[0] for t in truth} == {"GOV-OVERDUE"}
    with pytest.raises(ValueError):   # a background row claimed twice
        pc = truth[0][2].split("/")[0]
        world.claim("pilot_milestones", pc, "evaluation_submitted")


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate("regional", 1, tmp_path / "x")

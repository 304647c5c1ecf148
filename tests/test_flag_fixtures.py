"""Every flag against its fixture of named cases (tests/fixtures/flags/<CODE>.toml)."""
from __future__ import annotations

import re

import pytest

from tests.flagcases import all_cases, run_case

CASES = all_cases()

#: An amount written the Vietnamese way ("60.000 đ"), which an English reader takes for sixty.
VI_MONEY = re.compile(r"\d ?đ(?!\w)|\d{1,3}(?:\.\d{3})+(?!\d)")


#: A service or procurement-method code written on its own ("school_management_software,",
#: "(open_bidding,"), not as the "(code)" after its label.
BARE_CODE = re.compile(
    r"(?<![(\w])(school_management_software|centre_management_software|digital_signature|"
    r"open_bidding|limited_bidding|direct_appointment|competitive_shopping)(?![)\w])")

#: The flags whose explanations write every service and method with its words (the CON flags
#: name their market by its id, "01/school_management_software/2024-2025", which is the
#: subject's id an inspector searches for).
WORDED = {"PRC-SINGLE", "DEP-COST", "DEP-LOCKIN", "DEP-NOCONTRACT", "DEP-PARENTFEE", "COI-SCHOOL",
          "DEP-SYNC", "PRC-DX-GROUND", "PRC-SPLIT"}


@pytest.mark.parametrize("code,case", CASES, ids=[f"{c}: {k['name']}" for c, k in CASES])
def test_flag_case(code, case):
    findings, not_computed = run_case(code, case)
    assert not not_computed or not case["expect"], not_computed
    got = sorted(f.subject_id for f in findings if f.code == code)
    assert got == sorted(case["expect"])
    for f in findings:
        assert f.detail_vi and f.detail_en and f.evidence and f.legal_basis
        assert not VI_MONEY.search(f.detail_en), f.detail_en
        if f.code in WORDED:
            # codes shown with their words: a bare code is one not inside its label's brackets
            assert not BARE_CODE.search(f.detail_vi), f.detail_vi
            assert not BARE_CODE.search(f.detail_en), f.detail_en
        assert 0 <= f.score <= 100 and f.severity in ("low", "medium", "high")
    for subject, severity in case.get("expect_severity", {}).items():
        assert {f.subject_id: f.severity for f in findings}[subject] == severity


@pytest.mark.parametrize("code,words", [
    ("DEP-COST", ["3,000,000 VND for 100 students = 30,000 VND per student",
                  "= 11,000 VND per student"]),
    ("DEP-PARENTFEE", ["charges 50,000 VND per student per year", "threshold 0 VND",
                       "about 30,000,000 VND a year"]),
    ("DEP-NOCONTRACT", ["budget cost 72,000,000 VND", "budget cost > 0 VND",
                        "total 72,000,000 VND ≥ 50,000,000 VND: high"]),
    ("PRC-SINGLE", ["estimated value 1,200,000,000 VND"])])
def test_english_amounts_are_written_the_english_way(code, words):
    """detail_en writes amounts as every flag's English text does ("1,260,000,000 VND"), not
    "60.000 đ"; detail_vi keeps the Vietnamese form."""
    case = next(c for c in load_cases(code) if c["name"].startswith("worked example"))
    (f,) = [f for f in run_case(code, case)[0] if f.code == code]
    for w in words:
        assert w in f.detail_en, f.detail_en
    assert " đ" in f.detail_vi and "VND" not in f.detail_vi


def test_coi_school_names_services_and_statuses_in_each_language():
    """The deployments COI-SCHOOL lists are written with the reports' labels (audit/i18n.py),
    not as raw codes ("school_management_software 2025-2026 (planned)")."""
    case = next(c for c in load_cases("COI-SCHOOL") if c["name"].startswith("worked example"))
    tables = {k: list(v) for k, v in case["tables"].items()}
    tables["deployments"] += [
        {"school_id": "S1", "school_year": "2025-2026", "service": "school_management_software",
         "vendor_id": "0100109106", "status": "planned"},
        {"school_id": "S1", "school_year": "2025-2026", "service": "digital_signature",
         "vendor_id": "0100109106", "status": "pilot"}]
    (f,) = run_case("COI-SCHOOL", {**case, "tables": tables})[0]
    assert f.detail_vi.endswith(
        ": phần mềm quản lý trường học (school_management_software), năm học 2024-2025, trạng "
        "thái chính thức; chữ ký số (digital_signature), năm học 2025-2026, trạng thái thí điểm; "
        "phần mềm quản lý trường học (school_management_software), năm học 2025-2026, trạng "
        "thái dự kiến."), f.detail_vi
    assert f.detail_en.endswith(
        ": school management software (school_management_software), school year 2024-2025, "
        "status live; digital signatures (digital_signature), school year 2025-2026, status "
        "pilot; school management software (school_management_software), school year "
        "2025-2026, status planned."), f.detail_en
    for raw in ("(planned)", "(pilot)", "(live)", "software 20"):
        assert raw not in f.detail_vi and raw not in f.detail_en


# --- the core the flags share (audit/context.py, audit/settings.py, audit/flags/_common.py) ---
import datetime as dt
import math
import random

import pandas as pd

from tests.flagcases import load_cases


def _base_frames(code: str, **extra):
    """The frames of a fixture file's ``[base]`` rows, plus ``extra`` rows per table."""
    from audit.frames import frames_from_dicts
    tables = {k: list(v) for k, v in load_cases(code)[0]["tables"].items()}
    for k, rows in extra.items():
        tables.setdefault(k, []).extend(rows)
    return frames_from_dicts(tables)


def _context(frames, path=None):
    from audit.context import Context
    from audit.settings import load_settings
    return Context(frames, load_settings(path, as_of="2026-11-29"))


def test_context_cache_computes_once_per_name():
    from audit.frames import frames_from_dicts
    ctx = _context(frames_from_dicts({}))
    calls = []
    assert ctx.cache("t.a", lambda c: calls.append(1) or len(calls)) == 1
    assert ctx.cache("t.a", lambda c: calls.append(1) or len(calls)) == 1
    assert ctx.cache("t.b", lambda c: calls.append(1) or len(calls)) == 2
    assert calls == [1, 1]
    other = _context(frames_from_dicts({}))
    assert other.cache("t.a", lambda c: "fresh") == "fresh"   # one cache per context


def test_settings_numbers_int_or_float_but_bools_and_texts_strict(tmp_path):
    from audit.settings import SettingsError, load_settings
    f = tmp_path / "s.toml"

    def load(text):
        f.write_text(text, encoding="utf-8")
        return load_settings(f)

    s = load("[flags.CON-DOM]\nmin_share = 1\nmin_schools = 20.0\n"
             "[flags.CON-HHI]\nthreshold = 1800.5\n[flags.PRC-UNITPRICE]\nmin_ratio = 2.5\n")
    assert s.flag("CON-DOM")["min_share"] == 1
    assert s.flag("CON-DOM")["min_schools"] == 20 and type(s.flag("CON-DOM")["min_schools"]) is int
    assert s.flag("CON-HHI")["threshold"] == 1800.5
    assert s.flag("PRC-UNITPRICE")["min_ratio"] == 2.5
    for bad, key in [("[flags.CON-DOM]\nmin_schools = true\n", "min_schools"),
                     ("[flags.PRC-NEWVENDOR]\nbranch_uses_head_office = 1\n", "branch_uses_head_office"),
                     ('[flags.PRC-SHORT]\nshopping_change_date = 20250804\n', "shopping_change_date"),
                     ('[flags.CON-DOM]\nmin_share = "70%"\n', "min_share"),
                     ("[flags.CON-DOM]\nmin_share = nan\n", "min_share"),
                     ("[flags.CON-DOM]\nmin_sharez = 0.7\n", "min_sharez"),
                     ("[definitions]\ninstruction_exceptions = \"mua\"\n", "instruction_exceptions"),
                     ("[flags.DEP-DIRECTIVE]\ninstruction_exceptions = []\n", "instruction_exceptions")]:
        with pytest.raises(SettingsError, match=key):
            load(bad)


def test_catalogue_numbers_stand_in_the_defaults():
    from audit.settings import load_settings
    s = load_settings()
    assert s.flag("CON-SHIFT")["min_rise_pp"] == 30
    for code in ("CON-BUNDLE", "PRC-UNITPRICE", "DEP-COST"):
        assert s.flag(code)["min_ratio"] == 2
    assert s.definitions["instruction_exceptions"] == [["mua", "sắm"]]
    assert "instruction_exceptions" not in s.flag("DEP-DIRECTIVE")


def test_a_fractional_count_setting_is_compared_exactly():
    # DEP-COST's worked example: 5 peers besides the subject. "≥ 4.5 other peers" is "≥ 5":
    # still flagged; "≥ 5.5" is "≥ 6": not.
    case = next(c for c in load_cases("DEP-COST") if c["name"].startswith("worked example"))
    assert case["expect"]
    for value, expect in ((4.5, case["expect"]), (5.5, [])):
        findings, _ = run_case("DEP-COST", {**case, "settings": {"min_other_peers": value}})
        assert sorted(f.subject_id for f in findings) == sorted(expect), value


def test_instruction_exceptions_are_read_from_definitions():
    case = next(c for c in load_cases("DEP-DIRECTIVE") if "mua sắm" in c["name"])
    assert [f.subject_id for f in run_case("DEP-DIRECTIVE", case)[0]] == ["D8b"]
    freed = {**case, "definitions": {"instruction_exceptions": []}}
    assert sorted(f.subject_id for f in run_case("DEP-DIRECTIVE", freed)[0]) == ["D8a", "D8b"]


def test_limits_on_is_limit_in_force_row_by_row():
    from audit.settings import load_settings
    s = load_settings()
    rnd = random.Random(3)
    edges = [d for row in s.limits for d in (row.start, row.end) if d]
    days = [d + dt.timedelta(days=k) for d in edges for k in (-1, 0, 1)]
    days += [dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(3000)) for _ in range(300)]
    days += [None, None]
    cats = [rnd.choice(["training", "digital_signature", None]) for _ in days]
    inv = [rnd.choice([True, False, None]) for _ in days]
    got = s.limits_on(pd.Series(pd.to_datetime(days)), pd.Series(cats, dtype="str"),
                      pd.Series(inv, dtype="boolean"))
    want = [s.limit_in_force(d, c, bool(i)) for d, c, i in zip(days, cats, inv)]
    assert [None if math.isnan(x) else int(x) for x in got] == want


def test_school_years_of_is_school_year_of_for_a_whole_column():
    from audit.context import school_year_of, school_years_of
    days = [dt.date(2024, 7, 31), dt.date(2024, 8, 1), dt.date(2025, 1, 1), dt.date(2025, 5, 31),
            None, dt.date(1999, 12, 31)]
    got = school_years_of(pd.Series(pd.to_datetime(days)))
    assert [None if not isinstance(x, str) else x for x in got] == \
        [school_year_of(d) for d in days]
    assert list(got.iloc[:2]) == ["2023-2024", "2024-2025"]


def test_jurisdiction_once_for_every_authority():
    frames = _base_frames("GOV-AUTHORITY", authorities=[
        {"authority_id": "UBXX", "name": "UBND xã không mã", "kind": "commune_committee",
         "province_code": "01"}])
    ctx = _context(frames)
    assert ctx.jurisdiction_schools("BGDDT") == {"S1", "S2", "S3"}
    assert ctx.jurisdiction_schools("SGD01") == {"S1", "S2"}
    assert ctx.jurisdiction_schools("PGD01") == {"S1", "S2"}
    assert ctx.jurisdiction_schools("UBHK") == {"S1"}
    assert ctx.jurisdiction_schools("TH-S1") == {"S1"}
    assert ctx.jurisdiction_schools("KHAC") is None        # kind other: none
    assert ctx.jurisdiction_schools("UBXX") is None        # a commune committee without a code
    assert ctx.jurisdiction_schools("NOBODY") is None
    auth = ["BGDDT", "SGD01", "SGD01", "UBHK", "UBHK", "TH-S1", "KHAC", "UBXX", "BGDDT", "NOBODY"]
    school = ["S3", "S2", "S3", "S1", "S2", "S2", "S1", "S1", "S9", "S1"]
    got = ctx.in_jurisdiction(pd.Series(auth, index=range(10, 20)), pd.Series(school))
    assert list(got.index) == list(range(10, 20))
    assert [None if pd.isna(x) else bool(x) for x in got] == \
        [True, True, False, True, False, False, None, None, None, None]


def test_exact_comparisons():
    from audit.flags._common import compare, exact, exact_median, least_count, ratio_cmp, whole_days
    assert 0.7 * 90 < 63 and exact(0.7) * 90 == 63        # in floats 63 > 70% of 90
    assert compare(63, ">=", 0.7, 90) and not compare(63, ">", 0.7, 90)
    got = ratio_cmp(pd.Series([63, 62, 64, None]), pd.Series([90, 90, 90, 90]), 0.7, ">")
    assert list(got) == [False, False, True, False]
    assert list(ratio_cmp([63, 63], [90, 90], 0.7, ">=")) == [True, True]
    assert list(ratio_cmp([63], [90], 0.7, "<")) == [False]
    big = 10 ** 15 + 1                                       # near 2^53: decided in integers
    assert list(ratio_cmp([big], [big - 1], 1, ">")) == [True]
    assert exact_median([1, 2, 3, 4]) == exact(2.5) and exact_median([3, 1, 2]) == 2
    assert (least_count(4.5), least_count(5), whole_days(30.5), whole_days(30)) == (5, 5, 30, 30)


def test_market_shares_report_the_share_of_contract_value():
    frames = _base_frames(
        "GOV-AUTHORITY",
        deployments=[
            {"school_id": "S1", "school_year": "2024-2025", "service": "digital_signature",
             "vendor_id": "0100109106", "status": "live"},
            {"school_id": "S2", "school_year": "2024-2025", "service": "digital_signature",
             "vendor_id": "0101243150", "status": "pilot"}],
        contracts=[{"contract_id": "C1", "vendor_id": "0100109106", "value_vnd": 300,
                    "signed_on": "2024-09-01"},
                   {"contract_id": "C2", "vendor_id": "0102100740", "value_vnd": 100,
                    "signed_on": "2024-09-01"}],
        contract_lines=[
            {"contract_id": "C1", "line_no": 1, "school_id": "S1", "service": "digital_signature",
             "quantity": 3, "unit": "certificate", "unit_price_vnd": 100},
            {"contract_id": "C2", "line_no": 1, "school_id": "S2", "service": "digital_signature",
             "quantity": 1, "unit": "certificate", "unit_price_vnd": 100},
            {"contract_id": "C2", "line_no": 2, "school_id": "S2", "service": "digital_signature",
             "unit": "certificate", "unit_price_vnd": 100}])   # no quantity: no value
    ms = _context(frames).market_shares.set_index("group")
    assert list(ms["schools"]) == [1, 1] and list(ms["share"]) == [0.5, 0.5]
    assert ms.loc["0100109106", "value_vnd"] == 300 and ms.loc["0101243150", "value_vnd"] == 0
    assert set(ms["market_value_vnd"]) == {400}                # 0102100740 serves no school
    assert ms.loc["0100109106", "value_share"] == 0.75


def test_risk_rolls_vendor_findings_up_to_the_runs_groups():
    from audit.entities import VendorGroups
    from audit.findings import Finding, finding_id
    from audit.risk import roll_up
    from audit.settings import load_settings
    f = Finding(finding_id("PRC-SINGLE", "tender", "T1"), "PRC-SINGLE", "tender", "T1", "01", None,
                "high", 100.0, "t", "t", "d", "d", ["tenders:T1"], "basis",
                parties={"vendor": ["V2"], "procuring_entity": ["A1"]})
    groups = VendorGroups({"V1": "V1", "V2": "V1"}, {"V1": "V1", "V2": "V2"})
    risk = roll_up([f], load_settings(), groups)
    assert [r["id"] for r in risk["vendor_group"]] == ["V1"]
    assert risk["vendor_group"][0]["score"] == round(100 * (1 - math.exp(-1)), 1)
    assert [r["id"] for r in roll_up([f], load_settings())["vendor_group"]] == ["V2"]


def test_risk_worked_example():
    """The figures of docs/risk.md's worked example."""
    from audit.entities import VendorGroups
    from audit.findings import Finding, finding_id
    from audit.risk import roll_up
    from audit.settings import load_settings

    def finding(code, subject, severity, score, **parties):
        return Finding(finding_id(code, "tender", subject), code, "tender", subject, "01", None,
                       severity, score, "t", "t", "d", "d", [f"tenders:{subject}"], "b",
                       parties=parties)
    fs = [finding("COI-SELF", "T9", "high", 95, procuring_entity=["SGD01"],
                  vendor=["0101243150-001"]),
          finding("PRC-SINGLE", "T1", "high", 70, procuring_entity=["SGD01"]),
          finding("PRC-SINGLE", "T2", "medium", 50, procuring_entity=["SGD01"]),
          finding("PRC-SINGLE", "T3", "medium", 50, procuring_entity=["SGD01"])]
    fs += [finding("PRC-SINGLE", f"P{i}", "medium", 50, procuring_entity=["PGD02"]) for i in range(6)]
    fs.append(Finding(finding_id("CON-DOM", "market", "01/x/2024-2025"), "CON-DOM", "market",
                      "01/x/2024-2025", "01", "2024-2025", "medium", 60, "t", "t", "d", "d",
                      ["deployments:x"], "b", parties={"vendor_group": ["0101243150"]}))
    groups = VendorGroups({"0101243150": "0101243150", "0101243150-001": "0101243150"},
                          {"0101243150": "0101243150", "0101243150-001": "0101243150"})
    risk = roll_up(fs, load_settings(), groups)
    pe = {r["id"]: r for r in risk["procuring_entity"]}
    assert (pe["SGD01"]["raw"], pe["SGD01"]["score"]) == (9.188, 84.1)
    assert (pe["PGD02"]["raw"], pe["PGD02"]["score"]) == (2.461, 38.9)
    assert [r["id"] for r in risk["procuring_entity"]] == ["SGD01", "PGD02"]
    g = risk["vendor_group"][0]
    assert (g["id"], g["raw"], g["score"], g["codes"]) == ("0101243150", 6.25, 71.3,
                                                           ["COI-SELF", "CON-DOM"])
    assert risk["province"][0]["findings"] == len(fs)

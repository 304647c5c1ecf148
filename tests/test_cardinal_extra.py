"""The flags added from Cardinal's indicators, on Cardinal's own fixtures (cardinal-rs 0.0.8,
shared/ocds/cardinal-rs-fixtures/indicators/): R025 → COL-UNSUCCESSFUL, R038 → PRC-DISQ-RATE,
R048 → CON-HETERO (docs/conformance.md, the paragraphs on R025, R038 and R048).

Each fixture is ingested as OCDS (``procurement.ingest.ingest`` inside
``procurement.ocds_wiring.wired()``, as tests/test_cardinal.py does) and the flags are run with
``settings/cardinal.toml`` (``definition = "cardinal"``: the OCDS processes follow Cardinal's
definition, fences computed on the data, audit/flags/_ocds.py).  They give exactly Cardinal's
subjects for the subject type each flag reports: vendors (Cardinal's ``Tenderer``) for R025 and
R048, procuring entities for R038 (Cardinal's ``Buyer`` and ``Tenderer`` groups of R038 are not
our subject type; the page says why).  Then: the fences are Cardinal's (statrs' quantile), and
the defaults keep the catalogue's rule.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.engine import run_audit
from audit.flags import _ocds as O
from procurement import store
from procurement.ingest import ingest
from procurement.ocds_wiring import wired
from tests.conftest import need
from tests.test_cardinal import FIXTURES, ROOT, SETTINGS, _catalogue_twin, ingest_fixtures
# fixture → (our flag, Cardinal's group that is our subject type)
FLAGS = {"R025": ("COL-UNSUCCESSFUL", "Tenderer"),
         "R038": ("PRC-DISQ-RATE", "ProcuringEntity"),
         "R038-tenderer": ("PRC-DISQ-RATE", "ProcuringEntity"),
         "R048-minimum_contracting_processes-1": ("CON-HETERO", "Tenderer")}


def _expected(ident: str) -> dict:
    return json.loads((FIXTURES / f"{ident}.expected").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    yield ingest_fixtures(tmp_path_factory, FLAGS, "cardinal_extra")
    store.dispose_engines()


def _findings(result, code: str) -> dict:
    return {f.subject_id: f for f in result.all_findings if f.code == code}


# --- the flags with settings/cardinal.toml give Cardinal's subjects -----------------------------
@pytest.mark.parametrize("ident", list(FLAGS))
def test_flag_with_cardinal_settings(stores, ident):
    code, group = FLAGS[ident]
    res = run_audit(stores[ident], settings_path=str(SETTINGS), store_run=False)
    assert not any(n["code"] == code for n in res.not_computed), res.not_computed
    got = _findings(res, code)
    assert sorted(got) == sorted(_expected(ident).get(group, {}))


def test_r025_values_are_cardinals(stores):
    """Cardinal's values are the ratios wins / valid bids: F 2/10 = 0.2, N 0/1 = 0; its fences
    on this fixture: top tenderers ≥ 1 valid bid (75th percentile), ratio ≤ 0.8333…
    (Q1 = 0.9333…, Q3 = 1)."""
    res = run_audit(stores["R025"], settings_path=str(SETTINGS), store_run=False)
    got = _findings(res, "COL-UNSUCCESSFUL")
    expected = _expected("R025")["Tenderer"]
    for v, f in got.items():
        assert f"= {expected[v]['R025']:g} ≤ the lower fence" in f.detail_en
        assert "= 0.8333 (Cardinal R025)" in f.detail_en and "0,8333" in f.detail_vi
    # The cancelled process (F bids, 0 wins) is not counted: 10 valid bids, not 11.
    assert "won 2: ratio 2/10" in got["F"].detail_en
    assert "ocds_awards:F/#1" in got["F"].evidence and "ocds_tenders:cancelled tender" not in got["F"].evidence


def test_r038_values_and_cardinals_other_groups(stores):
    """P: 1 of 2 submitted bids disqualified (the cancelled process is skipped); the fence is
    0.5 (P is the only entity with ≥ 2 submitted bids).  Cardinal's buyer B and tenderer D are
    not our subject type (docs/flags/PRC-DISQ-RATE.md, Cardinal mode)."""
    res = run_audit(stores["R038"], settings_path=str(SETTINGS), store_run=False)
    (f,) = _findings(res, "PRC-DISQ-RATE").values()
    assert f.subject_id == "P" and "1/2 bids disqualified = 0.5 ≥ the upper fence" in f.detail_en
    assert "ocds_tenders:cancelled tender" not in f.evidence
    assert set(_expected("R038")) == {"Buyer", "ProcuringEntity"}
    assert set(_expected("R038-tenderer")) == {"Tenderer"}


def test_r048_values_are_cardinals(stores):
    """F: two two-digit classifications (10, 11); the others one; fence 1.8333… (Q1 = 1,
    Q3 = 1.3333…).  Pending, cancelled, unsuccessful and invalid awards, the award to two
    suppliers and the cancelled process are not counted."""
    res = run_audit(stores["R048-minimum_contracting_processes-1"], settings_path=str(SETTINGS),
                    store_run=False)
    (f,) = _findings(res, "CON-HETERO").values()
    assert "2 distinct classifications" in f.detail_en and "1.8333" in f.detail_en
    assert not any("S" == p for p in f.parties.get("vendor", []))


# --- Cardinal's quantile (statrs OrderStatistics::quantile) -------------------------------------
def test_quantile_is_statrs():
    """The values of statrs' own tests (src/statistics/slice_statistics.rs, test_quantile_short),
    the type-8 quantile of Hyndman & Fan."""
    data = [-1.0, 5.0, 0.0, -3.0, 10.0, -0.5, 4.0, 0.2, 1.0, 6.0]
    assert O.quantile(data, 0.0) == -3.0 and O.quantile(data, 1.0) == 10.0
    assert O.quantile(data, 0.5) == pytest.approx(3.0 / 5.0, abs=1e-15)
    assert O.quantile(data, 0.2) == pytest.approx(-4.0 / 5.0, abs=1e-15)
    assert O.quantile(data, 0.7) == 137.0 / 30.0
    assert O.quantile(data, 0.01) == -3.0 and O.quantile(data, 0.99) == 10.0
    assert O.quantile(data, 0.52) == pytest.approx(287.0 / 375.0, abs=1e-15)
    assert O.quantile(data, 0.325) == pytest.approx(-37.0 / 240.0, abs=1e-15)
    assert O.quantile([], 0.5) != O.quantile([], 0.5)          # NaN
    # Cardinal's documented R025 example (docs/examples/R/025.jsonl): F's 6 bids are above the
    # 75th percentile of [6, 1, 1, 1, 1, 1] (1.4167), its ratio 1/6 below the lower fence.
    assert O.quantile([6, 1, 1, 1, 1, 1], 0.75) == pytest.approx(1 + 5 / 12)
    fence, q1, q3 = O.fence([1 / 6, 1, 1, 1, 1, 1], "lower")
    assert q3 == 1 and 1 / 6 <= fence < 1


# --- the defaults keep the catalogue --------------------------------------------------------------
def test_defaults_keep_the_catalogue(stores):
    """With the defaults the three flags read the contract tables only: the fixtures' releases
    have awards and no contracts, so COL-UNSUCCESSFUL and CON-HETERO are not computed (no
    winner, no contract line), and PRC-DISQ-RATE (≥ 5 tenders, ≥ 10 bids) finds no pattern in
    one process; the OCDS tables are never read."""
    from audit.context import Context
    from audit.engine import compute
    from audit.frames import load_frames
    from audit.settings import load_settings
    lacks = {"R025": {"COL-UNSUCCESSFUL": ["contracts"]},
             "R048-minimum_contracting_processes-1": {"CON-HETERO": ["contracts", "contract_lines"]}}
    for ident, (code, _) in FLAGS.items():
        res = run_audit(stores[ident], store_run=False)
        assert _findings(res, code) == {}
        got = {n["code"]: n["needs"] for n in res.not_computed if n["code"] == code}
        assert got == lacks.get(ident, {})
        ctx = Context(load_frames(store.get_engine(stores[ident])), load_settings())
        compute(ctx.frames, ctx.settings, codes=[code], ctx=ctx)
        assert not any(k.startswith("ocds.") for k in ctx._cache)


def test_cardinal_keys_have_defaults():
    from audit.settings import load_settings
    s, c = load_settings(), load_settings(str(SETTINGS))
    for code in ("COL-UNSUCCESSFUL", "PRC-DISQ-RATE", "CON-HETERO"):
        assert s.flag(code)["definition"] == "catalogue" and c.flag(code)["definition"] == "cardinal"
        assert s.flag(code)["threshold"] < 0 and c.flag(code)["excluded_method_details"] == ["EXC"]
    assert s.flag("COL-UNSUCCESSFUL")["percentile"] == 75
    assert s.flag("PRC-DISQ-RATE")["minimum_contracting_processes"] == 2
    assert s.flag("CON-HETERO")["minimum_contracting_processes"] == 20
    assert c.flag("CON-HETERO")["minimum_contracting_processes"] == 1


# --- Cardinal mode beside tenders entered as CSV --------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A store of the generator's CSV data, and the same with Cardinal's R025 fixture on top."""
    from procurement.synthetic import generate
    need(FIXTURES.is_dir(), f"Cardinal's fixtures are missing ({FIXTURES})")
    base = tmp_path_factory.mktemp("cardinal-extra-csv")
    res = generate("small", 2025, base / "data")
    urls = {"csv": f"sqlite:///{base / 'csv.db'}", "mixed": f"sqlite:///{base / 'mixed.db'}"}
    for url in urls.values():
        assert ingest([str(res.out_dir)], url).exit_code in (0, 3)
    with wired():
        r = ingest([str(FIXTURES / "R025.jsonl")], urls["mixed"])
    assert r.exit_code in (0, 3), r.message
    yield {**urls, "dir": base}
    store.dispose_engines()


CODES = ("COL-UNSUCCESSFUL", "PRC-DISQ-RATE", "CON-HETERO")


def _by_code(res) -> dict:
    out: dict = {c: set() for c in CODES}
    for f in res.all_findings:
        if f.code in out:
            out[f.code].add((f.subject_id, f.severity, f.score, f.detail_en))
    return out


def test_cardinal_mode_on_csv_and_ocds(generated):
    """On CSV data alone Cardinal mode is the catalogue's rule with the same settings file; with
    OCDS processes added, those follow Cardinal (F and N raised) and the CSV tenders' findings
    stay as they were."""
    twin = str(_catalogue_twin(generated["dir"]))
    card = _by_code(run_audit(generated["csv"], settings_path=str(SETTINGS), store_run=False))
    cat = _by_code(run_audit(generated["csv"], settings_path=twin, store_run=False))
    assert card == cat
    mixed = _by_code(run_audit(generated["mixed"], settings_path=str(SETTINGS), store_run=False))
    ocds = {"F", "N"}
    assert {x[0] for x in mixed["COL-UNSUCCESSFUL"]} - {x[0] for x in card["COL-UNSUCCESSFUL"]} == ocds
    for code in CODES:
        assert {x for x in mixed[code] if x[0] not in ocds} == card[code], code

"""CON-SHIFT — a vendor group's share of a market rises by ≥ 30 percentage points from one
school year to the next (docs/flags/CON-SHIFT.md)."""
from __future__ import annotations

from fractions import Fraction

from ..registry import Hit, flag
from ._common import exact, ratio_cmp
from ._market import frac, group_evidence, market_id, num_en, num_vi, pct_en, pct_vi, shares

KEYS = ["province_code", "service", "school_year"]


def score_of(rise_pp: Fraction, min_rise_pp: Fraction) -> tuple[str, float]:
    """50 at the threshold rising linearly to 100 at a rise of 100 points; high from a rise of
    twice the threshold (60 points by default), medium below."""
    span = 100 - min_rise_pp
    part = float(min(Fraction(1), (rise_pp - min_rise_pp) / span)) if span > 0 else 1.0
    return ("high" if rise_pp >= 2 * min_rise_pp else "medium"), 50 + 50 * part


def _prev(year: str) -> str:
    a = int(year[:4])
    return f"{a - 1}-{a}"


@flag("CON-SHIFT", subject_type="market",
      title_vi="Thị phần của một nhóm nhà cung cấp tăng đột biến so với năm học trước",
      title_en="A vendor group's market share jumps from the previous school year",
      legal_basis="the directive: no group interests",
      needs=("deployments", "schools", "vendors"))
def compute(ctx, cfg):
    ms = shares(ctx)
    if ms.empty:
        return
    min_rise = exact(cfg["min_rise_pp"])
    years = {y: _prev(y) for y in ms["school_year"].unique()}
    cur = ms.assign(prev_year=ms["school_year"].map(years))
    markets = (ms.drop_duplicates(KEYS)[KEYS + ["market_schools"]]
               .rename(columns={"school_year": "prev_year", "market_schools": "prev_market"}))
    # Compared only when the market of Y-1 has >= 1 school: it exists in the table.
    cur = cur.merge(markets, on=["province_code", "service", "prev_year"], how="inner")
    prev = ms[KEYS + ["group", "schools"]].rename(
        columns={"school_year": "prev_year", "schools": "prev_schools"})
    cur = cur.merge(prev, on=["province_code", "service", "prev_year", "group"], how="left")
    cur["prev_schools"] = cur["prev_schools"].fillna(0).astype("int64")
    # 100 × (a/n − b/m) ≥ min_rise  ⇔  100 × (a·m − b·n) ≥ min_rise × n·m, in whole numbers.
    a, n = cur["schools"], cur["market_schools"]
    b, m = cur["prev_schools"], cur["prev_market"]
    keep = ratio_cmp(100 * (a * m - b * n), n * m, min_rise, ">=")
    cur = cur.loc[keep.to_numpy()].sort_values(KEYS + ["group"])
    if cur.empty:
        return
    ev_now = group_evidence(ctx, cur)
    ev_before = group_evidence(ctx, cur.drop(columns="school_year").rename(
        columns={"prev_year": "school_year"}))
    for r in cur.itertuples(index=False):
        a, n, b, m = int(r.schools), int(r.market_schools), int(r.prev_schools), int(r.prev_market)
        rise = 100 * (frac(a, n) - frac(b, m))
        severity, score = score_of(rise, min_rise)
        mk = market_id(r.province_code, r.service, r.school_year)
        yield Hit(
            subject_id=f"{mk}+{r.group}", severity=severity, score=score,
            detail_vi=(f"Nhóm {r.group} trên thị trường {r.province_code}/{r.service}: năm học "
                       f"{r.prev_year} phục vụ {b}/{m} trường ({pct_vi(b / m)}), năm học "
                       f"{r.school_year} phục vụ {a}/{n} trường ({pct_vi(a / n)}); thị phần tăng "
                       f"{num_vi(float(rise))} điểm phần trăm ≥ ngưỡng {num_vi(float(min_rise))} "
                       f"điểm."),
            detail_en=(f"Group {r.group} in market {r.province_code}/{r.service}: served "
                       f"{b}/{m} schools ({pct_en(b / m)}) in {r.prev_year} and {a}/{n} schools "
                       f"({pct_en(a / n)}) in {r.school_year}; its share rose by "
                       f"{num_en(float(rise))} percentage points ≥ threshold "
                       f"{num_en(float(min_rise))} points."),
            evidence=(ev_now.get((r.province_code, r.service, r.school_year, r.group), [])
                      + ev_before.get((r.province_code, r.service, r.prev_year, r.group), [])),
            province_code=r.province_code, school_year=r.school_year,
            parties={"vendor_group": [r.group]})

"""GOV-COVERAGE — a pilot school that signed under half of its Học bạ số records in a school
year that has ended (docs/flags/GOV-COVERAGE.md)."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from ..registry import Hit, flag
from ._common import exact, ratio_cmp, ref
from ._market import EVIDENCE_PER_GROUP, dep_ref, pct_en, pct_vi, single_year


def score_of(r: Fraction, threshold: Fraction) -> tuple[str, float]:
    """50 just under the threshold rising linearly to 100 at 0% signed; high below half the
    threshold (25% by default), medium otherwise."""
    part = float((threshold - r) / threshold) if threshold > 0 else 1.0
    return ("high" if r < threshold / 2 else "medium"), 50 + 50 * part


@flag("GOV-COVERAGE", subject_type="school",
      title_vi="Trường thí điểm ký số dưới một nửa học bạ",
      title_en="Pilot school signed under half of its records",
      legal_basis="pilot evaluation",
      needs=("schools", "deployments"))
def compute(ctx, cfg):
    s = ctx["schools"]
    pilot = s.loc[s["in_pilot"].fillna(False).astype(bool), ["school_id", "province_code"]]
    if pilot.empty:
        return
    threshold = exact(cfg["min_signed_share"])
    d = ctx["deployments"]
    d = d[d["school_id"].isin(pilot["school_id"]) & (d["records_total"] > 0)]
    if d.empty:
        return
    # School years that ended (31 May of their second calendar year) before as_of.
    years = {y: pd.Timestamp(int(y[5:9]), 5, 31) < pd.Timestamp(ctx.as_of)
             for y in d["school_year"].dropna().unique()}
    d = d[d["school_year"].map(years).fillna(False).astype(bool)]
    if d.empty:
        return
    d = d.assign(signed=d["records_signed"].fillna(0))
    agg = d.groupby(["school_id", "school_year"]).agg(signed=("signed", "sum"),
                                                      total=("records_total", "sum")).reset_index()
    agg = agg[ratio_cmp(agg["signed"], agg["total"], threshold, "<").to_numpy()]
    if agg.empty:
        return
    agg["ratio"] = [Fraction(int(a), int(b)) for a, b in zip(agg["signed"], agg["total"])]
    ev = d.merge(agg[["school_id", "school_year"]], on=["school_id", "school_year"])
    ev = ev.sort_values(["school_id", "school_year", "service", "vendor_id"]).groupby(
        ["school_id", "school_year"], sort=False).head(EVIDENCE_PER_GROUP)
    refs: dict[str, list[str]] = {}
    for sch, y, sv, v in zip(ev["school_id"], ev["school_year"], ev["service"], ev["vendor_id"]):
        refs.setdefault(sch, []).append(dep_ref(sch, y, sv, v))
    prov = dict(zip(pilot["school_id"].tolist(), pilot["province_code"].tolist()))
    for sch, h in agg.sort_values(["school_id", "school_year"]).groupby("school_id", sort=False):
        worst = min(h["ratio"])
        severity, score = score_of(worst, threshold)
        vi = "; ".join(f"năm học {r.school_year}: ký {int(r.signed)}/{int(r.total)} học bạ = "
                       f"{pct_vi(r.ratio)}" for r in h.itertuples(index=False))
        en = "; ".join(f"{r.school_year}: {int(r.signed)}/{int(r.total)} records signed = "
                       f"{pct_en(r.ratio)}" for r in h.itertuples(index=False))
        yield Hit(
            subject_id=sch, severity=severity, score=score,
            detail_vi=(f"Trường thí điểm {sch} có tỷ lệ học bạ được ký số < ngưỡng "
                       f"{pct_vi(threshold)} — {vi} (năm học đã kết thúc trước ngày đối chiếu "
                       f"{ctx.as_of.isoformat()})."),
            detail_en=(f"Pilot school {sch} signed a share of its records < threshold "
                       f"{pct_en(threshold)} — {en} (school year ended before the as-of date "
                       f"{ctx.as_of.isoformat()})."),
            evidence=[ref("schools", sch)] + refs.get(sch, []),
            province_code=prov.get(sch), school_year=single_year(h["school_year"]),
            parties={"school": [sch]})

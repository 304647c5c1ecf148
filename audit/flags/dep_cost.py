"""DEP-COST — a deployment whose budget cost per student is [≥ 2] × the median of its peers
(docs/flags/DEP-COST.md)."""
from __future__ import annotations

from fractions import Fraction

from ..context import ACTIVE, fmt_vnd
from ..registry import Hit, flag
from ._bids import fmt_money
from ._common import exact, exact_median, excess_score, int_en, int_vi, least_count
from ._deployment import (service_en, status_en, DEP_KEY, deployment_ref, deployment_subject, iter_groups, service_vi,
                          with_school)

PEER = ["service", "school_year"]


def _vi(x: float, digits: int = 2) -> str:
    """2.5 → ``2,50`` (Vietnamese decimal comma)."""
    return f"{x:.{digits}f}".replace(".", ",")


def _g(x: float) -> str:
    """A setting as written: 2.0 → ``2``, 2.5 → ``2,5`` in Vietnamese."""
    return f"{x:g}".replace(".", ",")


@flag("DEP-COST", subject_type="deployment",
      title_vi="Chi phí triển khai trên mỗi học sinh cao bất thường",
      title_en="Unusually high deployment cost per student",
      legal_basis="Chi phí cho triển khai toàn quốc (so với trung vị cùng dịch vụ, cùng năm học) / "
                  "cost for the national roll-out (against the median of the same service and year)",
      needs=("deployments", "schools"))
def compute(ctx, cfg):
    d = ctx["deployments"]
    d = d[d["status"].isin(ACTIVE) & d["budget_cost_vnd"].gt(0)]
    d = with_school(ctx, d)
    p = d[d["students"].gt(0)].copy()
    if p.empty:
        return
    ratio = exact(cfg["min_ratio"])
    high_ratio = float(cfg["high_ratio"])
    min_other = least_count(cfg["min_other_peers"])
    p["cps"] = p["budget_cost_vnd"] / p["students"]
    g = p.groupby(PEER)["cps"]
    p["peers"] = g.transform("size")
    p["median"] = g.transform("median")
    p = p[p["peers"].sub(1).ge(min_other)]
    bar = float(ratio) * p["median"]
    # Floats decide clear cases; a value within rounding of the bar is decided exactly.
    near = (p["cps"] - bar).abs().le(1e-9 * bar.abs().clip(lower=1))
    hit = p["cps"].gt(bar) & ~near
    if near.any():
        medians = {}
        near_keys = set(zip(p.loc[near, "service"], p.loc[near, "school_year"]))
        for key, grp in p[p.set_index(PEER).index.isin(near_keys)].groupby(PEER):
            medians[key] = exact_median([Fraction(int(b), int(s)) for b, s in
                                          zip(grp["budget_cost_vnd"], grp["students"])])
        for i, svc, yr, b, st in zip(p.index[near], p.loc[near, "service"], p.loc[near, "school_year"],
                                     p.loc[near, "budget_cost_vnd"], p.loc[near, "students"]):
            hit.loc[i] = Fraction(int(b), int(st)) >= ratio * medians[(svc, yr)]
    f = p[hit]
    if f.empty:
        return
    f = f.assign(x=f["cps"] / f["median"])
    cols = ["vendor_id", "budget_cost_vnd", "students", "cps", "x", "median", "peers", "province_code"]
    for (school, service, year), r in iter_groups(f, DEP_KEY, cols, order=["vendor_id"]):
        x = max(r["x"])
        med = r["median"][0]
        n = int(r["peers"][0])
        severity = "high" if x >= high_ratio else "medium"
        score = excess_score(x, float(ratio))
        items_vi, items_en = [], []
        for v, b, st, cps, xi in zip(r["vendor_id"], r["budget_cost_vnd"], r["students"], r["cps"], r["x"]):
            items_vi.append(f"nhà cung cấp {v}: {fmt_vnd(b)} cho {int_vi(st)} học sinh = "
                            f"{fmt_vnd(round(cps))}/học sinh, gấp {_vi(xi)} lần trung vị")
            items_en.append(f"vendor {v}: {fmt_money(b, 'en')} for {int_en(st)} students = "
                            f"{fmt_money(round(cps), 'en')} per student, {xi:.2f} × the median")
        yield Hit(
            subject_id=deployment_subject(school, service, year), severity=severity, score=score,
            detail_vi=(f"Trường {school}, {service_vi(service)}, năm học {year}: " + "; ".join(items_vi)
                       + f" (trung vị của {int_vi(n)} triển khai cùng dịch vụ, cùng năm học = "
                       f"{fmt_vnd(round(med))}/học sinh; ngưỡng ≥ {_g(float(ratio))} × trung vị)."),
            detail_en=(f"School {school}, {service_en(service)}, school year {year}: " + "; ".join(items_en)
                       + f" (median of the {int_en(n)} peer deployments of the same service and year = "
                       f"{fmt_money(round(med), 'en')} per student; threshold ≥ {float(ratio):g} × median)."),
            evidence=[deployment_ref(school, year, service, v) for v in r["vendor_id"]],
            province_code=r["province_code"][0], school_year=year,
            parties={"vendor": sorted(r["vendor_id"]), "school": [school]})

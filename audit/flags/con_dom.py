"""CON-DOM — one vendor group serves ≥ 70% of a market's schools (docs/flags/CON-DOM.md)."""
from __future__ import annotations

from fractions import Fraction

from ..registry import Hit, flag
from ._common import exact, least_count, ratio_cmp
from ._market import frac, group_evidence, market_id, pct_en, pct_vi, shares

KEYS = ["province_code", "service", "school_year"]


def score_of(share: Fraction, min_share: Fraction) -> tuple[str, float]:
    """60 at the threshold rising linearly to 100 at a 100% share; high from halfway between
    the threshold and 100% (85% with the default 70%), medium below."""
    span = 1 - min_share
    part = float(min(Fraction(1), (share - min_share) / span)) if span > 0 else 1.0
    return ("high" if part >= 0.5 else "medium"), 60 + 40 * part


@flag("CON-DOM", subject_type="market",
      title_vi="Một nhóm nhà cung cấp chiếm lĩnh thị trường",
      title_en="One vendor group dominates the market",
      legal_basis="Competition Law 23/2018 Art 24",
      needs=("deployments", "schools", "vendors"))
def compute(ctx, cfg):
    ms = shares(ctx)
    if ms.empty:
        return
    min_share, min_schools = exact(cfg["min_share"]), least_count(cfg["min_schools"])
    ms = ms[ms["market_schools"] >= min_schools]
    keep = ratio_cmp(ms["schools"], ms["market_schools"], min_share, ">=")
    dom = ms.loc[keep.to_numpy()].sort_values(KEYS + ["schools", "group"], ascending=[True] * 3 + [False, True])
    if dom.empty:
        return
    ev = group_evidence(ctx, dom)
    for (pc, sv, y), g in dom.groupby(KEYS, sort=False):
        n = int(g["market_schools"].iloc[0])
        best = frac(g["schools"].iloc[0], n)
        severity, score = score_of(best, min_share)
        who_vi = "; ".join(f"nhóm {r.group} phục vụ {r.schools}/{n} trường = {pct_vi(r.schools / n)}"
                           for r in g.itertuples())
        who_en = "; ".join(f"group {r.group} serves {r.schools}/{n} schools = {pct_en(r.schools / n)}"
                           for r in g.itertuples())
        yield Hit(
            subject_id=market_id(pc, sv, y), severity=severity, score=score,
            detail_vi=(f"Thị trường {market_id(pc, sv, y)} ({n} trường): {who_vi} ≥ ngưỡng "
                       f"{pct_vi(float(min_share))} (chỉ xét thị trường ≥ {min_schools} trường)."),
            detail_en=(f"Market {market_id(pc, sv, y)} ({n} schools): {who_en} ≥ threshold "
                       f"{pct_en(float(min_share))} (only markets with ≥ {min_schools} schools)."),
            evidence=[e for r in g.itertuples() for e in ev.get((pc, sv, y, r.group), [])],
            province_code=pc, school_year=y,
            parties={"vendor_group": list(g["group"])})

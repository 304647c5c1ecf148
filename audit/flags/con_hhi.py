"""CON-HHI — a concentrated market by the Herfindahl–Hirschman index over vendor groups'
shares of schools served (docs/flags/CON-HHI.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..registry import Hit, flag
from ._common import exact, least_count, ratio_cmp
from ._market import (frac, group_evidence, market_id, num_en, num_vi, pct_en, pct_vi,
                      shares)

KEYS = ["province_code", "service", "school_year"]


def score_of(hhi: Fraction, threshold: Fraction, high: Fraction) -> tuple[str, float]:
    """Medium: 50 at the threshold rising to 70 at ``high``; high: 70 at ``high`` rising to 100
    at 10,000 (a monopoly) and beyond (overlapping groups)."""
    if hhi >= high:
        top = max(Fraction(10_000), high + 1)
        return "high", 70 + 30 * float(min(Fraction(1), (hhi - high) / (top - high)))
    span = high - threshold
    part = float((hhi - threshold) / span) if span > 0 else 1.0
    return "medium", 50 + 20 * min(1.0, part)


@flag("CON-HHI", subject_type="market",
      title_vi="Thị trường tập trung cao (chỉ số HHI)",
      title_en="Highly concentrated market (HHI)",
      legal_basis="2023 US Merger Guidelines (HHI > 1800 highly concentrated); "
                  "EU horizontal merger guidelines",
      needs=("deployments", "schools", "vendors"))
def compute(ctx, cfg):
    ms = shares(ctx)
    if ms.empty:
        return
    threshold, high = exact(cfg["threshold"]), exact(cfg["high"])
    min_schools = least_count(cfg["min_schools"])
    ms = ms[ms["market_schools"] >= min_schools]
    if ms.empty:
        return
    sq = (ms["schools"] ** 2).groupby([ms[k] for k in KEYS]).sum().rename("sum_sq").reset_index()
    m = ms.drop_duplicates(KEYS)[KEYS + ["market_schools"]].merge(sq, on=KEYS)
    # HHI = 10,000 × Σ schools² / n² ≥ threshold  ⇔  10,000 × Σ schools² ≥ threshold × n².
    m = m[ratio_cmp(10_000 * m["sum_sq"], m["market_schools"] ** 2, threshold, ">=").to_numpy()]
    hits = [(pc, sv, y, int(n), 10_000 * frac(s2, n * n))
            for pc, sv, y, n, s2 in zip(m["province_code"], m["service"], m["school_year"],
                                        m["market_schools"], m["sum_sq"])]
    if not hits:
        return
    hit_keys = {(pc, sv, y) for pc, sv, y, _, _ in hits}
    sel = ms.loc[np.asarray([k in hit_keys for k in zip(ms["province_code"], ms["service"], ms["school_year"])], dtype=bool)]
    ev = group_evidence(ctx, sel)
    per_market = {k: g.sort_values(["schools", "group"], ascending=[False, True])
                  for k, g in sel.groupby(KEYS, sort=False)}
    for pc, sv, y, n, hhi in hits:
        g = per_market[(pc, sv, y)]
        top = g[g["schools"] == g["schools"].iloc[0]]
        severity, score = score_of(hhi, threshold, high)
        served_total = int(g["schools"].sum())
        overlap_vi = overlap_en = ""
        if served_total > n:
            overlap_vi = (f" Có trường do hai nhóm trở lên phục vụ (tổng lượt phục vụ {served_total} > "
                          f"{n} trường); tỷ phần không được chuẩn hoá lại.")
            overlap_en = (f" Some schools are served by two or more groups ({served_total} group–school "
                          f"pairs > {n} schools); shares are not rescaled.")
        lead_vi = "; ".join(f"nhóm {r.group}: {r.schools}/{n} trường ({pct_vi(r.schools / n)})"
                            for r in g.head(3).itertuples())
        lead_en = "; ".join(f"group {r.group}: {r.schools}/{n} schools ({pct_en(r.schools / n)})"
                            for r in g.head(3).itertuples())
        evidence = [e for r in g.itertuples() for e in ev.get((pc, sv, y, r.group), [])]
        hf = float(hhi)
        yield Hit(
            subject_id=market_id(pc, sv, y), severity=severity, score=score,
            detail_vi=(f"Thị trường {market_id(pc, sv, y)} ({n} trường, {len(g)} nhóm nhà cung cấp): "
                       f"HHI = {num_vi(hf)} ≥ ngưỡng {num_vi(float(threshold))} (mức cao khi ≥ "
                       f"{num_vi(float(high))}; chỉ xét thị trường ≥ {min_schools} trường). "
                       f"Các nhóm lớn nhất: {lead_vi}.{overlap_vi}"),
            detail_en=(f"Market {market_id(pc, sv, y)} ({n} schools, {len(g)} vendor groups): "
                       f"HHI = {num_en(hf)} ≥ threshold {num_en(float(threshold))} (high when ≥ "
                       f"{num_en(float(high))}; only markets with ≥ {min_schools} schools). "
                       f"Largest groups: {lead_en}.{overlap_en}"),
            evidence=evidence, province_code=pc, school_year=y,
            parties={"vendor_group": list(top["group"])})

"""PRC-REPEAT-COMPAT — repeated direct awards on the compatibility ground by one procuring
entity to one winner (docs/flags/PRC-REPEAT-COMPAT.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from ._common import least_count, ref
from ._procurement_rules import (contracts_by_tender, day_en, day_vi, one_or_none, rise_score,
                                 vnd_en, vnd_vi)


@flag("PRC-REPEAT-COMPAT", subject_type="procuring_entity",
      title_vi="Chỉ định thầu lặp lại cho cùng nhà thầu với lý do bảo đảm tính tương thích",
      title_en="Repeated direct awards to one vendor on the compatibility ground",
      legal_basis="Decree 214/2025 Art 78.5.d",
      needs=("tenders", "contracts"))
def compute(ctx, cfg):
    n_min = least_count(cfg["min_awards"])
    t = ctx.tenders
    t = t[t["direct_award"] & t["ground"].eq("compatibility") & t["winner"].notna()]
    if t.empty:
        return
    counts = t.groupby(["procuring_entity_id", "winner"])["tender_id"].transform("size")
    t = t[counts >= n_min].sort_values(["procuring_entity_id", "winner", "published_on_day",
                                        "tender_id"])
    contracts = contracts_by_tender(ctx)
    for (entity, vendor), g in t.groupby(["procuring_entity_id", "winner"], sort=True):
        n = len(g)
        severity = "high" if n >= 2 * n_min else "medium"
        score = rise_score(n / n_min - 1, 50, 45)
        total = g["value"].sum()
        listing_vi = "; ".join(
            f"{r.tender_id} (đăng tải {day_vi(r.published_on_day)}, "
            f"{vnd_vi(r.value) if r.estimated_value_vnd == r.estimated_value_vnd else 'không ghi giá'})"
            for r in g.itertuples(index=False))
        listing_en = "; ".join(
            f"{r.tender_id} (published {day_en(r.published_on_day)}, "
            f"{vnd_en(r.value) if r.estimated_value_vnd == r.estimated_value_vnd else 'no value'})"
            for r in g.itertuples(index=False))
        evidence = [ref("tenders", x) for x in g["tender_id"]]
        for x in g["tender_id"]:
            evidence += [ref("contracts", c) for c in contracts.get(x, [])]
        yield Hit(
            subject_id=f"{entity}+{vendor}", severity=severity, score=score,
            detail_vi=(f"Bên mời thầu {entity} đã chỉ định thầu {n} gói cho cùng nhà thầu {vendor} "
                       f"với căn cứ bảo đảm tính tương thích: {n} ≥ ngưỡng {n_min} gói (mọi thời "
                       f"điểm); tổng giá gói thầu {vnd_vi(total)}. Các gói: {listing_vi}."),
            detail_en=(f"Procuring entity {entity} made {n} direct awards to the same winner "
                       f"{vendor} on the compatibility ground: {n} ≥ the threshold of {n_min} "
                       f"(any dates); total estimated value {vnd_en(total)}. Tenders: {listing_en}."),
            evidence=evidence,
            province_code=ctx.authority_province.get(entity) or one_or_none(g["province_code"]),
            school_year=one_or_none(g["school_year"]),
            parties={"procuring_entity": [entity], "vendor": [vendor]})

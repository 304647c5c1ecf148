"""PRC-DX-GROUND — a direct award on the digital-transformation or urgency ground, at any value
(docs/flags/PRC-DX-GROUND.md)."""
from __future__ import annotations

import pandas as pd

from ..registry import Hit, flag
from ._common import ref
from ._procurement_rules import (GROUND_VI, METHOD_VI, contracts_by_tender, day_en, day_vi, method_en,
                                 ratio_vi, rise_score, vnd_en, vnd_vi)

# Severity by value ÷ reference limit r: `low` when r ≤ 1 (the package could have been a
# direct award on the value-limit ground anyway), `medium` when 1 < r ≤ HIGH_RATIO, `high`
# when r > HIGH_RATIO.  Score 30 + 65·(1 − e^(−r/3)), rising with the value.
HIGH_RATIO = 5.0


@flag("PRC-DX-GROUND", subject_type="tender",
      title_vi="Chỉ định thầu theo căn cứ chuyển đổi số hoặc cấp bách",
      title_en="Direct award on the digital-transformation or urgency ground",
      legal_basis="Law 90/2025 Art 23.1.h–i; Decree 214/2025 Art 78.3.c–d",
      needs=("tenders",))
def compute(ctx, cfg):
    grounds = list(cfg.get("grounds", []))
    t = ctx.tenders
    t = t[t["direct_award"] & t["ground"].isin(grounds)].copy()
    if t.empty:
        return
    # The reference limit for severity: the limit in force; without a published_on, the limit of
    # the row containing awarded_on; without either, the newest row of the table.
    ref_limit = t["limit"].copy()
    missing = ref_limit.isna()
    if missing.any():
        by_award = ctx.settings.limits_on(t.loc[missing, "awarded_on"], t.loc[missing, "category"],
                                          t.loc[missing, "in_investment_project"])
        ref_limit[missing] = by_award
    basis = pd.Series("published", index=t.index)
    basis[missing & ref_limit.notna()] = "awarded"
    still = ref_limit.isna()
    if still.any() and ctx.settings.limits:
        newest = max(ctx.settings.limits, key=lambda r: (r.start is not None, r.start or 0))
        day = pd.Series(pd.Timestamp(newest.start) if newest.start else pd.Timestamp("2100-01-01"),
                        index=t.index[still])
        ref_limit[still] = ctx.settings.limits_on(day, t.loc[still, "category"],
                                                  t.loc[still, "in_investment_project"])
        basis[still] = "newest"
    t["ref_limit"] = ref_limit
    t["ref_basis"] = basis
    contracts = contracts_by_tender(ctx)
    for row in t.itertuples(index=False):
        r = row.value / row.ref_limit if row.ref_limit and row.ref_limit > 0 else 0.0
        severity = "low" if r <= 1 else ("medium" if r <= HIGH_RATIO else "high")
        score = rise_score(r, 30, 65, scale=3.0)
        ground_vi = GROUND_VI.get(row.ground, row.ground)
        when_vi, when_en = {
            "published": (f"áp dụng ngày đăng tải {day_vi(row.published_on_day)}",
                          f"in force on its publication day {day_en(row.published_on_day)}"),
            "awarded": (f"không có ngày đăng tải; lấy theo ngày trao thầu {day_vi(row.awarded_on)}",
                        f"no publication day; taken on the award day {day_en(row.awarded_on)}"),
            "newest": ("không có ngày đăng tải và ngày trao thầu; lấy theo bảng hạn mức mới nhất",
                       "no publication or award day; taken from the newest row of the limit table"),
        }[row.ref_basis]
        value_vi = vnd_vi(row.value) if row.value else "không ghi (tính là 0)"
        value_en = vnd_en(row.value) if row.value else "not given (counted as 0)"
        cmp_vi = "≤" if r <= 1 else ">"
        cmp_en = "≤" if r <= 1 else ">"
        winner = row.winner if isinstance(row.winner, str) else None
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} được {METHOD_VI.get(row.method, row.method)} "
                       f"theo căn cứ «{ground_vi}» ({row.ground}; quy tắc: căn cứ thuộc "
                       f"{', '.join(grounds)}, mọi giá trị). Giá gói thầu {value_vi} {cmp_vi} hạn mức "
                       f"chỉ định thầu theo giá trị {vnd_vi(row.ref_limit)} ({when_vi}), "
                       f"bằng {ratio_vi(r)} lần hạn mức"
                       + (f"; nhà thầu được chọn: {winner}." if winner else "; chưa có hợp đồng.")),
            detail_en=(f"Tender {row.tender_id} is a {method_en(row.method)} on the «{row.ground}» ground "
                       f"(rule: ground in {', '.join(grounds)}, any value). Its estimated value "
                       f"{value_en} {cmp_en} the value-limit for direct awards "
                       f"{vnd_en(row.ref_limit)} ({when_en}), {r:.2f}× that limit"
                       + (f"; winner: {winner}." if winner else "; not awarded.")),
            evidence=[ref("tenders", row.tender_id)] + [ref("contracts", c) for c in
                                                        contracts.get(row.tender_id, [])],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [winner] if winner else []})

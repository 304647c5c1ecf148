"""PRC-DIRECT-LIMIT — a direct award on the value-limit ground above its limit in force
(docs/flags/PRC-DIRECT-LIMIT.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from ._common import ref
from ._procurement_rules import (GROUND_VI, METHOD_VI, contracts_by_tender, day_en, day_vi,
                                 ratio_vi, rise_score, truthy, vnd_en, vnd_vi)

# Severity: `high` when the value is more than HIGH_RATIO × the limit, else `medium`.
HIGH_RATIO = 2.0


@flag("PRC-DIRECT-LIMIT", subject_type="tender",
      title_vi="Chỉ định thầu vượt hạn mức giá trị được phép",
      title_en="Direct award above the value limit in force",
      legal_basis=("Law on Bidding 22/2023 Art 23.1 as amended by Law 57/2024 and Law 90/2025; "
                   "Decree 214/2025 Art 78.4"),
      needs=("tenders",))
def compute(ctx, cfg):
    t = ctx.tenders
    t = t[t["direct_award"] & t["ground"].eq("value_limit") & t["limit"].notna()
          & (t["value"] > t["limit"])]
    if t.empty:
        return
    contracts = contracts_by_tender(ctx)
    for row in t.itertuples(index=False):
        ratio = row.value / row.limit
        severity = "high" if ratio > HIGH_RATIO else "medium"
        score = rise_score(ratio - 1, 55, 40)
        column_vi, column_en = _column(row)
        given = isinstance(row.direct_award_ground, str)
        ground_vi = (f"căn cứ {GROUND_VI['value_limit']}" if given
                     else f"căn cứ để trống, coi là {GROUND_VI['value_limit']}")
        ground_en = "ground value_limit" if given else "ground left empty, read as value_limit"
        cids = contracts.get(row.tender_id, [])
        winner = row.winner if isinstance(row.winner, str) else None
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} ({METHOD_VI.get(row.method, row.method)}, {ground_vi}) "
                       f"có giá gói thầu "
                       f"{vnd_vi(row.value)} > hạn mức chỉ định thầu {vnd_vi(row.limit)} "
                       f"({column_vi}) áp dụng ngày đăng tải {day_vi(row.published_on_day)}; "
                       f"vượt {vnd_vi(row.value - row.limit)} ({ratio_vi(ratio)} lần hạn mức)"
                       + (f"; nhà thầu được chọn: {winner}." if winner else "; chưa có hợp đồng.")),
            detail_en=(f"Tender {row.tender_id} ({row.method}, {ground_en}) "
                       f"has an estimated value of {vnd_en(row.value)} > the direct-award limit "
                       f"{vnd_en(row.limit)} ({column_en}) in force on its publication day "
                       f"{day_en(row.published_on_day)}; {vnd_en(row.value - row.limit)} over ({ratio:.2f}× the limit)"
                       + (f"; winner: {winner}." if winner else "; not awarded.")),
            evidence=[ref("tenders", row.tender_id)] + [ref("contracts", c) for c in cids],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [winner] if winner else []})


def _column(row) -> tuple[str, str]:
    if truthy(row.in_investment_project):
        if row.category == "training":
            return "cột tư vấn, dự án đầu tư", "consulting column, investment project"
        return "cột hàng hoá, phần mềm, phi tư vấn, xây lắp, dự án đầu tư", "goods column, investment project"
    return "cột dự toán mua sắm", "purchase-estimate column"

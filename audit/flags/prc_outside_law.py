"""PRC-OUTSIDE-LAW — a purchase funded by parents or sponsors, bought outside the Bidding Law
(docs/flags/PRC-OUTSIDE-LAW.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from ._common import ref
from ._procurement_rules import (METHOD_VI, contracts_by_tender, day_en, day_vi, ratio_vi,
                                 rise_score, vnd_en, vnd_vi)

FUNDING_VI = {"parents": "phụ huynh đóng góp", "sponsorship": "tài trợ"}


@flag("PRC-OUTSIDE-LAW", subject_type="tender",
      title_vi="Mua sắm bằng tiền phụ huynh hoặc tài trợ, ngoài phạm vi Luật Đấu thầu",
      title_en="Purchase funded by parents or sponsors, outside the Bidding Law",
      legal_basis="Law on Bidding Art 3.7.a",
      needs=("tenders",))
def compute(ctx, cfg):
    sources = list(cfg.get("funding_sources", []))
    t = ctx.tenders
    t = t[t["funding_source"].isin(sources)]
    if t.empty:
        return
    contracts = contracts_by_tender(ctx)
    for row in t.itertuples(index=False):
        has_limit = row.limit == row.limit and row.limit is not None and row.limit > 0
        above = has_limit and row.value > row.limit
        if above:
            severity, score = "high", rise_score(row.value / row.limit - 1, 70, 25)
        else:
            severity = "medium"
            score = 45 + (10 * min(1.0, row.value / row.limit) if has_limit else 5)
        fund_vi = FUNDING_VI.get(row.funding_source, row.funding_source)
        value_vi = vnd_vi(row.value) if row.value else "không ghi"
        value_en = vnd_en(row.value) if row.value else "not given"
        if has_limit:
            cmp = ">" if above else "≤"
            lim_vi = (f"; giá gói thầu {cmp} hạn mức chỉ định thầu {vnd_vi(row.limit)} áp dụng ngày "
                      f"{day_vi(row.published_on_day)} ({ratio_vi(row.value / row.limit)} lần)")
            lim_en = (f"; the value is {cmp} the direct-award limit {vnd_en(row.limit)} in force on "
                      f"{day_en(row.published_on_day)} ({row.value / row.limit:.2f}×)")
        else:
            lim_vi = "; không có ngày đăng tải nên không so được với hạn mức chỉ định thầu"
            lim_en = "; no publication day, so no direct-award limit to compare with"
        winner = row.winner if isinstance(row.winner, str) else None
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} ({METHOD_VI.get(row.method, row.method)}, giá "
                       f"{value_vi}) dùng nguồn vốn «{fund_vi}» ({row.funding_source}; quy tắc: "
                       f"nguồn vốn thuộc {', '.join(sources)}, mọi hình thức, mọi giá trị): mua "
                       f"sắm ngoài phạm vi Luật Đấu thầu{lim_vi}"
                       + (f"; nhà thầu được chọn: {winner}." if winner else ".")),
            detail_en=(f"Tender {row.tender_id} ({row.method}, value {value_en}) is funded by "
                       f"«{row.funding_source}» (rule: funding source in {', '.join(sources)}, any "
                       f"method, any value): bought outside the Bidding Law{lim_en}"
                       + (f"; winner: {winner}." if winner else ".")),
            evidence=[ref("tenders", row.tender_id)] + [ref("contracts", c) for c in
                                                        contracts.get(row.tender_id, [])],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [winner] if winner else []})

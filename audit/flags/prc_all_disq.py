"""PRC-ALL-DISQ — every bid besides the winning bid was disqualified
(docs/flags/PRC-ALL-DISQ.md)."""
from __future__ import annotations

import math

from ..registry import Hit, flag
from . import _bids as B
from ._common import least_count


@flag("PRC-ALL-DISQ", subject_type="tender",
      title_vi="Mọi hồ sơ khác ngoài hồ sơ trúng thầu đều bị loại",
      title_en="All bids except the winning bid disqualified",
      legal_basis="Cardinal R035",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    min_other = least_count(cfg["min_other_bids"])
    disq = B.as_list(cfg["disqualified_statuses"])
    ignored = B.as_list(cfg["ignored_statuses"])
    w = B.winning_bids(ctx, cfg["winning_bid_statuses"])
    if w.empty:
        return
    b = B.bids(ctx)
    others = b[~b["is_win"] & b["tender_id"].isin(w.index) & ~b["status"].isin(ignored)]
    if others.empty:
        return
    per = others.assign(d=others["status"].isin(disq)).groupby("tender_id")["d"].agg(["size", "sum"])
    per = per[per["size"].ge(min_other) & per["size"].eq(per["sum"])]
    if per.empty:
        return
    hit = w.loc[per.index]
    vendors = B.vendors_by_tender(others[others["tender_id"].isin(per.index)])
    for row in hit.itertuples(index=False):
        n = int(per.at[row.tender_id, "size"])
        vs = vendors.get(row.tender_id, [])
        score = 55 + 40 * (1 - math.exp(-(n - 1) / 2))
        severity = "high" if n >= 2 else "medium"
        st_vi = ", ".join(B.status_vi(s) for s in disq)
        st_en = ", ".join(disq)
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: ngoài hồ sơ trúng thầu của {B.vlabel(ctx, row.winner)}, "
                       f"giá {B.fmt_money(row.price_vnd, 'vi')}, trạng thái {B.status_vi(row.status)}, "
                       f"cả {n} hồ sơ còn lại (≥ {min_other}) đều ở trạng thái {st_vi}: "
                       f"{', '.join(vs)}."),
            detail_en=(f"Tender {row.tender_id}: besides the winning bid of {B.vlabel(ctx, row.winner)}, "
                       f"{B.fmt_money(row.price_vnd, 'en')}, status {row.status}, all {n} other bid(s) "
                       f"(≥ {min_other}) have status {st_en}: {', '.join(vs)}."),
            evidence=B.tender_evidence(row, [row.vendor_id] + vs),
            parties=B.tender_parties(row, vs), **B.where(row))

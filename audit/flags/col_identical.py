"""COL-IDENTICAL — two vendors bid exactly the same price in one tender
(docs/flags/COL-IDENTICAL.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from . import _bids as B


@flag("COL-IDENTICAL", subject_type="tender",
      title_vi="Các nhà thầu chào giá giống hệt nhau",
      title_en="Identical bid prices",
      legal_basis="Cardinal R028",
      needs=("tenders", "bids"))
def compute(ctx, cfg):
    statuses = B.as_list(cfg["statuses"])
    b = B.bids(ctx)
    b = b[b["status"].isin(statuses) & b["price_vnd"].notna()
          & ~b["method"].isin(B.as_list(cfg["excluded_methods"]))]
    if b.empty:
        return
    size = b.groupby(["tender_id", "price_vnd"])["vendor_id"].transform("nunique")
    same = b[size.ge(2).to_numpy()]
    if same.empty:
        return
    same = same.sort_values(["tender_id", "price_vnd", "vendor_id"])
    by_tender: dict[str, list] = {}
    for r in same.itertuples(index=False):
        by_tender.setdefault(r.tender_id, []).append(r)
    for tender_id, rows in by_tender.items():
        first = rows[0]
        prices: dict[float, list] = {}
        for r in rows:
            prices.setdefault(r.price_vnd, []).append(r)
        parts_vi, parts_en, vendors = [], [], []
        largest = max(len(g) for g in prices.values())
        winner_in = any(r.is_win for r in rows)
        for price, grp in prices.items():
            vendors += [r.vendor_id for r in grp]
            parts_vi.append(f"{B.fmt_money(price, 'vi')}: " + ", ".join(
                f"{r.vendor_id} ({B.status_vi(r.status)})" for r in grp))
            parts_en.append(f"{B.fmt_money(price, 'en')}: " + ", ".join(
                f"{r.vendor_id} ({r.status})" for r in grp))
        score = min(95.0, 60 + 15 * (largest - 2) + (15 if winner_in else 0))
        severity = "high" if winner_in or largest >= 3 else "medium"
        win_vi = "; hồ sơ trúng thầu là một trong số đó" if winner_in else ""
        win_en = "; the winning bid is one of them" if winner_in else ""
        yield Hit(
            subject_id=tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {tender_id}: hồ sơ của các nhà thầu khác nhau có giá dự thầu "
                       f"bằng nhau (≥ 2 nhà thầu cùng một giá) — " + "; ".join(parts_vi)
                       + win_vi + "."),
            detail_en=(f"Tender {tender_id}: bids of different vendors have the same price "
                       f"(≥ 2 vendors at one price) — " + "; ".join(parts_en) + win_en + "."),
            evidence=B.tender_evidence(first, vendors),
            parties=B.tender_parties(first, vendors), **B.where(first))

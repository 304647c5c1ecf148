"""PRC-NOSAVE — the winning bid's price is at or near the tender's value although there was
competition (docs/flags/PRC-NOSAVE.md)."""
from __future__ import annotations

import math

from ..registry import Hit, flag
from . import _bids as B
from ._common import least_count, ratio_cmp


@flag("PRC-NOSAVE", subject_type="tender",
      title_vi="Giá trúng thầu sát giá gói thầu dù có cạnh tranh",
      title_en="Winning bid at or near the estimated value despite competition",
      legal_basis="Low savings rate screens",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    counted = B.as_list(cfg["counted_statuses"])
    min_bids = least_count(cfg["min_valid_bids"])
    x = cfg["min_ratio"]
    b = B.bids(ctx)
    w = B.winning_bids(ctx)
    if w.empty:
        return
    # The price test first (numbers only); then only the bids of the tenders left are counted.
    w = w[w["value"].gt(0) & w["price_vnd"].notna()]
    w = w[ratio_cmp(w["price_vnd"], w["value"], x, ">=").to_numpy()]
    if w.empty:
        return
    cb = b[b["tender_id"].isin(w["tender_id"]).to_numpy()]
    cb = cb[cb["status"].isin(counted).to_numpy()]  # their counted bids
    w = w.assign(n_counted=w["tender_id"].map(cb["tender_id"].value_counts()).fillna(0).astype(int))
    w = w[w["n_counted"].ge(min_bids)]
    if w.empty:
        return
    evid = B.vendors_by_tender(cb[cb["tender_id"].isin(w["tender_id"])])
    xf = float(x)
    st_vi = "/".join(B.status_vi(s) for s in counted) or "—"
    st_en = "/".join(counted) or "—"
    for row in w.itertuples(index=False):
        ratio = row.price_vnd / row.value
        span = (1.0 - xf) if xf < 1.0 else 0.01
        k = max(0.0, (ratio - xf) / span)
        score = 50 + 45 * (1 - math.exp(-k))
        severity = "high" if ratio >= 1.0 else ("medium" if k >= 0.5 else "low")
        saving = 1.0 - ratio
        if saving >= 0:
            save_vi = f"tỷ lệ tiết kiệm chỉ {B.fmt_pct2(saving, 'vi')}"
            save_en = f"a savings rate of only {B.fmt_pct2(saving, 'en')}"
        else:
            save_vi = f"vượt giá gói thầu {B.fmt_pct2(-saving, 'vi')}"
            save_en = f"{B.fmt_pct2(-saving, 'en')} above the estimated value"
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: giá trúng thầu của {B.vlabel(ctx, row.winner)} là "
                       f"{B.fmt_money(row.price_vnd, 'vi')} = {B.fmt_pct2(ratio, 'vi')} giá gói thầu "
                       f"{B.fmt_money(row.value, 'vi')} (≥ ngưỡng {B.fmt_pct2(xf, 'vi')}), {save_vi}, "
                       f"dù có {row.n_counted} hồ sơ {st_vi} (≥ {min_bids})."),
            detail_en=(f"Tender {row.tender_id}: the winning bid of {B.vlabel(ctx, row.winner)} is "
                       f"{B.fmt_money(row.price_vnd, 'en')} = {B.fmt_pct2(ratio, 'en')} of the "
                       f"estimated value {B.fmt_money(row.value, 'en')} (≥ threshold "
                       f"{B.fmt_pct2(xf, 'en')}), {save_en}, although there were "
                       f"{row.n_counted} {st_en} bids (≥ {min_bids})."),
            evidence=B.tender_evidence(row, evid.get(row.tender_id, []) + [row.vendor_id]),
            parties=B.tender_parties(row), **B.where(row))

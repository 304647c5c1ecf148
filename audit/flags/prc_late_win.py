"""PRC-LATE-WIN — the winning bid was late (docs/flags/PRC-LATE-WIN.md)."""
from __future__ import annotations

import math

import pandas as pd

from ..registry import Hit, flag
from . import _bids as B


@flag("PRC-LATE-WIN", subject_type="tender",
      title_vi="Hồ sơ nộp muộn trúng thầu",
      title_en="Late bid won",
      legal_basis="Cardinal R030",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    late_statuses = B.as_list(cfg["late_statuses"])
    compare = bool(cfg["compare_submitted"])
    w = B.winning_bids(ctx, cfg["winning_bid_statuses"])
    if w.empty:
        return
    w = w.copy()
    w["by_status"] = w["status"].isin(late_statuses)
    w["after"] = False
    w["late_days"] = float("nan")
    w["as_instants"] = False
    if compare:
        both_time = w["submitted_on_has_time"].fillna(False).astype(bool) & \
            w["bid_deadline_has_time"].fillna(False).astype(bool)
        sub_i, dl_i = B.instants(w["submitted_on"]), B.instants(w["bid_deadline"])
        inst_ok = both_time & sub_i.notna() & dl_i.notna()
        days_ok = ~inst_ok & w["submitted_on_day"].notna() & w["bid_deadline_day"].notna()
        by_inst = inst_ok & (sub_i > dl_i)
        by_day = days_ok & (w["submitted_on_day"] > w["bid_deadline_day"])
        w["after"] = (by_inst | by_day).fillna(False).astype(bool)
        delta_i = (sub_i - dl_i) / pd.Timedelta(days=1)
        delta_d = (w["submitted_on_day"] - w["bid_deadline_day"]) / pd.Timedelta(days=1)
        w["late_days"] = delta_i.where(inst_ok, delta_d)
        w["as_instants"] = inst_ok
    w = w[w["by_status"] | w["after"]]
    for row in w.itertuples(index=False):
        signs_vi, signs_en = [], []
        if row.by_status:
            signs_vi.append(f"có trạng thái «{B.status_vi(row.status)}» ({row.status})")
            signs_en.append(f"has status {row.status}")
        if row.after:
            d = row.late_days
            amount_vi, amount_en = B.fmt_duration(d, "vi"), B.fmt_duration(d, "en")
            if row.as_instants:
                how_vi, how_en = "so sánh theo thời điểm", "compared as instants"
            else:
                how_vi, how_en = "so sánh theo ngày", "compared as calendar days"
            signs_vi.append(f"nộp lúc {row.submitted_on} > hạn đóng thầu {row.bid_deadline} "
                            f"(muộn {amount_vi}, {how_vi})")
            signs_en.append(f"was submitted at {row.submitted_on} > the bid deadline "
                            f"{row.bid_deadline} ({amount_en} late, {how_en})")
        both = bool(row.by_status and row.after)
        late_days = row.late_days if row.after and row.late_days == row.late_days else 0.0
        score = (70 if both else 55) + 25 * (1 - math.exp(-late_days / 7))
        severity = "high" if both or late_days >= 1 else "medium"
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: hồ sơ trúng thầu của {B.vlabel(ctx, row.winner)}, giá "
                       f"{B.fmt_money(row.price_vnd, 'vi')}, " + " và ".join(signs_vi) + "."),
            detail_en=(f"Tender {row.tender_id}: the winning bid of {B.vlabel(ctx, row.winner)}, "
                       f"{B.fmt_money(row.price_vnd, 'en')}, " + " and ".join(signs_en) + "."),
            evidence=B.tender_evidence(row, [row.vendor_id]),
            parties=B.tender_parties(row), **B.where(row))

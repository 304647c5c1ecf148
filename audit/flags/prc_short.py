"""PRC-SHORT — a bid preparation period shorter than the legal minimum
(docs/flags/PRC-SHORT.md)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from ._common import int_en, int_vi, least_count, ref
from ._procurement_rules import METHOD_VI, day_en, day_vi, vnd_en, vnd_vi

BIDDING = ("open_bidding", "limited_bidding")
SHOPPING = "competitive_shopping"
# Severity: `high` when the period is at most half the minimum, else `medium`.
HIGH_SHORTFALL = 0.5


@flag("PRC-SHORT", subject_type="tender",
      title_vi="Thời gian chuẩn bị hồ sơ dự thầu ngắn hơn mức tối thiểu",
      title_en="Bid preparation period shorter than the legal minimum",
      legal_basis="Law on Bidding 22/2023 Art 45; Decree 214/2025 Art 28.2, 81.2.b; Cardinal R003",
      needs=("tenders",))
def compute(ctx, cfg):
    t = ctx.tenders
    t = t.loc[t["method"].isin(BIDDING + (SHOPPING,)) & t["published_on_day"].notna()
              & t["bid_deadline_day"].notna(),
              ["tender_id", "method", "category", "value", "published_on_day", "bid_deadline_day",
               "procuring_entity_id", "winner", "province_code", "school_year"]]
    if t.empty:
        return
    pub = t["published_on_day"].to_numpy(dtype="datetime64[D]")
    dl = t["bid_deadline_day"].to_numpy(dtype="datetime64[D]")
    bidding = t["method"].isin(BIDDING).to_numpy()
    # Calendar days for open/limited bidding.
    cal = (dl - pub).astype("int64")
    large = (t["category"].eq("training") | (t["value"] > cfg["large_value"])).to_numpy()
    cal_min = np.where(large, least_count(cfg["min_days_large"]), least_count(cfg["min_days"]))
    # Working days (Mon–Fri) after published_on up to and including bid_deadline; negative when
    # the deadline is before the publication day.
    work = np.busday_count(pub + 1, dl + 1)
    change = np.datetime64(dt.date.fromisoformat(cfg["shopping_change_date"]), "D")
    work_min = np.where(pub < change, least_count(cfg["shopping_min_working_days"]),
                        least_count(cfg["shopping_min_working_days_new"]))
    days = np.where(bidding, cal, work)
    minimum = np.where(bidding, cal_min, work_min)
    short = days < minimum
    t = t[short].assign(days=days[short], minimum=minimum[short], large=large[short])
    large_vi, large_en = vnd_vi(cfg["large_value"]), vnd_en(cfg["large_value"])
    change_ts = pd.Timestamp(cfg["shopping_change_date"])
    change_vi = day_vi(dt.date.fromisoformat(cfg["shopping_change_date"]))
    for row in t.itertuples(index=False):
        shortfall = (row.minimum - row.days) / row.minimum
        severity = "high" if shortfall >= HIGH_SHORTFALL else "medium"
        score = 50 + 45 * min(1.0, shortfall)
        value_vi = vnd_vi(row.value) if row.value else "không ghi (tính là 0)"
        value_en = vnd_en(row.value) if row.value else "not given (counted as 0)"
        if row.method in BIDDING:
            if row.large:
                why_vi = ("gói đào tạo" if row.category == "training" else
                          f"giá gói thầu {value_vi} > {large_vi}")
                why_en = ("a training package" if row.category == "training" else
                          f"value {value_en} > {large_en}")
            else:
                why_vi = f"không phải gói đào tạo và giá gói thầu {value_vi} ≤ {large_vi}"
                why_en = f"not training and value {value_en} ≤ {large_en}"
            unit_vi, unit_en = "ngày", "calendar days"
        else:
            before = row.published_on_day < change_ts
            why_vi = f"đăng tải {'trước' if before else 'từ'} ngày {change_vi}"
            why_en = f"published {'before' if before else 'on or after'} {cfg['shopping_change_date']}"
            unit_vi, unit_en = "ngày làm việc (thứ Hai–thứ Sáu, sau ngày đăng tải đến hết hạn nộp)", \
                "working days (Mon–Fri after the publication day up to and including the deadline)"
        note_vi = " (hạn nộp trước ngày đăng tải: dữ liệu bất thường)" if row.days < 0 else ""
        note_en = " (deadline before the publication day: suspect data)" if row.days < 0 else ""
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} ({METHOD_VI.get(row.method, row.method)}) đăng "
                       f"tải {day_vi(row.published_on_day)}, hạn nộp hồ sơ "
                       f"{day_vi(row.bid_deadline_day)}: {int_vi(row.days)} {unit_vi} < tối thiểu "
                       f"{int_vi(row.minimum)} ({why_vi}){note_vi}."),
            detail_en=(f"Tender {row.tender_id} ({row.method}) was published on "
                       f"{day_en(row.published_on_day)} with a bid deadline of "
                       f"{day_en(row.bid_deadline_day)}: {int_en(row.days)} {unit_en} < the minimum "
                       f"of {int_en(row.minimum)} ({why_en}){note_en}."),
            evidence=[ref("tenders", row.tender_id)],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [row.winner] if isinstance(row.winner, str) else []})

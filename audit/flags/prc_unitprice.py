"""PRC-UNITPRICE — a contract line's unit price at least twice the median of comparable lines
(docs/flags/PRC-UNITPRICE.md)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from ..context import school_years_of
from ._common import excess_score, least_count, ratio_cmp, ref
from . import _bids as B

UNIT_VI = {"school": "trường", "student": "học sinh", "certificate": "chứng thư",
           "device": "thiết bị", "month": "tháng", "package": "gói", "other": "khác"}


def lines_with_year(ctx) -> pd.DataFrame:
    """Contract lines with ``line_no`` filled (its position among the contract's rows when
    empty), the contract's vendor, tender, buyer and ``school_year`` (the tender's, otherwise
    the one containing ``signed_on``), and ``province_code``."""
    cl = ctx["contract_lines"]
    lines = cl[["contract_id", "line_no", "school_id", "service", "unit", "unit_price_vnd"]].copy()
    lines["row"] = range(len(lines))
    if lines["line_no"].isna().any():
        pos = lines.groupby("contract_id", sort=False).cumcount() + 1
        lines["line_no"] = lines["line_no"].fillna(pos.astype("float64"))
    c = ctx["contracts"][["contract_id", "tender_id", "vendor_id", "procuring_entity_id",
                          "signed_on"]].drop_duplicates("contract_id").copy()
    t = ctx.tenders.set_index("tender_id")
    tender_year = c["tender_id"].map(t["school_year"])
    c["school_year"] = tender_year.where(tender_year.notna(),
                                         school_years_of(c["signed_on"]))
    buyer = c["tender_id"].map(t["procuring_entity_id"])
    c["buyer"] = buyer.where(buyer.notna(), c["procuring_entity_id"])
    c["buyer_province"] = c["buyer"].map(ctx.authority_province)
    lines = lines.merge(c.drop(columns=["signed_on", "procuring_entity_id"]), on="contract_id",
                        how="left")
    school_pc = lines["school_id"].map(ctx.school_province)
    lines["province_code"] = school_pc.where(school_pc.notna(), lines["buyer_province"])
    return lines


@flag("PRC-UNITPRICE", subject_type="contract_line",
      title_vi="Đơn giá cao bất thường so với các dòng hợp đồng cùng loại",
      title_en="Unusually high unit price compared with like contract lines",
      legal_basis="OCP red flag: unusually high unit price",
      needs=("contracts", "contract_lines"))
def compute(ctx, cfg):
    x = cfg["min_ratio"]
    min_other = least_count(cfg["min_other_lines"])
    lines = lines_with_year(ctx)
    keys = ["service", "unit", "school_year"]
    lines = lines.dropna(subset=keys + ["unit_price_vnd"])
    if lines.empty:
        return
    # One integer per (service, unit, school_year), from the codes of each column (grouping
    # on the three text columns takes half as long again on 10^6 lines).
    gid = np.zeros(len(lines), dtype="int64")
    for k in keys:
        code, uniq = pd.factorize(lines[k].to_numpy(dtype=object))
        gid = pd.factorize(gid * len(uniq) + code)[0]
    grp = lines["unit_price_vnd"].groupby(gid)
    lines = lines.assign(n=grp.transform("size"), median=grp.transform("median"))
    lines = lines[lines["n"].sub(1).ge(min_other)]
    if lines.empty:
        return
    # price >= x × median  ⇔  2 × price >= x × (2 × median); 2 × median is a whole number.
    hit = lines[ratio_cmp(2 * lines["unit_price_vnd"], 2 * lines["median"], x, ">=").to_numpy()]
    # A free line is never "unusually high": when the median is 0 the rule read literally
    # (0 >= 2 x 0) would raise every free line of the group; those are left out, and nothing
    # else changes (docs/flags/PRC-UNITPRICE.md, Choices).
    hit = hit[~(hit["median"].eq(0) & hit["unit_price_vnd"].eq(0))]
    xf = float(x)
    items = ctx["contract_lines"]["item"]
    for row in hit.itertuples(index=False):
        line_no = int(row.line_no)
        ratio = row.unit_price_vnd / row.median if row.median > 0 else math.inf
        if ratio == math.inf:
            score, severity = 95.0, "high"
            times_vi, times_en = "trung vị bằng 0", "the median is 0"
        else:
            score = excess_score(ratio, xf)
            severity = "high" if ratio >= 2 * xf else ("medium" if ratio >= 1.5 * xf else "low")
            times_vi = f"gấp {B.fmt_num(ratio, 'vi')} lần trung vị"
            times_en = f"{B.fmt_num(ratio, 'en')} times the median"
        unit_vi = UNIT_VI.get(row.unit, row.unit)
        item_text = items.iat[row.row]
        item = f" «{item_text}»" if isinstance(item_text, str) and item_text.strip() else ""
        bar = xf * row.median
        ev = [ref("contract_lines", row.contract_id, line_no), ref("contracts", row.contract_id)]
        if isinstance(row.tender_id, str):
            ev.append(ref("tenders", row.tender_id))
        parties = {"vendor": [row.vendor_id] if isinstance(row.vendor_id, str) else []}
        if isinstance(row.buyer, str):
            parties["procuring_entity"] = [row.buyer]
        if isinstance(row.school_id, str):
            parties["school"] = [row.school_id]
        yield Hit(
            subject_id=f"{row.contract_id}#{line_no}", severity=severity, score=score,
            detail_vi=(f"Dòng {line_no}{item} của hợp đồng {row.contract_id} ({row.service}, "
                       f"đơn vị {unit_vi}, năm học {row.school_year}): đơn giá "
                       f"{B.fmt_money(row.unit_price_vnd, 'vi')} ≥ ngưỡng {B.fmt_num(xf, 'vi')} × "
                       f"trung vị {B.fmt_money(row.median, 'vi')} = {B.fmt_money(bar, 'vi')} "
                       f"({times_vi}); trung vị của {row.n} dòng cùng dịch vụ, đơn vị và năm học "
                       f"trong toàn bộ dữ liệu, kể cả dòng này ({row.n - 1} dòng khác ≥ {min_other})."),
            detail_en=(f"Line {line_no}{item} of contract {row.contract_id} ({row.service}, unit "
                       f"{row.unit}, school year {row.school_year}): unit price "
                       f"{B.fmt_money(row.unit_price_vnd, 'en')} ≥ the threshold {B.fmt_num(xf, 'en')} × "
                       f"the median {B.fmt_money(row.median, 'en')} = {B.fmt_money(bar, 'en')} "
                       f"({times_en}); the median of {row.n} lines with the same service, unit and "
                       f"school year in the whole input, this one included ({row.n - 1} others ≥ "
                       f"{min_other})."),
            evidence=ev, parties=parties, province_code=row.province_code,
            school_year=row.school_year)

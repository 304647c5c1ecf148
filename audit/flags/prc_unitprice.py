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


def contracts_with_year(ctx) -> pd.DataFrame:
    """One row per contract_id (its first) with its tender, vendor, ``buyer`` (the tender's
    procuring entity, otherwise the contract's) and ``school_year`` (the tender's, otherwise
    the one containing ``signed_on``), numbered 0…n−1."""
    c = ctx["contracts"][["contract_id", "tender_id", "vendor_id", "procuring_entity_id",
                          "signed_on"]].drop_duplicates("contract_id")
    # The contract's tender (NaN when none).
    t = (ctx.tenders[["tender_id", "school_year", "procuring_entity_id"]].set_index("tender_id")
         .reindex(c["tender_id"]).set_axis(c.index))
    tender_year = t["school_year"]
    no_year = tender_year.isna()
    year = tender_year.where(~no_year, school_years_of(c.loc[no_year, "signed_on"]))
    buyer = t["procuring_entity_id"]
    buyer = buyer.where(buyer.notna(), c["procuring_entity_id"])
    return pd.DataFrame({"contract_id": c["contract_id"], "tender_id": c["tender_id"],
                         "vendor_id": c["vendor_id"], "buyer": buyer,
                         "school_year": year}).reset_index(drop=True)


@flag("PRC-UNITPRICE", subject_type="contract_line",
      title_vi="Đơn giá cao bất thường so với các dòng hợp đồng cùng loại",
      title_en="Unusually high unit price compared with like contract lines",
      legal_basis="OCP red flag: unusually high unit price",
      needs=("contracts", "contract_lines"))
def compute(ctx, cfg):
    x = cfg["min_ratio"]
    min_other = least_count(cfg["min_other_lines"])
    cl = ctx["contract_lines"]
    c = contracts_with_year(ctx)
    if c.empty:  # no contract: no line has a school year
        return
    # Each line's contract, as its row in c (-1 when unknown: such a line has no school
    # year); a merge matches the 10^6 line keys faster than an index lookup.
    at = cl[["contract_id"]].merge(c[["contract_id"]].reset_index(names="at"),
                                   on="contract_id", how="left")["at"]
    at = at.fillna(-1).to_numpy(dtype="int64")
    # One integer per (service, unit, school_year), from the codes of each column (grouping
    # on the three text columns takes half as long again on 10^6 lines); a school year is
    # coded once per contract.  A missing value has code -1: such lines are left out.
    year_code, _ = pd.factorize(c["school_year"].to_numpy(dtype=object))
    codes = [pd.factorize(cl[k].to_numpy(dtype=object))[0] for k in ("service", "unit")]
    codes.append(np.where(at >= 0, year_code[at], -1))
    price = cl["unit_price_vnd"].to_numpy(dtype="float64")
    rows = np.flatnonzero(np.logical_and.reduce([k >= 0 for k in codes]) & ~np.isnan(price))
    if not len(rows):
        return
    gid = np.zeros(len(rows), dtype="int64")
    for code in codes:
        code = code[rows]
        gid = pd.factorize(gid * (code.max() + 1) + code)[0]
    grp = pd.Series(price[rows]).groupby(gid)
    lines = pd.DataFrame({"row": rows, "unit_price_vnd": price[rows],
                          "n": grp.transform("size"), "median": grp.transform("median")})
    lines = lines[lines["n"].sub(1).ge(min_other)]
    if lines.empty:
        return
    # price >= x × median  ⇔  2 × price >= x × (2 × median); 2 × median is a whole number.
    hit = lines[ratio_cmp(2 * lines["unit_price_vnd"], 2 * lines["median"], x, ">=").to_numpy()]
    # A free line is never "unusually high": when the median is 0 the rule read literally
    # (0 >= 2 x 0) would raise every free line of the group; those are left out, and nothing
    # else changes (docs/flags/PRC-UNITPRICE.md, Choices).
    hit = hit[~(hit["median"].eq(0) & hit["unit_price_vnd"].eq(0))]
    if hit.empty:
        return
    # The texts of the raised lines only: line_no (its position among the contract's rows
    # when empty), the contract's tender, vendor, buyer and school year, and province_code
    # (the school's, otherwise the buyer's).
    r = hit["row"].to_numpy()
    line_nos = cl["line_no"]
    if line_nos.isna().any():
        pos = cl.groupby("contract_id", sort=False).cumcount() + 1
        line_nos = line_nos.fillna(pos.astype("float64"))
    con = c.iloc[at[r]].reset_index(drop=True)
    hit = pd.concat([hit.reset_index(drop=True), con,
                     cl[["school_id", "service", "unit", "item"]].iloc[r].reset_index(drop=True)],
                    axis=1)
    hit["line_no"] = line_nos.to_numpy()[r]
    school_pc = hit["school_id"].map(ctx.school_province)
    hit["province_code"] = school_pc.where(school_pc.notna(),
                                           hit["buyer"].map(ctx.authority_province))
    xf = float(x)
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
        item = f" «{row.item}»" if isinstance(row.item, str) and row.item.strip() else ""
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

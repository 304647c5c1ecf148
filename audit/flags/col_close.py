"""COL-CLOSE — bid prices suspiciously close: to the winning bid, or the two lowest of a tender
with several bids (docs/flags/COL-CLOSE.md)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from . import _bids as B
from ._common import least_count, ratio_cmp


def tender_codes(ctx) -> np.ndarray:
    """The integer code of each bid's tender (``pd.factorize`` of ``B.bids``' tender_id, -1:
    none): both tests group the bids by tender on these, one factorisation of the text column
    (a lookup of the texts in an index cost twice as much)."""
    return pd.factorize(B.bids(ctx)["tender_id"].to_numpy(dtype=object))[0]


def close_to_winner(ctx, cfg, t_code: np.ndarray) -> pd.DataFrame:
    """First test: bids of other vendors within ``max_gap`` × the winning bid's price of it;
    one row per such bid (``tender_id``, ``vendor_id``, ``price_vnd``, ``status``) with
    ``win_price``, ``gap`` (absolute) and ``rel`` (gap ÷ win price)."""
    b = B.bids(ctx)
    is_win = b["is_win"].to_numpy()
    price = b["price_vnd"].to_numpy(dtype="float64")
    # The price of each tender's winning bid (B.winning_bids: the winner's bid, with one of
    # the winning statuses when some are given), by tender code; NaN: none, or not priced.
    # One entry more than the tenders: the bids without a tender (code -1) read that NaN.
    win = is_win & (t_code >= 0)
    wanted = B.as_list(cfg["winner_test_winning_statuses"])
    if wanted:
        win &= b["status"].isin(wanted).to_numpy()
    by_tender = np.full(t_code.max(initial=-1) + 2, np.nan)
    by_tender[t_code[win]] = price[win]
    win_price = by_tender[t_code]
    # The priced bids of other vendors (``is_win`` is "vendor_id = winner") with a compared
    # status, in a tender with a priced winning bid; only the columns the texts use (a copy of
    # every column of every bid cost more than the test itself).
    keep = (~is_win & b["status"].isin(B.as_list(cfg["winner_test_statuses"])).to_numpy()
            & ~np.isnan(price) & ~np.isnan(win_price))
    o = b.loc[keep, ["tender_id", "vendor_id", "price_vnd", "status"]]
    o["win_price"] = win_price[keep]
    if o.empty:
        return o.assign(gap=[], rel=[])
    if cfg["winner_must_be_lowest"]:  # price-only award: no compared bid below the winning bid
        below = o.loc[o["price_vnd"].lt(o["win_price"]), "tender_id"].unique()
        o = o[~o["tender_id"].isin(below)]
    o["gap"] = (o["price_vnd"] - o["win_price"]).abs()
    o = o[ratio_cmp(o["gap"], o["win_price"], cfg["max_gap"], "<=").to_numpy()]
    o["rel"] = (o["gap"] / o["win_price"]).where(o["win_price"].gt(0), 0.0)
    return o


def two_lowest(ctx, cfg, t_code: np.ndarray) -> pd.DataFrame:
    """Second test: tenders with ≥ ``min_bids_for_gap`` bids whose second-lowest price − lowest
    price ≤ ``max_gap`` × the lowest; indexed by tender_id, with both bids and ``rel``."""
    b = B.bids(ctx)
    statuses = B.as_list(cfg["gap_test_statuses"])
    keep = (b["status"].isin(statuses).to_numpy() & b["price_vnd"].notna().to_numpy()
            & (t_code >= 0))
    r = b.loc[keep, ["tender_id", "vendor_id", "price_vnd"]]
    t_code = t_code[keep]
    min_bids = least_count(cfg["min_bids_for_gap"])
    # Only the bids of the tenders with enough of them go on.
    size = np.bincount(t_code, minlength=1) if len(t_code) else np.zeros(0, dtype="int64")
    enough = size[t_code] >= min_bids
    r, t_code = r[enough], t_code[enough]
    if r.empty:
        return pd.DataFrame(columns=["tender_id", "n", "low_v", "low_p", "sec_v", "sec_p", "rel"])
    # The two lowest (price, then vendor_id) of each tender, by one sort on integer codes (the
    # vendor codes follow the ids' order; a missing vendor_id sorts last, as in sort_values):
    # sorting on the text columns took three times as long.
    v_code, v_names = pd.factorize(r["vendor_id"].to_numpy(dtype=object), sort=True)
    v_code = np.where(v_code < 0, len(v_names), v_code)
    order = np.lexsort((v_code, r["price_vnd"].to_numpy(dtype="float64"), t_code))
    ts = t_code[order]
    start = np.ones(len(ts), dtype=bool)
    start[1:] = ts[1:] != ts[:-1]
    first = np.flatnonzero(start)
    has_sec = first + 1 < len(ts)
    has_sec[has_sec] = ts[first[has_sec] + 1] == ts[first[has_sec]]
    low = r.iloc[order[first]].set_index("tender_id")
    sec = r.iloc[order[first[has_sec] + 1]].set_index("tender_id")
    out = pd.DataFrame({"tender_id": low.index, "low_v": low["vendor_id"], "low_p": low["price_vnd"]})
    out["sec_v"] = sec["vendor_id"]
    out["sec_p"] = sec["price_vnd"]
    out["n"] = pd.Series(size[ts[first]].astype("int64"), index=low.index)
    out = out[ratio_cmp(out["sec_p"] - out["low_p"], out["low_p"], cfg["max_gap"], "<=").to_numpy()]
    out["rel"] = ((out["sec_p"] - out["low_p"]) / out["low_p"]).where(out["low_p"].gt(0), 0.0)
    return out


@flag("COL-CLOSE", subject_type="tender",
      title_vi="Giá dự thầu sát nhau bất thường",
      title_en="Suspiciously close bid prices",
      legal_basis="Cardinal R024; collusion screens",
      needs=("tenders", "bids"))
def compute(ctx, cfg):
    max_gap = float(cfg["max_gap"])
    t_code = tender_codes(ctx) if cfg["winner_test"] or cfg["gap_test"] else None
    first = close_to_winner(ctx, cfg, t_code) if cfg["winner_test"] else None
    second = two_lowest(ctx, cfg, t_code) if cfg["gap_test"] else None
    t1: dict[str, list] = {}
    if first is not None and not first.empty:
        for r in first.sort_values(["tender_id", "rel", "vendor_id"]).itertuples(index=False):
            t1.setdefault(r.tender_id, []).append(r)
    t2 = {} if second is None or second.empty else {
        r.tender_id: r for r in second.itertuples(index=False)}
    if not t1 and not t2:
        return
    ids = set(t1) | set(t2)
    t = ctx.tenders
    t = t.loc[t["tender_id"].isin(ids), ["tender_id", "winner", "procuring_entity_id",
                                         "province_code", "school_year"]]
    info = {r.tender_id: r for r in t.itertuples(index=False)}
    win_contract = ctx.winner_contracts
    n_gap = least_count(cfg["min_bids_for_gap"])
    for tender_id in sorted(ids):
        trow = info[tender_id]
        parts_vi, parts_en, ev_vendors, rels = [], [], [], []
        winner = trow.winner if isinstance(trow.winner, str) else None
        if tender_id in t1:
            g = t1[tender_id]
            wp = g[0].win_price
            rels.append(min(r.rel for r in g))
            ev_vendors += [winner] + [r.vendor_id for r in g]
            near_vi = ", ".join(f"{r.vendor_id} ({B.fmt_money(r.price_vnd, 'vi')}, "
                                f"{B.status_vi(r.status)}, lệch {B.fmt_pct2(r.rel, 'vi')})" for r in g)
            near_en = ", ".join(f"{r.vendor_id} ({B.fmt_money(r.price_vnd, 'en')}, {r.status}, "
                                f"{B.fmt_pct2(r.rel, 'en')} apart)" for r in g)
            parts_vi.append(f"giá trúng thầu của {B.vlabel(ctx, winner)} là {B.fmt_money(wp, 'vi')}; "
                            f"hồ sơ của nhà thầu khác lệch ≤ {B.fmt_pct2(max_gap, 'vi')} giá trúng "
                            f"thầu: {near_vi}")
            parts_en.append(f"the winning bid of {B.vlabel(ctx, winner)} is {B.fmt_money(wp, 'en')}; "
                            f"bids of other vendors within ≤ {B.fmt_pct2(max_gap, 'en')} of it: {near_en}")
        if tender_id in t2:
            r = t2[tender_id]
            rels.append(float(r.rel))
            ev_vendors += [r.low_v, r.sec_v]
            diff = r.sec_p - r.low_p
            parts_vi.append(f"trong {int(r.n)} hồ sơ (≥ {n_gap}), giá thấp thứ hai "
                            f"{B.fmt_money(r.sec_p, 'vi')} ({r.sec_v}) − giá thấp nhất "
                            f"{B.fmt_money(r.low_p, 'vi')} ({r.low_v}) = {B.fmt_money(diff, 'vi')} = "
                            f"{B.fmt_pct2(r.rel, 'vi')} giá thấp nhất (≤ ngưỡng {B.fmt_pct2(max_gap, 'vi')})")
            parts_en.append(f"among {int(r.n)} bids (≥ {n_gap}), the second-lowest price "
                            f"{B.fmt_money(r.sec_p, 'en')} ({r.sec_v}) − the lowest "
                            f"{B.fmt_money(r.low_p, 'en')} ({r.low_v}) = {B.fmt_money(diff, 'en')} = "
                            f"{B.fmt_pct2(r.rel, 'en')} of the lowest (≤ threshold {B.fmt_pct2(max_gap, 'en')})")
        closeness = 1 - min(rels) / max_gap if max_gap > 0 else 1.0
        both = len(parts_vi) == 2
        score = 50 + 35 * max(0.0, closeness) + (10 if both else 0)
        severity = "high" if score >= 75 else ("medium" if score >= 55 else "low")
        row = _Row(tender_id, winner, win_contract.get(tender_id), trow.procuring_entity_id,
                   trow.province_code, trow.school_year)
        vendors = [v for v in dict.fromkeys(ev_vendors) if isinstance(v, str)]
        yield Hit(
            subject_id=tender_id, severity=severity, score=score,
            detail_vi=f"Gói thầu {tender_id}: " + "; và ".join(parts_vi) + ".",
            detail_en=f"Tender {tender_id}: " + "; and ".join(parts_en) + ".",
            evidence=B.tender_evidence(row, vendors),
            parties=B.tender_parties(row, vendors), **B.where(row))


class _Row:
    def __init__(self, tender_id, winner, win_contract, procuring_entity_id, province_code,
                 school_year):
        self.tender_id, self.winner, self.win_contract = tender_id, winner, win_contract
        self.procuring_entity_id = procuring_entity_id
        self.province_code, self.school_year = province_code, school_year

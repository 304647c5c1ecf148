"""PRC-SPLIT — several small non-competitive awards by one procuring entity to one winner, in
one category and within a short window, that together exceed the direct-award limit
(docs/flags/PRC-SPLIT.md)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import COMPETITIVE
from ..registry import Hit, flag
from ._common import least_count, ref, whole_days
from ._deployment import service_en
from ._procurement_rules import (CATEGORY_VI, contracts_by_tender, day_en, day_vi, one_or_none,
                                 ratio_vi, rise_score, vnd_en, vnd_vi)

# Severity: `high` when the best window's sum is more than HIGH_RATIO × the highest limit in
# force among its pieces, else `medium`.
HIGH_RATIO = 2.0
KEY = ["procuring_entity_id", "category", "winner"]


def pieces_of(ctx) -> pd.DataFrame:
    """Awarded tenders with a non-competitive method, a published_on and a value ≤ their limit."""
    t = ctx.tenders
    p = t[t["winner"].notna() & ~t["method"].isin(COMPETITIVE) & t["published_on_day"].notna()
          & t["limit"].notna() & (t["value"] <= t["limit"])]
    return p.sort_values(KEY + ["published_on_day", "tender_id"]).reset_index(drop=True)


def qualifying_windows(p: pd.DataFrame, window_days: int, min_pieces: int):
    """Every (level L, earliest piece i) whose window holds ≥ min_pieces pieces with a limit ≤ L,
    published from piece i's day to + window_days (inclusive), with values adding up to > L.

    Some set S of pieces qualifies iff one of these windows does: the pieces of S's window with a
    limit ≤ max limit of S contain S, so their sum is ≥ S's and their highest limit is S's.

    Returns (windows, subsets): ``windows`` a frame with ``level``, ``start``, ``end`` (row
    positions in ``subsets[level]``, end excluded), ``total``, ``top_limit`` (the highest limit
    among the window's pieces), ``n``; ``subsets[level]`` the pieces with a limit ≤ level, in
    key and date order."""
    out, subsets = [], {}
    if p.empty:
        return pd.DataFrame(columns=["level", "start", "end", "total", "top_limit", "n"]), subsets
    day0 = p["published_on_day"].min()
    days_all = (p["published_on_day"] - day0).dt.days.to_numpy(dtype="int64")
    span = int(days_all.max()) + window_days + 1
    for level in sorted(p["limit"].unique()):
        mask = (p["limit"] <= level).to_numpy()
        sub = p[mask].reset_index(drop=True)
        if len(sub) < min_pieces:
            continue
        g = sub.groupby(KEY, sort=False).ngroup().to_numpy(dtype="int64")
        key = g * span + days_all[mask]
        start = np.arange(len(sub))
        end = np.searchsorted(key, key + window_days, side="right")
        values = sub["value"].to_numpy(dtype="float64").astype("int64")
        csum = np.concatenate([[0], np.cumsum(values)])
        total = csum[end] - csum[start]
        n = end - start
        ok = (n >= min_pieces) & (total > level)
        if not ok.any():
            continue
        s, e = start[ok], end[ok]
        limits = np.append(sub["limit"].to_numpy(dtype="float64"), 0.0)
        idx = np.empty(2 * len(s), dtype="int64")
        idx[0::2], idx[1::2] = s, e
        top = np.maximum.reduceat(limits, idx)[0::2]
        subsets[level] = sub
        out.append(pd.DataFrame({"level": level, "start": s, "end": e, "total": total[ok],
                                 "top_limit": top, "n": n[ok]}))
    if not out:
        return pd.DataFrame(columns=["level", "start", "end", "total", "top_limit", "n"]), subsets
    return pd.concat(out, ignore_index=True), subsets


@flag("PRC-SPLIT", subject_type="procuring_entity",
      title_vi="Chia nhỏ gói thầu để chỉ định thầu hoặc mua sắm không cạnh tranh",
      title_en="Purchases split to stay under the direct-award limit",
      legal_basis="Law on Bidding Art 16.6.l (splitting to direct-award)",
      needs=("tenders", "contracts"))
def compute(ctx, cfg):
    window_days = whole_days(cfg["window_days"])
    min_pieces = least_count(cfg["min_pieces"])
    p = pieces_of(ctx)
    wins, subsets = qualifying_windows(p, window_days, min_pieces)
    if wins.empty:
        return
    # Who each window belongs to, and the pieces covered by at least one qualifying window.
    parts, covered = [], []
    for level, sub in subsets.items():
        w = wins[wins["level"] == level]
        first = sub.iloc[w["start"].to_numpy()]
        parts.append(pd.DataFrame({"entity": first["procuring_entity_id"].to_numpy(),
                                   "vendor": first["winner"].to_numpy(),
                                   "category": first["category"].to_numpy()}, index=w.index))
        diff = np.zeros(len(sub) + 1, dtype="int64")
        np.add.at(diff, w["start"].to_numpy(), 1)
        np.add.at(diff, w["end"].to_numpy(), -1)
        covered.append(sub.loc[np.cumsum(diff)[:-1] > 0,
                               ["procuring_entity_id", "winner", "tender_id"]])
    wins = wins.join(pd.concat(parts))
    wins["ratio"] = wins["total"] / wins["top_limit"]
    cov = pd.concat(covered).drop_duplicates("tender_id")
    tender_info = p.set_index("tender_id")
    contracts = contracts_by_tender(ctx)
    by_subject = {k: g["tender_id"].tolist()
                  for k, g in cov.groupby(["procuring_entity_id", "winner"], sort=False)}
    # The best window of each subject: the highest ratio, then the larger sum, then the earliest.
    wins = wins.sort_values(["entity", "vendor", "ratio", "total", "level", "start"],
                            ascending=[True, True, False, False, True, True])
    for (entity, vendor), w in wins.groupby(["entity", "vendor"], sort=True):
        best = w.iloc[0]
        sub = subsets[best["level"]]
        pcs = sub.iloc[int(best["start"]):int(best["end"])]
        total, top, ratio = best["total"], best["top_limit"], best["ratio"]
        severity = "high" if ratio > HIGH_RATIO else "medium"
        score = rise_score(ratio - 1, 50, 45)
        first_day, last_day = pcs["published_on_day"].min(), pcs["published_on_day"].max()
        cat = best["category"]
        listing_vi = "; ".join(f"{r.tender_id} ({day_vi(r.published_on_day)}, {vnd_vi(r.value)}, "
                               f"hạn mức {vnd_vi(r.limit)})" for r in pcs.itertuples(index=False))
        listing_en = "; ".join(f"{r.tender_id} ({day_en(r.published_on_day)}, {vnd_en(r.value)}, "
                               f"limit {vnd_en(r.limit)})" for r in pcs.itertuples(index=False))
        all_ids = sorted(by_subject[(entity, vendor)])
        cats = sorted(set(w["category"]))
        extra = len(all_ids) > len(pcs)
        more_vi = (f" Tổng cộng {len(all_ids)} gói (loại: {'; '.join(f'{CATEGORY_VI.get(c, c)} ({c})' for c in cats)}) nằm trong ít nhất một "
                   f"nhóm thỏa điều kiện; tất cả được liệt kê trong bằng chứng." if extra else "")
        more_en = (f" In all, {len(all_ids)} pieces (categories: {'; '.join(service_en(c) for c in cats)}) belong to at "
                   f"least one qualifying set; all are listed in the evidence." if extra else "")
        evidence = [ref("tenders", x) for x in all_ids]
        for x in all_ids:
            evidence += [ref("contracts", c) for c in contracts.get(x, [])]
        info = tender_info.loc[all_ids]
        yield Hit(
            subject_id=f"{entity}+{vendor}", severity=severity, score=score,
            detail_vi=(f"Bên mời thầu {entity} giao cho cùng nhà thầu {vendor} {len(pcs)} gói "
                       f"«{CATEGORY_VI.get(cat, cat)}» ({cat}) không qua cạnh tranh, đăng tải từ "
                       f"{day_vi(first_day)} đến {day_vi(last_day)} (trong vòng {window_days} ngày "
                       f"kể từ gói đầu tiên), mỗi gói ≤ hạn mức chỉ định thầu của nó: tổng "
                       f"{vnd_vi(total)} > hạn mức cao nhất trong số đó {vnd_vi(top)} "
                       f"({ratio_vi(ratio)} lần). Các gói: {listing_vi}.{more_vi}"),
            detail_en=(f"Procuring entity {entity} gave {len(pcs)} non-competitive {service_en(cat)} "
                       f"packages to the same winner {vendor}, published from {day_en(first_day)} "
                       f"to {day_en(last_day)} (within {window_days} days of the first), each ≤ its "
                       f"own direct-award limit: together {vnd_en(total)} > the highest limit "
                       f"among them, {vnd_en(top)} ({ratio:.2f}×). Pieces: {listing_en}.{more_en}"),
            evidence=evidence,
            province_code=ctx.authority_province.get(entity) or one_or_none(info["province_code"]),
            school_year=one_or_none(info["school_year"]),
            parties={"procuring_entity": [entity], "vendor": [vendor]})

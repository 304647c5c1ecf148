"""COL-COVER — a vendor that bids again and again, never wins, and one other vendor wins
almost every tender it bids in (docs/flags/COL-COVER.md)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from . import _people as P
from ._common import compare, exact, least_count


@flag("COL-COVER", subject_type="vendor_pair",
      title_vi="Nhà thầu dự thầu nhiều lần nhưng không bao giờ trúng, một nhà thầu khác luôn thắng",
      title_en="Cover bidding: a vendor that never wins while one other vendor wins its tenders",
      legal_basis="Cover-bidding screens (OECD Guidelines for Fighting Bid Rigging); Law on Bidding 22/2023 Art 16.3 (collusion)",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    min_bids, share = least_count(cfg["min_bids"]), cfg["min_win_share"]
    b = P.bidders(ctx)
    winners = ctx.winners
    if b.empty:
        return
    # bidders has one row per (tender, vendor), both set: a vendor's rows are its distinct
    # tenders, counted from the vendor codes.
    code, vendors = pd.factorize(b["vendor_id"].to_numpy(dtype=object))
    n_bids = pd.Series(np.bincount(code, minlength=len(vendors)), index=vendors)
    cover = n_bids[(n_bids >= min_bids) & ~n_bids.index.isin(winners.dropna())]
    if cover.empty:
        return
    a = b.loc[b["vendor_id"].isin(cover.index).to_numpy(), ["tender_id", "vendor_id"]]
    a = a.assign(winner=a["tender_id"].map(winners),
                 contract=a["tender_id"].map(ctx.winner_contracts))
    wins = a.dropna(subset=["winner"]).groupby(["vendor_id", "winner"]).size()
    if wins.empty:
        return
    by_a = {k: g for k, g in a.sort_values("tender_id").groupby("vendor_id")}
    for (va, vb), w in wins.sort_index().items():
        n = int(cover[va])
        if not compare(w, ">=", share, n):
            continue
        g = by_a[va]
        tl = g["tender_id"].tolist()
        unawarded = int(g["winner"].isna().sum())
        others = int(g["winner"].notna().sum()) - w
        s = w / n
        lo = float(exact(share))
        score = 60 + (25 * min(1.0, (s - lo) / (1 - lo)) if lo < 1 else 25) \
            + (5 if n >= 2 * min_bids else 0)
        # ref("tenders", x) and ref("bids", x, va), all texts
        evidence = [f"tenders:{x}" for x in tl] + [f"bids:{x}/{va}" for x in tl]
        # ref("contracts", c) for the contract that names vb the winner of each tender it won
        won = g.loc[g["winner"].eq(vb).to_numpy(), "contract"].tolist()
        evidence += [f"contracts:{c}" for c in won]
        subject = "+".join(sorted((va, vb)))
        shown = ", ".join(tl[:12]) + (f" … (+{n - 12})" if n > 12 else "")
        yield Hit(
            subject_id=subject, severity="high" if w == n else "medium", score=score,
            detail_vi=(f"Nhà thầu {va} dự thầu {n} gói (ngưỡng ≥ {min_bids}) và không trúng gói "
                       f"nào; {vb} trúng {w}/{n} gói đó = {P.pct(w, n)} ≥ ngưỡng "
                       f"{P.pct_of(share)} (gói chưa trao thầu: {unawarded}, nhà thầu khác trúng: "
                       f"{others}). Gói thầu: {shown}."),
            detail_en=(f"Vendor {va} bid in {n} tenders (rule ≥ {min_bids}) and won none; {vb} won "
                       f"{w}/{n} of them = {P.pct(w, n)} ≥ the threshold {P.pct_of(share)} "
                       f"(unawarded: {unawarded}, won by others: {others}). Tenders: "
                       f"{shown}."),
            evidence=evidence,
            parties={"vendor": [va, vb], "procuring_entity": P.entities_of(ctx, tl)},
            **P.common_place(ctx, tl))

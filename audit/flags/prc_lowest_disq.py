"""PRC-LOWEST-DISQ — a bid at the lowest price was disqualified and a dearer bid won
(docs/flags/PRC-LOWEST-DISQ.md)."""
from __future__ import annotations

import math

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O

NEEDS = ("tenders", "bids", "contracts")


@flag("PRC-LOWEST-DISQ", subject_type="tender",
      title_vi="Hồ sơ giá thấp nhất bị loại, hồ sơ giá cao hơn trúng thầu",
      title_en="Lowest bid disqualified, a dearer bid won",
      legal_basis="Cardinal R036",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run(ctx, cfg, _catalogue, _cardinal)


def _score(gap: float) -> tuple[float, str]:
    """Score and severity from the premium ``gap`` paid over the lowest price."""
    score = 50 + 45 * (1 - math.exp(-gap / 0.05)) if gap != math.inf else 95
    return score, ("high" if gap >= 0.05 else ("medium" if gap >= 0.01 else "low"))


def _catalogue(ctx, cfg):
    excluded = B.as_list(cfg["excluded_statuses"])
    disq = B.as_list(cfg["disqualified_statuses"])
    need_winner = bool(cfg["winner_above_lowest"])
    b = B.bids(ctx)
    is_considered = ~b["status"].isin(excluded) & b["price_vnd"].notna()
    # Only a tender with a disqualified bid among those considered can fire: keep the bids of
    # those tenders (a few percent of the bids) before the prices are compared per tender.
    maybe = b.loc[is_considered & b["status"].isin(disq), "tender_id"].drop_duplicates()
    considered = b[is_considered & b["tender_id"].isin(maybe)]
    if considered.empty:
        return
    by_tender = considered.groupby("tender_id", sort=False)["price_vnd"]
    lowest = by_tender.min()
    at_low = considered[considered["price_vnd"].eq(by_tender.transform("min")).to_numpy()]
    low_disq = at_low[at_low["status"].isin(disq)]
    if low_disq.empty:
        return
    hit_vendors = B.vendors_by_tender(low_disq)
    t = low_disq.drop_duplicates("tender_id").set_index("tender_id", drop=False)
    t = t.drop(columns=["vendor_id", "price_vnd", "status"])
    t["lowest"] = t["tender_id"].map(lowest)
    w = B.winning_bids(ctx)
    t["win_vendor"] = t["tender_id"].map(w["vendor_id"])
    t["win_price"] = t["tender_id"].map(w["price_vnd"])
    t["win_status"] = t["tender_id"].map(w["status"])
    if need_winner:
        t = t[t["win_price"].notna()]
        t = t[t["win_price"].gt(t["lowest"]).to_numpy()]
    else:  # awarded is enough (a contract names the tender)
        t = t[t["winner"].notna()]
    n_considered = considered[considered["tender_id"].isin(t["tender_id"])].groupby(
        "tender_id").size().to_dict()
    for row in t.itertuples(index=False):
        low_vs = hit_vendors.get(row.tender_id, [])
        n = int(n_considered.get(row.tender_id, 0))
        excl_vi = ", ".join(B.status_vi(s) for s in excluded) or "—"
        excl_en = ", ".join(excluded) or "—"
        if isinstance(row.win_vendor, str) and row.win_price == row.win_price:
            above = row.win_price > row.lowest
            gap = ((row.win_price - row.lowest) / row.lowest if row.lowest > 0 else math.inf
                   ) if above else 0.0
            diff = row.win_price - row.lowest
            if not above:
                cmp_vi, cmp_en = "không cao hơn giá thấp nhất", "not above the lowest price"
            elif gap == math.inf:
                cmp_vi = f"> giá thấp nhất, cao hơn {B.fmt_money(diff, 'vi')}"
                cmp_en = f"> the lowest price, {B.fmt_money(diff, 'en')} more"
            else:
                cmp_vi = (f"> giá thấp nhất, cao hơn {B.fmt_money(diff, 'vi')} "
                          f"({B.fmt_pct2(gap, 'vi')})")
                cmp_en = (f"> the lowest price, {B.fmt_money(diff, 'en')} "
                          f"({B.fmt_pct2(gap, 'en')}) more")
            win_vi = (f"; hồ sơ trúng thầu của {B.vlabel(ctx, row.win_vendor)}, trạng thái "
                      f"{B.status_vi(row.win_status)}, giá {B.fmt_money(row.win_price, 'vi')} {cmp_vi}")
            win_en = (f"; the winning bid of {B.vlabel(ctx, row.win_vendor)}, status "
                      f"{row.win_status}, is {B.fmt_money(row.win_price, 'en')} {cmp_en}")
        else:
            gap = 0.0
            win_vi = f"; nhà thầu được chọn {B.vlabel(ctx, row.winner)} không có hồ sơ dự thầu"
            win_en = f"; the winner {B.vlabel(ctx, row.winner)} has no bid"
        score, severity = _score(gap)
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: trong {n} hồ sơ (không tính hồ sơ {excl_vi}), "
                       f"giá thấp nhất {B.fmt_money(row.lowest, 'vi')} là của "
                       f"{', '.join(low_vs)}, hồ sơ này bị loại{win_vi}."),
            detail_en=(f"Tender {row.tender_id}: among {n} bids (not counting {excl_en} ones), "
                       f"the lowest price {B.fmt_money(row.lowest, 'en')} was bid by "
                       f"{', '.join(low_vs)}, and that bid was disqualified{win_en}."),
            evidence=B.tender_evidence(row, low_vs + ([row.win_vendor] if isinstance(row.win_vendor, str) else [])),
            parties=B.tender_parties(row, low_vs), **B.where(row))


def _cardinal(ctx, cfg):
    """Cardinal R036: in a process with an active award, among the submitted bids (a written
    status other than ``invited`` or ``withdrawn``: a ``pending`` bid is ranked), a bid at the
    lowest amount is ``disqualified``.  Amounts are compared within one currency: a process
    whose ranked bids lack an amount or a currency, or mix currencies, is not tested."""
    p = O.tested(ctx, cfg, price=True)
    aw = O.awards(ctx)
    awarded = aw[aw["n_active"].gt(0)]
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index) & b["ocid"].isin(awarded.index) & b["submitted"]]
    for ocid, g in b.groupby("ocid", sort=True):
        if g["amount"].isna().any() or g["currency"].isna().any() or g["currency"].nunique() != 1:
            continue
        low = g["amount"].min()
        at_low = g[g["amount"].eq(low)]
        low_disq = at_low[at_low["code"].eq("disqualified")]
        if low_disq.empty:
            continue
        row = p.loc[ocid]
        currency = g["currency"].iloc[0]
        winners = awarded.at[ocid, "winners"]
        won = g[[bool(t & winners) for t in g["tenderers"]]]
        low_vi = ", ".join(f"hồ sơ {r.bid_id} của {O.tenderer_label(ctx, r.tenderers, 'vi')}"
                           for r in low_disq.itertuples())
        low_en = ", ".join(f"bid {r.bid_id} of {O.tenderer_label(ctx, r.tenderers, 'en')}"
                           for r in low_disq.itertuples())
        gap = 0.0
        if won.empty:
            who = ", ".join(B.vlabel(ctx, v) for v in sorted(winners))
            win_vi = (f"; nhà cung cấp được trao thầu {who} không có hồ sơ được công bố" if who
                      else "; quyết định trao thầu có hiệu lực không ghi nhà cung cấp")
            win_en = (f"; the awarded supplier {who} has no published bid" if who
                      else "; the active award names no supplier")
        else:
            w = won.loc[won["amount"].idxmin()]
            if w["amount"] > low:
                gap = (w["amount"] - low) / low if low > 0 else math.inf
            win_vi = (f"; hồ sơ của nhà thầu được trao thầu {O.tenderer_label(ctx, w['tenderers'], 'vi')} "
                      f"giá {B.fmt_amount(w['amount'], currency, 'vi')}, trạng thái "
                      f"{O.status_text(w['code'], 'vi')}")
            win_en = (f"; the awarded supplier's bid, {O.tenderer_label(ctx, w['tenderers'], 'en')}, is "
                      f"{B.fmt_amount(w['amount'], currency, 'en')}, status "
                      f"{O.status_text(w['code'], 'en')}")
        score, severity = _score(gap)
        yield Hit(
            subject_id=ocid, severity=severity, score=score,
            detail_vi=(f"Quy trình {ocid} (có quyết định trao thầu có hiệu lực): trong {len(g)} hồ sơ "
                       f"đã nộp (không tính hồ sơ được mời hoặc đã rút), giá thấp nhất "
                       f"{B.fmt_amount(low, currency, 'vi')} là của {low_vi}, hồ sơ này bị loại"
                       f"{win_vi} (quy tắc Cardinal R036)."),
            detail_en=(f"Process {ocid} (with an active award): among {len(g)} submitted bids (not "
                       f"counting invited or withdrawn ones), the lowest amount "
                       f"{B.fmt_amount(low, currency, 'en')} was bid by {low_en}, and that bid was "
                       f"disqualified{win_en} (Cardinal R036)."),
            evidence=O.evidence(row, list(low_disq["bid_id"]) + list(won["bid_id"]),
                                awarded.at[ocid, "active_ids"]),
            parties=O.parties(row, frozenset().union(winners, *low_disq["tenderers"])),
            **O.where(row))

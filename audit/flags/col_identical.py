"""COL-IDENTICAL — two vendors bid exactly the same price in one tender
(docs/flags/COL-IDENTICAL.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O

NEEDS = ("tenders", "bids")


@flag("COL-IDENTICAL", subject_type="tender",
      title_vi="Các nhà thầu chào giá giống hệt nhau",
      title_en="Identical bid prices",
      legal_basis="Cardinal R028",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run(ctx, cfg, _catalogue, _cardinal)


def _score(largest: int, winner_in: bool) -> tuple[float, str]:
    """Score and severity from the most tenderers at one price and whether a winner is among them."""
    score = min(95.0, 60 + 15 * (largest - 2) + (15 if winner_in else 0))
    return score, ("high" if winner_in or largest >= 3 else "medium")


def _catalogue(ctx, cfg):
    statuses = B.as_list(cfg["statuses"])
    excluded = B.as_list(cfg["excluded_methods"])
    b = B.bids(ctx)
    rows = b["status"].isin(statuses).to_numpy() & b["price_vnd"].notna().to_numpy()
    if excluded:
        rows &= ~b["method"].isin(excluded).to_numpy()
    # Only a bid that shares its tender and price with another bid can be one of two vendors
    # at one price: the vendors are counted on those few bids, not on every bid.
    rows[rows] = b.loc[rows, ["tender_id", "price_vnd"]].duplicated(keep=False).to_numpy()
    b = b.loc[rows, ["tender_id", "vendor_id", "price_vnd", "status", "is_win", "winner",
                     "win_contract", "procuring_entity_id", "province_code", "school_year"]]
    if b.empty:
        return
    size = b.groupby(["tender_id", "price_vnd"], sort=False)["vendor_id"].transform("nunique")
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
        score, severity = _score(largest, winner_in)
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


def _cardinal(ctx, cfg):
    """Cardinal R028: two submitted bids (a written status other than ``invited`` or
    ``withdrawn``) with the same amount *in the same currency* and different tenderer sets
    (a consortium ``A+Z`` equals ``Z+A``; a bid with no known tenderer is not compared)."""
    p = O.tested(ctx, cfg, price=True)
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index) & b["submitted"] & b["amount"].notna() & b["currency"].notna()
          & b["tenderers"].map(len).gt(0).astype(bool)]
    if b.empty:
        return
    n_sets = b.groupby(["ocid", "amount", "currency"])["tenderers"].transform("nunique")
    same = b[n_sets.ge(2).to_numpy()]
    aw = O.awards(ctx)
    for ocid, g in same.groupby("ocid", sort=True):
        row = p.loc[ocid]
        winners = aw.at[ocid, "winners"] if ocid in aw.index else frozenset()
        parts_vi, parts_en, vendors = [], [], set()
        largest, winner_in = 0, False
        for (amount, currency), grp in g.groupby(["amount", "currency"], sort=True):
            largest = max(largest, grp["tenderers"].nunique())
            winner_in |= any(t & winners for t in grp["tenderers"])
            for t in grp["tenderers"]:
                vendors |= t
            bids_vi = ", ".join(f"{O.tenderer_label(ctx, r.tenderers, 'vi')} (hồ sơ {r.bid_id}, "
                                f"{O.status_text(r.code, 'vi')})" for r in grp.itertuples())
            bids_en = ", ".join(f"{O.tenderer_label(ctx, r.tenderers, 'en')} (bid {r.bid_id}, "
                                f"{O.status_text(r.code, 'en')})" for r in grp.itertuples())
            parts_vi.append(f"{B.fmt_amount(amount, currency, 'vi')}: {bids_vi}")
            parts_en.append(f"{B.fmt_amount(amount, currency, 'en')}: {bids_en}")
        score, severity = _score(largest, winner_in)
        win_vi = "; nhà thầu được trao thầu là một trong số đó" if winner_in else ""
        win_en = "; a supplier of an active award is one of them" if winner_in else ""
        yield Hit(
            subject_id=ocid, severity=severity, score=score,
            detail_vi=(f"Quy trình {ocid}: hồ sơ của các nhà thầu (hoặc liên danh) khác nhau có giá "
                       f"dự thầu bằng nhau, cùng đơn vị tiền (quy tắc Cardinal R028: ≥ 2 nhóm nhà "
                       f"thầu khác nhau cùng một giá) — " + "; ".join(parts_vi) + win_vi + "."),
            detail_en=(f"Process {ocid}: bids of different tenderers (or consortia) have the same "
                       f"amount in the same currency (Cardinal R028: ≥ 2 different tenderer sets at "
                       f"one price) — " + "; ".join(parts_en) + win_en + "."),
            evidence=O.evidence(row, g["bid_id"]),
            parties=O.parties(row, vendors), **O.where(row))

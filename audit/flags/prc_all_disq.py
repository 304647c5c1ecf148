"""PRC-ALL-DISQ — every bid besides the winning bid was disqualified
(docs/flags/PRC-ALL-DISQ.md)."""
from __future__ import annotations

import math

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O
from ._common import least_count

NEEDS = ("tenders", "bids", "contracts")


@flag("PRC-ALL-DISQ", subject_type="tender",
      title_vi="Mọi hồ sơ khác ngoài hồ sơ trúng thầu đều bị loại",
      title_en="All bids except the winning bid disqualified",
      legal_basis="Cardinal R035",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run(ctx, cfg, _catalogue, _cardinal)


def _score(n: int) -> tuple[float, str]:
    return 55 + 40 * (1 - math.exp(-(n - 1) / 2)), ("high" if n >= 2 else "medium")


def _catalogue(ctx, cfg):
    min_other = least_count(cfg["min_other_bids"])
    disq = B.as_list(cfg["disqualified_statuses"])
    ignored = B.as_list(cfg["ignored_statuses"])
    w = B.winning_bids(ctx, cfg["winning_bid_statuses"])
    if w.empty:
        return
    b = B.bids(ctx)[["tender_id", "vendor_id", "status", "is_win"]]
    other = ~b["is_win"] & ~b["status"].isin(ignored)
    # A tender fires only when one of its other bids is disqualified: keep the bids of those
    # tenders (a few percent of the bids) before counting per tender.
    d = b["status"].isin(disq)
    maybe = b.loc[other & d, "tender_id"].drop_duplicates()
    maybe = maybe[maybe.isin(w.index)]
    others = b[other & b["tender_id"].isin(maybe)]
    if others.empty:
        return
    per = others.assign(d=d).groupby("tender_id")["d"].agg(["size", "sum"])
    per = per[per["size"].ge(min_other) & per["size"].eq(per["sum"])]
    if per.empty:
        return
    hit = w.loc[per.index]
    vendors = B.vendors_by_tender(others[others["tender_id"].isin(per.index)])
    for row in hit.itertuples(index=False):
        n = int(per.at[row.tender_id, "size"])
        vs = vendors.get(row.tender_id, [])
        score, severity = _score(n)
        st_vi = ", ".join(B.status_vi(s) for s in disq)
        st_en = ", ".join(disq)
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: ngoài hồ sơ trúng thầu của {B.vlabel(ctx, row.winner)}, "
                       f"giá {B.fmt_money(row.price_vnd, 'vi')}, trạng thái {B.status_vi(row.status)}, "
                       f"cả {n} hồ sơ còn lại (≥ {min_other}) đều ở trạng thái {st_vi}: "
                       f"{', '.join(vs)}."),
            detail_en=(f"Tender {row.tender_id}: besides the winning bid of {B.vlabel(ctx, row.winner)}, "
                       f"{B.fmt_money(row.price_vnd, 'en')}, status {row.status}, all {n} other bid(s) "
                       f"(≥ {min_other}) have status {st_en}: {', '.join(vs)}."),
            evidence=B.tender_evidence(row, [row.vendor_id] + vs),
            parties=B.tender_parties(row, vs), **B.where(row))


def _cardinal(ctx, cfg):
    """Cardinal R035: every award is final; exactly one tenderer has ``valid`` bids and it is
    exactly the suppliers of the active awards; at least ``min_other_bids`` other tenderers have
    ``disqualified`` bids.  Tenderers are counted one by one (Cardinal's sets of ids); other
    statuses (``invited``, ``pending``, ``withdrawn``) neither count nor prevent."""
    threshold = max(least_count(cfg["min_other_bids"]), 1)
    p = O.tested(ctx, cfg)
    aw = O.awards(ctx)
    final = aw[aw["final"]]
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index) & b["ocid"].isin(final.index)]
    for ocid, g in b.groupby("ocid", sort=True):
        valid = frozenset().union(*g.loc[g["code"].eq("valid"), "tenderers"])
        disq = frozenset().union(*g.loc[g["code"].eq("disqualified"), "tenderers"])
        winners = final.at[ocid, "winners"]
        others = sorted(disq - valid)
        if len(valid) != 1 or valid != winners or len(others) < threshold:
            continue
        row = p.loc[ocid]
        rest = g[~g["code"].isin(["valid", "disqualified"])]
        counts = rest["code"].map(lambda c: c if isinstance(c, str) else None).value_counts(dropna=False)
        rest_vi = ", ".join(f"{n} {O.status_text(c, 'vi')}" for c, n in sorted(
            counts.items(), key=lambda x: str(x[0]))) or "không có"
        rest_en = ", ".join(f"{n} {O.status_text(c, 'en')}" for c, n in sorted(
            counts.items(), key=lambda x: str(x[0]))) or "none"
        (v,) = valid
        n = len(others)
        score, severity = _score(n)
        others_text = ", ".join(B.vlabel(ctx, x) for x in others)
        used = g[g["code"].isin(["valid", "disqualified"])]
        yield Hit(
            subject_id=ocid, severity=severity, score=score,
            detail_vi=(f"Quy trình {ocid}: nhà thầu duy nhất có hồ sơ hợp lệ là {B.vlabel(ctx, v)}, "
                       f"đúng là nhà cung cấp trong các quyết định trao thầu có hiệu lực (mọi quyết "
                       f"định trao thầu đã ở trạng thái cuối), và {n} nhà thầu khác (≥ {threshold}) "
                       f"đều có hồ sơ bị loại: {others_text}; hồ sơ khác không tính: {rest_vi} "
                       f"(quy tắc Cardinal R035)."),
            detail_en=(f"Process {ocid}: the only tenderer with a valid bid, {B.vlabel(ctx, v)}, is "
                       f"exactly the supplier of the active awards (every award is final), and "
                       f"{n} other tenderer(s) (≥ {threshold}) had their bids disqualified: "
                       f"{others_text}; other bids not counted: {rest_en} (Cardinal R035)."),
            evidence=O.evidence(row, used["bid_id"], final.at[ocid, "active_ids"]),
            parties=O.parties(row, [v, *others]), **O.where(row))

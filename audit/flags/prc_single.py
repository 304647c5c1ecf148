"""PRC-SINGLE — a competitive tender with exactly one valid bid (docs/flags/PRC-SINGLE.md).

``definition = "cardinal"``: OCDS processes follow Cardinal R018 (:func:`_cardinal`), tenders
entered as CSV the catalogue (:func:`_catalogue`)."""
from __future__ import annotations

from ..context import COMPETITIVE, fmt_vnd
from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O
from ._common import ref
from ._procurement_rules import METHOD_VI

NEEDS = ("tenders", "bids")
#: Cardinal R018's procurement methods (its default ``procurement_methods``: the raw
#: ``tender.procurementMethod``).
R018_METHODS = ("open", "selective")


@flag("PRC-SINGLE", subject_type="tender",
      title_vi="Gói thầu cạnh tranh chỉ có một hồ sơ dự thầu hợp lệ",
      title_en="Competitive tender with a single valid bid",
      legal_basis="Cardinal R018; GTI CRI single bidding",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run(ctx, cfg, _catalogue, _cardinal)


def _catalogue(ctx, cfg):
    t = ctx.tenders
    bids = ctx["bids"][["tender_id", "vendor_id", "status"]]
    # The tenders named by exactly one valid bid (keep=False drops every repeated id; cheaper
    # than counting the valid bids of each of the 300,000 tenders and mapping the counts).
    valid = bids.loc[bids["status"].eq("valid"), "tender_id"].dropna()
    one_valid = valid.drop_duplicates(keep=False)
    t = t[t["method"].isin(COMPETITIVE) & t["tender_id"].isin(one_valid)]
    if t.empty:
        return
    # The bids of those tenders only: every vendor (evidence), the valid one, the other statuses.
    b = bids[bids["tender_id"].isin(t["tender_id"])]
    vendors: dict[str, list[str]] = {}
    valid: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    for tid, v, st in zip(b["tender_id"].tolist(), b["vendor_id"].tolist(), b["status"].tolist()):
        vendors.setdefault(tid, []).append(v)
        if st == "valid":
            valid.setdefault(tid, []).append(v)
        elif isinstance(st, str):
            c = counts.setdefault(tid, {})
            c[st] = c.get(st, 0) + 1
    for row in t.itertuples(index=False):
        vs = valid[row.tender_id]
        others = counts.get(row.tender_id, {})
        other_vi = ", ".join(f"{n} {B.status_vi(k)}" for k, n in sorted(others.items())) or "không có"
        other_en = ", ".join(f"{n} {k}" for k, n in sorted(others.items())) or "none"
        large = row.value >= 1_000_000_000
        severity = "high" if large and row.method == "open_bidding" else "medium"
        score = 70 if severity == "high" else 50
        if others:
            score += 10
        value_vi = fmt_vnd(row.value) if row.value else "không ghi"
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} ({METHOD_VI.get(row.method, row.method)}, giá gói "
                       f"thầu {value_vi}) chỉ có "
                       f"1 hồ sơ hợp lệ (ngưỡng: đúng 1 hồ sơ hợp lệ); hồ sơ khác: {other_vi}."),
            detail_en=(f"Tender {row.tender_id} ({row.method}, estimated value "
                       f"{B.fmt_money(row.value, 'en') if row.value else 'not given'}) had exactly 1 valid bid "
                       f"(rule: exactly 1 valid bid); other bids: {other_en}."),
            evidence=[ref("tenders", row.tender_id)] + [
                ref("bids", row.tender_id, v) for v in vendors[row.tender_id]],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [row.winner] if isinstance(row.winner, str) else vs})


def _cardinal(ctx, cfg):
    """Cardinal R018: ``numberOfTenderers`` = 1 in an ``open`` or ``selective`` procedure (the
    raw ``procurementMethod``); no bid details are needed."""
    p = O.tested(ctx, cfg)
    p = p[p["procurement_method"].isin(R018_METHODS) & p["number_of_tenderers"].eq(1)]
    if p.empty:
        return
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index)]
    bid_ids = b.groupby("ocid")["bid_id"].agg(list)
    vendors = b.groupby("ocid")["tenderers"].agg(lambda s: frozenset().union(*s))
    aw = O.awards(ctx)
    for row in p.itertuples():
        ocid = row.ocid
        winners = aw.at[ocid, "winners"] if ocid in aw.index else frozenset()
        known = isinstance(row.value_amount, float) and row.value_amount == row.value_amount
        large = known and row.value_currency == "VND" and row.value_amount >= 1_000_000_000
        severity = "high" if large and row.procurement_method == "open" else "medium"
        score = 70 if severity == "high" else 50
        value_vi = (B.fmt_amount(row.value_amount, row.value_currency, "vi") if known
                    else "không ghi")
        value_en = (B.fmt_amount(row.value_amount, row.value_currency, "en") if known
                    else "not given")
        ids = bid_ids.get(ocid, [])
        bids_vi = f"{len(ids)} hồ sơ dự thầu được công bố" if ids else "không công bố chi tiết hồ sơ"
        bids_en = f"{len(ids)} bid(s) published" if ids else "no bid details published"
        yield Hit(
            subject_id=ocid, severity=severity, score=score,
            detail_vi=(f"Quy trình {ocid} (procurementMethod «{row.procurement_method}», giá gói "
                       f"thầu {value_vi}) có numberOfTenderers = 1 (quy tắc Cardinal R018: đúng 1 "
                       f"nhà thầu trong thủ tục open hoặc selective); {bids_vi}."),
            detail_en=(f"Process {ocid} (procurementMethod {row.procurement_method}, tender value "
                       f"{value_en}) has numberOfTenderers = 1 (Cardinal R018: exactly 1 tenderer "
                       f"in an open or selective procedure); {bids_en}."),
            evidence=O.evidence(row, ids),
            parties=O.parties(row, winners | vendors.get(ocid, frozenset())), **O.where(row))

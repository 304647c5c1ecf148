"""PRC-LATE-WIN — the winning bid was late (docs/flags/PRC-LATE-WIN.md).

``definition = "cardinal"``: OCDS processes follow Cardinal R030 (:func:`_cardinal`), tenders
entered as CSV the catalogue (:func:`_catalogue`)."""
from __future__ import annotations

import math

import pandas as pd

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O

NEEDS = ("tenders", "bids", "contracts")


@flag("PRC-LATE-WIN", subject_type="tender",
      title_vi="Hồ sơ nộp muộn trúng thầu",
      title_en="Late bid won",
      legal_basis="Cardinal R030",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run(ctx, cfg, _catalogue, _cardinal)


def _late_sign(submitted, deadline, late_days: float, as_instants: bool,
               what_vi: str = "hạn đóng thầu", what_en: str = "the bid deadline") -> tuple[str, str]:
    """``nộp lúc … > hạn … (muộn …, so sánh theo …)`` in Vietnamese and English."""
    if as_instants:
        how_vi, how_en = "so sánh theo thời điểm", "compared as instants"
    else:
        how_vi, how_en = "so sánh theo ngày", "compared as calendar days"
    return (f"nộp lúc {submitted} > {what_vi} {deadline} "
            f"(muộn {B.fmt_duration(late_days, 'vi')}, {how_vi})",
            f"was submitted at {submitted} > {what_en} {deadline} "
            f"({B.fmt_duration(late_days, 'en')} late, {how_en})")


def _score(late_days: float, both: bool) -> tuple[float, str]:
    score = (70 if both else 55) + 25 * (1 - math.exp(-late_days / 7))
    return score, ("high" if both or late_days >= 1 else "medium")


def _catalogue(ctx, cfg):
    late_statuses = B.as_list(cfg["late_statuses"])
    compare = bool(cfg["compare_submitted"])
    w = B.winning_bids(ctx, cfg["winning_bid_statuses"])
    if w.empty:
        return
    by_status = w["status"].isin(late_statuses).to_numpy()
    if compare:
        late = B.lateness(w["submitted_on"], w["submitted_on_day"], w["submitted_on_has_time"],
                          w["bid_deadline"], w["bid_deadline_day"], w["bid_deadline_has_time"])
    else:
        late = pd.DataFrame({"after": False, "late_days": float("nan"), "as_instants": False},
                            index=w.index)
    # Only the winning bids that fire, and the columns the texts use (not a copy of them all).
    fire = by_status | late["after"].to_numpy()
    w = w.loc[fire, ["tender_id", "vendor_id", "winner", "price_vnd", "status", "submitted_on",
                     "bid_deadline", "win_contract", "procuring_entity_id", "province_code",
                     "school_year"]]
    w = w.assign(by_status=by_status[fire], **{c: late[c].to_numpy()[fire] for c in late})
    for row in w.itertuples(index=False):
        signs_vi, signs_en = [], []
        if row.by_status:
            signs_vi.append(f"có trạng thái «{B.status_vi(row.status)}» ({row.status})")
            signs_en.append(f"has status {row.status}")
        if row.after:
            vi, en = _late_sign(row.submitted_on, row.bid_deadline, row.late_days, row.as_instants)
            signs_vi.append(vi)
            signs_en.append(en)
        both = bool(row.by_status and row.after)
        late_days = row.late_days if row.after and row.late_days == row.late_days else 0.0
        score, severity = _score(late_days, both)
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id}: hồ sơ trúng thầu của {B.vlabel(ctx, row.winner)}, giá "
                       f"{B.fmt_money(row.price_vnd, 'vi')}, " + " và ".join(signs_vi) + "."),
            detail_en=(f"Tender {row.tender_id}: the winning bid of {B.vlabel(ctx, row.winner)}, "
                       f"{B.fmt_money(row.price_vnd, 'en')}, " + " and ".join(signs_en) + "."),
            evidence=B.tender_evidence(row, [row.vendor_id]),
            parties=B.tender_parties(row), **B.where(row))


def _cardinal(ctx, cfg):
    """Cardinal R030: a ``valid`` bid of a supplier of an ``active`` award, dated after the
    tender period's end — compared as instants (Cardinal compares the date texts)."""
    p = O.tested(ctx, cfg)
    p = p[p["tender_period_end"].notna()]
    aw = O.awards(ctx)
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index) & b["ocid"].isin(aw.index) & b["code"].eq("valid")
          & b["date"].notna()]
    if b.empty:
        return
    win = b["ocid"].map(aw["winners"])
    b = b[[bool(t & w) for t, w in zip(b["tenderers"], win)]]
    if b.empty:
        return
    ends = {c: b["ocid"].map(p[c]) for c in ("tender_period_end", "end_day", "end_has_time")}
    late = B.lateness(b["date"], b["date_day"], b["date_has_time"], ends["tender_period_end"],
                      ends["end_day"], ends["end_has_time"])
    b = b.join(late)
    b = b[b["after"]]
    for ocid, g in b.groupby("ocid", sort=True):
        row = p.loc[ocid]
        winners = aw.at[ocid, "winners"]
        parts_vi, parts_en = [], []
        for r in g.itertuples(index=False):
            vi, en = _late_sign(r.date, row.tender_period_end, r.late_days, r.as_instants,
                                "hạn nộp (tenderPeriod.endDate)", "the tender period's end")
            who_vi = O.tenderer_label(ctx, r.tenderers, "vi")
            who_en = O.tenderer_label(ctx, r.tenderers, "en")
            price_vi = f", giá {B.fmt_amount(r.amount, r.currency, 'vi')}" if r.amount == r.amount else ""
            price_en = f", {B.fmt_amount(r.amount, r.currency, 'en')}" if r.amount == r.amount else ""
            parts_vi.append(f"hồ sơ {r.bid_id} của {who_vi}{price_vi}, trạng thái hợp lệ, {vi}")
            parts_en.append(f"bid {r.bid_id} of {who_en}{price_en}, status valid, {en}")
        score, severity = _score(float(g["late_days"].max()), False)
        win_vi = ", ".join(B.vlabel(ctx, v) for v in sorted(winners))
        yield Hit(
            subject_id=ocid, severity=severity, score=score,
            detail_vi=(f"Quy trình {ocid}: nhà thầu được trao thầu (quyết định trao thầu có hiệu "
                       f"lực) {win_vi} có hồ sơ nộp sau hạn — " + "; ".join(parts_vi)
                       + " (quy tắc Cardinal R030: hồ sơ hợp lệ của nhà cung cấp trong quyết định "
                       "trao thầu có hiệu lực, nộp sau tenderPeriod.endDate)."),
            detail_en=(f"Process {ocid}: the supplier of an active award, {win_vi}, bid after the "
                       f"deadline — " + "; ".join(parts_en)
                       + " (Cardinal R030: a valid bid of a supplier of an active award, dated "
                       "after tenderPeriod.endDate)."),
            evidence=O.evidence(row, g["bid_id"], aw.at[ocid, "active_ids"]),
            parties=O.parties(row, winners), **O.where(row))

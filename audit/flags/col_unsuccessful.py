"""COL-UNSUCCESSFUL — a vendor that bids in many awarded tenders, wins some, and loses a very
high share of them: the other face of cover bidding (Cardinal R025, docs/flags/COL-UNSUCCESSFUL.md).

A vendor that never wins is COL-COVER's (``min_wins`` = 1 keeps the two flags apart).

``definition = "cardinal"``: the OCDS processes follow Cardinal R025 with its fences computed on
the data (:func:`_cardinal`), the tenders entered as CSV the catalogue (:func:`_catalogue`); one
finding per vendor (audit/flags/_ocds.py, :func:`~audit.flags._ocds.run_pooled`)."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O
from . import _people as P
from ._common import exact, least_count, ratio_cmp, ref

NEEDS = ("tenders", "bids", "contracts")
PROCESSES_SHOWN = 12


@flag("COL-UNSUCCESSFUL", subject_type="vendor",
      title_vi="Nhà thầu dự thầu nhiều nhưng tỷ lệ không trúng thầu rất cao",
      title_en="Excessive unsuccessful bids: a vendor that loses almost every awarded tender it bids in",
      legal_basis="Cardinal R025; cover-bidding screens (OECD Guidelines for Fighting Bid Rigging)",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run_pooled(ctx, cfg, _catalogue, _cardinal, NEEDS)


def _catalogue(ctx, cfg, ocds: set):
    """The catalogue's rule over the bids of the contract tables, those of the tenders in
    ``ocds`` (the OCDS processes, in Cardinal mode) left out."""
    min_bids, min_wins = least_count(cfg["min_bids"]), least_count(cfg["min_wins"])
    share, high = cfg["min_unsuccessful_share"], exact(cfg["high_share"])
    statuses = B.as_list(cfg["statuses"])
    b = B.bids(ctx)
    keep = (b["winner"].notna().to_numpy() & b["vendor_id"].notna().to_numpy()
            & b["status"].isin(statuses).to_numpy())
    if ocds:
        keep &= ~b["tender_id"].isin(ocds).to_numpy()
    # Only the columns used below: a copy of every column of the bids cost more than the rule.
    b = b.loc[keep, ["tender_id", "vendor_id", "winner", "win_contract", "is_win"]]
    if b.empty:
        return
    per = b.groupby("vendor_id").agg(n=("tender_id", "size"), w=("is_win", "sum"))
    per["u"] = per["n"] - per["w"]
    per = per[per["n"].ge(min_bids) & per["w"].ge(min_wins)]
    per = per[ratio_cmp(per["u"], per["n"], share, ">=").to_numpy()]
    if per.empty:
        return
    lo = float(exact(share))
    st_vi = ", ".join(B.status_vi(s) for s in statuses)
    rows = b[b["vendor_id"].isin(per.index)].sort_values(["vendor_id", "tender_id"])
    for v, g in rows.groupby("vendor_id", sort=True):
        n, w = int(per.at[v, "n"]), int(per.at[v, "w"])
        u = n - w
        s = u / n
        won = g.loc[g["is_win"], "tender_id"].tolist()
        lost = g.loc[~g["is_win"]]
        beaten_by = lost["winner"].value_counts().sort_index(kind="stable").sort_values(
            ascending=False, kind="stable")
        top = list(beaten_by.items())[:3]
        top_vi = ", ".join(f"{B.vlabel(ctx, x)} ({k} gói)" for x, k in top)
        top_en = ", ".join(f"{B.vlabel(ctx, x)} ({k})" for x, k in top)
        score = 55 + (30 * min(1.0, (s - lo) / (1 - lo)) if lo < 1 else 30) \
            + (5 if n >= 2 * min_bids else 0)
        tl = g["tender_id"].tolist()
        evidence = [ref("bids", t, v) for t in tl]
        evidence += [ref("contracts", c) for c in g.loc[g["is_win"], "win_contract"].dropna()]
        won_text = ", ".join(won[:12]) + (f" … (+{len(won) - 12})" if len(won) > 12 else "")
        yield Hit(
            subject_id=v, severity="high" if Fraction(u, n) >= high else "medium", score=score,
            detail_vi=(f"Nhà thầu {B.vlabel(ctx, v)} có hồ sơ dự thầu (trạng thái {st_vi}) trong "
                       f"{n} gói thầu đã trao thầu (ngưỡng ≥ {min_bids}), trúng {w} gói (ngưỡng ≥ "
                       f"{min_wins}) và không trúng {u}/{n} gói = {B.fmt_pct2(s, 'vi')} ≥ ngưỡng "
                       f"{B.fmt_pct2(lo, 'vi')}. Gói trúng: {won_text}. Thua nhiều nhất trước: "
                       f"{top_vi}."),
            detail_en=(f"Vendor {B.vlabel(ctx, v)} has bids (status {', '.join(statuses)}) in "
                       f"{n} awarded tenders (rule ≥ {min_bids}), won {w} (rule ≥ {min_wins}) and "
                       f"lost {u}/{n} = {B.fmt_pct2(s, 'en')} ≥ the threshold "
                       f"{B.fmt_pct2(lo, 'en')}. Won: {won_text}. Most often beaten by: "
                       f"{top_en}."),
            evidence=evidence,
            parties={"vendor": [v], "procuring_entity": P.entities_of(ctx, tl)},
            **P.common_place(ctx, tl))


def _cardinal(ctx, cfg):
    """Cardinal R025 over the OCDS processes (cardinal-rs ``src/indicators/r025.rs``).

    Counted: the processes not cancelled nor excluded (``excluded_method_details``) whose
    awards are all final (active, cancelled or unsuccessful) with exactly one active award
    naming exactly one supplier, the winner.  In each, every tenderer of a ``valid`` bid of one
    tenderer counts once: one valid bid, and one win when it is the winner.  A tenderer is
    raised when its valid bids ≥ the ``percentile``-th percentile of all tenderers' numbers of
    valid bids (the "top tenderers") and its ratio wins ÷ valid bids ≤ the lower fence
    (``threshold``, or Q1 − 1.5 × IQR of all tenderers' ratios when it is negative); with the
    computed fence, nothing is raised when Q1 or the fence is not above 0 (Cardinal's guard
    against flagging most tenderers)."""
    aw = O.awards(ctx)
    aw = aw[aw["final"].to_numpy(dtype=bool) & aw["sole_supplier"].notna().to_numpy(dtype=bool)]
    p = O.tested(ctx, cfg)
    p = p[p.index.isin(aw.index)]
    b = O.bids(ctx)
    b = b[b["ocid"].isin(p.index) & b["code"].eq("valid") & b["n_entries"].eq(1)
          & b["tenderers"].map(len).eq(1)]
    if b.empty:
        return
    b = b.assign(vendor=[next(iter(t)) for t in b["tenderers"]])
    winner = b["ocid"].map(aw["sole_supplier"])
    b = b.assign(win=b["vendor"].eq(winner))
    pairs = b.drop_duplicates(["ocid", "vendor"])
    per = pairs.groupby("vendor").agg(n=("ocid", "size"), w=("win", "sum"))
    ratio = per["w"] / per["n"]
    upper = O.quantile(per["n"], cfg["percentile"] / 100)
    lower, q1, fence_vi, fence_en = O.fence_or_threshold(ratio, "lower", cfg["threshold"])
    if not (lower > 0 and (q1 is None or q1 > 0)):
        return
    hit = per[per["n"].ge(upper).to_numpy() & ratio.le(lower).to_numpy()]
    if hit.empty:
        return
    high = exact(cfg["high_share"])
    pct = cfg["percentile"]
    for v, g in b[b["vendor"].isin(hit.index)].sort_values(["vendor", "ocid", "position"]) \
            .groupby("vendor", sort=True):
        n, w = int(hit.at[v, "n"]), int(hit.at[v, "w"])
        r = w / n
        ocids = list(dict.fromkeys(g["ocid"]))
        won = list(dict.fromkeys(g.loc[g["win"], "ocid"]))
        lost = [x for x in ocids if x not in won]
        beaten = pd.Series([aw.at[x, "sole_supplier"] for x in lost], dtype=object)
        top = list(beaten.value_counts().sort_index(kind="stable")
                   .sort_values(ascending=False, kind="stable").items())[:3]
        shown = ", ".join(ocids[:PROCESSES_SHOWN]) + (
            f" … (+{len(ocids) - PROCESSES_SHOWN})" if len(ocids) > PROCESSES_SHOWN else "")
        top_vi = ", ".join(f"{B.vlabel(ctx, x)} ({k} quy trình)" for x, k in top) or "không có"
        top_en = ", ".join(f"{B.vlabel(ctx, x)} ({k})" for x, k in top) or "none"
        score = 55 + 30 * min(1.0, (lower - r) / lower) + (5 if n >= 2 * upper else 0)
        evidence = [ref("ocds_tenders", x) for x in ocids]
        evidence += [ref("ocds_bids", x, y) for x, y in zip(g["ocid"], g["bid_id"])]
        evidence += [ref("ocds_awards", x, a) for x in won for a in aw.at[x, "active_ids"]]
        yield Hit(
            subject_id=v, severity="high" if Fraction(n - w, n) >= high else "medium",
            score=score,
            detail_vi=(f"Nhà thầu {B.vlabel(ctx, v)} có hồ sơ hợp lệ trong {n} quy trình OCDS đã "
                       f"trao thầu cho đúng một nhà thầu (≥ phân vị {pct} của số quy trình mỗi nhà "
                       f"thầu = {B.fmt_num(upper, 'vi', 4)}), trúng {w}: tỷ lệ trúng {w}/{n} = "
                       f"{B.fmt_num(r, 'vi', 4)} ≤ ngưỡng dưới {fence_vi} (quy tắc Cardinal "
                       f"R025). Quy trình: {shown}. Thua nhiều nhất trước: {top_vi}."),
            detail_en=(f"Vendor {B.vlabel(ctx, v)} has valid bids in {n} OCDS process(es) awarded to "
                       f"exactly one supplier (≥ the {pct}th percentile of the tenderers' counts = "
                       f"{B.fmt_num(upper, 'en', 4)}) and won {w}: ratio {w}/{n} = "
                       f"{B.fmt_num(r, 'en', 4)} ≤ the lower fence {fence_en} (Cardinal R025). "
                       f"Processes: {shown}. Most often beaten by: {top_en}."),
            evidence=evidence, **O.of_vendor(ctx, v, ocids))

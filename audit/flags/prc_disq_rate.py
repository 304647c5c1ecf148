"""PRC-DISQ-RATE — a procuring entity that disqualifies a high share of the bids it receives
(Cardinal R038, docs/flags/PRC-DISQ-RATE.md).

``definition = "cardinal"``: the OCDS processes follow Cardinal R038 for procuring entities with
its fence computed on the data (:func:`_cardinal`), the tenders entered as CSV the catalogue
(:func:`_catalogue`); one finding per procuring entity (:func:`~audit.flags._ocds.run_pooled`)."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from procurement.ocds import UNKNOWN_PREFIX  # the placeholder of an unknown buyer: never pooled

from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O
from ._common import exact, least_count, ratio_cmp, ref

TENDERS_SHOWN = 12
NEEDS = ("tenders", "bids", "authorities")


def authority_names(ctx) -> dict[str, str]:
    def build(ctx):
        a = ctx["authorities"].dropna(subset=["authority_id"])
        return {k: n for k, n in zip(a["authority_id"], a["name"]) if isinstance(n, str)}
    return ctx.cache("disq_rate.authority_names", build)


@flag("PRC-DISQ-RATE", subject_type="procuring_entity",
      title_vi="Bên mời thầu loại một tỷ lệ cao hồ sơ dự thầu",
      title_en="Excessive disqualified bids: a procuring entity that disqualifies a high share of bids",
      legal_basis="Cardinal R038; Law on Bidding 22/2023 Art 16.2 (unlawful interference in bidding)",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run_pooled(ctx, cfg, _catalogue, _cardinal, NEEDS)


def _pooled(pe: pd.Series) -> pd.Series:
    """Which procuring entities are pooled: a known id, never an import's placeholder
    ``unknown:<ocid>`` (vectorised)."""
    text = pe.astype("str")
    return text.notna() & ~text.str.startswith(UNKNOWN_PREFIX, na=True)


def _with_disqualified(g, key: str):
    """The tenders (``key``) of one entity's bids ``g`` with a disqualified bid (``d``), and the
    text listing them with disqualified/all."""
    by_t = g.groupby(key, sort=True)["d"].agg(["sum", "size"])
    hit_t = by_t[by_t["sum"].gt(0)]
    shown = ", ".join(f"{x} ({int(r['sum'])}/{int(r['size'])})"
                      for x, r in list(hit_t.iterrows())[:TENDERS_SHOWN])
    if len(hit_t) > TENDERS_SHOWN:
        shown += f" … (+{len(hit_t) - TENDERS_SHOWN})"
    return hit_t, shown


def _score(share: float, lo: float, many: bool) -> float:
    """55 at the threshold ``lo``, rising to 90 when every bid is disqualified; +5 for ``many``."""
    return 55 + (35 * min(1.0, (share - lo) / (1 - lo)) if lo < 1 else 35) + (5 if many else 0)


def _catalogue(ctx, cfg, ocds: set):
    """The catalogue's rule over the bids of the contract tables, those of the tenders in
    ``ocds`` (the OCDS processes, in Cardinal mode) left out."""
    min_tenders, min_bids = least_count(cfg["min_tenders"]), least_count(cfg["min_bids"])
    share, high = cfg["min_share"], exact(cfg["high_share"])
    disq = B.as_list(cfg["disqualified_statuses"])
    excluded = B.as_list(cfg["excluded_statuses"])
    b = B.bids(ctx)[["tender_id", "vendor_id", "status", "procuring_entity_id", "winner",
                     "school_year"]]
    keep = ~b["status"].isin(excluded)
    if ocds:
        keep &= ~b["tender_id"].isin(ocds)
    b = b[keep]
    b = b.assign(d=b["status"].isin(disq))
    # Bids and disqualified bids per entity first, then whether an entity is pooled and, for
    # the entities still in only, their tenders (counting distinct tender ids over every bid
    # is costly).
    per = b.groupby("procuring_entity_id").agg(n=("d", "size"), d=("d", "sum"))
    per = per[_pooled(per.index.to_series()).to_numpy() & per["n"].ge(min_bids).to_numpy()]
    per = per[ratio_cmp(per["d"], per["n"], share, ">=").to_numpy()]
    if per.empty:
        return
    b = b[b["procuring_entity_id"].isin(per.index)]
    per = per.assign(t=b.groupby("procuring_entity_id")["tender_id"].nunique())
    per = per[per["t"].ge(min_tenders)]
    if per.empty:
        return
    lo = float(exact(share))
    names = authority_names(ctx)
    st_vi = ", ".join(B.status_vi(s) for s in disq)
    ex_vi = ", ".join(B.status_vi(s) for s in excluded) or "không"
    ex_en = ", ".join(excluded) or "none"
    rows = b[b["procuring_entity_id"].isin(per.index)].sort_values(["procuring_entity_id", "tender_id"])
    for pe, g in rows.groupby("procuring_entity_id", sort=True):
        n, d, t = int(per.at[pe, "n"]), int(per.at[pe, "d"]), int(per.at[pe, "t"])
        s = d / n
        hit_t, shown = _with_disqualified(g, "tender_id")
        label = f"{names[pe]} ({pe})" if pe in names else pe
        score = _score(s, lo, t >= 2 * min_tenders)
        dq = g[g["d"]]
        evidence = [ref("tenders", x) for x in hit_t.index]
        evidence += [ref("bids", x, v) for x, v in zip(dq["tender_id"], dq["vendor_id"])]
        winners = sorted(set(g.loc[g["tender_id"].isin(hit_t.index), "winner"].dropna()))
        years = set(g["school_year"].dropna())
        pc = ctx.authority_province.get(pe)
        yield Hit(
            subject_id=pe, severity="high" if Fraction(d, n) >= high else "medium", score=score,
            detail_vi=(f"Bên mời thầu {label}: trong {t} gói thầu có hồ sơ (ngưỡng ≥ {min_tenders}), "
                       f"{d}/{n} hồ sơ dự thầu ở trạng thái {st_vi} = {B.fmt_pct2(s, 'vi')} ≥ ngưỡng "
                       f"{B.fmt_pct2(lo, 'vi')} (ngưỡng ≥ {min_bids} hồ sơ; không tính hồ sơ: "
                       f"{ex_vi}). Gói có hồ sơ bị loại (bị loại/tổng): {shown}."),
            detail_en=(f"Procuring entity {label}: in {t} tenders with bids (rule ≥ {min_tenders}), "
                       f"{d}/{n} bids have status {', '.join(disq)} = {B.fmt_pct2(s, 'en')} ≥ the "
                       f"threshold {B.fmt_pct2(lo, 'en')} (rule ≥ {min_bids} bids; not counted: "
                       f"{ex_en}). Tenders with disqualified bids (disqualified/all): {shown}."),
            evidence=evidence,
            parties={"procuring_entity": [pe], "vendor": winners},
            province_code=pc if isinstance(pc, str) else None,
            school_year=next(iter(years)) if len(years) == 1 else None)


def _cardinal(ctx, cfg):
    """Cardinal R038 for procuring entities over the OCDS processes (cardinal-rs
    ``src/indicators/r038.rs``).

    Counted: the processes not cancelled nor excluded (``excluded_method_details``), their
    *submitted* bids (a written status other than ``invited`` and ``withdrawn``; a process with
    none is skipped) and, among them, the ``disqualified`` ones, pooled per procuring entity of
    the process (``unknown:<ocid>`` placeholders are never pooled).  Entities with fewer than
    ``minimum_contracting_processes`` submitted bids are left out (Cardinal compares that
    setting with the number of bids).  Raised: ratio disqualified ÷ submitted ≥ the upper fence
    (``threshold``, or Q3 + 1.5 × IQR of the ratios of the entities left in when it is
    negative), provided the fence is above 0 (Cardinal's guard against flagging most)."""
    p = O.tested(ctx, cfg)
    p = p[_pooled(p["procuring_entity_id"]).to_numpy(dtype=bool)]
    b = O.bids(ctx)
    b = b[b["submitted"].to_numpy(dtype=bool) & b["ocid"].isin(p.index).to_numpy()]
    if b.empty:
        return
    b = b.assign(d=b["code"].eq("disqualified"), pe=b["ocid"].map(p["procuring_entity_id"]))
    per = b.groupby("pe").agg(n=("d", "size"), d=("d", "sum"), t=("ocid", "nunique"))
    per = per[per["n"].ge(cfg["minimum_contracting_processes"])]
    if per.empty:
        return
    ratio = per["d"] / per["n"]
    upper, _, fence_vi, fence_en = O.fence_or_threshold(ratio, "upper", cfg["threshold"])
    if not upper > 0:
        return
    hit = per[ratio.ge(upper).to_numpy()]
    names = authority_names(ctx)
    high = exact(cfg["high_share"])
    minimum = cfg["minimum_contracting_processes"]
    aw = O.awards(ctx)
    for pe, g in b[b["pe"].isin(hit.index)].sort_values(["pe", "ocid", "position"]) \
            .groupby("pe", sort=True):
        n, d, t = int(hit.at[pe, "n"]), int(hit.at[pe, "d"]), int(hit.at[pe, "t"])
        r = d / n
        hit_p, shown = _with_disqualified(g, "ocid")
        label = f"{names[pe]} ({pe})" if pe in names else pe
        score = _score(r, upper, n >= 2 * minimum)
        dq = g[g["d"]]
        evidence = [ref("ocds_tenders", x) for x in hit_p.index]
        evidence += [ref("ocds_bids", x, y) for x, y in zip(dq["ocid"], dq["bid_id"])]
        winners = sorted({v for x in hit_p.index if x in aw.index for v in aw.at[x, "winners"]})
        rows = O.processes(ctx).loc[list(dict.fromkeys(g["ocid"]))]
        pc = ctx.authority_province.get(pe)
        yield Hit(
            subject_id=pe, severity="high" if Fraction(d, n) >= high else "medium", score=score,
            detail_vi=(f"Bên mời thầu {label}: trong {t} quy trình OCDS có hồ sơ dự thầu đã nộp "
                       f"(không tính invited, withdrawn), {d}/{n} hồ sơ bị loại (disqualified) = "
                       f"{B.fmt_num(r, 'vi', 4)} ≥ ngưỡng trên {fence_vi} (quy tắc Cardinal R038, "
                       f"bên mời thầu có ≥ {minimum} hồ sơ). Quy trình có hồ sơ bị loại (bị "
                       f"loại/đã nộp): {shown}."),
            detail_en=(f"Procuring entity {label}: in {t} OCDS process(es) with submitted bids (not "
                       f"invited or withdrawn), {d}/{n} bids disqualified = "
                       f"{B.fmt_num(r, 'en', 4)} ≥ the upper fence {fence_en} (Cardinal R038, "
                       f"entities with ≥ {minimum} bids). Processes with disqualified bids "
                       f"(disqualified/submitted): {shown}."),
            evidence=evidence,
            parties={"procuring_entity": [pe], "vendor": winners},
            province_code=pc if isinstance(pc, str) else O.common(rows["province_code"]),
            school_year=O.common(rows["school_year"]))

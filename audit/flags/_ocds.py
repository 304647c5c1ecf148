"""OCDS views for the five flags that can follow Cardinal's definitions (``definition =
"cardinal"`` in their settings; docs/conformance.md, docs/ocds.md "For the flags"):
PRC-SINGLE (R018), COL-IDENTICAL (R028), PRC-LATE-WIN (R030), PRC-ALL-DISQ (R035) and
PRC-LOWEST-DISQ (R036).

In Cardinal mode a flag evaluates every OCDS contracting process (an ``ocid`` of
``ocds_tenders``) with Cardinal's definition, over the OCDS-only tables; a tender that exists
only in the contract tables (data entered as CSV) keeps the catalogue's definition, with the
same settings (:func:`csv_only`).  The OCDS tables are read only when a flag in Cardinal mode
asks for them, once per run (:meth:`audit.context.Context.cache`), and only the columns these
flags use; a store without OCDS data costs one query, and frames built from rows (fixtures)
have none.

- :func:`processes` — one row per process (index ``ocid``): tender status, the raw
  ``procurementMethod`` and ``procurementMethodDetails``, ``numberOfTenderers``, the tender
  period's end (canonical text, calendar day, whether it has a time) and, where the process
  has a tender in the contract tables, its province, school year and procuring entity;
- :func:`tested` — the processes Cardinal tests: not ``cancelled``, not an excluded
  ``procurementMethodDetails`` (and, for price comparisons, not a "no price comparison" one);
- :func:`bids` — every OCDS bid with its bidStatus ``code``, whether it was *submitted*
  (Cardinal: a written status other than ``invited`` and ``withdrawn``), amount, currency,
  date and the frozenset of its tenderers' vendor ids (empty: no known tenderer);
- :func:`sole_suppliers` / :func:`award_items` — the active awards naming one supplier, and
  the awards' classified items (R048);
- :func:`awards` — per process: the number of active awards, the ``winners`` (suppliers of
  active awards), the active award ids, whether every award is ``final``, and the
  ``sole_supplier`` of a process whose only active award names exactly one supplier.

The three flags added from Cardinal's indicators (COL-UNSUCCESSFUL R025, PRC-DISQ-RATE R038,
CON-HETERO R048) pool the processes per vendor or procuring entity and compare each with a fence
computed on the data: :func:`quantile` is Cardinal's (statrs ``OrderStatistics``),
:func:`fence` its ``Q1 − 1.5 IQR`` / ``Q3 + 1.5 IQR``, and :func:`run_pooled` joins, for one
subject, what Cardinal's definition finds in the OCDS processes and what the catalogue's finds in
the tenders entered as CSV.
"""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import chain
from typing import Callable, Iterable, Iterator

import pandas as pd

from procurement.ocds import _BID_SYNONYMS, UNKNOWN_PREFIX
from procurement.ocds_rules import BID_STATUS

from ..registry import Hit
from ..settings import check_choice
from ._bids import fmt_num, status_vi, vlabel
from ._common import ref

#: The columns of the OCDS-only tables these flags read (procurement/ocds_store.py).
COLUMNS = {
    "ocds_tenders": ("ocid", "status", "procurement_method", "procurement_method_details",
                     "number_of_tenderers", "value_amount", "value_currency",
                     "tender_period_end", "procuring_entity_id", "has_bid_details"),
    "ocds_bids": ("ocid", "bid_id", "position", "status", "status_raw", "amount", "currency",
                  "date"),
    "ocds_bid_tenderers": ("ocid", "bid_id", "position", "vendor_id"),
    "ocds_awards": ("ocid", "award_id", "position", "status", "status_raw"),
    "ocds_award_suppliers": ("ocid", "award_id", "position", "vendor_id"),
    "ocds_award_items": ("ocid", "award_id", "position", "classification_id"),
}

#: Award statuses Cardinal takes as final (R035: every award with a status has one of these).
FINAL_AWARD = ("active", "cancelled", "unsuccessful")
#: Bid statuses that are not a submitted bid (Cardinal's ``get_submitted_bids``).
NOT_SUBMITTED = ("invited", "withdrawn")


# --- mode ------------------------------------------------------------------------------------
def cardinal(cfg: dict) -> bool:
    """Does this flag's section ask for Cardinal's definition?  (The value is checked when the
    settings are loaded; a fixture that sets it directly is checked here.)"""
    value = cfg.get("definition", "catalogue")
    check_choice("definition", value)
    return value == "cardinal"


def needs(catalogue: tuple[str, ...]):
    """The ``needs_for`` of a flag whose catalogue definition needs ``catalogue``: in Cardinal
    mode a store with OCDS processes needs nothing more (they carry their own bids and awards);
    otherwise the catalogue's tables."""
    def needs_for(ctx, cfg) -> tuple[str, ...]:
        if cardinal(cfg) and not tables(ctx)["ocds_tenders"].empty:
            return ()
        return catalogue
    return needs_for


def run(ctx, cfg: dict, catalogue, cardinal_def) -> Iterable[Hit]:
    """A flag's hits: ``catalogue(ctx, cfg)`` by default; in Cardinal mode, its hits about
    tenders entered as CSV followed by ``cardinal_def(ctx, cfg)`` over the OCDS processes."""
    if not cardinal(cfg):
        return catalogue(ctx, cfg)
    return chain(csv_only(ctx, catalogue(ctx, cfg)), cardinal_def(ctx, cfg))


def csv_only(ctx, hits: Iterable[Hit]) -> Iterator[Hit]:
    """The catalogue's hits about tenders that are not OCDS processes (Cardinal mode: those
    are evaluated with Cardinal's definition)."""
    ocids = set(processes(ctx).index)
    return (h for h in hits if h.subject_id not in ocids)


# --- tables ----------------------------------------------------------------------------------
def tables(ctx) -> dict[str, pd.DataFrame]:
    """The OCDS-only tables, only the :data:`COLUMNS` (empty frames without a store or when the
    store holds no OCDS process)."""
    def build(ctx):
        engine = getattr(ctx.frames, "engine", None)
        if engine is None:
            return {name: pd.DataFrame(columns=list(cols)) for name, cols in COLUMNS.items()}
        from procurement.ocds_store import load_ocds_frames
        return load_ocds_frames(engine, COLUMNS)
    return ctx.cache("ocds.tables", build)


def _text(s: pd.Series) -> pd.Series:
    return s.astype("object").where(s.notna(), None)


def processes(ctx) -> pd.DataFrame:
    """One row per OCDS process, indexed by ``ocid`` (see the module's docstring)."""
    def build(ctx):
        t = tables(ctx)["ocds_tenders"].drop_duplicates("ocid").set_index("ocid", drop=False)
        out = pd.DataFrame(index=t.index)
        out["ocid"] = t["ocid"]
        for c in ("status", "procurement_method", "procurement_method_details",
                  "value_currency", "tender_period_end"):
            out[c] = _text(t[c])
        out["number_of_tenderers"] = pd.to_numeric(t["number_of_tenderers"], errors="coerce")
        out["value_amount"] = pd.to_numeric(t["value_amount"], errors="coerce")
        end = out["tender_period_end"].astype("str").where(out["tender_period_end"].notna())
        out["end_day"] = pd.to_datetime(end.str.slice(0, 10), errors="coerce")
        out["end_has_time"] = end.str.len().fillna(0).gt(10)
        ct = ctx.tenders.drop_duplicates("tender_id").set_index("tender_id")
        out["has_tender"] = out.index.isin(ct.index)
        for c in ("province_code", "school_year", "method"):
            out[c] = _text(out.index.to_series().map(ct[c]))
        pe = out.index.to_series().map(ct["procuring_entity_id"])
        out["procuring_entity_id"] = _text(pe.where(pe.notna(), t["procuring_entity_id"]))
        return out
    return ctx.cache("ocds.processes", build)


def tested(ctx, cfg: dict, *, price: bool = False) -> pd.DataFrame:
    """The processes Cardinal tests with this flag's settings: not ``cancelled``, whose
    ``procurementMethodDetails`` is not in ``excluded_method_details`` (nor, when ``price``,
    in ``no_price_method_details``)."""
    p = processes(ctx)
    details = p["procurement_method_details"]
    keep = p["status"].ne("cancelled") & ~details.isin(list(cfg.get("excluded_method_details", [])))
    if price:
        keep &= ~details.isin(list(cfg.get("no_price_method_details", [])))
    return p[keep.to_numpy(dtype=bool)]


def _bid_code(raw) -> str | None:
    """The bidStatus code of a written status (the ingest's mapping, before ``late``)."""
    if not isinstance(raw, str):
        return None
    low = raw.strip().casefold()
    for c in BID_STATUS:
        if c == low:
            return c
    return _BID_SYNONYMS.get(low)


def bids(ctx) -> pd.DataFrame:
    """Every OCDS bid: ``ocid``, ``bid_id``, ``position``, ``code`` (the bidStatus code;
    ``statusDetails: late`` is not a status here, as in Cardinal), ``has_status``,
    ``submitted``, ``amount``, ``currency``, ``date`` (canonical, Vietnam time), ``date_day``,
    ``date_has_time``, ``tenderers`` (frozenset of vendor ids; empty: none known) and
    ``n_entries`` (the number of tenderers as written, known or not: Cardinal's "a bid of one
    tenderer" is ``n_entries == 1`` with that tenderer known)."""
    def build(ctx):
        o = tables(ctx)
        b = o["ocds_bids"].sort_values(["ocid", "position"]).reset_index(drop=True)
        out = pd.DataFrame({"ocid": _text(b["ocid"]), "bid_id": _text(b["bid_id"]),
                            "position": pd.to_numeric(b["position"], errors="coerce")})
        status, raw = _text(b["status"]), _text(b["status_raw"])
        late = status.eq("late").to_numpy(dtype=bool)
        code = status.copy()
        code[late] = raw[late].map(_bid_code)
        out["code"] = _text(code)
        out["has_status"] = raw.notna() | status.notna()
        out["submitted"] = out["has_status"] & ~out["code"].isin(NOT_SUBMITTED)
        out["amount"] = pd.to_numeric(b["amount"], errors="coerce").astype("float64")
        out["currency"] = _text(b["currency"])
        date = _text(b["date"])
        out["date"] = date
        text = date.astype("str").where(date.notna())
        out["date_day"] = pd.to_datetime(text.str.slice(0, 10), errors="coerce")
        out["date_has_time"] = text.str.len().fillna(0).gt(10)
        bt = o["ocds_bid_tenderers"].dropna(subset=["vendor_id"])
        sets = bt.groupby(["ocid", "bid_id"])["vendor_id"].agg(frozenset)
        keys = pd.MultiIndex.from_arrays([out["ocid"], out["bid_id"]])
        got = sets.reindex(keys).to_numpy(dtype=object)
        out["tenderers"] = [s if isinstance(s, frozenset) else frozenset() for s in got]
        entries = o["ocds_bid_tenderers"].groupby(["ocid", "bid_id"]).size()
        out["n_entries"] = entries.reindex(keys).fillna(0).astype("int64").to_numpy()
        return out
    return ctx.cache("ocds.bids", build)


def awards(ctx) -> pd.DataFrame:
    """Per process with awards (index ``ocid``): ``n_active`` (active awards), ``winners``
    (frozenset of the vendor ids of their suppliers), ``active_ids`` (their award ids, in
    order) and ``final`` (every award with a written status is active, cancelled or
    unsuccessful: a ``pending`` award, or a status outside the codelist such as ``invalid``,
    is not final; an award with no status at all is not looked at, as in Cardinal) and
    ``sole_supplier`` (the vendor id of the supplier of the only active award when that award
    names exactly one supplier, and it is known; else None: Cardinal R025's winner)."""
    def build(ctx):
        o = tables(ctx)
        a = o["ocds_awards"].sort_values(["ocid", "position"])
        status, raw = _text(a["status"]), _text(a["status_raw"])
        active = status.eq("active").to_numpy(dtype=bool)
        written = (status.notna() | raw.notna()).to_numpy(dtype=bool)
        not_final = written & ~status.isin(FINAL_AWARD).to_numpy(dtype=bool)
        ocid = _text(a["ocid"])
        out = pd.DataFrame(index=pd.Index(ocid.drop_duplicates(), name="ocid"))
        out["n_active"] = ocid[active].value_counts().reindex(out.index, fill_value=0)
        out["final"] = ~out.index.isin(ocid[not_final])
        act = a[active]
        ids = act.groupby("ocid")["award_id"].agg(list)
        out["active_ids"] = [ids.get(k, []) for k in out.index]
        s = o["ocds_award_suppliers"].dropna(subset=["vendor_id"])
        s = s.merge(act[["ocid", "award_id"]], on=["ocid", "award_id"])
        win = s.groupby("ocid")["vendor_id"].agg(frozenset)
        out["winners"] = [win.get(k, frozenset()) for k in out.index]
        alone = sole_suppliers(ctx).drop_duplicates("ocid").set_index("ocid")["vendor_id"]
        sole = out.index.to_series().map(alone).where(out["n_active"].eq(1))
        out["sole_supplier"] = _text(sole).to_numpy(dtype=object)
        return out
    return ctx.cache("ocds.awards", build)


def sole_suppliers(ctx) -> pd.DataFrame:
    """The active awards that name exactly one supplier, and it is known: ``ocid``,
    ``award_id``, ``vendor_id`` (Cardinal R025 and R048 read only these: "don't assume that all
    suppliers supply all items")."""
    def build(ctx):
        o = tables(ctx)
        a = o["ocds_awards"]
        act = a.loc[_text(a["status"]).eq("active").to_numpy(dtype=bool), ["ocid", "award_id"]]
        s = o["ocds_award_suppliers"].merge(act, on=["ocid", "award_id"])
        n = s.groupby(["ocid", "award_id"])["position"].transform("size")
        s = s[n.eq(1).to_numpy(dtype=bool) & s["vendor_id"].notna().to_numpy(dtype=bool)]
        return s[["ocid", "award_id", "vendor_id"]].reset_index(drop=True)
    return ctx.cache("ocds.sole_suppliers", build)


def award_items(ctx) -> pd.DataFrame:
    """The classified items of the OCDS awards: ``ocid``, ``award_id``, ``position``,
    ``classification_id`` (as written; items without one are left out)."""
    def build(ctx):
        it = tables(ctx)["ocds_award_items"]
        known = it["classification_id"].map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
        return it[known].reset_index(drop=True)
    return ctx.cache("ocds.award_items", build)



# --- Cardinal's fences ------------------------------------------------------------------------
def quantile(values: Iterable[float], tau: float) -> float:
    """The ``tau`` quantile as Cardinal computes it (cardinal-rs uses statrs'
    ``OrderStatistics::quantile`` on ``Data``): Hyndman & Fan's type 8 ("approximately
    median-unbiased", R's ``quantile(type = 8)``) — with the values sorted x[1..n],
    h = (n + 1/3)·tau + 1/3, hf = h truncated; the minimum when hf ≤ 0 or tau = 0, the maximum
    when hf ≥ n or tau = 1, else x[hf] + (h − hf)·(x[hf+1] − x[hf]).  NaN for no values."""
    x = sorted(float(v) for v in values)
    n = len(x)
    if not 0.0 <= tau <= 1.0 or n == 0:
        return math.nan
    h = (n + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)                                  # Rust's ``h as i64``: toward zero
    if hf <= 0 or tau == 0.0:
        return x[0]
    if hf >= n or tau >= 1.0 - 4 * math.ulp(0.5):  # statrs: ``ulps_eq!(tau, 1.0)``
        return x[-1]
    a, b = x[hf - 1], x[hf]
    return a + (h - hf) * (b - a)


def _mul_add(a: float, b: float, c: float) -> float:
    """``a.mul_add(b, c)`` of Rust: a × b + c rounded once (exact in fractions, then rounded)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def fence(values: Iterable[float], side: str) -> tuple[float, float, float]:
    """Cardinal's outlier fence of ``values`` and the quartiles it rests on: ``(fence, q1,
    q3)`` with the fence Q1 − 1.5 × IQR (``side = "lower"``) or Q3 + 1.5 × IQR
    (``"upper"``), quartiles by :func:`quantile` (statrs ``lower_quartile``/``upper_quartile``)."""
    values = list(values)
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    if side == "lower":
        return _mul_add(q3 - q1, -1.5, q1), q1, q3
    return _mul_add(q3 - q1, 1.5, q3), q1, q3


def fence_or_threshold(values: Iterable[float], side: str, threshold
                       ) -> tuple[float, float | None, str, str]:
    """Cardinal's fence: ``threshold`` when it is given (≥ 0; a negative value, the default,
    stands for Cardinal's "not set"), else :func:`fence` computed on ``values``.  Returns the
    fence, Q1 (None for a given threshold) and the fence said in Vietnamese and English."""
    if threshold is not None and threshold >= 0:
        value = float(threshold)
        return (value, None, f"ngưỡng đặt sẵn {fmt_num(value, 'vi', 4)}",
                f"the set threshold {fmt_num(value, 'en', 4)}")
    value, q1, q3 = fence(values, side)
    sign, q = ("−", q1) if side == "lower" else ("+", q3)
    name = "Q1" if side == "lower" else "Q3"
    vi, en = ((f"{name} {sign} {k} × IQR = {fmt_num(q, lang, 4)} {sign} {k} × "
               f"{fmt_num(q3 - q1, lang, 4)} = {fmt_num(value, lang, 4)}")
              for lang, k in (("vi", "1,5"), ("en", "1.5")))
    return value, q1, vi, en


# --- flags that pool processes per subject -----------------------------------------------------
def run_pooled(ctx, cfg: dict, catalogue: Callable, cardinal_def: Callable,
               catalogue_needs: tuple[str, ...]) -> Iterable[Hit]:
    """The hits of a flag whose subject pools many processes (a vendor, a procuring entity).

    By default ``catalogue(ctx, cfg, set())``.  In Cardinal mode ``cardinal_def(ctx, cfg)``
    over the OCDS processes and ``catalogue(ctx, cfg, ocids)`` over the tenders entered as CSV
    (the OCDS processes, ``ocids``, are left out of it; skipped when a table it needs is empty);
    a subject found by both is one finding: Cardinal's, with the catalogue's text, evidence and
    parties added, and the higher severity and score."""
    if not cardinal(cfg):
        return catalogue(ctx, cfg, set())
    card = {h.subject_id: h for h in cardinal_def(ctx, cfg)}
    cat: list[Hit] = []
    if not any(ctx.frames.empty(t) for t in catalogue_needs):
        cat = list(catalogue(ctx, cfg, set(processes(ctx).index)))
    for h in cat:
        card[h.subject_id] = _joined(card[h.subject_id], h) if h.subject_id in card else h
    return [card[k] for k in sorted(card)]


_RANK = {"low": 0, "medium": 1, "high": 2}


def _joined(a: Hit, b: Hit) -> Hit:
    parties = {k: sorted(set(a.parties.get(k, [])) | set(b.parties.get(k, [])))
               for k in set(a.parties) | set(b.parties)}
    return Hit(subject_id=a.subject_id,
               severity=max(a.severity, b.severity, key=_RANK.get), score=max(a.score, b.score),
               detail_vi=f"{a.detail_vi} Gói thầu nhập từ CSV: {b.detail_vi}",
               detail_en=f"{a.detail_en} Tenders entered as CSV: {b.detail_en}",
               evidence=list(dict.fromkeys([*a.evidence, *b.evidence])), parties=parties,
               province_code=a.province_code if a.province_code == b.province_code else None,
               school_year=a.school_year if a.school_year == b.school_year else None)


def common(values: Iterable) -> str | None:
    """The one value all of ``values`` share (None values left out), else None."""
    s = {v for v in values if isinstance(v, str)}
    return next(iter(s)) if len(s) == 1 else None


def of_vendor(ctx, vendor: str, ocids: list) -> dict:
    """``parties``, ``province_code`` and ``school_year`` of a vendor finding over the OCDS
    processes ``ocids``: the vendor, the procuring entities of those processes (not the
    ``unknown:<ocid>`` placeholders), and the province and school year they all share."""
    rows = processes(ctx).loc[ocids]
    pes = {x for x in rows["procuring_entity_id"].dropna() if not x.startswith(UNKNOWN_PREFIX)}
    return {"parties": {"vendor": [vendor], "procuring_entity": sorted(pes)},
            "province_code": common(rows["province_code"]),
            "school_year": common(rows["school_year"])}


# --- findings --------------------------------------------------------------------------------
def evidence(p, bid_ids: Iterable[str] = (), award_ids: Iterable[str] = ()) -> list[str]:
    """``tenders:<ocid>`` when the process has a tender in the contract tables,
    ``ocds_tenders:<ocid>``, the bids ``ocds_bids:<ocid>/<bid_id>`` and the awards
    ``ocds_awards:<ocid>/<award_id>`` a finding rests on (``p``: a row of :func:`processes`)."""
    out = [ref("tenders", p.ocid)] if p.has_tender else []
    out.append(ref("ocds_tenders", p.ocid))
    out += [ref("ocds_bids", p.ocid, b) for b in bid_ids]
    out += [ref("ocds_awards", p.ocid, a) for a in award_ids]
    return out


def parties(p, vendors: Iterable[str] = ()) -> dict[str, list[str]]:
    """The procuring entity and the vendors of a process finding."""
    out = {"vendor": sorted({v for v in vendors if isinstance(v, str)})}
    if isinstance(p.procuring_entity_id, str):
        out["procuring_entity"] = [p.procuring_entity_id]
    return out


def where(p) -> dict:
    """The province and school year of a process, when its tender says so."""
    return {"province_code": p.province_code, "school_year": p.school_year}


def tenderer_label(ctx, tenderers: frozenset, lang: str) -> str:
    """A bid's tenderers for the texts: ``A + B`` for a consortium; said so when none is known."""
    if tenderers:
        return " + ".join(vlabel(ctx, v) for v in sorted(tenderers))
    return "nhà thầu không rõ" if lang == "vi" else "tenderer unknown"


def status_text(code, lang: str) -> str:
    """A bid's status for the texts (a written status outside the codelist is said so)."""
    if isinstance(code, str):
        return status_vi(code) if lang == "vi" else code
    return "trạng thái ngoài danh mục" if lang == "vi" else "status outside the codelist"

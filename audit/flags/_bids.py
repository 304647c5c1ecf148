"""Shared pieces of the bid and contract flags: PRC-NOSAVE, PRC-LOWEST-DISQ, PRC-ALL-DISQ,
PRC-LATE-WIN, COL-IDENTICAL, COL-CLOSE (bids and the winning bid), PRC-UNITPRICE and
PRC-NEWVENDOR (contracts).

- :func:`bids` — every bid with its tender's winner, province, school year and value, computed
  once per :class:`~audit.context.Context` and shared by the flags of this family;
- :func:`winning_bids` — one row per awarded tender whose winner has a bid (flags.md: "the
  winning bid is the winner's bid in that tender; without one, the rules about the winning bid
  do not fire"), with the contract that names the winner;
- :func:`instants` — the ISO instants of the date-time columns.
"""
from __future__ import annotations

import re

import pandas as pd

from ._common import ref


# --- winners and bids ------------------------------------------------------------------------
def bids(ctx) -> pd.DataFrame:
    """Every bid (one per tender and vendor) with its tender's ``winner``, ``win_contract``,
    ``province_code``, ``school_year``, ``procuring_entity_id``, ``value`` and ``method``, and
    ``is_win`` (this bid is the winning bid)."""
    def build(ctx):
        b = ctx["bids"].drop_duplicates(["tender_id", "vendor_id"], keep="first")
        b = b[["tender_id", "vendor_id", "price_vnd", "status", "submitted_on",
               "submitted_on_day", "submitted_on_has_time"]]
        t = ctx.tenders[["tender_id", "winner", "province_code", "school_year",
                         "procuring_entity_id", "value", "estimated_value_vnd", "method",
                         "bid_deadline", "bid_deadline_day", "bid_deadline_has_time"]]
        b = b.merge(t, on="tender_id", how="left")
        b["win_contract"] = b["tender_id"].map(ctx.winner_contracts)
        b["is_win"] = b["vendor_id"].eq(b["winner"]).fillna(False).astype(bool)
        return b.reset_index(drop=True)
    return ctx.cache("bids.bids", build)


def winning_bids(ctx, statuses=None) -> pd.DataFrame:
    """The winning bid of each awarded tender that has one, indexed by tender_id; only those
    whose status is one of ``statuses`` when given (a settings list: empty means any)."""
    def build(ctx):
        b = bids(ctx)
        w = b[b["is_win"]].drop_duplicates("tender_id")
        return w.set_index("tender_id", drop=False)
    w = ctx.cache("bids.winning_bids", build)
    wanted = as_list(statuses)
    return w[w["status"].isin(wanted)] if wanted else w


def vendor_names(ctx) -> dict[str, str]:
    """vendor_id → registered name."""
    def build(ctx):
        v = ctx["vendors"].dropna(subset=["vendor_id"])
        return {k: n for k, n in zip(v["vendor_id"], v["name"]) if isinstance(n, str)}
    return ctx.cache("bids.vendor_names", build)


def vlabel(ctx, vendor_id) -> str:
    """``Name (tax code)`` for the texts, or the tax code alone when the name is unknown."""
    if not isinstance(vendor_id, str):
        return "—"
    name = vendor_names(ctx).get(vendor_id)
    return f"{name} ({vendor_id})" if name else vendor_id


def tender_evidence(row, bid_vendors=()) -> list[str]:
    """``tenders:<id>``, the given bids and the contract that names the winner."""
    out = [ref("tenders", row.tender_id)]
    out += [ref("bids", row.tender_id, v) for v in bid_vendors]
    wc = getattr(row, "win_contract", None)
    if isinstance(wc, str):
        out.append(ref("contracts", wc))
    return out


def tender_parties(row, vendors=()) -> dict[str, list[str]]:
    """The procuring entity and the vendors a tender finding is about (winner first)."""
    vs = []
    if isinstance(getattr(row, "winner", None), str):
        vs.append(row.winner)
    vs += [v for v in vendors if isinstance(v, str)]
    out = {"vendor": list(dict.fromkeys(vs))}
    if isinstance(getattr(row, "procuring_entity_id", None), str):
        out["procuring_entity"] = [row.procuring_entity_id]
    return out


def vendors_by_tender(df: pd.DataFrame) -> dict[str, list[str]]:
    """tender_id → the sorted vendor_ids of the bids in ``df``."""
    out: dict[str, list[str]] = {}
    if df.empty:
        return out
    d = df[["tender_id", "vendor_id"]].dropna().sort_values(["tender_id", "vendor_id"])
    for t, v in zip(d["tender_id"].tolist(), d["vendor_id"].tolist()):
        out.setdefault(t, []).append(v)
    return out


def where(row) -> dict:
    """The province and school year of a tender finding."""
    return {"province_code": row.province_code, "school_year": row.school_year}


def as_list(value) -> list[str]:
    """A settings value that lists statuses (a single string is a list of one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


# --- dates -----------------------------------------------------------------------------------
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def instants(text: pd.Series) -> pd.Series:
    """The UTC instants of canonical date-time texts (a time without offset is Vietnam time);
    NaT for a date without a time or an empty value."""
    s = text.where(text.str.len().fillna(0).gt(10))
    # Each distinct text once (a deadline repeats on every bid of its tender), then spread back.
    codes, uniq = pd.factorize(s.to_numpy(dtype=object))
    if not len(uniq):
        return pd.to_datetime(s, utc=True, format="ISO8601", errors="coerce")
    u = pd.Series([v if not isinstance(v, str) or _OFFSET.search(v) else v + "+07:00"
                   for v in uniq], dtype=object)
    conv = pd.to_datetime(u, utc=True, format="ISO8601", errors="coerce").array
    return pd.Series(conv.take(codes, allow_fill=True), index=text.index, name=text.name)


def lateness(sub: pd.Series, sub_day: pd.Series, sub_has_time: pd.Series, deadline: pd.Series,
             deadline_day: pd.Series, deadline_has_time: pd.Series) -> pd.DataFrame:
    """Was each submission after its deadline?  ``after``, ``late_days`` (NaN when it cannot be
    said) and ``as_instants``: compared as instants when both carry a time, else as Vietnam
    calendar days.  The six Series are aligned (canonical texts, ``*_day``, ``*_has_time``)."""
    both_time = sub_has_time.fillna(False).astype(bool) & deadline_has_time.fillna(False).astype(bool)
    sub_i, dl_i = instants(sub), instants(deadline)
    inst_ok = both_time & sub_i.notna() & dl_i.notna()
    days_ok = ~inst_ok & sub_day.notna() & deadline_day.notna()
    by_inst = inst_ok & (sub_i > dl_i)
    by_day = days_ok & (sub_day > deadline_day)
    delta_i = (sub_i - dl_i) / pd.Timedelta(days=1)
    delta_d = (sub_day - deadline_day) / pd.Timedelta(days=1)
    return pd.DataFrame({"after": (by_inst | by_day).fillna(False).astype(bool),
                         "late_days": delta_i.where(inst_ok, delta_d),
                         "as_instants": inst_ok.astype(bool)})


# --- texts -----------------------------------------------------------------------------------
STATUS_VI = {"valid": "hợp lệ", "disqualified": "bị loại", "withdrawn": "đã rút", "late": "nộp muộn",
             "pending": "đang chờ xét", "invited": "được mời"}


def status_vi(s: str) -> str:
    return STATUS_VI.get(s, s)


def fmt_num(x: float, lang: str, digits: int = 2) -> str:
    """A decimal number with up to ``digits`` decimals: ``2,35`` in Vietnamese, ``2.35`` in
    English (thousands grouped with ``.`` in Vietnamese, ``,`` in English)."""
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def fmt_pct2(x: float, lang: str) -> str:
    """A share as a percentage with up to two decimals (``99,5%`` / ``99.5%``)."""
    return fmt_num(x * 100, lang) + "%"


def fmt_money(x: float, lang: str) -> str:
    """``125.000.000 đ`` in Vietnamese, ``125,000,000 VND`` in English."""
    if float(x).is_integer():
        text = f"{int(x):,}"
        return text.replace(",", ".") + " đ" if lang == "vi" else text + " VND"
    return fmt_num(float(x), lang, 1) + (" đ" if lang == "vi" else " VND")  # a median of .5


def fmt_amount(x: float, currency, lang: str) -> str:
    """An amount in its own currency: VND as :func:`fmt_money`; another currency as
    ``1.234,5 USD`` / ``1,234.5 USD`` (never called VND); no currency given: said so."""
    if currency == "VND":
        return fmt_money(x, lang)
    number = fmt_num(float(x), lang, 2)
    if isinstance(currency, str) and currency:
        return f"{number} {currency}"
    return number + (" (không rõ đơn vị tiền)" if lang == "vi" else " (currency not given)")


def fmt_duration(days: float, lang: str) -> str:
    """A lateness in days as ``1 ngày 2 giờ 5 phút`` / ``1 day 2 h 5 min`` (seconds when
    under a minute)."""
    total = int(round(days * 86400))
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    units = (("ngày", "giờ", "phút", "giây") if lang == "vi" else ("day(s)", "h", "min", "s"))
    parts = [f"{n} {u}" for n, u in zip((d, h, m), units) if n]
    if not parts:
        parts = [f"{sec} {units[3]}"]
    return " ".join(parts)

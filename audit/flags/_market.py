"""Helpers of the market (CON) and pilot-governance (GOV) flags: number formatting, the schools
each vendor group serves per market, deployment evidence and the links that join a vendor group
(jurisdictions are the context's: :meth:`audit.context.Context.in_jurisdiction`).

Everything derived from the context is computed once per run (:meth:`Context.cache`, names
``market.*``), so the five CON flags share one pass.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable

import pandas as pd

from ._common import day, ref

MARKET_KEYS = ["province_code", "service", "school_year"]

#: At most this many deployments per group (per market) are cited as evidence of a market
#: finding; the detail always gives the full counts.  A market of a large province has
#: thousands of deployments, and citing them all would make the findings file unreadable.
EVIDENCE_PER_GROUP = 20


# --- exact arithmetic ------------------------------------------------------------------------
def frac(num, den) -> Fraction:
    """``num / den`` of two whole counts, exactly."""
    return Fraction(int(num), int(den))


# --- formatting ------------------------------------------------------------------------------
def num_en(x, decimals: int = 1) -> str:
    """``2,350.5`` (trailing ``.0`` dropped)."""
    s = f"{float(x):,.{decimals}f}"
    if decimals and s.endswith("." + "0" * decimals):
        s = s[: -(decimals + 1)]
    return s


def num_vi(x, decimals: int = 1) -> str:
    """``2.350,5``: Vietnamese grouping and decimal comma."""
    return num_en(x, decimals).replace(",", "\0").replace(".", ",").replace("\0", ".")


def pct_en(x, decimals: int = 1) -> str:
    return num_en(float(x) * 100, decimals) + "%"


def pct_vi(x, decimals: int = 1) -> str:
    return num_vi(float(x) * 100, decimals) + "%"


def market_id(pc, service, year) -> str:
    return f"{pc}/{service}/{year}"


def only_one(values: Iterable[str]) -> str | None:
    """The province or school year of a finding that may hold in several: the value when there
    is one, none (not tied to one, so a selection never hides it) when there are several."""
    vs = sorted(set(values))
    return vs[0] if len(vs) == 1 else None


single_year = only_one


def dep_ref(school_id, school_year, service, vendor_id) -> str:
    return ref("deployments", school_id, school_year, service, vendor_id)


# --- markets ---------------------------------------------------------------------------------
def served(ctx) -> pd.DataFrame:
    """One row per pilot/live deployment with a known school province: ``province_code``,
    ``service``, ``school_year``, ``school_id``, ``vendor_id``, ``group``, ``family``, sorted;
    plus integer codes ``s_code`` (school), ``g_code`` (group) and ``py_code`` (province and
    school year) for fast set arithmetic."""
    def build(ctx):
        d = ctx.active_deployments
        d = d.loc[d["province_code"].notna(),
                  ["province_code", "service", "school_year", "school_id", "vendor_id", "group"]]
        fam = d["vendor_id"].map(ctx.groups.family_of)
        d = d.assign(family=fam.fillna(d["vendor_id"]))
        d = d.sort_values(MARKET_KEYS + ["group", "school_id", "vendor_id"]).reset_index(drop=True)
        d["s_code"] = pd.factorize(d["school_id"])[0].astype("int64")
        d["g_code"] = pd.factorize(d["group"])[0].astype("int64")
        d["py_code"] = pd.factorize(d["province_code"] + "|" + d["school_year"])[0].astype("int64")
        return d
    return ctx.cache("market.served", build)


def shares(ctx) -> pd.DataFrame:
    """Schools served per (market, group) and the market's schools (``schools``,
    ``market_schools``): the same figures as ``ctx.market_shares``, as integers."""
    def build(ctx):
        ms = ctx.market_shares
        ms = ms[ms["province_code"].notna()].copy()
        ms["schools"] = ms["schools"].astype("int64")
        ms["market_schools"] = ms["market_schools"].astype("int64")
        return ms
    return ctx.cache("market.shares", build)


def group_evidence(ctx, keys: pd.DataFrame, *, cap: int = EVIDENCE_PER_GROUP) -> dict[tuple, list[str]]:
    """Deployment references for (province_code, service, school_year, group) rows of
    ``keys``: up to ``cap`` per row, smallest school ids first."""
    if keys.empty:
        return {}
    k = keys[MARKET_KEYS + ["group"]].drop_duplicates()
    d = served(ctx).merge(k, on=MARKET_KEYS + ["group"])
    d = d.groupby(MARKET_KEYS + ["group"], sort=False).head(cap)
    out: dict[tuple, list[str]] = {}
    for pc, sv, y, g, s, v in zip(d["province_code"], d["service"], d["school_year"], d["group"],
                                  d["school_id"], d["vendor_id"]):
        out.setdefault((pc, sv, y, g), []).append(dep_ref(s, y, sv, v))
    return out


# --- vendor group links ----------------------------------------------------------------------
LINK_VI = {
    "parent": "công ty mẹ/trụ sở chính được khai báo",
    "phone": "cùng số điện thoại",
    "email": "cùng thư điện tử",
    "address": "cùng địa chỉ",
    "legal_representative": "cùng một người đại diện theo pháp luật",
    "owner": "cùng một người là chủ sở hữu/cổ đông/thành viên sáng lập nắm từ 25% ở cả hai",
}
LINK_EN = {
    "parent": "declared parent/head office",
    "phone": "same phone",
    "email": "same e-mail",
    "address": "same address",
    "legal_representative": "one legal representative of both",
    "owner": "one owner/shareholder/founding member with ≥ 25% in both",
}


REASON_VI = {"national_id": "cùng số định danh", "name+birth+phone": "cùng họ tên, ngày sinh, điện thoại",
             "name+birth+email": "cùng họ tên, ngày sinh, thư điện tử",
             "name+birth+address": "cùng họ tên, ngày sinh, địa chỉ"}
REASON_EN = {"national_id": "same national id", "name+birth+phone": "same name, birth date and phone",
             "name+birth+email": "same name, birth date and e-mail",
             "name+birth+address": "same name, birth date and address"}
PERSON_LINKS = ("legal_representative", "owner")


def _person_detail(detail: str) -> tuple[str, str]:
    """A person link's detail ``"<name> (<reason>)"`` as (name, reason)."""
    if detail.endswith(")") and " (" in detail:
        name, reason = detail[:-1].rsplit(" (", 1)
        return name, reason
    return detail, ""


def link_text(link, lang: str) -> str:
    label = (LINK_VI if lang == "vi" else LINK_EN).get(link.kind, link.kind)
    if not link.detail:
        return f"{link.a}–{link.b}: {label}"
    if link.kind in PERSON_LINKS:
        name, reason = _person_detail(link.detail)
        why = (REASON_VI if lang == "vi" else REASON_EN).get(reason, reason)
        return f"{link.a}–{link.b}: {label} «{name}»" + (f" ({why})" if why else "")
    return f"{link.a}–{link.b}: {label} «{link.detail}»"


def link_evidence(ctx, link) -> list[str]:
    """The records behind a link: both vendor rows and, for a person link, the rows of the
    people of the two vendors (in the link's roles) who are the same person."""
    out = [ref("vendors", link.a), ref("vendors", link.b)]
    if link.kind in PERSON_LINKS:
        from ..entities import match_people, person_keys
        vp = ctx["vendor_people"]
        roles = ["legal_representative"] if link.kind == "legal_representative" else \
            ["owner", "shareholder", "founding_member"]
        rows = vp[vp["vendor_id"].isin([link.a, link.b]) & vp["role"].isin(roles)]
        if link.kind == "owner":
            rows = rows[rows["share_pct"].fillna(0) >= 25]
        if len(rows) >= 2:
            pairs = match_people(person_keys(rows), person_keys(rows))
            vid = rows["vendor_id"]
            pairs = pairs[[vid[l] != vid[r] for l, r in zip(pairs["left"], pairs["right"])]]
            idx = sorted(set(pairs["left"]) | set(pairs["right"]))
            sel = rows.loc[idx]
            out += [ref("vendor_people", v, r, n, day(b))
                    for v, r, n, b in zip(sel["vendor_id"], sel["role"], sel["full_name"],
                                          sel["birth_date"])]
    return out

"""COI-REVOLVING — an official who left joins a vendor that then wins a tender of the
official's own authority, both within N months of leaving (docs/flags/COI-REVOLVING.md)."""
from __future__ import annotations

import pandas as pd

from ..context import add_months, to_date
from ..registry import Hit, flag
from . import _people as P
from ._common import ref, whole_days

DECISION_POSITIONS = ("director", "deputy_director", "head_of_division", "procurement_officer",
                      "principal", "vice_principal")


@flag("COI-REVOLVING", subject_type="official",
      title_vi="Cán bộ nghỉ việc chuyển sang làm cho nhà thầu trúng thầu của chính cơ quan mình",
      title_en="Revolving door: a former official joins a vendor that wins at their authority",
      legal_basis="Law on Bidding Art 16.6.e",
      needs=("officials", "vendor_people", "tenders", "contracts"))
def compute(ctx, cfg):
    months = whole_days(cfg["window_months"])
    o = P.reachable_officials(ctx)
    o = o[o["until"].notna()]
    m = P.official_matches(ctx)
    if o.empty or m.empty:
        return
    until = {oid: to_date(u) for oid, u in zip(o["official_id"], o["until"])}
    end = {oid: add_months(u, months) for oid, u in until.items()}
    authority = dict(zip(o["official_id"], o["authority_id"]))
    vp = P.vendor_people(ctx)
    m = m[m["official_id"].isin(until.keys())].copy()
    m["since"] = vp.loc[m["vp"], "since"].values
    m = m[m["since"].notna()]
    if m.empty:
        return
    m["until"] = pd.to_datetime(m["official_id"].map(until))
    m["end"] = pd.to_datetime(m["official_id"].map(end))
    m = m[(m["since"] >= m["until"]) & (m["since"] <= m["end"])]
    if m.empty:
        return
    # V: the holder of the person, or any vendor whose declared parents include it.
    ch = P.chain(ctx)
    m = m.merge(ch.rename(columns={"vendor_id": "V"}), left_on="holder", right_on="ancestor")
    t = ctx.tenders
    t = t[t["winner"].notna()].copy()
    t["dated"] = t["awarded_on"].fillna(t["published_on_day"])
    t = t[t["dated"].notna()]
    m["authority_id"] = m["official_id"].map(authority)
    hits = m.merge(t[["tender_id", "winner", "procuring_entity_id", "dated", "school_year",
                      "awarded_on"]],
                   left_on=["V", "authority_id"], right_on=["winner", "procuring_entity_id"])
    hits = hits[(hits["dated"] >= hits["until"]) & (hits["dated"] <= hits["end"])]
    if hits.empty:
        return
    names = P.official_names(ctx)
    positions = dict(zip(o["official_id"], o["position"]))
    contracts = ctx.winner_contracts
    province = ctx.authority_province
    for (oid, v), g in hits.sort_values(["official_id", "V", "dated", "tender_id"]).groupby(
            ["official_id", "V"], sort=True):
        u, e = until[oid], end[oid]
        people = g.drop_duplicates("vp").sort_values(["since", "vp"])
        tenders = g.drop_duplicates("tender_id")
        first_since = to_date(people["since"].iloc[0])
        gap = (first_since - u).days
        p_vi, p_en, evidence = [], [], [ref("officials", oid)]
        for r in people.itertuples(index=False):
            p = vp.loc[r.vp]
            at_vi = "" if r.holder == v else f" (công ty mẹ của {v})"
            at_en = "" if r.holder == v else f" (a declared parent of {v})"
            p_vi.append(f"{P.ROLE_VI.get(p['role'], p['role'])} của {r.holder}{at_vi} từ "
                        f"{P.day(r.since)} ({P.reason_vi(r.reason)})")
            p_en.append(f"{P.ROLE_EN.get(p['role'], p['role'])} of {r.holder}{at_en} since "
                        f"{P.day(r.since)} ({P.reason_en(r.reason)})")
            evidence.append(p["vp_ref"])
        t_vi, t_en = [], []
        for r in tenders.itertuples(index=False):
            how_vi = "ngày trao thầu" if pd.notna(r.awarded_on) else "ngày đăng tải"
            how_en = "awarded" if pd.notna(r.awarded_on) else "published"
            t_vi.append(f"{r.tender_id} ({how_vi} {P.day(r.dated)})")
            t_en.append(f"{r.tender_id} ({how_en} {P.day(r.dated)})")
            evidence.append(ref("tenders", r.tender_id))
            if r.tender_id in contracts.index:
                evidence.append(ref("contracts", contracts[r.tender_id]))
        n = len(tenders)
        score = 65 + (10 if positions.get(oid) in DECISION_POSITIONS else 0) \
            + 5 * min(n - 1, 3) + (5 if gap <= 90 else 0)
        severity = "high" if score >= 75 else "medium"
        years = sorted({y for y in tenders["school_year"] if isinstance(y, str)})
        yield Hit(
            subject_id=f"{oid}+{v}", severity=severity, score=score,
            detail_vi=(f"{names.get(oid, oid)} ({oid}) thôi việc tại {authority[oid]} ngày "
                       f"{u.isoformat()}; trong khoảng từ ngày đó đến {e.isoformat()} ({months} "
                       f"tháng sau, tính cả hai đầu) người này là "
                       + "; ".join(p_vi) + f", và {v} trúng {n} gói thầu của {authority[oid]}: "
                       + ", ".join(t_vi) + "."),
            detail_en=(f"{names.get(oid, oid)} ({oid}) left {authority[oid]} on {u.isoformat()}; "
                       f"between that day and {e.isoformat()} ({months} months later, both ends "
                       f"included) this person became " + "; ".join(p_en)
                       + f", and {v} won {n} tender(s) of {authority[oid]}: "
                       + ", ".join(t_en) + "."),
            evidence=evidence,
            province_code=province.get(authority[oid]),
            school_year=years[0] if len(years) == 1 else None,
            parties={"official": [oid], "vendor": [v], "procuring_entity": [authority[oid]]})

"""COI-SCHOOL — a school's principal, or one of their declared relatives, is one of the people
of a vendor deployed at that school (docs/flags/COI-SCHOOL.md)."""
from __future__ import annotations

import pandas as pd

from ..registry import Hit, flag
from . import _people as P
from ._common import ref
from ._deployment import service_en, service_vi, status_en, status_vi

RELATION_SCORE = {"spouse": 80, "child": 80, "parent": 80, "sibling": 80,
                  "parent_in_law": 75, "sibling_in_law": 75, "other": 60}
SELF_SCORE = 85


@flag("COI-SCHOOL", subject_type="school",
      title_vi="Hiệu trưởng hoặc người thân là người của nhà cung cấp triển khai tại trường",
      title_en="A principal or their relative is one of the people of a vendor deployed at the school",
      legal_basis=("Law on Bidding Art 16.6.a, 16.6.d, 16.6.e; Anti-corruption Law 36/2018 Art 20; "
                   "relatives as in the Enterprise Law 59/2020 Art 4.22"),
      needs=("officials", "authorities", "vendor_people", "deployments"))
def compute(ctx, cfg):
    a = ctx["authorities"]
    a = a[a["kind"].eq("school") & a["school_id"].notna()]
    school_of = dict(zip(a["authority_id"].tolist(), a["school_id"].tolist()))
    o = P.reachable_officials(ctx)
    o = o[o["position"].eq("principal") & o["authority_id"].isin(school_of.keys())]
    if o.empty:
        return
    principal_school = dict(zip(o["official_id"].tolist(), o["authority_id"].map(school_of).tolist()))
    m_self = P.official_matches(ctx)
    m_self = m_self[m_self["official_id"].isin(principal_school.keys())].assign(rel=None)
    m_rel = P.relative_matches(ctx)
    m_rel = m_rel[m_rel["official_id"].isin(principal_school.keys())]
    m = pd.concat([m_self.assign(side="official"), m_rel.assign(side="relative")],
                  ignore_index=True)
    if m.empty:
        return
    m["school_id"] = m["official_id"].map(principal_school)
    m = m.merge(P.chain(ctx).rename(columns={"vendor_id": "V"}), left_on="holder",
                right_on="ancestor")
    d = ctx["deployments"]
    dep = d[["school_id", "vendor_id", "school_year", "service", "status", "budget_cost_vnd",
             "parent_fee_vnd", "contract_id"]]
    hits = m.merge(dep, left_on=["school_id", "V"], right_on=["school_id", "vendor_id"])
    if hits.empty:
        return
    vp = P.vendor_people(ctx)
    rel = P.relatives(ctx)
    names = P.official_names(ctx)
    province = ctx.school_province
    for (school, v), g in hits.sort_values(["school_id", "V", "official_id", "side", "vp"]).groupby(
            ["school_id", "V"], sort=True):
        parts_vi, parts_en, officials, evidence = [], [], [], []
        best, by_nid = 0, False
        for r in g.drop_duplicates(["official_id", "side", "rel", "vp"]).itertuples(index=False):
            p = vp.loc[r.vp]
            at_vi = "" if r.holder == v else f" (công ty mẹ của {v})"
            at_en = "" if r.holder == v else f" (a declared parent of {v})"
            who = f"{names.get(r.official_id, r.official_id)} ({r.official_id})"
            role_vi = f"{P.ROLE_VI.get(p['role'], p['role'])} của {r.holder}{at_vi}"
            role_en = f"{P.ROLE_EN.get(p['role'], p['role'])} of {r.holder}{at_en}"
            if r.side == "official":
                parts_vi.append(f"hiệu trưởng {who} là {role_vi} — {P.reason_vi(r.reason)}")
                parts_en.append(f"principal {who} is {role_en} — {P.reason_en(r.reason)}")
                best = max(best, SELF_SCORE)
            else:
                q = rel.loc[r.rel]
                relation = q["relation"]
                parts_vi.append(f"{P.RELATION_VI.get(relation, relation)} {q['full_name']} của hiệu "
                                f"trưởng {who} là {role_vi} — {P.reason_vi(r.reason)}")
                parts_en.append(f"{P.RELATION_EN.get(relation, relation)} {q['full_name']} of "
                                f"principal {who} is {role_en} — {P.reason_en(r.reason)}")
                evidence.append(q["rel_ref"])
                best = max(best, RELATION_SCORE.get(relation, 60))
            evidence += [ref("officials", r.official_id), p["vp_ref"]]
            officials.append(r.official_id)
            by_nid |= r.reason == "national_id"
        deps = g.drop_duplicates(["school_year", "service"]).sort_values(["school_year", "service"])
        paid = bool((deps["budget_cost_vnd"].fillna(0).gt(0) | deps["parent_fee_vnd"].fillna(0).gt(0)
                     | deps["contract_id"].notna()).any())
        dep_vi = "; ".join(f"{service_vi(r.service)}, năm học {r.school_year}, trạng thái "
                           f"{status_vi(r.status)}" for r in deps.itertuples(index=False))
        dep_en = "; ".join(f"{service_en(r.service)}, school year {r.school_year}, status "
                           f"{status_en(r.status)}" for r in deps.itertuples(index=False))
        evidence += [ref("deployments", school, r.school_year, r.service, v)
                     for r in deps.itertuples(index=False)]
        evidence.append(ref("schools", school))
        score = best + (5 if by_nid else 0) + (5 if paid else 0)
        severity = "high" if best >= 75 else "medium"
        years = sorted(set(deps["school_year"].dropna()))
        yield Hit(
            subject_id=f"{school}+{v}", severity=severity, score=score,
            detail_vi=(f"Trường {school}: " + "; ".join(parts_vi) + f"; {v} triển khai tại trường "
                       f"(ngưỡng: ≥ 1 lượt triển khai, mọi trạng thái): {dep_vi}."),
            detail_en=(f"School {school}: " + "; ".join(parts_en) + f"; {v} is deployed at the "
                       f"school (rule: ≥ 1 deployment, any status): {dep_en}."),
            evidence=evidence, province_code=province.get(school),
            school_year=years[0] if len(years) == 1 else None,
            parties={"school": [school], "vendor": [v], "official": sorted(set(officials))})

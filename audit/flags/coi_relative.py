"""COI-RELATIVE — a declared relative of an official on the tender's committee is one of the
winner's people (docs/flags/COI-RELATIVE.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from . import _people as P
from ._common import ref

# Score by relation: the Enterprise Law's relatives (Art 4.22) closest first; `other` is a
# declared relative outside that list.
RELATION_SCORE = {"spouse": 80, "child": 80, "parent": 80, "sibling": 80,
                  "parent_in_law": 75, "sibling_in_law": 75, "other": 60}


@flag("COI-RELATIVE", subject_type="tender",
      title_vi="Người thân của thành viên hội đồng/tổ chuyên gia là người của nhà thầu trúng thầu",
      title_en="A committee official's relative is one of the winner's people",
      legal_basis=("Law on Bidding Art 16.6.d; Anti-corruption Law Art 20.3; Decree 59/2019 "
                   "Art 29.7; relatives as in the Enterprise Law 59/2020 Art 4.22"),
      needs=("tenders", "tender_committee", "officials", "declared_relatives", "contracts",
             "vendor_people"))
def compute(ctx, cfg):
    hits = P.relative_hits(ctx)
    if hits.empty:
        return
    t = P.tender_table(ctx)
    vp = P.vendor_people(ctx)
    rel = P.relatives(ctx)
    names = P.official_names(ctx)
    croles = P.committee_roles(ctx, hits["tender_id"])
    hits = hits.sort_values(["tender_id", "official_id", "rel", "depth", "vp"])
    for tender_id, grp in hits.groupby("tender_id", sort=True):
        row = t.loc[tender_id]
        winner = row["winner"]
        parts_vi, parts_en, evidence = [], [], P.tender_evidence(ctx, tender_id)
        officials, best, by_nid, decision = [], 0, False, False
        for r in grp.itertuples(index=False):
            p, q = vp.loc[r.vp], rel.loc[r.rel]
            where_vi = "" if r.depth == 0 else f" (công ty mẹ của {winner}, cấp {r.depth})"
            where_en = "" if r.depth == 0 else f" (declared parent of {winner}, level {r.depth})"
            roles_vi = P.roles_text(croles, tender_id, r.official_id, "vi")
            roles_en = P.roles_text(croles, tender_id, r.official_id, "en")
            relation = q["relation"]
            parts_vi.append(
                f"{names.get(r.official_id, r.official_id)} ({r.official_id}, {roles_vi}) khai "
                f"{P.RELATION_VI.get(relation, relation)} {q['full_name']}, là "
                f"{P.ROLE_VI.get(p['role'], p['role'])} của {r.ancestor}{where_vi} — "
                f"{P.reason_vi(r.reason)}")
            parts_en.append(
                f"{names.get(r.official_id, r.official_id)} ({r.official_id}, {roles_en}) declared "
                f"{P.RELATION_EN.get(relation, relation)} {q['full_name']}, who is "
                f"{P.ROLE_EN.get(p['role'], p['role'])} of {r.ancestor}{where_en} — "
                f"{P.reason_en(r.reason)}")
            evidence += [ref("officials", r.official_id), q["rel_ref"], p["vp_ref"]]
            evidence += P.committee_refs(croles, tender_id, r.official_id)
            officials.append(r.official_id)
            best = max(best, RELATION_SCORE.get(relation, 60))
            by_nid |= r.reason == "national_id"
            decision |= P.decides(croles, tender_id, r.official_id)
        n = len(grp[["official_id", "rel"]].drop_duplicates())
        score = best + (5 if by_nid else 0) + (5 if decision else 0) + (5 if n > 1 else 0)
        severity = "high" if best >= 75 else "medium"
        yield Hit(
            subject_id=tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {tender_id}, nhà thầu trúng thầu {winner}: {n} người thân đã "
                       f"khai của thành viên hội đồng/tổ chuyên gia là người của nhà thầu "
                       f"(ngưỡng: ≥ 1) — " + "; ".join(parts_vi) + "."),
            detail_en=(f"Tender {tender_id}, won by {winner}: {n} declared relative(s) of "
                       f"committee officials are people of the winner (rule: ≥ 1) — "
                       + "; ".join(parts_en) + "."),
            evidence=evidence,
            parties={"procuring_entity": [row["procuring_entity_id"]], "vendor": [winner],
                     "official": officials},
            **P.where(row))

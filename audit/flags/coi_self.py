"""COI-SELF — an official on the tender's committee is one of the winner's people
(docs/flags/COI-SELF.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from . import _people as P
from ._common import ref


@flag("COI-SELF", subject_type="tender",
      title_vi="Thành viên hội đồng/tổ chuyên gia là người của nhà thầu trúng thầu",
      title_en="A committee official is one of the winner's people",
      legal_basis="Law on Bidding Art 16.6.a; Anti-corruption Law 36/2018 Art 20.2",
      needs=("tenders", "tender_committee", "officials", "contracts", "vendor_people"))
def compute(ctx, cfg):
    hits = P.self_hits(ctx)
    if hits.empty:
        return
    yield from _hits(ctx, hits)


def _hits(ctx, hits):
    t = P.tender_table(ctx)
    vp = P.vendor_people(ctx)
    names = P.official_names(ctx)
    croles = P.committee_roles(ctx, hits["tender_id"])
    hits = hits.sort_values(["tender_id", "official_id", "depth", "vp"])
    for tender_id, grp in hits.groupby("tender_id", sort=True):
        row = t.loc[tender_id]
        winner = row["winner"]
        parts_vi, parts_en, evidence = [], [], P.tender_evidence(ctx, tender_id)
        officials, by_nid, decision = [], False, False
        for r in grp.itertuples(index=False):
            p = vp.loc[r.vp]
            where_vi = "" if r.depth == 0 else f" (công ty mẹ của {winner}, cấp {r.depth})"
            where_en = "" if r.depth == 0 else f" (declared parent of {winner}, level {r.depth})"
            roles_vi = P.roles_text(croles, tender_id, r.official_id, "vi")
            roles_en = P.roles_text(croles, tender_id, r.official_id, "en")
            parts_vi.append(
                f"{names.get(r.official_id, r.official_id)} ({r.official_id}, {roles_vi}) là "
                f"{P.ROLE_VI.get(p['role'], p['role'])} của {r.ancestor}{where_vi} — "
                f"{P.reason_vi(r.reason)}")
            parts_en.append(
                f"{names.get(r.official_id, r.official_id)} ({r.official_id}, {roles_en}) is "
                f"{P.ROLE_EN.get(p['role'], p['role'])} of {r.ancestor}{where_en} — "
                f"{P.reason_en(r.reason)}")
            evidence += [ref("officials", r.official_id), p["vp_ref"]]
            evidence += P.committee_refs(croles, tender_id, r.official_id)
            officials.append(r.official_id)
            by_nid |= r.reason == "national_id"
            decision |= P.decides(croles, tender_id, r.official_id)
        n = len(set(officials))
        score = 85 + (5 if by_nid else 0) + (5 if decision else 0) + 5 * min(n - 1, 1)
        yield Hit(
            subject_id=tender_id, severity="high", score=score,
            detail_vi=(f"Gói thầu {tender_id}, nhà thầu trúng thầu {winner}: {n} thành viên "
                       f"hội đồng/tổ chuyên gia là người của nhà thầu (ngưỡng: ≥ 1) — "
                       + "; ".join(parts_vi) + "."),
            detail_en=(f"Tender {tender_id}, won by {winner}: {n} committee official(s) are "
                       f"people of the winner (rule: ≥ 1) — " + "; ".join(parts_en) + "."),
            evidence=evidence,
            parties={"procuring_entity": [row["procuring_entity_id"]], "vendor": [winner],
                     "official": officials},
            **P.where(row))


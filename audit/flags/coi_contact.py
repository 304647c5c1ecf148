"""COI-CONTACT — a committee official or one of their declared relatives shares a phone, an
e-mail or an address with the winner, its people, or its declared parents and their people
(docs/flags/COI-CONTACT.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from . import _people as P
from ._common import ref

# Score: the strongest reason first, +5 for each further kind of shared contact.
IDENTITY_SCORE, PHONE_EMAIL_SCORE, ADDRESS_SCORE = 80, 60, 40


@flag("COI-CONTACT", subject_type="tender",
      title_vi="Thành viên hội đồng/tổ chuyên gia hoặc người thân trùng thông tin liên hệ với nhà thầu trúng thầu",
      title_en="A committee official or relative shares contact details with the winner",
      legal_basis=("Law on Bidding Art 16.6.a, 16.6.d; Anti-corruption Law Art 20.3; Decree 59/2019 "
                   "Art 29.7; relatives as in the Enterprise Law 59/2020 Art 4.22"),
      needs=("tenders", "tender_committee", "officials", "contracts", "vendors"))
def compute(ctx, cfg):
    cw = P.committee_winners(ctx)
    if cw.empty:
        return
    cm = P.contact_matches(ctx)
    shared = cw.merge(cm, left_on=["official_id", "ancestor"], right_on=["official_id", "holder"])
    selfs, rels = P.self_hits(ctx), P.relative_hits(ctx)
    tenders = sorted(set(shared["tender_id"]) | set(selfs["tender_id"]) | set(rels["tender_id"]))
    if not tenders:
        return
    t = P.tender_table(ctx)
    vp = P.vendor_people(ctx)
    rel = P.relatives(ctx)
    o = ctx["officials"]
    r_raw = ctx["declared_relatives"]
    names = P.official_names(ctx)
    croles = P.committee_roles(ctx, tenders)
    by_shared = {k: g for k, g in shared.sort_values(
        ["tender_id", "official_id", "side", "kind", "holder", "source"]).groupby("tender_id")}
    by_self = {k: g for k, g in selfs.groupby("tender_id")}
    by_rel = {k: g for k, g in rels.groupby("tender_id")}
    for tender_id in tenders:
        row = t.loc[tender_id]
        winner = row["winner"]
        evidence = P.tender_evidence(ctx, tender_id)
        parts_vi, parts_en, officials, kinds = [], [], set(), set()
        g = by_shared.get(tender_id)
        if g is not None:
            seen = set()
            for r in g.itertuples(index=False):
                if r.side == "official":
                    who_vi = f"{names.get(r.official_id, r.official_id)} ({r.official_id})"
                    who_en = who_vi
                    raw = o.at[r.src, r.kind] if r.kind in o else r.key
                else:
                    q = rel.loc[r.src]
                    who_vi = (f"{P.RELATION_VI.get(q['relation'], q['relation'])} {q['full_name']} "
                              f"của {r.official_id}")
                    who_en = (f"{r.official_id}'s {P.RELATION_EN.get(q['relation'], q['relation'])} "
                              f"{q['full_name']}")
                    raw = r_raw.at[r.src, r.kind] if r.kind in r_raw else r.key
                    evidence.append(q["rel_ref"])
                if r.source == "vendor":
                    whom_vi = f"hồ sơ nhà thầu {r.holder}"
                    whom_en = f"the vendor row of {r.holder}"
                    evidence.append(ref("vendors", r.holder))
                else:
                    p = vp.loc[r.vp]
                    whom_vi = f"{P.ROLE_VI.get(p['role'], p['role'])} {p['full_name']} của {r.holder}"
                    whom_en = f"{P.ROLE_EN.get(p['role'], p['role'])} {p['full_name']} of {r.holder}"
                    evidence.append(p["vp_ref"])
                if r.holder != winner:
                    whom_vi += f" (công ty mẹ của {winner})"
                    whom_en += f" (a declared parent of {winner})"
                key = (who_vi, r.kind, whom_vi)
                if key in seen:
                    continue
                seen.add(key)
                parts_vi.append(f"{who_vi} có {P.CONTACT_VI[r.kind]} «{raw}» trùng với {whom_vi}")
                parts_en.append(f"{who_en} has the {P.CONTACT_EN[r.kind]} «{raw}» of {whom_en}")
                evidence.append(ref("officials", r.official_id))
                evidence += P.committee_refs(croles, tender_id, r.official_id)
                officials.add(r.official_id)
                kinds.add(r.kind)
        identity = []
        for src, label_vi, label_en in ((by_self.get(tender_id), "là người của nhà thầu (COI-SELF)",
                                         "is one of the winner's people (COI-SELF)"),
                                        (by_rel.get(tender_id), "có người thân là người của nhà thầu (COI-RELATIVE)",
                                         "has a relative among the winner's people (COI-RELATIVE)")):
            if src is None:
                continue
            for oid in sorted(set(src["official_id"])):
                parts_vi.append(f"{names.get(oid, oid)} ({oid}) {label_vi}")
                parts_en.append(f"{names.get(oid, oid)} ({oid}) {label_en}")
                officials.add(oid)
                evidence.append(ref("officials", oid))
            for r in src.itertuples(index=False):
                evidence += [vp.loc[r.vp, "vp_ref"]]
                evidence += P.committee_refs(croles, tender_id, r.official_id)
                if hasattr(r, "rel"):
                    evidence.append(rel.loc[r.rel, "rel_ref"])
            identity.append(True)
        if identity:
            base, severity = IDENTITY_SCORE, "high"
        elif kinds & {"phone", "email"}:
            base, severity = PHONE_EMAIL_SCORE, "medium"
        else:
            base, severity = ADDRESS_SCORE, "low"
        score = base + 5 * max(0, len(kinds) - (0 if identity else 1))
        yield Hit(
            subject_id=tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {tender_id}, nhà thầu trúng thầu {winner}: thành viên hội "
                       f"đồng/tổ chuyên gia hoặc người thân trùng số điện thoại, e-mail hoặc địa "
                       f"chỉ với nhà thầu, người của nhà thầu hoặc công ty mẹ (ngưỡng: ≥ 1 trùng "
                       f"khớp) — " + "; ".join(parts_vi) + "."),
            detail_en=(f"Tender {tender_id}, won by {winner}: a committee official or a declared "
                       f"relative shares a phone, e-mail or address with the winner, its people or "
                       f"its declared parents (rule: ≥ 1 match) — " + "; ".join(parts_en) + "."),
            evidence=evidence,
            parties={"procuring_entity": [row["procuring_entity_id"]], "vendor": [winner],
                     "official": sorted(officials)},
            **P.where(row))

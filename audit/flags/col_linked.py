"""COL-LINKED — two bidders of one tender are in one vendor group, or have a person in common
(docs/flags/COL-LINKED.md)."""
from __future__ import annotations

import pandas as pd

from ..entities import shared_people
from ..registry import Hit, flag
from . import _people as P
from ._common import ref


def _person_pairs(ctx) -> pd.DataFrame:
    """Vendor pairs (a < b) with a person in common (any role, any dates): every matching pair
    of vendor_people rows."""
    return ctx.cache("people.shared_people", lambda ctx: shared_people(ctx["vendor_people"]))


@flag("COL-LINKED", subject_type="tender",
      title_vi="Các nhà thầu cùng dự thầu có quan hệ với nhau",
      title_en="Linked bidders in one tender",
      legal_basis="Bidder independence (Law on Bidding 22/2023 Art 6)",
      needs=("tenders", "bids", "vendors"))
def compute(ctx, cfg):
    b = P.bidders(ctx)[["tender_id", "vendor_id"]]
    if b.empty:
        return
    groups = ctx.groups
    # The bidding vendors as codes, each vendor's group once (not once per bid).
    v_code, vendors = pd.factorize(b["vendor_id"].to_numpy(dtype=object))
    vendor_group = pd.Series([groups.group(v) for v in vendors], dtype=object)
    # 1. two bidders in one vendor group: only the bids of a vendor whose group has another
    # bidding vendor can be such a bid (most vendors are alone in their group).
    shared = vendor_group.duplicated(keep=False).to_numpy()[v_code]
    g = b[shared].assign(group=vendor_group.to_numpy()[v_code[shared]])
    multi = g.groupby(["tender_id", "group"], sort=False)["vendor_id"].transform("nunique").gt(1)
    g = g[multi.to_numpy()]
    gp = g.merge(g, on=["tender_id", "group"], suffixes=("_a", "_b"))
    gp = gp[gp["vendor_id_a"] < gp["vendor_id_b"]]
    pairs = [pd.DataFrame({"tender_id": gp["tender_id"].values, "a": gp["vendor_id_a"].values,
                           "b": gp["vendor_id_b"].values, "kind": "group"})]
    # 2. two bidders with a person in common (each side merged with the bids of its vendors
    # only, not with every bid).
    sp = _person_pairs(ctx)
    if not sp.empty:
        vp_pairs = sp[["a", "b"]].drop_duplicates()
        vendor_index = pd.Index(vendors)
        bids_a = b[vendor_index.isin(vp_pairs["a"])[v_code]]
        bids_b = b[vendor_index.isin(vp_pairs["b"])[v_code]]
        x = vp_pairs.merge(bids_a, left_on="a", right_on="vendor_id")
        x = x.merge(bids_b, left_on=["tender_id", "b"], right_on=["tender_id", "vendor_id"])
        pairs.append(pd.DataFrame({"tender_id": x["tender_id"].values, "a": x["a"].values,
                                   "b": x["b"].values, "kind": "person"}))
    pairs = pd.concat(pairs, ignore_index=True)
    if pairs.empty:
        return
    t = P.tender_table(ctx)
    vp = P.vendor_people(ctx)
    by_pair = {k: g for k, g in sp.groupby(["a", "b"])} if not sp.empty else {}
    for tender_id, grp in pairs.sort_values(["tender_id", "a", "b", "kind"]).groupby("tender_id"):
        row = t.loc[tender_id] if tender_id in t.index else None
        winner = row["winner"] if row is not None else None
        winner = winner if isinstance(winner, str) else None
        parts_vi, parts_en = [], []
        evidence = [ref("tenders", tender_id)]
        vendors = set()
        for (a, bb), pg in grp.groupby(["a", "b"], sort=True):
            kinds = set(pg["kind"])
            why_vi, why_en = [], []
            if "group" in kinds:
                path = P.group_path(groups, a, bb)
                why_vi.append(f"cùng nhóm nhà thầu {groups.group(a)} ("
                              + "; ".join(P.describe_link(l, "vi") for l in path) + ")")
                why_en.append(f"in one vendor group {groups.group(a)} ("
                              + "; ".join(P.describe_link(l, "en") for l in path) + ")")
                for l in path:
                    evidence += [ref("vendors", l.a), ref("vendors", l.b)]
            if "person" in kinds:
                people_vi, people_en = [], []
                for r in by_pair[(a, bb)].sort_values(["left", "right"]).itertuples(index=False):
                    pa, pb = vp.loc[r.left], vp.loc[r.right]
                    people_vi.append(f"{pa['full_name']} ({P.ROLE_VI.get(pa['role'], pa['role'])} "
                                     f"của {a}, {P.ROLE_VI.get(pb['role'], pb['role'])} của {bb}; "
                                     f"{P.reason_vi(r.reason)})")
                    people_en.append(f"{pa['full_name']} ({P.ROLE_EN.get(pa['role'], pa['role'])} "
                                     f"of {a}, {P.ROLE_EN.get(pb['role'], pb['role'])} of {bb}; "
                                     f"{P.reason_en(r.reason)})")
                    evidence += [pa["vp_ref"], pb["vp_ref"]]
                why_vi.append("có người chung: " + ", ".join(dict.fromkeys(people_vi)))
                why_en.append("a person in common: " + ", ".join(dict.fromkeys(people_en)))
            parts_vi.append(f"{a} và {bb} " + "; ".join(why_vi))
            parts_en.append(f"{a} and {bb} " + "; ".join(why_en))
            evidence += [ref("bids", tender_id, a), ref("bids", tender_id, bb)]
            vendors |= {a, bb}
        n = len(parts_vi)
        won = winner in vendors
        score = 65 + (15 if won else 0) + 5 * min(n - 1, 3)
        win_vi = f"; nhà thầu trúng thầu {winner} là một trong số đó" if won else ""
        win_en = f"; the winner {winner} is one of them" if won else ""
        yield Hit(
            subject_id=tender_id, severity="high" if won else "medium", score=score,
            detail_vi=(f"Gói thầu {tender_id}: {n} cặp nhà thầu cùng dự thầu có quan hệ (ngưỡng: "
                       f"≥ 1 cặp cùng nhóm hoặc có người chung) — " + "; ".join(parts_vi)
                       + win_vi + "."),
            detail_en=(f"Tender {tender_id}: {n} pair(s) of bidders are linked (rule: ≥ 1 pair "
                       f"in one vendor group or with a person in common) — " + "; ".join(parts_en)
                       + win_en + "."),
            evidence=evidence,
            parties={"vendor": sorted(vendors),
                     "procuring_entity": [row["procuring_entity_id"]] if row is not None else []},
            **(P.where(row) if row is not None else {}))

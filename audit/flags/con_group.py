"""CON-GROUP — a vendor group whose members from different declared-parent families serve
schools of one market: a hidden group, joined by contacts or people, not by declared
ownership (docs/flags/CON-GROUP.md)."""
from __future__ import annotations

from itertools import combinations

from ..registry import Hit, flag
from ._common import link_path
from ._market import dep_ref, link_evidence, link_text, market_id, only_one, served

KEYS = ["province_code", "service", "school_year"]


def score_of(n_markets: int) -> tuple[str, float]:
    """50 for one market, +10 per further market where members of different families serve
    side by side, up to 90; high from 3 markets (a lasting arrangement), medium below."""
    return ("high" if n_markets >= 3 else "medium"), min(90, 50 + 10 * (n_markets - 1))


@flag("CON-GROUP", subject_type="vendor_group",
      title_vi="Nhóm nhà cung cấp ẩn: các công ty không khai báo quan hệ mẹ–con cùng phục vụ "
               "một thị trường",
      title_en="Hidden vendor group: firms with no declared parent link serve one market",
      legal_basis="hidden groups",
      needs=("deployments", "schools", "vendors"))
def compute(ctx, cfg):
    d = served(ctx)
    if d.empty:
        return
    fam = d[KEYS + ["group", "family", "vendor_id", "school_id"]]
    # Only groups with >= 2 families present in some market.
    nfam = fam.drop_duplicates(KEYS + ["group", "family"]).groupby(KEYS + ["group"]).size()
    multi = nfam[nfam >= 2].reset_index()[KEYS + ["group"]]
    if multi.empty:
        return
    sel = fam.merge(multi, on=KEYS + ["group"])
    # First (smallest) school per market and vendor: the evidence that the vendor serves it.
    first = sel.sort_values("school_id").drop_duplicates(KEYS + ["vendor_id"])
    for g, gd in first.groupby("group", sort=True):
        markets = []
        pairs: dict[tuple, list] = {}      # (vendor a, vendor b) -> markets
        evidence: list[str] = []
        for (pc, sv, y), md in gd.groupby(KEYS, sort=True):
            rep = md.sort_values("vendor_id").drop_duplicates("family")  # smallest vendor per family
            markets.append((pc, sv, y))
            for a, b in combinations(sorted(rep["vendor_id"]), 2):
                pairs.setdefault((a, b), []).append(market_id(pc, sv, y))
            evidence += [dep_ref(s, y, sv, v) for s, v in zip(md["school_id"], md["vendor_id"])]
        glinks = ctx.groups.links_of(g)
        used = []
        for a, b in pairs:
            for link in link_path(glinks, a, b):
                if link not in used:
                    used.append(link)
        for link in used:
            evidence += link_evidence(ctx, link)
        severity, score = score_of(len(markets))
        pairs_vi = "; ".join(f"{a} và {b} cùng phục vụ trường ở {', '.join(ms)}"
                             for (a, b), ms in pairs.items())
        pairs_en = "; ".join(f"{a} and {b} both serve schools in {', '.join(ms)}"
                             for (a, b), ms in pairs.items())
        links_vi = "; ".join(link_text(l, "vi") for l in used) or "không xác định"
        links_en = "; ".join(link_text(l, "en") for l in used) or "unknown"
        vendors = sorted({v for p in pairs for v in p})
        yield Hit(
            subject_id=g, severity=severity, score=score,
            detail_vi=(f"Nhóm {g}: các công ty thuộc những nhóm công ty mẹ–con đã khai báo khác nhau cùng "
                       f"phục vụ trường của một thị trường ({len(markets)} thị trường): {pairs_vi}. "
                       f"Liên kết nối các công ty: {links_vi}."),
            detail_en=(f"Group {g}: vendors from different declared-parent families serve schools "
                       f"of one market ({len(markets)} market(s)): {pairs_en}. Links joining them: "
                       f"{links_en}."),
            evidence=evidence,
            province_code=only_one(m[0] for m in markets),
            school_year=only_one(m[2] for m in markets),
            parties={"vendor_group": [g], "vendor": vendors})

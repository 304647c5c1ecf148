"""COL-ROTATION — a set of vendors that bid together again and again and take turns winning
(docs/flags/COL-ROTATION.md)."""
from __future__ import annotations

import sys
from collections import Counter

from ..registry import Hit, flag
from . import _people as P
from ._common import exact, least_count, ref


def _search(tenders_of: dict, adj: dict, winner: dict, k_min: int, t_min: int, max_share,
            max_nodes: int):
    """Every qualifying set (|S| ≥ k_min, |T| ≥ t_min, each member wins ≥ 1 of T, none wins
    > max_share × |T|), by depth-first growth of cliques of the co-bidding graph in ascending
    vendor order.  A branch is cut as soon as |T| < t_min or a member wins none of T: both only
    get worse when the set grows (T can only shrink), so no qualifying set is missed.
    Returns (sets, complete) — complete is False when ``max_nodes`` was reached."""
    found = []
    nodes = 0
    share = exact(max_share)
    num, den = share.numerator, share.denominator

    def grow(S, T, cands):
        nonlocal nodes
        for i, u in enumerate(cands):
            nodes += 1
            if nodes > max_nodes:
                return False
            T2 = T & tenders_of[u]
            if len(T2) < t_min:
                continue
            S2 = S + (u,)
            wins = Counter(winner.get(t) for t in T2)
            if any(wins[m] == 0 for m in S2):
                continue
            # none wins > max_share × |T|, exactly: wins × den > num × |T|
            if len(S2) >= k_min and not any(wins[m] * den > num * len(T2) for m in S2):
                found.append((S2, T2, wins))
            nxt = [w for w in cands[i + 1:] if w in adj[u]]
            if nxt and grow(S2, T2, nxt) is False:
                return False
        return True

    for v in sorted(adj):
        cands = sorted(w for w in adj[v] if w > v)
        if len(cands) < k_min - 1:
            continue
        nodes += 1
        if grow((v,), tenders_of[v], cands) is False:
            return found, False
    return found, True


def _maximal(found):
    """The qualifying sets not inside a larger qualifying set."""
    sets = [frozenset(S) for S, _, _ in found]
    by_member: dict[str, list[int]] = {}
    for i, s in enumerate(sets):
        for m in s:
            by_member.setdefault(m, []).append(i)
    keep = []
    for i, s in enumerate(sets):
        rarest = min(s, key=lambda m: len(by_member[m]))
        if not any(len(sets[j]) > len(s) and s < sets[j] for j in by_member[rarest]):
            keep.append(found[i])
    return keep


@flag("COL-ROTATION", subject_type="vendor_set",
      title_vi="Nhóm nhà thầu thường xuyên cùng dự thầu và lần lượt trúng thầu",
      title_en="Bid rotation: vendors that bid together and take turns winning",
      legal_basis="Bid-rotation screens (OECD Guidelines for Fighting Bid Rigging); Law on Bidding 22/2023 Art 16.3 (collusion)",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    k_min, t_min = least_count(cfg["min_vendors"]), least_count(cfg["min_tenders"])
    max_share = cfg["max_win_share"]
    b = P.bidders(ctx)[["tender_id", "vendor_id"]]
    winners = ctx.winners
    if b.empty or winners.empty:
        return
    winner = dict(zip(winners.index.to_numpy(dtype=object), winners.to_numpy(dtype=object)))
    # A member wins a tender of T, and bids in every tender of T: it is the winner of one of
    # its own bids.  Only such vendors can be members.
    won = b["tender_id"].map(winner).eq(b["vendor_id"])
    cand = b[b["vendor_id"].isin(set(b.loc[won.to_numpy(), "vendor_id"]))]
    pairs = cand.merge(cand, on="tender_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["vendor_id_a"] < pairs["vendor_id_b"]]
    common = pairs.groupby(["vendor_id_a", "vendor_id_b"]).size()
    common = common[common >= t_min]
    if common.empty:
        return
    adj: dict[str, set] = {}
    for a, c in common.index:
        adj.setdefault(a, set()).add(c)
        adj.setdefault(c, set()).add(a)
    members = set(adj)
    sub = cand[cand["vendor_id"].isin(members)]
    tenders_of: dict[str, set] = {}
    for v, x in zip(sub["vendor_id"].to_numpy(dtype=object), sub["tender_id"].to_numpy(dtype=object)):
        tenders_of.setdefault(v, set()).add(x)
    found, complete = _search(tenders_of, adj, winner, k_min, t_min, max_share,
                              int(cfg["max_search_nodes"]))
    if not complete:
        print(f"COL-ROTATION: search stopped after {cfg['max_search_nodes']} steps "
              f"(max_search_nodes); the sets found so far are reported", file=sys.stderr)
    if not found:
        return
    contracts = ctx.winner_contracts
    for S, T, wins in sorted(_maximal(found), key=lambda x: x[0]):
        n = len(T)
        tl = sorted(T)
        by_members = sum(wins[m] for m in S)
        top = max(wins[m] for m in S)
        share_vi = ", ".join(f"{m} thắng {wins[m]}/{n}" for m in S)
        share_en = ", ".join(f"{m} won {wins[m]}/{n}" for m in S)
        score = 60 + 5 * min(n - t_min, 4) + 5 * min(len(S) - k_min, 2) \
            + (5 if by_members == n else 0)
        shown = ", ".join(tl[:12]) + (f" … (+{n - 12})" if n > 12 else "")
        evidence = [ref("tenders", x) for x in tl]
        evidence += [ref("bids", x, m) for x in tl for m in S]
        evidence += [ref("contracts", contracts[x]) for x in tl if x in contracts.index]
        yield Hit(
            subject_id="+".join(S), severity="high" if score >= 75 else "medium", score=score,
            detail_vi=(f"{len(S)} nhà thầu (ngưỡng ≥ {k_min}) cùng dự thầu trong {n} gói thầu "
                       f"(ngưỡng ≥ {t_min}): {shown}. Mỗi nhà thầu đều trúng ít nhất 1 gói: "
                       f"{share_vi}; cao nhất {P.pct(top, n)} ≤ ngưỡng {P.pct_of(max_share)}; "
                       f"nhóm trúng {by_members}/{n} gói. Tập lớn nhất thỏa điều kiện."),
            detail_en=(f"{len(S)} vendors (rule ≥ {k_min}) all bid in {n} tenders (rule ≥ {t_min}): "
                       f"{shown}. Each won at least 1 of them: {share_en}; the highest is "
                       f"{P.pct(top, n)} ≤ the limit {P.pct_of(max_share)}; the set "
                       f"won {by_members}/{n}. A maximal qualifying set."),
            evidence=evidence,
            parties={"vendor": list(S), "procuring_entity": P.entities_of(ctx, tl)},
            **P.common_place(ctx, tl))

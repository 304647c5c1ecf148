"""COL-ROTATION — a set of vendors that bid together again and again and take turns winning
(docs/flags/COL-ROTATION.md)."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from . import _people as P
from ._common import exact, least_count, ref


def _search(tenders_of: dict, adj: dict, won_by: dict, k_min: int, t_min: int, max_share,
            max_nodes: int):
    """Every qualifying set (|S| ≥ k_min, |T| ≥ t_min, each member wins ≥ 1 of T, none wins
    > max_share × |T|), by depth-first growth of cliques of the co-bidding graph in ascending
    vendor order.  A branch is cut as soon as |T| < t_min or a member wins none of T: both only
    get worse when the set grows (T can only shrink), so no qualifying set is missed.
    ``won_by``: vendor → the tenders it bid in and won; as T is within every member's tenders,
    a member's wins in T are |T ∩ won_by[member]|.
    Returns (sets, complete) — complete is False when ``max_nodes`` was reached."""
    found = []
    nodes = 0
    share = exact(max_share)
    num, den = share.numerator, share.denominator
    nothing: frozenset = frozenset()

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
            wins = {m: len(T2 & won_by.get(m, nothing)) for m in S2}
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


def _sets_by(keys: np.ndarray, values: np.ndarray) -> dict:
    """key → the set of its values (aligned arrays), one slice per key of the rows
    sorted by key: a ``setdefault(...).add`` per row costs ten times more."""
    if not len(keys):
        return {}
    code, names = pd.factorize(keys)
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    starts = np.r_[0, bounds].tolist()
    return {names[code[order[i]]]: set(part.tolist())
            for i, part in zip(starts, np.split(values[order], bounds))}


def _co_bidders(t_code: np.ndarray, v_code: np.ndarray, v_names: np.ndarray,
                t_min: int) -> dict[str, set]:
    """vendor → the vendors it bid with in ≥ ``t_min`` tenders, from the aligned integer codes
    of the bids' tenders and vendors (``v_names``: the vendor of each code).  The pairs of bids
    of one tender are counted per vendor pair on the codes: a self-merge on the text columns is
    several times slower, one on the codes still builds every pair twice and each bid with
    itself."""
    if not len(t_code):
        return {}
    n_v = len(v_names)
    # The bids sorted by tender; ``later``: how many bids of its tender follow each one.
    order = np.argsort(t_code, kind="stable")
    ts, vs = t_code[order], v_code[order].astype("int64")
    start = np.r_[True, ts[1:] != ts[:-1]]
    first = np.flatnonzero(start)
    size = np.diff(np.r_[first, len(ts)])
    later = np.repeat(first + size, size) - np.arange(len(ts)) - 1
    # Each bid with the d-th next bid of its tender (d = 1, 2 …): every pair once.
    pairs = []  # the vendor pair of each, as one integer (lower code × n_v + higher code)
    i, d = np.flatnonzero(later > 0), 1
    while len(i):
        a, c = vs[i], vs[i + d]
        pairs.append(np.minimum(a, c) * n_v + np.maximum(a, c))
        d += 1
        i = i[later[i] >= d]
    if not pairs:
        return {}
    keys, counts = np.unique(np.concatenate(pairs), return_counts=True)
    keys = keys[counts >= t_min]
    adj: dict[str, set] = {}
    for ai, ci in zip((keys // n_v).tolist(), (keys % n_v).tolist()):
        va, vc = v_names[ai], v_names[ci]
        adj.setdefault(va, set()).add(vc)
        adj.setdefault(vc, set()).add(va)
    return adj


@flag("COL-ROTATION", subject_type="vendor_set",
      title_vi="Nhóm nhà thầu thường xuyên cùng dự thầu và lần lượt trúng thầu",
      title_en="Bid rotation: vendors that bid together and take turns winning",
      legal_basis="Bid-rotation screens (OECD Guidelines for Fighting Bid Rigging); Law on Bidding 22/2023 Art 16.3 (collusion)",
      needs=("tenders", "bids", "contracts"))
def compute(ctx, cfg):
    k_min, t_min = least_count(cfg["min_vendors"]), least_count(cfg["min_tenders"])
    max_share = cfg["max_win_share"]
    b = P.bidders(ctx)
    winners = ctx.winners
    if b.empty or winners.empty:
        return
    # The bids as integer codes of their tender and vendor (the vendor codes follow the ids'
    # order), and whether the bidder is the tender's winner.
    t_code, t_names = pd.factorize(b["tender_id"].to_numpy(dtype=object))
    v_code, v_names = pd.factorize(b["vendor_id"].to_numpy(dtype=object), sort=True)
    winner_code = pd.Index(v_names).get_indexer(winners.reindex(t_names).to_numpy(dtype=object))
    won = winner_code[t_code] == v_code
    # A member wins a tender of T, and bids in every tender of T: it is the winner of one of
    # its own bids.  Only such vendors can be members.
    can_win = np.zeros(len(v_names), dtype=bool)
    can_win[v_code[won]] = True
    cand = can_win[v_code]
    adj = _co_bidders(t_code[cand], v_code[cand], v_names, t_min)
    if not adj:
        return
    # The members' tenders, and the tenders they bid in and won (grouped on the vendor codes).
    member = pd.Index(v_names).isin(list(adj))[v_code]
    vendor, tender, won = v_code[member], t_names[t_code[member]], won[member]
    tenders_of = {v_names[v]: ts for v, ts in _sets_by(vendor, tender).items()}
    won_by = {v_names[v]: ts for v, ts in _sets_by(vendor[won], tender[won]).items()}
    found, complete = _search(tenders_of, adj, won_by, k_min, t_min, max_share,
                              int(cfg["max_search_nodes"]))
    if not complete:
        print(f"COL-ROTATION: search stopped after {cfg['max_search_nodes']} steps "
              f"(max_search_nodes); the sets found so far are reported", file=sys.stderr)
    if not found:
        return
    contracts = ctx.winner_contracts
    contract_ids = contracts.to_numpy(dtype=object)
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
        evidence += [f"bids:{x}/{m}" for x in tl for m in S]  # ref("bids", x, m): all texts
        pos = contracts.index.get_indexer(tl)  # the contract naming each winner (-1: none)
        evidence += [ref("contracts", c) for c in contract_ids[pos[pos >= 0]]]
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

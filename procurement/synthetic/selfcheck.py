"""A compact re-computation of flags.md on a generator :class:`~.world.World`.

This is *not* the audit engine (that lives in ``audit/``): it is the generator's own test
oracle, written straight from the rules with default settings, to prove that the background
raises nothing and that each planter raises exactly what it claims. It reads the world's
canonical rows (bad rows never land, so they are not there).

    from procurement.synthetic import build_world
    from procurement.synthetic.selfcheck import compare, findings
    world, truth = build_world("small", 1)
    missing, extra = compare(world, truth)      # both empty when all is well
"""
from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict
from datetime import date, datetime

from .util import (add_days, add_months, as_date, fold, normalize_address, normalize_phone,
                   school_year_of, working_days_after)
from .world import COMPETITIVE, DIRECT, DIRECT_LIMITS, SMS, DS, TRAINING

Finding = tuple[str, str, str]
AS_OF = date(2026, 12, 31)   # late enough that every school year of the data has ended

_TOKEN = re.compile(r"[^\W_]+(?:\u0001[\u0300\u0301\u0303\u0309\u0323])?")
INSTRUCTIONS = ("sử dụng", "triển khai", "cài đặt", "đăng ký", "lựa chọn", "áp dụng",
                "ký hợp đồng", "mua")
NEGATIONS = ("không", "chưa", "chẳng", "nghiêm cấm", "ngừng", "dừng")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def _occurs(phrase: list[str], sent: list[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(sent) - n + 1) if phrase and sent[i:i + n] == phrase]


def same_person(a: dict, b: dict) -> bool:
    ia, ib = (a.get("national_id") or "").strip(), (b.get("national_id") or "").strip()
    if ia and ib:
        return ia == ib
    if not a.get("birth_date") or a.get("birth_date") != b.get("birth_date"):
        return False
    if fold(a.get("full_name")) != fold(b.get("full_name")):
        return False
    for field, norm in (("phone", normalize_phone), ("email", lambda x: (x or "").strip().casefold()),
                        ("address", normalize_address)):
        x, y = norm(a.get(field)), norm(b.get(field))
        if x and y and x == y:
            return True
    return False


def _contacts(row: dict) -> set[tuple[str, str]]:
    out = set()
    if row.get("phone"):
        out.add(("phone", normalize_phone(row["phone"])))
    if row.get("email"):
        out.add(("email", row["email"].strip().casefold()))
    if row.get("address"):
        out.add(("address", normalize_address(row["address"])))
    return {x for x in out if x[1]}


class _UF:
    def __init__(self):
        self.p: dict[str, str] = {}

    def find(self, x):
        self.p.setdefault(x, x)
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def limit_in_force(published_on, category, in_project) -> int | None:
    if published_on is None:
        return None
    day = as_date(published_on)
    for lo, hi, purchase, consulting, goods in DIRECT_LIMITS:
        if lo <= day <= hi:
            if not in_project:
                return purchase
            return consulting if category == TRAINING else goods
    return None


def findings(w, as_of: date = AS_OF) -> set[Finding]:
    T = w.tables
    out: set[Finding] = set()
    schools = {s["school_id"]: s for s in T["schools"]}
    vendors = {v["vendor_id"]: v for v in T["vendors"]}
    authorities = {a["authority_id"]: a for a in T["authorities"]}
    officials = {o["official_id"]: o for o in T["officials"]}
    tenders = {t["tender_id"]: t for t in T["tenders"]}
    people = defaultdict(list)
    for p in T["vendor_people"]:
        people[p["vendor_id"]].append(p)
    relatives = defaultdict(list)
    for r in T["declared_relatives"]:
        relatives[r["official_id"]].append(r)
    bids = defaultdict(list)
    for b in T["bids"]:
        bids[b["tender_id"]].append(b)
    committee = defaultdict(set)
    for c in T["tender_committee"]:
        committee[c["tender_id"]].add(c["official_id"])
    winner: dict[str, str] = {}
    for c in sorted((c for c in T["contracts"] if c["tender_id"]), key=lambda c: c["contract_id"]):
        winner.setdefault(c["tender_id"], c["vendor_id"])
    contracts = {c["contract_id"]: c for c in T["contracts"]}

    # ---------------------------------------------------------------- vendor groups
    uf, fam = _UF(), _UF()
    for v in vendors.values():
        uf.find(v["vendor_id"])
        fam.find(v["vendor_id"])
        if v["parent_vendor_id"] and v["parent_vendor_id"] in vendors:
            uf.union(v["vendor_id"], v["parent_vendor_id"])
            fam.union(v["vendor_id"], v["parent_vendor_id"])
    seen: dict[tuple, str] = {}
    for v in vendors.values():
        for c in _contacts(v):
            if c in seen:
                uf.union(seen[c], v["vendor_id"])
            else:
                seen[c] = v["vendor_id"]

    def link_people(rows):
        by_id, by_nb = defaultdict(list), defaultdict(list)
        for p in rows:
            if (p["national_id"] or "").strip():
                by_id[p["national_id"].strip()].append(p)
            if p["birth_date"]:
                by_nb[(fold(p["full_name"]), p["birth_date"])].append(p)
        for bucket in list(by_id.values()) + list(by_nb.values()):
            for a, b in itertools.combinations(bucket, 2):
                if a["vendor_id"] != b["vendor_id"] and same_person(a, b):
                    uf.union(a["vendor_id"], b["vendor_id"])
    link_people([p for p in T["vendor_people"] if p["role"] == "legal_representative"])
    link_people([p for p in T["vendor_people"] if p["role"] in ("owner", "shareholder", "founding_member")
                 and (p["share_pct"] or 0) >= 25])
    group = {v: uf.find(v) for v in vendors}
    family = {v: fam.find(v) for v in vendors}

    def chain(vid):  # the vendor and its declared parents, upwards
        out_, cur = [], vid
        while cur and cur in vendors and cur not in out_:
            out_.append(cur)
            cur = vendors[cur]["parent_vendor_id"]
        return out_

    def coi_people(vid):
        return [p for v in chain(vid) for p in people[v]]

    # ---------------------------------------------------------------- markets (CON-*)
    market = defaultdict(set)
    serves = defaultdict(set)          # (pc, service, year, group) → schools
    vendors_in_market = defaultdict(set)
    for d in T["deployments"]:
        if d["status"] not in ("pilot", "live"):
            continue
        pc = schools[d["school_id"]]["province_code"]
        key = (pc, d["service"], d["school_year"])
        market[key].add(d["school_id"])
        serves[key + (group[d["vendor_id"]],)].add(d["school_id"])
        vendors_in_market[key].add(d["vendor_id"])
    groups_in = defaultdict(list)
    for (pc, s, y, g), ss in serves.items():
        groups_in[(pc, s, y)].append((g, len(ss)))
    for key, gs in groups_in.items():
        n = len(market[key])
        mid = "/".join(key)
        if n >= 20:
            hhi = sum((100 * k / n) ** 2 for _, k in gs)
            if hhi >= 1800:
                out.add(("CON-HHI", "market", mid))
            if any(k >= 0.7 * n for _, k in gs):
                out.add(("CON-DOM", "market", mid))
        pc, s, y = key
        prev = f"{int(y[:4]) - 1}-{y[:4]}"
        n0 = len(market.get((pc, s, prev), ()))
        if n0 >= 1:
            for g, k in gs:
                k0 = len(serves.get((pc, s, prev, g), ()))
                if k / n - k0 / n0 >= 0.30:
                    out.add(("CON-SHIFT", "market", f"{mid}+{g}"))
    years = sorted({d["school_year"] for d in T["deployments"]})
    provinces = sorted({s["province_code"] for s in schools.values()})
    for pc in provinces:
        for y in years:
            ds_all = market.get((pc, DS, y), set())
            for (pc2, s, y2, g), S in list(serves.items()):
                if (pc2, s, y2) != (pc, SMS, y) or len(S) < 5:
                    continue
                ds_g = serves.get((pc, DS, y, g), set())
                a = len(S & ds_g) / len(S)
                O = ds_all - S
                b = len(O & ds_g) / len(O) if O else 0
                if a >= 0.8 and a >= 2 * b:
                    out.add(("CON-BUNDLE", "province", f"{pc}+{g}"))
    for key, vs in vendors_in_market.items():
        by_group = defaultdict(set)
        for v in vs:
            by_group[group[v]].add(family[v])
        for g, fams in by_group.items():
            if len(fams) >= 2:
                out.add(("CON-GROUP", "vendor_group", g))

    # ---------------------------------------------------------------- tenders (PRC-*, COL-*)
    pieces = defaultdict(list)
    compat = defaultdict(int)
    for tid, t in tenders.items():
        m = t["method"]
        value = t["estimated_value_vnd"] or 0
        limit = limit_in_force(t["published_on"], t["category"], t["in_investment_project"])
        ground = t["direct_award_ground"] or "value_limit"
        tb = bids[tid]
        valid = [b for b in tb if b["status"] == "valid"]
        win = winner.get(tid)
        wbid = next((b for b in tb if b["vendor_id"] == win), None) if win else None
        if m in COMPETITIVE and len(valid) == 1:
            out.add(("PRC-SINGLE", "tender", tid))
        if m in DIRECT and ground == "value_limit" and limit is not None and value > limit:
            out.add(("PRC-DIRECT-LIMIT", "tender", tid))
        if m in DIRECT and ground in ("digital_transformation", "urgent"):
            out.add(("PRC-DX-GROUND", "tender", tid))
        if m in DIRECT and ground == "compatibility" and win:
            compat[(t["procuring_entity_id"], win)] += 1
        if t["funding_source"] in ("parents", "sponsorship"):
            out.add(("PRC-OUTSIDE-LAW", "tender", tid))
        if win and m not in COMPETITIVE and t["published_on"] is not None and limit is not None \
                and value <= limit:
            pieces[(t["procuring_entity_id"], t["category"], win)].append((as_date(t["published_on"]), value, limit))
        pub, dl = t["published_on"], t["bid_deadline"]
        if pub is not None and dl is not None:
            p, d_ = as_date(pub), as_date(dl)
            if m in ("open_bidding", "limited_bidding"):
                need = 9 if (t["category"] != TRAINING and value <= 10_000_000_000) else 18
                if (d_ - p).days < need:
                    out.add(("PRC-SHORT", "tender", tid))
            elif m == "competitive_shopping":
                need = 5 if p < date(2025, 8, 4) else 7
                if working_days_after(p, d_) < need:
                    out.add(("PRC-SHORT", "tender", tid))
        if wbid:
            if len(valid) >= 2 and value > 0 and wbid["price_vnd"] >= 0.99 * value:
                out.add(("PRC-NOSAVE", "tender", tid))
            nw = [b for b in tb if b["status"] != "withdrawn"]
            if nw:
                low = min(b["price_vnd"] for b in nw)
                if any(b["price_vnd"] == low and b["status"] == "disqualified" for b in nw) \
                        and wbid["price_vnd"] > low:
                    out.add(("PRC-LOWEST-DISQ", "tender", tid))
            others = [b for b in tb if b is not wbid]
            if others and all(b["status"] == "disqualified" for b in others):
                out.add(("PRC-ALL-DISQ", "tender", tid))
            s, dl2 = wbid["submitted_on"], t["bid_deadline"]
            late = wbid["status"] == "late"
            if s is not None and dl2 is not None:
                if isinstance(s, datetime) and isinstance(dl2, datetime):
                    late = late or s > dl2
                else:
                    late = late or as_date(s) > as_date(dl2)
            if late:
                out.add(("PRC-LATE-WIN", "tender", tid))
            wp = wbid["price_vnd"]
            if any(b["vendor_id"] != win and abs(b["price_vnd"] - wp) <= 0.01 * wp for b in tb):
                out.add(("COL-CLOSE", "tender", tid))
        prices = sorted(b["price_vnd"] for b in tb)
        if len(prices) >= 3 and prices[1] - prices[0] <= 0.01 * prices[0]:
            out.add(("COL-CLOSE", "tender", tid))
        by_price = defaultdict(set)
        for b in tb:
            by_price[b["price_vnd"]].add(b["vendor_id"])
        if any(len(vs) >= 2 for vs in by_price.values()):
            out.add(("COL-IDENTICAL", "tender", tid))
        for a, b in itertools.combinations([x["vendor_id"] for x in tb], 2):
            if group[a] == group[b] or any(same_person(p, q) for p in people[a] for q in people[b]):
                out.add(("COL-LINKED", "tender", tid))
                break
        if win:
            comm = [officials[o] for o in committee[tid] if o in officials]
            wp_people = coi_people(win)
            wp_contacts = set().union(*[_contacts(p) for p in wp_people], *[_contacts(vendors[v]) for v in chain(win)])
            for o in comm:
                if any(same_person(o, p) for p in wp_people):
                    out.add(("COI-SELF", "tender", tid))
                    out.add(("COI-CONTACT", "tender", tid))
                for r in relatives[o["official_id"]]:
                    if any(same_person(r, p) for p in wp_people):
                        out.add(("COI-RELATIVE", "tender", tid))
                        out.add(("COI-CONTACT", "tender", tid))
                    if _contacts(r) & wp_contacts:
                        out.add(("COI-CONTACT", "tender", tid))
                if _contacts(o) & wp_contacts:
                    out.add(("COI-CONTACT", "tender", tid))
    for (entity, _cat, win), ps in pieces.items():
        ps.sort()
        for i, (d0, _, _) in enumerate(ps):
            window = [p for p in ps[i:] if p[0] <= add_days(d0, 90)]
            for lim in sorted({p[2] for p in window}):
                chosen = [p for p in window if p[2] <= lim]
                if len(chosen) >= 2 and ps[i] in chosen and sum(p[1] for p in chosen) > lim:
                    out.add(("PRC-SPLIT", "procuring_entity", f"{entity}+{win}"))
    for (entity, win), n in compat.items():
        if n >= 2:
            out.add(("PRC-REPEAT-COMPAT", "procuring_entity", f"{entity}+{win}"))

    # COL-ROTATION (maximal qualifying sets, grown from trios) and COL-COVER
    tenders_of = defaultdict(set)
    for tid, tb in bids.items():
        for b in tb:
            tenders_of[b["vendor_id"]].add(tid)

    def qualifies(members):
        common = set.intersection(*(tenders_of[v] for v in members))
        if len(common) < 4:
            return False
        wins = defaultdict(int)
        for tid in common:
            if winner.get(tid) in members:
                wins[winner[tid]] += 1
        return all(wins[v] >= 1 and wins[v] <= 0.6 * len(common) for v in members)

    trios = set()
    for tid, tb in bids.items():
        vs = sorted({b["vendor_id"] for b in tb})
        if len(vs) >= 3:
            trios.update(itertools.combinations(vs, 3))
    level = {frozenset(t) for t in trios if qualifies(t)}
    qualifying = set(level)
    while level:
        nxt = set()
        for s in level:
            common = set.intersection(*(tenders_of[v] for v in s))
            cands = {b["vendor_id"] for tid in common for b in bids[tid]} - s
            for c in cands:
                s2 = s | {c}
                if s2 not in qualifying and qualifies(s2):
                    nxt.add(frozenset(s2))
        qualifying |= nxt
        level = nxt
    for s in qualifying:
        if not any(s < t for t in qualifying):
            out.add(("COL-ROTATION", "vendor_set", "+".join(sorted(s))))
    winners = set(winner.values())
    for a, ts in tenders_of.items():
        if len(ts) >= 5 and a not in winners:
            counts = defaultdict(int)
            for tid in ts:
                if tid in winner:
                    counts[winner[tid]] += 1
            for b, k in counts.items():
                if k >= 0.8 * len(ts):
                    out.add(("COL-COVER", "vendor_pair", "+".join(sorted((a, b)))))
    # Cardinal's indicators added to the catalogue (docs/conformance.md): COL-UNSUCCESSFUL
    # (R025) and PRC-DISQ-RATE (R038), with their default settings.
    played = defaultdict(lambda: [0, 0])                  # vendor → [awarded bids, wins]
    disq = defaultdict(lambda: [set(), 0, 0])             # entity → [tenders, bids, disqualified]
    for tid, tb in bids.items():
        pe = tenders[tid]["procuring_entity_id"]
        for b in tb:
            if tid in winner:
                played[b["vendor_id"]][0] += 1
                played[b["vendor_id"]][1] += winner[tid] == b["vendor_id"]
            if b["status"] not in ("withdrawn", "late") and not pe.startswith("unknown:"):
                disq[pe][0].add(tid)
                disq[pe][1] += 1
                disq[pe][2] += b["status"] == "disqualified"
    for v, (n, won) in played.items():
        if n >= 10 and won >= 1 and 10 * (n - won) >= 9 * n:
            out.add(("COL-UNSUCCESSFUL", "vendor", v))
    for pe, (ts, n, d) in disq.items():
        if len(ts) >= 5 and n >= 10 and 5 * d >= 2 * n:
            out.add(("PRC-DISQ-RATE", "procuring_entity", pe))

    # ---------------------------------------------------------------- contracts and lines
    for cid, c in contracts.items():
        if not c["tender_id"] and (c["value_vnd"] or 0) >= 50_000_000:
            out.add(("PRC-NOTENDER", "contract", cid))
        if (c["value_vnd"] or 0) >= 1_000_000_000 and c["signed_on"]:
            v = c["vendor_id"]
            reg = vendors[v]["registered_on"] if v in vendors else None
            if "-" in v and v[:10] in vendors:
                reg = vendors[v[:10]]["registered_on"]
            if reg and 0 <= (c["signed_on"] - reg).days < 365:
                out.add(("PRC-NEWVENDOR", "contract", cid))
    # CON-HETERO (Cardinal R048): >= 3 contracts whose lines span >= 5 services, "other" aside.
    services, held = defaultdict(set), defaultdict(set)
    for ln in T["contract_lines"]:
        if ln["service"] != "other":
            v = contracts[ln["contract_id"]]["vendor_id"]
            services[v].add(ln["service"])
            held[v].add(ln["contract_id"])
    for v, ss in services.items():
        if len(ss) >= 5 and len(held[v]) >= 3:
            out.add(("CON-HETERO", "vendor", v))
    line_groups = defaultdict(list)
    for ln in T["contract_lines"]:
        c = contracts[ln["contract_id"]]
        if not ln["unit"]:
            continue
        y = tenders[c["tender_id"]]["school_year"] if c["tender_id"] and tenders[c["tender_id"]]["school_year"] else (
            school_year_of(c["signed_on"]) if c["signed_on"] else None)
        if y:
            line_groups[(ln["service"], ln["unit"], y)].append(ln)
    for lines in line_groups.values():
        if len(lines) >= 6:
            med = statistics.median(ln["unit_price_vnd"] for ln in lines)
            for ln in lines:
                if ln["unit_price_vnd"] >= 2 * med:
                    out.add(("PRC-UNITPRICE", "contract_line", f"{ln['contract_id']}#{ln['line_no']}"))
        # GOV-AUTHORITY below
    for ln in T["contract_lines"]:
        c = contracts[ln["contract_id"]]
        if not c["tender_id"] or not ln["school_id"]:
            continue
        a = authorities[tenders[c["tender_id"]]["procuring_entity_id"]]
        s = schools[ln["school_id"]]
        k = a["kind"]
        inside = (k == "ministry" or k == "other"
                  or (k in ("province_department", "district_committee", "district_office")
                      and s["province_code"] == a["province_code"])
                  or (k == "commune_committee" and s["commune_code"] == a["commune_code"])
                  or (k == "school" and s["school_id"] == a["school_id"]))
        if not inside:
            out.add(("GOV-AUTHORITY", "tender", c["tender_id"]))

    # ---------------------------------------------------------------- officials (COI-REVOLVING, COI-SCHOOL)
    won_by = defaultdict(list)
    for tid, v in winner.items():
        t = tenders[tid]
        won_by[v].append((t["procuring_entity_id"], as_date(t["awarded_on"] or t["published_on"])))
    for o in officials.values():
        if not o["until"]:
            continue
        end = add_months(o["until"], 12)
        for v in vendors:
            hit = [p for p in coi_people(v) if p["since"] and o["until"] <= p["since"] <= end
                   and same_person(o, p)]
            if hit and any(e == o["authority_id"] and d_ and o["until"] <= d_ <= end for e, d_ in won_by[v]):
                out.add(("COI-REVOLVING", "official", f"{o['official_id']}+{v}"))
    deployed_at = defaultdict(set)
    for d in T["deployments"]:
        deployed_at[d["school_id"]].add(d["vendor_id"])
    for o in officials.values():
        if o["position"] != "principal":
            continue
        a = authorities.get(o["authority_id"])
        if not a or a["kind"] != "school" or not a["school_id"]:
            continue
        persons = [o] + relatives[o["official_id"]]
        for v in deployed_at[a["school_id"]]:
            if any(same_person(x, p) for x in persons for p in coi_people(v)):
                out.add(("COI-SCHOOL", "school", f"{a['school_id']}+{v}"))

    # ---------------------------------------------------------------- deployments (DEP-*)
    peers = defaultdict(list)
    for d in T["deployments"]:
        did = f"{d['school_id']}/{d['service']}/{d['school_year']}"
        if d["service"] in (SMS, DS) and (d["parent_fee_vnd"] or 0) > 0:
            out.add(("DEP-PARENTFEE", "deployment", did))
        if d["status"] in ("pilot", "live") and (d["budget_cost_vnd"] or 0) > 0 and not d["contract_id"]:
            out.add(("DEP-NOCONTRACT", "deployment", did))
        if d["status"] == "live" and d["exports_standard_format"] is False:
            out.add(("DEP-LOCKIN", "vendor", f"{d['vendor_id']}+{d['service']}"))
        st = schools[d["school_id"]]["students"] or 0
        if d["status"] in ("pilot", "live") and (d["budget_cost_vnd"] or 0) > 0 and st > 0:
            peers[(d["service"], d["school_year"])].append((d["budget_cost_vnd"] / st, did))
    for ps in peers.values():
        if len(ps) >= 6:
            med = statistics.median(x for x, _ in ps)
            for x, did in ps:
                if x >= 2 * med:
                    out.add(("DEP-COST", "deployment", did))

    # DEP-DIRECTIVE and DEP-SYNC
    name_tokens = {}
    for v in vendors.values():
        nm = " ".join(v["name"].split())
        if len(nm) > 12:
            name_tokens[v["vendor_id"]] = tokens(nm)
    products = defaultdict(set)   # product tokens → (vendor, service)
    for d in T["deployments"]:
        if d["product"]:
            products[tuple(tokens(d["product"]))].add((d["vendor_id"], d["service"]))
    instr = [tokens(x) for x in INSTRUCTIONS]
    negs = [tokens(x) for x in NEGATIONS]
    sam = tokens("sắm")[0]
    dep_rows = defaultdict(list)
    for d in T["deployments"]:
        if d["status"] in ("pilot", "live"):
            dep_rows[(d["service"], d["school_year"])].append(d)
    all_services = sorted({d["service"] for d in T["deployments"]})
    for dv in T["directives"]:
        sentences = [s for part in (dv["title"], dv["text"] or "")
                     for s in re.split(r"[.!?;\n\r]", part) if s.strip()]
        named: set[tuple[str, str | None]] = set()
        for s in sentences:
            toks = tokens(s)
            has_instr = False
            for ph in instr:
                for i in _occurs(ph, toks):
                    if ph == tokens("mua") and i + 1 < len(toks) and toks[i + 1] == sam:
                        continue
                    has_instr = True
            if not has_instr or any(_occurs(ph, toks) for ph in negs):
                continue
            for vid, nt in name_tokens.items():
                if _occurs(nt, toks):
                    named.add((vid, None))
            for pt, pairs in products.items():
                if _occurs(list(pt), toks):
                    named.update(pairs)
        if not named:
            continue
        out.add(("DEP-DIRECTIVE", "directive", dv["directive_id"]))
        issuer = authorities[dv["issuer_id"]]
        y = school_year_of(add_days(dv["issued_on"], 60))
        for vid, service in named:
            g = group[vid]
            for s in ([service] if service else all_services):
                D, N = set(), set()
                for d in dep_rows[(s, y)]:
                    sc = schools[d["school_id"]]
                    k = issuer["kind"]
                    if k == "other":
                        continue
                    inside = (k == "ministry"
                              or (k in ("province_department", "district_committee", "district_office")
                                  and sc["province_code"] == issuer["province_code"])
                              or (k == "commune_committee" and sc["commune_code"] == issuer["commune_code"])
                              or (k == "school" and sc["school_id"] == issuer["school_id"]))
                    if not inside:
                        continue
                    D.add(d["school_id"])
                    if group[d["vendor_id"]] == g and d["started_on"] and \
                            dv["issued_on"] <= d["started_on"] <= add_days(dv["issued_on"], 60):
                        N.add(d["school_id"])
                if len(D) >= 5 and len(N) >= 0.8 * len(D):
                    pc = "all" if issuer["kind"] == "ministry" else issuer["province_code"]
                    out.add(("DEP-SYNC", "directive", f"{dv['directive_id']}+{pc}/{s}/{y}"))

    # ---------------------------------------------------------------- governance (GOV-*)
    for m in T["pilot_milestones"]:
        if (m["done_on"] is None and m["due_on"] < as_of) or \
                (m["done_on"] is not None and m["done_on"] > add_days(m["due_on"], 30)):
            out.add(("GOV-OVERDUE", "province", f"{m['province_code']}/{m['milestone']}"))
    rec = defaultdict(lambda: [0, 0])
    for d in T["deployments"]:
        if (d["records_total"] or 0) > 0:
            r = rec[(d["school_id"], d["school_year"])]
            r[0] += d["records_signed"] or 0
            r[1] += d["records_total"]
    for (sid, y), (signed, total) in rec.items():
        if schools[sid]["in_pilot"] and date(int(y[5:]), 5, 31) < as_of and signed < 0.5 * total:
            out.add(("GOV-COVERAGE", "school", sid))
    return out


def compare(world, truth) -> tuple[list[Finding], list[Finding]]:
    """(planted but not found, found but not planted), each sorted."""
    found = findings(world)
    planted = {tuple(t) for t in truth}
    return sorted(planted - found), sorted(found - planted)

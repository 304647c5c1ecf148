"""The clean background: a plausible Học bạ số roll-out on which no flag of flags.md fires.

How each family of flags is kept quiet (the self-check in :mod:`.selfcheck` verifies it):

* markets — every (province, service) market is shared by 8 vendor groups whose schools are
  assigned by a weighted largest-deficit rule over schools ordered by the year they join, so
  every year's market is balanced (top share ≈ 16 %, HHI ≈ 1,300) and no group gains 30 points;
  software groups and certificate authorities are different groups (no bundling); the small
  markets of continuing-education centres are stable from year to year;
* vendor groups — every vendor has its own phone, e-mail and address, people are never shared
  between families except as the allowed decoys (a legal representative of one firm who owns
  shares in another, a director of two, two 20 % owners), so a group is a declared-parent family;
* procurement — competitive tenders have ≥ 2 valid bids, the winner is the lowest bid by more
  than 1 %, prices differ, the winning price is below 99 % of the estimate, bid periods are
  ≥ 25 days; direct awards are on the ``value_limit`` ground and below the limit in force; the
  only non-competitive pieces of one entity, category and winner are a year apart; losing
  bidders are firms that win elsewhere and no trio co-bids more than 3 times;
* people — all ids, phones, e-mails and addresses are unique, so no official is the same person
  as a vendor's person or shares a contact with one, except the name decoys below;
* deployments and governance — budgets come with contracts, parents pay only for the "other"
  service, live products export the standard format (or say nothing), pilot schools sign ≥ 60 %
  of their records, milestones are met within 30 days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import geo
from .util import (add_days, at_time, rand_date, strip_diacritics, year_start)
from .world import CMS, DS, HOSTING, INFRA, OTHER, SMS, TRAINING, Line, TenderPlan, World


@dataclass(frozen=True)
class Scale:
    n_provinces: int
    schools: int
    national_software_groups: int
    ca_groups: int


SCALES = {
    "small": Scale(1, 300, 3, 10),
    "province": Scale(3, 2000, 4, 12),
    "national": Scale(34, 25000, 6, 12),
}

GROUPS_PER_MARKET = 8
LOCAL_SOFTWARE = 5


def choose_scope(rng, scale: str) -> list[str]:
    codes = list(geo.provinces())
    n = SCALES[scale].n_provinces
    return codes if n >= len(codes) else sorted(rng.sample(codes, n))


def build(w: World, rng) -> None:
    _authorities_and_schools(w, rng)
    _vendors(w, rng)
    purchases = _deployments(w, rng)
    _procurement(w, rng, purchases)
    _directives(w, rng)
    _milestones(w, rng)
    _name_decoys(w, rng)


# ------------------------------------------------------------------------------ schools
LEVELS = (("primary", 44), ("lower_secondary", 31), ("upper_secondary", 11), ("multi_level", 7),
          ("continuing_education_center", 2.5), ("other", 2.5))


def _authorities_and_schools(w: World, rng) -> None:
    w.add_ministry()
    for pc in w.scope:
        w.add_department(pc, rng)
    sc = SCALES[w.scale]
    provs = w.provinces
    total_wards = sum(len(provs[pc].wards) for pc in w.scope)
    levels, lw = zip(*LEVELS)
    for pc in w.scope:
        prov = provs[pc]
        n = round(sc.schools * len(prov.wards) / total_wards)
        weights, acc = [], 0.0
        for ward in prov.wards:
            acc += rng.uniform(0.4, 1.6) * (1.3 if ward.kind == "phường" else 1.0)
            weights.append(acc)
        centres = 0
        for _ in range(n):
            ward = rng.choices(prov.wards, cum_weights=weights)[0]
            level = rng.choices(levels, lw)[0]
            if level == "continuing_education_center":
                if centres >= 12:
                    level = "primary"
                else:
                    centres += 1
            ownership = "private" if (level in ("primary", "lower_secondary", "upper_secondary",
                                                 "multi_level") and rng.random() < 0.05) else "public"
            in_pilot = (ownership == "public" and level not in ("continuing_education_center", "other")
                        and rng.random() < 0.25)
            w.add_school(rng, pc, ward_code=ward.code, level=level, ownership=ownership,
                         in_pilot=in_pilot)


# ------------------------------------------------------------------------------ vendors
def _vendors(w: World, rng) -> None:
    sc = SCALES[w.scale]
    big = ["01", "79", "48"]
    for i in range(sc.national_software_groups):
        pc = big[i % 2]
        head = w.add_vendor(rng, kind="software", pc=pc,
                            registered_on=date(rng.randint(2004, 2012), rng.randint(1, 12), rng.randint(1, 28)))
        sub_pc = "79" if pc == "01" else "01"
        core = w.core_of[head["vendor_id"]]
        sub = w.add_vendor(rng, kind="software", pc=sub_pc, parent=head["vendor_id"],
                           name=f"Công ty TNHH Giải pháp Giáo dục {core} Miền {'Nam' if sub_pc == '79' else 'Bắc'}",
                           core=core, registered_on=date(rng.randint(2013, 2018), rng.randint(1, 12), 5))
        w.core_of[sub["vendor_id"]] = core
        w.software_groups.append(head["vendor_id"])
        w.group_members[head["vendor_id"]] = {pc: head["vendor_id"], sub_pc: sub["vendor_id"]}
    for i in range(sc.ca_groups):
        pc = big[i % 3]
        head = w.add_vendor(rng, kind="ca", pc=pc,
                            registered_on=date(rng.randint(2005, 2015), rng.randint(1, 12), rng.randint(1, 28)))
        w.ca_groups.append(head["vendor_id"])
        w.group_members[head["vendor_id"]] = {pc: head["vendor_id"]}
    for i in range(2):
        pc = big[i]
        head = w.add_vendor(rng, kind="infrastructure", pc=pc,
                            registered_on=date(rng.randint(2006, 2012), rng.randint(1, 12), rng.randint(1, 28)))
        w.infra_groups.append(head["vendor_id"])
        w.group_members[head["vendor_id"]] = {pc: head["vendor_id"]}

    for j, pc in enumerate(w.scope):
        for kind, n in (("software", LOCAL_SOFTWARE), ("infrastructure", 3), ("training", 3),
                        ("hosting", 2)):
            ids = []
            for k in range(n):
                name = None
                if j == 0 and kind == "infrastructure" and k < 2:
                    core = w.new_core(rng)
                    name = (f"Công ty TNHH <img src=x onerror=alert(1)> Thiết bị Số {core}" if k == 0 else
                            f'=HYPERLINK("http://example.com/hocba","Công ty TNHH Thiết bị {core}")')
                    ids.append(w.add_vendor(rng, kind=kind, pc=pc, name=name, core=core)["vendor_id"])
                    continue
                ids.append(w.add_vendor(rng, kind=kind, pc=pc)["vendor_id"])
            w.local[(pc, kind)] = ids
    # a young training firm: its contracts (< 1 bn) come within a year of registration (decoy)
    young = w.local[(w.scope[0], "training")][0]
    w.vendors[young]["registered_on"] = date(2024, 2, 19)
    for p in w.people_of[young]:
        p["since"] = date(2024, 2, 19)
    # a software firm whose product is hostile text
    hostile = w.local[(w.scope[0], "software")][0]
    w.products[(w.family[hostile], SMS)] = '<script>alert("hocba")</script> SchoolPro'
    # a dissolved firm (no activity) and a suspended one
    w.add_vendor(rng, kind="software", pc=w.scope[0], status="dissolved",
                 registered_on=date(2009, 4, 2))
    w.add_vendor(rng, kind="hosting", pc=w.scope[-1], status="suspended",
                 registered_on=date(2016, 10, 11))
    _shared_person_decoys(w, rng)


def _shared_person_decoys(w: World, rng) -> None:
    """People who appear at two firms of different families in ways that are *not* group links:
    a legal representative of one who holds 40 % of the other, a director of two firms, an owner
    with 20 % in two. The two firms never bid in one tender (that would be COL-LINKED)."""
    pc = w.scope[0]
    sw = w.local[(pc, "software")]
    infra = w.local[(pc, "infrastructure")]
    train = w.local[(pc, "training")]
    host = w.local[(pc, "hosting")]

    def rep(vid):
        return next(p for p in w.people_of[vid] if p["role"] == "legal_representative")

    def as_person(row):
        return {k: row[k] for k in ("full_name", "birth_date", "national_id", "address", "phone", "email")}

    a, b = sw[1], infra[2]
    w.add_vendor_person(b, as_person(rep(a)), "founding_member", share_pct=40,
                        since=w.vendors[b]["registered_on"])
    c, d = sw[2], train[1]
    dperson = w.person(pc, born=(1970, 1985), p_nid=1.0)
    w.add_vendor_person(c, dperson, "director", since=date(2019, 5, 6))
    w.add_vendor_person(d, dperson, "director", since=date(2021, 1, 4))
    e, f = host[0], sw[3]
    oper = w.person(pc, born=(1962, 1980), p_nid=1.0)
    w.add_vendor_person(e, oper, "shareholder", share_pct=20, since=w.vendors[e]["registered_on"])
    w.add_vendor_person(f, oper, "founding_member", share_pct=20, since=w.vendors[f]["registered_on"])
    for x, y in ((a, b), (c, d), (e, f)):
        w.no_cobid.add(tuple(sorted((x, y))))


def _deploying_vendor(w: World, rng, head: str, pc: str) -> str:
    members = w.group_members[head]
    if pc not in members:
        members[pc] = w.add_vendor(rng, kind=w.vendor_kind[head], pc=pc, branch_of=head)["vendor_id"]
    return members[pc]


def _market_vendors(w: World, rng) -> None:
    """The 8 groups (one deploying vendor each) of every (province, service) market."""
    for pc in w.scope:
        nat = rng.sample(w.software_groups, min(3, len(w.software_groups)))
        sw = [_deploying_vendor(w, rng, h, pc) for h in sorted(nat)] + w.local[(pc, "software")]
        w.market_vendors[(pc, SMS)] = sw
        w.market_vendors[(pc, OTHER)] = sw
        # centres: a small market (< 20 schools); in the first province one group serves them
        # all (a decoy: concentration is only judged on markets of ≥ 20 schools)
        w.market_vendors[(pc, CMS)] = rng.sample(sw, 1 if pc == w.scope[0] else rng.choice((1, 2)))
        cas = rng.sample(w.ca_groups, GROUPS_PER_MARKET)
        w.market_vendors[(pc, DS)] = [_deploying_vendor(w, rng, h, pc) for h in sorted(cas)]
        infra = [_deploying_vendor(w, rng, h, pc) for h in w.infra_groups]
        w.market_vendors[(pc, INFRA)] = infra + w.local[(pc, "infrastructure")]
        w.market_vendors[(pc, TRAINING)] = list(w.local[(pc, "training")])
        w.market_vendors[(pc, HOSTING)] = list(w.local[(pc, "hosting")])


def assign_balanced(items: list, vendors: list[str], weights: list[float]) -> list[str]:
    """Largest-deficit assignment: after every prefix each vendor's count is within about one
    item of its weighted quota, so every year's market (a prefix) is balanced."""
    total = sum(weights)
    counts = [0] * len(vendors)
    out = []
    for i in range(len(items)):
        best = max(range(len(vendors)), key=lambda j: (weights[j] * (i + 1) / total - counts[j], -j))
        counts[best] += 1
        out.append(vendors[best])
    return out


# ------------------------------------------------------------------------------ deployments
@dataclass
class Purchase:
    pc: str
    school_year: str
    service: str
    school_id: str
    vendor_id: str
    deployment: dict | None
    buyer: str             # "department", "commune" or "school"
    line: Line


def _deployments(w: World, rng) -> list[Purchase]:
    _market_vendors(w, rng)
    years = w.school_years
    purchases: list[Purchase] = []
    for pc in w.scope:
        sids = w.schools_in[pc]
        schools = [w.schools[s] for s in sids]

        def order(rows, start):
            keys = {r["school_id"]: rng.random() for r in rows}
            return sorted(rows, key=lambda r: (start[r["school_id"]], keys[r["school_id"]]))

        # school management software: every school but the centres, most from the first year
        sms_rows = [s for s in schools if s["level"] != "continuing_education_center"]
        start = {s["school_id"]: (0 if s["in_pilot"] else rng.choices((0, 1, 2), (90, 7, 3))[0])
                 for s in sms_rows}
        vendors = w.market_vendors[(pc, SMS)]
        weights = [rng.uniform(0.75, 1.25) for _ in vendors]
        ordered = order(sms_rows, start)
        assigned = dict(zip((s["school_id"] for s in ordered), assign_balanced(ordered, vendors, weights)))
        # DS cohorts: pilot schools first, then two more cohorts; some only planned
        ds_rows = [s for s in schools if s["ownership"] == "public"
                   and s["level"] not in ("continuing_education_center", "other")]
        ds_start = {}
        for s in ds_rows:
            ds_start[s["school_id"]] = 0 if s["in_pilot"] else rng.choices((1, 2, 3, 4), (30, 35, 20, 15))[0]
        ds_order = order([s for s in ds_rows if ds_start[s["school_id"]] <= 2], ds_start)
        ds_vendors = w.market_vendors[(pc, DS)]
        ds_weights = [rng.uniform(0.75, 1.25) for _ in ds_vendors]
        ds_assigned = dict(zip((s["school_id"] for s in ds_order),
                               assign_balanced(ds_order, ds_vendors, ds_weights)))
        # the "other" service: an electronic contact book that parents pay for (a decoy)
        other_rows = [s for s in sms_rows if rng.random() < 0.25]
        other_assigned = dict(zip((s["school_id"] for s in other_rows),
                                  assign_balanced(other_rows, vendors, [1.0] * len(vendors))))
        cms_rows = [s for s in schools if s["level"] == "continuing_education_center"]
        cms_vendors = w.market_vendors[(pc, CMS)]
        cms_assigned = dict(zip((s["school_id"] for s in cms_rows),
                                assign_balanced(cms_rows, cms_vendors, [1.0] * len(cms_vendors))))
        # a few schools change software vendor in year 2 or 3 (the old one is "stopped")
        switch = {}
        for s in sms_rows:
            if not s["in_pilot"] and start[s["school_id"]] == 0 and rng.random() < 0.02:
                old = assigned[s["school_id"]]
                switch[s["school_id"]] = (rng.choice((1, 2)), rng.choice([v for v in vendors if v != old]))

        for s in schools:
            sid = s["school_id"]
            buyer_kind = w.authorities[w.authorities[w.school_authority[sid]]["parent_authority_id"]]["kind"]
            for yi, Y in enumerate(years):
                y0 = year_start(Y)
                has_ds = sid in ds_assigned and ds_start[sid] <= yi
                # --- SMS
                if sid in assigned and start[sid] <= yi:
                    v = assigned[sid]
                    if sid in switch and yi >= switch[sid][0]:
                        if yi == switch[sid][0]:
                            w.add_deployment(sid, Y, SMS, v, status="stopped",
                                             product=w.product(rng, v, SMS),
                                             started_on=date(y0, 8, 1), ended_on=date(y0, 8, 31),
                                             exports_standard_format=rng.choice((False, None)))
                        v = switch[sid][1]
                    first = start[sid] == yi
                    dep = w.add_deployment(
                        sid, Y, SMS, v, status="live", product=w.product(rng, v, SMS),
                        started_on=w.pilot_start(rng, Y) if first or yi == 0 else date(y0, 8, 1),
                        ended_on=None if yi == len(years) - 1 else date(y0 + 1, 7, 31),
                        exports_standard_format=True if rng.random() < 0.85 else None)
                    if has_ds:
                        total = s["students"]
                        share = rng.uniform(0.62, 0.99) if s["in_pilot"] else rng.uniform(0.3, 0.99)
                        dep["records_total"] = total
                        dep["records_signed"] = int(total * share) + (1 if s["in_pilot"] else 0)
                        dep["records_signed"] = min(dep["records_signed"], total)
                    if s["ownership"] == "private":
                        buyer = "school"
                    elif buyer_kind == "province_department":
                        buyer = "department"
                    else:
                        buyer = "school" if yi < 2 else "commune"
                    price = w.unit_price(rng, SMS, "student", Y, v)
                    line = Line(SMS, "student", price, s["students"], sid,
                                f"Bản quyền phần mềm quản lý trường học {w.product(rng, v, SMS)} "
                                f"năm học {Y} (theo số học sinh)", dep)
                    purchases.append(Purchase(pc, Y, SMS, sid, v, dep, buyer, line))
                # --- digital signature
                if sid in ds_assigned and ds_start[sid] <= yi:
                    v = ds_assigned[sid]
                    first = ds_start[sid] == yi
                    dep = w.add_deployment(
                        sid, Y, DS, v, status="pilot" if first else "live",
                        product=w.product(rng, v, DS),
                        started_on=w.pilot_start(rng, Y) if first else date(y0, 8, 1),
                        ended_on=None if yi == len(years) - 1 else date(y0 + 1, 7, 31),
                        budget_cost_vnd=0 if first else None,
                        exports_standard_format=(rng.choice((False, None)) if first else None))
                    if first and yi == 0:
                        q = 2 if s["students"] < 900 else 3
                        line = Line(DS, "certificate", w.unit_price(rng, DS, "certificate", Y, v), q, sid,
                                    "Chứng thư số cá nhân 3 năm cho cán bộ quản lý ký học bạ số", link=dep)
                        purchases.append(Purchase(pc, Y, DS, sid, v, None, "department", line))
                    elif not first:
                        line = Line(DS, "student", w.unit_price(rng, DS, "student", Y, v),
                                    s["students"], sid,
                                    f"Dịch vụ ký số học bạ điện tử {w.product(rng, v, DS)} năm học {Y}", dep)
                        purchases.append(Purchase(pc, Y, DS, sid, v, dep, "department", line))
                elif sid in ds_start and ds_start[sid] == 3 and yi == len(years) - 1:
                    v = rng.choice(ds_vendors)
                    w.add_deployment(sid, Y, DS, v, status="planned", product=w.product(rng, v, DS))
                # --- centres
                if sid in cms_assigned:
                    v = cms_assigned[sid]
                    dep = w.add_deployment(sid, Y, CMS, v, status="live", product=w.product(rng, v, CMS),
                                           started_on=date(y0, 8, 1) if yi else w.pilot_start(rng, Y),
                                           ended_on=None if yi == len(years) - 1 else date(y0 + 1, 7, 31),
                                           exports_standard_format=rng.choice((True, None)))
                    line = Line(CMS, "student", w.unit_price(rng, CMS, "student", Y, v), s["students"],
                                sid, f"Phần mềm quản lý trung tâm {w.product(rng, v, CMS)} năm học {Y}", dep)
                    purchases.append(Purchase(pc, Y, CMS, sid, v, dep, "department", line))
                # --- the contact book parents pay for
                if sid in other_assigned:
                    v = other_assigned[sid]
                    w.add_deployment(sid, Y, OTHER, v, status="live", product=w.product(rng, v, OTHER),
                                     started_on=date(y0, 9, 5),
                                     ended_on=None if yi == len(years) - 1 else date(y0 + 1, 5, 31),
                                     parent_fee_vnd=rng.choice((30_000, 40_000, 50_000, 60_000)))
    return purchases


# ------------------------------------------------------------------------------ procurement
TITLES = {
    SMS: "Thuê phần mềm quản lý trường học phục vụ học bạ số năm học {y}",
    DS: "Cung cấp dịch vụ chữ ký số phục vụ học bạ số năm học {y}",
    CMS: "Thuê phần mềm quản lý trung tâm GDNN-GDTX năm học {y}",
}


def _lots(lines: list[Line], size: int) -> list[list[Line]]:
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def _published(rng, y0: int, lo: tuple[int, int], hi: tuple[int, int]):
    day = rand_date(rng, date(y0, *lo), date(y0, *hi))
    return at_time(day, rng.choice((8, 9, 10)), rng.choice((0, 30))) if rng.random() < 0.3 else day


def _procurement(w: World, rng, purchases: list[Purchase]) -> None:
    plans: list[TenderPlan] = []
    no_tender: list[tuple] = []
    by_key: dict[tuple, list[Purchase]] = {}
    for p in purchases:
        if p.buyer == "department":
            key = ("department", p.pc, p.school_year, p.service, p.vendor_id, p.line.unit)
        elif p.buyer == "commune":
            ward = w.schools[p.school_id]["commune_code"]
            key = ("commune", w.commune_committee[ward], p.school_year, p.service, p.vendor_id, p.line.unit)
        else:
            key = ("school", p.school_id, p.school_year, p.service, p.vendor_id, p.line.unit)
        by_key.setdefault(key, []).append(p)

    for key, items in by_key.items():
        kind, who, Y, service, vendor, unit = key
        y0 = year_start(Y)
        lines = [p.line for p in items]
        if kind == "department":
            entity = w.department[who]
            size = 60 if unit == "certificate" else (35 if service == SMS else 45)
            for k, lot in enumerate(_lots(lines, size), 1):
                value = sum(ln.amount for ln in lot)
                method = "open_bidding" if value >= 2_000_000_000 else rng.choices(
                    ("open_bidding", "competitive_shopping", "limited_bidding"), (55, 30, 15))[0]
                title = (f"Mua sắm chứng thư số phục vụ thí điểm học bạ số năm học {Y}"
                         if unit == "certificate" else TITLES[service].format(y=Y))
                plans.append(TenderPlan(entity, service, method, Y,
                                        _published(rng, y0, (5, 15), (7, 5)), lot, vendor,
                                        title=f"{title} (gói số {k:02d})"))
        elif kind == "commune":
            value = sum(ln.amount for ln in lines)
            pub = rand_date(rng, date(2025, 8, 5), date(2025, 8, 15))
            est = int(value * 1.08)
            limit = w.limit_in_force(pub, service)
            if est <= 0.6 * limit and rng.random() < 0.55:
                method, ground = rng.choice((("direct_appointment", "value_limit"),
                                             ("direct_appointment", None),
                                             ("shortened_direct_appointment", "value_limit")))
            else:
                method, ground = "competitive_shopping", None
            name = w.authorities[who]["name"].replace("Ủy ban nhân dân ", "")
            plans.append(TenderPlan(who, service, method, Y, pub, lines, vendor, ground=ground,
                                    title=f"{TITLES[service].format(y=Y)} cho các trường trên địa bàn {name}"))
        else:  # a school buys for itself
            entity = w.school_authority[who]
            value = sum(ln.amount for ln in lines)
            if value >= 45_000_000 or rng.random() < 0.25:
                method = rng.choices(("direct_appointment", "direct_procurement",
                                      "shortened_direct_appointment"), (50, 30, 20))[0]
                ground = rng.choice(("value_limit", "value_limit", None)) if method != "direct_procurement" else None
                plans.append(TenderPlan(entity, service, method, Y,
                                        rand_date(rng, date(y0, 7, 1), date(y0, 7, 25)), lines, vendor,
                                        ground=ground, title=TITLES[service].format(y=Y)))
            else:
                no_tender.append((entity, vendor, rand_date(rng, date(y0, 8, 5), date(y0, 9, 10)), lines))

    plans += _equipment_training_hosting(w, rng)
    plans += _one_off_tenders(w, rng)
    for plan in plans:
        if plan.awarded:
            w.register_winner(plan.winner)
    for plan in plans:
        w.add_tender(rng, plan)
    for entity, vendor, signed, lines in no_tender:
        w.add_contract(rng, vendor, signed, lines, entity_id=entity)
    _no_tender_decoy(w, rng)
    _young_branch(w)


def _young_branch(w: World) -> None:
    """Decoy for PRC-NEWVENDOR: the branch of a national equipment group in the first province
    is registered 200 days before its first contract; its head office is old, and a branch is
    judged by its head office's date."""
    head = w.infra_groups[0]
    branch = w.group_members[head].get(w.scope[0])
    if not branch or branch == head:
        return
    signed = sorted(c["signed_on"] for c in w.tables["contracts"] if c["vendor_id"] == branch)
    if signed:
        reg = add_days(signed[0], -200)
        w.vendors[branch]["registered_on"] = reg
        for p in w.people_of[branch]:
            p["since"] = reg


# Device kinds and their price relative to the group's band: all close enough that no line of
# one year reaches twice the median of that year's device lines.
DEVICES = (("Máy tính xách tay phục vụ quản lý học bạ số", 1.0),
           ("Máy tính để bàn cho phòng quản lý hồ sơ", 0.9),
           ("Máy quét tài liệu tốc độ cao số hóa học bạ", 0.8))


def _equipment_training_hosting(w: World, rng) -> list[TenderPlan]:
    plans = []
    for pc in w.scope:
        entity = w.department[pc]
        sids = w.schools_in[pc]
        rr = {k: 0 for k in (INFRA, TRAINING, HOSTING)}
        pools = {k: list(w.market_vendors[(pc, k)]) for k in rr}
        for k in pools:
            rng.shuffle(pools[k])

        def next_winner(cat):
            v = pools[cat][rr[cat] % len(pools[cat])]
            rr[cat] += 1
            return v

        for yi, Y in enumerate(w.school_years):
            y0 = year_start(Y)
            n_lots = max(2, round(len(sids) / 150))
            for k in range(n_lots):
                winner = next_winner(INFRA)
                chosen = sorted(rng.sample(sids, min(len(sids), rng.randint(25, 45))))
                item, f = rng.choice(DEVICES)
                lines = []
                for sid in chosen:
                    price = int(round(w.unit_price(rng, INFRA, "device", Y, winner) * f / 10_000)) * 10_000
                    lines.append(Line(INFRA, "device", price, rng.randint(1, 3), sid, item))
                plans.append(TenderPlan(entity, INFRA, "open_bidding", Y,
                                        _published(rng, y0, (3, 1), (6, 20)), lines, winner,
                                        title=f"Mua sắm thiết bị phục vụ chuyển đổi số và học bạ số năm học {Y} (gói số {k + 1:02d})",
                                        in_investment_project=rng.random() < 0.3))
            for k in range(max(1, round(len(sids) / 400))):
                winner = next_winner(TRAINING)
                chosen = sorted(rng.sample(sids, min(len(sids), rng.randint(30, 60))))
                lines = [Line(TRAINING, "package", w.unit_price(rng, TRAINING, "package", Y, winner), 1, sid,
                              "Tập huấn sử dụng học bạ số cho cán bộ quản lý và giáo viên") for sid in chosen]
                plans.append(TenderPlan(entity, TRAINING, rng.choice(("competitive_shopping", "open_bidding")), Y,
                                        _published(rng, y0, (4, 1), (6, 30)), lines, winner,
                                        title=f"Tập huấn triển khai học bạ số năm học {Y} (đợt {k + 1})"))
            if Y == "2024-2025":   # the "other" category: digitising old paper records
                winner = rng.choice(w.local[(pc, "infrastructure")])
                chosen = sorted(rng.sample(sids, min(len(sids), rng.randint(20, 40))))
                lines = [Line(OTHER, "package", w.unit_price(rng, OTHER, "package", Y, winner), 1, sid,
                              "Số hóa học bạ giấy các năm học trước") for sid in chosen]
                plans.append(TenderPlan(entity, OTHER, rng.choice(("competitive_shopping", "open_bidding")), Y,
                                        _published(rng, y0, (3, 1), (5, 30)), lines, winner,
                                        title="Số hóa học bạ giấy các năm học trước"))
            winner = next_winner(HOSTING)
            lines = [Line(HOSTING, "month", w.unit_price(rng, HOSTING, "month", Y, winner), 12, None,
                          "Thuê dịch vụ lưu trữ, sao lưu dữ liệu học bạ số (theo tháng)")]
            plans.append(TenderPlan(entity, HOSTING, rng.choice(("competitive_shopping", "open_bidding")), Y,
                                    _published(rng, y0, (4, 1), (6, 30)), lines, winner,
                                    title=f"Thuê hạ tầng lưu trữ dữ liệu học bạ số năm học {Y}"))
    return plans


def _one_off_tenders(w: World, rng) -> list[TenderPlan]:
    """Decoys: one direct award on the compatibility ground per department (never two with one
    winner), and one cancelled (unawarded) competitive tender per province."""
    plans = []
    for pc in w.scope:
        entity = w.department[pc]
        v = w.market_vendors[(pc, SMS)][0]
        lines = [Line(SMS, "package", rng.randint(40, 70) * 1_000_000, 1, None,
                      "Nâng cấp, tích hợp phần mềm quản lý trường học với cơ sở dữ liệu ngành")]
        plans.append(TenderPlan(entity, SMS, "direct_appointment", "2024-2025", date(2024, 10, 15),
                                lines, v, ground="compatibility",
                                title="Nâng cấp tương thích phần mềm quản lý trường học với CSDL ngành"))
        winner = w.market_vendors[(pc, HOSTING)][0]
        lines = [Line(HOSTING, "month", w.unit_price(rng, HOSTING, "month", "2025-2026", winner), 6, None,
                      "Thuê máy chủ dự phòng")]
        plans.append(TenderPlan(entity, HOSTING, "open_bidding", "2025-2026", date(2025, 9, 22), lines,
                                winner, title="Thuê máy chủ dự phòng cho hệ thống học bạ số (đã hủy)",
                                awarded=False, n_bids=3))
    return plans


def _no_tender_decoy(w: World, rng) -> None:
    """A school buys devices without a tender for just under 50 million đồng (PRC-NOTENDER decoy)."""
    pc = w.scope[0]
    sid = w.schools_in[pc][3]
    vendor = w.local[(pc, "infrastructure")][0]
    lines = [Line(INFRA, "device", 16_500_000, 3, sid, "Máy tính xách tay phục vụ quản lý học bạ số")]
    w.add_contract(rng, vendor, date(2024, 10, 8), lines, entity_id=w.school_authority[sid])
    assert sum(ln.amount for ln in lines) == 49_500_000


# ------------------------------------------------------------------------------ directives
MINISTRY_DIRECTIVES = (
    ("2023-06-20", "2023-{n}/BGDĐT-CNTT",
     "Hướng dẫn thực hiện nhiệm vụ chuyển đổi số, ứng dụng công nghệ thông tin năm học 2023-2024",
     "Các sở giáo dục và đào tạo chỉ đạo các cơ sở giáo dục triển khai học bạ số theo kế hoạch của Bộ.\n"
     "Việc lựa chọn phần mềm quản lý trường học do cơ sở giáo dục quyết định, bảo đảm đáp ứng chuẩn dữ liệu của ngành.\n"
     "Bộ Giáo dục và Đào tạo không chỉ định, không giới thiệu doanh nghiệp hay sản phẩm cụ thể nào.\n"
     "Nghiêm cấm thu tiền của cha mẹ học sinh để chi trả phần mềm quản lý trường học và chữ ký số."),
    ("2023-07-28", "2023-{n}/KH-BGDĐT",
     "Kế hoạch triển khai thí điểm học bạ số cấp tiểu học, trung học cơ sở và trung học phổ thông",
     "Thí điểm học bạ số tại các cơ sở giáo dục do sở giáo dục và đào tạo đề xuất.\n"
     "Các cơ sở giáo dục tham gia thí điểm sử dụng chữ ký số của tổ chức cung cấp dịch vụ chứng thực chữ ký số công cộng được cấp phép.\n"
     "Sở giáo dục và đào tạo báo cáo kết quả thí điểm trước ngày 30 tháng 6 năm 2025."),
    ("2024-08-12", "2024-{n}/BGDĐT-GDTH",
     "Hướng dẫn triển khai học bạ số đại trà từ năm học 2024-2025",
     "Từ năm học 2024-2025, các cơ sở giáo dục phổ thông triển khai học bạ số theo lộ trình.\n"
     "Dữ liệu học bạ số phải được xuất theo định dạng trao đổi dữ liệu của Bộ; không sử dụng định dạng riêng của nhà cung cấp làm định dạng lưu trữ chính thức.\n"
     "Kinh phí thực hiện từ nguồn ngân sách nhà nước chi thường xuyên của đơn vị."),
)


def _directives(w: World, rng) -> None:
    used: set[str] = set()

    def new_id(pattern: str) -> str:
        while True:
            did = pattern.format(n=rng.randint(100, 5999))
            if did not in used:
                used.add(did)
                return did

    issued = [date.fromisoformat(x[0]) for x in MINISTRY_DIRECTIVES]
    for (day, pattern, title, text), when in zip(MINISTRY_DIRECTIVES, issued):
        w.add("directives", directive_id=new_id(pattern), issuer_id=w.ministry_id, issued_on=when,
              title=title, text=text)
    # the Ministry on certificates: names a product only to say it is not required (decoy)
    pc0 = w.scope[0]
    ca_product = w.product(rng, w.market_vendors[(pc0, DS)][0], DS)
    w.add("directives", directive_id=new_id("2025-{n}/BGDĐT-CNTT"), issuer_id=w.ministry_id,
          issued_on=date(2025, 3, 4), title="Về việc sử dụng chữ ký số trong học bạ số",
          text=(f"Các đơn vị không bắt buộc sử dụng {ca_product}; mọi chứng thư số do tổ chức cung cấp "
                "dịch vụ chứng thực chữ ký số được cấp phép đều được chấp nhận.\n"
                "Các sở giáo dục và đào tạo rà soát, báo cáo tình hình ký số học bạ trước ngày 15 tháng 4 năm 2025."))
    for pc in w.scope:
        dept = w.department[pc]
        prov = w.provinces[pc]
        sw = w.market_vendors[(pc, SMS)]
        p1 = w.product(rng, sw[1], SMS)
        v2 = w.vendors[sw[2]]["name"]
        v3 = w.vendors[sw[3]]["name"]
        p4 = w.product(rng, sw[4], SMS)
        docs = [
            (date(2023, 8, rng.randint(10, 25)), "2023-{n}/SGDĐT-CNTT",
             "Về việc triển khai thí điểm học bạ số năm học 2023-2024",
             f"Thực hiện kế hoạch của Bộ Giáo dục và Đào tạo, Sở Giáo dục và Đào tạo {prov.short} hướng dẫn các trường tham gia thí điểm như sau.\n"
             "1) Các trường trong danh sách thí điểm triển khai học bạ số trên phần mềm quản lý trường học hiện có, bảo đảm kết nối với cơ sở dữ liệu ngành.\n"
             "2) Hiệu trưởng chịu trách nhiệm rà soát thông tin học sinh trước khi ký số.\n"
             f"3) Sở không yêu cầu các trường sử dụng {p1}; các trường được tự chủ lựa chọn giải pháp phù hợp."),
            (date(2024, 9, rng.randint(3, 20)), "2024-{n}/SGDĐT-GDPT",
             "Về việc mở rộng học bạ số năm học 2024-2025",
             f"Việc mua sắm dịch vụ của {v2} hoặc của nhà cung cấp khác phải tuân thủ pháp luật về đấu thầu.\n"
             f"Một số trường chưa ký hợp đồng với {v3} nên dữ liệu chưa được đồng bộ.\n"
             "Các trường chủ động bố trí kinh phí từ nguồn chi thường xuyên; tuyệt đối không thu của cha mẹ học sinh."),
            (date(2025, 6, rng.randint(2, 27)), "2025-{n}/BC-SGDĐT",
             "Báo cáo sơ kết thí điểm học bạ số",
             f"Phần mềm {p4} được nhiều trường đánh giá tốt về tốc độ ký số.\n"
             "Tỉ lệ học bạ được ký số của các trường thí điểm đạt trên 60%.\n"
             "Kiến nghị Bộ sớm ban hành chuẩn dữ liệu học bạ số chính thức."),
        ]
        for day, pattern, title, text in docs:
            w.add("directives", directive_id=new_id(pattern), issuer_id=dept, issued_on=day,
                  title=title, text=text)


# ------------------------------------------------------------------------------ milestones
MILESTONES = (("steering_committee", date(2023, 8, 31)), ("plan_issued", date(2023, 9, 30)),
              ("guidance_issued", date(2023, 10, 31)), ("training_done", date(2023, 12, 31)),
              ("pilot_started", date(2024, 1, 15)), ("evaluation_submitted", date(2025, 6, 30)))


def _milestones(w: World, rng) -> None:
    for j, pc in enumerate(w.scope):
        for k, (ms, due) in enumerate(MILESTONES):
            due = add_days(due, rng.randint(-10, 10))
            if j == 0 and ms == "training_done":
                done = add_days(due, 30)                  # exactly at the tolerance: not overdue
            else:
                done = add_days(due, rng.choice((rng.randint(-25, 0), rng.randint(0, 25))))
            kind = ("QĐ-UBND", "KH-SGDĐT", "HD-SGDĐT", "BC-SGDĐT", "TB-SGDĐT", "BC-SGDĐT")[k]
            w.add("pilot_milestones", province_code=pc, milestone=ms, due_on=due, done_on=done,
                  document_ref=f"{rng.randint(100, 3999)}/{kind}")
    w.milestone_rows = {(r["province_code"], r["milestone"]): r for r in w.tables["pilot_milestones"]}


# ------------------------------------------------------------------------------ name decoys
def _name_decoys(w: World, rng) -> None:
    """Officials and relatives that *look like* a winner's people but are not the same person:
    same name and birth date with no id and no contact in common; the same name written without
    diacritics with the same birth date; the same common name with a different birth date."""
    pc = w.scope[0]
    dept = w.department[pc]
    tenders = [t for t in w.tables["tenders"] if t["procuring_entity_id"] == dept
               and t["awarded_on"] is not None]
    committee: dict[str, list[str]] = {}
    for row in w.tables["tender_committee"]:
        if row["tender_id"] in w.tenders and w.tenders[row["tender_id"]]["procuring_entity_id"] == dept:
            committee.setdefault(row["tender_id"], []).append(row["official_id"])
    winner_of = {c["tender_id"]: c["vendor_id"] for c in w.tables["contracts"] if c["tender_id"]}
    used_officials: set[str] = set()
    done = 0
    for t in tenders:
        members = [o for o in committee.get(t["tender_id"], []) if o not in used_officials]
        people = [p for p in w.people_of[winner_of[t["tender_id"]]] if p["birth_date"]]
        if not members or not people:
            continue
        o = w.officials[members[0]]
        used_officials.update(committee[t["tender_id"]])
        target = people[0]
        if done == 0:      # same name and birth date, no id on one side, no contact in common
            o["full_name"], o["birth_date"], o["national_id"] = target["full_name"], target["birth_date"], None
        elif done == 1:    # a relative with the name written without diacritics, same birth date
            w.add_relative(o, "sibling", person={
                "full_name": strip_diacritics(target["full_name"]), "birth_date": target["birth_date"],
                "national_id": None, "address": w.new_address(pc), "phone": w.new_phone(),
                "email": None})
        elif done == 2:    # the same common name, another birth date, both with ids
            o["full_name"] = target["full_name"]
            o["birth_date"] = date(target["birth_date"].year + 3, 2, 14)
        done += 1
        if done == 3:
            break
    # a principal who shares a name (not a birth date) with a person of the school's vendor
    for sid in w.schools_in[pc]:
        deps = w.deployments_of.get((sid, w.school_years[0]), [])
        principals = w.staff[w.school_authority[sid]].get("principal", [])
        if deps and principals:
            person = w.people_of[deps[0]["vendor_id"]]
            if person and person[0]["birth_date"]:
                o = w.officials[principals[0]]
                o["full_name"] = person[0]["full_name"]
                o["birth_date"] = date(person[0]["birth_date"].year - 2, 11, 3)
                break

"""Planters of the market flags (CON-HHI, CON-DOM, CON-SHIFT, CON-BUNDLE, CON-GROUP) and of the
governance flags GOV-COVERAGE and GOV-AUTHORITY (GOV-OVERDUE's planter is in ``governance.py``).

How the scenes stay apart from the background and from each other:

* the concentrated markets (CON-HHI, CON-DOM, CON-SHIFT) are markets of their own: services the
  background never deploys (infrastructure, hosting, training), fresh schools and fresh vendor
  groups, in school years chosen so that no neighbouring year of the same market exists (CON-DOM
  in the first year of the data, CON-SHIFT ending in the last); the CON-HHI market has no group
  at 30 % or more, so it cannot raise CON-DOM or CON-SHIFT even if another scene adds a school;
* CON-BUNDLE and CON-GROUP add a handful of fresh schools and one fresh group to a background
  management-software (and signature) market of one year: a share of a few percent moves no
  background market, and the group is absent the year after (a fall is never flagged);
* deployments carry no budget cost, no parent fee, no records (except GOV-COVERAGE's) and
  export the standard format, so no DEP flag fires; vendors are fresh, with their own contacts,
  people and brand names, so no COI, COL or DEP-DIRECTIVE rule can see them;
* GOV-AUTHORITY's tender is a small direct appointment far below the limit, won by a fresh
  firm, priced with ``w.unit_price``.
"""
from __future__ import annotations

import random
from datetime import date

from ..world import DS, HOSTING, INFRA, SMS, TRAINING, Line, TenderPlan, World
from . import Truth, planter


def _schools(w: World, rng: random.Random, pc: str, n: int, **kw) -> list[str]:
    """``n`` fresh schools of province ``pc`` (no staff: no official can be matched)."""
    levels = ("primary", "lower_secondary", "upper_secondary")
    return [w.add_school(rng, pc, level=rng.choice(levels), staff=False, **kw)["school_id"]
            for _ in range(n)]


def _deploy(w: World, sids: list[str], year: str, service: str, vendor: str, product: str,
            **extra) -> list[dict]:
    y0 = int(year[:4])
    return [w.add_deployment(sid, year, service, vendor, status="live", product=product,
                             started_on=date(y0, 9, 5), ended_on=date(y0 + 1, 5, 31),
                             exports_standard_format=True, **extra) for sid in sids]


def _brand(w: World, vendor: str, suffix: str) -> str:
    return f"{w.core_of[vendor]} {suffix}"


@planter("CON-HHI")
def concentrated_market(w: World, rng: random.Random) -> list[Truth]:
    """Classroom equipment in 24 fresh schools of one province in 2025-2026 (the last year of
    the data), shared by four groups with 7, 7, 7 and 3 schools: HHI = 2,708 ≥ 1,800, no group
    at 30 % (so no CON-DOM, and no CON-SHIFT even if another scene had such a market in
    2024-2025)."""
    pc = rng.choice(w.scope)
    year = "2025-2026"
    sids = _schools(w, rng, pc, 24)
    start = 0
    for n in (7, 7, 7, 3):
        v = w.add_vendor(rng, kind="infrastructure", pc=pc)["vendor_id"]
        _deploy(w, sids[start:start + n], year, INFRA, v, _brand(w, v, "Smart Classroom"))
        start += n
    return [("CON-HHI", "market", f"{pc}/{INFRA}/{year}")]


@planter("CON-DOM")
def dominated_market(w: World, rng: random.Random) -> list[Truth]:
    """Data hosting for 22 fresh schools in 2023-2024 (the first year of the data, so no
    CON-SHIFT comparison): a hosting firm and its branch serve 16 (72.7 % ≥ 70 %), another
    firm 6. The market's HHI (≈ 6,033) necessarily raises CON-HHI too."""
    pc = rng.choice(w.scope)
    year = "2023-2024"
    sids = _schools(w, rng, pc, 22)
    head = w.add_vendor(rng, kind="hosting", pc=pc)["vendor_id"]
    branch = w.add_vendor(rng, kind="hosting", pc=pc, branch_of=head)["vendor_id"]
    other = w.add_vendor(rng, kind="hosting", pc=pc)["vendor_id"]
    product = _brand(w, head, "Cloud")
    _deploy(w, sids[:10], year, HOSTING, head, product)
    _deploy(w, sids[10:16], year, HOSTING, branch, product)
    _deploy(w, sids[16:], year, HOSTING, other, _brand(w, other, "Cloud"))
    mid = f"{pc}/{HOSTING}/{year}"
    return [("CON-DOM", "market", mid), ("CON-HHI", "market", mid)]


@planter("CON-SHIFT")
def share_shift(w: World, rng: random.Random) -> list[Truth]:
    """Teacher-training platforms for 8 fresh schools: in 2024-2025 one firm serves 1 and an
    incumbent 7; in 2025-2026 the newcomer serves 6 (12.5 % → 75 %, +62.5 points ≥ 30). The
    market has < 20 schools (no CON-HHI/CON-DOM) and 2025-2026 is the last year of the data."""
    pc = rng.choice(w.scope)
    sids = _schools(w, rng, pc, 8)
    riser = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    incumbent = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    p1, p2 = _brand(w, riser, "Learning"), _brand(w, incumbent, "Learning")
    _deploy(w, sids[:1], "2024-2025", TRAINING, riser, p1)
    _deploy(w, sids[1:], "2024-2025", TRAINING, incumbent, p2)
    _deploy(w, sids[:6], "2025-2026", TRAINING, riser, p1)
    _deploy(w, sids[6:], "2025-2026", TRAINING, incumbent, p2)
    return [("CON-SHIFT", "market", f"{pc}/{TRAINING}/2025-2026+{riser}")]


@planter("CON-BUNDLE")
def bundle(w: World, rng: random.Random) -> list[Truth]:
    """A software firm runs the management software of 6 fresh schools in 2024-2025 and sells
    every one of them its own digital signature too (a = 100 %), while none of the province's
    other signing schools uses it (b = 0)."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    sids = _schools(w, rng, pc, 6)
    v = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    _deploy(w, sids, year, SMS, v, w.product(rng, v, SMS))
    _deploy(w, sids, year, DS, v, w.product(rng, v, DS))
    return [("CON-BUNDLE", "province", f"{pc}+{v}")]


@planter("CON-GROUP")
def hidden_group(w: World, rng: random.Random) -> list[Truth]:
    """Two software firms with no declared parent link share one legal representative, and each
    runs the management software of 2 fresh schools of one province in 2024-2025 (4 schools in
    all: below CON-BUNDLE's 5)."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    sids = _schools(w, rng, pc, 4)
    rep = w.person(pc, born=(1965, 1985), p_nid=1.0)
    firms = []
    for k in range(2):
        v = w.add_vendor(rng, kind="software", pc=pc, people=False)
        vid = v["vendor_id"]
        w.add_vendor_person(vid, rep, "legal_representative", since=v["registered_on"])
        if k == 0:
            w.add_vendor_person(vid, rep, "director", since=v["registered_on"])
        else:
            w.add_vendor_person(vid, w.person(pc, born=(1968, 1990)), "director",
                                since=v["registered_on"])
        # owners below the group threshold in the other firm: fresh people only
        for share in (60, 40):
            w.add_vendor_person(vid, w.person(pc, born=(1958, 1990)), "founding_member",
                                share_pct=share, since=v["registered_on"])
        firms.append(vid)
    for vid, part in zip(firms, (sids[:2], sids[2:])):
        _deploy(w, part, year, SMS, vid, w.product(rng, vid, SMS))
    return [("CON-GROUP", "vendor_group", min(firms))]


@planter("GOV-COVERAGE")
def low_coverage(w: World, rng: random.Random) -> list[Truth]:
    """A fresh pilot school whose management software issued 540 records in 2024-2025 and
    signed 189 of them (35 % < 50 %)."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    sid = w.add_school(rng, pc, level="lower_secondary", in_pilot=True, students=540,
                       staff=False)["school_id"]
    v = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    _deploy(w, [sid], year, SMS, v, w.product(rng, v, SMS), records_total=540, records_signed=189)
    return [("GOV-COVERAGE", "school", sid)]


@planter("GOV-AUTHORITY")
def outside_jurisdiction(w: World, rng: random.Random) -> list[Truth]:
    """A ward or commune people's committee appoints a training firm in September 2025 to train
    the teachers of a school of its own commune and of a school of another commune of the
    province (two packages, ≈ 9 million đồng: far below the 500 million limit)."""
    pc = rng.choice(w.scope)
    year = "2025-2026"
    by_ward: dict[str, list[str]] = {}
    for sid in w.schools_in[pc]:
        by_ward.setdefault(w.schools[sid]["commune_code"], []).append(sid)
    wards = sorted(wc for wc in by_ward if wc in w.commune_committee)
    ward = rng.choice(wards)
    inside = rng.choice(sorted(by_ward[ward]))
    outside = rng.choice(sorted(s for wc, ss in by_ward.items() if wc != ward for s in ss))
    vendor = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    lines = [Line(TRAINING, "package", w.unit_price(rng, TRAINING, "package", year, vendor), 1, sid,
                  "Tập huấn sử dụng học bạ số cho giáo viên") for sid in (inside, outside)]
    t, _ = w.add_tender(rng, TenderPlan(
        w.commune_committee[ward], TRAINING, "direct_appointment", year,
        date(2025, 9, rng.randint(8, 26)), lines, vendor, ground="value_limit",
        title="Tập huấn sử dụng học bạ số cho giáo viên năm học 2025-2026"))
    return [("GOV-AUTHORITY", "tender", t["tender_id"])]

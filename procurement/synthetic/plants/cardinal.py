"""Planters of the flags taken from Cardinal's indicators: COL-UNSUCCESSFUL (R025),
PRC-DISQ-RATE (R038) and CON-HETERO (R048).

The scenes follow the bid planters' discipline (:mod:`.bids`): fresh vendors, competitive
tenders priced with ``w.unit_price`` for schools the procuring entity may buy for, the winner
the lowest bid by more than 1 %, at least two valid bids, no deployment; the planted vendors are
then taken out of the loser pools (:func:`.people._retire`) so that no later scene makes them
bid again. Each scene breaks exactly the rule it plants:

* COL-UNSUCCESSFUL — one vendor bids in 13 awarded tenders and wins one: 12/13 = 92.3 % lost.
  Each tender it loses goes to a different fresh winner (no COL-COVER: it wins once; no
  COL-ROTATION: no three vendors share four tenders).
* PRC-DISQ-RATE — a school that had bought nothing runs five tenders for itself; each has a
  valid winner, one valid loser and two dearer disqualified bids: 10/20 = 50 % disqualified (no
  PRC-ALL-DISQ: a valid loser remains; no PRC-LOWEST-DISQ: the winner is the lowest; the three
  losers, shared by the five tenders, never win and face a different winner each time, so no
  COL-COVER).
* CON-HETERO — one vendor wins five tenders of the provincial department, one per service
  (management software, digital signatures, equipment, training, hosting), each against a
  different fresh loser: five services in five contracts.
"""
from __future__ import annotations

import random
from datetime import date

from ..util import add_days
from ..world import DS, HOSTING, INFRA, SMS, TRAINING, Line, TenderPlan, World
from . import Truth, planter
from .bids import YEAR, _bids_of, _price, _schools, _set, _sms_lines, _spread, _tender
from .people import _retire


@planter("COL-UNSUCCESSFUL")
def unsuccessful_bidder(w: World, rng: random.Random) -> list[Truth]:
    """A software firm bids in thirteen licence tenders of one department and wins one."""
    pc = rng.choice(w.scope)
    v = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    planted = [v]
    for i in range(13):
        pub = date(2024, 9 + i // 5, 2 + 5 * (i % 5))
        if i == 4:          # the one it wins, against a fresh loser
            lose = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
            lines = _sms_lines(w, rng, pc, v, 6)
            _tender(w, rng, pc, lines, v, [lose], published_on=pub,
                    title=f"Mua bản quyền phần mềm quản lý trường học, đợt {i + 1}")
            planted.append(lose)
            continue
        win = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
        lines = _sms_lines(w, rng, pc, win, 6)
        t, _ = _tender(w, rng, pc, lines, win, [v], published_on=pub,
                       title=f"Mua bản quyền phần mềm quản lý trường học, đợt {i + 1}")
        _spread([b["price_vnd"] for b in _bids_of(w, t["tender_id"]).values()])
        planted.append(win)
    _retire(w, *planted)
    return [("COL-UNSUCCESSFUL", "vendor", v)]


def _quiet_school(w: World, rng: random.Random, pc: str) -> tuple[str, str]:
    """A school of ``pc`` whose own authority has run no tender (its id and authority id)."""
    buyers = {t["procuring_entity_id"] for t in w.tables["tenders"]}
    free = sorted(s for s in w.schools_in[pc]
                  if s in w.school_authority and w.school_authority[s] not in buyers
                  and w.staff.get(w.school_authority[s], {}).get("principal"))
    sid = rng.choice(free)
    w.claim("procuring_entity", w.school_authority[sid])
    return sid, w.school_authority[sid]


@planter("PRC-DISQ-RATE")
def disqualifying_entity(w: World, rng: random.Random) -> list[Truth]:
    """A school runs five tenders for itself and disqualifies two of the four bids in each."""
    pc = rng.choice(w.scope)
    sid, aid = _quiet_school(w, rng, pc)
    students = w.schools[sid]["students"] or 300
    losers = [w.add_vendor(rng, kind="software", pc=pc)["vendor_id"] for _ in range(3)]
    planted = list(losers)
    buys = [(SMS, "student", students, "Bản quyền phần mềm quản lý trường học và học bạ số 12 tháng"),
            (DS, "certificate", 3, "Chứng thư số cho hiệu trưởng và kế toán"),
            (INFRA, "device", 2, "Máy tính phục vụ ký học bạ số"),
            (TRAINING, "package", 1, "Tập huấn sử dụng học bạ số cho giáo viên"),
            (SMS, "student", students, "Gia hạn phần mềm quản lý trường học học kỳ II")]
    for i, (service, unit, qty, item) in enumerate(buys):
        win = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
        planted.append(win)
        lines = [Line(service, unit, w.unit_price(rng, service, unit, YEAR, win), qty, sid, item)]
        value = sum(ln.amount for ln in lines)
        order = rng.sample(losers, 3)
        t, _ = w.add_tender(rng, TenderPlan(
            aid, service, "competitive_shopping", YEAR, add_days(date(2024, 9, 2), 24 * i + rng.randint(0, 5)),
            lines, win, title=item, bidders=order))
        bids = _bids_of(w, t["tender_id"])
        _set(bids[win], status="valid")
        _set(bids[order[0]], price=_price(value, rng.uniform(1.03, 1.06)), status="valid")
        _set(bids[order[1]], price=_price(value, rng.uniform(1.09, 1.13)), status="disqualified")
        _set(bids[order[2]], price=_price(value, rng.uniform(1.16, 1.22)), status="disqualified")
        _spread([b["price_vnd"] for b in bids.values()])
    _retire(w, *planted)
    return [("PRC-DISQ-RATE", "procuring_entity", aid)]


@planter("CON-HETERO")
def heterogeneous_supplier(w: World, rng: random.Random) -> list[Truth]:
    """A trading firm wins software, signatures, equipment, training and hosting contracts."""
    pc = rng.choice(w.scope)
    v = w.add_vendor(rng, kind="infrastructure", pc=pc)["vendor_id"]
    planted = [v]
    buys = [(SMS, "student", None, "Bản quyền phần mềm quản lý trường học và học bạ số"),
            (DS, "certificate", 2, "Chứng thư số cho hiệu trưởng các trường"),
            (INFRA, "device", 2, "Máy tính và thiết bị ký số học bạ"),
            (TRAINING, "package", 1, "Tập huấn học bạ số cho giáo viên"),
            (HOSTING, "month", 12, "Thuê hạ tầng lưu trữ dữ liệu học bạ số")]
    for i, (service, unit, qty, item) in enumerate(buys):
        schools = _schools(w, rng, pc, 1 if service == HOSTING else 5)
        lines = [Line(service, unit, w.unit_price(rng, service, unit, YEAR, v),
                      qty or (w.schools[s]["students"] or 300), s, item) for s in schools]
        lose = w.add_vendor(rng, kind="infrastructure", pc=pc)["vendor_id"]
        planted.append(lose)
        t, _ = _tender(w, rng, pc, lines, v, [lose], category=service,
                       published_on=date(2024, 9 + i // 3, 3 + 9 * (i % 3)),
                       title=f"{item} năm học {YEAR}")
        _spread([b["price_vnd"] for b in _bids_of(w, t["tender_id"]).values()])
    _retire(w, *planted)
    return [("CON-HETERO", "vendor", v)]

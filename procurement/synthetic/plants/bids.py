"""Planters of the bid and contract flags: PRC-NOSAVE, PRC-LOWEST-DISQ, PRC-ALL-DISQ,
PRC-LATE-WIN, PRC-UNITPRICE, PRC-NEWVENDOR, COL-IDENTICAL and COL-CLOSE.

Every scene is a provincial department's competitive tender won by a fresh vendor against fresh
losing bidders (each bids once and never wins: no cover bidding, no rotation, no shared people
or contacts), buying only for schools of its own province (GOV-AUTHORITY) with lines priced by
``w.unit_price`` (except the one line PRC-UNITPRICE inflates) and no deployment (the markets do
not move). The bids are then set by hand: every price differs from every other by more than
1 % (COL-CLOSE, COL-IDENTICAL) unless the scene is about that, the winning price stays below
99 % of the estimate (PRC-NOSAVE), at least two bids stay valid (PRC-SINGLE) and every bid is
submitted inside the bid period (PRC-LATE-WIN) — each scene breaks exactly the rule it plants.
"""
from __future__ import annotations

import random
import statistics
from datetime import date, timedelta

from ..util import add_days, at_time, ceil_to, school_year_of
from ..world import INFRA, SMS, Line, TenderPlan, World
from . import Truth, planter

YEAR = "2024-2025"


def _schools(w: World, rng: random.Random, pc: str, n: int) -> list[str]:
    return sorted(rng.sample(w.schools_in[pc], min(n, len(w.schools_in[pc]))))


def _sms_lines(w: World, rng: random.Random, pc: str, vendor: str, n: int) -> list[Line]:
    return [Line(SMS, "student", w.unit_price(rng, SMS, "student", YEAR, vendor),
                 w.schools[sid]["students"] or 300, sid,
                 "Bản quyền phần mềm quản lý trường học và học bạ số 12 tháng")
            for sid in _schools(w, rng, pc, n)]


def _software_bidders(w: World, rng: random.Random, pc: str, n_losers: int,
                      n_schools: int) -> tuple[str, list[str], list[Line], int]:
    """A licence scene's bidders and lines: the winner and ``n_losers`` competitors (new
    software vendors of ``pc``), the winner's licence lines for ``n_schools`` schools and their
    value."""
    win = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    losers = [w.add_vendor(rng, kind="software", pc=pc)["vendor_id"] for _ in range(n_losers)]
    lines = _sms_lines(w, rng, pc, win, n_schools)
    return win, losers, lines, sum(ln.amount for ln in lines)


def _price(value: int, factor: float) -> int:
    return int(round(value * factor / 1000)) * 1000


def _bids_of(w: World, tender_id: str) -> dict[str, dict]:
    return {b["vendor_id"]: b for b in w.tables["bids"] if b["tender_id"] == tender_id}


def _tender(w: World, rng: random.Random, pc: str, lines: list[Line], winner: str,
            losers: list[str], title: str, *, published_on=None, estimated_value=None,
            method: str = "open_bidding", category: str = SMS) -> tuple[dict, dict]:
    """An awarded competitive tender of the department of ``pc`` with exactly these bidders."""
    pub = published_on or date(2024, rng.randint(9, 11), rng.randint(1, 25))
    t, c = w.add_tender(rng, TenderPlan(
        w.department[pc], category, method, YEAR, pub, lines, winner, title=title,
        bidders=losers, estimated_value=estimated_value))
    return t, c


def _set(bid: dict, price: int | None = None, status: str | None = None, submitted_on=None):
    if price is not None:
        bid["price_vnd"] = price
    if status is not None:
        bid["status"] = status
    if submitted_on is not None:
        bid["submitted_on"] = submitted_on


def _spread(prices: list[int]) -> None:
    """Every two prices differ by more than 1 % of the lower (the scene's own sanity check)."""
    ps = sorted(prices)
    for a, b in zip(ps, ps[1:]):
        assert b - a > 0.01 * a, (a, b)


@planter("PRC-NOSAVE")
def no_savings(w: World, rng: random.Random) -> list[Truth]:
    """Two valid bids for a school-management licence, and the winner priced at 99.3–99.7 % of
    the estimated value: the competition saved the budget almost nothing."""
    pc = rng.choice(w.scope)
    win, [lose], lines, value = _software_bidders(w, rng, pc, 1, 8)
    est = ceil_to(int(value / rng.uniform(0.993, 0.997)), 1000)
    t, _ = _tender(w, rng, pc, lines, win, [lose], estimated_value=est,
                   title="Mua bản quyền phần mềm quản lý trường học và học bạ số năm học 2024-2025")
    bids = _bids_of(w, t["tender_id"])
    _set(bids[lose], price=_price(value, rng.uniform(1.03, 1.06)), status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    assert bids[win]["price_vnd"] >= 0.99 * est and bids[win]["price_vnd"] < est
    return [("PRC-NOSAVE", "tender", t["tender_id"])]


@planter("PRC-LOWEST-DISQ")
def lowest_disqualified(w: World, rng: random.Random) -> list[Truth]:
    """The cheapest of three bids is disqualified and the next one, 4–7 % dearer, wins."""
    pc = rng.choice(w.scope)
    win, [low, third], lines, value = _software_bidders(w, rng, pc, 2, 10)
    t, _ = _tender(w, rng, pc, lines, win, [low, third],
                   title="Cung cấp phần mềm quản lý trường học và học bạ số cho các trường THCS")
    bids = _bids_of(w, t["tender_id"])
    _set(bids[low], price=_price(value, rng.uniform(0.93, 0.96)), status="disqualified")
    _set(bids[third], price=_price(value, rng.uniform(1.05, 1.12)), status="valid")
    _set(bids[win], status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    return [("PRC-LOWEST-DISQ", "tender", t["tender_id"])]


@planter("PRC-ALL-DISQ")
def all_others_disqualified(w: World, rng: random.Random) -> list[Truth]:
    """Both competitors of the winner are disqualified (both dearer, so the lowest bid was not
    the one thrown out). A competitive tender left with one valid bid is also PRC-SINGLE."""
    pc = rng.choice(w.scope)
    win, [l1, l2], lines, value = _software_bidders(w, rng, pc, 2, 9)
    t, _ = _tender(w, rng, pc, lines, win, [l1, l2], method="limited_bidding",
                   title="Triển khai phần mềm quản lý trường học và học bạ số (gói 2)")
    bids = _bids_of(w, t["tender_id"])
    _set(bids[l1], price=_price(value, rng.uniform(1.04, 1.09)), status="disqualified")
    _set(bids[l2], price=_price(value, rng.uniform(1.12, 1.2)), status="disqualified")
    _set(bids[win], status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    tid = t["tender_id"]
    return [("PRC-ALL-DISQ", "tender", tid), ("PRC-SINGLE", "tender", tid)]


@planter("PRC-LATE-WIN")
def late_winner(w: World, rng: random.Random) -> list[Truth]:
    """Two late winners: one submitted 35–55 minutes after a 16:00 deadline yet marked valid
    (compared as instants), one marked late and dated the day after a date-only deadline."""
    pc = rng.choice(w.scope)
    out: list[Truth] = []
    # 1. Instants: the deadline and the winning bid both carry a time.
    win, [lose], lines, value = _software_bidders(w, rng, pc, 1, 7)
    pub = at_time(date(2024, 10, rng.randint(1, 20)), 8)
    t, _ = _tender(w, rng, pc, lines, win, [lose], published_on=pub,
                   title="Mua bản quyền phần mềm quản lý trường học năm học 2024-2025")
    deadline = t["bid_deadline"]
    bids = _bids_of(w, t["tender_id"])
    _set(bids[win], status="valid", submitted_on=deadline + timedelta(minutes=rng.randint(35, 55)))
    _set(bids[lose], price=_price(value, rng.uniform(1.04, 1.1)), status="valid",
         submitted_on=deadline - timedelta(days=2, hours=3))
    _spread([b["price_vnd"] for b in bids.values()])
    out.append(("PRC-LATE-WIN", "tender", t["tender_id"]))
    # 2. Status late, dates only: two other valid bids keep PRC-SINGLE quiet.
    win, [l1, l2], lines, value = _software_bidders(w, rng, pc, 2, 6)
    t, _ = _tender(w, rng, pc, lines, win, [l1, l2],
                   title="Cung cấp phần mềm quản lý trường học cho các trường tiểu học")
    deadline = t["bid_deadline"]
    bids = _bids_of(w, t["tender_id"])
    _set(bids[win], status="late", submitted_on=add_days(deadline, 1))
    _set(bids[l1], price=_price(value, rng.uniform(1.04, 1.08)), status="valid",
         submitted_on=add_days(deadline, -3))
    _set(bids[l2], price=_price(value, rng.uniform(1.11, 1.18)), status="valid",
         submitted_on=add_days(deadline, -1))
    _spread([b["price_vnd"] for b in bids.values()])
    out.append(("PRC-LATE-WIN", "tender", t["tender_id"]))
    return out


def _line_groups(w: World) -> dict[tuple[str, str, str], list[int]]:
    """Unit prices of the world's contract lines by (service, unit, school year) as flags.md
    defines a line's school year."""
    out: dict[tuple[str, str, str], list[int]] = {}
    for ln in w.tables["contract_lines"]:
        if not ln["unit"]:
            continue
        c = w.contracts[ln["contract_id"]]
        t = w.tenders.get(c["tender_id"]) if c["tender_id"] else None
        year = (t["school_year"] if t and t["school_year"] else
                school_year_of(c["signed_on"]) if c["signed_on"] else None)
        if year:
            out.setdefault((ln["service"], ln["unit"], year), []).append(ln["unit_price_vnd"])
    return out


@planter("PRC-UNITPRICE")
def high_unit_price(w: World, rng: random.Random) -> list[Truth]:
    """One school's line of a licence contract is priced at 2.6–3 × the median of every line of
    that service, unit and school year; the contract's other lines are priced normally."""
    pc = rng.choice(w.scope)
    groups = _line_groups(w)
    key = (SMS, "student", YEAR)
    assert len(groups.get(key, [])) >= 10, "too few comparable lines for the scene"
    win = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    lose = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    lines = _sms_lines(w, rng, pc, win, 5)
    median = statistics.median(groups[key] + [ln.unit_price for ln in lines])
    lines[0].unit_price = ceil_to(int(median * rng.uniform(2.6, 3.0)), 100)
    value = sum(ln.amount for ln in lines)
    t, c = _tender(w, rng, pc, lines, win, [lose],
                   title="Mua bản quyền phần mềm quản lý trường học và học bạ số (bổ sung)")
    bids = _bids_of(w, t["tender_id"])
    _set(bids[lose], price=_price(value, rng.uniform(1.05, 1.12)), status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    return [("PRC-UNITPRICE", "contract_line", f"{c['contract_id']}#1")]


@planter("PRC-NEWVENDOR")
def new_vendor(w: World, rng: random.Random) -> list[Truth]:
    """A company registered five months earlier wins a 1.3-billion equipment contract. Beside
    it, a decoy that must stay quiet: a branch opened weeks before it signs a large contract,
    whose head office (in the data) has been registered for years."""
    pc = rng.choice(w.scope)
    pub = date(2024, 10, rng.randint(1, 20))
    # The planted one: registered about 150 days before publication.
    win = w.add_vendor(rng, kind="infrastructure", pc=pc,
                       registered_on=add_days(pub, -rng.randint(140, 170)))["vendor_id"]
    lose = w.add_vendor(rng, kind="infrastructure", pc=pc)["vendor_id"]
    lines = [Line(INFRA, "device", w.unit_price(rng, INFRA, "device", YEAR, win), 10, sid,
                  "Máy chủ và thiết bị mạng phục vụ học bạ số")
             for sid in _schools(w, rng, pc, 10)]
    value = sum(ln.amount for ln in lines)
    assert value >= 1_000_000_000
    t, c = _tender(w, rng, pc, lines, win, [lose], published_on=pub, category=INFRA,
                   title="Mua sắm thiết bị hạ tầng phục vụ học bạ số năm học 2024-2025")
    bids = _bids_of(w, t["tender_id"])
    _set(bids[lose], price=_price(value, rng.uniform(1.05, 1.12)), status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    assert 0 <= (c["signed_on"] - w.vendors[win]["registered_on"]).days < 365
    # The decoy: a young branch of an old head office (the head office's date counts).
    head = w.add_vendor(rng, kind="infrastructure", pc=pc,
                        registered_on=date(rng.randint(2008, 2014), rng.randint(1, 12), 10))
    pub2 = date(2024, 11, rng.randint(1, 20))
    branch = w.add_vendor(rng, kind="infrastructure", pc=pc, branch_of=head["vendor_id"],
                          registered_on=add_days(pub2, -rng.randint(20, 40)))["vendor_id"]
    lose2 = w.add_vendor(rng, kind="infrastructure", pc=pc)["vendor_id"]
    lines = [Line(INFRA, "device", w.unit_price(rng, INFRA, "device", YEAR, branch), 10, sid,
                  "Thiết bị mạng và lưu trữ cho phòng máy")
             for sid in _schools(w, rng, pc, 10)]
    value = sum(ln.amount for ln in lines)
    assert value >= 1_000_000_000
    t2, _ = _tender(w, rng, pc, lines, branch, [lose2], published_on=pub2, category=INFRA,
                    title="Mua sắm thiết bị mạng và lưu trữ cho các trường THPT")
    bids = _bids_of(w, t2["tender_id"])
    _set(bids[lose2], price=_price(value, rng.uniform(1.05, 1.12)), status="valid")
    _spread([b["price_vnd"] for b in bids.values()])
    return [("PRC-NEWVENDOR", "contract", c["contract_id"])]


@planter("COL-IDENTICAL")
def identical_prices(w: World, rng: random.Random) -> list[Truth]:
    """Two losing bidders submit exactly the same price (7–12 % above the winner)."""
    pc = rng.choice(w.scope)
    win, [l1, l2], lines, value = _software_bidders(w, rng, pc, 2, 8)
    t, _ = _tender(w, rng, pc, lines, win, [l1, l2],
                   title="Cung cấp phần mềm quản lý trường học và học bạ số cho khối THPT")
    bids = _bids_of(w, t["tender_id"])
    same = _price(value, rng.uniform(1.07, 1.12))
    _set(bids[l1], price=same, status="valid")
    _set(bids[l2], price=same, status="valid")
    _spread([value, same])
    return [("COL-IDENTICAL", "tender", t["tender_id"])]


@planter("COL-CLOSE")
def close_prices(w: World, rng: random.Random) -> list[Truth]:
    """The only other bid is 0.3–0.8 % above the winning bid."""
    pc = rng.choice(w.scope)
    win, [lose], lines, value = _software_bidders(w, rng, pc, 1, 8)
    t, _ = _tender(w, rng, pc, lines, win, [lose],
                   title="Mua bản quyền phần mềm quản lý trường học năm học 2024-2025 (gói 3)")
    bids = _bids_of(w, t["tender_id"])
    close = _price(value, rng.uniform(1.003, 1.008))
    _set(bids[lose], price=close, status="valid")
    assert value < close <= value * 1.01
    return [("COL-CLOSE", "tender", t["tender_id"])]

"""Planters of the people and collusion flags: COL-LINKED, COL-ROTATION, COL-COVER, COI-SELF,
COI-RELATIVE, COI-CONTACT, COI-REVOLVING and COI-SCHOOL.

The hard cases are the point of these scenes: the same person written differently in two
sources (NFD, capitals, old-style tone placement ``Hoà``/``Thuý``, a phone written ``+84 …``
or with dots, an address with other punctuation), decoys that must *not* match (the same name
and birth date with nothing else in common, the same name one day apart, the name written
without diacritics), people of a declared parent (they count for the COI rules) and the exact
thresholds (80 % cover share with an unawarded tender in the denominator, a leap-day `until`
whose 12-month window ends on 28 February, a qualifying trio inside a qualifying quartet).

How the scenes stay apart from the background and from each other:

* every vendor is fresh (its own tax code, contacts and people); the planted vendors are taken
  out of the generator's loser pools afterwards, so no later scene makes them bid elsewhere;
* every tender is a department's competitive tender priced with ``w.unit_price`` for schools of
  its own province, with ≥ 2 valid bids more than 1 % apart and the winner the lowest, below
  99 % of the estimate (``World.add_tender``), and no deployment (markets do not move);
* officials made for a scene are kept off the generator's committee pools
  (``on_committees=False``) and put on the scene's committee by hand; the fresh school of
  COI-SCHOOL has no staff besides its principal and only a ``planned`` deployment with no cost
  or fee (no market, DEP or GOV rule reads it);
* a scene that must raise a second code returns it too (COI-SELF and COI-RELATIVE also raise
  COI-CONTACT).
"""
from __future__ import annotations

import random
import unicodedata
from datetime import date

from ..util import add_days, add_months, old_style_tones, strip_diacritics
from ..world import SMS, Line, TenderPlan, World
from . import Truth, planter

YEAR = "2024-2025"
# Given names whose tone sits on a vowel pair, so that old-style placement changes them.
TONED_GIVEN = ("Hòa", "Thúy", "Thủy", "Thụy", "Hòe", "Khỏe")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Thị", "Văn", "Minh", "Thanh", "Đức", "Ngọc", "Quốc", "Thu")


# --- spelling variants --------------------------------------------------------------------------
def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def variant(name: str, rng: random.Random) -> str:
    """The same name written differently: old-style tones, capitals and/or NFD."""
    out = old_style_tones(name)
    if rng.random() < 0.5:
        out = out.upper()
    return nfd(out) if rng.random() < 0.5 else out


def plus84(phone: str) -> str:
    """``0912345678`` → ``+84 912.345.678`` (the same normalised phone)."""
    rest = phone[1:]
    return "+84 " + ".".join([rest[:3], rest[3:6], rest[6:]])


def repunctuate(address: str) -> str:
    """``Số 12, đường X, Phường Y`` → ``Số 12 đường X; Phường Y`` (the same normalised address)."""
    parts = [p.strip() for p in address.split(",")]
    return " ".join(parts[:2]) + "; " + "; ".join(parts[2:]) if len(parts) > 2 else address.replace(",", " ")


def toned_person(w: World, rng: random.Random, pc: str, **kw) -> dict:
    """A new person whose given name carries a tone on a vowel pair (``Hòa``, ``Thúy`` …)."""
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(TONED_GIVEN)}"
    return w.person(pc, full_name=name, **kw)


# --- scene helpers ------------------------------------------------------------------------------
def _schools(w: World, rng: random.Random, pc: str, n: int) -> list[str]:
    return sorted(rng.sample(w.schools_in[pc], min(n, len(w.schools_in[pc]))))


def _lines(w: World, rng: random.Random, pc: str, vendor: str, n: int = 6) -> list[Line]:
    return [Line(SMS, "student", w.unit_price(rng, SMS, "student", YEAR, vendor),
                 w.schools[sid]["students"] or 300, sid,
                 "Bản quyền phần mềm quản lý trường học và học bạ số 12 tháng")
            for sid in _schools(w, rng, pc, n)]


def _tender(w: World, rng: random.Random, pc: str, winner: str, losers: list[str], title: str,
            *, published_on: date | None = None, awarded: bool = True) -> dict:
    pub = published_on or date(2024, rng.randint(9, 11), rng.randint(1, 25))
    t, _ = w.add_tender(rng, TenderPlan(
        w.department[pc], SMS, "open_bidding", YEAR, pub, _lines(w, rng, pc, winner), winner,
        title=title, bidders=losers, awarded=awarded))
    return t


def _vendor(w: World, rng: random.Random, pc: str, **kw) -> str:
    return w.add_vendor(rng, kind="software", pc=pc, **kw)["vendor_id"]


def _retire(w: World, *vendors: str) -> None:
    """Take planted vendors out of the loser pools: no later scene makes them bid again."""
    gone = set(vendors)
    for key, pool in w.pool.items():
        pool[:] = [v for v in pool if v not in gone]


def _committee_member(w: World, rng: random.Random, tender_id: str, pc: str, person: dict,
                      position: str = "procurement_officer", role: str = "evaluator") -> dict:
    """A new official of the department, on this tender's committee only."""
    o = w.add_official(w.department[pc], position, pc=pc, person=person, on_committees=False)
    w.add("tender_committee", tender_id=tender_id, official_id=o["official_id"], role=role)
    return o


def _bids_of(w: World, tender_id: str) -> dict[str, dict]:
    return {b["vendor_id"]: b for b in w.tables["bids"] if b["tender_id"] == tender_id}


# --- COL ----------------------------------------------------------------------------------------
@planter("COL-LINKED")
def linked_bidders(w: World, rng: random.Random) -> list[Truth]:
    """Two tenders. In the first, the winner's director is also a 10 % shareholder of a losing
    bidder — written in capitals/NFD with old-style tones, no national id on one side, the
    phone as ``+84 …`` — a person in common (not a group link); a third bidder has a person
    with the same name and birth date but nothing else in common (a decoy). In the second, two
    losing bidders are one vendor group only through a firm that did not bid: one has its phone
    (written ``+84 …``), the other its legal representative."""
    pc = rng.choice(w.scope)
    out: list[Truth] = []
    # 1. a person in common, spelled differently.
    win, l1, l2 = (_vendor(w, rng, pc) for _ in range(3))
    p = toned_person(w, rng, pc, p_phone=1.0, p_nid=1.0)
    w.add_vendor_person(win, p, "director", since=date(2019, 3, 1))
    q = dict(p, full_name=variant(p["full_name"], rng), national_id=None,
             phone=plus84(p["phone"]), email=None, address=None)
    w.add_vendor_person(l1, q, "shareholder", share_pct=10, since=date(2021, 6, 1))
    decoy = w.person(pc, full_name=p["full_name"], birth_date=p["birth_date"], p_nid=0)
    w.add_vendor_person(l2, decoy, "chief_accountant", since=date(2020, 1, 1))
    t1 = _tender(w, rng, pc, win, [l1, l2],
                 title="Cung cấp phần mềm quản lý trường học và học bạ số cho các trường THCS")
    w.no_cobid.add(tuple(sorted((win, l1))))
    out.append(("COL-LINKED", "tender", t1["tender_id"]))
    # 2. a chain of group links through a firm that did not bid.
    win2, la, lb, x = (_vendor(w, rng, pc) for _ in range(4))
    phone = w.vendors[x]["phone"]
    w.vendors[la]["phone"] = plus84(phone)
    rep = w.person(pc, p_nid=1.0)
    w.add_vendor_person(x, rep, "legal_representative", since=date(2018, 5, 2))
    w.add_vendor_person(lb, dict(rep, full_name=variant(rep["full_name"], rng)),
                        "legal_representative", since=date(2022, 2, 14))
    t2 = _tender(w, rng, pc, win2, [la, lb],
                 title="Cung cấp phần mềm quản lý trường học cho các trường tiểu học (gói 2)")
    out.append(("COL-LINKED", "tender", t2["tender_id"]))
    _retire(w, win, l1, l2, win2, la, lb, x)
    return out


@planter("COL-ROTATION")
def bid_rotation(w: World, rng: random.Random) -> list[Truth]:
    """Four fresh firms all bid in four tenders and each wins one; three of them also bid
    together in two more (won by two of the three). The trio qualifies on its own (6 tenders,
    2/2/1 wins + …) but lies inside the qualifying quartet (4 tenders, 1 win each = 25 %), so
    only the quartet is reported. An outsider bids in two of the tenders too, and one losing
    bid is withdrawn (any status counts)."""
    pc = rng.choice(w.scope)
    a, b, c, d, e = (_vendor(w, rng, pc) for _ in range(5))
    quartet = [a, b, c, d]
    plan = [(a, [b, c, d, e]), (b, [a, c, d]), (c, [a, b, d, e]), (d, [a, b, c]),
            (a, [b, c]), (b, [a, c])]
    for i, (winner, losers) in enumerate(plan):
        t = _tender(w, rng, pc, winner, losers,
                    title=f"Cung cấp phần mềm quản lý trường học cho cụm trường số {i + 1}",
                    published_on=add_days(date(2024, 8, 5), 25 * i + rng.randint(0, 10)))
        if i == 2:
            _bids_of(w, t["tender_id"])[e]["status"] = "withdrawn"
    _retire(w, a, b, c, d, e)
    return [("COL-ROTATION", "vendor_set", "+".join(sorted(quartet)))]


@planter("COL-COVER")
def cover_bidding(w: World, rng: random.Random) -> list[Truth]:
    """A fresh firm bids in five tenders and never wins anything; another fresh firm wins four
    of them and the fifth is not awarded: 4/5 = 80 % ≥ 80 % (the unawarded tender counts in the
    denominator)."""
    pc = rng.choice(w.scope)
    a, b = _vendor(w, rng, pc), _vendor(w, rng, pc)
    for i in range(5):
        _tender(w, rng, pc, b, [a], title=f"Thuê phần mềm quản lý trường học và học bạ số, đợt {i + 1}",
                published_on=date(2024, 9, 2 + 5 * i), awarded=i < 4)
    _retire(w, a, b)
    return [("COL-COVER", "vendor_pair", "+".join(sorted((a, b))))]


# --- COI ----------------------------------------------------------------------------------------
@planter("COI-SELF")
def committee_member_is_winner_person(w: World, rng: random.Random) -> list[Truth]:
    """The evaluator of a department's tender is a founding member of the winner's declared
    parent company: the registry writes the name with old-style tones in capitals (or NFD), has
    no national id, and the phone as ``+84 …``; birth dates are equal. In a second tender (the
    same two firms, the winner now the loser) the appraiser has a namesake among the winner's
    people, born one day later, with the same phone: not the same person (no COI-SELF), but a
    shared phone (COI-CONTACT)."""
    pc = rng.choice(w.scope)
    parent = _vendor(w, rng, pc)
    win = _vendor(w, rng, pc, parent=parent)
    lose = _vendor(w, rng, pc)
    t = _tender(w, rng, pc, win, [lose],
                title="Cung cấp phần mềm quản lý trường học và học bạ số năm học 2024-2025")
    p = toned_person(w, rng, pc, p_phone=1.0, p_nid=1.0)
    _committee_member(w, rng, t["tender_id"], pc, p)
    w.add_vendor_person(parent, dict(p, full_name=variant(p["full_name"], rng), national_id=None,
                                     phone=plus84(p["phone"]), email=None, address=None),
                        "founding_member", share_pct=15, since=date(2016, 4, 1))
    # the decoy tender: the same two firms, the other way round
    win2, lose2 = lose, win
    t2 = _tender(w, rng, pc, win2, [lose2],
                 title="Cung cấp phần mềm quản lý trường học cho các trường mầm non và tiểu học")
    other = w.person(pc, p_nid=0, p_phone=1.0)
    _committee_member(w, rng, t2["tender_id"], pc, other, position="head_of_division",
                      role="appraiser")
    born = other["birth_date"]
    namesake = w.person(pc, full_name=other["full_name"], p_nid=0, p_email=0, p_address=0,
                        birth_date=add_days(born, 1))
    namesake["phone"] = other["phone"]
    w.add_vendor_person(win2, namesake, "employee", since=date(2023, 1, 9))
    _retire(w, parent, win, lose)
    return [("COI-SELF", "tender", t["tender_id"]), ("COI-CONTACT", "tender", t["tender_id"]),
            ("COI-CONTACT", "tender", t2["tender_id"])]


@planter("COI-RELATIVE")
def relative_is_winner_owner(w: World, rng: random.Random) -> list[Truth]:
    """The approver of a department's tender declared his wife (no national id on the
    declaration); the registry lists her as the winner's owner with 60 %, her name in NFD with
    old-style tones and her phone written ``+84 …``. In a second tender, an evaluator declared
    two decoys of the winner's chief accountant: a sibling with the same name and birth date
    but no contact in common, and a sibling-in-law with the name written without diacritics,
    the same birth date and the same phone — not the same person (no COI-RELATIVE), but a
    shared phone (COI-CONTACT)."""
    pc = rng.choice(w.scope)
    win, lose = _vendor(w, rng, pc), _vendor(w, rng, pc)
    t = _tender(w, rng, pc, win, [lose],
                title="Mua bản quyền phần mềm quản lý trường học cho các trường THPT")
    boss = _committee_member(w, rng, t["tender_id"], pc, w.person(pc), position="deputy_director",
                             role="approver")
    wife = toned_person(w, rng, pc, gender="F", p_nid=1.0, p_phone=1.0)
    w.add_relative(boss, "spouse", person=dict(wife, national_id=None, email=None))
    w.add_vendor_person(win, dict(wife, full_name=nfd(old_style_tones(wife["full_name"])),
                                  phone=plus84(wife["phone"])),
                        "owner", share_pct=60, since=date(2015, 7, 1))
    # the decoy tender: the same two firms, the other way round
    win2, lose2 = lose, win
    t2 = _tender(w, rng, pc, win2, [lose2],
                 title="Mua bản quyền phần mềm quản lý trường học cho các trường THCS (gói 2)")
    acct = w.person(pc, p_nid=1.0, p_phone=1.0)
    w.add_vendor_person(win2, acct, "chief_accountant", since=date(2019, 10, 1))
    clerk = _committee_member(w, rng, t2["tender_id"], pc, w.person(pc), role="evaluator")
    w.add_relative(clerk, "sibling", person=w.person(
        pc, full_name=acct["full_name"], birth_date=acct["birth_date"], p_nid=0, p_email=0))
    w.add_relative(clerk, "sibling_in_law", person=w.person(
        pc, full_name=strip_diacritics(acct["full_name"]), birth_date=acct["birth_date"],
        p_nid=0, p_email=0, p_phone=0, p_address=0) | {"phone": acct["phone"]})
    _retire(w, win, lose)
    return [("COI-RELATIVE", "tender", t["tender_id"]), ("COI-CONTACT", "tender", t["tender_id"]),
            ("COI-CONTACT", "tender", t2["tender_id"])]


@planter("COI-CONTACT")
def relative_shares_parent_contact(w: World, rng: random.Random) -> list[Truth]:
    """An evaluator's son lives at the registered address of the winner's declared parent
    company (written with semicolons instead of commas, in capitals): not the same person as
    anyone of the firm, but the same normalised address."""
    pc = rng.choice(w.scope)
    parent = _vendor(w, rng, pc)
    win = _vendor(w, rng, pc, parent=parent)
    lose = _vendor(w, rng, pc)
    t = _tender(w, rng, pc, win, [lose],
                title="Cung cấp phần mềm quản lý trường học và học bạ số cho cụm trường phía Bắc")
    o = _committee_member(w, rng, t["tender_id"], pc, w.person(pc))
    son = w.person(pc, born=(1995, 2002), p_nid=0, p_email=0, p_phone=0, p_address=0)
    son["address"] = repunctuate(w.vendors[parent]["address"]).upper()
    w.add_relative(o, "child", person=son)
    _retire(w, parent, win, lose)
    return [("COI-CONTACT", "tender", t["tender_id"])]


@planter("COI-REVOLVING")
def revolving_door(w: World, rng: random.Random) -> list[Truth]:
    """A procurement officer leaves the department on 29 February 2024 (window: to 28 February
    2025, that month's last day) and is registered as the winner's director from 28 February
    2025 — the window's last day; her name in the registry has old-style tones in capitals and
    no national id, the e-mail in capitals. The firm won the department's tender in late 2024.
    Decoy: another official who left the same day shares the name and birth date of the firm's
    chief accountant, nothing else."""
    pc = rng.choice(w.scope)
    win, lose = _vendor(w, rng, pc), _vendor(w, rng, pc)
    dept = w.department[pc]
    until = date(2024, 2, 29)
    p = toned_person(w, rng, pc, gender="F", p_nid=1.0, p_email=1.0)
    o = w.add_official(dept, "procurement_officer", pc=pc, person=p, since=date(2012, 9, 1),
                       until=until, on_committees=False)
    w.add_vendor_person(win, dict(p, full_name=variant(p["full_name"], rng), national_id=None,
                                  email=p["email"].upper(), phone=None, address=None),
                        "director", since=add_months(until, 12))
    acct = w.person(pc, p_nid=0)
    w.add_vendor_person(win, acct, "chief_accountant", since=date(2024, 6, 3))
    w.add_official(dept, "it_officer", pc=pc, on_committees=False, since=date(2015, 1, 5),
                   until=until, person=w.person(pc, full_name=acct["full_name"],
                                                birth_date=acct["birth_date"], p_nid=0))
    _tender(w, rng, pc, win, [lose], published_on=date(2024, 10, rng.randint(1, 20)),
            title="Cung cấp phần mềm quản lý trường học và học bạ số (gói bổ sung)")
    _retire(w, win, lose)
    return [("COI-REVOLVING", "official", f"{o['official_id']}+{win}")]


@planter("COI-SCHOOL")
def principal_family_vendor(w: World, rng: random.Random) -> list[Truth]:
    """A new primary school's principal declared her husband, who is the legal representative
    of a firm's declared parent company (registry: capitals, old-style tones, phone as
    ``+84 …``, no national id); the firm (not the parent) has a planned deployment at the
    school. Decoy: the firm's director has the principal's name and phone but another birth
    date."""
    pc = rng.choice(w.scope)
    school = w.add_school(rng, pc, level="primary", staff=False)
    aid = w.school_authority[school["school_id"]]
    principal = w.add_official(aid, "principal", pc=pc, person=w.person(pc, gender="F", p_phone=1.0),
                               on_committees=False)
    husband = toned_person(w, rng, pc, gender="M", p_nid=1.0, p_phone=1.0)
    w.add_relative(principal, "spouse", person=dict(husband, national_id=None, email=None))
    parent = _vendor(w, rng, pc)
    firm = _vendor(w, rng, pc, parent=parent)
    w.add_vendor_person(parent, dict(husband, full_name=old_style_tones(husband["full_name"]).upper(),
                                     national_id=None, phone=plus84(husband["phone"])),
                        "legal_representative", since=date(2017, 3, 15))
    pb = principal["birth_date"]
    w.add_vendor_person(firm, w.person(pc, full_name=principal["full_name"], p_nid=0,
                                       birth_date=date(pb.year + 1, pb.month, min(pb.day, 28)))
                        | {"phone": principal["phone"]}, "director", since=date(2020, 8, 1))
    w.add_deployment(school["school_id"], "2025-2026", SMS, firm, status="planned", product=None)
    _retire(w, parent, firm)
    return [("COI-SCHOOL", "school", f"{school['school_id']}+{firm}")]

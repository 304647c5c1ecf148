"""Planters of the deployment flags (DEP-*).

How the scenes stay apart from the background and from each other:

* every scene has fresh schools (no staff, so no official can be matched) and fresh vendors
  with their own brand, contacts and people, so no COI, COL or CON-GROUP rule can see them;
* deployments export the standard format (except DEP-LOCKIN's), carry no parent fee (except
  DEP-PARENTFEE's) and a budget cost only where the scene needs one: DEP-NOCONTRACT's is priced
  with ``w.unit_price`` (inside the DEP-COST band), DEP-COST's is paid by a small contract on
  invoice (< 50 million đồng, so no PRC-NOTENDER) with one ``package`` line far *below* the
  background's package lines (so no PRC-UNITPRICE);
* a handful of schools in a background management-software market moves no share;
* DEP-SYNC's roll-out is a market of its own: a service the background does not deploy in that
  province, in a year whose neighbouring years of the same market are empty too (so no
  CON-SHIFT), with 6 schools (< 20: no CON-HHI/CON-DOM) all started within the window; the
  directive that names the product necessarily raises DEP-DIRECTIVE as well;
* DEP-DIRECTIVE's letter names, by its registered name, a fresh vendor that has no deployment
  anywhere, so DEP-SYNC's N is empty.
"""
from __future__ import annotations

import random
from datetime import date

from ..util import add_days, round_to, school_year_of, slug
from ..world import HOSTING, INFRA, SMS, TRAINING, Line, World
from . import Truth, planter


def _schools(w: World, rng: random.Random, pc: str, n: int, **kw) -> list[str]:
    """``n`` fresh schools of province ``pc`` (no staff: no official can be matched)."""
    levels = ("primary", "lower_secondary", "upper_secondary")
    return [w.add_school(rng, pc, level=rng.choice(levels), staff=False, **kw)["school_id"]
            for _ in range(n)]


def _directive_id(w: World, rng: random.Random, pattern: str) -> str:
    used = {d["directive_id"] for d in w.tables["directives"]}
    while True:
        did = pattern.format(n=rng.randint(6000, 9999))
        if did not in used:
            return did


@planter("DEP-PARENTFEE")
def parent_fee(w: World, rng: random.Random) -> list[Truth]:
    """A new primary school whose school-management software is charged to the parents."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    school = w.add_school(rng, pc, level="primary")
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    sid = school["school_id"]
    w.add_deployment(sid, year, SMS, vendor, status="live", product=w.product(rng, vendor, SMS),
                     started_on=date(2024, 9, 5), ended_on=date(2025, 5, 31),
                     parent_fee_vnd=rng.choice((25_000, 35_000, 45_000)),
                     exports_standard_format=True)
    return [("DEP-PARENTFEE", "deployment", f"{sid}/{SMS}/{year}")]


@planter("DEP-DIRECTIVE")
def directing_letter(w: World, rng: random.Random) -> list[Truth]:
    """A department's letter asks the schools to sign up for a named firm's back-up service
    (the firm's registered name, an instruction phrase, no negation)."""
    pc = rng.choice(w.scope)
    vendor = w.add_vendor(rng, kind="hosting", pc=pc)
    assert len(" ".join(vendor["name"].split())) > 12
    did = _directive_id(w, rng, "2024-{n}/SGDĐT-KHTC")
    w.add("directives", directive_id=did, issuer_id=w.department[pc],
          issued_on=date(2024, 10, rng.randint(7, 25)),
          title="Về việc sao lưu dữ liệu học bạ số",
          text=(f"Để bảo đảm an toàn dữ liệu, đề nghị các trường đăng ký sử dụng dịch vụ sao lưu "
                f"của {vendor['name']}.\n"
                "Các trường báo cáo kết quả thực hiện về Sở trước ngày 15/11/2024."))
    return [("DEP-DIRECTIVE", "directive", did)]


def _free_market(w: World, rng: random.Random, services: tuple[str, ...]) -> tuple[str, str, str]:
    """(province, service, year) with no pilot/live deployment in that year nor in the years
    next to it, so that a new market there compares with nothing (CON-SHIFT)."""
    active = {(w.schools[d["school_id"]]["province_code"], d["service"], d["school_year"])
              for d in w.tables["deployments"] if d["status"] in ("pilot", "live")}
    years = w.school_years
    cands = []
    for pc in sorted(w.scope):
        for s in services:
            for i, y in enumerate(years):
                near = years[max(0, i - 1): i + 2]
                if all((pc, s, x) not in active for x in near):
                    cands.append((pc, s, y))
    if not cands:
        raise RuntimeError("DEP-SYNC: no free market for the planted roll-out")
    return rng.choice(cands)


@planter("DEP-SYNC")
def synchronised_rollout(w: World, rng: random.Random) -> list[Truth]:
    """A department tells its schools to use a named cloud product; within 6–50 days the firm
    starts it at all 6 schools of the province that use that service in that year (6/6 ≥ 80%,
    6 ≥ 5 schools). The letter names the product, so it raises DEP-DIRECTIVE too."""
    pc, service, year = _free_market(w, rng, (HOSTING, INFRA, TRAINING))
    kind = {HOSTING: "hosting", INFRA: "infrastructure", TRAINING: "training"}[service]
    vendor = w.add_vendor(rng, kind=kind, pc=pc)["vendor_id"]
    brand = slug(w.core_of[vendor]).title()
    product = {HOSTING: f"{brand} Cloud", INFRA: f"{brand} Smart Board",
               TRAINING: f"{brand} Academy"}[service]
    y0 = int(year[:4])
    issued = date(y0, 8, rng.randint(1, 10))
    assert school_year_of(add_days(issued, 60)) == year
    for sid in _schools(w, rng, pc, 6):
        w.add_deployment(sid, year, service, vendor, status=rng.choice(("pilot", "live")),
                         product=product, started_on=add_days(issued, rng.randint(6, 50)),
                         ended_on=date(y0 + 1, 5, 31), exports_standard_format=True)
    did = _directive_id(w, rng, f"{y0}-{{n}}/SGDĐT-CNTT")
    w.add("directives", directive_id=did, issuer_id=w.department[pc], issued_on=issued,
          title=f"Về việc chuẩn bị hạ tầng cho học bạ số năm học {year}",
          text=(f"Đề nghị các trường triển khai {product} trước ngày khai giảng năm học {year}.\n"
                "Các trường cử cán bộ phụ trách và gửi danh sách về Sở."))
    return [("DEP-DIRECTIVE", "directive", did),
            ("DEP-SYNC", "directive", f"{did}+{pc}/{service}/{year}")]


@planter("DEP-NOCONTRACT")
def no_contract(w: World, rng: random.Random) -> list[Truth]:
    """A school's management software is live and paid from the budget (at the usual price
    per student), with no contract recorded."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    school = w.add_school(rng, pc, level=rng.choice(("primary", "lower_secondary")), staff=False)
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    price = w.unit_price(rng, SMS, "student", year, vendor)
    sid = school["school_id"]
    w.add_deployment(sid, year, SMS, vendor, status="live", product=w.product(rng, vendor, SMS),
                     started_on=date(2024, 9, rng.randint(3, 20)), ended_on=date(2025, 5, 31),
                     budget_cost_vnd=price * school["students"], exports_standard_format=True)
    return [("DEP-NOCONTRACT", "deployment", f"{sid}/{SMS}/{year}")]


@planter("DEP-COST")
def costly_deployment(w: World, rng: random.Random) -> list[Truth]:
    """A small school pays 2.8–3.4 × the usual price per student for its management software,
    bought on invoice as one package (below 50 million đồng)."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    school = w.add_school(rng, pc, level="primary", staff=False, students=rng.randint(250, 400))
    sid = school["school_id"]
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    product = w.product(rng, vendor, SMS)
    dep = w.add_deployment(sid, year, SMS, vendor, status="live", product=product,
                           started_on=date(2024, 9, rng.randint(3, 20)), ended_on=date(2025, 5, 31),
                           exports_standard_format=True)
    usual = w.unit_price(rng, SMS, "student", year, vendor) * school["students"]
    amount = round_to(usual * rng.uniform(2.8, 3.4), 100_000)
    lines = [Line(SMS, "package", amount, 1, sid,
                  f"Bản quyền phần mềm quản lý trường học {product} trọn gói năm học {year}", dep)]
    c = w.add_contract(rng, vendor, date(2024, 8, rng.randint(20, 30)), lines,
                       entity_id=w.school_authority[sid])
    assert c["value_vnd"] < 50_000_000
    return [("DEP-COST", "deployment", f"{sid}/{SMS}/{year}")]


@planter("DEP-LOCKIN")
def locked_in(w: World, rng: random.Random) -> list[Truth]:
    """A firm's management software is live at 3 new schools and does not export the
    Ministry's data-exchange format."""
    pc = rng.choice(w.scope)
    year = "2025-2026"
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    product = w.product(rng, vendor, SMS)
    for sid in _schools(w, rng, pc, 3):
        w.add_deployment(sid, year, SMS, vendor, status="live", product=product,
                         started_on=date(2025, 8, rng.randint(15, 30)),
                         exports_standard_format=False)
    return [("DEP-LOCKIN", "vendor", f"{vendor}+{SMS}")]

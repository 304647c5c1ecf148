"""The in-memory world the generator builds before it writes anything.

A :class:`World` holds every table of the contract as a list of row dicts with *canonical*
Python values (``str``, ``int``, ``bool``, ``date``, ``datetime`` or ``None``), the id
allocators, the registries that keep phones, e-mails, addresses, national ids and tax codes
unique, and the factories that both the background and the planters use (``add_school``,
``add_vendor``, ``add_tender`` …). The writer turns the canonical values into CSV text later.

Everything random goes through a ``random.Random`` passed in by the caller, or through the
seeded Faker for people; nothing reads the clock or iterates a set.

What planters use (a stable surface; add to it, do not change it):

* places and indices: ``scope`` (province codes), ``school_years``, ``provinces``/``wards``
  (:mod:`.geo`), ``schools``/``vendors``/``officials``/``tenders``/``contracts`` by id,
  ``schools_in[pc]``, ``department[pc]``, ``commune_committee[ward]``,
  ``school_authority[school_id]``, ``staff[authority][position]``, ``people_of[vendor]``,
  ``family[vendor]`` (declared-parent family), ``market_vendors[(pc, service)]``,
  ``milestone_rows[(pc, milestone)]``, ``tables[table]`` (the rows themselves);
* factories: ``person``, ``add_school``, ``add_official``, ``add_relative``, ``add_vendor``
  (``branch_of=`` / ``parent=``), ``add_vendor_person``, ``product``, ``add_deployment``,
  ``add_tender`` (a :class:`TenderPlan` of :class:`Line`), ``add_contract`` (no tender),
  ``unit_price`` (inside the tight band of its group), ``limit_in_force``, ``claim``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker

from ..contract import TABLES
from . import geo, names
from .taxcode import new_tax_code
from .util import (SCHOOL_YEARS, add_days, as_date, at_time, ceil_to, derive_seed, rand_date,
                   slug, year_start)

COMPETITIVE = ("open_bidding", "limited_bidding", "competitive_shopping")
DIRECT = ("direct_appointment", "shortened_direct_appointment")

SMS = "school_management_software"
CMS = "center_management_software"
DS = "digital_signature"
INFRA = "infrastructure_equipment"
HOSTING = "hosting_and_data"
TRAINING = "training"
OTHER = "other"

# Direct-award limits (VND) by publication date, as in flags.md; the generator keeps every
# direct award well below them. (from, to, purchase estimate, consulting, goods)
DIRECT_LIMITS = (
    (date(1900, 1, 1), date(2025, 1, 14), 100_000_000, 500_000_000, 1_000_000_000),
    (date(2025, 1, 15), date(2025, 8, 3), 300_000_000, 500_000_000, 1_000_000_000),
    (date(2025, 8, 4), date(9999, 12, 31), 500_000_000, 800_000_000, 2_000_000_000),
)

#: Unit prices (VND) around which every line of one (service, unit) clusters, by school year.
#: Lines of one group stay well inside 2× their median (PRC-UNITPRICE, DEP-COST).
BASE_PRICE = {
    (SMS, "student"): (18_000, 19_000, 20_000),
    (CMS, "student"): (25_000, 26_000, 27_000),
    (DS, "student"): (9_000, 9_500, 10_000),
    (DS, "certificate"): (1_800_000, 1_800_000, 1_850_000),
    (INFRA, "device"): (14_000_000, 14_500_000, 15_000_000),
    (TRAINING, "package"): (4_000_000, 4_200_000, 4_400_000),
    (HOSTING, "month"): (20_000_000, 20_000_000, 21_000_000),
    (OTHER, "package"): (5_000_000, 5_200_000, 5_400_000),
}

#: Which kinds of firm may bid for which category (losing bids come from these pools).
BIDDER_KINDS = {
    SMS: ("software",), CMS: ("software",), DS: ("ca",), INFRA: ("infrastructure", "hosting"),
    HOSTING: ("hosting", "infrastructure", "software"), TRAINING: ("training", "software"),
    OTHER: ("software", "infrastructure"),
}


_FAMILIES = tuple(n for n, _ in names.FAMILY_NAMES)
_FAMILY_CUM = tuple(itertools.accumulate(w for _, w in names.FAMILY_NAMES))


def _template(table: str) -> dict:
    return dict.fromkeys(TABLES[table].column_names)


@dataclass
class Line:
    """One contract line before it is written: ``amount`` = quantity × unit price."""
    service: str
    unit: str | None
    unit_price: int
    quantity: int = 1
    school_id: str | None = None
    item: str = ""
    deployment: dict | None = None   # the deployment this line pays for (gets contract_id, cost)
    link: dict | None = None         # a deployment that only gets the contract_id (no cost)

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass
class TenderPlan:
    """A tender decided before bids are drawn (the winner is chosen first)."""
    entity_id: str
    category: str
    method: str
    school_year: str
    published_on: date | datetime
    lines: list[Line]
    winner: str
    title: str = ""
    ground: str | None = None
    in_investment_project: bool | None = False
    estimated_value: int | None = None
    contract_end: date | None = None
    n_bids: int | None = None           # None: drawn; competitive tenders get ≥ 2
    bidders: list[str] | None = None    # explicit losing bidders (skips the pools)
    awarded: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def value(self) -> int:
        return sum(ln.amount for ln in self.lines)


class World:
    """Tables as lists of dicts, plus id allocators, registries and factories."""

    def __init__(self, scale: str, seed: int, scope: list[str]):
        self.scale = scale
        self.seed = seed
        self.school_years = list(SCHOOL_YEARS)
        self.provinces = geo.provinces()
        self.wards = geo.wards()
        self.scope = list(scope)                      # province codes of this data set
        self.fake = Faker("vi_VN")
        self.seed_people(derive_seed(seed, "faker"))
        self.tables: dict[str, list[dict]] = {name: [] for name in TABLES}
        self._templates = {name: _template(name) for name in TABLES}
        self._counters: dict[str, itertools.count] = {}
        # uniqueness registries (membership tests only: never iterated)
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_ids: set[str] = set()
        self.used_addresses: set[str] = set()
        self.used_tax: set[str] = set()
        self.used_school_names: set[tuple[str, str]] = set()
        self.claims: set[tuple] = set()
        self._cores = names.brand_cores()
        self._core_order: list[int] | None = None
        # indices
        self.schools: dict[str, dict] = {}
        self.authorities: dict[str, dict] = {}
        self.vendors: dict[str, dict] = {}
        self.officials: dict[str, dict] = {}
        self.tenders: dict[str, dict] = {}
        self.contracts: dict[str, dict] = {}
        self.schools_in: dict[str, list[str]] = {pc: [] for pc in self.provinces}
        self.department: dict[str, str] = {}
        self.commune_committee: dict[str, str] = {}
        self.school_authority: dict[str, str] = {}
        self.staff: dict[str, dict[str, list[str]]] = {}
        self.relatives_of: dict[str, list[dict]] = {}
        self.people_of: dict[str, list[dict]] = {}
        self.family: dict[str, str] = {}               # vendor → its declared-parent family root
        self.vendor_kind: dict[str, str] = {}
        self.branches: dict[str, list[str]] = {}
        self.core_of: dict[str, str] = {}
        self.products: dict[tuple[str, str], str] = {}  # (family root, service) → product name
        self.winners: set[str] = set()                 # vendors that win ≥ 1 tender
        self.pool: dict[tuple[str, str], list[str]] = {}   # (kind, pc) → winners of that kind
        self.no_cobid: set[tuple[str, str]] = set()    # vendor pairs that share a person
        self.bid_triples: dict[tuple[str, str, str], int] = {}
        self.market_vendors: dict[tuple[str, str], list[str]] = {}  # (pc, service) → vendors
        self.deployments_of: dict[tuple[str, str], list[dict]] = {}  # (school, year) → rows
        self.ministry_id: str | None = None
        # filled by the background: national groups (head office ids), their deploying vendor
        # in each province, local firms by (province, kind), milestone rows by key
        self.software_groups: list[str] = []
        self.ca_groups: list[str] = []
        self.infra_groups: list[str] = []
        self.group_members: dict[str, dict[str, str]] = {}
        self.local: dict[tuple[str, str], list[str]] = {}
        self.milestone_rows: dict[tuple[str, str], dict] = {}

    # ----------------------------------------------------------------------------- basics
    def seed_people(self, seed: int) -> None:
        """Reseed the Faker that draws people (names, birth dates, contacts)."""
        self.fake.seed_instance(seed)
        self._prng = self.fake.random

    def next_id(self, kind: str) -> int:
        if kind not in self._counters:
            self._counters[kind] = itertools.count(1)
        return next(self._counters[kind])

    def add(self, table: str, **values) -> dict:
        template = self._templates[table]
        row = dict(template)
        row.update(values)
        if len(row) != len(template):
            raise KeyError(f"{table}: unknown columns {sorted(set(row) - set(template))}")
        self.tables[table].append(row)
        return row

    def claim(self, *key) -> None:
        """Reserve an entity for one planter; a second claim of the same key is an error."""
        if key in self.claims:
            raise ValueError(f"already claimed by another planter: {key}")
        self.claims.add(key)

    def year_index(self, school_year: str) -> int:
        return self.school_years.index(school_year)

    # ----------------------------------------------------------------------------- people
    def new_phone(self, r=None) -> str:
        r = r or self._prng
        while True:
            prefix = r.choices(("09", "03", "08", "07"), (6, 2, 1.5, 1))[0]
            phone = f"{prefix}{r.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def new_landline(self, r=None) -> str:
        r = r or self._prng
        while True:
            phone = f"02{r.randint(0, 99):02d}{r.randint(0, 9_999_999):07d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def new_email(self, local: str, domain: str = "example.com") -> str:
        base = local or "lienhe"
        for k in itertools.count():
            email = f"{base}{k if k else ''}@{domain}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email

    def new_national_id(self, pc: str, male: bool, birth: date, r=None) -> str:
        r = r or self._prng
        century = 0 if birth.year < 2000 else 2
        head = f"0{pc}{century + (0 if male else 1)}{birth.year % 100:02d}"
        while True:
            nid = f"{head}{r.randint(0, 999_999):06d}"
            if nid not in self.used_ids:
                self.used_ids.add(nid)
                return nid

    def new_address(self, pc: str, ward_code: str | None = None, r=None) -> str:
        r = r or self._prng
        prov = self.provinces[pc]
        while True:
            ward = self.wards[ward_code] if ward_code else r.choice(prov.wards)
            street = r.choice(names.STREETS)
            n = r.randint(1, 399)
            lane = f"ngõ {r.randint(2, 120)}, " if r.random() < 0.2 else ""
            addr = f"Số {n}, {lane}đường {street}, {ward.name}, {prov.name}"
            if addr not in self.used_addresses:
                self.used_addresses.add(addr)
                return addr

    def person(self, pc: str | None = None, *, gender: str | None = None,
               born: tuple[int, int] = (1965, 1995), p_nid: float = 0.9, p_address: float = 0.8,
               p_phone: float = 0.85, p_email: float = 0.6, full_name: str | None = None,
               birth_date: date | None = None) -> dict:
        """A new person (name, birth date, id, contacts), unique contacts, from the seeded Faker."""
        r = self._prng
        pc = pc or r.choice(self.scope)
        gender = gender or r.choice("MF")
        if full_name is None:
            family = r.choices(_FAMILIES, cum_weights=_FAMILY_CUM)[0]
            middle = r.choice(names.middle_pool(gender))
            given = r.choice(names.given_pool(gender))
            full_name = f"{family} {middle} {given}"
        if birth_date is None:
            birth_date = date(r.randint(*born), 1, 1) + timedelta(days=r.randint(0, 364))
        p = {"full_name": full_name, "birth_date": birth_date, "national_id": None,
             "address": None, "phone": None, "email": None, "gender": gender, "pc": pc}
        if r.random() < p_nid:
            p["national_id"] = self.new_national_id(pc, gender == "M", birth_date, r)
        if r.random() < p_address:
            p["address"] = self.new_address(pc, r=r)
        if r.random() < p_phone:
            p["phone"] = self.new_phone(r)
        if r.random() < p_email:
            parts = slug(full_name, " ").split()
            local = f"{parts[-1]}.{''.join(x[0] for x in parts[:-1])}{birth_date.year % 100:02d}"
            p["email"] = self.new_email(local)
        return p

    # ----------------------------------------------------------------------------- authorities
    def add_ministry(self) -> str:
        aid = "BGDDT"
        self.authorities[aid] = self.add("authorities", authority_id=aid,
                                         name="Bộ Giáo dục và Đào tạo", kind="ministry")
        self.ministry_id = aid
        self.staff[aid] = {}
        for pos in ("director", "deputy_director", "head_of_division"):
            self.add_official(aid, pos, pc="01")
        return aid

    def add_department(self, pc: str, rng) -> str:
        aid = f"SGDDT-{pc}"
        prov = self.provinces[pc]
        self.authorities[aid] = self.add(
            "authorities", authority_id=aid, name=f"Sở Giáo dục và Đào tạo {prov.short}",
            kind="province_department", province_code=pc, parent_authority_id=self.ministry_id)
        self.department[pc] = aid
        self.staff[aid] = {}
        positions = ["director", "deputy_director", "deputy_director", "head_of_division",
                     "head_of_division", "procurement_officer", "procurement_officer", "it_officer"]
        for pos in positions:
            self.add_official(aid, pos, pc=pc, relatives=rng.choice((0, 1, 1, 2)))
        # a retired deputy: `until` set (only COI-REVOLVING reads it)
        self.add_official(aid, "deputy_director", pc=pc, relatives=1,
                          since=date(2012, 3, 1), until=date(2024, 3, 31), on_committees=False)
        return aid

    def commune_authority(self, ward_code: str, rng) -> str:
        """The people's committee of a commune, created with its officials on first use."""
        aid = self.commune_committee.get(ward_code)
        if aid:
            return aid
        ward = self.wards[ward_code]
        aid = f"UBND-{ward_code}"
        kind_word = ward.name.split(" ")[0].lower() if not ward.name.startswith("Đặc khu") else "đặc khu"
        self.authorities[aid] = self.add(
            "authorities", authority_id=aid, name=f"Ủy ban nhân dân {kind_word} {ward.base}",
            kind="commune_committee", province_code=ward.province, commune_code=ward_code,
            parent_authority_id=self.department[ward.province])
        self.commune_committee[ward_code] = aid
        self.staff[aid] = {}
        for pos in ("director", "deputy_director", "head_of_division", "accountant"):
            self.add_official(aid, pos, pc=ward.province, relatives=rng.choice((0, 1, 1, 2)),
                              since=date(2025, 7, 1))
        return aid

    def add_official(self, authority_id: str, position: str, *, pc: str | None = None,
                     relatives: int = 0, since: date | None = None, until: date | None = None,
                     on_committees: bool = True, person: dict | None = None) -> dict:
        r = self._prng
        n = self.next_id("official")
        p = person or self.person(pc, born=(1963, 1992))
        if since is None:
            since = date(r.randint(2005, 2022), r.randint(1, 12), 1)
        row = self.add("officials", official_id=f"CB{n:07d}", full_name=p["full_name"],
                       authority_id=authority_id, position=position, birth_date=p["birth_date"],
                       national_id=p["national_id"], address=p["address"], phone=p["phone"],
                       email=p["email"], since=since, until=until)
        self.officials[row["official_id"]] = row
        if on_committees:
            self.staff.setdefault(authority_id, {}).setdefault(position, []).append(row["official_id"])
        row["_gender"] = p["gender"]
        for i in range(relatives):
            self.add_relative(row, ("spouse", "child", "parent", "sibling")[i % 4], pc=pc)
        return row

    def add_relative(self, official: dict, relation: str, *, pc: str | None = None,
                     person: dict | None = None, employer: str | None = None) -> dict:
        r = self._prng
        ob = official["birth_date"]
        if person is None:
            if relation == "spouse":
                gender = "F" if official.get("_gender") == "M" else "M"
                born = (ob.year - 4, min(ob.year + 6, 2000))
            elif relation == "child":
                gender, born = None, (ob.year + 22, min(ob.year + 35, 2022))
            elif relation == "parent":
                gender, born = None, (ob.year - 35, ob.year - 20)
            else:
                gender, born = None, (ob.year - 8, ob.year + 8)
            person = self.person(pc, gender=gender, born=born, p_nid=0.6, p_address=0.5,
                                 p_phone=0.6, p_email=0)
            if relation == "spouse" and official["address"] and r.random() < 0.5:
                person["address"] = official["address"]      # living together
        if employer is None and relation in ("spouse", "child", "sibling"):
            employer = r.choice(("", "", "Bệnh viện đa khoa tỉnh", "Kinh doanh tự do",
                                 "Ngân hàng thương mại", "Trường Tiểu học trên địa bàn",
                                 "Hưu trí", "Công chức xã"))
        row = self.add("declared_relatives", official_id=official["official_id"],
                       full_name=person["full_name"], relation=relation,
                       birth_date=person["birth_date"], national_id=person["national_id"],
                       address=person["address"], phone=person["phone"], employer=employer or None)
        self.relatives_of.setdefault(official["official_id"], []).append(row)
        return row

    # ----------------------------------------------------------------------------- schools
    def school_name(self, rng, level: str, ward: geo.WardInfo, ownership: str) -> str:
        prefix = rng.choice(names.LEVEL_PREFIX[level])
        for attempt in range(50):
            if level == "continuing_education_center":
                core = ward.base
            elif ownership == "private":
                core = rng.choice(self._cores)
            elif rng.random() < 0.45:
                core = ward.base
            else:
                core = rng.choice(names.SCHOOL_FIGURES)
            name = f"{prefix} {core}"
            if attempt >= 2:
                name = f"{name} số {attempt}"
            if (ward.code, name) not in self.used_school_names:
                self.used_school_names.add((ward.code, name))
                return name
        raise RuntimeError("no free school name")

    def add_school(self, rng, pc: str, *, ward_code: str | None = None, level: str = "primary",
                   ownership: str = "public", in_pilot: bool = False, students: int | None = None,
                   staff: bool = True) -> dict:
        """A school with its own authority (kind ``school``) and its staff."""
        prov = self.provinces[pc]
        ward = self.wards[ward_code] if ward_code else rng.choice(prov.wards)
        n = self.next_id(f"school-{pc}")
        sid = f"TR{pc}{n:05d}"
        if students is None:
            lo, hi = {"primary": (180, 1400), "lower_secondary": (220, 1600),
                      "upper_secondary": (450, 2000), "multi_level": (150, 900),
                      "continuing_education_center": (120, 600), "other": (60, 400)}[level]
            students = int(lo + (hi - lo) * rng.random() ** 1.6)
        per_class = {"primary": 30, "lower_secondary": 36, "upper_secondary": 40}.get(level, 30)
        classes = max(3, round(students / (per_class * rng.uniform(0.85, 1.1))))
        ratio = {"primary": 1.3, "lower_secondary": 1.9, "upper_secondary": 2.2}.get(level, 1.7)
        teachers = max(4, round(classes * ratio * rng.uniform(0.9, 1.1)))
        name = self.school_name(rng, level, ward, ownership)
        row = self.add("schools", school_id=sid, name=name, level=level, province_code=pc,
                       commune_code=ward.code, ownership=ownership, students=students,
                       classes=classes, teachers=teachers, in_pilot=in_pilot,
                       address=f"{ward.name}, {prov.name}")
        self.schools[sid] = row
        self.schools_in[pc].append(sid)
        if level in ("primary", "lower_secondary") or name.startswith(("Trường TH&THCS", "Trường Phổ thông Dân tộc bán trú")):
            parent = self.commune_authority(ward.code, rng)
        else:
            parent = self.department[pc]
        aid = f"TRUONG-{sid}"
        self.authorities[aid] = self.add("authorities", authority_id=aid, name=name, kind="school",
                                         province_code=pc, school_id=sid, parent_authority_id=parent)
        self.school_authority[sid] = aid
        self.staff[aid] = {}
        if staff:
            self.add_official(aid, "principal", pc=pc,
                              relatives=rng.choice((0, 0, 0, 1, 2)) if ownership == "public" else 0)
            if rng.random() < 0.55:
                self.add_official(aid, "vice_principal", pc=pc)
            if rng.random() < 0.45:
                self.add_official(aid, "accountant", pc=pc)
            if rng.random() < 0.06:
                self.add_official(aid, "it_officer", pc=pc)
        return row

    # ----------------------------------------------------------------------------- vendors
    def new_core(self, rng) -> str:
        """A fresh fictitious brand (two syllables), never used twice in one data set."""
        if self._core_order is None:
            self._core_order = list(range(len(self._cores)))
            rng.shuffle(self._core_order)
        if not self._core_order:
            raise RuntimeError("out of brand names")
        return self._cores[self._core_order.pop()]

    def add_vendor(self, rng, *, kind: str, pc: str, core: str | None = None,
                   name: str | None = None, registered_on: date | None = None,
                   parent: str | None = None, branch_of: str | None = None,
                   status: str = "active", people: bool = True) -> dict:
        """A vendor with a valid tax code, unique contacts and (optionally) its people.

        ``branch_of`` makes a branch (``<head>-00k``, parent = the head office);
        ``parent`` declares a parent company for a new legal entity (a subsidiary)."""
        if branch_of:
            head = self.vendors[branch_of]
            k = len(self.branches.setdefault(branch_of, [])) + 1
            vid = f"{branch_of}-{k:03d}"
            self.branches[branch_of].append(vid)
            core = self.core_of[branch_of]
            name = name or f"Chi nhánh {self.provinces[pc].short} - {head['name']}"
            parent = branch_of
            registered_on = registered_on or add_days(head["registered_on"], rng.randint(200, 3000))
        else:
            vid = new_tax_code(rng, rng.choice(geo.TAX_PREFIX[pc]), self.used_tax)
            core = core or self.new_core(rng)
            name = name or names.firm_name(rng, kind, core)
            registered_on = registered_on or date(rng.randint(2004, 2019), rng.randint(1, 12),
                                                  rng.randint(1, 28))
        self.core_of[vid] = core
        domain = f"{slug(core)}.example.com"
        email = self.new_email(f"cn{slug(self.provinces[pc].short)}" if branch_of else "lienhe", domain)
        row = self.add("vendors", vendor_id=vid, name=name,
                       address=self.new_address(pc, r=rng),
                       phone=self.new_landline(rng) if rng.random() < 0.7 else self.new_phone(rng),
                       email=email, website=None if branch_of else f"https://{domain}",
                       registered_on=registered_on, status=status, province_code=pc,
                       parent_vendor_id=parent)
        self.vendors[vid] = row
        self.vendor_kind[vid] = kind
        self.family[vid] = self.family[parent] if parent else vid
        self.people_of[vid] = []
        if people:
            self._vendor_people(rng, row, branch=bool(branch_of))
        return row

    def add_vendor_person(self, vendor_id: str, person: dict, role: str, *,
                          share_pct: float | None = None, since: date | None = None,
                          until: date | None = None) -> dict:
        row = self.add("vendor_people", vendor_id=vendor_id, full_name=person["full_name"],
                       role=role, share_pct=share_pct, birth_date=person["birth_date"],
                       national_id=person["national_id"], address=person["address"],
                       phone=person["phone"], email=person["email"], since=since, until=until)
        self.people_of[vendor_id].append(row)
        return row

    def _vendor_people(self, rng, v: dict, branch: bool) -> None:
        vid, pc, reg = v["vendor_id"], v["province_code"], v["registered_on"]
        if branch:
            self.add_vendor_person(vid, self.person(pc, born=(1968, 1993)), "director", since=reg)
            return
        rep = self.person(pc, born=(1960, 1990))
        self.add_vendor_person(vid, rep, "legal_representative", since=reg)
        if rng.random() < 0.5:
            self.add_vendor_person(vid, rep, "director", since=reg)
        else:
            self.add_vendor_person(vid, self.person(pc, born=(1965, 1992)), "director",
                                   since=add_days(reg, rng.randint(0, 1500)))
        if "Cổ phần" in v["name"]:
            shares = rng.choice(((35, 25, 15), (40, 30), (30, 20, 20, 10), (51, 19)))
            role = "shareholder"
        elif "MTV" in v["name"]:
            shares, role = (100,), "owner"
        else:
            shares = rng.choice(((60, 40), (70, 30), (50, 30, 20), (100,)))
            role = "owner" if len(shares) == 1 else "founding_member"
        for i, s in enumerate(shares):
            p = rep if i == 0 else self.person(pc, born=(1958, 1992), p_email=0.3)
            self.add_vendor_person(vid, p, role, share_pct=s, since=reg)
        if rng.random() < 0.7:
            self.add_vendor_person(vid, self.person(pc, born=(1970, 1996), p_address=0.4),
                                   "chief_accountant", since=add_days(reg, rng.randint(0, 2000)))

    def product(self, rng, vendor_id: str, service: str) -> str:
        key = (self.family[vendor_id], service)
        if key not in self.products:
            self.products[key] = names.product_name(rng, service, self.core_of[self.family[vendor_id]])
        return self.products[key]

    def register_winner(self, vendor_id: str) -> None:
        if vendor_id in self.winners:
            return
        self.winners.add(vendor_id)
        pc = self.vendors[vendor_id]["province_code"]
        kind = self.vendor_kind[vendor_id]
        self.pool.setdefault((kind, pc), []).append(vendor_id)
        self.pool.setdefault((kind, "*"), []).append(vendor_id)

    # ----------------------------------------------------------------------------- prices
    def unit_price(self, rng, service: str, unit: str, school_year: str,
                   vendor_id: str | None = None) -> int:
        """A unit price inside the tight band of its (service, unit, year) group."""
        base = BASE_PRICE[(service, unit)][self.year_index(school_year)]
        factor = 1.0
        if vendor_id:  # each vendor family is a little cheaper or dearer, the same every year
            h = derive_seed(self.seed, "price:" + self.family[vendor_id]) % 1000
            factor = 0.9 + 0.2 * h / 999
        step = 100 if base < 1_000_000 else 10_000
        return int(round(base * factor * rng.uniform(0.97, 1.03) / step)) * step

    @staticmethod
    def limit_in_force(published_on, category: str, in_project: bool | None = False) -> int:
        day = as_date(published_on)
        for lo, hi, purchase, consulting, goods in DIRECT_LIMITS:
            if lo <= day <= hi:
                if not in_project:
                    return purchase
                return consulting if category == TRAINING else goods
        raise ValueError(day)

    # ----------------------------------------------------------------------------- procurement
    def committee(self, rng, entity_id: str) -> list[tuple[str, str]]:
        st = self.staff.get(entity_id, {})
        kind = self.authorities[entity_id]["kind"]
        head = (st.get("director") or st.get("principal") or st.get("deputy_director") or [None])[0]
        out: list[tuple[str, str]] = []
        if head:
            out.append((head, "approver"))
        if kind == "school":
            ev = (st.get("accountant") or st.get("vice_principal") or [head])[0]
            if ev:
                out.append((ev, "evaluator"))
            if head:
                out.append((head, "signer"))
            return out
        pool = (st.get("procurement_officer", []) + st.get("head_of_division", [])
                + st.get("it_officer", []) + st.get("accountant", []))
        chosen = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2, 3))))
        out += [(o, "evaluator") for o in chosen]
        if kind == "province_department":
            rest = [o for o in st.get("head_of_division", []) if o not in chosen]
            if rest:
                out.append((rest[0], "appraiser"))
        signer = rng.choice(st.get("deputy_director", []) + [head]) if head else None
        if signer:
            out.append((signer, "signer"))
        return out

    def _draw_losers(self, rng, plan: TenderPlan, n_losers: int) -> list[str]:
        """Losing bidders: vendors that win elsewhere (so none is a pure cover bidder), of other
        declared-parent families, sharing no person, and never making a trio that has bid
        together in 3 tenders already (so no set of 3 co-bids in 4: no bid rotation)."""
        pc = self.authorities[plan.entity_id].get("province_code") or "01"
        kinds = BIDDER_KINDS[plan.category]
        local = [v for k in kinds for v in self.pool.get((k, pc), [])]
        wide = [v for k in kinds for v in self.pool.get((k, "*"), [])]
        chosen = [plan.winner]
        fams = {self.family[plan.winner]}
        tries = 0
        while len(chosen) < 1 + n_losers and tries < 60:
            tries += 1
            src = local if (local and rng.random() < 0.75) else wide
            if not src:
                break
            c = rng.choice(src)
            if self.family[c] in fams or self.vendors[c]["status"] != "active":
                continue
            if any(tuple(sorted((c, b))) in self.no_cobid for b in chosen):
                continue
            if any(self.bid_triples.get(tuple(sorted((a, b, c))), 0) >= 3
                   for a, b in itertools.combinations(chosen, 2)):
                continue
            chosen.append(c)
            fams.add(self.family[c])
        return chosen[1:]

    def add_tender(self, rng, plan: TenderPlan) -> tuple[dict, dict | None]:
        """Write one tender with its committee, bids, contract and lines.

        Competitive tenders get ≥ 2 valid bids, a winner that is the lowest bid by more than
        1 %, bid prices all different, a winning price below 99 % of the estimated value and a
        bid period of at least 25 days; direct awards get one bid at or below the estimate."""
        value = plan.value
        competitive = plan.method in COMPETITIVE
        pub = plan.published_on
        pub_day = as_date(pub)
        if plan.estimated_value is None:
            if competitive:
                plan.estimated_value = ceil_to(int(value / rng.uniform(0.86, 0.965)), 1_000_000)
            else:
                plan.estimated_value = ceil_to(int(value * rng.uniform(1.0, 1.08)), 100_000)
        if plan.method in DIRECT and (plan.ground or "value_limit") == "value_limit":
            limit = self.limit_in_force(pub, plan.category, plan.in_investment_project)
            if plan.estimated_value > limit:
                raise ValueError(f"direct award above the limit: {plan.estimated_value} > {limit}")
        n = self.next_id(f"tender-{pub_day.year}")
        tid = f"IB{pub_day.year % 100:02d}{n:08d}"
        period = rng.randint(25, 40) if competitive else rng.randint(5, 12)
        deadline_day = add_days(pub_day, period)
        deadline = at_time(deadline_day, rng.choice((9, 10, 14, 16))) if isinstance(pub, datetime) else deadline_day
        awarded_on = add_days(deadline_day, rng.randint(5, 15)) if plan.awarded else None
        t = self.add("tenders", tender_id=tid, procuring_entity_id=plan.entity_id, title=plan.title,
                     category=plan.category, method=plan.method,
                     estimated_value_vnd=plan.estimated_value, published_on=pub,
                     bid_deadline=deadline, awarded_on=awarded_on, school_year=plan.school_year,
                     funding_source="state_budget",
                     direct_award_ground=plan.ground if plan.method in DIRECT else None,
                     in_investment_project=plan.in_investment_project)
        self.tenders[tid] = t
        for oid, role in self.committee(rng, plan.entity_id):
            self.add("tender_committee", tender_id=tid, official_id=oid, role=role)
        # bids
        if plan.bidders is not None:
            losers = list(plan.bidders)
        elif competitive:
            n_bids = plan.n_bids or rng.choices((2, 3, 4), (50, 35, 15))[0]
            losers = self._draw_losers(rng, plan, n_bids - 1)
            if not losers:
                raise RuntimeError(f"no losing bidder available for {plan.category} in {plan.entity_id}")
        else:
            losers = []
        everyone = [plan.winner] + losers
        for a, b, c in itertools.combinations(sorted(everyone), 3):
            self.bid_triples[(a, b, c)] = self.bid_triples.get((a, b, c), 0) + 1
        prices = [value]
        for _ in losers:
            while True:
                p = int(round(value * rng.uniform(1.025, 1.22) / 1000)) * 1000
                if p > value + value // 100 and p not in prices:
                    prices.append(p)
                    break
        statuses = ["valid"] + ["valid"] * len(losers)
        if len(losers) >= 2 and plan.bidders is None:  # the second valid bid stays valid
            for i in range(2, len(statuses)):
                statuses[i] = rng.choices(("valid", "disqualified", "withdrawn"), (80, 15, 5))[0]
        for vid, price, status in zip(everyone, prices, statuses):
            sub_day = add_days(pub_day, rng.randint(2, max(2, period - 1)))
            sub = at_time(sub_day, rng.randint(8, 16), rng.choice((0, 15, 30, 45))) \
                if rng.random() < 0.4 else sub_day
            self.add("bids", tender_id=tid, vendor_id=vid, price_vnd=price, submitted_on=sub,
                     status=status)
        if not plan.awarded:
            return t, None
        self.register_winner(plan.winner)
        signed = add_days(awarded_on, rng.randint(1, 7))
        end = plan.contract_end or date(year_start(plan.school_year) + 1, 5, 31)
        c = self.add_contract(rng, plan.winner, signed, plan.lines, tender_id=tid,
                              end_on=max(end, add_days(signed, 30)))
        return t, c

    def add_contract(self, rng, vendor_id: str, signed_on: date, lines: list[Line], *,
                     tender_id: str | None = None, entity_id: str | None = None,
                     end_on: date | None = None) -> dict:
        n = self.next_id(f"contract-{signed_on.year}")
        cid = f"HD{signed_on.year}-{n:06d}"
        c = self.add("contracts", contract_id=cid, tender_id=tender_id, vendor_id=vendor_id,
                     procuring_entity_id=entity_id, signed_on=signed_on,
                     value_vnd=sum(ln.amount for ln in lines),
                     start_on=add_days(signed_on, rng.randint(0, 5)),
                     end_on=end_on or date(signed_on.year + (1 if signed_on.month >= 8 else 0), 5, 31))
        self.contracts[cid] = c
        for i, ln in enumerate(lines, 1):
            self.add("contract_lines", contract_id=cid, line_no=i, school_id=ln.school_id,
                     item=ln.item, service=ln.service, quantity=ln.quantity, unit=ln.unit,
                     unit_price_vnd=ln.unit_price)
            if ln.deployment is not None:
                ln.deployment["contract_id"] = cid
                ln.deployment["budget_cost_vnd"] = ln.amount
            if ln.link is not None:
                ln.link["contract_id"] = cid
        return c

    # ----------------------------------------------------------------------------- deployments
    def add_deployment(self, school_id: str, school_year: str, service: str, vendor_id: str, *,
                       status: str, product: str | None, started_on: date | None = None,
                       ended_on: date | None = None, **extra) -> dict:
        row = self.add("deployments", school_id=school_id, school_year=school_year,
                       service=service, product=product, vendor_id=vendor_id, status=status,
                       started_on=started_on, ended_on=ended_on, **extra)
        self.deployments_of.setdefault((school_id, school_year), []).append(row)
        return row

    def pilot_start(self, rng, school_year: str) -> date:
        y = year_start(school_year)
        return rand_date(rng, date(y, 8, 15), date(y, 9, 10))

"""The supplier graph: who serves which schools, who owns whom, who decided what.

The graph is **declared as data** (:data:`NODE_TYPES`, :data:`EDGE_TYPES`): each node type names
the table its nodes come from and the columns copied onto them; each edge type names its label
in Vietnamese and English, its direction (source → target node type), the table whose rows are
its edges, the two key columns and what is gathered from the rows behind one edge.  One function,
:func:`build_graph`, reads the store and builds a :class:`networkx.MultiDiGraph` from that
declaration, for a province, a school year, a service or the whole country.  The edge key is the
edge type, so two nodes have at most one edge of each type and every edge carries the number of
rows behind it (``count``) and the values gathered from them.

Node ids are ``<type>:<key>`` (``vendor:0101234567``, ``school:TR5200001``).  A *person* is one
node for every record that :func:`audit.entities.match_people` says is the same person —
officials, declared relatives and vendor people alike — so that an official's declared relative
who owns the winning vendor is one node between the official and the vendor.  Its id is
``person:<kind>:<record id>`` of its first record (an official before a relative before a vendor
person); ``G.graph["official_person"]`` maps each official id to its person node.

The views that a picture needs (the province supplier map, the network k hops around one
vendor, official or school, and the path behind each conflict-of-interest finding) are pure
functions here too; :mod:`audit.present.network` lays them out and draws them.

Nothing here is presentation: personal values stay on the nodes (``name``) and the renderer
masks them (:class:`audit.privacy.Masker`).
"""
from __future__ import annotations

import gc
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from . import findings as _findings  # noqa: F401  (registers the audit tables on the store's metadata)
from .entities import (CONTACTS, _UnionFind, fold_text, match_people, normalised_where,
                       person_keys, vendor_groups)

# --- the declaration -------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeType:
    """One kind of node: the table its nodes come from, its key column and the columns copied
    onto each node as attributes."""
    name: str
    label_vi: str
    label_en: str
    table: str
    key: str
    columns: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class EdgeType:
    """One kind of edge: ``source`` → ``target`` (node types), one edge per distinct
    (source key, target key) of the rows of ``table`` that pass ``where``.

    On the edge: ``count`` (rows behind it), each ``collect`` column as the sorted tuple of its
    distinct values, each ``sums`` column summed, and ``records``: the distinct tuples of the
    ``records`` columns (so that a service stays paired with its school year)."""
    name: str
    source: str
    target: str
    label_vi: str
    label_en: str
    table: str
    source_key: str
    target_key: str
    collect: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    where: tuple[str, tuple[str, ...]] | None = None
    doc: str = ""


NODE_TYPES: dict[str, NodeType] = {n.name: n for n in [
    NodeType("school", "Trường học", "School", "schools", "school_id",
             ("name", "level", "province_code", "commune_code", "students", "in_pilot")),
    NodeType("authority", "Cơ quan", "Authority", "authorities", "authority_id",
             ("name", "kind", "province_code", "commune_code", "school_id")),
    NodeType("vendor", "Nhà cung cấp", "Vendor", "vendors", "vendor_id",
             ("name", "province_code", "status", "parent_vendor_id", "group_id")),
    NodeType("vendor_group", "Nhóm nhà cung cấp", "Vendor group", "vendor_groups", "group_id",
             ("name", "members"), doc="flags.md 'Vendor groups' (audit.entities.vendor_groups); "
                                     "named after its smallest vendor id"),
    NodeType("person", "Cá nhân", "Person", "people", "person_id",
             ("kind", "record_id", "name", "role", "records"),
             doc="officials, declared relatives and vendor people, merged where they match"),
    NodeType("tender", "Gói thầu", "Tender", "tenders", "tender_id",
             ("title", "category", "method", "estimated_value_vnd", "school_year",
              "procuring_entity_id", "province_code")),
    NodeType("directive", "Văn bản chỉ đạo", "Directive", "directives", "directive_id",
             ("title", "issuer_id", "issued_on")),
]}

OWNER_ROLES = ("owner", "shareholder", "founding_member")
DIRECTOR_ROLES = ("director", "chief_accountant")

EDGE_TYPES: dict[str, EdgeType] = {e.name: e for e in [
    EdgeType("serves", "vendor", "school", "phục vụ", "serves", "deployments", "vendor_id",
             "school_id", collect=("service", "school_year", "status"),
             sums=("budget_cost_vnd", "parent_fee_vnd"),
             records=("service", "school_year", "status", "product"),
             doc="a deployment of a service at the school, by school year"),
    EdgeType("buys_from", "authority", "vendor", "mua của", "buys from", "contracts", "entity_id",
             "vendor_id", collect=("contract_id", "tender_id"), sums=("value_vnd",),
             doc="contracts (through tenders or not); the entity is the contract's procuring "
                 "entity, else its tender's"),
    EdgeType("procures", "authority", "tender", "mời thầu", "procures", "tenders",
             "procuring_entity_id", "tender_id", collect=("category", "method"),
             sums=("estimated_value_vnd",)),
    EdgeType("bid", "vendor", "tender", "dự thầu", "bid", "bids", "vendor_id", "tender_id",
             collect=("status",), sums=("price_vnd",)),
    EdgeType("awarded", "tender", "vendor", "trao hợp đồng cho", "awarded to", "contracts",
             "tender_id", "vendor_id", collect=("contract_id",), sums=("value_vnd",)),
    EdgeType("committee", "person", "tender", "trong hội đồng/tổ chuyên gia", "on the committee of",
             "committee", "person_id", "tender_id", collect=("role",)),
    EdgeType("owns", "person", "vendor", "sở hữu", "owns", "vendor_person_records", "person_id",
             "vendor_id", collect=("role", "share_pct"), where=("role", OWNER_ROLES)),
    EdgeType("represents", "person", "vendor", "đại diện theo pháp luật", "represents",
             "vendor_person_records", "person_id", "vendor_id", collect=("role",),
             where=("role", ("legal_representative",))),
    EdgeType("directs", "person", "vendor", "điều hành", "directs", "vendor_person_records",
             "person_id", "vendor_id", collect=("role",), where=("role", DIRECTOR_ROLES)),
    EdgeType("employed_by", "person", "vendor", "làm việc cho", "works for", "vendor_person_records",
             "person_id", "vendor_id", collect=("role",), where=("role", ("employee",))),
    EdgeType("relative_of", "person", "person", "người thân của", "relative of", "relative_records",
             "person_id", "official_person_id", collect=("relation",),
             doc="a declared relative → the official who declared them"),
    EdgeType("works_at", "person", "authority", "công tác tại", "works at", "official_records",
             "person_id", "authority_id", collect=("position",)),
    EdgeType("issued", "authority", "directive", "ban hành", "issued", "directives", "issuer_id",
             "directive_id"),
    EdgeType("names", "directive", "vendor", "nêu tên", "names", "directive_names", "directive_id",
             "vendor_id", collect=("finding_id",),
             doc="a DEP-DIRECTIVE finding: the directive directs the use of the vendor"),
    EdgeType("member_of", "vendor", "vendor_group", "thuộc nhóm", "member of", "vendor_members",
             "vendor_id", "group_id"),
    EdgeType("branch_of", "vendor", "vendor", "chi nhánh/công ty con của", "branch or subsidiary of",
             "vendor_parents", "vendor_id", "parent_vendor_id"),
    EdgeType("runs", "authority", "school", "là đơn vị của", "is the unit of", "school_authorities",
             "authority_id", "school_id", doc="an authority of kind school and its school"),
]}

# Person records: kind → (contract table, record id column, role column).  Their order decides
# which record names a merged person (an official first).
PERSON_KINDS = {"official": ("officials", "official_id", "position"),
                "relative": ("declared_relatives", "row_key", "relation"),
                "vendor_person": ("vendor_people", "row_key", "role")}

SEVERITY_RANK = {None: 0, "low": 1, "medium": 2, "high": 3}
ACTIVE = ("pilot", "live")

# Columns read from the store (only what the graph needs; raw DB-API reads are ~4× faster than
# typed SQLAlchemy rows, which matters at national scale).
_COLUMNS = {
    "schools": ("school_id", "name", "level", "province_code", "commune_code", "students",
                "in_pilot"),
    "authorities": ("authority_id", "name", "kind", "province_code", "commune_code", "school_id"),
    "vendors": ("vendor_id", "name", "province_code", "status", "parent_vendor_id", "phone",
                "email", "address"),
    "vendor_people": ("row_key", "vendor_id", "full_name", "role", "share_pct", "birth_date",
                      "national_id", "phone", "email", "address"),
    "officials": ("official_id", "full_name", "authority_id", "position", "birth_date",
                  "national_id", "phone", "email", "address", "since", "until"),
    "declared_relatives": ("row_key", "official_id", "full_name", "relation", "birth_date",
                           "national_id", "phone", "address"),
    "tenders": ("tender_id", "procuring_entity_id", "title", "category", "method",
                "estimated_value_vnd", "published_on", "school_year"),
    "tender_committee": ("tender_id", "official_id", "role"),
    "bids": ("tender_id", "vendor_id", "price_vnd", "status"),
    "contracts": ("contract_id", "tender_id", "vendor_id", "procuring_entity_id", "signed_on",
                  "value_vnd"),
    "contract_lines": ("contract_id", "service"),
    "deployments": ("school_id", "school_year", "service", "product", "vendor_id", "status",
                    "budget_cost_vnd", "parent_fee_vnd"),
    "directives": ("directive_id", "issuer_id", "issued_on", "title"),
}


# --- reading the store -----------------------------------------------------------------------
def _shared(values: list) -> np.ndarray:
    """``values`` as an object array in which equal texts are one object (hashing in C)."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, uniques = pd.factorize(arr)
    out = np.empty(len(values), dtype=object)
    ok = codes >= 0
    out[ok] = np.asarray(uniques, dtype=object)[codes[ok]]
    out[~ok] = None
    return out


def _read(engine, table: str, columns, where: str = "") -> pd.DataFrame:
    """``table``'s ``columns`` through the raw DB-API cursor (≈ 4× faster than typed
    SQLAlchemy rows), with repeated texts shared: statuses, services, years and ids repeat
    thousands of times, and each row would otherwise hold its own copy."""
    cols = ", ".join(f'"{c}"' for c in columns)
    data: list[list] = [[] for _ in columns]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f'SELECT {cols} FROM "{table}"' + (f" WHERE {where}" if where else ""))
        while True:
            rows = cur.fetchmany(50000)
            if not rows:
                break
            for j, values in enumerate(zip(*rows)):
                data[j].extend(values)
            del rows
        cur.close()
    finally:
        raw.close()
    out = {}
    for c, vals in zip(columns, data):
        sample = next((v for v in vals if v is not None), None)
        # texts stay plain objects: pandas' "str" dtype would copy every value again
        out[c] = pd.Series(_shared(vals), dtype=object) if isinstance(sample, str) else pd.Series(vals)
    df = pd.DataFrame(out)
    for c in columns:  # an empty table: its columns are text
        if not len(df):
            df[c] = df[c].astype("str")
    return df


def _province_where(province: str) -> dict[str, str]:
    """SQL conditions that keep a province's rows (and the Ministry's): its schools and their
    deployments, its authorities, their tenders, contracts, officials and those officials'
    relatives.  Vendors and their people are read whole (vendor groups span provinces)."""
    if not re.fullmatch(r"\d{2}", province or ""):
        raise ValueError(f"province code {province!r}")
    auth = (f"SELECT authority_id FROM authorities WHERE province_code = '{province}' "
            f"OR kind = 'ministry'")
    tenders = f"SELECT tender_id FROM tenders WHERE procuring_entity_id IN ({auth})"
    contracts = (f"SELECT contract_id FROM contracts WHERE procuring_entity_id IN ({auth}) "
                 f"OR tender_id IN ({tenders})")
    officials = f"SELECT official_id FROM officials WHERE authority_id IN ({auth})"
    return {
        "schools": f"province_code = '{province}'",
        "authorities": f"authority_id IN ({auth})",
        "officials": f"authority_id IN ({auth})",
        "declared_relatives": f"official_id IN ({officials})",
        "tenders": f"tender_id IN ({tenders})",
        "tender_committee": f"tender_id IN ({tenders})",
        "bids": f"tender_id IN ({tenders})",
        "contracts": f"contract_id IN ({contracts})",
        "contract_lines": f"contract_id IN ({contracts})",
        "deployments": f"school_id IN (SELECT school_id FROM schools WHERE province_code = '{province}')",
        "directives": f"issuer_id IN ({auth})",
    }


def load_sources(engine, *, province: str | None = None, lines: bool = True
                 ) -> dict[str, pd.DataFrame]:
    """The contract columns the graph needs, read as they are stored (dates as text).

    ``province``: only that province's rows (and the Ministry's), filtered in SQL — a province
    map need not read the country.  ``lines=False`` skips the contract lines (read only to know
    a contract's services, which matters when a service is chosen)."""
    where = _province_where(province) if province else {}
    return {name: (_read(engine, name, cols, where.get(name, ""))
                   if lines or name != "contract_lines" else
                   pd.DataFrame({c: pd.Series([], dtype=object) for c in cols}))
            for name, cols in _COLUMNS.items()}


def _day_text(s: pd.Series) -> pd.Series:
    """Dates (text, date or datetime) as ``YYYY-MM-DD`` text; missing stays missing."""
    return pd.to_datetime(s.astype("str").str.slice(0, 10), errors="coerce").dt.strftime("%Y-%m-%d")


def school_year_of_days(days: pd.Series) -> pd.Series:
    """The school year (starting 1 August) of ``YYYY-MM-DD…`` texts; missing stays missing."""
    d = pd.to_datetime(days.astype("str").str.slice(0, 10), errors="coerce")
    start = (d.dt.year - (d.dt.month < 8)).astype("Int64")
    out = start.astype("string") + "-" + (start + 1).astype("string")
    return out.astype("object").where(out.notna(), None)


# --- stored findings ---------------------------------------------------------------------------
def latest_findings(engine, *, compute: bool = True) -> list:
    """The findings of the latest stored audit run; without one, computed in memory
    (``compute``) or none."""
    from sqlalchemy import inspect, select

    from . import findings as F
    if inspect(engine).has_table(F.audit_runs.name):   # an engine made before audit.findings was imported
        with engine.connect() as conn:
            row = conn.execute(select(F.audit_runs.c.run_id).order_by(
                F.audit_runs.c.created_at.desc(), F.audit_runs.c.run_id.desc()).limit(1)).first()
            if row is not None:
                return F.load_run_findings(conn, row[0])
    if not compute:
        return []
    from .engine import run_audit
    return run_audit(engine=engine, store_run=False).all_findings


# --- derived tables --------------------------------------------------------------------------
def _person_records(src: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every person record (officials, declared relatives, vendor people) with ``rid``
    (``<kind>:<record id>``, ordered so that an official sorts first), its kind, record id,
    role and the matching columns."""
    parts = []
    for order, (kind, (table, id_col, role_col)) in enumerate(PERSON_KINDS.items()):
        df = src[table]
        part = pd.DataFrame({
            "rid": pd.Series([f"{order}{kind}:{x}" for x in _values(df, id_col)], dtype=object),
            "kind": kind, "record_id": df[id_col].values, "full_name": df["full_name"].values,
            "role": df[role_col].values, "birth_date": df["birth_date"].values,
            "national_id": df["national_id"].values})
        for c in CONTACTS:
            part[c] = df[c].values if c in df else None
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    return out


def merge_people(records: pd.DataFrame) -> pd.Series:
    """``rid`` → the ``rid`` of the first record of the same person (audit.entities rules:
    national id, else name + birth date + one contact).  Contacts are normalised only for the
    records whose birth date and folded name equal another record's (the only ones compared)."""
    if records.empty:
        return pd.Series(dtype="object")
    df = records.copy()
    df["birth_date"] = _day_text(df["birth_date"])
    base = person_keys(df, contacts=pd.Series(False, index=df.index))
    pair = base["birth"].astype("str") + "\x1f" + base["name"].astype("str")
    ok = base["birth"].notna() & base["name"].notna()
    mask = (ok & pair.duplicated(keep=False)).to_numpy(dtype=bool)
    for c in CONTACTS:
        base[c] = normalised_where(df[c], c, mask)
    pairs = match_people(base, base)
    uf = _UnionFind()
    rid = df["rid"].to_numpy(dtype=object)
    for a, b in zip(pairs["left"].to_numpy(), pairs["right"].to_numpy()):
        if a != b:
            uf.union(rid[a], rid[b])
    return pd.Series([uf.find(r) for r in rid], index=df["rid"].values, dtype="object")


def derive(src: dict[str, pd.DataFrame], findings: list) -> dict[str, pd.DataFrame]:
    """The tables the declaration reads that the store does not hold as such: merged people,
    vendor groups, contracts with their entity, directive names, …"""
    out = dict(src)
    # vendor groups (flags.md) — the same function the flags use.
    vendors = src["vendors"]
    vp = src["vendor_people"].copy()
    vp["birth_date"] = pd.to_datetime(_day_text(vp["birth_date"]), errors="coerce")
    groups = vendor_groups(vendors, vp)
    vendors = vendors.copy()
    vendors["group_id"] = [groups.group(v) for v in _values(vendors, "vendor_id")]
    out["vendors"] = vendors
    out["vendor_members"] = vendors[["vendor_id", "group_id"]]
    members: dict = defaultdict(list)
    for v, g in zip(_values(vendors, "vendor_id"), _values(vendors, "group_id")):
        members[g].append(v)
    vname = dict(zip(_values(vendors, "vendor_id"), _values(vendors, "name")))
    gids = sorted(members)
    out["vendor_groups"] = pd.DataFrame({
        "group_id": gids, "members": [tuple(sorted(members[g])) for g in gids],
        "name": [vname.get(g) for g in gids]})   # a group is named after its smallest vendor id
    out["vendor_parents"] = vendors.loc[vendors["parent_vendor_id"].notna()
                                        & vendors["parent_vendor_id"].isin(set(vendors["vendor_id"])),
                                        ["vendor_id", "parent_vendor_id"]]
    # people, merged
    records = _person_records(src)
    first = merge_people(records).to_dict()
    records["person_id"] = [first.get(r, r)[1:] for r in _values(records, "rid")]
    records["rid"] = [r[1:] for r in _values(records, "rid")]
    heads = records[records["rid"] == records["person_id"]]
    kinds: dict = defaultdict(list)
    for p, k, r, role in zip(_values(records, "person_id"), _values(records, "kind"),
                             _values(records, "record_id"), _values(records, "role")):
        kinds[p].append((k, r, _clean(role)))
    out["people"] = pd.DataFrame({
        "person_id": heads["person_id"].values, "kind": heads["kind"].values,
        "record_id": heads["record_id"].values, "name": heads["full_name"].values,
        "role": heads["role"].values,
        "records": [tuple(kinds[p]) for p in _values(heads, "person_id")]})
    person_of = {(k, r): p for k, r, p in zip(_values(records, "kind"), _values(records, "record_id"),
                                              _values(records, "person_id"))}
    o = src["officials"][["official_id", "full_name", "authority_id", "position", "since",
                          "until"]].copy()
    o["person_id"] = [person_of[("official", x)] for x in _values(o, "official_id")]
    out["official_records"] = o
    official_person = dict(zip(_values(o, "official_id"), _values(o, "person_id")))
    r = src["declared_relatives"][["row_key", "official_id", "full_name", "relation"]].copy()
    r["person_id"] = [person_of[("relative", x)] for x in _values(r, "row_key")]
    r["official_person_id"] = r["official_id"].map(official_person)
    out["relative_records"] = r
    v = src["vendor_people"][["row_key", "vendor_id", "full_name", "role", "share_pct"]].copy()
    v["person_id"] = [person_of[("vendor_person", x)] for x in _values(v, "row_key")]
    out["vendor_person_records"] = v
    del records
    for table in ("officials", "declared_relatives", "vendor_people"):  # personal contacts: not kept
        out.pop(table)
    c = src["tender_committee"].copy()
    c["person_id"] = c["official_id"].map(official_person)
    out["committee"] = c
    # tenders: their school year (else that of published_on) and province
    t = src["tenders"].copy()
    auth_pc = dict(zip(_values(src["authorities"], "authority_id"), _values(src["authorities"], "province_code")))
    t["school_year"] = t["school_year"].where(t["school_year"].notna(),
                                              school_year_of_days(t["published_on"]))
    t["province_code"] = t["procuring_entity_id"].map(auth_pc)
    out["tenders"] = t
    # contracts: the buying entity, school year and services
    k = src["contracts"].copy()
    tender_pe = dict(zip(_values(t, "tender_id"), _values(t, "procuring_entity_id")))
    tender_year = dict(zip(_values(t, "tender_id"), _values(t, "school_year")))
    tender_cat = dict(zip(_values(t, "tender_id"), _values(t, "category")))
    k["entity_id"] = k["procuring_entity_id"].where(k["procuring_entity_id"].notna(),
                                                    k["tender_id"].map(tender_pe))
    k["school_year"] = k["tender_id"].map(tender_year)
    k["school_year"] = k["school_year"].where(k["school_year"].notna(),
                                              school_year_of_days(k["signed_on"]))
    services: dict = {}
    for cid, svc in zip(_values(src["contract_lines"], "contract_id"), _values(src["contract_lines"], "service")):
        if isinstance(cid, str) and isinstance(svc, str):
            services.setdefault(cid, set()).add(svc)
    k["services"] = [
        (services.get(cid, frozenset()) | ({tender_cat[tid]} if tid in tender_cat else set()))
        for cid, tid in zip(_values(k, "contract_id"), _values(k, "tender_id"))]
    out["contracts"] = k
    d = src["directives"].copy()
    d["school_year"] = school_year_of_days(d["issued_on"])
    out["directives"] = d
    # what DEP-DIRECTIVE found: directive → named vendor
    names = [(f.subject_id, v, f.finding_id) for f in findings if f.code == "DEP-DIRECTIVE"
             for v in (f.parties or {}).get("vendor", [])]
    out["directive_names"] = pd.DataFrame(names, columns=["directive_id", "vendor_id", "finding_id"])
    a = src["authorities"]
    out["school_authorities"] = a.loc[a["kind"].eq("school") & a["school_id"].notna(),
                                      ["authority_id", "school_id"]]
    return out


# --- scope ---------------------------------------------------------------------------------------
def _scope(d: dict[str, pd.DataFrame], province, school_year, service) -> dict[str, pd.DataFrame]:
    """The rows of a province / school year / service (None: all).  A province takes its
    schools and authorities (and the Ministry's directives), their tenders, contracts,
    officials, their relatives; vendors are those the kept rows name, with their declared
    parents, and their people."""
    if not (province or school_year or service):
        return d
    s = dict(d)
    schools = d["schools"]
    auth = d["authorities"]
    if province:
        schools = schools[schools["province_code"] == province]
        auth = auth[(auth["province_code"] == province) | (auth["kind"] == "ministry")]
    auth_ids = set(auth["authority_id"])
    ministry = set(auth.loc[auth["kind"] == "ministry", "authority_id"])
    dep = d["deployments"]
    dep = dep[dep["school_id"].isin(set(schools["school_id"]))]
    t = d["tenders"]
    # The Ministry's own tenders are national: a province map leaves them out.
    t = t[t["procuring_entity_id"].isin(auth_ids - ministry if province else auth_ids)]
    k = d["contracts"]
    k = k[k["entity_id"].isin(auth_ids - ministry if province else auth_ids)]
    dirs = d["directives"]
    dirs = dirs[dirs["issuer_id"].isin(auth_ids)]
    if school_year:
        dep = dep[dep["school_year"] == school_year]
        t = t[t["school_year"] == school_year]
        k = k[k["school_year"] == school_year]
        dirs = dirs[dirs["school_year"] == school_year]
    if service:
        dep = dep[dep["service"] == service]
        t = t[t["category"] == service]
        k = k[[service in x for x in k["services"]]]
    tender_ids = set(t["tender_id"])
    k = k[k["tender_id"].isna() | k["tender_id"].isin(tender_ids)]
    bids = d["bids"][d["bids"]["tender_id"].isin(tender_ids)]
    names = d["directive_names"][d["directive_names"]["directive_id"].isin(set(dirs["directive_id"]))]
    vendor_ids = set(dep["vendor_id"]) | set(bids["vendor_id"]) | set(k["vendor_id"]) \
        | set(names["vendor_id"])
    parent = dict(zip(_values(d["vendors"], "vendor_id"), _values(d["vendors"], "parent_vendor_id")))
    for v in list(vendor_ids):
        seen = set()
        while isinstance(parent.get(v), str) and v not in seen:
            seen.add(v)
            v = parent[v]
            vendor_ids.add(v)
    vendors = d["vendors"][d["vendors"]["vendor_id"].isin(vendor_ids)]
    officials = d["official_records"][d["official_records"]["authority_id"].isin(auth_ids)]
    official_ids = set(officials["official_id"])
    rel = d["relative_records"][d["relative_records"]["official_id"].isin(official_ids)]
    vpr = d["vendor_person_records"][d["vendor_person_records"]["vendor_id"].isin(vendor_ids)]
    people_ids = set(officials["person_id"]) | set(rel["person_id"]) | set(vpr["person_id"])
    s.update(
        schools=schools, authorities=auth, deployments=dep, tenders=t, contracts=k, bids=bids,
        directives=dirs, directive_names=names, vendors=vendors,
        vendor_members=d["vendor_members"][d["vendor_members"]["vendor_id"].isin(vendor_ids)],
        vendor_parents=d["vendor_parents"][d["vendor_parents"]["vendor_id"].isin(vendor_ids)],
        official_records=officials, relative_records=rel, vendor_person_records=vpr,
        committee=d["committee"][d["committee"]["tender_id"].isin(tender_ids)],
        people=d["people"][d["people"]["person_id"].isin(people_ids)],
        school_authorities=d["school_authorities"][
            d["school_authorities"]["authority_id"].isin(auth_ids)
            & d["school_authorities"]["school_id"].isin(set(schools["school_id"]))],
    )
    groups = set(s["vendor_members"]["group_id"])
    s["vendor_groups"] = d["vendor_groups"][d["vendor_groups"]["group_id"].isin(groups)]
    return s


# --- building --------------------------------------------------------------------------------
def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _values(df: pd.DataFrame, col: str) -> list:
    """A column as plain Python values, None for missing."""
    if col not in df:
        return [None] * len(df)
    s = df[col]
    arr = s.to_numpy(dtype=object, copy=True)
    arr[s.isna().to_numpy()] = None
    return [v.item() if isinstance(v, np.generic) else v for v in arr] \
        if s.dtype.kind in "iub" else arr.tolist()


def _fast_add_nodes(G: nx.MultiDiGraph, nodes) -> None:
    """``G.add_nodes_from`` for a graph being built (≈ 5× faster at 100,000s of nodes): the
    dict-of-dicts that networkx documents as its data structure, filled directly."""
    node, succ, pred = G._node, G._succ, G._pred
    for n, attrs in nodes:
        if n in node:
            node[n].update(attrs)
            continue
        node[n] = attrs
        succ[n] = G.adjlist_inner_dict_factory()
        pred[n] = G.adjlist_inner_dict_factory()
    getattr(G, "__networkx_cache__", {}).clear()


def _fast_add_edges(G: nx.MultiDiGraph, edges) -> None:
    """``G.add_edges_from((u, v, key, data), …)`` for nodes already in G, filled directly."""
    succ, pred = G._succ, G._pred
    for u, v, k, d in edges:
        kd = succ[u].get(v)
        if kd is None:
            kd = G.edge_key_dict_factory()
            succ[u][v] = kd
            pred[v][u] = kd
        kd[k] = d
    getattr(G, "__networkx_cache__", {}).clear()


def _add_nodes(G: nx.MultiDiGraph, nt: NodeType, df: pd.DataFrame) -> None:
    df = df[df[nt.key].notna()].drop_duplicates(nt.key)
    keys = df[nt.key].to_numpy(dtype=object)
    cols = [(c, _values(df, c)) for c in nt.columns]
    names = [c for c, _ in cols]
    prefix = nt.name + ":"
    _fast_add_nodes(G, (
        (prefix + k, dict(zip(["type", "key"] + names, (nt.name, k) + vals)))
        for k, vals in zip(keys, zip(*[v for _, v in cols]) if cols else [()] * len(keys))))


def _distinct_per_group(codes: np.ndarray, values: list, n: int, key=str) -> list:
    """For each group code 0..n-1, the sorted tuple of the distinct non-None values."""
    df = pd.DataFrame({"c": codes, "v": pd.Series(values, dtype="object")})
    df = df[df["v"].notna()].drop_duplicates()
    out: list = [()] * n
    dup = df["c"].duplicated(keep=False).to_numpy()
    ones: dict = {}   # one tuple object per value: ("approver",) is shared by 10,000s of edges
    for c, v in zip(df["c"].to_numpy()[~dup].tolist(), df["v"].to_numpy()[~dup].tolist()):
        t = ones.get(v)
        if t is None:
            t = ones[v] = (v,)
        out[c] = t
    if dup.any():
        groups: dict = {}
        for c, v in zip(df["c"].to_numpy()[dup].tolist(), df["v"].to_numpy()[dup].tolist()):
            groups.setdefault(c, []).append(v)
        for c, vs in groups.items():
            out[c] = tuple(sorted(vs, key=key))
    return out


def _pair_codes(a: pd.Series, b: pd.Series):
    """Codes of the distinct (a, b) pairs, and for each code its a and b values."""
    ca, ua = pd.factorize(a.to_numpy(dtype=object))
    cb, ub = pd.factorize(b.to_numpy(dtype=object))
    pair = ca.astype(np.int64) * max(1, len(ub)) + cb
    codes, upairs = pd.factorize(pair)
    return codes, ua[upairs // max(1, len(ub))], ub[upairs % max(1, len(ub))]


def _add_edges(G: nx.MultiDiGraph, et: EdgeType, df: pd.DataFrame) -> None:
    if df.empty:
        return
    if et.where:
        col, vals = et.where
        df = df[df[col].isin(vals)]
    df = df[df[et.source_key].notna() & df[et.target_key].notna()]
    if df.empty:
        return
    sp, tp = et.source + ":", et.target + ":"
    # one code per distinct (source, target), then one vectorised pass per gathered column
    codes, us, ut = _pair_codes(df[et.source_key].astype("str"), df[et.target_key].astype("str"))
    n = len(us)
    count = np.bincount(codes, minlength=n).tolist()
    sums = [(c, np.bincount(codes, weights=pd.to_numeric(df[c], errors="coerce").fillna(0)
                                .to_numpy(dtype=float), minlength=n).tolist()) for c in et.sums]
    collect = [(c, _distinct_per_group(codes, _values(df, c), n)) for c in et.collect]
    records = None
    if et.records:   # tuples of texts ("" for a missing value) sort as they are
        recs = list(zip(*[["" if v is None else v for v in _values(df, c)] for c in et.records]))
        records = _distinct_per_group(codes, recs, n, key=None)
    src = [sp + x for x in us.tolist()]
    tgt = [tp + x for x in ut.tolist()]
    nodes = G._node
    missing = [x for x in dict.fromkeys(src + tgt) if x not in nodes]
    name = et.name
    edges = []
    for i in range(n):
        data = {"type": name, "count": count[i]}
        for c, vals in collect:
            data[c] = vals[i]
        for c, vals in sums:
            x = vals[i]
            data[c] = int(x) if x.is_integer() else x
        if records is not None:
            data["records"] = records[i]
        edges.append((src[i], tgt[i], name, data))
    # an edge that names a node its table did not keep (an unknown reference) adds it bare
    _fast_add_nodes(G, ((x, {"type": x.split(":", 1)[0], "key": x.split(":", 1)[1], "name": None})
                        for x in missing))
    _fast_add_edges(G, edges)


def build_graph(db: str | None = None, *, engine=None, province: str | None = None,
                school_year: str | None = None, service: str | None = None,
                findings: list | None = None, sources: dict | None = None) -> nx.MultiDiGraph:
    """The supplier graph of the store for a province, a school year, a service (None: all).

    ``findings``: the findings whose parties get ``risk`` on their nodes and whose
    DEP-DIRECTIVE results give the ``names`` edges; None reads the latest stored audit run (or
    computes one in memory when none is stored).  ``sources``: tables already read by
    :func:`load_sources` (a test or a notebook reuses them)."""
    from procurement import store
    eng = engine
    if eng is None and (sources is None or findings is None):
        eng = store.get_engine(db)
    if findings is None:
        findings = latest_findings(eng)
    if sources is None:
        sources = load_sources(eng, province=province, lines=service is not None)
    derived = derive(sources, findings)
    sources = None
    # Building allocates ~10^6 small dicts: the cyclic collector would rescan them all many
    # times over (≈ 30 % of the time at national scale); nothing here makes cycles.
    gc_was = gc.isenabled()
    gc.disable()
    try:
        d = _scope(derived, province, school_year, service)
        del derived
        G = nx.MultiDiGraph(province=province, school_year=school_year, service=service)
        for nt in NODE_TYPES.values():
            _add_nodes(G, nt, d[nt.table])
        for et in EDGE_TYPES.values():
            _add_edges(G, et, d[et.table])
    finally:
        if gc_was:
            gc.enable()
    G.graph["official_person"] = {o: "person:" + p for o, p in
                                  zip(_values(d["official_records"], "official_id"),
                                      _values(d["official_records"], "person_id"))}
    G.graph["record_person"] = _record_index(d)
    communes = d["schools"][["commune_code"]].dropna().drop_duplicates()
    G.graph["communes"] = sorted(communes["commune_code"])
    attach_findings(G, findings)
    return G


def _fold_ref(table: str, key: str) -> str:
    """An evidence reference's key as the store's row key writes it (the name part folded)."""
    if table in ("declared_relatives", "vendor_people"):
        parts = key.split("/")
        if len(parts) >= 4:
            parts[2] = fold_text(parts[2])
            return "/".join(parts)
    return key


def _record_index(d) -> dict[str, str]:
    """Evidence reference (``officials:CB1``, ``declared_relatives:<row key>``, …) → person node."""
    out = {}
    for table, frame, col in (("officials", "official_records", "official_id"),
                              ("declared_relatives", "relative_records", "row_key"),
                              ("vendor_people", "vendor_person_records", "row_key")):
        f = d[frame]
        for k, p in zip(_values(f, col), _values(f, "person_id")):
            out[f"{table}:{k}"] = "person:" + p
    return out


def evidence_node(G: nx.MultiDiGraph, ref: str) -> str | None:
    """The node an evidence reference points to, if the graph has it."""
    table, _, key = ref.partition(":")
    if table in ("officials", "declared_relatives", "vendor_people"):
        return G.graph.get("record_person", {}).get(f"{table}:{_fold_ref(table, key)}")
    node = {"vendors": "vendor", "tenders": "tender", "schools": "school",
            "authorities": "authority", "directives": "directive"}.get(table)
    if node and f"{node}:{key}" in G:
        return f"{node}:{key}"
    return None


# --- findings on the graph --------------------------------------------------------------------
def finding_nodes(G: nx.MultiDiGraph, f) -> list[str]:
    """The nodes a finding is about: its parties and its subject, where the graph has them."""
    out = []
    op = G.graph.get("official_person", {})
    for kind, ids in (f.parties or {}).items():
        for i in ids:
            n = op.get(i) if kind == "official" else {
                "vendor": f"vendor:{i}", "procuring_entity": f"authority:{i}",
                "school": f"school:{i}"}.get(kind)
            if n:
                out.append(n)
    st, sid = f.subject_type, f.subject_id
    if st in ("tender", "directive", "school", "vendor", "vendor_group"):
        out.append(f"{st}:{sid.split('+')[0]}")
    elif st == "procuring_entity":
        out.append(f"authority:{sid}")
    elif st == "official":
        out.append(op.get(sid.split("+")[0], ""))
    return [n for n in dict.fromkeys(out) if n in G]


def attach_findings(G: nx.MultiDiGraph, findings: list) -> None:
    """Each node a finding is about gets it in ``findings`` (id, code, severity, score), its
    highest ``score`` in ``risk`` and highest ``severity``; ``G.graph["findings"]`` keeps them."""
    G.graph["findings"] = list(findings or [])
    for f in findings or []:
        for n in finding_nodes(G, f):
            attrs = G.nodes[n]
            attrs.setdefault("findings", []).append((f.finding_id, f.code, f.severity, f.score))
            if f.score > (attrs.get("risk") or 0):
                attrs["risk"] = f.score
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK[attrs.get("severity")]:
                attrs["severity"] = f.severity


def focus_node(G: nx.MultiDiGraph, focus: str) -> str:
    """``vendor:ID`` / ``official:ID`` / ``school:ID`` (also ``tender:``, ``authority:``,
    ``directive:``, ``vendor_group:``) → the node; KeyError when the graph has none."""
    kind, _, key = focus.partition(":")
    if kind == "official":
        node = G.graph.get("official_person", {}).get(key)
    else:
        node = f"{kind}:{key}"
    if not node or node not in G:
        raise KeyError(focus)
    return node


# --- market shares (for the charts) -----------------------------------------------------------
def market_table(G: nx.MultiDiGraph) -> pd.DataFrame:
    """Shares by schools served per (province_code, service, school_year, group), from the
    ``serves`` edges with a pilot/live status — the same markets as the CON flags:
    ``schools``, ``market_schools``, ``share``."""
    rows = []
    for v, s, k, e in G.edges(keys=True, data=True):
        if k != "serves":
            continue
        group = G.nodes[v].get("group_id") or G.nodes[v].get("key")
        pc = G.nodes[s].get("province_code")
        for service, year, status, _ in e.get("records", ()):
            if status in ACTIVE:
                rows.append((pc, service, year, group, s))
    df = pd.DataFrame(rows, columns=["province_code", "service", "school_year", "group", "school"])
    keys = ["province_code", "service", "school_year"]
    if df.empty:
        return pd.DataFrame(columns=keys + ["group", "schools", "market_schools", "share"])
    market = df.groupby(keys)["school"].nunique().rename("market_schools")
    served = df.groupby(keys + ["group"])["school"].nunique().rename("schools").reset_index()
    served = served.merge(market.reset_index(), on=keys)
    served["share"] = served["schools"] / served["market_schools"]
    return served.sort_values(keys + ["schools", "group"], ascending=[True, True, True, False, True],
                              ignore_index=True)


def hhi_table(market: pd.DataFrame) -> pd.DataFrame:
    """HHI (sum of squared shares × 10,000) per (province_code, service, school_year)."""
    keys = ["province_code", "service", "school_year"]
    if market.empty:
        return pd.DataFrame(columns=keys + ["hhi", "groups", "market_schools"])
    m = market.assign(sq=(market["share"] * 100) ** 2)
    out = m.groupby(keys).agg(hhi=("sq", "sum"), groups=("group", "nunique"),
                              market_schools=("market_schools", "first")).reset_index()
    out["hhi"] = out["hhi"].round(0)
    return out


# --- views ---------------------------------------------------------------------------------------
#: At most this many nodes are drawn (about 1,500: a browser draws them at once).
MAX_NODES = 1500
#: At most this many edges are drawn.
MAX_EDGES = 6000

VIEW_TYPES = ("province", "commune", "more", "finding")   # nodes a view adds


@dataclass
class View:
    """What one picture shows: a small graph (node attributes as in the graph plus ``parent``,
    the node it hangs from in the layout, ``count`` for aggregates and ``highlight``), its
    ``layout`` (``radial`` or ``paths``), and what was left out."""
    graph: nx.MultiDiGraph
    kind: str
    layout: str = "radial"
    total_nodes: int = 0              # graph nodes the view stands for
    aggregated_nodes: int = 0         # of those, shown only inside an aggregate node
    dropped_edges: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)   # (vi, en)
    paths: list = field(default_factory=list)                    # CoiPath, for view (c)

    @property
    def capped(self) -> bool:
        return self.aggregated_nodes > 0 or self.dropped_edges > 0


def _group_of(G, v) -> str:
    return "vendor_group:" + (G.nodes[v].get("group_id") or G.nodes[v].get("key") or v.split(":", 1)[1])


def _merge_risk(target: dict, src: dict) -> None:
    if (src.get("risk") or 0) > (target.get("risk") or 0):
        target["risk"] = src["risk"]
    if SEVERITY_RANK[src.get("severity")] > SEVERITY_RANK[target.get("severity")]:
        target["severity"] = src["severity"]
    if src.get("findings"):
        target.setdefault("findings", [])
        have = {x[0] for x in target["findings"]}
        target["findings"] += [x for x in src["findings"] if x[0] not in have]


def supplier_view(G: nx.MultiDiGraph, *, level: str = "auto", max_nodes: int = MAX_NODES,
                  school_limit: int = 300) -> View:
    """View (a), the supplier map: vendor groups and the places they serve.

    ``level``: ``school`` (each school), ``commune`` (schools aggregated into their commune,
    with counts), ``province`` (into their province) or ``auto`` — province for the whole
    country, schools when a province has at most ``school_limit`` of them, else communes.
    Vendor groups buy-from edges come from the province-level and Ministry authorities; the
    authorities of communes and schools are counted into their place.  Directives that name a
    vendor hang from their issuer.  Past ``max_nodes``, the places serving the fewest schools
    are aggregated, per group, into one "other places" node, and the view says so."""
    province = G.graph.get("province")
    n_schools = sum(1 for _, a in G.nodes(data=True) if a.get("type") == "school")
    if level == "auto":
        level = "province" if not province else ("school" if n_schools <= school_limit else "commune")
    V = nx.MultiDiGraph()
    place_of: dict[str, str] = {}

    def place(n) -> str | None:
        if n in place_of:
            return place_of[n]
        a = G.nodes[n]
        if a.get("type") == "school":
            if level == "school":
                p = n
            elif level == "commune":
                p = "commune:" + (a.get("commune_code") or "?")
            else:
                p = "province:" + (a.get("province_code") or "?")
        elif a.get("type") == "authority" and a.get("kind") in ("commune_committee", "school") \
                and level != "province":
            if a.get("kind") == "school" and a.get("school_id") and f"school:{a['school_id']}" in G:
                return place(f"school:{a['school_id']}")
            p = "commune:" + (a.get("commune_code") or "?") if level == "commune" or a.get("kind") == "commune_committee" else None
            if p is None:
                return None
        elif a.get("type") == "authority" and level == "province" and a.get("kind") != "ministry":
            p = "province:" + (a.get("province_code") or "?")
        else:
            p = None
        place_of[n] = p
        return p

    from procurement.geo import communes as _communes, province_name
    commune_names = _communes()

    def ensure_place(p):
        if p in V:
            return
        if p.startswith("school:"):
            V.add_node(p, **dict(G.nodes[p]), ref=p, schools=1)
        elif p.startswith("commune:"):
            code = p.split(":", 1)[1]
            V.add_node(p, type="commune", key=code, name=commune_names.get(code, ("", code))[1],
                       schools=0, school_ids=set())
        else:
            code = p.split(":", 1)[1]
            V.add_node(p, type="province", key=code, name=province_name(code), schools=0,
                       school_ids=set())

    for n, a in G.nodes(data=True):
        if a.get("type") == "school":
            p = place(n)
            ensure_place(p)
            if p != n:
                V.nodes[p]["school_ids"].add(n)
                V.nodes[p]["schools"] = len(V.nodes[p]["school_ids"])
                _merge_risk(V.nodes[p], a)
    # groups and their edges to places
    agg: dict = {}
    for v, s, k, e in G.edges(keys=True, data=True):
        if k == "serves":
            g, p = _group_of(G, v), place(s)
        elif k == "buys_from":
            g, p = _group_of(G, s), place(v)
            if p is None:
                continue
        else:
            continue
        a = agg.setdefault((g, p), {"schools": set(), "services": defaultdict(set),
                                    "value_vnd": 0, "contracts": 0, "vendors": set()})
        if k == "serves":
            a["schools"].add(s)
            a["vendors"].add(v)
            for service, year, status, _ in e.get("records", ()):
                a["services"][service].add(s)
        else:
            a["value_vnd"] += e.get("value_vnd") or 0
            a["contracts"] += e.get("count") or 0
            a["vendors"].add(s)
    groups = {g for g, _ in agg}
    # higher-level buyers (the Department, the Ministry, district offices)
    buyers = set()
    for u, v, k, e in G.edges(keys=True, data=True):
        if k == "buys_from" and place(u) is None:
            buyers.add(u)
            groups.add(_group_of(G, v))
    for g in sorted(groups):
        ga = dict(G.nodes[g]) if g in G else {"type": "vendor_group", "key": g.split(":", 1)[1]}
        ga.update(ref=g, schools=0, school_ids=set(), vendors=set(), value_vnd=0)
        V.add_node(g, **ga)
        for m in (ga.get("members") or ()):
            if f"vendor:{m}" in G:
                _merge_risk(V.nodes[g], G.nodes[f"vendor:{m}"])
    for (g, p), a in agg.items():
        ensure_place(p)
        V.nodes[g]["school_ids"] |= a["schools"]
        V.nodes[g]["schools"] = len(V.nodes[g]["school_ids"])
        V.nodes[g]["vendors"] |= a["vendors"]
        V.nodes[g]["value_vnd"] += a["value_vnd"]
        V.add_edge(g, p, "serves", type="serves_agg", schools=len(a["schools"]),
                   services={s: len(x) for s, x in sorted(a["services"].items())},
                   value_vnd=a["value_vnd"], contracts=a["contracts"],
                   vendors=tuple(sorted(a["vendors"])))
    for b in sorted(buyers):
        V.add_node(b, **dict(G.nodes[b]), ref=b)
        per: dict = {}
        for _, v, k, e in G.out_edges(b, keys=True, data=True):
            if k == "buys_from":
                x = per.setdefault(_group_of(G, v), [0, 0, set()])
                x[0] += e.get("value_vnd") or 0
                x[1] += e.get("count") or 0
                x[2].add(v)
        for g, (value, n, vs) in sorted(per.items()):
            V.add_edge(b, g, "buys_from", type="buys_from", value_vnd=value, count=n,
                       vendors=tuple(sorted(vs)))
    # directives that name a vendor, under their issuer
    for d, a in G.nodes(data=True):
        if a.get("type") != "directive":
            continue
        named = [v for _, v, k in G.out_edges(d, keys=True) if k == "names"]
        if not named:
            continue
        V.add_node(d, **dict(a), ref=d)
        for u, _, k in G.in_edges(d, keys=True):
            if k == "issued":
                if u not in V:
                    V.add_node(u, **dict(G.nodes[u]), ref=u)
                V.add_edge(u, d, "issued", type="issued")
                V.nodes[d]["parent"] = u
        for v in named:
            g = _group_of(G, v)
            if g not in V:
                V.add_node(g, **dict(G.nodes.get(g, {"type": "vendor_group"})), ref=g, schools=0)
            V.add_edge(d, g, "names", type="names", vendors=(v,))
    for n in V:
        for k in ("school_ids",):
            V.nodes[n].pop(k, None)
        if isinstance(V.nodes[n].get("vendors"), set):
            V.nodes[n]["vendors"] = tuple(sorted(V.nodes[n]["vendors"]))
    # layout parents: a place hangs from the group that serves most of its schools
    best: dict = {}
    for g, p, e in V.edges(data=True):
        if e.get("type") == "serves_agg":
            key = (e["schools"], e["value_vnd"], g)
            if p not in best or key > best[p][0]:
                best[p] = (key, g)
    for p, (_, g) in best.items():
        V.nodes[p]["parent"] = g
    view = View(V, "supplier", total_nodes=G.number_of_nodes())
    view.level = level
    n_places = sum(1 for _, a in V.nodes(data=True) if a.get("type") in _PLACES)
    _cap_places(view, max_nodes)
    vi = lambda n: f"{n:,}".replace(",", ".")   # noqa: E731  (1.265 in Vietnamese, 1,265 in English)
    if level == "school":
        view.notes.append((f"{vi(len(groups))} nhóm nhà cung cấp và {vi(n_schools)} trường họ phục vụ",
                           f"{len(groups):,} vendor groups and the {n_schools:,} schools they serve"))
    else:
        view.notes.append((f"{vi(len(groups))} nhóm nhà cung cấp; {vi(n_schools)} trường, gộp theo "
                           f"{vi(n_places)} {_LEVEL_VI[level]} (số trong ngoặc là số trường)",
                           f"{len(groups):,} vendor groups; {n_schools:,} schools, aggregated into "
                           f"{n_places:,} {_LEVEL_EN[level]} (the number in brackets counts schools)"))
    return view


_LEVEL_VI = {"school": "trường", "commune": "xã/phường", "province": "tỉnh/thành phố"}
_LEVEL_EN = {"school": "schools", "commune": "communes", "province": "provinces"}


def _merge_edge(V, u, v, k, e) -> None:
    """Add edge (u, v, k) or add its figures to the one already there."""
    if V.has_edge(u, v, k):
        x = V.edges[u, v, k]
        for f in ("schools", "value_vnd", "contracts", "count"):
            if isinstance(e.get(f), (int, float)):
                x[f] = (x.get(f) or 0) + e[f]
        if e.get("services"):
            sv = dict(x.get("services") or {})
            for s_, c in e["services"].items():
                sv[s_] = sv.get(s_, 0) + c
            x["services"] = sv
        if e.get("vendors"):
            x["vendors"] = tuple(sorted(set(x.get("vendors") or ()) | set(e["vendors"])))
    else:
        V.add_edge(u, v, k, **{**e, "services": dict(e.get("services") or {})} if "services" in e else e)


def _merge_into(V, nodes, target: str, attrs: dict) -> None:
    """Replace ``nodes`` of the view by one aggregate node ``target``: their edges move to it
    (figures added up), their risk too."""
    if target not in V:
        V.add_node(target, **attrs)
    drop = set(nodes)
    for n in nodes:
        _merge_risk(V.nodes[target], V.nodes[n])
        V.nodes[target]["schools"] = (V.nodes[target].get("schools") or 0) + (V.nodes[n].get("schools") or 0)
        for u, _, k, e in list(V.in_edges(n, keys=True, data=True)):
            if u not in drop:
                _merge_edge(V, u, target, k, e)
        for _, w, k, e in list(V.out_edges(n, keys=True, data=True)):
            if w not in drop:
                _merge_edge(V, target, w, k, e)
    V.remove_nodes_from(nodes)
    for n, a in V.nodes(data=True):   # layout parents that went into the aggregate
        if a.get("parent") in drop:
            a["parent"] = target


_PLACES = ("school", "commune", "province")


def _cap_places(view: View, max_nodes: int) -> None:
    """At most ``max_nodes`` nodes: the groups serving the fewest schools go into one "other
    groups" node when the groups alone would not leave room, then the places serving the
    fewest schools go, per group they hang from, into "other places" nodes."""
    V = view.graph
    if V.number_of_nodes() <= max_nodes:
        return
    size = lambda n: (-(V.nodes[n].get("schools") or 0), str(n))   # noqa: E731
    places = sorted((n for n, a in V.nodes(data=True) if a.get("type") in _PLACES), key=size)
    groups = sorted((n for n, a in V.nodes(data=True) if a.get("type") == "vendor_group"), key=size)
    fixed = V.number_of_nodes() - len(places) - len(groups)
    # keep at most half of the room for groups when both do not fit
    room = max_nodes - fixed
    keep_groups = len(groups)
    if len(groups) + 2 > room // 2 and len(groups) + len(places) > room:
        keep_groups = max(1, room // 2 - 2)
    if keep_groups < len(groups):
        gone = groups[keep_groups:]
        _merge_into(V, gone, "more:groups", {"type": "more", "member_type": "vendor_group",
                                             "count": len(gone), "schools": 0})
        view.aggregated_nodes += len(gone)
        groups = groups[:keep_groups] + ["more:groups"]
    room = max_nodes - fixed - len(groups)
    keep = room
    while keep > 0:
        parents = {V.nodes[p].get("parent") for p in places[keep:]}
        if keep + len(parents) <= room:
            break
        keep -= keep + len(parents) - room
    keep = max(0, keep)
    by_parent: dict = defaultdict(list)
    for p in places[keep:]:
        by_parent[V.nodes[p].get("parent")].append(p)
    for parent, ps in sorted(by_parent.items(), key=lambda x: str(x[0])):
        _merge_into(V, ps, f"more:{parent}", {"type": "more", "member_type": V.nodes[ps[0]]["type"],
                                              "count": len(ps), "schools": 0, "parent": parent})
        view.aggregated_nodes += len(ps)


def _undirected_neighbours(G, n):
    return list(dict.fromkeys(list(G.successors(n)) + list(G.predecessors(n))))


_TYPE_ORDER = {"vendor_group": 0, "vendor": 1, "authority": 2, "person": 3, "tender": 4,
               "directive": 5, "school": 6}


def neighbourhood(G: nx.MultiDiGraph, focus: str, hops: int = 2, *, max_nodes: int = MAX_NODES,
                  max_edges: int = MAX_EDGES) -> View:
    """View (b): the network ``hops`` steps around one node (either direction), breadth first.

    Every node within ``hops`` is either drawn or counted in an aggregate node, one per step
    and node type ("+ 1,234 trường khác"), so that at most ``max_nodes`` are drawn.  Within a
    step, vendors, authorities and people come before tenders and schools, riskier first; a
    node is drawn only if the node it was reached from is.  Every graph edge between drawn nodes
    is drawn, up to ``max_edges`` (the search tree's own edges first)."""
    root = focus if focus in G else focus_node(G, focus)
    depth = {root: 0}
    parent: dict = {root: None}
    layers = [[root]]
    prio = lambda w: (_TYPE_ORDER.get(G.nodes[w].get("type"), 9), -(G.nodes[w].get("risk") or 0))  # noqa: E731
    for d in range(1, hops + 1):
        layer = []
        for i, u in enumerate(layers[-1]):
            for w in _undirected_neighbours(G, u):
                if w not in depth:
                    depth[w] = d
                    parent[w] = u
                    layer.append((prio(w), i, w))
        layer.sort(key=lambda x: (x[0], x[1], str(x[2])))
        layers.append([w for _, _, w in layer])
    total = len(depth)
    groups = {(depth[n], G.nodes[n].get("type")) for n in depth if n != root}
    budget = total if total <= max_nodes else max(1, max_nodes - len(groups))
    drawn = {root}
    V = nx.MultiDiGraph()
    V.add_node(root, **dict(G.nodes[root]), ref=root, depth=0, focus=True)
    hidden: dict = defaultdict(list)
    for d in range(1, hops + 1):
        for w in layers[d]:
            if len(drawn) < budget and parent[w] in drawn:
                drawn.add(w)
                V.add_node(w, **dict(G.nodes[w]), ref=w, depth=d, parent=parent[w])
            else:
                hidden[(d, G.nodes[w].get("type"))].append(w)
    aggregated = 0
    for (d, t), ws in sorted(hidden.items(), key=lambda x: (x[0][0], str(x[0][1]))):
        node = f"more:{d}:{t}"
        from_drawn = Counter(parent[w] for w in ws if parent[w] in drawn)
        anchor = from_drawn.most_common(1)[0][0] if from_drawn else root
        V.add_node(node, type="more", member_type=t, count=len(ws), depth=d, parent=anchor)
        for w in ws:
            _merge_risk(V.nodes[node], G.nodes[w])
        for u in sorted(from_drawn, key=str):
            V.add_edge(u, node, "more", type="more", count=from_drawn[u])
        aggregated += len(ws)
    tree_edges = {(parent[n], n) for n in drawn if parent[n] is not None}
    # edges among drawn nodes: tree edges first, then the rest up to max_edges
    edges, extra = [], []
    for u in drawn:
        for _, w, k, e in G.out_edges(u, keys=True, data=True):
            if w in drawn:
                (edges if (u, w) in tree_edges or (w, u) in tree_edges else extra).append((u, w, k, e))
    edges.sort(key=lambda x: (str(x[0]), str(x[1]), x[2]))
    extra.sort(key=lambda x: (str(x[0]), str(x[1]), x[2]))
    budget_e = max_edges - V.number_of_edges()
    chosen = (edges + extra)[:max(0, budget_e)]
    dropped = len(edges) + len(extra) - len(chosen)
    for u, w, k, e in chosen:
        V.add_edge(u, w, k, **e, tree=(u, w) in tree_edges or (w, u) in tree_edges)
    view = View(V, "neighbourhood", total_nodes=total, aggregated_nodes=aggregated,
                dropped_edges=dropped)
    view.focus = root
    view.hops = hops
    return view


# --- view (c): the path behind a conflict of interest -------------------------------------------
#: Edge types a conflict-of-interest path may use between a person and a vendor or tender.
PATH_EDGES = ("relative_of", "owns", "represents", "directs", "employed_by", "branch_of",
              "bid", "awarded", "committee", "works_at", "procures", "serves", "runs")
_PERSON_EDGES = ("relative_of", "owns", "represents", "directs", "employed_by", "branch_of")
_ANCHOR_RANK = {"officials": 0, "declared_relatives": 1, "vendor_people": 2, "vendors": 3,
                "schools": 6, "tenders": 6}


@dataclass
class CoiPath:
    """The path behind one conflict-of-interest finding: ``nodes`` in order (official first,
    then relative, vendor person, vendor(s), the tender or school) and ``edges`` (u, v, type)
    along it, the last closing the loop back to the official where the graph has that link
    (committee membership, the school they run).  ``contact`` edges stand for a shared phone,
    e-mail or address (COI-CONTACT), which is no edge of the graph."""
    finding: object
    nodes: list[str]
    edges: list[tuple[str, str, str]]


def _sub(G, types):
    """An undirected view of G restricted to edge types ``types`` (a filtered view, no copy)."""
    return nx.subgraph_view(G.to_undirected(as_view=True),
                            filter_edge=lambda u, v, k: k in types)


def _edge_between(G, a, b, types=PATH_EDGES):
    """An edge of G between ``a`` and ``b`` (either direction) whose type is in ``types``, the
    first type of ``types`` preferred: (u, v, type) or None."""
    found = {}
    for u, v in ((a, b), (b, a)):
        if G.has_node(u):
            for k in (G.get_edge_data(u, v) or {}):
                found.setdefault(k, (u, v, k))
    for k in types:
        if k in found:
            return found[k]
    return None


_WIN_EDGES = ("awarded", "bid", "serves")
_CLOSE_EDGES = ("committee", "works_at", "runs", "procures")


def _shortest(view, a, b, limit: int):
    try:
        path = nx.shortest_path(view, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    return path if len(path) <= limit else None


def coi_path(G: nx.MultiDiGraph, f, _views: dict | None = None) -> CoiPath | None:
    """The path behind one COI-* finding (None when the graph holds none of its parties).

    The anchors come from the finding's evidence and parties, in the order official →
    declared relative → vendor person → vendor(s) → winner → tender or school.  Consecutive
    people and vendors are joined through person and ownership edges (relative of, owns,
    represents, directs, works for, branch of); where none joins them (COI-CONTACT: a shared
    phone, e-mail or address) the path has a ``contact`` edge.  The last vendor reaches the
    tender (awarded, bid) or the school (serves), and the loop closes back to the official
    through their committee seat, or their post at the school or the procuring entity."""
    views = _views if _views is not None else {}
    if "person" not in views:
        views["person"] = _sub(G, _PERSON_EDGES)
        views["close"] = _sub(G, _PERSON_EDGES + _WIN_EDGES + _CLOSE_EDGES)
    anchors: list[tuple[int, str]] = []
    for ref in f.evidence or []:
        table = ref.split(":", 1)[0]
        if table not in _ANCHOR_RANK:
            continue
        n = evidence_node(G, ref)
        if n:
            anchors.append((_ANCHOR_RANK[table], n))
    for o in (f.parties or {}).get("official", []):
        n = G.graph.get("official_person", {}).get(o)
        if n:
            anchors.append((0, n))
    for v in (f.parties or {}).get("vendor", []):
        if f"vendor:{v}" in G:
            anchors.append((4, f"vendor:{v}"))
    sid = f.subject_id.split("+")[0]
    if f.subject_type in ("tender", "school") and f"{f.subject_type}:{sid}" in G:
        anchors.append((6, f"{f.subject_type}:{sid}"))
    if not anchors:
        return None
    ranked = sorted(anchors, key=lambda x: x[0])
    people = list(dict.fromkeys(n for r, n in ranked if r < 6))
    targets = [n for n in dict.fromkeys(n for r, n in ranked if r == 6) if n not in people]
    nodes: list[str] = [people[0]] if people else []
    edges: list[tuple[str, str, str]] = []

    def add_edge(e):
        if e and not any({e[0], e[1]} == {x[0], x[1]} and e[2] == x[2] for x in edges):
            edges.append(e)

    def walk(path):
        for x, y in zip(path, path[1:]):
            add_edge(_edge_between(G, x, y) or (x, y, "contact"))
            if y not in nodes:
                nodes.append(y)

    for b in people[1:]:
        if b in nodes:
            continue
        path = _shortest(views["person"], nodes[-1], b, 6)
        if path is None:
            # not linked by any declared edge: the shared contact that the finding found
            add_edge((nodes[-1], b, "contact"))
            nodes.append(b)
        else:
            walk(path)
    last_vendor = next((n for n in reversed(nodes) if n.startswith("vendor:")), nodes[-1] if nodes else None)
    for t in targets:
        e = _edge_between(G, last_vendor, t, _WIN_EDGES) if last_vendor else None
        if e:
            add_edge(e)
            nodes.append(t)
        else:
            path = _shortest(views["close"], last_vendor, t, 4) if last_vendor else None
            if path:
                walk(path)
            else:
                nodes.append(t)
    # close the loop back to the official
    head = nodes[0] if nodes else None
    if head and head.startswith("person:") and targets:
        t = targets[-1]
        e = _edge_between(G, head, t, _CLOSE_EDGES)
        if e:
            add_edge(e)
        else:
            back = _shortest(nx.subgraph_view(G.to_undirected(as_view=True),
                                              filter_edge=lambda u, v, k: k in _CLOSE_EDGES),
                             t, head, 4)
            if back:
                for x, y in zip(back, back[1:]):
                    add_edge(_edge_between(G, x, y, _CLOSE_EDGES))
                    if y not in nodes:
                        nodes.insert(len(nodes) - 1, y)
    return CoiPath(f, nodes, edges)


def coi_paths(G: nx.MultiDiGraph, findings: list | None = None) -> list[CoiPath]:
    """The path behind each COI-* finding (``findings`` or those attached to the graph), by
    score, highest first."""
    fs = [f for f in (findings if findings is not None else G.graph.get("findings", []))
          if f.code.startswith("COI-")]
    fs.sort(key=lambda f: (-f.score, f.finding_id))
    views: dict = {}
    out = []
    for f in fs:
        p = coi_path(G, f, views)
        if p is not None:
            out.append(p)
    return out


def coi_view(G: nx.MultiDiGraph, findings: list | None = None, *, max_nodes: int = MAX_NODES) -> View:
    """View (c): every conflict-of-interest path, each one a row, highlighted."""
    V = nx.MultiDiGraph()
    paths = coi_paths(G, findings)
    kept = []
    row = 0
    rows: dict = defaultdict(list)
    for p in paths:
        new = [n for n in p.nodes if n not in V]
        if V.number_of_nodes() + len(new) + 1 > max_nodes:
            break
        kept.append(p)
        here = row if new else V.nodes[p.nodes[0]].get("row", 0)
        rows[here].append(p.finding)
        for j, n in enumerate(p.nodes):
            if n not in V:
                V.add_node(n, **dict(G.nodes[n]), ref=n, row=row, col=j, highlight=True)
        row += 1 if new else 0
        for u, v, k in p.edges:
            data = dict(G.get_edge_data(u, v, k) or {"type": k})
            data.setdefault("type", k)
            data["highlight"] = True
            data.setdefault("findings", []).append(p.finding.finding_id)
            if V.has_edge(u, v, k):
                V.edges[u, v, k]["findings"] = sorted(set(V.edges[u, v, k].get("findings", []))
                                                       | set(data["findings"]))
            else:
                V.add_edge(u, v, k, **data)
    for r, fs in rows.items():   # a row's heading: the findings it explains
        V.add_node(f"finding:{r}", type="finding", row=r, col=-1, codes=tuple(f.code for f in fs),
                   findings=[(f.finding_id, f.code, f.severity, f.score) for f in fs],
                   severity=max((f.severity for f in fs), key=lambda x: SEVERITY_RANK[x]),
                   risk=max(f.score for f in fs))
    view = View(V, "coi", layout="paths", total_nodes=V.number_of_nodes(), paths=kept)
    if len(kept) < len(paths):
        view.aggregated_nodes = sum(len(p.nodes) for p in paths[len(kept):])
        view.notes.append((f"{len(paths) - len(kept)} trường hợp khác không vẽ (quá nhiều nút)",
                           f"{len(paths) - len(kept)} more cases not drawn (too many nodes)"))
    return view


def highlight_paths(view: View, G: nx.MultiDiGraph) -> int:
    """Mark, in any view, the nodes and edges of the COI paths that it draws; the count of
    paths that touch it."""
    n = 0
    V = view.graph

    def shown(x):   # a vendor drawn as its group in the supplier map
        if x in V:
            return x
        if x.startswith("vendor:") and x in G:
            g = _group_of(G, x)
            return g if g in V else None
        return None

    for p in coi_paths(G):
        drawn = [shown(x) for x in p.nodes]
        if not any(drawn):
            continue
        n += 1
        for x in drawn:
            if x:
                V.nodes[x]["highlight"] = True
        for u, v, k in p.edges:
            if u in V and v in V:
                if V.has_edge(u, v, k):
                    V.edges[u, v, k]["highlight"] = True
                elif k == "contact":
                    V.add_edge(u, v, k, type="contact", highlight=True)
    return n

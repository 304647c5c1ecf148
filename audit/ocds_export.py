"""The store's procurement as OCDS 1.1 compiled releases with the bids extension
(interfaces.md, ``hocba-audit export-ocds``), so that data entered as CSV can be shared in the
international standard, and read back by ``hocba-audit ingest`` unchanged (docs/ocds.md).

One compiled release per tender (``ocid`` = the tender id, with an optional prefix), plus one per
contract that has no tender.  What maps to OCDS fields:

- ``tenders`` → ``tender`` (``procurementMethod`` from the contract's method, the method itself
  in ``procurementMethodDetails``; estimated value in VND; ``tenderPeriod`` from published_on and
  bid_deadline); the procuring entity → ``buyer``, ``tender.procuringEntity`` and a party;
- ``bids`` → ``bids.details`` (status ``valid``/``disqualified``/``withdrawn``; ``late`` is
  ``disqualified`` with ``statusDetails: "late"``, since the bids extension has no such code);
  ``numberOfTenderers`` counts the bidders;
- ``contracts`` → an award (status ``active``, the contract's vendor as supplier) and a contract
  (``awardID`` = its id); ``contract_lines`` → the contract's ``items``;
- ``authorities`` and ``vendors`` → ``parties`` (vendors with the identifier scheme ``VN-MST``;
  a vendor id that came from another scheme keeps that scheme); declared parents are listed too,
  so that ``parentID`` resolves when the file is read back.

Fields the contract has and OCDS does not are written as additional fields, which the OCDS
schema allows: ``tender.category``, ``fundingSource``, ``directAwardGround``,
``inInvestmentProject``, ``schoolYear``; each item's ``service``, ``schoolID`` and ``lineNo``;
``parties[].details`` (``table``, ``kind``, ``provinceCode``, ``communeCode``, ``schoolID``,
``parentID``, ``registeredOn``, ``status``); and a release-level ``hocba`` object (``version``,
``awardedOn``, ``noTender``) that tells the reader the release follows these conventions.  A
date without a time is written as midnight Vietnam time (``T00:00:00+07:00``) and read back as a
date.  Officials, committees, people and deployments are not procurement and are not written.
"""
from __future__ import annotations

import datetime as dt
import gzip
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from procurement import store
from procurement.contract import TABLES

BID_EXTENSION_URL = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                     "ocds_bid_extension/v1.1.5/extension.json")
OCDS_METHOD = {"open_bidding": "open", "limited_bidding": "selective",
               "direct_appointment": "direct", "shortened_direct_appointment": "direct",
               "competitive_shopping": "limited", "direct_procurement": "direct",
               "self_implementation": "direct", "other": None}
CATEGORY = {"training": "services", "hosting_and_data": "services",
            "infrastructure_equipment": "goods", "digital_signature": "services",
            "school_management_software": "services", "center_management_software": "services",
            "other": None}


class ExportError(Exception):
    """The export cannot be written; the message says why."""


def _rows(conn, name: str) -> list[dict]:
    t = store.contract_tables[name]
    cols = [t.c[c] for c in TABLES[name].column_names]
    return [dict(r._mapping) for r in conn.execute(select(*cols).order_by(t.c.row_key))]


def _iso_day(v) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v)[:10]


def _instant(v) -> str | None:
    """A date-time column (canonical text) or a date as an OCDS date-time."""
    if v is None:
        return None
    s = v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v)
    return s if len(s) > 10 else f"{s}T00:00:00+07:00"


def _clean(d):
    """Drop empty values (OCDS: omit rather than write null)."""
    if isinstance(d, dict):
        out = {}
        for k, v in d.items():
            v = _clean(v)
            if v is None or v == {} or v == []:
                continue
            out[k] = v
        return out
    if isinstance(d, list):
        return [x for x in (_clean(v) for v in d) if x is not None and x != {}]
    return d


def _is_vn(vendor_id: str) -> bool:
    from procurement.values import ValueProblem, parse_tax_code
    try:
        return parse_tax_code(vendor_id) == vendor_id
    except ValueProblem:
        return False


def _money(v):
    return None if v is None else {"amount": int(v), "currency": "VND"}


class _Parties:
    """The parties of one release, built from the store's authorities and vendors."""

    def __init__(self, authorities: dict, vendors: dict, foreign: dict):
        self.authorities = authorities
        self.vendors = vendors
        self.foreign = foreign          # vendor_id → (scheme, identifier) from ocds_parties
        self.out: dict[str, dict] = {}

    def vendor_party_id(self, vid: str) -> str:
        return f"VN-MST-{vid}" if _is_vn(vid) else vid

    def authority(self, aid: str | None, role: str | None) -> dict | None:
        if not aid or aid.startswith("unknown:"):
            return None
        seen = set()
        cur, r = aid, role
        while cur and cur not in seen and cur in self.authorities:
            seen.add(cur)
            a = self.authorities[cur]
            p = self.out.get(cur)
            if p is None:
                p = self.out[cur] = {
                    "id": cur, "name": a["name"], "roles": [],
                    "details": {"table": "authorities", "kind": a["kind"],
                                "provinceCode": a["province_code"],
                                "communeCode": a["commune_code"], "schoolID": a["school_id"],
                                "parentID": a["parent_authority_id"]}}
            if r and r not in p["roles"]:
                p["roles"].append(r)
            cur, r = a["parent_authority_id"], None
        if aid not in self.out:   # not in the store: a reference by id only
            self.out[aid] = {"id": aid, "roles": [role] if role else []}
        return {"id": aid, "name": self.out[aid].get("name")}

    def vendor(self, vid: str, role: str | None) -> dict:
        seen = set()
        cur, r = vid, role
        while cur and cur not in seen:
            seen.add(cur)
            pid = self.vendor_party_id(cur)
            v = self.vendors.get(cur, {"name": None})
            p = self.out.get(pid)
            if p is None:
                if _is_vn(cur):
                    ident = {"scheme": "VN-MST", "id": cur}
                elif cur in self.foreign:
                    scheme, ident_id = self.foreign[cur]
                    ident = {"scheme": scheme, "id": ident_id} if scheme and ident_id else None
                else:
                    ident = None
                p = self.out[pid] = {
                    "id": pid, "name": v.get("name"), "identifier": ident, "roles": [],
                    "address": {"streetAddress": v.get("address")},
                    "contactPoint": {"telephone": v.get("phone"), "email": v.get("email"),
                                     "url": v.get("website")},
                    "details": {"table": "vendors", "registeredOn": _iso_day(v.get("registered_on")),
                                "status": v.get("status"), "provinceCode": v.get("province_code"),
                                "parentID": v.get("parent_vendor_id")}}
            if r and r not in p["roles"]:
                p["roles"].append(r)
            cur, r = v.get("parent_vendor_id"), None
        p = self.out[self.vendor_party_id(vid)]
        return {"id": p["id"], "name": p.get("name")}

    def parties(self) -> list[dict]:
        return list(self.out.values())


def iter_releases(engine: Engine, *, ocid_prefix: str = "", published: str | None = None):
    """Every compiled release of the store, in tender id order, then contracts with no tender."""
    with engine.connect() as conn:
        tenders = _rows(conn, "tenders")
        bids = defaultdict(list)
        for b in _rows(conn, "bids"):
            bids[b["tender_id"]].append(b)
        contracts = _rows(conn, "contracts")
        lines = defaultdict(list)
        for ln in _rows(conn, "contract_lines"):
            lines[ln["contract_id"]].append(ln)
        authorities = {a["authority_id"]: a for a in _rows(conn, "authorities")}
        vendors = {v["vendor_id"]: v for v in _rows(conn, "vendors")}
        foreign = {}
        try:
            from procurement.ocds_store import ocds_parties as P
            for vid, scheme, ident in conn.execute(
                    select(P.c.entity_id, P.c.scheme, P.c.identifier)
                    .where(P.c.table_name == "vendors")):
                foreign[vid] = (scheme, ident)
        except Exception:    # no OCDS table yet in this store
            foreign = {}
    by_tender = defaultdict(list)
    loose = []
    for c in contracts:
        (by_tender[c["tender_id"]] if c["tender_id"] else loose).append(c)
    date = published or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    for t in tenders:
        yield _tender_release(t, bids.get(t["tender_id"], []), by_tender.get(t["tender_id"], []),
                              lines, authorities, vendors, foreign, ocid_prefix, date)
    for c in loose:
        yield _loose_release(c, lines, authorities, vendors, foreign, ocid_prefix, date)


def _quantity(q):
    """A quantity as JSON: a whole float within 64 bits as an int (``3.0`` → ``3``); any other
    (``2.5``, ``1e300``: beyond what a JSON integer of orjson holds) stays a float."""
    if isinstance(q, float) and q.is_integer() and -2**63 <= q < 2**63:
        return int(q)
    return q


def _contract_blocks(contracts, lines, parties: _Parties, awarded_on, hocba_buyer: bool):
    awards, out = [], []
    for c in sorted(contracts, key=lambda c: c["contract_id"]):
        supplier = parties.vendor(c["vendor_id"], "supplier")
        awards.append({"id": c["contract_id"], "status": "active", "date": _instant(awarded_on),
                       "value": _money(c["value_vnd"]), "suppliers": [supplier]})
        items = []
        for ln in sorted(lines.get(c["contract_id"], []), key=lambda x: x["line_no"] or 0):
            items.append({
                "id": str(ln["line_no"]), "lineNo": ln["line_no"], "description": ln["item"],
                "quantity": _quantity(ln["quantity"]),
                "unit": {"name": ln["unit"], "value": _money(ln["unit_price_vnd"])},
                "service": ln["service"], "schoolID": ln["school_id"]})
        block = {"id": c["contract_id"], "awardID": c["contract_id"], "status": "active",
                 "value": _money(c["value_vnd"]), "dateSigned": _instant(c["signed_on"]),
                 "period": {"startDate": _instant(c["start_on"]), "endDate": _instant(c["end_on"])},
                 "items": items}
        if hocba_buyer and c.get("procuring_entity_id"):
            block["buyer"] = parties.authority(c["procuring_entity_id"], "buyer")
        out.append(block)
    return awards, out


def _tender_release(t, bids, contracts, lines, authorities, vendors, foreign, prefix, date):
    parties = _Parties(authorities, vendors, foreign)
    ocid = f"{prefix}{t['tender_id']}"
    pe = parties.authority(t["procuring_entity_id"], "procuringEntity")
    if pe:
        parties.authority(t["procuring_entity_id"], "buyer")
    details = []
    for b in sorted(bids, key=lambda b: b["vendor_id"]):
        status = b["status"]
        details.append({
            "id": b["vendor_id"], "status": "disqualified" if status == "late" else status,
            "statusDetails": "late" if status == "late" else None,
            "date": _instant(b["submitted_on"]), "value": _money(b["price_vnd"]),
            "tenderers": [parties.vendor(b["vendor_id"], "tenderer")]})
    awards, blocks = _contract_blocks(contracts, lines, parties, t["awarded_on"], True)
    if t["awarded_on"] and not awards:
        awards = [{"id": f"{t['tender_id']}-award", "status": "active",
                   "date": _instant(t["awarded_on"])}]
    method = t["method"]
    tender = {
        "id": t["tender_id"], "title": t["title"], "procuringEntity": pe,
        "procurementMethod": OCDS_METHOD.get(method), "procurementMethodDetails": method,
        "mainProcurementCategory": CATEGORY.get(t["category"]),
        "value": _money(t["estimated_value_vnd"]),
        "tenderPeriod": {"startDate": _instant(t["published_on"]),
                         "endDate": _instant(t["bid_deadline"])},
        "numberOfTenderers": len({b["vendor_id"] for b in bids}) if bids else None,
        "category": t["category"], "fundingSource": t["funding_source"],
        "directAwardGround": t["direct_award_ground"],
        "inInvestmentProject": t["in_investment_project"], "schoolYear": t["school_year"]}
    rel = {
        "ocid": ocid, "id": f"{ocid}-compiled", "date": date, "tag": ["compiled"],
        "initiationType": "tender", "language": "vi",
        "hocba": {"version": 1, "awardedOn": _iso_day(t["awarded_on"])},
        "parties": parties.parties(), "buyer": pe, "tender": tender,
        "bids": {"details": details}, "awards": awards, "contracts": blocks}
    return _finish(rel)


def _loose_release(c, lines, authorities, vendors, foreign, prefix, date):
    parties = _Parties(authorities, vendors, foreign)
    ocid = f"{prefix}contract-{c['contract_id']}"
    buyer = parties.authority(c["procuring_entity_id"], "buyer")
    awards, blocks = _contract_blocks([c], lines, parties, c["signed_on"], True)
    rel = {"ocid": ocid, "id": f"{ocid}-compiled", "date": date, "tag": ["compiled"],
           "initiationType": "tender", "language": "vi",
           "hocba": {"version": 1, "noTender": True}, "parties": parties.parties(),
           "buyer": buyer, "awards": awards, "contracts": blocks}
    return _finish(rel)


def _finish(rel: dict) -> dict:
    for p in rel.get("parties", []):
        if not p.get("roles"):
            p.pop("roles", None)
    return _clean(rel)


def export_ocds(engine: Engine, out: str | Path, *, ocid_prefix: str = "",
                published: str | None = None) -> dict:
    """Write every compiled release to ``out``: a release package (``.json``), or one release a
    line (``.jsonl``/``.ndjson``); gzip when the name ends with ``.gz``.  Returns counts."""
    import orjson
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = out.name.lower().removesuffix(".gz")
    lines_mode = name.endswith((".jsonl", ".ndjson"))
    now = published or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    opener = gzip.open if out.name.lower().endswith(".gz") else open
    counts = {"releases": 0, "bids": 0, "contracts": 0}
    tmp = out.with_name(out.name + ".part")
    with opener(tmp, "wb") as f:
        if not lines_mode:
            head = {"uri": out.resolve().as_uri(), "publishedDate": now,
                    "publisher": {"name": "hocba-audit"}, "version": "1.1",
                    "extensions": [BID_EXTENSION_URL]}
            f.write(orjson.dumps(head)[:-1] + b',"releases":[\n')
        first = True
        for rel in iter_releases(engine, ocid_prefix=ocid_prefix, published=now):
            counts["releases"] += 1
            counts["bids"] += len(rel.get("bids", {}).get("details", []))
            counts["contracts"] += len(rel.get("contracts", []))
            data = orjson.dumps(rel)
            if lines_mode:
                f.write(data + b"\n")
            else:
                f.write((b"" if first else b",\n") + data)
            first = False
        if not lines_mode:
            f.write(b"\n]}\n")
    tmp.replace(out)
    return counts

"""The input data contract, declared as data.

Every table of ``shared/spec/data-contract.md`` is one :class:`Table` with its columns, their
kinds, which are required, the key and the references.  The validator, the store, the Excel
template and the generator all read this one declaration, so a new column is one line here.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

# Enumerations shared by several tables.
SERVICES = (
    "school_management_software",
    "center_management_software",
    "digital_signature",
    "infrastructure_equipment",
    "hosting_and_data",
    "training",
    "other",
)

ENUMS: dict[str, tuple[str, ...]] = {
    "school_level": ("primary", "lower_secondary", "upper_secondary", "multi_level",
                     "continuing_education_center", "other"),
    "ownership": ("public", "private"),
    "authority_kind": ("ministry", "province_department", "district_committee", "district_office",
                       "commune_committee", "school", "other"),
    "vendor_status": ("active", "suspended", "dissolved"),
    "person_role": ("legal_representative", "director", "owner", "shareholder", "founding_member",
                    "chief_accountant", "employee"),
    "position": ("director", "deputy_director", "head_of_division", "procurement_officer",
                 "principal", "vice_principal", "accountant", "it_officer", "teacher", "other"),
    "relation": ("spouse", "child", "parent", "sibling", "parent_in_law", "sibling_in_law", "other"),
    "service": SERVICES,
    "method": ("open_bidding", "limited_bidding", "direct_appointment",
               "shortened_direct_appointment", "competitive_shopping", "direct_procurement",
               "self_implementation", "other"),
    "funding_source": ("state_budget", "parents", "sponsorship", "other"),
    "direct_award_ground": ("value_limit", "digital_transformation", "urgent", "compatibility",
                            "other"),
    "committee_role": ("approver", "evaluator", "appraiser", "signer"),
    "bid_status": ("valid", "disqualified", "withdrawn", "late"),
    "unit": ("school", "student", "certificate", "device", "month", "package", "other"),
    "deployment_status": ("planned", "pilot", "live", "stopped"),
    "milestone": ("steering_committee", "plan_issued", "guidance_issued", "training_done",
                  "pilot_started", "evaluation_submitted"),
}

#: Value kinds a column can have; each has one parser in :mod:`procurement.values`.
KINDS = ("text", "name", "date", "datetime", "money", "int", "number", "percent", "bool",
         "tax_code", "province", "commune", "school_year", "enum")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = False
    enum: str | None = None          # key into ENUMS when kind == "enum"
    ref: str | None = None           # "table" this column refers to (its single-column key)
    personal: bool = False           # personal data, masked in public reports

    @property
    def values(self) -> tuple[str, ...]:
        return ENUMS[self.enum] if self.enum else ()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    # Columns required only when a condition on another column holds: (column, test column, values)
    required_when: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # Columns required unless a condition holds.
    required_unless: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def refs(self) -> list[Column]:
        return [c for c in self.columns if c.ref]


def C(name, kind="text", required=False, enum=None, ref=None, personal=False) -> Column:
    return Column(name, kind, required, enum, ref, personal)


def E(name, enum, required=False) -> Column:
    return Column(name, "enum", required, enum)


TABLES: dict[str, Table] = {t.name: t for t in [
    Table("schools", (
        C("school_id", required=True), C("name", "name", True), E("level", "school_level", True),
        C("province_code", "province", True), C("commune_code", "commune", True),
        E("ownership", "ownership"), C("students", "int"), C("classes", "int"),
        C("teachers", "int"), C("in_pilot", "bool"), C("address"),
    ), key=("school_id",), doc="Schools"),
    Table("authorities", (
        C("authority_id", required=True), C("name", "name", True),
        E("kind", "authority_kind", True), C("province_code", "province"),
        C("commune_code", "commune"), C("school_id", ref="schools"),
        C("parent_authority_id", ref="authorities"),
    ), key=("authority_id",), doc="Authorities",
        required_when=(("school_id", "kind", ("school",)),),
        required_unless=(("province_code", "kind", ("ministry",)),)),
    Table("vendors", (
        C("vendor_id", "tax_code", True), C("name", "name", True), C("address", personal=False),
        C("phone"), C("email"), C("website"), C("registered_on", "date"),
        E("status", "vendor_status"), C("province_code", "province"),
        Column("parent_vendor_id", "tax_code", ref="vendors"),
    ), key=("vendor_id",), doc="Vendors"),
    Table("vendor_people", (
        Column("vendor_id", "tax_code", True, ref="vendors"), C("full_name", "name", True, personal=True),
        E("role", "person_role", True), C("share_pct", "percent"),
        C("birth_date", "date", personal=True), C("national_id", personal=True),
        C("address", personal=True), C("phone", personal=True), C("email", personal=True),
        C("since", "date"), C("until", "date"),
    ), key=("vendor_id", "role", "full_name", "birth_date"), doc="People of vendors"),
    Table("officials", (
        C("official_id", required=True), C("full_name", "name", True, personal=True),
        C("authority_id", required=True, ref="authorities"), E("position", "position", True),
        C("birth_date", "date", personal=True), C("national_id", personal=True),
        C("address", personal=True), C("phone", personal=True), C("email", personal=True),
        C("since", "date"), C("until", "date"),
    ), key=("official_id",), doc="Officials"),
    Table("declared_relatives", (
        C("official_id", required=True, ref="officials"),
        C("full_name", "name", True, personal=True), E("relation", "relation", True),
        C("birth_date", "date", personal=True), C("national_id", personal=True),
        C("address", personal=True), C("phone", personal=True), C("employer"),
    ), key=("official_id", "relation", "full_name", "birth_date"), doc="Declared relatives"),
    Table("tenders", (
        C("tender_id", required=True), C("procuring_entity_id", required=True, ref="authorities"),
        C("title"), E("category", "service", True), E("method", "method", True),
        C("estimated_value_vnd", "money"), C("published_on", "datetime"),
        C("bid_deadline", "datetime"), C("awarded_on", "date"), C("school_year", "school_year"),
        E("funding_source", "funding_source"), E("direct_award_ground", "direct_award_ground"),
        C("in_investment_project", "bool"),
    ), key=("tender_id",), doc="Tenders"),
    Table("tender_committee", (
        C("tender_id", required=True, ref="tenders"),
        C("official_id", required=True, ref="officials"), E("role", "committee_role", True),
    ), key=("tender_id", "official_id", "role"), doc="Tender committees"),
    Table("bids", (
        C("tender_id", required=True, ref="tenders"),
        Column("vendor_id", "tax_code", True, ref="vendors"), C("price_vnd", "money", True),
        C("submitted_on", "datetime"), E("status", "bid_status", True),
    ), key=("tender_id", "vendor_id"), doc="Bids"),
    Table("contracts", (
        C("contract_id", required=True), C("tender_id", ref="tenders"),
        Column("vendor_id", "tax_code", True, ref="vendors"),
        C("procuring_entity_id", ref="authorities"), C("signed_on", "date"),
        C("value_vnd", "money", True), C("start_on", "date"), C("end_on", "date"),
    ), key=("contract_id",), doc="Contracts"),
    Table("contract_lines", (
        C("contract_id", required=True, ref="contracts"), C("line_no", "int"),
        C("school_id", ref="schools"), C("item"), E("service", "service", True),
        C("quantity", "number"), E("unit", "unit"), C("unit_price_vnd", "money", True),
    ), key=("contract_id", "line_no"), doc="Contract lines"),
    Table("deployments", (
        C("school_id", required=True, ref="schools"), C("school_year", "school_year", True),
        E("service", "service", True), C("product"),
        Column("vendor_id", "tax_code", True, ref="vendors"), C("contract_id", ref="contracts"),
        E("status", "deployment_status", True), C("started_on", "date"), C("ended_on", "date"),
        C("budget_cost_vnd", "money"), C("parent_fee_vnd", "money"),
        C("records_total", "int"), C("records_signed", "int"),
        C("exports_standard_format", "bool"),
    ), key=("school_id", "school_year", "service", "vendor_id"), doc="Deployments"),
    Table("directives", (
        C("directive_id", required=True), C("issuer_id", required=True, ref="authorities"),
        C("issued_on", "date", True), C("title", required=True), C("text"),
    ), key=("directive_id",), doc="Directives"),
    Table("pilot_milestones", (
        C("province_code", "province", True), E("milestone", "milestone", True),
        C("due_on", "date", True), C("done_on", "date"), C("document_ref"),
    ), key=("province_code", "milestone"), doc="Pilot milestones"),
]}

#: The order in which tables are validated and stored: every table after those it refers to.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

#: Columns whose value is a name that gets a folded matching key in the store.
NAME_COLUMNS = {(t.name, c.name) for t in TABLES.values() for c in t.columns if c.kind == "name"}


def _load_vi_headers() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with resources.files("procurement").joinpath("data/headers_vi.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["table"], {})[row["column"]] = row["header_vi"]
    return out


#: Vietnamese header of each column, ``VI_HEADERS[table][column]``.
VI_HEADERS: dict[str, dict[str, str]] = _load_vi_headers()


def _check() -> None:
    for t in TABLES.values():
        assert set(t.key) <= set(t.column_names), t.name
        for c in t.columns:
            assert c.kind in KINDS, (t.name, c.name)
            assert (c.kind == "enum") == bool(c.enum), (t.name, c.name)
            assert c.ref is None or c.ref in TABLES, (t.name, c.name)
        assert set(VI_HEADERS.get(t.name, {})) == set(t.column_names), t.name
    pos = {n: i for i, n in enumerate(TABLE_ORDER)}
    for t in TABLES.values():
        for c in t.refs:
            assert pos[c.ref] <= pos[t.name], (t.name, c.ref)


_check()

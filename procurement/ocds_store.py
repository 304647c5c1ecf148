"""Store tables for what OCDS carries beyond the CSV contract (data-contract.md, "OCDS").

The contract tables (``tenders``, ``bids``, ``contracts``, ...) hold what fits the contract; these
tables keep the rest, keyed by ``ocid`` (= ``tenders.tender_id``), so that flags can follow a
contracting process the way an OCDS tool does:

- ``ocds_tenders`` — one row per contracting process: tender status, ``procurementMethod`` and
  ``procurementMethodDetails`` as written, ``numberOfTenderers``, the tender value *with its
  currency*, whether the buyer and the procuring entity were known;
- ``ocds_bids`` / ``ocds_bid_tenderers`` — every bid of ``bids.details`` with its id, its status
  (the bids extension's codes, ``pending`` and ``invited`` included; non-standard codes mapped where
  unambiguous, else kept only in ``status_raw``), value, currency and date, and *all* its tenderers
  (a consortium is one bid with several tenderers; a bid with no known tenderer has none);
- ``ocds_awards`` / ``ocds_award_suppliers`` — awards with status, value, currency and suppliers;
- ``ocds_award_items`` — the items of every award with their classification (Cardinal R048
  counts the classifications of a supplier's awarded items);
- ``ocds_contracts`` — every OCDS contract with its status, value and currency, and the
  ``contracts.contract_id`` it landed as (empty when it did not fit the contract table);
- ``ocds_contract_lines`` — the currency and exact unit price of each contract line;
- ``ocds_parties`` — how each vendor and authority id was made from the OCDS party (scheme,
  identifier, party id, name).

Text columns have no length limit (``Text``): what a publisher writes is kept as written, and a
long value never stops a PostgreSQL ingest (a ``varchar(n)`` of an older store is widened by
:func:`procurement.store.ensure_schema`).  Whole numbers are 64-bit (``BigInteger``), as the
contract's ``int`` columns: a ``numberOfTenderers`` of 3,000,000,000 is kept on PostgreSQL as on
SQLite (an ``integer`` column of an older PostgreSQL store is widened the same way).

Amounts here are exact (``Float``) in their own currency.  The contract's ``*_vnd`` columns hold
an OCDS amount only when its currency is VND, so that no flag can mix currencies.

On SQLite the tables are clustered on their key (no rowid, created so in a new store): the
ingest writes them in key order.  Tables are registered on :data:`procurement.store.metadata`;
the schema upgrade (:func:`procurement.store.ensure_schema`) adds them to an existing store.
Rows are replaced per ``ocid`` on every ingest of that process (the latest input wins, as for the
contract tables).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, Table, Text

from .store import metadata

_BOOK = lambda: [Column("row_no", BigInteger), Column("ingest_id", Integer),  # noqa: E731
                 Column("source_id", Integer)]

ocds_tenders = Table(
    "ocds_tenders", metadata,
    Column("ocid", Text, primary_key=True),
    Column("release_id", Text),
    Column("release_date", Text),
    Column("tender_ocds_id", Text),                 # tender.id
    Column("status", Text),                   # tenderStatus code (mapped), else empty
    Column("status_raw", Text),                     # as written
    Column("procurement_method", Text),             # as written
    Column("procurement_method_details", Text),     # as written (Cardinal: EXC, NPC, ...)
    Column("number_of_tenderers", BigInteger),
    Column("value_amount", Float),
    Column("value_currency", Text),
    Column("main_procurement_category", Text),
    Column("award_criteria", Text),
    Column("tender_period_start", Text),      # canonical instant (Vietnam time) or date
    Column("tender_period_end", Text),
    Column("buyer_id", Text),                       # authority id, empty when unknown
    Column("procuring_entity_id", Text),            # the id used in tenders (maybe a placeholder)
    Column("procuring_entity_known", Boolean),
    Column("has_bid_details", Boolean),             # bids.details was present
    *_BOOK(),
    sqlite_with_rowid=False,
)

ocds_bids = Table(
    "ocds_bids", metadata,
    Column("ocid", Text, primary_key=True),
    Column("bid_id", Text, primary_key=True),       # bid.id, or "#<position>" when it had none
    Column("position", BigInteger),                 # 1-based, in bids.details
    Column("status", Text),                   # bidStatus code (or "late"), mapped; else empty
    Column("status_raw", Text),
    Column("amount", Float),
    Column("currency", Text),
    Column("date", Text),                     # canonical instant (Vietnam time)
    Column("date_raw", Text),
    Column("n_tenderers", BigInteger),              # 0: no known tenderer; ≥ 2: a consortium
    Column("contract_vendor_id", Text),       # the bids.vendor_id it was offered as, if any
    *_BOOK(),
    sqlite_with_rowid=False,
)

ocds_bid_tenderers = Table(
    "ocds_bid_tenderers", metadata,
    Column("ocid", Text, primary_key=True),
    Column("bid_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("vendor_id", Text),                # vendors.vendor_id; empty when unknown
    Column("party_id", Text),
    Column("name", Text),
    Column("ingest_id", Integer), Column("source_id", Integer),
    sqlite_with_rowid=False,
)

ocds_awards = Table(
    "ocds_awards", metadata,
    Column("ocid", Text, primary_key=True),
    Column("award_id", Text, primary_key=True),     # award.id, or "#<position>"
    Column("position", BigInteger),
    Column("status", Text),                   # awardStatus code (mapped); else empty
    Column("status_raw", Text),
    Column("date", Text),
    Column("amount", Float),
    Column("currency", Text),
    Column("n_suppliers", BigInteger),
    Column("related_bids", Text),                   # bid ids separated by a space
    *_BOOK(),
    sqlite_with_rowid=False,
)

ocds_award_suppliers = Table(
    "ocds_award_suppliers", metadata,
    Column("ocid", Text, primary_key=True),
    Column("award_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("vendor_id", Text),
    Column("party_id", Text),
    Column("name", Text),
    Column("ingest_id", Integer), Column("source_id", Integer),
    sqlite_with_rowid=False,
)

ocds_award_items = Table(
    "ocds_award_items", metadata,
    Column("ocid", Text, primary_key=True),
    Column("award_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),  # 1-based, in award.items
    Column("item_id", Text),
    Column("classification_scheme", Text),          # as written (CPV, UNSPSC, ...)
    Column("classification_id", Text),              # as written
    Column("description", Text),
    Column("ingest_id", Integer), Column("source_id", Integer),
    sqlite_with_rowid=False,
)

ocds_contracts = Table(
    "ocds_contracts", metadata,
    Column("ocid", Text, primary_key=True),
    Column("contract_ocds_id", Text, primary_key=True),   # contract.id, or "#<position>"
    Column("contract_id", Text),                    # contracts.contract_id offered, if any
    Column("award_id", Text),
    Column("status", Text),
    Column("status_raw", Text),
    Column("amount", Float),
    Column("currency", Text),
    Column("value_from", Text),               # "contract" or "award" (contract had none)
    Column("date_signed", Text),
    *_BOOK(),
    sqlite_with_rowid=False,
)

ocds_contract_lines = Table(
    "ocds_contract_lines", metadata,
    Column("contract_id", Text, primary_key=True),
    Column("line_no", BigInteger, primary_key=True),
    Column("ocid", Text, index=True),
    Column("item_ocds_id", Text),
    Column("unit_amount", Float),
    Column("currency", Text),
    Column("unit_name", Text),
    Column("ingest_id", Integer), Column("source_id", Integer),
    sqlite_with_rowid=False,
)

ocds_parties = Table(
    "ocds_parties", metadata,
    Column("table_name", Text, primary_key=True),    # "vendors" or "authorities"
    Column("entity_id", Text, primary_key=True),           # vendor_id / authority_id
    Column("scheme", Text),
    Column("identifier", Text),
    Column("party_id", Text),
    Column("name", Text),
    Column("ingest_id", Integer), Column("source_id", Integer),
    sqlite_with_rowid=False,
)

#: Tables replaced per ocid, in the order they are written.
BY_OCID = ("ocds_tenders", "ocds_bids", "ocds_bid_tenderers", "ocds_awards",
           "ocds_award_suppliers", "ocds_award_items", "ocds_contracts", "ocds_contract_lines")

TABLES = {t.name: t for t in (ocds_tenders, ocds_bids, ocds_bid_tenderers, ocds_awards,
                               ocds_award_suppliers, ocds_award_items, ocds_contracts,
                               ocds_contract_lines, ocds_parties)}


#: The columns a reader fills, in order (every column but the last two, ingest_id and
#: source_id, which the ingest fills): ``extras[table]`` rows are tuples in this order.
DATA_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in t.columns)[:-2] for name, t in TABLES.items()}


def as_dicts(name: str, rows) -> list[dict]:
    """Extras rows of ``name`` as dicts (for tests and tools)."""
    cols = DATA_COLUMNS[name]
    return [dict(zip(cols, r)) for r in rows]


def load_ocds_frames(engine, columns: dict[str, tuple[str, ...]] | None = None) -> dict:
    """The OCDS tables as DataFrames, for flags that need what only OCDS carries (see
    docs/ocds.md, "For the flags"): every table and column, or only the tables and columns of
    ``columns`` (``{table: (column, …)}``).  A store that holds no OCDS process gives empty
    frames without reading the other tables."""
    import pandas as pd
    from sqlalchemy import select

    wanted = columns or {name: tuple(t.c.keys()) for name, t in TABLES.items()}
    out = {name: pd.DataFrame(columns=list(cols)) for name, cols in wanted.items()}
    with engine.connect() as conn:
        if conn.execute(select(ocds_tenders.c.ocid).limit(1)).first() is None:
            return out
        for name, cols in wanted.items():
            t = TABLES[name]
            res = conn.execute(select(*(t.c[c] for c in cols)))
            out[name] = pd.DataFrame([tuple(r) for r in res], columns=list(cols))
    return out

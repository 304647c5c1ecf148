"""The store: SQLAlchemy 2 tables for the contract and the bookkeeping around it.

One SQL table per contract table (same name), with every contract column in its SQL type,
plus:

- ``row_key`` — the primary key: the contract key's values joined by ``/`` (name parts folded,
  so ``Hoà`` and ``hòa`` are one key);
- ``<column>_key`` — a folded matching key for every name column (``hoà`` = ``hòa``);
- ``_hash`` — a hash of the contract values, to tell "unchanged" from "changed" cheaply (empty
  after a bulk insert; computed from the stored values when needed);
- ``_extra`` — the row's unknown columns, kept aside as JSON;
- ``_source_id``, ``_row`` — where the stored version came from.

Bookkeeping: ``sources`` (file, SHA-256, time, command), ``ingest_runs`` (with the data-quality
summary), ``quarantine`` (every problem of every bad row, with the raw row) and ``history`` (the
old values of every replaced row).  Later layers add their own tables to :data:`metadata`.

The schema is created from the metadata and upgraded by adding missing tables and columns
(:func:`ensure_schema`): every change so far is additive, and this is safe to repeat on every
start.  Alembic would add a migration chain for changes that are not additive; none exists yet.
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, DateTime, Float, Integer,
                        MetaData, String, Table, Text, create_engine, event, inspect, text)
from sqlalchemy.engine import Engine

from .contract import TABLES

metadata = MetaData()

_SQL_TYPES = {
    "text": Text, "name": Text, "enum": String(64), "province": String(2), "commune": String(5),
    "school_year": String(9), "tax_code": String(20), "datetime": String(32), "date": Date,
    "money": BigInteger, "int": BigInteger, "number": Float, "percent": Float, "bool": Boolean,
}


def _contract_table(name: str) -> Table:
    spec = TABLES[name]
    cols = [Column("row_key", Text, primary_key=True)]
    for c in spec.columns:
        t = _SQL_TYPES[c.kind]
        cols.append(Column(c.name, t() if isinstance(t, type) else t, nullable=True))
        if c.kind == "name":
            cols.append(Column(f"{c.name}_key", Text, nullable=True))
    cols += [Column("_hash", String(40), nullable=True), Column("_extra", JSON, nullable=True),
             Column("_source_id", Integer, nullable=True), Column("_row", Integer, nullable=True)]
    # On SQLite the key is the table's clustered key (no hidden rowid and no second index):
    # bulk inserts in key order are about a third faster.
    return Table(name, metadata, *cols, sqlite_with_rowid=False)


contract_tables: dict[str, Table] = {name: _contract_table(name) for name in TABLES}

sources = Table(
    "sources", metadata,
    Column("source_id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("command", Text),
    Column("ingest_id", Integer),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    Column("meta", JSON),
)

ingest_runs = Table(
    "ingest_runs", metadata,
    Column("ingest_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("command", Text),
    Column("strict", Boolean, nullable=False, default=False),
    Column("landed", Boolean, nullable=False, default=True),
    Column("exit_code", Integer),
    Column("summary", JSON),
)

quarantine = Table(
    "quarantine", metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("ingest_id", Integer, nullable=False, index=True),
    Column("source_id", Integer),
    Column("source", Text, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("column_name", String(64)),
    Column("reason", String(64), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("raw", JSON, nullable=False),
)

history = Table(
    "history", metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("ingest_id", Integer, nullable=False, index=True),
    Column("table_name", String(64), nullable=False),
    Column("row_key", Text, nullable=False),
    Column("old_values", JSON, nullable=False),
    Column("old_source_id", Integer),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
)

store_meta = Table(
    "store_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: The longest key the store takes, in bytes of UTF-8 (1,000 ASCII characters): a key is in a
#: B-tree index, and PostgreSQL refuses an index entry beyond 2,704 bytes (the OCDS tables' keys
#: are two such texts and a number).  A longer key is quarantined (``key_too_long``) on every
#: store alike.
MAX_KEY_BYTES = 1000


def key_too_long(key: str) -> bool:
    """Whether ``key`` is over :data:`MAX_KEY_BYTES` (a short text is not encoded)."""
    return len(key) > MAX_KEY_BYTES // 4 and len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES


DEFAULT_DB_URL = "sqlite:///data/hocba.db"


def resolve_db_url(url: str | None = None) -> str:
    """``--db``, else ``HOCBA_DB``, else the embedded SQLite file under the current directory."""
    return url or os.environ.get("HOCBA_DB") or DEFAULT_DB_URL


_CACHE_SIZE = -65536          # SQLite's page cache on a connection: 64 MiB

#: SQLite's page cache on an ingest's connection, in KiB (the others keep 64 MiB): the keys of a
#: large file rarely come in key order, and a page of the tables' B-trees that the cache cannot
#: hold is written to the WAL again each time a later row lands on it.  300k OCDS releases
#: (bench/ocds.py's input): import 62.8 s with 64 MiB, 59.1 s with 256 MiB (peak 984 → 1,193 MB),
#: 60.5 s with 512 MiB (1,468 MB).
BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_cache(conn):
    """A large page cache on ``conn`` (a SQLite connection) while the block runs."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        try:
            raw.execute(f"PRAGMA cache_size={_CACHE_SIZE}")
        except sqlite3.Error:    # a closed connection: the pool opens a new one, with 64 MiB
            pass


#: Rows per INSERT statement on SQLite (:func:`sqlite_insert`): one statement of 16 rows is
#: bound and stepped ~20% faster than 16 statements (800,000 contract lines of 13 values:
#: 3.9 → 3.05 µs a row; 64 rows: 3.2 µs; 256: 3.4 µs).
SQLITE_ROWS_PER_INSERT = 16


def sqlite_insert(cur, head: str, rows: list[tuple], one: str | None = None) -> None:
    """``rows`` inserted through the SQLite cursor ``cur`` by ``head`` (``INSERT INTO "t"
    ("a", "b")``, with ``OR IGNORE`` as needed), :data:`SQLITE_ROWS_PER_INSERT` rows per
    statement, in their order.  ``one``: one row's ``VALUES`` group (default: a ``?`` per
    value of the first row)."""
    if not rows:
        return
    one = one or "(" + ", ".join(["?"] * len(rows[0])) + ")"
    k = SQLITE_ROWS_PER_INSERT
    whole = len(rows) // k * k
    if whole:
        chain = itertools.chain.from_iterable
        cur.executemany(f"{head} VALUES {', '.join([one] * k)}",
                        (tuple(chain(rows[i:i + k])) for i in range(0, whole, k)))
    if whole < len(rows):
        cur.executemany(f"{head} VALUES {one}", rows[whole:])


#: Rows handed to the driver at a time by :func:`insert_rows`.
INSERT_CHUNK = 50_000


def insert_rows(conn, table: str, columns: list[str], rows: list[tuple], *,
                fixed: tuple[int, ...] = (), first_wins: bool = False) -> None:
    """``rows`` inserted into ``table`` through the DB-API driver of ``conn`` (a SQLAlchemy
    connection to SQLite or PostgreSQL): SQLAlchemy's compiled-statement path costs ~25 µs a
    row, which dominates a large ingest.  Each row holds the values of the first columns; the
    last ``len(fixed)`` columns take the ints ``fixed``, written into the statement instead of
    into every row (an ingest's ids).  ``first_wins``: a row whose key is already there is
    skipped."""
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    one = "(" + ", ".join([mark] * (len(columns) - len(fixed)) + [str(int(v)) for v in fixed]) + ")"
    verb = "INSERT OR IGNORE" if first_wins and sqlite else "INSERT"
    tail = " ON CONFLICT DO NOTHING" if first_wins and not sqlite else ""
    quoted = ", ".join(f'"{c}"' for c in columns)
    head = f'{verb} INTO "{table}" ({quoted})'
    cur = conn.connection.driver_connection.cursor()
    try:
        for i in range(0, len(rows), INSERT_CHUNK):
            if sqlite:
                sqlite_insert(cur, head, rows[i:i + INSERT_CHUNK], one)
            else:
                cur.executemany(f"{head} VALUES {one}{tail}", rows[i:i + INSERT_CHUNK])
    finally:
        cur.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    for attempt in range(100):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            # A new file that another process is switching to WAL at this moment: SQLite
            # answers "locked" at once, without waiting (busy_timeout does not apply).
            if "locked" not in str(e) or attempt == 99:
                raise
            time.sleep(0.05)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA cache_size={_CACHE_SIZE}")
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.close()


_ENGINES: dict[str, Engine] = {}
_SCHEMA_SIZE: dict[str, int] = {}


def sqlite_file(url) -> Path | None:
    """The file of a SQLite URL (a string or a SQLAlchemy URL); None for another database or an
    in-memory one (``:memory:``, ``file:…?mode=memory``)."""
    from sqlalchemy.engine import make_url
    url = make_url(url)
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(name)


def get_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (see :func:`resolve_db_url`), with the schema in place.

    Later layers register their tables on :data:`metadata` when imported; an engine made
    before that gets them on its next use."""
    url = resolve_db_url(url)
    eng = _ENGINES.get(url)
    if eng is not None:
        if _SCHEMA_SIZE.get(url) != len(metadata.tables):
            ensure_schema(eng)
            _SCHEMA_SIZE[url] = len(metadata.tables)
        return eng
    key = url
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(url, connect_args={"timeout": 30})
        event.listen(eng, "connect", _sqlite_pragmas)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        eng = create_engine(url, pool_pre_ping=True)
    ensure_schema(eng)
    _ENGINES[key] = eng
    _SCHEMA_SIZE[key] = len(metadata.tables)
    return eng


def dispose_engines() -> None:
    for eng in _ENGINES.values():
        eng.dispose()
    _ENGINES.clear()
    _SCHEMA_SIZE.clear()


def take_turns(conn, job: str, *, sqlite: bool = True) -> None:
    """Serialise the writers of one ``job`` (two letters: ``IN`` ingests, ``RN`` audit runs,
    ``RV`` the review chain, ``SC`` the schema) for the rest of ``conn``'s transaction, so that
    what a writer reads before it writes is still true when it writes.  PostgreSQL: an
    advisory lock on the number spelled by "hocba" and ``job``; SQLite (unless ``sqlite`` is
    false): the write lock, ``BEGIN IMMEDIATE``, when no transaction has begun yet — a deferred
    one that has read could not write once another writer got there first."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(b"hocba" + job.encode("ascii"), "big")
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    elif sqlite and conn.dialect.name == "sqlite" \
            and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def ensure_schema(engine: Engine) -> None:
    """Create missing tables and add missing columns; safe to repeat, and safe when several
    processes open a new store at once: they take turns (PostgreSQL: an advisory lock held until
    the schema is committed; SQLite: the write lock, ``BEGIN IMMEDIATE``, taken only when
    something is missing), and the later one finds what the earlier one made."""
    with engine.begin() as conn:
        # SQLite: not on every start, only when something is missing (a long ingest holds the
        # write lock).
        take_turns(conn, "SC", sqlite=conn.dialect.name == "sqlite" and _incomplete(conn))
        _upgrade(conn)


def _incomplete(conn) -> bool:
    """Whether a table or a column of the metadata is missing from the store."""
    insp = inspect(conn)
    names = set(insp.get_table_names())
    return any(t.name not in names
               or {c.name for c in t.columns} - {c["name"] for c in insp.get_columns(t.name)}
               for t in metadata.sorted_tables)


def _upgrade(conn) -> None:
    metadata.create_all(conn, checkfirst=True)
    insp = inspect(conn)
    dialect = conn.dialect
    for table in metadata.sorted_tables:
        types = {c["name"]: c["type"] for c in insp.get_columns(table.name)}
        have = types.keys()
        for col in table.columns:
            if col.name not in have:
                ddl = col.type.compile(dialect=dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{col.name}" {ddl}'))
        if dialect.name == "postgresql" and table.name.startswith("ocds_"):
            # The OCDS tables' text columns were varchar(n) before 2026-11-30: widened.
            for col in table.columns:
                if isinstance(col.type, Text) and getattr(types.get(col.name), "length", None):
                    conn.execute(text(f'ALTER TABLE "{table.name}" ALTER COLUMN "{col.name}" '
                                      f'TYPE text'))
            # Their whole numbers were integer (32-bit) before 2026-11-30: widened to bigint.
            narrow = [c.name for c in table.columns if isinstance(c.type, BigInteger)
                      and isinstance(types.get(c.name), Integer)
                      and not isinstance(types.get(c.name), BigInteger)]
            if narrow:
                conn.execute(text(f'ALTER TABLE "{table.name}" ' + ", ".join(
                    f'ALTER COLUMN "{c}" TYPE bigint' for c in narrow)))


def is_synthetic(engine: Engine) -> bool:
    """True when any ingested source said it was a synthetic data set."""
    with engine.connect() as conn:
        return bool(conn.execute(sources.select().where(sources.c.synthetic.is_(True)).limit(1)).first())

"""Ingest: validate every row of every input, quarantine bad rows with their reasons, land the
rest, and lose nothing (data-contract.md; interfaces.md, "Ingest report").

The order of work:

1. every input is read first (an unreadable one stops everything: exit 4, nothing lands);
2. per input, per table in dependency order: values column by column, then the key (a later
   duplicate within the input is quarantined), then references column by column against the
   input together with the store, cascading along references to quarantined rows (a large OCDS
   file comes in chunks of rows, checked in turn, keys across the chunks);
3. the good rows are inserted or, when their key is stored with other values, replace the
   stored row (old values to ``history``); equal rows change nothing;
4. everything happens in one transaction (ingests into one PostgreSQL store take turns, as
   SQLite's single writer makes them); ``strict`` rolls the data back when any row was
   quarantined (the run and its quarantine are still recorded, for the data-quality summary).
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
import operator
from operator import itemgetter
from typing import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Engine

from . import ocds_store  # noqa: F401  (registers the OCDS tables in the schema)
from . import store
from .contract import TABLE_ORDER, TABLES, Column, Table
from .readers import RawTable, SourceData, UnreadableInput, read_source
from .reasons import Problem, problem
from .text import clean_text, fold
from .values import ValueProblem, parse

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_QUARANTINED, EXIT_UNREADABLE = 0, 1, 2, 3, 4

#: The OCDS hooks are wired in (procurement/ocds_wiring.py then does nothing).
OCDS_HOOKS = True

_STR_OR_NONE = {str, type(None)}
#: The tables some column refers to (a reference resolves against their keys).
_REFERRED = {c.ref for t in TABLES.values() for c in t.refs}
_first = itemgetter(0)

# Problems sort by stage, then by the column's position in the contract.
_STAGE_VALUE, _STAGE_KEY, _STAGE_REF = 0, 1, 2


@dataclass
class IngestResult:
    exit_code: int
    report: dict                  # exactly the JSON object of interfaces.md, "Ingest report"
    ingest_id: int | None = None
    message: str = ""
    landed: bool = True           # False when nothing landed (--strict with quarantine, exit 4)
    sources: list[dict] = field(default_factory=list)   # [{"source", "sha256"}] of the inputs


@dataclass
class _Checked:
    """One table of one input after checking."""
    raw: RawTable
    spec: Table
    values: dict[str, list]                       # column → parsed values
    keys: list[str | None]                        # row_key per row (None when a key part is bad)
    problems: dict[int, list[tuple[int, int, Problem]]] = field(default_factory=dict)

    def add(self, i: int, stage: int, column: str, p: Problem) -> None:
        pos = self.spec.column_names.index(column) if column in self.spec.column_names else 99
        self.problems.setdefault(i, []).append((stage, pos, p))

    def good(self) -> list[int]:
        return [i for i in range(len(self.raw)) if i not in self.problems]


def _key_part(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "name":
        return fold(value)
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def row_key(spec: Table, values: dict) -> str:
    """The stored key of a row: its key values joined by ``/`` (names folded)."""
    return "/".join(_key_part(spec.by_name[k], values.get(k)) for k in spec.key)


def _jsonable(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _parse_column(col: Column, column_raw: list, checked: _Checked, provinces: list | None) -> list:
    """Parse one column: each distinct raw value once, then map the rows to the results."""
    name = col.name
    if provinces is not None:
        cache: dict = {}
        out = []
        for i, (r, pc) in enumerate(zip(column_raw, provinces)):
            ck = (type(r), r, pc)
            hit = cache.get(ck)
            if hit is None:
                try:
                    hit = (parse(col, r, pc), None)
                except ValueProblem as e:
                    hit = (None, e)
                cache[ck] = hit
            out.append(hit[0])
            if hit[1] is not None:
                checked.add(i, _STAGE_VALUE, name, problem(hit[1].code, name, r, **hit[1].extra))
        return out
    # CSV cells are all str (or None): key the cache by the value itself.  Excel cells mix
    # types, and 1 == 1.0 == True, so they are keyed by (type, value).
    plain = checked.raw.text_cells or not set(map(type, column_raw)) - _STR_OR_NONE
    if plain and col.kind in ("text", "name"):
        # Text needs no parsing: trim, empty → None, NFC (ASCII is already NFC).
        stripped = [r.strip() if r is not None else "" for r in column_raw]
        return [(v if v.isascii() else clean_text(v)) if v else None for v in stripped]
    keys = column_raw if plain else list(zip(map(type, column_raw), column_raw))
    results: dict = {}
    errors: dict = {}
    for k, r in _unique_raw(column_raw, keys).items():
        try:
            results[k] = parse(col, r)
        except ValueProblem as e:
            results[k] = None
            errors[k] = e
    out = [results[k] for k in keys]
    if errors:
        for i, k in enumerate(keys):
            e = errors.get(k)
            if e is not None:
                checked.add(i, _STAGE_VALUE, name, problem(e.code, name, column_raw[i], **e.extra))
    return out


def _unique_raw(column_raw: list, keys: list) -> dict:
    """Each distinct key with a raw value of it (the values of one key are equal and of one
    type)."""
    if keys is column_raw:
        return {r: r for r in dict.fromkeys(column_raw)}
    return dict(zip(keys, column_raw))


def _check_values(raw: RawTable, spec: Table) -> _Checked:
    n = len(raw)
    parsed: dict[str, list] = {}
    checked = _Checked(raw, spec, parsed, [None] * n)
    for col in spec.columns:
        column_raw = raw.data.get(col.name) or [None] * n
        provinces = (parsed.get("province_code") or [None] * n) if col.kind == "commune" else None
        out = _parse_column(col, column_raw, checked, provinces)
        parsed[col.name] = out
        if col.required:
            for i in [i for i, v in enumerate(out) if v is None]:
                if not _has_problem_at(checked, i, col.name):
                    checked.add(i, _STAGE_VALUE, col.name, problem("missing_required", col.name))
    for column, test, when in spec.required_when:
        for i, (v, t) in enumerate(zip(parsed[column], parsed[test])):
            if v is None and t in when and not _has_problem_at(checked, i, column):
                checked.add(i, _STAGE_VALUE, column, problem("missing_required", column))
    for column, test, unless in spec.required_unless:
        for i, (v, t) in enumerate(zip(parsed[column], parsed[test])):
            if v is None and t is not None and t not in unless and not _has_problem_at(checked, i, column):
                checked.add(i, _STAGE_VALUE, column, problem("missing_required", column))
    return checked


def _has_problem_at(checked: _Checked, i: int, column: str) -> bool:
    return any(p.column == column for _, _, p in checked.problems.get(i, ()))


def _fill_line_numbers(checked: _Checked) -> None:
    """contract_lines: an empty line_no is the row's position among its contract's rows."""
    if checked.spec.name != "contract_lines":
        return
    seen: Counter = Counter()
    line_no = checked.values["line_no"]
    for i, cid in enumerate(checked.values["contract_id"]):
        if cid is None:
            continue
        seen[cid] += 1
        if line_no[i] is None and not _has_problem_at(checked, i, "line_no"):
            line_no[i] = seen[cid]


def _check_keys(checked: _Checked, prior: dict | None = None) -> None:
    """Key problems: a later duplicate of a key within the table is quarantined.  ``prior``
    holds the keys of the earlier chunks of the same rows (an OCDS file read in chunks), as
    ``~row number`` of their first row; this chunk's keys are added to it."""
    spec = checked.spec
    first_seen: dict[str, int] = prior if prior is not None else {}
    key_cols = spec.key
    specs = [spec.by_name[k] for k in key_cols]
    cols = [checked.values[k] for k in key_cols]
    problems = checked.problems
    if len(key_cols) == 1 and specs[0].kind != "name":
        keys = [v if type(v) is str else None if v is None else _key_part(specs[0], v)
                for v in cols[0]]
    else:
        parts = [[v if type(v) is str else str(v) if type(v) is int else _key_part(c, v)
                  for v in col] if c.kind != "name"
                 else [_key_part(c, v) for v in col] for c, col in zip(specs, cols)]
        keys = list(map("/".join, zip(*parts)))
    if not problems and None not in keys \
            and max(map(len, keys), default=0) <= store.MAX_KEY_BYTES // 4 \
            and len(set(keys)) == len(keys) and first_seen.keys().isdisjoint(keys):
        # The common case, without a loop in Python: every key is new and unique.
        checked.keys = keys
        if prior is not None:
            prior.update(zip(keys, map(operator.invert, checked.raw.row_numbers)))
        return
    for i, key in enumerate(keys):
        if i in problems and any(_has_problem_at(checked, i, k) for k in key_cols):
            continue
        if key is None:  # a required single-column key that is empty: already reported
            continue
        if store.key_too_long(key):
            # Named on the column whose value makes it long (a name, an id).
            j = max(range(len(cols)), key=lambda j: len(str(_jsonable(cols[j][i]) or "")))
            checked.add(i, _STAGE_KEY, key_cols[j],
                        problem("key_too_long", key_cols[j], key,
                                length=len(key.encode("utf-8", "surrogatepass")),
                                limit=store.MAX_KEY_BYTES))
            continue
        checked.keys[i] = key
        first = first_seen.setdefault(key, i)
        if first != i:
            shown = "/".join("" if col[i] is None else str(_jsonable(col[i])) for col in cols)
            checked.add(i, _STAGE_KEY, key_cols[0],
                        problem("duplicate_key", key_cols[0], shown,
                                first_row=~first if first < 0 else checked.raw.row_numbers[first]))
    if prior is not None:
        # Positions in this chunk become row numbers (negative: ~n) for the next chunks.
        row_numbers = checked.raw.row_numbers
        for i, key in enumerate(checked.keys):
            if key is not None and first_seen.get(key) == i:
                first_seen[key] = ~row_numbers[i]


class _KeyIndex:
    """What a reference can resolve to: the store's keys and this ingest's landed keys."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.stored: dict[str, dict[str, str]] = {}   # table → {row_key: hash}
        self.keys: dict[str, set[str]] = {}           # table → stored row_keys
        self.landed: dict[str, set[str]] = {}         # table → keys landed by this input
        self.blocked: dict[str, set[str]] = {}        # table → keys quarantined by this input
        self.with_extra: dict[str, set[str]] = {}     # table → stored keys with an _extra

    def keys_with_extra(self, table: str) -> set[str]:
        """The stored rows that keep unknown-column values aside (usually none)."""
        if table not in self.with_extra:
            t = store.contract_tables[table]
            self.with_extra[table] = set(self.conn.execute(
                select(t.c.row_key).where(t.c._extra.isnot(None))).scalars())
        return self.with_extra[table]

    def stored_keys(self, table: str) -> set[str]:
        if table not in self.keys:
            t = store.contract_tables[table]
            self.keys[table] = set(self.conn.execute(select(t.c.row_key)).scalars())
        return self.keys[table]

    def stored_hashes(self, table: str) -> dict[str, str]:
        """row_key → hash of the stored values.  A bulk insert leaves ``_hash`` empty (hashing
        600,000 rows costs a fifth of a national ingest); it is computed here, from the values
        exactly as the driver returns them, when a later input has to compare."""
        if table not in self.stored:
            t = store.contract_tables[table]
            out = dict(self.conn.execute(select(t.c.row_key, t.c._hash)).all())
            if any(h is None for h in out.values()):
                cols = ", ".join(f'"{c}"' for c in TABLES[table].column_names)
                result = self.conn.exec_driver_sql(
                    f'SELECT "row_key", {cols} FROM "{table}" WHERE "_hash" IS NULL')
                sha1 = hashlib.sha1
                for r in result:
                    out[r[0]] = sha1(repr(tuple(r[1:])).encode()).hexdigest()
            self.stored[table] = out
        return self.stored[table]

    def resolves(self, table: str, key: str) -> bool:
        if key in self.landed.get(table, ()):
            return True
        return key not in self.blocked.get(table, ()) and key in self.stored_keys(table)


def _unresolved(col: Column, values: list, index: _KeyIndex) -> set:
    """The distinct values of a reference column that resolve to nothing."""
    return {v for v in set(values) if v is not None
            and not index.resolves(col.ref, v if type(v) is str else _key_part(col, v))}


def _check_references(checked: _Checked, index: _KeyIndex) -> None:
    """References, column by column; repeated to a fixed point for self-references."""
    spec = checked.spec
    refs = spec.refs
    if not refs:
        return
    self_ref = any(c.ref == spec.name for c in refs)
    failed_before = sorted(checked.problems)      # rows with a value or key problem already
    pending = set(checked.good())
    # Keys of this table that will land unless a reference breaks (for self-references).
    own_candidates = {checked.keys[i] for i in pending if checked.keys[i] is not None}
    while True:
        if self_ref:
            index.landed[spec.name] = own_candidates
        broken: dict[int, list[Column]] = {}
        for col in refs:
            values = checked.values[col.name]
            bad = _unresolved(col, values, index)
            if bad:
                for i, v in enumerate(values):
                    if v in bad and i in pending:
                        broken.setdefault(i, []).append(col)
        for i in sorted(broken):
            for col in broken[i]:
                checked.add(i, _STAGE_REF, col.name,
                            problem("dangling_reference", col.name, checked.values[col.name][i],
                                    target=col.ref))
            pending.discard(i)
            if self_ref and checked.keys[i] is not None:
                own_candidates.discard(checked.keys[i])
                # Quarantined here: it no longer resolves, even where the store has the key.
                index.blocked.setdefault(spec.name, set()).add(checked.keys[i])
        if not (self_ref and broken):
            break
    # A row that already failed has its references checked too: every problem is listed.
    for i in failed_before:
        for col in refs:
            value = checked.values[col.name][i]
            if value is not None and not index.resolves(col.ref, _key_part(col, value)):
                checked.add(i, _STAGE_REF, col.name,
                            problem("dangling_reference", col.name, value, target=col.ref))


@dataclass
class _TableCounts:
    read: int = 0
    landed: int = 0
    quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows whose contract values are all equal but whose unknown columns changed: the kept-aside
    #: values are refreshed in place (a warning; not in the report's table counts).
    extra_refreshed: int = 0

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "extra_refreshed"}


def _db_column(values: list, kind: str, dialect: str) -> list:
    """A column as the DB-API driver takes it, matching what SQLAlchemy's types store."""
    if dialect == "sqlite":
        if kind == "date":
            return [None if v is None else v.isoformat() for v in values]
        if kind == "bool":
            return [None if v is None else int(v) for v in values]
    return values


def _db_json(value, dialect: str):
    if value is None:
        return None
    if dialect == "sqlite":
        return json.dumps(value, ensure_ascii=False)
    from psycopg.types.json import Json
    return Json(value)


def _land(conn: Connection, checked: _Checked, index: _KeyIndex, source_id: int,
          ingest_id: int, counts: _TableCounts, now: dt.datetime, more: bool = False) -> None:
    """Insert the good rows that are new; replace those whose stored values differ (the old
    values go to ``history``); count the unchanged ones.  ``more``: another chunk of the same
    rows follows (its keys were checked against this one's, so the index needs no reload)."""
    spec = checked.spec
    table = store.contract_tables[spec.name]
    stored = index.stored_hashes(spec.name)
    dialect = conn.dialect.name
    fast = dialect in ("sqlite", "postgresql")
    names = spec.column_names
    name_idx = [i for i, c in enumerate(names) if spec.by_name[c].kind == "name"]
    unknown = checked.raw.unknown_columns
    columns = ["row_key"] + names + [f"{names[i]}_key" for i in name_idx] + \
        ["_hash", "_extra", "_source_id", "_row"]
    # The hash is over the values as the driver stores them, so it is stable per database.
    db_cols = [_db_column(checked.values[c], spec.by_name[c].kind, dialect) if fast
               else checked.values[c] for c in names]
    problems = checked.problems
    keys = checked.keys
    row_numbers = checked.raw.row_numbers
    sha1 = hashlib.sha1
    name_key_cols = [_folded(db_cols[j]) for j in name_idx]
    inserts: list[tuple] = []
    updates: list[int] = []
    if not stored and not unknown and fast:
        # First ingest of this table (the bulk case): every good row is new.  The hash is left
        # empty and computed from the stored values when a later input compares (stored_hashes).
        n = len(keys)
        inserts = list(zip(keys, *db_cols, *name_key_cols, repeat(None, n), repeat(None, n),
                           repeat(source_id, n), row_numbers))
        if problems:
            inserts = [r for i, r in enumerate(inserts) if i not in problems]
        # In key order: the clustered B-tree takes them faster (already sorted: no cost).
        inserts.sort(key=_first)
        rows = name_keys = hashes = []
        extras = None
        # What is stored now is read again (and hashed) if this table comes up again.
        if not more:
            index.stored.pop(spec.name, None)
            index.keys.pop(spec.name, None)
    else:
        rows = list(zip(*db_cols))
        name_keys = list(zip(*name_key_cols)) if name_idx else None
        # The hash is over the contract values only: a row that comes again with equal values
        # is unchanged, whatever its unknown columns say (data-contract.md: "changes nothing
        # when all are equal"); their kept-aside values are refreshed below, with no history.
        extras = [_extra_of(checked, i) for i in range(len(rows))] if unknown else None
        hashes = [sha1(repr(t).encode()).hexdigest() for t in rows]
    same: list[int] = []
    for i, h in enumerate(hashes):
        if i in problems:
            continue
        key = keys[i]
        old = stored.get(key)
        if old == h:
            counts.unchanged += 1
            if extras is not None or key in index.keys_with_extra(spec.name):
                same.append(i)
            continue
        stored[key] = h
        if old is not None:
            updates.append(i)
            continue
        extra = None
        if unknown:
            extra = _db_json(extras[i], dialect) if fast else extras[i]
        inserts.append((key,) + rows[i] + (name_keys[i] if name_keys else ())
                       + (h, extra, source_id, row_numbers[i]))
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    if same:
        with_extra = index.keys_with_extra(spec.name)
        counts.extra_refreshed += _refresh_extra(
            conn, table, [(keys[i], extras[i] if extras else None) for i in same])
        for i in same:
            (with_extra.add if extras and extras[i] else with_extra.discard)(keys[i])
    if updates:
        _replace(conn, checked, updates, stored, ingest_id, source_id, now, extras)
    if inserts:
        if fast:
            store.insert_rows(conn, table.name, columns, inserts)
        else:
            conn.execute(table.insert(), [dict(zip(columns, r)) for r in inserts])


def _refresh_extra(conn: Connection, table, rows: list[tuple[str, dict | None]]) -> int:
    """Store each row's unknown-column values (``(row_key, extra)``) where they differ from the
    stored ones; returns how many rows changed."""
    stored = {}
    keys = [k for k, _ in rows]
    for start in range(0, len(keys), 500):
        for key, extra in conn.execute(select(table.c.row_key, table.c._extra)
                                       .where(table.c.row_key.in_(keys[start:start + 500]))):
            stored[key] = extra
    changed = [{"k": key, "e": extra} for key, extra in rows if (stored.get(key) or None) != extra]
    if changed:
        conn.execute(update(table).where(table.c.row_key == bindparam("k"))
                     .values(_extra=bindparam("e")), changed)
    return len(changed)


def _extra_of(checked: _Checked, i: int) -> dict | None:
    """The values of row ``i`` in the input's unknown columns (None: none)."""
    raw = checked.raw.raw_row(i)
    return {u: raw[u] for u in checked.raw.unknown_columns
            if raw.get(u) not in (None, "")} or None


def _folded(values: list) -> list:
    """The folded matching key of each name (each distinct name folded once)."""
    folded = {v: fold(v) for v in set(values) if v}
    return [folded.get(v) if v else None for v in values]


def _replace(conn: Connection, checked: _Checked, rows: list[int], stored: dict, ingest_id: int,
             source_id: int, now: dt.datetime, extras: list | None) -> None:
    """Replace stored rows by changed ones; their old values go to ``history``.  ``extras``:
    each row's values in the unknown columns (:func:`_extra_of`; None: the input has none)."""
    spec = checked.spec
    table = store.contract_tables[spec.name]
    names = spec.column_names
    keys = [checked.keys[i] for i in rows]
    old_rows = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for r in conn.execute(select(table).where(table.c.row_key.in_(chunk))).mappings():
            old_rows[r["row_key"]] = r
    history_rows = []
    for i, key in zip(rows, keys):
        o = old_rows[key]
        old_values = {c: _jsonable(o[c]) for c in names}
        if o["_extra"]:
            old_values["_extra"] = o["_extra"]          # the old row's unknown columns too
        history_rows.append({
            "ingest_id": ingest_id, "table_name": spec.name, "row_key": key,
            "old_values": old_values, "old_source_id": o["_source_id"], "replaced_at": now})
        new = {c: checked.values[c][i] for c in names}
        for c in names:
            if spec.by_name[c].kind == "name":
                new[f"{c}_key"] = fold(new[c]) if new[c] else None
        extra = extras[i] if extras else None
        conn.execute(update(table).where(table.c.row_key == key).values(
            **new, _hash=stored[key], _extra=extra, _source_id=source_id,
            _row=checked.raw.row_numbers[i]))
    conn.execute(store.history.insert(), history_rows)


def _quarantine_rows(checked: _Checked, source_path: str) -> list[dict]:
    out = []
    for i in sorted(checked.problems):
        probs = [p for _, _, p in sorted(checked.problems[i], key=lambda t: (t[0], t[1]))]
        first = probs[0]
        out.append({
            "source": source_path, "table": checked.spec.name, "row": checked.raw.row_numbers[i],
            "column": first.column, "reason": first.code,
            "reasons": [p.as_dict() for p in probs],
            "raw": checked.raw.raw_row(i),
        })
    return out


class _Rollback(Exception):
    pass


def ingest(paths: Iterable[str], db_url: str | None = None, *, strict: bool = False,
           command: str = "", engine: Engine | None = None, progress: bool | None = None,
           _fail_after_rows: int | None = None) -> IngestResult:
    """Ingest the inputs at ``paths`` into the store; see the module docstring.

    ``_fail_after_rows`` raises after that many rows were landed (tests use it to prove that a
    failure halfway leaves the store exactly as it was).
    """
    # A national input holds ~10^6 small lists and tuples at once; the cyclic garbage
    # collector would rescan them all again and again while they are built (none is cyclic).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ingest(list(paths), db_url, strict=strict, command=command, engine=engine,
                       progress=progress, _fail_after_rows=_fail_after_rows)
    finally:
        if gc_was_enabled:
            gc.enable()


def _ingest(paths: list[str], db_url, *, strict, command, engine, progress, _fail_after_rows
            ) -> IngestResult:
    try:
        inputs = [read_source(p) for p in paths]
    except UnreadableInput as e:
        report = _empty_report()
        report["warnings"].append(str(e))
        return IngestResult(EXIT_UNREADABLE, report, message=str(e), landed=False)
    eng = engine or store.get_engine(db_url)
    show = progress if progress is not None else sys.stderr.isatty()
    try:
        return _land_all(eng, inputs, command, strict, show, _fail_after_rows)
    finally:
        for src in inputs:
            if hasattr(src, "close"):
                src.close()     # an OCDS file's spooled rows (after the transaction)


def _land_all(eng: Engine, inputs: list[SourceData], command, strict, show, _fail_after_rows
              ) -> IngestResult:
    """Steps 2–4 of the module docstring, in one transaction."""
    now = dt.datetime.now(dt.timezone.utc)
    report = _empty_report()
    all_quarantine: list[dict] = []
    counts: dict[str, _TableCounts] = {}
    sources_meta: list[dict] = []
    ingest_id = None
    try:
        with eng.begin() as conn, store.bulk_cache(conn):
            # Ingests take turns on PostgreSQL, as SQLite's single writer makes them: the stored
            # keys and hashes read below are those of every ingest committed before this one.
            store.take_turns(conn, "IN", sqlite=False)
            ingest_id = conn.execute(store.ingest_runs.insert().values(
                started_at=now, command=command, strict=strict)).inserted_primary_key[0]
            landed_rows = 0
            for src in inputs:
                report["warnings"].extend(src.warnings)
                report["ignored"].extend(src.ignored)
                source_id = conn.execute(store.sources.insert().values(
                    path=src.path, kind=src.kind, sha256=src.sha256, command=command,
                    ingest_id=ingest_id, ingested_at=now,
                    synthetic=bool(src.meta.get("synthetic")), meta=src.meta or None,
                )).inserted_primary_key[0]
                sources_meta.append({"source": src.path, "sha256": src.sha256})
                index = _KeyIndex(conn)
                by_table = _group_tables(src)
                if hasattr(src, "start_extras"):
                    # An OCDS file's own tables are prepared beside (procurement/ocds.py).
                    src.start_extras(conn.dialect.name)
                bar = _progress(sum(len(rt) for rts in by_table.values() for rt in rts), src.path, show)
                prior_keys: dict = {}     # table → keys of its earlier rows
                for name in TABLE_ORDER:
                    for rt in by_table.get(name, ()):
                        # A large OCDS file comes in chunks, read back one at a time.
                        more = getattr(rt, "more", False)
                        if hasattr(rt, "load"):
                            rt = rt.load()
                        # OCDS rows carry their own (relaxed) declaration of the table.
                        spec = getattr(rt, "spec", None) or TABLES[name]
                        if rt.unknown_columns:
                            report["unknown_columns"].setdefault(name, [])
                            for u in rt.unknown_columns:
                                if u not in report["unknown_columns"][name]:
                                    report["unknown_columns"][name].append(u)
                        missing = [c.name for c in spec.columns if c.required and c.name not in rt.data]
                        if missing and len(rt):
                            report["warnings"].append(
                                f"{rt.source}: thiếu cột bắt buộc {', '.join(missing)}; mọi dòng bị "
                                f"cách ly / missing required column(s) {', '.join(missing)}; every "
                                f"row is quarantined")
                        checked = _check_values(rt, spec)
                        _fill_line_numbers(checked)
                        # Keys are checked across every file or sheet of the table in this
                        # input, and across the chunks and streams of an OCDS file (its rows
                        # of Vietnamese and of foreign vendors): a later row of a key is
                        # quarantined, wherever it comes from.
                        _check_keys(checked, prior_keys.setdefault(name, {}))
                        # What references can resolve to: kept for the tables that are referred
                        # to (a large input's other tables would only fill memory).
                        referred = name in _REFERRED
                        if referred:
                            index.blocked.setdefault(name, set()).update(
                                k for i, k in enumerate(checked.keys)
                                if k is not None and i in checked.problems)
                        _check_references(checked, index)
                        good = checked.good()
                        if referred:
                            good_keys = {checked.keys[i] for i in good}
                            index.landed.setdefault(name, set()).update(good_keys)
                            index.blocked.setdefault(name, set()).update(
                                k for i, k in enumerate(checked.keys)
                                if k is not None and i in checked.problems and k not in good_keys)
                        c = counts.setdefault(name, _TableCounts())
                        c.read += len(rt)
                        c.landed += len(good)
                        c.quarantined += len(checked.problems)
                        _land(conn, checked, index, source_id, ingest_id, c, now, more)
                        landed_rows += len(good)
                        if _fail_after_rows is not None and landed_rows >= _fail_after_rows:
                            raise RuntimeError("injected failure halfway through the ingest")
                        q = _quarantine_rows(checked, rt.source)
                        all_quarantine.extend(q)
                        if q:
                            conn.execute(store.quarantine.insert(), [{
                                "ingest_id": ingest_id, "source_id": source_id,
                                "source": r["source"], "table_name": r["table"], "row_no": r["row"],
                                "column_name": r["column"], "reason": r["reason"],
                                "reasons": r["reasons"], "raw": r["raw"]} for r in q])
                        bar.update(len(rt))
                        del rt, checked, q
                bar.close()
                del prior_keys
                if src.kind == "ocds":
                    from .ocds import land_ocds_extras
                    land_ocds_extras(conn, src, ingest_id, source_id)
            report["tables"] = {n: counts[n].as_dict() for n in TABLE_ORDER if n in counts}
            for n in TABLE_ORDER:
                if n in counts and counts[n].extra_refreshed:
                    k = counts[n].extra_refreshed
                    report["warnings"].append(
                        f"{n}: {k} dòng chỉ khác ở các cột ngoài hợp đồng dữ liệu; giá trị các "
                        f"cột đó được cập nhật, không ghi lịch sử / {k} rows differ only in "
                        f"columns outside the data contract; those values were refreshed, with "
                        f"no history")
            report["quarantine"] = [{k: v for k, v in r.items() if k != "raw"} for r in all_quarantine]
            exit_code = EXIT_QUARANTINED if all_quarantine else EXIT_OK
            landed = not (strict and all_quarantine)
            if not landed:
                raise _Rollback()
            conn.execute(store.ingest_runs.update().where(
                store.ingest_runs.c.ingest_id == ingest_id).values(
                finished_at=dt.datetime.now(dt.timezone.utc), exit_code=exit_code, landed=True,
                summary=summary_of(report)))
    except _Rollback:
        # --strict: nothing lands, but the run and its quarantine are kept for the record.
        for c in counts.values():
            c.inserted = c.updated = c.unchanged = 0
        report["tables"] = {n: counts[n].as_dict() for n in TABLE_ORDER if n in counts}
        report["warnings"].append(
            "--strict: không có dòng nào được nhập vì có dòng bị cách ly; «landed» đếm các dòng "
            "qua mọi bước kiểm tra / nothing landed because rows were quarantined; 'landed' "
            "counts the rows that passed every check")
        ingest_id = _record_failed_run(eng, now, command, strict, report, all_quarantine)
        return IngestResult(EXIT_QUARANTINED, report, ingest_id, landed=False,
                            sources=sources_meta)
    return IngestResult(exit_code, report, ingest_id, sources=sources_meta)


def _record_failed_run(eng: Engine, now, command, strict, report, quarantined) -> int:
    with eng.begin() as conn:
        ingest_id = conn.execute(store.ingest_runs.insert().values(
            started_at=now, finished_at=dt.datetime.now(dt.timezone.utc), command=command,
            strict=strict, landed=False, exit_code=EXIT_QUARANTINED,
            summary=summary_of(report))).inserted_primary_key[0]
        if quarantined:
            conn.execute(store.quarantine.insert(), [{
                "ingest_id": ingest_id, "source_id": None, "source": r["source"],
                "table_name": r["table"], "row_no": r["row"], "column_name": r["column"],
                "reason": r["reason"], "reasons": r["reasons"], "raw": r["raw"]}
                for r in quarantined])
    return ingest_id


def _group_tables(src: SourceData) -> dict[str, list[RawTable]]:
    out: dict[str, list[RawTable]] = {}
    for rt in src.tables:
        out.setdefault(rt.table, []).append(rt)
    return out


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, label: str, show: bool):
    if not show or total < 5000:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, desc=f"Nhập / ingest {label}", unit=" dòng", file=sys.stderr)


def _empty_report() -> dict:
    return {"tables": {}, "quarantine": [], "warnings": [], "ignored": [], "unknown_columns": {}}


def summary_of(report: dict) -> dict:
    """The data-quality summary kept with the run: counts and top reasons per table."""
    reasons: dict[str, Counter] = {}
    for q in report.get("quarantine", []):
        reasons.setdefault(q["table"], Counter())[q["reason"]] += 1
    return {
        "tables": report.get("tables", {}),
        "top_reasons": {t: c.most_common(5) for t, c in reasons.items()},
        "warnings": len(report.get("warnings", [])),
        "ignored": report.get("ignored", []),
        "unknown_columns": report.get("unknown_columns", {}),
    }


def format_summary(report: dict) -> str:
    """The data-quality summary as a table for the terminal (Vietnamese, then English)."""
    lines = ["Tóm tắt chất lượng dữ liệu / Data-quality summary",
             f"{'bảng / table':<22}{'đọc/read':>10}{'nhập/landed':>13}{'cách ly/quar.':>15}"
             f"{'mới/ins.':>10}{'sửa/upd.':>10}{'giữ/same':>10}"]
    reasons: dict[str, Counter] = {}
    for q in report.get("quarantine", []):
        reasons.setdefault(q["table"], Counter())[q["reason"]] += 1
    for name, c in report.get("tables", {}).items():
        lines.append(f"{name:<22}{c['read']:>10}{c['landed']:>13}{c['quarantined']:>15}"
                     f"{c['inserted']:>10}{c['updated']:>10}{c['unchanged']:>10}")
        if name in reasons:
            top = ", ".join(f"{r} ×{n}" for r, n in reasons[name].most_common(3))
            lines.append(f"{'':<4}lý do chính / top reasons: {top}")
    if report.get("ignored"):
        lines.append("Bỏ qua (không phải bảng của hợp đồng dữ liệu) / ignored: "
                     + ", ".join(report["ignored"]))
    for t, cols in report.get("unknown_columns", {}).items():
        lines.append(f"Cột lạ được giữ riêng / unknown columns kept aside — {t}: {', '.join(cols)}")
    if report.get("warnings"):
        lines.append(f"Cảnh báo / warnings: {len(report['warnings'])}")
        lines.extend(f"  - {w}" for w in report["warnings"][:10])
    return "\n".join(lines)

"""The store's contract tables as pandas DataFrames, typed for the flags.

Types (pandas 3):
- text, enum, codes, ids: ``str`` dtype (missing = NaN);
- dates: ``datetime64`` (missing = NaT);
- date-times (``published_on``, ``bid_deadline``, ``submitted_on``): the canonical text (an
  ISO date, or an ISO instant in Vietnam time) plus ``<column>_day``, its Vietnam calendar day
  as ``datetime64``, and ``<column>_has_time``;
- money and integers: ``float64`` (missing = NaN; exact for every value below 2^53 ≈ 9×10^15 đ);
- booleans: pandas' nullable ``boolean`` (missing = NA): ``.fillna(False)`` reads "empty is
  false", ``.eq(False).fillna(False)`` reads "explicitly false" (``exports_standard_format``);
- name columns also carry ``<column>_key``, the folded matching key.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from procurement import parallel, store
from procurement.contract import TABLES

from .frames_cache import dump, load_file, table_file

_FLOAT_KINDS = {"money", "int", "number", "percent"}
_CHUNK = 500_000        # rows fetched from the driver at a time (load_table)


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    spec = TABLES[name]
    for c in spec.columns:
        if c.name not in df:
            df[c.name] = pd.Series([None] * len(df), dtype="object")
        s = df[c.name]
        if c.kind == "date":
            df[c.name] = pd.to_datetime(s, errors="coerce")
        elif c.kind == "datetime":
            text = s.astype("str").where(s.notna())
            df[c.name] = text
            df[f"{c.name}_day"] = pd.to_datetime(text.str.slice(0, 10), errors="coerce")
            df[f"{c.name}_has_time"] = text.str.len().fillna(0).gt(10)
        elif c.kind in _FLOAT_KINDS:
            df[c.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif c.kind == "bool":
            df[c.name] = s.astype("boolean")
        else:
            df[c.name] = s.astype("str").where(s.notna())
    return df


def load_table(engine: Engine, name: str) -> pd.DataFrame:
    t = store.contract_tables[name]
    spec = TABLES[name]
    cols = [t.c.row_key] + [t.c[c.name] for c in spec.columns]
    cols += [t.c[f"{c.name}_key"] for c in spec.columns if c.kind == "name"]
    names = [c.name for c in cols]
    with engine.connect() as conn:
        if conn.dialect.name in ("sqlite", "postgresql"):
            # Straight from the driver, then column by column: SQLAlchemy's row objects cost
            # more than the query (a table of 10^6 rows: seconds).  In chunks: the driver's
            # tuples of one chunk at a time, not of the whole table, beside the object matrix
            # (300k OCDS store: peak 2.68 → 2.51 GB, same time; chunks of 10^5: 2.47 GB, ~3%
            # slower).
            sql = str(select(*cols).order_by(t.c.row_key).compile(dialect=conn.dialect))
            cur = conn.connection.driver_connection.cursor()
            parts = []
            try:
                cur.execute(sql)
                while data := cur.fetchmany(_CHUNK):
                    parts.append(_object_matrix(data, len(names)))
                    del data
            finally:
                cur.close()
            rows = (parts[0] if len(parts) == 1 else np.concatenate(parts) if parts
                    else _object_matrix([], len(names)))
            del parts
            df = pd.DataFrame({n: rows[:, j] for j, n in enumerate(names)})
        else:
            result = conn.execute(select(*cols).order_by(t.c.row_key))
            df = pd.DataFrame([tuple(r) for r in result], columns=names)
    return _typed(name, df)


def _object_matrix(rows: list[tuple], width: int) -> np.ndarray:
    """Rows of the driver as a 2-D object array (pandas' converter: ~7× faster than zip)."""
    if not rows:
        return np.empty((0, width), dtype=object)
    try:
        from pandas._libs.lib import to_object_array_tuples
    except ImportError:          # a pandas without it
        out = np.empty((len(rows), width), dtype=object)
        out[:] = rows
        return out
    return to_object_array_tuples(rows)


@dataclass
class Frames:
    """Every contract table, typed; ``frames["tenders"]`` or ``frames.tenders``."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The store they were read from (None when built from rows): a view of other tables
    #: reads it on demand (the OCDS-only tables, audit/flags/_ocds.py).
    engine: Engine | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.__dict__["tables"][name]
        except KeyError:
            raise AttributeError(name) from None

    def empty(self, name: str) -> bool:
        return self.tables[name].empty


def load_frames(engine: Engine, *, cache: bool = False, later: list | None = None) -> Frames:
    """All contract tables from the store; with ``cache``, from the store's snapshot when it
    matches the store (audit/frames_cache.py, off with ``HOCBA_FRAMES_CACHE=0``).  ``later``:
    a new snapshot is written by a call appended to it (:func:`frames_cache.load`)."""
    if cache:
        from .frames_cache import load
        return Frames(load(engine, lambda rows, keep: read_tables(engine, rows, keep), later),
                      engine)
    return Frames(read_tables(engine), engine)


#: A store with this many contract rows is read, and its flags computed (audit/engine.py), by
#: two processes (procurement/parallel.py); below it the fork costs more than it saves.
PARALLEL_ROWS = 200_000


def read_tables(engine: Engine, rows: dict[str, int] | None = None, keep: Path | None = None
                ) -> dict[str, pd.DataFrame]:
    """Every contract table, typed.  A large store on a machine with two cores is read by two
    processes: a forked worker reads the largest tables (about half the rows) and hands them
    over as files of :func:`frames_cache.dump`, while this process reads the others (300k OCDS
    store: 13 s → 8 s).  ``rows``: each table's row count when the caller has it (the
    snapshot's key).  ``keep``: the folder of the snapshot being made, where the worker's files
    stay (frames_cache.load): a table is pickled once, for the hand-over and the snapshot."""
    if rows is None:
        with engine.connect() as conn:
            rows = {name: conn.execute(select(func.count()).select_from(t)).scalar() or 0
                    for name, t in store.contract_tables.items() if name in TABLES}
    if parallel.workers(sum(rows.values()), PARALLEL_ROWS) < 2:
        return {name: load_table(engine, name) for name in TABLES}
    # Greedy by rows, the worker's share weighted for the hand-over.
    mine, theirs, load = [], [], [0.0, 0.0]
    for name in sorted(rows, key=lambda n: -rows[n]):
        if load[1] + rows[name] * 1.15 <= load[0] + rows[name]:
            theirs.append(name)
            load[1] += rows[name] * 1.15
        else:
            mine.append(name)
            load[0] += rows[name]
    out: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="hocba-frames-") as tmp:
        folder = Path(keep) if keep is not None else Path(tmp)
        try:
            with parallel.fork_pool(1, (engine, theirs, folder), [engine]) as pool:
                done = pool.submit(_read_in_worker)
                out = {name: load_table(engine, name) for name in mine}
                done.result()
            for name in theirs:
                with open(table_file(folder, name), "rb") as f:
                    out[name] = load_file(f)
        except parallel.BrokenProcessPool as e:
            parallel.lost(e)
            for name in theirs:         # a dead worker may have left a file half written
                table_file(folder, name).unlink(missing_ok=True)
            out.update({name: load_table(engine, name) for name in TABLES if name not in out})
    return {name: out[name] for name in TABLES}


def _read_in_worker() -> None:
    engine, names, folder = parallel.state()
    for name in names:
        df = load_table(engine, name)
        with open(table_file(folder, name), "wb") as f:
            dump(df, f)
        del df


def frames_from_dicts(tables: dict[str, list[dict]]) -> Frames:
    """Frames built from plain rows, for fixtures and tests (missing tables are empty)."""
    out = {}
    for name, spec in TABLES.items():
        rows = tables.get(name, [])
        df = pd.DataFrame(rows, columns=None if rows else spec.column_names)
        for c in spec.columns:
            if c.kind == "name":
                from procurement.text import fold
                df[f"{c.name}_key"] = [fold(v) if isinstance(v, str) else None
                                       for v in (df[c.name] if c.name in df else [None] * len(df))]
        out[name] = _typed(name, df)
    return Frames(out)

"""A snapshot of the typed contract frames on disk, so that a re-audit of an unchanged store
does not read every row back through the database driver (issue #4).

Where: for a SQLite file ``<db>.frames/`` beside it; for any other store (PostgreSQL)
``$HOCBA_CACHE/<id>/`` or ``~/.cache/hocba-audit/<id>/``, ``<id>`` the first 16 hex digits of
the SHA-256 of the store's URL without its password.  An in-memory SQLite store is never
cached; ``HOCBA_FRAMES_CACHE=0`` turns the cache off.

Format: one pickle (protocol 5) per table, which gives back exactly the frames that were
written.  A text column with few distinct values (a vendor id, a school, a status) is pickled
as integer codes and its distinct values (:func:`pack`): unpickling millions of strings is
most of a re-audit's loading (contract lines of the 300k store: 1.9 s → 0.7 s), and the
rebuilt column shares one string object per value, which also takes less memory.  (Feather
would read faster but needs pyarrow, and with pyarrow installed pandas 3.1 backs every ``str``
column with Arrow, which made several flags 2–10× slower: docs/ocds.md, "Speed".  Parquet
would change datetime resolutions.)

Validity: the snapshot's manifest holds a key, and it is served only when the key computed
from the store now is the same — the store (URL without password); what it holds (count and
last id, start and end of ``ingest_runs``; count and last id of ``sources``; the row count of
every contract table; SQLite's ``schema_version``); the source of the code that types the
frames (this module, ``audit/frames.py``, ``procurement/contract.py``, ``procurement/store.py``);
the pandas, numpy and pyarrow versions (pyarrow decides how pandas stores strings).  Every write to a contract table in this
code base is an ingest, which adds an ``ingest_runs`` row even when it fails or rolls back; the
row counts also catch rows inserted or deleted by hand.  A hand-made SQL ``UPDATE`` of a
contract table, outside ``hocba-audit ingest``, is not seen: remove the folder or set
``HOCBA_FRAMES_CACHE=0`` after one.

The key is computed before the frames are read from the store and again after: a snapshot is
written only when both agree (an ingest that landed in between would otherwise leave frames
newer than their key — never stale, but wasted).  Writing goes to a temporary folder renamed
into place; a cache that cannot be written or read is a warning, never a failed audit.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from procurement import store
from procurement.contract import TABLES

log = logging.getLogger(__name__)

ENV_SWITCH = "HOCBA_FRAMES_CACHE"
MANIFEST = "manifest.json"
SUFFIX = "pickle"
_LAYOUT = 3                 # 3: packed text columns; 2: plain pickle; 1: and Feather
_CODE = [Path(__file__), Path(__file__).with_name("frames.py"),
         Path(store.__file__).with_name("contract.py"), Path(store.__file__)]


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir(engine: Engine) -> Path | None:
    """Where ``engine``'s snapshot lives (None: never cached)."""
    if engine.url.get_backend_name() == "sqlite":
        p = store.sqlite_file(engine.url)
        return None if p is None else p.with_name(p.name + ".frames")
    ident = hashlib.sha256(_store_id(engine).encode()).hexdigest()[:16]
    base = os.environ.get("HOCBA_CACHE") or Path.home() / ".cache" / "hocba-audit"
    return Path(base) / ident


def _store_id(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _code_hash() -> str:
    h = hashlib.sha256()
    for p in _CODE:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _versions() -> dict:
    try:
        import pyarrow
        arrow = pyarrow.__version__
    except ImportError:
        arrow = None
    return {"pandas": pd.__version__, "numpy": np.__version__, "pyarrow": arrow}


def store_key(engine: Engine) -> dict:
    """What the snapshot must match (module docstring)."""
    runs, srcs = store.ingest_runs, store.sources
    with engine.connect() as conn:
        r = conn.execute(select(func.count(), func.max(runs.c.ingest_id),
                                func.max(runs.c.started_at), func.max(runs.c.finished_at))).one()
        s = conn.execute(select(func.count(), func.max(srcs.c.source_id))).one()
        counts = {name: conn.execute(select(func.count()).select_from(t)).scalar()
                  for name, t in store.contract_tables.items() if name in TABLES}
        schema = (conn.execute(text("PRAGMA schema_version")).scalar()
                  if conn.dialect.name == "sqlite" else None)
    return {"layout": _LAYOUT, "store": _store_id(engine),
            "ingest_runs": [r[0], r[1], str(r[2]), str(r[3])], "sources": [s[0], s[1]],
            "rows": counts, "schema_version": schema, "code": _code_hash(), **_versions()}


def _warn(vi: str, en: str, err: BaseException) -> None:
    log.warning("%s / %s: %s", vi, en, err)


def load(engine: Engine,
         read: Callable[[dict[str, int] | None, Path | None], dict[str, pd.DataFrame]],
         later: list[Callable[[], None]] | None = None) -> dict[str, pd.DataFrame]:
    """The typed frames of every contract table: from the snapshot when it matches the store,
    else ``read(rows, folder)`` (from the store; ``rows``: each table's row count, None when
    not counted), then written as the new snapshot.  ``read`` may leave tables in ``folder``
    (the new snapshot's, not yet in place; None when none can be written) as
    :func:`table_file` ``(folder, name)``, written by :func:`dump`: the frames it returns for
    them must be what it wrote (a worker that read a table writes it once, for the hand-over
    and the snapshot).

    ``later``: the snapshot is not written now but by a call appended to this list, which the
    caller makes when it has time to spare (the audit: while its workers compute the flags)."""
    folder = cache_dir(engine) if enabled() else None
    if folder is None:
        return read(None, None)
    key = store_key(engine)
    if (folder / MANIFEST).exists():
        try:
            frames = _read(folder, key)
            if frames is not None:
                return frames
        except Exception as e:             # a damaged snapshot: read the store, write anew
            _warn("không đọc được bản chụp dữ liệu, đọc lại từ kho",
                  "cannot read the frames snapshot, reading the store", e)
    try:
        tmp = _new_folder(folder)
    except Exception as e:
        _warn(f"không ghi được bản chụp dữ liệu vào {folder}",
              f"cannot write the frames snapshot to {folder}", e)
        return read(key["rows"], None)
    try:
        frames = read(key["rows"], tmp)
        same = store_key(engine) == key
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    def finish() -> None:
        try:
            if same:
                _write(folder, key, frames, tmp)
                return                     # moved into place
        except Exception as e:
            _warn(f"không ghi được bản chụp dữ liệu vào {folder}",
                  f"cannot write the frames snapshot to {folder}", e)
        shutil.rmtree(tmp, ignore_errors=True)
    if later is None:
        finish()
    else:
        later.append(finish)
    return frames


def table_file(folder: Path, name: str) -> Path:
    """Where a snapshot (or a hand-over) keeps table ``name``."""
    return Path(folder) / f"{name}.{SUFFIX}"


def _read(folder: Path, key: dict) -> dict[str, pd.DataFrame] | None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("key") != key:
        return None
    out = {}
    for name, meta in manifest["tables"].items():
        path = folder / meta["file"]
        if path.stat().st_size != meta["bytes"]:
            raise ValueError(f"{path}: size {path.stat().st_size} != {meta['bytes']}")
        with open(path, "rb") as f:
            df = load_file(f)
        if (not isinstance(df, pd.DataFrame) or len(df) != key["rows"][name]
                or list(df.columns) != meta["columns"]):
            raise ValueError(f"{path}: not the table that was written")
        out[name] = df
    if set(out) != set(key["rows"]):
        raise ValueError(f"{folder}: tables missing")
    return out


#: A text column is packed when at most this share of its first values, and of all its
#: values, are distinct.
_PACK_SAMPLE, _PACK_SHARE = 20_000, 0.5


class _Packed:
    """A frame as parts that pickle fast (:func:`pack`)."""
    __slots__ = ("columns", "index", "parts")

    def __init__(self, columns, index, parts):
        self.columns, self.index, self.parts = columns, index, parts


def _pack_column(s: pd.Series):
    """("codes", codes, distinct values + the missing value, dtype) for a text column with few
    distinct values, else the column itself."""
    if not isinstance(s.dtype, pd.StringDtype) or len(s) < 2:
        return s
    head = s.iloc[:_PACK_SAMPLE]
    if head.nunique(dropna=False) > len(head) * _PACK_SHARE:
        return s                       # a key such as row_key: as it is
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) > len(s) * _PACK_SHARE:
        return s
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = np.asarray(uniques, dtype=object)
    values[-1] = s.dtype.na_value      # code -1 (missing) takes the last value
    small = np.int8 if len(values) < 127 else np.int16 if len(values) < 32_767 else np.int32
    return ("codes", codes.astype(small), values, s.dtype)


def _unpack_column(part, index) -> pd.Series:
    if isinstance(part, pd.Series):
        return part
    _, codes, values, dtype = part
    return pd.Series(values.take(codes.astype(np.intp, copy=False)), index=index, dtype=dtype,
                     copy=False)


def pack(df: pd.DataFrame) -> _Packed:
    """``df`` with each text column of few distinct values as integer codes and the distinct
    values; :func:`unpack` gives back an equal frame (same columns, dtypes, values, index)."""
    if df.columns.has_duplicates:
        raise ValueError("a frame with two columns of one name cannot be packed")
    return _Packed(df.columns, df.index, [_pack_column(df[c]) for c in df.columns])


def unpack(packed: _Packed) -> pd.DataFrame:
    out = pd.DataFrame({i: _unpack_column(part, packed.index)
                        for i, part in enumerate(packed.parts)}, index=packed.index, copy=False)
    out.columns = packed.columns
    return out


def dump(df: pd.DataFrame, f) -> None:
    """Pickle the frame ``df`` to the open file ``f``, its text columns packed (:func:`pack`);
    :func:`load_file` reads it back.  Protocol 5 and no memo: a frame holds no cycle, and
    millions of distinct strings make the memo the slow part (contract lines of the 300k store:
    write 3.6 s → 1.2 s, read 2.7 s → 1.7 s); a cycle would raise."""
    p = pickle.Pickler(f, protocol=5)
    p.fast = True
    p.dump(pack(df))


def load_file(f) -> pd.DataFrame:
    """The frame :func:`dump` wrote to ``f``."""
    obj = pickle.load(f)
    if not isinstance(obj, _Packed):
        raise ValueError("not a frame written by frames_cache.dump")
    return unpack(obj)


def _new_folder(folder: Path) -> Path:
    """A new snapshot's folder beside ``folder``, readable by the store's group."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)       # mkdtemp's 0700 would hide it from the store's group
    return tmp


def _write(folder: Path, key: dict, frames: dict[str, pd.DataFrame], tmp: Path) -> None:
    """Complete the snapshot in ``tmp`` (the tables not yet there, the manifest) and move it
    into place as ``folder``."""
    tables = {}
    for name, df in frames.items():
        path = table_file(tmp, name)
        if not path.exists():
            with open(path, "wb") as f:
                dump(df, f)
        tables[name] = {"file": path.name, "bytes": path.stat().st_size,
                        "columns": list(df.columns)}
    (tmp / MANIFEST).write_text(json.dumps({"key": key, "tables": tables}, indent=1),
                                encoding="utf-8")
    # Swap: the old snapshot aside, the new one in, the old one away.  A reader in between
    # finds no snapshot and reads the store.
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
        os.replace(folder, old / "x")
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

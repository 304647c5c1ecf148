"""Read OCDS (Open Contracting Data Standard 1.1, with the bids extension) as an input
(data-contract.md, "OCDS").

``read_ocds(path)`` returns an :class:`OcdsSource`: a :class:`~procurement.readers.SourceData`
whose raw tables carry contract rows (``authorities``, ``vendors``, ``tenders``, ``bids``,
``contracts``, ``contract_lines``), so that they go through the ingest's validation and
quarantine like any CSV row, plus ``extras``: the rows of the OCDS-only tables
(:mod:`procurement.ocds_store`) that :func:`land_ocds_extras` writes in the ingest's transaction.

What is read
    Release packages, record packages (each record's ``compiledRelease``; else its
    ``versionedRelease``; else its embedded releases, compiled), JSON lines of releases or
    compiled releases, concatenated JSON texts, bare releases, records and versioned releases, a
    top-level array of any of these; gzip (by its magic bytes); UTF-8 (with or without BOM) and,
    when a file is not UTF-8, ISO-8859-1.  Releases that are not compiled are grouped by ``ocid``
    and compiled with ``ocdsmerge`` and the merge rules of the local schema
    (:mod:`procurement.ocds_rules`); a release with no ``tag``, or tagged ``compiled``, is taken as
    a compiled release (Cardinal reads its inputs the same way).

Streaming
    The file is never read whole: JSON lines are parsed line by line (``orjson``), other JSON with
    ``ijson``'s event parser, taking the elements of a package's ``releases``/``records`` array one
    at a time.  Releases waiting to be compiled are spooled to a temporary SQLite file once they
    pass 64 MB.  The mapped rows are moved to a temporary file every :data:`CHUNK_RELEASES`
    releases (authorities, vendors and parties, which are few, stay in memory), and the ingest
    reads them back one chunk at a time: memory holds a chunk of rows, not the file.

    A plain JSON lines file of :data:`SPLIT_BYTES` or more is parsed and mapped by two worker
    processes, one per half of the file, when the process has two cores and no other thread
    (:func:`_read_split`); the
    reading process merges what they found (parties first seen in the first half win, an ocid
    repeated across the halves is reported and its later rows kept out of the OCDS tables,
    exactly as in one pass).  With SQLite, a helper process writes the OCDS-only rows into a
    side database while the ingest lands the contract tables, and they are copied inside
    SQLite (:meth:`OcdsSource.start_extras`).  Gzip, other encodings and releases that must be
    compiled are read in one process.  The result is the same either way
    (tests/test_ocds.py, ``test_chunks_and_two_processes_give_the_same_store``).

How it maps (the contract's OCDS section, and the choices it leaves open)
    - ``ocid`` → ``tender_id``; every compiled release gives one tender (a release exported by
      this workbench for a contract with no tender says so and gives none).
    - Vendors: a party whose identifier scheme is ``VN-MST`` has a Vietnamese tax code as its id,
      checked as in a CSV file (a bad one is quarantined as ``bad_tax_code``).  Any other scheme
      gives the id ``<scheme>-<identifier>`` (``GB-COH-01234567``; the party id when there is no
      identifier), kept as written: the tax-code rule does not apply to it (its rows are validated
      with a copy of the table's declaration whose id column is text, see :data:`FOREIGN`), and
      the prefix keeps a foreign 12-digit number from looking like a Vietnamese personal tax
      code.  Ids longer than the store's 20 characters are shortened with a hash; the full
      identifier is kept in ``ocds_parties``.
    - A missing buyer/procuring entity is stored as unknown: the tender names a placeholder
      authority ``unknown:<ocid>`` of kind ``other`` (one per process, so that unknown buyers are
      never pooled) and ``ocds_tenders.procuring_entity_known`` is false.  A bid with no known
      tenderer, a consortium bid and a bid whose status is ``pending`` or ``invited`` are kept in
      ``ocds_bids`` only; a bid with exactly one known tenderer is also offered as a contract bid.
    - Amounts keep their currency: a ``*_vnd`` column gets the amount only when its currency is
      VND; every amount is in the OCDS tables with its currency.  The OCDS rows are validated with
      declarations in which those money columns, authorities' province and names are optional.
    - Dates: date-times go through the contract's parser (converted to Vietnam time, so instants
      compare correctly, ``Z`` against ``+07:00``); date columns take the calendar day as written.
    - Codes outside the codelists are mapped where the meaning is unambiguous (``qualified`` →
      ``valid``, ``not-qualified`` → ``disqualified``, ``mdl`` → ``MDL``, ``Open`` → ``open``) and
      every mapping, and every code left unmapped, is reported in the ingest report's warnings.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import marshal
import os
import re
import sqlite3
import tempfile
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from .contract import ENUMS, SERVICES, TABLES, Table
from .readers import RawTable, SourceData, UnreadableInput, sha256_of
from .values import (MAX_INT, ValueProblem, parse_datetime, parse_money, parse_number,
                     parse_tax_code)
from . import ocds_rules as R
from .parallel import BrokenProcessPool, fork_pool, lost, workers
from . import ocds_store  # noqa: F401  (registers the OCDS tables before the store is opened)
from . import store

# --- declarations the OCDS rows are checked against -------------------------------------------
_OPTIONAL_FOR_OCDS = {
    "authorities": {"name"},
    "vendors": {"name"},
    "bids": {"price_vnd"},
    "contracts": {"value_vnd"},
    "contract_lines": {"unit_price_vnd"},
}
_VENDOR_ID_COLUMNS = {"vendor_id", "parent_vendor_id"}


def _ocds_table(name: str, foreign: bool) -> Table:
    spec = TABLES[name]
    optional = _OPTIONAL_FOR_OCDS.get(name, set())
    cols = []
    for c in spec.columns:
        if c.name in optional:
            c = replace(c, required=False)
        if foreign and c.name in _VENDOR_ID_COLUMNS:
            c = replace(c, kind="text")
        cols.append(c)
    required_unless = () if name == "authorities" else spec.required_unless
    return Table(spec.name, tuple(cols), spec.key, spec.doc, spec.required_when, required_unless)


#: The declarations OCDS rows are validated with: ``OCDS[table]`` for rows whose vendor ids are
#: Vietnamese tax codes (checked), ``FOREIGN[table]`` for rows whose vendor ids have another scheme.
OCDS: dict[str, Table] = {n: _ocds_table(n, False) for n in TABLES}
FOREIGN: dict[str, Table] = {n: _ocds_table(n, True) for n in ("vendors", "bids", "contracts")}

# --- codes ------------------------------------------------------------------------------------
CONTRACT_METHOD = {"open": "open_bidding", "selective": "limited_bidding",
                   "direct": "direct_appointment", "limited": "other"}
#: procurementMethodDetails that name a method of the Law on Bidding (this workbench's export
#: writes the contract's code; Vietnamese publishers write the name).
_METHOD_NAMES_VI = {
    "đấu thầu rộng rãi": "open_bidding", "đấu thầu hạn chế": "limited_bidding",
    "chỉ định thầu": "direct_appointment", "chỉ định thầu rút gọn": "shortened_direct_appointment",
    "chào hàng cạnh tranh": "competitive_shopping", "mua sắm trực tiếp": "direct_procurement",
    "tự thực hiện": "self_implementation",
}
_BID_SYNONYMS = {"qualified": "valid", "not-qualified": "disqualified",
                 "notqualified": "disqualified", "not qualified": "disqualified",
                 "not_qualified": "disqualified", "unqualified": "disqualified"}
UNKNOWN_PREFIX = "unknown:"
_LONG_ID = ("mã định danh dài quá giới hạn của khoá (1000 byte UTF-8), không lưu vào các bảng ocds_* "
            "(dòng hợp đồng mang mã đó bị cách ly: key_too_long) / identifier over the key limit "
            "(1,000 bytes of UTF-8), not kept in the ocds_* tables (the contract rows that carry "
            "it are quarantined: key_too_long)")
_REPEATED_OCID = ("ocid lặp lại trong tệp; các dòng sau bị cách ly như khóa trùng / ocid repeated "
                  "in the file; later rows are quarantined as duplicate keys")
MAX_VENDOR_ID = 20
SPOOL_BYTES = 64 << 20
#: Mapped rows are moved to a temporary file every this many releases, so that a file of several
#: GB needs no more than a chunk of rows in memory (the ingest reads them back chunk by chunk).
CHUNK_RELEASES = 20_000
#: The contract tables whose rows are spooled in chunks (authorities and vendors are few, and
#: the ingest needs them whole: they refer to themselves).
_CHUNKED = ("tenders", "bids", "contracts", "contract_lines")


def _norm_code(raw, codes: tuple[str, ...], synonyms: dict | None, notes: "_Notes", what: str):
    """(code, raw): a codelist code, mapped where unambiguous and noted; None when unmapped."""
    if raw is None or raw == "":
        return None, (None if raw is None else raw)
    if not isinstance(raw, str):
        notes.add("unmapped", what, repr(raw))
        return None, str(raw)
    if raw in codes:
        return raw, raw
    key = raw.strip()
    low = key.casefold()
    for c in codes:
        if c.casefold() == low:
            notes.add("mapped", what, f"{raw} → {c}")
            return c, raw
    if synonyms and low in synonyms:
        notes.add("mapped", what, f"{raw} → {synonyms[low]}")
        return synonyms[low], raw
    notes.add("unmapped", what, raw)
    return None, raw


class _Notes:
    """Codes mapped or left unmapped and other remarks, counted, for the report's warnings."""

    TEXTS = {
        "mapped": ("mã ngoài danh mục OCDS đã được quy đổi", "non-standard code mapped"),
        "unmapped": ("mã ngoài danh mục OCDS, không quy đổi được (giữ nguyên trong bảng ocds_*)",
                     "non-standard code not mapped (kept as written in the ocds_* tables)"),
        "info": ("ghi chú", "note"),
    }

    def __init__(self):
        self.counts: Counter = Counter()

    def add(self, kind: str, what: str, detail: str = "") -> None:
        self.counts[(kind, what, detail)] += 1

    def messages(self, source: str) -> list[str]:
        out = []
        for (kind, what, detail), n in sorted(self.counts.items(), key=lambda kv: kv[0]):
            vi, en = self.TEXTS.get(kind, ("", ""))
            if kind == "info":
                vi, en = what.split(" / ", 1) if " / " in what else (what, what)
                out.append(f"{source}: {vi} / {en}" + (f": {detail}" if detail else "")
                           + f" (×{n})")
            else:
                out.append(f"{source}: {what}: {vi} / {en}: {detail} (×{n})")
        return out


# --- reading JSON, streamed -------------------------------------------------------------------
class _Latin1ToUtf8(io.RawIOBase):
    """A binary stream of UTF-8 bytes read from an ISO-8859-1 one."""

    def __init__(self, raw):
        self.raw = raw
        self.buf = b""

    def readable(self):
        return True

    def readinto(self, b):
        while not self.buf:
            chunk = self.raw.read(1 << 16)
            if not chunk:
                return 0
            self.buf = chunk.decode("latin-1").encode("utf-8")
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


def _open(path: Path, legacy: bool):
    f = open(path, "rb")
    head = f.read(2)
    f.seek(0)
    if head == b"\x1f\x8b":
        f = gzip.GzipFile(fileobj=f)
    head = f.peek(3)[:3] if hasattr(f, "peek") else b""
    if head.startswith(b"\xef\xbb\xbf"):
        f.read(3)
    if legacy:
        return io.BufferedReader(_Latin1ToUtf8(f), 1 << 16)
    return f


def _is_utf8(path: Path) -> bool:
    import codecs
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        f = _open(path, False)
    except (OSError, EOFError):
        return True        # a broken gzip stream: reported by the parse itself
    try:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            dec.decode(chunk)
        dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError):
        return True        # a broken gzip stream: reported by the parse itself
    finally:
        f.close()


def _build(it, event, value):
    """The JSON value that starts with (event, value), built from the event stream."""
    if event not in ("start_map", "start_array"):
        return value
    import ijson
    b = ijson.ObjectBuilder()
    b.event(event, value)
    depth = 1
    for ev, val in it:
        b.event(ev, val)
        if ev in ("start_map", "start_array"):
            depth += 1
        elif ev in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return b.value
    raise ijson.common.IncompleteJSONError("unexpected end of JSON")


_RECORD_KEYS = {"ocid", "compiledRelease", "versionedRelease"}
_PACKAGE_KEYS = {"uri", "publishedDate", "publisher", "version", "extensions", "packages",
                 "license", "publicationPolicy"}


def _stream_values(f):
    """Top-level JSON values, with the elements of a top-level object's ``releases``/``records``
    array yielded one by one: ``("item", key, obj)`` then ``("top", meta, streamed_keys)``;
    ``("value", obj)`` for each element of a top-level array or any other value."""
    import ijson
    it = ijson.basic_parse(f, multiple_values=True, use_float=True)
    for event, value in it:
        if event == "start_map":
            meta: dict = {}
            streamed: list[str] = []
            for ev, key in it:
                if ev == "end_map":
                    break
                ev2, val2 = next(it)
                if key in ("releases", "records") and ev2 == "start_array":
                    streamed.append(key)
                    if _RECORD_KEYS & meta.keys():
                        kind = "record"
                    elif _PACKAGE_KEYS & meta.keys():
                        kind = "package"
                    else:
                        kind = None     # not known yet: a record's releases may come first
                    for ev3, val3 in it:
                        if ev3 == "end_array":
                            break
                        yield ("item", key, _build(it, ev3, val3), kind)
                else:
                    meta[key] = _build(it, ev2, val2)
            yield ("top", meta, streamed)
        elif event == "start_array":
            for ev, val in it:
                if ev == "end_array":
                    break
                yield ("value", _build(it, ev, val))
        else:
            yield ("value", value)


#: The JSON escape of a NUL character (JSON text cannot hold the byte itself): PostgreSQL's text
#: cannot hold NUL, so a NUL read from a file becomes U+FFFD, on every store alike.
_NUL_ESCAPE = b"\\u0000"
_NUL_TEXT = ("văn bản có ký tự NUL (\\u0000), đã thay bằng «\ufffd» / text with a NUL character "
             "(\\u0000), replaced by '\ufffd'")


def _without_nul(v, found: list):
    """``v`` with U+FFFD for each NUL character of its texts (keys too); ``found[0]`` counts
    the texts changed."""
    cls = v.__class__
    if cls is str:
        if "\x00" in v:
            found[0] += 1
            return v.replace("\x00", "\ufffd")
        return v
    if cls is dict:
        return {_without_nul(k, found): _without_nul(x, found) for k, x in v.items()}
    if cls is list or cls is tuple:
        return cls(_without_nul(x, found) for x in v)
    return v


class _NulWatch:
    """A binary stream read through, noting whether the JSON escape of NUL passed (``seen``)."""

    def __init__(self, f):
        self.f, self.seen, self._tail = f, False, b""

    def read(self, n=-1):
        b = self.f.read(n)
        if not self.seen and b:
            self.seen = _NUL_ESCAPE in self._tail + b[:8] or _NUL_ESCAPE in b
            self._tail = b[-8:]
        return b

    def close(self):
        self.f.close()


def _is_lines_name(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith((".jsonl", ".ndjson"))


# --- the releases waiting to be compiled --------------------------------------------------------
class _Spool:
    """Releases grouped by ocid: in memory, then in a temporary SQLite file past SPOOL_BYTES."""

    def __init__(self):
        self.mem: dict[str, list[tuple[int, bytes]]] = {}
        self.size = 0
        self.db = None
        self.dir = None
        self.seq = 0

    def add(self, ocid: str, row: int, data: bytes) -> None:
        self.seq += 1
        if self.db is None:
            self.mem.setdefault(ocid, []).append((row, data))
            self.size += len(data)
            if self.size > SPOOL_BYTES:
                self._to_disk()
        else:
            self.db.execute("INSERT INTO spool VALUES (?, ?, ?, ?)", (self.seq, ocid, row, data))

    def _to_disk(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="hocba-ocds-")
        self.db = sqlite3.connect(os.path.join(self.dir.name, "spool.db"))
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE spool (seq INTEGER PRIMARY KEY, ocid TEXT, row INTEGER, data BLOB)")
        seq = 0
        for ocid, items in self.mem.items():
            for row, data in items:
                seq += 1
                self.db.execute("INSERT INTO spool VALUES (?, ?, ?, ?)", (seq, ocid, row, data))
        self.seq = seq
        self.mem = {}

    def groups(self):
        """(ocid, [(row, data), ...]) in order of each ocid's first release."""
        if self.db is None:
            yield from self.mem.items()
            return
        self.db.execute("CREATE INDEX spool_ocid ON spool (ocid, seq)")
        order = self.db.execute("SELECT ocid, MIN(seq) FROM spool GROUP BY ocid ORDER BY 2")
        for ocid, _ in order.fetchall():
            rows = self.db.execute("SELECT row, data FROM spool WHERE ocid = ? ORDER BY seq",
                                   (ocid,)).fetchall()
            yield ocid, rows

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.dir.cleanup()
            self.db = None

    def __len__(self):
        return self.seq


# --- the source -------------------------------------------------------------------------------
@dataclass
class OcdsSource(SourceData):
    """An OCDS input: contract rows in ``tables`` and the OCDS-only rows in ``extras``:
    ``{table name: [row tuple, ...]}`` of :mod:`procurement.ocds_store`, each tuple in
    ``ocds_store.DATA_COLUMNS[table]`` order (``ocds_store.as_dicts`` turns them into dicts).

    A large file's rows are spooled to a temporary file in chunks of :data:`CHUNK_RELEASES`
    releases: ``tables`` then holds :class:`_SpooledTable` chunks (``load()`` reads one back)
    and ``extras`` only the last chunk's rows; :meth:`extra_chunks` yields every chunk's."""
    extras: dict[str, list[tuple]] = field(default_factory=dict)
    spool: "_RowSpool | None" = None

    #: Spooled streams of OCDS-only rows, in order, each with the ocids whose rows are left out
    #: (repeated in an earlier part of the file read by another process).
    extra_streams: list = field(default_factory=lambda: [("extras", None)])

    def extra_chunks(self):
        """The OCDS-only rows, chunk by chunk (``{table: [row tuple, ...]}``)."""
        if self.spool is not None:
            for stream, drop in self.extra_streams:
                for chunk in self.spool.read(stream):
                    yield _without_ocids(chunk, drop) if drop else chunk
        yield self.extras

    def start_extras(self, dialect: str) -> None:
        """With SQLite and a spooled file: start a process that writes the OCDS-only rows into a
        side database while this one lands the contract tables; :func:`land_ocds_extras` then
        copies them inside SQLite (``INSERT … SELECT``: no Python value binding)."""
        if dialect == "sqlite" and self.spool is not None and self.side is None and workers(1, 0) > 1:
            self.spool.flush()      # the side process reads the spool's files from the disk
            self._pool = ExitStack()
            pool = self._pool.enter_context(fork_pool(1))
            self.side = pool.submit(_build_side, self.spool.folder, self.extra_streams,
                                    self.extras)

    side: object = None            # the future of the side database's path
    _pool: ExitStack | None = None  # holds the side process's fork_pool open
    _attached: tuple | None = None  # (DB-API connection, schema name) to detach

    def close(self) -> None:
        """Detach the side database (after the ingest's transaction), remove the spool."""
        if self._attached is not None:
            raw, name = self._attached
            self._attached = None
            try:
                raw.execute(f'DETACH DATABASE "{name}"')
            except Exception:        # the connection was closed or invalidated: nothing to do
                pass
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def _side_ddl(name: str) -> str:
    t = ocds_store.TABLES[name]
    cols = ocds_store.DATA_COLUMNS[name]
    pk = ", ".join(f'"{c.name}"' for c in t.primary_key.columns)
    return (f'CREATE TABLE "{name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}, '
            f'PRIMARY KEY ({pk})) WITHOUT ROWID')


def _build_side(folder: str, streams: list, remainder: dict) -> str:
    """In a helper process: the OCDS-only rows of the spool (and the rows still in memory) in a
    side SQLite database, each table keyed as in the store; within the file the first row of a
    key wins, as in :func:`land_ocds_extras`.  Returns its path.  (A worker of
    :func:`parallel.fork_pool`: the collector is off in it.)"""
    path = os.path.join(folder, "extras.db")
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        for name in ocds_store.TABLES:
            db.execute(_side_ddl(name))
        spool = _RowSpool(folder)

        def chunks():
            for stream, drop in streams:
                for chunk in spool.read(stream):
                    yield _without_ocids(chunk, drop) if drop else chunk
            yield remainder
        for chunk in chunks():
            for name, rows in chunk.items():
                if not rows:
                    continue
                t = ocds_store.TABLES[name]
                if name in _KEYED:
                    rows = _first_of_key(name, rows)
                verb = "INSERT OR IGNORE" if name in _KEYED else "INSERT"
                store.sqlite_insert(db, f'{verb} INTO "{name}"', _by_key(t, rows))
        db.commit()
    finally:
        db.close()
    return path


class _RowSpool:
    """Chunks of mapped rows in temporary files, one file per stream, read back in order.
    A worker process writes its own streams (names prefixed with its part) in the folder of
    the reading process's spool (``folder``); only the owner removes the folder."""

    def __init__(self, folder: str | None = None, prefix: str = ""):
        self.dir = None if folder else tempfile.TemporaryDirectory(prefix="hocba-ocds-rows-")
        self.folder = folder or self.dir.name
        self.prefix = prefix
        self.files: dict[str, object] = {}

    def write(self, stream: str, payload) -> int:
        """Append ``payload`` to ``stream``; returns its offset (for :meth:`at`)."""
        f = self.files.get(stream)
        if f is None:
            f = self.files[stream] = open(os.path.join(self.folder, self.prefix + stream), "wb")
        at = f.tell()
        data = marshal.dumps(payload)
        f.write(len(data).to_bytes(8, "little"))
        f.write(data)          # a length first: marshal.load() from a file reads value by value
        return at

    @staticmethod
    def _load(r):
        head = r.read(8)
        if len(head) < 8:
            raise EOFError
        return marshal.loads(r.read(int.from_bytes(head, "little")))

    def _path(self, stream: str) -> str:
        f = self.files.get(stream)
        if f is not None:
            f.flush()
        return os.path.join(self.folder, self.prefix + stream)

    def at(self, stream: str, offset: int):
        with open(self._path(stream), "rb") as r:
            r.seek(offset)
            return self._load(r)

    def read(self, stream: str):
        path = self._path(stream)
        if not os.path.exists(path):
            return
        with open(path, "rb") as r:
            while True:
                try:
                    yield self._load(r)
                except EOFError:
                    return

    def flush(self) -> None:
        """Write out what the open files buffer (before another process reads them)."""
        for f in self.files.values():
            f.flush()

    def end(self) -> None:
        """Close the files written (a worker, before it hands over)."""
        for f in self.files.values():
            f.close()
        self.files = {}

    def close(self) -> None:
        self.end()
        if self.dir is not None:
            self.dir.cleanup()
            self.dir = None


class _SpooledTable:
    """One spooled chunk of a contract table: its length now, its rows on :meth:`load`."""

    def __init__(self, spool: _RowSpool, file: str, offset: int, spec: Table, source: str,
                 n: int):
        self.spool, self.file, self.offset = spool, file, offset
        self.spec, self.table, self.source, self.n = spec, spec.name, source, n
        self.more = True

    def __len__(self) -> int:
        return self.n

    def load(self) -> RawTable:
        rows = _TableRows(self.spec)
        rows.cols, rows.row_numbers = self.spool.at(self.file, self.offset)
        rt = rows.raw_table(self.source)
        rt.more = self.more
        return rt


class _LazyRows:
    """``RawTable.rows`` built from the columns on demand (a raw row is needed only for a
    quarantined row), so the rows are not held twice."""

    def __init__(self, data: dict[str, list], labels: list[str]):
        self.cols = [data[c] for c in labels]

    def __len__(self):
        return len(self.cols[0]) if self.cols else 0

    def __getitem__(self, i):
        return [c[i] for c in self.cols]


class _TableRows:
    """Rows of one contract table under one declaration, collected column by column (the
    ingest takes columns; nothing is held twice)."""

    def __init__(self, spec: Table):
        self.spec = spec
        self.names = spec.column_names
        self.cols: list[list] = [[] for _ in self.names]
        self.row_numbers: list[int] = []

    def __len__(self) -> int:
        return len(self.row_numbers)

    def add(self, row_no: int, **values) -> None:
        get = values.get
        for name, col in zip(self.names, self.cols):
            col.append(get(name))
        self.row_numbers.append(row_no)

    def add_row(self, row_no: int, row: list) -> None:
        """A row with every column, in the declaration's order."""
        for col, v in zip(self.cols, row):
            col.append(v)
        self.row_numbers.append(row_no)

    def raw_table(self, source: str) -> RawTable:
        data = dict(zip(self.names, self.cols))
        rt = RawTable(self.spec.name, source, row_numbers=self.row_numbers, data=data,
                      headers={c: c for c in self.names}, labels=list(self.names))
        rt.rows = _LazyRows(data, self.names)
        rt.spec = self.spec          # read by the ingest hook (see docs/ocds.md, "Wiring")
        return rt


def _s(v) -> str | None:
    """A JSON scalar as text (ids are sometimes numbers), None when empty."""
    cls = v.__class__
    if cls is str:
        return v.strip() or None     # strip() returns the text itself when there is nothing to trim
    if cls is int:
        return str(v)                # (not a bool) an int's text is never empty nor padded
    if v is None or isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


#: Ways of writing the đồng that publishers use as a currency code.
_VND_NAMES = {"VNĐ": "VND", "VNDONG": "VND", "ĐỒNG": "VND", "ĐỒNG VIỆT NAM": "VND", "Đ": "VND",
              "VIETNAMESE DONG": "VND"}

_AMOUNT_AS_TEXT = ("số tiền viết dạng chữ, đã đọc thành số / amount written as text, read as "
                   "a number")
_AMOUNT_NOT_READ = ("số tiền viết dạng chữ không đọc được thành số (dòng VND bị cách ly) / amount "
                    "written as text that is not a number (a VND row is quarantined)")

#: An English-style amount with thousands commas (``1,234,567.89``).
_COMMA_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _text_amount(text: str, cur: str | None) -> float | None:
    """An amount written as text, read as a person writing that currency would mean it (None:
    not a number): VND as the contract's money (``125.000.000``, ``125,000,000``; a fraction of a
    đồng such as ``1,5`` is not an amount); other currencies as a plain number, with English
    thousands commas (``1,234.50``) or the contract's number rules (``2,5``)."""
    s = text.strip()
    try:
        if cur == "VND":
            return float(parse_money(s))
        if _COMMA_THOUSANDS.fullmatch(s):
            return float(s.replace(",", ""))
        value = float(s)
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    except (ValueError, ValueProblem):
        pass
    try:
        return parse_number(s)
    except ValueProblem:
        return None


_ONE_OBJECT = ("một đối tượng đơn ở chỗ OCDS quy định một mảng, đã đọc như mảng một phần tử / "
               "a single object where OCDS has an array, read as an array of one")


def _d(v) -> dict:
    return v if isinstance(v, dict) else {}


def _l(v) -> list:
    return v if isinstance(v, list) else []


def _day(v) -> str | None:
    """The calendar day of an OCDS date-time, as written (``2017-06-01T20:00:00-06:00`` →
    ``2017-06-01``); the contract's date parser checks it."""
    s = _s(v)
    return s[:10] if s and len(s) >= 10 and s[4] == "-" else s


class _Mapper:
    """Turns compiled releases into contract rows and OCDS rows."""

    def __init__(self, path: str):
        self.path = path
        self.notes = _Notes()
        self.t = {name: _TableRows(OCDS[name]) for name in
                  ("authorities", "vendors", "tenders", "bids", "contracts", "contract_lines")}
        self.f = {name: _TableRows(FOREIGN[name]) for name in FOREIGN}
        self.extras: dict[str, list[tuple]] = {n: [] for n in (
            "ocds_tenders", "ocds_bids", "ocds_bid_tenderers", "ocds_awards",
            "ocds_award_suppliers", "ocds_award_items", "ocds_contracts", "ocds_contract_lines",
            "ocds_parties")}
        self._cols = ocds_store.DATA_COLUMNS
        self.vendor_cache: dict = {}
        self._intern: dict = {}
        # Party ids already mapped (own exports only): as a supplier/tenderer, as any party.
        self.vendors_done: set = set()
        self.parties_done: set = set()
        self.dt_cache: dict = {}
        self.seen_authorities: set[str] = set()
        self.seen_vendors: set[str] = set()
        self.vn_vendors: set[str] = set()
        self.seen_ocids: set[str] = set()
        self.currencies = set(R.CURRENCIES)
        self.releases = 0
        self.row_spool: _RowSpool | None = None
        self.spooled: dict[str, list[tuple[int, int]]] = {}   # stream → [(offset, rows)]
        self.parts = ("",)          # the stream prefixes of the processes that spooled rows
        self._flushed = 0

    def flush(self) -> None:
        """Move the rows mapped so far (but authorities, vendors and parties) to the spool."""
        if self.row_spool is None:
            self.row_spool = _RowSpool()
        sp = self.row_spool
        for name in _CHUNKED:
            for stream, group in ((name, self.t), (f"{name}.foreign", self.f)):
                rows = group.get(name)
                if rows is None or not len(rows):
                    continue
                off = sp.write(stream, (rows.cols, rows.row_numbers))
                self.spooled.setdefault(stream, []).append((off, len(rows)))
                group[name] = _TableRows(rows.spec)
        extras = {k: v for k, v in self.extras.items() if k != "ocds_parties" and v}
        if extras:
            sp.write("extras", extras)
            for k in extras:
                self.extras[k] = []
        self._flushed = self.releases

    def without_nul(self, v):
        """``v`` (a parsed JSON value) with no NUL in its texts; each text changed is counted in
        the report's warnings."""
        found = [0]
        v = _without_nul(v, found)
        if found[0]:
            self.notes.counts[("info", _NUL_TEXT, "")] += found[0]
        return v

    def _arr(self, v, what: str) -> list:
        """An OCDS array; one object written where the schema has an array (what XML-to-JSON
        converters make of a single element) is read as an array of it, and reported."""
        if v.__class__ is list:
            return v
        if v.__class__ is dict:
            self.notes.add("info", _ONE_OBJECT, what)
            return [v]
        return []

    def _long(self, key: str, what: str) -> bool:
        """Whether an id is too long for a key (reported): its OCDS-only rows are not kept."""
        if store.key_too_long(key):
            self.notes.add("info", _LONG_ID, what)
            return True
        return False

    def _x(self, _table: str, **values) -> None:
        """One row of an OCDS table, as a tuple in :data:`ocds_store.DATA_COLUMNS` order."""
        self.extras[_table].append(tuple(map(values.get, self._cols[_table])))

    # -- parties -------------------------------------------------------------------------------
    def _vendor(self, ref: dict, parties: dict, row_no: int, hocba: bool):
        """(vendor_id, is_vn) for an organization reference; a vendor row is added once."""
        if ref.__class__ is not dict:
            ref = _d(ref)
        pid = _s(ref.get("id"))
        party = parties.get(pid, {}) if pid else {}
        ident = party.get("identifier")
        if ident.__class__ is not dict or not ident:    # (the usual case: a party's identifier)
            ident = _d(ident) or _d(ref.get("identifier"))
        key = (pid, _s(ident.get("scheme")), _s(ident.get("id")))    # (an id may be a list)
        hit = self.vendor_cache.get(key)
        if hit is not None:
            return hit
        hit = self.vendor_cache[key] = self._new_vendor(ref, pid, party, ident, row_no, hocba)
        return hit

    def _new_vendor(self, ref, pid, party, ident, row_no, hocba):
        scheme = (_s(ident.get("scheme")) or "").upper().replace(" ", "")
        ident_id = _s(ident.get("id"))
        vn = False
        if scheme == "VN-MST" and ident_id:
            vid, vn = ident_id, True
        elif pid and pid.upper().startswith("VN-MST-"):
            vid, vn, scheme, ident_id = pid[7:], True, "VN-MST", pid[7:]
        elif scheme and ident_id:
            # The scheme as the id's prefix in one form (upper case, no spaces), the one the
            # export writes: read back, the file gives the same vendor ids.
            vid = ident_id if ident_id.upper().startswith(scheme + "-") else f"{scheme}-{ident_id}"
        elif pid:
            vid = pid
        elif ident_id:
            vid = f"ID-{ident_id}"     # an identifier without a scheme (OCDS 1.0 publishers)
        else:
            return None, False
        if vn:
            raw_id = ident.get("id")
            try:
                # a number loses its leading zero: the contract's parser puts it back
                vid = parse_tax_code(raw_id if raw_id.__class__ is int and vid == ident_id else vid)
            except ValueProblem:
                pass  # kept as written: the ingest quarantines it as bad_tax_code
        elif len(vid) > MAX_VENDOR_ID:
            h = hashlib.sha1(vid.encode()).hexdigest()[:8]
            vid = f"{vid[:MAX_VENDOR_ID - 9]}~{h}"
        if vid not in self.seen_vendors:
            self.seen_vendors.add(vid)
            if vn:
                self.vn_vendors.add(vid)
            self._vendor_row(vid, vn, party or ref, row_no, scheme, ident_id, pid, hocba)
        return vid, vn

    def _vendor_row(self, vid, vn, party, row_no, scheme, ident_id, pid, hocba):
        det = _d(party.get("details")) if hocba else {}
        addr = _d(party.get("address"))
        cp = _d(party.get("contactPoint"))
        address = ", ".join(x for x in (_s(addr.get(k)) for k in (
            "streetAddress", "locality", "region", "countryName")) if x) or None
        parent = _s(det.get("parentID"))
        rows = self.t["vendors"] if vn and (parent is None or parent in self.vn_vendors or
                                            _looks_vn(parent)) else self.f["vendors"]
        rows.add(row_no, vendor_id=vid, name=_s(party.get("name")), address=address,
                 phone=_s(cp.get("telephone")), email=_s(cp.get("email")),
                 website=_s(cp.get("url")), registered_on=_s(det.get("registeredOn")),
                 status=_s(det.get("status")), province_code=_s(det.get("provinceCode")),
                 parent_vendor_id=parent)
        if self._long(vid, "parties.identifier"):
            return
        self._x("ocds_parties", **{
            "table_name": "vendors", "entity_id": vid, "scheme": scheme or None,
            "identifier": ident_id, "party_id": pid, "name": _s(party.get("name"))})

    def _authority(self, ref: dict, parties: dict, row_no: int, hocba: bool) -> str | None:
        ref = _d(ref)
        pid = _s(ref.get("id"))
        if pid is None:
            ident = _d(ref.get("identifier"))
            if _s(ident.get("id")):
                pid = f"{_s(ident.get('scheme')) or 'ID'}-{_s(ident.get('id'))}"
        if pid is None:
            return None
        if pid not in self.seen_authorities:
            self.seen_authorities.add(pid)
            party = parties.get(pid) or ref
            det = _d(party.get("details")) if hocba else {}
            kind = _s(det.get("kind"))
            self.t["authorities"].add(
                row_no, authority_id=pid, name=_s(party.get("name")) or _s(ref.get("name")),
                kind=kind if kind in ENUMS["authority_kind"] else "other",
                province_code=_s(det.get("provinceCode")), commune_code=_s(det.get("communeCode")),
                school_id=_s(det.get("schoolID")), parent_authority_id=_s(det.get("parentID")))
            ident = _d(party.get("identifier"))
            if not self._long(pid, "parties.id"):
                self._x("ocds_parties", **{
                    "table_name": "authorities", "entity_id": pid,
                    "scheme": _s(ident.get("scheme")), "identifier": _s(ident.get("id")),
                    "party_id": _s(ref.get("id")), "name": _s(party.get("name"))})
        return pid

    # -- amounts -------------------------------------------------------------------------------
    def _amount(self, value, what: str):
        """(amount, currency, vnd): the amount in its own currency, the currency (mapped where
        unambiguous) and the whole-đồng amount for a ``*_vnd`` column (None unless VND)."""
        if value.__class__ is dict:
            amount = value.get("amount")
            # The common case first: a whole, non-negative amount in VND.
            if value.get("currency") == "VND" and amount.__class__ is int and amount >= 0:
                return float(amount), "VND", amount
        value = _d(value)
        amount = value.get("amount")
        cur = value.get("currency")
        if cur is not None:
            if not isinstance(cur, str) or not cur.strip():
                cur = None
            elif cur not in self.currencies:
                up = cur.strip().upper()
                up = _VND_NAMES.get(up, up)
                if up in self.currencies:
                    self.notes.add("mapped", "currency", f"{cur} → {up}")
                    cur = up
                else:
                    self.notes.add("unmapped", "currency", cur)
        if isinstance(amount, bool):
            amount = None
        elif isinstance(amount, str):
            text = amount
            amount = _text_amount(text, cur)
            if amount is None:
                self.notes.add("info", _AMOUNT_NOT_READ, f"{what}.amount: {text}")
                if cur == "VND":      # the contract's money parser says why (bad_amount, …)
                    return None, cur, text
            else:
                shown = format(amount, "f").rstrip("0").rstrip(".")
                self.notes.add("info", _AMOUNT_AS_TEXT, f"{what}.amount: {text} → {shown}")
        elif amount is not None and (not isinstance(amount, (int, float)) or amount != amount
                                     or amount in (float("inf"), float("-inf"))):
            amount = None
        if amount is not None and cur is None:
            self.notes.add("info", "số tiền không ghi loại tiền, không dùng như VND / amount "
                                   "without a currency, not taken as VND", what)
        vnd = None
        if amount is not None and cur == "VND":
            if amount < 0 or not float(amount).is_integer():
                vnd = amount          # the contract parser reports it (negative_amount, bad_amount)
            else:
                vnd = int(amount)
        return (float(amount) if amount is not None else None), cur, vnd

    def _instant(self, v) -> tuple[str | None, str | None, bool]:
        """(canonical, raw, date_only_marker) of an OCDS date-time."""
        raw = _s(v)
        if raw is None:
            return None, None, False
        hit = self.dt_cache.get(raw)
        if hit is None:
            try:
                hit = (parse_datetime(raw), raw, False)
            except ValueProblem:
                hit = (None, raw, False)
            if len(self.dt_cache) > 200_000:
                self.dt_cache.clear()
            self.dt_cache[raw] = hit
        return hit

    # -- one compiled release ------------------------------------------------------------------
    def release(self, rel: dict, row_no: int) -> None:
        if self.releases - self._flushed >= CHUNK_RELEASES:
            self.flush()
        ocid = _s(rel.get("ocid"))
        if ocid is None:
            self.notes.add("info", "bản phát hành không có ocid, bỏ qua / release without an "
                                   "ocid, skipped", f"#{row_no}")
            return
        self.releases += 1
        duplicate = ocid in self.seen_ocids
        self.seen_ocids.add(ocid)
        if duplicate:
            self.notes.add("info", _REPEATED_OCID, ocid)
        # A repeated or too long ocid: its contract rows are quarantined, no OCDS-only row kept.
        skip = duplicate or self._long(ocid, "ocid")
        marks = rel.get("hocba")
        hocba = isinstance(marks, dict)
        if not hocba:
            marks = {}
        parties = {}
        roles: dict = {}
        for p in self._arr(rel.get("parties"), "parties"):
            if p.__class__ is not dict:
                continue
            pid = p.get("id")
            if pid.__class__ is not str:
                pid = _s(pid)
            if not pid or pid in parties:
                continue
            parties[pid] = p
            rs = p.get("roles")
            for r in (rs if rs.__class__ is list else _l(rs)):
                if r.__class__ is str:
                    roles.setdefault(r, []).append(pid)
        tender = _d(rel.get("tender"))
        buyer_ref = _d(rel.get("buyer")) or ({"id": roles["buyer"][0]} if roles.get("buyer") else {})
        pe_ref = _d(tender.get("procuringEntity")) or (
            {"id": roles["procuringEntity"][0]} if roles.get("procuringEntity") else {})
        buyer_id = self._authority(buyer_ref, parties, row_no, hocba) if buyer_ref else None
        pe_id = self._authority(pe_ref, parties, row_no, hocba) if pe_ref else None
        done = self.vendors_done
        for r in ("supplier", "tenderer"):
            for pid in roles.get(r, ()):
                if pid not in done:
                    self._vendor({"id": pid}, parties, row_no, hocba)
                    if hocba:
                        done.add(pid)
        # Exported parents (this workbench's own releases list them without a role).
        if hocba:
            done = self.parties_done
            for pid, p in parties.items():
                if pid in done:
                    continue
                done.add(pid)
                det = _d(p.get("details"))
                if det.get("table") == "authorities":
                    self._authority({"id": pid}, parties, row_no, True)
                elif det.get("table") == "vendors":
                    self._vendor({"id": pid}, parties, row_no, True)
        has_tender = not marks.get("noTender")
        known = pe_id or buyer_id
        entity = known or f"{UNKNOWN_PREFIX}{ocid}"
        if has_tender and not known and entity not in self.seen_authorities:
            self.seen_authorities.add(entity)
            self.t["authorities"].add(row_no, authority_id=entity,
                                      name="(không rõ bên mời thầu / unknown procuring entity)",
                                      kind="other")
        n = self.notes
        method_raw = _s(tender.get("procurementMethod"))
        pmd = _s(tender.get("procurementMethodDetails"))
        method = None
        if pmd:
            if pmd in ENUMS["method"]:
                method = pmd
            elif pmd.strip().casefold() in _METHOD_NAMES_VI:
                method = _METHOD_NAMES_VI[pmd.strip().casefold()]
        if method is None:
            code, _ = _norm_code(method_raw, R.METHODS, None, n, "tender.procurementMethod")
            method = CONTRACT_METHOD.get(code, "other")
            if method_raw is None and has_tender:
                n.add("info", "thiếu tender.procurementMethod, ghi là other / no "
                              "tender.procurementMethod, method 'other'")
        t_amount, t_cur, t_vnd = self._amount(tender.get("value"), "tender.value")
        period = _d(tender.get("tenderPeriod"))
        start, start_raw, _ = self._instant(period.get("startDate"))
        end, end_raw, _ = self._instant(period.get("endDate"))
        published = self._dt_value(start_raw, hocba)     # (the *_raw are _s of the values)
        deadline = self._dt_value(end_raw, hocba)
        awards = [a for a in self._arr(rel.get("awards"), "awards") if isinstance(a, dict)]
        award_status = {}
        awarded_days = []
        for i, a in enumerate(awards):
            st, _ = _norm_code(_s(a.get("status")), R.AWARD_STATUS, None, n, "award.status")
            award_status[i] = st
            if st in ("active", None):
                day = _day(a.get("date"))
                if day:
                    awarded_days.append(day)
        if has_tender:
            title = _s(tender.get("title"))
            if hocba:
                category = _s(tender.get("category"))
                # This workbench's own fields (docs/ocds.md); another publisher's fields of the
                # same name are not read.
                own = [_s(marks.get("awardedOn")), _s(tender.get("schoolYear")),
                       _s(tender.get("fundingSource")), _s(tender.get("directAwardGround")),
                       tender.get("inInvestmentProject")]
            else:
                category = None
                own = [min(awarded_days) if awarded_days else None, None, None, None, None]
            self.t["tenders"].add_row(row_no, [
                ocid, entity, title, category if category in SERVICES else "other", method, t_vnd,
                published, deadline, *own])
        status, status_raw = _norm_code(_s(tender.get("status")), R.TENDER_STATUS, None, n,
                                        "tender.status")
        ntend = tender.get("numberOfTenderers")
        if ntend is not None and not (isinstance(ntend, (int, float)) and not isinstance(ntend, bool)
                                      and float(ntend).is_integer() and abs(ntend) <= MAX_INT):
            n.add("unmapped", "tender.numberOfTenderers", repr(ntend))
            ntend = None
        details = rel.get("bids", {}).get("details") if isinstance(rel.get("bids"), dict) else None
        if not skip:
            self.extras["ocds_tenders"].append((
                ocid, _s(rel.get("id")), _s(rel.get("date")), _s(tender.get("id")), status,
                status_raw, method_raw, pmd, int(ntend) if ntend is not None else None, t_amount,
                t_cur, _s(tender.get("mainProcurementCategory")), _s(tender.get("awardCriteria")),
                start, end, buyer_id, entity if has_tender else None, bool(known),
                isinstance(details, list), row_no))
        self._bids(ocid, self._arr(details, "bids.details"), parties, row_no, hocba, skip,
                   has_tender)
        award_vendors = self._awards(ocid, awards, award_status, parties, row_no, hocba, skip)
        self._contracts(ocid, rel, awards, award_vendors, buyer_id, parties, row_no, hocba,
                        skip, has_tender)

    @staticmethod
    def _dt_value(s: str | None, hocba: bool):
        """A date-time for the contract's datetime columns, from its text (``_s`` of the OCDS
        value): as written (the contract parser converts it to Vietnam time); in this
        workbench's own export a Vietnam midnight stands for a date without a time."""
        if s and hocba and s.endswith("T00:00:00+07:00"):
            return s[:10]
        return s

    def _bids(self, ocid, details, parties, row_no, hocba, duplicate, has_tender):
        n = self.notes
        kept_only: dict = {}
        seen_ids: set = set()
        bid_rows = self.extras["ocds_bids"]
        tenderer_rows = self.extras["ocds_bid_tenderers"]
        bid_codes = ENUMS["bid_status"]
        vendor, amount_of, instant = self._vendor, self._amount, self._instant
        for j, b in enumerate(details, start=1):
            if not isinstance(b, dict):
                continue
            bid_id = _uniq(_s(b.get("id")) or f"#{j}", seen_ids, j)
            skip = duplicate or self._long(bid_id, "bids.details.id")
            status, status_raw = _norm_code(_s(b.get("status")), R.BID_STATUS, _BID_SYNONYMS, n,
                                            "bid.status")
            v = b.get("statusDetails")
            if v is not None and (_s(v) or "").casefold() == "late":
                status = "late"
            amount, cur, vnd = amount_of(b.get("value"), "bid.value")
            date, date_raw, _ = instant(b.get("date"))     # date_raw is _s(b["date"])
            ids = []
            pos = 0
            for t in self._arr(b.get("tenderers"), "bids.details.tenderers"):
                if not isinstance(t, dict):
                    continue
                pos += 1
                vid, vn = vendor(t, parties, row_no, hocba)
                ids.append((vid, vn))
                if not skip:
                    tid = _s(t.get("id"))
                    party = parties.get(tid, t) if tid else t
                    tenderer_rows.append((ocid, bid_id, pos, vid, tid, _s(party.get("name"))))
            if len(ids) == 1:                   # the usual case: one tenderer
                known = ids if ids[0][0] else []
            else:
                known = list(dict.fromkeys(x for x in ids if x[0]))
                ids = list(dict.fromkeys(ids))
            contract_vendor = None
            if len(known) == 1 and len(ids) == 1 and status not in ("pending", "invited") and has_tender:
                vid, vn = known[0]
                contract_vendor = vid
                rows = self.t["bids"] if vn else self.f["bids"]
                rows.add_row(row_no, [ocid, vid, vnd, self._dt_value(date_raw, hocba),
                                      status if status in bid_codes else status_raw])
            else:
                why = ("no known tenderer" if not known else "consortium" if len(ids) > 1
                       else status or "?")
                kept_only[why] = kept_only.get(why, 0) + 1
            if not skip:
                bid_rows.append((ocid, bid_id, j, status, status_raw, amount, cur, date, date_raw,
                                 len(known), contract_vendor, row_no))
        for why, k in kept_only.items():
            n.add("info", "hồ sơ dự thầu chỉ lưu trong ocds_bids (không có nhà thầu duy nhất đã biết "
                          "hoặc trạng thái pending/invited) / bids kept in ocds_bids only (no single "
                          "known tenderer, or status pending/invited)", why)
            if k > 1:
                n.counts[("info", "hồ sơ dự thầu chỉ lưu trong ocds_bids (không có nhà thầu duy "
                                  "nhất đã biết hoặc trạng thái pending/invited) / bids kept in "
                                  "ocds_bids only (no single known tenderer, or status "
                                  "pending/invited)", why)] += k - 1

    def _awards(self, ocid, awards, award_status, parties, row_no, hocba, duplicate):
        out = {}
        seen_ids: set = set()
        extras = self.extras
        for i, a in enumerate(awards):
            award_id = _uniq(_s(a.get("id")) or f"#{i + 1}", seen_ids, i + 1)
            skip = duplicate or self._long(award_id, "awards.id")
            amount, cur, _ = self._amount(a.get("value"), "award.value")
            vids = []
            for pos, s in enumerate([x for x in self._arr(a.get("suppliers"), "awards.suppliers")
                                     if isinstance(x, dict)], 1):
                vid, vn = self._vendor(s, parties, row_no, hocba)
                vids.append((vid, vn))
                if not skip:
                    sid = _s(s.get("id"))
                    party = parties.get(sid, s) if sid else s
                    extras["ocds_award_suppliers"].append(
                        (ocid, award_id, pos, vid, sid, _s(party.get("name"))))
            if not skip:
                items = extras["ocds_award_items"]
                for pos, it in enumerate([x for x in self._arr(a.get("items"), "awards.items")
                                          if isinstance(x, dict)], 1):
                    cl = _d(it.get("classification"))
                    items.append((ocid, award_id, pos, _s(it.get("id")), _s(cl.get("scheme")),
                                  _s(cl.get("id")), _s(it.get("description"))))
            out[award_id] = (vids, a, amount, cur)
            rb = a.get("relatedBids")
            if rb is None and _s(a.get("relatedBid")):
                rb = [a.get("relatedBid")]
            if not skip:
                extras["ocds_awards"].append((
                    ocid, award_id, i + 1, award_status.get(i), _s(a.get("status")),
                    self._instant(a.get("date"))[0], amount, cur,
                    sum(1 for v in vids if v[0]),
                    " ".join(x for x in (_s(r) for r in _l(rb)) if x) or None,
                    row_no))
        return out

    def _contracts(self, ocid, rel, awards, award_vendors, buyer_id, parties, row_no, hocba,
                   duplicate, has_tender):
        n = self.notes
        contracts = [c for c in self._arr(rel.get("contracts"), "contracts") if isinstance(c, dict)]
        only_award = next(iter(award_vendors)) if len(award_vendors) == 1 else None
        seen_ids: set = set()
        for k, c in enumerate(contracts, start=1):
            cid_ocds = _uniq(_s(c.get("id")) or f"#{k}", seen_ids, k)
            skip = duplicate or self._long(cid_ocds, "contracts.id")
            award_id = _s(c.get("awardID")) or only_award
            if award_id not in award_vendors and only_award is not None:
                n.add("info", "contract.awardID không khớp award nào; dùng award duy nhất của quy "
                              "trình / contract.awardID matches no award; the process's only "
                              "award is used", f"{award_id} → {only_award}")
                award_id = only_award
            vids, award, a_amount, a_cur = award_vendors.get(award_id, ([], {}, None, None))
            amount, cur, vnd = self._amount(c.get("value"), "contract.value")
            value_from = "contract"
            if amount is None and a_amount is not None:
                amount, cur, vnd = self._amount(award.get("value"), "award.value")
                value_from = "award"
            status, status_raw = _norm_code(_s(c.get("status")), R.CONTRACT_STATUS, None, n,
                                            "contract.status")
            contract_id = cid_ocds if hocba else f"{ocid}/{cid_ocds}"
            if len(vids) > 1:
                vids = list(dict.fromkeys(vids))
            known = [v for v in vids if v[0]]
            landed_as = None
            signed = _s(c.get("dateSigned"))
            if len(known) == 1 and len(vids) == 1:
                vid, vn = known[0]
                landed_as = contract_id
                period = _d(c.get("period"))
                rows = self.t["contracts"] if vn else self.f["contracts"]
                rows.add_row(row_no, [
                    contract_id, ocid if has_tender else None, vid,
                    self._authority(c.get("buyer"), parties, row_no, hocba)
                    if hocba and isinstance(c.get("buyer"), dict) else (
                        None if has_tender else buyer_id),
                    _day(signed), vnd, _day(period.get("startDate")), _day(period.get("endDate"))])
                items = [x for x in self._arr(c.get("items"), "contracts.items") if isinstance(x, dict)]
                if not items and award_id in award_vendors and sum(
                        1 for cc in contracts if (_s(cc.get("awardID")) or only_award) == award_id) == 1:
                    items = [x for x in self._arr(award.get("items"), "awards.items")
                             if isinstance(x, dict)]
                self._lines(contract_id, ocid, items, row_no, hocba)
            else:
                why = ("several suppliers (consortium)" if known else
                       f"awardID {award_id} matches no award" if award_id and award_id not in
                       award_vendors else "no supplier")
                n.add("info", "hợp đồng chỉ lưu trong ocds_contracts (không có đúng một nhà cung "
                              "cấp đã biết) / contracts kept in ocds_contracts only (not exactly "
                              "one known supplier)", why)
            if not skip:
                self.extras["ocds_contracts"].append((
                    ocid, cid_ocds, landed_as, award_id, status, status_raw, amount, cur,
                    value_from if amount is not None else None, signed, row_no))

    def _lines(self, contract_id, ocid, items, row_no, hocba):
        add_row = self.t["contract_lines"].add_row
        intern = self._intern
        extra = self.extras["ocds_contract_lines"].append
        if items and (store.key_too_long(contract_id) or store.key_too_long(ocid)):
            # (the contract's rows are quarantined: key_too_long)
            extra = lambda row: None      # noqa: E731
        amount_of = self._amount
        units, services = ENUMS["unit"], SERVICES
        for line_no, it in enumerate(items, start=1):
            unit = it.get("unit")
            if unit.__class__ is not dict:
                unit = _d(unit)
            amount, cur, vnd = amount_of(unit.get("value"), "item.unit.value")
            unit_name = _s(unit.get("name"))
            our_unit = unit_name if unit_name in units else ("other" if unit_name else None)
            qty = it.get("quantity")
            if not (qty.__class__ is int or qty.__class__ is float):
                qty = _s(qty)
            if hocba:
                service = _s(it.get("service"))
                v = it.get("lineNo")
                if v.__class__ is int and 0 <= v <= MAX_INT:
                    given, line_key = str(v), v       # what the general case below gives
                else:
                    given = _s(v)
                    line_key = (int(given) if given and given.isdigit() and len(given) < 19
                                else line_no)
                school = _s(it.get("schoolID"))
            else:
                service = school = None
                given = line_key = line_no
            desc = _s(it.get("description"))
            if desc is not None:
                desc = intern.setdefault(desc, desc)    # repeated texts are held once
            add_row(row_no, [contract_id, given, school, desc,
                             service if service in services else "other", qty, our_unit, vnd])
            extra((contract_id, line_key, ocid, _s(it.get("id")), amount, cur, unit_name))

    # -- the result ----------------------------------------------------------------------------
    def tables(self, source: str) -> list:
        """The raw tables, in order; a spooled table comes as its chunks (each marked ``more``
        when another chunk of the same rows follows)."""
        out = []
        for name in ("authorities", "vendors", "tenders", "bids", "contracts", "contract_lines"):
            for stream, group in ((name, self.t), (f"{name}.foreign", self.f)):
                if name not in group:
                    continue
                # Spooled by this process, or by the two that read the halves of the file.
                chunks = [_SpooledTable(self.row_spool, p + stream, off, group[name].spec, source,
                                        n)
                          for p in self.parts for off, n in self.spooled.get(p + stream, ())]
                out += chunks
                if len(group[name]):
                    rt = group[name].raw_table(source)
                    rt.more = False
                    out.append(rt)
                elif chunks:
                    chunks[-1].more = False
        return out


# The hot paths above write these tables' rows as tuples in this order.
assert ocds_store.DATA_COLUMNS["ocds_bids"] == (
    "ocid", "bid_id", "position", "status", "status_raw", "amount", "currency", "date", "date_raw",
    "n_tenderers", "contract_vendor_id", "row_no")
assert ocds_store.DATA_COLUMNS["ocds_bid_tenderers"] == (
    "ocid", "bid_id", "position", "vendor_id", "party_id", "name")
assert ocds_store.DATA_COLUMNS["ocds_award_suppliers"] == (
    "ocid", "award_id", "position", "vendor_id", "party_id", "name")
assert ocds_store.DATA_COLUMNS["ocds_award_items"] == (
    "ocid", "award_id", "position", "item_id", "classification_scheme", "classification_id",
    "description")
assert ocds_store.DATA_COLUMNS["ocds_contract_lines"] == (
    "contract_id", "line_no", "ocid", "item_ocds_id", "unit_amount", "currency", "unit_name")
assert ocds_store.DATA_COLUMNS["ocds_tenders"] == (
    "ocid", "release_id", "release_date", "tender_ocds_id", "status", "status_raw",
    "procurement_method", "procurement_method_details", "number_of_tenderers", "value_amount",
    "value_currency", "main_procurement_category", "award_criteria", "tender_period_start",
    "tender_period_end", "buyer_id", "procuring_entity_id", "procuring_entity_known",
    "has_bid_details", "row_no")
assert ocds_store.DATA_COLUMNS["ocds_awards"] == (
    "ocid", "award_id", "position", "status", "status_raw", "date", "amount", "currency",
    "n_suppliers", "related_bids", "row_no")
assert ocds_store.DATA_COLUMNS["ocds_contracts"] == (
    "ocid", "contract_ocds_id", "contract_id", "award_id", "status", "status_raw", "amount",
    "currency", "value_from", "date_signed", "row_no")
assert TABLES["tenders"].column_names == [
    "tender_id", "procuring_entity_id", "title", "category", "method", "estimated_value_vnd",
    "published_on", "bid_deadline", "awarded_on", "school_year", "funding_source",
    "direct_award_ground", "in_investment_project"]
assert TABLES["contracts"].column_names == [
    "contract_id", "tender_id", "vendor_id", "procuring_entity_id", "signed_on", "value_vnd",
    "start_on", "end_on"]
assert TABLES["contract_lines"].column_names == [
    "contract_id", "line_no", "school_id", "item", "service", "quantity", "unit", "unit_price_vnd"]
assert TABLES["bids"].column_names == [
    "tender_id", "vendor_id", "price_vnd", "submitted_on", "status"]


def _uniq(local_id: str, seen: set, position: int) -> str:
    """An id unique within its block: a repeated one gets ``#<position>`` (OCDS says ids are
    unique within the block; some publishers repeat them)."""
    if local_id in seen:
        local_id = f"{local_id}#{position}"
    seen.add(local_id)
    return local_id


def _looks_vn(vendor_id: str) -> bool:
    try:
        parse_tax_code(vendor_id)
        return True
    except ValueProblem:
        return False


def _unversion(v):
    """A versioned release's field values → the latest value of each (a compiled release)."""
    if isinstance(v, dict):
        return {k: _unversion(x) for k, x in v.items()}
    if isinstance(v, list):
        if v and all(isinstance(x, dict) and "releaseID" in x and "value" in x for x in v):
            return _unversion(v[-1]["value"])
        return [_unversion(x) for x in v]
    return v


def _is_versioned(obj: dict) -> bool:
    for k in ("initiationType", "tag", "date", "language"):
        v = obj.get(k)
        if isinstance(v, list) and v and isinstance(v[0], dict) and "releaseID" in v[0]:
            return True
    tender = obj.get("tender")
    if isinstance(tender, dict):
        for v in tender.values():
            if isinstance(v, list) and v and isinstance(v[0], dict) and "releaseID" in v[0]:
                return True
    return False


class _Reader:
    """Classifies the JSON values of one file and feeds the mapper."""

    def __init__(self, path: Path, mapper: _Mapper):
        self.path = path
        self.m = mapper
        self.spool = _Spool()
        self.compiled: set[str] = set()
        self.index = 0
        self.kinds: Counter = Counter()
        self.meta: dict = {}
        self._merger = None
        # releases of the top-level object being streamed: links (url only) and embedded ones
        self.linked = self.embedded = 0

    def value(self, obj, key: str | None = None) -> None:
        """One JSON value: a package, record, release or something else."""
        if not isinstance(obj, dict):
            self.index += 1
            self.m.notes.add("info", "giá trị JSON không phải đối tượng OCDS, bỏ qua / JSON value "
                                     "that is not an OCDS object, skipped", f"#{self.index}")
            return
        if key == "records":
            self.record(obj)
            return
        if key == "releases":
            self.release(obj)
            return
        if "ocid" not in obj and isinstance(obj.get("releases"), list):
            self.package(obj)
            for r in obj["releases"]:
                self.value(r, "releases")
            return
        if "ocid" not in obj and isinstance(obj.get("records"), list):
            self.package(obj)
            for r in obj["records"]:
                self.value(r, "records")
            return
        if ("compiledRelease" in obj or "versionedRelease" in obj
                or ("ocid" in obj and isinstance(obj.get("releases"), list))):
            self.record(obj)
            return
        if "ocid" in obj:
            self.release(obj)
            return
        self.index += 1
        if _RELEASE_KEYS & obj.keys():
            self.m.notes.add("info", _NO_OCID, f"#{self.index}")
            return
        self.m.notes.add("info", "đối tượng JSON không phải release, record hay package OCDS, bỏ "
                                 "qua / JSON object that is not an OCDS release, record or "
                                 "package, skipped", f"#{self.index}")

    def package(self, meta: dict) -> None:
        self.kinds["package"] += 1
        pub = _d(meta.get("publisher"))
        if _s(pub.get("name")) and "publisher" not in self.meta:
            self.meta["publisher"] = _s(pub.get("name"))
        if _s(meta.get("version")):
            self.meta.setdefault("version", _s(meta.get("version")))

    def top(self, meta: dict, streamed: list[str]) -> None:
        """The rest of a top-level object whose releases/records were streamed."""
        try:
            self._top(meta, streamed)
        finally:
            self.linked = self.embedded = 0

    def _top(self, meta: dict, streamed: list[str]) -> None:
        if "compiledRelease" in meta or "versionedRelease" in meta:
            self.record(meta, releases_streamed=True)   # a bare record (some omit its ocid)
        elif "ocid" in meta:
            if streamed:
                self.kinds["record"] += 1   # a record with embedded releases, already spooled
                if self.linked and not self.embedded:     # ... or with links only
                    self.m.notes.add("info", _LINKED_ONLY, _s(meta.get("ocid")) or "")
            else:
                self.value(meta)
        elif streamed:
            self.package(meta)
        else:
            self.value(meta)

    def record(self, rec: dict, releases_streamed: bool = False) -> None:
        self.index += 1
        self.kinds["record"] += 1
        cr = rec.get("compiledRelease")
        ocid = _s(rec.get("ocid")) or (_s(cr.get("ocid")) if isinstance(cr, dict) else None)
        if isinstance(cr, dict):
            self.compiled_release(cr, self.index, ocid)
            return
        vr = rec.get("versionedRelease")
        if isinstance(vr, dict):
            self.kinds["versioned"] += 1
            self.compiled_release(_unversion(vr), self.index, ocid)
            return
        if releases_streamed:
            return
        rels = [r for r in _l(rec.get("releases")) if isinstance(r, dict)]
        embedded = [r for r in rels if set(r) - {"url", "date", "tag"}]
        if not embedded:
            self.m.notes.add("info", _LINKED_ONLY, ocid or "")
            return
        for r in embedded:
            r.setdefault("ocid", ocid)
            self.release(r, count=False)

    def release(self, rel: dict, count: bool = True, spool: bool = False) -> None:
        self.index += 1
        if len(rel) <= 3 and not set(rel) - {"url", "date", "tag"}:
            self.kinds["linked_release"] += 1     # a record's link to a release: nothing to read
            self.linked += 1
            return
        self.embedded += 1
        if _is_versioned(rel):
            self.kinds["versioned"] += 1
            self.compiled_release(_unversion(rel), self.index, _s(rel.get("ocid")))
            return
        tag = rel.get("tag")
        tags = tag if isinstance(tag, list) else ([tag] if isinstance(tag, str) else [])
        if (not tags or "compiled" in tags) and not spool:
            self.compiled_release(rel, self.index, _s(rel.get("ocid")))
            return
        import orjson
        ocid = _s(rel.get("ocid"))
        if ocid is None:
            self.m.notes.add("info", _NO_OCID, f"#{self.index}")
            return
        self.kinds["release"] += 1
        self.spool.add(ocid, self.index, orjson.dumps(rel))

    def compiled_release(self, rel: dict, row: int, ocid: str | None) -> None:
        self.kinds["compiled"] += 1
        if ocid and "ocid" not in rel:
            rel["ocid"] = ocid
        if ocid:
            self.compiled.add(ocid)
        self.m.release(rel, row)

    def finish(self) -> None:
        """Compile the spooled releases by ocid (those with a compiled release are skipped)."""
        import orjson
        try:
            for ocid, items in self.spool.groups():
                if ocid in self.compiled:
                    self.m.notes.add("info", "release bỏ qua vì đã có compiledRelease cùng ocid / "
                                             "releases skipped: a compiled release of the same "
                                             "ocid was read", "")
                    continue
                rels = [orjson.loads(d) for _, d in items]
                row = items[-1][0]
                if len(rels) == 1:
                    self.m.release(rels[0], row)
                    continue
                self.m.release(self._merge(ocid, rels), row)
        finally:
            self.spool.close()

    def _merge(self, ocid: str, rels: list[dict]) -> dict:
        import warnings

        from ocdsmerge import Merger
        from ocdsmerge.exceptions import OCDSMergeError
        if self._merger is None:
            self._merger = Merger(merge_rules=R.MERGE_RULES)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = self._merger.create_compiled_release(rels)
            self.kinds["merged"] += 1
            return out
        except (OCDSMergeError, TypeError, KeyError, ValueError) as e:
            self.m.notes.add("info", "không ghép được các release theo quy tắc OCDS; dùng release "
                                     "cuối cùng / releases could not be merged by the OCDS merge "
                                     "rules; the last one is used", f"{ocid}: {e}"[:160])
            return rels[-1]


def _read(path: Path, legacy: bool) -> tuple[_Mapper, _Reader]:
    mapper = _Mapper(str(path))
    reader = _Reader(path, mapper)
    if _is_lines_name(path):
        split = None if legacy else _read_split(path)
        if split is not None:
            return split
        if _read_lines(path, legacy, reader):
            reader.finish()
            return mapper, reader
        mapper = _Mapper(str(path))
        reader = _Reader(path, mapper)
    f = _NulWatch(_open(path, legacy))
    try:
        for ev in _stream_values(f):
            if f.seen:      # (a file with a NUL in a text: each value from there on is cleaned)
                ev = mapper.without_nul(ev)
            if ev[0] == "item":
                if ev[1] == "releases" and ev[3] != "package" and isinstance(ev[2], dict):
                    reader.release(ev[2], spool=True)   # compiled once the object is known
                else:
                    reader.value(ev[2], ev[1])
            elif ev[0] == "top":
                reader.top(ev[1], ev[2])
            else:
                reader.value(ev[1])
    finally:
        f.close()
    reader.finish()
    return mapper, reader


def _read_lines(path: Path, legacy: bool, reader: _Reader, start: int = 0,
                end: int | None = None, first_line: int = 1) -> bool:
    """JSON lines, one value a line; False when the first line is not a whole JSON value (the
    file is then read as a JSON stream).  ``start``/``end``: only the lines that start in that
    byte range of a plain file, the first of them being line ``first_line``."""
    import orjson
    fh = _open(path, legacy)
    first = start == 0
    f = fh
    if start or end is not None:
        if start:
            fh.seek(start)          # (at 0, after the byte order mark _open skipped)
        f = _lines_until(fh, end)
    cut = None                      # the last line, when it is not JSON: the file is cut short
    seen_utf8 = False               # a line with letters beyond ASCII in UTF-8 was read
    try:
        for line_no, line in enumerate(f, start=first_line):
            if not line.strip():
                continue
            if not seen_utf8 and not legacy and not line.isascii():
                seen_utf8 = _valid_utf8(line)
            try:
                objs = [orjson.loads(line)]
            except orjson.JSONDecodeError as e:
                if first:
                    return False
                if not legacy and not _valid_utf8(line):
                    fixed = line.decode("utf-8", "replace")
                    if not (seen_utf8 or _has_utf8_text(fixed)):
                        raise _NotUtf8() from None
                    # UTF-8 (earlier lines, or this one, have its letters) with a stray byte:
                    # this line read with U+FFFD for it, not the whole file as Latin-1.
                    reader.m.notes.add("info", _STRAY_BYTE, str(line_no))
                    line = fixed.encode("utf-8")
                    try:
                        objs = [orjson.loads(line)]
                    except orjson.JSONDecodeError:
                        objs = None
                else:
                    objs = None
                if objs is None:
                    objs = _lenient_values(line)
                    if objs is None:
                        reader.m.notes.add("info", "dòng không phải JSON hợp lệ, bỏ qua / line that "
                                                   "is not valid JSON, skipped",
                                           f"{line_no}: {str(e)[:80]}")
                        cut = (line_no, str(e)[:80])
                        continue
                    reader.m.notes.add("info", _LENIENT_LINE, str(line_no))
            first = False
            cut = None
            if b"\\" in line and _NUL_ESCAPE in line:    # (memchr first: most lines have no "\\")
                objs = reader.m.without_nul(objs)
            reader.index = line_no - 1     # row numbers are line numbers
            for obj in objs:
                if isinstance(obj, list):
                    for o in obj:
                        reader.value(o)
                        reader.index = line_no - 1
                else:
                    reader.value(obj)
                reader.index = line_no - 1
    finally:
        fh.close()
    if cut is not None and (end is None or end >= path.stat().st_size):
        raise UnreadableInput(
            f"{path}: tệp dừng giữa chừng ở dòng {cut[0]}, một văn bản JSON bị cắt cụt ({cut[1]}): "
            f"tệp tải về chưa trọn; hãy tải lại. / the file stops in the middle of a JSON text on "
            f"line {cut[0]} ({cut[1]}): it is cut short; download it again.")
    return True


#: Keys that only a release has: an object with them but no ocid is a release without one.
_RELEASE_KEYS = frozenset({"tag", "tender", "buyer", "awards", "contracts", "bids", "planning",
                           "parties", "initiationType"})
_NO_OCID = "bản phát hành không có ocid, bỏ qua / release without an ocid, skipped"
_LINKED_ONLY = ("record chỉ có liên kết tới các release, không có compiledRelease: không đọc được "
                "nếu không tải về (bỏ qua) / record with linked releases only and no "
                "compiledRelease: cannot be read without downloading (skipped)")

_LENIENT_LINE = ("dòng có nhiều văn bản JSON liền nhau, dấu BOM giữa tệp hoặc lồng quá sâu, đã đọc "
                 "/ line with JSON texts run together, a byte order mark inside the file or very "
                 "deep nesting, read")


_STRAY_BYTE = ("dòng UTF-8 có byte lạ, đã thay bằng «\ufffd» / UTF-8 line with a stray byte, "
               "replaced by '\ufffd'")


def _has_utf8_text(text: str) -> bool:
    """Whether a line decoded as UTF-8 (bad bytes replaced) has letters beyond ASCII: then it
    is UTF-8 with a stray byte, not a file in a legacy encoding."""
    return any(ord(c) > 127 and c != "\ufffd" for c in text)


def _lenient_values(line: bytes) -> list | None:
    """The JSON values of a line ``orjson`` refused, read by the streaming parser (texts run
    together ``}{``, a byte order mark left by ``cat a.jsonl b.jsonl``, nesting deeper than
    orjson's 1,024 levels); None when it is not JSON (a line cut short)."""
    import ijson
    text = line.replace(b"\xef\xbb\xbf", b"").strip()
    if not text:
        return None
    try:
        values = list(ijson.items(io.BytesIO(text), "", multiple_values=True, use_float=True))
    except Exception:           # ijson's errors, or a recursion limit
        return None
    return values or None


def _lines_until(f, end: int | None):
    """The lines of ``f`` from where it stands, up to the one that starts at or after ``end``."""
    pos = f.tell()
    for line in f:
        if end is not None and pos >= end:
            return
        pos += len(line)
        yield line


class _NotUtf8(Exception):
    pass


# --- a large JSON lines file, read by two processes ---------------------------------------------
#: A plain (not gzip) JSON lines file this large is parsed and mapped by two processes, one per
#: half, when the machine has two cores; the reading process then merges what they found.
SPLIT_BYTES = 64 << 20
_SMALL = ("authorities", "vendors")


def _without_ocids(chunk: dict, drop: set) -> dict:
    """A chunk of OCDS-only rows without the rows of the ``drop`` ocids."""
    out = {}
    for name, rows in chunk.items():
        at = 2 if name == "ocds_contract_lines" else 0
        out[name] = rows if name == "ocds_parties" else [r for r in rows if r[at] not in drop]
    return out


def _map_part(path: Path, start: int, end: int, first_line: int, folder: str, prefix: str):
    """In a worker process: map the lines of one part of the file into the spool; return what
    the reading process merges (None: the part cannot be read on its own, read the file whole).
    (A worker of :func:`parallel.fork_pool`: the collector is off in it.)"""
    mapper = _Mapper(str(path))
    reader = _Reader(path, mapper)
    mapper.row_spool = _RowSpool(folder, prefix)
    try:
        if not _read_lines(path, False, reader, start, end, first_line):
            return None
    except _NotUtf8:
        return None
    if len(reader.spool):             # releases to compile by ocid: they need the whole file
        reader.spool.close()
        return None
    mapper.flush()
    mapper.row_spool.end()
    small = {(name, group is mapper.f): (group[name].cols, group[name].row_numbers)
             for name in _SMALL for group in (mapper.t, mapper.f) if name in group}
    return {"small": small, "parties": mapper.extras["ocds_parties"], "spooled": mapper.spooled,
            "notes": mapper.notes.counts, "kinds": reader.kinds, "meta": reader.meta,
            "releases": mapper.releases, "ocids": mapper.seen_ocids}


def _read_split(path: Path) -> tuple[_Mapper, _Reader] | None:
    """Read a large plain JSON lines file with two worker processes (see :data:`SPLIT_BYTES`);
    None when it cannot be (one core, gzip, a first line that is not JSON, releases that must
    be compiled, text that is not UTF-8): the caller then reads it in this process."""
    size = path.stat().st_size
    if workers(size, SPLIT_BYTES) < 2:
        return None
    with open(path, "rb") as f:
        if f.read(2) == b"\x1f\x8b":
            return None
        f.seek(size // 2)
        f.readline()
        mid = f.tell()
        if mid >= size:
            return None
        f.seek(0)
        lines_before = 0          # the line number of the second half's first line, minus one
        while f.tell() < mid:
            lines_before += f.read(min(1 << 24, mid - f.tell())).count(b"\n")
    spool = _RowSpool()
    ok = False
    try:
        try:
            with fork_pool(2) as pool:
                parts = [pool.submit(_map_part, path, 0, mid, 1, spool.folder, "a."),
                         pool.submit(_map_part, path, mid, size, lines_before + 1, spool.folder,
                                     "b.")]
                sha256 = sha256_of(path)      # meanwhile
                results = [p.result() for p in parts]
        except BrokenProcessPool as e:    # a worker killed (for memory, say): read it here
            lost(e)
            return None
        if None in results:
            return None
        mapper = _Mapper(str(path))
        reader = _Reader(path, mapper)
        mapper.row_spool = spool
        seen: set = set()
        streams = []
        for prefix, res in zip(("a.", "b."), results):
            drop = mapper.seen_ocids & res["ocids"]
            for ocid in sorted(drop):
                mapper.notes.add("info", _REPEATED_OCID, ocid)
            mapper.seen_ocids |= res["ocids"]
            streams.append((prefix + "extras", drop or None))
            mapper.notes.counts.update(res["notes"])
            reader.kinds.update(res["kinds"])
            for k, v in res["meta"].items():
                reader.meta.setdefault(k, v)
            mapper.releases += res["releases"]
            for stream, chunks in res["spooled"].items():
                mapper.spooled.setdefault(prefix + stream, []).extend(chunks)
            for (name, foreign), (cols, row_numbers) in res["small"].items():
                rows = (mapper.f if foreign else mapper.t)[name]
                ids = cols[0]             # authority_id / vendor_id: the first column
                for i, key in enumerate(ids):
                    if (name, key) not in seen:
                        seen.add((name, key))
                        rows.add_row(row_numbers[i], [c[i] for c in cols])
            for r in res["parties"]:
                if ("ocds_parties", r[0], r[1]) not in seen:
                    seen.add(("ocds_parties", r[0], r[1]))
                    mapper.extras["ocds_parties"].append(r)
        mapper.extra_streams = streams
        mapper.parts = ("a.", "b.")
        mapper.sha256 = sha256
        ok = True
        return mapper, reader
    finally:
        if not ok:
            spool.close()


def _valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def read_ocds(path: str | Path) -> OcdsSource:
    """Read one OCDS file (see the module docstring); :class:`UnreadableInput` when it cannot be
    read at all (not JSON, empty, broken gzip, no OCDS release in it)."""
    p = Path(path)
    if p.stat().st_size == 0:
        raise UnreadableInput(f"{p}: tệp rỗng, không có dữ liệu OCDS / the file is empty, no OCDS "
                              f"data. Kiểm tra lại việc tải tệp / check how the file was downloaded.")
    legacy = False
    try:
        mapper, reader = _read(p, False)
    except _NotUtf8:
        legacy = True
    except Exception as e:
        if not _is_json_error(e):
            raise
        if _is_utf8(p):
            raise UnreadableInput(_unreadable(p, e)) from None
        legacy = True
    if legacy:
        try:
            mapper, reader = _read(p, True)
        except Exception as e:
            if not _is_json_error(e):
                raise
            raise UnreadableInput(_unreadable(p, e)) from None
    if not reader.kinds:
        raise UnreadableInput(f"{p}: không có release, record hay package OCDS nào / no OCDS "
                              f"release, record or package in this file")
    src = OcdsSource(str(p), "ocds", getattr(mapper, "sha256", None) or sha256_of(p))
    src.tables = mapper.tables(str(p))
    src.extras = mapper.extras
    src.spool = mapper.row_spool
    src.extra_streams = getattr(mapper, "extra_streams", src.extra_streams)
    src.warnings = mapper.notes.messages(str(p))
    if legacy:
        src.warnings.insert(0, f"{p}: tệp không phải UTF-8, đã đọc theo ISO-8859-1 (Latin-1) / the "
                               f"file is not UTF-8; read as ISO-8859-1 (Latin-1)")
    if mapper.releases == 0:
        src.warnings.append(f"{p}: không có release OCDS nào dùng được / no usable OCDS release")
    src.meta = {"ocds": {"compiled_releases": mapper.releases, **dict(reader.kinds),
                         **reader.meta, "encoding": "iso-8859-1" if legacy else "utf-8"}}
    return src


def _is_json_error(e: Exception) -> bool:
    import zlib

    import ijson
    return isinstance(e, (ijson.common.JSONError, ijson.common.IncompleteJSONError, EOFError,
                          gzip.BadGzipFile, zlib.error, UnicodeDecodeError))


def _unreadable(p: Path, e: Exception) -> str:
    what = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
    return (f"{p}: không đọc được như JSON/OCDS ({what}). Tệp có thể bị cắt cụt khi tải về hoặc "
            f"không phải JSON; hãy tải lại hoặc kiểm tra bằng một trình kiểm tra JSON. / cannot be "
            f"read as JSON/OCDS ({what}). The file may be truncated or not JSON; download it again "
            f"or check it with a JSON validator.")


# --- the ingest hook --------------------------------------------------------------------------
def land_ocds_extras(conn, source_data, ingest_id: int, source_id: int) -> dict:
    """Write the OCDS-only rows of ``source_data`` (an :class:`OcdsSource`) in the ingest's
    transaction ``conn``, chunk by chunk: rows of the same ocids (and parties of the same ids)
    stored by an earlier ingest are replaced; within the file the first row of a key wins.
    Returns ``{table: rows offered}``; does nothing for other sources."""
    if getattr(source_data, "extras", None) is None:
        return {}
    if getattr(source_data, "side", None) is not None:
        try:
            source_data.side.result()
        except BrokenProcessPool as e:   # the side process killed: the rows from the spool here
            lost(e)
            source_data.side = None
        else:
            return _land_side(conn, source_data, ingest_id, source_id)
    chunks = (source_data.extra_chunks() if hasattr(source_data, "extra_chunks")
              else [source_data.extras])
    from sqlalchemy import select

    from . import ocds_store as S
    written: Counter = Counter()
    stored_ocids = None
    have: dict[str, set] = {}        # keyed table → keys stored before this ingest
    keyed = _KEYED
    for extras in chunks:
        if not any(extras.values()):
            continue
        if stored_ocids is None:
            stored_ocids = {r[0] for r in conn.execute(select(S.ocds_tenders.c.ocid))}
        gone = sorted({r[0] for r in extras.get("ocds_tenders", ())} & stored_ocids)
        stored_ocids.difference_update(gone)
        for name in S.BY_OCID if gone else ():
            t = S.TABLES[name]
            for i in range(0, len(gone), 500):
                conn.execute(t.delete().where(t.c.ocid.in_(gone[i:i + 500])))
        for name, t in S.TABLES.items():
            rows = extras.get(name)
            if not rows:
                continue
            if name in keyed:
                a, b = keyed[name]
                rows = _first_of_key(name, rows)
                uniq = {(r[a], r[b]): r for r in rows}
                col_a, col_b = t.c[S.DATA_COLUMNS[name][a]], t.c[S.DATA_COLUMNS[name][b]]
                if name not in have:
                    have[name] = {tuple(k) for k in conn.execute(select(col_a, col_b))}
                old = sorted(k for k in uniq if k in have[name])
                have[name].difference_update(old)
                by_first: dict = {}
                for x, y in old:
                    by_first.setdefault(x, []).append(y)
                for x, ys in by_first.items():
                    for i in range(0, len(ys), 500):
                        conn.execute(t.delete().where(col_a == x, col_b.in_(ys[i:i + 500])))
            _executemany(conn, t.name, list(S.DATA_COLUMNS[name]), _by_key(t, rows),
                         (ingest_id, source_id), first_wins=name in keyed)
            written[name] += len(rows)
    return dict(written)


#: OCDS tables keyed by two columns that a file may repeat (a contract line, a party): within
#: the file the first row of a key wins; a row stored by an earlier ingest is replaced.
_KEYED = {"ocds_contract_lines": (0, 1), "ocds_parties": (0, 1)}


def _first_of_key(name: str, rows: list[tuple]) -> list[tuple]:
    a, b = _KEYED[name]
    uniq: dict = {}
    for r in rows:
        uniq.setdefault((r[a], r[b]), r)
    return list(uniq.values())


def _land_side(conn, src, ingest_id: int, source_id: int) -> dict:
    """:func:`land_ocds_extras` from the side database (:meth:`OcdsSource.start_extras`)."""
    from . import ocds_store as S
    path = src.side.result()
    name = f"ocds_side_{int(source_id)}"
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        cur.execute(f'ATTACH DATABASE ? AS "{name}"', (path,))
        src._attached = (raw, name)
        side = f'"{name}"'
        # Rows of the same ocids, and keyed rows of the same keys, stored by an earlier ingest.
        for table in S.BY_OCID:
            cur.execute(f'DELETE FROM main."{table}" WHERE "ocid" IN '
                        f'(SELECT "ocid" FROM {side}."ocds_tenders")')
        for table, (a, b) in _KEYED.items():
            ca, cb = S.DATA_COLUMNS[table][a], S.DATA_COLUMNS[table][b]
            cur.execute(f'DELETE FROM main."{table}" WHERE ("{ca}", "{cb}") IN '
                        f'(SELECT "{ca}", "{cb}" FROM {side}."{table}")')
        written = {}
        for table, t in S.TABLES.items():
            cols = ", ".join(f'"{c}"' for c in S.DATA_COLUMNS[table])
            pk = ", ".join(f'"{c.name}"' for c in t.primary_key.columns)
            cur.execute(f'INSERT INTO main."{table}" ({cols}, "ingest_id", "source_id") '
                        f'SELECT {cols}, {int(ingest_id)}, {int(source_id)} FROM {side}."{table}" '
                        f'ORDER BY {pk}')
            if cur.rowcount:
                written[table] = cur.rowcount
        return written
    finally:
        cur.close()


def _by_key(t, rows: list[tuple]) -> list[tuple]:
    """Rows in the order of the table's key (its first columns): a B-tree takes them about
    twice as fast as in the file's order."""
    from operator import itemgetter
    cols = [c.name for c in t.columns]
    key = itemgetter(*[cols.index(c.name) for c in t.primary_key.columns])
    try:
        return sorted(rows, key=key)
    except TypeError:           # values of mixed types in a key column: as they come
        return rows


def _executemany(conn, table: str, cols: list[str], rows: list[tuple], book: tuple[int, int],
                 first_wins: bool = False) -> None:
    """Insert ``rows`` + the two bookkeeping ids ``book`` (ingest_id, source_id) through the
    driver; with ``first_wins`` a row whose key is already there is skipped."""
    cols = cols + ["ingest_id", "source_id"]
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        from sqlalchemy import table as sa_table, column
        t = sa_table(table, *[column(c) for c in cols])
        conn.execute(t.insert(), [dict(zip(cols, r + book)) for r in rows])
        return
    # The two ids are ints of this run: written into the statement, not added to every row.
    store.insert_rows(conn, table, cols, rows, fixed=book, first_wins=first_wins)

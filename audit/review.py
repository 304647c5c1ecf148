"""Inspectors' decisions on findings: an append-only, hash-chained table (``reviews``).

One chain over all decisions.  Each row holds the hash of the one before (``prev_hash``; the
first row holds :data:`GENESIS`) and its own hash over a canonical serialisation of its fields
(sorted keys, UTF-8, times in UTC), so that:

- an *edited* row no longer matches its own hash (or, re-hashed, breaks the next row's link);
- a *deleted* row leaves a gap in the sequence numbers and a broken link;
- a *deleted tail* leaves the chain shorter than a head recorded earlier: every audit run
  stores the head it saw (``audit_runs.review_head``) and every decision stores the new head in
  ``store_meta`` (key :data:`HEAD_KEY`), in the same transaction as the row itself.

Writers are serialised (PostgreSQL: ``pg_advisory_xact_lock``; SQLite: ``BEGIN IMMEDIATE``), so
two inspectors deciding at once never take the same sequence number or fork the chain.

The latest decision on a finding is its status (``new`` when none): a finding's id is stable
across runs and databases (:func:`audit.findings.finding_id`), so the status follows it from
one run to the next.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, select, type_coerce, update
from sqlalchemy.engine import Connection, Engine

from procurement.store import metadata, store_meta, take_turns

STATUSES = ("new", "under_review", "confirmed", "dismissed")
GENESIS = "0" * 64
HEAD_KEY = "review_head"

STATUS_LABELS = {
    "new": ("Mới", "New"),
    "under_review": ("Đang xem xét", "Under review"),
    "confirmed": ("Xác nhận", "Confirmed"),
    "dismissed": ("Bác bỏ", "Dismissed"),
}

reviews = Table(
    "reviews", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("finding_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

_FIELDS = ("seq", "finding_id", "status", "note", "reviewer", "decided_at", "prev_hash")


def canonical(row: dict) -> bytes:
    """The serialisation that is hashed: sorted keys, UTF-8, times in UTC ISO 8601."""
    def norm(v):
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=dt.timezone.utc)
            return v.astimezone(dt.timezone.utc).isoformat()
        return v
    body = {k: norm(row[k]) for k in _FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def latest_statuses(engine: Engine) -> dict[str, str]:
    """finding_id → the latest decision's status."""
    with engine.connect() as conn:
        rows = conn.execute(select(reviews.c.finding_id, reviews.c.status).order_by(reviews.c.seq)).all()
    return {fid: status for fid, status in rows}


def chain_head(engine: Engine) -> dict | None:
    """The chain's last link (sequence number and hash), or None for an empty chain."""
    with engine.connect() as conn:
        row = conn.execute(select(reviews.c.seq, reviews.c.hash).order_by(reviews.c.seq.desc())
                           .limit(1)).first()
    return {"seq": row[0], "hash": row[1]} if row else None


# --- recording ---------------------------------------------------------------------------------

class ReviewError(Exception):
    """A decision that cannot be recorded; ``text_vi``/``text_en`` say why and what to do."""

    def __init__(self, text_vi: str, text_en: str):
        super().__init__(f"{text_vi} / {text_en}")
        self.text_vi = text_vi
        self.text_en = text_en


class UnknownFinding(ReviewError):
    """The finding id is in no stored audit run."""


def _clean(value, what_vi: str, what_en: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ReviewError(f"thiếu {what_vi}", f"{what_en} is missing")
    s = unicodedata.normalize("NFC", value).strip()
    if "\x00" in s:
        raise ReviewError(f"{what_vi} chứa ký tự NUL", f"{what_en} contains a NUL character")
    return s


def finding_exists(conn: Connection, finding_id: str) -> bool:
    """True when ``finding_id`` is in some stored audit run."""
    from .findings import stored_findings
    return conn.execute(select(stored_findings.c.finding_id)
                        .where(stored_findings.c.finding_id == finding_id).limit(1)).first() is not None


def _lock(conn: Connection) -> None:
    """Serialise writers of the chain for the rest of this transaction."""
    if conn.dialect.name in ("postgresql", "sqlite"):
        take_turns(conn, "RV")      # before the head is read
    else:  # other databases: lock the table the portable way
        conn.execute(select(reviews.c.seq).order_by(reviews.c.seq.desc()).limit(1).with_for_update())


def _set_meta(conn: Connection, key: str, value: str) -> None:
    n = conn.execute(update(store_meta).where(store_meta.c.key == key).values(value=value)).rowcount
    if not n:
        conn.execute(store_meta.insert().values(key=key, value=value))


def record(engine: Engine, finding_id: str, status: str, note: str, reviewer: str, *,
           decided_at: dt.datetime | None = None) -> dict:
    """Append one decision to the chain and return the stored row (with ``seq`` and ``hash``).

    Raises :class:`UnknownFinding` when ``finding_id`` is in no stored run and
    :class:`ReviewError` for a bad status, an empty note or an empty reviewer name."""
    if status not in STATUSES:
        raise ReviewError(f"trạng thái «{status}» không hợp lệ (chọn {', '.join(STATUSES)})",
                          f"status {status!r} is not one of {', '.join(STATUSES)}")
    finding_id = _clean(finding_id, "mã phát hiện", "the finding id")
    note = _clean(note, "ghi chú (lý do)", "the note (why)")
    reviewer = _clean(reviewer, "tên người xem xét", "the reviewer's name")
    when = decided_at or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        raise ReviewError("thời điểm phải có múi giờ", "decided_at must carry a time zone")
    when = when.astimezone(dt.timezone.utc)
    with engine.connect() as conn:
        if not finding_exists(conn, finding_id):
            raise UnknownFinding(
                f"không có phát hiện «{finding_id}» trong lần chạy nào đã lưu; kiểm tra mã "
                f"(cột finding_id của findings.csv) và --db",
                f"no stored audit run has finding {finding_id!r}; check the id (findings.csv, "
                f"column finding_id) and --db")
        conn.rollback()  # end the read, so that the lock starts a fresh transaction
        _lock(conn)
        head = conn.execute(select(reviews.c.seq, reviews.c.hash)
                            .order_by(reviews.c.seq.desc()).limit(1)).first()
        row = {"seq": head[0] + 1 if head else 1, "finding_id": finding_id, "status": status,
               "note": note, "reviewer": reviewer, "decided_at": when,
               "prev_hash": head[1] if head else GENESIS}
        row["hash"] = row_hash(row)
        conn.execute(reviews.insert().values(**row))
        _set_meta(conn, HEAD_KEY, json.dumps({"seq": row["seq"], "hash": row["hash"]}))
        conn.commit()
    return row


def history(engine: Engine, finding_id: str) -> list[dict]:
    """Every decision on one finding, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(reviews).where(reviews.c.finding_id == finding_id)
                            .order_by(reviews.c.seq)).mappings().all()
    return [dict(r) for r in rows]


def format_head(head: dict | None) -> str:
    """``#12 3fa2…`` style text of a head (the whole hash: it is what one writes down)."""
    if not head:
        return "#0 (chuỗi rỗng / empty chain)"
    return f"#{head['seq']} {head['hash']}"


# --- verification ------------------------------------------------------------------------------

@dataclass
class Problem:
    """One broken link: the sequence number where the chain stops being trustworthy."""
    seq: int | None    # None: a recorded head that cannot be read, not a row
    kind: str          # missing | edited | link | tail | head | unrecorded
    text_vi: str
    text_en: str

    def __str__(self) -> str:
        where = f"#{self.seq}: " if self.seq is not None else ""
        return f"{where}{self.text_vi} / {self.text_en}"


@dataclass
class Verification:
    ok: bool
    rows: int
    head: dict | None
    heads_checked: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def first(self) -> Problem | None:
        """The first broken link (the lowest sequence number), or None."""
        return self.problems[0] if self.problems else None


_KIND_ORDER = {"missing": 0, "edited": 1, "link": 2, "head": 3, "tail": 4, "unrecorded": 5}


def _head(value) -> dict | None:
    """A recorded head as ``{"seq": int, "hash": str}``; None for none recorded (an empty
    chain); raises ValueError for one that is not a head (edited by hand)."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(value) from None
    if not value:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("hash"), str):
        raise ValueError(value)
    seq = value.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, (int, str)) or not str(seq).isdigit():
        raise ValueError(value)
    return {"seq": int(seq), "hash": value["hash"]}


def recorded_heads(engine: Engine, unreadable: list[str] | None = None) -> list[tuple[str, dict]]:
    """Every head recorded outside the chain: (where, {seq, hash}), audit runs oldest first,
    then the head written with the last decision (``store_meta``).  A recorded head that is not
    one (edited by hand) is left out, and where it was is appended to ``unreadable``."""
    from .findings import audit_runs
    out: list[tuple[str, dict]] = []
    raw: list[tuple[str, object]] = []
    with engine.connect() as conn:
        # The column read as text: a value edited into something that is not JSON must not
        # stop the reading of the others.
        head_text = type_coerce(audit_runs.c.review_head, Text)
        for run_id, head in conn.execute(select(audit_runs.c.run_id, head_text)
                                         .order_by(audit_runs.c.created_at, audit_runs.c.run_id)):
            raw.append((f"run {run_id}", head))
        meta = conn.execute(select(store_meta.c.value).where(store_meta.c.key == HEAD_KEY)).first()
    if meta:
        raw.append(("store_meta", meta[0] if meta[0] is not None else ""))
    for where, value in raw:
        try:
            head = _head(value) if value is not None else None
        except ValueError:
            if unreadable is not None:
                unreadable.append(where)
            continue
        if head:
            out.append((where, head))
        elif where == "store_meta" and unreadable is not None:
            unreadable.append(where)       # written with every decision: never empty
    return out


def _chain_rows(conn: Connection):
    """The chain's rows in sequence order, as dicts.  On SQLite, where a column holds what was
    written into it, a ``decided_at`` that is not a time (edited by hand) does not stop the
    reading: its row is marked ``_unreadable``."""
    if conn.dialect.name != "sqlite":
        yield from (dict(r) for r in conn.execute(select(reviews).order_by(reviews.c.seq))
                    .mappings())
        return
    when = reviews.c.decided_at
    parse = when.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    cols = [type_coerce(c, Text).label(c.name) if c is when else c for c in reviews.c]
    for r in conn.execute(select(*cols).order_by(reviews.c.seq)).mappings():
        r = dict(r)
        try:
            r["decided_at"] = parse(r["decided_at"]) if parse else r["decided_at"]
        except (TypeError, ValueError):
            r["_unreadable"] = True
        yield r


def verify(engine: Engine) -> Verification:
    """Check the whole chain against itself and against every recorded head.

    Finds an edited row (its hash no longer matches), a deleted row (a gap in the sequence and a
    broken link), a row re-hashed after an edit (the next link breaks, or a recorded head no
    longer matches) and a deleted tail (the chain ends before a recorded head)."""
    problems: list[Problem] = []
    hashes: dict[int, str] = {}
    expected, prev, n, last = 1, GENESIS, 0, 0
    with engine.connect() as conn:
        for r in _chain_rows(conn):
            n += 1
            seq = r["seq"]
            if seq < expected:        # a row put in by hand before the first one
                problems.append(Problem(seq, "unrecorded",
                                        f"dòng {seq} không thuộc chuỗi (chuỗi bắt đầu từ dòng 1)",
                                        f"row {seq} is not part of the chain (it starts at row 1)"))
                continue
            if seq != expected:
                gap = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                problems.append(Problem(expected, "missing",
                                        f"thiếu dòng {gap} (đã bị xoá)", f"row(s) {gap} missing (deleted)"))
            elif r["prev_hash"] != prev:
                problems.append(Problem(seq, "link",
                                        f"dòng {seq} không nối với dòng trước (prev_hash sai)",
                                        f"row {seq} does not link to the row before (wrong prev_hash)"))
            try:
                edited = r.get("_unreadable") or row_hash(r) != r["hash"]
            except (TypeError, ValueError):   # a value of a type no decision has
                edited = True
            if edited:
                problems.append(Problem(seq, "edited",
                                        f"dòng {seq} đã bị sửa (mã băm không khớp nội dung)",
                                        f"row {seq} was edited (its hash does not match its content)"))
            hashes[seq] = r["hash"]
            prev, expected, last = r["hash"], seq + 1, seq
    unreadable: list[str] = []
    heads = recorded_heads(engine, unreadable)
    for where in unreadable:
        problems.append(Problem(None, "head",
                                f"đầu chuỗi ghi ở {where} không đọc được (đã bị sửa)",
                                f"the head recorded by {where} is unreadable (edited)"))
    tail_from = None
    for where, h in heads:
        seq, hsh = int(h["seq"]), h["hash"]
        if seq > last:
            if tail_from is None or seq > tail_from[0]:
                tail_from = (seq, where)
        elif seq in hashes and hashes[seq] != hsh:
            problems.append(Problem(seq, "head",
                                    f"dòng {seq} khác với đầu chuỗi đã ghi ở {where}",
                                    f"row {seq} differs from the head recorded by {where}"))
    if tail_from:
        seq, where = tail_from
        problems.append(Problem(last + 1, "tail",
                                f"chuỗi dừng ở dòng {last} nhưng {where} đã ghi đầu chuỗi là dòng "
                                f"{seq}: các dòng {last + 1}–{seq} đã bị xoá",
                                f"the chain ends at row {last} but {where} recorded head {seq}: "
                                f"rows {last + 1}–{seq} were deleted"))
    meta = [h for where, h in heads if where == "store_meta"]
    if meta and int(meta[0]["seq"]) < last:
        m = int(meta[0]["seq"])
        problems.append(Problem(m + 1, "unrecorded",
                                f"các dòng sau dòng {m} không được ghi bằng hocba-audit review "
                                f"(đầu chuỗi đã ghi là dòng {m})",
                                f"rows after {m} were not written by hocba-audit review (the "
                                f"recorded head is row {m})"))
    problems.sort(key=lambda p: (p.seq if p.seq is not None else float("inf"),
                                 _KIND_ORDER[p.kind]))
    head = {"seq": last, "hash": hashes[last]} if n else None
    return Verification(not problems, n, head, len(heads), problems)

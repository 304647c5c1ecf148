"""Inspectors' decisions on findings: an append-only, hash-chained table (``reviews``).

Each row holds the hash of the one before over a canonical serialisation (sorted keys, UTF-8,
times in UTC), so an edited row, a deleted row or a deleted tail can be detected.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, func, select
from sqlalchemy.engine import Engine

from procurement.store import metadata

STATUSES = ("new", "under_review", "confirmed", "dismissed")
GENESIS = "0" * 64

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


def canonical(row: dict) -> bytes:
    """The serialisation that is hashed: sorted keys, UTF-8, times in UTC ISO 8601."""
    def norm(v):
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=dt.timezone.utc)
            return v.astimezone(dt.timezone.utc).isoformat()
        return v
    body = {k: norm(row[k]) for k in ("seq", "finding_id", "status", "note", "reviewer",
                                        "decided_at", "prev_hash")}
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

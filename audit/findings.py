"""Findings: stable ids, the stored run, and ``findings.csv`` / ``findings.json`` (interfaces.md)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path

from sqlalchemy import JSON, Column, DateTime, Float, Integer, String, Table, Text, select

from procurement.store import insert_rows, metadata, take_turns

CSV_COLUMNS = ["finding_id", "code", "subject_type", "subject_id", "province_code", "school_year",
               "severity", "score", "title_vi", "title_en", "detail_vi", "detail_en", "evidence",
               "legal_basis", "review_status"]


def finding_id(code: str, subject_type: str, subject_id: str) -> str:
    """Derived from the code, subject type and subject id alone: the same on every run and
    every database, whatever the row order."""
    digest = hashlib.sha256(f"{code}\x1f{subject_type}\x1f{subject_id}".encode("utf-8")).hexdigest()
    return f"{code}-{digest[:12]}"


@dataclass
class Finding:
    finding_id: str
    code: str
    subject_type: str
    subject_id: str
    province_code: str | None
    school_year: str | None
    severity: str
    score: float
    title_vi: str
    title_en: str
    detail_vi: str
    detail_en: str
    evidence: list[str]
    legal_basis: str
    review_status: str = "new"
    family: str = ""
    parties: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The fields as a new dict (as ``dataclasses.asdict``: the evidence list and the
        parties are copies).  Written out field by field: ``asdict`` deep-copies every evidence
        reference, seconds for a run with 10^4 findings."""
        d = {name: getattr(self, name) for name in _FIELDS}
        d["evidence"] = list(self.evidence)
        d["parties"] = {k: list(v) if type(v) is list else copy.deepcopy(v)
                        for k, v in self.parties.items()}
        return d


_FIELDS = tuple(f.name for f in fields(Finding))


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """By score, highest first, then finding_id."""
    return sorted(findings, key=lambda f: (-f.score, f.finding_id))


_FORMULA_START = ("=", "+", "-", "@")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    s = str(value)
    return "'" + s if s.startswith(_FORMULA_START) else s


def evidence_cell(evidence: list[str]) -> str:
    """The references separated by spaces (interfaces.md, "Findings").  A key may hold a space
    (a person's name in ``vendor_people:…/founding_member/ĐẶNG QUỐC KHOẺ/1976-08-25``): inside a
    reference, ``%`` and white space are percent-encoded (``%25``, ``%20``), so that splitting
    the cell on spaces gives the references back (``urllib.parse.unquote`` gives the key)."""
    return " ".join(_REF_ESCAPE.sub(lambda m: f"%{ord(m.group()):02X}", r) for r in evidence)


_REF_ESCAPE = re.compile(r"[%\s]")


def write_csv(findings: list[Finding], path: Path) -> None:
    """``findings.csv``: UTF-8 with BOM, the interface's columns, formula-safe text cells."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for x in sort_findings(findings):
            w.writerow([_cell(evidence_cell(x.evidence) if c == "evidence" else getattr(x, c))
                        for c in CSV_COLUMNS])


def write_json(run: dict, findings: list[Finding], not_computed: list[dict], risk: dict,
               path: Path) -> None:
    payload = {
        "run": run,
        "findings": [{c: (x.evidence if c == "evidence" else getattr(x, c)) for c in CSV_COLUMNS}
                     for x in sort_findings(findings)],
        "not_computed": not_computed,
        "risk": risk,
    }
    path.write_text(dumps_indent1(payload), encoding="utf-8")


def dumps_indent1(value) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1, default=str)``, the same text.

    With an indent the standard library encodes in Python, one generator per container (seconds
    for the evidence lists of a large run); this writes the same layout straight into a list."""
    out: list[str] = []
    _encode(value, 0, out)
    return "".join(out)


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == -float("inf"):
        return "-Infinity"
    return float.__repr__(o)


def _scalar(o) -> str | None:
    """The JSON text of a scalar, or None for a container or another object."""
    if isinstance(o, str):
        return encode_basestring(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o)
    return None


#: The scalars of these exact types, without the checks of :func:`_scalar`.
_EXACT = {str: encode_basestring, int: int.__repr__, float: _float, bool: lambda b: "true" if b else "false",
          type(None): lambda _: "null"}


def _key(k) -> str:
    """A dict key as JSON writes it (before quoting): a text as itself, a number or a constant
    as its JSON text."""
    if isinstance(k, str):
        return k
    text = _scalar(k)
    if text is None:
        raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")
    return text


def _encode(o, level: int, out: list[str]) -> None:
    text = _scalar(o)
    if text is not None:
        out.append(text)
        return
    if isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        sep = "\n" + " " * (level + 1)
        if all(type(v) is str for v in o):  # evidence: a list of texts
            out.append("[" + sep + ("," + sep).join(map(encode_basestring, o))
                       + "\n" + " " * level + "]")
            return
        out.append("[")
        first = True
        for v in o:
            out.append(sep if first else "," + sep)
            first = False
            fast = _EXACT.get(type(v))
            if fast is not None:
                out.append(fast(v))
            else:
                _encode(v, level + 1, out)
        out.append("\n" + " " * level + "]")
        return
    if isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        sep = "\n" + " " * (level + 1)
        out.append("{")
        first = True
        for k, v in o.items():
            key = (sep if first else "," + sep) + encode_basestring(_key(k)) + ": "
            first = False
            fast = _EXACT.get(type(v))
            if fast is not None:
                out.append(key + fast(v))
            else:
                out.append(key)
                _encode(v, level + 1, out)
        out.append("\n" + " " * level + "}")
        return
    _encode(str(o), level, out)  # default=str


audit_runs = Table(
    "audit_runs", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("as_of", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("code_version", String(64)),
    Column("settings", JSON),
    Column("inputs", JSON),
    Column("params", JSON),
    Column("not_computed", JSON),
    Column("risk", JSON),
    Column("review_head", JSON),
)

stored_findings = Table(
    "findings", metadata,
    Column("run_id", String(40), primary_key=True),
    Column("finding_id", String(64), primary_key=True),
    Column("code", String(32), nullable=False, index=True),
    Column("family", String(8)),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", Text, nullable=False),
    Column("province_code", String(2)),
    Column("school_year", String(9)),
    Column("severity", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("title_vi", Text), Column("title_en", Text),
    Column("detail_vi", Text), Column("detail_en", Text),
    Column("evidence", JSON), Column("legal_basis", Text), Column("parties", JSON),
)


def make_run_id(params: dict, now: dt.datetime) -> str:
    """UTC time of the run and a short hash of its parameters: ``20261129T183000Z-3fa2c1``."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:6]
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + h


def store_run(conn, run: dict, findings: list[Finding], not_computed: list[dict], risk: dict,
              created_at: dt.datetime | None = None) -> None:
    """Store a run and its findings.  Two runs with the same parameters in the same second
    would share a run id: the later one gets a hash of its parameters and a repeat count.
    ``created_at``: the run's time to the microsecond (default: ``run["created_at"]``), stored
    so that two runs made in the same second still come in the order they were made."""
    when = created_at or dt.datetime.fromisoformat(run["created_at"])
    base = dict(run.get("params") or {})
    take_turns(conn, "RN")    # the id checked below is still free when inserted
    n = 0
    while conn.execute(select(audit_runs.c.run_id).where(
            audit_runs.c.run_id == run["run_id"])).first() is not None:
        n += 1
        run["run_id"] = make_run_id({**base, "_repeat": n},
                                    dt.datetime.fromisoformat(run["created_at"]))
    conn.execute(audit_runs.insert().values(
        run_id=run["run_id"], as_of=run["as_of"],
        created_at=when, code_version=run["code_version"],
        settings=run["settings"], inputs=run["inputs"], params=run.get("params"),
        not_computed=not_computed, risk=risk, review_head=run.get("review_head")))
    _insert_findings(conn, run["run_id"], findings)


_STORED = tuple(c.name for c in stored_findings.columns)
_JSON_COLUMNS = frozenset(c.name for c in stored_findings.columns if isinstance(c.type, JSON))


def _insert_findings(conn, run_id: str, findings: list[Finding]) -> None:
    """The findings' rows.  On SQLite through the driver, the JSON columns serialised as
    SQLAlchemy's JSON type does: its per-row parameter processing was most of the time of
    storing a large run (37,000 findings: 1.0 s → 0.35 s)."""
    if conn.dialect.name == "sqlite":
        dumps = conn.dialect._json_serializer or json.dumps
        get = attrgetter(*_STORED[1:])
        as_json = [i for i, c in enumerate(_STORED[1:]) if c in _JSON_COLUMNS]
        rows = []
        for x in findings:
            r = list(get(x))
            for i in as_json:
                r[i] = dumps(r[i])
            rows.append((run_id, *r))
        insert_rows(conn, stored_findings.name, list(_STORED), rows)
        return
    rows = []
    for x in findings:
        d = x.as_dict()
        d.pop("review_status")
        d["run_id"] = run_id
        rows.append(d)
    for i in range(0, len(rows), 5000):
        conn.execute(stored_findings.insert(), rows[i:i + 5000])


def load_run_findings(conn, run_id: str) -> list[Finding]:
    out = []
    for r in conn.execute(select(stored_findings).where(stored_findings.c.run_id == run_id)).mappings():
        d = dict(r)
        d.pop("run_id")
        out.append(Finding(review_status="new", **d))
    return out

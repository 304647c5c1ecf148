"""Findings: stable ids, the stored run, and ``findings.csv`` / ``findings.json`` (interfaces.md)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import JSON, Column, DateTime, Float, Integer, String, Table, Text, select

from procurement.store import metadata

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
        return asdict(self)


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


def write_csv(findings: list[Finding], path: Path) -> None:
    """``findings.csv``: UTF-8 with BOM, the interface's columns, formula-safe text cells."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for x in sort_findings(findings):
            d = x.as_dict()
            d["evidence"] = " ".join(x.evidence)
            w.writerow([_cell(d[c]) for c in CSV_COLUMNS])


def write_json(run: dict, findings: list[Finding], not_computed: list[dict], risk: dict,
               path: Path) -> None:
    payload = {
        "run": run,
        "findings": [{c: (x.evidence if c == "evidence" else getattr(x, c)) for c in CSV_COLUMNS}
                     for x in sort_findings(findings)],
        "not_computed": not_computed,
        "risk": risk,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


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


def store_run(conn, run: dict, findings: list[Finding], not_computed: list[dict], risk: dict) -> None:
    """Store a run and its findings.  Two runs with the same parameters in the same second
    would share a run id: the later one gets a hash of its parameters and a repeat count."""
    base = dict(run.get("params") or {})
    n = 0
    while conn.execute(select(audit_runs.c.run_id).where(
            audit_runs.c.run_id == run["run_id"])).first() is not None:
        n += 1
        run["run_id"] = make_run_id({**base, "_repeat": n},
                                    dt.datetime.fromisoformat(run["created_at"]))
    conn.execute(audit_runs.insert().values(
        run_id=run["run_id"], as_of=run["as_of"],
        created_at=dt.datetime.fromisoformat(run["created_at"]), code_version=run["code_version"],
        settings=run["settings"], inputs=run["inputs"], params=run.get("params"),
        not_computed=not_computed, risk=risk, review_head=run.get("review_head")))
    rows = []
    for x in findings:
        d = x.as_dict()
        d.pop("review_status")
        d["run_id"] = run["run_id"]
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

"""What changed between two stored audit runs: findings new, resolved and changed.

A finding's id is derived from its code and subject alone (:func:`audit.findings.finding_id`),
so "the same finding" in two runs is the same id:

- **new**: in run B, not in run A;
- **resolved**: in run A, not in run B (the pattern no longer holds on B's data and settings);
- **changed**: in both, with a different score (by 0.1 or more: scores are rounded to 0.1) or a
  different severity;
- **unchanged**: the rest (counted only).

:func:`diff_runs` is what ``hocba-audit diff`` prints and what a report's "what changed" section
renders.  Subject ids are given as stored: a renderer for a public report masks them
(:class:`audit.privacy.Masker`).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .findings import audit_runs, stored_findings
from .review import latest_statuses

COLUMNS = ("finding_id", "code", "family", "subject_type", "subject_id", "province_code",
           "school_year", "severity", "score", "title_vi", "title_en")
SCORE_EPSILON = 0.05
_SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


class DiffError(Exception):
    """A run reference that names no stored run (or more than one)."""

    def __init__(self, text_vi: str, text_en: str):
        super().__init__(f"{text_vi} / {text_en}")
        self.text_vi = text_vi
        self.text_en = text_en


def list_runs(engine: Engine) -> list[dict]:
    """Stored runs, oldest first: run_id, created_at, as_of, code_version, params."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit_runs.c.run_id, audit_runs.c.created_at, audit_runs.c.as_of,
                                   audit_runs.c.code_version, audit_runs.c.params)
                            .order_by(audit_runs.c.created_at, audit_runs.c.run_id)).mappings().all()
    return [dict(r) for r in rows]


def resolve_run(engine: Engine, ref: str) -> str:
    """A run id from ``ref``: the id itself, a prefix that names one run, ``latest`` or
    ``previous`` (the run before the latest)."""
    runs = [r["run_id"] for r in list_runs(engine)]
    if not runs:
        raise DiffError("chưa có lần chạy nào được lưu; chạy hocba-audit flags trước",
                        "no audit run is stored yet; run hocba-audit flags first")
    if ref == "latest":
        return runs[-1]
    if ref == "previous":
        if len(runs) < 2:
            raise DiffError("chỉ có một lần chạy được lưu", "only one audit run is stored")
        return runs[-2]
    if ref in runs:
        return ref
    hits = [r for r in runs if r.startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise DiffError(f"«{ref}» khớp với {len(hits)} lần chạy: {', '.join(hits[:5])}",
                        f"{ref!r} matches {len(hits)} runs: {', '.join(hits[:5])}")
    raise DiffError(f"không có lần chạy «{ref}»; các lần gần nhất: {', '.join(runs[-5:])}",
                    f"no run {ref!r}; the latest are: {', '.join(runs[-5:])}")


def previous_run(engine: Engine, run_id: str) -> str | None:
    """The stored run just before ``run_id`` (by time), or None: "what changed since last time"."""
    runs = [r["run_id"] for r in list_runs(engine)]
    if run_id not in runs:
        return None
    i = runs.index(run_id)
    return runs[i - 1] if i > 0 else None


def _run_info(engine: Engine, run_id: str) -> dict:
    with engine.connect() as conn:
        r = conn.execute(select(audit_runs.c.run_id, audit_runs.c.created_at, audit_runs.c.as_of,
                                audit_runs.c.code_version, audit_runs.c.params)
                         .where(audit_runs.c.run_id == run_id)).mappings().first()
    if r is None:
        raise DiffError(f"không có lần chạy «{run_id}»", f"no run {run_id!r}")
    d = dict(r)
    d["created_at"] = (d["created_at"].isoformat(timespec="seconds")
                       if d["created_at"] is not None else None)
    return d


def _findings(engine: Engine, run_id: str, province: str | None, school_year: str | None
              ) -> dict[str, dict]:
    cols = [stored_findings.c[c] for c in COLUMNS]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).where(stored_findings.c.run_id == run_id)).mappings().all()
    out = {}
    for r in rows:
        if province and r["province_code"] and r["province_code"] != province:
            continue
        if school_year and r["school_year"] and r["school_year"] != school_year:
            continue
        out[r["finding_id"]] = dict(r)
    return out


def diff_runs(engine: Engine, run_a: str, run_b: str, *, province: str | None = None,
              school_year: str | None = None) -> dict:
    """Findings new, resolved and changed from run ``run_a`` to run ``run_b``.

    Returns ``{"run_a": {...}, "run_b": {...}, "new": [...], "resolved": [...],
    "changed": [...], "counts": {"a", "b", "new", "resolved", "changed", "unchanged"}}``.
    Each finding is a dict of :data:`COLUMNS` plus ``review_status`` (the latest decision);
    a changed one also has ``score_a``, ``score_b``, ``delta`` and ``severity_a``,
    ``severity_b`` (its other fields are run B's).  New and resolved findings are sorted by
    score (highest first) then id; changed ones by the size of the change.  ``province`` and
    ``school_year`` select findings as ``--province``/``--school-year`` do (a finding without
    one is kept).  Run references may be ids, unique prefixes, ``latest`` or ``previous``."""
    ra, rb = resolve_run(engine, run_a), resolve_run(engine, run_b)
    a = _findings(engine, ra, province, school_year)
    b = _findings(engine, rb, province, school_year)
    statuses = latest_statuses(engine)
    new, resolved, changed, unchanged = [], [], [], 0
    for fid, f in b.items():
        f["review_status"] = statuses.get(fid, "new")
        old = a.get(fid)
        if old is None:
            new.append(f)
            continue
        delta = round(f["score"] - old["score"], 1)
        if abs(f["score"] - old["score"]) >= SCORE_EPSILON or f["severity"] != old["severity"]:
            changed.append(f | {"score_a": old["score"], "score_b": f["score"], "delta": delta,
                                "severity_a": old["severity"], "severity_b": f["severity"]})
        else:
            unchanged += 1
    for fid, f in a.items():
        if fid not in b:
            f["review_status"] = statuses.get(fid, "new")
            resolved.append(f)

    def by_score(x):
        return (-x["score"], x["finding_id"])
    new.sort(key=by_score)
    resolved.sort(key=by_score)
    changed.sort(key=lambda x: (-abs(x["delta"]), -_SEVERITY_RANK.get(x["severity_b"], 0),
                                x["finding_id"]))
    return {"run_a": _run_info(engine, ra), "run_b": _run_info(engine, rb),
            "new": new, "resolved": resolved, "changed": changed,
            "counts": {"a": len(a), "b": len(b), "new": len(new), "resolved": len(resolved),
                       "changed": len(changed), "unchanged": unchanged}}


def format_diff(d: dict, limit: int = 50) -> str:
    """The diff as text (what ``hocba-audit diff`` prints): up to ``limit`` lines a section."""
    a, b, c = d["run_a"], d["run_b"], d["counts"]
    lines = [f"So sánh / comparing {a['run_id']} ({c['a']} phát hiện / findings) → "
             f"{b['run_id']} ({c['b']})",
             f"Mới / new: {c['new']} · Đã hết / resolved: {c['resolved']} · "
             f"Thay đổi / changed: {c['changed']} · Không đổi / unchanged: {c['unchanged']}"]

    def row(f, score):
        return (f"  {score:>13}  {f['severity']:<7} {f['code']:<18} "
                f"{f['subject_type']}:{f['subject_id']}  [{f['review_status']}]  {f['finding_id']}")

    sections = (("Mới / new", d["new"], lambda f: f"{f['score']:.1f}"),
                ("Đã hết / resolved", d["resolved"], lambda f: f"{f['score']:.1f}"),
                ("Thay đổi / changed", d["changed"],
                 lambda f: f"{f['score_a']:.1f}→{f['score_b']:.1f}"))
    for title, items, score in sections:
        if not items:
            continue
        lines.append(f"{title}:")
        shown = items if limit <= 0 else items[:limit]
        for f in shown:
            text = row(f, score(f))
            if "severity_a" in f and f["severity_a"] != f["severity_b"]:
                text += f"  ({f['severity_a']}→{f['severity_b']})"
            lines.append(text)
        if len(items) > len(shown):
            lines.append(f"  … {len(items) - len(shown)} nữa / more (--limit 0: tất cả / all)")
    return "\n".join(lines)

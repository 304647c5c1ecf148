"""The audit engine: run every registered flag over the whole store, roll risk up, write and
store the run (interfaces.md, ``hocba-audit flags``)."""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from procurement import parallel, store

from . import findings as F
from . import review
from .config import code_version
from .context import Context
from .frames import PARALLEL_ROWS, Frames, load_frames
from .registry import FlagSpec, Hit, load_flags
from .risk import roll_up
from .settings import Settings, load_settings


@dataclass
class AuditResult:
    run: dict
    findings: list[F.Finding]              # after the --province / --school-year selection
    all_findings: list[F.Finding]
    not_computed: list[dict]
    risk: dict
    timings: dict[str, float] = field(default_factory=dict)


def compute(frames: Frames, settings: Settings, *, codes: list[str] | None = None,
            timings: dict | None = None, ctx: Context | None = None, workers: int | None = None,
            meanwhile: list[Callable[[], None]] | None = None
            ) -> tuple[list[F.Finding], list[dict]]:
    """Every flag (or those in ``codes``) over ``frames``: (findings, not_computed).

    ``ctx`` is the run's context when the caller wants to reuse what the flags derived (vendor
    groups for the risk roll-up); a new one otherwise.  ``timings`` receives each flag's
    seconds; a view that several flags share is counted in the first flag that asks for it
    (in each process, when two compute the flags).

    ``workers``: processes computing the flags (None: two for a large store on a machine with
    two cores, ``HOCBA_WORKERS`` when set; see procurement/parallel.py).  Each process takes the
    next flag not yet computed (those that read the most rows first); the findings are the
    same, in the same order, as in one process.

    ``meanwhile``: calls made (and removed from the list) while the workers compute, in this
    process, which would otherwise only wait (the first audit writes its frames snapshot
    there); made before the flags when one process computes them."""
    registry = load_flags()
    ctx = ctx if ctx is not None else Context(frames, settings)
    not_computed: list[dict] = []
    todo: list[str] = []
    weight: dict[str, int] = {}         # rows of the tables a flag reads: its likely cost
    for code, spec in registry.items():
        if codes and code not in codes:
            continue
        needs = spec.needs_for(ctx, settings.flag(code)) if spec.needs_for else spec.needs
        empty = [t for t in needs if frames.empty(t)]
        if empty:
            not_computed.append({"code": code, "needs": empty})
            continue
        todo.append(code)
        weight[code] = sum(len(frames[t]) for t in needs)
    if workers is None:
        rows = sum(len(df) for df in frames.tables.values())
        workers = parallel.workers(rows, PARALLEL_ROWS)
    if workers > 1 and len(todo) > 1:
        # The likely longest first, so that no process is left with a long one at the end.
        order = sorted(todo, key=lambda c: -weight[c])
        try:
            with parallel.fork_pool(workers, (ctx, registry), [frames.engine]) as pool:
                results = pool.map(_flag_in_worker, order)     # every flag submitted now
                _run_all(meanwhile)
                done = dict(results)
        except parallel.BrokenProcessPool as e:
            parallel.lost(e)
            workers = 1
    if workers < 2 or len(todo) < 2:
        _run_all(meanwhile)
        done = {code: _flag(ctx, registry[code]) for code in todo}
    out: list[F.Finding] = []
    for code in todo:
        found, seconds = done[code]
        if timings is not None:
            timings[code] = seconds
        out.extend(found)
    ids = [f.finding_id for f in out]
    if len(ids) != len(set(ids)):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise RuntimeError(f"a flag gave two findings for one subject: {dup}")
    return out, not_computed


def _run_all(calls: list[Callable[[], None]] | None) -> None:
    while calls:
        calls.pop(0)()


def _flag(ctx: Context, spec: FlagSpec) -> tuple[list[F.Finding], float]:
    """One flag's findings, and its seconds."""
    t0 = time.perf_counter()
    hits = list(spec.compute(ctx, ctx.settings.flag(spec.code)))
    seconds = time.perf_counter() - t0
    return [_finding(spec, h) for h in hits], seconds


def _flag_in_worker(code: str) -> tuple[str, tuple[list[F.Finding], float]]:
    ctx, registry = parallel.state()
    return code, _flag(ctx, registry[code])


#: A run with this many findings has findings.csv written by a forked process.
PARALLEL_FINDINGS = 5_000


def _write_csv_in_worker() -> None:
    F.write_csv(*parallel.state())


def _finding(spec: FlagSpec, h: Hit) -> F.Finding:
    return F.Finding(
        finding_id=F.finding_id(spec.code, spec.subject_type, h.subject_id), code=spec.code,
        subject_type=spec.subject_type, subject_id=h.subject_id, province_code=h.province_code,
        school_year=h.school_year, severity=h.severity, score=h.score, title_vi=spec.title_vi,
        title_en=spec.title_en, detail_vi=h.detail_vi, detail_en=h.detail_en,
        evidence=sorted(dict.fromkeys(h.evidence)), legal_basis=spec.legal_basis,
        family=spec.family, parties={k: sorted(set(v)) for k, v in h.parties.items() if v})


def select_findings(findings: list[F.Finding], province: str | None, school_year: str | None
                    ) -> list[F.Finding]:
    """``--province`` and ``--school-year`` choose which findings are written and shown.

    A finding without a province (a vendor group, the Ministry's directive) or without a school
    year (a vendor group, a contract line with no date) is kept: the selection never hides a
    finding that is not tied to another province or year."""
    out = []
    for f in findings:
        if province and f.province_code and f.province_code != province:
            continue
        if school_year and f.school_year and f.school_year != school_year:
            continue
        out.append(f)
    return out


def _inputs(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(store.sources.c.path, store.sources.c.sha256)
                            .order_by(store.sources.c.source_id)).all()
    seen, out = set(), []
    for path, sha in rows:
        if (path, sha) not in seen:
            seen.add((path, sha))
            out.append({"source": path, "sha256": sha})
    return out


def _check_out(out: Path) -> None:
    """The output folder made, and its two files writable, before anything is computed or
    stored: a run is stored only when its findings files can be written (OSError otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("findings.csv", "findings.json"):
        target = out / name
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))


def run_audit(db_url: str | None = None, *, province: str | None = None,
              school_year: str | None = None, settings_path: str | None = None,
              as_of: str | None = None, out_dir: str | Path | None = None,
              engine: Engine | None = None, store_run: bool = True) -> AuditResult:
    """Compute every flag over the store, select, write ``findings.csv``/``.json``, store the run."""
    eng = engine or store.get_engine(db_url)
    settings = load_settings(settings_path, as_of=as_of)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        _check_out(out)          # (made there, before anything is computed)
    made = dt.datetime.now(dt.timezone.utc)      # stored as it is: runs sort by it
    now = made.replace(microsecond=0)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    snapshot: list = []         # a new frames snapshot, written while the workers compute
    try:
        frames = load_frames(eng, cache=True, later=snapshot)
        timings["_load"] = time.perf_counter() - t0
        ctx = Context(frames, settings)
        all_findings, not_computed = compute(frames, settings, timings=timings, ctx=ctx,
                                             meanwhile=snapshot)
    finally:
        _run_all(snapshot)      # (not yet made when no flag could be computed)
    statuses = review.latest_statuses(eng)
    head = review.chain_head(eng)
    for f in all_findings:
        f.review_status = statuses.get(f.finding_id, "new")
    risk = roll_up(all_findings, settings, None if frames.vendors.empty else ctx.groups)
    params = {"province": province, "school_year": school_year, "settings": settings_path,
              "as_of": settings.as_of.isoformat()}
    run = {"run_id": F.make_run_id(params, now), "as_of": settings.as_of.isoformat(),
           "created_at": now.isoformat(), "code_version": code_version(),
           "settings": settings.raw | {"as_of": settings.as_of.isoformat()},
           "inputs": _inputs(eng), "params": params, "review_head": head}
    selected = select_findings(all_findings, province, school_year)
    with contextlib.ExitStack() as stack:
        # findings.csv does not name the run: for a large run a forked process writes it
        # (under a temporary name, renamed once the run is stored) while this one stores the
        # run and writes findings.json.
        csv_job = csv_tmp = None
        if out is not None and parallel.workers(len(selected), PARALLEL_FINDINGS) > 1:
            csv_tmp = out / f".findings.csv.{os.getpid()}.tmp"
            stack.callback(csv_tmp.unlink, missing_ok=True)
            pool = stack.enter_context(parallel.fork_pool(1, (selected, csv_tmp), [eng]))
            csv_job = pool.submit(_write_csv_in_worker)
        if store_run:
            with eng.begin() as conn:
                F.store_run(conn, run, all_findings, not_computed, risk, created_at=made)
        if out is not None:
            head = {k: v for k, v in run.items() if k != "params" and k != "review_head"}
            F.write_json(head, selected, not_computed, risk, out / "findings.json")
            if csv_job is not None:
                try:
                    csv_job.result()
                    os.replace(csv_tmp, out / "findings.csv")
                except parallel.BrokenProcessPool as e:
                    parallel.lost(e)
                    csv_job = None
            if csv_job is None:
                F.write_csv(selected, out / "findings.csv")
    timings["_total"] = time.perf_counter() - t0
    return AuditResult(run, selected, all_findings, not_computed, risk, timings)


def format_top(findings: list[F.Finding], n: int = 20) -> str:
    lines = [f"{'điểm/score':>10}  {'mức/sev.':<7} {'mã/code':<18} đối tượng / subject"]
    for f in F.sort_findings(findings)[:n]:
        lines.append(f"{f.score:>10.1f}  {f.severity:<7} {f.code:<18} {f.subject_type}:{f.subject_id}")
    return "\n".join(lines)

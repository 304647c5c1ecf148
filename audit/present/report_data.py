"""What a report reads: the store's rows in the report's scope, the findings, the masker.

A report only *reads* the store (parallel report kernels on one SQLite file never lock each
other out): findings come from a stored audit run (``run_id``), or, when none is given, are
computed in memory (``run_audit(store_run=False)``) — :mod:`audit.reporting` computes and
stores the run once before it starts kernels, so a scheduled run reads.

For a province, only that province's rows are loaded (schools, their deployments, the
authorities of the province and the Ministry, their tenders, bids, contracts and lines, their
officials and those officials' relatives, the province's milestones); vendors and their people
are loaded whole, since vendor groups span provinces.  Officials named by a finding in the
report are loaded wherever they work, so the masker knows every person the report can show.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from procurement import store
from procurement.contract import TABLES

from .. import findings as F
from .. import review
from ..context import Context
from ..frames import Frames, _typed
from ..privacy import Masker


class ReportError(ValueError):
    """A report parameter that cannot be used; the message says which and what to do."""


def parse_params(province: str | None, school_year: str | None, lang: str, privacy: str
                 ) -> tuple[str | None, str | None]:
    """(province code, school year) from the notebook's parameters; errors say what to write."""
    from procurement.values import ValueProblem, parse_province, parse_school_year
    if lang not in ("vi", "en"):
        raise ReportError(f"lang «{lang}»: ghi vi hoặc en / write vi or en")
    if privacy not in ("public", "internal"):
        raise ReportError(f"privacy «{privacy}»: ghi public hoặc internal / write public or internal")
    code = year = None
    if province:
        try:
            code = parse_province(province)
        except ValueProblem:
            raise ReportError(f"«{province}» không phải là tỉnh, thành phố hiện hành / is not a current "
                              f"province (34 provinces since 2025-07-01)") from None
    if school_year:
        try:
            year = parse_school_year(school_year)
        except ValueProblem:
            raise ReportError(f"«{school_year}» không phải năm học, ví dụ 2024-2025 / is not a school "
                              f"year such as 2024-2025") from None
    return code, year


def families_per_year(deployments: pd.DataFrame, schools: pd.DataFrame) -> pd.Series:
    """What each deployment costs its school's families in a year: ``parent_fee_vnd`` is per
    student per year (data-contract.md), so it is multiplied by the school's students, as
    DEP-PARENTFEE counts it; a school whose students are unknown adds nothing."""
    students = deployments["school_id"].map(dict(zip(schools["school_id"], schools["students"])))
    return (deployments["parent_fee_vnd"].fillna(0) * students.fillna(0)).astype("float64")


def _select_table(engine: Engine, name: str, where=None) -> pd.DataFrame:
    """One contract table typed as :func:`audit.frames.load_table` does, with a WHERE clause."""
    t = store.contract_tables[name]
    spec = TABLES[name]
    cols = [t.c.row_key] + [t.c[c.name] for c in spec.columns]
    cols += [t.c[f"{c.name}_key"] for c in spec.columns if c.kind == "name"]
    q = select(*cols)
    if where is not None:
        q = q.where(where)
    with engine.connect() as conn:
        result = conn.execute(q.order_by(t.c.row_key))
        keys = list(result.keys())
        df = pd.DataFrame([tuple(r) for r in result], columns=keys)  # plain tuples: pandas probes Rows slowly
    return _typed(name, df)


def load_scope(engine: Engine, province: str | None, extra_officials: set[str] = frozenset()) -> Frames:
    """The contract tables in the scope of ``province`` (None: every row)."""
    if province is None:
        return Frames({name: _select_table(engine, name) for name in TABLES})
    T = store.contract_tables
    auth = select(T["authorities"].c.authority_id).where(
        or_(T["authorities"].c.province_code == province, T["authorities"].c.kind == "ministry"))
    schools = select(T["schools"].c.school_id).where(T["schools"].c.province_code == province)
    tenders = select(T["tenders"].c.tender_id).where(T["tenders"].c.procuring_entity_id.in_(auth))
    contracts = select(T["contracts"].c.contract_id).where(or_(
        T["contracts"].c.procuring_entity_id.in_(auth), T["contracts"].c.tender_id.in_(tenders)))
    official_in = T["officials"].c.authority_id.in_(auth)
    if extra_officials:
        official_in = or_(official_in, T["officials"].c.official_id.in_(sorted(extra_officials)))
    officials = select(T["officials"].c.official_id).where(official_in)
    where = {
        "schools": T["schools"].c.province_code == province,
        "authorities": T["authorities"].c.authority_id.in_(auth),
        "vendors": None,
        "vendor_people": None,
        "officials": official_in,
        "declared_relatives": T["declared_relatives"].c.official_id.in_(officials),
        "tenders": T["tenders"].c.tender_id.in_(tenders),
        "tender_committee": T["tender_committee"].c.tender_id.in_(tenders),
        "bids": T["bids"].c.tender_id.in_(tenders),
        "contracts": T["contracts"].c.contract_id.in_(contracts),
        "contract_lines": T["contract_lines"].c.contract_id.in_(contracts),
        "deployments": T["deployments"].c.school_id.in_(schools),
        "directives": T["directives"].c.issuer_id.in_(auth),
        "pilot_milestones": T["pilot_milestones"].c.province_code == province,
    }
    return Frames({name: _select_table(engine, name, where[name]) for name in TABLES})


@dataclass
class ReportInput:
    """Everything a report shows, read once."""
    engine: Engine
    db_url: str
    province: str | None
    school_year: str | None
    lang: str
    privacy: str
    run: dict
    findings: list[F.Finding]                 # selected, sorted by score
    risk: dict
    not_computed: list[dict]
    frames: Frames
    settings_path: str | None = None
    synthetic: bool = False
    timings: dict = field(default_factory=dict)

    @cached_property
    def masker(self) -> Masker:
        """The masker, knowing every person the findings shown can name (see :func:`people_in_view`)."""
        return Masker(self.engine, self.privacy, self.lang, frames=people_in_view(self.frames, self.findings, self.ctx))

    @cached_property
    def ctx(self) -> Context:
        from ..settings import load_settings
        return Context(self.frames, load_settings(self.settings_path))

    @property
    def public(self) -> bool:
        return self.privacy == "public"


_TAX_CODE = re.compile(r"(?<![0-9])[0-9]{10}(?:-[0-9]{3})?(?![0-9])|(?<![0-9])[0-9]{12}(?![0-9])")


def people_in_view(frames: Frames, findings: list[F.Finding], ctx: Context) -> Frames:
    """The people tables cut to those a report's finding texts can name: the officials the
    findings name and their declared relatives; the people of every vendor the findings name,
    of its declared parents up the chain and of its vendor group.  Vendors stay whole (only
    personal-tax-code ones are masked).  Scrubbing with every person of a national store
    (tens of thousands of values in one pattern) would take seconds per report for nothing."""
    officials = _officials_named(findings)
    vendors: set[str] = set()
    for f in findings:
        for ids in (f.parties or {}).values():
            for i in ids:
                vendors.update(_TAX_CODE.findall(i))
        vendors.update(_TAX_CODE.findall(f.subject_id))
        for e in f.evidence:
            vendors.update(_TAX_CODE.findall(e))
    groups = ctx.groups
    for v in list(vendors):
        vendors.update(ctx.vendor_chain(v))
        vendors.update(groups.members.get(groups.group(v), []))
    t = dict(frames.tables)
    t["officials"] = frames.officials[frames.officials["official_id"].isin(officials)]
    t["declared_relatives"] = frames.declared_relatives[frames.declared_relatives["official_id"].isin(officials)]
    t["vendor_people"] = frames.vendor_people[frames.vendor_people["vendor_id"].isin(vendors)]
    return Frames(t)


def _stored_run(engine: Engine, run_id: str) -> tuple[dict, list[F.Finding], dict, list[dict]]:
    with engine.connect() as conn:
        row = conn.execute(select(F.audit_runs).where(F.audit_runs.c.run_id == run_id)).mappings().first()
        if row is None:
            raise ReportError(f"không có lần chạy «{run_id}» trong kho / no stored audit run «{run_id}»: "
                              f"chạy «hocba-audit flags» trước / run «hocba-audit flags» first")
        found = F.load_run_findings(conn, run_id)
    statuses = review.latest_statuses(engine)
    for f in found:
        f.review_status = statuses.get(f.finding_id, "new")
    created = row["created_at"]
    run = {"run_id": row["run_id"], "as_of": row["as_of"],
           "created_at": (created.isoformat(timespec="seconds") if isinstance(created, dt.datetime)
                          else str(created)),
           "code_version": row["code_version"], "settings": row["settings"], "inputs": row["inputs"] or [],
           "params": row["params"] or {}}
    return run, found, row["risk"] or {}, row["not_computed"] or []


def _code_version() -> str:
    from ..config import code_version
    return code_version()


def _officials_named(findings: list[F.Finding]) -> set[str]:
    out: set[str] = set()
    for f in findings:
        out.update((f.parties or {}).get("official", []))
        for e in f.evidence:
            table, _, key = e.partition(":")
            if table in ("officials", "declared_relatives", "tender_committee"):
                parts = key.split("/")
                out.add(parts[1] if table == "tender_committee" and len(parts) > 1 else parts[0])
    return out


def load_report_input(db_url: str | None = None, *, province: str | None = None,
                      school_year: str | None = None, lang: str = "vi", privacy: str = "public",
                      settings: str | None = None, run_id: str | None = None,
                      with_findings: bool = True) -> ReportInput:
    """Read what a report shows.  ``db_url`` empty: ``$HOCBA_DB``, else the default store.

    ``with_findings=False`` (the pilot evaluation) reads the run's facts but no findings."""
    import time
    t0 = time.perf_counter()
    code, year = parse_params(province, school_year, lang, privacy)
    url = store.resolve_db_url(db_url or None)
    engine = store.get_engine(url)
    if not with_findings:
        run = {"run_id": run_id or "", "as_of": dt.date.today().isoformat(), "code_version": _code_version()}
        all_findings, risk, not_computed = [], {}, []
    elif run_id:
        run, all_findings, risk, not_computed = _stored_run(engine, run_id)
    else:
        from ..engine import run_audit
        res = run_audit(url, engine=engine, settings_path=settings or None, store_run=False)
        run, all_findings, risk, not_computed = res.run, res.all_findings, res.risk, res.not_computed
    from ..engine import select_findings
    selected = F.sort_findings(select_findings(all_findings, code, year))
    t1 = time.perf_counter()
    frames = load_scope(engine, code, _officials_named(selected))
    t2 = time.perf_counter()
    return ReportInput(engine=engine, db_url=url, province=code, school_year=year, lang=lang,
                       privacy=privacy, run=run, findings=selected, risk=risk,
                       not_computed=not_computed, frames=frames, settings_path=settings or None,
                       synthetic=store.is_synthetic(engine),
                       timings={"findings": t1 - t0, "frames": t2 - t1})

"""Run a report notebook with papermill and convert it to one self-contained HTML file.

    from audit.reporting import render_report, run_scheduled
    res = render_report("inspection", db_url=url, province="86", out_html="bao-cao.html")
    run = run_scheduled(url, "all", jobs=2, out_dir="reports/run")

:func:`render_report` executes ``notebooks/reports/<name>.ipynb`` in-process with papermill
(the ``python3`` kernel runs this interpreter), converts it with nbconvert's HTML exporter,
code hidden (``exclude_input``), through the small template in ``audit/present/templates/hocba``
(no require.js, no MathJax, no web fonts, a Content-Security-Policy that forbids any request),
adds the table of contents, and archives the run in ``<archive>/<name>/<run_id>/``:

- ``report.ipynb`` — the executed notebook (papermill's error banner in it if a cell failed);
- ``report.html`` — the report (also written to ``out_html`` when given);
- ``findings.csv`` / ``findings.json`` — the findings the report shows (inspection);
- ``parameters.json`` — the notebook's parameters;
- ``manifest.json`` — run id, notebook, the input files' SHA-256 (the store's sources and the
  notebook itself), the audit run, the code version and the timings.

The findings are computed and stored once, *before* the kernel starts (unless a ``run_id`` is
given): the kernel then only reads the store, so parallel kernels on one SQLite file (WAL) never
wait for a write lock.  :func:`run_scheduled` is the scheduled audit: one report per province in
parallel processes, a progress bar, a failed province recorded with its error while the others
carry on, and a national index page.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import NOTEBOOKS_DIR, ROOT, code_version, work_dir
from .i18n import Labels

NOTEBOOKS = ("inspection", "pilot_evaluation")
TEMPLATES_DIR = Path(__file__).resolve().parent / "present" / "templates"
TEMPLATE = "hocba"


class ReportFailed(RuntimeError):
    """A report could not be made; ``str()`` says why (a cell's error, a bad parameter)."""


@dataclass
class ReportResult:
    name: str
    run_id: str
    run_dir: str
    html: str
    audit_run_id: str
    parameters: dict
    timings: dict = field(default_factory=dict)


def notebook_path(name: str) -> Path:
    if name not in NOTEBOOKS:
        raise ReportFailed(f"không có sổ báo cáo «{name}» / no report notebook «{name}»: "
                           f"{', '.join(NOTEBOOKS)}")
    return NOTEBOOKS_DIR / "reports" / f"{name}.ipynb"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def prepare(db_url: str | None, *, settings: str | None = None, privacy: str = "public",
            need_findings: bool = True) -> str:
    """Compute and store the audit run (the one write before kernels start); its run id.

    Also creates the store's pseudonym secret, and every table the kernels' modules declare
    (the schema is completed on first use), so that the kernels only read."""
    import importlib
    for module in ("audit.present.report_pilot", "audit.present.network"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    from procurement import store
    from .engine import run_audit
    from .privacy import store_secret
    eng = store.get_engine(db_url)
    store_secret(eng)
    if not need_findings:
        return ""
    return run_audit(db_url, engine=eng, settings_path=settings or None, store_run=True).run["run_id"]


def report_run_id(params: dict, now: dt.datetime | None = None) -> str:
    from .findings import make_run_id
    now = now or dt.datetime.now(dt.timezone.utc)
    return make_run_id(params, now) + "-" + hashlib.sha256(os.urandom(8)).hexdigest()[:4]


def _archive_name(name: str, province: str | None) -> str:
    return f"{name}-{province or 'national'}"


#: The report kernels log errors only: ipykernel's warning that its local TCP sockets are not
#: encrypted was printed on every report, in English, to inspectors who can do nothing about it
#: (the kernel runs on this machine, started and stopped by this process, its messages signed
#: with a key only this process holds).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


def execute(nb_in: Path, nb_out: Path, parameters: dict, timeout: int | None = 900) -> dict:
    """papermill in-process; returns timings (kernel start, computation)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    t0 = time.perf_counter()
    wall0 = dt.datetime.now(dt.timezone.utc)
    try:
        nb = pm.execute_notebook(str(nb_in), str(nb_out), parameters=parameters, kernel_name="python3",
                                 progress_bar=False, execution_timeout=timeout, log_output=False,
                                 extra_arguments=KERNEL_ARGUMENTS)
    except PapermillExecutionError as e:
        raise ReportFailed(f"{e.ename}: {e.evalue}") from None
    total = time.perf_counter() - t0
    cells = [c.get("metadata", {}).get("papermill", {}) for c in nb.cells]
    compute = sum(float(c.get("duration") or 0) for c in cells)
    first = next((c.get("start_time") for c in cells if c.get("start_time")), None)
    start = None
    if first:
        start = max(0.0, (dt.datetime.fromisoformat(first.replace("Z", "+00:00")) - wall0).total_seconds())
    return {"papermill": total, "kernel_start": start if start is not None else max(0.0, total - compute),
            "computation": compute}


def convert(nb_path: Path, *, lang: str, title: str) -> str:
    """The executed notebook as one self-contained HTML page, without code, with a TOC."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from .present.report import insert_toc
    nb = nbformat.read(str(nb_path), as_version=4)
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    tags = TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True)
    exporter.register_preprocessor(tags, enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"hocba": {"lang": lang, "title": title}})
    return insert_toc(body, Labels(lang)("toc"))


def render_report(name: str = "inspection", *, db_url: str | None = None, province: str | None = None,
                  school_year: str | None = None, lang: str = "vi", privacy: str = "public",
                  settings: str | None = None, run_id: str | None = None,
                  out_html: str | Path | None = None, archive_dir: str | Path | None = None,
                  timeout: int | None = 900) -> ReportResult:
    """Execute and convert one report notebook; archive the run (see the module docstring)."""
    from procurement import store
    from procurement.geo import province_name
    from .present.report_data import ReportError, parse_params
    t0 = time.perf_counter()
    nb_in = notebook_path(name)
    try:
        code, year = parse_params(province, school_year, lang, privacy)
    except ReportError as e:
        raise ReportFailed(str(e)) from None
    url = store.resolve_db_url(db_url)
    if not run_id:
        run_id = prepare(url, settings=settings, privacy=privacy, need_findings=name == "inspection")
    params = {"db_url": url, "province": code or "", "school_year": year or "", "lang": lang,
              "privacy": privacy, "settings": settings or "", "run_id": run_id or ""}
    rid = report_run_id(params)
    run_dir = Path(archive_dir or work_dir("reports")) / _archive_name(name, code) / rid
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "parameters.json").write_text(json.dumps(params, ensure_ascii=False, indent=1), encoding="utf-8")
    t1 = time.perf_counter()
    timings = execute(nb_in, run_dir / "report.ipynb", params, timeout)
    t2 = time.perf_counter()
    L = Labels(lang)
    scope = province_name(code) if code else L("nation")
    title = f"{L('inspection_title' if name == 'inspection' else 'pilot_title')} — {scope}"
    html_text = convert(run_dir / "report.ipynb", lang=lang, title=title)
    timings["conversion"] = time.perf_counter() - t2
    (run_dir / "report.html").write_text(html_text, encoding="utf-8")
    if out_html:
        Path(out_html).parent.mkdir(parents=True, exist_ok=True)
        Path(out_html).write_text(html_text, encoding="utf-8")
    inputs = _write_findings(url, run_id, code, year, run_dir) if name == "inspection" else _inputs(url)
    inputs.append({"source": str(nb_in.relative_to(ROOT)), "sha256": _sha256(nb_in)})
    timings["prepare"] = t1 - t0
    timings["total"] = time.perf_counter() - t0
    manifest = {"run_id": rid, "notebook": name, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "parameters": params, "audit_run_id": run_id, "inputs": inputs,
                "code_version": code_version(), "timings": timings,
                "html": str(Path(out_html).resolve()) if out_html else str(run_dir / "report.html")}
    (run_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return ReportResult(name, rid, str(run_dir), manifest["html"], run_id or "", params, timings)


def _inputs(url: str) -> list[dict]:
    from procurement import store
    from .engine import _inputs as store_inputs
    return store_inputs(store.get_engine(url))


def _write_findings(url: str, run_id: str, province, school_year, run_dir: Path) -> list[dict]:
    """The findings the report shows, as findings.csv/.json beside it; the run's inputs."""
    from procurement import store
    from .engine import select_findings
    from .findings import audit_runs, load_run_findings, write_csv, write_json
    from .review import latest_statuses
    from sqlalchemy import select
    eng = store.get_engine(url)
    with eng.connect() as conn:
        row = conn.execute(select(audit_runs).where(audit_runs.c.run_id == run_id)).mappings().first()
        found = load_run_findings(conn, run_id)
    statuses = latest_statuses(eng)
    for f in found:
        f.review_status = statuses.get(f.finding_id, "new")
    selected = select_findings(found, province, school_year)
    write_csv(selected, run_dir / "findings.csv")
    created = row["created_at"]
    if isinstance(created, dt.datetime):
        created = created.replace(microsecond=0)     # stored to the microsecond for ordering
    run = {"run_id": run_id, "as_of": row["as_of"], "created_at": str(created),
           "code_version": row["code_version"], "settings": row["settings"], "inputs": row["inputs"]}
    write_json(run, selected, row["not_computed"] or [], row["risk"] or {}, run_dir / "findings.json")
    return list(row["inputs"] or [])


# --- the scheduled audit -------------------------------------------------------------------------

@dataclass
class ProvinceOutcome:
    given: str
    province: str | None
    name: str
    ok: bool
    html: str = ""
    run_dir: str = ""
    error: str = ""
    seconds: float = 0.0
    figures: dict = field(default_factory=dict)


@dataclass
class ScheduledRun:
    run_id: str
    index: str
    outcomes: list[ProvinceOutcome]

    @property
    def failed(self) -> list[ProvinceOutcome]:
        return [o for o in self.outcomes if not o.ok]


def _slug(text: str) -> str:
    from procurement.text import strip_diacritics
    return re.sub(r"[^a-z0-9]+", "-", strip_diacritics(text).lower()).strip("-")


def province_list(db_url: str, provinces: str) -> list[tuple[str, str | None]]:
    """(as given, code or None when unknown) for ``all`` (every province with schools in the
    store) or a comma-separated list of codes or names."""
    from procurement import store
    from procurement.values import ValueProblem, parse_province
    if provinces.strip().lower() == "all":
        t = store.contract_tables["schools"]
        from sqlalchemy import select
        with store.get_engine(db_url).connect() as conn:
            codes = sorted(r[0] for r in conn.execute(select(t.c.province_code).distinct()) if r[0])
        return [(c, c) for c in codes]
    out = []
    for given in (p.strip() for p in provinces.split(",")):
        if not given:
            continue
        try:
            out.append((given, parse_province(given)))
        except ValueProblem:
            out.append((given, None))
    return out


def _one(task: dict) -> dict:
    """A worker: one province's report; never raises (the error is the result)."""
    t0 = time.perf_counter()
    try:
        res = render_report(task["notebook"], db_url=task["db_url"], province=task["province"],
                            lang=task["lang"], privacy=task["privacy"], run_id=task["run_id"],
                            school_year=task.get("school_year"), out_html=task["out_html"],
                            archive_dir=task["archive_dir"], timeout=task.get("timeout"))
        return {"ok": True, "run_dir": res.run_dir, "seconds": time.perf_counter() - t0}
    except Exception as e:  # recorded, the others carry on
        msg = str(e) if isinstance(e, ReportFailed) else f"{type(e).__name__}: {e}"
        return {"ok": False, "error": msg, "seconds": time.perf_counter() - t0,
                "trace": traceback.format_exc(limit=3)}


def headline(db_url: str, run_id: str, provinces=()) -> dict[str, dict]:
    """Per province: findings, high-severity findings, risk score, schools (for the index).

    Every province of the store, of the run and of ``provinces`` (the codes the index lists) has
    its figures, 0 where it has no school or finding (its risk is then 0: no finding adds to it);
    without ``run_id`` (a report that needs no audit run) only the schools are known."""
    from collections import Counter
    from sqlalchemy import func, select
    from procurement import store
    from .findings import audit_runs, stored_findings
    eng = store.get_engine(db_url)
    t = store.contract_tables["schools"]
    with eng.connect() as conn:
        schools = dict(conn.execute(select(t.c.province_code, func.count()).group_by(t.c.province_code)).all())
        if not run_id:
            return {pc: {"schools": schools.get(pc, 0), "findings": None, "high": None, "risk": None}
                    for pc in set(schools) | set(provinces)}
        rows = conn.execute(select(stored_findings.c.province_code, stored_findings.c.severity)
                            .where(stored_findings.c.run_id == run_id)).all()
        risk = conn.execute(select(audit_runs.c.risk).where(audit_runs.c.run_id == run_id)).scalar() or {}
    n, high = Counter(), Counter()
    national = Counter()
    for pc, sev in rows:
        if pc:
            n[pc] += 1
            high[pc] += sev == "high"
        else:
            national["n"] += 1
            national["high"] += sev == "high"
    scores = {r["id"]: r["score"] for r in risk.get("province", [])}
    out = {}
    for pc in set(schools) | set(n) | set(provinces):
        # A finding without a province (a vendor group, a Ministry directive) shows in every report.
        out[pc] = {"schools": schools.get(pc, 0), "findings": n[pc] + national["n"],
                   "high": high[pc] + national["high"], "risk": scores.get(pc, 0.0)}
    return out


def run_scheduled(db_url: str | None, provinces: str = "all", *, jobs: int = 1, out_dir: str | Path,
                  notebook: str = "inspection", lang: str = "vi", privacy: str = "public",
                  school_year: str | None = None, archive_dir: str | Path | None = None,
                  progress: bool = True, timeout: int | None = 900, run_id: str | None = None
                  ) -> ScheduledRun:
    """One report per province, ``jobs`` at a time, and ``<out_dir>/index.html``.

    ``run_id``: report that stored audit run instead of computing and storing a new one."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from procurement import store
    from procurement.geo import province_name
    from tqdm import tqdm
    url = store.resolve_db_url(db_url)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    archive = Path(archive_dir) if archive_dir else work_dir("reports")
    wanted = province_list(url, provinces)
    if run_id:
        prepare(url, privacy=privacy, need_findings=False)
    else:
        run_id = prepare(url, privacy=privacy, need_findings=notebook == "inspection")
    figures = headline(url, run_id, [code for _, code in wanted if code])
    store.dispose_engines()  # no pooled connection crosses into the workers
    L = Labels(lang)
    outcomes: list[ProvinceOutcome] = []
    tasks = {}
    for given, code in wanted:
        if code is None:
            from .i18n import t
            outcomes.append(ProvinceOutcome(given, None, given, False,
                                            error=f'{t("unknown_province", "vi", value=given)} / '
                                                  f'{t("unknown_province", "en", value=given)}'))
            continue
        name = province_name(code)
        html_name = f"{code}-{_slug(name)}.html"
        tasks[code] = (given, name, {"notebook": notebook, "db_url": url, "province": code, "lang": lang,
                                     "privacy": privacy, "run_id": run_id, "school_year": school_year,
                                     "out_html": str(out / html_name), "archive_dir": str(archive),
                                     "timeout": timeout})
    bar = tqdm(total=len(wanted), desc=L.pick("Báo cáo", "Reports"), unit=L.pick("tỉnh", "province"),
               file=sys.stderr, disable=not progress)
    bar.update(len(wanted) - len(tasks))
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool:
        futures = {pool.submit(_one, spec): code for code, (_, _, spec) in tasks.items()}
        for fut in as_completed(futures):
            code = futures[fut]
            given, name, spec = tasks[code]
            try:
                r = fut.result()
            except Exception as e:  # a worker that died
                r = {"ok": False, "error": f"{type(e).__name__}: {e}", "seconds": 0.0}
            outcomes.append(ProvinceOutcome(given, code, name, r["ok"], html=Path(spec["out_html"]).name if r["ok"] else "",
                                            run_dir=r.get("run_dir", ""), error=r.get("error", ""),
                                            seconds=r["seconds"], figures=figures.get(code, {})))
            bar.set_postfix_str(name)
            bar.update(1)
    bar.close()
    order = {g: i for i, (g, _) in enumerate(wanted)}
    outcomes.sort(key=lambda o: order.get(o.given, 0))
    index = out / "index.html"
    synthetic = store.is_synthetic(store.get_engine(url))
    index.write_text(index_html(outcomes, run_id, lang, synthetic=synthetic), encoding="utf-8")
    (out / "run.json").write_text(json.dumps({"audit_run_id": run_id, "created_at": dt.datetime.now(
        dt.timezone.utc).isoformat(), "code_version": code_version(),
        "outcomes": [asdict(o) for o in outcomes]}, ensure_ascii=False, indent=1), encoding="utf-8")
    return ScheduledRun(run_id, str(index), outcomes)


def index_html(outcomes: list[ProvinceOutcome], run_id: str, lang: str = "vi", synthetic: bool = False) -> str:
    """The national index page: every report linked with its headline figures; failures named."""
    from .present import report as R
    L = Labels(lang)
    ok = [o for o in outcomes if o.ok]
    rows = []
    for o in outcomes:
        f = o.figures or {}
        link = (f'<a href="{R.esc(o.html)}">{R.esc(L("report"))}</a>' if o.ok
                else R.tag(L("failed"), "high"))
        rows.append({"province": o.name, "link": link, "schools": f.get("schools"), "findings": f.get("findings"),
                     "high": f.get("high"), "risk": f.get("risk"), "error": o.error, "seconds": o.seconds})
    # 0 is a figure; "—" is a figure not known (a name that is not a province, a report with no run).
    num = lambda v: R.fmt_int(v, lang) if v is not None else "—"  # noqa: E731
    table = R.table(rows, [("province", L("province")), ("link", L("report")), ("schools", L("n_schools"), num, "num"),
                           ("findings", L("n_findings"), num, "num"), ("high", L("n_high"), num, "num"),
                           ("risk", L("province_risk"), lambda v: R.fmt_num(v, lang) if v is not None else "—", "num"),
                           ("error", L("error")), ("seconds", L("seconds"), lambda v: R.fmt_num(v, lang), "num")],
                    cls="hocba-index", html_columns=("link",))
    css = (TEMPLATES_DIR / TEMPLATE / "report.css").read_text(encoding="utf-8")
    title = L("index_title")
    body = R.join(R.banner(L("synthetic_banner"), "warning") if synthetic else None,
                  R.Block(f'<h1 class="hocba-title">{R.esc(title)}</h1>'),
                  R.para(L("index_intro", ok=len(ok), failed=len(outcomes) - len(ok), run=run_id or "—")),
                  table)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            f'<title>{R.esc(title)}</title><style>{css}</style></head>'
            f'<body><main class="hocba-report">{body}</main></body></html>')

"""Report benchmark (issue #6): one province report against an empty notebook, and the scheduled
34-province run with one and two processes.

    .venv/bin/python bench/reports.py [--db URL] [--repeat 3] [--province CODE] [--no-run]

Without ``--db`` the national synthetic set (``bench/out/national-1`` when it is there, else
generated with seed 1) is ingested into a fresh SQLite store in a temporary folder.

Measures, in one process and one run:

1. **empty**: ``papermill.execute_notebook`` of a notebook with one empty cell (in-process, the
   same ``python3`` kernel) — the floor every report pays;
2. **one province report** (the province with the most schools, or ``--province``), on an audit
   run computed and stored beforehand: its time split into kernel start, computation (the cells)
   and conversion (nbconvert and the table of contents), and the ratio of its total to *empty*
   (target ≤ 10×);
3. **the scheduled run** over every province of the store with ``--jobs 1`` and ``--jobs 2``
   (target: ``--jobs 2`` ≤ 0.6 × ``--jobs 1``), on the same stored audit run.

Medians of ``--repeat`` runs for 1 and 2.  Prints a table and the JSON of every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def empty_notebook(path: Path) -> Path:
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    p = nbformat.v4.new_code_cell('x = ""  # help: nothing')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("")]
    nbformat.write(nb, str(path))
    return path


def time_empty(tmp: Path, repeat: int) -> list[float]:
    import papermill as pm
    nb = empty_notebook(tmp / "empty.ipynb")
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pm.execute_notebook(str(nb), str(tmp / "empty.out.ipynb"), parameters={"x": "y"},
                            kernel_name="python3", progress_bar=False)
        out.append(time.perf_counter() - t0)
    return out


def cell_times(path: Path) -> dict[str, float]:
    """Seconds per report cell, by the section it calls (``header`` reads the store)."""
    import re
    import nbformat
    out: dict[str, float] = {}
    for c in nbformat.read(str(path), as_version=4).cells:
        m = re.search(r"^report\.([a-z_]+)\(\)$", c.source, re.M)
        if m:
            out[m.group(1)] = float(c.metadata.get("papermill", {}).get("duration") or 0)
    return out


def build_store(tmp: Path) -> str:
    from procurement.ingest import ingest
    data = ROOT / "bench" / "out" / "national-1"
    if not (data / "schools.csv").exists():
        from procurement.synthetic import generate
        data = tmp / "national"
        print(f"generating the national set → {data}", file=sys.stderr)
        generate("national", 1, data)
    url = f"sqlite:///{tmp}/bench.db"
    t0 = time.perf_counter()
    ingest([str(data)], url)
    print(f"ingested {data} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return url


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="an existing store (default: ingest the national set into a temp store)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--province", help="the province of the single-report measure")
    ap.add_argument("--no-run", action="store_true", help="skip the 34-province runs")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    from procurement import store
    from audit.reporting import prepare, render_report, run_scheduled
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as d:
        tmp = Path(d)
        url = args.db or build_store(tmp)
        res: dict = {"db": url if args.db else "temporary national store", "cores": os.cpu_count()}

        t0 = time.perf_counter()
        run_id = prepare(url)
        res["prepare_s"] = time.perf_counter() - t0       # the audit run, computed and stored once

        from sqlalchemy import func, select
        t = store.contract_tables["schools"]
        with store.get_engine(url).connect() as conn:
            counts = dict(conn.execute(select(t.c.province_code, func.count()).group_by(t.c.province_code)).all())
        province = args.province or max(counts, key=lambda k: (counts[k], k))
        store.dispose_engines()

        empties = time_empty(tmp, args.repeat)
        res["empty_s"] = statistics.median(empties)

        parts = {"kernel_start": [], "computation": [], "conversion": [], "total": [],
                 "cell_load": [], "cell_supplier_map": [], "cell_other_sections": []}
        for i in range(args.repeat):
            r = render_report("inspection", db_url=url, province=province, run_id=run_id,
                              out_html=tmp / f"one-{i}.html", archive_dir=tmp / "archive")
            for k in ("kernel_start", "computation", "conversion"):
                parts[k].append(r.timings[k])
            parts["total"].append(r.timings["papermill"] + r.timings["conversion"])
            cells = cell_times(Path(r.run_dir) / "report.ipynb")
            parts["cell_load"].append(cells.pop("header", 0.0))
            parts["cell_supplier_map"].append(cells.pop("supplier_map", 0.0))
            parts["cell_other_sections"].append(sum(cells.values()))
        one = {k: statistics.median(v) for k, v in parts.items()}
        one["other"] = one["total"] - one["kernel_start"] - one["computation"] - one["conversion"]
        res["province"] = {"code": province, "schools": counts[province], **one,
                           "ratio_to_empty": one["total"] / res["empty_s"],
                           "html_bytes": (tmp / "one-0.html").stat().st_size}

        if not args.no_run:
            for jobs in (1, 2):
                t0 = time.perf_counter()
                run = run_scheduled(url, "all", jobs=jobs, out_dir=tmp / f"run-{jobs}",
                                    archive_dir=tmp / "archive", progress=False, run_id=run_id)
                res[f"run_jobs{jobs}_s"] = time.perf_counter() - t0
                res[f"run_jobs{jobs}_failed"] = [o.given for o in run.failed]
                res["provinces"] = len(run.outcomes)
            res["jobs2_over_jobs1"] = res["run_jobs2_s"] / res["run_jobs1_s"]

    p = res["province"]
    print(f"empty notebook (papermill in-process)   {res['empty_s']:7.2f} s")
    print(f"audit run computed and stored once      {res['prepare_s']:7.2f} s")
    print(f"one province report ({p['code']}, {p['schools']} schools):")
    for k in ("kernel_start", "computation", "cell_load", "cell_supplier_map", "cell_other_sections",
              "conversion", "other", "total"):
        label = ("  of which " + k[5:]) if k.startswith("cell_") else k
        print(f"    {label:<34}  {p[k]:7.2f} s")
    print(f"    ratio to the empty notebook          {p['ratio_to_empty']:7.2f} ×   (target ≤ 10×)")
    if "jobs2_over_jobs1" in res:
        print(f"scheduled run, {res['provinces']} provinces, --jobs 1      {res['run_jobs1_s']:7.1f} s")
        print(f"scheduled run, {res['provinces']} provinces, --jobs 2      {res['run_jobs2_s']:7.1f} s")
        print(f"    jobs 2 / jobs 1                      {res['jobs2_over_jobs1']:7.2f}     (target ≤ 0.6)")
    print(json.dumps(res, indent=1, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

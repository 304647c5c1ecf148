"""Supplier-graph benchmark at national scale (issue #5).

Measures, each step in its own process (so that peak memory is that step's):

1. building the national graph from the store (reading it included): wall and CPU time, peak
   memory (max RSS), nodes and edges;
2. the supplier map page of the largest province (most schools): time to build its graph and
   draw the page, HTML size, and — in Debian's Chromium, headless, every request blocked — the
   time to first paint (``performance.now()`` when vis-network first draws) and whether any
   request, script error or dialog happened;
3. for information, the same for the whole-country map, the network two hops around the
   largest vendor group's head, and the conflict-of-interest paths.

    .venv/bin/python bench/graph.py [--scale national] [--seed 1] [--repeat 3]

The data set is ``bench/out/<scale>-<seed>`` (generated when missing), ingested once into
``bench/out/graph-<scale>-<seed>.db`` with one audit run stored (so that the map shows
findings).  Targets: national graph ≤ 10 s and ≤ 1 GB; a province page ≤ 5 MB, painted within
1 s.  Results also go to ``bench/out/graph-<scale>-<seed>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUILD = r"""
import json, resource, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
from audit import graph as GR
t_import = time.perf_counter() - t0
t1 = time.perf_counter(); c1 = time.process_time()
G = GR.build_graph(sys.argv[1])
wall = time.perf_counter() - t1
cpu = time.process_time() - c1
print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "import_seconds": t_import,
                  "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PAGE = r"""
import json, resource, sys, time
from audit.present import network as N
url, out, kw = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
t0 = time.perf_counter(); c0 = time.process_time()
page = N.map_page(url, **kw)
page.save(out)
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
                  "timings": page.request.timings, "nodes": page.view.graph.number_of_nodes(),
                  "edges": page.view.graph.number_of_edges(),
                  "aggregated": page.view.aggregated_nodes,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(scale: str, seed: int) -> str:
    """The cached store: data generated, ingested and audited once."""
    data = ROOT / "bench" / "out" / f"{scale}-{seed}"
    db = ROOT / "bench" / "out" / f"graph-{scale}-{seed}.db"
    url = f"sqlite:///{db}"
    if not (data / "schools.csv").exists():
        from procurement.synthetic import generate
        t0 = time.perf_counter()
        generate(scale, seed, data)
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s")
    from sqlalchemy import func, inspect, select

    from procurement import store
    from procurement.ingest import ingest
    from audit import findings as F
    eng = store.get_engine(url)
    with eng.connect() as conn:
        landed = conn.execute(select(func.count()).select_from(store.sources)).scalar()
    if not landed:
        t0 = time.perf_counter()
        ingest([str(data)], url, progress=False)
        print(f"ingested into {db} in {time.perf_counter() - t0:.1f} s")
    with eng.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(F.audit_runs)).scalar() \
            if inspect(eng).has_table("audit_runs") else 0
    if not runs:
        from audit.engine import run_audit
        t0 = time.perf_counter()
        run_audit(url)
        print(f"audited in {time.perf_counter() - t0:.1f} s")
    store.dispose_engines()
    return url


def largest(url: str) -> tuple[str, str]:
    """(largest province by schools, head of the vendor group serving most schools)."""
    from sqlalchemy import text

    from procurement import store
    eng = store.get_engine(url)
    with eng.connect() as conn:
        province = conn.execute(text(
            "SELECT province_code FROM schools GROUP BY province_code ORDER BY COUNT(*) DESC, "
            "province_code LIMIT 1")).scalar()
        vendor = conn.execute(text(
            "SELECT vendor_id FROM deployments GROUP BY vendor_id ORDER BY COUNT(DISTINCT "
            "school_id) DESC, vendor_id LIMIT 1")).scalar()
    store.dispose_engines()
    return province, vendor


def paint(path: Path, repeat: int) -> dict:
    """Time to first paint of a page in Chromium (best and median of ``repeat`` loads), with
    every request other than the file aborted and counted."""
    if not os.path.exists(CHROMIUM):
        return {"error": "no /usr/bin/chromium"}
    from playwright.sync_api import sync_playwright
    url = path.resolve().as_uri()
    firsts, loads = [], []
    blocked, errors, dialogs, ink = [], [], [], 0
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            page = b.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url == url
                       else (blocked.append(r.request.url), r.abort()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector('body[data-painted="1"]', state="attached", timeout=60000)
            loads.append((time.perf_counter() - t0) * 1000)
            firsts.append(page.evaluate("() => window.hocbaFirstPaint"))
            ink = page.evaluate("""() => { const c = document.querySelector('#hocba-map canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
            page.close()
        b.close()
    firsts.sort()
    loads.sort()
    return {"first_paint_ms": firsts[len(firsts) // 2], "first_paint_best_ms": firsts[0],
            "goto_to_paint_ms": loads[len(loads) // 2], "blocked_requests": len(blocked),
            "script_errors": len(errors), "dialogs": len(dialogs), "ink_pixels": ink}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="national")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    url = prepare(args.scale, args.seed)
    province, vendor = largest(url)
    out_dir = ROOT / "bench" / "out"
    results: dict = {"scale": args.scale, "seed": args.seed, "province": province,
                     "cpus": os.cpu_count(), "load_average": os.getloadavg()}

    builds = [_run(BUILD, url) for _ in range(args.repeat)]
    builds.sort(key=lambda r: r["seconds"])
    results["national_graph"] = {"runs": builds, "median": builds[len(builds) // 2]}
    b = results["national_graph"]["median"]
    print(f"national graph: {b['nodes']:,} nodes, {b['edges']:,} edges — {b['seconds']:.2f} s "
          f"(CPU {b['cpu_seconds']:.2f} s), peak {b['peak_mb']:.0f} MB "
          f"[runs: {', '.join('%.2f' % r['seconds'] for r in builds)} s]")

    pages = {
        "province": {"province": province},
        "nation": {},
        "focus": {"focus": f"vendor:{vendor}", "hops": 2},
        "coi": {"view": "coi"},
    }
    for name, kw in pages.items():
        path = out_dir / f"graph-{name}.html"
        r = _run(PAGE, url, str(path), json.dumps(kw))
        r["html_mb"] = path.stat().st_size / 1e6
        r.update(paint(path, args.repeat))
        results[f"page_{name}"] = r
        print(f"{name:>8} page {json.dumps(kw, ensure_ascii=False)}: {r['nodes']} nodes, "
              f"{r['edges']} links, {r['aggregated']} aggregated; made in {r['seconds']:.2f} s "
              f"(graph {r['timings']['graph']:.2f}, view {r['timings']['view']:.2f}, "
              f"render {r['timings']['render']:.2f}); {r['html_mb']:.2f} MB; first paint "
              f"{r.get('first_paint_ms', float('nan')):.0f} ms (best "
              f"{r.get('first_paint_best_ms', float('nan')):.0f}); blocked requests "
              f"{r.get('blocked_requests')}, script errors {r.get('script_errors')}, dialogs "
              f"{r.get('dialogs')}")
    p = results["page_province"]
    ok = (b["seconds"] <= 10 and b["peak_mb"] <= 1024 and p["html_mb"] <= 5
          and p.get("first_paint_ms", 1e9) <= 1000)
    print(f"targets (national graph ≤ 10 s, ≤ 1 GB; province page ≤ 5 MB, painted ≤ 1 s): "
          f"{'met' if ok else 'NOT met'}")
    (out_dir / f"graph-{args.scale}-{args.seed}.json").write_text(
        json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

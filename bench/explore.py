"""Explorer benchmark at national scale: the time of a filter change (target ≤ 300 ms).

Uses the national data set in ``bench/out/national-1`` (a CSV folder; generated with
``hocba-audit generate --scale national --seed 1`` when missing), ingested once into a cached
SQLite store ``bench/out/explore-national-1.db`` with the flags run and stored.  Then, in this
process:

- building the explorer on the stored run (loading findings, services and the search index);
- a filter change: setting one filter widget's value, which filters the findings and redraws
  the table (what a click in the browser costs on the kernel's side), for every filter;
- selecting a finding (detail, evidence rows, decisions) in public mode, first and later;
- the same filter changes on a stress frame of ``--stress`` findings (the national set's
  findings repeated under new ids, spread over provinces, years and services), because the
  synthetic national set plants only a few dozen findings and a real one will have many more.

    .venv/bin/python bench/explore.py [--repeat 20] [--stress 100000] [--privacy public]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DATA = OUT / "national-1"
DB = OUT / "explore-national-1.db"
TARGET_MS = 300


def ensure_store() -> str:
    """The cached national store with a stored audit run (built on first use)."""
    from procurement import store
    url = f"sqlite:///{DB}"
    if DB.exists():
        from audit.present.explorer import latest_run_id
        if latest_run_id(store.get_engine(url)):
            return url
    if not (DATA / "schools.csv").exists():
        from procurement.synthetic import generate
        print(f"generating the national set → {DATA}", flush=True)
        generate("national", 1, DATA)
    from audit.engine import run_audit
    from procurement.ingest import ingest
    t0 = time.perf_counter()
    ingest([str(DATA)], url, progress=False)
    print(f"ingest: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    res = run_audit(url)
    print(f"flags: {time.perf_counter() - t0:.1f} s, {len(res.all_findings)} findings", flush=True)
    return url


def _ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def filter_changes(ex, repeat: int) -> dict[str, dict]:
    """Median and worst time of setting each filter (and clearing it), in ms."""
    out = {}
    for name, w in ex.filters.items():
        if name == "search":
            values = ["cong ty", "Giáo dục", "truong tieu hoc", "xyz không có"]
        else:
            values = [v for _label, v in w.options if v][:4]
        if not values:
            continue
        times = []
        for i in range(repeat):
            v = values[i % len(values)]
            times.append(_ms(lambda: setattr(w, "value", v)))
            times.append(_ms(lambda: setattr(w, "value", "")))
        out[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                     "n": len(times)}
    return out


def stress_frame(frame, n: int):
    """``frame``'s findings repeated under new ids up to ``n`` rows, spread over provinces,
    school years and services (the search text and review statuses kept)."""
    import numpy as np
    import pandas as pd
    from procurement.contract import SERVICES
    from procurement.geo import provinces
    reps = -(-n // max(len(frame), 1))
    big = pd.concat([frame] * reps, ignore_index=True).iloc[:n].copy()
    rng = np.random.default_rng(1)
    codes = sorted(provinces())
    big["finding_id"] = [f"{c}-{i:012x}" for i, c in enumerate(big["code"])]
    big["province_code"] = pd.Series(rng.choice(codes, n), dtype="str")
    big["school_year"] = pd.Series(rng.choice(["2023-2024", "2024-2025", "2025-2026"], n), dtype="str")
    big["services"] = pd.Series(["|" + s + "|" for s in rng.choice(list(SERVICES), n)], dtype="str")
    big["score"] = np.round(rng.uniform(0, 100, n), 1)
    big["review_status"] = pd.Series(rng.choice(["new", "new", "new", "under_review", "confirmed",
                                                 "dismissed"], n), dtype="str")
    return big.sort_values(["score", "finding_id"], ascending=[False, True]).reset_index(drop=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--stress", type=int, default=100_000, help="findings in the stress frame (0: none)")
    ap.add_argument("--privacy", choices=["public", "internal"], default="public")
    args = ap.parse_args()
    from procurement import store
    url = ensure_store()
    from audit.present.explorer import Explorer, FilterIndex
    eng = store.get_engine(url)
    t0 = time.perf_counter()
    ex = Explorer(eng, privacy=args.privacy, network=False)
    build_s = time.perf_counter() - t0
    n = len(ex.data.frame)
    result = {"store": str(DB.relative_to(ROOT)), "run_id": ex.data.run["run_id"], "findings": n,
              "privacy": args.privacy, "build_s": round(build_s, 2)}
    result["filter_change"] = filter_changes(ex, args.repeat)
    ids = list(ex.data.frame["finding_id"])
    # the first selection builds the scrubber (public mode); Explorer.open starts that in the
    # background when the app opens, so a user who reads the table first does not wait
    result["select_first_ms"] = round(_ms(lambda: ex.select(ids[0])), 1)
    warm = Explorer(eng, privacy=args.privacy, network=False)
    t0 = time.perf_counter()
    thread = warm.data.warm()
    if thread is not None:
        thread.join()
    result["warm_s"] = round(time.perf_counter() - t0, 2)
    result["select_after_warm_ms"] = round(_ms(lambda: warm.select(ids[0])), 1)
    # with the network around the subject (audit/present/network.py, when present): the first
    # one builds the national graph (cached for the store's version), later ones draw a view
    warm.show_network = True
    result["select_network_first_ms"] = round(_ms(lambda: warm.select(ids[0])), 1)
    later = [_ms(lambda i=i: warm.select(i)) for i in ids[1:11]]
    result["select_network_median_ms"] = round(statistics.median(later), 1) if later else None
    result["network_error"] = warm.network_error
    later = [_ms(lambda i=i: ex.select(i)) for i in ids[1:21]]
    result["select_median_ms"] = round(statistics.median(later), 1) if later else None
    if args.stress:
        ex.data.frame = stress_frame(ex.data.frame, args.stress)
        t0 = time.perf_counter()
        ex.index = FilterIndex(ex.data.frame)
        result["stress_index_build_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        ex.refresh()
        result["stress_findings"] = len(ex.data.frame)
        result["stress_filter_change"] = filter_changes(ex, max(3, args.repeat // 4))
        t0 = time.perf_counter()
        ex.index.mask(search="cong ty giao duc")
        result["stress_search_mask_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    worst = max(v["median_ms"] for v in result["filter_change"].values())
    result["worst_median_filter_change_ms"] = worst
    result["target_ms"] = TARGET_MS
    result["meets_target"] = worst <= TARGET_MS
    if args.stress:
        result["stress_worst_median_ms"] = max(v["median_ms"] for v in result["stress_filter_change"].values())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Flags benchmark at national scale (all 34 provinces, ~25,000 schools).

Prints the total time of computing every flag from the store (loading the frames + computing
the flags + the risk roll-up), its ratio to the floor measured in the same run — reading the
same contract tables into pandas with ``pd.read_sql_table``, nothing else — the time of each
flag, and the peak memory (max RSS) of each, each measured in its own process.

    .venv/bin/python bench/flags.py [--scale national] [--seed 1] [--repeat 1] [--profile N]

The data set is ``bench/out/<scale>-<seed>`` (generated when missing, ~35 s at national scale)
and is ingested once into ``bench/out/flags-<scale>-<seed>.db`` (re-ingested when the data set
is newer than the database).  When ``bench/out/<scale>-<seed>.truth.csv`` exists, the findings
are also compared with the planted ones.  ``--profile N`` prints the N functions that took
longest (cProfile, cumulative) in one more run of loading and computing the flags.

A flag's time includes the shared views it is the first to ask for (``ctx.tenders``, vendor
groups, markets …) in its process: on two cores the store is read, and the flags computed, by
two processes (procurement/parallel.py; ``HOCBA_WORKERS=1`` for one), each flag's seconds are
those of its own process, and the peak memory is this process's plus its largest worker's.

Targets (issue #3): total ≤ 4× the floor, peak memory ≤ 2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR = r"""
import json, resource, sys, time
import pandas as pd
from procurement import store
from procurement.contract import TABLES
engine = store.get_engine(sys.argv[1])
t0 = time.perf_counter()
rows = 0
for name in TABLES:
    rows += len(pd.read_sql_table(store.contract_tables[name].name, engine))
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

OURS = r"""
import cProfile, csv, json, os, pstats, resource, sys, time
from procurement import store
from audit.context import Context
from audit.engine import compute
from audit.frames import load_frames
from audit.risk import roll_up
from audit.settings import load_settings
engine = store.get_engine(sys.argv[1])
settings = load_settings(as_of="2026-11-29")
profile = int(sys.argv[3])
prof = cProfile.Profile() if profile else None
if prof:
    prof.enable()
t0 = time.perf_counter()
frames = load_frames(engine)
t_load = time.perf_counter() - t0
ctx = Context(frames, settings)
timings = {}
findings, not_computed = compute(frames, settings, timings=timings, ctx=ctx)
t_flags = time.perf_counter() - t0 - t_load
t1 = time.perf_counter()
risk = roll_up(findings, settings, None if frames.vendors.empty else ctx.groups)
t_risk = time.perf_counter() - t1
total = time.perf_counter() - t0
if prof:
    prof.disable()
    pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(profile)
out = {"seconds": total, "load": t_load, "flags": t_flags, "risk": t_risk, "per_flag": timings,
       "rows": sum(len(df) for df in frames.tables.values()), "findings": len(findings),
       "not_computed": [n["code"] for n in not_computed],
       # the worker processes that read the store and compute the flags on two cores
       # (procurement/parallel.py) count on top of this one
       "peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                   + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}
truth = sys.argv[2]
if os.path.exists(truth):
    with open(truth, encoding="utf-8") as f:
        planted = {(r["code"], r["subject_type"], r["subject_id"]) for r in csv.DictReader(f)}
    found = {(x.code, x.subject_type, x.subject_id) for x in findings}
    out["planted"] = len(planted)
    out["missed"] = sorted(map(list, planted - found))[:20]
    out["unplanted"] = sorted(map(list, found - planted))[:20]
print(json.dumps(out))
"""

INGEST = r"""
import json, sys
from procurement.ingest import ingest
print(json.dumps({"exit": ingest([sys.argv[1]], sys.argv[2], progress=False).exit_code}))
"""

def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _database(data: Path, db: Path) -> str:
    """The bench database, ingested from ``data`` unless it is already there and newer."""
    url = f"sqlite:///{db}"
    newest = max(p.stat().st_mtime for p in data.glob("*.csv"))
    if db.exists() and db.stat().st_mtime >= newest:
        return url
    tmp = db.with_name(db.name + ".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    res = _run(INGEST, str(data), f"sqlite:///{tmp}")
    if res["exit"] not in (0, 3):  # 3: the planted bad rows were quarantined
        raise SystemExit(f"ingest of {data} failed (exit {res['exit']})")
    # Fold the write-ahead log into the file before moving it into place.
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    os.replace(tmp, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    print(f"ingested {data} into {db} in {time.perf_counter() - t0:.1f} s")
    return url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="national")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest is shown")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also print the N slowest functions (cProfile) of one run")
    args = ap.parse_args()
    out = ROOT / "bench" / "out"
    data = out / f"{args.scale}-{args.seed}"
    if not (data / "schools.csv").exists():
        from procurement.synthetic import generate
        t0 = time.perf_counter()
        generate(args.scale, args.seed, data)
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s")
    url = _database(data, out / f"flags-{args.scale}-{args.seed}.db")
    truth = str(out / f"{args.scale}-{args.seed}.truth.csv")
    best_floor = best_ours = None
    for _ in range(args.repeat):
        floor = _run(FLOOR, url)
        ours = _run(OURS, url, truth, "0")
        if best_floor is None or floor["seconds"] < best_floor["seconds"]:
            best_floor = floor
        if best_ours is None or ours["seconds"] < best_ours["seconds"]:
            best_ours = ours
    f, o = best_floor, best_ours
    ratio = o["seconds"] / f["seconds"]
    meta = data / "dataset.json"
    about = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
    print(f"input: {data} (scale {about.get('scale', '?')}, seed {about.get('seed', '?')} by its "
          f"dataset.json) in {url}: {o['rows']:,} rows in the contract tables")
    print(f"floor (pd.read_sql_table of every contract table): {f['seconds']:.2f} s, "
          f"peak {f['peak_mb']:.0f} MB")
    print(f"all flags: {o['seconds']:.2f} s = load {o['load']:.2f} s + flags {o['flags']:.2f} s "
          f"+ risk roll-up {o['risk']:.2f} s; {o['findings']} findings, peak {o['peak_mb']:.0f} MB")
    print(f"ratio to floor: {ratio:.2f}× (target ≤ 4×); peak memory {o['peak_mb']:.0f} MB "
          f"(target ≤ 2048 MB)")
    if o["not_computed"]:
        print(f"not computed (an input table is empty): {', '.join(o['not_computed'])}")
    if "planted" in o:
        print(f"planted findings: {o['planted']}; missed {len(o['missed'])}, flagged but not "
              f"planted {len(o['unplanted'])}")
        for row in o["missed"]:
            print("  missed:", " ".join(row))
        for row in o["unplanted"]:
            print("  not planted:", " ".join(row))
    print("time of each flag (s):")
    for code, s in sorted(o["per_flag"].items(), key=lambda kv: -kv[1]):
        print(f"  {code:<18} {s:6.2f}")
    if args.profile:
        out = subprocess.run([sys.executable, "-c", OURS, url, truth, str(args.profile)],
                             capture_output=True, text=True, cwd=ROOT, check=True).stdout
        print("\n".join(out.strip().splitlines()[:-1]))


if __name__ == "__main__":
    main()

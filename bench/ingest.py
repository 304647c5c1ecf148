"""Ingest benchmark at national scale (all 34 provinces, ~25,000 schools).

Prints rows per second of ``hocba-audit ingest`` into a fresh SQLite store, the ratio to the
floor measured in the same run — reading the same CSV files with the ``csv`` module and a raw
``sqlite3`` ``executemany`` of the same rows into untyped tables (no validation, no keys, one
transaction) — and the peak memory (max RSS) of each, each measured in its own process.

    .venv/bin/python bench/ingest.py [--scale national] [--seed 1] [--repeat 1]

Targets (issue #2): ingest ≤ 3× the floor, peak memory ≤ 2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR = r"""
import csv, sqlite3, sys, time, resource, json, pathlib
folder, db = pathlib.Path(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode=WAL")
rows = 0
for p in sorted(folder.glob("*.csv")):
    with open(p, encoding="utf-8-sig", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        cols = ", ".join(f'"c{i}" TEXT' for i in range(len(header)))
        conn.execute(f'CREATE TABLE "{p.stem}" ({cols})')
        data = list(r)
        conn.executemany(f'INSERT INTO "{p.stem}" VALUES ({", ".join("?" * len(header))})', data)
        rows += len(data)
conn.commit()
dt = time.perf_counter() - t0
print(json.dumps({"rows": rows, "seconds": dt,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

OURS = r"""
import sys, time, resource, json
from procurement.ingest import ingest
folder, db = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
res = ingest([folder], "sqlite:///" + db, progress=False)
dt = time.perf_counter() - t0
rows = sum(t["read"] for t in res.report["tables"].values())
print(json.dumps({"rows": rows, "seconds": dt, "exit": res.exit_code,
                  "quarantined": len(res.report["quarantine"]),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="national")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    data = ROOT / "bench" / "out" / f"{args.scale}-{args.seed}"
    if not (data / "schools.csv").exists():
        from procurement.synthetic import generate
        t0 = time.perf_counter()
        generate(args.scale, args.seed, data)
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s")
    size = sum(p.stat().st_size for p in data.glob("*.csv")) / 1e6
    best_floor = best_ours = None
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            floor = _run(FLOOR, str(data), os.path.join(tmp, "floor.db"))
            ours = _run(OURS, str(data), os.path.join(tmp, "ours.db"))
        if best_floor is None or floor["seconds"] < best_floor["seconds"]:
            best_floor = floor
        if best_ours is None or ours["seconds"] < best_ours["seconds"]:
            best_ours = ours
    ratio = best_ours["seconds"] / best_floor["seconds"]
    print(f"input: {data} ({size:.0f} MB of CSV, {best_ours['rows']:,} rows)")
    print(f"floor (csv + sqlite3 executemany): {best_floor['seconds']:.2f} s, "
          f"{best_floor['rows'] / best_floor['seconds']:,.0f} rows/s, peak {best_floor['peak_mb']:.0f} MB")
    print(f"hocba-audit ingest:                {best_ours['seconds']:.2f} s, "
          f"{best_ours['rows'] / best_ours['seconds']:,.0f} rows/s, peak {best_ours['peak_mb']:.0f} MB "
          f"(exit {best_ours['exit']}, {best_ours['quarantined']} quarantined as planted)")
    print(f"ratio to floor: {ratio:.2f}× (target ≤ 3×); peak memory {best_ours['peak_mb']:.0f} MB "
          f"(target ≤ 2048 MB)")


if __name__ == "__main__":
    main()

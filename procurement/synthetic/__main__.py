"""``python -m procurement.synthetic --scale small --seed 1 --out DIR [--check]``."""
from __future__ import annotations

import argparse
import sys
import time

from . import SCALES, generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m procurement.synthetic",
                                 description="Write a seeded synthetic data set in the input contract.")
    ap.add_argument("--scale", choices=list(SCALES), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output folder (truth and bad-row files go beside it)")
    ap.add_argument("--check", action="store_true",
                    help="recompute the flags on the generated world and compare with the truth")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    result = generate(args.scale, args.seed, args.out)
    dt = time.perf_counter() - t0
    for table, n in result.counts.items():
        print(f"{table:20s} {n:>9,d}")
    print(f"{'total':20s} {sum(result.counts.values()):>9,d}  ({dt:.1f} s)")
    print(f"truth: {result.truth_path} ({len(result.truth)} findings)")
    print(f"bad rows: {result.bad_rows_path}")
    if args.check:
        from .selfcheck import compare
        from . import build_world
        world, truth = build_world(args.scale, args.seed)
        missing, extra = compare(world, truth)
        for row in missing:
            print("planted but not found:", *row)
        for row in extra:
            print("found but not planted:", *row)
        if missing or extra:
            return 1
        print("self-check: the flags found are exactly the planted ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())

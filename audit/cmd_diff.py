"""``hocba-audit diff RUN_A RUN_B [--db URL]``: findings new, resolved and changed between two
stored audit runs (run ids as ``hocba-audit flags`` prints them; a unique prefix, ``latest`` and
``previous`` work too)."""
from __future__ import annotations

from .cli import add_db

import json
import sys
from pathlib import Path

NAME = "diff"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME, help="phát hiện mới, đã hết, thay đổi giữa hai lần chạy / findings new, resolved and "
                       "changed between two stored runs",
        description="Các phát hiện mới, đã hết và thay đổi giữa hai lần chạy đã lưu. / Findings "
                    "new, resolved and changed between two stored audit runs.")
    p.add_argument("run_a", help="lần chạy trước / the earlier run: run id, tiền tố duy nhất / unique "
                        "prefix, previous, latest")
    p.add_argument("run_b", help="lần chạy sau / the later run: run id, tiền tố duy nhất / unique "
                        "prefix, previous, latest")
    add_db(p)
    p.add_argument("--limit", type=int, default=50,
                   help="số dòng mỗi phần (0: tất cả; mặc định 50) / lines shown per section (0: all; "
                        "default 50)")
    p.add_argument("--json", dest="json_out", help="ghi thêm toàn bộ so sánh (JSON) vào tệp này / also write the whole diff as JSON "
                        "to this file")


def run(args) -> int:
    from procurement import store

    from .diff import DiffError, diff_runs, format_diff
    try:
        d = diff_runs(store.get_engine(args.db), args.run_a, args.run_b)
    except DiffError as e:
        print(f"{e.text_vi}.\n{e.text_en}.\nXem các lần chạy đã lưu: cột run_id của bảng "
              f"audit_runs, hoặc dùng latest / previous. / See the stored runs (audit_runs) or use "
              f"latest / previous.", file=sys.stderr)
        return 1
    print(format_diff(d, args.limit))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(d, ensure_ascii=False, indent=1, default=str),
                                       encoding="utf-8")
    return 0

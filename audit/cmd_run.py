"""``hocba-audit run``: the scheduled audit — one report per province in parallel and an index.

    hocba-audit run [--db URL] [--provinces all|P,P] [--jobs N] [--lang vi|en]
                    [--privacy public|internal] [--archive DIR] --out DIR

``all`` is every province with schools in the store.  A province that fails (an unknown name, a
cell that raised) is recorded with its error on the index page while the others carry on; the
exit status is then 1.  See docs/scheduling.md for cron and Airflow.
"""
from __future__ import annotations

from .cli import add_archive, add_db, add_edition, add_scope

import sys

NAME = "run"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME, help="kiểm tra định kỳ: báo cáo từng tỉnh song song và trang mục lục / the "
                       "scheduled audit: a report per province in parallel, and an index page",
        description="Kiểm tra định kỳ: lập báo cáo từng tỉnh song song và trang mục lục toàn quốc. / "
                    "Scheduled audit: one report per province in parallel and a national index page.")
    add_db(p)
    p.add_argument("--provinces", default="all", help="all (mọi tỉnh có trường) hoặc mã/tên P,P / all (every province "
                        "with schools) or codes/names P,P")
    p.add_argument("--jobs", type=int, default=1, help="số báo cáo lập cùng lúc (tiến trình) / reports made at the same time "
                        "(processes)")
    add_scope(p, province=False)
    add_edition(p)
    add_archive(p)
    p.add_argument("--no-progress", action="store_true",
                   help="không hiện thanh tiến độ / no progress bar")
    p.add_argument("--out", required=True, help="thư mục ghi các báo cáo và index.html / folder "
                                                "for the reports and index.html")


def run(args) -> int:
    from .cli import _school_year_arg
    from .reporting import run_scheduled
    if args.jobs < 1:
        return _usage("--jobs phải ≥ 1 / must be ≥ 1")
    result = run_scheduled(args.db, args.provinces, jobs=args.jobs, out_dir=args.out, lang=args.lang,
                           privacy=args.privacy, school_year=_school_year_arg(args.school_year),
                           archive_dir=args.archive, progress=not args.no_progress)
    ok = len(result.outcomes) - len(result.failed)
    print(f"{ok} báo cáo / reports; lần chạy kiểm tra / audit run {result.run_id}")
    print(f"Trang mục lục / index page: {result.index}")
    for o in result.failed:
        print(f"Lỗi / failed: {o.given}: {o.error}", file=sys.stderr)
    if result.failed:
        print(f"{len(result.failed)} tỉnh lỗi, các tỉnh khác đã xong; xem trang mục lục. / "
              f"{len(result.failed)} provinces failed, the others are done; see the index page.",
              file=sys.stderr)
        return 1
    return 0


def _usage(message: str) -> int:
    print(f"hocba-audit run: lỗi dòng lệnh / command-line error: {message}", file=sys.stderr)
    return 2

"""``hocba-audit report``: run a report notebook with papermill, write one self-contained HTML file.

    hocba-audit report [--db URL] [--notebook inspection|pilot_evaluation] [--province P]
                       [--school-year Y] [--lang vi|en] [--privacy public|internal]
                       [--run-id RUN] [--archive DIR] --out FILE.html

The run is archived in ``<archive>/<notebook>-<province|national>/<run_id>/`` (default archive:
``reports/`` at the repository root) with the executed notebook, the HTML, the findings, the
parameters, the input hashes and the code version (see :mod:`audit.reporting`).
"""
from __future__ import annotations

from .cli import add_archive, add_db, add_edition, add_scope, add_settings

import sys

NAME = "report"


def add_parser(subparsers) -> None:
    from .reporting import NOTEBOOKS
    p = subparsers.add_parser(
        NAME, help="chạy sổ báo cáo, ghi một tệp HTML độc lập / run a report notebook and write "
                       "one self-contained HTML file",
        description="Chạy sổ báo cáo bằng papermill và ghi một tệp HTML độc lập (mở được khi không có "
                    "mạng). / Run a report notebook with papermill and write one self-contained HTML "
                    "file (opens offline).")
    add_db(p)
    p.add_argument("--notebook", choices=NOTEBOOKS, default="inspection",
                   help="sổ báo cáo / the report notebook (mặc định / default: inspection)")
    add_scope(p)
    add_edition(p)
    add_settings(p)
    add_archive(p)
    p.add_argument("--run-id", help="báo cáo một lần chạy đã lưu thay vì tính lại / report a "
                                    "stored audit run instead of computing a new one")
    p.add_argument("--out", required=True, help="tệp HTML cần ghi / the HTML file to write")


def run(args) -> int:
    from .cli import _province_arg, _school_year_arg
    from .reporting import ReportFailed, render_report
    province = _province_arg(args.province)
    school_year = _school_year_arg(args.school_year)
    try:
        res = render_report(args.notebook, db_url=args.db, province=province, school_year=school_year,
                            lang=args.lang, privacy=args.privacy, settings=args.settings,
                            run_id=args.run_id, out_html=args.out, archive_dir=args.archive)
    except ReportFailed as e:
        print(f"Không lập được báo cáo / the report failed: {e}\n"
              f"Sổ đã chạy (có thông báo lỗi) nằm trong thư mục lưu trữ / the executed notebook with the "
              f"error is in the archive folder (--archive, default reports/).", file=sys.stderr)
        return 1
    print(f"Báo cáo / report: {args.out}")
    print(f"Lưu trữ lần chạy / run archive: {res.run_dir}")
    return 0

"""The ``hocba-audit`` command line (interfaces.md).  Thin: it parses, calls the package, and
turns a package error into a message that says what to do next.

Exit status: 0 success; 1 the command ran and something it was asked to do failed; 2 the
command line was wrong; ``ingest`` adds 3 (rows quarantined) and 4 (an input unreadable).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


#: argparse's messages (English) and their Vietnamese, for the errors a person meets.
_ARGPARSE_VI = [
    (re.compile(r"the following arguments are required: (.+)"), "thiếu tham số bắt buộc: {0}"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
     "tham số {0}: giá trị {1} không hợp lệ, hãy chọn một trong {2}"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.+)"),
     "tham số {0}: giá trị {2} không hợp lệ (cần kiểu {1})"),
    (re.compile(r"argument (\S+): expected one argument"), "tham số {0} cần một giá trị"),
    (re.compile(r"unrecognized arguments: (.+)"), "tham số không nhận ra: {0}"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"),
     "không dùng được tham số {0} cùng với {1}"),
    (re.compile(r"one of the arguments (.+) is required"), "cần một trong các tham số {0}"),
]


def _vi(message: str) -> str:
    """argparse's message in Vietnamese (the message itself when it is not a known one)."""
    for pattern, vi in _ARGPARSE_VI:
        m = pattern.fullmatch(message)
        if m:
            return vi.format(*m.groups())
    return message


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2, Vietnamese first, then English, then a hint
        self.print_usage(sys.stderr)
        print(f"{self.prog}: lỗi dòng lệnh: {_vi(message)} / command-line error: {message}\n"
              f"Xem / see: {self.prog} --help", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_db(p):
    """The ``--db`` option every command shares (interfaces.md)."""
    p.add_argument("--db", help="SQLAlchemy URL (mặc định / default: $HOCBA_DB, else sqlite:///data/hocba.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hocba-audit", description="Học bạ số audit workbench / công cụ thanh tra, kiểm toán học bạ số")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)

    p = sub.add_parser("demo", help="synthetic data → ingest → findings → reports")
    p.add_argument("--scale", choices=["small", "province", "national"], default="small")
    p.add_argument("--seed", type=int, default=2025)
    add_db(p)
    p.add_argument("--out", default=None, help="output folder (default: reports/demo)")

    p = sub.add_parser("generate", help="write a synthetic data set in the input contract")
    p.add_argument("--scale", choices=["small", "province", "national"], required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)

    p = sub.add_parser("ingest", help="load CSV folders, .xlsx workbooks or OCDS files")
    p.add_argument("sources", nargs="+")
    add_db(p)
    p.add_argument("--strict", action="store_true", help="land nothing when any row is quarantined")
    p.add_argument("--report", help="write the ingest report as JSON to this file")
    p.add_argument("--quiet", action="store_true", help="no summary table")

    p = sub.add_parser("flags", help="compute every flag; write findings.csv and findings.json")
    add_db(p)
    p.add_argument("--province", help="province code or name: which findings are written")
    p.add_argument("--school-year", help="e.g. 2024-2025: which findings are written")
    p.add_argument("--settings", help="a TOML file overriding audit/settings/default.toml")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: the settings' as_of, else today)")
    p.add_argument("--out", required=True)

    p = sub.add_parser("template", help="write the Excel input template")
    p.add_argument("--out", required=True)
    for module in _command_modules():
        module.add_parser(sub)
    return parser


#: Modules that add a subcommand: each has ``NAME``, ``add_parser(subparsers)`` and ``run(args)``.
COMMAND_MODULES = ("audit.cmd_map", "audit.cmd_report", "audit.cmd_run", "audit.cmd_review",
                   "audit.cmd_diff", "audit.cmd_ocds", "audit.cmd_serve")


def _command_modules():
    import importlib
    out = []
    for name in COMMAND_MODULES:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return out


def _cmd_ingest(args) -> int:
    from procurement.ingest import format_summary, ingest
    if args.report and Path(args.report).is_dir():
        print(f"--report {args.report}: đây là một thư mục; hãy cho một tên tệp, ví dụ "
              f"{Path(args.report) / 'ingest-report.json'} / this is a folder; give a file name, "
              f"for example {Path(args.report) / 'ingest-report.json'}", file=sys.stderr)
        return EXIT_USAGE
    result = ingest(args.sources, args.db, strict=args.strict,
                    command="hocba-audit ingest " + " ".join(args.sources))
    if args.report:
        try:
            Path(args.report).parent.mkdir(parents=True, exist_ok=True)
            Path(args.report).write_text(json.dumps(result.report, ensure_ascii=False, indent=2,
                                                    default=str), encoding="utf-8")
        except OSError as e:
            vi, en = (("dữ liệu đã được nhập", "the data has landed") if result.landed else
                      ("không có dữ liệu nào được nhập", "nothing landed"))
            print(f"--report {args.report}: không ghi được báo cáo nhập ({e.strerror}); {vi}. / "
                  f"cannot write the ingest report ({e.strerror}); {en}.", file=sys.stderr)
            return EXIT_FAILED
    if result.message:
        print(result.message, file=sys.stderr)
    elif not args.quiet:
        print(format_summary(result.report))
    if result.exit_code == 3:
        n = len(result.report["quarantine"])
        landed = sum(t.get("landed", 0) for t in result.report["tables"].values())
        if not result.landed:
            vi, en = "không có dòng nào được nhập (--strict)", "nothing landed (--strict)"
        elif landed:
            vi, en = f"{landed} dòng khác đã được nhập", f"the other {landed} rows landed"
        else:
            vi, en = "không còn dòng nào để nhập", "no row was left to land"
        print(f"{n} dòng bị cách ly; {vi}. Sửa tệp nguồn rồi nhập lại; chi tiết trong --report. / "
              f"{n} rows quarantined; {en}. Fix the source and ingest again; details in --report.",
              file=sys.stderr)
    return result.exit_code


def _cmd_generate(args) -> int:
    from procurement.synthetic import generate
    res = generate(args.scale, args.seed, args.out)
    print(f"Đã tạo dữ liệu tổng hợp / synthetic data written: {res.out_dir}")
    print(f"Phát hiện cài sẵn / planted findings: {res.truth_path}")
    return EXIT_OK


def _cmd_template(args) -> int:
    from procurement.template import write_template
    write_template(args.out)
    print(f"Mẫu nhập liệu / input template: {args.out}")
    return EXIT_OK


def _province_arg(value: str | None) -> str | None:
    if not value:
        return None
    from procurement.values import ValueProblem, parse_province
    try:
        return parse_province(value)
    except ValueProblem:
        raise _UsageError(f"--province «{value}» không phải là tỉnh hiện hành / is not a current "
                          f"province (34 provinces since 2025-07-01)") from None


def _school_year_arg(value: str | None) -> str | None:
    if not value:
        return None
    from procurement.values import ValueProblem, parse_school_year
    try:
        return parse_school_year(value)
    except ValueProblem:
        raise _UsageError(f"--school-year «{value}» không hợp lệ, ví dụ 2024-2025 / is not a "
                          f"school year such as 2024-2025") from None


class _UsageError(Exception):
    pass


def _cmd_flags(args) -> int:
    from .engine import format_top, run_audit
    from .settings import SettingsError
    try:
        res = run_audit(args.db, province=_province_arg(args.province),
                        school_year=_school_year_arg(args.school_year),
                        settings_path=args.settings, as_of=args.as_of, out_dir=args.out)
    except SettingsError as e:
        print(f"Cấu hình không dùng được / unusable settings: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Lần chạy / run {res.run['run_id']}: {len(res.findings)} phát hiện / findings "
          f"(tổng / total {len(res.all_findings)}) → {Path(args.out) / 'findings.csv'}")
    for nc in res.not_computed:
        print(f"  chưa tính / not computed: {nc['code']} — cần / needs {', '.join(nc['needs'])}")
    if res.findings:
        print(format_top(res.findings))
    return EXIT_OK


def _cmd_demo(args) -> int:
    from . import demo
    return demo.run(scale=args.scale, seed=args.seed, db_url=args.db, out=args.out)


COMMANDS = {"ingest": _cmd_ingest, "flags": _cmd_flags, "generate": _cmd_generate, "template": _cmd_template,
            "demo": _cmd_demo}


#: Commands that read a store: a SQLite file that is not there is a mistyped --db, not an empty
#: store to create (ingest and demo create theirs).
_READS_A_STORE = frozenset({"flags", "map", "report", "run", "review", "diff", "export-ocds",
                            "serve"})


def _missing_sqlite_file(db: str | None) -> Path | None:
    from sqlalchemy.exc import ArgumentError

    from procurement.store import resolve_db_url, sqlite_file
    try:
        path = sqlite_file(resolve_db_url(db))
    except ArgumentError:
        return None                        # said by the command itself
    return None if path is None or path.exists() else path


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in _READS_A_STORE and (missing := _missing_sqlite_file(getattr(args, "db", None))):
        print(f"Không có cơ sở dữ liệu ở {missing}: hãy kiểm tra --db (hoặc HOCBA_DB), hoặc nhập "
              f"dữ liệu trước bằng «hocba-audit ingest THƯ_MỤC --db …» / no database at {missing}: "
              f"check --db (or HOCBA_DB), or ingest data first with 'hocba-audit ingest FOLDER "
              f"--db …'.", file=sys.stderr)
        return EXIT_USAGE
    handlers = dict(COMMANDS)
    for module in _command_modules():
        for name in getattr(module, "NAMES", (module.NAME,)):
            handlers[name] = module.run
    try:
        return handlers[args.command](args)
    except _UsageError as e:
        print(f"hocba-audit: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Đã dừng / interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:        # `hocba-audit flags … | head`: the reader has what it wanted
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:           # an --out that is a file, a folder that cannot be made, …
        where = e.filename or ""
        print(f"Không đọc hoặc ghi được {where} ({e.strerror or e}); hãy kiểm tra đường dẫn và "
              f"quyền truy cập / cannot read or write {where} ({e.strerror or e}); check the path "
              f"and its permissions.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # the package's errors become a message, not a traceback
        from sqlalchemy.exc import OperationalError, ArgumentError
        if isinstance(e, ArgumentError):
            print(f"URL cơ sở dữ liệu không hợp lệ / invalid database URL: {e}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(e, OperationalError):
            print(f"Không kết nối được cơ sở dữ liệu / cannot reach the database: {e.orig}\n"
                  f"Kiểm tra --db hoặc HOCBA_DB / check --db or HOCBA_DB.", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    raise SystemExit(main())

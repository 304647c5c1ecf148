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


#: argparse's own words in a help page, Vietnamese first (argparse looks them up through its
#: module's ``_``, gettext's, at the time it prints).
_HELP_WORDS = {
    "usage: ": "cách dùng / usage: ",
    "positional arguments": "tham số / positional arguments",
    "options": "tùy chọn / options",
    "show this help message and exit": "hiện trợ giúp này rồi thoát / show this help message "
                                       "and exit",
}


def _help_words(message: str) -> str:
    return _HELP_WORDS.get(message, message)


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
        if " / " in message:       # already in both languages (the commands' own messages)
            text = f"lỗi dòng lệnh / command-line error: {message}"
        else:
            text = f"lỗi dòng lệnh: {_vi(message)} / command-line error: {message}"
        print(f"{self.prog}: {text}\nXem / see: {self.prog} --help", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_db(p):
    """The ``--db`` option every command shares (interfaces.md)."""
    p.add_argument("--db", help="URL SQLAlchemy của kho (mặc định $HOCBA_DB, nếu không có thì sqlite:///data/hocba.db) / "
                   "the store's SQLAlchemy URL (default: $HOCBA_DB, else sqlite:///data/hocba.db)")


def add_scope(p, *, province: bool = True, selects: bool = False) -> None:
    """``--province`` (unless ``province`` is false) and ``--school-year``: what a command
    covers; with ``selects``, which of the computed findings it writes."""
    if selects:
        vi, en = "phát hiện nào được ghi", "which findings are written"
        prov = f"mã hoặc tên tỉnh: {vi} / province code or name: {en}"
        year = f"ví dụ / e.g. 2024-2025: {vi} / {en}"
    else:
        prov = "mã hoặc tên tỉnh (mặc định cả nước) / province code or name (default: the whole country)"
        year = "ví dụ / e.g. 2024-2025 (mặc định mọi năm học / default: every school year)"
    if province:
        p.add_argument("--province", help=prov)
    p.add_argument("--school-year", help=year)


def add_edition(p) -> None:
    """``--lang`` and ``--privacy`` of what a person reads: a report, a map, the explorer."""
    p.add_argument("--lang", choices=["vi", "en"], default="vi",
                   help="ngôn ngữ / language (mặc định / default: vi)")
    p.add_argument("--privacy", choices=["public", "internal"], default="public",
                   help="public (mặc định): người chỉ hiện theo vai trò và bí danh, dữ liệu cá nhân "
                        "bị che; internal: đầy đủ, cho thanh tra viên / public (default): people by "
                        "role and pseudonym, personal data masked; internal: everything, for "
                        "inspectors")


def add_settings(p) -> None:
    p.add_argument("--settings", help="tệp TOML thay ngưỡng của audit/settings/default.toml / a "
                                      "TOML file overriding audit/settings/default.toml")


def add_archive(p) -> None:
    p.add_argument("--archive", help="thư mục lưu trữ các lần chạy (mặc định reports/) / folder "
                                     "of the run archives (default: reports/)")


def build_parser() -> argparse.ArgumentParser:
    argparse._ = _help_words            # the help page's headings, Vietnamese first
    parser = _Parser(prog="hocba-audit", description="Công cụ thanh tra, kiểm toán học bạ số / Học bạ số audit workbench")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)

    p = sub.add_parser(
        "demo", help="dữ liệu tổng hợp → nhập → phát hiện → báo cáo / synthetic data → ingest → "
                     "findings → reports",
        description="Chạy toàn bộ quy trình trên dữ liệu tổng hợp: sinh dữ liệu, nhập, tính cờ, "
                    "lập báo cáo. / The whole job on synthetic data: generate, ingest, flags, "
                    "reports.")
    p.add_argument("--scale", choices=["small", "province", "national"], default="small",
                   help="quy mô dữ liệu / size of the data (small: vài tỉnh / a few provinces)")
    p.add_argument("--seed", type=int, default=2025,
                   help="hạt giống ngẫu nhiên: cùng hạt, cùng dữ liệu / random seed: same seed, same data")
    add_db(p)
    p.add_argument("--out", default=None,
                   help="thư mục kết quả (mặc định reports/demo) / output folder (default: reports/demo)")

    p = sub.add_parser(
        "generate", help="ghi một bộ dữ liệu tổng hợp theo hợp đồng dữ liệu / write a synthetic "
                         "data set in the input contract",
        description="Ghi một bộ dữ liệu tổng hợp (CSV theo data-contract.md) cùng danh sách phát "
                    "hiện đã cài sẵn. / Write a synthetic data set (CSV, data-contract.md) and the "
                    "list of findings planted in it.")
    p.add_argument("--scale", choices=["small", "province", "national"], required=True,
                   help="quy mô / size: small, province, national (34 tỉnh / provinces)")
    p.add_argument("--seed", type=int, required=True,
                   help="hạt giống ngẫu nhiên / random seed")
    p.add_argument("--out", required=True, help="thư mục ghi dữ liệu / folder to write")

    p = sub.add_parser(
        "ingest", help="nạp thư mục CSV, sổ Excel .xlsx hoặc tệp OCDS / load CSV folders, .xlsx "
                       "workbooks or OCDS files",
        description="Nạp dữ liệu, kiểm tra từng dòng, cách ly dòng lỗi kèm lý do. Mã thoát: 0 "
                    "mọi dòng đã nhập, 3 có dòng bị cách ly, 4 có tệp không đọc được. / Load data, "
                    "checking every row and quarantining bad rows with a reason. Exit: 0 every row "
                    "landed, 3 rows quarantined, 4 an input unreadable.")
    p.add_argument("sources", nargs="+", metavar="NGUỒN/SOURCE",
                   help="thư mục CSV, tệp .csv, .xlsx, .json, .jsonl hoặc .gz / a CSV folder, "
                        ".csv, .xlsx, .json, .jsonl or .gz file")
    add_db(p)
    p.add_argument("--strict", action="store_true", help="không nhập gì nếu có dòng bị cách ly / land nothing when any row is quarantined")
    p.add_argument("--report", help="ghi báo cáo nhập (JSON) vào tệp này / write the ingest report as JSON to this file")
    p.add_argument("--quiet", action="store_true", help="không in bảng tóm tắt / no summary table")

    p = sub.add_parser(
        "flags", help="tính mọi cờ; ghi findings.csv và findings.json / compute every flag; "
                      "write findings.csv and findings.json",
        description="Tính mọi cờ của danh mục trên kho, ghi findings.csv và findings.json, lưu "
                    "lần chạy. / Compute every flag of the catalogue over the store, write "
                    "findings.csv and findings.json, store the run.")
    add_db(p)
    add_scope(p, selects=True)
    add_settings(p)
    p.add_argument("--as-of", help="YYYY-MM-DD: ngày xét (mặc định as_of của cấu hình, nếu không có thì hôm "
                        "nay) / the date of the audit (default: the settings' as_of, else today)")
    p.add_argument("--out", required=True, help="thư mục ghi findings.csv, findings.json / folder "
                                                "for findings.csv, findings.json")

    p = sub.add_parser(
        "template", help="ghi mẫu nhập liệu Excel / write the Excel input template",
        description="Ghi sổ Excel mẫu: mỗi bảng của hợp đồng dữ liệu một trang, có chú thích cột. / "
                    "Write the Excel input template: a sheet per table of the data contract, with "
                    "column notes.")
    p.add_argument("--out", required=True, help="tệp .xlsx cần ghi / the .xlsx file to write")
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
    if value is None:
        return None
    if not value.strip():
        raise _UsageError("--province trống: bỏ tham số này để lấy mọi tỉnh / --province is "
                          "empty: leave the option out for every province")
    from procurement.values import ValueProblem, parse_province
    try:
        return parse_province(value)
    except ValueProblem:
        raise _UsageError(f"--province «{value}» không phải là tỉnh hiện hành / is not a current "
                          f"province (34 provinces since 2025-07-01)") from None


def _school_year_arg(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise _UsageError("--school-year trống: bỏ tham số này để lấy mọi năm học / "
                          "--school-year is empty: leave the option out for every school year")
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


def _store_file(db: str | None) -> Path | None:
    """The SQLite file the store's URL names (None: another database, in memory, or a URL the
    command itself will call invalid)."""
    from sqlalchemy.exc import ArgumentError

    from procurement.store import resolve_db_url, sqlite_file
    try:
        return sqlite_file(resolve_db_url(db))
    except ArgumentError:
        return None


def _not_sqlite(path: Path) -> bool:
    """Whether the file at ``path`` is there but is not a SQLite database (an empty file is one:
    SQLite makes it a database on first use)."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False                       # said by the command, with the reason
    return bool(head) and head != b"SQLite format 3\x00"


#: Options whose values are paths: any bytes a file system allows.  Every other text option
#: (a note, a name, a province, an id) must be text.
_PATH_OPTIONS = frozenset({"db", "out", "sources", "report", "settings", "json_out", "archive"})


def _undecodable(args) -> str | None:
    """The first text option holding bytes that are not UTF-8 (the shell passed them through
    as surrogates), or None."""
    for name, value in vars(args).items():
        if name in _PATH_OPTIONS or name.startswith("_"):
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    return name
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if bad := _undecodable(args):
        option = {"reviewer": "--by", "finding_id": "FINDING_ID", "run_a": "RUN_A",
                  "run_b": "RUN_B"}.get(bad, "--" + bad.replace("_", "-"))
        print(f"hocba-audit: {option} chứa byte không phải UTF-8; hãy đặt bảng mã của terminal là "
              f"UTF-8 / {option} holds bytes that are not UTF-8; set the terminal's encoding to "
              f"UTF-8.", file=sys.stderr)
        return EXIT_USAGE
    path = _store_file(args.db) if hasattr(args, "db") else None
    if path is not None and args.command in _READS_A_STORE and not path.exists():
        print(f"Không có cơ sở dữ liệu ở {path}: hãy kiểm tra --db (hoặc HOCBA_DB), hoặc nhập "
              f"dữ liệu trước bằng «hocba-audit ingest THƯ_MỤC --db …» / no database at {path}: "
              f"check --db (or HOCBA_DB), or ingest data first with 'hocba-audit ingest FOLDER "
              f"--db …'.", file=sys.stderr)
        return EXIT_USAGE
    if path is not None and _not_sqlite(path):
        print(f"{path} không phải là cơ sở dữ liệu SQLite: hãy kiểm tra --db (hoặc HOCBA_DB) / "
              f"{path} is not a SQLite database: check --db (or HOCBA_DB).", file=sys.stderr)
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
        from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
        if isinstance(e, ArgumentError):
            print(f"URL cơ sở dữ liệu không hợp lệ / invalid database URL: {e}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(e, OperationalError):
            print(f"Không kết nối được cơ sở dữ liệu / cannot reach the database: {e.orig}\n"
                  f"Kiểm tra --db hoặc HOCBA_DB / check --db or HOCBA_DB.", file=sys.stderr)
            return EXIT_FAILED
        if isinstance(e, DatabaseError):
            print(f"Cơ sở dữ liệu báo lỗi / the database reported an error: {e.orig}\n"
                  f"Kiểm tra --db hoặc HOCBA_DB / check --db or HOCBA_DB.", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    raise SystemExit(main())

"""``hocba-audit export-ocds [--db URL] --out FILE``: the stored procurement as OCDS 1.1
compiled releases with the bids extension (interfaces.md; docs/ocds.md).

``FILE.json`` is a release package; ``FILE.jsonl`` one compiled release a line; ``.gz`` after
either compresses it.  ``hocba-audit ingest FILE`` reads it back unchanged."""
from __future__ import annotations

from .cli import add_db

import sys
from pathlib import Path

NAME = "export-ocds"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME, help="xuất dữ liệu mua sắm thành OCDS / the stored procurement as OCDS compiled "
                       "releases with bids",
        description="Xuất dữ liệu mua sắm trong kho thành OCDS 1.1 (compiled releases, có phần mở "
                    "rộng bids). / The stored procurement as OCDS 1.1 compiled releases with the "
                    "bids extension.")
    add_db(p)
    p.add_argument("--out", required=True,
                   help="FILE.json (gói release) hoặc FILE.jsonl (mỗi dòng một release); .gz để nén / "
                        "FILE.json (release package) or FILE.jsonl (one release a line); .gz "
                        "compresses")
    p.add_argument("--ocid-prefix", default="",
                   help="tiền tố cho mọi ocid, ví dụ 'ocds-abc123-' đã đăng ký (mặc định không có, để "
                        "nhập lại giữ nguyên mã gói thầu) / prefix for every ocid, e.g. your "
                        "registered 'ocds-abc123-' (default: none, so that the file reads back "
                        "with the same tender ids)")


def run(args) -> int:
    from procurement import store

    from .ocds_export import export_ocds
    try:
        counts = export_ocds(store.get_engine(args.db), args.out, ocid_prefix=args.ocid_prefix)
    except OSError as e:
        print(f"Không ghi được tệp «{args.out}» ({e.strerror or e}); kiểm tra thư mục và quyền ghi. / "
              f"Cannot write '{args.out}' ({e.strerror or e}); check the folder and permissions.",
              file=sys.stderr)
        return 1
    if counts["releases"] == 0:
        Path(args.out).unlink(missing_ok=True)      # no empty package left as if it were an export
        print("Kho chưa có gói thầu hay hợp đồng nào để xuất; hãy nhập dữ liệu trước "
              "(hocba-audit ingest). / The store has no tender or contract to export; ingest "
              "data first (hocba-audit ingest).", file=sys.stderr)
        return 1
    print(f"Đã xuất / exported {counts['releases']} release (hồ sơ dự thầu / bids "
          f"{counts['bids']}, hợp đồng / contracts {counts['contracts']}) → {args.out}")
    return 0

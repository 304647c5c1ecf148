"""``hocba-audit map``: the supplier map as one interactive network page (interfaces.md).

    hocba-audit map [--db URL] [--province P] [--school-year Y]
                    [--focus vendor:ID|official:ID|school:ID] [--hops K]
                    [--privacy public|internal] --out FILE.html
                    [--view auto|supplier|focus|coi] [--service S] [--lang vi|en]

Without ``--focus``: the supplier map (vendor groups and the places they serve; the whole
country by province, a province by commune or school).  With ``--focus``: the network K hops
around that vendor, official or school.  ``--view coi``: the path behind each conflict-of-
interest finding.  The page opens offline; nothing is fetched.  See docs/map.md.
"""
from __future__ import annotations

from .cli import add_db, add_edition, add_scope

import sys
from pathlib import Path

NAME = "map"
FOCUS_KINDS = ("vendor", "official", "school")


def add_parser(subparsers) -> None:
    from procurement.contract import SERVICES
    p = subparsers.add_parser(
        NAME, help="bản đồ nhà cung cấp: một trang mạng lưới tương tác (HTML) / the supplier "
                       "map as one interactive network page (offline HTML)",
        description="Bản đồ nhà cung cấp: một trang mạng lưới tương tác, mở được khi không có "
                    "mạng. / The supplier map as one interactive network page that opens offline.")
    add_db(p)
    add_scope(p)
    add_edition(p)
    p.add_argument("--focus", help="vendor:ID | official:ID | school:ID — mạng lưới quanh đối tượng này / "
                        "the network around it")
    p.add_argument("--hops", type=int, default=2, help="số bước tính từ --focus (mặc định 2) / steps out from --focus (default 2)")
    p.add_argument("--view", choices=["auto", "supplier", "focus", "coi"], default="auto",
                   help="auto (mặc định): focus khi có --focus, nếu không thì supplier; coi: các "
                        "đường xung đột lợi ích / auto (default): focus when --focus is given, else "
                        "supplier; coi: the conflict-of-interest paths")
    p.add_argument("--service", choices=list(SERVICES), help="chỉ một dịch vụ / one service only")
    p.add_argument("--max-nodes", type=int, default=None,
                   help="vẽ tối đa số nút này (mặc định 1500), phần còn lại được gộp / draw at "
                        "most this many nodes (default 1500); the rest are aggregated")
    p.add_argument("--out", required=True, help="trang cần ghi / the page to write (FILE.html)")
    p.set_defaults(_map_parser=p)


def run(args) -> int:
    from .cli import _province_arg, _school_year_arg
    parser = args._map_parser
    focus = args.focus
    if focus is not None:
        kind, _, key = focus.partition(":")
        if kind not in FOCUS_KINDS or not key.strip():
            parser.error(f"--focus «{focus}»: ghi vendor:MÃ, official:MÃ hoặc school:MÃ / "
                         f"write vendor:ID, official:ID or school:ID")
        focus = f"{kind}:{key.strip()}"
    if args.view == "focus" and focus is None:
        parser.error("--view focus cần --focus / needs --focus")
    if args.hops < 0 or args.hops > 6:
        parser.error(f"--hops {args.hops}: từ 0 đến 6 / from 0 to 6")
    if args.max_nodes is not None and args.max_nodes < 10:
        parser.error("--max-nodes: ít nhất 10 / at least 10")
    province = _province_arg(args.province)
    school_year = _school_year_arg(args.school_year)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        parser.error(f"--out «{args.out}»: cần tệp .html / must be an .html file")

    from .graph import MAX_NODES
    from .present.network import MapError, map_page
    try:
        page = map_page(args.db, province=province, school_year=school_year, service=args.service,
                        focus=focus, hops=args.hops, privacy=args.privacy, lang=args.lang,
                        view=args.view, max_nodes=args.max_nodes or MAX_NODES)
    except MapError as e:
        print(f"{e.text_vi}\n{e.text_en}", file=sys.stderr)
        return 1
    try:
        page.save(out)
    except OSError as e:
        print(f"Không ghi được / cannot write {out}: {e.strerror}. Kiểm tra thư mục và quyền ghi / "
              f"check the folder and permissions.", file=sys.stderr)
        return 1
    V = page.view.graph
    size = out.stat().st_size
    print(f"Bản đồ / map: {out} — {V.number_of_nodes()} nút / nodes, {V.number_of_edges()} quan hệ "
          f"/ links, {size / 1e6:.1f} MB")
    if page.view.aggregated_nodes:
        print(f"  {page.view.aggregated_nodes} nút được gộp / nodes aggregated "
              f"(tối đa / at most {args.max_nodes or MAX_NODES} nút được vẽ / drawn)")
    if args.privacy == "internal":
        print("  Bản nội bộ: có thông tin cá nhân, không phát tán. / Internal edition: contains "
              "personal data, do not circulate.", file=sys.stderr)
    return 0

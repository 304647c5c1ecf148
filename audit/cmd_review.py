"""``hocba-audit review``: record an inspector's decision on a finding, or check the chain.

    hocba-audit review FINDING_ID --status new|under_review|confirmed|dismissed --note TEXT --by NAME [--db URL]
    hocba-audit review --verify [--db URL]
"""
from __future__ import annotations

from .cli import add_db

import sys

NAME = "review"


def add_parser(subparsers) -> None:
    from .review import STATUSES
    p = subparsers.add_parser(
        NAME, help="ghi quyết định về một phát hiện, hoặc --verify chuỗi quyết định / record a "
                       "decision on a finding, or --verify the chain of decisions",
        description="Ghi quyết định của thanh tra viên về một phát hiện, hoặc kiểm tra chuỗi quyết "
                    "định (--verify). / Record an inspector's decision on a finding, or check "
                    "the chain of decisions (--verify).")
    p.add_argument("finding_id", nargs="?", help="mã phát hiện, cột finding_id của findings.csv / the finding id, column "
                        "finding_id of findings.csv")
    p.add_argument("--status", choices=STATUSES,
                   help="trạng thái quyết định: new (mới), under_review (đang xem xét), confirmed "
                        "(xác nhận), dismissed (bác bỏ) / the decision's status")
    p.add_argument("--note", help="lý do của quyết định / why: the reason for the decision")
    p.add_argument("--by", dest="reviewer", metavar="TÊN/NAME",
                   help="người quyết định (tên thanh tra viên) / who decides (the inspector's "
                        "name)")
    p.add_argument("--verify", action="store_true",
                   help="kiểm tra chuỗi quyết định, chỉ ra mắt xích hỏng đầu tiên / check the chain "
                        "of decisions; name the first broken link")
    add_db(p)
    p.set_defaults(_review_parser=p)


def run(args) -> int:
    from procurement import store

    from . import findings, review  # noqa: F401  (findings: its audit_runs table, whose
    parser = args._review_parser      # recorded heads --verify reads, is in the schema)
    if args.verify:
        extra = [o for o, v in (("FINDING_ID", args.finding_id), ("--status", args.status),
                                ("--note", args.note), ("--by", args.reviewer)) if v is not None]
        if extra:
            parser.error(f"--verify không đi cùng {', '.join(extra)} / --verify does not take "
                         f"{', '.join(extra)}")
        result = review.verify(store.get_engine(args.db))
        if result.ok:
            print(f"Chuỗi quyết định nguyên vẹn / the chain of decisions is intact: "
                  f"{result.rows} quyết định / decisions, {result.heads_checked} đầu chuỗi đã ghi "
                  f"được đối chiếu / recorded heads checked")
            print(f"Đầu chuỗi / chain head: {review.format_head(result.head)}")
            return 0
        first = result.first
        print(f"Chuỗi quyết định bị phá vỡ / the chain of decisions is broken.\n"
              f"Mắt xích hỏng đầu tiên / first broken link: "
              f"{f'#{first.seq}' if first.seq is not None else 'đầu chuỗi đã ghi / a recorded head'}\n"
              f"  {first.text_vi}\n  {first.text_en}", file=sys.stderr)
        for p in result.problems[1:6]:
            print(f"  cũng / also: {p}", file=sys.stderr)
        if len(result.problems) > 6:
            print(f"  … {len(result.problems) - 6} vấn đề khác / more problems", file=sys.stderr)
        print("So với bản sao lưu của cơ sở dữ liệu để biết dòng nào đã bị sửa hoặc xoá. / "
              "Compare with a backup of the database to see which rows were changed or deleted.",
              file=sys.stderr)
        return 1
    given = (("FINDING_ID", args.finding_id), ("--status", args.status), ("--note", args.note),
             ("--by", args.reviewer))
    missing = [o for o, v in given if v is None]
    if missing:
        parser.error(f"thiếu {', '.join(missing)} (hoặc --verify) / missing "
                     f"{', '.join(missing)} (or --verify)")
    empty = [o for o, v in given if not v.strip()]
    if empty:
        parser.error(f"{', '.join(empty)} trống / {', '.join(empty)} is empty")
    try:
        row = review.record(store.get_engine(args.db), args.finding_id, args.status, args.note,
                            args.reviewer)
    except review.UnknownFinding as e:
        print(f"{e.text_vi}.\n{e.text_en}.", file=sys.stderr)
        return 1
    except review.ReviewError as e:
        parser.error(str(e))
    vi, en = review.STATUS_LABELS[row["status"]]
    print(f"Đã ghi quyết định / decision recorded: {row['finding_id']} → {vi} / {en} "
          f"({row['reviewer']}, {row['decided_at'].isoformat(timespec='seconds')})")
    print(f"Đầu chuỗi / chain head: {review.format_head(row)}")
    return 0

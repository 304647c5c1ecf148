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
        NAME, help="record a decision on a finding, or --verify the chain of decisions",
        description="Ghi quyết định của thanh tra viên về một phát hiện, hoặc kiểm tra chuỗi quyết "
                    "định (--verify). / Record an inspector's decision on a finding, or check "
                    "the chain of decisions (--verify).")
    p.add_argument("finding_id", nargs="?", help="finding_id (findings.csv)")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--note", help="why: the reason for the decision")
    p.add_argument("--by", dest="reviewer", help="who decides (the inspector's name)")
    p.add_argument("--verify", action="store_true",
                   help="check the chain of decisions; name the first broken link")
    add_db(p)
    p.set_defaults(_review_parser=p)


def run(args) -> int:
    from procurement import store

    from . import review
    parser = args._review_parser
    if args.verify:
        extra = [o for o, v in (("FINDING_ID", args.finding_id), ("--status", args.status),
                                ("--note", args.note), ("--by", args.reviewer)) if v is not None]
        if extra:
            parser.error(f"--verify không đi cùng / does not take {', '.join(extra)}")
        result = review.verify(store.get_engine(args.db))
        if result.ok:
            print(f"Chuỗi quyết định nguyên vẹn / the chain of decisions is intact: "
                  f"{result.rows} quyết định / decisions, {result.heads_checked} đầu chuỗi đã ghi "
                  f"được đối chiếu / recorded heads checked")
            print(f"Đầu chuỗi / chain head: {review.format_head(result.head)}")
            return 0
        first = result.first
        print(f"Chuỗi quyết định bị phá vỡ / the chain of decisions is broken.\n"
              f"Mắt xích hỏng đầu tiên / first broken link: #{first.seq}\n"
              f"  {first.text_vi}\n  {first.text_en}", file=sys.stderr)
        for p in result.problems[1:6]:
            print(f"  cũng / also: {p}", file=sys.stderr)
        if len(result.problems) > 6:
            print(f"  … {len(result.problems) - 6} vấn đề khác / more problems", file=sys.stderr)
        print("So với bản sao lưu của cơ sở dữ liệu để biết dòng nào đã bị sửa hoặc xoá. / "
              "Compare with a backup of the database to see which rows were changed or deleted.",
              file=sys.stderr)
        return 1
    missing = [o for o, v in (("FINDING_ID", args.finding_id), ("--status", args.status),
                              ("--note", args.note), ("--by", args.reviewer)) if not v]
    if missing:
        parser.error(f"thiếu / missing {', '.join(missing)} (hoặc / or --verify)")
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

"""GOV-OVERDUE — a pilot milestone of a province not done by its due date, or done more than
30 days late (docs/flags/GOV-OVERDUE.md)."""
from __future__ import annotations

import pandas as pd

from ..context import school_year_of
from ..registry import Hit, flag
from ._common import day, ref, whole_days

MILESTONE_VI = {
    "steering_committee": "thành lập Ban chỉ đạo",
    "plan_issued": "ban hành kế hoạch",
    "guidance_issued": "ban hành hướng dẫn",
    "training_done": "hoàn thành tập huấn",
    "pilot_started": "bắt đầu thí điểm",
    "evaluation_submitted": "gửi báo cáo đánh giá",
}


def score_of(days_late: int, done: bool) -> tuple[str, float]:
    """Score 40 + 50 × min(1, days late / 365), +10 when still not done. Severity: not done —
    high from 90 days past due, medium below; done late — medium from 90 days late, low below."""
    score = 40 + 50 * min(1.0, days_late / 365) + (0 if done else 10)
    if done:
        return ("medium" if days_late >= 90 else "low"), score
    return ("high" if days_late >= 90 else "medium"), score


@flag("GOV-OVERDUE", subject_type="province",
      title_vi="Mốc thí điểm Học bạ số quá hạn",
      title_en="Overdue pilot milestone",
      legal_basis="Kế hoạch 213/KH-BGDĐT",
      needs=("pilot_milestones",))
def compute(ctx, cfg):
    m = ctx["pilot_milestones"]
    m = m[m["due_on"].notna()]
    if m.empty:
        return
    grace = whole_days(cfg["grace_days"])
    as_of = pd.Timestamp(ctx.as_of)
    open_ = m["done_on"].isna() & (m["due_on"] < as_of)
    late = m["done_on"].notna() & (m["done_on"] > m["due_on"] + pd.Timedelta(days=grace))
    for r in m[open_ | late].sort_values(["province_code", "milestone"]).itertuples(index=False):
        done = not pd.isna(r.done_on)
        days_late = ((r.done_on if done else as_of) - r.due_on).days
        severity, score = score_of(days_late, done)
        name_vi = MILESTONE_VI.get(r.milestone, r.milestone)
        doc = f" (văn bản {r.document_ref})" if isinstance(r.document_ref, str) else ""
        doc_en = f" (document {r.document_ref})" if isinstance(r.document_ref, str) else ""
        if done:
            vi = (f"Tỉnh {r.province_code}, mốc «{name_vi}» ({r.milestone}): hạn {day(r.due_on)}, "
                  f"hoàn thành {day(r.done_on)}{doc}, trễ {days_late} ngày > {grace} ngày cho phép.")
            en = (f"Province {r.province_code}, milestone {r.milestone}: due {day(r.due_on)}, done "
                  f"{day(r.done_on)}{doc_en}, {days_late} days late > {grace} days allowed.")
        else:
            vi = (f"Tỉnh {r.province_code}, mốc «{name_vi}» ({r.milestone}): hạn {day(r.due_on)} "
                  f"< ngày đối chiếu {ctx.as_of.isoformat()} mà chưa hoàn thành (quá hạn "
                  f"{days_late} ngày).")
            en = (f"Province {r.province_code}, milestone {r.milestone}: due {day(r.due_on)} < "
                  f"as-of date {ctx.as_of.isoformat()} and not done ({days_late} day{'s' if days_late != 1 else ''} overdue).")
        yield Hit(
            subject_id=f"{r.province_code}/{r.milestone}", severity=severity, score=score,
            detail_vi=vi, detail_en=en,
            evidence=[ref("pilot_milestones", r.province_code, r.milestone)],
            province_code=r.province_code, school_year=school_year_of(r.due_on))

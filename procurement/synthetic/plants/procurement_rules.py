"""Planters of the procurement-rule flags: PRC-DIRECT-LIMIT, PRC-SPLIT, PRC-DX-GROUND,
PRC-REPEAT-COMPAT, PRC-OUTSIDE-LAW, PRC-SHORT and PRC-NOTENDER.

Every scene makes its own fresh vendors (so no piece, compatibility award or bid of the scene
combines with the background or with another scene), prices its lines with ``w.unit_price``,
buys only for schools of the buyer's province (GOV-AUTHORITY) and creates no deployment (the
markets do not move)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from ..util import add_days, ceil_to, working_days_after
from ..world import DS, HOSTING, SMS, TRAINING, Line, TenderPlan, World
from . import Truth, planter


def _schools(w: World, rng: random.Random, pc: str, n: int) -> list[str]:
    return sorted(rng.sample(w.schools_in[pc], min(n, len(w.schools_in[pc]))))


def _student_lines(w: World, rng: random.Random, sids: list[str], year: str, vendor: str,
                   item: str) -> list[Line]:
    return [Line(SMS, "student", w.unit_price(rng, SMS, "student", year, vendor),
                 w.schools[sid]["students"] or 300, sid, item) for sid in sids]


def _training_lines(w: World, rng: random.Random, sids: list[str], year: str, vendor: str,
                    item: str) -> list[Line]:
    return [Line(TRAINING, "package", w.unit_price(rng, TRAINING, "package", year, vendor), 1, sid,
                 item) for sid in sids]


def _short_period(w: World, rng: random.Random, tender: dict, deadline: date) -> None:
    """Move a tender's bid deadline earlier, and its bids' submission days inside the new period
    (so the winning bid is not late: PRC-LATE-WIN stays quiet)."""
    pub = tender["published_on"]
    tender["bid_deadline"] = deadline
    span = (deadline - pub).days
    for b in w.tables["bids"]:
        if b["tender_id"] == tender["tender_id"]:
            b["submitted_on"] = add_days(pub, rng.randint(1, max(1, span)))


@planter("PRC-DIRECT-LIMIT")
def direct_above_limit(w: World, rng: random.Random) -> list[Truth]:
    """A department appoints a hosting firm for two years of data hosting (≈ 480 million đồng)
    on the value-limit ground in March 2025, when the limit was 300 million."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    vendor = w.add_vendor(rng, kind="hosting", pc=pc)["vendor_id"]
    pub = date(2025, 3, rng.randint(3, 20))
    lines = [Line(HOSTING, "month", w.unit_price(rng, HOSTING, "month", year, vendor), 24, None,
                  "Thuê hạ tầng lưu trữ, sao lưu dữ liệu học bạ số 24 tháng")]
    limit = w.limit_in_force(pub, HOSTING)
    # Built on another ground (the factory refuses a value-limit award above the limit), then
    # written as what the buyer declared: the value-limit ground.
    t, _ = w.add_tender(rng, TenderPlan(
        w.department[pc], HOSTING, "direct_appointment", year, pub, lines, vendor, ground="other",
        title="Thuê hạ tầng lưu trữ dữ liệu học bạ số giai đoạn 2025-2027"))
    t["direct_award_ground"] = "value_limit"
    assert t["estimated_value_vnd"] > limit
    return [("PRC-DIRECT-LIMIT", "tender", t["tender_id"])]


@planter("PRC-SPLIT")
def split_training(w: World, rng: random.Random) -> list[Truth]:
    """A department appoints the same training firm three times in ten weeks (autumn 2024), each
    package just under the 100-million limit, together well above it."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    entity = w.department[pc]
    vendor = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    start = date(2024, 10, rng.randint(1, 15))
    total, top = 0, 0
    for k, offset in enumerate((0, rng.randint(28, 40), rng.randint(60, 75)), 1):
        pub = add_days(start, offset)
        limit = w.limit_in_force(pub, TRAINING)
        sids = _schools(w, rng, pc, 16)
        lines = _training_lines(w, rng, sids, year, vendor,
                                "Tập huấn sử dụng học bạ số cho giáo viên chủ nhiệm")
        value = sum(ln.amount for ln in lines)
        est = min(limit, ceil_to(int(value * 1.03), 100_000))
        assert value <= est <= limit
        w.add_tender(rng, TenderPlan(
            entity, TRAINING, "direct_appointment", year, pub, lines, vendor, ground="value_limit",
            estimated_value=est, title=f"Tập huấn học bạ số cho giáo viên chủ nhiệm (đợt {k})"))
        total += est
        top = max(top, limit)
    assert total > top
    return [("PRC-SPLIT", "procuring_entity", f"{entity}+{vendor}")]


@planter("PRC-DX-GROUND")
def dx_ground(w: World, rng: random.Random) -> list[Truth]:
    """A department appoints a software firm on the digital-transformation ground (Sept 2025) to
    roll its school-management platform out to a dozen schools."""
    pc = rng.choice(w.scope)
    year = "2025-2026"
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    lines = _student_lines(w, rng, _schools(w, rng, pc, 12), year, vendor,
                           "Bản quyền nền tảng quản lý trường học và học bạ số 12 tháng")
    t, _ = w.add_tender(rng, TenderPlan(
        w.department[pc], SMS, "direct_appointment", year, date(2025, 9, rng.randint(8, 19)), lines,
        vendor, ground="digital_transformation",
        title="Triển khai nền tảng chuyển đổi số quản lý trường học và học bạ số"))
    return [("PRC-DX-GROUND", "tender", t["tender_id"])]


@planter("PRC-REPEAT-COMPAT")
def repeat_compat(w: World, rng: random.Random) -> list[Truth]:
    """A department appoints the same software firm twice, a year and a half apart, on the
    compatibility ground (the lock-in route)."""
    pc = rng.choice(w.scope)
    entity = w.department[pc]
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    for year, pub in (("2023-2024", date(2023, 10, rng.randint(2, 20))),
                      ("2024-2025", date(2025, 4, rng.randint(1, 20)))):
        lines = _student_lines(w, rng, _schools(w, rng, pc, 4), year, vendor,
                               "Nâng cấp, mở rộng phần mềm quản lý trường học đang sử dụng")
        w.add_tender(rng, TenderPlan(
            entity, SMS, "direct_appointment", year, pub, lines, vendor, ground="compatibility",
            title=f"Nâng cấp bảo đảm tương thích phần mềm quản lý trường học năm học {year}"))
    return [("PRC-REPEAT-COMPAT", "procuring_entity", f"{entity}+{vendor}")]


@planter("PRC-OUTSIDE-LAW")
def outside_law(w: World, rng: random.Random) -> list[Truth]:
    """A school buys a year of school-management software with money collected from parents."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    sid = _schools(w, rng, pc, 1)[0]
    vendor = w.add_vendor(rng, kind="software", pc=pc)["vendor_id"]
    lines = _student_lines(w, rng, [sid], year, vendor,
                           "Bản quyền phần mềm quản lý trường học 12 tháng")
    t, _ = w.add_tender(rng, TenderPlan(
        w.school_authority[sid], SMS, "direct_appointment", year, date(2024, 9, rng.randint(3, 20)),
        lines, vendor, ground="value_limit",
        title="Mua bản quyền phần mềm quản lý trường học (kinh phí phụ huynh đóng góp)"))
    t["funding_source"] = "parents"
    return [("PRC-OUTSIDE-LAW", "tender", t["tender_id"])]


@planter("PRC-SHORT")
def short_periods(w: World, rng: random.Random) -> list[Truth]:
    """A department gives bidders 10 calendar days for a training tender (18 required), and 4
    working days for a competitive shopping after 4 August 2025 (7 required)."""
    pc = rng.choice(w.scope)
    entity = w.department[pc]
    vendor = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    out: list[Truth] = []
    # Open bidding for training: 10 days.
    year = "2024-2025"
    pub = date(2024, 4, rng.randint(2, 20))
    lines = _training_lines(w, rng, _schools(w, rng, pc, 30), year, vendor,
                            "Tập huấn kỹ năng số cho cán bộ quản lý")
    t, _ = w.add_tender(rng, TenderPlan(
        entity, TRAINING, "open_bidding", year, pub, lines, vendor, n_bids=3,
        title="Tập huấn kỹ năng số cho cán bộ quản lý trường học"))
    _short_period(w, rng, t, add_days(pub, 10))
    out.append(("PRC-SHORT", "tender", t["tender_id"]))
    # Competitive shopping after the 2025-08-04 change: Monday to Friday of the same week.
    year = "2025-2026"
    monday = date(2025, 8, 11) + timedelta(weeks=rng.randint(0, 5))
    lines = _training_lines(w, rng, _schools(w, rng, pc, 20), year, vendor,
                            "Tập huấn sử dụng chữ ký số trên học bạ số")
    t, _ = w.add_tender(rng, TenderPlan(
        entity, TRAINING, "competitive_shopping", year, monday, lines, vendor, n_bids=2,
        title="Tập huấn sử dụng chữ ký số trên học bạ số"))
    deadline = add_days(monday, 4)
    assert working_days_after(monday, deadline) == 4
    _short_period(w, rng, t, deadline)
    out.append(("PRC-SHORT", "tender", t["tender_id"]))
    return out


@planter("PRC-NOTENDER")
def no_tender(w: World, rng: random.Random) -> list[Truth]:
    """A school buys 35–45 teachers' signing certificates (≈ 70 million đồng) on invoice, with
    no tender."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    sid = _schools(w, rng, pc, 1)[0]
    vendor = w.add_vendor(rng, kind="ca", pc=pc)["vendor_id"]
    n = rng.randint(35, 45)
    lines = [Line(DS, "certificate", w.unit_price(rng, DS, "certificate", year, vendor), n, sid,
                  "Chứng thư số cá nhân cho giáo viên ký học bạ số, thời hạn 3 năm")]
    c = w.add_contract(rng, vendor, date(2024, 11, rng.randint(4, 22)), lines,
                       entity_id=w.school_authority[sid])
    assert c["value_vnd"] >= 50_000_000
    return [("PRC-NOTENDER", "contract", c["contract_id"])]

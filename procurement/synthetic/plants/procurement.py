"""Planters of the procurement flags (PRC-*) and collusion flags (COL-*)."""
from __future__ import annotations

import random
from datetime import date

from ..world import TRAINING, TenderPlan, Line, World
from . import Truth, planter


@planter("PRC-SINGLE")
def single_valid_bid(w: World, rng: random.Random) -> list[Truth]:
    """A department's open tender for teacher training that drew a single bid, and awarded it."""
    pc = rng.choice(w.scope)
    year = "2024-2025"
    vendor = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
    schools = sorted(rng.sample(w.schools_in[pc], min(25, len(w.schools_in[pc]))))
    lines = [Line(TRAINING, "package", w.unit_price(rng, TRAINING, "package", year, vendor), 1, sid,
                  "Tập huấn kỹ năng số và học bạ số cho giáo viên chủ nhiệm") for sid in schools]
    tender, _ = w.add_tender(rng, TenderPlan(
        w.department[pc], TRAINING, "open_bidding", year, date(2024, 5, rng.randint(6, 24)), lines,
        vendor, title="Tập huấn kỹ năng số cho giáo viên chủ nhiệm năm học 2024-2025",
        bidders=[]))
    return [("PRC-SINGLE", "tender", tender["tender_id"])]

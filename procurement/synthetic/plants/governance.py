"""Planters of the governance flags (GOV-*)."""
from __future__ import annotations

import random

from ..util import add_days
from ..world import World
from . import Truth, planter


@planter("GOV-OVERDUE")
def overdue_milestones(w: World, rng: random.Random) -> list[Truth]:
    """In one province the evaluation is submitted 45–90 days late and the guidance is never
    marked done (its due date is long past whatever ``as_of`` is)."""
    pc = rng.choice(w.scope)
    late = w.milestone_rows[(pc, "evaluation_submitted")]
    w.claim("pilot_milestones", pc, "evaluation_submitted")
    late["done_on"] = add_days(late["due_on"], rng.randint(45, 90))
    never = w.milestone_rows[(pc, "guidance_issued")]
    w.claim("pilot_milestones", pc, "guidance_issued")
    never["done_on"] = None
    return [("GOV-OVERDUE", "province", f"{pc}/evaluation_submitted"),
            ("GOV-OVERDUE", "province", f"{pc}/guidance_issued")]

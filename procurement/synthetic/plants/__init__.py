"""Planted findings: small, self-contained scenes laid on top of the clean background.

A *planter* is a function ``(world, rng) -> list[(code, subject_type, subject_id)]`` registered
with :func:`planter`. It runs after the background is complete, builds its own fresh entities
through the :class:`~procurement.synthetic.world.World` factories (``add_school``,
``add_vendor``, ``add_tender`` with a :class:`~procurement.synthetic.world.TenderPlan`,
``add_deployment``, ``add_official`` …) and returns the truth rows its scene must raise —
exactly as flags.md writes the subject ids. The rows go to ``<out_dir>.truth.csv``.

Adding a planter for a new flag touches one module and nothing else:

1. Open (or create) the module of the flag's family in this package — ``procurement.py`` for
   PRC/COL, ``deployment.py`` for DEP, ``governance.py`` for GOV, and e.g. ``concentration.py``
   for CON or ``conflict.py`` for COI. Every module here is imported automatically.
2. Write the function::

       @planter("PRC-NOSAVE")
       def nosave(w: World, rng: random.Random) -> list[Truth]:
           pc = rng.choice(w.scope)
           winner = w.add_vendor(rng, kind="training", pc=pc)["vendor_id"]
           ...
           t, _ = w.add_tender(rng, TenderPlan(...))
           return [("PRC-NOSAVE", "tender", t["tender_id"])]

3. Keep the scene from disturbing anything else: make new vendors (a new vendor group serving
   a handful of schools does not move a market), price lines with ``w.unit_price`` (so
   PRC-UNITPRICE and DEP-COST peers stay tight), keep ``registered_on`` old, give people fresh
   contacts (``w.person``), and ``w.claim(...)`` any background row you change (milestones, for
   instance) so that two planters never change the same one. If the scene necessarily raises a
   second code (COI-SELF also raises COI-CONTACT), return that row too.
4. Run ``.venv/bin/python -m procurement.synthetic --scale small --seed 1 --out /tmp/x --check``:
   the self-check recomputes the flags on the world and reports any difference from the truth.

Planters run in code order, each with its own ``random.Random`` (derived from the seed and the
code) and the people's Faker reseeded the same way (``World.seed_people``), so adding a planter never changes the background or
the random draws of another planter (only the ids it allocates after yours).
"""
from __future__ import annotations

import importlib
import pkgutil
import random
from typing import Callable

from ..util import derive_seed

Truth = tuple[str, str, str]
Planter = Callable[..., list[Truth]]

#: Every registered planter, by the flag code it plants.
PLANTERS: dict[str, Planter] = {}


def planter(code: str) -> Callable[[Planter], Planter]:
    """Register ``fn`` as the planter of ``code`` (one planter per code)."""
    def register(fn: Planter) -> Planter:
        if code in PLANTERS and PLANTERS[code] is not fn:
            raise ValueError(f"a planter for {code} is already registered: {PLANTERS[code].__name__}")
        PLANTERS[code] = fn
        return fn
    return register


def load_all() -> dict[str, Planter]:
    """Import every module of this package (so their decorators run) and return PLANTERS."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
    return PLANTERS


def run_planters(world, seed: int, codes: list[str] | None = None) -> list[Truth]:
    """Run the planters (all, or those of ``codes``) in code order; return their truth rows."""
    load_all()
    out: list[Truth] = []
    for code in sorted(PLANTERS):
        if codes is not None and code not in codes:
            continue
        rng = random.Random(derive_seed(seed, "plant:" + code))
        world.seed_people(derive_seed(seed, "faker:plant:" + code))
        rows = PLANTERS[code](world, rng)
        for row in rows:
            if len(row) != 3 or not all(isinstance(x, str) and x for x in row):
                raise ValueError(f"planter {code} returned a bad truth row: {row!r}")
        out.extend(tuple(r) for r in rows)
    return sorted(set(out))

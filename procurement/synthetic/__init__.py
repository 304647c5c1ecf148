"""Seeded synthetic data in the input contract, with planted findings and deliberate bad rows.

    from procurement.synthetic import generate
    result = generate("small", 1, "data/synth")      # or "province", "national"
    result.out_dir, result.truth_path, result.bad_rows_path, result.counts

writes

* ``<out_dir>/<table>.csv`` for every table of :mod:`procurement.contract` (UTF-8, the snake_case
  header in contract order, ISO dates, integer money; a small share of values in the other
  forms the contract accepts, all valid), plus a few deliberately bad rows scattered through
  the files;
* ``<out_dir>/dataset.json`` — ``{"synthetic": true, "generator": "hocba-audit", "scale",
  "seed", "school_years"}``;
* ``<out_dir>.truth.csv`` — ``code,subject_type,subject_id``: the findings planted on purpose;
* ``<out_dir>.bad_rows.csv`` — ``table,row,column,reason``: each bad row's spreadsheet row
  number (header = 1) and the first problem ingest must report for it.

The same scale and seed give byte-identical files on every machine with the same package
versions (nothing depends on the clock, on ``PYTHONHASHSEED`` or on set order; names come from
Faker's vi_VN lists and places from ``vietnam-provinces``, so upgrading either changes the data).

``build_world(scale, seed, planters=[...])`` builds the same world without writing it, with all
planters (default) or only some, for tests and for the self-check.

Layout: :mod:`.world` (the in-memory builder and its factories), :mod:`.background` (the clean
roll-out on which no flag fires), :mod:`.plants` (the planters: how to add one is in its
docstring), :mod:`.badrows`, :mod:`.writer`, :mod:`.selfcheck` (a compact re-computation of
the flags on the world, for tests and planter authors), :mod:`.geo`, :mod:`.names`,
:mod:`.taxcode`, :mod:`.util`. ``python -m procurement.synthetic --help`` runs it.
"""
from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from ..contract import TABLES
from . import background, badrows, plants
from .background import SCALES
from .util import SCHOOL_YEARS, derive_seed
from .world import World
from .writer import format_table, write_csv

__all__ = ["generate", "build_world", "GenerateResult", "SCALES", "World"]


@dataclass(frozen=True)
class GenerateResult:
    out_dir: Path
    truth_path: Path
    bad_rows_path: Path
    #: data rows written to each ``<table>.csv`` (bad rows included)
    counts: dict[str, int]
    #: the planted findings, as written to the truth file
    truth: tuple[tuple[str, str, str], ...] = ()


def build_world(scale: str, seed: int, planters: list[str] | None = None
                ) -> tuple[World, list[tuple[str, str, str]]]:
    """The world (background + planted scenes) and the truth rows, without writing anything."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    seed = int(seed)
    scope = background.choose_scope(random.Random(derive_seed(seed, "scope")), scale)
    world = World(scale, seed, scope)
    background.build(world, random.Random(derive_seed(seed, "background")))
    truth = plants.run_planters(world, seed, planters)
    return world, truth


def generate(scale: str, seed: int, out_dir: str | Path) -> GenerateResult:
    """Write a synthetic data set of ``scale`` (``small``, ``province`` or ``national``)."""
    out_dir = Path(out_dir)
    world, truth = build_world(scale, seed)
    bad = badrows.build(world, random.Random(derive_seed(seed, "bad-rows")))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    bad_numbers: list[tuple[str, int, str, str]] = []
    for name, table in TABLES.items():
        rows = world.tables[name]
        text = format_table(name, rows, random.Random(derive_seed(seed, "variants:" + name)))
        text, numbers = badrows.place(text, rows, bad, name,
                                      random.Random(derive_seed(seed, "place:" + name)))
        bad_numbers += [(name, n, b.column, b.reason) for n, b in numbers]
        write_csv(out_dir / f"{name}.csv", table.column_names, text)
        counts[name] = len(text)
    meta = {"synthetic": True, "generator": "hocba-audit", "scale": scale, "seed": int(seed),
            "school_years": list(SCHOOL_YEARS)}
    (out_dir / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    truth_path = Path(str(out_dir) + ".truth.csv")
    with open(truth_path, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["code", "subject_type", "subject_id"])
        wr.writerows(truth)
    bad_path = Path(str(out_dir) + ".bad_rows.csv")
    order = {n: i for i, n in enumerate(TABLES)}
    with open(bad_path, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["table", "row", "column", "reason"])
        wr.writerows(sorted(bad_numbers, key=lambda x: (order[x[0]], x[1])))
    return GenerateResult(out_dir, truth_path, bad_path, counts, tuple(truth))

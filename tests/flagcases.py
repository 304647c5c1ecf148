"""Flag fixtures: ``tests/fixtures/flags/<CODE>.toml`` holds named cases for one flag.

Each case lists table rows (added to the file's ``[base]`` rows), the subject ids it expects
(``expect``), and optionally ``settings`` (an override of the flag's section), ``as_of`` and
``expect_severity`` (subject id → severity).
"""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "flags"
_META = {"name", "expect", "settings", "as_of", "expect_severity", "definitions"}


def load_cases(code: str) -> list[dict]:
    with open(FIXTURES / f"{code}.toml", "rb") as f:
        doc = tomllib.load(f)
    base = doc.get("base", {})
    out = []
    for case in doc.get("case", []):
        tables = copy.deepcopy(base)
        for k, v in case.items():
            if k not in _META:
                tables.setdefault(k, []).extend(copy.deepcopy(v))
        out.append({**{k: case[k] for k in _META if k in case}, "tables": tables})
    return out


def all_cases() -> list[tuple[str, dict]]:
    return [(p.stem, c) for p in sorted(FIXTURES.glob("*.toml")) for c in load_cases(p.stem)]


def run_case(code: str, case: dict):
    """Run one flag on one case; returns its findings."""
    from audit.engine import compute
    from audit.frames import frames_from_dicts
    from audit.settings import load_settings

    settings = load_settings(as_of=case.get("as_of", "2026-11-29"))
    if "settings" in case:
        settings.raw["flags"][code].update(case["settings"])
    if "definitions" in case:
        settings.raw["definitions"].update(case["definitions"])
    frames = frames_from_dicts(case["tables"])
    findings, not_computed = compute(frames, settings, codes=[code])
    return findings, not_computed

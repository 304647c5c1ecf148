"""Vietnam's 34 provinces and 3,321 communes in force since 2025-07-01 (``vietnam-provinces``).

Provinces are looked up by code or by name, compared without regard to case, diacritics,
spacing or the "Tỉnh"/"Thành phố"/"TP." prefix.  A pre-2025 province name is accepted only
where it maps to exactly one current province (Resolution 202/2025/QH15; the table is
``data/old_provinces.csv``).  Old province *codes* are not accepted: several were reused.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

from vietnam_provinces import Province, Ward

from .text import strip_diacritics

_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|t\.p\.?)\s*")


def _name_key(name: str) -> str:
    s = strip_diacritics(name).strip()
    s = _PREFIX.sub("", s)
    return re.sub(r"[\s\-–.]+", "", s)


@lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    """Current province code → official name."""
    return {f"{int(p.code):02d}": p.name for p in Province.iter_all()}


@lru_cache(maxsize=1)
def _province_names() -> dict[str, str]:
    table: dict[str, set[str]] = {}
    for code, name in provinces().items():
        table.setdefault(_name_key(name), set()).add(code)
    current = {k: v for k, v in table.items()}
    with resources.files("procurement").joinpath("data/old_provinces.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = _name_key(row["old_name"])
            if key in current:
                continue  # a current name keeps its current meaning
            table.setdefault(key, set()).add(row["current_code"])
    extra = {"hcm": "79", "tphcm": "79", "saigon": "79", "hn": "01"}
    for k, v in extra.items():
        table.setdefault(k, set()).add(v)
    return {k: next(iter(v)) for k, v in table.items() if len(v) == 1}


@lru_cache(maxsize=4096)
def province_code(value: str) -> str | None:
    """The current province code for a code or a name, or ``None``."""
    s = value.strip()
    if s.isdigit() and len(s) <= 2:
        code = s.zfill(2)
        return code if code in provinces() else None
    return _province_names().get(_name_key(s)) if s else None


@lru_cache(maxsize=1)
def communes() -> dict[str, tuple[str, str]]:
    """Current commune code → (province code, name)."""
    return {f"{int(w.code):05d}": (f"{int(w.province_code):02d}", w.name) for w in Ward.iter_all()}


def commune_province(code: str) -> str | None:
    hit = communes().get(code)
    return hit[0] if hit else None


def communes_of(province: str) -> list[tuple[str, str]]:
    """(code, name) of the current communes of a province, in code order."""
    return sorted((c, n) for c, (p, n) in communes().items() if p == province)


def province_name(code: str | None) -> str:
    return provinces().get(code or "", code or "")

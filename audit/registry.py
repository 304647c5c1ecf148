"""The flag registry: one decorator per flag module carries its code, titles, family, subject
type, legal basis and the tables it needs.  Flag modules live in :mod:`audit.flags` and are
discovered on import, so adding a flag touches its module, its page and its fixture only.

A flag is a function ``compute(ctx: Context, cfg: dict) -> Iterable[Hit]``: the typed frames
and its settings in, its hits out.  The engine turns hits into findings (ids, titles, basis).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable

FAMILIES = {
    "CON": ("Tập trung thị trường", "Market concentration"),
    "PRC": ("Đấu thầu, mua sắm", "Procurement"),
    "COL": ("Thông thầu", "Collusion"),
    "COI": ("Xung đột lợi ích", "Conflict of interest"),
    "DEP": ("Triển khai", "Deployment"),
    "GOV": ("Quản trị thí điểm", "Pilot governance"),
}

SUBJECT_TYPES = ("market", "province", "vendor_group", "tender", "procuring_entity", "contract",
                 "contract_line", "vendor_set", "vendor_pair", "official", "school", "directive",
                 "deployment", "vendor")

SEVERITIES = ("low", "medium", "high")


@dataclass
class Hit:
    """What a flag found about one subject."""
    subject_id: str
    severity: str
    score: float
    detail_vi: str
    detail_en: str
    evidence: list[str] = field(default_factory=list)
    province_code: str | None = None
    school_year: str | None = None
    # Who the finding is about, for the risk roll-up and the map: keys ``vendor``,
    # ``procuring_entity``, ``official``, ``school``; values are lists of ids.
    parties: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r}")
        self.score = float(max(0.0, min(100.0, round(float(self.score), 1))))
        # NaN from a DataFrame means "none".
        for name in ("province_code", "school_year"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v:
                setattr(self, name, None)


@dataclass(frozen=True)
class FlagSpec:
    code: str
    family: str
    subject_type: str
    title_vi: str
    title_en: str
    legal_basis: str
    needs: tuple[str, ...]
    compute: Callable[..., Iterable[Hit]]


REGISTRY: dict[str, FlagSpec] = {}


def flag(code: str, *, subject_type: str, title_vi: str, title_en: str, legal_basis: str,
         needs: Iterable[str]):
    """Register a flag function under ``code`` (its family is the code's prefix)."""
    family = code.split("-", 1)[0]
    if family not in FAMILIES:
        raise ValueError(f"{code}: unknown family {family}")
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(f"{code}: unknown subject type {subject_type}")

    def register(fn):
        if code in REGISTRY and REGISTRY[code].compute is not fn:
            raise ValueError(f"flag {code} registered twice")
        REGISTRY[code] = FlagSpec(code, family, subject_type, title_vi, title_en, legal_basis,
                                  tuple(needs), fn)
        return fn
    return register


def load_flags() -> dict[str, FlagSpec]:
    """Import every module of :mod:`audit.flags` and return the registry, by code."""
    from . import flags
    for mod in pkgutil.iter_modules(flags.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{flags.__name__}.{mod.name}")
    return dict(sorted(REGISTRY.items()))

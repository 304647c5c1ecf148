"""The flag registry: one decorator per flag module carries its code, titles, family, subject
type, legal basis and the tables it needs.  Flag modules live in :mod:`audit.flags` and are
discovered on import, so adding a flag touches its module, its page and its fixture only.

A flag is a function ``compute(ctx: Context, cfg: dict) -> Iterable[Hit]``: the typed frames
and its settings in, its hits out.  The engine turns hits into findings (ids, titles, basis).
"""
from __future__ import annotations

import importlib
import pkgutil
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

#: The legal basis of each flag in Vietnamese and English (``[CODE] vi = … en = …``).
LEGAL_BASES = Path(__file__).with_name("legal_bases.toml")

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
    #: ``needs_for(ctx, cfg)``: the tables needed under the flag's settings, when a setting
    #: switches the flag to other tables (``definition = "cardinal"`` reads the OCDS tables);
    #: None: ``needs``.
    needs_for: Callable[..., tuple[str, ...]] | None = None


REGISTRY: dict[str, FlagSpec] = {}


def flag(code: str, *, subject_type: str, title_vi: str, title_en: str, legal_basis: str,
         needs: Iterable[str], needs_for: Callable[..., tuple[str, ...]] | None = None):
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
                                  tuple(needs), fn, needs_for)
        return fn
    return register


def load_flags() -> dict[str, FlagSpec]:
    """Import every module of :mod:`audit.flags` and return the registry, by code."""
    from . import flags
    for mod in pkgutil.iter_modules(flags.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{flags.__name__}.{mod.name}")
    _attach_legal_bases()
    return dict(sorted(REGISTRY.items()))


def legal_bases() -> dict[str, dict[str, str]]:
    """``code → {"vi": …, "en": …}`` from :data:`LEGAL_BASES`."""
    with LEGAL_BASES.open("rb") as f:
        return tomllib.load(f)


def _attach_legal_bases() -> None:
    """Give each registered flag its legal basis as ``"<vi> / <en>"`` (Vietnamese first, as
    everything users read; :func:`audit.i18n.legal_basis` picks one language), where
    :data:`LEGAL_BASES` has an entry; otherwise the flag keeps the text its module registers."""
    table = legal_bases()
    for code, spec in list(REGISTRY.items()):
        entry = table.get(code)
        if entry:
            text = f"{entry['vi']} / {entry['en']}"
            if spec.legal_basis != text:
                REGISTRY[code] = replace(spec, legal_basis=text)

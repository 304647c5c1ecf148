"""Risk scores: findings rolled up to vendor groups, procuring entities, officials and provinces,
so that an inspector can sort by where to look first (docs/risk.md).

For one entity, each finding that involves it contributes

    weight(severity) × score / 100 × decay^(k − 1)

where k is the rank of that finding among the entity's findings *of the same code* (highest
score first): the fifth single-bid tender of one buyer adds less than the first, but a new
kind of red flag always adds its full weight.  The entity's risk is the sum (``raw``), and
``score`` = 100 × (1 − e^(−raw / 5)) puts it on 0–100 (one high finding at score 100 gives 63).
Weights and decay are in the settings (``[risk]``).
"""
from __future__ import annotations

import math
from collections import defaultdict

from .entities import VendorGroups

KINDS = ("vendor_group", "procuring_entity", "official", "province")


def roll_up(findings, settings, groups: VendorGroups | None = None) -> dict:
    """Risk per vendor group, procuring entity, official and province (see the module doc).

    ``groups`` are the run's vendor groups (``Context.groups``), used to put a finding about a
    vendor on its group; without them (no vendors) a vendor counts as a group of its own."""
    cfg = settings.raw["risk"]
    weights = {"low": cfg["weight_low"], "medium": cfg["weight_medium"], "high": cfg["weight_high"]}
    decay = cfg["repeat_decay"]
    per: dict[str, dict[str, list]] = {k: defaultdict(list) for k in KINDS}
    for f in findings:
        parties = f.parties or {}
        targets = {
            "vendor_group": set(parties.get("vendor_group", [])) | {
                groups.group(v) if groups is not None else v for v in parties.get("vendor", [])},
            "procuring_entity": set(parties.get("procuring_entity", [])),
            "official": set(parties.get("official", [])),
            "province": {f.province_code} if f.province_code else set(),
        }
        if f.subject_type == "vendor_group":
            targets["vendor_group"].add(f.subject_id)
        for kind, ids in targets.items():
            for i in ids:
                per[kind][i].append(f)
    out = {}
    for kind in KINDS:
        rows = []
        for entity, fs in per[kind].items():
            raw = 0.0
            by_code = defaultdict(list)
            for f in fs:
                by_code[f.code].append(f)
            for code, items in by_code.items():
                items.sort(key=lambda f: (-f.score, f.finding_id))
                for k, f in enumerate(items):
                    raw += weights[f.severity] * f.score / 100 * decay ** k
            rows.append({"id": entity, "raw": round(raw, 3),
                         "score": round(100 * (1 - math.exp(-raw / 5)), 1),
                         "findings": len(fs), "codes": sorted(by_code),
                         "high": sum(f.severity == "high" for f in fs)})
        rows.sort(key=lambda r: (-r["raw"], r["id"]))
        out[kind] = rows
    return out

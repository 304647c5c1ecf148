"""Helpers shared by flag modules: evidence references and scoring."""
from __future__ import annotations

import math


def ref(table: str, *key) -> str:
    """An evidence reference ``table:key`` (a composite key joined by ``/``)."""
    return f"{table}:" + "/".join("" if k is None else str(k) for k in key)


def excess_score(value: float, threshold: float, base: float = 50.0, span: float = 45.0) -> float:
    """A score that starts at ``base`` at the threshold and rises towards ``base + span`` as
    ``value`` exceeds it (ratio 2× the threshold gives about base + span × 0.63)."""
    if threshold <= 0:
        return base + span
    ratio = max(0.0, value / threshold - 1.0)
    return base + span * (1 - math.exp(-ratio))


SEVERITY_BASE = {"low": 30.0, "medium": 55.0, "high": 75.0}

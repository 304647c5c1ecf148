"""Helpers shared by every flag family: evidence references, scoring, and exact comparisons.

Exactness (flags.md, "Missing values, scope, arithmetic"): "shares, ratios and medians are exact:
a ≥ 80% of b means a ≥ 0.8 × b with no rounding".  A setting is read as the decimal written in
the settings file (:func:`exact`: ``0.8`` is 4/5, not the nearest binary double), and a
comparison ``a OP x × b`` is decided in whole numbers:

- :func:`ratio_cmp` — element-wise over columns of whole numbers (VND amounts, counts, twice a
  median): a float comparison settles the clear cases, the near-ties are settled exactly;
- :func:`compare` — one comparison of whole numbers or fractions;
- :func:`exact_median` — the median of exact values (the mean of the two middle ones);
- :func:`least_count` / :func:`whole_days` — a setting compared with a whole count or a number
  of days, as the whole number that gives the same answer (``≥ 4.5`` schools is ``≥ 5``;
  ``+ 30.5`` days is ``+ 30``).

And :func:`link_path`, the links that join two vendors of one vendor group.
"""
from __future__ import annotations

import math
import operator
from collections import deque
from fractions import Fraction

import numpy as np
import pandas as pd

from ..context import to_date


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


# --- texts -----------------------------------------------------------------------------------
def int_vi(n) -> str:
    """23991 → ``23.991`` (Vietnamese grouping)."""
    return f"{int(n):,}".replace(",", ".")


def int_en(n) -> str:
    """23991 → ``23,991``."""
    return f"{int(n):,}"


def day(value) -> str:
    """A date as ``YYYY-MM-DD`` ('' when empty)."""
    d = to_date(value)
    return d.isoformat() if d is not None else ""


# --- exact comparisons -----------------------------------------------------------------------
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def exact(x) -> Fraction:
    """A settings number as the decimal written (``0.99`` is 99/100, ``2`` is 2); a Fraction
    or an int as it is."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    return Fraction(repr(float(x)))


def compare(a, op: str, x, b) -> bool:
    """``a OP x × b`` exactly, for whole numbers or fractions ``a`` and ``b``."""
    return OPS[op](Fraction(a), exact(x) * Fraction(b))


def _whole(v) -> int:
    return int(round(float(v)))


def ratio_cmp(lhs, rhs, x, op: str) -> pd.Series:
    """``lhs OP x × rhs`` element-wise and exactly, for whole-numbered ``lhs`` and ``rhs`` (VND,
    counts, twice a median); ``op`` is one of ``>=``, ``>``, ``<=``, ``<``; False where either
    side is missing.  Indexed as ``lhs`` (a Series) or 0…n−1."""
    lhs = pd.Series(lhs, dtype="float64")
    rhs = pd.Series(np.asarray(rhs, dtype="float64"), index=lhs.index)
    f = exact(x)
    fx = float(f)
    lv, rv = lhs.to_numpy(), rhs.to_numpy()
    diff = lv - fx * rv
    slack = (np.abs(lv) + np.abs(fx * rv)) * 1e-12 + 1e-6
    sign = np.where(diff > slack, 1, np.where(diff < -slack, -1, 0))
    nan = np.isnan(diff)
    for i in np.flatnonzero((sign == 0) & ~nan):
        d = _whole(lv[i]) * f.denominator - f.numerator * _whole(rv[i])
        sign[i] = (d > 0) - (d < 0)
    res = {">=": sign >= 0, ">": sign > 0, "<=": sign <= 0, "<": sign < 0}[op]
    return pd.Series(res & ~nan, index=lhs.index)


def exact_median(values) -> Fraction:
    """The median of exact values: the middle one, or the mean of the two middle ones."""
    v = sorted(Fraction(x) for x in values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def least_count(x) -> int:
    """The least whole number n with n ≥ x: a count compared with a setting (``count ≥ x`` is
    ``count ≥ least_count(x)``, ``count < x`` is ``count < least_count(x)``)."""
    return math.ceil(exact(x))


def whole_days(x) -> int:
    """The greatest whole number ≤ x: a number of days (or months) added to a date that is
    compared with other dates (``d' ≤ d + x`` is ``d' ≤ d + whole_days(x)``)."""
    return math.floor(exact(x))


# --- vendor groups ---------------------------------------------------------------------------
def link_path(links: list, a: str, b: str, order=None) -> list:
    """The links on a shortest chain from vendor ``a`` to vendor ``b`` of one vendor group
    (breadth first; [] when none joins them).  Among chains of one length the first found wins:
    the links are tried in their stored order, or sorted by ``order`` (a key of (neighbour,
    link)) when given, so the answer is stable."""
    adj: dict[str, list] = {}
    for link in links:
        adj.setdefault(link.a, []).append((link.b, link))
        adj.setdefault(link.b, []).append((link.a, link))
    if order is not None:
        for nbrs in adj.values():
            nbrs.sort(key=order)
    prev: dict[str, tuple | None] = {a: None}
    queue = deque([a])
    while queue:
        u = queue.popleft()
        if u == b:
            break
        for w, link in adj.get(u, []):
            if w not in prev:
                prev[w] = (u, link)
                queue.append(w)
    if b not in prev:
        return []
    path = []
    u = b
    while prev[u] is not None:
        u, link = prev[u]
        path.append(link)
    return path[::-1]

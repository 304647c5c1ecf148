"""Helpers shared by the procurement-rule flags (PRC-DIRECT-LIMIT, PRC-SPLIT, PRC-DX-GROUND,
PRC-REPEAT-COMPAT, PRC-OUTSIDE-LAW, PRC-SHORT, PRC-NOTENDER): the direct-award limit table
applied to whole columns, the contracts that name each tender, and number/date formatting for
the bilingual texts."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from ..context import COMPETITIVE, DIRECT_AWARD

__all__ = ["COMPETITIVE", "DIRECT_AWARD", "limits_on", "contracts_by_tender", "vnd_vi", "vnd_en",
           "num_vi", "num_en", "truthy", "ratio_vi", "day_vi", "day_en", "one_or_none", "rise_score", "METHOD_VI",
           "CATEGORY_VI", "GROUND_VI"]


# --- the direct-award limit table, vectorised ------------------------------------------------
def limits_on(settings, days: pd.Series, category: pd.Series | None = None,
              investment: pd.Series | None = None) -> pd.Series:
    """The limit in force (flags.md, "limit in force") for every row: the dated row of
    ``settings.limits`` that contains ``days``; the purchase-estimate column unless
    ``investment`` is true, then ``training`` → consulting and every other category → goods.
    NaN where the day is missing or no row covers it.  Same result as
    :meth:`audit.settings.Settings.limit_in_force`, row by row, without a Python loop."""
    days = pd.to_datetime(days, errors="coerce")
    out = pd.Series(np.nan, index=days.index, dtype="float64")
    if investment is None:
        inv = pd.Series(False, index=days.index)
    else:
        inv = investment.astype("boolean").fillna(False).astype(bool)
    training = (category.eq("training").fillna(False).astype(bool) if category is not None
                else pd.Series(False, index=days.index))
    taken = pd.Series(False, index=days.index)
    for row in settings.limits:
        m = days.notna() & ~taken
        if row.start is not None:
            m &= days >= pd.Timestamp(row.start)
        if row.end is not None:
            m &= days <= pd.Timestamp(row.end)
        if not m.any():
            continue
        value = np.where(~inv, row.purchase_estimate, np.where(training, row.consulting, row.goods))
        out[m] = value[m.to_numpy()]
        taken |= m
    return out


# --- contracts --------------------------------------------------------------------------------
def contracts_by_tender(ctx) -> dict[str, list[str]]:
    """tender_id → the ids of the contracts that name it (string order); computed once per run."""
    cache = ctx.__dict__.setdefault("_procurement_rules_cache", {})
    if "contracts_by_tender" not in cache:
        c = ctx["contracts"]
        c = c.dropna(subset=["tender_id"]).sort_values("contract_id")
        out: dict[str, list[str]] = {}
        for tid, cid in zip(c["tender_id"].tolist(), c["contract_id"].tolist()):
            out.setdefault(tid, []).append(cid)
        cache["contracts_by_tender"] = out
    return cache["contracts_by_tender"]


# --- scoring ----------------------------------------------------------------------------------
def rise_score(ratio: float, base: float, span: float, scale: float = 1.0) -> float:
    """``base`` at ratio 0, rising towards ``base + span`` (monotone): base + span·(1 − e^(−ratio/scale))."""
    if ratio is None or not math.isfinite(ratio):
        return base + span
    return base + span * (1 - math.exp(-max(0.0, ratio) / scale))


def one_or_none(values) -> str | None:
    """The single distinct non-empty value of ``values``, else None (several or none)."""
    vals = {v for v in values if isinstance(v, str) and v}
    return vals.pop() if len(vals) == 1 else None


# --- texts ------------------------------------------------------------------------------------
def truthy(value) -> bool:
    """A nullable boolean read as "empty is false"."""
    return bool(pd.notna(value) and value)


def ratio_vi(value: float) -> str:
    """``2,40`` (Vietnamese decimal comma)."""
    return f"{value:.2f}".replace(".", ",")


def num_vi(value) -> str:
    """``1.200.000`` (Vietnamese grouping)."""
    return f"{int(value):,}".replace(",", ".")


def num_en(value) -> str:
    return f"{int(value):,}"


def vnd_vi(value) -> str:
    return f"{num_vi(value)} đ"


def vnd_en(value) -> str:
    return f"{num_en(value)} VND"


def _as_date(value) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    if not isinstance(value, dt.date) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def day_vi(value) -> str:
    d = _as_date(value)
    return d.strftime("%d/%m/%Y") if d else "không ghi"


def day_en(value) -> str:
    d = _as_date(value)
    return d.isoformat() if d else "not given"


METHOD_VI = {
    "open_bidding": "đấu thầu rộng rãi",
    "limited_bidding": "đấu thầu hạn chế",
    "direct_appointment": "chỉ định thầu",
    "shortened_direct_appointment": "chỉ định thầu rút gọn",
    "competitive_shopping": "chào hàng cạnh tranh",
    "direct_procurement": "mua sắm trực tiếp",
    "self_implementation": "tự thực hiện",
    "other": "hình thức khác",
}

CATEGORY_VI = {
    "school_management_software": "phần mềm quản lý trường học",
    "center_management_software": "phần mềm quản lý trung tâm",
    "digital_signature": "chữ ký số",
    "infrastructure_equipment": "hạ tầng, thiết bị",
    "hosting_and_data": "thuê hạ tầng, dữ liệu",
    "training": "đào tạo, tập huấn",
    "other": "khác",
}

GROUND_VI = {
    "value_limit": "hạn mức giá trị",
    "digital_transformation": "chuyển đổi số",
    "urgent": "cấp bách",
    "compatibility": "bảo đảm tính tương thích",
    "other": "căn cứ khác",
}

"""Helpers shared by the procurement-rule flags (PRC-DIRECT-LIMIT, PRC-SPLIT, PRC-DX-GROUND,
PRC-REPEAT-COMPAT, PRC-OUTSIDE-LAW, PRC-SHORT, PRC-NOTENDER): the contracts that name each
tender, and number/date formatting for the bilingual texts.  (The direct-award limit in force is
the settings' :meth:`~audit.settings.Settings.limits_on`, and ``ctx.tenders["limit"]``.)"""
from __future__ import annotations

import math

import pandas as pd

from ..context import COMPETITIVE, DIRECT_AWARD, to_date
from ._common import int_en, int_vi

__all__ = ["COMPETITIVE", "DIRECT_AWARD", "contracts_by_tender", "vnd_vi", "vnd_en",
           "truthy", "ratio_vi", "day_vi", "day_en", "one_or_none", "rise_score", "METHOD_VI",
           "method_en",
           "CATEGORY_VI", "GROUND_VI"]


# --- contracts --------------------------------------------------------------------------------
def contracts_by_tender(ctx) -> dict[str, list[str]]:
    """tender_id → the ids of the contracts that name it (string order); computed once per run."""
    def build(ctx):
        c = ctx["contracts"]
        c = c.dropna(subset=["tender_id"]).sort_values("contract_id")
        out: dict[str, list[str]] = {}
        for tid, cid in zip(c["tender_id"].tolist(), c["contract_id"].tolist()):
            out.setdefault(tid, []).append(cid)
        return out
    return ctx.cache("procurement_rules.contracts_by_tender", build)


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


def vnd_vi(value) -> str:
    """``1.200.000 đ``."""
    return f"{int_vi(value)} đ"


def vnd_en(value) -> str:
    """``1,200,000 VND``."""
    return f"{int_en(value)} VND"


def day_vi(value) -> str:
    d = to_date(value)
    return d.strftime("%d/%m/%Y") if d else "không ghi"


def day_en(value) -> str:
    d = to_date(value)
    return d.isoformat() if d else "not given"


def method_en(method: str) -> str:
    """``direct appointment (direct_appointment)``: the reports' English label with the code; an
    unknown value as it is."""
    from ..i18n import METHOD
    pair = METHOD.get(method)
    return f"{pair[1].lower()} ({method})" if pair else str(method)


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

"""PRC-NEWVENDOR — a large contract signed with a company registered less than a year before
(docs/flags/PRC-NEWVENDOR.md)."""
from __future__ import annotations

import math

from ..registry import Hit, flag
from ..context import school_years_of
from ._common import least_count, ref
from . import _bids as B

BRANCH = r"^\d{10}-\d{3}$"


@flag("PRC-NEWVENDOR", subject_type="contract",
      title_vi="Hợp đồng lớn với doanh nghiệp mới thành lập",
      title_en="Large contract with a newly registered company",
      legal_basis="New company screens",
      needs=("contracts", "vendors"))
def compute(ctx, cfg):
    min_value = cfg["min_value"]
    max_age = least_count(cfg["max_age_days"])
    use_head = bool(cfg["branch_uses_head_office"])
    c = ctx["contracts"]
    c = c[c["value_vnd"].ge(min_value) & c["signed_on"].notna()].drop_duplicates("contract_id")
    if c.empty:
        return
    v = ctx["vendors"].drop_duplicates("vendor_id").set_index("vendor_id")
    c = c[["contract_id", "tender_id", "vendor_id", "procuring_entity_id", "signed_on",
           "value_vnd"]].copy()
    c["head"] = None
    if use_head:
        is_branch = c["vendor_id"].str.match(BRANCH).fillna(False).astype(bool)
        head = c["vendor_id"].str.slice(0, 10)
        c["head"] = head.where(is_branch & head.isin(v.index))
    c["reg_of"] = c["head"].where(c["head"].notna(), c["vendor_id"])
    c["registered_on"] = c["reg_of"].map(v["registered_on"])
    c["age"] = (c["signed_on"] - c["registered_on"]).dt.days
    c = c[c["age"].ge(0) & c["age"].lt(max_age)]
    if c.empty:
        return
    # Only the tenders of these contracts (an index over every tender costs more than the
    # few lookups).
    t = ctx.tenders
    t = t.loc[t["tender_id"].isin(c["tender_id"]).to_numpy(),
              ["tender_id", "procuring_entity_id", "school_year"]].set_index("tender_id")
    c["buyer"] = c["tender_id"].map(t["procuring_entity_id"])
    c["buyer"] = c["buyer"].where(c["buyer"].notna(), c["procuring_entity_id"])
    c["province_code"] = c["buyer"].map(ctx.authority_province)
    ty = c["tender_id"].map(t["school_year"])
    c["school_year"] = ty.where(ty.notna(), school_years_of(c["signed_on"]))
    for row in c.itertuples(index=False):
        age = int(row.age)
        youth = 1 - age / max_age if max_age > 0 else 1.0
        size = min(1.0, math.log10(row.value_vnd / min_value) / 1.0) if min_value > 0 else 1.0
        score = 50 + 30 * youth + 15 * max(0.0, size)
        severity = "high" if age < max_age / 4 else ("medium" if age < max_age / 2 else "low")
        reg = row.registered_on.date().isoformat()
        signed = row.signed_on.date().isoformat()
        if isinstance(row.head, str):
            whose_vi = (f"{B.vlabel(ctx, row.vendor_id)} (chi nhánh; tính theo ngày đăng ký của "
                        f"trụ sở chính {B.vlabel(ctx, row.head)})")
            whose_en = (f"{B.vlabel(ctx, row.vendor_id)} (a branch; counted from the registration "
                        f"of its head office {B.vlabel(ctx, row.head)})")
        else:
            whose_vi = whose_en = B.vlabel(ctx, row.vendor_id)
        ev = [ref("contracts", row.contract_id), ref("vendors", row.vendor_id)]
        if isinstance(row.head, str):
            ev.append(ref("vendors", row.head))
        if isinstance(row.tender_id, str):
            ev.append(ref("tenders", row.tender_id))
        parties = {"vendor": [row.vendor_id]}
        if isinstance(row.buyer, str):
            parties["procuring_entity"] = [row.buyer]
        yield Hit(
            subject_id=row.contract_id, severity=severity, score=score,
            detail_vi=(f"Hợp đồng {row.contract_id} trị giá {B.fmt_money(row.value_vnd, 'vi')} "
                       f"(≥ ngưỡng {B.fmt_money(min_value, 'vi')}) ký ngày {signed} với {whose_vi}, "
                       f"chỉ {age} ngày sau ngày đăng ký kinh doanh {reg} (0 ≤ {age} < {max_age} ngày)."),
            detail_en=(f"Contract {row.contract_id} worth {B.fmt_money(row.value_vnd, 'en')} "
                       f"(≥ threshold {B.fmt_money(min_value, 'en')}) was signed on {signed} with "
                       f"{whose_en}, only {age} days after its business registration on {reg} "
                       f"(0 ≤ {age} < {max_age} days)."),
            evidence=ev, parties=parties, province_code=row.province_code,
            school_year=row.school_year)

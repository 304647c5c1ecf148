"""DEP-NOCONTRACT — a pilot/live deployment paid from the budget with no contract
(docs/flags/DEP-NOCONTRACT.md)."""
from __future__ import annotations

from ..context import ACTIVE, fmt_vnd
from ..registry import Hit, flag
from ._bids import fmt_money
from ._deployment import (service_en, status_en, deployment_ref, deployment_subject, empty_contract, per_subject, saturating,
                          service_vi, status_vi, with_school)



@flag("DEP-NOCONTRACT", subject_type="deployment",
      title_vi="Triển khai có chi ngân sách nhưng không có hợp đồng",
      title_en="Deployment paid from the budget without a contract",
      legal_basis="Học bạ số là dịch vụ của Nhà nước: khoản chi ngân sách cho nó phải có hợp đồng "
                  "(Luật Đấu thầu 22/2023) / fees for a state service: budget spending on it needs a "
                  "contract (Law on Bidding 22/2023)",
      needs=("deployments",))
def compute(ctx, cfg):
    d = ctx["deployments"]
    d = d[d["status"].isin(ACTIVE) & d["budget_cost_vnd"].gt(0) & empty_contract(d)]
    if d.empty:
        return
    high_cost = float(cfg["high_cost"])
    for (school, service, year), r in per_subject(with_school(ctx, d), ["budget_cost_vnd", "status"]):
        costs, vendors = r["budget_cost_vnd"], r["vendor_id"]
        cost = sum(costs)
        severity = "high" if cost >= high_cost else "medium"
        score = 45 + 50 * saturating(cost, high_cost)
        rows_vi = "; ".join(f"nhà cung cấp {v} ({status_vi(st)}), chi ngân sách {fmt_vnd(c)}"
                            for v, c, st in zip(vendors, costs, r["status"]))
        rows_en = "; ".join(f"vendor {v} ({status_en(st)}), budget cost {fmt_money(c, 'en')}"
                            for v, c, st in zip(vendors, costs, r["status"]))
        sev_vi = f"; tổng {fmt_vnd(cost)} ≥ {fmt_vnd(high_cost)}: mức cao" if severity == "high" else ""
        sev_en = (f"; total {fmt_money(cost, 'en')} ≥ {fmt_money(high_cost, 'en')}: high"
                  if severity == "high" else "")
        yield Hit(
            subject_id=deployment_subject(school, service, year), severity=severity, score=score,
            detail_vi=(f"Trường {school}, {service_vi(service)}, năm học {year}: {rows_vi}; "
                       f"không ghi hợp đồng (quy tắc: chi ngân sách > 0 đ và mã hợp đồng trống)"
                       f"{sev_vi}."),
            detail_en=(f"School {school}, {service_en(service)}, school year {year}: {rows_en}; "
                       f"no contract given (rule: budget cost > 0 VND and an empty contract_id)"
                       f"{sev_en}."),
            evidence=[deployment_ref(school, year, service, v) for v in vendors],
            province_code=r["province_code"][0], school_year=year,
            parties={"vendor": list(vendors), "school": [school]})

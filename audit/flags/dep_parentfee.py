"""DEP-PARENTFEE — families charged a fee for school management software or digital signatures
(docs/flags/DEP-PARENTFEE.md)."""
from __future__ import annotations

from ..context import fmt_vnd
from ..registry import Hit, flag
from ._bids import fmt_money
from ._common import int_en, int_vi
from ._deployment import (service_en, status_en, deployment_ref, deployment_subject, per_subject, saturating, service_vi,
                          status_vi, with_school)



@flag("DEP-PARENTFEE", subject_type="deployment",
      title_vi="Thu phí phụ huynh cho phần mềm quản lý trường học hoặc chữ ký số",
      title_en="Parents charged for school management software or digital signatures",
      legal_basis="Học bạ số là dịch vụ của Nhà nước, không thu của phụ huynh / "
                  "fees for a state service",
      needs=("deployments",))
def compute(ctx, cfg):
    d = ctx["deployments"]
    d = d[d["service"].isin(cfg["services"]) & d["parent_fee_vnd"].gt(0)]
    if d.empty:
        return
    high_fee = float(cfg["high_fee"])
    for (school, service, year), r in per_subject(with_school(ctx, d), ["parent_fee_vnd", "status"]):
        fees, vendors = r["parent_fee_vnd"], r["vendor_id"]
        fee = max(fees)
        severity = "high" if fee >= high_fee else "medium"
        score = 50 + 45 * saturating(fee, high_fee)
        rows_vi = "; ".join(f"nhà cung cấp {v} ({status_vi(st)}) thu {fmt_vnd(f)}/học sinh/năm"
                            for v, f, st in zip(vendors, fees, r["status"]))
        rows_en = "; ".join(f"vendor {v} ({status_en(st)}) charges {fmt_money(f, 'en')} per student per year"
                            for v, f, st in zip(vendors, fees, r["status"]))
        total_vi = total_en = ""
        students = r["students"][0]
        if students == students and students > 0:
            total = sum(fees) * students
            total_vi = f"; với {int_vi(students)} học sinh, khoảng {fmt_vnd(total)} mỗi năm"
            total_en = f"; with {int_en(students)} students, about {fmt_money(total, 'en')} a year"
        sev_vi = f" (≥ {fmt_vnd(high_fee)}: mức cao)" if severity == "high" else ""
        sev_en = f" (≥ {fmt_money(high_fee, 'en')}: high)" if severity == "high" else ""
        yield Hit(
            subject_id=deployment_subject(school, service, year), severity=severity, score=score,
            detail_vi=(f"Trường {school}, {service_vi(service)}, năm học {year}: {rows_vi} "
                       f"(phí phụ huynh > ngưỡng 0 đ){sev_vi}{total_vi}."),
            detail_en=(f"School {school}, {service_en(service)}, school year {year}: {rows_en} "
                       f"(parent fee > threshold 0 VND){sev_en}{total_en}."),
            evidence=[deployment_ref(school, year, service, v) for v in vendors],
            province_code=r["province_code"][0], school_year=year,
            parties={"vendor": list(vendors), "school": [school]})

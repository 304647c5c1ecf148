"""PRC-NOTENDER — a contract with no tender above the invoice-only threshold
(docs/flags/PRC-NOTENDER.md)."""
from __future__ import annotations

from ..context import school_years_of
from ..registry import Hit, flag
from ._common import ref
from ._procurement_rules import ratio_vi, rise_score, vnd_en, vnd_vi


@flag("PRC-NOTENDER", subject_type="contract",
      title_vi="Hợp đồng không qua lựa chọn nhà thầu",
      title_en="Contract without a tender",
      legal_basis="Law on Bidding Art 23.4",
      needs=("contracts",))
def compute(ctx, cfg):
    min_value = cfg["min_value"]
    c = ctx["contracts"]
    c = c[c["tender_id"].isna() & (c["value_vnd"] >= min_value)].copy()
    if c.empty:
        return
    # The direct-award limit (purchase-estimate column: no tender, so no investment project)
    # in force on the signing day, for severity only.
    c["limit"] = ctx.settings.limits_on(c["signed_on"])
    # The schools of its lines; its province: the buyer's, else the one province of its schools.
    lines = ctx["contract_lines"]
    lines = lines.loc[lines["contract_id"].isin(c["contract_id"]) & lines["school_id"].notna(),
                      ["contract_id", "school_id"]].drop_duplicates().sort_values(["contract_id", "school_id"])
    schools: dict[str, list[str]] = {}
    for cid, sid in zip(lines["contract_id"].tolist(), lines["school_id"].tolist()):
        schools.setdefault(cid, []).append(sid)
    lines["province"] = lines["school_id"].map(ctx.school_province)
    lp = lines.dropna(subset=["province"]).groupby("contract_id")["province"].agg(["nunique", "first"])
    one = lp.loc[lp["nunique"] == 1, "first"]
    buyer = c["procuring_entity_id"].map(ctx.authority_province)
    c["province"] = buyer.where(buyer.notna(), c["contract_id"].map(one))
    c["signed_vi"] = ("ký ngày " + c["signed_on"].dt.strftime("%d/%m/%Y")).fillna("không ghi ngày ký")
    c["signed_en"] = ("signed " + c["signed_on"].dt.strftime("%Y-%m-%d")).fillna("no signing date")
    c["year"] = school_years_of(c["signed_on"])
    min_vi, min_en = vnd_vi(min_value), vnd_en(min_value)
    for row in c.itertuples(index=False):
        has_limit = row.limit == row.limit and row.limit > 0
        if has_limit and row.value_vnd > row.limit:
            severity, score = "high", rise_score(row.value_vnd / row.limit - 1, 70, 25)
            lim_vi = (f"; vượt cả hạn mức chỉ định thầu {vnd_vi(row.limit)} áp dụng ngày ký "
                      f"({ratio_vi(row.value_vnd / row.limit)} lần)")
            lim_en = (f"; it also exceeds the direct-award limit {vnd_en(row.limit)} in force on "
                      f"the signing day ({row.value_vnd / row.limit:.2f}×)")
        else:
            severity, score = "medium", rise_score(row.value_vnd / min_value - 1, 40, 20)
            lim_vi = lim_en = ""
        buyer_id = row.procuring_entity_id if isinstance(row.procuring_entity_id, str) else None
        buyer_vi = f"bên mua {buyer_id}" if buyer_id else "không ghi bên mua"
        buyer_en = f"buyer {buyer_id}" if buyer_id else "no buyer given"
        yield Hit(
            subject_id=row.contract_id, severity=severity, score=score,
            detail_vi=(f"Hợp đồng {row.contract_id} với nhà thầu {row.vendor_id} ({buyer_vi}, "
                       f"{row.signed_vi}) không gắn với gói thầu nào, giá trị "
                       f"{vnd_vi(row.value_vnd)} ≥ ngưỡng {min_vi}{lim_vi}."),
            detail_en=(f"Contract {row.contract_id} with vendor {row.vendor_id} ({buyer_en}, "
                       f"{row.signed_en}) names no tender and is worth "
                       f"{vnd_en(row.value_vnd)} ≥ the threshold of {min_en}{lim_en}."),
            evidence=[ref("contracts", row.contract_id)],
            province_code=row.province, school_year=row.year,
            parties={"vendor": [row.vendor_id],
                     "procuring_entity": [buyer_id] if buyer_id else [],
                     "school": schools.get(row.contract_id, [])})

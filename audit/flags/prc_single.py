"""PRC-SINGLE — a competitive tender with exactly one valid bid (docs/flags/PRC-SINGLE.md)."""
from __future__ import annotations

from ..context import COMPETITIVE, fmt_vnd
from ..registry import Hit, flag
from ._common import ref


@flag("PRC-SINGLE", subject_type="tender",
      title_vi="Gói thầu cạnh tranh chỉ có một hồ sơ dự thầu hợp lệ",
      title_en="Competitive tender with a single valid bid",
      legal_basis="Cardinal R018; GTI CRI single bidding",
      needs=("tenders", "bids"))
def compute(ctx, cfg):
    t = ctx.tenders
    bids = ctx["bids"]
    n_valid = bids.loc[bids["status"].eq("valid"), "tender_id"].value_counts()
    t = t[t["method"].isin(COMPETITIVE) & t["tender_id"].map(n_valid).eq(1)]
    if t.empty:
        return
    # The bids of those tenders only: every vendor (evidence), the valid one, the other statuses.
    b = bids[bids["tender_id"].isin(t["tender_id"])]
    vendors: dict[str, list[str]] = {}
    valid: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    for tid, v, st in zip(b["tender_id"].tolist(), b["vendor_id"].tolist(), b["status"].tolist()):
        vendors.setdefault(tid, []).append(v)
        if st == "valid":
            valid.setdefault(tid, []).append(v)
        elif isinstance(st, str):
            c = counts.setdefault(tid, {})
            c[st] = c.get(st, 0) + 1
    for row in t.itertuples(index=False):
        vs = valid[row.tender_id]
        others = counts.get(row.tender_id, {})
        other_vi = ", ".join(f"{n} {k}" for k, n in sorted(others.items())) or "không có"
        other_en = ", ".join(f"{n} {k}" for k, n in sorted(others.items())) or "none"
        large = row.value >= 1_000_000_000
        severity = "high" if large and row.method == "open_bidding" else "medium"
        score = 70 if severity == "high" else 50
        if others:
            score += 10
        value_vi = fmt_vnd(row.value) if row.value else "không ghi"
        yield Hit(
            subject_id=row.tender_id, severity=severity, score=score,
            detail_vi=(f"Gói thầu {row.tender_id} ({row.method}, giá gói thầu {value_vi}) chỉ có "
                       f"1 hồ sơ hợp lệ (ngưỡng: đúng 1 hồ sơ hợp lệ); hồ sơ khác: {other_vi}."),
            detail_en=(f"Tender {row.tender_id} ({row.method}, estimated value "
                       f"{fmt_vnd(row.value) if row.value else 'not given'}) had exactly 1 valid bid "
                       f"(rule: exactly 1 valid bid); other bids: {other_en}."),
            evidence=[ref("tenders", row.tender_id)] + [
                ref("bids", row.tender_id, v) for v in vendors[row.tender_id]],
            province_code=row.province_code, school_year=row.school_year,
            parties={"procuring_entity": [row.procuring_entity_id],
                     "vendor": [row.winner] if isinstance(row.winner, str) else vs})

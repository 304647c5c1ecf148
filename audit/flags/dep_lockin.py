"""DEP-LOCKIN — a vendor's live deployments that do not export the Ministry's standard format
(docs/flags/DEP-LOCKIN.md)."""
from __future__ import annotations

from ..registry import Hit, flag
from ._common import int_en, int_vi, least_count
from ._deployment import service_en, status_en, deployment_ref, iter_groups, saturating, service_vi, with_school


@flag("DEP-LOCKIN", subject_type="vendor",
      title_vi="Sản phẩm đang vận hành không xuất dữ liệu theo chuẩn của Bộ (nguy cơ phụ thuộc)",
      title_en="Live product that does not export the Ministry's standard format (lock-in)",
      legal_basis="Khả năng liên thông, chi phí chuyển đổi nhà cung cấp (định dạng trao đổi dữ liệu "
                  "của Bộ GD&ĐT) / interoperability, switching cost",
      needs=("deployments",))
def compute(ctx, cfg):
    d = ctx["deployments"]
    d = d[d["status"].eq("live") & d["exports_standard_format"].eq(False).fillna(False)]
    if d.empty:
        return
    d = with_school(ctx, d)
    medium, high = least_count(cfg["medium_schools"]), least_count(cfg["high_schools"])
    scale = float(cfg["score_scale_schools"])
    vnames = dict(zip(ctx["vendors"]["vendor_id"], ctx["vendors"]["name"]))
    cols = ["school_id", "school_year", "province_code"]
    for (vendor, service), r in iter_groups(d, ["vendor_id", "service"], cols,
                                            order=["school_id", "school_year"]):
        schools = sorted(set(r["school_id"]))
        n = len(schools)
        severity = "high" if n >= high else "medium" if n >= medium else "low"
        score = 25 + 70 * saturating(n, scale)
        years = sorted(set(r["school_year"]))
        provinces = sorted({p for p in r["province_code"] if isinstance(p, str)})
        span_vi = f"năm học {', '.join(years)}"
        span_en = f"school year{'s' if len(years) > 1 else ''} {', '.join(years)}"
        sev_vi = (f"≥ {high} trường: mức cao" if severity == "high" else
                  f"≥ {medium} trường: mức trung bình" if severity == "medium" else
                  f"< {medium} trường: mức thấp")
        sev_en = (f"≥ {high} schools: high" if severity == "high" else
                  f"≥ {medium} schools: medium" if severity == "medium" else
                  f"< {medium} schools: low")
        who = f"{vendor} {vnames.get(vendor) or ''}".strip()
        yield Hit(
            subject_id=f"{vendor}+{service}", severity=severity, score=score,
            detail_vi=(f"Nhà cung cấp {who}: {service_vi(service)} đang vận hành (live) tại {int_vi(n)} "
                       f"trường ({span_vi}; {len(provinces)} tỉnh/thành) mà không xuất được dữ liệu "
                       f"theo định dạng chuẩn của Bộ (exports_standard_format = sai; ô trống không "
                       f"tính); {sev_vi}."),
            detail_en=(f"Vendor {who}: {service_en(service)} is live at {int_en(n)} school(s) ({span_en}; "
                       f"{len(provinces)} province(s)) without exporting the Ministry's standard "
                       f"format (exports_standard_format = false; empty is not counted); {sev_en}."),
            evidence=[deployment_ref(sc, y, service, vendor)
                      for sc, y in zip(r["school_id"], r["school_year"])],
            province_code=provinces[0] if len(provinces) == 1 else None,
            school_year=years[0] if len(years) == 1 else None,
            parties={"vendor": [vendor], "school": schools})

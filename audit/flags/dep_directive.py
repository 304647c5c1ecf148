"""DEP-DIRECTIVE — a directive with a sentence that directs the use of a named vendor or product
(docs/flags/DEP-DIRECTIVE.md)."""
from __future__ import annotations

from ..context import school_year_of
from ..registry import Hit, flag
from ._common import SEVERITY_BASE, ref
from ._deployment import analyse_directives

# Severity by the issuer's reach (its jurisdiction, flags.md "Jurisdiction").
KIND_SEVERITY = {"ministry": "high", "province_department": "high",
                 "district_committee": "medium", "district_office": "medium",
                 "commune_committee": "medium", "school": "low", "other": "low"}
KIND_VI = {"ministry": "cấp Bộ", "province_department": "cấp Sở", "district_committee": "UBND cấp huyện",
           "district_office": "Phòng GD&ĐT cấp huyện", "commune_committee": "UBND cấp xã",
           "school": "cấp trường", "other": "cơ quan khác"}
MAX_QUOTES = 3


def _quote(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@flag("DEP-DIRECTIVE", subject_type="directive",
      title_vi="Văn bản chỉ đạo nêu tên nhà cung cấp hoặc sản phẩm cụ thể",
      title_en="Directive that directs the use of a named vendor or product",
      legal_basis="Chỉ đạo của Bộ GD&ĐT: không vì lợi ích nhóm; Luật Cạnh tranh 23/2018 / "
                  "the Ministry's directive: no group interests; Competition Law 23/2018",
      needs=("directives", "vendors"))
def compute(ctx, cfg):
    found = analyse_directives(ctx)
    if not found:
        return
    auth = ctx["authorities"].set_index("authority_id")
    vnames = dict(zip(ctx["vendors"]["vendor_id"], ctx["vendors"]["name"]))
    for did in sorted(found):
        a = found[did]
        kind = auth["kind"].get(a.issuer_id) if a.issuer_id in auth.index else None
        issuer_name = auth["name"].get(a.issuer_id, a.issuer_id) if a.issuer_id in auth.index else a.issuer_id
        pc = auth["province_code"].get(a.issuer_id) if a.issuer_id in auth.index else None
        severity = KIND_SEVERITY.get(kind, "low")
        vendors = sorted(set().union(*(dg.vendors for dg in a.directing)))
        n = len(a.directing)
        score = SEVERITY_BASE[severity] + min(20.0, 5.0 * (n - 1) + 5.0 * (len(vendors) - 1))
        quotes_vi, quotes_en = [], []
        for dg in a.directing[:MAX_QUOTES]:
            named = ", ".join(f"«{p}»" for p in dg.phrases)
            quotes_vi.append(f"«{_quote(dg.sentence.text)}» (nêu tên {named}; cụm từ chỉ đạo "
                             f"«{dg.instruction}»)")
            quotes_en.append(f"“{_quote(dg.sentence.text)}” (names {named}; instruction phrase "
                             f"“{dg.instruction}”)")
        more_vi = f" và {n - MAX_QUOTES} câu khác" if n > MAX_QUOTES else ""
        more_en = f" and {n - MAX_QUOTES} more" if n > MAX_QUOTES else ""
        vlist = "; ".join(f"{v} {vnames.get(v, '')}".strip() for v in vendors)
        day = a.issued_on.isoformat() if a.issued_on else "?"
        yield Hit(
            subject_id=did, severity=severity, score=score,
            detail_vi=(f"Văn bản {did} của {issuer_name} ({KIND_VI.get(kind, kind)}, ngày {day}) có "
                       f"{n} câu chỉ đạo nêu tên nhà cung cấp hoặc sản phẩm (quy tắc: câu nêu tên + "
                       f"có cụm từ chỉ đạo + không có cụm từ phủ định; ngưỡng ≥ 1 câu): "
                       f"{'; '.join(quotes_vi)}{more_vi}. Nhà cung cấp được nêu: {vlist}."),
            detail_en=(f"Directive {did} of {issuer_name} ({kind}, issued {day}) has {n} "
                       f"sentence(s) directing the use of a named vendor or product (rule: names a "
                       f"vendor + an instruction phrase + no negation phrase; threshold ≥ 1 "
                       f"sentence): {'; '.join(quotes_en)}{more_en}. Vendors named: {vlist}."),
            evidence=[ref("directives", did), ref("authorities", a.issuer_id)]
                     + [ref("vendors", v) for v in vendors],
            province_code=pc if isinstance(pc, str) else None,
            school_year=school_year_of(a.issued_on) if a.issued_on else None,
            parties={"procuring_entity": [a.issuer_id], "vendor": vendors})

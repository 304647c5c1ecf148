"""GOV-AUTHORITY — a tender's contract buys for a school outside the procuring entity's
jurisdiction (docs/flags/GOV-AUTHORITY.md)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from ._common import ref

KIND_VI = {
    "ministry": "Bộ", "province_department": "Sở GD&ĐT", "district_committee": "UBND cấp huyện",
    "district_office": "Phòng GD&ĐT", "commune_committee": "UBND cấp xã", "school": "trường",
}


def line_numbers(lines: pd.DataFrame) -> pd.Series:
    """A line's ``line_no``, or when empty its position among its contract's rows."""
    if not lines["line_no"].isna().any():
        return lines["line_no"].astype("int64")
    pos = lines.groupby("contract_id", sort=False).cumcount() + 1
    return lines["line_no"].fillna(pos).astype("int64")


def outside_lines(ctx, lines: pd.DataFrame, entity: pd.Series) -> np.ndarray:
    """Per line of ``lines`` (``contract_id``, ``school_id``): is its school outside the
    jurisdiction of its contract's procuring entity (``entity``: contract_id → authority_id,
    unique contract ids)?  False where it cannot be said (no school; an unknown contract,
    entity or school; an entity without jurisdiction).

    Whether a line is inside depends only on its pair (entity, school): each distinct pair — a
    few thousand next to the 1.7 million lines — is tested once (:meth:`Context.in_jurisdiction`),
    the pairs being found on integer codes (each id column factorised once)."""
    entity_code, entities = pd.factorize(entity.to_numpy(dtype=object))
    at = entity.index.get_indexer(lines["contract_id"])              # -1: unknown contract
    line_entity = np.full(len(lines), -1)                            # -1: unknown entity
    line_entity[at >= 0] = entity_code[at[at >= 0]]
    line_school, schools = pd.factorize(lines["school_id"])          # -1: no school
    width = len(schools) + 1
    pair, pairs = pd.factorize((line_entity + 1) * width + (line_school + 1))
    pair_entity, pair_school = pairs // width - 1, pairs % width - 1
    known = (pair_entity >= 0) & (pair_school >= 0)
    inside = ctx.in_jurisdiction(pd.Series(entities.take(pair_entity[known])),
                                 pd.Series(schools.take(pair_school[known])))
    outside = np.zeros(len(pairs), dtype=bool)
    outside[known] = inside.eq(False).fillna(False).to_numpy(dtype=bool)
    return outside[pair]


def score_of(n_schools: int, other_province: bool) -> tuple[str, float]:
    """High (base 75) when a school lies in another province than the procuring entity's, medium
    (base 55) otherwise; +2 per further school outside the jurisdiction, up to +20."""
    base = 75 if other_province else 55
    return ("high" if other_province else "medium"), base + min(20, 2 * (n_schools - 1))


@flag("GOV-AUTHORITY", subject_type="tender",
      title_vi="Mua sắm cho trường ngoài thẩm quyền của bên mời thầu",
      title_en="Purchase for a school outside the procuring entity's jurisdiction",
      legal_basis="đúng thẩm quyền",
      needs=("tenders", "contracts", "contract_lines", "authorities", "schools"))
def compute(ctx, cfg):
    cl = ctx["contract_lines"]
    c = ctx["contracts"][["contract_id", "tender_id", "vendor_id"]].dropna(subset=["tender_id"])
    t = ctx.tenders[["tender_id", "procuring_entity_id", "province_code", "school_year"]]
    # Keep only the lines outside the jurisdiction before the merges below (most lines are
    # inside; merging every line takes about a second): each contract names one procuring entity
    # when a contract id and a tender id are never repeated.
    pe = c[["contract_id", "tender_id"]].merge(t[["tender_id", "procuring_entity_id"]],
                                               on="tender_id")
    if pe["contract_id"].is_unique:
        keep = outside_lines(ctx, cl, pe.set_index("contract_id")["procuring_entity_id"])
    else:
        keep = cl["school_id"].notna().to_numpy()
    # The three columns used below only, of the lines kept (filtering every column of the
    # lines costs ~0.3 s).
    lines = pd.DataFrame({"contract_id": cl["contract_id"][keep],
                          "line": line_numbers(cl)[keep], "school_id": cl["school_id"][keep]})
    x = lines.merge(c, on="contract_id").merge(t, on="tender_id")
    if x.empty:
        return
    inside = ctx.in_jurisdiction(x["procuring_entity_id"], x["school_id"])
    x = x[inside.eq(False).fillna(False).to_numpy()]
    if x.empty:
        return
    x = x.assign(line=x["line"].astype("str"))
    scope = ctx.authority_scope.set_index("authority_id")
    s = ctx["schools"].drop_duplicates("school_id").set_index("school_id")
    x = x.assign(school_province=x["school_id"].map(s["province_code"]),
                 school_commune=x["school_id"].map(s["commune_code"]))
    for tid, h in x.sort_values(["tender_id", "contract_id", "line"]).groupby("tender_id", sort=False):
        pe = h["procuring_entity_id"].iloc[0]
        a = scope.loc[pe]
        kind = a["kind"]
        other_prov = bool((h["school_province"] != a["auth_province"]).any()) \
            if isinstance(a["auth_province"], str) else False
        schools = sorted(set(h["school_id"]))
        severity, score = score_of(len(schools), other_prov)
        where_vi = {"province": f"các trường của tỉnh {a['scope_value']}",
                    "commune": f"các trường của xã {a['scope_value']}",
                    "school": f"chỉ trường {a['scope_value']}"}.get(a["scope"], "")
        where_en = {"province": f"the schools of province {a['scope_value']}",
                    "commune": f"the schools of commune {a['scope_value']}",
                    "school": f"school {a['scope_value']} only"}.get(a["scope"], "")
        lines_vi = "; ".join(f"hợp đồng {r.contract_id} dòng {r.line}: trường {r.school_id} "
                             f"(tỉnh {r.school_province}, xã {r.school_commune})"
                             for r in h.itertuples(index=False))
        lines_en = "; ".join(f"contract {r.contract_id} line {r.line}: school {r.school_id} "
                             f"(province {r.school_province}, commune {r.school_commune})"
                             for r in h.itertuples(index=False))
        yield Hit(
            subject_id=tid, severity=severity, score=score,
            detail_vi=(f"Gói thầu {tid} của {pe} ({KIND_VI.get(kind, kind)}, thẩm quyền: "
                       f"{where_vi}): {len(h)} dòng hợp đồng cho {len(schools)} "
                       f"trường ngoài thẩm quyền — {lines_vi}."),
            detail_en=(f"Tender {tid} of {pe} ({kind}, jurisdiction: {where_en}): "
                       f"{len(h)} contract line(s) for {len(schools)} school(s) outside it — "
                       f"{lines_en}."),
            evidence=([ref("tenders", tid), ref("authorities", pe)]
                      + [ref("contracts", ci) for ci in dict.fromkeys(h["contract_id"])]
                      + [ref("contract_lines", ci, ln) for ci, ln in zip(h["contract_id"], h["line"])]
                      + [ref("schools", sc) for sc in schools]),
            province_code=h["province_code"].iloc[0], school_year=h["school_year"].iloc[0],
            parties={"procuring_entity": [pe], "vendor": sorted(set(h["vendor_id"])),
                     "school": schools})

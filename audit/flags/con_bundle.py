"""CON-BUNDLE — a vendor group that runs a school's management software also supplies its
digital signatures far more often than elsewhere in the province: tie-in sales
(docs/flags/CON-BUNDLE.md)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ..registry import Hit, flag
from ._common import exact, least_count, ratio_cmp
from ._market import EVIDENCE_PER_GROUP, dep_ref, pct_en, pct_vi, served, single_year

SMS, DS = "school_management_software", "digital_signature"
PY = ["province_code", "school_year"]


def score_of(a: Fraction, b: Fraction) -> tuple[str, float]:
    """40 + 60 × (a − b): at least 64 at the defaults' weakest case (a = 80%, b = 40%) and 100
    when every S school and no other school takes the group's signatures; high when
    a − b ≥ 80 points, medium below."""
    gap = a - b
    return ("high" if gap >= Fraction(4, 5) else "medium"), 40 + 60 * float(gap)


def _counts(keys: np.ndarray, div: int) -> pd.Series:
    """How many of the distinct ``keys`` fall in each ``key // div``."""
    u, n = np.unique(keys // div, return_counts=True)
    return pd.Series(n, index=u)


@flag("CON-BUNDLE", subject_type="province",
      title_vi="Bán kèm: nhóm cung cấp phần mềm quản lý trường học cũng cung cấp chữ ký số cho "
               "chính các trường đó",
      title_en="Tie-in: the group running schools' management software also supplies their "
               "digital signatures",
      legal_basis="tie-in sales",
      needs=("deployments", "schools", "vendors"))
def compute(ctx, cfg):
    d = served(ctx)
    min_s = least_count(cfg["min_sms_schools"])
    min_share, min_ratio = exact(cfg["min_share"]), exact(cfg["min_ratio"])
    if d.empty:
        return
    # Set arithmetic on integer keys: (province-year, group, school) and (province-year, school).
    NS, NG = int(d["s_code"].max()) + 1, int(d["g_code"].max()) + 1
    py, g, s = (d[c].to_numpy() for c in ("py_code", "g_code", "s_code"))
    pyg = py * NG + g
    sms_m, ds_m = d["service"].eq(SMS).to_numpy(), d["service"].eq(DS).to_numpy()
    sms = np.unique(pyg[sms_m] * NS + s[sms_m])          # G's software schools, per (py, G)
    ds = np.unique(pyg[ds_m] * NS + s[ds_m])             # G's signature schools, per (py, G)
    ds_all = np.unique(py[ds_m] * NS + s[ds_m])          # signature schools, per py
    if sms.size == 0:
        return
    S = _counts(sms, NS)
    S = S[S >= min_s]
    if S.empty:
        return
    sms = sms[np.isin(sms // NS, S.index.to_numpy())]
    a_num = _counts(sms[np.isin(sms, ds)], NS)
    sms_py_s = (sms // NS // NG) * NS + sms % NS          # (py, school) of each S school
    s_sig = _counts(sms[np.isin(sms_py_s, ds_all)], NS)
    g_ds = _counts(ds, NS)
    ds_n = _counts(ds_all, NS)
    t = pd.DataFrame({"s": S})
    t["a_num"] = a_num.reindex(t.index, fill_value=0)
    t["s_sig"] = s_sig.reindex(t.index, fill_value=0)
    t["g_ds"] = g_ds.reindex(t.index, fill_value=0)
    t["ds_n"] = ds_n.reindex(t.index.to_numpy() // NG, fill_value=0).to_numpy()
    t["o_n"] = t["ds_n"] - t["s_sig"]
    t["b_num"] = t["g_ds"] - t["a_num"]
    # a = a_num/s ≥ min_share, and a ≥ min_ratio × b with b = b_num/o_n (0 when O is empty,
    # and then b_num = 0 too):  a_num × o_n ≥ min_ratio × b_num × s, in whole numbers.
    t = t[ratio_cmp(t["a_num"], t["s"], min_share, ">=").to_numpy()
          & ratio_cmp(t["a_num"] * t["o_n"], t["b_num"] * t["s"], min_ratio, ">=").to_numpy()]
    rows = []
    for key, r in zip(t.index, t.itertuples(index=False)):
        a = Fraction(int(r.a_num), int(r.s))
        b = Fraction(int(r.b_num), int(r.o_n)) if r.o_n > 0 else Fraction(0)
        rows.append((int(key // NG), int(key % NG), int(r.s), int(r.a_num), int(r.o_n),
                     int(r.b_num), a, b))
    if not rows:
        return
    hit = pd.DataFrame(rows, columns=["py_code", "g_code", "s", "a_num", "o_n", "b_num", "a", "b"])
    names = d.drop_duplicates(["py_code"])[["py_code", "province_code", "school_year"]]
    groups = d.drop_duplicates(["g_code"])[["g_code", "group"]]
    hit = hit.merge(names, on="py_code").merge(groups, on="g_code")
    # Evidence: the group's management-software and signature deployments in S, per year.
    ev_rows = d[(sms_m | ds_m) & np.isin(pyg, (hit["py_code"] * NG + hit["g_code"]).to_numpy())]
    in_s = np.isin(ev_rows["py_code"].to_numpy() * NG * NS + ev_rows["g_code"].to_numpy() * NS
                   + ev_rows["s_code"].to_numpy(), sms)
    ev_rows = ev_rows[in_s].groupby(["py_code", "g_code", "service"], sort=False).head(EVIDENCE_PER_GROUP)
    ev: dict[tuple, list[str]] = {}
    for pc, y, grp, sid, sv, v in zip(ev_rows["province_code"], ev_rows["school_year"],
                                      ev_rows["group"], ev_rows["school_id"], ev_rows["service"],
                                      ev_rows["vendor_id"]):
        ev.setdefault((pc, grp), []).append(dep_ref(sid, y, sv, v))
    for (pc, grp), h in hit.sort_values(["province_code", "group", "school_year"]).groupby(
            ["province_code", "group"], sort=False):
        best = max(h.itertuples(index=False), key=lambda r: (r.a - r.b, r.school_year))
        severity, score = score_of(best.a, best.b)
        years_vi = "; ".join(
            f"năm học {r.school_year}: |S| = {r.s} trường dùng phần mềm quản lý của nhóm, "
            f"a = {r.a_num}/{r.s} = {pct_vi(r.a)} trong số đó dùng chữ ký số của nhóm; "
            f"b = {r.b_num}/{r.o_n} = {pct_vi(r.b)} ở {r.o_n} trường khác có chữ ký số"
            if r.o_n else
            f"năm học {r.school_year}: |S| = {r.s} trường dùng phần mềm quản lý của nhóm, "
            f"a = {r.a_num}/{r.s} = {pct_vi(r.a)}; không có trường khác có chữ ký số (b = 0)"
            for r in h.itertuples(index=False))
        years_en = "; ".join(
            f"{r.school_year}: |S| = {r.s} schools use the group's management software, "
            f"a = {r.a_num}/{r.s} = {pct_en(r.a)} of them use its digital signatures; "
            f"b = {r.b_num}/{r.o_n} = {pct_en(r.b)} of the {r.o_n} other schools with signatures"
            if r.o_n else
            f"{r.school_year}: |S| = {r.s} schools use the group's management software, "
            f"a = {r.a_num}/{r.s} = {pct_en(r.a)}; no other school has digital signatures (b = 0)"
            for r in h.itertuples(index=False))
        ratio = f"{float(min_ratio):g}"
        yield Hit(
            subject_id=f"{pc}+{grp}", severity=severity, score=score,
            detail_vi=(f"Nhóm {grp} tại tỉnh {pc} — {years_vi}. Điều kiện: |S| ≥ {min_s}, "
                       f"a ≥ {pct_vi(float(min_share))} và a ≥ {ratio.replace('.', ',')} × b."),
            detail_en=(f"Group {grp} in province {pc} — {years_en}. Rule: |S| ≥ {min_s}, "
                       f"a ≥ {pct_en(float(min_share))} and a ≥ {ratio} × b."),
            evidence=ev.get((pc, grp), []), province_code=pc,
            school_year=single_year(h["school_year"]),
            parties={"vendor_group": [grp]})

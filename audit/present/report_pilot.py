"""The pilot evaluation (``notebooks/reports/pilot_evaluation.ipynb``): what the Ministry asked the
provinces to evaluate (Kế hoạch 213/KH-BGDĐT).

- **Coverage**: schools in the pilot (``schools.in_pilot``), records issued and signed
  (``deployments.records_total`` / ``records_signed``).
- **Costs**: the pilot schools' ``pilot``/``live`` deployments of the pilot year, by service and
  vendor, to the budget (``budget_cost_vnd``) and to families (``parent_fee_vnd``), per school
  served and per student of the schools served.
- **Projection**: the yearly cost of running Học bạ số everywhere = the pilot's cost per student
  (all costs of the pilot schools ÷ their students, a ratio of sums) × each province's students
  in the store.  The 95% interval is a percentile bootstrap over pilot schools (resampled with
  replacement, fixed seed, so a report is reproducible).

The pilot year is ``school_year`` when given, else the latest year in which pilot schools have
costs.  :func:`pilot_costs` and :func:`projection` are pure functions of the frames.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from procurement.geo import province_name, provinces

from ..context import ACTIVE
from . import report as R
from .report_data import families_per_year, load_report_input
from .report_inspection import InspectionReport

BOOTSTRAP = 1000
SEED = 20250701


def pilot_year(schools: pd.DataFrame, deployments: pd.DataFrame, school_year: str | None) -> str | None:
    if school_year:
        return school_year
    pilot = set(schools.loc[schools["in_pilot"].fillna(False), "school_id"])
    d = deployments[deployments["school_id"].isin(pilot) & deployments["status"].isin(ACTIVE)]
    cost = d["budget_cost_vnd"].fillna(0) + d["parent_fee_vnd"].fillna(0)
    years = d.loc[cost > 0, "school_year"].dropna()
    if years.empty:
        years = d["school_year"].dropna()
    return max(years) if len(years) else None


def pilot_costs(schools: pd.DataFrame, deployments: pd.DataFrame, year: str | None) -> pd.DataFrame:
    """One row per active deployment of a pilot school in ``year``: school, students, service,
    vendor, budget, families, cost (budget + families).

    ``families`` is what the school's families pay in the year
    (:func:`report_data.families_per_year`: the fee per student × the students)."""
    pilot = schools[schools["in_pilot"].fillna(False)]
    d = deployments[deployments["school_id"].isin(set(pilot["school_id"])) & deployments["status"].isin(ACTIVE)]
    if year:
        d = d[d["school_year"] == year]
    d = d.assign(budget=d["budget_cost_vnd"].fillna(0), families=families_per_year(d, pilot))
    d = d.assign(cost=d["budget"] + d["families"],
                 students=d["school_id"].map(dict(zip(pilot["school_id"], pilot["students"]))),
                 province_code=d["school_id"].map(dict(zip(pilot["school_id"], pilot["province_code"]))))
    return d[["school_id", "province_code", "students", "service", "vendor_id", "budget", "families", "cost"]]


def by_service_vendor(costs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Totals, per school served and per student of the schools served, for each group of ``keys``."""
    if costs.empty:
        return pd.DataFrame(columns=keys + ["schools", "students", "budget", "families", "cost",
                                            "per_school", "per_student"])
    g = costs.groupby(keys)
    out = g.agg(schools=("school_id", "nunique"), budget=("budget", "sum"), families=("families", "sum"),
                cost=("cost", "sum")).reset_index()
    # min_count: a group whose schools' students are all unknown has unknown students, not 0
    served = costs.drop_duplicates(keys + ["school_id"]).groupby(keys)["students"].sum(
        min_count=1).rename("students")
    out = out.merge(served.reset_index(), on=keys)
    out["per_school"] = out["cost"] / out["schools"]
    out["per_student"] = out["cost"] / out["students"].where(out["students"] > 0)
    return out.sort_values("cost", ascending=False)


@dataclass
class Projection:
    year: str | None
    rate: float                   # cost per student per year, đồng
    rate_low: float
    rate_high: float
    pilot_schools: int
    by_province: pd.DataFrame     # province_code, students, projected, low, high
    total: float
    total_low: float
    total_high: float


def projection(costs: pd.DataFrame, pilot_schools: pd.DataFrame, all_schools: pd.DataFrame,
               year: str | None, n_boot: int = BOOTSTRAP, seed: int = SEED) -> Projection | None:
    """The pilot's cost per student × each province's students, with a bootstrap interval.

    The rate is a ratio of sums over the pilot schools (every pilot school counts in the
    denominator, served or not by a given service); the bootstrap resamples pilot schools."""
    ps = pilot_schools[pilot_schools["students"].fillna(0) > 0]
    if ps.empty or costs.empty:
        return None
    per_school = costs.groupby("school_id")["cost"].sum()
    cost = ps["school_id"].map(per_school).fillna(0).to_numpy(dtype=float)
    students = ps["students"].to_numpy(dtype=float)
    rate = cost.sum() / students.sum()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(ps), size=(n_boot, len(ps)))
    rates = cost[idx].sum(axis=1) / students[idx].sum(axis=1)
    lo, hi = np.percentile(rates, [2.5, 97.5])
    st = all_schools.groupby("province_code")["students"].sum()
    st = st[st > 0]
    by = pd.DataFrame({"province_code": st.index, "students": st.to_numpy(dtype=float)})
    by["projected"] = by["students"] * rate
    by["low"] = by["students"] * lo
    by["high"] = by["students"] * hi
    by = by.sort_values("projected", ascending=False).reset_index(drop=True)
    n = by["students"].sum()
    return Projection(year, float(rate), float(lo), float(hi), len(ps), by, float(n * rate), float(n * lo),
                      float(n * hi))


class PilotReport(InspectionReport):
    """The pilot evaluation of one province (or the nation)."""

    SECTIONS = ("coverage_section", "milestones", "costs", "projection", "method")

    @classmethod
    def load(cls, db_url: str = "", *, province: str = "", school_year: str = "", lang: str = "vi",
             privacy: str = "public", settings: str = "", run_id: str = "") -> "PilotReport":
        return cls(load_report_input(db_url, province=province or None, school_year=school_year or None,
                                     lang=lang, privacy=privacy, settings=settings or None,
                                     run_id=run_id or None, with_findings=False))

    def header(self, title_key: str = "pilot_title") -> R.Block:
        return R.join(super().header(title_key), R.para(self.L("pilot_intro")), label="header")

    @property
    def year(self) -> str | None:
        return pilot_year(self.schools, self.d.frames.deployments[
            self.d.frames.deployments["school_id"].isin(set(self.schools["school_id"]))], self.d.school_year)

    @property
    def costs_frame(self) -> pd.DataFrame:
        return pilot_costs(self.schools, self.d.frames.deployments, self.year)

    def coverage_section(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_coverage"), "coverage")]
        s = self.schools
        d = self.d.frames.deployments
        d = d[d["school_id"].isin(set(s["school_id"])) & d["status"].isin(ACTIVE)]
        year = self.year
        if year:
            d = d[d["school_year"] == year]
        prov = dict(zip(s["school_id"], s["province_code"]))
        rec = d.assign(province_code=d["school_id"].map(prov)).groupby("province_code")[
            ["records_total", "records_signed"]].sum()
        rows = []
        for pc, g in s.groupby("province_code"):
            pilot = int(g["in_pilot"].fillna(False).sum())
            issued = float(rec["records_total"].get(pc, 0) or 0)
            signed = float(rec["records_signed"].get(pc, 0) or 0)
            rows.append({"province": province_name(pc), "schools": len(g), "pilot": pilot,
                         "share": pilot / len(g) if len(g) else None, "issued": issued, "signed": signed,
                         "signed_pct": signed / issued if issued else None})
        pilot_total = int(s["in_pilot"].fillna(False).sum())
        issued = float(d["records_total"].sum())
        signed = float(d["records_signed"].sum())
        parts.append(R.figures([(L("n_schools"), self._fmt_int(len(s))), (L("pilot_schools"), self._fmt_int(pilot_total)),
                                (L("pilot_share"), self._pct(pilot_total / len(s)) if len(s) else "—"),
                                (L("records_total"), self._fmt_int(issued)), (L("records_signed"), self._fmt_int(signed)),
                                (L("signed_pct"), self._pct(signed / issued) if issued else "—"),
                                (L("school_year"), year or "—")]))
        parts.append(R.table(rows, [("province", L("province")), ("schools", L("n_schools"), self._fmt_int, "num"),
                                    ("pilot", L("pilot_schools"), self._fmt_int, "num"),
                                    ("share", L("pilot_share"), self._pct, "num"),
                                    ("issued", L("records_total"), self._fmt_int, "num"),
                                    ("signed", L("records_signed"), self._fmt_int, "num"),
                                    ("signed_pct", L("signed_pct"), self._pct, "num")],
                             max_rows=40, more_text=lambda n, t: L("first_n", n=n, total=t)))
        return R.join(*parts, label="coverage")

    def milestones(self) -> R.Block:
        """How the pilot was managed: its milestones, due and done (the inspection report's
        table, without its coverage paragraph, which the coverage section already gives)."""
        return R.join(R.section(self.L("sec_milestones"), "milestones"), *self._milestone_parts(),
                      label="milestones")

    def costs(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_costs"), "costs")]
        c = self.costs_frame
        if c.empty:
            return R.join(*parts, R.para(L("no_pilot")), label="costs")
        money = lambda v: self._fmt_vnd(v)  # noqa: E731
        cols = [("schools", L("schools"), self._fmt_int, "num"), ("students", L("students"), self._fmt_int, "num"),
                ("budget", f'{L("cost_total")} — {L("payer_budget")}', money, "num"),
                ("families", f'{L("cost_total")} — {L("payer_families")}', money, "num"),
                ("per_school", L("per_school"), money, "num"), ("per_student", L("per_student"), money, "num")]
        svc = by_service_vendor(c, ["service"])
        parts.append(R.subheading(L("service")))
        parts.append(R.table(svc, [("service", L("service"), lambda v: L.enum("service", v))] + cols))
        parts.append(R.bar_chart([(L.enum("service", r.service), r.per_student) for r in svc.itertuples()],
                                 title=L("cost_chart"), value_text=money,
                                 axis=L.pick("Chi phí mỗi học sinh mỗi năm (đồng)",
                                             "Cost per student per year (VND)")))
        ven = by_service_vendor(c, ["service", "vendor_id"])
        ven["vendor"] = ven["vendor_id"].map(self.vendor)
        parts.append(R.subheading(L("vendor")))
        parts.append(R.table(ven, [("service", L("service"), lambda v: L.enum("service", v)),
                                   ("vendor", L("vendor"))] + cols,
                             max_rows=60, more_text=lambda n, t: L("first_n", n=n, total=t)))
        return R.join(*parts, label="costs")

    def projection_result(self) -> Projection | None:
        s = self.schools
        all_schools = self._all_schools()
        return projection(self.costs_frame, s[s["in_pilot"].fillna(False)], all_schools, self.year)

    def _all_schools(self) -> pd.DataFrame:
        """Every school of the store (the national student counts), whatever the report's scope."""
        if not self.d.province:
            return self.d.frames.schools
        from .report_data import _select_table
        return _select_table(self.d.engine, "schools")

    def projection(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_projection"), "projection")]
        p = self.projection_result()
        if p is None:
            unknown = not self.costs_frame.empty      # costs, but no pilot school's students
            return R.join(*parts, R.para(L("no_students" if unknown else "no_pilot")),
                          label="projection")
        money = lambda v: R.fmt_vnd_short(v, self.lang)  # noqa: E731
        parts.append(R.para(L("projection_text", year=p.year or "—", n=self._fmt_int(BOOTSTRAP))))
        n_prov = len(p.by_province)
        if n_prov < len(provinces()):
            # The projection covers the provinces whose schools are in the store, not the nation.
            parts.append(R.para(L.pick(
                f"Phạm vi: dự báo chỉ tính cho {n_prov}/{len(provinces())} tỉnh có dữ liệu trường học "
                f"trong kho ({self._fmt_int(p.by_province['students'].sum())} học sinh); các tỉnh "
                f"còn lại chưa được tính, nên tổng dưới đây không phải chi phí toàn quốc.",
                f"Scope: the projection covers only the {n_prov} of {len(provinces())} provinces "
                f"whose schools are in the store ({self._fmt_int(p.by_province['students'].sum())} "
                f"students); the others are not counted, so the total below is not the national "
                f"cost.")))
        parts.append(R.figures([(L("per_student"), self._fmt_vnd(p.rate)),
                                (f'{L("per_student")} — {L("low")}', self._fmt_vnd(p.rate_low)),
                                (f'{L("per_student")} — {L("high")}', self._fmt_vnd(p.rate_high)),
                                (f'{L("projected")} — {L("total")}', money(p.total)),
                                (L("low"), money(p.total_low)), (L("high"), money(p.total_high))]))
        rows = p.by_province.assign(province=p.by_province["province_code"].map(province_name))
        total = pd.DataFrame([{"province": L("total"), "students": p.by_province["students"].sum(),
                               "projected": p.total, "low": p.total_low, "high": p.total_high}])
        parts.append(R.table(pd.concat([rows, total], ignore_index=True),
                             [("province", L("province")), ("students", L("students"), self._fmt_int, "num"),
                              ("projected", L("projected"), self._fmt_vnd, "num"),
                              ("low", L("low"), self._fmt_vnd, "num"), ("high", L("high"), self._fmt_vnd, "num")]))
        parts.append(R.interval_chart([(r.province, r.projected, r.low, r.high) for r in rows.itertuples()],
                                      title=L("projection_chart"), value_text=money,
                                      axis=L.pick("Chi phí dự báo mỗi năm, khoảng tin cậy 95% (đồng)",
                                                  "Projected cost per year, 95% interval (VND)")))
        return R.join(*parts, label="projection")

    def method(self) -> R.Block:
        L = self.L
        text = L.pick(
            "Chi phí của một trường thí điểm là tổng chi từ ngân sách và khoản thu từ phụ huynh (mức thu mỗi "
            "học sinh mỗi năm nhân số học sinh của trường) của các lượt "
            "triển khai đang hoạt động (thí điểm hoặc chính thức) trong năm học. Chi phí mỗi học sinh là tổng "
            "chi phí của mọi trường thí điểm chia cho tổng số học sinh của các trường đó. Khoảng tin cậy: lấy "
            f"mẫu lại có hoàn lại các trường thí điểm {BOOTSTRAP} lần (hạt giống cố định), lấy phân vị 2,5% và "
            "97,5%. Số học sinh từng tỉnh lấy từ bảng trường học trong kho; tỉnh chưa có dữ liệu không được tính.",
            "A pilot school's cost is the budget spending plus the fees charged to families (the fee per "
            "student per year times the school's students) of its active "
            "(pilot or live) deployments in the school year. The cost per student is the cost of every pilot "
            "school divided by their students. Interval: the pilot schools resampled with replacement "
            f"{BOOTSTRAP} times (fixed seed), 2.5th and 97.5th percentiles. Each province's students come "
            "from the store's schools table; a province without data is not counted.")
        return R.join(R.section(L("sec_method"), "method"), R.para(text), label="method")

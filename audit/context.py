"""What every flag receives: the typed frames, the settings, and derived views computed once
(winners, vendor groups, markets, people of vendors, jurisdictions, helpers for dates)."""
from __future__ import annotations

import datetime as dt
from functools import cached_property

import pandas as pd

from .entities import VendorGroups, ancestors, person_keys, vendor_groups
from .frames import Frames
from .settings import Settings

DIRECT_AWARD = ("direct_appointment", "shortened_direct_appointment")
COMPETITIVE = ("open_bidding", "limited_bidding", "competitive_shopping")
ACTIVE = ("pilot", "live")


def school_year_of(day) -> str | None:
    """The school year that contains ``day`` (it starts on 1 August)."""
    if day is None or pd.isna(day):
        return None
    y = day.year if day.month >= 8 else day.year - 1
    return f"{y}-{y + 1}"


def previous_year(school_year: str) -> str:
    a = int(school_year[:4])
    return f"{a - 1}-{a}"


def school_year_end(school_year: str) -> dt.date:
    """A school year ends on 31 May of its second calendar year."""
    return dt.date(int(school_year[5:9]), 5, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N calendar months later, or that month's last day."""
    import calendar
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def to_date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def fmt_vnd(value) -> str:
    """``125.000.000 đ`` (Vietnamese grouping)."""
    return f"{int(value):,}".replace(",", ".") + " đ"


def fmt_pct(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


class Context:
    """The input of every flag (see :mod:`audit.registry`)."""

    def __init__(self, frames: Frames, settings: Settings):
        self.frames = frames
        self.settings = settings

    @property
    def as_of(self) -> dt.date:
        return self.settings.as_of

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]

    # --- tenders -------------------------------------------------------------------------
    @cached_property
    def winners(self) -> pd.Series:
        """tender_id → winner vendor_id: the contract with the smallest contract_id names it."""
        c = self.frames.contracts.dropna(subset=["tender_id"]).sort_values("contract_id")
        first = c.drop_duplicates("tender_id", keep="first")
        return pd.Series(first["vendor_id"].values, index=first["tender_id"].values, name="winner")

    @cached_property
    def tenders(self) -> pd.DataFrame:
        """Tenders with ``winner``, ``province_code`` (of the procuring entity) and
        ``limit`` (the direct-award limit in force, NaN without a published_on)."""
        t = self.frames.tenders.copy()
        t["winner"] = t["tender_id"].map(self.winners)
        t["province_code"] = t["procuring_entity_id"].map(self.authority_province)
        t["direct_award"] = t["method"].isin(DIRECT_AWARD)
        t["ground"] = t["direct_award_ground"].fillna("value_limit")
        t["value"] = t["estimated_value_vnd"].fillna(0)
        inv = t["in_investment_project"].fillna(False)
        t["limit"] = [
            self.settings.limit_in_force(to_date(d), cat, bool(i))
            for d, cat, i in zip(t["published_on_day"], t["category"], inv)]
        t["limit"] = pd.to_numeric(t["limit"], errors="coerce")
        return t

    @cached_property
    def authority_province(self) -> dict[str, str]:
        a = self.frames.authorities
        return dict(zip(a["authority_id"], a["province_code"]))

    # --- vendors and people --------------------------------------------------------------
    @cached_property
    def groups(self) -> VendorGroups:
        return vendor_groups(self.frames.vendors, self.frames.vendor_people)

    @cached_property
    def parent_of(self) -> dict[str, str]:
        v = self.frames.vendors.dropna(subset=["parent_vendor_id"])
        return dict(zip(v["vendor_id"], v["parent_vendor_id"]))

    def vendor_chain(self, vendor_id: str) -> list[str]:
        """The vendor and its declared parents up the chain (COI rules' "people of a vendor")."""
        return ancestors(vendor_id, self.parent_of)

    @cached_property
    def vendor_people_keys(self) -> pd.DataFrame:
        vp = self.frames.vendor_people
        return vp[["vendor_id", "role", "full_name", "since"]].join(person_keys(vp))

    # --- schools and markets -------------------------------------------------------------
    @cached_property
    def school_province(self) -> dict[str, str]:
        s = self.frames.schools
        return dict(zip(s["school_id"], s["province_code"]))

    @cached_property
    def active_deployments(self) -> pd.DataFrame:
        """pilot/live deployments with the school's province and the vendor's group."""
        d = self.frames.deployments
        d = d[d["status"].isin(ACTIVE)].copy()
        d["province_code"] = d["school_id"].map(self.school_province)
        d["group"] = d["vendor_id"].map(self.groups.group)
        return d

    @cached_property
    def market_shares(self) -> pd.DataFrame:
        """One row per (province_code, service, school_year, group): ``schools`` served,
        ``market_schools`` and ``share`` (by schools), plus ``value_vnd`` from contracts."""
        d = self.active_deployments
        keys = ["province_code", "service", "school_year"]
        market = d.groupby(keys)["school_id"].nunique().rename("market_schools")
        served = d.groupby(keys + ["group"])["school_id"].nunique().rename("schools").reset_index()
        served = served.merge(market.reset_index(), on=keys)
        served["share"] = served["schools"] / served["market_schools"]
        return served

    def jurisdiction_schools(self, authority_id: str) -> set[str] | None:
        """The schools an authority has jurisdiction over (None: kind ``other``, none)."""
        a = self.frames.authorities
        row = a[a["authority_id"] == authority_id]
        if row.empty:
            return None
        r = row.iloc[0]
        s = self.frames.schools
        kind = r["kind"]
        if kind == "ministry":
            return set(s["school_id"])
        if kind in ("province_department", "district_committee", "district_office"):
            return set(s.loc[s["province_code"] == r["province_code"], "school_id"])
        if kind == "commune_committee":
            return set(s.loc[s["commune_code"] == r["commune_code"], "school_id"])
        if kind == "school":
            return {r["school_id"]} if isinstance(r["school_id"], str) else set()
        return None

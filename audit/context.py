"""What every flag receives: the typed frames, the settings, and derived views computed once
(winners, vendor groups, markets, people of vendors, jurisdictions, helpers for dates).

Views that several flags share are computed once per run: the public ones are cached
properties of :class:`Context` (``ctx.tenders``, ``ctx.groups`` …); a flag family's own derived
tables go through :meth:`Context.cache`, under a name that starts with the helper module's
(``"bids.winning_bids"``), so that every flag of the family reuses them.
"""
from __future__ import annotations

import calendar
import datetime as dt
from functools import cached_property
from typing import Callable, TypeVar

import numpy as np
import pandas as pd

from .entities import VendorGroups, ancestors, vendor_groups
from .frames import Frames
from .settings import Settings

DIRECT_AWARD = ("direct_appointment", "shortened_direct_appointment")
COMPETITIVE = ("open_bidding", "limited_bidding", "competitive_shopping")
ACTIVE = ("pilot", "live")

#: Authority kinds whose jurisdiction is the schools of their province (flags.md, "Jurisdiction").
PROVINCE_KINDS = ("province_department", "district_committee", "district_office")

T = TypeVar("T")


# --- dates -----------------------------------------------------------------------------------
def school_year_of(day) -> str | None:
    """The school year that contains ``day`` (it starts on 1 August)."""
    if day is None or pd.isna(day):
        return None
    y = day.year if day.month >= 8 else day.year - 1
    return f"{y}-{y + 1}"


def school_years_of(days) -> pd.Series:
    """:func:`school_year_of` of every value of ``days`` (dates, timestamps or ISO texts) at
    once: an object Series of ``YYYY-YYYY`` labels, NaN where the day is missing."""
    s = days if isinstance(days, pd.Series) else pd.Series(days)
    d = pd.to_datetime(s, errors="coerce")
    start = d.dt.year - (d.dt.month < 8)
    labels = {y: f"{int(y)}-{int(y) + 1}" for y in pd.unique(start.dropna())}
    return start.map(labels).astype("object").where(d.notna())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N calendar months later, or that month's last day."""
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def to_date(value) -> dt.date | None:
    """A date, timestamp or datetime as a ``datetime.date`` (None when missing)."""
    if value is None or value is pd.NaT:
        return None
    if not isinstance(value, dt.date) and pd.isna(value):
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
        self._cache: dict[str, object] = {}

    @property
    def as_of(self) -> dt.date:
        return self.settings.as_of

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]

    def cache(self, name: str, fn: Callable[["Context"], T]) -> T:
        """``fn(self)``, computed on the first call with ``name`` and kept for the run.

        The flag helpers share their derived tables this way (a winning bid, the people of a
        vendor, the markets served); ``name`` starts with the helper module's name
        (``"people.chain"``) so that two helpers never take each other's value."""
        try:
            return self._cache[name]  # type: ignore[return-value]
        except KeyError:
            pass
        value = fn(self)
        self._cache[name] = value
        return value

    # --- tenders -------------------------------------------------------------------------
    @cached_property
    def _naming_contracts(self) -> pd.DataFrame:
        """For each tender named by a contract, the contract with the smallest contract_id."""
        c = self.frames.contracts.dropna(subset=["tender_id"]).sort_values("contract_id")
        return c.drop_duplicates("tender_id", keep="first")

    @cached_property
    def winners(self) -> pd.Series:
        """tender_id → winner vendor_id: the contract with the smallest contract_id names it."""
        first = self._naming_contracts
        return pd.Series(first["vendor_id"].values, index=first["tender_id"].values, name="winner")

    @cached_property
    def winner_contracts(self) -> pd.Series:
        """tender_id → the contract_id that names the winner (the smallest naming the tender)."""
        first = self._naming_contracts
        return pd.Series(first["contract_id"].values, index=first["tender_id"].values,
                         name="win_contract")

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
        t["limit"] = self.settings.limits_on(t["published_on_day"], t["category"],
                                             t["in_investment_project"])
        return t

    @cached_property
    def authority_province(self) -> dict[str, str]:
        a = self.frames.authorities
        return dict(zip(a["authority_id"].tolist(), a["province_code"].tolist()))

    # --- vendors and people --------------------------------------------------------------
    @cached_property
    def groups(self) -> VendorGroups:
        return vendor_groups(self.frames.vendors, self.frames.vendor_people)

    @cached_property
    def parent_of(self) -> dict[str, str]:
        v = self.frames.vendors.dropna(subset=["parent_vendor_id"])
        return dict(zip(v["vendor_id"].tolist(), v["parent_vendor_id"].tolist()))

    def vendor_chain(self, vendor_id: str) -> list[str]:
        """The vendor and its declared parents up the chain (COI rules' "people of a vendor")."""
        return ancestors(vendor_id, self.parent_of)

    # --- schools and markets -------------------------------------------------------------
    @cached_property
    def school_province(self) -> dict[str, str]:
        s = self.frames.schools
        return dict(zip(s["school_id"].tolist(), s["province_code"].tolist()))

    @cached_property
    def active_deployments(self) -> pd.DataFrame:
        """pilot/live deployments with the school's province and the vendor's group."""
        d = self.frames.deployments
        d = d[d["status"].isin(ACTIVE)].copy()
        d["province_code"] = d["school_id"].map(self.school_province)
        # A vendor missing from the vendors table is a group of its own (VendorGroups.group).
        group = d["vendor_id"].map(self.groups.group_of)
        d["group"] = group.where(group.notna(), d["vendor_id"])
        return d

    @cached_property
    def market_shares(self) -> pd.DataFrame:
        """One row per (province_code, service, school_year, group) serving the market:
        ``schools`` served, ``market_schools`` and ``share`` (by schools, flags.md "Markets");
        and the share of contract value, which no flag uses: ``value_vnd`` (the group's),
        ``market_value_vnd`` (every group's, those serving no school included) and
        ``value_share`` (NaN when the market has no contract value). See
        :attr:`market_values` for how a contract line is placed in a market."""
        d = self.active_deployments
        keys = ["province_code", "service", "school_year"]
        market = d.groupby(keys)["school_id"].nunique().rename("market_schools")
        served = d.groupby(keys + ["group"])["school_id"].nunique().rename("schools").reset_index()
        served = served.merge(market.reset_index(), on=keys)
        served["share"] = served["schools"] / served["market_schools"]
        v = self.market_values
        if v.empty:
            served["value_vnd"] = 0.0
            served["market_value_vnd"] = 0.0
        else:
            by_group = v.groupby(keys + ["group"])["value_vnd"].sum().reset_index()
            by_market = v.groupby(keys)["value_vnd"].sum().rename("market_value_vnd").reset_index()
            served = served.merge(by_group, on=keys + ["group"], how="left")
            served = served.merge(by_market, on=keys, how="left")
            served[["value_vnd", "market_value_vnd"]] = \
                served[["value_vnd", "market_value_vnd"]].fillna(0.0)
        mv = served["market_value_vnd"]
        served["value_share"] = (served["value_vnd"] / mv).where(mv > 0)
        return served

    @cached_property
    def market_values(self) -> pd.DataFrame:
        """Contract lines placed in markets, for the share of contract value: one row per line
        with a school and a value — ``province_code`` (the school's), ``service`` (the line's),
        ``school_year`` (its contract's tender's, else the one containing ``signed_on``, as
        PRC-UNITPRICE reads it), ``group`` (of the contract's vendor) and ``value_vnd`` =
        ``quantity`` × ``unit_price_vnd``. A line without a school, a quantity, a price or a
        school year is left out."""
        cols = ["province_code", "service", "school_year", "group", "value_vnd"]
        cl = self.frames.contract_lines
        lines = cl.loc[cl["school_id"].notna() & cl["quantity"].notna()
                       & cl["unit_price_vnd"].notna(),
                       ["contract_id", "school_id", "service", "quantity", "unit_price_vnd"]]
        if lines.empty:
            return pd.DataFrame(columns=cols)
        # Per contract first (fewer rows than lines): its school year and its vendor's group.
        c = self.frames.contracts.drop_duplicates("contract_id")
        c = c[c["contract_id"].isin(lines["contract_id"])]
        t = self.frames.tenders.drop_duplicates("tender_id").set_index("tender_id")
        year = c["tender_id"].map(t["school_year"]).astype("object")
        group = c["vendor_id"].map(self.groups.group_of)
        per_contract = pd.DataFrame({
            "contract_id": c["contract_id"].to_numpy(),
            "school_year": year.where(year.notna(), school_years_of(c["signed_on"])).to_numpy(),
            "group": group.where(group.notna(), c["vendor_id"]).to_numpy()})
        out = lines.merge(per_contract, on="contract_id")
        out = pd.DataFrame({"province_code": out["school_id"].map(self.school_province),
                            "service": out["service"], "school_year": out["school_year"],
                            "group": out["group"],
                            "value_vnd": out["quantity"] * out["unit_price_vnd"]})
        return out.dropna()[cols]

    # --- jurisdiction (flags.md, "Jurisdiction") ------------------------------------------
    @cached_property
    def authority_scope(self) -> pd.DataFrame:
        """One row per authority: ``authority_id``, ``kind``, ``auth_province`` and its
        jurisdiction as ``scope`` (``all``; ``province``, ``commune`` or ``school`` with
        ``scope_value``, the code or id) — None when it has none: kind ``other``, or the code
        its kind needs is empty (a commune committee without a commune_code)."""
        a = self.frames.authorities.drop_duplicates("authority_id")
        kind = a["kind"]
        scope = np.full(len(a), None, dtype=object)
        value = np.full(len(a), None, dtype=object)
        scope[kind.eq("ministry").to_numpy(dtype=bool)] = "all"
        for name, kinds, col in (("province", PROVINCE_KINDS, "province_code"),
                                 ("commune", ("commune_committee",), "commune_code"),
                                 ("school", ("school",), "school_id")):
            code = a[col]
            m = kind.isin(kinds).to_numpy(dtype=bool)
            has = code.notna().to_numpy(dtype=bool)
            scope[m & has] = name
            value[m & has] = code.to_numpy(dtype=object)[m & has]
        return pd.DataFrame({"authority_id": a["authority_id"].to_numpy(dtype=object),
                             "kind": kind.to_numpy(dtype=object),
                             "auth_province": a["province_code"].astype("object")
                             .where(a["province_code"].notna(), None).to_numpy(),
                             "scope": scope, "scope_value": value})

    @cached_property
    def jurisdictions(self) -> dict[str, frozenset[str] | None]:
        """authority_id → the school ids of its jurisdiction (None: it has none)."""
        s = self.frames.schools
        every = frozenset(s["school_id"].dropna().tolist())
        sets: dict[str, dict[str, set]] = {"province": {}, "commune": {}}
        for sid, pc, cc in zip(s["school_id"].tolist(), s["province_code"].tolist(),
                               s["commune_code"].tolist()):
            if not isinstance(sid, str):
                continue
            if isinstance(pc, str):
                sets["province"].setdefault(pc, set()).add(sid)
            if isinstance(cc, str):
                sets["commune"].setdefault(cc, set()).add(sid)
        by = {k: {code: frozenset(v) for code, v in d.items()} for k, d in sets.items()}
        out: dict[str, frozenset[str] | None] = {}
        sc = self.authority_scope
        for a, scope, value in zip(sc["authority_id"], sc["scope"], sc["scope_value"]):
            if scope == "all":
                out[a] = every
            elif scope in by:
                out[a] = by[scope].get(value, frozenset())
            elif scope == "school":
                out[a] = frozenset([value])
            else:
                out[a] = None
        return out

    def jurisdiction_schools(self, authority_id: str) -> frozenset[str] | None:
        """The schools an authority has jurisdiction over (None: kind ``other``, a commune
        committee without a commune_code, or an unknown authority)."""
        return self.jurisdictions.get(authority_id)

    def in_jurisdiction(self, authority_ids: pd.Series, school_ids: pd.Series) -> pd.Series:
        """Row by row (the two Series are aligned by position): is the school within the
        authority's jurisdiction?  True, False, or NA when it cannot be said (the authority is
        unknown or has none, the school is not in ``schools``). Indexed as ``authority_ids``."""
        auth = authority_ids.to_numpy(dtype=object)
        school = school_ids.to_numpy(dtype=object)
        # Each distinct (authority, school) pair once — few next to the rows (contract lines).
        a_code = pd.factorize(auth)[0].astype("int64")
        s_code, s_names = pd.factorize(school)
        _, first, pair_code = np.unique((a_code + 1) * (len(s_names) + 1) + (s_code + 1),
                                        return_index=True, return_inverse=True)
        res = self._in_jurisdiction_rows(auth[first], school[first])
        return pd.Series(res.array.take(pair_code), index=authority_ids.index, dtype="boolean")

    def _in_jurisdiction_rows(self, auth: np.ndarray, school: np.ndarray) -> pd.Series:
        """:meth:`in_jurisdiction` of aligned object arrays, row by row (positional index)."""
        sc = self.authority_scope.set_index("authority_id")
        auth = pd.Series(auth, dtype=object)
        school = pd.Series(school, dtype=object)
        scope = auth.map(sc["scope"])
        value = auth.map(sc["scope_value"])
        s = self.frames.schools.drop_duplicates("school_id").set_index("school_id")
        known = school.isin(s.index).to_numpy(dtype=bool)
        out = pd.Series(pd.NA, index=school.index, dtype="boolean")
        out[known & scope.eq("all").to_numpy(dtype=bool)] = True
        for name, where in (("province", school.map(s["province_code"])),
                            ("commune", school.map(s["commune_code"])),
                            ("school", school)):
            m = known & scope.eq(name).to_numpy(dtype=bool)
            if m.any():
                out[m] = where[m].eq(value[m]).fillna(False).to_numpy(dtype=bool)
        return out

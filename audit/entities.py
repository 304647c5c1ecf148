"""Entity resolution shared by every flag: person matching and vendor groups (flags.md,
"Definitions → People" and "Vendor groups"), each link kept with its reason.

Person matching is exact to the catalogue: equal national ids decide; different national ids
separate; otherwise equal birth dates, equal folded names and one equal contact (phone, e-mail
or address, normalised).  A name written without diacritics never equals one written with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from procurement.text import address_key, email_key, fold, phone_key

CONTACTS = ("phone", "email", "address")


def person_keys(df: pd.DataFrame, *, prefix: str = "") -> pd.DataFrame:
    """Matching keys of person records: ``nid``, ``birth``, ``name``, ``phone``, ``email``, ``address``.

    ``df`` has ``full_name``, ``birth_date``, ``national_id`` and whichever contacts it has
    (declared relatives have no e-mail).  The index is kept.
    """
    out = pd.DataFrame(index=df.index)
    nid = df["national_id"] if "national_id" in df else pd.Series(None, index=df.index, dtype="object")
    out["nid"] = nid.map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    birth = df["birth_date"] if "birth_date" in df else pd.Series(pd.NaT, index=df.index)
    out["birth"] = pd.to_datetime(birth, errors="coerce")
    out["name"] = df["full_name"].map(lambda v: fold(v) if isinstance(v, str) else None)
    for col, fn in (("phone", phone_key), ("email", email_key), ("address", address_key)):
        if col in df:
            out[col] = df[col].map(lambda v, fn=fn: (fn(v) or None) if isinstance(v, str) else None)
        else:
            out[col] = None
    if prefix:
        out.columns = [prefix + c for c in out.columns]
    return out


def match_people(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Pairs of records that are the same person.

    ``left`` and ``right`` are :func:`person_keys` frames.  Returns a frame with ``left``,
    ``right`` (the index labels) and ``reason`` (``national_id`` or ``name+birth+<contact>``).
    """
    L = left.reset_index(names="left")
    R = right.reset_index(names="right")
    out = []
    by_id = L.dropna(subset=["nid"]).merge(R.dropna(subset=["nid"]), on="nid", suffixes=("_l", "_r"))
    if not by_id.empty:
        out.append(pd.DataFrame({"left": by_id["left"], "right": by_id["right"],
                                 "reason": "national_id"}))
    cand = L.dropna(subset=["birth", "name"]).merge(
        R.dropna(subset=["birth", "name"]), on=["birth", "name"], suffixes=("_l", "_r"))
    if not cand.empty:
        # Both have national ids that differ: different people.
        differ = cand["nid_l"].notna() & cand["nid_r"].notna() & cand["nid_l"].ne(cand["nid_r"])
        same_id = cand["nid_l"].notna() & cand["nid_r"].notna() & cand["nid_l"].eq(cand["nid_r"])
        cand = cand[~differ & ~same_id]
        reasons = pd.Series("", index=cand.index, dtype="object")
        for c in CONTACTS:
            eq = cand[f"{c}_l"].notna() & cand[f"{c}_r"].notna() & cand[f"{c}_l"].eq(cand[f"{c}_r"])
            reasons = reasons.where(~eq | reasons.ne(""), "name+birth+" + c)
        hit = cand[reasons.ne("")]
        if not hit.empty:
            out.append(pd.DataFrame({"left": hit["left"], "right": hit["right"],
                                     "reason": reasons[hit.index]}))
    if not out:
        return pd.DataFrame(columns=["left", "right", "reason"])
    return pd.concat(out, ignore_index=True).drop_duplicates(["left", "right"])


class _UnionFind:
    def __init__(self, items):
        self.parent = {i: i for i in items}

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Keep the smallest id as root so that a group's name is its smallest vendor_id.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


@dataclass
class Link:
    a: str
    b: str
    kind: str        # parent | phone | email | address | legal_representative | owner
    detail: str = ""


@dataclass
class VendorGroups:
    """Vendor groups with the links that made them."""
    group_of: dict[str, str]                 # vendor_id → group name (smallest vendor_id)
    family_of: dict[str, str]                # vendor_id → declared-parent family name
    links: list[Link] = field(default_factory=list)

    @cached_property
    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for v, g in self.group_of.items():
            out.setdefault(g, []).append(v)
        return {g: sorted(vs) for g, vs in out.items()}

    def group(self, vendor_id: str) -> str:
        return self.group_of.get(vendor_id, vendor_id)

    def links_of(self, group: str) -> list[Link]:
        return [l for l in self.links if self.group_of.get(l.a) == group]


def vendor_groups(vendors: pd.DataFrame, vendor_people: pd.DataFrame) -> VendorGroups:
    """Vendor groups per flags.md: parents, shared vendor contacts, one legal representative of
    both, one owner/shareholder/founding member with ≥ 25 % in both."""
    ids = sorted(vendors["vendor_id"].dropna().unique())
    uf, fam = _UnionFind(ids), _UnionFind(ids)
    links: list[Link] = []
    known = set(ids)
    for v, p in zip(vendors["vendor_id"], vendors["parent_vendor_id"]):
        if isinstance(p, str) and p in known and p != v:
            uf.union(v, p)
            fam.union(v, p)
            links.append(Link(v, p, "parent"))
    for col, fn in (("phone", phone_key), ("email", email_key), ("address", address_key)):
        if col not in vendors:
            continue
        keys = vendors[["vendor_id", col]].dropna()
        keys = keys.assign(k=keys[col].map(fn))
        keys = keys[keys["k"].ne("")]
        for k, grp in keys.groupby("k", sort=True):
            vs = sorted(grp["vendor_id"].unique())
            for other in vs[1:]:
                uf.union(vs[0], other)
                links.append(Link(vs[0], other, col, str(grp[col].iloc[0])))
    if not vendor_people.empty:
        vp = vendor_people[vendor_people["vendor_id"].isin(known)]
        share = vp["share_pct"].fillna(0)
        roles = [("legal_representative", vp["role"].eq("legal_representative")),
                 ("owner", vp["role"].isin(["owner", "shareholder", "founding_member"]) & share.ge(25))]
        for kind, mask in roles:
            sub = vp[mask]
            if len(sub) < 2:
                continue
            keys = person_keys(sub)
            pairs = match_people(keys, keys)
            pairs = pairs[pairs["left"] != pairs["right"]]
            for l, r in zip(pairs["left"], pairs["right"]):
                a, b = sub.at[l, "vendor_id"], sub.at[r, "vendor_id"]
                if a < b:
                    uf.union(a, b)
                    links.append(Link(a, b, kind, str(sub.at[l, "full_name"])))
    group_of = {v: uf.find(v) for v in ids}
    family_of = {v: fam.find(v) for v in ids}
    return VendorGroups(group_of, family_of, links)


def ancestors(vendor_id: str, parent_of: dict[str, str]) -> list[str]:
    """The vendor, its declared parent, that parent's parent … (cycle-safe)."""
    out, seen = [], set()
    v = vendor_id
    while isinstance(v, str) and v not in seen:
        out.append(v)
        seen.add(v)
        v = parent_of.get(v)
    return out

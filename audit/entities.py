"""Entity resolution shared by every flag: person matching and vendor groups (flags.md,
"Definitions → People" and "Vendor groups"), each link kept with its reason (docs/entities.md).

Person matching is exact to the catalogue:

- both records have a national id: the trimmed ids decide, equal = the same person whatever
  the name, different = different people whatever else agrees;
- otherwise the same person when both birth dates are present and equal, the *folded* names
  are equal, and at least one of phone, e-mail and address is non-empty on both sides and equal
  after normalisation.

A name written without diacritics never equals one written with them; NFD, capitals and
old-style tone placement (``Hoà``/``hòa``, ``Thuý``/``thúy``) do not matter.

Speed: matching is two hash joins (national id; birth date + folded name), never a comparison
of every pair, and keys are computed once per distinct text.  At national scale (≈ 60,000
officials, 20,000 relatives, 15,000 vendor people) keys and matches take well under a second.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from procurement.text import email_key, fold, phone_key

CONTACTS = ("phone", "email", "address")
KEY_COLUMNS = ("nid", "birth", "name") + CONTACTS

# Roles of the vendor-group links 3 and 4 (flags.md, "Vendor groups").
LEGAL_REP_ROLES = ("legal_representative",)
OWNER_ROLES = ("owner", "shareholder", "founding_member")

# --- fast folding ------------------------------------------------------------------------------
# procurement.text.fold walks a text character by character (≈ 40 µs for an address).  Folding
# never joins across whitespace (words are runs of letters and digits; case folding and
# NFC/NFD act within a character and its combining marks), so a text folds as its
# space-separated tokens folded one by one; tokens repeat a lot (words of names and addresses)
# and each distinct token is folded once.  tests/test_entities.py checks both agree.
_WS_RUN = re.compile(r"(?: \s|[^\S ])\s*")     # whitespace runs other than one plain space


@lru_cache(maxsize=1 << 18)
def _fold_token(token: str) -> str:
    return fold(token)


def fold_text(value) -> str:
    """:func:`procurement.text.fold` (the catalogue's folding), fast on many texts."""
    if not isinstance(value, str) or not value:
        return ""
    s = _WS_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if not s:
        return ""
    return " ".join(map(_fold_token, s.split(" ")))


def normal_address(value) -> str:
    """Normalised address: `,` `.` `;` `:` made spaces, then folded (``P.`` ≠ ``Phường``)."""
    if not isinstance(value, str) or not value:
        return ""
    return fold_text(value.replace(",", " ").replace(".", " ").replace(";", " ").replace(":", " "))


_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def normal_phone(value) -> str:
    """Normalised phone: digits only; 11 or 12 digits starting with ``84``: ``84`` → ``0``."""
    if not isinstance(value, str):
        return ""
    if not value.isascii():
        return phone_key(value)
    digits = _NOT_ASCII_DIGIT.sub("", value)
    if len(digits) in (11, 12) and digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits


def normal_email(value) -> str:
    """Normalised e-mail: trimmed and case folded."""
    return email_key(value) if isinstance(value, str) else ""


NORMALISE = {"phone": normal_phone, "email": normal_email, "address": normal_address}


def _by_distinct(s: pd.Series, fn) -> pd.Series:
    """``fn`` over each distinct text of ``s`` once; empty values and results become None."""
    cache: dict = {}
    out = []
    for v in s.to_numpy(dtype=object):
        if not isinstance(v, str):
            out.append(None)
            continue
        r = cache.get(v, cache)
        if r is cache:
            r = cache[v] = fn(v) or None
        out.append(r)
    return pd.Series(out, index=s.index, dtype="object")


def normalised(series: pd.Series, kind: str) -> pd.Series:
    """The normalised ``kind`` (``phone``, ``email``, ``address``) of each value (None: empty)."""
    return _by_distinct(series, NORMALISE[kind])


def normalised_where(series: pd.Series, kind: str, mask) -> pd.Series:
    """The normalised ``kind`` of the values where ``mask`` holds, None elsewhere."""
    vals = np.full(len(series), None, dtype=object)
    if mask.any():
        vals[mask] = normalised(series[mask], kind).to_numpy(dtype=object)
    return pd.Series(vals, index=series.index, dtype="object")


def person_keys(df: pd.DataFrame, *, prefix: str = "", contacts: pd.Series | None = None
                ) -> pd.DataFrame:
    """Matching keys of person records: ``nid``, ``birth``, ``name``, ``phone``, ``email``, ``address``.

    ``df`` has ``full_name``, ``birth_date``, ``national_id`` and whichever contacts it has
    (declared relatives have no e-mail).  The index is kept.  An empty value is None (NaT for
    the birth date): it never equals anything.  ``contacts``, a boolean Series on ``df``'s
    index, limits the (costlier) contact keys to those rows; the others get None — only for
    callers that know those rows' contacts cannot matter (see :func:`match_people`: contacts
    are compared only between records with equal birth dates and folded names).
    """
    out = pd.DataFrame(index=df.index)
    if "national_id" in df:
        out["nid"] = _by_distinct(df["national_id"], lambda v: str(v).strip())
    else:
        out["nid"] = pd.Series(None, index=df.index, dtype="object")
    birth = df["birth_date"] if "birth_date" in df else pd.Series(pd.NaT, index=df.index)
    out["birth"] = pd.to_datetime(birth, errors="coerce")
    out["name"] = _by_distinct(df["full_name"], fold_text)
    mask = None if contacts is None else contacts.reindex(df.index).fillna(False).to_numpy(dtype=bool)
    for col in CONTACTS:
        if col not in df:
            out[col] = pd.Series(None, index=df.index, dtype="object")
        elif mask is None:
            out[col] = normalised(df[col], col)
        else:
            out[col] = normalised_where(df[col], col, mask)
    if prefix:
        out.columns = [prefix + c for c in out.columns]
    return out


_EMPTY_MATCH = pd.DataFrame({"left": pd.Series(dtype="object"), "right": pd.Series(dtype="object"),
                             "reason": pd.Series(dtype="object")})


def match_people(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Pairs of records that are the same person.

    ``left`` and ``right`` are :func:`person_keys` frames.  Returns a frame with ``left``,
    ``right`` (the index labels) and ``reason`` (``national_id`` or ``name+birth+<contact>``,
    the first equal contact in the order phone, e-mail, address).  Two hash joins: on the
    national id, and on (birth date, folded name); no pair of records is compared otherwise.
    """
    if left.empty or right.empty:
        return _EMPTY_MATCH.copy()
    L = left.reset_index(names="left")
    R = right.reset_index(names="right")
    out = []
    ln, rn = L[L["nid"].notna()], R[R["nid"].notna()]
    if not ln.empty and not rn.empty:
        by_id = ln[["left", "nid"]].merge(rn[["right", "nid"]], on="nid")
        if not by_id.empty:
            out.append(pd.DataFrame({"left": by_id["left"].values, "right": by_id["right"].values,
                                     "reason": "national_id"}))
    lc = L[L["birth"].notna() & L["name"].notna()]
    rc = R[R["birth"].notna() & R["name"].notna()]
    if not lc.empty and not rc.empty:
        cand = lc.merge(rc, on=["birth", "name"], suffixes=("_l", "_r"))
        # Both national ids present: they alone decide (equal ones are matched above).
        cand = cand[cand["nid_l"].isna() | cand["nid_r"].isna()]
        if not cand.empty:
            reasons = pd.Series(None, index=cand.index, dtype="object")
            for c in CONTACTS:
                a, b = cand[f"{c}_l"], cand[f"{c}_r"]
                eq = a.notna() & b.notna() & a.eq(b)
                reasons = reasons.where(reasons.notna() | ~eq, "name+birth+" + c)
            hit = cand[reasons.notna()]
            if not hit.empty:
                out.append(pd.DataFrame({"left": hit["left"].values, "right": hit["right"].values,
                                         "reason": reasons[hit.index].values}))
    if not out:
        return _EMPTY_MATCH.copy()
    return pd.concat(out, ignore_index=True).drop_duplicates(["left", "right"], ignore_index=True)


class _UnionFind:
    """Disjoint sets; the smallest member is each set's root (a group is named by it)."""
    def __init__(self, items=()):
        self.parent = {i: i for i in items}

    def find(self, x):
        root = self.parent.setdefault(x, x)
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

    @cached_property
    def _links_by_group(self) -> dict[str, list[Link]]:
        out: dict[str, list[Link]] = {}
        for l in self.links:
            out.setdefault(self.group_of.get(l.a, l.a), []).append(l)
        return out

    def group(self, vendor_id: str) -> str:
        return self.group_of.get(vendor_id, vendor_id)

    def family(self, vendor_id: str) -> str:
        return self.family_of.get(vendor_id, vendor_id)

    def links_of(self, group: str) -> list[Link]:
        return list(self._links_by_group.get(group, []))


def shared_people(vendor_people: pd.DataFrame) -> pd.DataFrame:
    """Pairs of vendors with one person in common among ``vendor_people`` rows: ``a`` < ``b``
    (vendor ids), ``left``/``right`` (the row labels on ``a``'s and ``b``'s side) and
    ``reason``.  Every matching pair of rows is listed (a vendor pair may appear several times)."""
    cols = ["a", "b", "left", "right", "reason"]
    if len(vendor_people) < 2:
        return pd.DataFrame(columns=cols)
    keys = person_keys(vendor_people)
    pairs = match_people(keys, keys)
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    vid = vendor_people["vendor_id"]
    out = pd.DataFrame({"a": vid.loc[pairs["left"]].values, "b": vid.loc[pairs["right"]].values,
                        "left": pairs["left"].values, "right": pairs["right"].values,
                        "reason": pairs["reason"].values})
    return out[out["a"] < out["b"]].reset_index(drop=True)[cols]


def _shared_person_pairs(vp: pd.DataFrame) -> pd.DataFrame:
    """One row per vendor pair of :func:`shared_people`, with the person's name on ``a``."""
    sp = shared_people(vp)
    if sp.empty:
        return pd.DataFrame(columns=["a", "b", "name", "reason"])
    sp = sp.assign(name=vp["full_name"].loc[sp["left"]].values)
    return sp.sort_values(["a", "b", "name"]).drop_duplicates(["a", "b"], ignore_index=True)[
        ["a", "b", "name", "reason"]]


def vendor_groups(vendors: pd.DataFrame, vendor_people: pd.DataFrame) -> VendorGroups:
    """Vendor groups per flags.md: chains of (1) declared parents, (2) the same normalised phone,
    e-mail or address on the two vendor rows, (3) one person who is legal representative of
    both, (4) one person who is owner, shareholder or founding member with ``share_pct`` ≥ 25 in
    both (empty = 0).  Nothing else links; dates and status are ignored."""
    ids = sorted(vendors["vendor_id"].dropna().unique())
    uf, fam = _UnionFind(ids), _UnionFind(ids)
    links: list[Link] = []
    known = set(ids)
    if "parent_vendor_id" in vendors:
        for v, p in zip(vendors["vendor_id"], vendors["parent_vendor_id"]):
            if isinstance(p, str) and p in known and p != v:
                uf.union(v, p)
                fam.union(v, p)
                links.append(Link(v, p, "parent"))
    for col in CONTACTS:
        if col not in vendors:
            continue
        keys = pd.DataFrame({"vendor_id": vendors["vendor_id"].values,
                             "raw": vendors[col].values,
                             "k": normalised(vendors[col], col).values})
        keys = keys[keys["k"].notna() & keys["vendor_id"].notna()]
        keys = keys[keys.duplicated("k", keep=False)].sort_values(["k", "vendor_id"])
        first = keys.drop_duplicates("k")
        head = dict(zip(first["k"], first["vendor_id"]))
        raw = dict(zip(first["k"], first["raw"]))
        for k, v in zip(keys["k"], keys["vendor_id"]):
            h = head[k]
            if v != h:
                uf.union(h, v)
                links.append(Link(h, v, col, str(raw[k])))
    if vendor_people is not None and not vendor_people.empty:
        vp = vendor_people[vendor_people["vendor_id"].isin(known)]
        share = pd.to_numeric(vp["share_pct"], errors="coerce").fillna(0) if "share_pct" in vp \
            else pd.Series(0.0, index=vp.index)
        masks = [("legal_representative", vp["role"].isin(LEGAL_REP_ROLES)),
                 ("owner", vp["role"].isin(OWNER_ROLES) & share.ge(25))]
        for kind, mask in masks:
            pairs = _shared_person_pairs(vp[mask])
            for a, b, name, reason in zip(pairs["a"], pairs["b"], pairs["name"], pairs["reason"]):
                uf.union(a, b)
                links.append(Link(a, b, kind, f"{name} ({reason})"))
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

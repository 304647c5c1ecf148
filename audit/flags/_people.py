"""Shared pieces of the people and collusion flags: COI-SELF, COI-RELATIVE, COI-CONTACT,
COI-REVOLVING, COI-SCHOOL (people of vendors and of their declared parents, matched to
officials and their declared relatives) and COL-LINKED, COL-ROTATION, COL-COVER (bidders,
winners).

Everything is computed once per :class:`~audit.context.Context` and shared:

- :func:`chain` — (vendor, ancestor) pairs: a vendor with itself and each declared parent up
  the chain (flags.md: in the COI rules the people of a vendor include those of its declared
  parents, never those of its branches or subsidiaries);
- :func:`official_matches` / :func:`relative_matches` — officials (or their declared
  relatives) who are the same person as one of a vendor's own people (audit.entities);
- :func:`committee_winners` — (tender, committee official, winner, ancestor of the winner);
- :func:`contact_matches` — committee officials or their relatives with a normalised phone,
  e-mail or address equal to that of a person or the vendor row of a winner's chain;
- :func:`at_least` / :func:`more_than` — exact ``a ≥ x × b`` / ``a > x × b``, ``x`` read as
  the decimal written in the settings (flags.md: shares are exact, no rounding).

Only the officials a rule can reach are keyed (committee members, principals of schools,
officials who left), so the cost follows the rules' reach, not the size of personnel files.
"""
from __future__ import annotations

import weakref
from collections import deque
from fractions import Fraction

import pandas as pd

from ..context import school_year_of
from ..entities import CONTACTS, match_people, normalised, normalised_where, person_keys
from ._common import ref

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def cached(ctx, name: str, fn):
    """``fn(ctx)`` computed once per context and shared by the flags of this family."""
    try:
        store = _CACHE.setdefault(ctx, {})
    except TypeError:
        return fn(ctx)
    if name not in store:
        store[name] = fn(ctx)
    return store[name]


# --- exact arithmetic, dates, texts -----------------------------------------------------------
def exact(x) -> Fraction:
    """The settings value as the decimal written (``0.6`` is 3/5, not the nearest double)."""
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def at_least(a, x, b) -> bool:
    """``a ≥ x × b``, exactly."""
    return Fraction(a) >= exact(x) * Fraction(b)


def more_than(a, x, b) -> bool:
    """``a > x × b``, exactly."""
    return Fraction(a) > exact(x) * Fraction(b)


def day(value) -> str:
    """A date as ``YYYY-MM-DD`` ('' when empty)."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).date().isoformat()


def _texts(df: pd.DataFrame, cols: list[str]) -> list:
    """Columns as object arrays (None for missing), for fast zipping."""
    return [df[c].astype("object").where(df[c].notna(), None).to_numpy() for c in cols]


def _days(s: pd.Series):
    """Dates as ``YYYY-MM-DD`` text ('' when empty), as an object array."""
    return pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def pct(a: int, b: int) -> str:
    """``a / b`` as a percentage with at most one decimal (``66.7%``, ``60%``)."""
    return f"{100 * a / b:.1f}".rstrip("0").rstrip(".") + "%" if b else "0%"


def pct_of(share) -> str:
    """A settings share as a percentage (``0.6`` → ``60%``)."""
    return f"{float(exact(share) * 100):g}%"


ROLE_VI = {"legal_representative": "người đại diện theo pháp luật", "director": "giám đốc",
           "owner": "chủ sở hữu", "shareholder": "cổ đông", "founding_member": "thành viên sáng lập",
           "chief_accountant": "kế toán trưởng", "employee": "nhân viên"}
ROLE_EN = {"legal_representative": "legal representative", "director": "director",
           "owner": "owner", "shareholder": "shareholder", "founding_member": "founding member",
           "chief_accountant": "chief accountant", "employee": "employee"}
COMMITTEE_VI = {"approver": "người phê duyệt", "evaluator": "thành viên tổ chuyên gia",
                "appraiser": "người thẩm định", "signer": "người ký hợp đồng"}
COMMITTEE_EN = {"approver": "approver", "evaluator": "evaluator", "appraiser": "appraiser",
                "signer": "contract signer"}
RELATION_VI = {"spouse": "vợ/chồng", "child": "con", "parent": "cha/mẹ", "sibling": "anh/chị/em ruột",
               "parent_in_law": "cha/mẹ vợ hoặc chồng", "sibling_in_law": "anh/chị/em vợ hoặc chồng",
               "other": "người thân khác"}
RELATION_EN = {"spouse": "spouse", "child": "child", "parent": "parent", "sibling": "sibling",
               "parent_in_law": "parent-in-law", "sibling_in_law": "sibling-in-law",
               "other": "other relative"}
CONTACT_VI = {"phone": "số điện thoại", "email": "e-mail", "address": "địa chỉ"}
CONTACT_EN = {"phone": "phone", "email": "e-mail", "address": "address"}
DECISION_ROLES = ("approver", "signer")


def reason_vi(reason: str) -> str:
    if reason == "national_id":
        return "trùng số định danh cá nhân"
    contact = reason.rsplit("+", 1)[-1]
    return f"trùng họ tên, ngày sinh và {CONTACT_VI.get(contact, contact)}"


def reason_en(reason: str) -> str:
    if reason == "national_id":
        return "same national id"
    contact = reason.rsplit("+", 1)[-1]
    return f"same name, birth date and {CONTACT_EN.get(contact, contact)}"


def where(row) -> dict:
    """``province_code`` and ``school_year`` of a tender row (a Series or a named tuple): its
    school_year, else the school year of its published_on."""
    get = row.get if hasattr(row, "get") else (lambda k: getattr(row, k, None))
    sy, pc = get("school_year"), get("province_code")
    if not (isinstance(sy, str) and sy):
        sy = school_year_of(get("published_on_day"))
    return {"province_code": pc if isinstance(pc, str) else None, "school_year": sy}


def tender_info(ctx) -> dict:
    """tender_id → (province_code, school_year, procuring_entity_id), the school year being the
    tender's or else that of its published_on (as :func:`where`)."""
    def build(ctx):
        t = ctx.tenders
        day = t["published_on_day"]
        start = (day.dt.year - (day.dt.month < 8)).astype("Int64")
        derived = start.astype("string") + "-" + (start + 1).astype("string")
        sy = t["school_year"].astype("object").where(t["school_year"].notna(),
                                                     derived.astype("object"))
        cols = [t["tender_id"], t["province_code"], sy, t["procuring_entity_id"]]
        arrs = [c.astype("object").where(c.notna(), None).to_numpy() for c in cols]
        return {k: (pc, y, pe) for k, pc, y, pe in zip(*arrs)}
    return cached(ctx, "tender_info", build)


def common_place(ctx, tenders) -> dict:
    """``province_code`` / ``school_year`` shared by all ``tenders`` (None when they differ)."""
    info = tender_info(ctx)
    pcs = {info[x][0] for x in tenders if x in info} - {None}
    sys_ = {info[x][1] for x in tenders if x in info} - {None}
    return {"province_code": next(iter(pcs)) if len(pcs) == 1 else None,
            "school_year": next(iter(sys_)) if len(sys_) == 1 else None}


def entities_of(ctx, tenders) -> list:
    info = tender_info(ctx)
    return sorted({info[x][2] for x in tenders if x in info} - {None})


def tender_table(ctx) -> pd.DataFrame:
    """ctx.tenders indexed by tender_id."""
    return cached(ctx, "tender_table", lambda ctx: ctx.tenders.set_index("tender_id", drop=False))


def official_names(ctx) -> dict:
    return cached(ctx, "official_names", lambda ctx: dict(zip(ctx["officials"]["official_id"],
                                                               ctx["officials"]["full_name"])))


# --- vendors and their people ---------------------------------------------------------------
def chain(ctx) -> pd.DataFrame:
    """(``vendor_id``, ``ancestor``, ``depth``): each vendor with itself (depth 0) and every
    declared parent up the chain (depth 1, 2 …)."""
    def build(ctx):
        rows = []
        for v in ctx["vendors"]["vendor_id"].dropna().unique():
            for d, a in enumerate(ctx.vendor_chain(v)):
                rows.append((v, a, d))
        return pd.DataFrame(rows, columns=["vendor_id", "ancestor", "depth"])
    return cached(ctx, "chain", build)


def vendor_people(ctx) -> pd.DataFrame:
    """``vendor_people`` with ``vp_ref`` (its evidence reference) and the matching keys."""
    def build(ctx):
        vp = ctx["vendor_people"]
        keys = person_keys(vp)
        out = vp[["vendor_id", "full_name", "role", "share_pct", "birth_date", "since"]].join(keys)
        out["vp_ref"] = [ref("vendor_people", v, r, n, b) for v, r, n, b in
                         zip(*_texts(vp, ["vendor_id", "role", "full_name"]), _days(vp["birth_date"]))]
        return out
    return cached(ctx, "vendor_people", build)


def reachable_officials(ctx) -> pd.DataFrame:
    """The officials a COI rule can reach: committee members, principals of a school
    authority, and officials with an ``until``."""
    def build(ctx):
        o = ctx["officials"]
        committee = _committee_officials(ctx)
        kinds = dict(zip(ctx["authorities"]["authority_id"], ctx["authorities"]["kind"]))
        principal = o["position"].eq("principal") & o["authority_id"].map(kinds).eq("school")
        keep = o["official_id"].isin(committee) | principal | o["until"].notna()
        return o[keep.fillna(False)]
    return cached(ctx, "reachable_officials", build)


def _committee_officials(ctx) -> set:
    return cached(ctx, "committee_officials",
                  lambda ctx: set(ctx["tender_committee"]["official_id"].dropna()))


def _keys_for(ctx, df: pd.DataFrame, wants_contacts: pd.Series) -> pd.DataFrame:
    """person_keys of ``df`` with contacts only where they can matter: the rows of
    ``wants_contacts`` (COI-CONTACT reads them) and the rows whose birth date and folded name
    equal those of some vendor person (the only ones :func:`match_people` compares contacts
    of).  Matches are therefore exactly those of full keys."""
    base = person_keys(df, contacts=pd.Series(False, index=df.index))
    vp = vendor_people(ctx)
    known = pd.MultiIndex.from_frame(vp.loc[vp["birth"].notna() & vp["name"].notna(), ["birth", "name"]])
    cand = pd.MultiIndex.from_frame(base[["birth", "name"]]).isin(known)
    mask = wants_contacts.fillna(False).to_numpy(dtype=bool) | cand
    for c in CONTACTS:
        if c in df:
            base[c] = normalised_where(df[c], c, mask)
    return base


def official_keys(ctx) -> pd.DataFrame:
    def build(ctx):
        o = reachable_officials(ctx)
        keys = _keys_for(ctx, o, o["official_id"].isin(_committee_officials(ctx)))
        return keys.assign(official_id=o["official_id"])
    return cached(ctx, "official_keys", build)


def relatives(ctx) -> pd.DataFrame:
    """Declared relatives of the reachable officials, with ``rel_ref`` and matching keys."""
    def build(ctx):
        r = ctx["declared_relatives"]
        r = r[r["official_id"].isin(set(reachable_officials(ctx)["official_id"]))]
        keys = _keys_for(ctx, r, r["official_id"].isin(_committee_officials(ctx)))
        out = r[["official_id", "full_name", "relation", "birth_date"]].join(keys)
        out["rel_ref"] = [ref("declared_relatives", o, rel, n, b) for o, rel, n, b in
                          zip(*_texts(r, ["official_id", "relation", "full_name"]), _days(r["birth_date"]))]
        return out
    return cached(ctx, "relatives", build)


_KEYS = ["nid", "birth", "name", "phone", "email", "address"]


def official_matches(ctx) -> pd.DataFrame:
    """(``official_id``, ``vp``, ``holder``, ``reason``): a reachable official who is the same
    person as vendor person row ``vp`` (an index label of ``vendor_people``) of vendor
    ``holder``."""
    def build(ctx):
        ok, vp = official_keys(ctx), vendor_people(ctx)
        m = match_people(ok[_KEYS], vp[_KEYS])
        return pd.DataFrame({"official_id": ok.loc[m["left"], "official_id"].values,
                             "vp": m["right"].values,
                             "holder": vp.loc[m["right"], "vendor_id"].values,
                             "reason": m["reason"].values})
    return cached(ctx, "official_matches", build)


def relative_matches(ctx) -> pd.DataFrame:
    """(``official_id``, ``rel``, ``vp``, ``holder``, ``reason``): a declared relative (row
    ``rel`` of ``declared_relatives``) of a reachable official who is the same person as vendor
    person row ``vp`` of vendor ``holder``."""
    def build(ctx):
        rk, vp = relatives(ctx), vendor_people(ctx)
        m = match_people(rk[_KEYS], vp[_KEYS])
        return pd.DataFrame({"official_id": rk.loc[m["left"], "official_id"].values,
                             "rel": m["left"].values, "vp": m["right"].values,
                             "holder": vp.loc[m["right"], "vendor_id"].values,
                             "reason": m["reason"].values})
    return cached(ctx, "relative_matches", build)


# --- tenders ------------------------------------------------------------------------------------
def winner_contracts(ctx) -> pd.Series:
    """tender_id → the contract that names its winner (the smallest contract_id)."""
    def build(ctx):
        c = ctx["contracts"].dropna(subset=["tender_id"]).sort_values("contract_id")
        first = c.drop_duplicates("tender_id", keep="first")
        return pd.Series(first["contract_id"].values, index=first["tender_id"].values)
    return cached(ctx, "winner_contracts", build)


def committee_winners(ctx) -> pd.DataFrame:
    """(``tender_id``, ``official_id``, ``winner``, ``ancestor``, ``depth``): each official of
    an awarded tender's committee (any role) with each vendor of the winner's chain."""
    def build(ctx):
        t = ctx.tenders
        t = t.loc[t["winner"].notna(), ["tender_id", "winner"]]
        c = ctx["tender_committee"][["tender_id", "official_id"]].dropna().drop_duplicates()
        c = c.merge(t, on="tender_id")
        return c.merge(chain(ctx).rename(columns={"vendor_id": "winner"}), on="winner")
    return cached(ctx, "committee_winners", build)


def committee_roles(ctx, tenders) -> dict:
    """(tender_id, official_id) → the sorted tuple of the official's roles on the committee,
    for the given tenders."""
    c = ctx["tender_committee"]
    c = c[c["tender_id"].isin(set(tenders)) & c["role"].notna()]
    out: dict = {}
    for t, o, r in zip(*_texts(c, ["tender_id", "official_id", "role"])):
        out.setdefault((t, o), set()).add(r)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def contact_matches(ctx) -> pd.DataFrame:
    """Committee officials (or their declared relatives) sharing a normalised contact with a
    person or the vendor row of a vendor of some winner's chain.

    Columns: ``official_id``; ``side`` (``official``/``relative``) and ``src`` (its row label
    in ``officials``/``declared_relatives``); ``holder`` (the vendor); ``source``
    (``person``/``vendor``) and ``vp`` (the vendor person's row label, or None); ``kind``
    (phone/email/address) and ``key`` (the normalised value)."""
    def build(ctx):
        cw = committee_winners(ctx)
        cols = ["official_id", "side", "src", "holder", "source", "vp", "kind", "key"]
        if cw.empty:
            return pd.DataFrame(columns=cols)
        officials = set(cw["official_id"])
        holders = set(cw["ancestor"])
        ok = official_keys(ctx)
        ok = ok[ok["official_id"].isin(officials)]
        rk = relatives(ctx)
        rk = rk[rk["official_id"].isin(officials)]
        vp = vendor_people(ctx)
        vp = vp[vp["vendor_id"].isin(holders)]
        v = ctx["vendors"]
        v = v[v["vendor_id"].isin(holders)]
        left, right = [], []
        for kind in CONTACTS:
            left.append(pd.DataFrame({"official_id": ok["official_id"].values, "side": "official",
                                      "src": ok.index.values, "kind": kind,
                                      "key": ok[kind].values}))
            left.append(pd.DataFrame({"official_id": rk["official_id"].values, "side": "relative",
                                      "src": rk.index.values, "kind": kind,
                                      "key": rk[kind].values}))
            right.append(pd.DataFrame({"holder": vp["vendor_id"].values, "source": "person",
                                       "vp": vp.index.values, "kind": kind,
                                       "key": vp[kind].values}))
            right.append(pd.DataFrame({"holder": v["vendor_id"].values, "source": "vendor",
                                       "vp": None, "kind": kind,
                                       "key": normalised(v[kind], kind).values}))
        L = pd.concat(left, ignore_index=True).dropna(subset=["key"])
        R = pd.concat(right, ignore_index=True).dropna(subset=["key"])
        if L.empty or R.empty:
            return pd.DataFrame(columns=cols)
        return L.merge(R, on=["kind", "key"])[cols]
    return cached(ctx, "contact_matches", build)


# --- bidders and vendor groups ------------------------------------------------------------------
def bidders(ctx) -> pd.DataFrame:
    """One row per (tender, vendor) with a bid (any status)."""
    def build(ctx):
        b = ctx["bids"].dropna(subset=["tender_id", "vendor_id"])
        return b.drop_duplicates(["tender_id", "vendor_id"])[["tender_id", "vendor_id", "status",
                                                             "price_vnd"]]
    return cached(ctx, "bidders", build)


def group_path(groups, a: str, b: str) -> list:
    """The links that join vendors ``a`` and ``b`` of one vendor group (a shortest chain)."""
    links = groups.links_of(groups.group(a))
    adj: dict[str, list] = {}
    for l in links:
        adj.setdefault(l.a, []).append((l.b, l))
        adj.setdefault(l.b, []).append((l.a, l))
    prev: dict[str, tuple] = {a: None}
    queue = deque([a])
    while queue:
        x = queue.popleft()
        if x == b:
            break
        for y, l in sorted(adj.get(x, []), key=lambda t: (t[0], t[1].kind)):
            if y not in prev:
                prev[y] = (x, l)
                queue.append(y)
    if b not in prev:
        return []
    path = []
    x = b
    while prev[x] is not None:
        x, l = prev[x][0], prev[x][1]
        path.append(l)
    return path[::-1]


LINK_VI = {"parent": "công ty mẹ/chi nhánh khai báo", "phone": "cùng số điện thoại",
           "email": "cùng e-mail", "address": "cùng địa chỉ",
           "legal_representative": "cùng người đại diện theo pháp luật",
           "owner": "cùng chủ sở hữu/cổ đông ≥ 25%"}
LINK_EN = {"parent": "declared parent", "phone": "same phone", "email": "same e-mail",
           "address": "same address", "legal_representative": "same legal representative",
           "owner": "same owner/shareholder ≥ 25%"}


def describe_link(l, lang: str) -> str:
    """``a–b (why: detail)``; a person link's match reason is given in the language."""
    text = (LINK_VI if lang == "vi" else LINK_EN).get(l.kind, l.kind)
    detail = l.detail or ""
    if detail.endswith(")") and " (" in detail:
        name, reason = detail[:-1].rsplit(" (", 1)
        if reason == "national_id" or reason.startswith("name+birth+"):
            detail = f"{name}, {reason_vi(reason) if lang == 'vi' else reason_en(reason)}"
    return f"{l.a}–{l.b} ({text}: {detail})" if detail else f"{l.a}–{l.b} ({text})"


# --- the committee rules ------------------------------------------------------------------------
def self_hits(ctx) -> pd.DataFrame:
    """COI-SELF's matches: :func:`committee_winners` rows whose official is the same person as
    a person (``vp``) of the winner's chain vendor ``ancestor``."""
    def build(ctx):
        cw, m = committee_winners(ctx), official_matches(ctx)
        if cw.empty or m.empty:
            return pd.DataFrame(columns=list(cw.columns) + ["vp", "holder", "reason"])
        return cw.merge(m, left_on=["official_id", "ancestor"], right_on=["official_id", "holder"])
    return cached(ctx, "self_hits", build)


def relative_hits(ctx) -> pd.DataFrame:
    """COI-RELATIVE's matches: :func:`committee_winners` rows with a declared relative (``rel``)
    of the official who is the same person as a person (``vp``) of the chain vendor."""
    def build(ctx):
        cw, m = committee_winners(ctx), relative_matches(ctx)
        if cw.empty or m.empty:
            return pd.DataFrame(columns=list(cw.columns) + ["rel", "vp", "holder", "reason"])
        return cw.merge(m, left_on=["official_id", "ancestor"], right_on=["official_id", "holder"])
    return cached(ctx, "relative_hits", build)

"""Shared pieces of the people and collusion flags: COI-SELF, COI-RELATIVE, COI-CONTACT,
COI-REVOLVING, COI-SCHOOL (people of vendors and of their declared parents, matched to
officials and their declared relatives) and COL-LINKED, COL-ROTATION, COL-COVER (bidders,
winners).

Everything is computed once per run (:meth:`~audit.context.Context.cache`, names ``people.*``)
and shared:

- :func:`chain` — (vendor, ancestor) pairs: a vendor with itself and each declared parent up
  the chain (flags.md: in the COI rules the people of a vendor include those of its declared
  parents, never those of its branches or subsidiaries);
- :func:`official_matches` / :func:`relative_matches` — officials (or their declared
  relatives) who are the same person as one of a vendor's own people (audit.entities);
- :func:`committee_winners` — (tender, committee official, winner, ancestor of the winner);
- :func:`contact_matches` — committee officials or their relatives with a normalised phone,
  e-mail or address equal to that of a person or the vendor row of a winner's chain;
- :func:`tender_evidence`, :func:`roles_text`, :func:`committee_refs`, :func:`decides` — the
  pieces of a committee finding's text and evidence.

Exact shares (COL-COVER, COL-ROTATION) use :mod:`audit.flags._common`'s comparisons.
Only the officials a rule can reach are keyed (committee members, principals of schools,
officials who left), so the cost follows the rules' reach, not the size of personnel files.
"""
from __future__ import annotations

import pandas as pd

from ..context import school_year_of, school_years_of
from ..entities import CONTACTS, match_people, normalised, normalised_where, person_keys
from ._common import day, exact, link_path, ref


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
        sy = t["school_year"].astype("object").where(t["school_year"].notna(),
                                                     school_years_of(t["published_on_day"]))
        cols = [t["tender_id"], t["province_code"], sy, t["procuring_entity_id"]]
        arrs = [c.astype("object").where(c.notna(), None).to_numpy() for c in cols]
        return {k: (pc, y, pe) for k, pc, y, pe in zip(*arrs)}
    return ctx.cache("people.tender_info", build)


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
    return ctx.cache("people.tender_table", lambda ctx: ctx.tenders.set_index("tender_id", drop=False))


def official_names(ctx) -> dict:
    """official_id → full name."""
    def build(ctx):
        o = ctx["officials"]
        return dict(zip(o["official_id"].tolist(), o["full_name"].tolist()))
    return ctx.cache("people.official_names", build)


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
    return ctx.cache("people.chain", build)


def vendor_people(ctx) -> pd.DataFrame:
    """``vendor_people`` with ``vp_ref`` (its evidence reference) and the matching keys."""
    def build(ctx):
        vp = ctx["vendor_people"]
        keys = person_keys(vp)
        out = vp[["vendor_id", "full_name", "role", "share_pct", "birth_date", "since"]].join(keys)
        out["vp_ref"] = [ref("vendor_people", v, r, n, b) for v, r, n, b in
                         zip(*_texts(vp, ["vendor_id", "role", "full_name"]), _days(vp["birth_date"]))]
        return out
    return ctx.cache("people.vendor_people", build)


def reachable_officials(ctx) -> pd.DataFrame:
    """The officials a COI rule can reach: committee members, principals of a school
    authority, and officials with an ``until``."""
    def build(ctx):
        o = ctx["officials"]
        committee = _committee_officials(ctx)
        a = ctx["authorities"]
        kinds = dict(zip(a["authority_id"].tolist(), a["kind"].tolist()))
        principal = o["position"].eq("principal") & o["authority_id"].map(kinds).eq("school")
        keep = o["official_id"].isin(committee) | principal | o["until"].notna()
        return o[keep.fillna(False)]
    return ctx.cache("people.reachable_officials", build)


def _committee_officials(ctx) -> set:
    return ctx.cache("people.committee_officials",
                  lambda ctx: set(ctx["tender_committee"]["official_id"].dropna().tolist()))


def _keys_for(ctx, df: pd.DataFrame) -> pd.DataFrame:
    """person_keys of ``df`` for :func:`match_people`, with contacts only where they can matter:
    the rows whose birth date and folded name equal those of some vendor person (the only ones
    whose contacts :func:`match_people` compares).  Matches are therefore exactly those of full
    keys.  (COI-CONTACT normalises the contacts it needs itself: :func:`contact_matches`.)"""
    base = person_keys(df, contacts=pd.Series(False, index=df.index))
    vp = vendor_people(ctx)
    known = pd.MultiIndex.from_frame(vp.loc[vp["birth"].notna() & vp["name"].notna(), ["birth", "name"]])
    cand = pd.MultiIndex.from_frame(base[["birth", "name"]]).isin(known)
    for c in CONTACTS:
        if c in df:
            base[c] = normalised_where(df[c], c, cand)
    return base


def official_keys(ctx) -> pd.DataFrame:
    def build(ctx):
        o = reachable_officials(ctx)
        return _keys_for(ctx, o).assign(official_id=o["official_id"])
    return ctx.cache("people.official_keys", build)


def relatives(ctx) -> pd.DataFrame:
    """Declared relatives of the reachable officials, with ``rel_ref`` and matching keys."""
    def build(ctx):
        r = ctx["declared_relatives"]
        r = r[r["official_id"].isin(set(reachable_officials(ctx)["official_id"]))]
        keys = _keys_for(ctx, r)
        out = r[["official_id", "full_name", "relation", "birth_date"]].join(keys)
        out["rel_ref"] = [ref("declared_relatives", o, rel, n, b) for o, rel, n, b in
                          zip(*_texts(r, ["official_id", "relation", "full_name"]), _days(r["birth_date"]))]
        return out
    return ctx.cache("people.relatives", build)


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
    return ctx.cache("people.official_matches", build)


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
    return ctx.cache("people.relative_matches", build)


# --- tenders ------------------------------------------------------------------------------------
def committee_winners(ctx) -> pd.DataFrame:
    """(``tender_id``, ``official_id``, ``winner``, ``ancestor``, ``depth``): each official of
    an awarded tender's committee (any role) with each vendor of the winner's chain."""
    def build(ctx):
        t = ctx.tenders
        t = t.loc[t["winner"].notna(), ["tender_id", "winner"]]
        c = ctx["tender_committee"][["tender_id", "official_id"]].dropna().drop_duplicates()
        c = c.merge(t, on="tender_id")
        return c.merge(chain(ctx).rename(columns={"vendor_id": "winner"}), on="winner")
    return ctx.cache("people.committee_winners", build)


def committee_roles(ctx, tenders) -> dict:
    """(tender_id, official_id) → the sorted tuple of the official's roles on the committee,
    for the given tenders."""
    c = ctx["tender_committee"]
    c = c[c["tender_id"].isin(set(tenders)) & c["role"].notna()]
    out: dict = {}
    for t, o, r in zip(*_texts(c, ["tender_id", "official_id", "role"])):
        out.setdefault((t, o), set()).add(r)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def tender_evidence(ctx, tender_id: str) -> list[str]:
    """``tenders:<id>`` and the contract that names the tender's winner."""
    out = [ref("tenders", tender_id)]
    wc = ctx.winner_contracts
    if tender_id in wc.index:
        out.append(ref("contracts", wc[tender_id]))
    return out


def roles_text(croles: dict, tender_id: str, official_id: str, lang: str) -> str:
    """The official's committee roles on the tender (:func:`committee_roles`), in words."""
    names = COMMITTEE_VI if lang == "vi" else COMMITTEE_EN
    return ", ".join(names.get(x, x) for x in croles.get((tender_id, official_id), ())) or (
        "thành viên" if lang == "vi" else "member")


def committee_refs(croles: dict, tender_id: str, official_id: str) -> list[str]:
    """The ``tender_committee`` rows of the official on the tender."""
    return [ref("tender_committee", tender_id, official_id, x)
            for x in croles.get((tender_id, official_id), ())]


def decides(croles: dict, tender_id: str, official_id: str) -> bool:
    """The official approves the tender or signs its contract (:data:`DECISION_ROLES`)."""
    return any(x in DECISION_ROLES for x in croles.get((tender_id, official_id), ()))


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
        officials = set(cw["official_id"].tolist())
        holders = set(cw["ancestor"].tolist())
        vp = vendor_people(ctx)
        vp = vp[vp["vendor_id"].isin(holders)]
        v = ctx["vendors"]
        v = v[v["vendor_id"].isin(holders)]
        right = []
        for kind in CONTACTS:
            right.append(pd.DataFrame({"holder": vp["vendor_id"].values, "source": "person",
                                       "vp": vp.index.values, "kind": kind,
                                       "key": vp[kind].values}))
            right.append(pd.DataFrame({"holder": v["vendor_id"].values, "source": "vendor",
                                       "vp": None, "kind": kind,
                                       "key": normalised(v[kind], kind).values}))
        R = pd.concat(right, ignore_index=True).dropna(subset=["key"])
        o = ctx["officials"]
        o = o[o["official_id"].isin(officials)]
        r = ctx["declared_relatives"]
        r = r[r["official_id"].isin(officials)]
        left = []
        for kind in CONTACTS:
            if not R["kind"].eq(kind).any():
                continue
            for side, rows in (("official", o), ("relative", r)):
                if kind in rows:
                    left.append(pd.DataFrame({"official_id": rows["official_id"].values,
                                              "side": side, "src": rows.index.values, "kind": kind,
                                              "key": normalised(rows[kind], kind).values}))
        L = pd.concat(left, ignore_index=True).dropna(subset=["key"]) if left else None
        if L is None or L.empty or R.empty:
            return pd.DataFrame(columns=cols)
        return L.merge(R, on=["kind", "key"])[cols]
    return ctx.cache("people.contact_matches", build)


# --- bidders and vendor groups ------------------------------------------------------------------
def bidders(ctx) -> pd.DataFrame:
    """One row per (tender, vendor) with a bid (any status)."""
    def build(ctx):
        b = ctx["bids"].dropna(subset=["tender_id", "vendor_id"])
        return b.drop_duplicates(["tender_id", "vendor_id"])[["tender_id", "vendor_id", "status",
                                                             "price_vnd"]]
    return ctx.cache("people.bidders", build)


def group_path(groups, a: str, b: str) -> list:
    """The links that join vendors ``a`` and ``b`` of one vendor group (a shortest chain; links
    tried by neighbour id, then kind)."""
    return link_path(groups.links_of(groups.group(a)), a, b,
                     order=lambda nbr: (nbr[0], nbr[1].kind))


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
    return ctx.cache("people.self_hits", build)


def relative_hits(ctx) -> pd.DataFrame:
    """COI-RELATIVE's matches: :func:`committee_winners` rows with a declared relative (``rel``)
    of the official who is the same person as a person (``vp``) of the chain vendor."""
    def build(ctx):
        cw, m = committee_winners(ctx), relative_matches(ctx)
        if cw.empty or m.empty:
            return pd.DataFrame(columns=list(cw.columns) + ["rel", "vp", "holder", "reason"])
        return cw.merge(m, left_on=["official_id", "ancestor"], right_on=["official_id", "holder"])
    return ctx.cache("people.relative_hits", build)

"""The supplier map drawn as an interactive network: one offline HTML page, or the same page
embedded in a report or a notebook.

How it stays safe and fast:

- **Nothing is fetched.**  pyvis's templates link Bootstrap and (``local``) vis-network from
  CDNs; here the page is written by :func:`page_html`, which inlines vis-network's script from
  the pyvis package's own files and a small stylesheet of its own, and sets a Content Security
  Policy (``default-src 'none'``) so that a stray URL could not be fetched either.
- **Everything from data is text.**  Labels are drawn on a canvas; tooltips are plain strings,
  which vis-network shows with ``innerText`` (pyvis's own template switches every tooltip to raw
  HTML as soon as one contains ``href``: that template is not used).  The node and edge data
  travel as JSON with ``<``, ``>`` and ``&`` escaped, inside a ``type="application/json"``
  block; the title, notes and legend are HTML-escaped.  pyvis's ``heading`` is never used.
- **It draws at once.**  The layout is computed here with no randomness (a radial tree: groups
  then the places they serve, or the search tree around a focus; rows for the conflict-of-
  interest paths) and physics is off.  At most :data:`audit.graph.MAX_NODES` nodes are drawn;
  the rest are aggregated and the page says how many.
- **Privacy.**  People are named through :class:`audit.privacy.Masker`: in a public page by
  role and pseudonym only, and a vendor with a personal tax code by pseudonym.

``pyvis.network.Network`` is only the container (:func:`to_pyvis` fills its ``nodes`` and
``edges`` lists directly: ``from_nx`` is quadratic and rewrites the caller's graph).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx

from .. import graph as GR
from .. import i18n
from ..privacy import POSITION_LABELS, Masker
from procurement.text import without_bidi_controls

# --- styles -----------------------------------------------------------------------------------
#: type → (vis shape, fill colour, size)
TYPE_STYLE = {
    "vendor_group": ("hexagon", "#1f77b4", 14),
    "vendor": ("diamond", "#17becf", 14),
    "authority": ("triangle", "#9467bd", 15),
    "person": ("star", "#e377c2", 13),
    "tender": ("square", "#8c564b", 9),
    "directive": ("triangleDown", "#bcbd22", 13),
    "school": ("dot", "#2ca02c", 7),
    "commune": ("dot", "#74c476", 8),
    "province": ("dot", "#74c476", 10),
    "more": ("dot", "#d9d9d9", 10),
    "finding": ("box", "#fde0dd", 10),
}
#: severity → (border colour, border width)
RISK_STYLE = {"high": ("#d62728", 4), "medium": ("#ff7f0e", 3), "low": ("#e6c300", 2),
              None: ("#555555", 1)}
HIGHLIGHT = "#d62728"
EDGE_COLOUR = {
    "serves": "#74c476", "serves_agg": "#74c476", "buys_from": "#9467bd", "procures": "#9467bd",
    "bid": "#c49c94", "awarded": "#8c564b", "committee": "#e377c2", "owns": "#1f77b4",
    "represents": "#1f77b4", "directs": "#1f77b4", "employed_by": "#6baed6",
    "relative_of": "#f768a1", "works_at": "#bc80bd", "issued": "#bcbd22", "names": "#dbdb8d",
    "member_of": "#9ecae1", "branch_of": "#9ecae1", "runs": "#bdbdbd", "contact": HIGHLIGHT,
    "more": "#d9d9d9",
}

TYPE_LABELS = {
    **{k: (v.label_vi, v.label_en) for k, v in GR.NODE_TYPES.items()},
    "commune": ("Xã/phường (gộp các trường)", "Commune (schools aggregated)"),
    "province": ("Tỉnh/thành phố (gộp các trường)", "Province (schools aggregated)"),
    "more": ("Nhóm nút được gộp", "Aggregated nodes"),
    "finding": ("Phát hiện (đầu dòng)", "Finding (row heading)"),
}
TYPE_PLURAL = {
    "school": ("trường", "schools"), "authority": ("cơ quan", "authorities"),
    "vendor": ("nhà cung cấp", "vendors"), "vendor_group": ("nhóm nhà cung cấp", "vendor groups"),
    "person": ("cá nhân", "people"), "tender": ("gói thầu", "tenders"),
    "directive": ("văn bản", "directives"), "commune": ("xã/phường", "communes"),
    "province": ("tỉnh", "provinces"),
}
EDGE_LABELS = {
    **{k: (v.label_vi, v.label_en) for k, v in GR.EDGE_TYPES.items()},
    "serves_agg": ("phục vụ (số trường)", "serves (schools)"),
    "contact": ("trùng số điện thoại/e-mail/địa chỉ", "same phone/e-mail/address"),
    "more": ("còn nữa", "more"),
}
AUTHORITY_KIND = {
    "ministry": ("Bộ", "Ministry"), "province_department": ("Sở", "Provincial department"),
    "district_committee": ("UBND cấp huyện", "District committee"),
    "district_office": ("Phòng GD&ĐT", "District office"),
    "commune_committee": ("UBND cấp xã", "Commune committee"), "school": ("Trường", "School"),
    "other": ("Khác", "Other"),
}
BID_STATUS = {"valid": ("hợp lệ", "valid"), "disqualified": ("bị loại", "disqualified"),
              "withdrawn": ("rút", "withdrawn"), "late": ("nộp muộn", "late")}
COMMITTEE_ROLE = {"approver": ("người phê duyệt", "approver"),
                  "evaluator": ("tổ chuyên gia", "evaluator"),
                  "appraiser": ("thẩm định", "appraiser"), "signer": ("người ký", "signer")}


def _pick(pair, lang: str) -> str:
    if not pair:
        return ""
    return pair[0] if lang == "vi" else pair[1]


def _num(n, lang: str) -> str:
    """``1.234`` (vi) / ``1,234`` (en)."""
    s = f"{int(n):,}"
    return s.replace(",", ".") if lang == "vi" else s


def _esc(text) -> str:
    """Text of the data for the page's HTML: escaped, without bidirectional controls (an
    unclosed one in a vendor's name would show the rest of a heading reversed)."""
    return html.escape(without_bidi_controls(str(text)))


def _score(v, lang: str) -> str:
    """A decimal number (a risk score, a share) as the reports write it: ``73,3`` (vi) /
    ``73.3`` (en)."""
    s = f"{float(v or 0):g}"
    return s.replace(".", ",") if lang == "vi" else s


def _money(v, lang: str) -> str:
    return _num(v or 0, lang) + (" đ" if lang == "vi" else " VND")


def _enum_list(kind: str, values, lang: str) -> str:
    return ", ".join(i18n.enum(kind, v, lang) for v in values if v)


# --- labels and tooltips ------------------------------------------------------------------------
class Labeller:
    """Labels and tooltips of a view's nodes and edges, in ``lang``, masked by ``masker``.

    Every string returned is plain text: the page escapes it (JSON) and shows it as text."""

    def __init__(self, G: nx.MultiDiGraph, masker: Masker, lang: str = "vi", engine=None):
        self.G = G
        self.m = masker
        self.lang = lang
        self.engine = engine
        self.findings = {f.finding_id: f for f in G.graph.get("findings", [])}

    # free text from the data (titles, products, explanations) --------------------------------
    def text(self, value) -> str:
        """A free text from the data, as shown: in the public edition every personal value the
        store holds (people's names, ids and contacts; individual vendors) replaced, as the
        reports do (``Masker.scrub``: one pseudonym per person in every page of a database)."""
        if value is None:
            return ""
        value = without_bidi_controls(str(value))
        return self.m.scrub(value) if self.m.public else value

    def detail(self, f) -> str:
        """A finding's explanation, as shown (masked as :meth:`text`)."""
        return self.text(f.detail_vi if self.lang == "vi" else f.detail_en)

    def pick(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en

    # nodes
    def vendor_name(self, vendor_id: str) -> str:
        a = self.G.nodes.get(f"vendor:{vendor_id}", {})
        return self.m.vendor(vendor_id, a.get("name"))

    def person_name(self, a: dict) -> str:
        return self.m.person(a.get("kind") or "official", a.get("record_id") or a.get("key", ""),
                             a.get("name"), a.get("role"))

    def group_name(self, a: dict) -> str:
        members = a.get("members") or (a.get("key"),)
        head = a.get("key")
        name = self.m.vendor(head, a.get("name") or self.G.nodes.get(f"vendor:{head}", {}).get("name"))
        if len(members) > 1:
            name += self.pick(f" (nhóm {len(members)} công ty)", f" (group of {len(members)})")
        return name

    def node_label(self, a: dict) -> str:
        t = a.get("type")
        L = self.lang
        if t == "vendor":
            return self.vendor_name(a.get("key"))
        if t == "vendor_group":
            return self.group_name(a)
        if t == "person":
            return self.person_name(a)
        if t == "school":
            return self.text(a.get("name") or a.get("key") or "")
        if t in ("commune", "province"):
            return f"{a.get('name') or a.get('key')} ({_num(a.get('schools') or 0, L)})"
        if t == "authority":
            return self.text(a.get("name") or a.get("key") or "")
        if t == "tender":
            return a.get("key") or ""
        if t == "directive":
            return a.get("key") or ""
        if t == "finding":
            return ", ".join(a.get("codes") or ()) + f" · {_score(a.get('risk'), self.lang)}"
        if t == "more":
            plural = _pick(TYPE_PLURAL.get(a.get("member_type"), ("nút", "nodes")), L)
            return self.pick(f"+{_num(a.get('count') or 0, L)} {plural} khác",
                             f"+{_num(a.get('count') or 0, L)} more {plural}")
        return str(a.get("key") or "")

    def _findings_lines(self, a: dict, limit: int = 6) -> list[str]:
        fs = sorted(a.get("findings") or [], key=lambda x: (-x[3], x[0]))
        if not fs:
            return []
        out = [self.pick(f"Phát hiện ({len(fs)}):", f"Findings ({len(fs)}):")]
        for fid, code, severity, score in fs[:limit]:
            f = self.findings.get(fid)
            title = (f.title_vi if self.lang == "vi" else f.title_en) if f else ""
            out.append(f"• {code} — {title} ({i18n.enum('severity', severity, self.lang)}, "
                       f"{self.pick('điểm', 'score')} {_score(score, self.lang)})")
        if len(fs) > limit:
            out.append(self.pick(f"… và {len(fs) - limit} phát hiện khác",
                                 f"… and {len(fs) - limit} more"))
        return out

    def node_title(self, a: dict) -> str:
        t = a.get("type")
        L = self.lang
        lines = [f"{_pick(TYPE_LABELS.get(t), L)}: {self.node_label(a)}"]
        if t == "school":
            lines.append(self.pick("Mã trường: ", "School id: ") + str(a.get("key")))
            cc = a.get("commune_code")
            if cc:
                lines.append(self.pick("Xã/phường: ", "Commune: ") + _commune_name(cc))
            if a.get("students"):
                lines.append(self.pick("Học sinh: ", "Students: ") + _num(a["students"], L))
        elif t in ("commune", "province"):
            lines.append(self.pick("Mã: ", "Code: ") + str(a.get("key")))
            lines.append(self.pick("Số trường: ", "Schools: ") + _num(a.get("schools") or 0, L))
        elif t == "vendor":
            lines.append(self.pick("Mã số thuế: ", "Tax code: ") + self.m.vendor_id(a.get("key")))
            if a.get("status"):
                lines.append(self.pick("Trạng thái: ", "Status: ")
                             + i18n.enum("vendor_status", str(a["status"]), self.lang))
            if a.get("group_id") and a.get("group_id") != a.get("key"):
                lines.append(self.pick("Thuộc nhóm: ", "In group: ") + self.vendor_name(a["group_id"]))
        elif t == "vendor_group":
            members = a.get("members") or ()
            lines.append(self.pick(f"Thành viên ({len(members)}):", f"Members ({len(members)}):"))
            for v in members[:12]:
                lines.append(f"• {self.vendor_name(v)} — {self.m.vendor_id(v)}")
            if len(members) > 12:
                lines.append(self.pick(f"… và {len(members) - 12} công ty khác",
                                       f"… and {len(members) - 12} more"))
            if a.get("schools"):
                lines.append(self.pick("Số trường phục vụ: ", "Schools served: ")
                             + _num(a["schools"], L))
            if a.get("value_vnd"):
                lines.append(self.pick("Giá trị hợp đồng: ", "Contract value: ")
                             + _money(a["value_vnd"], L))
        elif t == "authority":
            lines.append(self.pick("Mã: ", "Id: ") + str(a.get("key")))
            lines.append(self.pick("Loại: ", "Kind: ") + _pick(AUTHORITY_KIND.get(a.get("kind")), L))
        elif t == "person":
            for kind, rid, role in a.get("records") or ((a.get("kind"), a.get("record_id"), a.get("role")),):
                role_text = _pick(POSITION_LABELS.get(role), L) if role else ""
                what = {"official": self.pick("cán bộ", "official"),
                        "relative": self.pick("người thân đã kê khai", "declared relative"),
                        "vendor_person": self.pick("người của nhà cung cấp", "vendor person")}.get(kind, kind)
                where = ""
                if kind == "official" and not self.m.public:
                    where = f" ({rid})"
                elif kind == "vendor_person" and isinstance(rid, str):
                    where = self.pick(" của ", " of ") + self.vendor_name(rid.split("/", 1)[0])
                lines.append(f"• {what}{': ' + role_text if role_text else ''}{where}")
        elif t == "tender":
            if a.get("title"):
                lines.append(self.text(a["title"]))
            if a.get("category"):
                lines.append(self.pick("Lĩnh vực: ", "Category: ") + i18n.enum("service", a["category"], L))
            if a.get("method"):
                lines.append(self.pick("Hình thức: ", "Method: ") + i18n.enum("method", a["method"], L))
            if a.get("estimated_value_vnd"):
                lines.append(self.pick("Giá gói thầu: ", "Estimated value: ")
                             + _money(a["estimated_value_vnd"], L))
            if a.get("school_year"):
                lines.append(self.pick("Năm học: ", "School year: ") + str(a["school_year"]))
        elif t == "directive":
            if a.get("title"):
                lines.append(self.text(a["title"]))
            if a.get("issued_on"):
                lines.append(self.pick("Ngày ban hành: ", "Issued: ") + str(a["issued_on"])[:10])
        elif t == "finding":
            lines = []
            for fid, code, severity, score in a.get("findings") or ():
                f = self.findings.get(fid)
                if f is None:
                    continue
                lines.append(f"{code} — {f.title_vi if L == 'vi' else f.title_en} "
                             f"({i18n.enum('severity', severity, L)}, {self.pick('điểm', 'score')} {_score(score, self.lang)})")
                lines.append(self.detail(f))
            return "\n".join(lines)
        elif t == "more":
            lines = [self.node_label(a),
                     self.pick(f"Gộp lại để trang vẽ không quá {_num(GR.MAX_NODES, L)} nút.",
                               f"Aggregated so that the page draws at most {_num(GR.MAX_NODES, L)} nodes.")]
            if a.get("schools"):
                lines.append(self.pick("Số trường: ", "Schools: ") + _num(a["schools"], L))
        if a.get("risk"):
            lines.append(self.pick("Điểm rủi ro cao nhất: ", "Highest risk score: ") + _score(a['risk'], self.lang))
        lines += self._findings_lines(a)
        return "\n".join(lines)

    # edges
    def edge_title(self, u: dict, v: dict, e: dict) -> str:
        t = e.get("type")
        L = self.lang
        head = f"{self.node_label(u)} → {_pick(EDGE_LABELS.get(t), L)} → {self.node_label(v)}"
        lines = [head]
        if t == "serves":
            recs = e.get("records") or ()
            for service, year, status, product in recs[:8]:
                lines.append(f"• {i18n.enum('service', service, L)} — {year or ''} — "
                             f"{i18n.enum('deployment_status', status, L)}"
                             + (f" — {self.text(product)}" if product else ""))
            if len(recs) > 8:
                lines.append(self.pick(f"… và {len(recs) - 8} lượt khác", f"… and {len(recs) - 8} more"))
            if e.get("budget_cost_vnd"):
                lines.append(self.pick("Chi ngân sách: ", "Budget cost: ") + _money(e["budget_cost_vnd"], L))
            if e.get("parent_fee_vnd"):
                lines.append(self.pick("Thu phụ huynh mỗi học sinh mỗi năm (cộng các lượt): ",
                                       "Parent fee per student per year (deployments added): ")
                             + _money(e["parent_fee_vnd"], L))
        elif t == "serves_agg":
            lines.append(self.pick("Số trường: ", "Schools: ") + _num(e.get("schools") or 0, L))
            for service, n in (e.get("services") or {}).items():
                lines.append(f"• {i18n.enum('service', service, L)}: {_num(n, L)}")
            if e.get("value_vnd"):
                lines.append(self.pick("Hợp đồng với cơ quan tại đây: ", "Contracts with authorities here: ")
                             + _money(e["value_vnd"], L))
            vs = e.get("vendors") or ()
            if len(vs) > 1:
                lines.append(self.pick("Qua các công ty: ", "Through: ")
                             + "; ".join(self.vendor_name(x) for x in vs[:6])
                             + ("…" if len(vs) > 6 else ""))
        elif t == "buys_from":
            lines.append(self.pick("Số hợp đồng: ", "Contracts: ") + _num(e.get("count") or 0, L))
            lines.append(self.pick("Giá trị: ", "Value: ") + _money(e.get("value_vnd"), L))
        elif t == "procures":
            lines.append(_enum_list("service", e.get("category") or (), L))
            lines.append(_enum_list("method", e.get("method") or (), L))
            if e.get("estimated_value_vnd"):
                lines.append(_money(e["estimated_value_vnd"], L))
        elif t == "bid":
            lines.append(", ".join(_pick(BID_STATUS.get(s), L) or s for s in e.get("status") or ()))
            if e.get("price_vnd"):
                lines.append(self.pick("Giá dự thầu: ", "Bid price: ") + _money(e["price_vnd"], L))
        elif t == "awarded":
            lines.append(self.pick("Hợp đồng: ", "Contracts: ") + ", ".join(e.get("contract_id") or ()))
            if e.get("value_vnd"):
                lines.append(self.pick("Giá trị: ", "Value: ") + _money(e["value_vnd"], L))
        elif t == "committee":
            lines.append(", ".join(_pick(COMMITTEE_ROLE.get(r), L) or r for r in e.get("role") or ()))
        elif t in ("owns", "represents", "directs", "employed_by"):
            roles = [_pick(POSITION_LABELS.get(r), L) or r for r in e.get("role") or ()]
            shares = [f"{_score(x, self.lang)}%" for x in e.get("share_pct") or () if x is not None]
            lines.append(", ".join(roles) + (f" ({', '.join(shares)})" if shares else ""))
        elif t == "relative_of":
            lines.append(", ".join(_pick(POSITION_LABELS.get(r), L) or r for r in e.get("relation") or ()))
        elif t == "works_at":
            lines.append(", ".join(_pick(POSITION_LABELS.get(r), L) or r for r in e.get("position") or ()))
        elif t == "contact":
            lines.append(self.pick("Không có quan hệ khai báo; phát hiện COI-CONTACT tìm thấy thông tin "
                                   "liên hệ trùng nhau.",
                                   "No declared link; the COI-CONTACT finding found a shared contact."))
        for fid in e.get("findings") or ():
            f = self.findings.get(fid)
            if f:
                lines.append(f"{f.code}: {self.detail(f)}")
        return "\n".join(x for x in lines if x)


@lru_cache(maxsize=1)
def _commune_names() -> dict:
    from procurement.geo import communes
    return {c: n for c, (_, n) in communes().items()}


def _commune_name(code: str) -> str:
    return _commune_names().get(code, code)


# --- layout -------------------------------------------------------------------------------------
def radial_layout(V: nx.MultiDiGraph, root: str | None = None, spacing: float = 34.0,
                  ring: float = 220.0) -> dict:
    """Positions on concentric rings from the nodes' ``parent`` attributes: each node gets an
    angle sector proportional to the leaves below it, so children sit beside their parent (a
    radial tree).  Deterministic and O(n); no physics, no randomness."""
    children: dict = {}
    roots = []
    for n, a in V.nodes(data=True):
        p = a.get("parent")
        if p is not None and p in V and p != n:
            children.setdefault(p, []).append(n)
        elif n != root:
            roots.append(n)

    def order(n):
        a = V.nodes[n]
        return (_ORDER.get(a.get("type"), 9), -(a.get("schools") or a.get("count") or 0),
                -(a.get("risk") or 0), str(n))

    for p in children:
        children[p].sort(key=order)
    roots.sort(key=order)
    top = [root] if root is not None else []
    if root is not None:
        children.setdefault(root, [])
        children[root] = children[root] + roots
    else:
        top = roots
    weight: dict = {}
    depth: dict = {}
    # iterative post-order for weights (a deep chain must not hit the recursion limit)
    stack = [(n, 0, False) for n in reversed(top)]
    seen = set()
    while stack:
        n, d, done = stack.pop()
        if done:
            weight[n] = max(1.0, sum(weight[c] for c in children.get(n, [])))
            continue
        if n in seen:
            continue
        seen.add(n)
        depth[n] = d
        stack.append((n, d, True))
        for c in reversed(children.get(n, [])):
            if c not in seen:
                stack.append((c, d + 1, False))
    max_depth = max(depth.values(), default=0) or 1
    leaves = sum(weight[n] for n in top) or 1
    unit = max(ring, leaves * spacing / (2 * math.pi * max_depth))
    pos = {}
    offset = 1 if root is None else 0
    # allot the top level
    start = 0.0
    alloc = []
    for n in top:
        span = 2 * math.pi * weight[n] / leaves
        alloc.append((n, start, span))
        start += span
    while alloc:
        nxt = []
        for n, a0, span in alloc:
            d = depth[n] + offset
            r = unit * d
            ang = a0 + span / 2
            if d == 0:
                pos[n] = (0.0, 0.0)
            else:
                pos[n] = (r * math.cos(ang), r * math.sin(ang))
            kids = children.get(n, [])
            total = sum(weight[c] for c in kids) or 1
            s = a0
            for c in kids:
                if c in pos:
                    continue
                cs = span * weight[c] / total
                nxt.append((c, s, cs))
                s += cs
        alloc = nxt
    # keep neighbours on each ring at least `spacing` apart
    rings: dict = {}
    for n, (x, y) in pos.items():
        d = depth[n] + offset
        if d:
            rings.setdefault(d, {})[n] = math.atan2(y, x)
    for d, angles in rings.items():
        r = unit * d
        for n, a in spread(angles, r, spacing).items():
            pos[n] = (r * math.cos(a), r * math.sin(a))
    for n in V:
        pos.setdefault(n, (0.0, 0.0))
    return pos


_ORDER = {"authority": 0, "vendor_group": 1, "directive": 2, "vendor": 3, "person": 4,
          "tender": 5, "province": 6, "commune": 6, "school": 7, "more": 8}

_TWO_PI = 2 * math.pi


def spread(angles: dict, radius: float, spacing: float) -> dict:
    """Angles on one ring moved apart so that neighbours are at least ``spacing`` pixels apart
    (as far as the ring allows), keeping their order and staying near where they were."""
    if len(angles) < 2 or radius <= 0:
        return dict(angles)
    items = sorted(angles.items(), key=lambda kv: (kv[1] % _TWO_PI, str(kv[0])))
    n = len(items)
    gap = spacing / radius
    if gap * n >= _TWO_PI:   # no room: evenly around, in order
        a0 = items[0][1] % _TWO_PI
        return {k: a0 + i * _TWO_PI / n for i, (k, _) in enumerate(items)}
    a = [v % _TWO_PI for _, v in items]
    # cut the circle at its widest gap, then push forward and pull back on the line
    widest = max(range(n), key=lambda i: ((a[(i + 1) % n] - a[i]) % _TWO_PI, -i))
    order = [(widest + 1 + i) % n for i in range(n)]
    line = []
    base = a[order[0]]
    for i in order:
        line.append((a[i] - base) % _TWO_PI)
    want = list(line)
    for i in range(1, n):
        line[i] = max(line[i], line[i - 1] + gap)
    room = _TWO_PI - gap
    if line[-1] > room:
        line[-1] = room
        for i in range(n - 2, -1, -1):
            line[i] = min(line[i], line[i + 1] - gap)
    # the span is at most 2π - gap, so any common shift keeps the gap across the cut: keep
    # the mean displacement at zero
    shift = sum(w - x for w, x in zip(want, line)) / n
    return {items[i][0]: base + line[j] + shift for j, i in enumerate(order)}


def _circ_mean(angles) -> float:
    x = sum(math.cos(a) for a in angles)
    y = sum(math.sin(a) for a in angles)
    return math.atan2(y, x) if (x or y) else 0.0


def _ring(nodes, radius):
    n = len(nodes)
    return {x: _TWO_PI * i / max(1, n) for i, x in enumerate(nodes)}


def supplier_layout(V: nx.MultiDiGraph, spacing: float = 30.0) -> dict:
    """The supplier map's layout: the buying authorities at the centre; the groups that serve
    no place drawn here (and directives) on an inner ring; the places (schools, communes or
    provinces) on a ring in the order of the group that serves most of their schools; each
    serving group at the mean angle of the places it serves, spread so that none overlap.
    The larger of the two sets (places, serving groups) takes the outer ring."""
    def key(n):
        a = V.nodes[n]
        return (_ORDER.get(a.get("type"), 9), -(a.get("schools") or a.get("count") or 0), str(n))

    places = [n for n, a in V.nodes(data=True) if a.get("type") in ("school", "commune", "province", "more")]
    serving = sorted({u for u, _, e in V.edges(data=True) if e.get("type") == "serves_agg"}, key=key)
    centre = sorted((n for n, a in V.nodes(data=True)
                     if a.get("type") == "authority" and n not in places), key=key)
    inner = sorted((n for n in V if n not in set(places) | set(serving) | set(centre)), key=key)
    rank = {g: i for i, g in enumerate(serving)}
    places.sort(key=lambda p: (rank.get(V.nodes[p].get("parent"), len(rank)), key(p)))
    place_angle = _ring(places, 1.0)
    served: dict = {}
    for g, p, e in V.edges(data=True):
        if e.get("type") == "serves_agg" and p in place_angle:
            served.setdefault(g, []).append(place_angle[p])
    group_angle = {g: _circ_mean(served.get(g, [0.0])) for g in serving}
    r_inner = max(160.0, len(inner) * spacing / _TWO_PI)
    r_a = max(r_inner + 160.0, len(places) * spacing / _TWO_PI)
    r_b = max(r_inner + 160.0, len(serving) * spacing / _TWO_PI)
    if len(places) >= len(serving):
        r_groups = max(r_inner + 140.0, min(r_b, r_a * 0.6))
        r_places = max(r_a, r_groups + 200.0)
    else:
        r_places = max(r_inner + 140.0, min(r_a, r_b * 0.6))
        r_groups = max(r_b, r_places + 200.0)
    group_angle = spread(group_angle, r_groups, spacing * 2)
    pos = {}
    for n, a in place_angle.items():
        pos[n] = (r_places * math.cos(a), r_places * math.sin(a))
    for n, a in group_angle.items():
        pos[n] = (r_groups * math.cos(a), r_groups * math.sin(a))
    # inner ring: each near the mean angle of what it links to on the outer rings
    inner_angle = {}
    for i, n in enumerate(inner):
        linked = [group_angle.get(m, place_angle.get(m)) for m in
                  list(V.successors(n)) + list(V.predecessors(n))]
        linked = [x for x in linked if x is not None]
        inner_angle[n] = _circ_mean(linked) if linked else _TWO_PI * i / max(1, len(inner))
    inner_angle = spread(inner_angle, r_inner, spacing * 1.2)
    for n, a in inner_angle.items():
        pos[n] = (r_inner * math.cos(a), r_inner * math.sin(a))
    if len(centre) == 1:
        pos[centre[0]] = (0.0, 0.0)
    else:
        r_c = min(r_inner * 0.5, max(60.0, len(centre) * spacing / _TWO_PI))
        for n, a in _ring(centre, 1.0).items():
            pos[n] = (r_c * math.cos(a), r_c * math.sin(a))
    return pos


def paths_layout(V: nx.MultiDiGraph, dx: float = 300.0, dy: float = 130.0) -> dict:
    """Each conflict-of-interest path on its own row, in path order (``row``, ``col``)."""
    return {n: (a.get("col", 0) * dx, a.get("row", 0) * dy) for n, a in V.nodes(data=True)}


# --- to pyvis ------------------------------------------------------------------------------------
def _node_size(a: dict, base: int) -> float:
    n = a.get("schools") or a.get("count") or 0
    if a.get("type") in ("commune", "province", "vendor_group", "more") and n:
        return base + min(14.0, 2.0 * math.log2(1 + n))
    return base


def _font_size(a: dict, view: GR.View) -> int:
    t = a.get("type")
    if a.get("focus") or t == "finding":
        return 16
    if view.kind == "supplier" and t in ("school", "commune", "province", "more"):
        return 10
    return 13


def to_pyvis(view: GR.View, labeller: Labeller, *, height: str = "100%"):
    """A ``pyvis.network.Network`` holding the view: its node and edge lists filled directly,
    ids 0…n-1 (no graph id, which may hold a name, reaches the page), positions fixed."""
    from pyvis.network import Network
    V = view.graph
    if view.layout == "paths":
        pos = paths_layout(V)
    elif view.kind == "supplier":
        pos = supplier_layout(V)
    else:
        pos = radial_layout(V, getattr(view, "focus", None))
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    ids = {n: i for i, n in enumerate(V.nodes)}
    nodes = []
    for n, a in V.nodes(data=True):
        shape, colour, base = TYPE_STYLE.get(a.get("type"), ("dot", "#999999", 8))
        border, width = RISK_STYLE.get(a.get("severity"), RISK_STYLE[None])
        if a.get("highlight"):
            border, width = HIGHLIGHT, 5
        x, y = pos[n]
        node = {
            "id": ids[n], "label": without_bidi_controls(labeller.node_label(a)),
            "title": without_bidi_controls(labeller.node_title(a)),
            "font": {"size": _font_size(a, view)},
            "shape": shape, "size": round(_node_size(a, base) + (4 if a.get("focus") else 0), 1),
            "x": round(x, 1), "y": round(y, 1), "physics": False,
            "color": {"background": colour, "border": border,
                      "highlight": {"background": colour, "border": "#000000"},
                      "hover": {"background": colour, "border": "#000000"}},
            "borderWidth": width,
            "group": a.get("type"),
        }
        if a.get("type") == "more":
            node["shapeProperties"] = {"borderDashes": [4, 3]}
        nodes.append(node)
    edges = []
    for u, v, k, e in V.edges(keys=True, data=True):
        t = e.get("type", k)
        colour = HIGHLIGHT if e.get("highlight") else EDGE_COLOUR.get(t, "#999999")
        w = 1.0
        if t == "serves_agg":
            w = 1 + math.log2(1 + (e.get("schools") or 0))
        elif t == "buys_from" and e.get("value_vnd"):
            w = 1 + math.log10(1 + e["value_vnd"] / 1e8)
        edge = {"from": ids[u], "to": ids[v],
                "title": without_bidi_controls(labeller.edge_title(V.nodes[u], V.nodes[v], e)),
                "color": {"color": colour, "highlight": "#000000", "hover": "#000000", "opacity": 0.8},
                "width": round(w + (3 if e.get("highlight") else 0), 2), "arrows": "to"}
        if t in ("contact", "more"):
            edge["dashes"] = True
        if view.kind == "coi":
            edge["label"] = _pick(EDGE_LABELS.get(t), labeller.lang)
            edge["font"] = {"size": 10, "align": "top", "background": "rgba(255,255,255,0.85)"}
            cu, cv = V.nodes[u].get("col", 0), V.nodes[v].get("col", 0)
            if abs(cu - cv) > 1 or V.nodes[u].get("row") != V.nodes[v].get("row"):
                edge["smooth"] = {"enabled": True, "type": "curvedCW" if cu > cv else "curvedCCW",
                                  "roundness": 0.35}
        elif view.kind == "neighbourhood" and not e.get("tree") and not e.get("highlight"):
            edge["color"]["opacity"] = 0.25
            edge["width"] = 0.6
        edges.append(edge)
    # pyvis keeps these four in step; filled directly (add_node checks every id: quadratic)
    net.nodes = nodes
    net.edges = edges
    net.node_ids = list(range(len(nodes)))
    net.node_map = {x["id"]: x for x in nodes}
    net.options = vis_options(len(nodes), len(edges))
    return net


def vis_options(n_nodes: int, n_edges: int) -> dict:
    """vis-network options: physics off (positions are given), hover tooltips as text."""
    return {
        "physics": {"enabled": False},
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n_edges > 2000,
                        "hideEdgesOnZoom": n_edges > 4000, "navigationButtons": False,
                        "keyboard": False, "multiselect": False},
        "nodes": {"font": {"size": 13, "face": "Arial, Helvetica, sans-serif", "color": "#222222"},
                  "scaling": {"label": {"drawThreshold": 6}}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
                  "font": {"face": "Arial, Helvetica, sans-serif"}},
    }


# --- the page ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def vis_script() -> str:
    """vis-network's script as pyvis ships it (its source-map comment dropped: nothing may be
    fetched, not even by developer tools)."""
    import pyvis
    path = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    text = path.read_text(encoding="utf-8")
    # split on "\n" only: the minified code holds other line-break characters inside strings
    lines = [l for l in text.split("\n") if not l.startswith("//# sourceMappingURL")]
    return "\n".join(lines).replace("</script", "<\\/script")


CSS = """
html,body{margin:0;padding:0;font-family:Arial,Helvetica,sans-serif;color:#222;background:#fff}
header{padding:10px 16px 4px 16px}
header h1{font-size:20px;margin:0 0 4px 0}
header p{margin:2px 0;font-size:13px;color:#444}
header p.warn{color:#8a1c1c;font-weight:bold}
#hocba-wrap{display:flex;align-items:stretch;height:calc(100vh - 110px);min-height:420px}
#hocba-map{flex:1 1 auto;border-top:1px solid #ddd;border-right:1px solid #ddd;position:relative}
aside.legend{flex:0 0 250px;overflow:auto;padding:8px 12px;font-size:12px;border-top:1px solid #ddd}
aside.legend h2{font-size:13px;margin:8px 0 4px 0}
aside.legend ul{list-style:none;margin:0;padding:0}
aside.legend li{display:flex;align-items:center;gap:6px;margin:2px 0}
aside.legend svg{flex:0 0 auto}
.vis-tooltip{position:absolute;visibility:hidden;padding:6px 8px;white-space:pre-wrap;max-width:460px;
 font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#000;background:#fffff4;
 border:1px solid #808074;border-radius:3px;box-shadow:2px 2px 8px rgba(0,0,0,.2);
 pointer-events:none;z-index:5}
@media print{#hocba-wrap{height:auto}}
"""

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; font-src data:; connect-src 'none'; frame-src 'none'")

_BOOT = """
(function () {
  window.hocbaBoot = performance.now();
  var data = JSON.parse(document.getElementById("hocba-data").textContent);
  var container = document.getElementById("hocba-map");
  var network = new vis.Network(container,
      {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, data.options);
  network.once("afterDrawing", function () {
    window.hocbaFirstPaint = performance.now();
    document.body.setAttribute("data-painted", "1");
  });
  window.hocbaNetwork = network;
})();
"""


def _json_for_html(obj) -> str:
    """JSON that cannot end its ``<script>`` block nor be read as markup."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _shape_svg(shape: str, fill: str, border: str = "#555555", width: float = 1.0,
               dashed: bool = False) -> str:
    s = 16
    c = s / 2
    dash = ' stroke-dasharray="3,2"' if dashed else ""
    style = f'fill="{fill}" stroke="{border}" stroke-width="{width}"{dash}'
    if shape in ("dot", "circle"):
        body = f'<circle cx="{c}" cy="{c}" r="6" {style}/>'
    elif shape == "square":
        body = f'<rect x="3" y="3" width="10" height="10" {style}/>'
    elif shape == "diamond":
        body = f'<polygon points="8,1 15,8 8,15 1,8" {style}/>'
    elif shape == "triangle":
        body = f'<polygon points="8,2 15,14 1,14" {style}/>'
    elif shape == "triangleDown":
        body = f'<polygon points="1,2 15,2 8,14" {style}/>'
    elif shape == "star":
        pts = []
        for i in range(10):
            r = 7 if i % 2 == 0 else 3
            a = -math.pi / 2 + i * math.pi / 5
            pts.append(f"{c + r * math.cos(a):.1f},{c + r * math.sin(a):.1f}")
        body = f'<polygon points="{" ".join(pts)}" {style}/>'
    elif shape == "hexagon":
        pts = " ".join(f"{c + 7 * math.cos(math.pi / 3 * i):.1f},{c + 7 * math.sin(math.pi / 3 * i):.1f}"
                       for i in range(6))
        body = f'<polygon points="{pts}" {style}/>'
    else:
        body = f'<circle cx="{c}" cy="{c}" r="6" {style}/>'
    return f'<svg width="{s}" height="{s}" viewBox="0 0 {s} {s}" aria-hidden="true">{body}</svg>'


def legend_html(view: GR.View, lang: str = "vi") -> str:
    """The legend of what the view draws: node types (shape, colour), risk (border), edges."""
    V = view.graph
    types = [t for t in TYPE_STYLE if any(a.get("type") == t for _, a in V.nodes(data=True))]
    etypes = sorted({e.get("type", k) for _, _, k, e in V.edges(keys=True, data=True)},
                    key=lambda t: list(EDGE_COLOUR).index(t) if t in EDGE_COLOUR else 99)
    esc = _esc
    out = [f"<h2>{esc(_pick(('Loại nút', 'Nodes'), lang))}</h2><ul>"]
    for t in types:
        shape, colour, _ = TYPE_STYLE[t]
        out.append(f"<li>{_shape_svg(shape, colour, dashed=(t == 'more'))}"
                   f"<span>{esc(_pick(TYPE_LABELS.get(t), lang))}</span></li>")
    out.append(f"</ul><h2>{esc(_pick(('Mức rủi ro (viền)', 'Risk (border)'), lang))}</h2><ul>")
    for sev in ("high", "medium", "low", None):
        border, width = RISK_STYLE[sev]
        label = i18n.enum("severity", sev, lang) if sev else _pick(("Không có phát hiện", "No finding"), lang)
        out.append(f"<li>{_shape_svg('dot', '#ffffff', border, width)}<span>{esc(label)}</span></li>")
    if any(a.get("highlight") for _, a in V.nodes(data=True)):
        out.append(f"<li>{_shape_svg('dot', '#ffffff', HIGHLIGHT, 3)}<span>"
                   f"{esc(_pick(('Trên đường xung đột lợi ích', 'On a conflict-of-interest path'), lang))}"
                   f"</span></li>")
    out.append(f"</ul><h2>{esc(_pick(('Quan hệ (mũi tên)', 'Links (arrows)'), lang))}</h2><ul>")
    for t in etypes:
        colour = EDGE_COLOUR.get(t, "#999999")
        dash = ' stroke-dasharray="4,3"' if t in ("contact", "more") else ""
        out.append(f'<li><svg width="24" height="10" aria-hidden="true"><line x1="1" y1="5" x2="23" '
                   f'y2="5" stroke="{colour}" stroke-width="3"{dash}/></svg>'
                   f"<span>{esc(_pick(EDGE_LABELS.get(t, (t, t)), lang))}</span></li>")
    out.append("</ul>")
    out.append(f"<p>{esc(_pick(('Di chuột lên nút hoặc cạnh để xem số liệu; cuộn để phóng to.', 'Hover a node or link for its figures; scroll to zoom.'), lang))}</p>")
    return "".join(out)


def page_html(net, *, title: str, notes: list[str] = (), legend: str = "", lang: str = "vi",
              warning: str | None = None) -> str:
    """One self-contained page: vis-network inlined, the network's data as escaped JSON,
    ``title`` and ``notes`` escaped; ``legend`` is HTML made by :func:`legend_html`."""
    esc = _esc
    data = {"nodes": net.nodes, "edges": net.edges, "options": net.options}
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        f"<script>{vis_script()}</script>",
        "</head><body>",
        f"<header><h1>{esc(title)}</h1>",
    ]
    if warning:
        parts.append(f'<p class="warn">{esc(warning)}</p>')
    for n in notes:
        parts.append(f"<p>{esc(n)}</p>")
    parts += [
        "</header>",
        '<div id="hocba-wrap"><div id="hocba-map"></div>',
        f'<aside class="legend">{legend}</aside></div>',
        f'<script id="hocba-data" type="application/json">{_json_for_html(data)}</script>',
        f"<script>{_BOOT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def iframe(page: str, *, height: int = 720, title: str = "") -> str:
    """``page`` as an ``<iframe srcdoc=…>`` (the whole page escaped into the attribute): two
    networks on one report or notebook page stay apart, and the page needs no file beside it."""
    return (f'<div class="hocba-network"><iframe srcdoc="{html.escape(page, quote=True)}" '
            f'title="{html.escape(without_bidi_controls(title), quote=True)}" style="width:100%;height:{int(height)}px;'
            f'border:1px solid #ddd" sandbox="allow-scripts"></iframe></div>')


class NetworkHTML:
    """A drawn network: ``str()`` / ``.page`` is the standalone page, ``_repr_html_`` the
    isolated iframe (JupyterLab, nbconvert), ``.save(path)`` writes the page."""

    def __init__(self, page: str, view: GR.View, title: str, height: int = 720):
        self.page = page
        self.view = view
        self.title = title
        self.height = height

    def _repr_html_(self) -> str:
        return iframe(self.page, height=self.height, title=self.title)

    def __str__(self) -> str:
        return self.page

    def save(self, path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.page, encoding="utf-8")
        return p


# --- the whole: store → page ------------------------------------------------------------------
@dataclass
class MapRequest:
    """What ``hocba-audit map`` asks for."""
    province: str | None = None
    school_year: str | None = None
    service: str | None = None
    focus: str | None = None          # vendor:ID | official:ID | school:ID
    hops: int = 2
    privacy: str = "public"
    lang: str = "vi"
    view: str = "auto"                # auto | supplier | focus | coi
    level: str = "auto"               # supplier map: auto | school | commune | province
    max_nodes: int = GR.MAX_NODES
    timings: dict = field(default_factory=dict)


def _title(req: MapRequest, view: GR.View, lab: Labeller) -> str:
    from procurement.geo import province_name
    L = req.lang
    where = province_name(req.province) if req.province else _pick(("Toàn quốc", "Whole country"), L)
    year = req.school_year or _pick(("mọi năm học", "every school year"), L)
    if view.kind == "supplier":
        what = _pick(("Bản đồ nhà cung cấp", "Supplier map"), L)
    elif view.kind == "coi":
        what = _pick(("Các đường xung đột lợi ích", "Conflict-of-interest paths"), L)
    else:
        focus = view.graph.nodes[view.focus]
        what = _pick((f"Mạng lưới quanh {lab.node_label(focus)} ({view.hops} bước)",
                      f"Network around {lab.node_label(focus)} ({view.hops} hops)"), L)
    return f"{what} — {where}, {year}"


def _notes(req: MapRequest, view: GR.View, n_paths: int) -> list[str]:
    L = req.lang
    V = view.graph
    out = [_pick(n, L) for n in view.notes]
    drawn = V.number_of_nodes()
    if not drawn:
        out.append(_pick(("Không có dữ liệu nào để vẽ trong phạm vi này.",
                          "Nothing to draw in this scope."), L))
    out.append(_pick((f"Vẽ {_num(drawn, L)} nút và {_num(V.number_of_edges(), L)} quan hệ.",
                      f"{_num(drawn, L)} nodes and {_num(V.number_of_edges(), L)} links drawn."), L))
    if view.aggregated_nodes:
        out.append(_pick((f"{_num(view.aggregated_nodes, L)} nút khác được gộp vào các nút «+N … khác» "
                          f"để trang vẽ không quá {_num(req.max_nodes, L)} nút.",
                          f"{_num(view.aggregated_nodes, L)} more nodes are aggregated into «+N more» "
                          f"nodes so that the page draws at most {_num(req.max_nodes, L)}."), L))
    if view.dropped_edges:
        out.append(_pick((f"{_num(view.dropped_edges, L)} quan hệ giữa các nút đã vẽ không được vẽ "
                          f"(giới hạn {_num(GR.MAX_EDGES, L)}).",
                          f"{_num(view.dropped_edges, L)} links between drawn nodes are not drawn "
                          f"(limit {_num(GR.MAX_EDGES, L)})."), L))
    if n_paths:
        out.append(_pick((f"{n_paths} đường xung đột lợi ích được tô đỏ.",
                          f"{n_paths} conflict-of-interest paths are highlighted in red."), L))
    out.append(_pick(("Bản công khai: cá nhân được nêu theo vai trò và bí danh." if req.privacy == "public"
                      else "Bản nội bộ, chỉ dành cho thanh tra: có thông tin cá nhân. Không phát tán.",
                      "Public edition: people appear by role and pseudonym." if req.privacy == "public"
                      else "Internal edition for inspectors only: contains personal data."), L))
    out.append(_pick((f"Lập lúc {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.",
                      f"Generated {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}."), L))
    return out


def make_view(G: nx.MultiDiGraph, req: MapRequest) -> GR.View:
    """The view a request asks for (``view="auto"``: around the focus if one is given, else the
    supplier map)."""
    kind = req.view
    if kind == "auto":
        kind = "focus" if req.focus else "supplier"
    if kind == "focus":
        if not req.focus:
            raise ValueError("a focus view needs focus=vendor:ID|official:ID|school:ID")
        return GR.neighbourhood(G, GR.focus_node(G, req.focus), req.hops, max_nodes=req.max_nodes)
    if kind == "coi":
        return GR.coi_view(G, max_nodes=req.max_nodes)
    if kind == "supplier":
        return GR.supplier_view(G, level=req.level, max_nodes=req.max_nodes)
    raise ValueError(f"unknown view {kind!r}")


def render_view(G: nx.MultiDiGraph, view: GR.View, masker: Masker, req: MapRequest,
                *, engine=None, synthetic: bool = False) -> NetworkHTML:
    """Draw a view of ``G`` as a page (``engine``: where the explanations' people are read
    from, to mask them)."""
    lab = Labeller(G, masker, req.lang, engine=engine)
    n_paths = GR.highlight_paths(view, G) if view.kind != "coi" else len(view.paths)
    net = to_pyvis(view, lab)
    title = _title(req, view, lab)
    warning = i18n.t("synthetic_banner", req.lang) if synthetic else None
    page = page_html(net, title=title, notes=_notes(req, view, n_paths),
                     legend=legend_html(view, req.lang), lang=req.lang, warning=warning)
    return NetworkHTML(page, view, title)


class MapError(ValueError):
    """A map that cannot be drawn as asked; ``text_vi`` / ``text_en`` say what to do."""

    def __init__(self, text_vi: str, text_en: str):
        super().__init__(f"{text_vi} / {text_en}")
        self.text_vi, self.text_en = text_vi, text_en


def _engine(db):
    from procurement import store
    if db is not None and hasattr(db, "connect") and hasattr(db, "dialect"):
        return db   # an Engine already
    return store.get_engine(db)


_GRAPH_CACHE: dict = {}


def _store_version(eng) -> tuple:
    """What changes when the store does: ingests, audit runs, review decisions are not read."""
    from sqlalchemy import func, inspect, select

    from procurement import store
    from .. import findings as F
    have = inspect(eng).has_table(F.audit_runs.name)
    with eng.connect() as conn:
        ingests = conn.execute(select(func.max(store.ingest_runs.c.ingest_id))).scalar()
        run = conn.execute(select(func.max(F.audit_runs.c.created_at))).scalar() if have else None
    return (ingests, str(run))


def cached_graph(eng, province=None, school_year=None, service=None) -> nx.MultiDiGraph:
    """The graph of a scope, built once per store version (the explorer draws many networks of
    one graph).  One graph is kept."""
    key = (str(eng.url), province, school_year, service, _store_version(eng))
    G = _GRAPH_CACHE.get(key)
    if G is None:
        _GRAPH_CACHE.clear()
        G = _GRAPH_CACHE[key] = GR.build_graph(engine=eng, province=province,
                                               school_year=school_year, service=service)
    return G


def map_page(db=None, *, engine=None, graph: nx.MultiDiGraph | None = None,
             findings: list | None = None, masker: Masker | None = None, **kw) -> NetworkHTML:
    """The supplier map of the store as one page.  ``db``: a URL or an Engine.  Keywords:
    ``province``, ``school_year``, ``service``, ``focus`` (``vendor:ID`` | ``official:ID`` |
    ``school:ID``), ``hops``, ``privacy`` (``public`` | ``internal``), ``lang`` (``vi`` |
    ``en``), ``view`` (``auto`` | ``supplier`` | ``focus`` | ``coi``), ``level``, ``max_nodes``
    — see :class:`MapRequest`.

    ``graph``: a graph already built for the same scope; ``findings``: the findings to show
    (default: the latest stored audit run); ``masker``: the caller's (a report's, the
    explorer's) when it has one for the same privacy and language, so that the store's
    personal values are gathered once.  Raises :class:`MapError` when the focus is not in the
    scope."""
    import time
    from procurement import store
    req = MapRequest(**kw)
    i18n.check_lang(req.lang)
    if req.privacy not in ("public", "internal"):
        raise MapError(f"privacy «{req.privacy}»: ghi public hoặc internal",
                       f"privacy «{req.privacy}»: write public or internal")
    eng = engine or _engine(db)
    t0 = time.perf_counter()
    if graph is not None:
        G = graph
    elif findings is not None:
        G = GR.build_graph(engine=eng, province=req.province, school_year=req.school_year,
                           service=req.service, findings=findings)
    else:
        G = cached_graph(eng, req.province, req.school_year, req.service)
    t1 = time.perf_counter()
    try:
        view = make_view(G, req)
    except KeyError:
        if req.province or req.school_year or req.service:
            raise MapError(f"không có «{req.focus}» trong phạm vi này (tỉnh, năm học, dịch vụ); "
                           f"kiểm tra mã hoặc bỏ bớt điều kiện phạm vi",
                           f"«{req.focus}» is not in this scope (province, school year, service); "
                           f"check the id or widen the scope") from None
        raise MapError(f"không có «{req.focus}» trong kho dữ liệu; kiểm tra mã",
                       f"«{req.focus}» is not in the store; check the id") from None
    t2 = time.perf_counter()
    if masker is None or masker.public != (req.privacy == "public") or masker.lang != req.lang:
        masker = Masker(eng, req.privacy, req.lang)
    out = render_view(G, view, masker, req, engine=eng, synthetic=store.is_synthetic(eng))
    t3 = time.perf_counter()
    req.timings.update(graph=t1 - t0, view=t2 - t1, render=t3 - t2)
    out.request = req
    return out


def embed(db=None, *, height: int = 720, **kw) -> str:
    """The map as an ``<iframe srcdoc>`` block for a report or a notebook (arguments as
    :func:`map_page`; ``db`` may be an Engine).  A focus outside the scope gives a short note
    instead of a map."""
    try:
        page = map_page(db, **kw)
    except MapError as e:
        text = e.text_vi if kw.get("lang", "vi") == "vi" else e.text_en
        return f'<p class="hocba-network-missing">{html.escape(text)}</p>'
    return iframe(page.page, height=height, title=page.title)

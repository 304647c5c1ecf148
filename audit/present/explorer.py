"""The inspector's explorer: filters, a findings table, a detail pane, the network around the
selected finding's subject, and review buttons (ipywidgets).

All behaviour lives in :class:`Explorer`; ``notebooks/explore.ipynb`` only builds it and shows
it, and ``hocba-audit serve`` shows that notebook with Voilà.  Every callback is a plain method
(:meth:`Explorer.refresh`, :meth:`Explorer.select`, :meth:`Explorer.review`, …) that a test
calls without a browser or a kernel; widgets only forward their events to them.

What is shown comes from one stored audit run (the latest unless ``run_id`` is given), with the
latest review status of each finding.  The filters are pure functions of a findings frame built
once (:class:`FindingsData`): province, school year, service, family, severity, review status,
and a search on vendor, school and authority names that works with and without diacritics
("Gia Dương" = "gia duong").

Privacy: ``public`` (the default) shows no person's name, birth date, national id, phone,
e-mail or address, nor the name or id of a household-business vendor, in the table, the
detail, the evidence rows and the search (a masked name cannot be found by searching for it).
``internal`` shows everything.  Every value is HTML-escaped: a vendor named
``<img src=x onerror=alert(1)>`` shows as text.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property

import ipywidgets as W
import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from procurement import store
from procurement.contract import SERVICES, TABLES, VI_HEADERS
from procurement.geo import provinces
from procurement.text import fold, strip_diacritics, without_bidi_controls
from procurement.values import is_personal_tax_code

from .. import review as R
from ..findings import audit_runs, stored_findings
from ..i18n import legal_basis
from ..privacy import FastScrubber, Masker
from ..registry import FAMILIES, SEVERITIES

SERVICE_LABELS = {
    "school_management_software": ("Phần mềm quản lý trường học", "School management software"),
    "center_management_software": ("Phần mềm quản lý trung tâm", "Centre management software"),
    "digital_signature": ("Chữ ký số", "Digital signature"),
    "infrastructure_equipment": ("Hạ tầng, thiết bị", "Infrastructure and equipment"),
    "hosting_and_data": ("Lưu trữ, dữ liệu", "Hosting and data"),
    "training": ("Đào tạo", "Training"),
    "other": ("Khác", "Other"),
}
SEVERITY_LABELS = {"high": ("Cao", "High"), "medium": ("Trung bình", "Medium"), "low": ("Thấp", "Low")}
SUBJECT_LABELS = {
    "market": ("Thị trường", "Market"), "province": ("Tỉnh", "Province"),
    "vendor_group": ("Nhóm nhà thầu", "Vendor group"), "tender": ("Gói thầu", "Tender"),
    "procuring_entity": ("Bên mời thầu", "Procuring entity"), "contract": ("Hợp đồng", "Contract"),
    "contract_line": ("Dòng hợp đồng", "Contract line"), "vendor_set": ("Nhóm nhà thầu", "Vendor set"),
    "vendor_pair": ("Cặp nhà thầu", "Vendor pair"), "official": ("Cán bộ", "Official"),
    "school": ("Trường", "School"), "directive": ("Văn bản chỉ đạo", "Directive"),
    "deployment": ("Triển khai", "Deployment"), "vendor": ("Nhà thầu", "Vendor"),
}
TEXT = {
    "province": ("Tỉnh", "Province"), "school_year": ("Năm học", "School year"),
    "service": ("Dịch vụ", "Service"), "family": ("Nhóm dấu hiệu", "Family"),
    "severity": ("Mức độ", "Severity"), "status": ("Trạng thái", "Status"),
    "search": ("Tìm", "Search"), "all": ("Tất cả", "All"),
    "search_hint": ("Tên nhà thầu, trường… (có dấu hoặc không dấu)",
                    "Vendor or school name (with or without diacritics)"),
    "score": ("Điểm", "Score"), "code": ("Mã", "Code"), "title": ("Dấu hiệu", "Red flag"),
    "subject": ("Đối tượng", "Subject"), "vendors": ("Nhà thầu", "Vendors"),
    "pick": ("Chọn", "Select"), "prev": ("‹ Trước", "‹ Previous"), "next": ("Sau ›", "Next ›"),
    "count": ("{n} phát hiện · trang {p}/{pages}", "{n} findings · page {p}/{pages}"),
    "none": ("Không có phát hiện nào khớp bộ lọc.", "No finding matches the filters."),
    "no_run": ("Chưa có lần chạy nào được lưu trong cơ sở dữ liệu này: chạy "
               "<code>hocba-audit flags --out …</code> trước.",
               "No audit run is stored in this database yet: run "
               "<code>hocba-audit flags --out …</code> first."),
    "run": ("Lần chạy {run} · {n} phát hiện · chế độ {privacy}",
            "Run {run} · {n} findings · {privacy} mode"),
    "explanation": ("Giải thích", "Explanation"), "evidence": ("Bằng chứng", "Evidence"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"), "history": ("Các quyết định", "Decisions"),
    "network": ("Mạng lưới quanh đối tượng", "Network around the subject"),
    "parties": ("Các bên liên quan", "Parties"), "no_selection": ("Chọn một phát hiện để xem chi tiết.",
                                                                  "Select a finding to see its detail."),
    "reviewer": ("Người xem xét", "Reviewer"), "note": ("Ghi chú", "Note"),
    "reviewer_hint": ("Họ tên thanh tra viên", "Inspector's name"),
    "note_hint": ("Lý do của quyết định", "Why: the reason for the decision"),
    "recorded": ("Đã ghi quyết định #{seq} ({status}). Đầu chuỗi: #{seq} {hash}",
                 "Decision #{seq} recorded ({status}). Chain head: #{seq} {hash}"),
    "pick_first": ("Chọn một phát hiện trước.", "Select a finding first."),
    "no_rows": ("không tìm thấy dòng trong cơ sở dữ liệu", "row not found in the store"),
    "more_evidence": ("… và {n} bằng chứng khác", "… and {n} more references"),
    "no_decision": ("Chưa có quyết định nào.", "No decision yet."),
    "network_none": ("(đối tượng này không có nút trên bản đồ nhà cung cấp; các bên ở trên)",
                     "(this subject has no node on the supplier map; parties above)"),
    "network_failed": ("Không vẽ được mạng lưới", "The network could not be drawn"),
    "network_missing": ("(chưa có mô-đun vẽ mạng lưới; các bên và bằng chứng ở trên)",
                        "(the network drawing module is not available; parties and evidence above)"),
}
PERSON_TABLES = {"officials": "official", "declared_relatives": "relative",
                 "vendor_people": "vendor_person"}
PAGE_SIZE = 25
MAX_EVIDENCE = 30


def _t(key: str, lang: str) -> str:
    vi, en = TEXT[key]
    return vi if lang == "vi" else en


def _label(table: dict, key, lang: str) -> str:
    pair = table.get(key)
    if not pair:
        return str(key) if key is not None else ""
    return pair[0] if lang == "vi" else pair[1]


def _identity(text: str | None) -> str:
    return text or ""


def esc(value) -> str:
    """HTML-escaped text of any value (None and NaN are empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(without_bidi_controls(str(value)), quote=True)


_WS = re.compile(r"\s+")


def search_key(text: str | None) -> str:
    """A text as the search compares it: no diacritics (đ → d), case folded, spaces collapsed;
    so "Gia Dương", "gia duong" and "GIA DUONG" are one key."""
    if not text:
        return ""
    return _WS.sub(" ", strip_diacritics(str(text))).strip()


# --- scrubbing personal values, fast -----------------------------------------------------------

# --- the findings data -------------------------------------------------------------------------

def latest_run_id(engine: Engine) -> str | None:
    """The most recently stored audit run, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(audit_runs.c.run_id)
                           .order_by(audit_runs.c.created_at.desc(), audit_runs.c.run_id.desc())
                           .limit(1)).first()
    return row[0] if row else None


def _refs(evidence) -> list[tuple[str, str]]:
    out = []
    for ref in evidence or []:
        table, _, key = str(ref).partition(":")
        if key:
            out.append((table, key))
    return out


def _fetch(conn, table: str, key_col: str, cols: list[str], keys) -> list[tuple]:
    t = store.contract_tables[table]
    keys = sorted({k for k in keys if isinstance(k, str) and k})
    out = []
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        out += conn.execute(select(*[t.c[c] for c in [key_col] + cols])
                            .where(t.c[key_col].in_(chunk))).all()
    return out


@dataclass
class FindingsData:
    """One stored run's findings as a frame the filters work on, plus what the display needs.

    ``frame`` columns: the stored finding's fields, ``review_status``, ``services``
    (``|s1|s2|``), ``vendors`` (vendor ids), ``schools`` (school ids), ``vendor_text`` (the
    vendors as shown) and ``search`` (the searchable text, :func:`search_key` applied)."""
    engine: Engine
    run: dict | None
    frame: pd.DataFrame
    privacy: str = "public"
    lang: str = "vi"
    vendor_names: dict = field(default_factory=dict)
    school_names: dict = field(default_factory=dict)
    authority_names: dict = field(default_factory=dict)
    _scrubber: FastScrubber | None = field(default=None, repr=False)
    _scrub_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, engine: Engine, run_id: str | None = None, *, privacy: str = "public",
             lang: str = "vi") -> "FindingsData":
        run_id = run_id or latest_run_id(engine)
        empty = pd.DataFrame(columns=[c.name for c in stored_findings.columns] +
                             ["review_status", "services", "vendors", "schools", "vendor_text",
                              "search"])
        if run_id is None:
            return cls(engine, None, empty, privacy, lang)
        with engine.connect() as conn:
            run = conn.execute(select(audit_runs.c.run_id, audit_runs.c.created_at,
                                      audit_runs.c.as_of).where(audit_runs.c.run_id == run_id)
                               ).mappings().first()
            if run is None:
                raise ValueError(f"không có lần chạy «{run_id}» / no stored run {run_id!r}")
            res = conn.execute(select(stored_findings).where(stored_findings.c.run_id == run_id))
            df = pd.DataFrame(res.all(), columns=list(res.keys()))
            vendor_names = dict(conn.execute(select(store.contract_tables["vendors"].c.vendor_id,
                                                    store.contract_tables["vendors"].c.name)).all())
            school_names = dict(conn.execute(select(store.contract_tables["schools"].c.school_id,
                                                    store.contract_tables["schools"].c.name)).all())
            authority_names = dict(conn.execute(select(
                store.contract_tables["authorities"].c.authority_id,
                store.contract_tables["authorities"].c.name)).all())
        data = cls(engine, dict(run), empty, privacy, lang, vendor_names, school_names,
                   authority_names)
        if df.empty:
            return data
        df = df.sort_values(["score", "finding_id"], ascending=[False, True], kind="stable")
        df = df.reset_index(drop=True)
        statuses = R.latest_statuses(engine)
        df["review_status"] = pd.Series([statuses.get(f, "new") for f in df["finding_id"]],
                                        dtype="str", index=df.index)
        df["services"] = data._services(df)
        vendors, schools, authorities = [], [], []
        for ev, parties, st, sid in zip(df["evidence"], df["parties"], df["subject_type"],
                                        df["subject_id"]):
            v, s, a = data._linked(ev, parties or {}, st, sid)
            vendors.append(v)
            schools.append(s)
            authorities.append(a)
        df["vendors"] = vendors
        df["schools"] = schools
        df["vendor_text"] = [", ".join(data.vendor_label(x) for x in vs[:2]) +
                             (f" +{len(vs) - 2}" if len(vs) > 2 else "") for vs in vendors]
        search = []
        for vs, ss, aus, sid, fid, st in zip(vendors, schools, authorities, df["subject_id"],
                                             df["finding_id"], df["subject_type"]):
            words = [data.vendor_label(x) for x in vs]
            words += [data.vendor_id_label(x) for x in vs]
            words += [school_names.get(x) or x for x in ss]
            words += [authority_names.get(x) or x for x in aus]
            words += [data.subject_label(st, sid), fid]
            search.append(search_key(" · ".join(w for w in words if w)))
        df["search"] = pd.Series(search, dtype="str")
        for col in ("province_code", "school_year", "family", "severity", "code"):
            df[col] = df[col].astype("str").where(df[col].notna(), "")
        data.frame = df
        return data

    # --- derived columns ---------------------------------------------------------------------
    def _services(self, df: pd.DataFrame) -> list[str]:
        """Each finding's services: from its subject id where the catalogue puts one there,
        else from its evidence (tenders' category, contract lines' and deployments' service)."""
        tender_ids, contract_ids, line_keys = set(), set(), set()
        for ev, st, sid in zip(df["evidence"], df["subject_type"], df["subject_id"]):
            for table, key in _refs(ev):
                if table == "tenders":
                    tender_ids.add(key)
                elif table == "contracts":
                    contract_ids.add(key)
                elif table == "contract_lines":
                    line_keys.add(key)
            if st == "tender":
                tender_ids.add(sid)
            elif st == "contract":
                contract_ids.add(sid)
            elif st == "contract_line":
                line_keys.add(sid.replace("#", "/", 1))
        with self.engine.connect() as conn:
            contract_tender = {c: t for c, t in _fetch(conn, "contracts", "contract_id",
                                                       ["tender_id"], contract_ids)}
            tender_ids |= {t for t in contract_tender.values() if t}
            category = dict(_fetch(conn, "tenders", "tender_id", ["category"], tender_ids))
            line_service = dict(_fetch(conn, "contract_lines", "row_key", ["service"], line_keys))
            no_tender = [c for c in contract_ids if not contract_tender.get(c)]
            contract_services: dict[str, set] = {}
            for c, s in _fetch(conn, "contract_lines", "contract_id", ["service"], no_tender):
                contract_services.setdefault(c, set()).add(s)

        def of_contract(c):
            t = contract_tender.get(c)
            if t and category.get(t):
                return {category[t]}
            return contract_services.get(c, set())

        out = []
        for ev, st, sid in zip(df["evidence"], df["subject_type"], df["subject_id"]):
            found: set[str] = set()
            head, _, tail = sid.partition("+")
            if st == "market":
                found.add(head.split("/")[1] if head.count("/") >= 2 else "")
            elif st == "deployment":
                found.add(sid.split("/")[1] if sid.count("/") >= 2 else "")
            elif st == "vendor" and tail:
                found.add(tail)
            elif st == "directive" and tail.count("/") >= 2:
                found.add(tail.split("/")[1])
            elif st == "tender":
                found.add(category.get(sid, ""))
            elif st == "contract":
                found |= of_contract(sid)
            elif st == "contract_line":
                found.add(line_service.get(sid.replace("#", "/", 1), ""))
            if not (found - {""}):
                for table, key in _refs(ev):
                    if table == "tenders":
                        found.add(category.get(key, ""))
                    elif table == "contracts":
                        found |= of_contract(key)
                    elif table == "contract_lines":
                        found.add(line_service.get(key, ""))
                    elif table == "deployments":
                        parts = key.split("/")
                        if len(parts) >= 4:
                            found.add(parts[2])
            found = {s for s in found if s in SERVICES}
            out.append("|" + "|".join(sorted(found)) + "|" if found else "")
        return out

    def _linked(self, evidence, parties: dict, subject_type: str, subject_id: str
                ) -> tuple[list[str], list[str], list[str]]:
        """The vendors, schools and authorities a finding is about or cites."""
        vendors = list(parties.get("vendor", [])) + list(parties.get("vendor_group", []))
        schools = list(parties.get("school", []))
        authorities = list(parties.get("procuring_entity", []))
        for table, key in _refs(evidence):
            if table == "vendors":
                vendors.append(key)
            elif table in ("bids",):
                vendors.append(key.split("/", 1)[-1])
            elif table == "vendor_people":
                vendors.append(key.split("/", 1)[0])
            elif table == "deployments":
                parts = key.split("/")
                schools.append(parts[0])
                if len(parts) >= 4:
                    vendors.append(parts[3])
            elif table == "schools":
                schools.append(key)
            elif table == "authorities":
                authorities.append(key)
        if subject_type in ("vendor_pair", "vendor_set", "vendor_group"):
            vendors += subject_id.split("+")
        return (list(dict.fromkeys(vendors)), list(dict.fromkeys(schools)),
                list(dict.fromkeys(authorities)))

    # --- display under the privacy mode --------------------------------------------------
    @property
    def public(self) -> bool:
        return self.privacy == "public"

    @cached_property
    def masker(self) -> Masker:
        return Masker(self.engine, self.privacy, self.lang)

    @property
    def scrub(self):
        """Text → text without personal values (public); the identity (internal).

        Built on first use (at national scale, ~5 s: every personal value of the store);
        :meth:`warm` builds it in a background thread so that the first click does not wait."""
        if not self.public:
            return _identity
        with self._scrub_lock:
            if self._scrubber is None:
                # the masker's own: the network pane's map masks with the same one
                self._scrubber = self.masker._scrubber
            return self._scrubber

    def warm(self) -> threading.Thread | None:
        """Build the scrubber in a background thread (public mode); returns the thread."""
        if not self.public or self._scrubber is not None:
            return None
        self.masker  # noqa: B018 - made here: it may create the store's pseudonym secret
        t = threading.Thread(target=lambda: self.scrub, name="hocba-scrubber", daemon=True)
        t.start()
        return t

    def vendor_label(self, vendor_id: str) -> str:
        name = self.vendor_names.get(vendor_id)
        if self.public and self.masker.is_personal_vendor(vendor_id):
            return self.masker.vendor(vendor_id, name)
        return name or vendor_id

    def vendor_id_label(self, vendor_id: str) -> str:
        if self.public and self.masker.is_personal_vendor(vendor_id):
            return self.masker.vendor_id(vendor_id)
        return vendor_id

    def subject_label(self, subject_type: str, subject_id: str) -> str:
        """The subject id with the ids of individual vendors masked (public): a 12-digit
        personal tax code anywhere in it, and any ``+``/``/``-separated part that is a foreign
        natural person (audit/privacy.py)."""
        if not self.public:
            return subject_id
        text = re.sub(r"\d{12}", lambda m: self.vendor_id_label(m.group(0))
                      if is_personal_tax_code(m.group(0)) else m.group(0), subject_id)
        officials = self._official_ids

        def part(m):
            v = m.group(0)
            if v in officials:        # a staff number would turn the pseudonym back
                return "#" + self.masker.code("official", v)
            return self.vendor_id_label(v) if self.masker.is_personal_vendor(v) else v
        return re.sub(r"[^+/]+", part, text)

    @cached_property
    def _official_ids(self) -> frozenset:
        """The store's officials' ids (public: shown as their pseudonym's code, as the reports
        do: audit/privacy.py)."""
        t = store.contract_tables["officials"]
        with self.engine.connect() as conn:
            return frozenset(conn.execute(select(t.c.official_id)).scalars())


# --- filtering ---------------------------------------------------------------------------------

class FilterIndex:
    """The filterable columns of a findings frame as arrays, built once, so that a filter
    change costs a few comparisons of arrays (and, for a search, a substring test on the rows
    still in), never a copy of the frame."""

    def __init__(self, frame: pd.DataFrame):
        def col(name):
            return frame[name].to_numpy(dtype=object) if name in frame else np.array([], dtype=object)
        self.n = len(frame)
        self.province = col("province_code")
        self.school_year = col("school_year")
        self.family = col("family")
        self.severity = col("severity")
        self.status = col("review_status")
        self.search = col("search")
        services = col("services")
        self.services = {s: np.fromiter((f"|{s}|" in (t or "") for t in services), dtype=bool,
                                        count=self.n) for s in SERVICES}

    def mask(self, *, province: str = "", school_year: str = "", service: str = "",
             family: str = "", severity: str = "", status: str = "", search: str = ""
             ) -> np.ndarray:
        """A boolean array: the rows that pass every filter (see :func:`filter_findings`)."""
        mask = np.ones(self.n, dtype=bool)
        if province:
            mask &= (self.province == province) | (self.province == "")
        if school_year:
            mask &= (self.school_year == school_year) | (self.school_year == "")
        if service:
            mask &= self.services.get(service, np.zeros(self.n, dtype=bool))
        if family:
            mask &= self.family == family
        if severity:
            mask &= self.severity == severity
        if status:
            mask &= self.status == status
        words = [w for w in search_key(search).split(" ") if w]
        if words:
            # each word narrows the rows still in: later words test fewer texts
            idx = np.flatnonzero(mask)
            texts = self.search[idx]
            for word in words:
                keep = np.fromiter((word in t for t in texts), dtype=bool, count=len(texts))
                idx, texts = idx[keep], texts[keep]
            mask = np.zeros(self.n, dtype=bool)
            mask[idx] = True
        return mask


def filter_findings(frame: pd.DataFrame, *, province: str = "", school_year: str = "",
                    service: str = "", family: str = "", severity: str = "", status: str = "",
                    search: str = "") -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter (an empty filter passes everything).

    A finding with no province (or no school year) is kept by a province (school-year) filter,
    as ``--province``/``--school-year`` keep it: nothing ties it to another one.  ``service``:
    one of the finding's services.  ``search``: every word of it, without diacritics, occurs
    in the finding's vendor, school or authority names or its ids."""
    if frame.empty:
        return frame
    return frame[FilterIndex(frame).mask(province=province, school_year=school_year,
                                         service=service, family=family, severity=severity,
                                         status=status, search=search)]


# --- the widget --------------------------------------------------------------------------------

class Explorer:
    """The explorer: ``Explorer.open(db_url)`` in a notebook cell shows it.

    Callbacks a test can call: :meth:`refresh` (after setting ``explorer.filters[name].value``,
    which also calls it), :meth:`select`, :meth:`next_page` / :meth:`prev_page`,
    :meth:`review` and :meth:`on_review_click`."""

    def __init__(self, engine: Engine, *, run_id: str | None = None, privacy: str = "public",
                 lang: str = "vi", reviewer: str = "", page_size: int = PAGE_SIZE,
                 network: bool = True):
        if privacy not in ("public", "internal"):
            raise ValueError(f"privacy: public hoặc internal / public or internal, not {privacy!r}")
        if lang not in ("vi", "en"):
            raise ValueError(f"lang: vi hoặc en / vi or en, not {lang!r}")
        self.engine = engine
        self.lang = lang
        self.privacy = privacy
        self.page_size = page_size
        self.show_network = network
        self.data = FindingsData.load(engine, run_id, privacy=privacy, lang=lang)
        self.index = FilterIndex(self.data.frame)
        self.view_rows = np.arange(len(self.data.frame))
        self.page = 0
        self.selected: str | None = None
        self.last_review: dict | None = None
        self.network_error: str | None = None
        self.network_note = "network_missing"
        self._network_lock = threading.Lock()
        self._muted = False
        self._build(reviewer)
        self.refresh()

    @classmethod
    def open(cls, db_url: str | None = None, *, privacy: str | None = None, lang: str | None = None,
             run_id: str | None = None, reviewer: str | None = None, **kw) -> "Explorer":
        """The explorer on ``db_url`` (else ``$HOCBA_DB``, else the default store); privacy
        and language from ``$HOCBA_PRIVACY`` / ``$HOCBA_LANG`` when not given, else ``public``
        and ``vi``; the reviewer's name from ``$HOCBA_REVIEWER``."""
        privacy = privacy or os.environ.get("HOCBA_PRIVACY") or "public"
        lang = lang or os.environ.get("HOCBA_LANG") or "vi"
        reviewer = reviewer if reviewer is not None else os.environ.get("HOCBA_REVIEWER", "")
        ex = cls(store.get_engine(db_url or None), run_id=run_id or None, privacy=privacy,
                 lang=lang, reviewer=reviewer, **kw)
        ex.warm()
        return ex

    def warm(self) -> list[threading.Thread]:
        """Start, in the background, what the first selection would otherwise wait for: the
        scrubber of personal values (public mode) and the supplier-map graph (when the network
        is shown).  At national scale these take seconds; the table is usable meanwhile."""
        threads = [t for t in (self.data.warm(),) if t is not None]
        if self.show_network and self.data.run is not None:
            def build():
                try:
                    from . import network
                except ImportError:
                    return
                graph = getattr(network, "cached_graph", None)
                if graph is not None:
                    with self._network_lock:
                        try:
                            graph(self.engine)
                        except Exception:  # noqa: BLE001 - the first selection shows the error
                            pass
            t = threading.Thread(target=build, name="hocba-graph", daemon=True)
            t.start()
            threads.append(t)
        return threads

    def t(self, key: str) -> str:
        return _t(key, self.lang)

    # --- building ------------------------------------------------------------------------
    def _options(self, values, labels=None) -> list[tuple[str, str]]:
        opts = [(self.t("all"), "")]
        for v in values:
            opts.append((labels(v) if labels else v, v))
        return opts

    def _build(self, reviewer: str) -> None:
        df = self.data.frame
        lang = self.lang
        names = provinces()
        prov = sorted({p for p in df["province_code"] if p}, key=lambda c: search_key(names.get(c, c)))
        years = sorted({y for y in df["school_year"] if y}, reverse=True)
        services = [s for s in SERVICES if df["services"].str.contains(f"|{s}|", regex=False).any()] \
            if not df.empty else []
        fams = [f for f in FAMILIES if (df["family"] == f).any()] if not df.empty else []
        lay = W.Layout(width="auto", min_width="12em")
        style = {"description_width": "initial"}
        self.filters: dict[str, W.Widget] = {
            "province": W.Dropdown(options=self._options(prov, lambda c: f"{names.get(c, c)} ({c})"),
                                   description=self.t("province"), layout=lay, style=style),
            "school_year": W.Dropdown(options=self._options(years), description=self.t("school_year"),
                                      layout=lay, style=style),
            "service": W.Dropdown(options=self._options(services, lambda s: _label(SERVICE_LABELS, s, lang)),
                                  description=self.t("service"), layout=lay, style=style),
            "family": W.Dropdown(options=self._options(fams, lambda f: f"{f} — {_label(FAMILIES, f, lang)}"),
                                 description=self.t("family"), layout=lay, style=style),
            "severity": W.Dropdown(options=self._options(list(reversed(SEVERITIES)),
                                                         lambda s: _label(SEVERITY_LABELS, s, lang)),
                                   description=self.t("severity"), layout=lay, style=style),
            "status": W.Dropdown(options=self._options(R.STATUSES, lambda s: _label(R.STATUS_LABELS, s, lang)),
                                 description=self.t("status"), layout=lay, style=style),
            "search": W.Text(description=self.t("search"), placeholder=self.t("search_hint"),
                             continuous_update=False, layout=W.Layout(width="28em"), style=style),
        }
        for name, w in self.filters.items():
            w.add_class(f"hocba-filter-{name}")
            w.observe(self._on_filter, names="value")
        self.header = W.HTML()
        self.count = W.HTML()
        self.count.add_class("hocba-count")
        self.prev_button = W.Button(description=self.t("prev"), layout=W.Layout(width="auto"))
        self.next_button = W.Button(description=self.t("next"), layout=W.Layout(width="auto"))
        self.prev_button.on_click(lambda _b: self.prev_page())
        self.next_button.on_click(lambda _b: self.next_page())
        self.table = W.HTML()
        self.table.add_class("hocba-findings")
        self.picker = W.Select(options=[], rows=8, description=self.t("pick"),
                               layout=W.Layout(width="100%"), style=style)
        self.picker.add_class("hocba-picker")
        self.picker.observe(self._on_pick, names="value")
        self.detail = W.HTML(value=f"<p>{esc(self.t('no_selection'))}</p>")
        self.detail.add_class("hocba-detail")
        self.network = W.HTML()
        self.network.add_class("hocba-network")
        self.reviewer = W.Text(value=reviewer, description=self.t("reviewer"),
                               placeholder=self.t("reviewer_hint"), style=style)
        self.note = W.Textarea(description=self.t("note"), placeholder=self.t("note_hint"),
                               layout=W.Layout(width="40em"), style=style)
        self.review_buttons: dict[str, W.Button] = {}
        styles = {"new": "", "under_review": "info", "confirmed": "danger", "dismissed": "success"}
        for status in R.STATUSES:
            b = W.Button(description=_label(R.STATUS_LABELS, status, lang), button_style=styles[status],
                         layout=W.Layout(width="auto"))
            b.status = status
            b.add_class(f"hocba-review-{status}")
            b.on_click(self.on_review_click)
            self.review_buttons[status] = b
        self.message = W.HTML()
        self.message.add_class("hocba-message")
        f = self.filters
        self.widget = W.VBox([
            self.header,
            W.HBox([f["province"], f["school_year"], f["service"]], layout=W.Layout(flex_flow="row wrap")),
            W.HBox([f["family"], f["severity"], f["status"]], layout=W.Layout(flex_flow="row wrap")),
            f["search"],
            W.HBox([self.count, self.prev_button, self.next_button]),
            self.table,
            self.picker,
            W.HBox([self.reviewer]),
            self.note,
            W.HBox(list(self.review_buttons.values())),
            self.message,
            W.HBox([W.VBox([self.detail], layout=W.Layout(width="55%")),
                    W.VBox([self.network], layout=W.Layout(width="45%"))]),
        ])
        run = self.data.run
        if run is None:
            self.header.value = f"<p>{self.t('no_run')}</p>"
        else:
            self.header.value = "<p><b>" + esc(self.t("run").format(
                run=run["run_id"], n=len(df), privacy=self.privacy)) + "</b></p>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- filters and the table -------------------------------------------------------------
    def filter_values(self) -> dict[str, str]:
        return {name: (w.value or "") for name, w in self.filters.items()}

    def _on_filter(self, _change=None) -> None:
        if not self._muted:
            self.page = 0
            self.refresh()

    def refresh(self) -> None:
        """Apply the filters and redraw the table (the same widget, a new value)."""
        self.view_rows = np.flatnonzero(self.index.mask(**self.filter_values()))
        self._render_page()

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.view_rows) // self.page_size))

    @property
    def view(self) -> pd.DataFrame:
        """The findings that pass the filters (a copy: for reading)."""
        return self.data.frame.iloc[self.view_rows]

    def page_rows(self) -> pd.DataFrame:
        start = self.page * self.page_size
        return self.data.frame.iloc[self.view_rows[start:start + self.page_size]]

    def table_ids(self) -> list[str]:
        """The finding ids on the table's current page, in order."""
        return list(self.page_rows()["finding_id"])

    def next_page(self) -> None:
        if self.page + 1 < self.pages:
            self.page += 1
            self._render_page()

    def prev_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self._render_page()

    def _render_page(self) -> None:
        rows = self.page_rows()
        lang = self.lang
        names = provinces()
        self.count.value = esc(self.t("count").format(n=len(self.view_rows), p=self.page + 1,
                                                      pages=self.pages))
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page + 1 >= self.pages
        if rows.empty:
            self.table.value = f"<p class='hocba-empty'>{esc(self.t('none'))}</p>"
        else:
            head = "".join(f"<th>{esc(self.t(k))}</th>" for k in
                           ("score", "severity", "code", "title", "subject", "vendors", "province",
                            "school_year", "status"))
            body = []
            title_col = "title_vi" if lang == "vi" else "title_en"
            for r in rows.itertuples(index=False):
                sel = " class='hocba-selected'" if r.finding_id == self.selected else ""
                subject = (f"{_label(SUBJECT_LABELS, r.subject_type, lang)}: "
                           f"{self.data.subject_label(r.subject_type, r.subject_id)}")
                body.append(
                    f"<tr data-finding='{esc(r.finding_id)}'{sel}>"
                    f"<td style='text-align:right'>{r.score:.1f}</td>"
                    f"<td>{esc(_label(SEVERITY_LABELS, r.severity, lang))}</td>"
                    f"<td>{esc(r.code)}</td><td>{esc(getattr(r, title_col))}</td>"
                    f"<td>{esc(subject)}</td><td>{esc(r.vendor_text)}</td>"
                    f"<td>{esc(names.get(r.province_code, r.province_code))}</td>"
                    f"<td>{esc(r.school_year)}</td>"
                    f"<td>{esc(_label(R.STATUS_LABELS, r.review_status, lang))}</td></tr>")
            self.table.value = ("<div style='max-height:30em;overflow:auto'>"
                                "<table class='hocba-table' style='border-collapse:collapse;width:100%'>"
                                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
                                "<style>.hocba-table td,.hocba-table th{border-bottom:1px solid #ddd;"
                                "padding:2px 6px;text-align:left;vertical-align:top}"
                                ".hocba-table tr.hocba-selected{background:#fff3c4}</style>")
        options = []
        for r in rows.itertuples(index=False):
            options.append((f"{r.score:5.1f} · {r.code} · "
                            f"{self.data.subject_label(r.subject_type, r.subject_id)} · "
                            f"{_label(R.STATUS_LABELS, r.review_status, lang)}", r.finding_id))
        self._muted = True
        try:
            self.picker.options = options
            self.picker.value = self.selected if self.selected in {v for _, v in options} else None
        finally:
            self._muted = False

    # --- selection and detail ------------------------------------------------------------
    def _on_pick(self, change) -> None:
        if not self._muted and change["new"]:
            self.select(change["new"])

    def finding(self, finding_id: str) -> dict | None:
        df = self.data.frame
        hit = df[df["finding_id"] == finding_id]
        return hit.iloc[0].to_dict() if len(hit) else None

    def select(self, finding_id: str) -> None:
        """Show one finding: its detail, evidence rows, legal basis, decisions and network."""
        f = self.finding(finding_id)
        if f is None:
            raise KeyError(finding_id)
        self.selected = finding_id
        self.detail.value = self.detail_html(f)
        self.network.value = self.network_html(f)
        self.message.value = ""
        self._render_page()

    def detail_html(self, f: dict) -> str:
        lang, scrub = self.lang, self.data.scrub
        title = f["title_vi"] if lang == "vi" else f["title_en"]
        detail = f["detail_vi"] if lang == "vi" else f["detail_en"]
        parts = [f"<h3>{esc(f['code'])} — {esc(title)}</h3>",
                 f"<p><b>{esc(_label(SUBJECT_LABELS, f['subject_type'], lang))}:</b> "
                 f"{esc(self.data.subject_label(f['subject_type'], f['subject_id']))} · "
                 f"{esc(self.t('score'))} {f['score']:.1f} · "
                 f"{esc(_label(SEVERITY_LABELS, f['severity'], lang))} · "
                 f"{esc(self.t('status'))}: {esc(_label(R.STATUS_LABELS, f['review_status'], lang))}"
                 f"<br><code>{esc(f['finding_id'])}</code></p>",
                 f"<h4>{esc(self.t('explanation'))}</h4><p>{esc(scrub(detail))}</p>",
                 f"<h4>{esc(self.t('evidence'))}</h4>", self.evidence_html(f["evidence"]),
                 f"<h4>{esc(self.t('legal_basis'))}</h4><p>{esc(legal_basis(f['legal_basis'], lang))}</p>",
                 f"<h4>{esc(self.t('history'))}</h4>", self.history_html(f["finding_id"])]
        return "".join(parts)

    def evidence_rows(self, evidence) -> list[tuple[str, str, dict | None]]:
        """(reference, table, the stored row or None) for each evidence reference (at most
        ``MAX_EVIDENCE``), columns masked in public mode."""
        refs = _refs(evidence)[:MAX_EVIDENCE]
        out = []
        with self.engine.connect() as conn:
            for table, key in refs:
                spec = TABLES.get(table)
                if spec is None:
                    out.append((f"{table}:{key}", table, None))
                    continue
                t = store.contract_tables[table]
                cols = [t.c.row_key] + [t.c[c.name] for c in spec.columns]
                row = conn.execute(select(*cols).where(t.c.row_key == key)).mappings().first()
                if row is None and len(spec.key) > 1:
                    parts = key.split("/", len(spec.key) - 1)
                    if len(parts) == len(spec.key):
                        folded = "/".join(fold(p) if spec.by_name[k].kind == "name" else p
                                          for k, p in zip(spec.key, parts))
                        row = conn.execute(select(*cols).where(t.c.row_key == folded)).mappings().first()
                out.append((f"{table}:{key}", table,
                            self._mask_row(table, dict(row)) if row else None))
        return out

    def _mask_row(self, table: str, row: dict) -> dict:
        row_key = row.pop("row_key")
        if not self.data.public:
            return row
        spec, scrub, m = TABLES[table], self.data.scrub, self.data.masker
        out = {}
        kind = PERSON_TABLES.get(table)
        if kind:
            # the same record id as Masker uses, so the pseudonym is the one the text shows
            rid = row.get("official_id") if table == "officials" else row_key
            role = row.get("position") or row.get("relation") or row.get("role")
            out["person"] = m.person(kind, rid, None, role)
        personal_vendor = table == "vendors" and m.is_personal_vendor(row.get("vendor_id"))
        for c in spec.columns:
            v = row.get(c.name)
            if c.personal:
                continue
            if personal_vendor and c.name in ("name", "address", "phone", "email", "website"):
                v = self.data.vendor_label(row["vendor_id"]) if c.name == "name" else None
            elif c.kind == "tax_code" and isinstance(v, str):
                v = self.data.vendor_id_label(v)
            elif isinstance(v, str):
                v = scrub(v)
            out[c.name] = v
        return out

    def evidence_html(self, evidence) -> str:
        refs = _refs(evidence)
        scrub = self.data.scrub
        items = []
        for ref, table, row in self.evidence_rows(evidence):
            if row is None:
                items.append(f"<li><code>{esc(scrub(ref))}</code> — {esc(self.t('no_rows'))}</li>")
                continue
            heads = VI_HEADERS.get(table, {}) if self.lang == "vi" else {}
            person = {"person": ("Người", "Person")}
            cells = "".join(f"<tr><th>{esc(heads.get(k) or _label(person, k, self.lang))}</th>"
                            f"<td>{esc(_label(SERVICE_LABELS, v, self.lang) if k in ('service', 'category') else _show(v))}</td></tr>"
                            for k, v in row.items() if _show(v) != "")
            items.append(f"<li><code>{esc(scrub(ref))}</code><table class='hocba-row'>{cells}</table></li>")
        if len(refs) > MAX_EVIDENCE:
            items.append(f"<li>{esc(self.t('more_evidence').format(n=len(refs) - MAX_EVIDENCE))}</li>")
        return "<ul class='hocba-evidence'>" + "".join(items) + "</ul>"

    def history_html(self, finding_id: str) -> str:
        rows = R.history(self.engine, finding_id)
        if not rows:
            return f"<p>{esc(self.t('no_decision'))}</p>"
        items = []
        for r in rows:
            who = r["reviewer"]
            if self.data.public:
                who = f"{self.t('reviewer')} #{self.data.masker.code('reviewer', who)}"
            when = r["decided_at"]
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            items.append(f"<li>#{r['seq']} {esc(when.astimezone(dt.timezone.utc).isoformat(timespec='seconds'))} · "
                         f"<b>{esc(_label(R.STATUS_LABELS, r['status'], self.lang))}</b> · {esc(who)} — "
                         f"{esc(self.data.scrub(r['note']))}</li>")
        return "<ul class='hocba-history'>" + "".join(items) + "</ul>"

    def network_html(self, f: dict) -> str:
        """The network around the finding's subject (the supplier map's embed, when present);
        otherwise the parties the finding names."""
        head = f"<h4>{esc(self.t('network'))}</h4>"
        self.network_error = None
        self.network_note = "network_missing"
        embedded = self._embed_network(f) if self.show_network else None
        if embedded:
            return head + embedded
        lang = self.lang
        parties = f.get("parties") or {}
        items = []
        for v in f["vendors"]:
            items.append(f"{_t('vendors', lang)}: {self.data.vendor_label(v)} ({self.data.vendor_id_label(v)})")
        for s in f["schools"][:20]:
            items.append(f"{_label(SUBJECT_LABELS, 'school', lang)}: {self.data.school_names.get(s, s)} ({s})")
        for a in parties.get("procuring_entity", []):
            items.append(f"{_label(SUBJECT_LABELS, 'procuring_entity', lang)}: "
                         f"{self.data.authority_names.get(a, a)} ({a})")
        for o in parties.get("official", []):
            label = (self.data.masker.person("official", o, None) if self.data.public else o)
            items.append(f"{_label(SUBJECT_LABELS, 'official', lang)}: {label}")
        body = "".join(f"<li>{esc(x)}</li>" for x in items)
        note = f"<p><i>{esc(self.t(self.network_note))}</i></p>" if self.show_network else ""
        if self.network_error:
            note = f"<p class='hocba-network-error'><i>{esc(self.t('network_failed'))}: " \
                   f"{esc(self.network_error)}</i></p>"
        return f"{head}<h5>{esc(self.t('parties'))}</h5><ul>{body}</ul>{note}"

    def _embed_network(self, f: dict) -> str | None:
        """The supplier map's ``embed`` (audit/present/network.py) around the finding's subject,
        or None when that module is not there.  A failure of the drawing is shown in the pane
        (with the parties below it) rather than breaking the explorer."""
        try:
            from . import network
        except ImportError:
            return None
        embed = getattr(network, "embed", None)
        if embed is None:
            return None
        if network_focus(f) is None:
            self.network_note = "network_none"
            return None
        try:
            with self._network_lock:  # one graph build at a time (see warm)
                return _call_embed(embed, self.engine, f, self.privacy, self.lang,
                                   masker=self.data.masker)
        except Exception as e:  # noqa: BLE001 - another module's failure, shown, not fatal
            self.network_error = f"{type(e).__name__}: {e}"
            return None

    # --- review ----------------------------------------------------------------------------
    def on_review_click(self, button) -> None:
        """A review button: record its status on the selected finding."""
        self.review(button.status)

    def review(self, status: str) -> dict | None:
        """Record a decision on the selected finding with the reviewer and note fields; show
        the chain's head.  Returns the stored row (None, with a message, when it cannot)."""
        lang = self.lang
        if self.selected is None:
            self.message.value = f"<p style='color:#b00'>{esc(self.t('pick_first'))}</p>"
            return None
        try:
            row = R.record(self.engine, self.selected, status, self.note.value, self.reviewer.value)
        except R.ReviewError as e:
            text = e.text_vi if lang == "vi" else e.text_en
            self.message.value = f"<p style='color:#b00'>{esc(text)}</p>"
            return None
        self.last_review = row
        df = self.data.frame
        hit = df["finding_id"].to_numpy() == row["finding_id"]
        df.loc[hit, "review_status"] = status
        self.index.status[hit] = status
        self.note.value = ""
        keep = self.page
        self.view_rows = np.flatnonzero(self.index.mask(**self.filter_values()))
        self.page = min(keep, self.pages - 1)
        f = self.finding(row["finding_id"])
        self.detail.value = self.detail_html(f)
        self._render_page()
        self.message.value = "<p style='color:#060'>" + esc(self.t("recorded").format(
            seq=row["seq"], hash=row["hash"], status=_label(R.STATUS_LABELS, status, lang))) + "</p>"
        return row


def _show(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return f"{int(v):,}".replace(",", ".") if v == int(v) else f"{v:g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}".replace(",", ".")
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def _call_embed(embed, engine: Engine, f: dict, privacy: str, lang: str,
                masker: Masker | None = None) -> str | None:
    """Call the supplier map's ``embed`` for the finding's subject (see ``network_focus``),
    with the explorer's masker (its personal values gathered once, not at every click)."""
    focus = network_focus(f)
    if focus is None:
        return None
    return embed(engine, focus=focus, privacy=privacy, lang=lang, masker=masker)


def network_focus(f: dict) -> str | None:
    """The node to draw the network around: ``vendor:ID``, ``official:ID`` or ``school:ID``."""
    parties = f.get("parties") or {}
    st, sid = f["subject_type"], f["subject_id"]
    head = sid.split("+", 1)[0]
    if st == "official":
        return f"official:{head}"
    if st == "school":
        return f"school:{head}"
    if st in ("vendor", "vendor_group", "vendor_pair", "vendor_set"):
        return f"vendor:{head}"
    for kind in ("official", "vendor", "vendor_group", "school"):
        ids = parties.get(kind)
        if ids:
            return f"{'vendor' if kind == 'vendor_group' else kind}:{ids[0]}"
    return None

"""The inspection report (``notebooks/reports/inspection.ipynb``), one method per section.

    rep = InspectionReport.load(db_url, province="86", school_year="2024-2025", lang="vi")
    rep.header(); rep.summary(); rep.sources(); rep.market(); rep.supplier_map();
    rep.findings_by_family(); rep.coi_cases(); rep.procurement(); rep.deployments();
    rep.governance(); rep.appendix()

Each returns a :class:`~audit.present.report.Block`.  Every text from the data goes through
the masker (``privacy="public"``: people by role and pseudonym; finding texts and evidence
scrubbed of personal values) and is escaped by the table builder.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, defaultdict
from functools import cached_property

import pandas as pd
from sqlalchemy import select

from procurement import store
from procurement.contract import ENUMS, TABLES
from procurement.geo import province_name
from procurement.text import fold

from .. import findings as F
from ..context import COMPETITIVE, DIRECT_AWARD
from .. import i18n
from ..i18n import Labels
from ..registry import load_flags
from . import report as R
from .report_data import ReportInput, families_per_year, load_report_input

EVIDENCE_SHOWN = 8
TOP_FINDINGS = 10


#: Characters that Python's ``str.splitlines`` takes for line breaks but JavaScript does not: a
#: notebook output passes through code that splits and re-joins lines, and one of these inside an
#: inlined script's string literal (vis-network has ``"\u200b\x85\u180e"``) would come back as
#: ``\n`` and break the script.  Written as JavaScript escapes they survive; they only occur in
#: the map's script and JSON, where the escape means the same character.
_SPLIT_CHARS = {"\x0b": "\\u000b", "\x0c": "\\u000c", "\x1c": "\\u001c", "\x1d": "\\u001d",
                "\x1e": "\\u001e", "\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


#: A vendor's columns that are personal when the vendor is (a household business or an
#: individual): the privacy module's choice (:class:`audit.privacy.Masker`).
_VENDOR_CONTACT = ("name", "address", "phone", "email", "website")


def _template_fields(template: str, text: str, column: str) -> dict[str, str] | None:
    """The values the placeholders of a reason's ``template`` took in ``text`` (the text stored
    with a quarantined row), or None when ``text`` is not that template's.  ``{column}`` is the
    known column; a placeholder other than ``{value}`` holds no quote or guillemet, so a value
    that quotes the template's own words cannot spill into another field."""
    pattern, seen = [], set()
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        if not i % 2:
            pattern.append(re.escape(part))
        elif part == "column":
            pattern.append(re.escape(column))
        elif part in seen:
            pattern.append(f"(?P={part})")
        else:
            seen.add(part)
            pattern.append(f"(?P<{part}>.*?)" if part == "value" else f"(?P<{part}>[^«»'\"]*?)")
    m = re.fullmatch("".join(pattern), text, re.S)
    return m.groupdict() if m else None


def js_safe_breaks(text: str) -> str:
    for ch, rep in _SPLIT_CHARS.items():
        if ch in text:
            text = text.replace(ch, rep)
    return text


class InspectionReport:
    """The inspection report of one province (or the nation) for a school year (or all)."""

    #: The sections in the order the notebook shows them (one cell each, after ``header``).
    SECTIONS = ("summary", "sources", "market", "supplier_map", "findings_by_family", "coi_cases",
                "procurement", "deployments_section", "governance", "appendix")

    def __init__(self, data: ReportInput):
        self.d = data
        self.L = Labels(data.lang)
        self.lang = data.lang
        self.m = data.masker

    @classmethod
    def load(cls, db_url: str = "", *, province: str = "", school_year: str = "", lang: str = "vi",
             privacy: str = "public", settings: str = "", run_id: str = "") -> "InspectionReport":
        return cls(load_report_input(db_url, province=province or None, school_year=school_year or None,
                                     lang=lang, privacy=privacy, settings=settings or None,
                                     run_id=run_id or None))

    # --- helpers ---------------------------------------------------------------------------
    @property
    def scope_name(self) -> str:
        return province_name(self.d.province) if self.d.province else self.L("nation")

    def _year_ok(self, years: pd.Series) -> pd.Series:
        if not self.d.school_year:
            return pd.Series(True, index=years.index)
        return years.eq(self.d.school_year).fillna(False)

    @cached_property
    def schools(self) -> pd.DataFrame:
        s = self.d.frames.schools
        return s if not self.d.province else s[s["province_code"] == self.d.province]

    @cached_property
    def deployments(self) -> pd.DataFrame:
        d = self.d.frames.deployments
        d = d[d["school_id"].isin(set(self.schools["school_id"]))]
        return d[self._year_ok(d["school_year"])]

    @cached_property
    def tenders(self) -> pd.DataFrame:
        t = self.d.ctx.tenders
        if self.d.province:
            t = t[t["province_code"] == self.d.province]
        from ..context import school_year_of
        years = t["school_year"].fillna(pd.Series([school_year_of(x) for x in t["published_on_day"]],
                                                  index=t.index, dtype="object"))
        return t[self._year_ok(years)]

    @cached_property
    def contracts(self) -> pd.DataFrame:
        c = self.d.frames.contracts
        if self.d.province:
            prov = self.d.ctx.authority_province
            in_scope = c["procuring_entity_id"].map(prov).eq(self.d.province).fillna(False)
            in_scope |= c["tender_id"].isin(set(self.tenders["tender_id"]))
            c = c[in_scope]
        if self.d.school_year:
            from ..context import school_year_of
            years = pd.Series([school_year_of(x) for x in c["signed_on"]], index=c.index, dtype="object")
            c = c[self._year_ok(years)]
        return c

    @cached_property
    def vendor_names(self) -> dict[str, str]:
        v = self.d.frames.vendors
        return dict(zip(v["vendor_id"], v["name"]))

    def vendor(self, vendor_id) -> str:
        if not isinstance(vendor_id, str):
            return ""
        return self.m.vendor(vendor_id, self.vendor_names.get(vendor_id))

    def group(self, group_id) -> str:
        """A vendor group by its head's name (groups are named by their smallest vendor id)."""
        if not isinstance(group_id, str):
            return ""
        n = len(self.d.ctx.groups.members.get(group_id, [group_id]))
        name = self.vendor(group_id)
        return name if n <= 1 else self.L.pick(f"{name} (nhóm {n} nhà cung cấp)", f"{name} (group of {n} vendors)")

    def scrub(self, text) -> str:
        return self.m.scrub(text) if isinstance(text, str) else ""

    def _fmt_vnd(self, v) -> str:
        return R.fmt_vnd(v, self.lang)

    def _fmt_int(self, v) -> str:
        return R.fmt_int(v, self.lang)

    def _pct(self, v) -> str:
        return R.fmt_pct(v, self.lang)

    def document(self) -> R.Block:
        """Every section, as the notebook shows them (for a script or a test without Jupyter;
        :mod:`audit.reporting` adds the page around it)."""
        return R.join(self.header(), *(getattr(self, name)() for name in self.SECTIONS), label="document")

    # --- header ----------------------------------------------------------------------------
    def header(self, title_key: str = "inspection_title") -> R.Block:
        """Title, scope, the synthetic-data and privacy banners, run facts, table of contents."""
        L, d = self.L, self.d
        parts = []
        if d.synthetic:
            parts.append(R.banner(L("synthetic_banner"), "warning"))
        parts.append(R.Block(f'<h1 class="hocba-title">{R.esc(L(title_key))}</h1>'
                             f'<p class="hocba-subtitle">{R.esc(self.scope_name)} · '
                             f'{R.esc(d.school_year or L("all_years"))}</p>'))
        parts.append(R.banner(L("privacy_public") if d.public else L("privacy_internal"), "privacy"))
        parts.append(R.definition_list([
            (L("scope"), self.scope_name), (L("school_year"), d.school_year or L("all_years")),
            (L("audit_run"), d.run.get("run_id", "")), (L("as_of"), R.fmt_date(d.run.get("as_of"), self.lang)),
            (L("generated"), dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            (L("code_version"), d.run.get("code_version", "")),
        ]))
        parts.append(R.Block(f'<nav class="hocba-toc" aria-label="{R.esc(L("toc"))}">{R.TOC_MARK}</nav>'))
        return R.join(*parts, label="header")

    # --- summary ---------------------------------------------------------------------------
    def key_figures(self) -> dict:
        """The figures that matter, as numbers (the index page of a run reads them too)."""
        s, dep, f = self.schools, self.deployments, self.d.findings
        prov_risk = next((r["score"] for r in self.d.risk.get("province", []) if r["id"] == self.d.province), None)
        return {
            "schools": len(s), "pilot_schools": int(s["in_pilot"].fillna(False).sum()),
            "students": float(s["students"].sum()), "tenders": len(self.tenders),
            "contracts": len(self.contracts), "contract_value": float(self.contracts["value_vnd"].sum()),
            "vendors": dep["vendor_id"].nunique(), "findings": len(f),
            "high": sum(x.severity == "high" for x in f),
            "confirmed": sum(x.review_status == "confirmed" for x in f),
            "parent_fees": float(families_per_year(dep, s).sum()),
            "province_risk": prov_risk,
        }

    def summary(self) -> R.Block:
        L, k = self.L, self.key_figures()
        tiles = [(L("n_schools"), self._fmt_int(k["schools"])), (L("n_pilot_schools"), self._fmt_int(k["pilot_schools"])),
                 (L("n_students"), self._fmt_int(k["students"])), (L("n_tenders"), self._fmt_int(k["tenders"])),
                 (L("contract_value"), R.fmt_vnd_short(k["contract_value"], self.lang)),
                 (L("n_vendors"), self._fmt_int(k["vendors"])), (L("n_findings"), self._fmt_int(k["findings"])),
                 (L("n_high"), self._fmt_int(k["high"])), (L("n_confirmed"), self._fmt_int(k["confirmed"])),
                 (L("parent_fees_total"), R.fmt_vnd_short(k["parent_fees"], self.lang))]
        if k["province_risk"] is not None:
            tiles.append((L("province_risk"), R.fmt_num(k["province_risk"], self.lang)))
        parts = [R.section(L("sec_summary"), "summary", L("what_audited", n_flags=len(load_flags()))),
                 R.subheading(L("key_figures")), R.figures(tiles)]
        if self.d.findings:
            parts += [R.subheading(L("top_findings")),
                      self._findings_table(self.d.findings[:TOP_FINDINGS], brief=True)]
        parts.append(self._risk_table())
        if self.d.not_computed:
            parts += [R.subheading(L("not_computed")),
                      R.table([{"code": n["code"], "needs": ", ".join(L.enum("table", t) for t in n["needs"])}
                               for n in self.d.not_computed], [("code", L("code")), ("needs", L("needs"))])]
        return R.join(*parts, label="summary")

    def _risk_table(self) -> R.Block:
        """Highest-risk vendor groups and procuring entities among the parties of the findings shown."""
        L = self.L
        groups, entities = set(), set()
        g = self.d.ctx.groups
        for f in self.d.findings:
            p = f.parties or {}
            groups.update(p.get("vendor_group", []))
            groups.update(g.group(v) for v in p.get("vendor", []))
            entities.update(p.get("procuring_entity", []))
        auth = self.d.frames.authorities
        auth_names = dict(zip(auth["authority_id"], auth["name"]))
        rows = []
        for kind, ids, label in (("vendor_group", groups, L("vendor_group")),
                                 ("procuring_entity", entities, L.enum("subject_type", "procuring_entity"))):
            for r in self.d.risk.get(kind, []):
                if r["id"] in ids:
                    name = self.group(r["id"]) if kind == "vendor_group" else auth_names.get(r["id"], r["id"])
                    rows.append({"kind": label, "name": name, "score": r["score"], "findings": r["findings"],
                                 "codes": ", ".join(r["codes"])})
        rows.sort(key=lambda r: -r["score"])
        if not rows:
            return R.Block("")
        return R.join(R.subheading(L("risk_top")), R.table(rows[:10], [
            ("kind", L("kind")), ("name", L("subject")), ("score", L("score"), lambda v: R.fmt_num(v, self.lang)),
            ("findings", L("n_findings")), ("codes", L("code"))]))

    # --- sources and quality ----------------------------------------------------------------
    @cached_property
    def _ingest(self) -> tuple[list[dict], dict, list[int]]:
        """(sources, summed table summary of the latest ingest of each source, those ingest ids)."""
        eng = self.d.engine
        with eng.connect() as conn:
            src = [dict(r) for r in conn.execute(select(store.sources).order_by(store.sources.c.source_id)).mappings()]
            latest: dict[str, int] = {}
            for s in src:
                if s["ingest_id"] is not None:
                    latest[s["path"]] = max(latest.get(s["path"], 0), s["ingest_id"])
            ids = sorted(set(latest.values()))
            runs = conn.execute(select(store.ingest_runs).where(store.ingest_runs.c.ingest_id.in_(ids))).mappings().all()
        tables: dict[str, Counter] = defaultdict(Counter)
        for run in runs:
            for name, counts in ((run["summary"] or {}).get("tables") or {}).items():
                tables[name].update({k: v for k, v in counts.items() if isinstance(v, int)})
        shown = [s for s in src if s["ingest_id"] in ids] or src
        return shown, dict(tables), ids

    def sources(self) -> R.Block:
        L = self.L
        src, tables, _ = self._ingest
        parts = [R.section(L("sec_sources"), "sources")]
        if not src:
            return R.join(*parts, R.para(L("no_ingest")))
        rows = [{"source": os.path.basename(str(s["path"]).rstrip("/")) or s["path"], "kind": s["kind"],
                 "sha": s["sha256"][:16] + "…", "at": s["ingested_at"],
                 "synthetic": L("yes") if s["synthetic"] else L("no")} for s in src]
        parts.append(R.table(rows, [("source", L("source")), ("kind", L("kind")), ("sha", L("sha256")),
                                    ("at", L("ingested_at"), lambda v: R.fmt_date(v, self.lang)),
                                    ("synthetic", L.pick("Tổng hợp", "Synthetic"))]))
        read = sum(c.get("read", 0) for c in tables.values())
        bad = sum(c.get("quarantined", 0) for c in tables.values())
        parts.append(R.para(L("quality_text", bad=self._fmt_int(bad), read=self._fmt_int(read),
                                pct=self._pct(bad / read if read else 0)) if bad else L("quality_ok")))
        trows = [{"table": L.enum("table", n), "read": c.get("read", 0), "landed": c.get("landed", 0),
                  "quarantined": c.get("quarantined", 0)} for n, c in tables.items()]
        parts.append(R.table(trows, [("table", L("table")), ("read", L("read"), self._fmt_int, "num"),
                                     ("landed", L("landed"), self._fmt_int, "num"),
                                     ("quarantined", L("quarantined"), self._fmt_int, "num")]))
        return R.join(*parts, label="sources")

    # --- market structure --------------------------------------------------------------------
    @cached_property
    def market_table(self) -> pd.DataFrame:
        """One row per (province, service, year, group) in scope: schools, share."""
        ms = self.d.ctx.market_shares
        if ms.empty:
            return ms
        if self.d.province:
            ms = ms[ms["province_code"] == self.d.province]
        return ms[self._year_ok(ms["school_year"])]

    def markets(self) -> pd.DataFrame:
        """One row per market: schools, groups, HHI, largest group and its share."""
        ms = self.market_table
        if ms.empty:
            return pd.DataFrame(columns=["province_code", "service", "school_year", "market_schools",
                                         "groups", "hhi", "top_group", "top_share"])
        rows = []
        for key, g in ms.groupby(["province_code", "service", "school_year"]):
            g = g.sort_values(["share", "group"], ascending=[False, True])
            rows.append({"province_code": key[0], "service": key[1], "school_year": key[2],
                         "market_schools": int(g["market_schools"].iloc[0]), "groups": len(g),
                         "hhi": float((g["share"] ** 2).sum() * 10000), "top_group": g["group"].iloc[0],
                         "top_share": float(g["share"].iloc[0])})
        return pd.DataFrame(rows).sort_values(["hhi", "service"], ascending=[False, True])

    def market(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_market"), "market", L("market_intro"))]
        mk = self.markets()
        if mk.empty:
            return R.join(*parts, R.para(L("no_market")))
        cols = [("service", L("service"), lambda v: L.enum("service", v)),
                ("school_year", L("school_year")), ("market_schools", L("market_schools"), self._fmt_int, "num"),
                ("groups", L("n_groups"), None, "num"), ("hhi", L("hhi"), self._fmt_int, "num"),
                ("top_group", L("top_group"), self.group), ("top_share", L("top_share"), self._pct, "num")]
        if not self.d.province:
            cols.insert(0, ("province_code", L("province"), province_name))
        parts.append(R.table(mk, cols, max_rows=60, more_text=lambda n, t: L("first_n", n=n, total=t)))
        # One 100% bar per service for the latest year in scope (the province's markets; nationally,
        # the shares of schools summed over provinces).
        ms = self.market_table
        year = self.d.school_year or max(ms["school_year"])
        cur = ms[ms["school_year"] == year]
        bars = []
        for service, g in cur.groupby("service"):
            by = g.groupby("group")["schools"].sum().sort_values(ascending=False)
            total = by.sum()
            segs = [(self.group(k), v / total) for k, v in by.head(6).items()]
            if len(by) > 6:
                segs.append((L.pick("Khác", "Others"), by.iloc[6:].sum() / total))
            bars.append((L.enum("service", service), segs))
        parts.append(R.stacked_share_chart(bars, title=L("shares_chart", year=year), pct=self._pct))
        return R.join(*parts, label="market")

    def supplier_map(self) -> R.Block:
        """The supplier map, drawn by :mod:`audit.present.network` when it is installed."""
        L = self.L
        head = R.section(L("sec_map"), "map", L("map_intro"))
        try:
            from . import network  # built by the supplier-map work; optional here
        except ImportError:
            network = None
        embed = getattr(network, "embed", None) if network else None
        if embed is None:
            return R.join(head, R.placeholder(L("sec_map"), L("map_missing")), label="map")
        out = embed(engine=self.d.engine, province=self.d.province, school_year=self.d.school_year,
                    privacy=self.d.privacy, lang=self.lang, findings=self.d.findings, masker=self.m)
        html_text = out._repr_html_() if hasattr(out, "_repr_html_") else str(out)
        return R.join(head, R.Block(f'<div class="hocba-map">{js_safe_breaks(html_text)}</div>'), label="map")

    # --- findings ------------------------------------------------------------------------------
    def _subject(self, f: F.Finding) -> str:
        return f"{self.L.enum('subject_type', f.subject_type)} {self.scrub(f.subject_id)}"

    def _evidence_html(self, f: F.Finding) -> str:
        items = [f"<code>{R.esc(self.scrub(e))}</code>" for e in f.evidence]
        shown = " ".join(items[:EVIDENCE_SHOWN])
        if len(items) > EVIDENCE_SHOWN:
            rest = " ".join(items[EVIDENCE_SHOWN:])
            shown += R.details(self.L("more_evidence", n=len(items) - EVIDENCE_SHOWN), rest)
        return f'<span class="hocba-evidence">{shown}</span>'

    def legal_basis(self, text: str | None) -> str:
        """The legal basis in the report's language (``vi / en``, audit/legal_bases.toml)."""
        return i18n.legal_basis(text, self.lang)

    def _findings_table(self, findings: list[F.Finding], brief: bool = False) -> R.Block:
        """Findings, one row each (score, severity, finding, subject, review status, id); unless
        ``brief``, a second row under each with the explanation, the legal basis and the evidence."""
        L = self.L
        cols = [(L("score"), "num"), (L("severity"), ""), (L("finding"), ""), (L("subject"), ""),
                (L("review_status"), ""), (L("finding_id"), "hocba-id")]
        head = "".join(f'<th scope="col"{f" class={chr(34)}{c}{chr(34)}" if c else ""}>{R.esc(t)}</th>'
                       for t, c in cols)
        body = []
        for f in findings:
            title = f"{f.code} — {f.title_vi if self.lang == 'vi' else f.title_en}"
            body.append(
                f'<tr class="hocba-finding" id="{R.esc(("f-" if not brief else "t-") + f.finding_id)}">'
                f'<td class="num">{R.esc(R.fmt_num(f.score, self.lang))}</td>'
                f'<td>{R.tag(L.enum("severity", f.severity), f.severity)}</td>'
                f'<td><strong>{R.esc(title)}</strong></td><td>{R.esc(self._subject(f))}</td>'
                f'<td>{R.tag(L.enum("review_status", f.review_status), "status-" + f.review_status)}</td>'
                f'<td class="hocba-id">{R.esc(f.finding_id)}</td></tr>')
            if not brief:
                detail = self.scrub(f.detail_vi if self.lang == "vi" else f.detail_en)
                body.append(
                    f'<tr class="hocba-detail"><td></td><td colspan="{len(cols) - 1}">'
                    f'<p><strong>{R.esc(L("explanation"))}:</strong> {R.esc(detail)}</p>'
                    f'<p><strong>{R.esc(L("legal_basis"))}:</strong> {R.esc(self.legal_basis(f.legal_basis))}</p>'
                    f'<p><strong>{R.esc(L("evidence"))}:</strong> {self._evidence_html(f)}</p></td></tr>')
        return R.Block(f'<div class="hocba-table-wrap"><table class="hocba-table hocba-findings"><thead><tr>{head}'
                       f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')

    def findings_by_family(self) -> R.Block:
        """One table per family, families by their highest score, findings by score."""
        L = self.L
        parts = [R.section(L("sec_findings"), "findings", L("findings_intro"))]
        if not self.d.findings:
            return R.join(*parts, R.para(L("no_findings")))
        by_family: dict[str, list[F.Finding]] = defaultdict(list)
        for f in self.d.findings:
            by_family[f.family or f.code.split("-", 1)[0]].append(f)
        order = sorted(by_family, key=lambda fam: (-max(x.score for x in by_family[fam]), fam))
        for fam in order:
            fs = F.sort_findings(by_family[fam])
            parts.append(R.Block(f'<h3 id="{R.esc("fam-" + fam.lower())}">{R.esc(L.family(fam))} '
                                 f'<small>({R.esc(L("family_count", n=len(fs)))})</small></h3>'))
            parts.append(self._findings_table(fs))
        return R.join(*parts, label="findings")

    # --- conflict of interest --------------------------------------------------------------
    @cached_property
    def _people(self) -> dict[str, dict]:
        fr = self.d.frames
        o = fr.officials
        return {"officials": {r.official_id: r for r in o.itertuples(index=False)},
                "vendor_people": {r.row_key: r for r in fr.vendor_people.itertuples(index=False)},
                "declared_relatives": {r.row_key: r for r in fr.declared_relatives.itertuples(index=False)}}

    def _node(self, ref: str) -> str | None:
        """One evidence record as a node of a COI path (masked in public)."""
        L, m = self.L, self.m
        table, _, key = ref.partition(":")
        parts = key.split("/")
        if table == "officials":
            r = self._people["officials"].get(key)
            return m.person("official", key, getattr(r, "full_name", None), getattr(r, "position", None))
        if table in ("declared_relatives", "vendor_people") and len(parts) >= 4:
            row_key = "/".join([parts[0], parts[1], fold("/".join(parts[2:-1])), parts[-1]])
            r = self._people[table].get(row_key)
            if table == "declared_relatives":
                return m.person("relative", row_key, getattr(r, "full_name", "/".join(parts[2:-1])), parts[1])
            who = m.person("vendor_person", row_key, getattr(r, "full_name", "/".join(parts[2:-1])), parts[1])
            return f"{who} ({self.vendor(parts[0])})"
        if table == "vendors":
            return f"{L('vendor')} {self.vendor(key)}"
        if table == "tenders":
            return f"{L.enum('subject_type', 'tender')} {key}"
        if table == "contracts":
            return f"{L.enum('subject_type', 'contract')} {key}"
        if table == "schools":
            s = self.d.frames.schools
            name = s.loc[s["school_id"] == key, "name"]
            return name.iloc[0] if len(name) else f"{L.enum('subject_type', 'school')} {key}"
        if table == "deployments" and len(parts) >= 4:
            return f"{L.enum('service', parts[2])} — {self.vendor(parts[3])}"
        return None

    _PATH_ORDER = ("officials", "declared_relatives", "vendor_people", "vendors", "schools",
                   "deployments", "tenders", "contracts")

    def coi_path(self, f: F.Finding) -> str:
        """The chain from the official to the vendor through the evidence records."""
        refs = sorted(f.evidence, key=lambda e: (self._PATH_ORDER.index(e.partition(":")[0])
                                                 if e.partition(":")[0] in self._PATH_ORDER else 99, e))
        nodes = [n for n in (self._node(e) for e in refs) if n]
        return " → ".join(self.scrub(n) for n in nodes)

    def coi_cases(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_coi"), "coi", L("coi_intro"))]
        cases = [f for f in self.d.findings if (f.family or f.code[:3]) == "COI"]
        if not cases:
            return R.join(*parts, R.para(L("no_coi")))
        rows = [{"score": f.score, "severity": R.tag(L.enum("severity", f.severity), f.severity),
                 "title": f"{f.code} — {f.title_vi if self.lang == 'vi' else f.title_en}",
                 "path": self.coi_path(f),
                 "detail": self.scrub(f.detail_vi if self.lang == "vi" else f.detail_en),
                 "status": L.enum("review_status", f.review_status)} for f in cases]
        parts.append(R.table(rows, [("score", L("score"), lambda v: R.fmt_num(v, self.lang), "num"),
                                    ("severity", L("severity")), ("title", L("finding")),
                                    ("path", L("path"), None, "hocba-path"), ("detail", L("explanation")),
                                    ("status", L("review_status"))],
                             cls="hocba-coi", html_columns=("severity",)))
        return R.join(*parts, label="coi")

    # --- procurement --------------------------------------------------------------------------
    def procurement_stats(self) -> dict:
        t, bids = self.tenders, self.d.frames.bids
        n_bids = bids.groupby("tender_id").size()
        comp = t[t["method"].isin(COMPETITIVE)]
        comp_bids = comp["tender_id"].map(n_bids).fillna(0)
        value = t["value"].sum()
        return {
            "tenders": len(t), "value": float(value),
            "single_bid": float((comp_bids == 1).mean()) if len(comp) else None,
            "direct_share": float(t.loc[t["method"].isin(DIRECT_AWARD), "value"].sum() / value) if value else None,
            "mean_bids": float(comp_bids.mean()) if len(comp) else None,
        }

    def procurement(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_procurement"), "procurement")]
        t = self.tenders
        if t.empty:
            return R.join(*parts, R.para(L("no_tenders")))
        st = self.procurement_stats()
        parts.append(R.figures([(L("n_tenders"), self._fmt_int(st["tenders"])),
                                (L("value"), R.fmt_vnd_short(st["value"], self.lang)),
                                (L("single_bid"), self._pct(st["single_bid"]) if st["single_bid"] is not None else "—"),
                                (L("direct_share"), self._pct(st["direct_share"]) if st["direct_share"] is not None else "—"),
                                (L("avg_bids"), R.fmt_num(st["mean_bids"], self.lang) if st["mean_bids"] is not None else "—")]))
        by = t.groupby("method").agg(tenders=("tender_id", "size"), value=("value", "sum")).reset_index()
        by["share"] = by["value"] / (by["value"].sum() or 1)
        by = by.sort_values("value", ascending=False)
        parts.append(R.table(by, [("method", L("method"), lambda v: L.enum("method", v)),
                                  ("tenders", L("tenders"), self._fmt_int, "num"),
                                  ("value", L("value"), self._fmt_vnd, "num"),
                                  ("share", L("value_share"), self._pct, "num")]))
        parts.append(R.bar_chart([(L.enum("method", r.method), r.value) for r in by.itertuples()],
                                 title=L("methods_chart"), value_text=lambda v: R.fmt_vnd_short(v, self.lang),
                                 axis=L.pick("Giá trị gói thầu (đồng)", "Tender value (VND)")))
        cat = t.groupby("category").agg(tenders=("tender_id", "size"), value=("value", "sum")).reset_index()
        parts.append(R.table(cat.sort_values("value", ascending=False),
                             [("category", L("category"), lambda v: L.enum("service", v)),
                              ("tenders", L("tenders"), self._fmt_int, "num"),
                              ("value", L("value"), self._fmt_vnd, "num")]))
        return R.join(*parts, label="procurement")

    # --- deployments and fees ------------------------------------------------------------------
    def deployments_section(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_deployments"), "deployments")]
        d = self.deployments
        if d.empty:
            return R.join(*parts, R.para(L("no_deployments")))
        d = d.assign(fees_year=families_per_year(d, self.schools))
        by = d.groupby(["service", "status"]).agg(
            deployments=("school_id", "size"), schools=("school_id", "nunique"),
            budget=("budget_cost_vnd", "sum"), fees=("fees_year", "sum")).reset_index()
        parts.append(R.table(by, [("service", L("service"), lambda v: L.enum("service", v)),
                                  ("status", L("status"), lambda v: L.enum("deployment_status", v)),
                                  ("deployments", L("deployments"), self._fmt_int, "num"),
                                  ("schools", L("schools"), self._fmt_int, "num"),
                                  ("budget", L("budget_cost"), self._fmt_vnd, "num"),
                                  ("fees", L("parent_fee"), self._fmt_vnd, "num")]))
        fees = d[d["parent_fee_vnd"].fillna(0) > 0]
        if fees.empty:
            parts.append(R.para(L("no_fees")))
            return R.join(*parts, label="deployments")
        parts.append(R.para(L("fees_text", n=self._fmt_int(fees["school_id"].nunique()),
                              total=self._fmt_vnd(fees["fees_year"].sum()))))
        fs = fees.groupby("service")["fees_year"].sum().sort_values(ascending=False)
        parts.append(R.bar_chart([(L.enum("service", k), v) for k, v in fs.items()], title=L("fees_chart"),
                                 value_text=lambda v: R.fmt_vnd_short(v, self.lang), color="#a63d40",
                                 axis=L.pick("Thu từ phụ huynh mỗi năm (đồng)",
                                             "Charged to families per year (VND)")))
        names = dict(zip(self.schools["school_id"], self.schools["name"]))
        top = fees.groupby(["school_id", "school_year", "service", "vendor_id"]).agg(
            fees_year=("fees_year", "sum"), per_student=("parent_fee_vnd", "sum")).reset_index()
        top["school"] = top["school_id"].map(names)
        top["vendor"] = top["vendor_id"].map(self.vendor)
        top = top.sort_values(["fees_year", "per_student"], ascending=False)
        parts.append(R.table(top, [("school", L.enum("subject_type", "school")), ("school_year", L("school_year")),
                                   ("service", L("service"), lambda v: L.enum("service", v)),
                                   ("vendor", L("vendor")),
                                   ("fees_year", L("parent_fee"), self._fmt_vnd, "num"),
                                   ("per_student", L("fee_per_student"), self._fmt_vnd, "num")],
                             max_rows=30, more_text=lambda n, t: L("first_n", n=n, total=t)))
        return R.join(*parts, label="deployments")

    # --- pilot governance -----------------------------------------------------------------------
    def coverage(self) -> dict:
        s, d = self.schools, self.deployments
        return {"total": len(s), "pilot": int(s["in_pilot"].fillna(False).sum()),
                "issued": float(d["records_total"].sum()), "signed": float(d["records_signed"].sum())}

    def governance(self) -> R.Block:
        L = self.L
        parts = [R.section(L("sec_governance"), "governance")]
        c = self.coverage()
        parts.append(R.para(L("coverage_text", pilot=self._fmt_int(c["pilot"]), total=self._fmt_int(c["total"]),
                              pct=self._pct(c["pilot"] / c["total"] if c["total"] else 0),
                              issued=self._fmt_int(c["issued"]), signed=self._fmt_int(c["signed"]),
                              spct=self._pct(c["signed"] / c["issued"] if c["issued"] else 0))))
        parts += self._milestone_parts()
        return R.join(*parts, label="governance")

    def _milestone_parts(self) -> list:
        """The pilot's milestones (Kế hoạch 213/KH-BGDĐT) of the scope: due, done, days late
        (to the run's as_of date, else today, while not done), document."""
        L = self.L
        ms = self.d.frames.pilot_milestones
        if self.d.province:
            ms = ms[ms["province_code"] == self.d.province]
        if ms.empty:
            return [R.para(L("no_milestones"))]
        as_of = pd.Timestamp(self.d.run.get("as_of") or dt.date.today())
        order = list(ENUMS["milestone"])
        rows = []
        for r in ms.itertuples(index=False):
            done = r.done_on if not pd.isna(r.done_on) else None
            late = ((done or as_of) - r.due_on).days
            rows.append({"province": province_name(r.province_code), "milestone": r.milestone,
                         "due": r.due_on, "done": done if done is not None else L("not_done"),
                         "late": late if late > 0 else 0, "doc": r.document_ref,
                         "_o": (r.province_code, order.index(r.milestone) if r.milestone in order else 99)})
        rows.sort(key=lambda r: r["_o"])
        cols = [("milestone", L("milestone"), lambda v: L.enum("milestone", v)),
                ("due", L("due_on"), lambda v: R.fmt_date(v, self.lang)),
                ("done", L("done_on"), lambda v: v if isinstance(v, str) else R.fmt_date(v, self.lang)),
                ("late", L("late_days"), self._fmt_int, "num"), ("doc", L("document_ref"))]
        if not self.d.province:
            cols.insert(0, ("province", L("province")))
        return [R.table(rows, cols, max_rows=250, more_text=lambda n, t: L("first_n", n=n, total=t))]

    # --- appendix -------------------------------------------------------------------------------
    def _is_company(self, value) -> bool:
        """``value`` reads as the tax code of a vendor that is not a person (neither a 12-digit
        personal code nor a natural person of OCDS data); an unreadable code is not."""
        from procurement.values import ValueProblem, parse_tax_code
        if value is None or value == "":
            return False
        try:
            return not self.m.is_personal_vendor(parse_tax_code(value))
        except (ValueProblem, ValueError, TypeError):
            return False

    def _quarantined_value_shown(self, table: str, column: str, code: str, raw: dict) -> bool:
        """Whether the public edition may quote the value a quarantine reason quotes: not a
        personal column of the contract (a person's name, birth date, id, address, phone,
        e-mail), not a vendor's tax code unless the vendor is a company, not the contacts of a
        vendor that is not known to be a company; a repeated key quotes every key column."""
        spec = TABLES.get(table)
        if spec is None or column not in spec.by_name:
            return False
        for name in (spec.key if code == "duplicate_key" else (column,)):
            col = spec.by_name[name]
            value = raw.get(name)
            if col.personal:
                return False
            if col.kind == "tax_code" and value not in (None, "") and not self._is_company(value):
                return False
            if table == "vendors" and name in _VENDOR_CONTACT and not self._is_company(raw.get("vendor_id")):
                return False
        return True

    def _hide_value(self, code: str, column: str, table: str, fields: dict, hidden: str) -> str:
        """The reason's text with its quoted value replaced by ``hidden`` and every other part
        (``fields``: the table referred to, the first row of a repeated key …) as stored."""
        from procurement.reasons import problem
        fields = {k: v for k, v in fields.items() if k not in ("value", "column")}
        if code == "dangling_reference" and not fields.get("target"):
            col = TABLES[table].by_name.get(column) if table in TABLES else None
            fields["target"] = col.ref if col is not None and col.ref else ""
        p = problem(code, column, hidden, **fields)
        return p.text_vi if self.lang == "vi" else p.text_en

    def appendix(self, max_rows: int = 200) -> R.Block:
        """Quarantined rows of the latest ingest of each source (the whole store)."""
        from procurement.reasons import REASONS
        L = self.L
        parts = [R.section(L("sec_appendix"), "appendix")]
        _, _, ids = self._ingest
        q = store.quarantine
        with self.d.engine.connect() as conn:
            rows = conn.execute(select(q.c.source, q.c.table_name, q.c.row_no, q.c.column_name, q.c.reason,
                                       q.c.reasons, q.c.raw).where(q.c.ingest_id.in_(ids))
                                .order_by(q.c.table_name, q.c.source, q.c.row_no)).all()
        if not rows:
            return R.join(*parts, R.para(L("no_quarantine")), label="appendix")
        counts = Counter((r.table_name, r.reason) for r in rows)
        parts.append(R.subheading(L("quarantine_by_reason")))
        parts.append(R.table([{"table": L.enum("table", t), "reason": reason, "count": n}
                              for (t, reason), n in sorted(counts.items())],
                             [("table", L("table")), ("reason", L("reason")), ("count", L("count"), self._fmt_int, "num")]))
        out = []
        hidden = L.pick("[đã ẩn]", "[hidden]")
        key = "text_vi" if self.lang == "vi" else "text_en"
        for r in rows:
            reasons = r.reasons or []
            first = reasons[0] if reasons else {}
            text = first.get(key, r.reason)
            if self.d.public:
                # The bad value may be a person's (a phone, a birth date): a personal value is
                # hidden and the rest of the text kept; every text is scrubbed as finding texts are.
                code = first.get("code", r.reason)
                column = first.get("column") or r.column_name or ""
                fields = (_template_fields(REASONS[code][0 if self.lang == "vi" else 1], str(text), column)
                          if code in REASONS else None)
                raw = dict(r.raw) if isinstance(r.raw, dict) else {}
                if raw.get(column) in (None, "") and fields and fields.get("value"):
                    raw[column] = fields["value"]      # the value as the text quotes it
                if not self._quarantined_value_shown(r.table_name, column, code, raw):
                    text = (self._hide_value(code, column, r.table_name, fields or {}, hidden)
                            if code in REASONS else code)
                text = self.m.scrub(text)
            out.append({"source": os.path.basename(str(r.source)), "table": L.enum("table", r.table_name),
                        "row": r.row_no, "column": r.column_name, "reason": r.reason, "text": text})
        parts.append(R.subheading(L("quarantine_rows")))
        parts.append(R.table(out, [("source", L("source")), ("table", L("table")), ("row", L("row"), None, "num"),
                                   ("column", L("column")), ("reason", L("reason")), ("text", L("problem"))],
                             max_rows=max_rows, more_text=lambda n, t: L("first_n", n=n, total=t)))
        return R.join(*parts, label="appendix")

"""The supplier graph and its pages (issue #5): counts on a hand-made store, the path of a
planted conflict of interest, the aggregation cap, escaping, privacy, the command."""
from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from audit import graph as GR
from audit.findings import Finding, finding_id

# --- a hand-made store ---------------------------------------------------------------------------
V1, V2, V3 = "0101000013", "0101000020", "001085012345"   # V3: a personal (12-digit) tax code
C1, C2 = "00004", "00008"                                    # two communes of Hà Nội (01)
HOSTILE = "<img src=x onerror=alert(1)>"
HREF = '<a href="javascript:alert(2)">Công ty href</a>'

FIXTURE = {
    "schools": [
        dict(school_id="S1", name="Trường Tiểu học Số Một", level="primary", province_code="01", commune_code=C1),
        dict(school_id="S2", name="Trường Tiểu học Số Hai", level="primary", province_code="01", commune_code=C1),
        dict(school_id="S3", name="Trường THCS Số Ba", level="lower_secondary", province_code="01", commune_code=C2),
    ],
    "authorities": [
        dict(authority_id="BO", name="Bộ Giáo dục và Đào tạo", kind="ministry"),
        dict(authority_id="SO", name="Sở Giáo dục và Đào tạo Hà Nội", kind="province_department", province_code="01"),
        dict(authority_id="T1", name="Trường Tiểu học Số Một (đơn vị)", kind="school", province_code="01",
             commune_code=C1, school_id="S1"),
    ],
    "vendors": [
        dict(vendor_id=V1, name=f"Công ty TNHH Phần mềm {HOSTILE}", phone="02439990001"),
        dict(vendor_id=V2, name=HREF, parent_vendor_id=V1),
        dict(vendor_id=V3, name="Hộ kinh doanh Trần Văn Bình", phone="0977000111"),
    ],
    "vendor_people": [
        dict(vendor_id=V1, full_name="Lê Thị Hoa", role="owner", share_pct="60", birth_date="1975-03-02",
             national_id="001175000222", phone="0912345678", email="hoa.le@example.vn",
             address="Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội"),
        dict(vendor_id=V3, full_name="Trần Văn Bình", role="legal_representative", birth_date="1980-07-15",
             national_id="001085012345", phone="0977000111", email="binh.tran@example.vn"),
    ],
    "officials": [
        dict(official_id="O1", full_name="Nguyễn Văn An", authority_id="SO", position="director",
             birth_date="1970-01-01", national_id="001070000001", phone="0987654321",
             email="an.nguyen@example.gov.vn", address="Số 5 đường Láng, Phường Láng, Hà Nội"),
        dict(official_id="O2", full_name="Phạm Thu Cúc", authority_id="T1", position="principal",
             birth_date="1982-11-30", phone="0904111222"),
    ],
    "declared_relatives": [
        dict(official_id="O1", full_name="Lê Thị Hoa", relation="spouse", birth_date="1975-03-02",
             phone="0912345678", address="Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội"),
    ],
    "tenders": [
        dict(tender_id="T100", procuring_entity_id="SO", title="Thuê phần mềm quản lý trường học",
             category="school_management_software", method="open_bidding",
             estimated_value_vnd="120000000", school_year="2024-2025"),
    ],
    "tender_committee": [
        dict(tender_id="T100", official_id="O1", role="approver"),
        dict(tender_id="T100", official_id="O2", role="evaluator"),
    ],
    "bids": [
        dict(tender_id="T100", vendor_id=V1, price_vnd="100000000", status="valid"),
        dict(tender_id="T100", vendor_id=V3, price_vnd="110000000", status="valid"),
    ],
    "contracts": [
        dict(contract_id="K1", tender_id="T100", vendor_id=V1, procuring_entity_id="SO",
             signed_on="2024-09-01", value_vnd="100000000"),
    ],
    "contract_lines": [
        dict(contract_id="K1", line_no="1", school_id="S1", service="school_management_software",
             quantity="1", unit="school", unit_price_vnd="100000000"),
    ],
    "deployments": [
        dict(school_id="S1", school_year="2024-2025", service="school_management_software",
             vendor_id=V1, status="live", product="<script>alert('sp')</script> SoMot"),
        dict(school_id="S2", school_year="2024-2025", service="school_management_software",
             vendor_id=V2, status="live"),
        dict(school_id="S3", school_year="2024-2025", service="digital_signature", vendor_id=V3,
             status="pilot"),
        dict(school_id="S1", school_year="2024-2025", service="digital_signature", vendor_id=V3,
             status="live"),
    ],
    "directives": [
        dict(directive_id="D1", issuer_id="SO", issued_on="2024-08-20",
             title="Về việc triển khai phần mềm quản lý trường học"),
    ],
}

EXPECTED_NODES = {"school": 3, "authority": 3, "vendor": 3, "vendor_group": 2, "person": 4,
                  "tender": 1, "directive": 1}
EXPECTED_EDGES = {"serves": 4, "buys_from": 1, "procures": 1, "bid": 2, "awarded": 1,
                  "committee": 2, "owns": 1, "represents": 1, "relative_of": 1, "works_at": 2,
                  "issued": 1, "names": 1, "member_of": 3, "branch_of": 1, "runs": 1}


def _finding(code, subject_type, subject_id, parties, evidence=(), score=80.0, severity="high"):
    return Finding(finding_id=finding_id(code, subject_type, subject_id), code=code,
                   subject_type=subject_type, subject_id=subject_id, province_code="01",
                   school_year="2024-2025", severity=severity, score=score, title_vi=f"{code} vi",
                   title_en=f"{code} en", detail_vi=f"{code}: Nguyễn Văn An khai Lê Thị Hoa",
                   detail_en=f"{code}: Nguyễn Văn An declared Lê Thị Hoa", evidence=list(evidence),
                   legal_basis="", parties=parties)


FIXTURE_FINDINGS = [
    _finding("DEP-DIRECTIVE", "directive", "D1", {"procuring_entity": ["SO"], "vendor": [V1]},
             ["directives:D1", f"vendors:{V1}"], score=75),
    _finding("COI-RELATIVE", "tender", "T100",
             {"procuring_entity": ["SO"], "vendor": [V1], "official": ["O1"]},
             ["tenders:T100", "officials:O1", "declared_relatives:O1/spouse/Lê Thị Hoa/1975-03-02",
              f"vendor_people:{V1}/owner/Lê Thị Hoa/1975-03-02", "tender_committee:T100/O1/approver"]),
]


def _write_fixture(folder: Path) -> None:
    from procurement.contract import TABLES
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in FIXTURE.items():
        cols = TABLES[table].column_names
        with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            for r in rows:
                w.writerow({c: r.get(c, "") for c in cols})


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """The hand-made store, ingested, with its two findings stored as an audit run."""
    from procurement import store
    from procurement.ingest import ingest
    from audit import findings as F
    base = tmp_path_factory.mktemp("hand")
    _write_fixture(base / "in")
    url = f"sqlite:///{base}/hand.db"
    res = ingest([str(base / "in")], url, progress=False)
    assert res.exit_code == 0, res.report["quarantine"]
    eng = store.get_engine(url)
    run = {"run_id": "20260101T000000Z-abcdef", "as_of": "2026-01-01",
           "created_at": "2026-01-01T00:00:00+00:00", "code_version": "test", "settings": {},
           "inputs": []}
    with eng.begin() as conn:
        F.store_run(conn, run, FIXTURE_FINDINGS, [], {})
    yield url
    store.dispose_engines()


def test_counts_on_hand_made_store(hand):
    G = GR.build_graph(hand)
    nodes = Counter(a["type"] for _, a in G.nodes(data=True))
    edges = Counter(k for _, _, k in G.edges(keys=True))
    assert dict(nodes) == EXPECTED_NODES
    assert dict(edges) == EXPECTED_EDGES
    # every edge goes between the node types its declaration names
    for u, v, k in G.edges(keys=True):
        et = GR.EDGE_TYPES[k]
        assert (G.nodes[u]["type"], G.nodes[v]["type"]) == (et.source, et.target), (u, v, k)
    # the relative and the vendor's owner are one person (name + birth date + phone)
    hoa = [n for n, a in G.nodes(data=True) if a["type"] == "person" and a["name"] == "Lê Thị Hoa"]
    assert len(hoa) == 1
    kinds = sorted(k for k, _, _ in G.nodes[hoa[0]]["records"])
    assert kinds == ["relative", "vendor_person"]
    assert G.has_edge(hoa[0], G.graph["official_person"]["O1"], "relative_of")
    assert G.has_edge(hoa[0], f"vendor:{V1}", "owns")
    # gathered figures: S1 takes two services of two vendors; the Department's contract value
    assert G.edges[f"vendor:{V3}", "school:S1", "serves"]["service"] == ("digital_signature",)
    assert G.edges["authority:SO", f"vendor:{V1}", "buys_from"]["value_vnd"] == 100_000_000
    assert G.edges["directive:D1", f"vendor:{V1}", "names"]["count"] == 1
    # the DEP-DIRECTIVE and COI findings are on their parties
    assert G.nodes[f"vendor:{V1}"]["severity"] == "high"
    assert G.nodes["tender:T100"]["risk"] == 80.0


def test_scope_by_province_year_and_service(hand):
    G = GR.build_graph(hand, province="01", school_year="2024-2025",
                       service="digital_signature", findings=[])
    edges = Counter(k for _, _, k in G.edges(keys=True))
    assert edges["serves"] == 2                                 # V3 → S1, V3 → S3
    assert edges["procures"] == 0                               # the tender is software
    assert G.graph["province"] == "01"
    other = GR.build_graph(hand, province="79", findings=[])   # Hồ Chí Minh City: no school here
    assert not [n for n, a in other.nodes(data=True) if a["type"] == "school"]
    assert GR.build_graph(hand, school_year="2023-2024", findings=[]).number_of_edges() < \
        GR.build_graph(hand, findings=[]).number_of_edges()


def test_path_on_hand_made_store(hand):
    G = GR.build_graph(hand)
    paths = GR.coi_paths(G)
    assert len(paths) == 1
    p = paths[0]
    official = G.graph["official_person"]["O1"]
    assert p.nodes[0] == official
    assert p.nodes[-1] == "tender:T100"
    assert [k for _, _, k in p.edges] == ["relative_of", "owns", "awarded", "committee"]


# --- the planted data set ---------------------------------------------------------------------
SEED = 5


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The generator's small planted data set, ingested and audited (the run stored)."""
    from procurement import store
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    from audit.engine import run_audit
    base = tmp_path_factory.mktemp("planted")
    res = generate("small", SEED, base / "d")
    url = f"sqlite:///{base}/x.db"
    ingest([str(base / "d")], url, progress=False)
    run_audit(url)
    truth = list(csv.DictReader(open(res.truth_path, encoding="utf-8")))
    yield {"url": url, "truth": truth, "dir": base / "d"}
    store.dispose_engines()


@pytest.fixture(scope="module")
def planted_graph(planted):
    return GR.build_graph(planted["url"])


def test_path_of_planted_conflict_of_interest(planted, planted_graph):
    G = planted_graph
    planted_ids = {r["subject_id"] for r in planted["truth"] if r["code"] == "COI-RELATIVE"}
    assert planted_ids
    fs = [f for f in G.graph["findings"] if f.code == "COI-RELATIVE" and f.subject_id in planted_ids]
    assert fs, "the planted COI-RELATIVE case was not found by the audit"
    f = fs[0]
    p = GR.coi_path(G, f)
    official = G.graph["official_person"][f.parties["official"][0]]
    kinds = [G.nodes[n]["type"] for n in p.nodes]
    # official — relative (who is the vendor person) — vendor(s) — tender
    assert p.nodes[0] == official
    assert kinds[1] == "person" and {k for k, _, _ in G.nodes[p.nodes[1]]["records"]} >= {"relative", "vendor_person"}
    assert set(kinds[2:-1]) == {"vendor"}
    assert p.nodes[-1] == f"tender:{f.subject_id}"
    assert f"vendor:{f.parties['vendor'][0]}" in p.nodes          # the winner is on the path
    types = [k for _, _, k in p.edges]
    assert types[0] == "relative_of" and types[1] in ("owns", "represents", "directs", "employed_by")
    assert "awarded" in types and types[-1] == "committee"
    for u, v, k in p.edges:                                       # every step is a graph edge
        assert G.has_edge(u, v, k), (u, v, k)
    # every COI finding of the run has a path from its official
    for path in GR.coi_paths(G):
        assert path.nodes[0].startswith("person:") and len(path.nodes) >= 3


def test_supplier_map_aggregates_schools_into_communes(planted_graph):
    G = planted_graph
    view = GR.supplier_view(G, level="commune")
    kinds = Counter(a["type"] for _, a in view.graph.nodes(data=True))
    schools = [a for _, a in G.nodes(data=True) if a["type"] == "school"]
    assert kinds["commune"] == len({a["commune_code"] for a in schools})
    assert "school" not in kinds
    # the commune counts add up to the schools
    assert sum(a["schools"] for _, a in view.graph.nodes(data=True) if a["type"] == "commune") == len(schools)
    # a group's edge to a commune counts the schools it serves there
    e = max((e for _, _, e in view.graph.edges(data=True) if e["type"] == "serves_agg"),
            key=lambda e: e["schools"])
    assert e["schools"] >= 2 and sum(e["services"].values()) >= e["schools"]


def test_aggregation_cap(planted, planted_graph):
    import networkx as nx

    from audit.present import network as N
    G = planted_graph
    full = GR.supplier_view(G, level="commune")
    cap = 60
    view = GR.supplier_view(G, level="commune", max_nodes=cap)
    V = view.graph
    assert V.number_of_nodes() <= cap < full.graph.number_of_nodes()
    more = [a for _, a in V.nodes(data=True) if a["type"] == "more"]
    assert more and view.aggregated_nodes == sum(a["count"] for a in more)
    for t in ("commune", "vendor_group"):   # each one drawn or counted in an aggregate
        drawn = sum(1 for _, a in V.nodes(data=True) if a["type"] == t)
        inside = sum(a["count"] for a in more if a["member_type"] == t)
        assert drawn + inside == sum(1 for _, a in full.graph.nodes(data=True) if a["type"] == t)
    # no school is lost: drawn and aggregated communes still count every school
    assert sum(a.get("schools") or 0 for _, a in V.nodes(data=True)
               if a["type"] == "commune" or a.get("member_type") == "commune") == \
        sum(1 for _, a in G.nodes(data=True) if a["type"] == "school")
    # around a busy authority: the cap holds and every reachable node is drawn or counted
    hub = max((n for n, a in G.nodes(data=True) if a["type"] == "authority"), key=G.degree)
    nb = GR.neighbourhood(G, hub, 2, max_nodes=cap)
    assert nb.graph.number_of_nodes() <= cap
    reach = nx.ego_graph(G.to_undirected(as_view=True), hub, radius=2).number_of_nodes()
    drawn = sum(1 for n in nb.graph if not str(n).startswith("more:"))
    assert drawn + nb.aggregated_nodes == reach
    # and the page says so
    page = N.map_page(planted["url"], graph=G, focus=hub, hops=2, max_nodes=cap).page
    assert f"{nb.aggregated_nodes:,}".replace(",", ".") + " nút khác được gộp" in html.unescape(page)
    assert len(_page_data(page)["nodes"]) <= cap


# --- escaping ------------------------------------------------------------------------------------
def _page_data(page: str) -> dict:
    m = re.search(r'<script id="hocba-data" type="application/json">(.*?)</script>', page, re.S)
    assert m, "the page has no data block"
    return json.loads(m.group(1))


def test_hostile_names_are_text(hand):
    from audit.present import network as N
    page = N.map_page(hand, focus=f"vendor:{V1}", hops=2, privacy="internal").page
    # nothing from the data is markup in the page
    for raw in (HOSTILE, "<script>alert('sp')</script>", "<a href="):
        assert raw not in page
    assert "popup.innerHTML" not in page and "cdn" not in page.lower()
    data = _page_data(page)
    labels = {n["label"] for n in data["nodes"]}
    titles = "\n".join(n["title"] for n in data["nodes"]) + "\n".join(e["title"] for e in data["edges"])
    assert f"Công ty TNHH Phần mềm {HOSTILE}" in labels               # shown, as text
    assert HREF in labels                                            # a title with href stays text
    assert "<script>alert('sp')</script> SoMot" in titles
    # the embed escapes the whole page into the attribute
    frame = N.iframe(page)
    assert frame.count("<") == 4 and HOSTILE not in frame           # <div><iframe></iframe></div>


def test_generator_hostile_vendor_is_text(planted):
    from audit.present import network as N
    G = GR.build_graph(planted["url"])
    hostile = [n for n, a in G.nodes(data=True) if a["type"] == "vendor" and "<img" in (a.get("name") or "")]
    assert hostile, "the generator plants a vendor named <img src=x onerror=alert(1)>"
    page = N.map_page(planted["url"], graph=G, focus=hostile[0], hops=1, privacy="public").page
    assert "<img src=x onerror=alert(1)>" not in page and "<script>alert(" not in page
    labels = [n["label"] for n in _page_data(page)["nodes"]]
    assert any("<img src=x onerror=alert(1)>" in x for x in labels)


# --- privacy -------------------------------------------------------------------------------------
def _personal_values(url: str) -> set[str]:
    """Every personal value of the store: names, birth dates, ids, phones, e-mails, addresses of
    officials, declared relatives and vendor people; the names and ids of personal-tax-code
    vendors."""
    from procurement import store
    from procurement.values import is_personal_tax_code
    from audit.frames import load_table
    eng = store.get_engine(url)
    out: set[str] = set()
    for table in ("officials", "declared_relatives", "vendor_people"):
        df = load_table(eng, table)
        for col in ("full_name", "national_id", "phone", "email", "address"):
            if col in df:
                out |= {str(v).strip() for v in df[col].dropna()}
        for d in df["birth_date"].dropna():
            out |= {d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y")}
    v = load_table(eng, "vendors")
    for r in v.itertuples():
        if is_personal_tax_code(r.vendor_id):
            out |= {r.vendor_id, r.name}
    return {x for x in out if len(x) >= 4}


def _leaks(page: str, values: set[str]) -> list[str]:
    """The personal values that the page shows: in its markup and text, and in the labels and
    tooltips of its data (decoded).  vis-network's own script (no data) is left out of the
    search, after checking it is exactly the library's."""
    from audit.present import network as N
    vis = N.vis_script()
    assert page.count(vis) == 1
    body = page.replace(vis, "")
    data = _page_data(page)
    strings = [x.get(k, "") for x in data["nodes"] + data["edges"] for k in ("label", "title")]
    text = body + "\n" + html.unescape(body) + "\n" + "\n".join(strings)
    return sorted(set(_trie_regex(values).findall(text)))


def _trie_regex(words) -> re.Pattern:
    """One regex matching any of ``words`` (a trie: a position is tried in one walk, not once per
    word; thousands of personal values against a page take milliseconds).  It matches somewhere
    in a text exactly when one of the words occurs there."""
    key = frozenset(words)
    if key in _TRIES:
        return _TRIES[key]
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node) -> str:
        alts = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    _TRIES.clear()
    _TRIES[key] = re.compile(build(trie))
    return _TRIES[key]


_TRIES: dict = {}


def test_public_pages_hold_no_personal_value(hand):
    from audit.present import network as N
    values = _personal_values(hand)
    assert {"Nguyễn Văn An", "0912345678", "1975-03-02", V3, "Hộ kinh doanh Trần Văn Bình"} <= values
    pages = [N.map_page(hand, privacy="public", **kw).page for kw in (
        {}, {"province": "01"}, {"focus": "official:O1"}, {"focus": f"vendor:{V3}"},
        {"focus": "school:S1", "hops": 3}, {"view": "coi"}, {"view": "coi", "lang": "en"})]
    for page in pages:
        assert _leaks(page, values) == []
    # the internal edition shows them (so the check above can fail)
    internal = N.map_page(hand, privacy="internal", view="coi").page
    assert "Nguyễn Văn An" in internal and "Lê Thị Hoa" in internal
    assert "Hộ kinh doanh Trần Văn Bình" in N.map_page(hand, privacy="internal", focus=f"vendor:{V3}").page
    # people appear by role and a stable pseudonym
    data = _page_data(pages[2])
    person_labels = [n["label"] for n in data["nodes"] if n["group"] == "person"]
    assert any(re.fullmatch(r"Cán bộ #[0-9A-F]{10} — Giám đốc", x) for x in person_labels)
    again = _page_data(N.map_page(hand, privacy="public", focus="official:O1").page)
    assert sorted(n["label"] for n in again["nodes"]) == sorted(n["label"] for n in data["nodes"])


def test_public_pages_of_planted_data_hold_no_personal_value(planted, planted_graph):
    from audit.present import network as N
    G = planted_graph
    values = _personal_values(planted["url"])
    coi = [f for f in G.graph["findings"] if f.code.startswith("COI-")]
    official = coi[0].parties["official"][0]
    vendor = coi[0].parties["vendor"][0]
    for kw in ({}, {"view": "coi"}, {"focus": f"official:{official}"}, {"focus": f"vendor:{vendor}"}):
        page = N.map_page(planted["url"], graph=G, privacy="public", **kw).page
        assert _leaks(page, values) == []
        # the embed is the same page, escaped into the attribute
        frame = N.iframe(page)
        srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
        assert html.unescape(srcdoc) == page


# --- charts --------------------------------------------------------------------------------------
def test_charts_are_escaped_svg_with_the_archipelagos(hand):
    from audit.privacy import Masker
    from audit.present import charts
    from procurement import store
    G = GR.build_graph(hand)
    market = GR.market_table(G)
    sms = market[market["service"] == "school_management_software"]
    assert sorted(sms["share"]) == [0.5, 0.5] or sorted(sms["share"]) == [1.0]
    hhi = GR.hhi_table(market)
    assert set(hhi["hhi"]) <= {10000.0, 5000.0}
    out = charts.market_charts(G, Masker(store.get_engine(hand), "public"))
    svg = "".join(str(c) for c in out.values())
    assert "<script" not in svg and HOSTILE not in svg and "Trần Văn Bình" not in svg
    assert "Quần đảo Hoàng Sa (Việt Nam)" in svg and "Quần đảo Trường Sa (Việt Nam)" in svg
    assert len(charts.TILES) == 34 and len(set(charts.TILES.values())) == 34
    from procurement.geo import provinces
    assert set(charts.TILES) == set(provinces())
    en = charts.province_map({}, title="t", lang="en")
    assert "Hoàng Sa archipelago (Viet Nam)" in str(en) and "Trường Sa archipelago (Viet Nam)" in str(en)


# --- the command -----------------------------------------------------------------------------------
def _rc(argv) -> int:
    from audit.cli import main
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


def test_map_command(hand, tmp_path, capsys):
    out = tmp_path / "m.html"
    assert _rc(["map", "--db", hand, "--province", "Hà Nội", "--out", str(out)]) == 0
    assert out.exists() and "vis.Network" in out.read_text(encoding="utf-8")
    assert _rc(["map", "--db", hand, "--focus", "official:O1", "--hops", "1", "--out", str(out)]) == 0
    assert _rc(["map", "--db", hand, "--view", "coi", "--lang", "en", "--out", str(out)]) == 0
    capsys.readouterr()
    assert _rc(["map", "--db", hand, "--focus", "vendor:9999999999", "--out", str(out)]) == 1
    assert "không có" in capsys.readouterr().err
    for bad in (["--focus", "tender"], ["--province", "Atlantis"], ["--school-year", "2024"],
                ["--hops", "-1"], ["--privacy", "open"], ["--view", "focus"]):
        assert _rc(["map", "--db", hand, *bad, "--out", str(out)]) == 2, bad
    assert _rc(["map", "--db", hand]) == 2                               # --out is required


def test_national_view_is_by_province(planted_graph):
    view = GR.supplier_view(planted_graph, level="auto")
    # no province chosen: the whole-country map draws provinces, not schools
    assert view.level == "province"
    assert {a["type"] for _, a in view.graph.nodes(data=True)} >= {"province", "vendor_group"}


def test_counts_on_postgresql(pg_url, tmp_path):
    """The same store on PostgreSQL (dates arrive as dates, sums as integers) gives the same
    graph, and a province page."""
    from procurement.ingest import ingest
    from audit.present import network as N
    _write_fixture(tmp_path / "in")
    assert ingest([str(tmp_path / "in")], pg_url, progress=False).exit_code == 0
    G = GR.build_graph(pg_url, findings=FIXTURE_FINDINGS)
    assert dict(Counter(a["type"] for _, a in G.nodes(data=True))) == EXPECTED_NODES
    assert dict(Counter(k for _, _, k in G.edges(keys=True))) == EXPECTED_EDGES
    assert G.edges["authority:SO", f"vendor:{V1}", "buys_from"]["value_vnd"] == 100_000_000
    Gp = GR.build_graph(pg_url, province="01", school_year="2024-2025", findings=FIXTURE_FINDINGS)
    assert Counter(k for _, _, k in Gp.edges(keys=True))["serves"] == 4
    page = N.map_page(pg_url, province="01", findings=FIXTURE_FINDINGS).page
    assert "Nguyễn Văn An" not in page and len(_page_data(page)["nodes"]) > 3

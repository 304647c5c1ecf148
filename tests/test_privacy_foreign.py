"""Natural persons in OCDS data from other countries (docs/privacy-foreign.md): a supplier or
tenderer whose identifier scheme the declared list (procurement/data/person_id_schemes.csv)
says is a person's is masked in public output exactly like a Vietnamese individual vendor —
role and pseudonym, id hidden, name, id and contacts scrubbed from every text — while companies
keep their names and ids, and the internal edition shows everyone.

The people here are invented; the schemes are those real publishers use (Colombia's SECOP I,
ProZorro, Mexico's federal administration and INAI, the OCDS guidance's COL-IDCARD)."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from audit.engine import run_audit
from audit.privacy import Masker, fold_scheme, is_person_identifier, person_schemes
from procurement import store
from procurement.ingest import ingest
from procurement.ocds_store import ocds_parties
from procurement.ocds_wiring import wired

BUYER = {"id": "CO-BUYER-1", "name": "BOGOTÁ D.C. - SECRETARÍA DE EDUCACIÓN",
         "roles": ["buyer", "procuringEntity"], "identifier": {"scheme": "NIT", "id": "899999061-9"}}

# (party, is a natural person)
PARTIES = [
    ({"id": "P-CC", "name": "MARÍA FERNANDA OSPINA RUEDA",
      "identifier": {"scheme": "Cédula de Ciudadanía", "id": "52781943"},
      "contactPoint": {"telephone": "+57 310 555 0199", "email": "mf.ospina@example.co"},
      "address": {"streetAddress": "Calle 45 # 12-30", "locality": "Chía"}}, True),
    # SECOP I files that lost their accented letters write U+FFFD in the scheme.
    ({"id": "P-CC-LOST", "name": "NORBERTO ARIAS QUINTERO",
      "identifier": {"scheme": "C\ufffddula de Ciudadan\ufffda", "id": "39.011.872 de Chía"}}, True),
    ({"id": "P-NIT-NAT", "name": "LUZ ADRIANA BERMÚDEZ SOLANO",
      "identifier": {"scheme": "Nit de Persona Natural", "id": "1019876543-2"}}, True),
    ({"id": "P-IDCARD", "name": "JULIÁN ESTEBAN RINCÓN MORA",
      "identifier": {"scheme": "COL-IDCARD", "id": "1032987654"}}, True),
    ({"id": "P-FOP", "name": "ФОП Коваленко Оксана Іванівна",
      "identifier": {"scheme": "UA-EDR", "id": "2987654321"}}, True),
    ({"id": "P-RFC", "name": "Rodrigo Salinas Ibarra",
      "identifier": {"scheme": "MX-RFC", "id": "SAIR800101AB1"}}, True),
    ({"id": "C-NIT", "name": "RIELCO LTDA",
      "identifier": {"scheme": "Nit de Persona Jurídica", "id": "860536079"}}, False),
    ({"id": "C-EDR", "name": "ТОВ Тропік-Сервіс", "identifier": {"scheme": "UA-EDR", "id": "20831737"}}, False),
    ({"id": "C-RFC", "name": "COMERCIALIZADORA DEL SURESTE SA DE CV",
      "identifier": {"scheme": "MX-RFC", "id": "CDS0308152M5"}}, False),
    # An unknown scheme is not assumed to be a person's.
    ({"id": "C-NGA", "name": "Kojo Motors Limited", "identifier": {"scheme": "NGA-BPPNO", "id": "65239010"}}, False),
]
PEOPLE = [p for p, person in PARTIES if person]
COMPANIES = [p for p, person in PARTIES if not person]


def _release(n: int, party: dict) -> dict:
    """A competitive tender with one valid bid, awarded to ``party``: a PRC-SINGLE finding that
    names it.  The title quotes the supplier's name, as real titles often do."""
    ocid = f"ocds-k50g02-{n}"
    who = {"id": party["id"], "name": party["name"]}
    money = {"amount": 50_000_000 + n, "currency": "COP"}
    return {"ocid": ocid, "id": f"{ocid}-1", "date": "2024-06-01T00:00:00Z", "tag": ["compiled"],
            "parties": [BUYER, dict(party, roles=["tenderer", "supplier"])], "buyer": {"id": BUYER["id"]},
            "tender": {"id": ocid, "title": f"Prestación de servicios — {party['name']}",
                       "procurementMethod": "open", "status": "complete", "numberOfTenderers": 1,
                       "value": money, "procuringEntity": {"id": BUYER["id"]},
                       "tenderPeriod": {"startDate": "2024-05-01T08:00:00-05:00",
                                        "endDate": "2024-05-20T10:00:00-05:00"}},
            "bids": {"details": [{"id": "b1", "status": "valid", "value": money, "tenderers": [who]}]},
            "awards": [{"id": "a1", "status": "active", "date": "2024-05-25T00:00:00-05:00",
                        "value": money, "suppliers": [who]}],
            "contracts": [{"id": "c1", "awardID": "a1", "status": "active", "value": money,
                           "dateSigned": "2024-05-30T00:00:00-05:00"}]}


@pytest.fixture(scope="module")
def ocds_store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy-foreign")
    path = tmp / "co.json"
    path.write_text(json.dumps({"uri": "x", "publishedDate": "2024-06-01T00:00:00Z", "version": "1.1",
                                "publisher": {"name": "p"},
                                "releases": [_release(i, p) for i, (p, _) in enumerate(PARTIES, 1)]},
                               ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{tmp}/co.db"
    with wired():
        res = ingest([str(path)], url)
    assert res.exit_code == 0, res.message
    result = run_audit(url, out_dir=tmp / "out")
    eng = store.get_engine(url)
    t = ocds_parties
    with eng.connect() as conn:
        vid = {pid: v for pid, v in conn.execute(
            select(t.c.party_id, t.c.entity_id).where(t.c.table_name == "vendors"))}
    return {"url": url, "engine": eng, "findings": result.all_findings, "vid": vid}


def _personal_values(st) -> set[str]:
    """Every value that must not show: names, vendor ids, identifiers and contacts of the people."""
    out = set()
    for p in PEOPLE:
        out |= {p["name"], st["vid"][p["id"]], p["identifier"]["id"]}
        out |= {v for v in (p.get("contactPoint") or {}).values()}
        out |= {p["address"]["streetAddress"]} if "address" in p else set()
    return out


def _readable(page: str) -> str:
    """A page's markup and text, entities and JSON escapes decoded."""
    text = html.unescape(page)
    return page + "\n" + text + "\n" + re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _shown(page: str, values) -> list[str]:
    text = _readable(page)
    return sorted(v for v in values if v in text)


# --- the declared list ---------------------------------------------------------------------------
def test_declared_list_recognises_persons_not_companies_nor_unknown_schemes():
    for party, person in PARTIES:
        ident = party["identifier"]
        assert is_person_identifier(ident["scheme"], ident["id"]) is person, party["name"]
    # As the OCDS reader stores the scheme (upper case, no spaces) and with separators in the id.
    assert is_person_identifier("CÉDULADECIUDADANÍA", "52781943")
    assert is_person_identifier("MX-RFC", "sair-800101-ab1")
    assert not is_person_identifier("UA-EDR", "208317370")          # nine digits: neither
    assert not is_person_identifier("NIT", "1019876543-2")         # bare NIT: not stated
    assert not is_person_identifier("GB-COH", "01234567") and not is_person_identifier(None, "52781943")
    assert not is_person_identifier("CO-IDCARD", "1")               # two-letter prefix: an org-id list
    assert fold_scheme("Nit de Persona Natural") == "NITDEPERSONANATURAL"


def test_every_declared_scheme_names_its_document_and_source():
    import csv
    from importlib import resources
    rows = list(csv.DictReader(resources.files("procurement").joinpath("data/person_id_schemes.csv")
                               .open(encoding="utf-8")))
    assert len(rows) == len(person_schemes()) >= 6
    for row in rows:
        assert row["scheme"] and row["country"] and row["document"] and len(row["source"]) > 20, row


# --- the Masker ------------------------------------------------------------------------------------
def test_masker_treats_foreign_persons_as_individuals(ocds_store):
    eng, vid = ocds_store["engine"], ocds_store["vid"]
    pub, again = Masker(eng, "public", "vi"), Masker(eng, "public", "en")
    internal = Masker(eng, "internal")
    for p in PEOPLE:
        v = vid[p["id"]]
        assert pub.is_personal_vendor(v)
        assert re.fullmatch(r"Hộ kinh doanh/cá nhân #[0-9A-F]{10}", pub.vendor(v, p["name"]))
        assert re.fullmatch(r"#[0-9A-F]{10}", pub.vendor_id(v))
        assert again.vendor_id(v) == pub.vendor_id(v), "the pseudonym is stable within a store"
        assert internal.vendor(v, p["name"]) == p["name"] and internal.vendor_id(v) == v
    for c in COMPANIES:
        v = vid[c["id"]]
        assert not pub.is_personal_vendor(v)
        assert pub.vendor(v, c["name"]) == c["name"] and pub.vendor_id(v) == v


def test_scrub_removes_every_value_of_a_foreign_person(ocds_store):
    eng, vid = ocds_store["engine"], ocds_store["vid"]
    pub, internal = Masker(eng, "public"), Masker(eng, "internal")
    values = _personal_values(ocds_store)
    p = PEOPLE[0]
    text = (f"Hợp đồng với {p['name']} (C.C. {p['identifier']['id']}, mã {vid[p['id']]}), "
            f"ĐT {p['contactPoint']['telephone']}, {p['contactPoint']['email']}; "
            f"{PEOPLE[4]['name']} ({PEOPLE[4]['identifier']['id']}); "
            f"{COMPANIES[0]['name']} ({vid[COMPANIES[0]['id']]})")
    out = pub.scrub(text)
    assert _shown(out, values) == []
    assert pub.vendor(vid[p["id"]], None) in out and "[đã ẩn]" in out
    assert COMPANIES[0]["name"] in out and vid[COMPANIES[0]["id"]] in out
    assert internal.scrub(text) == text
    assert "39.011.872" not in pub.scrub("Cédula 39.011.872, expedida en Chía"), "the id's number alone"
    # Every finding's texts, scrubbed as the reports do.
    findings = ocds_store["findings"]
    named = {v for f in findings for ids in f.parties.values() for v in ids}
    assert {vid[x["id"]] for x, _ in PARTIES} <= named, "each supplier has its finding"
    for f in findings:
        for t in (f.title_vi, f.title_en, f.detail_vi, f.detail_en, f.subject_id, *f.evidence):
            assert _shown(pub.scrub(t), values) == [], (f.finding_id, t)


# --- public pages ------------------------------------------------------------------------------
def test_public_map_and_report_show_no_foreign_person(ocds_store):
    from audit.present import network as N
    from audit.present.report_inspection import InspectionReport
    url, vid = ocds_store["url"], ocds_store["vid"]
    values = _personal_values(ocds_store)
    pages = [N.map_page(url, privacy="public").page, N.map_page(url, privacy="public", lang="en").page,
             str(InspectionReport.load(url, province=None, lang="vi", privacy="public").document())]
    for page in pages:
        assert _shown(page, values) == []
        assert all(c["name"] in _readable(page) for c in COMPANIES), "companies keep their names"
    assert all(any(vid[c["id"]] in _readable(page) for page in pages) for c in COMPANIES)


def test_public_focused_map_scrubs_titles_quoting_a_foreign_person(ocds_store):
    from audit.present import network as N
    url, vid = ocds_store["url"], ocds_store["vid"]
    values = _personal_values(ocds_store)
    for p in PEOPLE:
        page = N.map_page(url, privacy="public", focus=f"vendor:{vid[p['id']]}").page
        assert _shown(page, values) == [], p["id"]


def test_internal_map_and_report_show_them(ocds_store):
    from audit.present import network as N
    from audit.present.report_inspection import InspectionReport
    url = ocds_store["url"]
    names = {p["name"] for p in PEOPLE}
    page = N.map_page(url, privacy="internal").page
    report = str(InspectionReport.load(url, province=None, lang="en", privacy="internal").document())
    assert _shown(page, names) == sorted(names)
    assert _shown(report, names) == sorted(names)


def test_explorer_masks_foreign_people(ocds_store):
    """The explorer's labels, subject ids and evidence rows follow the same rule."""
    from audit.present.explorer import FindingsData
    from procurement import store
    url, vid = ocds_store["url"], ocds_store["vid"]
    engine = store.get_engine(url)
    data = FindingsData.load(engine, privacy="public")
    for p in PEOPLE:
        v = vid[p["id"]]
        assert data.vendor_id_label(v) != v and v not in data.subject_label("vendor_pair", f"{v}+X")
        assert p["name"] not in data.vendor_label(v)
    for c in COMPANIES:
        assert data.vendor_id_label(vid[c["id"]]) == vid[c["id"]]
    internal = FindingsData.load(engine, privacy="internal")
    assert internal.vendor_id_label(vid[PEOPLE[0]["id"]]) == vid[PEOPLE[0]["id"]]

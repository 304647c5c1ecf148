"""``hocba-audit export-ocds``: the store's procurement as OCDS compiled releases with the bids
extension, valid against the OCDS 1.1 release schema patched with the bids extension; export then
import gives back the same procurement rows."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.cli import main
from audit.ocds_export import export_ocds
from procurement import store
from procurement.contract import TABLES
from procurement.ingest import ingest
from procurement.ocds_wiring import wired
from tests.conftest import need
from tests.ocdsschema import release_schema_with_bids

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "schema"
PROCUREMENT = ("tenders", "bids", "contracts", "contract_lines")


@pytest.fixture(autouse=True)
def _hooks():
    with wired():
        yield


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The synthetic data set in store A, exported once."""
    from procurement.synthetic import generate
    base = tmp_path_factory.mktemp("export")
    generate("small", 11, base / "d")
    a = f"sqlite:///{base}/a.db"
    ingest([str(base / "d")], a)
    out = base / "export.json"
    with wired():
        counts = export_ocds(store.get_engine(a), out)
    yield {"base": base, "a": a, "out": out, "counts": counts, "csv": base / "d"}
    store.dispose_engines()


def _validator():
    import jsonschema
    need(SCHEMA.is_dir(), f"the OCDS schemas are missing ({SCHEMA})")
    schema = release_schema_with_bids()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _contract_rows(url: str, name: str) -> set[tuple]:
    t = store.contract_tables[name]
    with store.get_engine(url).connect() as conn:
        return {tuple(r) for r in conn.execute(select(*[t.c[c] for c in TABLES[name].column_names]))}


def test_export_is_valid_ocds_with_bids(world):
    pkg = json.loads(world["out"].read_text(encoding="utf-8"))
    for key in ("uri", "publishedDate", "publisher", "version", "releases"):
        assert key in pkg
    assert any("bid_extension" in e for e in pkg["extensions"])
    releases = pkg["releases"]
    assert len(releases) == world["counts"]["releases"] > 300
    v = _validator()
    errors = [(r["ocid"], list(e.path), e.message) for r in releases for e in v.iter_errors(r)]
    assert errors == []
    assert sum(len(r.get("bids", {}).get("details", [])) for r in releases) == \
        len(_contract_rows(world["a"], "bids")) > 0
    # Every tender is one release whose ocid is its id; bids carry the extension's codes.
    tenders = {r[0] for r in _contract_rows(world["a"], "tenders")}
    assert tenders <= {r["ocid"] for r in releases}
    statuses = {b["status"] for r in releases for b in r.get("bids", {}).get("details", [])}
    assert statuses <= {"valid", "disqualified", "withdrawn"}
    # The schema check is real: a wrong bid status is refused.
    bad = json.loads(json.dumps(next(r for r in releases if r.get("bids"))))
    bad["bids"]["details"][0]["status"] = "late"
    assert list(v.iter_errors(bad))


def test_export_then_import_round_trips(world, tmp_path):
    """Into a store that holds the same schools (contract lines and school authorities refer to
    them), the exported file gives back exactly the procurement rows, and the authorities and
    vendors it names with every value they had."""
    b = f"sqlite:///{tmp_path}/b.db"
    schools = tmp_path / "schools"
    schools.mkdir()
    shutil.copy(world["csv"] / "schools.csv", schools / "schools.csv")
    ingest([str(schools)], b)
    r = ingest([str(world["out"])], b)
    assert r.exit_code == 0, r.report["quarantine"][:5]
    for name in PROCUREMENT:
        assert _contract_rows(b, name) == _contract_rows(world["a"], name), name
    for name in ("authorities", "vendors"):
        got = _contract_rows(b, name)
        assert got and got <= _contract_rows(world["a"], name), name
    # Read back again: nothing changes.
    r = ingest([str(world["out"])], b)
    assert all(c["inserted"] == c["updated"] == 0 for c in r.report["tables"].values())


def test_json_lines_gzip_and_prefix(world, tmp_path):
    out = tmp_path / "x.jsonl.gz"
    counts = export_ocds(store.get_engine(world["a"]), out, ocid_prefix="ocds-abc123-")
    with gzip.open(out, "rt", encoding="utf-8") as f:
        lines = [json.loads(x) for x in f]
    assert len(lines) == counts["releases"] == world["counts"]["releases"]
    assert all(r["ocid"].startswith("ocds-abc123-") for r in lines)
    b = f"sqlite:///{tmp_path}/b.db"
    ingest([str(world["csv"])], b)      # the schools and the rest, then the prefixed file
    r = ingest([str(out)], b)
    assert r.report["tables"]["tenders"]["inserted"] == len(_contract_rows(world["a"], "tenders"))


def test_command(world, tmp_path, capsys):
    out = tmp_path / "cli.json"
    assert main(["export-ocds", "--db", world["a"], "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["releases"]
    assert "release" in capsys.readouterr().out
    missing = f"sqlite:///{tmp_path}/missing.db"          # a mistyped --db: no store made
    assert main(["export-ocds", "--db", missing, "--out", str(tmp_path / "m.json")]) == 2
    assert "ingest" in capsys.readouterr().err and not (tmp_path / "missing.db").exists()
    empty = f"sqlite:///{tmp_path}/empty.db"
    store.get_engine(empty)                                  # a store with nothing in it
    assert main(["export-ocds", "--db", empty, "--out", str(tmp_path / "e.json")]) == 1
    assert "ingest" in capsys.readouterr().err
    assert not (tmp_path / "e.json").exists()               # no empty package left behind
    with pytest.raises(SystemExit) as e:
        main(["export-ocds", "--db", empty])
    assert e.value.code == 2


def test_foreign_data_exports_valid_and_keeps_its_schemes(tmp_path):
    """A store filled from another country's OCDS exports valid OCDS, with the parties' own
    identifier schemes."""
    src = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "derived-compiled" / "armenia.jsonl"
    need(src.is_file(), f"missing {src}")
    a = f"sqlite:///{tmp_path}/a.db"
    ingest([str(src)], a)
    out = tmp_path / "am.json"
    export_ocds(store.get_engine(a), out)
    releases = json.loads(out.read_text(encoding="utf-8"))["releases"]
    v = _validator()
    assert [list(e.path) for r in releases for e in v.iter_errors(r)] == []
    schemes = {p.get("identifier", {}).get("scheme") for r in releases for p in r.get("parties", [])}
    assert "AM-TIN" in schemes and "VN-MST" not in schemes


def test_foreign_ids_round_trip_whatever_the_case_and_length_of_their_scheme(tmp_path):
    """A supplier whose scheme is written in lower case, or long with spaces (Colombia's
    "Cédula de Ciudadanía"), has the same vendor id after export and import."""
    rel = {"ocid": "o-1", "tag": ["compiled"], "buyer": {"id": "B1", "name": "Buyer"},
           "parties": [{"id": "S1", "name": "Foreign Co", "roles": ["supplier"],
                        "identifier": {"scheme": "gb-coh", "id": "01234567"}},
                       {"id": "S2", "name": "Persona", "roles": ["supplier"],
                        "identifier": {"scheme": "Cédula de Ciudadanía", "id": "79123456"}}],
           "tender": {"id": "t1", "procurementMethod": "open"},
           "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "S1"}]},
                      {"id": "a2", "status": "active", "suppliers": [{"id": "S2"}]}],
           "contracts": [{"id": "c1", "awardID": "a1", "value": {"amount": 100, "currency": "VND"}},
                         {"id": "c2", "awardID": "a2", "value": {"amount": 50, "currency": "VND"}}]}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(rel, ensure_ascii=False) + "\n", encoding="utf-8")
    a, b = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    ingest([str(src)], a)
    export_ocds(store.get_engine(a), tmp_path / "out.json")
    ingest([str(tmp_path / "out.json")], b)
    for name in ("vendors", "contracts"):
        assert _contract_rows(a, name) == _contract_rows(b, name), name
    texts = {v for row in _contract_rows(a, "vendors") for v in row if isinstance(v, str)}
    assert "GB-COH-01234567" in texts          # the scheme in one form: upper case, no spaces


def test_a_huge_or_fractional_quantity_exports_as_a_number_on_both_stores(db_url, tmp_path):
    """A contract line quantity that ingest accepts (1e300, 2.5) exports as a JSON number; a
    whole one within 64 bits as an integer (orjson refuses an int beyond 64 bits)."""
    d = tmp_path / "d"
    d.mkdir()
    (d / "authorities.csv").write_text(
        "authority_id,name,kind,province_code\nSGD01,Sở GD&ĐT Hà Nội,province_department,01\n",
        encoding="utf-8")
    (d / "vendors.csv").write_text("vendor_id,name\n0100109106,Công ty A\n", encoding="utf-8")
    (d / "contracts.csv").write_text(
        "contract_id,vendor_id,procuring_entity_id,value_vnd\nHD1,0100109106,SGD01,1000000\n",
        encoding="utf-8")
    (d / "contract_lines.csv").write_text(
        "contract_id,line_no,item,service,quantity,unit,unit_price_vnd\n"
        "HD1,1,A,training,1e300,student,1000\nHD1,2,B,training,2.5,month,1000\n"
        "HD1,3,C,training,3,device,1000\n", encoding="utf-8")
    assert ingest([str(d)], db_url).exit_code == 0
    out = tmp_path / "out.json"
    export_ocds(store.get_engine(db_url), out)
    text = out.read_text(encoding="utf-8")
    releases = json.loads(text)["releases"]
    items = [it for r in releases for c in r.get("contracts", []) for it in c.get("items", [])]
    assert [it["quantity"] for it in sorted(items, key=lambda it: it["lineNo"])] == [1e300, 2.5, 3]
    assert '"quantity":3,' in text.replace(" ", "")

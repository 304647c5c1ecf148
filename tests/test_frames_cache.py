"""The frames snapshot (audit/frames_cache.py): the same frames as the store, never stale."""
from __future__ import annotations

import csv
import dataclasses
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from audit import frames as FR
from audit import frames_cache as FC
from audit.engine import run_audit
from procurement import store
from procurement.contract import TABLES
from procurement.ingest import ingest
from procurement.synthetic import generate


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("frames-cache")
    generate("small", 2025, base / "d")
    return base / "d"


@pytest.fixture(scope="module")
def built(data) -> Path:
    """A SQLite store of the small set, copied by each test (the snapshot goes beside it)."""
    path = data.parent / "base.db"
    ingest([str(data)], f"sqlite:///{path}")
    store.dispose_engines()            # the last connection folds the WAL into the file
    return path


@pytest.fixture
def sqlite_store(built, tmp_path):
    path = tmp_path / "s.db"
    shutil.copy(built, path)
    url = f"sqlite:///{path}"
    yield url, store.get_engine(url), Path(str(path) + ".frames")
    store.dispose_engines()


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv(FC.ENV_SWITCH, raising=False)


def _no_store_reads(monkeypatch):
    """From here on, reading a contract table from the store fails the test."""
    def boom(*_a, **_k):
        raise AssertionError("read from the store, not from the snapshot")
    monkeypatch.setattr(FR, "load_table", boom)


def _assert_same(a: FR.Frames, b: FR.Frames) -> None:
    assert set(a.tables) == set(b.tables) == set(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def _changed_vendor(data: Path, out: Path, *, new: bool) -> tuple[str, str]:
    """A one-table input: the first vendor renamed, or (``new``) a vendor that was not there."""
    with open(data / "vendors.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    row = dict(rows[0])
    if new:
        from stdnum.vn import mst
        taken = {r["vendor_id"] for r in rows}
        vid = next(v for v in (f"01099999{i:02d}" for i in range(100))
                   if mst.is_valid(v) and v not in taken)
        row.update(vendor_id=vid, parent_vendor_id="")
    row["name"] = "Công ty TNHH Bộ nhớ đệm Mới"
    out.mkdir()
    with open(out / "vendors.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerow(row)
    return row["vendor_id"], row["name"]


def test_snapshot_gives_back_the_store_frames(sqlite_store, monkeypatch):
    url, eng, folder = sqlite_store
    direct = FR.load_frames(eng)
    first = FR.load_frames(eng, cache=True)
    assert (folder / FC.MANIFEST).exists()
    files = {p.name for p in folder.iterdir()}
    assert files == {FC.MANIFEST} | {f"{n}.{FC.SUFFIX}" for n in TABLES}
    _no_store_reads(monkeypatch)
    second = FR.load_frames(eng, cache=True)
    _assert_same(direct, first)
    _assert_same(direct, second)
    assert second.engine is eng
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())


@pytest.mark.parametrize("new", [False, True], ids=["changed-row", "added-row"])
def test_an_ingest_invalidates_the_snapshot(sqlite_store, data, tmp_path, new):
    url, eng, folder = sqlite_store
    before = FR.load_frames(eng, cache=True)
    vendor, name = _changed_vendor(data, tmp_path / "more", new=new)
    res = ingest([str(tmp_path / "more")], url)
    assert res.landed and res.report["tables"]["vendors"]["landed"] == 1
    after = FR.load_frames(eng, cache=True)
    got = after.vendors.set_index("vendor_id")
    assert got.loc[vendor, "name"] == name
    assert len(after.vendors) == len(before.vendors) + (1 if new else 0)
    _assert_same(FR.load_frames(eng), after)
    # The audit sees it too.
    res = run_audit(url, store_run=False)
    assert res.timings["_load"] >= 0
    assert len(FR.load_frames(eng, cache=True).vendors) == len(after.vendors)


def test_switched_off(sqlite_store, monkeypatch):
    url, eng, folder = sqlite_store
    monkeypatch.setenv(FC.ENV_SWITCH, "0")
    FR.load_frames(eng, cache=True)
    assert not folder.exists()
    # A snapshot left from before is not read either.
    monkeypatch.delenv(FC.ENV_SWITCH)
    FR.load_frames(eng, cache=True)
    assert folder.exists()
    monkeypatch.setenv(FC.ENV_SWITCH, "0")
    monkeypatch.setattr(FC, "_read", lambda *_a: pytest.fail("snapshot read while switched off"))
    _assert_same(FR.load_frames(eng), FR.load_frames(eng, cache=True))


def test_in_memory_store_is_never_cached():
    eng = store.get_engine("sqlite://")
    assert FC.cache_dir(eng) is None
    eng2 = store.get_engine("sqlite:///:memory:")
    assert FC.cache_dir(eng2) is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "manifest"])
def test_a_damaged_snapshot_reads_the_store_and_is_rewritten(sqlite_store, monkeypatch, caplog,
                                                             damage):
    url, eng, folder = sqlite_store
    direct = FR.load_frames(eng)
    FR.load_frames(eng, cache=True)
    victim = folder / f"contract_lines.{FC.SUFFIX}"
    size = victim.stat().st_size
    if damage == "garbage":
        victim.write_bytes(b"\x00not a frame" * (size // 12) + b"\x00" * (size % 12))
        assert victim.stat().st_size == size
    elif damage == "truncated":
        victim.write_bytes(victim.read_bytes()[: size // 2])
    else:
        (folder / FC.MANIFEST).write_text("{", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger=FC.__name__):
        again = FR.load_frames(eng, cache=True)
    assert "cannot read the frames snapshot" in caplog.text
    _assert_same(direct, again)
    assert victim.stat().st_size == size           # written anew
    _no_store_reads(monkeypatch)
    _assert_same(direct, FR.load_frames(eng, cache=True))


def test_an_unwritable_cache_does_not_fail_the_audit(pg_url, data, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HOCBA_CACHE", str(blocker / "cache"))
    ingest([str(data)], pg_url)
    with caplog.at_level(logging.WARNING, logger=FC.__name__):
        res = run_audit(pg_url, store_run=False)
    assert "cannot write the frames snapshot" in caplog.text
    monkeypatch.setenv(FC.ENV_SWITCH, "0")
    plain = run_audit(pg_url, store_run=False)
    assert [dataclasses.asdict(f) for f in res.all_findings] == \
        [dataclasses.asdict(f) for f in plain.all_findings]
    assert res.all_findings


def test_findings_are_the_same_with_and_without_the_snapshot(sqlite_store, monkeypatch):
    url, eng, folder = sqlite_store
    monkeypatch.setenv(FC.ENV_SWITCH, "0")
    plain = run_audit(url, store_run=False)
    monkeypatch.delenv(FC.ENV_SWITCH)
    cold = run_audit(url, store_run=True)
    assert (folder / FC.MANIFEST).exists()
    _no_store_reads(monkeypatch)
    warm = run_audit(url, store_run=True)     # the stored run does not invalidate the snapshot
    want = [dataclasses.asdict(f) for f in plain.all_findings]
    assert want
    assert [dataclasses.asdict(f) for f in cold.all_findings] == want
    assert [dataclasses.asdict(f) for f in warm.all_findings] == want
    assert warm.risk == plain.risk and warm.not_computed == plain.not_computed


def test_postgresql_snapshot_and_key(pg_url, data, tmp_path, monkeypatch):
    monkeypatch.setenv("HOCBA_CACHE", str(tmp_path / "cache"))
    ingest([str(data)], pg_url)
    eng = store.get_engine(pg_url)
    folder = FC.cache_dir(eng)
    assert folder.parent == tmp_path / "cache" and len(folder.name) == 16
    direct = FR.load_frames(eng)
    _assert_same(direct, FR.load_frames(eng, cache=True))
    key = FC.store_key(eng)
    assert eng.url.password is None or eng.url.password not in key["store"]
    assert key["rows"]["vendors"] == len(direct.vendors)
    with monkeypatch.context() as m:
        _no_store_reads(m)
        _assert_same(direct, FR.load_frames(eng, cache=True))
    vendor, name = _changed_vendor(data, tmp_path / "more", new=False)
    assert ingest([str(tmp_path / "more")], pg_url).landed
    assert FC.store_key(eng) != key
    after = FR.load_frames(eng, cache=True)
    assert after.vendors.set_index("vendor_id").loc[vendor, "name"] == name
    _assert_same(FR.load_frames(eng), after)


# --- the packed format (frames_cache.pack): text columns as codes and distinct values ---------
from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "Hà Nội", "<b>x</b>", "nan", "None", " a"]),
                  st.text(max_size=6))


def _roundtrip(df: pd.DataFrame) -> pd.DataFrame:
    import io
    buf = io.BytesIO()
    FC.dump(df, buf)
    buf.seek(0)
    return FC.load_file(buf)


@hsettings(max_examples=60, deadline=None)
@given(values=st.lists(_TEXT, max_size=60), repeat=st.integers(1, 5),
       numbers=st.lists(st.floats(allow_nan=True), max_size=60))
def test_pack_gives_back_an_equal_frame(values, repeat, numbers):
    text = (values * repeat)[:200]
    n = len(text)
    df = pd.DataFrame({
        "key": pd.array([f"k{i}" for i in range(n)], dtype="str"),       # all distinct
        "few": pd.array(text, dtype="str"),                               # repeated: packed
        "num": (numbers * (n // max(len(numbers), 1) + 1))[:n] if numbers else [0.0] * n,
        "mixed": pd.Series([1, 1.0, True, "1", None][i % 5] for i in range(n)),  # object: as is
    }, index=pd.RangeIndex(5, 5 + 2 * n, 2) if n else None)
    back = _roundtrip(df)
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert list(back.dtypes) == list(df.dtypes)
    # object values keep their own types (a packed object column would fold 1, 1.0 and True)
    assert [type(v) for v in back["mixed"]] == [type(v) for v in df["mixed"]]


def test_pack_codes_repeated_text_and_keeps_keys():
    n = 50_000
    df = pd.DataFrame({"row_key": pd.array([f"r{i}" for i in range(n)], dtype="str"),
                       "vendor_id": pd.array([f"V{i % 7}" if i % 11 else None for i in range(n)],
                                             dtype="str")})
    packed = FC.pack(df)
    assert isinstance(packed.parts[0], pd.Series)                   # a key: kept as it is
    kind, codes, values, dtype = packed.parts[1]
    assert kind == "codes" and codes.dtype.itemsize == 1 and len(values) == 8   # 7 + missing
    back = _roundtrip(df)
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert back["vendor_id"].isna().sum() == len(range(0, n, 11))
    # one string object per distinct value
    assert len({id(v) for v in back["vendor_id"].dropna()}) == 7


def test_pack_of_the_store_frames_and_empty_ones(sqlite_store):
    _url, engine, _folder = sqlite_store
    frames = FR.read_tables(engine)
    assert sum(len(df) for df in frames.values()) > 1000          # the small set, not an empty store
    for name, df in frames.items():
        pd.testing.assert_frame_equal(_roundtrip(df), df, check_exact=True)
    empty = pd.DataFrame({"a": pd.array([], dtype="str")})
    pd.testing.assert_frame_equal(_roundtrip(empty), empty)


def test_load_file_refuses_a_foreign_pickle(tmp_path):
    import pickle
    path = tmp_path / "x.pickle"
    path.write_bytes(pickle.dumps({"a": 1}))
    with open(path, "rb") as f, pytest.raises(ValueError, match="frames_cache.dump"):
        FC.load_file(f)

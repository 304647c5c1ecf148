"""Two processes give the same audit as one (procurement/parallel.py): the store read by two,
the flags computed by two, findings.csv written by a second process while the run is stored."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from procurement import parallel, store
from procurement.ingest import ingest
from procurement.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: the test runner may have threads, and then nothing forks.
AUDIT = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
from procurement import parallel
forks = []
real = parallel.fork_pool
def counted(n, shared=None, engines=()):
    forks.append(n)
    return real(n, shared, engines)
parallel.fork_pool = counted
import audit.engine as E
if sys.argv[4:] == ["die"]:          # a flag worker killed (for memory, say)
    import os
    main, flag = os.getpid(), E._flag
    E._flag = lambda ctx, spec: os._exit(9) if os.getpid() != main else flag(ctx, spec)
if sys.argv[4:] == ["die-read"]:     # the worker reading the largest tables killed
    import os
    import audit.frames as FR
    main, load_table = os.getpid(), FR.load_table
    FR.load_table = lambda e, n: os._exit(9) if os.getpid() != main else load_table(e, n)
if sys.argv[4:] == ["die-csv"]:      # the worker writing findings.csv killed
    import os
    main, write_csv = os.getpid(), E.F.write_csv
    E.F.write_csv = lambda *a: os._exit(9) if os.getpid() != main else write_csv(*a)
res = E.run_audit(sys.argv[1], out_dir=sys.argv[2])
print(json.dumps({"forks": forks, "findings": len(res.all_findings)}))
"""


def _audit(url: str, out: Path, workers: int, *extra: str, cache: bool = False) -> dict:
    env = dict(os.environ, HOCBA_WORKERS=str(workers), HOCBA_FRAMES_CACHE="1" if cache else "0")
    r = subprocess.run([sys.executable, "-c", AUDIT, url, str(out), str(ROOT), *extra], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1]) | {"stderr": r.stderr}


def _same_output(a: Path, b: Path) -> None:
    assert (a / "findings.csv").read_bytes() == (b / "findings.csv").read_bytes()
    ja = json.loads((a / "findings.json").read_text(encoding="utf-8"))
    jb = json.loads((b / "findings.json").read_text(encoding="utf-8"))
    for key in ("findings", "not_computed", "risk"):
        assert ja[key] == jb[key], key


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("parallel")
    generate("small", 2025, base / "d")
    return base / "d"


def test_two_processes_give_the_same_audit(data, tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    ingest([str(data)], url)
    store.dispose_engines()
    one = _audit(url, tmp_path / "one", 1)
    two = _audit(url, tmp_path / "two", 2)
    assert one["forks"] == []
    # the store read by two, the flags by two, findings.csv by a second process
    assert two["forks"] == [1, 2, 1]
    assert one["findings"] == two["findings"] > 40      # every flag planted once or more
    _same_output(tmp_path / "one", tmp_path / "two")


def test_a_dead_worker_costs_time_not_findings(data, tmp_path):
    """A flag worker that dies: the flags are computed again in the main process, with a
    warning that says how to avoid the workers."""
    url = f"sqlite:///{tmp_path}/s.db"
    ingest([str(data)], url)
    store.dispose_engines()
    one = _audit(url, tmp_path / "one", 1)
    for how in ("die", "die-csv"):
        died = _audit(url, tmp_path / how, 2, how)
        assert "a worker process died" in died["stderr"] and "HOCBA_WORKERS=1" in died["stderr"]
        assert one["findings"] == died["findings"]
        _same_output(tmp_path / "one", tmp_path / how)
        # nothing left of the dead writer's temporary file
        assert sorted(p.name for p in (tmp_path / how).iterdir()) == ["findings.csv",
                                                                      "findings.json"]


def test_two_processes_on_postgresql(data, tmp_path, pg_server):
    """A worker opens its own connection: the parent's pooled ones are never shared."""
    url = pg_server.new_database()
    ingest([str(data)], url)
    store.dispose_engines()
    one = _audit(url, tmp_path / "one", 1)
    two = _audit(url, tmp_path / "two", 2)
    assert two["forks"] == [1, 2, 1] and one["findings"] == two["findings"]
    _same_output(tmp_path / "one", tmp_path / "two")


def test_workers_setting(monkeypatch):
    monkeypatch.setenv(parallel.ENV, "0")
    with pytest.raises(ValueError, match="HOCBA_WORKERS"):
        parallel.workers(10, 1)
    monkeypatch.setenv(parallel.ENV, "1")
    assert parallel.workers(10**9, 1) == 1
    monkeypatch.delenv(parallel.ENV)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "cores", lambda: 8)
    assert parallel.workers(99, 100) == 1                   # small work: one process
    assert parallel.workers(100, 100) == parallel.MAX_AUTO  # at most two by default
    monkeypatch.setattr(parallel, "memory_allows", lambda: False)
    assert parallel.workers(100, 100) == 1                  # no room for a worker's pages
    monkeypatch.setenv(parallel.ENV, "2")
    assert parallel.workers(100, 100) == 2                  # unless asked for
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert parallel.workers(10**9, 1) == 1                  # forking is not safe here


def test_memory_allows(tmp_path):
    page = os.sysconf("SC_PAGE_SIZE")
    meminfo, statm = tmp_path / "meminfo", tmp_path / "statm"
    statm.write_text(f"900000 {2 * 2**30 // page} 1000 1 0 2000 0\n")       # 2 GiB resident
    meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable: 1500000 kB\n")  # 1.4 GiB free
    assert parallel.memory_allows(str(meminfo), str(statm)) is False
    meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable: 6000000 kB\n")
    assert parallel.memory_allows(str(meminfo), str(statm)) is True
    # Where it cannot be told (no /proc), the size decides alone.
    assert parallel.memory_allows(str(tmp_path / "none"), str(statm)) is True
    # This machine's /proc/meminfo is read: no machine has a petabyte available.
    statm.write_text(f"900000 {2**50 // page} 1000 1 0 2000 0\n")
    assert parallel.memory_allows(statm=str(statm)) is False


def test_no_fork_beside_another_thread(monkeypatch):
    """A process with another thread (a Jupyter kernel has several) works in one process."""
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not parallel.can_fork()
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize("how", ["", "die-read"])
def test_the_snapshot_made_by_two_processes(data, tmp_path, how):
    """The first audit's worker writes the tables it read into the new snapshot (one pickle
    for the hand-over and the snapshot); the next audit reads that snapshot and finds the same.
    A worker killed while reading leaves no half-written table in the snapshot."""
    from audit import frames as FR
    from audit import frames_cache as FC
    url = f"sqlite:///{tmp_path}/s.db"
    ingest([str(data)], url)
    store.dispose_engines()
    one = _audit(url, tmp_path / "one", 1)
    first = _audit(url, tmp_path / "first", 2, *([how] if how else []), cache=True)
    assert first["forks"][0] == 1 and one["findings"] == first["findings"]
    assert ("a worker process died" in first["stderr"]) == bool(how)
    folder = tmp_path / "s.db.frames"
    manifest = json.loads((folder / FC.MANIFEST).read_text(encoding="utf-8"))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [FC.MANIFEST] + [t["file"] for t in manifest["tables"].values()])
    again = _audit(url, tmp_path / "again", 2, cache=True)
    assert again["forks"] == [2, 1]             # no reading worker: the snapshot was read
    for run in ("first", "again"):
        _same_output(tmp_path / "one", tmp_path / run)
    engine = store.get_engine(url)
    stored = FR.read_tables(engine)
    snap = FC._read(folder, FC.store_key(engine))
    assert snap is not None and list(snap) == list(stored)
    for name in stored:
        pd.testing.assert_frame_equal(snap[name], stored[name], check_exact=True)
    store.dispose_engines()

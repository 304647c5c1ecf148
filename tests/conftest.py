"""Shared test fixtures: temporary databases (SQLite and a real PostgreSQL server)."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.pgserver import PgServer, find_bindir

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Hypothesis: "ci" is reproducible (the same examples on every run, no example database, no
# timing failures on a slow runner); "dev" explores new examples on each run.
settings.register_profile("ci", deadline=None, derandomize=True, database=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if IN_CI else "dev")


def need(condition: bool, reason: str) -> None:
    """Skip with ``reason`` where a system package is missing; in CI, fail instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must have this: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    need(bindir is not None, "PostgreSQL is not installed (apt-get install postgresql)")
    server = PgServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database on the throwaway server."""
    from procurement import store
    url = pg_server.new_database()
    yield url
    store.dispose_engines()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from procurement import store
    yield f"sqlite:///{tmp_path}/test.db"
    store.dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Both stores: the embedded SQLite file and a PostgreSQL database."""
    from procurement import store
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
    else:
        yield request.getfixturevalue("pg_server").new_database()
    store.dispose_engines()

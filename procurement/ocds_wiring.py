"""How the ingest takes OCDS sources, until :mod:`procurement.ingest` calls the two hooks itself.

The ingest needs two small changes for OCDS (docs/ocds.md, "Wiring into the ingest"):

1. validate each raw table with the declaration it carries (``rt.spec``, set by
   :func:`procurement.ocds.read_ocds`; CSV and Excel tables carry none and keep ``TABLES[name]``);
2. after a source's contract tables have landed, in the same transaction, call
   :func:`procurement.ocds.land_ocds_extras` ``(conn, source_data, ingest_id, source_id)``.

:func:`wired` applies both to the running process for as long as it is active (the tests and
``bench/ocds.py`` use it).  Once ``ingest.py`` calls the hooks, :func:`wired` detects it
(``ingest.OCDS_HOOKS``) and does nothing.
"""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def wired():
    from sqlalchemy import func, select

    from . import ingest as I
    from . import store
    from .ocds import land_ocds_extras
    if getattr(I, "OCDS_HOOKS", False):
        yield
        return
    saved = (I._check_values, I._KeyIndex, I._group_tables, I._progress)
    state: dict = {}
    check_values, key_index, group_tables, progress = saved

    def _check_values(raw, spec):
        return check_values(raw, getattr(raw, "spec", None) or spec)

    def _key_index(conn):
        state["conn"] = conn
        return key_index(conn)

    def _group_tables(src):
        state["src"] = src
        return group_tables(src)

    class _Bar:
        def __init__(self, bar):
            self.bar = bar

        def update(self, n):
            self.bar.update(n)

        def close(self):
            self.bar.close()
            conn, src = state.get("conn"), state.get("src")
            if conn is None or src is None or not getattr(src, "extras", None):
                return
            sid, iid = conn.execute(
                select(store.sources.c.source_id, store.sources.c.ingest_id)
                .where(store.sources.c.source_id == select(func.max(store.sources.c.source_id))
                       .where(store.sources.c.path == src.path).scalar_subquery())).one()
            land_ocds_extras(conn, src, iid, sid)

    def _progress(total, label, show):
        return _Bar(progress(total, label, show))

    I._check_values, I._KeyIndex, I._group_tables, I._progress = (
        _check_values, _key_index, _group_tables, _progress)
    try:
        yield
    finally:
        I._check_values, I._KeyIndex, I._group_tables, I._progress = saved

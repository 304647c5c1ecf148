"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests (Debian's ``postgresql`` package).

PostgreSQL refuses to run as root, and CI runs as root: the cluster is created and started as
the ``postgres`` user in a temporary folder that user owns.  Each test gets its own database.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def find_bindir() -> str | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(cand, "initdb")):
            return cand
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.port = _free_port()
        self.root = tempfile.mkdtemp(prefix="hocba-pg-")
        self.datadir = os.path.join(self.root, "data")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._n = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)

    def start(self) -> "PgServer":
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-w", "-l",
                  os.path.join(self.root, "log"), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                  f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
                  "start")
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg
        self._n += 1
        name = f"t{os.getpid()}_{self._n}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "immediate",
                      "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

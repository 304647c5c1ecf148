"""``hocba-audit serve [--db URL] [--port N]``: the inspector's explorer as a web app (Voilà)
on 127.0.0.1 only, for inspectors who do not write code.

Voilà runs ``notebooks/explore.ipynb`` in a fresh kernel for each visitor and shows its
widgets without the code.  The store is handed to the kernel through ``HOCBA_DB`` (a relative
SQLite path is made absolute first: the kernel runs in ``notebooks/``).  The server listens
on 127.0.0.1 only and asks for a random token (printed in the address), so neither another
machine nor another user of this one can open it.
"""
from __future__ import annotations

from .cli import add_db, add_edition

import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

NAME = "serve"
DEFAULT_PORT = 8866
HOST = "127.0.0.1"
#: Voilà's lab template without its CDN links (audit/present/jupyter/voila/templates/).
TEMPLATE = "hocba-explorer"
JUPYTER_DIR = Path(__file__).resolve().parent / "present" / "jupyter"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        NAME, help="công cụ khám phá như ứng dụng web trên 127.0.0.1 (Voilà) / the explorer as a "
                       "web app on 127.0.0.1 (Voilà)",
        description="Mở công cụ khám phá phát hiện như một ứng dụng web trên 127.0.0.1 (Voilà). / "
                    "Serve the findings explorer as a web app on 127.0.0.1 (Voilà).")
    add_db(p)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"cổng / port (mặc định / default {DEFAULT_PORT})")
    add_edition(p)
    p.add_argument("--token", default=None,
                   help="mã truy cập (mặc định: một mã ngẫu nhiên mới, in trong địa chỉ) / the access "
                        "token (default: a new random one, printed in the address)")


def absolute_db_url(url: str) -> str:
    """``url`` with a relative SQLite path made absolute (from the current directory)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:" and not path.startswith(":"):
            return "sqlite:///" + str(Path(path).resolve())
    return url


def voila_command(notebook: Path, port: int, token: str) -> list[str]:
    """The Voilà command line: 127.0.0.1 only, this port or fail, no browser, no code shown."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser",
            f"--Voila.ip={HOST}", f"--Voila.port={port}", "--Voila.port_retries=0",
            f"--Voila.token={token}", "--VoilaConfiguration.show_tracebacks=False",
            "--VoilaConfiguration.strip_sources=True", "--theme=light",
            f"--template={TEMPLATE}"]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def run(args) -> int:
    from procurement import store

    from .config import NOTEBOOKS_DIR
    parser_error = None
    if not 0 < args.port < 65536:
        parser_error = f"--port {args.port}: 1–65535"
    if parser_error:
        print(f"hocba-audit serve: lỗi dòng lệnh / command-line error: {parser_error}", file=sys.stderr)
        return 2
    notebook = NOTEBOOKS_DIR / "explore.ipynb"
    if not notebook.exists():
        print(f"Không thấy sổ / notebook not found: {notebook}", file=sys.stderr)
        return 1
    try:
        import voila  # noqa: F401
    except ImportError:
        print("Chưa cài Voilà: .venv/bin/pip install voila / Voilà is not installed: "
              ".venv/bin/pip install voila", file=sys.stderr)
        return 1
    url = absolute_db_url(store.resolve_db_url(args.db))
    store.get_engine(url)  # fail here, with the CLI's message, if the store cannot be reached
    if not _port_free(args.port):
        print(f"Cổng {args.port} đang được dùng: chọn cổng khác với --port. / Port {args.port} is "
              f"in use: choose another with --port.", file=sys.stderr)
        return 1
    token = args.token or secrets.token_urlsafe(24)
    jupyter_path = os.pathsep.join(p for p in (str(JUPYTER_DIR), os.environ.get("JUPYTER_PATH")) if p)
    env = dict(os.environ, HOCBA_DB=url, HOCBA_PRIVACY=args.privacy, HOCBA_LANG=args.lang,
               JUPYTER_PATH=jupyter_path)
    print(f"Mở / open: http://{HOST}:{args.port}/?token={token}\n"
          f"(chỉ trên máy này / on this machine only; Ctrl-C để dừng / to stop)", flush=True)
    proc = subprocess.Popen(voila_command(notebook, args.port, token), env=env,
                            cwd=str(NOTEBOOKS_DIR))

    def _stop(_signum, _frame):  # a SIGTERM to this process stops Voilà too
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)
    try:
        return 0 if proc.wait() in (0, -signal.SIGINT, -signal.SIGTERM) else 1
    except KeyboardInterrupt:
        proc.terminate()  # Voilà stops its kernels on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print("Đã dừng / stopped", file=sys.stderr)
        return 0

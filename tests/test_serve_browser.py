"""``hocba-audit serve`` in a real browser: Voilà on 127.0.0.1, a filter change, the table
changes; nothing is fetched from anywhere else, no script error, no dialog."""
from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6), as hex."""
    out = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            addr, hexport = parts[1].rsplit(":", 1)
            if int(hexport, 16) == port and parts[3] == "0A":
                out.add(addr)
    return out


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def audited_store(tmp_path_factory) -> str:
    from audit.engine import run_audit
    from procurement import store
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    tmp = tmp_path_factory.mktemp("serve")
    generate("small", 5, tmp / "d")
    url = f"sqlite:///{tmp / 'store.db'}"
    ingest([str(tmp / "d")], url)
    run_audit(url)
    store.dispose_engines()
    return url


@pytest.mark.browser
def test_serve_shows_the_explorer_and_a_filter_changes_the_table(audited_store):
    need(os.path.exists(CHROMIUM), "chromium is not installed (apt-get install chromium)")
    need(importlib.util.find_spec("voila") is not None, "voila is not installed (pip install voila)")
    from playwright.sync_api import sync_playwright

    from audit.present.explorer import FindingsData, filter_findings
    from procurement import store
    frame = FindingsData.load(store.get_engine(audited_store)).frame
    n_all = len(frame)
    n_sig = len(filter_findings(frame, service="digital_signature"))
    store.dispose_engines()
    assert 0 < n_sig < n_all

    port, token = _free_port(), "t0k3n-for-the-test"
    base = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "audit.cli", "serve", "--db", audited_store,
                             "--port", str(port), "--token", token],
                            cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    outside, errors, dialogs = [], [], []
    try:
        _wait_http(f"{base}?token={token}", proc)
        assert _listening_addresses(port) == {"0100007F"}          # 127.0.0.1 only
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # no token: to the login
        conn.request("GET", "/")
        answer = conn.getresponse()
        assert answer.status == 302 and "login" in answer.getheader("Location", "")
        conn.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()

            def route(r):
                if r.request.url.startswith(base):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()
            page.route("**/*", route)
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{base}?token={token}")
            page.wait_for_selector(".hocba-findings table", timeout=90_000)
            assert page.title().startswith("Khám phá phát hiện")    # not the file's name
            assert page.inner_text(".hocba-count").startswith(f"{n_all} phát hiện")
            before = page.inner_text(".hocba-findings")
            page.select_option(".hocba-filter-service select", label="Chữ ký số")
            page.wait_for_function(
                "n => document.querySelector('.hocba-count').innerText.startsWith(n + ' phát hiện')",
                arg=str(n_sig), timeout=30_000)
            # the count is updated before the table is drawn again: wait for the table too
            page.wait_for_function(
                "b => document.querySelector('.hocba-findings').innerText !== b",
                arg=before, timeout=30_000)
            after = page.inner_text(".hocba-findings")
            rows = page.locator(".hocba-findings tbody tr").count()
            # selecting a finding shows its detail (and the network around its subject)
            first = page.locator(".hocba-picker select option").first.get_attribute("value")
            page.select_option(".hocba-picker select", value=first)
            page.wait_for_selector(".hocba-detail h3", timeout=60_000)
            detail = page.inner_text(".hocba-detail")
            page.wait_for_selector(".hocba-network h4", timeout=60_000)
            browser.close()
        assert "Căn cứ pháp lý" in detail and "Bằng chứng" in detail
        assert after != before and rows == min(n_sig, 25)
        assert outside == [], outside
        assert errors == [], errors
        assert dialogs == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

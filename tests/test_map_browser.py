"""The supplier map in a real browser: Debian's Chromium, headless, driven by Playwright, every
request routed (anything but the page's own file is aborted and recorded).

Each page must: fetch nothing, raise no script error (``pageerror``, console errors), open no
dialog, and draw its canvas within 20 s (non-blank pixels).  The generator's hostile vendor
(``<img src=x onerror=alert(1)>``) shows as text, in its label and in its tooltip."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = "<img src=x onerror=alert(1)>"
SEED = 9


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Pages of the generator's small planted data set: around the hostile vendor, the
    province's supplier map, the conflict-of-interest paths, and a host page embedding two."""
    from procurement import store
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    from audit import graph as GR
    from audit.engine import run_audit
    from audit.present import network as N
    base = tmp_path_factory.mktemp("mapb")
    generate("small", SEED, base / "d")
    url = f"sqlite:///{base}/x.db"
    ingest([str(base / "d")], url, progress=False)
    run_audit(url)
    G = GR.build_graph(url)
    hostile = next(n for n, a in G.nodes(data=True)
                   if a["type"] == "vendor" and HOSTILE in (a.get("name") or ""))
    province = next(a["province_code"] for _, a in G.nodes(data=True) if a["type"] == "school")
    out = {
        "hostile": N.map_page(url, graph=G, focus=hostile, hops=1).save(base / "hostile.html"),
        "province": N.map_page(url, province=province, level="school").save(base / "province.html"),
        "coi": N.map_page(url, graph=G, view="coi", lang="en").save(base / "coi.html"),
    }
    host = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>two maps</title></head><body>"
            + N.embed(url, province=province) + N.embed(url, view="coi") + "</body></html>")
    (base / "host.html").write_text(host, encoding="utf-8")
    out["host"] = base / "host.html"
    yield out
    store.dispose_engines()


@pytest.fixture(scope="module")
def browser():
    need(os.path.exists(CHROMIUM), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose requests, script errors and dialogs are recorded."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                     if m.type == "error" else None)
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        u = route.request.url
        if u == self.url:
            route.continue_()
        else:
            self.requests.append(u)
            route.abort()

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def open(self):
        self.page.goto(self.url)
        return self

    def check(self):
        assert self.requests == [], f"requests left the file: {self.requests}"
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"


PAINTED = 'body[data-painted="1"]'
CANVAS_INK = """() => {
  const c = document.querySelector('#hocba-map canvas');
  if (!c) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def _drawn(frame) -> int:
    frame.wait_for_selector(PAINTED, state="attached", timeout=20000)
    return frame.evaluate(CANVAS_INK)


@pytest.mark.parametrize("name", ["province", "coi", "hostile"])
def test_map_opens_offline_and_draws(browser, pages, name):
    w = Watched(browser, pages[name]).open()
    try:
        ink = _drawn(w.page)
        assert ink > 500, f"the canvas is blank ({ink} pixels drawn)"
        n = w.page.evaluate("() => window.hocbaNetwork.body.data.nodes.length")
        assert n > 3
        w.page.wait_for_timeout(300)   # late errors or requests
        w.check()
    finally:
        w.page.close()


def test_hostile_vendor_shows_as_text(browser, pages):
    w = Watched(browser, pages["hostile"]).open()
    try:
        _drawn(w.page)
        node = w.page.evaluate("""(bad) => {
            const net = window.hocbaNetwork;
            const hit = net.body.data.nodes.get().find(n => n.label.includes(bad));
            if (!hit) return null;
            const p = net.canvasToDOM(net.getPosition(hit.id));
            const r = document.getElementById('hocba-map').getBoundingClientRect();
            return {id: hit.id, label: hit.label, x: r.left + p.x, y: r.top + p.y};
        }""", HOSTILE)
        assert node is not None and HOSTILE in node["label"]
        w.page.mouse.move(node["x"], node["y"])
        w.page.wait_for_selector(".vis-tooltip", state="visible", timeout=5000)
        tip = w.page.evaluate("""() => {
            const t = document.querySelector('.vis-tooltip');
            return {text: t.innerText,
                    tags: Array.from(t.querySelectorAll('*')).map(e => e.tagName)};
        }""")
        assert HOSTILE in tip["text"]
        assert set(tip["tags"]) <= {"BR"}     # text (innerText makes line breaks <br>), no markup
        assert w.page.evaluate("() => document.querySelectorAll('img, script[src], iframe').length") == 0
        w.check()
    finally:
        w.page.close()


def test_two_embedded_maps_do_not_collide(browser, pages):
    w = Watched(browser, pages["host"]).open()
    try:
        frames = [f for f in w.page.frames if f != w.page.main_frame]
        assert len(frames) == 2
        for f in frames:
            assert _drawn(f) > 500
        titles = [f.evaluate("() => document.title") for f in frames]
        assert titles[0] != titles[1]
        w.check()
    finally:
        w.page.close()

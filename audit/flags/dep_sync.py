"""DEP-SYNC — a directing directive followed within [60] days by the named group's roll-out in
[≥ 80%] of the issuer's schools (docs/flags/DEP-SYNC.md)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd

from ..context import fmt_pct, school_year_of
from ..registry import Hit, flag
from ._common import compare, exact, int_en, int_vi, least_count, ref, whole_days
from ._deployment import analyse_directives, deployment_ref, saturating, service_en, service_vi

ALL = None   # "every service" (the vendor was named by its name)


@flag("DEP-SYNC", subject_type="directive",
      title_vi="Văn bản chỉ đạo trùng với đợt triển khai đồng loạt của nhà cung cấp được nêu tên",
      title_en="Directive followed by a synchronised roll-out of the vendor it names",
      legal_basis="Chỉ đạo của Bộ GD&ĐT: không vì lợi ích nhóm; Luật Cạnh tranh 23/2018 / "
                  "the Ministry's directive: no group interests; Competition Law 23/2018",
      needs=("directives", "deployments"))
def compute(ctx, cfg):
    found = analyse_directives(ctx)
    if not found:
        return
    window = whole_days(cfg["window_days"])
    min_schools = least_count(cfg["min_schools"])
    min_share = exact(cfg["min_share"])
    groups = ctx.groups
    auth = ctx["authorities"].drop_duplicates("authority_id").set_index("authority_id")
    d = ctx.active_deployments
    # Integer codes for the window counts (numpy, not a groupby per directive).
    g_code, g_names = pd.factorize(d["group"])
    s_code, s_names = pd.factorize(d["service"])
    k_code, k_names = pd.factorize(d["school_id"])
    d = d.assign(_g=g_code, _s=s_code, _k=k_code)
    g_index = {g: i for i, g in enumerate(g_names)}
    n_groups, n_schools_all = max(len(g_names), 1), max(len(k_names), 1)
    by_year = {y: g for y, g in d.groupby("school_year", sort=False)}
    vnames = dict(zip(ctx["vendors"]["vendor_id"].tolist(), ctx["vendors"]["name"].tolist()))
    scope: dict[tuple[str, str], tuple | None] = {}

    def jurisdiction(issuer: str, year: str):
        """(D per service, deployments with a start sorted by it, their starts) — cached."""
        key = (issuer, year)
        if key not in scope:
            dy = by_year.get(year)
            schools = ctx.jurisdiction_schools(issuer)   # None: the issuer has none
            mask = None if dy is None or schools is None else dy["school_id"].isin(schools)
            if mask is None or not mask.any():
                scope[key] = None
            else:
                dj = dy[mask]
                started = dj.dropna(subset=["started_on"]).sort_values("started_on", kind="stable")
                scope[key] = (dj.groupby("service")["school_id"].nunique().to_dict(), started,
                              started["started_on"].to_numpy(), started["_g"].to_numpy(),
                              started["_s"].to_numpy().astype("int64") * n_groups * n_schools_all
                              + started["_g"].to_numpy() * n_schools_all + started["_k"].to_numpy())
        return scope[key]

    for did in sorted(found):
        a = found[did]
        if a.issued_on is None or a.issuer_id not in auth.index:
            continue
        arow = auth.loc[a.issuer_id]
        kind = arow["kind"]
        end = a.issued_on + dt.timedelta(days=window)
        year = school_year_of(end)
        j = jurisdiction(a.issuer_id, year)
        if j is None:
            continue
        d_schools, started, starts, gcodes, keys = j
        pc = "all" if kind == "ministry" else arow["province_code"]
        # (group, service or ALL) named in the directing sentences, with what named it.
        named: dict[tuple[str, str | None], set[tuple[str, str]]] = defaultdict(set)
        for dg in a.directing:
            for v in dg.by_name:
                named[(groups.group(v), ALL)].add((v, ""))
            for v, svc, prod in dg.by_product:
                named[(groups.group(v), svc)].add((v, prod))
        pairs: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        for (g, svc), via in named.items():
            for s in (sorted(d_schools) if svc is ALL else [svc]):
                pairs[(g, s)] |= via
        # N: starts from issued_on to issued_on + window (both included), by a named group.
        lo = starts.searchsorted(pd.Timestamp(a.issued_on).to_datetime64(), side="left")
        hi = starts.searchsorted(pd.Timestamp(end).to_datetime64(), side="right")
        want = np.zeros(n_groups, dtype=bool)
        want[[g_index[g] for g, _ in pairs if g in g_index]] = True
        sel = want[gcodes[lo:hi]]
        # Distinct (service, group, school) in the window → schools per (service, group).
        sg, counts = np.unique(np.unique(keys[lo:hi][sel]) // n_schools_all, return_counts=True)
        n_schools = {(s_names[k // n_groups], g_names[k % n_groups]): int(c)
                     for k, c in zip(sg.tolist(), counts.tolist())}
        dn = None
        per_service: dict[str, list] = defaultdict(list)
        for (g, s), via in sorted(pairs.items()):
            nd = int(d_schools.get(s, 0))
            if nd == 0 or nd < min_schools:
                continue
            nn = int(n_schools.get((s, g), 0))
            if compare(nn, ">=", min_share, nd):
                if dn is None:
                    dn = started.iloc[lo:hi][sel]
                rows = dn[dn["service"].eq(s) & dn["group"].eq(g)]
                per_service[s].append((g, nn, nd, rows, via))
        for s, items in sorted(per_service.items()):
            nd = items[0][2]
            best = max(nn for _, nn, _, _, _ in items)
            share = best / nd
            floor = float(min_share)
            span = 1 - floor
            score = 55 + 30 * ((share - floor) / span if span > 0 else 1) + 10 * saturating(best, 50)
            severity = "high" if score >= 75 else "medium"
            parts_vi, parts_en, evidence, vendors = [], [], [], set()
            for g, nn, _, rows, via in items:
                names_vi = ", ".join(f"sản phẩm «{p}» của {v}" if p else f"tên «{vnames.get(v, v)}» ({v})"
                                     for v, p in sorted(via))
                names_en = ", ".join(f"product “{p}” of {v}" if p else f"name “{vnames.get(v, v)}” ({v})"
                                     for v, p in sorted(via))
                parts_vi.append(f"nhóm {g} (được nêu qua {names_vi}) bắt đầu triển khai tại {int_vi(nn)}/{int_vi(nd)} trường "
                                f"= {fmt_pct(nn / nd)} ≥ ngưỡng {fmt_pct(float(min_share))}")
                parts_en.append(f"group {g} (named by {names_en}) started at {int_en(nn)}/{int_en(nd)} schools "
                                f"= {fmt_pct(nn / nd)} ≥ threshold {fmt_pct(float(min_share))}")
                evidence += [deployment_ref(r.school_id, r.school_year, r.service, r.vendor_id)
                             for r in rows.itertuples(index=False)]
                vendors |= set(rows["vendor_id"]) | {v for v, _ in via}
            first, last = a.issued_on.isoformat(), end.isoformat()
            where_vi = "toàn quốc" if kind == "ministry" else f"địa bàn của {a.issuer_id}"
            where_en = "nationwide" if kind == "ministry" else f"the jurisdiction of {a.issuer_id}"
            yield Hit(
                subject_id=f"{did}+{pc}/{s}/{year}", severity=severity, score=score,
                detail_vi=(f"Sau văn bản {did} (ngày {first}), trong năm học {year}, {int_vi(nd)} trường "
                           f"thuộc {where_vi} có triển khai {service_vi(s)} (≥ ngưỡng {min_schools} trường); "
                           f"trong khoảng từ ngày ban hành {first} đến {last} (ngày ban hành + {window} ngày, tính cả hai đầu): " + "; ".join(parts_vi) + "."),
                detail_en=(f"After directive {did} (issued {first}), in school year {year}, {int_en(nd)} "
                           f"schools in {where_en} had a pilot/live {service_en(s)} deployment (≥ threshold "
                           f"{min_schools} schools); started from the issue date {first} to {last} "
                           f"(issue date + {window} days, both included): " + "; ".join(parts_en) + "."),
                evidence=[ref("directives", did), ref("authorities", a.issuer_id)] + evidence,
                province_code=None if kind == "ministry" else pc, school_year=year,
                parties={"procuring_entity": [a.issuer_id], "vendor": sorted(vendors),
                         "vendor_group": sorted({g for g, *_ in items})})


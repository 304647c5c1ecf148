"""CON-HETERO — a vendor whose contracts span many different services: a supplier of
everything, the profile of an intermediary (Cardinal R048, docs/flags/CON-HETERO.md).

``definition = "cardinal"``: the OCDS processes follow Cardinal R048 — the classifications of the
items of active awards, fence computed on the data (:func:`_cardinal`) — the contracts of tenders
entered as CSV the catalogue (:func:`_catalogue`); one finding per vendor
(:func:`~audit.flags._ocds.run_pooled`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import school_years_of
from ..i18n import SERVICE
from ..registry import Hit, flag
from . import _bids as B
from . import _ocds as O
from . import _people as P
from ._common import least_count, ref

CONTRACTS_PER_SERVICE = 3
NEEDS = ("contracts", "contract_lines")


def _label(service: str, lang: int) -> str:
    pair = SERVICE.get(service)
    return pair[lang] if pair else service


@flag("CON-HETERO", subject_type="vendor",
      title_vi="Nhà thầu trúng thầu ở nhiều loại dịch vụ khác nhau bất thường",
      title_en="Heterogeneous supplier: a vendor whose contracts span many different services",
      legal_basis="Cardinal R048; supplier-side corruption risk index, component C1B (OCP)",
      needs=NEEDS, needs_for=O.needs(NEEDS))
def compute(ctx, cfg):
    return O.run_pooled(ctx, cfg, _catalogue, _cardinal, NEEDS)


def _catalogue(ctx, cfg, ocds: set):
    """The catalogue's rule over the contract tables, the contracts of the tenders in ``ocds``
    (the OCDS processes, in Cardinal mode) left out."""
    min_services = least_count(cfg["min_services"])
    min_contracts = least_count(cfg["min_contracts"])
    high_services = least_count(cfg["high_services"])
    ignored = set(B.as_list(cfg["ignored_services"]))
    c = ctx["contracts"][["contract_id", "vendor_id", "tender_id", "procuring_entity_id",
                          "signed_on"]].dropna(subset=["contract_id", "vendor_id"])
    c = c.drop_duplicates("contract_id")
    if ocds:
        c = c[~c["tender_id"].isin(ocds)]
    ln = ctx["contract_lines"]
    per, contract = _per_vendor(c, ln, ignored)
    per = per[per["k"].ge(min_services) & per["m"].ge(min_contracts)]
    if per.empty:
        return
    # The distinct (contract, service) pairs of the counted lines of the vendors raised, with
    # their contract.
    raised = np.flatnonzero(c["vendor_id"].isin(per.index).to_numpy())     # positions in c
    d = ln.loc[np.isin(contract, raised), ["contract_id", "service"]].drop_duplicates()
    d = d.merge(c, on="contract_id")
    # Where each contract is: its tender's province and school year, else its own procuring
    # entity's province and the school year of its signing day.
    info = P.tender_info(ctx)
    prov = ctx.authority_province
    t_pc = d["tender_id"].map(lambda x: info[x][0] if x in info else None)
    t_sy = d["tender_id"].map(lambda x: info[x][1] if x in info else None)
    t_pe = d["tender_id"].map(lambda x: info[x][2] if x in info else None)
    pe = t_pe.where(t_pe.notna(), d["procuring_entity_id"])
    d = d.assign(pc=t_pc.where(t_pc.notna(), d["procuring_entity_id"].map(prov)),
                 sy=t_sy.where(t_sy.notna(), school_years_of(d["signed_on"])), pe=pe)
    for v, g in d.sort_values(["vendor_id", "service", "contract_id"]).groupby("vendor_id", sort=True):
        k, m = int(per.at[v, "k"]), int(per.at[v, "m"])
        by_service = {s: list(dict.fromkeys(x["contract_id"])) for s, x in g.groupby("service", sort=True)}
        parts_vi = "; ".join(f"{_label(s, 0)}: {len(cs)} hợp đồng ({', '.join(cs[:CONTRACTS_PER_SERVICE])}"
                             f"{' …' if len(cs) > CONTRACTS_PER_SERVICE else ''})"
                             for s, cs in by_service.items())
        parts_en = "; ".join(f"{_label(s, 1)}: {len(cs)} contract(s) ({', '.join(cs[:CONTRACTS_PER_SERVICE])}"
                             f"{' …' if len(cs) > CONTRACTS_PER_SERVICE else ''})"
                             for s, cs in by_service.items())
        evidence = list(dict.fromkeys(ref("contracts", x) for cs in by_service.values()
                                      for x in cs[:CONTRACTS_PER_SERVICE]))
        pcs, sys_ = set(g["pc"].dropna()), set(g["sy"].dropna())
        ign_vi = ", ".join(_label(s, 0) for s in sorted(ignored)) or "không"
        ign_en = ", ".join(sorted(ignored)) or "none"
        score = 55 + 10 * (k - min_services) + (5 if m >= 2 * min_contracts else 0)
        yield Hit(
            subject_id=v, severity="high" if k >= high_services else "medium", score=min(score, 95),
            detail_vi=(f"Nhà thầu {B.vlabel(ctx, v)} là bên ký {m} hợp đồng (ngưỡng ≥ {min_contracts}) "
                       f"có dòng hàng thuộc {k} loại dịch vụ khác nhau (ngưỡng ≥ {min_services}; "
                       f"không tính: {ign_vi}) — {parts_vi}."),
            detail_en=(f"Vendor {B.vlabel(ctx, v)} holds {m} contracts (rule ≥ {min_contracts}) whose "
                       f"lines span {k} different services (rule ≥ {min_services}; not counted: "
                       f"{ign_en}) — {parts_en}."),
            evidence=evidence,
            parties={"vendor": [v], "procuring_entity": sorted(set(g["pe"].dropna()))},
            province_code=next(iter(pcs)) if len(pcs) == 1 else None,
            school_year=next(iter(sys_)) if len(sys_) == 1 else None)


def _per_vendor(c: pd.DataFrame, ln: pd.DataFrame,
                ignored: set) -> tuple[pd.DataFrame, np.ndarray]:
    """Per vendor of the contracts ``c`` (unique contract ids) with a counted line in ``ln`` (a
    line of one of them whose service is given and not ``ignored``): ``k`` its distinct
    services, ``m`` its contracts with such a line.  And per line, the position in ``c`` of its
    contract when the line is counted, else -1.

    Counted on integer codes: the contract and service columns of the 1.7 million lines are
    each factorised once, the distinct (contract, service) pairs found on the codes."""
    contract = pd.Index(c["contract_id"]).get_indexer(ln["contract_id"])     # -1: not in c
    service, services = pd.factorize(ln["service"])                         # -1: no service
    counted = service >= 0
    counted[counted] = ~pd.Index(services).isin(ignored)[service[counted]]
    contract = np.where(counted, contract, -1)
    vendor, vendors = pd.factorize(c["vendor_id"])
    pairs = pd.unique(contract[contract >= 0] * len(services) + service[contract >= 0])
    pair_contract, pair_service = pairs // len(services), pairs % len(services)
    vendor_services = pd.unique(vendor[pair_contract] * len(services) + pair_service)
    k = np.bincount(vendor_services // len(services), minlength=len(vendors))
    has_line = np.zeros(len(c), dtype=bool)
    has_line[pair_contract] = True
    m = np.bincount(vendor[has_line], minlength=len(vendors))
    per = pd.DataFrame({"k": k, "m": m}, index=pd.Index(vendors, name="vendor_id"))
    return per[per["m"].gt(0)], contract


def _cardinal(ctx, cfg):
    """Cardinal R048 over the OCDS processes (cardinal-rs ``src/indicators/r048.rs``).

    Counted: in the processes not cancelled nor excluded (``excluded_method_details``), the
    items of every ``active`` award naming exactly one supplier; an item's classification is
    the first ``digits`` characters of its ``classification.id``.  Per supplier: its distinct
    classifications, and the processes in which it has such an item.  Suppliers in fewer than
    ``minimum_contracting_processes`` processes are left out; raised: distinct classifications
    ≥ the upper fence (``threshold``, or Q3 + 1.5 × IQR of the suppliers left in when it is
    negative)."""
    digits = least_count(cfg["digits"])
    p = O.tested(ctx, cfg)
    d = O.award_items(ctx).merge(O.sole_suppliers(ctx), on=["ocid", "award_id"])
    d = d[d["ocid"].isin(p.index)]
    if d.empty:
        return
    d = d.assign(code=d["classification_id"].map(lambda x: x[:digits]))
    per = d.groupby("vendor_id").agg(k=("code", "nunique"), m=("ocid", "nunique"))
    minimum = cfg["minimum_contracting_processes"]
    per = per[per["m"].ge(minimum)]
    if per.empty:
        return
    upper, _, fence_vi, fence_en = O.fence_or_threshold(per["k"], "upper", cfg["threshold"])
    hit = per[per["k"].ge(upper).to_numpy()]
    high = least_count(cfg["high_services"])
    for v, g in d[d["vendor_id"].isin(hit.index)].sort_values(["vendor_id", "code", "ocid"]) \
            .groupby("vendor_id", sort=True):
        k, m = int(hit.at[v, "k"]), int(hit.at[v, "m"])
        by_code = {c: list(dict.fromkeys(x["ocid"])) for c, x in g.groupby("code", sort=True)}
        parts = "; ".join(f"{c}: {', '.join(os_[:CONTRACTS_PER_SERVICE])}"
                          f"{' …' if len(os_) > CONTRACTS_PER_SERVICE else ''}"
                          for c, os_ in by_code.items())      # code: its processes
        ocids = list(dict.fromkeys(g.sort_values("ocid")["ocid"]))
        evidence = [ref("ocds_tenders", x) for x in ocids]
        evidence += list(dict.fromkeys(ref("ocds_awards", x, a) for x, a in zip(g["ocid"], g["award_id"])))
        score = 55 + min(40.0, 10 * (k - upper)) + (5 if m >= 2 * max(minimum, 1) else 0)
        yield Hit(
            subject_id=v, severity="high" if k >= high else "medium", score=min(score, 95),
            detail_vi=(f"Nhà thầu {B.vlabel(ctx, v)} là nhà cung cấp duy nhất của các quyết định "
                       f"trao thầu active trong {m} quy trình OCDS (ngưỡng ≥ {minimum}), có các hạng "
                       f"mục thuộc {k} mã phân loại khác nhau ({digits} ký tự đầu của "
                       f"classification.id) ≥ ngưỡng trên {fence_vi} (quy tắc Cardinal R048) — "
                       f"quy trình theo mã: {parts}."),
            detail_en=(f"Vendor {B.vlabel(ctx, v)} is the sole supplier of active awards in {m} "
                       f"OCDS process(es) (rule ≥ {minimum}) whose items span {k} distinct "
                       f"classifications (first {digits} characters of classification.id) ≥ the "
                       f"upper fence {fence_en} (Cardinal R048) — processes by code: {parts}."),
            evidence=evidence, **O.of_vendor(ctx, v, ocids))

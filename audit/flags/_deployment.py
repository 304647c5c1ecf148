"""Helpers of the DEP family: directive sentences (flags.md, "Directive sentences"), deployment
subjects and scoring.

Directive sentences: the title and the text are split at every ``.`` ``!`` ``?`` ``;`` and
line break (the title always ends a sentence), each sentence is folded
(:func:`procurement.text.fold`), and a phrase *occurs* when its folded form appears as whole
words — neither preceded nor followed by a letter or a digit (the same test as
:func:`procurement.text.occurs`).

Vendor names and products can be thousands, so they are not matched one regex each: every
folded phrase is indexed under its *anchor*, the word of the phrase that the fewest phrases
share; a sentence's words are looked up in that index and each candidate is checked in place
(substring and both boundaries).  This finds every phrase that occurs, overlapping ones
included, in time proportional to the sentence's words and the candidates they anchor.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd

from procurement.text import collapse_ws, fold

from ..context import to_date
from ..i18n import DEPLOYMENT_STATUS, SERVICE
from ._common import ref

# Sentence ends: . ! ? ; and every line break (those of str.splitlines).
_SENTENCE_END = re.compile(r"[.!?;\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# A word: a run of letters and digits (the underscore is neither).
_WORD = re.compile(r"[^\W_]+")
_NOT_WORD = r"[\W_]"

SERVICE_VI = {"school_management_software": "phần mềm quản lý trường học",
              "center_management_software": "phần mềm quản lý trung tâm",
              "digital_signature": "chữ ký số", "infrastructure_equipment": "hạ tầng, thiết bị",
              "hosting_and_data": "lưu trữ và dữ liệu", "training": "đào tạo", "other": "dịch vụ khác"}


def service_vi(service: str) -> str:
    """``chữ ký số (digital_signature)``."""
    label = SERVICE_VI.get(service)
    return f"{label} ({service})" if label else str(service)


def service_en(service: str) -> str:
    """``digital signatures (digital_signature)``: the reports' English label (audit/i18n.py)
    with the code, as :func:`service_vi`; an unknown value as it is."""
    pair = SERVICE.get(service)
    return f"{pair[1].lower()} ({service})" if pair else str(service)


def status_en(status: str) -> str:
    """A deployment status in the English of a sentence (``pilot``), from the reports' labels
    (audit/i18n.py); an unknown value as it is."""
    pair = DEPLOYMENT_STATUS.get(status)
    return pair[1].lower() if pair else status


def status_vi(status: str) -> str:
    """A deployment status in the Vietnamese of a sentence (``thí điểm``), from the reports'
    labels (audit/i18n.py); an unknown value as it is."""
    pair = DEPLOYMENT_STATUS.get(status)
    return pair[0].lower() if pair else status


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


_WS = re.compile(r"\s+")


def fold_text(value: str) -> str:
    """:func:`procurement.text.fold` (which folds chunk by chunk, cached)."""
    return fold(value)


# --- sentences -------------------------------------------------------------------------------

@dataclass
class Sentence:
    text: str      # as written (trimmed)
    folded: str
    part: str      # "title" or "text"


def split_sentences(title, text) -> list[Sentence]:
    """The directive's sentences: the title's, then the text's (the title always ends one)."""
    out = []
    for part, value in (("title", title), ("text", text)):
        if not isinstance(value, str) or not value:
            continue
        for piece in _SENTENCE_END.split(value):
            folded = fold_text(piece)
            if folded.strip():
                out.append(Sentence(collapse_ws(piece), folded, part))
    return out


# --- phrase index ----------------------------------------------------------------------------

class PhraseIndex:
    """Every folded phrase that occurs in a folded text, as whole words (see module doc)."""

    def __init__(self, phrases):
        self.bucket: dict[str, list[tuple[str, int]]] = defaultdict(list)
        words = {}
        df: Counter = Counter()
        for p in phrases:
            ws = [(m.group(), m.start()) for m in _WORD.finditer(p)]
            if not ws:            # a phrase without a letter or digit names nothing
                continue
            words[p] = ws
            df.update({w for w, _ in ws})
        for p, ws in words.items():
            w, off = min(ws, key=lambda x: (df[x[0]], -len(x[0]), x[1]))
            self.bucket[w].append((p, off))

    def find(self, s: str) -> set[str]:
        found = set()
        n = len(s)
        for m in _WORD.finditer(s):
            cands = self.bucket.get(m.group())
            if not cands:
                continue
            for p, off in cands:
                start = m.start() - off
                end = start + len(p)
                if start < 0 or end > n or p in found:
                    continue
                if not s.startswith(p, start):
                    continue
                if start > 0 and _is_word_char(s[start - 1]):
                    continue
                if end < n and _is_word_char(s[end]):
                    continue
                found.add(p)
        return found


def phrase_regex(phrases, exceptions=()) -> re.Pattern | None:
    """One regex finding any of ``phrases`` as whole words in a folded text; a phrase with an
    exception ``(phrase, next_word)`` does not count when the next word is ``next_word``."""
    nxt = defaultdict(list)
    for p, w in exceptions:
        nxt[fold(p)].append(fold(w))
    alts = []
    for p in sorted({fold(p) for p in phrases if fold(p)}, key=lambda x: (-len(x), x)):
        a = re.escape(p)
        for w in nxt.get(p, ()):
            a += rf"(?!{_NOT_WORD}+{re.escape(w)}(?![^\W_]))"
        alts.append(f"(?:{a})")
    if not alts:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])")


# --- which sentences direct ------------------------------------------------------------------

@dataclass
class Directing:
    """A directing sentence: the vendors it names by name and by product."""
    sentence: Sentence
    by_name: set[str] = field(default_factory=set)                        # vendor ids
    by_product: set[tuple[str, str, str]] = field(default_factory=set)    # (vendor, service, product)
    phrases: list[str] = field(default_factory=list)                     # names/products as written
    instruction: str = ""

    @property
    def vendors(self) -> set[str]:
        return self.by_name | {v for v, _, _ in self.by_product}


@dataclass
class DirectiveAnalysis:
    directive_id: str
    issuer_id: str
    issued_on: dt.date | None
    directing: list[Directing]


def directive_exceptions(ctx) -> list[tuple[str, str]]:
    """``[definitions] instruction_exceptions``: (phrase, next word) pairs that do not count."""
    return [(a, b) for a, b in ctx.settings.definitions.get("instruction_exceptions", [])]


def analyse_directives(ctx) -> dict[str, DirectiveAnalysis]:
    """directive_id → its directing sentences, for the directives with at least one; computed
    once per run (DEP-DIRECTIVE and DEP-SYNC share it)."""
    return ctx.cache("deployment.directives", _analyse)


def _analyse(ctx) -> dict[str, DirectiveAnalysis]:
    defs = ctx.settings.definitions
    longer_than = int(defs["vendor_name_longer_than"])
    vendors = ctx["vendors"]
    deps = ctx["deployments"]

    # Folded phrase → what it names.
    names: dict[str, set[str]] = defaultdict(set)
    written: dict[str, str] = {}
    for vid, name in zip(vendors["vendor_id"].tolist(), vendors["name"].tolist()):
        if isinstance(name, str):
            shown = collapse_ws(name)
            if len(shown) > longer_than:
                key = fold_text(shown)
                names[key].add(vid)
                written.setdefault(key, shown)
    products: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    if not deps.empty:
        p = deps[["product", "vendor_id", "service"]].dropna().drop_duplicates()
        shown = {prod: collapse_ws(prod) for prod in p["product"].unique().tolist()}
        keys = {prod: fold_text(v) for prod, v in shown.items()}
        for prod, vid, svc in zip(p["product"].tolist(), p["vendor_id"].tolist(),
                                  p["service"].tolist()):
            key = keys[prod]
            products[key].add((vid, svc, shown[prod]))
            written.setdefault(key, shown[prod])
    index = PhraseIndex(set(names) | set(products))
    instr = phrase_regex(defs["instruction_phrases"], directive_exceptions(ctx))
    instr_written = {fold(p): p for p in defs["instruction_phrases"]}
    neg = phrase_regex(defs["negation_phrases"])

    out: dict[str, DirectiveAnalysis] = {}
    d = ctx["directives"]
    for did, issuer, issued, title, text in zip(d["directive_id"].tolist(), d["issuer_id"].tolist(),
                                                d["issued_on"].tolist(), d["title"].tolist(),
                                                d["text"].tolist()):
        directing = []
        for s in split_sentences(title, text):
            found = index.find(s.folded)
            if not found:
                continue
            m = instr.search(s.folded) if instr is not None else None
            if m is None:
                continue
            if neg is not None and neg.search(s.folded):
                continue
            dg = Directing(s, instruction=instr_written.get(m.group(), m.group()))
            for key in sorted(found):
                dg.by_name |= names.get(key, set())
                dg.by_product |= {(v, svc, prod) for v, svc, prod in products.get(key, ())}
                dg.phrases.append(written[key])
            directing.append(dg)
        if directing:
            out[did] = DirectiveAnalysis(did, issuer, to_date(issued), directing)
    return out


# --- deployments -----------------------------------------------------------------------------

DEP_KEY = ["school_id", "service", "school_year"]


def deployment_subject(school_id: str, service: str, school_year: str) -> str:
    return f"{school_id}/{service}/{school_year}"


def deployment_ref(school_id, school_year, service, vendor_id) -> str:
    """Evidence reference of a deployment row (its key: school, year, service, vendor)."""
    return ref("deployments", school_id, school_year, service, vendor_id)


def with_school(ctx, d: pd.DataFrame) -> pd.DataFrame:
    """``d`` with the school's ``province_code`` and ``students``."""
    s = ctx["schools"].set_index("school_id")
    d = d.copy()
    d["province_code"] = d["school_id"].map(s["province_code"])
    d["students"] = d["school_id"].map(s["students"])
    return d


def saturating(value: float, scale: float) -> float:
    """0 at 0, rising towards 1 (0.63 at ``scale``): a monotone score component."""
    if scale <= 0:
        return 1.0
    return 1 - math.exp(-max(0.0, value) / scale)


def iter_groups(d: pd.DataFrame, keys: list[str], cols: list[str], order: list[str] = ()):
    """``(key, rows)`` for each group of ``d`` by ``keys`` in key order, where ``rows`` maps each
    of ``cols`` to the list of its values (rows sorted by ``order``).  Plain lists: building a
    sub-frame per group is far too slow with tens of thousands of groups."""
    if d.empty:
        return
    by = list(dict.fromkeys(list(keys) + list(order)))
    d = d.sort_values(by, kind="stable")
    kv = list(zip(*(d[k].tolist() for k in keys)))
    vals = {c: d[c].tolist() for c in dict.fromkeys(cols)}
    start = 0
    n = len(kv)
    for i in range(1, n + 1):
        if i == n or kv[i] != kv[start]:
            yield kv[start], {c: v[start:i] for c, v in vals.items()}
            start = i


def per_subject(d: pd.DataFrame, cols: list[str]):
    """``(school_id, service, school_year), rows`` for each deployment subject (one finding for
    the two deployments of two vendors at one school, service and year); ``rows`` has
    ``vendor_id``, ``province_code``, ``students`` and ``cols`` as lists, in vendor order."""
    yield from iter_groups(d, DEP_KEY, ["vendor_id", "province_code", "students"] + cols,
                           order=["vendor_id"])


def parts(values, fmt) -> str:
    return ", ".join(fmt(v) for v in values)


def empty_contract(d: pd.DataFrame) -> pd.Series:
    """``contract_id`` is empty (missing or blank)."""
    c = d["contract_id"]
    return c.isna() | c.astype("str").str.strip().eq("")


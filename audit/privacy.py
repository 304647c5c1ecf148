"""Privacy for public reports (interfaces.md, "Reports").

With ``privacy="public"`` no person's name, birth date, national id, phone, e-mail or home
address appears, nor the name or id of a vendor that is a household business or an individual
(a 12-digit personal tax code) or a natural person of OCDS data from another country (an
identifier scheme that :data:`PERSON_SCHEMES_FILE` declares personal: docs/privacy-foreign.md).
People are shown by role and a pseudonym that stays the same across reports of one database and
cannot be turned back into the person: an HMAC-SHA256 of the record's id under a random secret
kept in the store (``store_meta``), never printed.

:class:`Masker` does both jobs: it names people and vendors for display, and it *scrubs* free
text (a finding's explanation may quote a person's name or phone) by replacing every personal
value the store holds with its pseudonym.
"""
from __future__ import annotations

import csv
import fnmatch
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import pandas as pd
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from procurement import store
from procurement.text import fold, phone_key
from procurement.values import is_personal_tax_code

SECRET_KEY = "pseudonym_secret"
#: Hex digits of a pseudonym code (:meth:`Masker.code`).
CODE_DIGITS = 10

#: The declared identifier schemes of natural persons (package ``procurement``).
PERSON_SCHEMES_FILE = "data/person_id_schemes.csv"

ROLE_LABELS = {
    "official": ("Cán bộ", "Official"),
    "relative": ("Người thân", "Relative"),
    "vendor_person": ("Người của nhà thầu", "Vendor person"),
    "vendor": ("Hộ kinh doanh/cá nhân", "Household business/individual"),
}

POSITION_LABELS = {
    "director": ("Giám đốc", "Director"), "deputy_director": ("Phó Giám đốc", "Deputy director"),
    "head_of_division": ("Trưởng phòng", "Head of division"),
    "procurement_officer": ("Cán bộ mua sắm", "Procurement officer"),
    "principal": ("Hiệu trưởng", "Principal"), "vice_principal": ("Phó Hiệu trưởng", "Vice principal"),
    "accountant": ("Kế toán", "Accountant"), "it_officer": ("Cán bộ CNTT", "IT officer"),
    "teacher": ("Giáo viên", "Teacher"), "other": ("Khác", "Other"),
    "legal_representative": ("Người đại diện theo pháp luật", "Legal representative"),
    "owner": ("Chủ sở hữu", "Owner"), "shareholder": ("Cổ đông", "Shareholder"),
    "founding_member": ("Thành viên sáng lập", "Founding member"),
    "chief_accountant": ("Kế toán trưởng", "Chief accountant"), "employee": ("Nhân viên", "Employee"),
    "spouse": ("Vợ/chồng", "Spouse"), "child": ("Con", "Child"), "parent": ("Cha/mẹ", "Parent"),
    "sibling": ("Anh/chị/em", "Sibling"), "parent_in_law": ("Cha/mẹ vợ/chồng", "Parent-in-law"),
    "sibling_in_law": ("Anh/chị/em vợ/chồng", "Sibling-in-law"),
}


def store_secret(engine: Engine) -> bytes:
    """The database's pseudonym secret, created on first use."""
    t = store.store_meta
    with engine.begin() as conn:
        row = conn.execute(select(t.c.value).where(t.c.key == SECRET_KEY)).first()
        if row:
            return bytes.fromhex(row[0])
        value = secrets.token_hex(32)
        conn.execute(t.insert().values(key=SECRET_KEY, value=value))
        return bytes.fromhex(value)


# --- natural persons in OCDS data ------------------------------------------------------------------
@dataclass(frozen=True)
class PersonScheme:
    """One row of :data:`PERSON_SCHEMES_FILE`: an identifier scheme (a shell-style pattern over
    the folded scheme, see :func:`fold_scheme`) whose ids denote natural persons — all of them,
    or those matching ``identifier`` (a regular expression over the whole compacted id)."""
    scheme: str
    identifier: re.Pattern | None
    country: str
    document: str


def fold_scheme(scheme: str | None) -> str:
    """A scheme as compared: upper case, without accents or white space (``Cédula de
    Ciudadanía`` → ``CEDULADECIUDADANIA``; the OCDS reader keeps it upper case without spaces)."""
    s = unicodedata.normalize("NFKD", scheme or "")
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", "", s).upper()


def _compact_id(identifier: str | None) -> str:
    return re.sub(r"[\s.\-/]", "", identifier or "").upper()


@lru_cache(maxsize=1)
def person_schemes() -> tuple[PersonScheme, ...]:
    """The declared list (docs/privacy-foreign.md says why each row is there)."""
    out = []
    with resources.files("procurement").joinpath(PERSON_SCHEMES_FILE).open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ident = (row.get("identifier") or "").strip()
            out.append(PersonScheme(fold_scheme(row["scheme"]), re.compile(ident) if ident else None,
                                    row.get("country") or "", row.get("document") or ""))
    return tuple(out)


def _scheme_hits(folded: str, declared: str) -> bool:
    if "\ufffd" in folded:
        # Letters the publisher's file lost (U+FFFD, as in Colombia's SECOP I sample: "C�dula de
        # Ciudadan�a"): each stands for one letter of a declared scheme written out in full.
        if any(c in declared for c in "*?["):
            return False
        rx = "".join("." if c == "\ufffd" else re.escape(c) for c in folded)
        return re.fullmatch(rx, declared) is not None
    return fnmatch.fnmatchcase(folded, declared)


@lru_cache(maxsize=4096)
def _rules_for(folded: str) -> tuple[PersonScheme, ...]:
    return tuple(r for r in person_schemes() if _scheme_hits(folded, r.scheme))


def is_person_identifier(scheme: str | None, identifier: str | None) -> bool:
    """Whether an OCDS identifier (scheme and id) denotes a natural person by the declared list.
    An unknown scheme is not assumed to be a person's."""
    folded = fold_scheme(scheme)
    if not folded:
        return False
    rules = _rules_for(folded)
    if not rules:
        return False
    compact = _compact_id(identifier)
    return any(r.identifier is None or r.identifier.fullmatch(compact) for r in rules)


def foreign_person_vendors(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """vendor_id → (identifier, name) of every vendor an OCDS party made whose identifier denotes
    a natural person (table ``ocds_parties``: the scheme and id the vendor id was made from)."""
    from procurement.ocds_store import ocds_parties as t
    if not inspect(engine).has_table(t.name):
        return {}
    q = select(t.c.entity_id, t.c.scheme, t.c.identifier, t.c.name).where(
        t.c.table_name == "vendors", t.c.scheme.is_not(None), t.c.scheme != "VN-MST")
    with engine.connect() as conn:
        return {vid: (ident, name) for vid, scheme, ident, name in conn.execute(q)
                if is_person_identifier(scheme, ident)}


class Masker:
    """Names people and vendors for display and scrubs personal values from text."""

    def __init__(self, engine: Engine, privacy: str = "public", lang: str = "vi",
                 frames=None):
        if privacy not in ("public", "internal"):
            raise ValueError(f"privacy must be public or internal, not {privacy!r}")
        self.public = privacy == "public"
        self.lang = lang
        self._engine = engine
        self._frames = frames
        self._secret = store_secret(engine) if self.public else b""

    # --- pseudonyms ----------------------------------------------------------------------
    @cached_property
    def _mac(self):
        """The HMAC keyed once; :meth:`code` copies it (the same digest, ~3× faster than
        keying a new HMAC for each of the ~100,000 people of the national data)."""
        return hmac.new(self._secret, digestmod=hashlib.sha256)

    def code(self, kind: str, record_id: str) -> str:
        """A short stable pseudonym code for one record: :data:`CODE_DIGITS` hex digits of an
        HMAC (40 bits: among the ~100,000 people of one kind in the national data, two
        different people share a code with a chance of about 1 in 200; with 24 bits it would
        be hundreds of pairs)."""
        mac = self._mac.copy()
        mac.update(f"{kind}\x1f{record_id}".encode("utf-8"))
        return mac.hexdigest()[:CODE_DIGITS].upper()

    def _label(self, kind: str) -> str:
        vi, en = ROLE_LABELS[kind]
        return vi if self.lang == "vi" else en

    def _role(self, role: str | None) -> str:
        if not role or role not in POSITION_LABELS:
            return ""
        vi, en = POSITION_LABELS[role]
        return vi if self.lang == "vi" else en

    def person(self, kind: str, record_id: str, name: str | None, role: str | None = None) -> str:
        """A person for display: the name (internal) or role and pseudonym (public)."""
        role_text = self._role(role)
        if not self.public:
            return f"{name} ({role_text})" if role_text and name else (name or record_id)
        label = f"{self._label(kind)} #{self.code(kind, record_id)}"
        return f"{label} — {role_text}" if role_text else label

    @cached_property
    def _foreign_people(self) -> dict[str, tuple[str | None, str | None]]:
        """The OCDS vendors that are natural persons (read once per Masker)."""
        return foreign_person_vendors(self._engine)

    def is_personal_vendor(self, vendor_id: str | None) -> bool:
        """A household business or individual: a 12-digit Vietnamese personal tax code, or a
        natural person by the declared OCDS identifier schemes."""
        return bool(vendor_id) and (is_personal_tax_code(vendor_id) or vendor_id in self._foreign_people)

    def vendor(self, vendor_id: str, name: str | None) -> str:
        """A vendor for display; a household business or individual is masked in public."""
        if self.public and self.is_personal_vendor(vendor_id):
            return f"{self._label('vendor')} #{self.code('vendor', vendor_id)}"
        return name or vendor_id

    def vendor_id(self, vendor_id: str) -> str:
        if self.public and self.is_personal_vendor(vendor_id):
            return f"#{self.code('vendor', vendor_id)}"
        return vendor_id

    # --- scrubbing ---------------------------------------------------------------------------
    @cached_property
    def _replacements(self) -> dict[str, str]:
        """Every personal value in the store → what to show instead."""
        if not self.public:
            return {}
        from .frames import load_table
        frames = self._frames
        get = (lambda n: frames[n]) if frames is not None else (lambda n: load_table(self._engine, n))
        out: dict[str, str] = {}

        people = [("officials", "official", "official_id", "position"),
                  ("declared_relatives", "relative", None, "relation"),
                  ("vendor_people", "vendor_person", None, "role")]
        hidden = "[đã ẩn]" if self.lang == "vi" else "[hidden]"
        born = "[ngày sinh]" if self.lang == "vi" else "[birth date]"
        # A name several people hold (an official and a vendor's employee, say) cannot be
        # told apart in a text: it is shown without a pseudonym rather than as one of them.
        shared = "[họ tên đã ẩn]" if self.lang == "vi" else "[name hidden]"
        names_of: dict[str, tuple[set[str], set[str]]] = {}   # key → (pseudonyms, forms)
        for table, kind, id_col, role_col in people:
            df = get(table)
            if df.empty:
                continue
            rids = df[id_col] if id_col else df["row_key"].astype(str)
            roles = df[role_col] if role_col in df else pd.Series(None, index=df.index)
            shown = [self.person(kind, r, None, role) for r, role in zip(rids.tolist(), roles.tolist())]
            names = df["full_name"].astype("object")
            for name, label in zip(names.tolist(), shown):
                if isinstance(name, str):
                    for form in (name, fold(name)):
                        labels, forms = names_of.setdefault(_match_key(form), (set(), set()))
                        labels.add(label.split(" — ")[0])
                        forms.add(unicodedata.normalize("NFC", form.strip()))
            if id_col:
                # The record's own id (a staff number): whoever holds the list could turn the
                # pseudonym back.  It becomes the pseudonym's code.
                for rid in rids.tolist():
                    if isinstance(rid, str) and len(rid.strip()) >= 3:
                        out.setdefault(rid.strip(), "#" + self.code(kind, rid))
            # Each record's values in this order, the first record to hold a value naming it:
            # its name, the name folded (as evidence keys write it), its ids and contacts, its
            # birth date written both ways.
            columns = [(names, shown), (names.map(fold, na_action="ignore"), shown)]
            columns += [(df[c].astype("object"), hidden)
                        for c in ("national_id", "phone", "email", "address") if c in df]
            if "birth_date" in df:
                dates = pd.to_datetime(df["birth_date"], errors="coerce")
                columns += [(dates.dt.strftime("%Y-%m-%d"), born), (dates.dt.strftime("%d/%m/%Y"), born)]
            _add_record_major(out, columns)
        for labels, forms in names_of.values():
            if len(labels) > 1:
                for form in forms:
                    if form in out:
                        out[form] = shared
        vendors = get("vendors")
        for rec in vendors.itertuples(index=False):
            if self.is_personal_vendor(rec.vendor_id):
                shown = self.vendor(rec.vendor_id, rec.name)
                _put(out, rec.name, shown)
                out[rec.vendor_id] = self.vendor_id(rec.vendor_id)
                for col in ("phone", "email", "address", "website"):
                    _put(out, getattr(rec, col, None), hidden)
        for vid, (ident, name) in self._foreign_people.items():
            # The name as the party wrote it; the vendor id; the person's id as published,
            # compacted, and its leading number.
            shown = self.vendor(vid, name)
            _put(out, name, shown)
            out.setdefault(vid, self.vendor_id(vid))
            number = re.match(r"[\d.\-]+", (ident or "").strip())  # "17.050.415 de Bogot�"
            for v in {ident, _compact_id(ident), number and number.group(0).strip(".-")}:
                if v and len(v) >= 5:
                    out.setdefault(v, self.vendor_id(vid))
        return out

    @cached_property
    def _scrubber(self) -> "FastScrubber":
        return FastScrubber(self._replacements)

    def scrub(self, text: str | None) -> str:
        """``text`` with every personal value replaced (public); unchanged (internal).  Values
        are found whatever their case, spacing or Unicode form (a directive quoting a name in
        capitals); an official's id written after its own pseudonym is dropped."""
        if not text or not self.public:
            return text or ""
        return self._scrubber(text)


#: "Cán bộ #ABC… — Trưởng phòng (#ABC…)": the id after a pseudonym, turned into that same code.
_SAME_CODE = re.compile(r"(#([0-9A-F]{%d})(?: — [^()#]{1,60})?) \(#\2\)" % CODE_DIGITS)

#: A stored value that is a phone number: digits, perhaps with + ( ) . - and spaces.
_PHONE_VALUE = re.compile(r"\+?[\d() .\-]{9,20}")
#: A phone number in a text, however its digits are grouped.
_PHONE_IN_TEXT = re.compile(r"(?<![\w.])\(?\+?\d(?:[ .\-]?\(?\d\)?){8,13}(?![\w])")

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def _match_key(value: str) -> str:
    """A value as the scrubber matches it: NFC, lower case, runs of spaces as one space."""
    v = _SPACES.sub(" ", unicodedata.normalize("NFC", value).strip())
    low = v.lower()
    return low if len(low) == len(v) else v


def _put(out: dict[str, str], value, shown) -> None:
    """``out[value] = shown`` for a text value, stripped and NFC-normalised as the scrubber
    reads texts, unless it is shorter than 3 characters or already mapped (the first wins)."""
    if isinstance(value, str):
        v = unicodedata.normalize("NFC", value.strip())
        if len(v) >= 3 and v not in out:
            out[v] = shown


def _add_record_major(out: dict[str, str], columns: list[tuple[pd.Series, object]]) -> None:
    """:func:`_put` each column's values, record by record and, within a record, in the order
    of ``columns`` (what a loop over the records would do).  ``shown`` is one text for the
    column or a list with one per record."""
    n_cols = len(columns)
    merged: list = [None] * (n_cols * len(columns[0][0]))
    shown_all: list = [None] * len(merged)
    for j, (values, shown) in enumerate(columns):
        merged[j::n_cols] = values.tolist()
        shown_all[j::n_cols] = shown if isinstance(shown, list) else [shown] * len(values)
    for value, shown in zip(merged, shown_all):
        _put(out, value, shown)


class FastScrubber:
    """Replace every known value in a text by its replacement, scanning left to right; at each
    position the longest value that starts there wins (what a regular expression alternation
    of the values sorted longest first does).  A regex over the ~350,000 personal values of
    the national data set takes ~16 s to compile and ~0.3 s a call; this looks values up by
    their first characters instead."""

    KEY = 8

    def __init__(self, replacements: dict[str, str]):
        # Matched on :func:`_match_key` forms (the first value of a form names it).
        matched: dict[str, str] = {}
        for value, shown in replacements.items():
            matched.setdefault(_match_key(value), shown)
        replacements = matched
        self.replacements = replacements
        self.index: dict[int, dict[str, list[str]]] = {}
        for value in replacements:
            k = min(len(value), self.KEY)
            self.index.setdefault(k, {}).setdefault(value[:k], []).append(value)
        for bucket in self.index.values():
            for values in bucket.values():
                values.sort(key=len, reverse=True)
        self.lengths = sorted(self.index, reverse=True)
        first = {v[0] for v in replacements}
        self.first = first
        # Phone numbers as a text may write them ("0758.648.357", "+84 758 648 357"): found
        # by their digits.
        self.phones = {phone_key(v): shown for v, shown in replacements.items()
                       if _PHONE_VALUE.fullmatch(v)}

    def __call__(self, text: str | None) -> str:
        if not text or not self.replacements:
            return text or ""
        text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
        low = text.lower()
        if len(low) != len(text):      # a letter whose lower case is longer: match as written
            low = text
        out: list[str] = []
        i, n, start = 0, len(text), 0
        first, index, lengths = self.first, self.index, self.lengths
        while i < n:
            # A value starts where a word starts (not inside "Lananh" for "Lan").
            if low[i] in first and (i == 0 or not (low[i - 1].isalnum() and low[i].isalnum())):
                hit = None
                for k in lengths:
                    cands = index[k].get(low[i:i + k])
                    if cands:
                        for v in cands:
                            end = i + len(v)
                            if low.startswith(v, i) and (
                                    end == n or not (low[end].isalnum() and low[end - 1].isalnum())):
                                hit = v
                                break
                        if hit:
                            break
                if hit:
                    out.append(text[start:i])
                    out.append(self.replacements[hit])
                    i += len(hit)
                    start = i
                    continue
            i += 1
        out.append(text[start:])
        shown = "".join(out)
        if self.phones:
            phones = self.phones
            shown = _PHONE_IN_TEXT.sub(lambda m: phones.get(phone_key(m.group(0)), m.group(0)), shown)
        return _SAME_CODE.sub(r"\1", shown)

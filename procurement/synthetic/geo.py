"""The 34 provinces and 3,321 communes in force since 2025-07-01, from ``vietnam-provinces``."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from vietnam_provinces import Province, Ward

from .names import ward_base
from .util import strip_diacritics


@dataclass(frozen=True)
class WardInfo:
    code: str          # 5 digits, "00070"
    name: str          # "Phường Hoàn Kiếm"
    base: str          # "Hoàn Kiếm"
    kind: str          # "xã", "phường" or "đặc khu"
    province: str      # 2 digits


@dataclass(frozen=True)
class ProvinceInfo:
    code: str          # 2 digits, "04"
    name: str          # "Cao Bằng", "Thành phố Hà Nội" (as the package spells it)
    short: str         # "Cao Bằng", "Hà Nội"
    is_city: bool
    wards: tuple[WardInfo, ...]

    def name_variants(self) -> tuple[str, ...]:
        """Names the contract accepts in place of the code."""
        ascii_short = strip_diacritics(self.short)
        if self.is_city:
            return (self.short, ascii_short, f"Thanh pho {ascii_short}")
        return (f"Tỉnh {self.short}", self.short, ascii_short)


@lru_cache(maxsize=1)
def provinces() -> dict[str, ProvinceInfo]:
    """Every province by its 2-digit code, in code order; wards in code order."""
    out = {}
    for p in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        pc = f"{int(p.code):02d}"
        wards = tuple(sorted(
            (WardInfo(f"{int(w.code):05d}", w.name, ward_base(w.name), w.division_type.value, pc)
             for w in Ward.iter_by_province(p.code)), key=lambda w: w.code))
        is_city = p.name.startswith("Thành phố ")
        short = p.name[len("Thành phố "):] if is_city else p.name
        out[pc] = ProvinceInfo(pc, p.name, short, is_city, wards)
    return out


@lru_cache(maxsize=1)
def wards() -> dict[str, WardInfo]:
    return {w.code: w for p in provinces().values() for w in p.wards}


#: Two-digit tax-office prefixes (of the provinces before 2025) that firms of each current
#: province may carry; a tax code keeps its prefix when provinces merge.
TAX_PREFIX = {
    "01": ("01",), "04": ("48",), "08": ("50", "51"), "11": ("56",), "12": ("62",), "14": ("55",),
    "15": ("53", "52"), "19": ("46", "47"), "20": ("49",), "22": ("57",), "24": ("23", "24"),
    "25": ("26", "25", "54"), "31": ("02", "08"), "33": ("09", "10"), "37": ("27", "07", "06"),
    "38": ("28",), "40": ("29",), "42": ("30",), "44": ("32", "31"), "46": ("33",),
    "48": ("04", "40"), "51": ("43", "61"), "52": ("59", "41"), "56": ("42", "45"),
    "66": ("60", "44"), "68": ("58", "34", "64"), "75": ("36", "38"), "79": ("03", "37", "35"),
    "80": ("39", "11"), "82": ("12", "13"), "86": ("15", "13"), "91": ("16", "17"),
    "92": ("18", "63"), "96": ("19", "20"),
}

"""Quarantine reason codes with their texts, Vietnamese first, English second.

The codes are the contract's (data-contract.md); the texts say what is wrong and what to do.
"""
from __future__ import annotations

from dataclasses import dataclass

REASONS: dict[str, tuple[str, str]] = {
    "missing_required": (
        "Thiếu giá trị bắt buộc ở cột «{column}».",
        "A required value is missing in column '{column}'."),
    "bad_date": (
        "«{value}» không phải là ngày hợp lệ ở cột «{column}»: ghi theo dạng 2024-09-05 hoặc 05/09/2024 (năm đủ 4 chữ số).",
        "'{value}' is not a date in column '{column}': write 2024-09-05 or 05/09/2024 (four-digit year)."),
    "impossible_date": (
        "Ngày «{value}» ở cột «{column}» không tồn tại trong lịch.",
        "The date '{value}' in column '{column}' does not exist in the calendar."),
    "bad_amount": (
        "«{value}» không phải là số tiền hợp lệ (đồng, số nguyên) ở cột «{column}»: ghi 125000000 hoặc 125.000.000 đ.",
        "'{value}' is not an amount in whole đồng in column '{column}': write 125000000 or 125.000.000 đ."),
    "negative_amount": (
        "Số tiền âm «{value}» ở cột «{column}».",
        "Negative amount '{value}' in column '{column}'."),
    "bad_integer": (
        "«{value}» không phải là số nguyên ở cột «{column}».",
        "'{value}' is not a whole number in column '{column}'."),
    "bad_number": (
        "«{value}» không phải là số hợp lệ ở cột «{column}»{extra_vi}.",
        "'{value}' is not a valid number in column '{column}'{extra_en}."),
    "bad_bool": (
        "«{value}» không phải là giá trị có/không ở cột «{column}»: ghi true/false, 1/0, có/không hoặc x.",
        "'{value}' is not a yes/no value in column '{column}': write true/false, 1/0, yes/no, có/không or x."),
    "bad_enum": (
        "«{value}» không thuộc danh mục của cột «{column}»: các giá trị hợp lệ là {allowed}.",
        "'{value}' is not one of the values of column '{column}': allowed are {allowed}."),
    "bad_tax_code": (
        "Mã số thuế «{value}» ở cột «{column}» không hợp lệ (sai độ dài hoặc sai chữ số kiểm tra).",
        "Tax code '{value}' in column '{column}' is invalid (wrong length or check digit)."),
    "unknown_province": (
        "«{value}» ở cột «{column}» không phải là một trong 34 tỉnh, thành phố hiện hành (từ 01/07/2025).",
        "'{value}' in column '{column}' is not one of the 34 provinces in force since 2025-07-01."),
    "commune_not_in_province": (
        "Mã xã «{value}» ở cột «{column}» không phải là xã, phường, đặc khu hiện hành của tỉnh {province}.",
        "Commune code '{value}' in column '{column}' is not a current commune, ward or special zone of province {province}."),
    "bad_school_year": (
        "«{value}» không phải là năm học hợp lệ ở cột «{column}»: ghi 2024-2025 (hai năm liên tiếp).",
        "'{value}' is not a school year in column '{column}': write 2024-2025 (two consecutive years)."),
    "dangling_reference": (
        "«{value}» ở cột «{column}» không có trong bảng «{target}» của dữ liệu nhập hay của kho (hoặc dòng đó bị cách ly).",
        "'{value}' in column '{column}' is not in table '{target}' of the input or the store (or that row was quarantined)."),
    "key_too_long": (
        "Khoá «{value}» dài {length} byte (UTF-8), vượt giới hạn {limit} byte của một khoá: rút ngắn giá trị ở cột «{column}».",
        "The key '{value}' is {length} bytes long in UTF-8, over the limit of {limit} bytes for a key: shorten the value in column '{column}'."),
    "duplicate_key": (
        "Khoá «{value}» đã xuất hiện ở dòng {first_row} của cùng tệp; dòng sau bị cách ly.",
        "Key '{value}' already appeared on row {first_row} of the same input; the later row is quarantined."),
}


@dataclass(frozen=True)
class Problem:
    """One problem found in one row: the column, the stable code and its two texts."""
    column: str
    code: str
    text_vi: str
    text_en: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "code": self.code, "text_vi": self.text_vi,
                "text_en": self.text_en}


class _Default(dict):
    def __missing__(self, key):  # unknown placeholders render empty
        return ""


def problem(code: str, column: str, value: object = "", **extra: object) -> Problem:
    vi, en = REASONS[code]
    shown = "" if value is None else str(value)
    if len(shown) > 80:
        shown = shown[:77] + "…"
    args = _Default(column=column, value=shown, **{k: v for k, v in extra.items()})
    return Problem(column, code, vi.format_map(args), en.format_map(args))

"""Vietnamese tax codes (mã số thuế) with a correct check digit, as ``stdnum.vn.mst`` checks."""
from __future__ import annotations

_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def check_digit(first9: str) -> str | None:
    """The tenth digit for nine digits, or None when no digit is valid (remainder 0)."""
    total = sum(w * int(n) for w, n in zip(_WEIGHTS, first9))
    r = total % 11
    return None if r == 0 else str(10 - r)


def new_tax_code(rng, prefix: str, used: set[str]) -> str:
    """A fresh valid 10-digit code starting with the 2-digit ``prefix``."""
    while True:
        body = prefix + f"{rng.randint(1, 9_999_999):07d}"
        c = check_digit(body)
        if c is None:
            continue
        code = body + c
        if code not in used:
            used.add(code)
            return code


def wrong_check_digit(code10: str) -> str:
    """The same code with a wrong check digit (for the deliberately bad rows)."""
    good = code10[9]
    bad = str((int(good) + 3) % 10)
    return code10[:9] + bad

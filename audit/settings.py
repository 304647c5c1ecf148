"""Settings: every default of the catalogue in one TOML file, overridable by ``--settings FILE``.

Unknown keys are errors; a value must have the default's type, except that numbers are
numbers: an int may stand where the default is a float and a float where it is an int (a whole
float such as ``20.0`` is then read as the int ``20``).  Booleans, texts, lists and tables are
strict (``true`` is not a number, ``1`` is not a boolean).  No legal number lives in code: the
direct-award limits are dated rows.

Dates (``as_of``, ``flags.PRC-SHORT.shopping_change_date`` and the ``from``/``to`` of the
direct-award limits) may be written as TOML dates (``as_of = 2025-06-01``) or as quoted texts
(``as_of = "2025-06-01"``); both are kept as the ISO text.  A TOML date-time
(``2025-06-01T08:00:00``) or time is refused: a setting is a day, and taking the day of a
date-time would silently drop its time and offset.
"""
from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd


class SettingsError(ValueError):
    """A settings file that cannot be used; the message says which key and why."""


#: Settings that are dates (a TOML date or a "YYYY-MM-DD" text), by their dotted place.
DATE_SETTINGS = frozenset({"as_of", "flags.PRC-SHORT.shopping_change_date"})

#: Settings whose value is one of a few words (in any table): key → the allowed values.
CHOICES = {"definition": ("catalogue", "cardinal")}


def check_choice(where: str, value) -> None:
    """Raise :class:`SettingsError` when the setting ``where`` (``flags.X.definition``) is one
    of :data:`CHOICES` and ``value`` is not allowed."""
    allowed = CHOICES.get(where.rsplit(".", 1)[-1])
    if allowed is not None and value not in allowed:
        raise SettingsError(f"{where}: «{value}» không phải giá trị cho phép ({', '.join(allowed)}) "
                            f"/ is not one of the allowed values ({', '.join(allowed)})")


def _defaults() -> dict:
    with resources.files("audit").joinpath("settings/default.toml").open("rb") as f:
        return tomllib.load(f)


def _merge(base: dict, override: dict, path: str) -> None:
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            raise SettingsError(f"khoá cấu hình không tồn tại / unknown settings key: {where}")
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: cần một bảng / expected a table")
            _merge(default, value, where)
        elif key == "direct_award_limits":
            base[key] = value  # the whole dated table is replaced
        elif _is_number(default):
            if not _is_number(value):
                raise _wrong_type(where, default, value)
            if isinstance(value, float) and not math.isfinite(value):
                raise SettingsError(f"{where}: cần một số hữu hạn, nhận {value} / expected a "
                                    f"finite number, got {value}")
            # A whole float where the default is an int is that int (``20.0`` is ``20``), so a
            # count reads the same however it is written; any other number is kept as written.
            if isinstance(default, int) and isinstance(value, float) and value.is_integer():
                value = int(value)
            base[key] = value
        else:
            if where in DATE_SETTINGS:
                value = _date_text(value, where)
            if type(value) is not type(default):
                raise _wrong_type(where, default, value)
            check_choice(where, value)
            base[key] = value


def _date_text(value, where: str):
    """A TOML date as its ISO text (``2025-06-01`` → ``"2025-06-01"``); a TOML date-time or
    time is refused; anything else is returned unchanged for the type check."""
    if isinstance(value, (dt.datetime, dt.time)):
        raise SettingsError(f"{where}: cần một ngày YYYY-MM-DD, không phải ngày giờ hay giờ "
                            f"(«{value.isoformat()}») / expected a YYYY-MM-DD date, not a "
                            f"date-time or a time («{value.isoformat()}»)")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _is_number(x) -> bool:
    """An int or a float; a boolean is not a number here."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _wrong_type(where: str, default, value) -> SettingsError:
    got = type(value).__name__
    if _is_number(default):
        return SettingsError(f"{where}: cần một số, nhận {got} / expected a number, got {got}")
    want = type(default).__name__
    return SettingsError(f"{where}: cần kiểu {want}, nhận {got} / expected {want}, got {got}")


@dataclass(frozen=True)
class Limit:
    start: dt.date | None
    end: dt.date | None
    purchase_estimate: int
    consulting: int
    goods: int
    basis: str


@dataclass
class Settings:
    raw: dict
    as_of: dt.date
    limits: list[Limit]

    def flag(self, code: str) -> dict:
        return self.raw["flags"][code]

    @property
    def definitions(self) -> dict:
        return self.raw["definitions"]

    def limit_row(self, published: dt.date | None) -> Limit | None:
        """The dated row in force on ``published`` (None without a date or a row)."""
        if published is None:
            return None
        for row in self.limits:
            if (row.start is None or row.start <= published) and (row.end is None or published <= row.end):
                return row
        return None

    def limit_in_force(self, published: dt.date | None, category: str | None,
                       in_investment_project: bool | None) -> int | None:
        """The tender's direct-award limit (flags.md, "limit in force")."""
        row = self.limit_row(published)
        if row is None:
            return None
        if not in_investment_project:
            return row.purchase_estimate
        return row.consulting if category == "training" else row.goods

    def limits_on(self, days, category: pd.Series | None = None,
                  investment: pd.Series | None = None) -> pd.Series:
        """:meth:`limit_in_force` for whole columns at once: the dated row that contains each
        day (the first such row, as :meth:`limit_row`), the purchase-estimate column unless
        ``investment`` is true, then consulting for category ``training`` and goods for every
        other category.  NaN where the day is missing or no row covers it; float64 (exact:
        every limit is far below 2^53)."""
        days = pd.to_datetime(days if isinstance(days, pd.Series) else pd.Series(days),
                              errors="coerce")
        n = len(days)
        inv = (np.zeros(n, dtype=bool) if investment is None
               else investment.astype("boolean").fillna(False).to_numpy(dtype=bool))
        training = (np.zeros(n, dtype=bool) if category is None
                    else category.eq("training").fillna(False).to_numpy(dtype=bool))
        out = np.full(n, np.nan)
        open_ = days.notna().to_numpy(dtype=bool).copy()   # not yet given a row
        for row in self.limits:
            m = open_.copy()
            if row.start is not None:
                m &= (days >= pd.Timestamp(row.start)).to_numpy(dtype=bool)
            if row.end is not None:
                m &= (days <= pd.Timestamp(row.end)).to_numpy(dtype=bool)
            if m.any():
                value = np.where(inv, np.where(training, row.consulting, row.goods),
                                 row.purchase_estimate)
                out[m] = value[m]
                open_ &= ~m
        return pd.Series(out, index=days.index, dtype="float64")


def _date(value, where: str) -> dt.date | None:
    """A "YYYY-MM-DD" text or a TOML date as a date; None when empty."""
    value = _date_text(value, where)
    if not value:
        return None
    if not isinstance(value, str):
        got = type(value).__name__
        raise SettingsError(f"{where}: cần một ngày YYYY-MM-DD, nhận {got} / expected a "
                            f"YYYY-MM-DD date, got {got}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"{where}: «{value}» không phải ngày YYYY-MM-DD / not a YYYY-MM-DD date") from None


def load_settings(path: str | Path | None = None, *, as_of: str | dt.date | None = None) -> Settings:
    """The defaults, overridden by the TOML file at ``path`` and by ``as_of``."""
    raw = _defaults()
    if path:
        try:
            with open(path, "rb") as f:
                override = tomllib.load(f)
        except FileNotFoundError:
            raise SettingsError(f"{path}: không tìm thấy tệp cấu hình / settings file not found") from None
        except tomllib.TOMLDecodeError as e:
            raise SettingsError(f"{path}: TOML không hợp lệ / invalid TOML: {e}") from None
        except UnicodeDecodeError:
            raise SettingsError(f"{path}: tệp cấu hình không phải UTF-8; hãy lưu lại dưới dạng UTF-8 "
                                f"/ the settings file is not UTF-8; save it as UTF-8") from None
        except OSError as e:        # a folder, no permission
            raise SettingsError(f"{path}: không đọc được tệp cấu hình ({e.strerror}) / cannot read "
                                f"the settings file ({e.strerror})") from None
        _merge(raw, copy.deepcopy(override), "")
    if as_of is not None:
        raw["as_of"] = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    day = _date(raw["as_of"], "as_of") or dt.date.today()
    change = "flags.PRC-SHORT.shopping_change_date"
    if _date(raw["flags"]["PRC-SHORT"]["shopping_change_date"], change) is None:
        raise SettingsError(f"{change}: cần một ngày YYYY-MM-DD / expected a YYYY-MM-DD date")
    limits = []
    for i, row in enumerate(raw["direct_award_limits"]):
        where = f"direct_award_limits[{i}]"
        missing = {"from", "to", "purchase_estimate", "consulting", "goods"} - set(row)
        if missing:
            raise SettingsError(f"{where}: thiếu / missing {', '.join(sorted(missing))}")
        for end in ("from", "to"):      # a TOML date is kept as its text, as the defaults are
            row[end] = _date_text(row[end], f"{where}.{end}")
        limits.append(Limit(_date(row["from"], f"{where}.from"), _date(row["to"], f"{where}.to"),
                            int(row["purchase_estimate"]), int(row["consulting"]),
                            int(row["goods"]), row.get("basis", "")))
    return Settings(raw, day, limits)

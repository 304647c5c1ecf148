"""Settings: every default of the catalogue in one TOML file, overridable by ``--settings FILE``.

Unknown keys are errors; a value must have the default's type (an int where a float is
expected is fine).  No legal number lives in code: the direct-award limits are dated rows.
"""
from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


class SettingsError(ValueError):
    """A settings file that cannot be used; the message says which key and why."""


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
        else:
            ok = isinstance(value, type(default)) or (
                isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool))
            if not ok:
                raise SettingsError(f"{where}: cần kiểu {type(default).__name__}, nhận "
                                    f"{type(value).__name__} / expected {type(default).__name__}")
            base[key] = value


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


def _date(value: str, where: str) -> dt.date | None:
    if not value:
        return None
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
        _merge(raw, copy.deepcopy(override), "")
    if as_of is not None:
        raw["as_of"] = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    day = _date(raw["as_of"], "as_of") or dt.date.today()
    limits = []
    for i, row in enumerate(raw["direct_award_limits"]):
        where = f"direct_award_limits[{i}]"
        missing = {"from", "to", "purchase_estimate", "consulting", "goods"} - set(row)
        if missing:
            raise SettingsError(f"{where}: thiếu / missing {', '.join(sorted(missing))}")
        limits.append(Limit(_date(row["from"], where), _date(row["to"], where),
                            int(row["purchase_estimate"]), int(row["consulting"]),
                            int(row["goods"]), row.get("basis", "")))
    return Settings(raw, day, limits)

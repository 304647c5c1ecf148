"""Paths of the code (notebooks, settings) anchored at the repository root, never the working
directory (papermill runs notebooks from wherever it is started); what a command writes by
default (``data/``, ``reports/``) goes under the working directory, as the default store
``data/hocba.db`` does (:func:`work_dir`)."""
from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
SETTINGS_DIR = ROOT / "settings"


def work_dir(name: str) -> Path:
    """``data`` or ``reports`` under the working directory, where output goes by default."""
    return Path.cwd() / name


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version and, in a git checkout, the commit (``0.1.0+abc1234``)."""
    from . import __version__
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{__version__}+{rev}" if rev else __version__

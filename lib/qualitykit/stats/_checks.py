"""Argument checks shared by the statistics modules (one home for each).

* :func:`check_level` — a confidence / coverage level strictly between 0 and 1;
* :func:`check_levels` — several coverage levels (funnel limits), sorted, no duplicates;
* :func:`check_choice` — one of a fixed set of option strings;
* :func:`require_columns` — a DataFrame that has the named columns.

Every failure is a :class:`~qualitykit.errors.ParameterError` whose one-line message names the
argument and the value and says what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from qualitykit.errors import ParameterError

__all__ = ["check_choice", "check_level", "check_levels", "level_suffix", "require_columns"]


def check_level(value: object, name: str = "conf") -> float:
    """``value`` as a float strictly between 0 and 1 (e.g. 0.95 or 0.998), else ParameterError."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    level = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (ok and 0.0 < level < 1.0):
        raise ParameterError(
            f"{name} must be a number strictly between 0 and 1 (e.g. 0.95 or 0.998), got {value!r}"
        )
    return level


def level_suffix(level: float) -> str:
    """Column suffix of a coverage level: 0.95 → ``"95"``, 0.998 → ``"998"``, 0.9 → ``"90"``."""
    return f"{level * 100:.10g}".replace(".", "")


def check_levels(levels: float | Sequence[float], name: str = "levels") -> tuple[float, ...]:
    """One or more coverage levels, each strictly in (0, 1), sorted ascending, no duplicates."""
    levs = (levels,) if isinstance(levels, int | float) else tuple(levels)
    if not levs:
        raise ParameterError(f"{name}: give at least one coverage level, e.g. (0.95, 0.998)")
    checked = tuple(sorted(check_level(v, name) for v in levs))
    if len({level_suffix(v) for v in checked}) != len(checked):
        raise ParameterError(f"{name}: {levs!r} contains duplicates")
    return checked


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else ParameterError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(f"{name}: {value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def require_columns(data: object, columns: Iterable[str], what: str = "data") -> None:
    """``data`` is a DataFrame with every column in ``columns``, else ParameterError."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ParameterError(
            f"column(s) {missing} not in the {what}; it has columns {list(map(str, data.columns))}"
        )

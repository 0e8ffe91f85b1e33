"""Helpers shared by the GLM-based trend models (:mod:`qualitykit.stats.trends`,
:mod:`qualitykit.stats.segmented`): the dispersion option, the scale it implies, the term table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from qualitykit.errors import ParameterError

Dispersion = Literal["auto", "fixed", "quasi"]

TERM_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "ci_lower",
    "ci_upper",
    "p_value",
)


def check_dispersion(dispersion: str) -> str:
    if dispersion not in ("auto", "fixed", "quasi"):
        raise ParameterError(f"dispersion must be 'auto', 'fixed' or 'quasi', got {dispersion!r}")
    return dispersion


def scale_from_phi(phi: float, dispersion: str) -> float:
    """The scale used for standard errors: φ if quasi (or auto and φ > 1), else 1."""
    if not np.isfinite(phi):
        return 1.0
    if dispersion == "quasi" or (dispersion == "auto" and phi > 1.0):
        return float(phi)
    return 1.0


def nan_terms(names: Sequence[str], extra: Sequence[str] = ()) -> pd.DataFrame:
    cols = [*TERM_COLUMNS, *extra]
    frame = pd.DataFrame({c: np.nan for c in cols[1:]}, index=range(len(names)))
    frame.insert(0, "term", pd.array(list(names), dtype="string"))
    return frame[cols]

"""Helpers shared by the GLM-based trend models (:mod:`qualitykit.stats.trends`,
:mod:`qualitykit.stats.segmented`): the dispersion option, the scale it implies, the term table,
and the check that passes and failures are not separated in time (no estimate exists then)."""

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


def separated_at(
    t: np.ndarray, passed: np.ndarray, batches: np.ndarray
) -> tuple[float, bool] | None:
    """The time that separates passes from failures and whether the failures come last, or
    None.

    A logit trend on time has no maximum-likelihood estimate when the periods with failing
    batches all lie at or after every period with passing ones, or all at or before them
    ((quasi-)complete separation, Albert & Anderson 1984, *Biometrika* 71: 1–10): e.g. every
    batch passed from 2015 to 2023 and the only failures are in 2024. The likelihood then keeps
    rising as the slope goes to ±∞; a GLM fit stops at an arbitrary huge slope with a huge
    standard error (pp changes of ±20 and intervals of ±28,000 pp were reported before).
    Returns ``(first time with a failure, True)`` when the failures come last, ``(last time with
    a failure, False)`` when they come first; None when they overlap the passes, or when nothing
    passed or nothing failed (said separately). The bias-reduced fit of Firth (1993; R ``logistf``, ``brglm2``)
    would give a finite slope; it is not offered here."""
    fails = batches - passed
    tp, tf = t[passed > 0], t[fails > 0]
    if tp.size == 0 or tf.size == 0:
        return None
    if tp.max() <= tf.min():
        return float(tf.min()), True
    if tf.max() <= tp.min():
        return float(tf.max()), False
    return None

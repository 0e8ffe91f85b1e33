"""Fair benchmarking of units (districts) with very different numbers of batches.

The entry point of the benchmarking statistics, re-exporting each from its home:

* funnel plots — :mod:`qualitykit.stats.funnel` (exact binomial with two interpolation
  conventions, Wilson inversion, normal, arcsine) and :mod:`qualitykit.stats.funnel_poisson`
  (counts and standardised ratios);
* over-dispersion φ and τ² — :mod:`qualitykit.stats.overdispersion`;
* intervals on ranks — :mod:`qualitykit.stats.ranks`;
* empirical-Bayes beta-binomial shrinkage — :mod:`qualitykit.stats.shrinkage`;

and, defined here, the "k percentage points above the parent average" target of the Chenzhou
programme (郴政发〔2010〕4号), :func:`relative_target`.

Every function takes a plain ``units`` DataFrame with one row per unit (``batches``, ``passed``
or ``nonconforming``, any label columns; see :mod:`qualitykit.stats._units`). The analysed
proportion is the batch pass rate ``passed / batches``. All methods are symmetric in pass / fail
(with the default ``interpolation="reflected"`` the exact limits of a pass rate are one minus the
limits of the nonconformity rate), so an analysis of ``nc_rate`` gives mirrored results.

Limit columns are named by level: 0.95 → ``lower_95`` / ``upper_95``, 0.998 → ``lower_998`` /
``upper_998``, 0.99 → ``lower_99`` …; flags ``flag_95`` … take ``"low"``, ``"within"``,
``"high"``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_level, level_suffix
from qualitykit.stats._units import pooled_rate, unit_counts
from qualitykit.stats.funnel import (
    DEFAULT_LEVELS,
    INTERPOLATIONS,
    funnel_grid,
    funnel_limits,
    funnel_n_grid,
    funnel_units,
)
from qualitykit.stats.funnel_poisson import poisson_funnel_limits, poisson_funnel_units
from qualitykit.stats.overdispersion import Overdispersion, overdispersion
from qualitykit.stats.proportions import newcombe_diff_ci
from qualitykit.stats.ranks import rank_intervals
from qualitykit.stats.shrinkage import BetaBinomialFit, eb_shrinkage, fit_beta_binomial

__all__ = [
    "DEFAULT_LEVELS",
    "INTERPOLATIONS",
    "VERDICTS",
    "BetaBinomialFit",
    "Overdispersion",
    "eb_shrinkage",
    "fit_beta_binomial",
    "funnel_grid",
    "funnel_limits",
    "funnel_n_grid",
    "funnel_units",
    "level_suffix",
    "overdispersion",
    "poisson_funnel_limits",
    "poisson_funnel_units",
    "pooled_rate",
    "rank_intervals",
    "relative_target",
]

VERDICTS: tuple[str, ...] = (
    "met with confidence",
    "met (point estimate)",
    "not met",
    "not met with confidence",
)


# --------------------------------------------------------------------------------------------
# "k percentage points above the parent average"
# --------------------------------------------------------------------------------------------


def relative_target(
    units: pd.DataFrame,
    *,
    k_pp: float = 2.0,
    include_self: bool = True,
    parent_batches: float | ArrayLike | None = None,
    parent_passed: float | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Is each unit's pass rate at least ``k_pp`` percentage points above its parent's average?

    The Chenzhou target "全市产品质量国家和省级监督检查合格率高于全省平均水平2-5个百分点"
    (郴政发〔2010〕4号): gap = pass_rate − parent_rate in pp. The parent is the pooled rate of the
    parent region: by default of all rows of ``units`` (the children of one parent), or of
    ``parent_batches`` / ``parent_passed`` (scalars or one value per unit) when the parent has
    batches outside the table. ``include_self=True`` (default, as the document reads: the
    published provincial average includes the city) compares with the whole parent;
    ``include_self=False`` compares with the rest of the parent.

    The CI is Newcombe's hybrid score interval (1998, method 10;
    :func:`qualitykit.stats.metrics.newcombe_diff_ci`) for p_unit − p_rest of the two
    independent samples (unit, rest of parent). With the unit included, the gap equals
    (1 − w)·(p_unit − p_rest), w = batches / parent_batches, so the same interval is scaled by
    (1 − w): the overlap of unit and parent is handled exactly instead of treating them as
    independent. Excluding the unit is the cleaner benchmark (a large unit does not pull the
    benchmark towards itself, and a dominant unit can still show a gap); including it answers the
    document's question literally — both are shown by the option.

    Verdict: ``"met with confidence"`` (CI lower ≥ k), ``"met (point estimate)"`` (gap ≥ k),
    ``"not met"`` (gap < k ≤ CI upper) or ``"not met with confidence"`` (CI upper < k).

    ============ ==========================================================
    column       meaning
    ============ ==========================================================
    pass_rate    passed / batches
    parent_rate  the benchmark rate (with or without the unit, see above)
    gap_pp       (pass_rate − parent_rate) × 100
    gap_lower_pp lower end of the ``level`` CI of the gap, pp
    gap_upper_pp upper end, pp
    target_pp    k_pp
    verdict      one of the four verdicts above
    ============ ==========================================================
    """
    batches, passed = unit_counts(units)
    lev = check_level(level, "level")
    if not (isinstance(k_pp, int | float) and math.isfinite(k_pp)):
        raise ParameterError(f"k_pp: {k_pp!r} is not a number of percentage points")
    if (parent_batches is None) != (parent_passed is None):
        raise ParameterError("give both parent_batches and parent_passed, or neither")
    if parent_batches is None:
        pb = np.full(batches.shape, batches.sum())
        pp = np.full(batches.shape, passed.sum())
    else:
        pb = np.broadcast_to(np.asarray(parent_batches, dtype=float), batches.shape).copy()
        pp = np.broadcast_to(np.asarray(parent_passed, dtype=float), batches.shape).copy()
        if not (np.all(np.isfinite(pb)) and np.all(np.isfinite(pp))):
            raise ParameterError("parent_batches / parent_passed must be finite numbers")
        if np.any(pb < batches) or np.any(pp < passed) or np.any(pp - passed > pb - batches):
            raise ParameterError(
                "parent totals must include the unit: parent_batches ≥ batches, "
                "parent_passed ≥ passed and parent_passed − passed ≤ parent_batches − batches"
            )
    rest_n = pb - batches
    rest_x = pp - passed
    if np.any(rest_n <= 0):
        warnings.warn(
            "relative_target: a unit is its whole parent (no other batches); its gap is NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    with warnings.catch_warnings():
        # a unit that is its whole parent was reported above; metrics would warn again (n = 0)
        warnings.simplefilter("ignore", QualityKitWarning)
        diff = newcombe_diff_ci(passed, batches, rest_x, rest_n, lev)
    d, lo, hi = (diff[c].to_numpy() for c in ("diff", "ci_lower", "ci_upper"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rest_n_safe = np.where(rest_n > 0, rest_n, np.nan)
        if include_self:
            scale = rest_n_safe / pb
            parent_rate = pp / pb
        else:
            scale = np.where(rest_n > 0, 1.0, np.nan)
            parent_rate = rest_x / rest_n_safe
    gap, glo, ghi = 100.0 * d * scale, 100.0 * lo * scale, 100.0 * hi * scale
    k = float(k_pp)
    verdict = np.select(
        [glo >= k, gap >= k, ghi >= k, ghi < k],
        list(VERDICTS),
        default="",
    )
    out = units.copy()
    out["pass_rate"] = passed / batches
    out["parent_rate"] = parent_rate
    out["gap_pp"] = gap
    out["gap_lower_pp"] = glo
    out["gap_upper_pp"] = ghi
    out["target_pp"] = k
    out["verdict"] = pd.Series(
        np.where(verdict == "", None, verdict), index=out.index, dtype="string"
    )
    return out

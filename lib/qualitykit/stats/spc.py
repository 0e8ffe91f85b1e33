"""Statistical process control for spot-check proportions: p, np and Laney p′ charts.

A control chart asks whether a series of batch nonconforming proportions (one point per period,
region or lot of spot checks) varies only by chance around a stable centre line. The limits are
calibrated on a trial period (Phase I), optionally revised by dropping trial points with
assignable causes, and then applied unchanged to later data (Phase II) — Montgomery (2013)
*Introduction to Statistical Quality Control*, 7th ed., §7.2 (Examples 7.1–7.2); R package qcc
``qcc(type = "p" | "np", newdata = …)``.

Methods
-------
* **p / np chart** — pooled centre line p̄ = Σx / Σn over the calibration points, per-point limits
  p̄ ± k·√(p̄(1−p̄)/nᵢ) (np: nᵢp̄ ± k·√(nᵢp̄(1−p̄))); LCL truncated at 0, UCL at 1 (np: at nᵢ).
* **Laney p′ chart** — for very large subgroups, where between-subgroup variation swamps the
  binomial variation: zᵢ = (pᵢ − p̄)/σ_pᵢ, σ_z = mean moving range of z / 1.128 and limits
  p̄ ± k·σ_pᵢ·σ_z (Laney 2002, *Quality Engineering* 14:531–537; R qicharts2 ``chart = "pp"``).
* **Western Electric rules** 1–4 as implemented by qcc ``qccRules()``, and the **Anhøj rules**
  (longest run > round(log2(n)) + 3; crossings < qbinom(0.05, n − 1, 0.5)) as implemented by
  qicharts2 ``runs.analysis()`` (Anhøj & Olesen 2014, PLoS ONE 9:e113825).
* **I chart (XmR)** on a series of rates — :func:`qualitykit.stats.xmr.i_chart`, also reachable
  as ``spc.i_chart`` (qicharts2 ``qic(chart = "i")``; NHS "Making Data Count" rules).
* **Dispersion test** of Wetherill & Brown (1991, *Statistical Process Control*, pp. 212–218) for
  binomial and Poisson counts, as R qcc ``qccOverdispersionTest()``.

Proportions are in [0, 1] (schema conventions); counts are integers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from qualitykit.errors import (
    InputError,
    NoDataError,
    ParameterError,
    Problem,
    QualityKitWarning,
)
from qualitykit.stats._checks import require_columns

__all__ = [
    "CHART_TYPES",
    "PHASE_I",
    "PHASE_II",
    "WESTERN_ELECTRIC_RULES",
    "ControlChart",
    "RunsAnalysis",
    "control_chart",
    "dispersion_test",
    "laney_p_chart",
    "np_chart",
    "p_chart",
    "runs_analysis",
    "runs_limits",
    "western_electric_rules",
]


def __getattr__(name: str) -> object:
    """``spc.i_chart`` / ``spc.IChart``: the I chart lives in :mod:`qualitykit.stats.xmr` (which
    builds on this module, so it is re-exported lazily)."""
    if name in ("i_chart", "IChart", "mdc_rules"):
        from qualitykit.stats import xmr

        return getattr(xmr, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ChartType = Literal["p", "np", "laney"]
CHART_TYPES: tuple[str, ...] = ("p", "np", "laney")
WESTERN_ELECTRIC_RULES: tuple[str, ...] = ("we1", "we2", "we3", "we4")
"""we1: a point beyond the k-sigma limits; we2: 2 of 3 consecutive points beyond 2/3·k sigma on
one side; we3: 4 of 5 beyond 1/3·k sigma on one side; we4: 8 consecutive points on one side of
the centre line (Western Electric 1956; qcc ``qccRulesViolatingWER1``–``WER4``)."""
PHASE_I, PHASE_II = "I", "II"

_D2_MOVING_RANGE = 1.128  # d2 for ranges of 2 (Montgomery Appendix Table VI), Laney 2002
_INPUT = "input table"


@dataclass(frozen=True)
class RunsAnalysis:
    """Anhøj runs analysis of one series (qicharts2 ``summary.qic`` columns)."""

    n_obs: int
    n_useful: int  # points not on the centre line
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool


@dataclass(frozen=True)
class ControlChart:
    """A calibrated control chart: one row per subgroup (``points``) and per phase (``summary``).

    ``points`` columns:

    ============== ==============================================================================
    subgroup       the subgroup label (the ``subgroup`` column, else 1, 2, … in data order)
    x              nonconforming count
    n              subgroup size (batches checked)
    p              x / n
    phase          ``"I"`` (trial / calibration period) or ``"II"`` (monitoring with frozen limits)
    used           the point entered the calibration of centre line and sigma
    excluded       a Phase I point dropped from the calibration
    excluded_by    ``"exclude"`` (named by the caller: assignable cause) or ``"revision"``
                   (dropped by ``revise=True``), else missing
    value          the charted statistic: p (p, Laney p′ charts) or x (np chart)
    center         centre line on the scale of ``value``
    sigma          standard deviation of ``value`` at this point (Laney: σ_pᵢ·σ_z)
    lcl, ucl       control limits (k = ``nsigmas``), LCL ≥ 0, UCL ≤ 1 (np: ≤ n)
    z              (value − center) / sigma; missing where sigma is 0
    beyond_limits  value < lcl or value > ucl (Western Electric rule 1)
    we1 … we4      Western Electric rules, evaluated on the non-excluded points in data order
    runs_signal    the Anhøj runs analysis of this point's phase signals
    out_of_control a rule listed in ``rules`` signals at this non-excluded point (``we1`` is
                   ``beyond_limits``)
    ============== ==============================================================================

    ``summary`` columns (one row per phase present): ``phase``, ``subgroups``, ``used``,
    ``excluded``, ``revisions`` (revision rounds run), ``p_bar`` (calibrated centre proportion),
    ``p_observed`` (Σx/Σn of the phase's non-excluded points), ``center`` (centre line on the
    chart scale; missing for an np chart with varying n), ``sigma`` (qcc's "standard deviation":
    √(p̄(1−p̄)), np: √(np̄(1−p̄)) for constant n), ``sigma_z`` (Laney only), ``lcl``, ``ucl``
    (missing when they vary with n), ``limits_vary``, ``n_beyond_limits`` and ``n_out_of_control``
    (non-excluded points), and the Anhøj runs analysis ``n_useful``, ``longest_run``,
    ``longest_run_max``, ``n_crossings``, ``n_crossings_min``, ``runs_signal``.
    """

    chart: str
    nsigmas: float
    points: pd.DataFrame
    summary: pd.DataFrame

    @property
    def center(self) -> float:
        """Calibrated centre proportion p̄."""
        return float(self.summary["p_bar"].iloc[0])

    @property
    def sigma_z(self) -> float:
        """Laney's σ_z (NaN for p and np charts)."""
        return float(self.summary["sigma_z"].iloc[0])


# --------------------------------------------------------------------------------------------
# input handling


def _count_array(
    data: pd.DataFrame, column: str, problems: list[Problem], *, positive: bool
) -> np.ndarray:
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = (
            ~np.isfinite(values) | (values < (1 if positive else 0)) | (values != np.floor(values))
        )
    need = "a positive integer" if positive else "a non-negative integer"
    for i in np.flatnonzero(bad):
        problems.append(
            Problem(_INPUT, f"expected {need}", row=int(i) + 2, column=column, value=raw.iloc[i])
        )
    return values


def _validated_counts(data: pd.DataFrame, count: str, size: str) -> tuple[np.ndarray, np.ndarray]:
    """Counts x and sizes n as float arrays; all bad cells reported together."""
    require_columns(data, (count, size), "data")
    problems: list[Problem] = []
    x = _count_array(data, count, problems, positive=False)
    n = _count_array(data, size, problems, positive=True)
    with np.errstate(invalid="ignore"):
        over = np.isfinite(x) & np.isfinite(n) & (x > n)
    for i in np.flatnonzero(over):
        problems.append(
            Problem(
                _INPUT,
                f"nonconforming count exceeds the subgroup size {size}={n[i]:g}",
                row=int(i) + 2,
                column=count,
                value=data[count].iloc[i],
            )
        )
    if problems:
        raise InputError(problems)
    return x, n


def _calibration_mask(data: pd.DataFrame, calibration: str | None) -> np.ndarray:
    if calibration is None:
        return np.ones(len(data), dtype=bool)
    require_columns(data, (calibration,), "data")
    col = data[calibration]
    if pd.api.types.is_bool_dtype(col) and not col.isna().any():
        return col.to_numpy(dtype=bool)
    words = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    flags = col.astype("string").str.strip().str.lower().map(words)
    bad = flags.isna().to_numpy()
    problems = [
        Problem(
            _INPUT,
            "expected True (Phase I) or False (Phase II)",
            row=int(i) + 2,
            column=calibration,
            value=col.iloc[i],
        )
        for i in np.flatnonzero(bad)
    ]
    out = flags.fillna(False).to_numpy(dtype=bool)
    if problems:
        raise InputError(problems)
    return out


def _labels(data: pd.DataFrame, subgroup: str | None) -> pd.Series:
    if subgroup is None:
        return pd.Series(np.arange(1, len(data) + 1), name="subgroup")
    require_columns(data, (subgroup,), "data")
    labels = data[subgroup].reset_index(drop=True).rename("subgroup")
    if labels.duplicated().any():
        dup = labels[labels.duplicated()].unique().tolist()
        raise InputError(
            [Problem(_INPUT, "subgroup labels must be unique", column=subgroup, value=dup)]
        )
    return labels


# --------------------------------------------------------------------------------------------
# limits


def _laney_sigma_z(x: np.ndarray, n: np.ndarray, p_bar: float) -> float:
    """σ_z = mean |Δz| / 1.128 over consecutive calibration points (Laney 2002, eq. 4)."""
    if len(x) < 2:
        warnings.warn(
            "Laney p′ chart needs at least 2 calibration subgroups for a moving range; "
            "sigma_z is undefined (NaN)",
            QualityKitWarning,
            stacklevel=3,
        )
        return math.nan
    sd = np.sqrt(p_bar * (1.0 - p_bar) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x / n - p_bar) / sd
    return float(np.mean(np.abs(np.diff(z))) / _D2_MOVING_RANGE)


def _limits(
    chart: str, p_bar: float, n: np.ndarray, sigma_z: float, k: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """center, sigma, lcl, ucl per point on the chart's scale."""
    sd_p = np.sqrt(p_bar * (1.0 - p_bar) / n)
    if chart == "laney":
        sd_p = sd_p * sigma_z
    if chart == "np":
        center = n * p_bar
        sigma = n * sd_p
        lcl = np.maximum(center - k * sigma, 0.0)
        ucl = np.minimum(center + k * sigma, n)
    else:
        center = np.full_like(n, p_bar)
        sigma = sd_p
        lcl = np.maximum(center - k * sigma, 0.0)
        ucl = np.minimum(center + k * sigma, 1.0)
    return center, sigma, lcl, ucl


# --------------------------------------------------------------------------------------------
# rules


def _run_lengths_flag(condition: np.ndarray, length: int) -> np.ndarray:
    """True from the ``length``-th point of every run of True onwards (qcc ``qccRulesViolatingRun``)."""
    out = np.zeros(len(condition), dtype=bool)
    if len(condition) == 0:
        return out
    c = condition.astype(np.int64)
    # position within the current run of True values
    idx = np.arange(len(c))
    last_false = np.maximum.accumulate(np.where(c == 0, idx, -1))
    run_pos = idx - last_false  # 1-based position inside the run (0 where condition is False)
    out[:] = (c == 1) & (run_pos >= length)
    return out


def _window_count(condition: np.ndarray, width: int) -> np.ndarray:
    """Number of True values in the window ending at each point (NaN-free, 0 for short prefixes)."""
    c = np.concatenate([[0], np.cumsum(condition.astype(np.int64))])
    counts = np.zeros(len(condition), dtype=np.int64)
    if len(condition) >= width:
        counts[width - 1 :] = c[width:] - c[:-width]
    return counts


def western_electric_rules(z: Iterable[float], nsigmas: float = 3.0) -> pd.DataFrame:
    """Western Electric rules 1–4 on a standardised series ``z`` = (value − centre) / sigma.

    Returns a DataFrame with boolean columns ``we1`` … ``we4`` (see ``WESTERN_ELECTRIC_RULES``),
    flagging the point that completes a violating pattern, as R qcc ``qccRules()`` does: rule 2
    and 3 require the flagged point itself to be beyond the 2/3·k (1/3·k) sigma line, rule 4 flags
    the 8th and later points of a run on one side. Missing z never signals. Western Electric
    (1956) *Statistical Quality Control Handbook*; Montgomery (2013) §5.3.6.
    """
    zz = np.asarray(list(z) if not isinstance(z, np.ndarray | pd.Series) else z, dtype=float)
    k = float(nsigmas)
    with np.errstate(invalid="ignore"):
        above = [np.nan_to_num(zz, nan=0.0) > k * f for f in (1.0, 2 / 3, 1 / 3, 0.0)]
        below = [np.nan_to_num(zz, nan=0.0) < -k * f for f in (1.0, 2 / 3, 1 / 3, 0.0)]
    we1 = above[0] | below[0]
    we2 = (above[1] & (_window_count(above[1], 3) >= 2)) | (
        below[1] & (_window_count(below[1], 3) >= 2)
    )
    we3 = (above[2] & (_window_count(above[2], 5) >= 4)) | (
        below[2] & (_window_count(below[2], 5) >= 4)
    )
    we4 = _run_lengths_flag(above[3], 8) | _run_lengths_flag(below[3], 8)
    return pd.DataFrame({"we1": we1, "we2": we2, "we3": we3, "we4": we4})


def runs_limits(n_useful: int) -> tuple[int, int]:
    """Anhøj limits for ``n_useful`` points off the centre line: (longest run max, crossings min).

    longest run max = round(log2(n)) + 3 (Schilling 2012), crossings min = qbinom(0.05, n − 1,
    0.5) (Chen 2010) — qicharts2 ``runs.analysis()``; Anhøj & Olesen (2014) PLoS ONE 9:e113825.
    """
    if n_useful < 1:
        raise ParameterError(f"runs limits need at least one useful point, got n_useful={n_useful}")
    longest = int(np.round(math.log2(n_useful))) + 3
    crossings = int(stats.binom.ppf(0.05, n_useful - 1, 0.5))
    return longest, crossings


def runs_analysis(values: Iterable[float], center: float | Iterable[float]) -> RunsAnalysis:
    """Anhøj runs analysis: longest run and number of crossings of the centre line.

    Points on the centre line (and missing values) are not useful and are skipped, as in
    qicharts2 ``runs.analysis()``; a signal is an unusually long run or unusually few crossings.
    """
    y = np.asarray(
        list(values) if not isinstance(values, np.ndarray | pd.Series) else values, dtype=float
    )
    cl = np.broadcast_to(np.asarray(center, dtype=float), y.shape)
    signs = np.sign(y - cl)
    signs = signs[np.isfinite(signs) & (signs != 0)]
    n_useful = len(signs)
    if n_useful == 0:
        return RunsAnalysis(len(y), 0, None, None, None, None, False)
    change = np.flatnonzero(np.diff(signs) != 0)
    bounds = np.concatenate([[-1], change, [n_useful - 1]])
    run_lengths = np.diff(bounds)
    longest = int(run_lengths.max())
    crossings = len(change)
    longest_max, crossings_min = runs_limits(n_useful)
    signal = bool(longest > longest_max or crossings < crossings_min)
    return RunsAnalysis(len(y), n_useful, longest, longest_max, crossings, crossings_min, signal)


# --------------------------------------------------------------------------------------------
# the chart


def control_chart(
    data: pd.DataFrame,
    *,
    chart: ChartType = "p",
    count: str = "nonconforming",
    size: str = "batches",
    subgroup: str | None = None,
    calibration: str | None = None,
    exclude: Iterable[Hashable] = (),
    revise: bool = False,
    max_revisions: int = 20,
    nsigmas: float = 3.0,
    rules: Iterable[str] = ("we1",),
) -> ControlChart:
    """p, np or Laney p′ chart with a Phase I calibration and Phase II monitoring.

    Parameters
    ----------
    data
        One row per subgroup, in time order, with a nonconforming ``count`` and a subgroup
        ``size`` column (defaults: the counts table's ``nonconforming`` and ``batches``).
    chart
        ``"p"`` (fraction nonconforming), ``"np"`` (number nonconforming) or ``"laney"`` (p′).
    subgroup
        Column with unique subgroup labels (period, sample number); default 1, 2, ….
    calibration
        Boolean column: True marks the Phase I (trial) subgroups the limits are computed from,
        False the Phase II subgroups judged against the frozen limits. Default: all Phase I.
    exclude
        Subgroup labels of Phase I points with an assignable cause, dropped from the calibration
        but kept in the table (Montgomery Example 7.1: samples 15 and 23).
    revise
        Also drop, round after round, every remaining Phase I point beyond the limits until none
        is left (at most ``max_revisions`` rounds). This presumes every such point has an
        assignable cause — Montgomery keeps points without one, so prefer ``exclude``.
    nsigmas
        Width k of the limits in sigmas (3 = Shewhart).
    rules
        Which Western Electric rules (``"we1"`` … ``"we4"``) make a point ``out_of_control``.

    Returns a :class:`ControlChart` (columns documented there). References: Montgomery (2013)
    §7.2; R qcc ``qcc(type = "p" | "np")``; Laney (2002); R qicharts2 ``qic(chart = "pp")``.
    """
    if chart not in CHART_TYPES:
        raise ParameterError(f"chart must be one of {CHART_TYPES}, got {chart!r}")
    if not (isinstance(nsigmas, int | float) and math.isfinite(nsigmas) and nsigmas > 0):
        raise ParameterError(f"nsigmas must be a positive number, got {nsigmas!r}")
    rules = tuple(rules)
    unknown_rules = [r for r in rules if r not in WESTERN_ELECTRIC_RULES]
    if unknown_rules:
        raise ParameterError(
            f"unknown rule(s) {unknown_rules}; choose from {WESTERN_ELECTRIC_RULES}"
        )
    if not isinstance(max_revisions, int) or max_revisions < 0:
        raise ParameterError(f"max_revisions must be a non-negative integer, got {max_revisions!r}")
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise NoDataError("the control chart got no subgroups (empty table)")

    x, n = _validated_counts(data, count, size)
    labels = _labels(data, subgroup)
    phase1 = _calibration_mask(data, calibration)
    if not phase1.any():
        raise NoDataError("no Phase I (calibration) subgroup: the calibration column is all False")

    exclude = list(exclude)
    by_user = labels.isin(exclude).to_numpy()
    not_found = [e for e in exclude if not (labels == e).any()]
    if not_found:
        raise ParameterError(f"exclude names subgroups that are not in the data: {not_found}")
    if (by_user & ~phase1).any():
        bad = labels[by_user & ~phase1].tolist()
        raise ParameterError(f"only Phase I subgroups can be excluded from the calibration: {bad}")
    by_revision = np.zeros(len(x), dtype=bool)

    value = x if chart == "np" else x / n
    k = float(nsigmas)
    revisions = 0
    while True:
        used = phase1 & ~by_user & ~by_revision
        if not used.any():
            raise NoDataError("every Phase I subgroup was excluded: nothing left to calibrate on")
        p_bar = float(x[used].sum() / n[used].sum())
        sigma_z = _laney_sigma_z(x[used], n[used], p_bar) if chart == "laney" else math.nan
        center, sigma, lcl, ucl = _limits(chart, p_bar, n, sigma_z, k)
        beyond = (value > ucl) | (value < lcl)
        if not revise or not (beyond & used).any():
            break
        if revisions >= max_revisions:
            warnings.warn(
                f"revision stopped after max_revisions={max_revisions} rounds with Phase I points "
                "still beyond the limits",
                QualityKitWarning,
                stacklevel=2,
            )
            break
        by_revision |= beyond & used
        revisions += 1

    if p_bar in (0.0, 1.0):
        warnings.warn(
            f"the calibrated centre line is p̄ = {p_bar:g}: the binomial sigma is 0 and the limits "
            "collapse onto the centre line",
            QualityKitWarning,
            stacklevel=2,
        )

    excluded = by_user | by_revision
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (value - center) / sigma, np.nan)

    phase = np.where(phase1, PHASE_I, PHASE_II)
    excluded_by = pd.Series(pd.NA, index=range(len(x)), dtype="string")
    excluded_by[by_revision] = "revision"
    excluded_by[by_user] = "exclude"

    active = ~excluded
    we = pd.DataFrame(False, index=range(len(x)), columns=list(WESTERN_ELECTRIC_RULES))
    if active.any():
        z_active = np.where(sigma[active] > 0, z[active], np.nan)
        rules_active = western_electric_rules(z_active, nsigmas=k)
        # rule 1 on the limits themselves (exact qcc comparison, and correct where truncated)
        rules_active["we1"] = beyond[active]
        we.loc[np.flatnonzero(active)] = rules_active.to_numpy()
    out_of_control = beyond & active if "we1" in rules else np.zeros(len(x), dtype=bool)
    for r in rules:
        if r != "we1":
            out_of_control = out_of_control | we[r].to_numpy()

    points = pd.DataFrame(
        {
            "subgroup": labels,
            "x": x.astype(np.int64),
            "n": n.astype(np.int64),
            "p": x / n,
            "phase": pd.array(phase, dtype="string"),
            "used": used,
            "excluded": excluded,
            "excluded_by": excluded_by,
            "value": value,
            "center": center,
            "sigma": sigma,
            "lcl": lcl,
            "ucl": ucl,
            "z": z,
            "beyond_limits": beyond,
        }
    )
    points = pd.concat([points, we.astype(bool)], axis=1)
    points["runs_signal"] = False
    points["out_of_control"] = out_of_control

    rows = []
    for ph in (PHASE_I, PHASE_II):
        in_phase = phase == ph
        if not in_phase.any():
            continue
        act = in_phase & active
        ra = runs_analysis(value[act], center[act])
        points.loc[in_phase, "runs_signal"] = ra.signal
        lcl_a, ucl_a, n_a = lcl[act], ucl[act], n[act]
        vary = bool(
            act.any()
            and (
                np.ptp(lcl_a) > 1e-12 * max(1.0, np.abs(lcl_a).max())
                or np.ptp(ucl_a) > 1e-12 * max(1.0, np.abs(ucl_a).max())
            )
        )
        const_n = bool(act.any() and np.ptp(n_a) == 0)
        if chart == "np":
            center_summary = float(n_a[0] * p_bar) if const_n else math.nan
            sigma_summary = math.sqrt(n_a[0] * p_bar * (1 - p_bar)) if const_n else math.nan
        else:
            center_summary = p_bar
            sigma_summary = math.sqrt(p_bar * (1 - p_bar))
        rows.append(
            {
                "phase": ph,
                "subgroups": int(in_phase.sum()),
                "used": int((in_phase & used).sum()),
                "excluded": int((in_phase & excluded).sum()),
                "revisions": revisions,
                "p_bar": p_bar,
                "p_observed": float(x[act].sum() / n[act].sum()) if act.any() else math.nan,
                "center": center_summary,
                "sigma": sigma_summary,
                "sigma_z": sigma_z,
                "lcl": math.nan if vary or not act.any() else float(lcl_a[0]),
                "ucl": math.nan if vary or not act.any() else float(ucl_a[0]),
                "limits_vary": vary,
                "n_beyond_limits": int((beyond & act).sum()),
                "n_out_of_control": int((out_of_control & act).sum()),
                "n_useful": ra.n_useful,
                "longest_run": ra.longest_run,
                "longest_run_max": ra.longest_run_max,
                "n_crossings": ra.n_crossings,
                "n_crossings_min": ra.n_crossings_min,
                "runs_signal": ra.signal,
            }
        )
    summary = pd.DataFrame(rows)
    summary["phase"] = summary["phase"].astype("string")
    for c in ("longest_run", "longest_run_max", "n_crossings", "n_crossings_min"):
        summary[c] = summary[c].astype("Int64")
    return ControlChart(chart=chart, nsigmas=k, points=points, summary=summary)


def p_chart(data: pd.DataFrame, **kwargs: object) -> ControlChart:
    """Fraction-nonconforming (p) chart; see :func:`control_chart`. R qcc ``qcc(type = "p")``."""
    return control_chart(data, chart="p", **kwargs)  # type: ignore[arg-type]


def np_chart(data: pd.DataFrame, **kwargs: object) -> ControlChart:
    """Number-nonconforming (np) chart; see :func:`control_chart`. R qcc ``qcc(type = "np")``."""
    return control_chart(data, chart="np", **kwargs)  # type: ignore[arg-type]


def laney_p_chart(data: pd.DataFrame, **kwargs: object) -> ControlChart:
    """Laney p′ chart for very large subgroups; see :func:`control_chart`. Laney (2002); qicharts2 ``"pp"``."""
    return control_chart(data, chart="laney", **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# dispersion test


def dispersion_test(
    x: Iterable[float],
    size: Iterable[float] | None = None,
    *,
    distribution: Literal["binomial", "poisson"] | None = None,
    method: Literal["pearson", "qcc"] = "pearson",
) -> pd.DataFrame:
    """Wetherill–Brown test of over- (or under-) dispersion of binomial or Poisson counts.

    D = Σ (xᵢ − Eᵢ)² / Vᵢ is compared with χ² on k − 1 degrees of freedom, where for binomial
    counts Eᵢ = nᵢp̄, Vᵢ = nᵢp̄(1 − p̄) with p̄ = Σx/Σn, and for Poisson counts Eᵢ = Vᵢ = x̄ (or
    ``size`` as exposures: Eᵢ = Vᵢ = eᵢ·Σx/Σe). With equal sizes this equals R qcc's
    ``qccOverdispersionTest()`` statistic var(x)(k − 1)/σ²; ``method="qcc"`` reproduces qcc also for
    unequal sizes (σ² = mean(n)·p̄(1 − p̄), an approximation). Wetherill & Brown (1991) pp. 212–218.

    Returns one row: ``distribution``, ``k`` (counts), ``dispersion_ratio`` (observed/theoretical
    variance, qcc "Obs.Var/Theor.Var" = D/(k − 1)), ``statistic`` (D), ``df`` and ``p_value``
    (upper tail: small values mean overdispersion).
    """
    xs = np.asarray(list(x) if not isinstance(x, np.ndarray | pd.Series) else x, dtype=float)
    if distribution is None:
        distribution = "poisson" if size is None else "binomial"
    if distribution not in ("binomial", "poisson"):
        raise ParameterError(f"distribution must be 'binomial' or 'poisson', got {distribution!r}")
    if method not in ("pearson", "qcc"):
        raise ParameterError(f"method must be 'pearson' or 'qcc', got {method!r}")
    ns = (
        None
        if size is None
        else np.asarray(
            list(size) if not isinstance(size, np.ndarray | pd.Series) else size, dtype=float
        )
    )
    if distribution == "binomial" and ns is None:
        raise ParameterError("binomial counts need the subgroup sizes (size=…)")
    problems: list[Problem] = []
    with np.errstate(invalid="ignore"):
        bad_x = ~np.isfinite(xs) | (xs < 0)
    problems += [
        Problem(_INPUT, "expected a non-negative count", row=int(i) + 2, column="x", value=xs[i])
        for i in np.flatnonzero(bad_x)
    ]
    if ns is not None:
        if len(ns) != len(xs):
            raise ParameterError(f"x has {len(xs)} values but size has {len(ns)}")
        with np.errstate(invalid="ignore"):
            bad_n = ~np.isfinite(ns) | (ns <= 0)
            over = ~bad_n & ~bad_x & (xs > ns)
        if distribution == "poisson":
            over[:] = False  # exposures, not sizes: a count may exceed them
        problems += [
            Problem(_INPUT, "expected a positive size", row=int(i) + 2, column="size", value=ns[i])
            for i in np.flatnonzero(bad_n)
        ]
        problems += [
            Problem(_INPUT, "count exceeds its size", row=int(i) + 2, column="x", value=xs[i])
            for i in np.flatnonzero(over)
        ]
    if problems:
        raise InputError(problems)
    k = len(xs)
    if k < 2:
        raise NoDataError(f"the dispersion test needs at least 2 counts, got {k}")

    if distribution == "binomial":
        assert ns is not None
        p = xs.sum() / ns.sum()
        if method == "qcc":
            statistic = xs.var(ddof=1) * (k - 1) / (ns.mean() * p * (1 - p))
        else:
            statistic = float(np.sum((xs - ns * p) ** 2 / (ns * p * (1 - p))))
    else:
        if ns is None or method == "qcc":
            expected = np.full(k, xs.mean())
        else:
            expected = ns * xs.sum() / ns.sum()
        statistic = float(np.sum((xs - expected) ** 2 / expected))
    df = k - 1
    if not np.isfinite(statistic):
        warnings.warn(
            "the dispersion statistic is undefined (all counts 0, or all equal to their size)",
            QualityKitWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        {
            "distribution": pd.array([distribution], dtype="string"),
            "k": [k],
            "dispersion_ratio": [statistic / df],
            "statistic": [float(statistic)],
            "df": [df],
            "p_value": [float(stats.chi2.sf(statistic, df))],
        }
    )

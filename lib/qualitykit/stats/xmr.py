"""The I chart (XmR, individuals and moving ranges) on a series of rates, with its run rules.

What many quality offices use instead of a p chart: each period's rate (e.g. the pass rate or the
nonconforming proportion of the spot checks) is one point; the limits come from the period-to-
period variation itself, so between-period variation beyond binomial noise is built in (as in
Laney's p′ chart) without assuming a binomial model.

Limits, as R qicharts2 ``qic(chart = "i")`` (``qic.i()`` in ``R/helper.functions.R``, version
0.8.1): centre line CL = mean of the calibration points; moving ranges MR = |y_i − y_{i−1}| of
consecutive calibration points; MR̄ their mean. With ``screened=True`` (qicharts2's setting once
the package is attached, option ``qic.screenedmr``; also NHSRplotthedots ``screen_outliers``)
moving ranges ≥ 3.267·MR̄ are dropped and MR̄ is recomputed once (Nelson 1982). σ = MR̄/1.128
and the limits are CL ± 3σ = CL ± 2.6596·MR̄ (``limits="qicharts2"``, with CL ± 2σ warning
lines), or CL ± 2.66·MR̄ with warning lines at ⅔ of that distance (``limits="nhs"``, NHS England
"Making Data Count" as R NHSRplotthedots 0.2.2 ``ptd_spc_standard()``); 2.66 is 3/1.128
rounded.

Signals, per part (a segment with its own limits):

* ``beyond_limits`` — a point outside CL ± 3σ (qicharts2 ``sigma.signal``);
* ``runs_signal`` — Anhøj runs analysis of the part's points: longest run > round(log2(n)) + 3
  or crossings < qbinom(0.05, n − 1, ½) (qicharts2 ``runs.analysis()``; Anhøj & Olesen 2014);
* the "Making Data Count" rules, as NHSRplotthedots ``ptd_calculate_point_type()``: ``shift``
  — the point belongs to ≥ 7 consecutive points on one side of CL; ``trend`` — to ≥ 7
  consecutive points each higher (lower) than the one before; ``two_in_three`` — the point lies
  between the warning line and the limit and belongs to 3 consecutive points on one side of CL of
  which at least 2 lie there; ``special_cause`` — any of these or ``beyond_limits``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, NoDataError, ParameterError, Problem
from qualitykit.stats._checks import check_choice, require_columns
from qualitykit.stats.spc import _D2_MOVING_RANGE, _labels, _validated_counts, runs_analysis

__all__ = ["IChart", "i_chart", "mdc_rules"]

_SCREEN = 3.267  # D4 for ranges of 2: upper limit of the moving-range chart (Montgomery Table VI)
_NHS_LIMIT = 2.66
_INPUT = "input table"


@dataclass(frozen=True)
class IChart:
    """An I chart: one row per point (``points``) and one per part (``summary``).

    ``points`` columns:

    ============== ============================================================================
    subgroup       the label (the ``subgroup`` column, else 1, 2, … in data order)
    part           the part (segment with its own limits; 1 when there are no parts)
    value          the charted rate (``value`` column, or ``count / size``)
    excluded       named in ``exclude``: kept in the chart, left out of centre line, limits
                   and runs analysis
    used           the point entered the centre line (calibration, not excluded)
    moving_range   |value − previous used value| for used points after the first of a part
    mr_used        the moving range entered MR̄ (not screened out)
    center         centre line
    lcl, ucl       control limits (CL ∓ 3σ, or CL ∓ 2.66·MR̄)
    lcl_2sigma,    warning lines (CL ∓ 2σ; for ``limits="nhs"`` CL ∓ ⅔·2.66·MR̄)
    ucl_2sigma
    beyond_limits  value < lcl or value > ucl
    runs_signal    the Anhøj runs analysis of this point's part signals
    shift, trend,  the "Making Data Count" rules (see the module docstring); False for
    two_in_three   excluded points
    special_cause  beyond_limits, shift, trend or two_in_three
    ============== ============================================================================

    ``summary`` columns (one row per part): ``part``, ``points``, ``used``, ``center``,
    ``mr_bar`` (MR̄ used), ``mr_bar_unscreened``, ``mr_screened_out`` (moving ranges dropped),
    ``sigma`` (MR̄/1.128), ``lcl``, ``ucl``, ``n_beyond_limits``, ``n_special_cause``, and the
    runs analysis ``n_useful``, ``longest_run``, ``longest_run_max``, ``n_crossings``,
    ``n_crossings_min``, ``runs_signal``.
    """

    limits: str
    screened: bool
    points: pd.DataFrame
    summary: pd.DataFrame


def _runs_of(sign: np.ndarray, length: int) -> np.ndarray:
    """True for every element of a run of ≥ ``length`` equal, non-zero values of ``sign``."""
    out = np.zeros(sign.size, dtype=bool)
    if sign.size == 0:
        return out
    change = np.flatnonzero(np.diff(sign) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [sign.size]])
    for s, e in zip(starts, ends, strict=True):
        if sign[s] != 0 and e - s >= length:
            out[s:e] = True
    return out


def mdc_rules(
    values: np.ndarray,
    center: float,
    lcl: float,
    ucl: float,
    near_lcl: float,
    near_ucl: float,
    *,
    run: int = 7,
) -> pd.DataFrame:
    """The "Making Data Count" special-cause rules on one part's points, in time order.

    As R NHSRplotthedots ``ptd_calculate_point_type()``: ``outside_limits``; ``shift`` (part of
    ≥ ``run`` points on one side of the centre; points on it break a run); ``trend`` (part of ≥
    ``run`` points each strictly above / below the previous); ``two_in_three`` (a point between
    the warning line and the limit, in a window of 3 consecutive points all on one side of the
    centre with ≥ 2 such points).
    """
    y = np.asarray(values, dtype=float)
    outside = (y > ucl) | (y < lcl)
    side = np.sign(y - center)
    shift = _runs_of(side, run)
    step = np.sign(np.diff(y))
    trend = np.zeros(y.size, dtype=bool)
    if y.size >= 2:
        in_run = _runs_of(step, run - 1)  # run − 1 steps of one sign = run points
        trend[:-1] |= in_run
        trend[1:] |= in_run
    close = ~outside & ((y < near_lcl) | (y > near_ucl))
    two = np.zeros(y.size, dtype=bool)
    if y.size >= 3:
        win_close = np.lib.stride_tricks.sliding_window_view(close.astype(int), 3).sum(axis=1)
        win_side = np.abs(np.lib.stride_tricks.sliding_window_view(side, 3).sum(axis=1))
        ok = (win_close >= 2) & (win_side == 3)
        for offset in range(3):  # a point is in the windows starting at i − 2, i − 1, i
            two[offset : offset + ok.size] |= ok
        two &= close
    return pd.DataFrame(
        {"outside_limits": outside, "shift": shift, "trend": trend, "two_in_three": two}
    )


def _series(
    data: pd.DataFrame, value: str | None, count: str | None, size: str | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    if value is not None:
        if count is not None or size is not None:
            raise ParameterError("give either value= or count= and size=, not both")
        require_columns(data, (value,), "data")
        raw = data[value]
        y = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            raise InputError(
                [
                    Problem(_INPUT, "expected a finite number", int(i) + 2, value, raw.iloc[i])
                    for i in bad
                ]
            )
        return y, None, None
    if count is None or size is None:
        raise ParameterError("give value= (a rate column) or both count= and size=")
    x, n = _validated_counts(data, count, size)
    return x / n, x, n


def _parts(data: pd.DataFrame, part: str | None) -> pd.Series:
    if part is None:
        return pd.Series(np.ones(len(data), dtype=np.int64), name="part")
    require_columns(data, (part,), "data")
    labels = data[part].reset_index(drop=True).rename("part")
    if labels.isna().any():
        raise InputError(
            [
                Problem(_INPUT, "missing part label", int(i) + 2, part)
                for i in np.flatnonzero(labels.isna().to_numpy())
            ]
        )
    codes = labels.ne(labels.shift()).cumsum()
    if codes.nunique() != labels.nunique():
        raise InputError(
            [Problem(_INPUT, "each part must be one consecutive block of rows", column=part)]
        )
    return labels


def i_chart(
    data: pd.DataFrame,
    *,
    value: str | None = None,
    count: str | None = None,
    size: str | None = None,
    subgroup: str | None = None,
    part: str | None = None,
    freeze: int | None = None,
    exclude: Iterable[Hashable] = (),
    screened: bool = True,
    limits: Literal["qicharts2", "nhs"] = "qicharts2",
    truncate_at_zero: bool = False,
) -> IChart:
    """I chart (XmR) of a rate series with qicharts2's limits and runs analysis and the NHS
    "Making Data Count" rules (module docstring).

    Parameters
    ----------
    data
        One row per period in time order: a ``value`` column (a published rate series) or a
        ``count`` and a ``size`` column (the rate is count / size; e.g. ``nonconforming`` and
        ``batches``).
    subgroup
        Column with unique labels (period); default 1, 2, ….
    part
        Column labelling consecutive segments that get their own centre line and limits (e.g.
        before and after a programme start; qicharts2 ``part``).
    freeze
        Only the first ``freeze`` points (of the whole series) calibrate centre line and limits,
        as qicharts2 ``freeze``; later points are judged against them.
    exclude
        Labels of points left out of centre line, moving ranges and runs analysis (qicharts2
        ``exclude``); they stay in the chart.
    screened
        Drop moving ranges ≥ 3.267·MR̄ before recomputing MR̄ (default, as qicharts2 when attached
        and NHSRplotthedots); False reproduces ``options(qic.screenedmr = FALSE)``.
    limits
        ``"qicharts2"`` — CL ± 3·MR̄/1.128; ``"nhs"`` — CL ± 2.66·MR̄.
    truncate_at_zero
        Raise negative lower lines to 0 when no value is negative (qicharts2 ``y.neg = FALSE``).

    Returns an :class:`IChart`.
    """
    require_columns(data, (), "data")
    if len(data) == 0:
        raise NoDataError("the I chart got no points (empty table)")
    limits = check_choice(limits, "limits", ("qicharts2", "nhs"))  # type: ignore[assignment]
    if freeze is not None and (
        isinstance(freeze, bool) or not isinstance(freeze, int | np.integer) or freeze < 2
    ):
        raise ParameterError(f"freeze: {freeze!r} is not a whole number of points ≥ 2")
    y, x, n = _series(data, value, count, size)
    labels = _labels(data, subgroup)
    parts = _parts(data, part)
    exclude = list(exclude)
    not_found = [e for e in exclude if not (labels == e).any()]
    if not_found:
        raise ParameterError(f"exclude names points that are not in the data: {not_found}")
    excluded = labels.isin(exclude).to_numpy()
    position = np.arange(y.size)
    calib = position < freeze if freeze is not None else np.ones(y.size, dtype=bool)
    used = calib & ~excluded

    k = y.size
    center = np.full(k, np.nan)
    lcl, ucl = np.full(k, np.nan), np.full(k, np.nan)
    lcl2, ucl2 = np.full(k, np.nan), np.full(k, np.nan)
    moving = np.full(k, np.nan)
    mr_used = np.zeros(k, dtype=bool)
    rules = pd.DataFrame(False, index=range(k), columns=["shift", "trend", "two_in_three"])
    runs = np.zeros(k, dtype=bool)
    rows = []
    for lab in pd.unique(parts):
        in_part = (parts == lab).to_numpy()
        base = np.flatnonzero(in_part & used)
        if base.size < 2:
            raise NoDataError(
                f"part {lab!r} has {base.size} calibration point(s): an I chart needs at least 2"
            )
        cl = float(np.mean(y[base]))
        mr = np.abs(np.diff(y[base]))
        moving[base[1:]] = mr
        amr_raw = float(np.mean(mr))
        keep = mr < _SCREEN * amr_raw if screened else np.ones(mr.size, dtype=bool)
        if not keep.any():  # every moving range is 0 (constant series): nothing to screen
            keep[:] = True
        mr_used[base[1:]] = keep
        amr = float(np.mean(mr[keep]))
        sigma = amr / _D2_MOVING_RANGE
        if limits == "qicharts2":
            half, half2 = 3.0 * sigma, 2.0 * sigma
        else:
            half, half2 = _NHS_LIMIT * amr, 2.0 / 3.0 * _NHS_LIMIT * amr
        center[in_part] = cl
        lcl[in_part], ucl[in_part] = cl - half, cl + half
        lcl2[in_part], ucl2[in_part] = cl - half2, cl + half2
        active = np.flatnonzero(in_part & ~excluded)
        ra = runs_analysis(y[active], cl)
        runs[in_part] = ra.signal
        mdc = mdc_rules(y[active], cl, cl - half, cl + half, cl - half2, cl + half2)
        rules.loc[active, ["shift", "trend", "two_in_three"]] = mdc[
            ["shift", "trend", "two_in_three"]
        ].to_numpy()
        rows.append(
            {
                "part": lab,
                "points": int(in_part.sum()),
                "used": int(base.size),
                "center": cl,
                "mr_bar": amr,
                "mr_bar_unscreened": amr_raw,
                "mr_screened_out": int((~keep).sum()),
                "sigma": sigma,
                "lcl": cl - half,
                "ucl": cl + half,
                "n_useful": ra.n_useful,
                "longest_run": ra.longest_run,
                "longest_run_max": ra.longest_run_max,
                "n_crossings": ra.n_crossings,
                "n_crossings_min": ra.n_crossings_min,
                "runs_signal": ra.signal,
            }
        )
    if truncate_at_zero and np.min(y) >= 0:
        lcl, lcl2 = np.maximum(lcl, 0.0), np.maximum(lcl2, 0.0)
    beyond = (y > ucl) | (y < lcl)
    points = pd.DataFrame(
        {
            "subgroup": labels,
            "part": parts,
            "value": y,
            "excluded": excluded,
            "used": used,
            "moving_range": moving,
            "mr_used": mr_used,
            "center": center,
            "lcl": lcl,
            "ucl": ucl,
            "lcl_2sigma": lcl2,
            "ucl_2sigma": ucl2,
            "beyond_limits": beyond,
            "runs_signal": runs,
        }
    )
    if x is not None and n is not None:
        points.insert(3, "count", x.astype(np.int64))
        points.insert(4, "size", n.astype(np.int64))
    points = pd.concat([points, rules.astype(bool)], axis=1)
    points["special_cause"] = (
        (beyond & ~excluded) | points["shift"] | points["trend"] | points["two_in_three"]
    )
    summary = pd.DataFrame(rows)
    if truncate_at_zero and np.min(y) >= 0:
        summary["lcl"] = summary["lcl"].clip(lower=0.0)
    summary["n_beyond_limits"] = [
        int((beyond & ~excluded & (parts == p).to_numpy()).sum()) for p in summary["part"]
    ]
    summary["n_special_cause"] = [
        int((points["special_cause"] & (parts == p)).sum()) for p in summary["part"]
    ]
    for c in ("longest_run", "longest_run_max", "n_crossings", "n_crossings_min"):
        summary[c] = summary[c].astype("Int64")
    return IChart(limits=limits, screened=bool(screened), points=points, summary=summary)

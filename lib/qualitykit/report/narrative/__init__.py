"""Text generated from numbers, in Chinese or English: the sentences of the notebooks.

Every sentence of a notebook that states a number, a direction ("rising", "above the limits") or a
verdict ("met", "the data do not support the 80 % claim") is produced here from the tidy output
of a library function, so it cannot contradict the table or figure next to it. Each function
takes that output and ``lang`` (``"zh"`` or ``"en"``) and returns one Markdown paragraph;
missing or undefined values (NaN) give a sentence that says so, never a made-up number. The
words — headings, labels, statuses, coded values — come from the one vocabulary
(:mod:`qualitykit.report.vocabulary`).

Modules, one per subject: ``_format`` (numbers, intervals, probabilities, escaping, the "no data"
note), ``rates`` (pass rates, trends, segmented regression, control charts, forecasts),
``causes`` (Pareto, Juran's claim, group comparisons), ``benchmark`` (overdispersion, funnels,
ranks, shrinkage, relative targets), ``targets`` (documents, targets as stated, scorecard),
``national`` (published national figures, sources) and ``district`` (the district brief). This
package re-exports them all (``from qualitykit import narrative``; ``narrative.trend(...)``).

Conventions (``docs/CONVENTIONS.md``): proportions are printed as percentages with one decimal
(``pct``), differences of proportions in percentage points (``pp``: 个百分点 / pp), counts with
thousands separators, probabilities as decimals (``prob``: 0.996, never "99.6%", which would read
as a rate). Directions and verdicts follow the interval, not the point estimate:

* a trend is "rising" / "falling" only when the confidence interval of its slope excludes 0
  (otherwise "no clear trend"); overdispersion is named only when its test says so;
* a forecast is narrated only where the model supports it: a slope whose interval includes 0, or
  a straight line that misses the recent years, is not extrapolated (the recent level is given
  instead); a counterfactual far outside the data is flagged, not read;
* Juran's claim (the great majority, about 80 % or more, of quality problems are
  management-controllable) is tested as "at least 80 %": supported when the Wilson interval of
  the observed share lies at or above it, contradicted when it lies below, undecided otherwise —
  and the share is fixed by the cause map's classification, which the sentence says;
* a unit is above / below its funnel only when it lies outside the control limits, which are
  named (exact binomial, or widened for overdispersion with φ and its test); above is better
  than the average — news, never a concern;
* changes between groups are those significant after the adjustment for multiple comparisons;
* a target status is shown with what it rests on (met: the whole interval meets the
  requirement; inconclusive: the interval straddles it …).
"""

from __future__ import annotations

from qualitykit.report.narrative._format import (
    TEXT,
    Lang,
    check_lang,
    count,
    flag_label,
    interval,
    label_value,
    md_text,
    no_data,
    ok,
    pct,
    pp,
    prob,
    pval,
    status_label,
    t,
    verdict_label,
)
from qualitykit.report.narrative.benchmark import (
    funnel,
    limits_text,
    overdispersion,
    ranks,
    relative_target,
    shrinkage,
)
from qualitykit.report.narrative.causes import comparison, management_share, pareto
from qualitykit.report.narrative.district import (
    district_position,
    district_summary,
    funnel_position,
    status_with_confidence,
)
from qualitykit.report.narrative.national import (
    national_series,
    published,
    size_mix,
    source_list,
)
from qualitykit.report.narrative.rates import (
    control_chart,
    forecast,
    pass_rate,
    segmented,
    standardised,
    trend,
    yearly_rates,
)
from qualitykit.report.narrative.targets import (
    documents,
    requirement,
    scorecard,
    targets_compared,
    targets_view,
)

_ok = ok  # the name report.framework uses

__all__ = [
    "TEXT",
    "Lang",
    "check_lang",
    "comparison",
    "control_chart",
    "count",
    "district_position",
    "district_summary",
    "documents",
    "flag_label",
    "forecast",
    "funnel",
    "funnel_position",
    "interval",
    "label_value",
    "limits_text",
    "management_share",
    "md_text",
    "national_series",
    "no_data",
    "overdispersion",
    "pareto",
    "pass_rate",
    "pct",
    "pp",
    "prob",
    "published",
    "pval",
    "ranks",
    "relative_target",
    "requirement",
    "scorecard",
    "segmented",
    "shrinkage",
    "size_mix",
    "source_list",
    "standardised",
    "status_label",
    "status_with_confidence",
    "t",
    "targets_compared",
    "targets_view",
    "trend",
    "verdict_label",
    "yearly_rates",
]

"""qualitykit — analysis of Chinese product-quality supervision (监督抽查) data.

The library computes; the notebooks in ``notebooks/`` narrate. One module per concept:

========== ===============================================================
schema     canonical tables, column names, categories, Chinese header aliases
io         loading CSV / XLSX / Parquet (encoding detection) and validation
regions    GB/T 2260 divisions, names, parents, roll-ups, centroids
industries GB/T 4754-2017 manufacturing divisions
reference  real published figures with sources (data/reference)
sample     the deterministic synthetic sample data set
metrics    pass rates, binomial intervals, standardisation, RPQ weighting
trends     GLM trends, segmented regression, forecasts, attainment
spc        p / np / Laney p' charts, phases, run rules, dispersion test
pareto     Pareto tables, cause roll-ups, group comparisons
benchmark  funnel limits, overdispersion, ranks, shrinkage
plots      one visual style, CJK fonts, a function per figure
targets    policy-target registry and scorecard
batch      parameterised runs over many districts, manifest
publish    HTML rendering and the review index page
cli        ``qualitykit`` command line
========== ===============================================================
"""

from __future__ import annotations

__version__ = "0.1.0"

"""Statistics: plain DataFrames and arrays in, tidy DataFrames out; no I/O, no regions, no data
files.

Entry modules (what notebooks and the other layers import): ``metrics`` (rates, intervals, gaps,
standardisation, RPQ), ``trends`` (GLM trends, segmented regression, forecasts), ``spc`` (p, np,
Laney p′ and I charts), ``pareto`` (Pareto tables and comparisons), ``benchmark`` (funnels,
overdispersion, ranks, shrinkage, relative targets). They re-export from the modules that hold
each concept: ``counts``, ``proportions``, ``standardise``; ``segmented``; ``xmr``; ``funnel``,
``funnel_poisson``, ``overdispersion``, ``ranks``, ``shrinkage``; private helpers ``_checks``
(argument checks), ``_units`` (the units table), ``_glm`` (GLM term tables)."""

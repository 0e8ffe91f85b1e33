"""Statistics: plain DataFrames and arrays in, tidy DataFrames out; no I/O, no regions, no data
files. Modules: ``metrics`` (rates, intervals, standardisation, RPQ), ``trends`` (GLM trends,
segmented regression, forecasts), ``spc`` (control charts), ``pareto`` (Pareto tables and
comparisons), ``benchmark`` (funnels, overdispersion, ranks, shrinkage)."""

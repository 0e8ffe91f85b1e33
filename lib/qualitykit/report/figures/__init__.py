"""The figures of the reports, one module per kind (:mod:`qualitykit.report.plots` is the facade
the notebooks use): ``style`` (CJK fonts, seaborn theme, labels, saving with fixed metadata),
``common`` (helpers), ``labels`` (name labels without overlap), ``colours`` (diverging colour
scales), ``boundaries`` (map boundaries: read, simplified, cached), ``trend``, ``control``,
``pareto``, ``funnel``, ``caterpillar``, ``rates`` and ``map``."""

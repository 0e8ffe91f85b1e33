"""qualitykit — analysis of Chinese product-quality supervision (监督抽查) data.

The library computes; the notebooks in ``notebooks/`` narrate. The package is layered; a module
imports only from its own layer or the layers below it (``tests/test_architecture.py`` checks):

============ ===================================================================================
foundation   ``errors``, ``paths``, ``atomic``, ``schema`` — errors, file locations, atomic
             writes, the canonical column names and categories
``stats``    pass rates and intervals, trends, control charts, Pareto, funnels — plain
             DataFrames and arrays in and out, no I/O
``data``     reading and validating tables, the data set, regions, industries, published
             reference figures, the synthetic sample
``policy``   the target registry and the scorecard
``report``   the notebook framework, narrative, figures, the district brief, HTML publishing
``run``      notebook parameters, the Jupyter engine, the batch runner and its executors
``cli``      the ``qualitykit`` command line
============ ===================================================================================

The modules notebooks use are reachable directly: ``from qualitykit import metrics, plots,
report`` (imported on first use, so ``import qualitykit`` stays cheap).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_MODULES = {
    # stats
    "metrics": "qualitykit.stats.metrics",
    "trends": "qualitykit.stats.trends",
    "spc": "qualitykit.stats.spc",
    "pareto": "qualitykit.stats.pareto",
    "benchmark": "qualitykit.stats.benchmark",
    # data
    "dataset": "qualitykit.data.dataset",
    "io": "qualitykit.data.io",
    "regions": "qualitykit.data.regions",
    "industries": "qualitykit.data.industries",
    "reference": "qualitykit.data.reference",
    "sample": "qualitykit.data.sample",
    # policy
    "targets": "qualitykit.policy.targets",
    "scorecard": "qualitykit.policy.scorecard",
    # report
    "report": "qualitykit.report",
    "narrative": "qualitykit.report.narrative",
    "vocabulary": "qualitykit.report.vocabulary",
    "plots": "qualitykit.report.plots",
    "district": "qualitykit.report.district",
    "publish": "qualitykit.report.publish",
}


def __getattr__(name: str) -> Any:
    target = _MODULES.get(name)
    if target is None:
        raise AttributeError(f"module 'qualitykit' has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])

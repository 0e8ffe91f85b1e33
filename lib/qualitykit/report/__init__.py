"""Reports: the notebook framework (``framework``) and the analysis steps the notebooks share
(``helpers``), narrative sentences (``narrative``), figures (``plots``, the facade of the
``figures`` package), the district brief (``district``) and HTML publishing (``publish``).

The notebook framework's functions are reachable from the package itself, as notebooks use them:
``from qualitykit import report; ctx = report.start(...)``.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = {
    "framework", "helpers", "narrative", "notes", "plots", "figures", "district", "comparison",
    "publish", "selection", "sources", "vocabulary",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name.startswith("__") or name in _SUBMODULES:
        raise AttributeError(name)
    framework = importlib.import_module("qualitykit.report.framework")

    try:
        return getattr(framework, name)
    except AttributeError:
        raise AttributeError(f"module 'qualitykit.report' has no attribute {name!r}") from None

"""The interactive explorer: linked views of one region's units, for JupyterLab and Voilà.

=================  =========================================================================
module             concept
=================  =========================================================================
``source``         the session's data, read once (:class:`ExplorerData`); the one adapter that
                   knows how data are read
``state``          the explorer's state and the data of each view (:class:`Explorer`), pure
``figures``        the interactive plotly figures of the views (dicts, no computation)
``handoff``        the selection as notebook parameters, parameter files, batch commands and
                   rendered reports
``app``            the ipywidgets / plotly ``FigureWidget`` app wiring controls to the state
``serve``          ``qualitykit explore``: the app as a standalone web page (Voilà)
=================  =========================================================================

Layer: report (imports stats, data, policy and report; imported only by the command line).
"""

from __future__ import annotations

from typing import Any

__all__ = ["App", "Explorer", "ExplorerData"]


def __getattr__(name: str) -> Any:
    # imported on first use: the widgets (ipywidgets, plotly) load only when the app is made
    if name == "App":
        from qualitykit.explore.app import App

        return App
    if name == "Explorer":
        from qualitykit.explore.state import Explorer

        return Explorer
    if name == "ExplorerData":
        from qualitykit.explore.source import ExplorerData

        return ExplorerData
    raise AttributeError(f"module 'qualitykit.explore' has no attribute {name!r}")

"""The explorer's three bqplot charts: funnel, trend, Pareto.

Each chart owns its bqplot figure, marks and scales, and :meth:`draw` copies one figure-data dict
of :mod:`qualitykit.explore.figures` into them (nothing is computed here). Hovering a point shows
its tooltip (an HTML widget filled from the same dict); clicking a funnel point calls
``on_click(index)`` with the row of the funnel's table.

Why bqplot and not plotly's ``FigureWidget``: since plotly 6 the ``FigureWidget`` is an anywidget
whose 4–5 MB bundle must load and initialise in the browser within anywidget's fixed 2-second
limit. On the project's busy 2-core machine it did not, in Voilà as in JupyterLab, and a figure
that misses that limit ignores every later update: the views froze on their first state. bqplot
figures are plain ipywidgets models (d3) with hover and click events; they stay in sync however
slowly a page loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qualitykit.explore.figures import COLOURS, label
from qualitykit.report.narrative import Lang

__all__ = ["FunnelChart", "ParetoChart", "TrendChart"]

MARGIN = {"top": 40, "bottom": 55, "left": 65, "right": 60}


def _figure(marks: list[Any], axes: list[Any], margin: dict[str, int] | None = None, **kw: Any):
    import bqplot as bq
    import ipywidgets as w

    return bq.Figure(
        marks=marks,
        axes=axes,
        animation_duration=0,
        fig_margin=margin or MARGIN,
        layout=w.Layout(width="100%", height="380px"),
        title_style={"font-size": "15px"},
        legend_style={"font-size": "11px"},
        legend_text={"font-size": "11px"},
        **kw,
    )


def _rate_axes(xs: Any, ys: Any, x_label: str, x_format: str, lang: Lang) -> list[Any]:
    import bqplot as bq

    return [
        bq.Axis(scale=xs, label=x_label, tick_format=x_format, grid_lines="dashed", num_ticks=7),
        bq.Axis(
            scale=ys,
            side="left",
            label=label("pass_rate", lang),
            tick_format=".0%",
            grid_lines="dashed",
        ),
    ]


def _lines(mark: Any, x: list[Any], y: list[Any]) -> None:
    """Set a Lines mark's data; hidden when empty."""
    with mark.hold_sync():
        mark.x, mark.y = x, y
        mark.visible = bool(len(x))


def _tooltip() -> Any:
    import ipywidgets as w

    return w.HTML(layout=w.Layout(padding="4px"))


def _show(tip: Any, tooltips: list[str], event: dict[str, Any]) -> None:
    index = (event.get("data") or {}).get("index")
    if index is not None and 0 <= int(index) < len(tooltips):
        tip.value = tooltips[int(index)]


class FunnelChart:
    """Pass rate against batches with the funnel's limits; the units coloured by their 99.8 %
    flag; the selected unit ringed and named."""

    def __init__(self, lang: Lang, on_click: Callable[[int], None] | None = None) -> None:
        import bqplot as bq

        c = COLOURS
        self.on_click = on_click
        self.spec: dict[str, Any] = {}
        self.xs, self.ys = bq.LinearScale(min=0.0), bq.LinearScale()
        sc = {"x": self.xs, "y": self.ys}
        flag = bq.OrdinalColorScale(domain=[0, 1, 2], colors=[c["blue"], c["red"], c["green"]])
        lim = label("limits", lang)
        self.center = bq.Lines(
            scales=sc,
            colors=[c["dark"]],
            stroke_width=1.2,
            labels=[label("centre", lang)],
            display_legend=True,
        )
        # lower and upper limits as separate marks: one legend entry per level
        self.limits = {
            lev: [
                bq.Lines(
                    scales=sc,
                    colors=[c["grey"]],
                    line_style=style,
                    stroke_width=1,
                    labels=[f"{text} {lim}"],
                    display_legend=legend,
                )
                for legend in (True, False)
            ]
            for lev, text, style in (("95", "95%", "dashed"), ("998", "99.8%", "solid"))
        }
        self.tooltip = _tooltip()
        self.points = bq.Scatter(
            scales={**sc, "color": flag},
            default_size=48,
            stroke="white",
            tooltip=self.tooltip,
            hovered_style={"stroke": c["dark"], "stroke-width": 2},
        )
        self.points.on_hover(self._hover)
        self.points.on_element_click(self._click)
        self.selected = bq.Scatter(
            scales=sc,
            colors=[c["orange"]],
            fill=False,
            stroke_width=2.5,
            default_size=260,
            display_names=True,
            names=[],
        )
        self.figure = _figure(
            [*self.limits["998"], *self.limits["95"], self.center, self.points, self.selected],
            _rate_axes(self.xs, self.ys, label("batches", lang), ",d", lang),
            legend_location="bottom-right",
        )

    def _hover(self, mark: Any, event: dict[str, Any]) -> None:
        _show(self.tooltip, self.spec.get("points", {}).get("tooltips", []), event)

    def _click(self, mark: Any, event: dict[str, Any]) -> None:
        index = (event.get("data") or {}).get("index")
        if index is not None and self.on_click is not None:
            self.on_click(int(index))

    def draw(self, spec: dict[str, Any], title: str) -> None:
        """Show :func:`qualitykit.explore.figures.funnel` data."""
        self.spec = spec
        pts, lines, sel = spec["points"], spec["lines"], spec["selected"]
        with self.figure.hold_sync():
            self.xs.max = spec["x_max"]
            self.ys.min, self.ys.max = spec["y_range"]
            _lines(self.center, lines["n"], lines["center"])
            for lev, marks in self.limits.items():
                for mark, y in zip(marks, lines[lev], strict=True):
                    _lines(mark, lines["n"] if y else [], y)
            with self.points.hold_sync():
                self.points.x, self.points.y = pts["x"], pts["y"]
                self.points.color = pts["flag"]
            with self.selected.hold_sync():
                self.selected.x, self.selected.y = sel["x"], sel["y"]
                self.selected.names = sel["text"]
            self.figure.title = title


class TrendChart:
    """The unit's yearly rates with their intervals, the GLM trend and its band, the region's
    rates and the target lines."""

    def __init__(self, lang: Lang) -> None:
        import bqplot as bq

        c = COLOURS
        self.spec: dict[str, Any] = {}
        self.xs, self.ys = bq.LinearScale(), bq.LinearScale()
        sc = {"x": self.xs, "y": self.ys}
        self.band = bq.Lines(
            scales=sc,
            fill="between",
            colors=[c["blue"], c["blue"]],
            opacities=[0.0, 0.0],
            fill_colors=[c["blue"]],
            fill_opacities=[0.18],
        )
        self.fitted = bq.Lines(
            scales=sc,
            colors=[c["blue"]],
            stroke_width=2,
            labels=[label("fitted", lang)],
            display_legend=True,
        )
        self.errors = bq.Lines(scales=sc, colors=[c["grey"]], stroke_width=1)
        self.tooltip = _tooltip()
        self.observed = bq.Scatter(
            scales=sc,
            colors=[c["dark"]],
            default_size=36,
            tooltip=self.tooltip,
            labels=[label("observed", lang)],
            display_legend=True,
        )
        self.observed.on_hover(self._hover)
        self.parent = bq.Lines(
            scales=sc,
            colors=[c["grey"]],
            line_style="dotted",
            marker="circle",
            marker_size=12,
            display_legend=True,
            labels=[""],
        )
        self.targets = bq.Lines(
            scales=sc, colors=[c["red"]], line_style="dash_dotted", stroke_width=1.5
        )
        self.target_labels = bq.Label(
            scales=sc,
            colors=[c["red"]],
            default_size=11,
            font_unit="px",
            align="start",
            y_offset=-5,
            text=[],
        )
        marks = [self.band, self.targets, self.target_labels, self.parent, self.errors]
        self.figure = _figure(
            [*marks, self.fitted, self.observed],
            _rate_axes(self.xs, self.ys, label("year", lang), "d", lang),
            legend_location="bottom-right",
        )

    def _hover(self, mark: Any, event: dict[str, Any]) -> None:
        _show(self.tooltip, self.spec.get("observed", {}).get("tooltips", []), event)

    def draw(self, spec: dict[str, Any], title: str, parent_label: str = "") -> None:
        """Show :func:`qualitykit.explore.figures.trend` data; ``parent_label`` names the
        region's line in the legend."""
        self.spec = spec
        with self.figure.hold_sync():
            self.xs.min, self.xs.max = spec["x_range"]
            self.ys.min, self.ys.max = spec["y_range"]
            _lines(self.band, spec["band"]["x"], spec["band"]["y"])
            _lines(self.fitted, spec["fitted"]["x"], spec["fitted"]["y"])
            _lines(self.errors, spec["errors"]["x"], spec["errors"]["y"])
            with self.observed.hold_sync():
                self.observed.x, self.observed.y = spec["observed"]["x"], spec["observed"]["y"]
            _lines(self.parent, spec["parent"]["x"], spec["parent"]["y"])
            self.parent.labels = [parent_label]
            tg = spec["targets"]
            _lines(self.targets, tg["x"], tg["y"])
            with self.target_labels.hold_sync():
                self.target_labels.x, self.target_labels.y = tg["label_x"], tg["label_y"]
                self.target_labels.text = tg["labels"]
            self.figure.title = title


class ParetoChart:
    """Item counts as bars (vital few blue, the rest grey, "Other" light) and the cumulative
    share on the right axis."""

    def __init__(self, lang: Lang) -> None:
        import bqplot as bq

        c = COLOURS
        self.spec: dict[str, Any] = {}
        xo, yc = bq.OrdinalScale(), bq.LinearScale(min=0.0)
        y2 = bq.LinearScale(min=0.0, max=1.02)
        kind = bq.OrdinalColorScale(domain=[0, 1, 2], colors=[c["blue"], c["grey"], c["light"]])
        self.tooltip = _tooltip()
        self.bars = bq.Bars(
            scales={"x": xo, "y": yc, "color": kind}, padding=0.25, tooltip=self.tooltip
        )
        self.bars.on_hover(self._hover)
        self.cumulative = bq.Lines(
            scales={"x": xo, "y": y2},
            colors=[c["orange"]],
            marker="circle",
            marker_size=12,
            stroke_width=2,
            labels=[label("cum_share", lang)],
            display_legend=True,
        )
        axes = [
            bq.Axis(scale=xo, tick_rotate=-35, tick_style={"font-size": "10px"}),
            bq.Axis(
                scale=yc,
                side="left",
                label=label("nonconformities", lang),
                tick_format=",.4~g",
                grid_lines="dashed",
            ),
            bq.Axis(scale=y2, side="right", tick_format=".0%", grid_lines="none"),
        ]
        self.figure = _figure(
            [self.bars, self.cumulative],
            axes,
            margin={**MARGIN, "bottom": 95},
            legend_location="top-left",
        )

    def _hover(self, mark: Any, event: dict[str, Any]) -> None:
        _show(self.tooltip, self.spec.get("tooltips", []), event)

    def draw(self, spec: dict[str, Any], title: str) -> None:
        """Show :func:`qualitykit.explore.figures.pareto` data."""
        self.spec = spec
        with self.figure.hold_sync():
            with self.bars.hold_sync():
                self.bars.x, self.bars.y = spec["items"], spec["counts"]
                self.bars.color = spec["kind"]
            _lines(self.cumulative, spec["items"], spec["cum_share"])
            self.figure.title = title

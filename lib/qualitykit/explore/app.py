"""The explorer's widgets: ipywidgets controls and bqplot figures, wired to an
:class:`~qualitykit.explore.state.Explorer`.

All computation is in :mod:`qualitykit.explore.state` and :mod:`qualitykit.explore.figures`
(tested without a browser); this module only turns control changes into :meth:`Explorer.update`
calls and copies the resulting figure data into its marks and HTML. Hovering a funnel point
shows the unit's name, batches, rate, interval and flag; clicking it selects the unit. Errors in a
callback are shown in the status line (one sentence), never as a traceback.

The figures are bqplot charts (:mod:`qualitykit.explore.charts`, which says why not plotly).

``App(...)`` is what ``notebooks/06_explorer`` shows; ``qualitykit explore`` serves the same
notebook with Voilà. :meth:`App.change` and :meth:`App.click` drive the app from code (tests,
benchmarks) exactly as the controls do.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.errors import QualityKitError
from qualitykit.explore import charts, figures, handoff
from qualitykit.explore.source import ExplorerData
from qualitykit.explore.state import Explorer, View
from qualitykit.report import narrative

__all__ = ["App", "TEXT"]

TEXT: dict[str, dict[str, str]] = {
    "province": {"zh": "省份", "en": "Province"},
    "city": {"zh": "地市", "en": "City"},
    "whole_province": {"zh": "（全省）", "en": "(whole province)"},
    "units": {"zh": "比较单位", "en": "Compare"},
    "counties": {"zh": "区县", "en": "Districts"},
    "children": {"zh": "下一级", "en": "Next level"},
    "search": {"zh": "搜索地区", "en": "Find region"},
    "search_hint": {
        "zh": "名称或代码，如 龙湾 或 330303",
        "en": "name or code, e.g. Wenzhou or 330303",
    },
    "unit": {"zh": "单位", "en": "Unit"},
    "years": {"zh": "年份", "en": "Years"},
    "check_level": {"zh": "抽查级别", "en": "Check level"},
    "industry": {"zh": "行业", "en": "Industry"},
    "all_industries": {"zh": "全部行业", "en": "All industries"},
    "product": {"zh": "产品", "en": "Product"},
    "trend": {"zh": "趋势与目标", "en": "Trend and targets"},
    "targets": {"zh": "政策目标状态", "en": "Target statuses"},
    "report": {"zh": "生成报告", "en": "Render report"},
    "report_help": {
        "zh": "用所选单位和当前筛选运行一个笔记本，生成 HTML 报告。",
        "en": "Run a notebook for the selected unit and the current filters, rendered as HTML.",
    },
    "batch": {"zh": "批量运行参数", "en": "Batch parameters"},
    "batch_help": {
        "zh": "为图中每个单位写一行参数（CSV），并给出批量运行命令。",
        "en": "Write one parameter row per unit in view (CSV) and the batch command.",
    },
    "notebook": {"zh": "笔记本", "en": "Notebook"},
    "running": {"zh": "正在生成（{s} 秒）…", "en": "Rendering ({s} s)…"},
    "done": {"zh": "已生成：", "en": "Rendered:"},
    "failed": {"zh": "生成失败：", "en": "Failed:"},
    "written": {"zh": "参数文件已写入", "en": "Parameter file written:"},
    "download": {"zh": "下载 CSV", "en": "Download CSV"},
    "error": {"zh": "无法执行：", "en": "Cannot do that:"},
    "internal": {"zh": "内部错误（请报告）：", "en": "Internal error (please report it):"},
    "selected": {"zh": "所选单位", "en": "Selected unit"},
    "parent_rates": {"zh": "{name}（整体）", "en": "{name} (all)"},
}


def _t(key: str, lang: str, **kw: Any) -> str:
    """A control label of :data:`TEXT`, else the library's vocabulary (:func:`narrative.t`)."""
    if key in TEXT:
        return TEXT[key][lang].format(**kw)
    return narrative.t(key, lang)  # type: ignore[arg-type]


def _md(text: str) -> str:
    """Generated Markdown (narrative sentences) as escaped HTML."""
    import mistune

    return str(mistune.create_markdown(escape=True)(text or ""))


class App:
    """The explorer app (see the module docstring). Arguments as
    :class:`~qualitykit.explore.state.Explorer`; ``data`` may be an :class:`ExplorerData` shared
    between apps."""

    def __init__(
        self,
        data: ExplorerData | str = "",
        *,
        region_code: str = "330000",
        selected: str = "330303",
        year_from: int = 0,
        year_to: int = 0,
        unit_level: str = "county",
        check_level: str = "all",
        industry: str = "",
        product: str = "",
        lang: str = "zh",
        period: str = "",
        units_file: str = "",
    ) -> None:
        years = (year_from, year_to) if year_from and year_to else None
        if not isinstance(data, ExplorerData) and (period or units_file):
            # a table without a period column, or with declared non-standard units (开发区 …)
            data = ExplorerData(data, period=period, units_file=units_file)
        self.explorer = Explorer(
            data,
            region_code=region_code,
            selected=selected,
            years=years,
            unit_level=unit_level,  # type: ignore[arg-type]
            check_level=check_level,
            industry=industry,
            product=product,
            lang=lang,
        )
        self.lang = self.explorer.state.lang
        self._syncing = False
        self._drawn: dict[str, Any] = {}
        self._job: handoff.RenderJob | None = None
        self.timings: list[tuple[str, float]] = []
        self._build()
        self.refresh()

    # ---- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        import ipywidgets as w

        lang, ex = self.lang, self.explorer
        first, last = ex.data.years
        wide = w.Layout(width="auto")
        self.province = w.Dropdown(description=_t("province", lang), layout=wide)
        self.city = w.Dropdown(description=_t("city", lang), layout=wide)
        self.unit_level = w.ToggleButtons(
            options=[(_t("counties", lang), "county"), (_t("children", lang), "child")],
            description=_t("units", lang),
            style={"button_width": "6em"},
        )
        self.search = w.Combobox(
            placeholder=_t("search_hint", lang),
            options=[label for label, _ in ex.region_options()],
            description=_t("search", lang),
            ensure_option=False,
            layout=w.Layout(width="28em"),
        )
        self.unit = w.Dropdown(description=_t("unit", lang), layout=wide)
        self.years = w.IntRangeSlider(
            min=first,
            max=last,
            step=1,
            description=_t("years", lang),
            continuous_update=False,
            layout=w.Layout(width="26em"),
        )
        levels = [(_t("all_levels", lang), "all")] + [
            (schema.CHECK_LEVEL_ZH[c] if lang == "zh" else f"{c} checks", c)
            for c in ex.data.present("check_level")
        ]
        self.check_level = w.Dropdown(
            options=levels, description=_t("check_level", lang), layout=wide
        )
        self.industry = w.Dropdown(description=_t("industry", lang), layout=w.Layout(width="22em"))
        self._industries = [(_t("all_industries", lang), "")] + [
            (_industry_label(c, lang), c) for c in ex.data.present("industry")
        ]
        self.product = w.Dropdown(description=_t("product", lang), layout=w.Layout(width="18em"))
        for ctl in (
            self.province,
            self.city,
            self.unit_level,
            self.unit,
            self.years,
            self.check_level,
            self.industry,
            self.product,
        ):
            ctl.style.description_width = "initial"
            ctl.observe(self._on_control, names="value")
        self.search.style.description_width = "initial"
        self.search.observe(self._on_search, names="value")

        self.scope = w.HTML()
        self.status = w.HTML()
        self.funnel_chart = charts.FunnelChart(lang, on_click=self._on_click)
        self.trend_chart = charts.TrendChart(lang)
        self.pareto_chart = charts.ParetoChart(lang)
        self.funnel_fig = self.funnel_chart.figure
        self.trend_fig = self.trend_chart.figure
        self.pareto_fig = self.pareto_chart.figure
        self.funnel_text = w.HTML()
        self.trend_text = w.HTML()
        self.pareto_text = w.HTML()
        self.targets_html = w.HTML()

        # reporting
        self.report_nb = w.Dropdown(
            options=list(handoff.REPORT_NOTEBOOKS), description=_t("notebook", lang)
        )
        self.report_btn = w.Button(description=_t("report", lang))
        self.batch_nb = w.Dropdown(
            options=list(handoff.BATCH_NOTEBOOKS), description=_t("notebook", lang)
        )
        self.batch_btn = w.Button(description=_t("batch", lang))
        self.report_out = w.HTML()
        self.batch_out = w.HTML()
        self.report_btn.on_click(lambda _b: self._guard(self.render_report))
        self.batch_btn.on_click(lambda _b: self._guard(self.write_batch))

        box = {"border": "1px solid #e0e0e0", "padding": "4px", "margin": "2px"}
        half = w.Layout(width="50%", **box)
        style = (
            "<style>.qk-explorer, .qk-explorer .bqplot text, .qk-explorer .bqplot .mainheading"
            f"{{font-family: {figures.FONT_FAMILY};}}"
            ".qk-targets-table td, .qk-targets-table th{padding:2px 6px;"
            "border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
            ".qk-targets-table td.qk-status{white-space:nowrap}</style>"
        )
        self.widget = w.VBox(
            [
                w.HTML(style),
                w.HBox(
                    [self.province, self.city, self.unit_level, self.search],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                w.HBox(
                    [self.unit, self.years, self.check_level, self.industry, self.product],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.scope,
                self.status,
                w.HBox(
                    [
                        w.VBox([self.funnel_fig, self.funnel_text], layout=half),
                        w.VBox([self.trend_fig, self.trend_text], layout=half),
                    ]
                ),
                w.HBox(
                    [
                        w.VBox([self.pareto_fig, self.pareto_text], layout=half),
                        w.VBox(
                            [
                                w.HTML(f"<b>{html.escape(_t('targets', lang))}</b>"),
                                self.targets_html,
                            ],
                            layout=half,
                        ),
                    ]
                ),
                w.HBox(
                    [
                        w.VBox(
                            [
                                w.HTML(html.escape(_t("report_help", lang))),
                                w.HBox([self.report_nb, self.report_btn]),
                                self.report_out,
                            ],
                            layout=half,
                        ),
                        w.VBox(
                            [
                                w.HTML(html.escape(_t("batch_help", lang))),
                                w.HBox([self.batch_nb, self.batch_btn]),
                                self.batch_out,
                            ],
                            layout=half,
                        ),
                    ]
                ),
            ]
        )
        self.widget.add_class("qk-explorer")
        for name in (
            "province",
            "city",
            "unit_level",
            "search",
            "unit",
            "years",
            "check_level",
            "industry",
            "product",
            "report_btn",
            "batch_btn",
            "status",
            "scope",
            "funnel_fig",
            "trend_fig",
            "pareto_fig",
            "targets_html",
            "funnel_text",
            "trend_text",
            "pareto_text",
            "report_out",
            "batch_out",
        ):
            getattr(self, name).add_class("qk-" + name.replace("_", "-"))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = self.describe()
        return bundle

    def describe(self) -> str:
        """The app's current state and views in a few lines of text (what a notebook executed
        without a browser shows in place of the widgets)."""
        ex = self.explorer
        lines = [ex.scope()]
        f = ex.funnel()
        if f.extra.get("text"):
            lines.append(f.extra["text"])
        if ex.state.selected:
            lines.append(f"{_t('selected', self.lang)}: {ex.selected_name()}")
        for view in (ex.trend(), ex.pareto(), ex.targets()):
            lines.append(view.extra.get("text") or view.note)
        return "\n".join(x for x in lines if x)

    # ---- callbacks ---------------------------------------------------------------------------
    def _guard(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run a callback; a bad value or a failure becomes one line in the status (and the
        controls show the state again)."""
        try:
            self.status.value = ""
            func(*args, **kwargs)
        except QualityKitError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.status.value = _status(f"{_t('error', self.lang)} {first}", "#d55e00")
            self._sync_controls()
        except Exception as exc:  # noqa: BLE001 - the widget's last line of defence
            msg = " ".join(str(exc).split())[:300]
            self.status.value = _status(
                f"{_t('internal', self.lang)} {type(exc).__name__}: {msg}", "#d55e00"
            )

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        owner = change["owner"]
        value = change["new"]
        mapping = {
            id(self.province): "province",
            id(self.city): "city",
            id(self.unit_level): "unit_level",
            id(self.unit): "selected",
            id(self.years): "years",
            id(self.check_level): "check_level",
            id(self.industry): "industry",
            id(self.product): "product",
        }
        what = mapping[id(owner)]
        if what == "province":
            self._guard(self.change, region=value)
        elif what == "city":
            self._guard(self.change, region=value or self.province.value)
        else:
            self._guard(self.change, **{what: value})

    def _on_search(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        text = str(change["new"] or "").strip()
        labels = {label for label, _ in self.explorer.region_options()}
        if text in labels or (text.isdigit() and len(text) == 6):
            self._guard(self.change, region=text)

    def _on_click(self, index: int) -> None:
        self._guard(self.click, index)

    # ---- driving the app (also from code) -----------------------------------------------------
    def change(self, **changes: Any) -> None:
        """Apply control changes (as :meth:`Explorer.update`) and redraw."""
        t0 = time.perf_counter()
        self.explorer.update(**changes)
        self.refresh()
        self.timings.append((",".join(changes), time.perf_counter() - t0))

    def click(self, point: int) -> None:
        """A click on the ``point``-th unit of the funnel: select it and redraw."""
        t0 = time.perf_counter()
        table = self.explorer.funnel().table
        if table is None or not 0 <= point < len(table):
            return
        self.explorer.select(str(table["region_code"].iloc[point]))
        self.refresh()
        self.timings.append(("click", time.perf_counter() - t0))

    # ---- drawing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring every control and view up to the explorer's state."""
        ex, lang = self.explorer, self.lang
        s = ex.state
        self._sync_controls()
        self.scope.value = f"<div style='color:#555'>{html.escape(ex.scope())}</div>"
        region_name = regions.name(s.region, lang)
        unit_name = regions.name(s.selected, lang) if s.selected else ""
        f = ex.funnel()
        if self._changed("funnel", (id(f), s.selected)):
            spec = figures.funnel(f.table, f.extra.get("grid"), selected=s.selected, lang=lang)
            self.funnel_chart.draw(spec, f"{_t('funnel', lang)} · {region_name}")
            self.funnel_text.value = _text_html(f)
        tr = ex.trend()
        if self._changed("trend", id(tr)):
            spec = figures.trend(
                tr.table,
                fitted=tr.extra.get("fitted"),
                parent=tr.extra.get("parent"),
                targets=tr.extra.get("targets"),
                lang=lang,
            )
            self.trend_chart.draw(
                spec,
                f"{_t('trend', lang)} · {unit_name}",
                parent_label=_t("parent_rates", lang, name=region_name),
            )
            self.trend_text.value = _text_html(tr)
        p = ex.pareto()
        if self._changed("pareto", id(p)):
            spec = figures.pareto(p.table, lang=lang)
            self.pareto_chart.draw(spec, f"{_t('pareto_items', lang)} · {unit_name}")
            self.pareto_text.value = _text_html(p)
        self.targets_html.value = self._targets_table(ex.targets())
        self.report_btn.disabled = s.selected is None

    def _changed(self, name: str, key: Any) -> bool:
        """Whether view ``name`` differs from what is drawn (views are cached objects: the
        same object means the same data)."""
        if self._drawn.get(name) == key:
            return False
        self._drawn[name] = key
        return True

    def _sync_controls(self) -> None:
        ex, lang = self.explorer, self.lang
        s = ex.state
        self._syncing = True
        try:
            province = s.region[:2] + "0000" if s.region != regions.NATIONAL_CODE else s.region
            _set(self.province, ex.provinces(), province)
            cities = [(_t("whole_province", lang), ""), *ex.cities(province)]
            level = str(regions.lookup(s.region)["level"])
            _set(self.city, cities, s.region if level == "city" else "")
            self.city.disabled = province == regions.NATIONAL_CODE
            _set(self.unit_level, None, s.unit_level)
            units = ex.unit_options()
            if s.selected and s.selected not in {c for _, c in units}:
                units = [(ex.selected_name(), s.selected), *units]
            _set(self.unit, units, s.selected if units else None)
            _set(self.years, None, s.years)
            _set(self.check_level, None, s.check_level or "all")
            _set(self.industry, self._industries, s.industry or "")
            prods = [(_t("all_products", lang), "")] + [
                (_product_label(p, lang), p) for p in ex.data.products_of(s.industry)
            ]
            _set(self.product, prods, s.product or "")
        finally:
            self._syncing = False

    def _targets_table(self, view: View) -> str:
        lang = self.lang
        if not view.ok:
            return f"<p style='color:#949494'>{html.escape(view.note)}</p>"
        t = view.table
        rows = []
        colours = {
            "met": "#029e73",
            "on_track": "#029e73",
            "not_met": "#d55e00",
            "off_track": "#d55e00",
        }
        for r in t.itertuples(index=False):
            status = str(r.status)
            observed = narrative.pct(r.observed) if pd.notna(r.observed) else "–"
            deadline = str(int(r.deadline_year)) if pd.notna(r.deadline_year) else "–"
            reason = getattr(r, f"status_reason_{lang}")
            rows.append(
                "<tr>"
                f"<td>{html.escape(str(r.target_id))}</td>"
                f"<td class='qk-status' style='color:{colours.get(status, '#333')}'><b>"
                f"{html.escape(narrative.status_label(status, lang))}</b></td>"
                f"<td>{html.escape(observed)}</td><td>{html.escape(deadline)}</td>"
                f"<td style='font-size:90%'>{html.escape(str(reason) if pd.notna(reason) else '')}"
                "</td></tr>"
            )
        head = "".join(
            f"<th>{html.escape(_t(k, lang))}</th>"
            for k in ("target_id", "status", "observed", "deadline_year", f"status_reason_{lang}")
        )
        text = html.escape(view.extra.get("text", ""))
        return (
            f"<p>{text}</p><table class='qk-targets-table' style='border-collapse:collapse'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    # ---- reporting -----------------------------------------------------------------------------
    def render_report(
        self, notebook: str | None = None, *, wait: bool = False
    ) -> handoff.RenderJob:
        """Render ``notebook`` (default: the one chosen) for the selected unit in a child
        process (``qualitykit run``); the result is shown when it is done."""
        lang = self.lang
        nb = notebook or self.report_nb.value
        sets = handoff.parameter_sets(self.explorer, nb)
        code = sets[0].get("highlight") or sets[0].get("region_code")
        out = handoff.explore_dir() / f"{nb}-{code}-{handoff.stamp()}"
        job = handoff.RenderJob(nb, sets, out, lang=lang).start()
        self._job = job
        self.report_out.value = _status(_t("running", lang, s=0), "#555")
        if wait:
            job.wait()
            self._show_job(job)
        else:
            threading.Thread(target=self._watch, args=(job,), daemon=True).start()
        return job

    def _watch(self, job: handoff.RenderJob) -> None:
        t0 = time.monotonic()
        while job.poll() is None:
            time.sleep(1.0)
            self.report_out.value = _status(
                _t("running", self.lang, s=int(time.monotonic() - t0)), "#555"
            )
        self._show_job(job)

    def _show_job(self, job: handoff.RenderJob) -> None:
        lang = self.lang
        pages = job.pages()
        if job.poll() == 0 and pages:
            page = pages[0]
            doc = page.read_text(encoding="utf-8", errors="replace")
            self.report_out.value = (
                f"<div>{html.escape(_t('done', lang))} <code>{html.escape(str(page))}</code></div>"
                f"<iframe class='qk-report-frame' srcdoc=\"{html.escape(doc, quote=True)}\" "
                "style='width:100%;height:480px;border:1px solid #ddd'></iframe>"
            )
        else:
            self.report_out.value = _status(
                f"{_t('failed', lang)} {job.error() or job.poll()}", "#d55e00"
            )

    def write_batch(self, notebook: str | None = None) -> tuple[str, str]:
        """Write the parameter file for every unit in view and show the batch command;
        returns (path of the CSV, command line)."""
        import base64

        from qualitykit.atomic import write_text

        lang = self.lang
        nb = notebook or self.batch_nb.value
        sets = handoff.parameter_sets(self.explorer, nb, units=True)
        s = self.explorer.state
        name = f"{nb}-{s.region}-{s.unit_level}-{handoff.stamp()}"
        path = handoff.write_parameter_file(sets, handoff.explore_dir() / f"{name}.csv")
        out = handoff.explore_dir() / name
        argv = handoff.run_command(nb, path, out, lang=lang)
        command = " ".join(_quote(a) for a in argv)
        write_text(path.with_suffix(".command.txt"), command + "\n")
        data = base64.b64encode(path.read_bytes()).decode()
        self.batch_out.value = (
            f"<div>{html.escape(_t('written', lang))} <code>{html.escape(str(path))}</code> "
            f"({len(sets)})</div><pre class='qk-command' style='white-space:pre-wrap'>"
            f"{html.escape(command)}</pre><a download='{html.escape(path.name)}' "
            f"href='data:text/csv;base64,{data}'>{html.escape(_t('download', lang))}</a>"
        )
        return str(path), command


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _set(control: Any, options: list[tuple[str, Any]] | None, value: Any) -> None:
    """Set a control's options (when given and different) and value (when different)."""
    if options is not None and tuple(control.options) != tuple(options):
        control.options = options
    if control.value != value:
        control.value = value


def _status(text: str, colour: str) -> str:
    return f"<div style='color:{colour}'>{html.escape(text)}</div>"


def _text_html(view: View) -> str:
    parts = []
    if view.extra.get("text"):
        parts.append(_md(view.extra["text"]))
    if view.note and view.ok:
        parts.append(f"<p style='color:#777;font-size:90%'>{html.escape(view.note)}</p>")
    return "".join(parts)


def _industry_label(code: str, lang: str) -> str:
    from qualitykit.data.industries import industries

    names = industries(include_non_rpq=True).set_index("industry_code")
    if code not in names.index:
        return code
    return f"{code} {names.loc[code, 'name_zh' if lang == 'zh' else 'name_en']}"


_PRODUCT_EN: dict[str, str] = {}


def _product_label(product: str, lang: str) -> str:
    if lang == "zh":
        return product
    if not _PRODUCT_EN:
        from qualitykit.data.sample import products

        p = products()
        _PRODUCT_EN.update(
            dict(zip(p["product"].astype(str), p["product_en"].astype(str), strict=True))
        )
    en = _PRODUCT_EN.get(product)
    return f"{en} ({product})" if en else product


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)

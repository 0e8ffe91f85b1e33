"""The notebook framework: parameters checked first, data opened once, tables and text shown.

Every notebook of ``notebooks/`` starts with::

    ctx = report.start("01_quality_trends", region_code=region_code, years=(year_from, year_to),
                       lang=lang, data_source=data_source, period=period, units_file=units_file,
                       output_dir=output_dir)

:func:`start` opens the data once (:func:`qualitykit.report.sources.open_data`: the sample, or a
user's records, counts or item counts — a file or a folder, CSV / XLSX / Parquet, Chinese or
English headers), checks every parameter against them (an unknown region code or declared unit,
years outside the data, a region of the wrong level, an unknown language or check level, a
selection the data cannot make) and raises one :class:`ParameterError` listing every problem —
shown in a notebook as that message alone, without a traceback (IPython calls its
``_render_traceback_``). Years that reach beyond the data are cut to the data's years, with a
note. It then applies the figure style unless it is in effect
(:func:`qualitykit.report.plots.ensure_style`), creates the output folder, shows one line saying
what the report covers and — for a user's data — the data block: the shape detected and what
was done to the data (totals excluded, codes mapped, the period's origin, non-standard units kept
as units of their own; ``Source.notices``). The returned :class:`Report` offers

* ``ctx.shape`` (``records`` / ``counts`` / ``item_counts``), ``ctx.supports(section)`` and
  ``ctx.section(key, needs=section)``: a section the shape cannot feed shows its heading and the
  one-line note of :meth:`qualitykit.data.source.Source.unsupported` — never an error, never an
  empty figure; ``ctx.section(key, note=…)`` does the same with a note of the notebook's own;
* ``ctx.counts(by=…)`` — the selection (region, years, check levels, product) as counts of
  batches per unit and year, from records or a counts table alike; ``ctx.item_counts(by=…)`` —
  nonconformities per item, from the nonconformities or an item-counts table;
  ``ctx.records()`` / ``ctx.nonconformities()`` — records only (read once through the data set's
  pushdown, :mod:`qualitykit.data.dataset`); an empty selection is an empty table, and
  ``ctx.has_data`` says whether there is any;
* ``ctx.parent(code)`` — the figure a comparison is made with, labelled honestly (the data's own
  total "本数据中巴中市合计" or a published figure with its source; the sample's totals are the
  regions' own);
* ``ctx.section(key, data=…)`` — shows the section heading in the chosen language and says
  whether the section has data: a region without data becomes a short "no data" report instead
  of a crash, a section whose own input is empty a heading with a "no data" note;
  ``ctx.attempt(func, …)`` turns a :class:`~qualitykit.errors.NoDataError` into such a note;
* ``ctx.table(df, name)`` — writes ``<output_dir>/<name>.csv`` atomically
  (:func:`qualitykit.atomic.write_csv`) and shows the table with translated headers and
  percentages; ``ctx.show(fig)``, ``ctx.say(markdown)``, ``ctx.note(text)``, ``ctx.t(key)``;
* ``ctx.save_summary(dict)`` — ``summary.json`` (read by the batch runner's index page).

Re-exported here, so that notebooks reach them as ``report.<name>``: the analysis steps the
notebooks share (:mod:`qualitykit.report.helpers`: :func:`time_counts`, :func:`policy_start` /
:func:`programme_start`, :func:`with_intervals`, :func:`control_chart_auto`, :func:`add_group`,
:func:`policy_targets`, …), the published national tables of ``00_national_context``
(:mod:`qualitykit.data.national`: :func:`national_spot_checks`, :func:`national_rpq`,
:func:`national_qci`, :func:`small_firm_share`, :func:`size_class_rates`) and the source helpers
(:func:`resolve_source`, :func:`data_years`, :func:`open_data`).

``data_source``: ``""`` is the embedded synthetic sample (:func:`qualitykit.data.sample.ensure_sample`);
``"sample:tiny"`` / ``"sample:small"`` a smaller preset of it, built once under the sample folder
(used by the notebook tests); anything else a path :func:`qualitykit.data.source.open_source` reads.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import errors, schema
from qualitykit.atomic import write_csv, write_text
from qualitykit.data import regions
from qualitykit.data.national import (  # re-exported: the notebooks call report.national_*
    national_qci,
    national_rpq,
    national_spot_checks,
    size_class_rates,
    small_firm_share,
)
from qualitykit.data.source import SECTIONS, Source
from qualitykit.paths import outputs_dir
from qualitykit.report import narrative, notes, sources, vocabulary
from qualitykit.report.display import _display
from qualitykit.report.helpers import (  # re-exported: the notebooks call report.<name>
    COMPARE_BY,
    STRATA,
    add_group,
    cause_map_for,
    control_chart_auto,
    decimal_year,
    one_row,
    policy_start,
    policy_targets,
    programme_start,
    scorecard_provider,
    strata_problem,
    time_counts,
    with_intervals,
)
from qualitykit.report.selection import Selection
from qualitykit.report.sources import (  # re-exported: notebooks and tests call report.<name>
    SAMPLE_PREFIX,
    ParameterError,
    data_years,
    open_data,
    own_total,
    resolve_source,
)

__all__ = [
    "COMPARE_BY",
    "NOTEBOOKS",
    "SAMPLE_PREFIX",
    "STRATA",
    "ParameterError",
    "Report",
    "add_group",
    "cause_map_for",
    "check_levels",
    "control_chart_auto",
    "data_years",
    "decimal_year",
    "national_qci",
    "national_rpq",
    "national_spot_checks",
    "one_row",
    "open_data",
    "own_total",
    "policy_start",
    "policy_targets",
    "programme_start",
    "resolve_source",
    "scorecard_provider",
    "size_class_rates",
    "small_firm_share",
    "start",
    "strata_problem",
    "time_counts",
    "with_intervals",
]

NOTEBOOKS: tuple[str, ...] = (
    "00_national_context",
    "01_quality_trends",
    "02_pareto_causes",
    "03_regional_benchmark",
    "04_policy_targets",
    "05_district_report",
)
_UNSET: Any = object()
FIGURE_DPI = 100.0
"""Resolution of the figures shown in notebooks (the inline backend's default)."""


def _coded(kind: str) -> Any:
    return lambda v, lang: vocabulary.value(kind, v, lang)


def _check_levels_text(levels: Iterable[object], lang: str) -> str:
    """Check levels (codes or the data's Chinese) in words, joined in the report's language."""
    words = [vocabulary.value("check_level", str(c).strip(), lang) for c in levels]  # type: ignore[arg-type]
    return ("、" if lang == "zh" else ", ").join(words)


_VALUE_COLUMNS = {
    "status": vocabulary.status_label,
    "item": _coded("item"),
    "category": _coded("category"),
    "cause_5m1e": _coded("cause_5m1e"),
    "controllable": _coded("controllable"),
    "flag_95": vocabulary.flag_label,
    "flag_998": vocabulary.flag_label,
    "verdict": vocabulary.verdict_label,
    "measure": lambda v, lang: vocabulary.term(f"{v}_measure", lang),
    "check_level": lambda v, lang: _check_levels_text(str(v).split("、"), lang),
    "period": vocabulary.period_label,
}
"""Columns whose values :meth:`Report.table` shows in the report's language."""


# --------------------------------------------------------------------------------------------
# the report context
# --------------------------------------------------------------------------------------------


def _markdown(text: str) -> Any:
    from IPython.display import Markdown

    return Markdown(text)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


_WARNING_LANG: list[str] = ["zh"]  # the language of the report last started in this kernel


def _warning_lang() -> str:
    return _WARNING_LANG[0]


def _show_warnings_as_notes(lang: str = "zh") -> None:
    """In a notebook, show :class:`~qualitykit.errors.QualityKitWarning` s as a short Markdown
    note in the report's language (:func:`qualitykit.report.vocabulary.warning_text`) instead of
    a stderr block naming a source line; other warnings are shown as usual."""
    import warnings

    _WARNING_LANG[0] = lang
    if getattr(warnings.showwarning, "_qualitykit", False) or not _in_kernel():
        return
    original = warnings.showwarning

    def show(
        message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        if isinstance(category, type) and issubclass(category, errors.QualityKitWarning):
            text = vocabulary.warning_text(message, _warning_lang())
            _display(_markdown(f"> ⚠ {narrative.md_text(text)}"))
        else:
            original(message, category, filename, lineno, file, line)

    show._qualitykit = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def _figure_title(fig: Any) -> str:
    """The titles of a figure (its suptitle, then each axes' titles), joined: the alt text."""
    texts = [fig.get_suptitle()] + [
        ax.get_title(loc) for ax in fig.get_axes() for loc in ("left", "center", "right")
    ]
    return " · ".join(t.strip() for t in texts if t and t.strip())


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(kw_only=True)
class Report(Selection):
    """What a notebook works with after :func:`start` (see the module docstring): the data of
    :class:`~qualitykit.report.selection.Selection` and the output below."""

    notebook: str
    output_dir: Path
    params: dict[str, Any]

    # ---- output ----------------------------------------------------------------------------
    def say(self, markdown: str) -> None:
        """Show generated Markdown (nothing for an empty string)."""
        if markdown:
            _display(_markdown(markdown))

    def show(self, fig: Any, name: str | None = None, *, dpi: float = FIGURE_DPI) -> None:
        """Show a figure as one PNG (drawn once, fixed metadata: the same figure gives the same
        bytes) whose alt text is the figure's title, and save it as ``<output_dir>/<name>.png``
        if ``name`` is given."""
        if fig is None:
            return
        import io

        from IPython.display import Image

        from qualitykit.report.plots import save_figure

        buf = io.BytesIO()
        save_figure(fig, buf, format="png", dpi=dpi)
        data = buf.getvalue()
        if name:
            from qualitykit.atomic import write_bytes

            write_bytes(self.output_dir / f"{name}.png", data)
        _display(Image(data=data, format="png", alt=_figure_title(fig) or None))

    def note(self, text: str | None) -> None:
        """Show a one-line note about the data or a section (nothing for None or "")."""
        if text:
            self.say(f"> {text}")

    def section(
        self,
        key: str,
        *,
        needs: str | None = None,
        note: str | None = None,
        needs_data: bool = True,
        data: Any = _UNSET,
        reason: str | None = None,
        level: int = 2,
    ) -> bool:
        """Show the heading of a section (``narrative.TEXT[key]`` in the report's language) and
        return whether it has something to show. A report without data leaves its sections out.
        ``needs`` names the kind of section (a key of :data:`qualitykit.data.source.SECTIONS`):
        when the data's shape (or a column it needs) cannot feed it, the heading is shown with
        the data layer's one-line note and False returned; ``note`` does the same with a note of
        the notebook's own (e.g. :func:`strata_problem`). ``data`` (a table, a result or None)
        narrows the test to what this section needs — when it is None or an empty table the
        heading is shown with a short "no data" note (saying ``reason`` if given)."""
        if needs_data and not self.has_data:
            return False
        if needs is not None and needs not in SECTIONS:
            raise errors.ParameterError(
                f"unknown section kind {needs!r}; expected one of {list(SECTIONS)}"
            )
        why = note or (self.unsupported(needs) if needs is not None else None)
        self.say(f"{'#' * level} {self.t(key)}")
        if why:
            self.note(narrative.md_text(why) if note is None else why)
            return False
        if data is _UNSET or (data is not None and (not hasattr(data, "__len__") or len(data) > 0)):
            return True
        self.say(narrative.no_data(reason or self.t(key), self.lang))
        return False

    def attempt(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)``, or None with a short "no data" note when it raises
        :class:`~qualitykit.errors.NoDataError` (e.g. a comparison with fewer than two groups)."""
        try:
            return func(*args, **kwargs)
        except errors.NoDataError as exc:
            self.say(narrative.no_data(str(exc), self.lang))
            return None

    def save_table(self, df: pd.DataFrame, name: str) -> Path:
        """Write ``<output_dir>/<name>.csv`` atomically (UTF-8, no index)."""
        return write_csv(self.output_dir / f"{name}.csv", df)

    def table(
        self,
        df: pd.DataFrame | None,
        name: str | None = None,
        *,
        columns: Sequence[str] | None = None,
        percent: Iterable[str] = (),
        pp: Iterable[str] = (),
        digits: int = 1,
        max_rows: int = 30,
        show: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> pd.DataFrame | None:
        """Save ``df`` as ``<name>.csv`` (all columns) and show ``columns`` of it with percentages
        (``percent``: proportions) and percentage points (``pp``) formatted and headers translated
        (``headers``: column → vocabulary key where the column's own key would say the wrong
        thing, e.g. ``{"count": "count_batches"}`` for counts of nonconforming batches).
        Returns ``df`` unchanged (None: nothing is saved or shown)."""
        if df is None:
            return None
        if name:
            self.save_table(df, name)
        if show:
            view = df[list(columns)] if columns is not None else df
            view = view.head(max_rows)
            shown = {}
            for c in view.columns:
                s = view[c]
                if c in _VALUE_COLUMNS:
                    shown[c] = s.map(
                        lambda v, c=c: "–" if pd.isna(v) else _VALUE_COLUMNS[c](v, self.lang)
                    )
                elif c in set(percent):
                    shown[c] = s.map(lambda v: narrative.pct(v, digits))
                elif c in set(pp):
                    shown[c] = s.map(lambda v: narrative.pp(v, self.lang, digits).split(" ")[0])
                elif pd.api.types.is_bool_dtype(s.dtype):
                    shown[c] = s.map(
                        lambda v: (
                            "–" if pd.isna(v) else vocabulary.value("boolean", bool(v), self.lang)
                        )
                    )
                elif pd.api.types.is_float_dtype(s.dtype):
                    shown[c] = s.map(lambda v: "–" if not narrative._ok(v) else f"{float(v):.4g}")
                else:
                    shown[c] = s.astype("string").fillna("–")
            out = pd.DataFrame(shown, index=view.index)
            out.columns = [self.t((headers or {}).get(c, c)) for c in out.columns]
            out.index = range(1, len(out) + 1)
            _display(out)
            if len(df) > max_rows:
                more = len(df) - max_rows
                csv = narrative.md_text(f"{name}.csv")
                self.say(
                    f"*（另有 {more} 行见 {csv}）*"
                    if self.lang == "zh"
                    else f"*({more} more rows in {csv})*"
                )
        return df

    def save_summary(self, summary: Mapping[str, Any]) -> None:
        """Write ``<output_dir>/summary.json`` (NaN → null). Returns nothing, so that a notebook
        cell ending with this call shows no output."""
        text = json.dumps(_jsonable(dict(summary)), ensure_ascii=False, indent=1) + "\n"
        write_text(self.output_dir / "summary.json", text)

    def scope(self) -> str:
        """One line saying what the report covers (region, years, levels, product, data)."""
        zh = self.lang == "zh"
        parts = []
        if self.region_code is not None:
            where = narrative.md_text(self.region_name)
            if self.region_code != regions.NATIONAL_CODE:
                where += f"（{self.region_code}）" if zh else f" ({self.region_code})"
            parts.append(where)
        if self.years is not None:
            a, b = self.years
            parts.append(
                (f"{a}–{b} 年" if a != b else f"{a} 年")
                if zh
                else (f"{a}–{b}" if a != b else str(a))
            )
        if self.check_levels is not None:
            parts.append(_check_levels_text(self.check_levels, self.lang))
        elif self.region_code is not None:
            parts.append(self.t("all_levels"))
        if self.product:
            parts.append(narrative.md_text(self.product))
        text = " · ".join(parts)
        if self.region_code is not None and (
            merged := notes.predecessor_codes(self.region_code, self.lang)
        ):
            text += "  \n*" + merged + "*"
        if self.is_sample and self.region_code is not None:
            text += "  \n*" + self.t("synthetic") + "*"
        return text

    def data_block(self) -> str:
        """What the data are and what was done to them (a user's data; "" for the sample): the
        title or file, then the source's notices (shape, totals excluded, codes mapped, the
        period's origin, non-standard units, cross-checks) and the table's note and source
        lines, as published."""
        if self.is_sample:
            return ""
        src = self.src
        lines = [f"- {narrative.md_text(n.text(self.lang))}" for n in src.notices]
        lines += [f"- {narrative.md_text(f)}" for r in src.reports for f in r.footer]
        head = notes.data_heading(sources.data_label(src, self.lang), self.lang)
        return head + ("\n\n" + "\n".join(lines) if lines else "")


# --------------------------------------------------------------------------------------------
# start
# --------------------------------------------------------------------------------------------


def check_levels(check_level: str) -> list[str] | None:
    """The check levels a ``check_level`` parameter names: ``"all"`` → None, else a list in
    schema order (``"national,provincial"``, also 国家/省级 …); ParameterError otherwise."""
    text = (check_level or "all").strip()
    if text.lower() in ("all", "", "全部"):
        return None
    out = []
    for part in text.replace("，", ",").split(","):
        word = part.strip()
        canon = schema.CHECK_LEVEL_ALIASES.get(word.lower()) or schema.CHECK_LEVEL_ALIASES.get(word)
        if canon is None:
            raise ParameterError(
                f"check_level {check_level!r}: unknown level {word!r}; expected 'all' or one or "
                f"more of {', '.join(schema.CHECK_LEVELS)} (comma-separated)"
            )
        out.append(canon)
    return sorted(set(out), key=schema.CHECK_LEVELS.index)


def _check_product(product: str, src: Source) -> str | None:
    from qualitykit.data import sample

    if not sources.is_complete(src):
        if "product" in src.columns() or (
            "item_counts" in src.frames and "product" in src.frames["item_counts"]
        ):
            return None  # user data: an unknown product is simply a selection without data
        return (
            f"product {product!r}: the data have no product column (产品名称), so no product can "
            "be selected — give product '' (all products)"
        )
    known = set(sample.products()["product"].astype(str))
    if product in known:
        return None
    close = difflib.get_close_matches(product, sorted(known), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"product {product!r} is not a product of the sample data{hint} ('' = all products)"


def start(
    notebook: str,
    *,
    lang: str = "zh",
    region_code: str | None = None,
    levels: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    check_level: str = "all",
    product: str = "",
    data_source: str = "",
    period: str = "",
    units_file: str = "",
    parent_figure_file: str = "",
    output_dir: str = "",
    record_columns: Sequence[str] | None = None,
    proportions: Mapping[str, float] | None = None,
    years_inside: Mapping[str, int] | None = None,
    future_years: Mapping[str, int] | None = None,
    choices: Mapping[str, tuple[object, Sequence[object]]] | None = None,
    codes: Mapping[str, str] | None = None,
    document_id: str | None = None,
    show_scope: bool = True,
    **params: Any,
) -> Report:
    """Check a notebook's parameters, open its data, create its output folder; return a
    :class:`Report`.

    ``data_source``, ``period``, ``units_file``, ``parent_figure_file``: the data
    (:func:`qualitykit.report.sources.open_data`). ``levels`` lists the region levels the
    notebook accepts (``national``, ``province``, ``city``, ``county``; a declared non-standard
    unit counts as ``county``); ``years`` is ``(first, last)`` and must overlap the data (years
    beyond the data are cut to them, with a note); ``check_level`` is ``"all"`` or levels such as
    ``"national,provincial"``; ``product`` ``""`` means all products. Further checks:
    ``proportions`` (name → value in (0, 1]), ``years_inside`` (name → a year after ``year_from``
    and not after ``year_to``, e.g. a split year), ``future_years`` (name → a year not before
    ``year_from``, e.g. a deadline), ``choices`` (name → (value, allowed values)), ``codes``
    (name → a region code or ``""``), ``document_id`` (a document of the target registry). Every
    problem is collected into one :class:`ParameterError`. Other keyword arguments are recorded in
    ``Report.params``.
    """
    problems: list[str] = []
    try:
        lang_ = narrative.check_lang(lang)
    except errors.ParameterError as exc:
        problems.append(str(exc))
        lang_ = "en"
    src: Source | None = None
    source: Path | None = None
    try:
        source = resolve_source(data_source)
        src = open_data(
            data_source, period=period, units_file=units_file, parent_figure_file=parent_figure_file
        )
    except errors.ParameterError as exc:
        problems.append(str(exc))
    if region_code is not None:
        try:
            sources.check_unit(src, region_code, "region_code")
            if levels is not None and not set(sources.unit_levels(src, region_code)) & set(levels):
                level = sources.unit_level(src, region_code)
                kinds = " or ".join(levels)
                problems.append(
                    f"region_code {region_code!r} ({sources.unit_name(src, region_code)}) is a "
                    f"{level}-level division; {notebook} needs a {kinds}-level one"
                )
            elif src is not None and region_code != regions.NATIONAL_CODE and not _has_units(src):
                problems.append(
                    f"region_code {region_code!r}: the data have no units (no 地区代码 / 地区 "
                    "column), so no region can be selected — give region_code '' for the whole table"
                )
        except errors.ParameterError as exc:
            problems.append(str(exc))
    covered = None if src is None else sources.source_years(src)
    window: tuple[int, int] | None = None
    if years is not None:
        y0, y1 = years
        bad = [
            n
            for n, v in (("year_from", y0), ("year_to", y1))
            if isinstance(v, bool) or not isinstance(v, int | np.integer)
        ]
        if bad:
            problems.append(f"{' and '.join(bad)} must be whole years, got {years!r}")
        elif y0 > y1:
            problems.append(f"year_from ({y0}) is after year_to ({y1})")
        elif covered is not None:
            first, last = covered
            if y1 < first or y0 > last:
                span = f"{first}–{last}" if first != last else str(first)
                problems.append(f"years {y0}–{y1} lie outside the data, which cover {span}")
            else:
                window = (max(int(y0), first), min(int(y1), last))
        else:
            window = (int(y0), int(y1))
    levels_: list[str] | None = None
    try:
        levels_ = check_levels(check_level)
    except errors.ParameterError as exc:
        problems.append(str(exc))
    if levels_ is not None and src is not None and "check_level" not in src.columns():
        problems.append(
            f"check_level {check_level!r}: the data have no check level column (抽查级别) — "
            "give check_level 'all'"
        )
    if product and src is not None:
        msg = _check_product(product, src)
        if msg:
            problems.append(msg)
    for name, value in (proportions or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            problems.append(f"{name} must be a proportion in (0, 1] (0.95 for 95 %), got {value!r}")
    for name, value in (years_inside or {}).items():
        if years is not None and not (years[0] < value <= years[1]):
            problems.append(
                f"{name} ({value}) must lie after year_from ({years[0]}) and not after year_to "
                f"({years[1]}), so that both sides have years"
            )
    for name, value in (future_years or {}).items():
        if not schema.YEAR_MIN <= value <= schema.YEAR_MAX or (
            years is not None and value < years[0]
        ):
            problems.append(f"{name} ({value}) must be a year not before year_from")
    for name, value in (codes or {}).items():
        if value:
            try:
                sources.check_unit(src, value, name)
            except errors.ParameterError as exc:
                problems.append(str(exc))
    for name, (value, allowed) in (choices or {}).items():
        if value not in allowed:
            problems.append(
                f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}"
            )
    if document_id:
        from qualitykit.policy import targets

        try:
            targets.load_registry().document(document_id)
        except errors.ParameterError as exc:
            problems.append(str(exc))
    if problems:
        n = len(problems)
        raise ParameterError(
            problems[0]
            if n == 1
            else f"{n} parameter problems:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    assert src is not None

    if output_dir:
        out = Path(output_dir).expanduser()
    else:
        out = outputs_dir() / "interactive" / notebook / (region_code or "national")
    out.mkdir(parents=True, exist_ok=True)
    from qualitykit.report.plots import ensure_style

    ensure_style()
    _show_warnings_as_notes(lang_)
    ctx = Report(
        notebook=notebook,
        lang=lang_,
        region_code=region_code,
        years=window,
        check_levels=levels_,
        product=product or None,
        source=source,
        output_dir=out,
        params={
            "data_source": data_source,
            "check_level": check_level,
            "period": period,
            "units_file": units_file,
            "parent_figure_file": parent_figure_file,
            **params,
        },
        record_columns=None if record_columns is None else tuple(record_columns),
        data=src,
        requested_years=None if years is None else (int(years[0]), int(years[1])),
    )
    if show_scope:
        ctx.say(ctx.scope())
        if window is not None and ctx.requested_years != window:
            ctx.note(notes.years_cut(ctx.requested_years, window, covered, lang_))  # type: ignore[arg-type]
        ctx.say(ctx.data_block())
        if region_code is not None and not ctx.has_data:
            what = ctx.region_name
            ctx.say(
                narrative.no_data(
                    f"{what}在所选范围内没有抽查记录"
                    if lang_ == "zh"
                    else f"{what} has no spot-check records in this selection",
                    lang_,
                )
            )
    return ctx


def _has_units(src: Source) -> bool:
    if src.dataset is not None:
        return True
    return any("region_code" in f for f in src.frames.values())

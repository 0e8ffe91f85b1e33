"""The explorer's state and the data of its views — pure Python, no widgets, no browser.

:class:`Explorer` holds what the controls choose — the region whose units are compared, the unit
level, the year window, the check level, the industry and product, the selected unit, the
language — and computes what each view shows, from the session's in-memory data
(:class:`qualitykit.explore.source.ExplorerData`) through the library's analyses:

* :meth:`Explorer.funnel` — the units of the region: counts, pass rate and Wilson interval, funnel
  position and flags, rank interval and shrunken estimate
  (:func:`qualitykit.report.district.compare_units`, as ``03_regional_benchmark`` and the district
  brief);
* :meth:`Explorer.trend` — the selected unit's yearly rates with Wilson intervals, its binomial GLM
  trend (:func:`qualitykit.stats.trends.glm_trend`), the region's own yearly rates and the lines of
  the unit's pass-rate targets;
* :meth:`Explorer.pareto` — the Pareto table of its nonconforming items
  (:func:`qualitykit.stats.pareto.pareto_table`);
* :meth:`Explorer.targets` — its target statuses (:mod:`qualitykit.policy.scorecard`, the same
  targets and rules as the district brief, evaluated as of the window's last year on the
  session's counts through a :class:`~qualitykit.policy.scorecard.CountsProvider`).

Every view is cached by the state it depends on, so a control change recomputes only the views
it touches, and going back to an earlier state costs nothing. A view the data cannot feed says so
(:attr:`View.note`) instead of failing.
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.errors import NoDataError, ParameterError, QualityKitWarning
from qualitykit.explore.source import ExplorerData, Filters
from qualitykit.report import narrative
from qualitykit.report.narrative import Lang
from qualitykit.report.narrative._format import span

__all__ = ["NOTES", "Explorer", "State", "View"]

UnitLevel = Literal["child", "county"]
PARETO_TOP = 10
"""Items shown in the Pareto view (the rest merged into one "Other" bar)."""
TREND_SIMULATIONS = 2000
"""Draws for the trend's prediction band (as the district brief)."""
_CACHE_SIZE = 64

NOTES: dict[str, dict[str, str]] = {
    "needs_items": {
        "zh": "此视图需要含不合格项目的抽查记录（或按项目汇总的计数）；当前数据没有。",
        "en": "This view needs records with nonconforming items (or item counts); these data "
        "have none.",
    },
    "needs_rates": {
        "zh": "此视图需要抽查记录或批次计数（含合格批次）；当前数据没有。",
        "en": "This view needs records or batch counts with passed batches; these data have none.",
    },
    "no_units": {
        "zh": "所选范围内没有单位有抽查记录。",
        "en": "No unit has spot-check records in this selection.",
    },
    "one_unit": {
        "zh": "只有一个单位有记录：漏斗图需要至少两个单位才能比较。",
        "en": "Only one unit has records: a funnel needs at least two units to compare.",
    },
    "declared_unit": {
        "zh": "所选单位是用户声明的非标准单位（如经开区），没有针对它的政策目标。",
        "en": "The selected unit is a non-standard unit declared by the user (e.g. a development "
        "zone): no policy target names it.",
    },
    "no_selection": {
        "zh": "请在漏斗图中点击一个单位，或在“单位”中选择。",
        "en": "Click a unit in the funnel, or choose one under “Unit”.",
    },
    "no_records": {
        "zh": "所选单位在此范围内没有抽查记录。",
        "en": "The selected unit has no spot-check records in this selection.",
    },
    "no_items": {
        "zh": "所选单位在此范围内没有不合格项目。",
        "en": "The selected unit has no nonconforming items in this selection.",
    },
    "no_targets": {
        "zh": "没有适用于所选单位的量化目标。",
        "en": "No quantitative target applies to the selected unit.",
    },
    "outside": {
        "zh": "另有 {n} 批次记在比单位更高的层级，不在漏斗图中。",
        "en": "{n} more batches are booked at a coarser level than the units and are not in "
        "the funnel.",
    },
    "target_scope": {
        "zh": "目标线按目标自身的范围（抽查级别、产品）计算，与当前筛选可能不同。",
        "en": "Target lines refer to each target's own scope (check level, product), which may "
        "differ from the current filters.",
    },
    "synthetic": {
        "zh": "数据为合成样本，并非真实抽查结果。",
        "en": "The data are the synthetic sample, not real spot-check results.",
    },
}
"""The explorer's notes in Chinese and English, by key."""


def note(key: str, lang: Lang, **kw: Any) -> str:
    """A note of :data:`NOTES` in ``lang``."""
    return NOTES[key][lang].format(**kw)


@dataclass(frozen=True)
class State:
    """What the controls choose. ``region``: the parent whose units are compared (the nation, a
    province or a city); ``unit_level``: its children (``"child"``) or every county-level
    division in it (``"county"``); ``check_level``: a canonical level or None (all);
    ``industry`` / ``product``: a GB/T 4754 code / product name or None (all); ``selected``:
    the unit whose trend, Pareto and targets are shown (None: none)."""

    region: str
    years: tuple[int, int]
    unit_level: UnitLevel = "county"
    check_level: str | None = None
    industry: str | None = None
    product: str | None = None
    selected: str | None = None
    lang: Lang = "zh"

    @property
    def filters(self) -> Filters:
        return Filters(self.years, self.check_level, self.industry, self.product)


@dataclass
class View:
    """The data of one view: ``table`` (None when there is nothing to show), ``note`` (why, or a
    caveat; "" when there is none) and view-specific ``extra`` tables / values."""

    table: pd.DataFrame | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.table is not None and len(self.table) > 0


class _LRU:
    """A small least-recently-used cache of view results."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self.size = size
        self._d: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]
        value = make()
        self._d[key] = value
        if len(self._d) > self.size:
            self._d.popitem(last=False)
        return value


class Explorer:
    """The explorer's state and views (see the module docstring).

    ``data``: an :class:`ExplorerData` (read once; share it between explorers) or a
    ``data_source`` text for one. ``region_code`` may name any division: a county-level one is
    selected within its province (or its city when ``unit_level="child"`` would otherwise have no
    county units). ``years`` defaults to the last ten years of the data.
    """

    def __init__(
        self,
        data: ExplorerData | str = "",
        *,
        region_code: str = "330000",
        selected: str = "",
        years: tuple[int, int] | None = None,
        unit_level: UnitLevel = "county",
        check_level: str = "all",
        industry: str = "",
        product: str = "",
        lang: str = "zh",
    ) -> None:
        self.data = data if isinstance(data, ExplorerData) else ExplorerData(data)
        lang_ = narrative.check_lang(lang)
        first, last = self.data.years
        if years is None:
            years = (max(first, last - 9), last)
        self._cache = _LRU()
        self.state = State(region=regions.NATIONAL_CODE, years=(first, last), lang=lang_)
        self.update(
            region=region_code,
            years=years,
            unit_level=unit_level,
            check_level=check_level,
            industry=industry,
            product=product,
        )
        if selected:
            self.update(selected=selected)

    # ---- state changes ---------------------------------------------------------------------------
    def update(self, **changes: Any) -> State:
        """Change any of ``region``, ``years``, ``unit_level``, ``check_level``, ``industry``,
        ``product``, ``selected``, ``lang`` (checked; one ``ParameterError`` for a bad value).
        When the selected unit is not one of the region's units (a new region, another unit
        level), the unit with the most batches is selected; a county-level ``region`` is
        compared within its province (its city for ``unit_level="child"``) and selected."""
        s = self.state
        unknown = set(changes) - {f for f in State.__dataclass_fields__}
        if unknown:
            raise ParameterError(f"unknown explorer setting(s): {', '.join(sorted(unknown))}")
        new: dict[str, Any] = {}
        chosen_unit = None
        if "region" in changes:
            region, chosen_unit = self._resolve_region(changes["region"])
            new["region"] = region
        if "years" in changes:
            new["years"] = self._check_years(changes["years"])
        if "unit_level" in changes:
            if changes["unit_level"] not in ("child", "county"):
                raise ParameterError(
                    f"unit level must be 'child' or 'county', got {changes['unit_level']!r}"
                )
            new["unit_level"] = changes["unit_level"]
        if "check_level" in changes:
            new["check_level"] = self.check_level(changes["check_level"])
        if "industry" in changes:
            new["industry"] = self._check_industry(changes["industry"])
        if "product" in changes:
            new["product"] = self._check_product(changes["product"])
            if new["product"] is not None:
                new["industry"] = self.data.industry_of(new["product"])
        elif "industry" in changes and s.product is not None:
            if self.data.industry_of(s.product) != new["industry"]:
                new["product"] = None
        if "lang" in changes:
            new["lang"] = narrative.check_lang(changes["lang"])
        if "selected" in changes:
            code = changes["selected"] or None
            new["selected"] = None if code is None else self.data.check_unit(code, "selected unit")
        self.state = replace(s, **new)
        if chosen_unit is not None:
            self.state = replace(self.state, selected=chosen_unit)
        self._keep_selection()
        return self.state

    def select(self, code: str | None) -> State:
        """Select a unit of the region (a region code; a code that is not one of its units
        selects the largest unit, as :meth:`update`)."""
        return self.update(selected=code or "")

    def _resolve_region(self, text: str) -> tuple[str, str | None]:
        """(region to compare, unit to select) from a code or a name of any level."""
        code = self.find(text)
        level = str(regions.lookup(code)["level"])
        if level != "county":
            return code, None
        # a county-level division: compare it within its province (or its city)
        anc = regions.ancestors(code)
        parent = anc[1] if self.state.unit_level == "child" and len(anc) > 1 else code[:2] + "0000"
        return parent, code

    def find(self, text: str) -> str:
        """The region code ``text`` names: a 6-digit code, a name (exact or prefix, Chinese or
        English; 龙湾 finds 龙湾区) or an option label of :meth:`region_options` ("龙湾区 · 温州市 ·
        浙江省 (330303)"). ``ParameterError`` listing candidates when it is unknown or ambiguous."""
        q = str(text).strip()
        if q.endswith(")") and "(" in q:
            q = q[q.rindex("(") + 1 : -1].strip()
        if q.isdigit() and len(q) == 6:
            return regions.check_code(q, "region")
        if q in ("全国", "China", "china", ""):
            return regions.NATIONAL_CODE
        hits = regions.find(q)
        codes = list(dict.fromkeys(hits["region_code"].astype(str)))
        if not codes:
            raise ParameterError(f"no region is named {text!r} (give a name or a 6-digit code)")
        exact = hits[(hits["name_zh"] == q) | (hits["name_en"].str.lower() == q.lower())]
        exact_codes = list(dict.fromkeys(exact["region_code"].astype(str)))
        if len(exact_codes) == 1:
            return exact_codes[0]
        if len(codes) == 1:
            return codes[0]
        shown = ", ".join(f"{regions.name(c)} {c}" for c in (exact_codes or codes)[:8])
        raise ParameterError(f"{text!r} names several regions: {shown} — give the code")

    def _check_years(self, years: Any) -> tuple[int, int]:
        try:
            y0, y1 = (int(y) for y in years)
        except (TypeError, ValueError):
            raise ParameterError(f"years must be (first, last), got {years!r}") from None
        first, last = self.data.years
        if y0 > y1:
            raise ParameterError(f"the first year ({y0}) is after the last ({y1})")
        if y1 < first or y0 > last:
            raise ParameterError(
                f"years {y0}–{y1} lie outside the data, which cover {first}–{last}"
            )
        return max(y0, first), min(y1, last)

    @staticmethod
    def check_level(value: str | None) -> str | None:
        """The canonical check level ``value`` names (None for all; 国家 … accepted)."""
        if value is None or str(value).strip().lower() in ("", "all", "全部"):
            return None
        canon = schema.CHECK_LEVEL_ALIASES.get(
            str(value).strip()
        ) or schema.CHECK_LEVEL_ALIASES.get(str(value).strip().lower())
        if canon is None:
            raise ParameterError(
                f"unknown check level {value!r}; expected 'all' or one of "
                f"{', '.join(schema.CHECK_LEVELS)}"
            )
        return canon

    def _check_industry(self, value: str | None) -> str | None:
        if not value:
            return None
        if value not in self.data.present("industry"):
            raise ParameterError(f"industry {value!r} does not occur in these data")
        return value

    def _check_product(self, value: str | None) -> str | None:
        if not value:
            return None
        if value not in self.data.present("product"):
            raise ParameterError(f"product {value!r} does not occur in these data")
        return value

    def _keep_selection(self) -> None:
        """The selection must be a unit of the region (or the region itself); otherwise the
        unit with the most batches is selected."""
        s = self.state
        if s.selected is not None and s.selected != s.region:
            if self.data.inside(s.selected, s.region):
                if self._is_unit(s.selected):
                    return
        units = self.funnel().table if self.data.supports("funnel")[0] else None
        best = None
        if units is not None and len(units):
            best = str(units.sort_values("batches", ascending=False)["region_code"].iloc[0])
        self.state = replace(s, selected=best)

    def _is_unit(self, code: str) -> bool:
        if code in self.data.declared:  # a declared unit (经开区): county-level
            return True
        level = str(regions.lookup(code)["level"])
        if self.state.unit_level == "county":
            return "county" in regions.levels(code)
        parent_level = str(regions.lookup(self.state.region)["level"])
        want = {"national": "province", "province": "city", "city": "county"}.get(parent_level)
        return level == want or (want == "county" and "county" in regions.levels(code))

    # ---- options for the controls ---------------------------------------------------------------
    def region_options(self) -> list[tuple[str, str]]:
        """(label, code) of every division, for a search box: "龙湾区 · 温州市 · 浙江省 (330303)"
        ("Longwan District · Wenzhou · Zhejiang (330303)" in English, Chinese where no English
        name is known)."""
        return _region_options(self.state.lang)

    def provinces(self) -> list[tuple[str, str]]:
        """(label, code) of the nation and the 31 mainland provinces."""
        return _provinces(self.state.lang)

    def cities(self, province: str) -> list[tuple[str, str]]:
        """(label, code) of the cities of a province (none for the nation)."""
        return _cities(province, self.state.lang)

    def unit_options(self) -> list[tuple[str, str]]:
        """(label, code) of the units with records in the current funnel, in its order."""
        view = self.funnel()
        if not view.ok:
            return []
        if "options" not in view.extra:
            t = view.table
            col = "name_zh" if self.state.lang == "zh" else "name_en"
            view.extra["options"] = [
                (f"{n} ({c})", str(c)) for n, c in zip(t[col], t["region_code"], strict=True)
            ]
        return list(view.extra["options"])

    # ---- views -----------------------------------------------------------------------------------
    def funnel(self) -> View:
        """The units of the region on the funnel plot.

        ``table``: ``region_code``, ``name_zh``, ``name_en``, ``batches``, ``passed``,
        ``nonconforming``, ``pass_rate``, ``ci_lower``, ``ci_upper`` (Wilson 95 %,
        :func:`qualitykit.stats.metrics.binomial_ci`), then the columns of
        :func:`qualitykit.stats.benchmark.funnel_units` — ``center``, ``z``, ``z_adjusted``,
        ``lower_95`` … ``upper_998`` at the unit's batches, ``flag_95``, ``flag_998``,
        ``significance``. Limits: Spiegelhalter (2005) exact binomial limits around the pooled
        rate, widened by √φ when the units are significantly overdispersed — the funnel of
        ``03_regional_benchmark`` and of the district brief (``adjust="phi"``). ``extra``:
        ``grid`` (:func:`~qualitykit.stats.benchmark.funnel_grid`), ``overdispersion`` (dict),
        ``text`` (:func:`qualitykit.report.narrative.funnel`)."""
        s = self.state
        key = ("funnel", s.region, s.unit_level, s.filters, s.lang)
        return self._cache.get(key, lambda: self._funnel(s))

    def _funnel(self, s: State) -> View:
        from qualitykit.stats import benchmark, metrics

        ok, why = self.data.supports("funnel")
        if not ok:
            return View(None, note(str(why), s.lang))
        units = self.data.unit_counts(s.region, s.filters, s.unit_level)
        outside = int(units.attrs.get("outside", 0))
        extra_note = note("outside", s.lang, n=f"{outside:,}") if outside else ""
        if units.empty:
            return View(None, note("no_units", s.lang))
        names = _names()
        own = units["region_code"].map({c: n for c, (n, _) in self.data.declared.items()})
        zh = units["region_code"].map(names["name_zh"]).astype("string").fillna(own)
        units.insert(1, "name_zh", zh)
        en = units["region_code"].map(names["name_en"]).astype("string")
        units.insert(2, "name_en", en.where(en.fillna("") != "", units["name_zh"]))
        ci = metrics.binomial_ci(units["passed"].to_numpy(), units["batches"].to_numpy())
        base = units.assign(ci_lower=ci["ci_lower"].to_numpy(), ci_upper=ci["ci_upper"].to_numpy())
        if len(units) < 2:
            table = base.assign(pass_rate=ci["estimate"].to_numpy())
            return View(table, " ".join(filter(None, [note("one_unit", s.lang), extra_note])))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)  # p = 0 or 1: documented NaNs
            table = benchmark.funnel_units(base, adjust="phi")
            grid = benchmark.funnel_grid(base, adjust="phi")
        od = dict(table.attrs.get("overdispersion") or {})
        cols = list(table.columns)
        cols.insert(cols.index("ci_lower"), cols.pop(cols.index("pass_rate")))
        table = table[cols]
        label = "name_zh" if s.lang == "zh" else "name_en"
        text = narrative.funnel(table, s.lang, label_column=label)
        return View(table, extra_note, {"grid": grid, "overdispersion": od, "text": text})

    def trend(self) -> View:
        """The selected unit by year. ``table``: ``year``, ``batches``, ``passed``,
        ``nonconforming``, ``pass_rate``, ``nc_rate``, ``ci_lower``, ``ci_upper``
        (:func:`qualitykit.stats.metrics.rates`). ``extra``: ``fitted`` (the GLM trend's rows,
        :class:`qualitykit.stats.trends.TrendResult` ``.fitted``; None with fewer than 3 years),
        ``trend`` (the result), ``parent`` (the region's yearly rates, same columns as
        ``table``), ``targets`` (:meth:`target_lines`), ``text``."""
        s = self.state
        key = ("trend", s.selected, s.region, s.filters, s.lang)
        return self._cache.get(key, lambda: self._trend(s))

    def _trend(self, s: State) -> View:
        from qualitykit.stats import trends

        ok, why = self.data.supports("trend")
        if not ok:
            return View(None, note(str(why), s.lang))
        if s.selected is None:
            return View(None, note("no_selection", s.lang))
        counts = self.data.year_counts(s.selected, s.filters)
        parent_counts = self.data.year_counts(s.region, s.filters)
        parent = _rates(parent_counts) if len(parent_counts) else None
        lines = self.target_lines()
        extra: dict[str, Any] = {"parent": parent, "targets": lines, "fitted": None, "trend": None}
        if counts.empty:
            return View(None, note("no_records", s.lang), extra)
        yearly = _rates(counts)
        name = self.data.unit_name(s.selected, s.lang)
        texts = []
        if len(yearly) >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", QualityKitWarning)
                result = trends.glm_trend(counts, n_sim=TREND_SIMULATIONS)
            extra["trend"] = result
            if np.isfinite(result.fitted["fitted"]).all():
                extra["fitted"] = result.fitted
            texts.append(narrative.trend(result, s.lang, name=name))
        pooled = _rates(counts[["batches", "passed", "nonconforming"]].sum().to_frame().T)
        texts.insert(0, narrative.pass_rate(name, pooled, s.lang, years=s.years))
        extra["text"] = " ".join(texts)
        caveat = note("target_scope", s.lang) if lines is not None and len(lines) else ""
        return View(yearly, caveat, extra)

    def pareto(self) -> View:
        """The selected unit's nonconforming items: ``table`` a
        :func:`qualitykit.stats.pareto.pareto_table` (top :data:`PARETO_TOP`, the rest as
        "Other"); ``extra["text"]`` the narrative."""
        s = self.state
        key = ("pareto", s.selected, s.filters, s.lang)
        return self._cache.get(key, lambda: self._pareto(s))

    def _pareto(self, s: State) -> View:
        from qualitykit.stats import pareto

        ok, why = self.data.supports("pareto")
        if not ok:
            return View(None, note(str(why), s.lang))
        code = s.selected
        if code is None and not self.data.supports("funnel")[0]:
            code = s.region  # item counts alone: no units to select, the region in view
        if code is None:
            return View(None, note("no_selection", s.lang))
        counts = self.data.item_counts(code, s.filters)
        if counts.empty:
            return View(None, note("no_items", s.lang))
        table = pareto.pareto_table(
            counts,
            "item",
            count="count",
            max_categories=PARETO_TOP,
            other_label="其他" if s.lang == "zh" else "Other",
        )
        return View(table, "", {"text": narrative.pareto(table, s.lang)})

    def targets(self) -> View:
        """The selected unit's target statuses: the columns of
        :func:`qualitykit.policy.scorecard.evaluate` (one row per target: ``target_id``,
        ``status``, ``observed``, ``required``, ``deadline_year``, ``status_reason_zh`` / ``_en``
        …), qualitative aims left out; evaluated as of the window's last year. For a county-level
        unit the district brief's targets (:func:`~qualitykit.policy.scorecard.scorecard_for_districts`),
        for a city or province :func:`~qualitykit.policy.scorecard.scorecard_for_region`
        (national targets left out: they are national figures)."""
        s = self.state
        key = ("targets", s.selected, s.years[1], s.lang)
        return self._cache.get(key, lambda: self._targets(s))

    def _targets(self, s: State) -> View:
        from qualitykit.policy import scorecard

        ok, why = self.data.supports("targets")
        if not ok:
            return View(None, note(str(why), s.lang))
        if s.selected is None:
            return View(None, note("no_selection", s.lang))
        code = s.selected
        if code in self.data.declared:  # no policy document names a declared unit's targets
            return View(None, note("declared_unit", s.lang))
        within = code[:2] + "0000" if code != regions.NATIONAL_CODE else code
        provider = self._cache.get(("provider", within), lambda: self._provider(within))
        registry = self._cache.get(("registry",), self._registry)
        level = str(regions.lookup(code)["level"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)
            try:
                if level == "county":
                    card = scorecard.scorecard_for_districts(
                        code, provider, registry=registry, as_of=s.years[1]
                    )
                else:
                    card = scorecard.scorecard_for_region(
                        code, provider, registry=registry, include_national=False, as_of=s.years[1]
                    )
            except NoDataError:
                card = None
        if card is None or card.empty:
            return View(None, note("no_targets", s.lang))
        card = card[~card["qualitative"].astype(bool)].reset_index(drop=True)
        if card.empty:
            return View(None, note("no_targets", s.lang))
        return View(
            card, "", {"text": narrative.scorecard(card, s.lang), "lines": _lines(card, s.lang)}
        )

    @staticmethod
    def _registry() -> Any:
        from qualitykit.policy import targets

        return targets.load_registry()

    def _provider(self, within: str) -> Any:
        """A counts provider over the session's data for the targets of ``within``'s province:
        the products and industries the targets name kept, the others pooled."""
        from qualitykit.policy import scorecard

        registry = self._cache.get(("registry",), self._registry)
        products, industries = _scoped(registry, "product"), _scoped(registry, "industry_code")
        counts = self.data.target_counts(within, products, industries)
        label = "synthetic sample" if self.data.is_sample else f"records: {self.data.data_source}"
        return scorecard.CountsProvider(counts, label=label)

    def target_lines(self) -> pd.DataFrame | None:
        """Lines of the selected unit's pass-rate targets with a fixed requirement (≥, =, ≤,
        range): ``target_id``, ``value`` (proportion), ``comparator``, ``deadline_year``,
        ``status``, ``label`` (e.g. "≥90.0% · 2010 · 省级监督抽查 · 皮鞋"). Relative targets
        (above a reference) have no fixed line; they are in the statuses. None: no line."""
        view = self.targets()
        return view.extra.get("lines") if view.ok else None

    # ---- words -----------------------------------------------------------------------------------
    def scope(self) -> str:
        """One line saying what is in view: region and units, years, check level, product."""
        s = self.state
        zh = s.lang == "zh"
        what = regions.name(s.region, s.lang)
        if s.unit_level == "county":
            what += "各区县" if zh else ": county-level units"
        else:
            kids = {
                "national": ("各省", "provinces"),
                "province": ("各市", "cities"),
                "city": ("各区县", "districts"),
            }
            zh_word, en_word = kids.get(str(regions.lookup(s.region)["level"]), ("", "units"))
            what += zh_word if zh else f": {en_word}"
        parts = [what, span(s.years[0], s.years[1], s.lang)]
        if s.check_level:
            parts.append(schema.CHECK_LEVEL_ZH[s.check_level] if zh else f"{s.check_level} checks")
        else:
            parts.append(narrative.t("all_levels", s.lang))
        if s.product:
            parts.append(s.product)
        elif s.industry:
            from qualitykit.data.industries import industry_name

            parts.append(industry_name(s.industry, s.lang))
        text = " · ".join(parts)
        if self.data.is_sample:
            text += "  ·  " + note("synthetic", s.lang)
        return text

    def selected_name(self) -> str:
        s = self.state
        if s.selected is None:
            return ""
        return f"{self.data.unit_name(s.selected, s.lang)} ({s.selected})"


# ---------------------------------------------------------------------------------------------
# cached lookups
# ---------------------------------------------------------------------------------------------

_NAMES: dict[str, pd.DataFrame] = {}
_OPTIONS: dict[str, list[tuple[str, str]]] = {}


def _scoped(registry: Any, key: str) -> set[str]:
    """Every value of scope ``key`` (product, industry_code) named by a target."""
    out: set[str] = set()
    for target in registry:
        value = (target.scope or {}).get(key)
        parts = value if isinstance(value, list | tuple) else re.split(r"[、,，;；]", value or "")
        out.update(str(p).strip() for p in parts if str(p).strip())
    return out


def _rates(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (already summed: ``batches``, ``passed``) with ``pass_rate``, ``nc_rate`` and
    the Wilson 95 % interval of the pass rate — the columns of
    :func:`qualitykit.stats.metrics.rates`, without re-aggregating."""
    from qualitykit.stats import metrics

    ci = metrics.binomial_ci(counts["passed"].to_numpy(), counts["batches"].to_numpy())
    return counts.reset_index(drop=True).assign(
        pass_rate=ci["estimate"].to_numpy(),
        nc_rate=1.0 - ci["estimate"].to_numpy(),
        ci_lower=ci["ci_lower"].to_numpy(),
        ci_upper=ci["ci_upper"].to_numpy(),
    )


def _lines(card: pd.DataFrame, lang: Lang) -> pd.DataFrame | None:
    """The target lines of a scorecard (:meth:`Explorer.target_lines`)."""
    rate = card["indicator"].astype(str) == "spot_check_pass_rate"
    fixed = card["comparator"].astype(str).isin([">=", "==", "<=", "range"])
    rows = card[rate & fixed & card["required"].notna()]
    if rows.empty:
        return None
    labels = []
    for r in rows.itertuples(index=False):
        op = {">=": "≥", "==": "=", "<=": "≤", "range": "≥"}[str(r.comparator)]
        parts = [f"{op}{narrative.pct(float(r.required))}"]
        if pd.notna(r.deadline_year):
            parts.append(str(int(r.deadline_year)))
        if isinstance(r.check_level, str) and r.check_level:
            parts.append(
                "、".join(
                    schema.CHECK_LEVEL_ZH.get(x, x) if lang == "zh" else f"{x} checks"
                    for x in r.check_level.split("、")
                )
            )
        if isinstance(r.product, str) and r.product:
            parts.append(r.product)
        labels.append(" · ".join(parts))
    return pd.DataFrame(
        {
            "target_id": rows["target_id"].astype(str).to_numpy(),
            "value": rows["required"].astype(float).to_numpy(),
            "comparator": rows["comparator"].astype(str).to_numpy(),
            "deadline_year": rows["deadline_year"].to_numpy(),
            "status": rows["status"].astype(str).to_numpy(),
            "label": labels,
        }
    )


def _names() -> pd.DataFrame:
    if "names" not in _NAMES:
        _NAMES["names"] = regions.regions().drop_duplicates("region_code").set_index("region_code")
    return _NAMES["names"]


@cache
def _provinces(lang: Lang) -> list[tuple[str, str]]:
    out = [(regions.name(regions.NATIONAL_CODE, lang), regions.NATIONAL_CODE)]
    return out + [(regions.name(c, lang), c) for c in regions.MAINLAND_PROVINCES]


@cache
def _cities(province: str, lang: Lang) -> list[tuple[str, str]]:
    if province == regions.NATIONAL_CODE:
        return []
    kids = regions.children(province)
    return [(regions.name(str(c), lang), str(c)) for c in kids["region_code"]]


def _region_options(lang: Lang) -> list[tuple[str, str]]:
    if lang not in _OPTIONS:
        names = _names()
        label = names["name_zh"].astype(str)
        if lang == "en":
            en = names["name_en"].astype(str)
            label = en.where(en != "", label)
        label_of = label.to_dict()
        df = names[names["province_code"].isin(regions.MAINLAND_PROVINCES)]
        out = [(f"{regions.name(regions.NATIONAL_CODE, lang)} (000000)", regions.NATIONAL_CODE)]
        for code, city in zip(df.index.astype(str), df["city_code"], strict=True):
            chain = [code, city if isinstance(city, str) else None, code[:2] + "0000"]
            parts = list(dict.fromkeys(label_of[c] for c in chain if c and c in label_of))
            out.append((f"{' · '.join(parts)} ({code})", code))
        _OPTIONS[lang] = out
    return _OPTIONS[lang]

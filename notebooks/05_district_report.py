# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: qualitykit,-jupytext.text_representation.jupytext_version
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   qualitykit:
#     prepare: qualitykit.report.district:prepare
#     inputs_from: qualitykit.report.district_inputs:report_inputs
#     units_from: qualitykit.report.district:units_within
#     index_title_zh: 区县产品质量简报
#     index_title_en: District product-quality briefs
#     index_columns:
#     - {key: name, label_zh: 区县, label_en: District, kind: text}
#     - {key: city, label_zh: 地市, label_en: City, kind: text}
#     - {key: batches, label_zh: 抽查批次, label_en: Batches, kind: int}
#     - {key: pass_rate, label_zh: 批次合格率, label_en: Pass rate, kind: rate}
#     - {key: ci_lower, label_zh: 区间下限, label_en: CI lower, kind: rate}
#     - {key: ci_upper, label_zh: 区间上限, label_en: CI upper, kind: rate}
#     - {key: trend_pp, label_zh: 年均变化（百分点）, label_en: Trend (pp/yr), kind: pp, digits: 2}
#     - {key: gap_parent_pp, label_zh: 与比较基准之差（百分点）, label_en: Gap to benchmark (pp), kind: pp}
#     - {key: funnel_flag, label: flag_998, kind: flag, values: flag}
#     - {key: rank, label: rank_interval, kind: interval, parts: [rank_lower, rank_upper, n_districts]}
#     - {key: top_item, label_zh: 首要不合格项目, label_en: Top nonconforming item, kind: text}
#     - {key: target_status, label_zh: 目标状态, label_en: Target status, kind: flag, values: status}
#     - {key: data_status, label_zh: 数据, label_en: Data, kind: text, values: data_status}
# ---

# %% [markdown]
# # 区县产品质量简报 / District product-quality brief
#
# 一页简报：批次合格率及其趋势、在本省各单位中的位置（漏斗图、排名区间、收缩估计）、主要不合格项目和政策目标状态。
# 文中的数字和判断都由数据生成。
#
# **数据形态。** 逐批记录（合成样本或自己的数据）：全部各节。汇总计数（单位×时期的抽查批次与合格批次，可含经开区等
# 非标准单位）：除“主要不合格项目”外的各节——该节需要不合格项目计数（同一文件夹中的项目计数表）。只有不合格项目计数：
# 没有批次，不能计算合格率，简报只说明这一点。比较的范围是本省在数据中的各单位：合成样本覆盖全省；自己的数据通常只覆盖
# 一部分（例如一个市），比较基准便标为“本数据中××市合计”，或用 `parent_figure_file` 给出的公布数（注明来源），绝不称为
# 全省或全国。只有一个时期时不作趋势；单位太少时不作漏斗图和收缩估计，都会注明。
#
# A one-page brief: the batch pass rate and its trend, the district's position among the units of
# its province (funnel plot, rank interval, shrunken estimate), the main nonconforming items and
# the status of policy targets. Every number and verdict in the text is generated from the data.
#
# **Data shapes.** Records (the synthetic sample or your own): every section. Counts (batches and
# passed per unit × period, development zones and other non-standard units included): every
# section but the main nonconforming items, which need item counts (an item-counts table in the
# same folder). Item counts alone hold no batches: no pass rate, and the brief says so. A unit is
# compared with the units of its province *in the data*: the sample covers the province; your
# data usually cover part of it (a city, say), and the benchmark is then labelled "total of …
# in these data", or is the published figure given in `parent_figure_file` with its source —
# never called the province or the nation. One period gives no trend, too few units no funnel or
# shrinkage; the brief says so.

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of the district (330303 龙湾区), or a declared unit's code (X511900-01)
year_from: int = 2015  # first year of the window (cut to the data's years, with a note)
year_to: int = 2024  # last year of the window
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
k_pp: float = 2.0  # margin in percentage points for "k pp above the parent average"
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or records / counts: a CSV, XLSX or Parquet file or folder
period: str = ""  # period of a table with no year column nor year in its title: 2024, 2019H2
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
parent_figure_file: str = ""  # CSV of published parent figures with their source
context_path: str = ""  # folder written by the prepare hook of qualitykit.report.district
output_dir: str = ""  # folder for the tables and summary.json (empty: outputs/interactive)

# %%
from qualitykit import district, narrative, plots, report
from qualitykit.report import notes

ctx = report.start(
    "05_district_report",
    region_code=region_code,
    levels=("county",),
    years=(year_from, year_to),
    check_level=check_level,
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    parent_figure_file=parent_figure_file,
    output_dir=output_dir,
    record_columns=district.RECORD_COLUMNS,
)
brief = district.analyse(ctx, context_path=context_path, k_pp=k_pp)
ctx.save_summary(brief.summary)

# %%
# NBVAL_CHECK_OUTPUT
shown = brief.summary if brief.complete else {**brief.summary, "funnel_flag": None}
ctx.say(narrative.district_summary(shown, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("overview", needs="rates"):
    ctx.table(
        brief.areas,
        "areas",
        columns=["name", "batches", "pass_rate", "ci_lower", "ci_upper"],
        percent=["pass_rate", "ci_lower", "ci_upper"],
    )

# %%
few_periods = None
if brief.trend is None:
    few_periods = notes.too_few_periods(brief.n_periods, district.MIN_PERIODS, "trend", lang)
if ctx.section("trend", needs="trend", note=few_periods):
    ctx.table(brief.yearly, "yearly_rates", show=False)
    ctx.show(plots.trend_figure(brief.trend_table, title=ctx.region_name, lang=lang))
    ctx.say(narrative.trend(brief.trend, lang))
elif brief.yearly is not None:
    ctx.table(brief.yearly, "yearly_rates", show=False)

# %%
n_units = 0 if brief.siblings is None else len(brief.siblings)
few_units = None
if n_units < district.MIN_UNITS:
    few_units = notes.too_few_units(n_units, district.MIN_UNITS, "funnel", lang)
heading = "position" if brief.complete else "funnel"  # the province only where the data cover it
if ctx.section(heading, needs="funnel", note=few_units, data=brief.position):
    ctx.table(brief.position, "position", show=False)
    ctx.show(
        plots.funnel_figure(
            brief.siblings,
            brief.grid,
            highlight=region_code,
            label_column="name_zh" if lang == "zh" else "name_en",
            title=ctx.province_name if brief.complete else brief.parent.get("label"),
            lang=lang,
        )
    )
    if brief.complete and not brief.shrinkage_degenerate:
        ctx.say(narrative.district_position(brief.position, lang, od=brief.overdispersion))
    else:
        ctx.say(
            notes.position_among(
                brief.position,
                brief.funnel_label,
                lang,
                shrinkage_ok=not brief.shrinkage_degenerate,
            )
        )
    if brief.shrinkage_degenerate:
        ctx.note(notes.degenerate_shrinkage(n_units, brief.position["prior_mean"].iloc[0], lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_items", needs="pareto", data=brief.items):
    ctx.table(
        brief.items,
        "pareto_items",
        columns=["item", "count", "share", "cum_share"],
        percent=["share", "cum_share"],
        headers={"count": "count_batches"} if ctx.item_count_unit == "batches" else None,
    )
    ctx.say(narrative.pareto(brief.items, lang, counted=ctx.item_count_unit))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("targets", data=brief.targets):
    ctx.table(
        brief.targets,
        "targets",
        columns=[
            "target_id",
            "deadline_year",
            "obs_year",
            "observed",
            "status",
            f"status_reason_{lang}",
        ],
        percent=["observed"],
    )
    ctx.say(narrative.scorecard(brief.targets, lang))

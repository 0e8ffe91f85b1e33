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
#     - {key: gap_province_pp, label_zh: 与全省之差（百分点）, label_en: Gap to province (pp), kind: pp}
#     - key: funnel_flag
#       label_zh: 漏斗图（99.8%）
#       label_en: Funnel (99.8%)
#       kind: flag
#       values_zh: {within: 控制限内, low: 偏低, high: 偏高}
#       values_en: {within: within limits, low: low, high: high}
#     - {key: rank, label_zh: 全省排名, label_en: Rank, kind: number, digits: 0}
#     - {key: top_item, label_zh: 首要不合格项目, label_en: Top nonconforming item, kind: text}
#     - key: target_status
#       label_zh: 目标状态
#       label_en: Target status
#       kind: flag
#       values_zh: {met: 已达标, not_met: 未达标, on_track: 进度正常, off_track: 进度滞后, no_data: 无数据, qualitative: 定性目标}
#       values_en: {met: met, not_met: not met, on_track: on track, off_track: off track, no_data: no data, qualitative: qualitative}
#     - key: data_status
#       label_zh: 数据
#       label_en: Data
#       kind: text
#       values_zh: {ok: 有, no_data: 无数据}
#       values_en: {ok: yes, no_data: no data}
# ---

# %% [markdown]
# # 区县产品质量简报 / District product-quality brief
#
# 一页简报：批次合格率及其趋势、在全省区县中的位置（漏斗图、排名区间、收缩估计）、主要不合格项目和政策目标状态。
# 文中的数字和判断都由数据生成。
#
# A one-page brief: the batch pass rate and its trend, the district's position among the
# province's districts (funnel plot, rank interval, shrunken estimate), the main nonconforming
# items and the status of policy targets. Every number and verdict in the text is generated from
# the data.

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of the district, a 6-digit string (330303 龙湾区)
year_from: int = 2015  # first year of the window
year_to: int = 2024  # last year of the window
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
k_pp: float = 2.0  # margin in percentage points for "k pp above the provincial average"
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or a records file or folder
context_path: str = ""  # folder written by the prepare hook of qualitykit.report.district
output_dir: str = ""  # folder for the tables and summary.json (empty: outputs/interactive)

# %%
from qualitykit import district, narrative, plots, report

ctx = report.start(
    "05_district_report",
    region_code=region_code,
    levels=("county",),
    years=(year_from, year_to),
    check_level=check_level,
    lang=lang,
    data_source=data_source,
    output_dir=output_dir,
    record_columns=district.RECORD_COLUMNS,
)
brief = district.analyse(ctx, context_path=context_path, k_pp=k_pp)
ctx.save_summary(brief.summary)

# %%
# NBVAL_CHECK_OUTPUT
ctx.say(narrative.district_summary(brief.summary, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("overview"):
    ctx.table(
        brief.areas,
        "areas",
        columns=["name", "batches", "pass_rate", "ci_lower", "ci_upper"],
        percent=["pass_rate", "ci_lower", "ci_upper"],
    )

# %%
if ctx.section("trend"):
    ctx.table(brief.yearly, "yearly_rates", show=False)
    ctx.show(plots.trend_figure(brief.trend_table, title=ctx.region_name, lang=lang))
    ctx.say(narrative.trend(brief.trend, lang))

# %%
if ctx.section("position"):
    ctx.table(brief.position, "position", show=False)
    ctx.show(
        plots.funnel_figure(
            brief.siblings,
            brief.grid,
            highlight=region_code,
            label_column="name_zh" if lang == "zh" else "name_en",
            title=ctx.province_name,
            lang=lang,
        )
    )
    ctx.say(narrative.district_position(brief.position, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_items"):
    ctx.table(
        brief.items,
        "pareto_items",
        columns=["item", "count", "share", "cum_share"],
        percent=["share", "cum_share"],
    )
    ctx.say(narrative.pareto(brief.items, lang))

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

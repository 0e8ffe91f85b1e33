# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: qualitykit,-jupytext.text_representation.jupytext_version
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 地区比较 / Regional benchmark
#
# 一个地区的下级单位（全国的各省、一省的各市、一市的各区县）之间公平比较：漏斗图（精确二项控制限，超离散时放宽）、
# 超离散（φ、τ²）、排名区间、经验贝叶斯收缩估计、质心地图，以及谁达到“高于上级平均水平 k 个百分点”（郴州 2–5 个百分点的要求）。
# 抽查批次相差很大的单位不宜直接排名：请先看漏斗图和排名区间。
#
# The children of one region (the provinces of China, the cities of a province, the districts of a
# city) compared fairly: funnel plot (exact binomial limits, widened when overdispersed),
# overdispersion (φ, τ²), rank intervals, empirical-Bayes shrunken estimates, a map of centroids,
# and who meets "k pp above the parent average" (Chenzhou's 2–5 pp rule). Units with very
# different numbers of batches should not be ranked by their raw rates: read the funnel and the
# rank intervals first.

# %% tags=["parameters"]
region_code: str = "330000"  # parent region: 000000 (China), a province or a city (a string)
year_from: int = 2020  # first year
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
unit_level: str = "child"  # child: the level below the parent; county: all county-level units
k_pp: float = 2.0  # margin in percentage points for "k pp above the parent average"
highlight: str = ""  # region code of a unit to highlight in the figures (empty: none)
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or a records file or folder
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import district, narrative, plots, report

ctx = report.start(
    "03_regional_benchmark",
    region_code=region_code,
    levels=("national", "province", "city"),
    years=(year_from, year_to),
    check_level=check_level,
    lang=lang,
    data_source=data_source,
    output_dir=output_dir,
    record_columns=["region_code", "passed"],
    choices={"unit_level": (unit_level, ("child", "county"))},
    codes={"highlight": highlight},
)
names = "name_zh" if lang == "zh" else "name_en"
mark = highlight or None
if ctx.has_data:
    units = district.child_counts(ctx.records(), region_code, unit_level=unit_level)
    cmp = district.compare_units(units, k_pp=k_pp)

# %%
if ctx.section("funnel"):
    ctx.table(cmp.table, "units", show=False)
    ctx.show(
        plots.funnel_figure(
            cmp.table,
            cmp.grid,
            highlight=mark,
            label_column=names,
            title=ctx.region_name,
            lang=lang,
        )
    )
    ctx.say(narrative.funnel(cmp.table, lang, label_column=names))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("overdispersion"):
    ctx.table(
        report.one_row(cmp.overdispersion),
        "overdispersion",
        columns=["k", "phi", "p_value", "overdispersed", "tau2"],
    )
    ctx.say(narrative.overdispersion(cmp.overdispersion, lang))

# %%
if ctx.section("ranks"):
    ctx.table(cmp.ranks, "ranks", show=False)
    ctx.show(plots.caterpillar_figure(cmp.ranks, label_column=names, highlight=mark, lang=lang))
    ctx.say(narrative.ranks(cmp.ranks, lang, label_column=names))

# %%
if ctx.section("eb_shrinkage"):
    ctx.table(cmp.shrunk, "shrinkage", show=False)
    ctx.show(plots.caterpillar_figure(cmp.shrunk, label_column=names, highlight=mark, lang=lang))
    ctx.say(narrative.shrinkage(cmp.shrunk, lang, label_column=names))

# %%
if ctx.section("map"):
    ctx.show(
        plots.map_figure(
            cmp.table, "shrunk_rate", label_column=names, highlight=mark, sized=True, lang=lang
        )
    )
    ctx.say(ctx.t("map_note"))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("relative_target"):
    ctx.table(
        cmp.relative,
        "relative_target",
        columns=[
            names,
            "batches",
            "pass_rate",
            "parent_rate",
            "gap_pp",
            "gap_lower_pp",
            "gap_upper_pp",
            "verdict",
        ],
        percent=["pass_rate", "parent_rate"],
        pp=["gap_pp", "gap_lower_pp", "gap_upper_pp"],
    )
    ctx.say(narrative.relative_target(cmp.relative, k_pp, lang, label_column=names))

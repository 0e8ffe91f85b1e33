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
# **数据形态。** 逐批记录和汇总计数（单位×时期的抽查批次与合格批次）：全部各节；只有不合格项目计数：没有批次，各节
# 只说明不能比较。比较的单位是数据中的单位：开发区、经开区等非标准单位（用 `units_file` 声明）作为独立单位出现在漏斗图、
# 排名和各表中，既不并入上级，也不丢弃（地图上没有它们的质心，不画，会注明）。上级平均水平是本数据中各单位的合计，标为
# “本数据中××市合计”；`parent_figure_file` 给出公布的上级数字（注明来源）时，“高于上级平均水平”按公布数比较。单位
# 太少（少于 3 个）时不作漏斗图、排名和收缩估计；收缩估计退化（各单位完全合并）时也会注明。
#
# The children of one region (the provinces of China, the cities of a province, the districts of a
# city) compared fairly: funnel plot (exact binomial limits, widened when overdispersed),
# overdispersion (φ, τ²), rank intervals, empirical-Bayes shrunken estimates, a map of centroids,
# and who meets "k pp above the parent average" (Chenzhou's 2–5 pp rule). Units with very
# different numbers of batches should not be ranked by their raw rates: read the funnel and the
# rank intervals first.
#
# **Data shapes.** Records and counts (batches and passed per unit × period): every section. Item
# counts hold no batches: each section says it cannot compare. The units are those of the data:
# development zones and other non-standard units (declared in `units_file`) are units of their
# own in the funnel, the ranks and every table — never merged into their parent, never dropped
# (the map has no centroid for them and says so). The parent average is the data's own total,
# labelled "total of … in these data"; with a published parent figure (`parent_figure_file`,
# with its source) "k pp above" is judged against it. Too few units (under 3) give no funnel,
# ranks or shrinkage, and a degenerate shrinkage (complete pooling) is said, not shown.

# %% tags=["parameters"]
region_code: str = "330000"  # parent region: 000000 (China), a province or a city (a string)
year_from: int = 2020  # first year (cut to the data's years, with a note)
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
unit_level: str = "child"  # child: the level below the parent; county: all county-level units
k_pp: float = 2.0  # margin in percentage points for "k pp above the parent average"
highlight: str = ""  # region code of a unit to highlight in the figures (empty: none)
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or records / counts: a CSV, XLSX or Parquet file or folder
period: str = ""  # period of a table with no year column nor year in its title: 2024, 2019H2
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
parent_figure_file: str = ""  # CSV of published parent figures with their source
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import district, narrative, plots, report
from qualitykit.report import notes

ctx = report.start(
    "03_regional_benchmark",
    region_code=region_code,
    levels=("national", "province", "city"),
    years=(year_from, year_to),
    check_level=check_level,
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    parent_figure_file=parent_figure_file,
    output_dir=output_dir,
    choices={"unit_level": (unit_level, ("child", "county"))},
    codes={"highlight": highlight},
)
names = "name_zh" if lang == "zh" else "name_en"
mark = highlight or None
n_units, few, cmp, pooled = 0, {}, None, False
if ctx.supports("funnel") and not ctx.has_columns("region_code"):  # a table by channel, say
    few = dict.fromkeys(notes.SECTIONS_OF_UNITS, notes.needs_columns(["region_code"], lang))
elif ctx.has_data and ctx.supports("funnel"):
    units = district.unit_table(ctx.counts(), region_code, unit_level=unit_level, source=ctx.data)
    n_units = len(units)
    bench = ctx.parent(region_code)  # a published figure (parent_figure_file), else the data's
    published = bench.kind == "published" and bench.batches and bench.passed is not None
    if n_units:
        cmp = district.compare_units(
            units,
            k_pp=k_pp,
            parent_batches=bench.batches if published else None,
            parent_passed=bench.passed if published else None,
        )
        pooled = district.degenerate_shrinkage(cmp)
    if n_units < district.MIN_UNITS:  # said, not drawn
        few = {
            k: notes.too_few_units(n_units, district.MIN_UNITS, k, lang)
            for k in notes.SECTIONS_OF_UNITS
        }
    if not ctx.is_sample and n_units:  # what the average is: never 全省 or 全国
        own = report.own_total(ctx.data, region_code, ctx.years)
        b, p = int(units["batches"].sum()), int(units["passed"].sum())
        ctx.say(notes.parent_line(ctx.parent_label(own), b, p, p / b, lang))
        if published:
            ctx.say(
                notes.parent_line(
                    ctx.parent_label(bench), bench.batches, bench.passed, bench.pass_rate, lang
                )
            )

# %%
if ctx.section("funnel", needs="funnel", note=few.get("funnel")):
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
    ctx.say(narrative.funnel(cmp.table, lang, label_column=names, od=cmp.overdispersion))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("overdispersion", needs="funnel", note=few.get("overdispersion")):
    ctx.table(
        report.one_row(cmp.overdispersion),
        "overdispersion",
        columns=["k", "phi", "p_value", "overdispersed", "tau2"],
    )
    ctx.say(narrative.overdispersion(cmp.overdispersion, lang))

# %%
if ctx.section("ranks", needs="ranking", note=few.get("ranks")):
    ctx.table(cmp.ranks, "ranks", show=False)
    ctx.show(plots.caterpillar_figure(cmp.ranks, label_column=names, highlight=mark, lang=lang))
    ctx.say(narrative.ranks(cmp.ranks, lang, label_column=names))

# %%
degenerate = notes.degenerate_shrinkage(n_units, cmp.prior.get("mean"), lang) if pooled else None
if ctx.section("eb_shrinkage", needs="shrinkage", note=few.get("shrinkage") or degenerate):
    ctx.table(cmp.shrunk, "shrinkage", show=False)
    ctx.show(plots.caterpillar_figure(cmp.shrunk, label_column=names, highlight=mark, lang=lang))
    ctx.say(narrative.shrinkage(cmp.shrunk, lang, label_column=names))

# %%
if ctx.section("map", needs="funnel", note=few.get("map")):
    ctx.show(
        plots.map_figure(
            cmp.table, "shrunk_rate", label_column=names, highlight=mark, sized=True, lang=lang
        )
    )
    ctx.say(ctx.t("map_note"))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section(
    "relative_target",
    needs="funnel",
    note=few.get("relative_target"),
    data=cmp.relative if cmp else None,
):
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

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
# # 不合格原因 / Causes of nonconformity
#
# 不合格项目和原因类别的排列图（关键少数）、管理者可控与操作者可控的比例（舟山调研报告引用的朱兰“80% 来自管理、
# 20% 来自操作者”之说是否得到数据支持），以及不同时期、地区或企业类别之间的比较。原因归类来自
# `data/causes/cause_map.csv`（其依据见 `data/causes/README.md`）。
#
# **数据形态。** 逐批记录（含不合格项目）和不合格项目计数（每个检验项目的不合格数，可带地区、年份、产品列；也可与
# 汇总计数放在同一文件夹）：全部各节。项目名称先规范化再对照原因表（全角/半角、Ⅵ/VI、Cr(Ⅵ)→六价铬、括号中的限定语），
# 对照表未收录的项目连同其占比一并列出——“（未归类）”不是发现。分组比较需要分组所用的列：按时期需要年份，按地区需要地区，
# 按企业规模或销售额分类、按抽查级别需要逐批记录中的相应列；缺少时该节说明原因。只有汇总计数（没有项目）：各节只说明需要
# 不合格项目数据。
#
# Pareto of nonconforming items and cause categories (the vital few), the share of
# management- versus operator-controllable causes (is Juran's "80 % from management, 20 % from
# operators", quoted by the Zhoushan report, borne out?), and comparisons between periods,
# regions or enterprise classes. The cause of each item comes from `data/causes/cause_map.csv`
# (reasoning in `data/causes/README.md`).
#
# **Data shapes.** Records with their nonconformities, and item counts (nonconformities per test
# item, optionally by unit, year or product; alone or next to a counts table): every section. Item
# names are normalised before they are looked up in the cause map (full/half width, Ⅵ/VI,
# Cr(Ⅵ) → 六价铬, qualifiers in brackets); the items the map does not cover are listed with their
# share — "(unmapped)" is no finding. A comparison needs the column it groups by: a year for
# periods, a unit for regions, the records' columns for enterprise size, sales class and check
# level; without it the section says so. Counts without items: each section says it needs item data.

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of any level (330303 龙湾区); empty: all the data
product: str = "皮鞋"  # product name as in the data, e.g. 皮鞋; empty for all products
year_from: int = 2005  # first year (cut to the data's years, with a note)
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
max_items: int = 10  # items shown in the Pareto chart; the rest form one Other bar
claimed_share: float = 0.8  # share of management-controllable problems claimed (Juran's 80 %)
compare_by: str = "period"  # period, sales_class (A/B/C), enterprise_size, check_level or region
split_year: int = 2010  # with compare_by period: the second period starts in this year
compare_on: str = "category"  # what is compared between groups: category, cause_5m1e or item
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or records / item counts: a CSV, XLSX or Parquet file or folder
period: str = ""  # period of a table with no year column nor year in its title: 2014Q2
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import narrative, pareto, plots, report
from qualitykit.report import notes

ctx = report.start(
    "02_pareto_causes",
    region_code=region_code or None,
    years=(year_from, year_to),
    check_level=check_level,
    product=product,
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    output_dir=output_dir,
    record_columns=["batch_id", "year", "product", "passed"],
    proportions={"claimed_share": claimed_share},
    years_inside={"split_year": split_year} if compare_by == "period" else None,
    choices={
        "compare_by": (compare_by, report.COMPARE_BY),
        "compare_on": (compare_on, ("category", "cause_5m1e", "item")),
    },
)
counted = ctx.shape != "records"  # item counts: one row per item with its count
items = ctx.item_counts() if ctx.supports("pareto") else None
if counted:  # the columns a comparison can group by
    keep = [c for c in ("year", "region_code") if ctx.has_columns(c)]
    nc = ctx.item_counts(by=keep) if items is not None else None
else:
    nc = ctx.nonconformities()
count = "nc_count" if counted else None
unit = ctx.item_count_unit  # items (项次) or batches (a table of 不合格批次数 per item)
cause_map, unmapped = report.cause_map_for(nc, count=count) if nc is not None else (None, None)

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_items", needs="pareto", data=nc):
    table = pareto.pareto_table(nc, "item", count, max_categories=max_items)
    ctx.table(table, "pareto_items", show=False)
    ctx.show(plots.pareto_figure(table, title=ctx.region_name, lang=lang, counted=unit))
    ctx.say(narrative.pareto(table, lang, counted=unit))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_categories", needs="causes", data=nc):
    categories = pareto.pareto_by_cause(nc, cause_map, by="category", count=count)
    ctx.table(
        categories,
        "pareto_categories",
        columns=["category", "count", "share", "cum_share"],
        percent=["share", "cum_share"],
        headers={"count": "count_batches"} if unit == "batches" else None,
    )
    ctx.say(narrative.pareto(categories, lang, counted=unit))
    if len(unmapped):
        ctx.table(unmapped, "unmapped_items", show=False)
        ctx.say(notes.unmapped_items(unmapped, lang))

# %%
if ctx.section("pareto_5m1e", needs="causes", data=nc):
    causes = pareto.pareto_by_cause(nc, cause_map, by="cause_5m1e", count=count)
    ctx.table(causes, "pareto_5m1e", show=False)
    ctx.show(plots.pareto_figure(causes, lang=lang, counted=unit))
    ctx.say(narrative.pareto(causes, lang, counted=unit))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("management_vs_operator", needs="causes", data=nc):
    share = pareto.management_share(nc, cause_map, count=count, claimed_share=claimed_share)
    ctx.table(
        share,
        "management_share",
        columns=[
            "management",
            "operator",
            "classified",
            "management_share",
            "ci_lower",
            "ci_upper",
        ],
        percent=["management_share", "ci_lower", "ci_upper"],
    )
    ctx.say(narrative.management_share(share, lang))

# %%
# NBVAL_CHECK_OUTPUT
group_column = {"period": "year", "region": "region_code", "sales_class": "annual_sales"}.get(
    compare_by, compare_by
)
missing = None if nc is None or group_column in nc else notes.needs_columns([group_column], lang)
if ctx.section("comparison", needs="causes", note=missing, data=nc):
    mapped = pareto.map_causes(nc, cause_map, count=count).records if compare_on != "item" else nc
    grouped, reference = report.add_group(
        mapped, compare_by, split_year=split_year, category=compare_on, lang=lang
    )
    n_groups = grouped["group"].nunique()
    if n_groups < 2:
        ctx.note(notes.too_few_groups(n_groups, lang))
    cmp = None
    if n_groups >= 2:
        cmp = ctx.attempt(
            pareto.compare_groups, grouped, "group", compare_on, count, reference=reference
        )
    if cmp is not None:
        ctx.table(cmp.test, "comparison_test", show=False)
        ctx.table(
            cmp.differences,
            "comparison_differences",
            columns=[
                "group",
                compare_on,
                "share",
                "reference_share",
                "diff_pp",
                "ci_lower_pp",
                "ci_upper_pp",
            ],
            percent=["share", "reference_share"],
            pp=["diff_pp", "ci_lower_pp", "ci_upper_pp"],
        )
        ctx.say(narrative.comparison(cmp, "group", compare_on, lang))

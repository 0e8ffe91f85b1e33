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
# Pareto of nonconforming items and cause categories (the vital few), the share of
# management- versus operator-controllable causes (is Juran's "80 % from management, 20 % from
# operators", quoted by the Zhoushan report, borne out?), and comparisons between periods,
# regions or enterprise classes. The cause of each item comes from `data/causes/cause_map.csv`
# (reasoning in `data/causes/README.md`).

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of any level, a 6-digit string (330303 龙湾区)
product: str = "皮鞋"  # product name as in the data, e.g. 皮鞋; empty for all products
year_from: int = 2005  # first year
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
max_items: int = 10  # items shown in the Pareto chart; the rest form one Other bar
claimed_share: float = 0.8  # share of management-controllable problems claimed (Juran's 80 %)
compare_by: str = "period"  # period, sales_class (A/B/C), enterprise_size, check_level or region
split_year: int = 2010  # with compare_by period: the second period starts in this year
compare_on: str = "category"  # what is compared between groups: category, cause_5m1e or item
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or a records file or folder
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import dataset, narrative, pareto, plots, report

ctx = report.start(
    "02_pareto_causes",
    region_code=region_code,
    years=(year_from, year_to),
    check_level=check_level,
    product=product,
    lang=lang,
    data_source=data_source,
    output_dir=output_dir,
    record_columns=["batch_id", "year", "product", "passed"],
    proportions={"claimed_share": claimed_share},
    years_inside={"split_year": split_year} if compare_by == "period" else None,
    choices={
        "compare_by": (compare_by, report.COMPARE_BY),
        "compare_on": (compare_on, ("category", "cause_5m1e", "item")),
    },
)
nc = ctx.nonconformities()
cause_map = dataset.load_cause_map()

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_items", data=nc):
    items = pareto.pareto_table(nc, "item", max_categories=max_items)
    ctx.table(items, "pareto_items", show=False)
    ctx.show(plots.pareto_figure(items, title=ctx.region_name, lang=lang))
    ctx.say(narrative.pareto(items, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("pareto_categories", data=nc):
    categories = pareto.pareto_by_cause(nc, cause_map, by="category")
    ctx.table(
        categories,
        "pareto_categories",
        columns=["category", "count", "share", "cum_share"],
        percent=["share", "cum_share"],
    )
    ctx.say(narrative.pareto(categories, lang))

# %%
if ctx.section("pareto_5m1e", data=nc):
    causes = pareto.pareto_by_cause(nc, cause_map, by="cause_5m1e")
    ctx.table(causes, "pareto_5m1e", show=False)
    ctx.show(plots.pareto_figure(causes, lang=lang))
    ctx.say(narrative.pareto(causes, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("management_vs_operator", data=nc):
    share = pareto.management_share(nc, cause_map, claimed_share=claimed_share)
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
if ctx.section("comparison", data=nc):
    grouped, reference = report.add_group(
        nc, compare_by, split_year=split_year, category=compare_on, lang=lang
    )
    cmp = ctx.attempt(pareto.compare_groups, grouped, "group", compare_on, reference=reference)
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

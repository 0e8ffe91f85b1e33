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
# # 质量数据探索 / Quality data explorer
#
# 选择地区（省 → 市 → 区县，可按名称或代码搜索）、年份、抽查级别和行业 / 产品，各视图随之更新：
# 各单位的漏斗图（悬停显示名称、批次、合格率和区间；点击一个点即选中该单位）、所选单位的趋势和目标线、
# 不合格项目排列图和政策目标状态。当前选择可以直接生成报告（区县简报或其他笔记本），或为图中所有单位
# 写出批量运行的参数文件和命令。`qualitykit explore` 以网页应用的形式提供同样的界面（不显示代码）。
#
# Choose a region (province → city → district, by name or code), the years, the check level and
# the industry / product, and the views follow: the funnel of the units (hover for name, batches,
# rate and interval; click a point to select that unit), the selected unit's trend with its target
# lines, its Pareto of nonconforming items and its target statuses. The selection becomes a
# rendered report (the district brief or another notebook) or, for every unit in view, a batch
# parameter file and command. `qualitykit explore` serves the same app as a web page without code.

# %% tags=["parameters"]
region_code: str = "330000"  # region whose units are compared: 000000, a province or a city
selected: str = "330303"  # unit of the trend, Pareto and targets (empty: the largest unit)
year_from: int = 2015  # first year of the window (0: ten years before the last)
year_to: int = 2024  # last year of the window (0: the last year of the data)
unit_level: str = "county"  # county: every county-level unit of the region; child: the level below
check_level: str = "all"  # all, or national, provincial, municipal, county
product: str = ""  # product name as in the data (empty: all products)
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; a records/counts file or folder
period: str = ""  # period of a table without a period column, e.g. 2019 (empty: from the data)
units_file: str = ""  # CSV declaring non-standard units (开发区 …: name, parent), empty: none

# %%
from qualitykit.explore import App

app = App(
    data_source,
    region_code=region_code,
    selected=selected,
    year_from=year_from,
    year_to=year_to,
    unit_level=unit_level,
    check_level=check_level,
    product=product,
    lang=lang,
    period=period,
    units_file=units_file,
)
display(app)

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
# # 质量趋势 / Quality trends
#
# 一个地区（可限定产品）的批次合格率：粗合格率与标准化合格率及其区间、二项 GLM 趋势、政策实施前后的分段回归、
# p / Laney p′ 控制图，以及外推到目标年份的达成概率。文中的数字和判断都由数据生成。
#
# **数据形态。** 逐批记录与汇总计数（单位×时期的抽查批次与合格批次）：全部各节，合格率和趋势都由批次计数得出。标准化
# 合格率需要行业代码和企业规模两列（汇总计数须按这两列分组）：缺少一列、或一列只有一个取值时，该节说明原因并略去，其余
# 各节照常。趋势、分段回归和外推至少需要 3 个时期，控制图至少 2 个；只有一个时期时注明“没有趋势”，不作图。只有不合格
# 项目计数：没有批次，各节只说明不能计算合格率。
#
# One region (optionally one product): crude and standardised batch pass rates with intervals, the
# binomial GLM trend, a segmented regression at the programme start, a p / Laney p′ chart, and the
# forecast to a deadline with the probability of meeting a target. Every number and verdict in
# the text is generated from the data.
#
# **Data shapes.** Records and counts (batches and passed per unit × period): every section; rates
# and trends come from the batch counts. The standardised rate needs the columns industry code and
# enterprise size (a counts table grouped by both): with one absent or holding a single value, that
# section says why and is left out, the others run. A trend, the segmented regression and the
# forecast need at least 3 periods, the control chart 2; one period is "no trend", with nothing
# drawn. Item counts hold no batches: each section says that no pass rate can be computed.

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of any level (330303 龙湾区); empty: all the data
product: str = "皮鞋"  # product name as in the data, e.g. 皮鞋; empty for all products
year_from: int = 2005  # first year (cut to the data's years, with a note)
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
policy_start: float = 0.0  # programme start, decimal year (2006.68: Sep 2006); 0: from the registry
target_pass_rate: float = 0.95  # target batch pass rate, a proportion (0.95 is 95 %)
deadline: int = 2027  # year by which the target should be met
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or records / counts: a CSV, XLSX or Parquet file or folder
period: str = ""  # period of a table with no year column nor year in its title: 2024, 2019H2
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import metrics, narrative, plots, report, trends
from qualitykit.report import notes

ctx = report.start(
    "01_quality_trends",
    region_code=region_code or None,
    years=(year_from, year_to),
    check_level=check_level,
    product=product,
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    output_dir=output_dir,
    proportions={"target_pass_rate": target_pass_rate},
    future_years={"deadline": deadline},
)
rated = ctx.supports("rates")
by = [c for c in ("quarter", *report.STRATA) if ctx.has_columns(c)]
counts = ctx.counts(by=by) if rated else None
yearly = metrics.rates(counts, by="year") if rated and len(counts) else None
n_periods = 0 if yearly is None else int((yearly["batches"] > 0).sum())
few = {  # fewer periods than a section needs: said, not drawn
    what: notes.too_few_periods(n_periods, need, what, lang) if 0 < n_periods < need else None
    for what, need in (("trend", 3), ("segmented", 3), ("control_chart", 2), ("forecast", 3))
}

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("yearly_rates", needs="rates"):
    ctx.table(
        yearly,
        "yearly_rates",
        columns=["year", "batches", "passed", "pass_rate", "ci_lower", "ci_upper"],
        percent=["pass_rate", "ci_lower", "ci_upper"],
    )
    ctx.say(narrative.yearly_rates(yearly, lang))

# %%
strata = report.strata_problem(counts, lang=lang) if rated else None
if ctx.section("standardised", needs="rates", note=strata):
    std = metrics.standardise(counts, strata=report.STRATA, by="year", empty="renormalise")
    ctx.table(std, "standardised", show=False)
    ctx.show(
        plots.rates_figure(std, "year", value="std_pass_rate", title=ctx.region_name, lang=lang)
    )
    ctx.say(narrative.standardised(std, lang))

# %%
trend = None
if ctx.section("trend", needs="trend", note=few["trend"]):
    trend = trends.glm_trend(counts)
    ctx.table(trend.terms, "trend_terms", show=False)
    ctx.show(
        plots.trend_figure(
            report.with_intervals(trend.fitted, yearly), title=ctx.region_name, lang=lang
        )
    )
    ctx.say(narrative.trend(trend, lang, name=ctx.region_name))

# %%
start = report.policy_start(region_code, policy_start) if region_code else None
if ctx.section(
    "segmented",
    needs="trend",
    note=few["segmented"],
    data=start,
    reason=narrative.t("no_programme", lang),
):
    seg = trends.segmented_regression(report.time_counts(counts), time="t", break_at=start[0])
    ctx.table(seg.terms, "segmented_terms", show=False)
    ctx.show(plots.trend_figure(seg, break_at=start[0], title=ctx.region_name, lang=lang))
    ctx.say(narrative.segmented(seg, start[0], lang, document=start[1]))

# %%
if ctx.section("control_chart", needs="control_chart", note=few["control_chart"]):
    chart, dispersion = report.control_chart_auto(report.time_counts(counts, quarterly=False))
    ctx.table(chart.points, "control_chart", show=False)
    ctx.show(plots.control_chart_figure(chart, lang=lang))
    ctx.say(narrative.control_chart(chart, lang, dispersion=dispersion))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("forecast", needs="trend", note=few["forecast"], data=trend):
    fc = trends.forecast(trend, deadline, target=target_pass_rate)
    ctx.table(fc.table, "forecast", show=False)
    ctx.table(fc.attainment, "attainment", show=False)
    ctx.show(
        plots.trend_figure(
            report.with_intervals(fc.table, yearly), target=target_pass_rate, lang=lang
        )
    )
    ctx.say(narrative.forecast(fc.attainment, lang, trend=trend))

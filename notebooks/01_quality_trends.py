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
# One region (optionally one product): crude and standardised batch pass rates with intervals, the
# binomial GLM trend, a segmented regression at the programme start, a p / Laney p′ chart, and the
# forecast to a deadline with the probability of meeting a target. Every number and verdict in
# the text is generated from the data.

# %% tags=["parameters"]
region_code: str = "330303"  # GB/T 2260 code of any level, a 6-digit string (330303 龙湾区)
product: str = "皮鞋"  # product name as in the data, e.g. 皮鞋; empty for all products
year_from: int = 2005  # first year
year_to: int = 2024  # last year
check_level: str = "all"  # all, or national, provincial, municipal, county (comma-separated)
policy_start: float = 0.0  # programme start, decimal year (2006.68: Sep 2006); 0: from the registry
target_pass_rate: float = 0.95  # target batch pass rate, a proportion (0.95 is 95 %)
deadline: int = 2027  # year by which the target should be met
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or a records file or folder
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import metrics, narrative, plots, report, trends

ctx = report.start(
    "01_quality_trends",
    region_code=region_code,
    years=(year_from, year_to),
    check_level=check_level,
    product=product,
    lang=lang,
    data_source=data_source,
    output_dir=output_dir,
    proportions={"target_pass_rate": target_pass_rate},
    future_years={"deadline": deadline},
)
records = ctx.records()

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("yearly_rates"):
    yearly = metrics.rates(records, by="year")
    ctx.table(
        yearly,
        "yearly_rates",
        columns=["year", "batches", "passed", "pass_rate", "ci_lower", "ci_upper"],
        percent=["pass_rate", "ci_lower", "ci_upper"],
    )
    ctx.say(narrative.yearly_rates(yearly, lang))

# %%
if ctx.section("standardised"):
    std = metrics.standardise(
        records, strata=["industry_code", "enterprise_size"], by="year", empty="renormalise"
    )
    ctx.table(std, "standardised", show=False)
    ctx.show(
        plots.rates_figure(std, "year", value="std_pass_rate", title=ctx.region_name, lang=lang)
    )
    ctx.say(narrative.standardised(std, lang))

# %%
if ctx.section("trend"):
    trend = trends.glm_trend(records)
    ctx.table(trend.terms, "trend_terms", show=False)
    ctx.show(
        plots.trend_figure(
            report.with_intervals(trend.fitted, yearly), title=ctx.region_name, lang=lang
        )
    )
    ctx.say(narrative.trend(trend, lang, name=ctx.region_name))

# %%
start = report.policy_start(region_code, policy_start)
if ctx.section("segmented", data=start, reason=narrative.t("no_programme", lang)):
    seg = trends.segmented_regression(report.time_counts(records), time="t", break_at=start[0])
    ctx.table(seg.terms, "segmented_terms", show=False)
    ctx.show(plots.trend_figure(seg, break_at=start[0], title=ctx.region_name, lang=lang))
    ctx.say(narrative.segmented(seg, start[0], lang, document=start[1]))

# %%
if ctx.section("control_chart"):
    chart, dispersion = report.control_chart_auto(report.time_counts(records, quarterly=False))
    ctx.table(chart.points, "control_chart", show=False)
    ctx.show(plots.control_chart_figure(chart, lang=lang))
    ctx.say(narrative.control_chart(chart, lang, dispersion=dispersion))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("forecast"):
    fc = trends.forecast(trend, deadline, target=target_pass_rate)
    ctx.table(fc.table, "forecast", show=False)
    ctx.table(fc.attainment, "attainment", show=False)
    ctx.show(
        plots.trend_figure(
            report.with_intervals(fc.table, yearly), target=target_pass_rate, lang=lang
        )
    )
    ctx.say(narrative.forecast(fc.attainment, lang))

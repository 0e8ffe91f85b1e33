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
# # 全国背景 / National context
#
# 只使用真实公布的全国数字（`data/reference/`，每行附来源链接），不含任何合成数据：国家监督抽查的批次合格率（至 2017 年）
# 和不合格发现率（2018 年起；两者口径不同，分开作图）、制造业产品质量合格率（RPQ）、制造业质量竞争力指数（QCI）、
# 样本构成（小型企业占比），以及《质量强国建设纲要》2025 年目标的达成情况。每张图表下列出来源。
#
# The real published national figures only (`data/reference/`, each row with its source URL), no
# synthetic data: the batch pass rate of national supervisory spot checks (to 2017) and the NC
# rate (from 2018; defined differently, drawn apart), the manufacturing product-quality pass rate
# (RPQ), the quality competitiveness index (QCI), the sample composition (share of small firms),
# and the attainment of the national 2025 targets. Sources are listed under every table and figure.
#
# **`data_source`（可选）。** 全国数字从不取自 `data_source`。给出自己的数据（逐批记录或汇总计数）时，报告末尾另加一节：
# 这些数据的历年批次合格率，与公布的全国数字并列（口径未必相同）；不合格项目计数没有批次，该节只说明这一点。为空（合成样本）
# 时不加：本笔记本只用真实数字。
#
# **`data_source` (optional).** The national figures never come from `data_source`. Given your own
# data (records or counts), the report adds one section at the end: the yearly batch pass rates of
# those data, next to the published national figures (which need not be defined the same way);
# item counts hold no batches, and that section says so. Empty (the synthetic sample): nothing is
# added — this notebook shows real figures only.

# %% tags=["parameters"]
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # optional: your records or counts (a CSV, XLSX or Parquet file or folder) for an extra section
period: str = ""  # period of a table with no year column nor year in its title: 2024
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import metrics, narrative, plots, report, scorecard
from qualitykit.data.reference import national_pass_rate_series
from qualitykit.report import notes

ctx = report.start(
    "00_national_context",
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    output_dir=output_dir,
    show_scope=False,
)
spot = report.national_spot_checks()
rpq = report.national_rpq()
qci = report.national_qci()
small = report.small_firm_share()
by_size = report.size_class_rates()
goal_docs, goals = report.policy_targets("national_2025")

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("spot_checks", needs_data=False):
    ctx.table(
        spot,
        "spot_checks",
        columns=["year", "batches", "pass_rate", "nc_rate", "measure"],
        percent=["pass_rate", "nc_rate"],
    )
    ctx.say(narrative.national_series(national_pass_rate_series(), lang))
    ctx.say(narrative.source_list(spot["source_url"], lang))

# %%
ctx.show(
    plots.rates_figure(
        spot[spot["measure"] == "pass_rate"],
        "year",
        value="pass_rate",
        title=ctx.t("pass_rate_published"),
        lang=lang,
    )
)

# %%
ctx.show(
    plots.rates_figure(
        spot[spot["measure"] == "nc_rate"],
        "year",
        value="nc_rate",
        title=ctx.t("nc_rate_published"),
        lang=lang,
    )
)

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("rpq", needs_data=False):
    ctx.table(rpq, "rpq", columns=["year", "rpq", "publisher"], percent=["rpq"])
    ctx.show(plots.rates_figure(rpq, "year", value="rpq", target=0.94, lang=lang))
    ctx.say(narrative.published(rpq, "rpq", lang, name="RPQ", target=0.94, target_year=2025))
    ctx.say(narrative.source_list(rpq["source_url"], lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("qci", needs_data=False):
    ctx.table(qci, "qci", columns=["year", "qci"])
    ctx.say(
        narrative.published(
            qci, "qci", lang, name="QCI", target=86.0, target_year=2025, kind="index"
        )
    )
    ctx.say(narrative.source_list(qci["source_url"], lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("size_mix", needs_data=False):
    ctx.table(small, "size_mix", columns=["year", "period", "small_share"], percent=["small_share"])
    ctx.table(by_size, "size_class_rates", show=False)
    ctx.say(narrative.size_mix(small, by_size, lang))
    ctx.say(narrative.source_list([*small["source_url"], *by_size["source_url"]], lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("national_targets", needs_data=False):
    card = scorecard.evaluate(goals, scorecard.ReferenceProvider())
    ctx.table(
        card,
        "national_targets",
        columns=[
            "target_id",
            "indicator_zh" if lang == "zh" else "indicator",
            "required",
            "obs_year",
            "observed",
            "prob_meet",
            "status",
            f"status_reason_{lang}",
        ],
        percent=["prob_meet"],
    )
    ctx.say(narrative.scorecard(card, lang))
    ctx.say(narrative.source_list(goal_docs["source_url"], lang))

# %%
# (not NBVAL-checked: shown only for a user's data; the golden notebook runs on the sample, and
# the golden tables of the real_* cases check these numbers)
if not ctx.is_sample and ctx.section("yearly_rates", needs="rates"):
    own = metrics.rates(ctx.counts(), by="year")
    ctx.say(notes.own_series(ctx.region_name, lang))
    ctx.table(
        own,
        "own_yearly_rates",
        columns=["year", "batches", "passed", "pass_rate", "ci_lower", "ci_upper"],
        percent=["pass_rate", "ci_lower", "ci_upper"],
    )
    ctx.say(narrative.yearly_rates(own, lang))

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

# %% tags=["parameters"]
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import narrative, plots, report, scorecard
from qualitykit.data.reference import national_pass_rate_series

ctx = report.start("00_national_context", lang=lang, output_dir=output_dir, show_scope=False)
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

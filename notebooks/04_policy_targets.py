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
# # 政策目标 / Policy targets
#
# 一份政策文件（或涉及某地区的全部文件）承诺了什么、期限何时、现在是否达成：目标登记表（`data/targets/`，每项目标附原文）、
# 目标记分卡（已达标 / 未达标 / 无法判定 / 进度正常 / 进度滞后 / 无数据 / 定性目标：已达标、未达标指置信区间整体达到或未达到要求，
# 无法判定指区间跨越要求；期限未到的目标按趋势外推的达成概率判断），以及各文件之间抽查合格率目标的比较。每项目标的要求按文件原文的
# 写法列出（区间如 5–6、30–50，相对目标如“高于全省平均水平 2–5 个百分点”），并附该目标自己的原文分句。记分卡的规则见
# `qualitykit.policy.scorecard` 的说明。
#
# What a policy document (or every document concerning a region) promised, by when, and whether it
# is met: the target registry (`data/targets/`, each target with its source sentence), the
# scorecard (met / not met / inconclusive / on track / off track / no data / qualitative: met and
# not met mean the whole interval meets or fails the requirement, inconclusive that it straddles
# it; a target whose deadline is ahead is judged on the probability of meeting it from the trend
# forecast) and the spot-check pass-rate targets compared across documents. Each requirement is
# shown as the document states it (ranges such as 5–6 or 30–50, relative targets such as "2–5 pp
# above the provincial average"), with the target's own clause of the source sentence. The
# scorecard's rules are in the docstring of `qualitykit.policy.scorecard`.
#
# **数据形态。** 目标和文件只来自登记表；`data_source` 只用于按数据评估抽查合格率目标：逐批记录（合成样本或自己的数据）
# 和汇总计数都可以（没有 GB/T 2260 代码的非标准单位不对应任何文件中的地区，不参与评估）；不合格项目计数没有批次，
# 记分卡只用公布的全国数字，其余目标标为无数据。
#
# **Data shapes.** Documents and targets come from the registry only; `data_source` is used only to
# evaluate spot-check pass-rate targets against data: records (the synthetic sample or your own)
# and counts both serve (non-standard units, which no document names, are left out); item counts
# hold no batches, so the scorecard uses the published national figures only and marks the other
# targets as without data.

# %% tags=["parameters"]
document_id: str = "longwan_2006"  # a document id of data/targets (empty: by region_code)
region_code: str = ""  # with no document_id: the targets concerning this region (a string)
as_of: int = 0  # evaluate as if in this year (0: use all years of the data)
quantitative_only: bool = False  # leave out the qualitative aims
lang: str = "zh"  # language of labels and text: zh (Chinese) or en (English)
data_source: str = ""  # empty: the synthetic sample; sample:tiny; or records / counts: a CSV, XLSX or Parquet file or folder
period: str = ""  # period of a table with no year column nor year in its title: 2024
units_file: str = ""  # CSV declaring 开发区 and other non-standard units: name,parent
output_dir: str = ""  # folder for the tables (empty: outputs/interactive/...)

# %%
from qualitykit import narrative, report, scorecard, targets

ctx = report.start(
    "04_policy_targets",
    region_code=region_code or None,
    lang=lang,
    data_source=data_source,
    period=period,
    units_file=units_file,
    output_dir=output_dir,
    document_id=document_id,
    future_years={"as_of": as_of} if as_of else None,
    show_scope=False,
)
docs, selected = report.policy_targets(
    document_id, region_code, quantitative_only=quantitative_only
)

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("documents", needs_data=False, data=docs):
    ctx.table(
        docs,
        "documents",
        columns=[
            "document_id",
            "title",
            "doc_number",
            "region_name",
            "date",
            "n_targets",
            "n_quantitative",
        ],
    )
    ctx.say(narrative.documents(docs, selected, lang))

# %%
if ctx.section("targets", needs_data=False, data=selected):
    ctx.table(selected, "targets", show=False)
    ctx.table(
        narrative.targets_view(selected, lang),
        columns=["target_id", "indicator", "requirement", "deadline", "clause"],
        max_rows=60,
    )

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("scorecard", needs_data=False, data=selected):
    provider = report.scorecard_provider(ctx.data)
    card = scorecard.evaluate(selected, provider, as_of=as_of or None)
    ctx.table(
        card,
        "scorecard",
        columns=[
            "target_id",
            "deadline_year",
            "obs_year",
            "observed",
            "prob_meet",
            "status",
            f"status_reason_{lang}",
        ],
        percent=["observed", "prob_meet"],
        max_rows=60,
    )
    ctx.table(scorecard.scorecard_summary(card), "scorecard_summary", show=False)
    ctx.say(narrative.scorecard(card, lang))

# %%
# NBVAL_CHECK_OUTPUT
if ctx.section("targets_compared", needs_data=False):
    rates = targets.targets_table(indicator="spot_check_pass_rate", qualitative=False)
    ctx.table(rates, "targets_compared", show=False)
    ctx.table(
        narrative.targets_view(rates, lang),
        columns=["target_id", "region", "requirement", "deadline", "check_level", "product"],
    )
    ctx.say(narrative.targets_compared(rates, lang))

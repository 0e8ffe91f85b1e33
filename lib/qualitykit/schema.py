"""The canonical tables of qualitykit (DESIGN §3) and the header aliases that map onto them.

Three tables are canonical:

* **records** — one row per sampled batch (批次) of a supervisory spot check;
* **nonconformities** — one row per failed test item of a batch;
* **counts** — aggregated ``batches`` / ``passed`` (or ``nonconforming``) by any grouping columns.

Conventions used by every module:

* region codes (``region_code``) are 6-character strings of GB/T 2260; industry codes are
  2-character strings of GB/T 4754-2017 — never integers, leading zeros survive;
* proportions are in [0, 1] (``pass_rate``, ``nc_rate``, ``ci_lower``, ``ci_upper``); differences
  of proportions are in percentage points in columns ending ``_pp``; only the published reference
  figures keep percentages 0–100 in columns ending ``_pct``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

CHECK_LEVELS: tuple[str, ...] = ("national", "provincial", "municipal", "county")
"""国家 / 省 / 市 / 县级监督抽查, in this order."""

CHECK_LEVEL_ZH: dict[str, str] = {
    "national": "国家监督抽查",
    "provincial": "省级监督抽查",
    "municipal": "市级监督抽查",
    "county": "县级监督抽查",
}

ENTERPRISE_SIZES: tuple[str, ...] = ("large", "medium", "small", "micro")
ENTERPRISE_SIZE_ZH: dict[str, str] = {
    "large": "大型",
    "medium": "中型",
    "small": "小型",
    "micro": "微型",
}

SALES_CLASSES: tuple[str, ...] = ("A", "B", "C")
"""Longwan (龙湾区, 2006) enterprise classes by annual sales in 10k CNY (万元):
A ≥ 5,000万 (重点培育), B 1,000–5,000万 (重点帮扶), C < 1,000万 (重点监管)."""

SALES_CLASS_BOUNDS_10K_CNY: tuple[float, float] = (1000.0, 5000.0)

CAUSES_5M1E: tuple[str, ...] = (
    "man",
    "machine",
    "material",
    "method",
    "measurement",
    "environment",
)
CAUSE_5M1E_ZH: dict[str, str] = {
    "man": "人",
    "machine": "机",
    "material": "料",
    "method": "法",
    "measurement": "测",
    "environment": "环",
}
CONTROLLABILITY: tuple[str, ...] = ("management", "operator")
"""Juran: management-controllable (system) versus operator-controllable causes."""

YEAR_MIN, YEAR_MAX = 1990, 2100


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: str  # "str", "int", "float", "bool", "category", "date"
    required: bool
    description: str
    categories: tuple[str, ...] | None = None


RECORD_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "str", True, "unique id of the sampled batch"),
    Column("year", "int", True, "year of the check"),
    Column("quarter", "int", False, "quarter 1–4"),
    Column("sampled_on", "date", False, "sampling date"),
    Column(
        "check_level", "category", True, "national / provincial / municipal / county", CHECK_LEVELS
    ),
    Column(
        "region_code",
        "str",
        True,
        "GB/T 2260 code of the producer's county-level division (6 digits)",
    ),
    Column("industry_code", "str", True, "GB/T 4754-2017 manufacturing division, 2 digits (13–41)"),
    Column("product", "str", True, "product name, e.g. 皮鞋"),
    Column("enterprise_id", "str", True, "producer id"),
    Column(
        "enterprise_size", "category", False, "large / medium / small / micro", ENTERPRISE_SIZES
    ),
    Column("annual_sales", "float", False, "annual sales in 10k CNY (万元); gives the A/B/C class"),
    Column("passed", "bool", True, "the batch passed every test item"),
)

NONCONFORMITY_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "str", True, "the failed batch (a batch_id of the records)"),
    Column("item", "str", True, "failed test item, e.g. 成鞋耐折性能"),
    Column(
        "category", "str", False, "item category: safety / performance / labelling / material …"
    ),
    Column(
        "cause_5m1e",
        "category",
        False,
        "man / machine / material / method / measurement / environment",
        CAUSES_5M1E,
    ),
    Column("controllable", "category", False, "management / operator (Juran)", CONTROLLABILITY),
)

COUNT_VALUE_COLUMNS: tuple[str, ...] = ("batches", "passed", "nonconforming")
"""An aggregated-counts table has any grouping columns plus ``batches`` and ``passed`` or
``nonconforming`` (non-negative integers, ``passed + nonconforming == batches``)."""

ITEM_COUNT_COLUMNS: tuple[Column, ...] = (
    Column("item", "str", True, "test item or cause category, e.g. 成鞋耐折性能"),
    Column("nc_count", "int", True, "nonconformities (failed batches) on that item"),
)
"""An item-counts table (nonconformities per test item or cause category, e.g. for a Pareto
chart) has ``item`` and ``nc_count`` plus optional ``region_code`` / ``region_name``, ``year``,
``period``, ``product``, ``category``."""

RATE_COLUMNS: tuple[str, ...] = ("pass_rate", "nc_rate")
"""A published rate (合格率 / 不合格率, percent or proportion) that, with ``batches``, gives the
counts of a counts table (``passed`` = round(batches × pass_rate), said in a note)."""

EXTRA_COLUMNS: tuple[str, ...] = ("region_name", "period", "channel")
"""Optional columns of every shape: a unit given by name (resolved to ``region_code``, see
:mod:`qualitykit.data.units`), a period label (2019H2, 2023Q3, 2023年第三季度 …) and the sampling
channel (生产领域 / 流通领域 / 电商)."""

TABLES: dict[str, tuple[Column, ...]] = {
    "records": RECORD_COLUMNS,
    "nonconformities": NONCONFORMITY_COLUMNS,
}

# Header aliases: normalised header (lower case, stripped, full-width brackets and spaces removed)
# -> canonical name. Chinese headers seen in published spot-check notices and in user files.
COLUMN_ALIASES: dict[str, str] = {
    # records
    "批次编号": "batch_id",
    "批次号": "batch_id",
    "样品编号": "batch_id",
    "抽样单编号": "batch_id",
    "报告编号": "batch_id",
    "batch": "batch_id",
    "batchid": "batch_id",
    "年份": "year",
    "年度": "year",
    "抽查年份": "year",
    "年": "year",
    "季度": "quarter",
    "抽查季度": "quarter",
    "抽样日期": "sampled_on",
    "抽查日期": "sampled_on",
    "日期": "sampled_on",
    "date": "sampled_on",
    "抽查级别": "check_level",
    "抽查层级": "check_level",
    "抽查类型": "check_level",
    "level": "check_level",
    "地区代码": "region_code",
    "行政区划代码": "region_code",
    "区划代码": "region_code",
    "地区编码": "region_code",
    "regioncode": "region_code",
    "adcode": "region_code",
    "行业代码": "industry_code",
    "行业大类代码": "industry_code",
    "industrycode": "industry_code",
    "产品名称": "product",
    "产品": "product",
    "产品类别": "product",
    "样品名称": "product",
    "企业编号": "enterprise_id",
    "企业代码": "enterprise_id",
    "统一社会信用代码": "enterprise_id",
    "生产企业": "enterprise_id",
    "受检企业": "enterprise_id",
    "企业名称": "enterprise_id",
    "enterpriseid": "enterprise_id",
    "企业规模": "enterprise_size",
    "规模": "enterprise_size",
    "enterprisesize": "enterprise_size",
    "年销售额": "annual_sales",
    "年销售额(万元)": "annual_sales",
    "销售额": "annual_sales",
    "annualsales": "annual_sales",
    "是否合格": "passed",
    "合格": "passed",
    "检验结论": "passed",
    "结论": "passed",
    "判定": "passed",
    # nonconformities
    "不合格项目": "item",
    "不合格项": "item",
    "不合格项目名称": "item",
    "检验项目": "item",
    "项目类别": "category",
    "类别": "category",
    "原因": "cause_5m1e",
    "5m1e": "cause_5m1e",
    "可控性": "controllable",
    "责任": "controllable",
    # counts
    "抽查批次": "batches",
    "抽查批次数": "batches",
    "批次数": "batches",
    "抽样批次": "batches",
    "合格批次": "passed",
    "合格批次数": "passed",
    "不合格批次": "nonconforming",
    "不合格批次数": "nonconforming",
    "nc_batches": "nonconforming",
    "pass_batches": "passed",
    # item counts, rates, names, periods, channels (issue 10)
    "不合格数": "nc_count",
    "不合格次数": "nc_count",
    "不合格项次": "nc_count",
    "频次": "nc_count",
    "次数": "nc_count",
    "出现次数": "nc_count",
    "count": "nc_count",
    "合格率": "pass_rate",
    "合格率(%)": "pass_rate",
    "批次合格率": "pass_rate",
    "批次合格率(%)": "pass_rate",
    "抽查合格率": "pass_rate",
    "抽样合格率": "pass_rate",
    "passrate": "pass_rate",
    "passratepct": "pass_rate",
    "不合格率": "nc_rate",
    "不合格率(%)": "nc_rate",
    "批次不合格率": "nc_rate",
    "抽查不合格率": "nc_rate",
    "不合格发现率": "nc_rate",
    "不合格产品检出率": "nc_rate",
    "ncrate": "nc_rate",
    "ncratepct": "nc_rate",
    "地区": "region_name",
    "地区名称": "region_name",
    "区域": "region_name",
    "区县": "region_name",
    "区县名称": "region_name",
    "县(市、区)": "region_name",
    "县(市区)": "region_name",
    "行政区": "region_name",
    "行政区划名称": "region_name",
    "单位": "region_name",
    "地市": "region_name",
    "region": "region_name",
    "unit": "region_name",
    "district": "region_name",
    "时期": "period",
    "期间": "period",
    "统计期": "period",
    "抽查时间": "period",
    "抽查期间": "period",
    "领域": "channel",
    "抽查领域": "channel",
    "抽样环节": "channel",
    "环节": "channel",
    "抽查执行环节": "channel",
    "抽样区域": "region_name",
    "各区域抽查批次数": "batches",
    "产品类别名称": "product",
    "产品种类": "product",
    "项目": "item",
    "不合格项目类别": "item",
    # more headers seen in notices (added with io)
    "检验结果": "passed",
    "抽检结果": "passed",
    "抽查结果": "passed",
    "区县代码": "region_code",
    "主要不合格项目": "item",
}

BOOLEAN_TRUE: frozenset[str] = frozenset(
    {"true", "t", "yes", "y", "1", "1.0", "pass", "passed", "合格", "是", "通过", "符合"}
)
BOOLEAN_FALSE: frozenset[str] = frozenset(
    {"false", "f", "no", "n", "0", "0.0", "fail", "failed", "不合格", "否", "未通过", "不符合"}
)

CHECK_LEVEL_ALIASES: dict[str, str] = {
    **{k: k for k in CHECK_LEVELS},
    "国家": "national",
    "国家级": "national",
    "国家监督抽查": "national",
    "国抽": "national",
    "省": "provincial",
    "省级": "provincial",
    "省级监督抽查": "provincial",
    "省级定期监督抽查": "provincial",
    "省级专项监督抽查": "provincial",
    "市级定期监督抽查": "municipal",
    "县级定期监督抽查": "county",
    "省抽": "provincial",
    "市": "municipal",
    "市级": "municipal",
    "市级监督抽查": "municipal",
    "县": "county",
    "县级": "county",
    "县级监督抽查": "county",
    "区县": "county",
}

ENTERPRISE_SIZE_ALIASES: dict[str, str] = {
    **{k: k for k in ENTERPRISE_SIZES},
    "大": "large",
    "大型": "large",
    "中": "medium",
    "中型": "medium",
    "小": "small",
    "小型": "small",
    "微": "micro",
    "微型": "micro",
}

CAUSE_5M1E_ALIASES: dict[str, str] = {
    **{k: k for k in CAUSES_5M1E},
    **{zh: k for k, zh in CAUSE_5M1E_ZH.items()},
    "manpower": "man",
    "人员": "man",
    "设备": "machine",
    "材料": "material",
    "原材料": "material",
    "方法": "method",
    "工艺": "method",
    "测量": "measurement",
    "检测": "measurement",
    "环境": "environment",
}
"""5M1E cause values accepted by the loader (人机料法测环 and common longer forms)."""

CONTROLLABILITY_ALIASES: dict[str, str] = {
    **{k: k for k in CONTROLLABILITY},
    "管理": "management",
    "管理者": "management",
    "管理可控": "management",
    "操作": "operator",
    "操作者": "operator",
    "操作者可控": "operator",
    "操作工": "operator",
}
"""Controllability values accepted by the loader (Juran: management- vs operator-controllable)."""


def _inspection_variants(aliases: dict[str, str]) -> dict[str, str]:
    """抽查 (spot check) and 抽检 (sampling inspection) headers mean the same column."""
    out = dict(aliases)
    for k, v in aliases.items():
        for a, b in (("抽查", "抽检"), ("抽检", "抽查")):
            if a in k:
                out.setdefault(k.replace(a, b), v)
    return out


COLUMN_ALIASES = _inspection_variants(COLUMN_ALIASES)


def normalise_header(header: object) -> str:
    """Lower-case, strip, drop spaces/underscores/full-width brackets so aliases match loosely."""
    text = str(header).strip().lower().replace("\ufeff", "")
    for a, b in (
        ("（", "("),
        ("）", ")"),
        (" ", ""),
        ("\u3000", ""),
        ("_", ""),
        ("-", ""),
        ("％", "%"),
    ):
        text = text.replace(a, b)
    return text


_CANONICAL: dict[str, str] = {
    normalise_header(c.name): c.name for cols in TABLES.values() for c in cols
} | {
    normalise_header(c): c
    for c in (*COUNT_VALUE_COLUMNS, *RATE_COLUMNS, *EXTRA_COLUMNS, "nc_count", "region_name")
}
_ALIASES: dict[str, str] = {normalise_header(k): v for k, v in COLUMN_ALIASES.items()}


def canonical_name(header: object) -> str | None:
    """The canonical column a header stands for, or None if it is not one we know."""
    key = normalise_header(header)
    return _CANONICAL.get(key) or _ALIASES.get(key)


def sales_class(annual_sales_10k_cny: pd.Series) -> pd.Series:
    """Longwan A/B/C class from annual sales in 万元 (A ≥ 5000, B 1000–5000, C < 1000); NA stays NA."""
    low, high = SALES_CLASS_BOUNDS_10K_CNY
    s = pd.to_numeric(annual_sales_10k_cny, errors="coerce")
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    out[s >= high] = "A"
    out[(s >= low) & (s < high)] = "B"
    out[s < low] = "C"
    return out.astype(pd.CategoricalDtype(list(SALES_CLASSES)))

"""Policy-target registry (``qualitykit.policy.targets``): the YAML files of ``data/targets/``.

What the tests compare with:

* the **documents themselves**. The seed texts (copied verbatim from ``../shared/seeds/`` into
  ``tests/fixtures/targets/seeds/``) must contain every ``source_sentence``, and every number of a
  quantitative target must be printed in its clause. The expected numbers of targets per document
  come from my reading of each document; the sentences they come from are listed next to the
  counts, so a reviewer can redo the count.
* the **reference table** ``data/reference/policy_targets.csv`` for the four national 2025 targets
  (an independent file written before the registry).
* **broken fixtures** (``tests/fixtures/targets/bad_*.yaml``): the error must name the file, the
  target id and the field.

No published "expected" registry exists to compare with, so there are no further reference
numbers. The values of the key targets below are checked against the document wording, quoted in
the comments.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from qualitykit.errors import InputError, NoDataError, ParameterError
from qualitykit.paths import data_dir
from qualitykit.policy import registry, targets, vocabulary

FIXTURES = Path(__file__).parent / "fixtures" / "targets"
SEEDS = FIXTURES / "seeds"
TARGET_DIR = data_dir() / "targets"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reg() -> targets.Registry:
    return targets.load_registry()


@pytest.fixture(scope="module")
def table(reg: targets.Registry) -> pd.DataFrame:
    return targets.targets_table(reg)


# ------------------------------------------------------------------------------------------
# every file validates, sentences are verbatim


@pytest.mark.parametrize("path", sorted(TARGET_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_target_file_validates(path: Path) -> None:
    assert targets.validate_file(path) == []


def test_registry_holds_the_five_seed_documents_and_the_national_targets(reg) -> None:
    assert set(reg.documents) == {
        "longwan_2006", "xianning_2016", "town_fibre_base", "zhoushan_report", "chenzhou_2010",
        "national_2025",
    }  # fmt: skip
    sources = {d.source_file for d in reg.documents.values()} - {None}
    assert sources == {p.name for p in SEEDS.glob("*.txt")}


def test_source_sentences_are_verbatim_in_the_seed_texts(reg) -> None:
    assert targets.verify_sources(reg, SEEDS) == []


def test_seed_copies_match_the_shared_originals() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not available (CI)")
    for copy in SEEDS.glob("*.txt"):
        assert copy.read_bytes() == (shared / copy.name).read_bytes(), copy.name


def test_verify_sources_reports_a_sentence_that_is_not_in_the_text(tmp_path: Path) -> None:
    text = (TARGET_DIR / "longwan_2006.yaml").read_text(encoding="utf-8")
    # 85%以上 -> 88%以上: the sentence no longer occurs in the seed text
    (tmp_path / "longwan_2006.yaml").write_text(
        text.replace("合格率达85%以上", "合格率达88%以上"), "utf-8"
    )
    problems = targets.verify_sources(targets.load_registry(tmp_path), SEEDS)
    # the sentence is shared (a YAML anchor) by targets .12 to .18
    assert [p.message.split(",")[0] for p in problems] == [
        f"target 'longwan_2006.{i}'" for i in range(12, 19)
    ]
    assert all(p.column == "source_sentence" for p in problems)


# ------------------------------------------------------------------------------------------
# counts per document, from my reading of each document

# (quantitative, qualitative). What counts is set out in data/targets/README.md. In short: a
# target is quantitative if the document prints a number for it or names an average to beat. It
# is split per check level, per reference and per quantity. 一批, 明显提高, 居前列, 全部 and 均 stay
# qualitative. Sub-headings are not targets.
EXPECTED_COUNTS = {
    # 000 Longwan, 二、工作目标 (two sentences).
    #  S1 "通过两年时间的努力,…": quantitative 4: 国家产品质量监督抽查合格率高于全国、全省、全市平均水平 (3,
    #     one per reference) and 产品质量指数稳定在95以上. Qualitative 7: 企业质量管理基础进一步夯实,
    #     产品质量有较明显提高, 企业技术创新能力进一步增强, 采用国际标准的比例有明显提高,
    #     市场准入比例在全市领先, 培育一批…名牌产品, 明显区域优势.
    #  S2 "…力争到“十一五”末,…": quantitative 4: 国家级监督抽查合格率达85%以上, 省级定期监督抽查合格率
    #     达90%以上, 产品质量指数达到96以上, 名牌产品的销售产值占该行业销售总值的50%. Qualitative 3:
    #     再培育一批…名牌产品, 名牌经济对我区经济贡献率进一步提高, 行业协会规范行业自律行为初步实现.
    "longwan_2006": (8, 10),
    # 001 Xianning, 二、工作目标 and 四(二).
    #  "培育一批…示范区(项目)和示范企业": qualitative 1. "逐步构建“放、管、治”三位一体…格局":
    #  qualitative 1. "力争用5年时间创建5—10个国家示范区(项目),500家企业参与质量提升活动,使重点产品
    #  质量国家和省级监督抽查合格率明显提升,稳定在95%以上": quantitative 4 (5—10 zones, 500 firms, 95%
    #  national, 95% provincial). "力争到2020年,…居全省前列,…国内领先水平,基本建成质量强市":
    #  qualitative 3. 四(二) "各地…每年选取一个产业集聚区,围绕1—2个主导产业…": quantitative 2.
    "xianning_2016": (6, 5),
    # 002 town (化纤). 三、目标任务, "在三到五年时间里,…": qualitative 4 (一批基地, 一批龙头骨干企业,
    #  一批区域品牌, 先进制造业基地). 近期目标 "现要求化纤行业的生产企业合法经营,按标准要求组织生产,
    #  均建立全过程质量控制制度,并具备…检验能力,产品质量监督抽查合格率处于较高水平": qualitative 5.
    #  长期目标 "创建成2~3个优质产品生产基地": quantitative 1. Then "区域产品质量长期稳定并保持领先,
    #  市场占有率有一定优势,区域产业集群规模明显扩大,规划布局合理,成为本区域经济支柱行业,规模以上企业
    #  建立全过程质量保证体系,龙头企业按照先进标准要求组织生产,其技术装备…处于领先地位,…打造成为
    #  全省、全国著名的优质产品生产基地": qualitative 9.
    "town_fibre_base": (1, 18),
    # 003 Zhoushan report, 三(一)3 "總體目標。經過5__年的努力,把我市建設成為全國“質量興市”先進市,
    #  縣區全部通過省級驗收。": qualitative 2 (the title; all counties pass, 全部 without a number). The
    #  rest of the report gives status figures, not targets.
    "zhoushan_report": (0, 2),
    # 004 Chenzhou, 二、进一步明确质量兴郴工作目标.
    #  (一) "到2015年，努力使…适应经济社会发展要求，主要技术指标达到省内甚至国内先进水平": qual 2.
    #  (二) "500家规模以上工业企业…有明显提高，5-6家企业获得湖南省质量管理奖": quant 2; "培育30-50家…
    #      标志性工业企业": quant 1; "选择…10个大品牌作为重点扶持对象，使我市骨干企业整体素质跃居全省
    #      先进水平，进入国际市场": quant 1, qual 2.
    #  (三) sentence 1: 采标85%, 工业产品标准覆盖率98%, 主导农产品标准覆盖率95%, 重点/名牌产品国家和省级
    #      合格率100% (2), 出口产品出厂合格率100%, 高于全省平均水平2-5个百分点 (national and provincial,
    #      2), 新产品产值率11%: quant 9. 绿色食品 全部: qual 1. Sentence 2: 湖南省名牌40-50个, 中国名牌
    #      4-5个, 名牌经济规模20%以上, 四项增长幅度超过全省平均水平 (4): quant 7. 部分指标在全省名列前茅:
    #      qual 1.
    #  (四) "竣工工程质量全部达到…(qual)，一次验收合格率达100%，优良率达到85%以上，…综合满意指标不断
    #      提高(qual)": quant 2, qual 2. "杜绝不合格工程项目投入使用": qual 1.
    #  (五) "…尽快形成一批…精品服务项目和大型现代服务企业，带动整体服务质量向国内先进水平跃进": qual 2.
    #      "新创建…示范街…50家，服务标准化达标单位30家以上，服务企业通过质量体系认证20家，创建湖南服务
    #      名牌2-3个": quant 4.
    #  (六) "…对废气、废水、废渣实行达标排放，到2015年底基本实现城市垃圾分类无害化处理": qual 2.
    #  Quantitative 2+1+1+9+7+2+4 = 26. Qualitative 2+2+1+1+3+2+2 = 13.
    "chenzhou_2010": (26, 13),
    # national: the four 2025 rows of data/reference/policy_targets.csv (QCI 86, RPQ 94%, 农产品例行监测
    # 98%, 食品抽检 98%).
    "national_2025": (4, 0),
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_COUNTS))
def test_number_of_quantitative_and_qualitative_targets(reg, doc_id: str) -> None:
    doc = reg.document(doc_id)
    n_qual = sum(t.qualitative for t in doc.targets)
    assert (len(doc.targets) - n_qual, n_qual) == EXPECTED_COUNTS[doc_id]


def test_documents_table_counts_agree(reg) -> None:
    docs = targets.documents_table(reg).set_index("document_id")
    for doc_id, (n_quant, n_qual) in EXPECTED_COUNTS.items():
        assert docs.loc[doc_id, "n_quantitative"] == n_quant
        assert docs.loc[doc_id, "n_qualitative"] == n_qual
    assert docs["n_targets"].sum() == 93


# ------------------------------------------------------------------------------------------
# the numbers are the documents' numbers


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def _numbers_in(text: str) -> set[float]:
    """Arabic numbers, and a single Chinese numeral before a measure word (一个 → 1)."""
    arabic = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)}
    chinese = {
        float(_CN_DIGITS[c]) for c in re.findall(r"([零一二两三四五六七八九十])[个家项]", text)
    }
    return arabic | chinese


def test_every_number_of_a_quantitative_target_is_printed_in_its_clause(table) -> None:
    quant = table[~table["qualitative"]]
    for row in quant.itertuples():
        clause = row.clause if pd.notna(row.clause) else row.source_sentence
        printed = _numbers_in(clause)
        for value in (row.threshold, row.range_low, row.range_high):
            if pd.notna(value):
                assert value in printed, (row.target_id, value, clause)
        if row.comparator in ("above_reference", "above_reference_by"):
            assert "平均水平" in clause, row.target_id
        if row.unit == "pp":
            assert "百分点" in clause, row.target_id


def test_qualitative_clauses_print_no_target_number(table) -> None:
    qual = table[table["qualitative"]]
    assert qual[["comparator", "threshold", "range_low", "range_high", "unit"]].isna().all().all()
    for row in qual.itertuples():
        # years (2015年底) are dates, not target values; 5__年 is a time span
        clause = row.clause if pd.notna(row.clause) else row.source_sentence
        stripped = re.sub(r"\d{4}年|5__年", "", clause)
        assert not re.search(r"\d", stripped), (row.target_id, clause)


def test_stated_deadlines_are_in_the_sentence(table) -> None:
    stated = table[table["deadline_basis"] == "stated"]
    assert len(stated) > 0
    for row in stated.itertuples():
        assert str(row.deadline_year) in row.source_sentence, row.target_id
    derived = table[table["deadline_basis"] == "derived"]
    assert derived["deadline_note"].notna().all()


def _row(table: pd.DataFrame, target_id: str) -> pd.Series:
    return table.set_index("target_id").loc[target_id]


@pytest.mark.parametrize(
    ("target_id", "comparator", "lower", "upper", "unit", "check_level", "deadline"),
    [
        # Longwan: "力争到“十一五”末,皮鞋产品国家级监督抽查合格率达85%以上,省级定期监督抽查合格率达90%以上,
        # 产品质量指数达到96以上" and "产品质量指数稳定在95以上" (两年: Sept 2008)
        ("longwan_2006.12", ">=", 85, None, "pct", "national", "2010"),
        ("longwan_2006.13", ">=", 90, None, "pct", "provincial", "2010"),
        ("longwan_2006.14", ">=", 96, None, "index", None, "2010"),
        ("longwan_2006.09", ">=", 95, None, "index", None, "2008-09"),
        ("longwan_2006.16", ">=", 50, None, "pct", None, "2010"),
        # Xianning: "用5年时间创建5—10个国家示范区(项目)…稳定在95%以上"
        ("xianning_2016.03", "range", 5, 10, "count", None, "2020"),
        ("xianning_2016.05", ">=", 95, None, "pct", "national", "2020"),
        ("xianning_2016.06", ">=", 95, None, "pct", "provincial", "2020"),
        # Chenzhou: "高于全省平均水平2-5个百分点", "达到100%", "湖南省名牌产品达到40-50个"
        ("chenzhou_2010.16", "above_reference_by", 2, 5, "pp", "national", "2015"),
        ("chenzhou_2010.17", "above_reference_by", 2, 5, "pp", "provincial", "2015"),
        ("chenzhou_2010.13", "==", 100, 100, "pct", "national", "2015"),
        ("chenzhou_2010.19", "range", 40, 50, "count", None, "2015"),
        ("chenzhou_2010.20", "range", 4, 5, "count", None, "2015"),
        ("chenzhou_2010.04", "range", 5, 6, "count", None, "2015"),
        ("chenzhou_2010.05", "range", 30, 50, "count", None, "2015"),
        ("chenzhou_2010.37", "range", 2, 3, "count", None, "2015"),
        ("chenzhou_2010.18", ">=", 11, None, "pct", None, "2015"),
        # town: "创建成2~3个优质产品生产基地" (undated: no deadline)
        ("town_fibre_base.10", "range", 2, 3, "count", None, None),
    ],
)
def test_key_targets_read_as_the_documents_print_them(
    table, target_id, comparator, lower, upper, unit, check_level, deadline
) -> None:
    row = _row(table, target_id)
    assert row["comparator"] == comparator
    assert (None if pd.isna(row["lower"]) else row["lower"]) == lower
    assert (None if pd.isna(row["upper"]) else row["upper"]) == upper
    assert row["unit"] == unit
    assert (None if pd.isna(row["check_level"]) else row["check_level"]) == check_level
    assert (None if pd.isna(row["deadline"]) else row["deadline"]) == deadline


def test_relative_targets_name_their_reference_regions(table) -> None:
    # Longwan "高于全国、全省、全市平均水平": the nation, Zhejiang, Wenzhou
    refs = table[table["target_id"].isin(["longwan_2006.06", "longwan_2006.07", "longwan_2006.08"])]
    assert list(zip(refs["reference_level"], refs["reference_region_code"], strict=True)) == [
        ("national", "000000"), ("provincial", "330000"), ("municipal", "330300"),
    ]  # fmt: skip
    assert (refs["comparator"] == "above_reference").all()
    # Chenzhou "高于全省平均水平" and "超过全省平均水平": Hunan
    cz = table[(table["document_id"] == "chenzhou_2010") & table["reference_level"].notna()]
    assert set(cz["reference_region_code"]) == {"430000"}
    assert len(cz) == 6


def test_national_targets_match_the_reference_table(table) -> None:
    ref = pd.read_csv(
        data_dir() / "reference" / "policy_targets.csv", dtype={"target_year": "Int64"}
    )
    ref = ref[ref["target_year"] == 2025]
    nat = table[table["document_id"] == "national_2025"]
    indicator_zh = {
        "quality_competitiveness_index": "制造业质量竞争力指数",
        "rpq_pass_rate": "制造业产品质量合格率",
        "agri_monitoring_pass_rate": "农产品质量安全例行监测合格率",
        "food_sampling_pass_rate": "食品抽检合格率",
    }
    assert set(nat["indicator"]) == set(indicator_zh)
    for row in nat.itertuples():
        r = ref[ref["indicator"] == indicator_zh[row.indicator]].iloc[0]
        assert row.threshold == r["target_value"]
        assert row.comparator == r["comparator"]
        assert row.unit == r["unit"]
        assert row.deadline_year == r["target_year"]
        latest = r["latest_actual_reported"]
        assert (
            pd.isna(row.latest_actual_value) and pd.isna(latest)
        ) or row.latest_actual_value == latest
    doc_url = targets.load_registry().document("national_2025").source_url
    assert set(ref["source_url"]) == {doc_url}


def test_region_codes_and_unknown_region(reg) -> None:
    docs = targets.documents_table(reg).set_index("document_id")
    assert docs.loc["longwan_2006", "region_code"] == "330303"
    assert docs.loc["longwan_2006", "region_name"] == "龙湾区"
    assert docs.loc["xianning_2016", "region_code"] == "421200"
    assert docs.loc["chenzhou_2010", "region_code"] == "431000"
    assert docs.loc["zhoushan_report", "region_code"] == "330900"
    assert pd.isna(docs.loc["town_fibre_base", "region_code"])
    assert reg.document("town_fibre_base").region_note  # says why
    assert docs.loc["chenzhou_2010", "doc_number"] == "郴政发〔2010〕4号"
    assert docs.loc["xianning_2016", "doc_number"] == "咸政办函〔2016〕37号"


def test_longwan_phases(reg) -> None:
    ph = targets.phases_table(reg, document="longwan_2006")
    assert list(ph["phase"]) == ["动员部署阶段", "调查摸底阶段", "培育提升阶段", "总结提高阶段"]
    assert list(ph["end"]) == ["2006-09-15", "2006-12-15", "2007-09-15", "2007-10-31"]
    assert list(ph["start"])[1:] == ["2006-09-16", "2006-12-16", "2007-09-16"]
    assert list(ph["order"]) == [1, 2, 3, 4]


def test_traditional_source_has_a_simplified_rendering(reg) -> None:
    doc = reg.document("zhoushan_report")
    assert doc.script == "traditional"
    for t in doc.targets:
        assert "(zhì)" in t.source_sentence  # the mojibake is kept
        assert t.source_sentence_simplified and "(" not in t.source_sentence_simplified


# ------------------------------------------------------------------------------------------
# tables


def test_targets_table_columns_and_dtypes(table) -> None:
    assert list(table.columns) == list(targets._TARGET_COLUMNS)
    assert table["region_code"].dtype == "string"
    assert table["qualitative"].dtype == "boolean"
    assert table["deadline_year"].dtype == "Int64"
    assert table["target_id"].is_unique
    assert len(table) == 93


def test_targets_table_filters(reg) -> None:
    wenzhou = targets.targets_table(reg, region_code="330300")  # Longwan lies within Wenzhou
    assert set(wenzhou["document_id"]) == {"longwan_2006"}
    zhejiang = targets.targets_table(reg, region_code="330000")
    assert set(zhejiang["document_id"]) == {"longwan_2006", "zhoushan_report"}
    nation = targets.targets_table(reg, region_code="000000")
    assert len(nation) == 93 - 19  # all but the town's, whose region is unknown
    quant = targets.targets_table(reg, qualitative=False)
    assert len(quant) == sum(q for q, _ in EXPECTED_COUNTS.values())
    rates = targets.targets_table(reg, indicator="spot_check_pass_rate", qualitative=False)
    assert set(rates["document_id"]) == {"longwan_2006", "xianning_2016", "chenzhou_2010"}
    two = targets.targets_table(reg, document=["longwan_2006", "national_2025"])
    assert len(two) == 18 + 4


def test_table_errors(reg) -> None:
    with pytest.raises(ParameterError, match="unknown target document 'nope'"):
        targets.targets_table(reg, document="nope")
    with pytest.raises(ParameterError, match="unknown indicator"):
        targets.targets_table(reg, indicator="pass_rate")
    with pytest.raises(ParameterError, match="6 digits"):
        targets.targets_table(reg, region_code="3303")
    with pytest.raises(ParameterError, match="unknown target id"):
        reg.target("longwan_2006.99")


def test_vocabulary_table_lists_every_indicator_used(table) -> None:
    vocab = targets.vocabulary_table()
    assert vocab["indicator"].is_unique
    assert set(table["indicator"]) <= set(vocab["indicator"])


# ------------------------------------------------------------------------------------------
# broken files: clear messages naming file, target id and field


@pytest.mark.parametrize(
    ("fixture", "target_id", "field", "fragment"),
    [
        ("bad_threshold_type", "bad_threshold_type.01", "threshold", "must be a number"),
        ("bad_qualitative_threshold", "bad_qualitative_threshold.01", "threshold", "qualitative"),
        ("bad_indicator", "bad_indicator.01", "indicator", "did you mean 'spot_check_pass_rate'"),
        ("bad_region_code", "bad_region_code.01", "region_code", "quote it"),
        ("bad_region_code", "bad_region_code.02", "region_code", "not a known GB/T 2260"),
        ("bad_range", "bad_range.01", "range", "low must not exceed high"),
        ("bad_reference", "bad_reference.01", "reference", "is required for comparator"),
        ("bad_reference", "bad_reference.01", "unit", "must be 'pp'"),
        ("bad_reference", "bad_reference.02", "reference", "not a province-level division"),
        ("bad_deadline", "bad_deadline.01", "deadline_note", "derived deadline needs a note"),
        ("bad_deadline", "bad_deadline.02", "deadline", "not a calendar date"),
        ("bad_missing_sentence", "bad_missing_sentence.01", "source_sentence", "is required"),
        ("bad_clause", "bad_clause.01", "clause", "verbatim part of source_sentence"),
        ("bad_duplicate_key", "bad_duplicate_key.01", "threshold", "duplicate key 'threshold'"),
    ],
)
def test_broken_file_message_names_file_target_and_field(
    fixture, target_id, field, fragment
) -> None:
    path = FIXTURES / f"{fixture}.yaml"
    with pytest.raises(InputError) as info:
        targets.load_registry(path)
    matching = [
        p for p in info.value.problems
        if f"target '{target_id}'" in p.message and p.column == field and fragment in p.message
    ]  # fmt: skip
    assert len(matching) == 1, str(info.value)
    text = str(matching[0])
    assert text.startswith(str(path)) and f"column '{field}'" in text and target_id in text
    assert re.search(r"row \d+", text)  # the line in the YAML file
    assert fixture in str(info.value)


def test_all_problems_of_all_files_are_reported_together() -> None:
    files = [
        FIXTURES / "bad_reference.yaml",
        FIXTURES / "bad_region_code.yaml",
        FIXTURES / "valid_minimal.yaml",
    ]
    with pytest.raises(InputError) as info:
        targets.load_registry(files)
    assert len(info.value.problems) == 3 + 2
    assert {Path(p.file).name for p in info.value.problems} == {
        "bad_reference.yaml",
        "bad_region_code.yaml",
    }


def test_yaml_syntax_error_names_file_and_line() -> None:
    path = FIXTURES / "bad_yaml_syntax.yaml"
    with pytest.raises(InputError) as info:
        targets.load_registry(path)
    (problem,) = info.value.problems
    assert problem.file == str(path) and problem.row == 19 and "not valid YAML" in problem.message


def test_valid_minimal_fixture_loads() -> None:
    reg = targets.load_registry(FIXTURES / "valid_minimal.yaml")
    (t,) = list(reg)
    assert (t.comparator, t.threshold, t.unit, t.deadline_year) == (">=", 85.0, "pct", 2010)
    assert t.scope["check_level"] == "national"


def _mutated(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load((FIXTURES / "valid_minimal.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda r: r["targets"][0].update(comparator="at_least"), "comparator", "must be one of"),
        (lambda r: r["targets"][0].update(unit="percent"), "unit", "did you mean 'pct'"),
        (lambda r: r["targets"][0].update(unit="index"), "unit", "measured in 'pct'"),
        (lambda r: r["targets"][0].update(threshold=185), "threshold", "within 0–100"),
        (lambda r: r["targets"][0].pop("comparator"), "comparator", "is required"),
        (lambda r: r["targets"][0].update(comparator="range"), "range", "is required"),
        (lambda r: r["targets"][0].update(range=[80, 90]), "range", "not allowed"),
        (lambda r: r["targets"][0].update(id="other.01"), "id", "must be 'valid_minimal.'"),
        (lambda r: r["targets"][0].update(colour="red"), "colour", "unknown field"),
        (
            lambda r: r["targets"][0].update(scope={"check_level": "national_level"}),
            "scope",
            "one of",
        ),
        (lambda r: r["targets"][0].update(scope={"industry_code": "99"}), "scope", "GB/T 4754"),
        (
            lambda r: r["targets"][0].update(indicator="quality_rank"),
            "indicator",
            "qualitative aims only",
        ),
        (
            lambda r: r["targets"][0].update(reference={"level": "national"}),
            "reference",
            "only for",
        ),
        (
            lambda r: r["targets"][0].update(deadline=2010, deadline_basis=None),
            "deadline_basis",
            "one of",
        ),
        (lambda r: r["targets"].append(dict(r["targets"][0])), "id", "used twice"),
    ],
)
def test_rule_violations(tmp_path: Path, change, field: str, fragment: str) -> None:
    path = _mutated(tmp_path, change)
    problems = targets.validate_file(path)
    assert any(p.column == field and fragment in p.message for p in problems), problems
    assert all(p.file == str(path) for p in problems)


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda r: r.update(region_code=None), "region_note", "say why"),
        (lambda r: r.update(date="5 Sept 2006"), "date", "YYYY"),
        (lambda r: r.update(admin_level="district"), "admin_level", "one of"),
        (lambda r: r.update(id="Valid-Minimal"), "id", "lower-case"),
        (lambda r: r.pop("issuer"), "issuer", "is required"),
        (
            lambda r: r.update(phases=[{"name": "x", "start": "2007-01", "end": "2006-12"}]),
            "phases",
            "before",
        ),
    ],
)
def test_document_rule_violations(tmp_path: Path, change, field: str, fragment: str) -> None:
    problems = targets.validate_file(_mutated(tmp_path, change))
    assert any(p.column == field and fragment in p.message for p in problems), problems


def test_duplicate_document_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        shutil.copy(FIXTURES / "valid_minimal.yaml", tmp_path / sub / "valid_minimal.yaml")
    with pytest.raises(InputError, match="document id 'valid_minimal' is also used by"):
        targets.load_registry([tmp_path / "a", tmp_path / "b"])


def test_missing_and_empty_paths(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="not found"):
        targets.load_registry(tmp_path / "nope.yaml")
    with pytest.raises(NoDataError):
        targets.load_registry(tmp_path)


# ------------------------------------------------------------------------------------------
# generated documentation stays in sync


def test_schema_json_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((TARGET_DIR / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == targets.json_schema()  # the validator reads this very file


def test_schema_enums_agree_with_the_vocabulary_and_the_record_schema() -> None:
    # the codes the schema's rules refer to each have their labels in vocabulary.yaml, and the
    # check levels / years are those of the records (qualitykit.schema)
    from qualitykit import schema as record_schema

    s = targets.json_schema()
    props = s["$defs"]["target"]["properties"]
    assert [u for u in props["unit"]["enum"] if u] == list(vocabulary.UNITS)
    assert [c for c in props["comparator"]["enum"] if c] == list(vocabulary.COMPARATORS)
    level = props["scope"]["properties"]["check_level"]["anyOf"][0]["enum"]
    assert tuple(level) == record_schema.CHECK_LEVELS
    assert (props["deadline"]["minimum"], props["deadline"]["maximum"]) == (
        record_schema.YEAR_MIN,
        record_schema.YEAR_MAX,
    )


def test_vocabulary_has_chinese_and_english_labels() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for ind in vocabulary.INDICATORS.values():
        assert cjk.search(ind.zh) and not cjk.search(ind.en) and ind.en.strip(), ind.name
        assert ind.label("en", short=True) and ind.label("zh", short=True)
    for table in (vocabulary.UNIT_INFO, vocabulary.COMPARATOR_INFO):
        for code, entry in table.items():
            assert cjk.search(entry["zh"]) and not cjk.search(entry["en"]), code
    assert vocabulary.comparator_symbol(">=") == "≥"
    assert vocabulary.unit_suffix("pp", "zh") == "个百分点"


def test_readme_tables_are_up_to_date(reg) -> None:
    readme = (TARGET_DIR / "README.md").read_text(encoding="utf-8")
    assert targets.registry_markdown(reg) in readme, "run scripts/build_targets_docs.py"


def test_json_schema_alone_accepts_the_files_and_rejects_the_structural_breakages() -> None:
    # what an editor with the schema sees, without qualitykit: the files pass, the structural
    # breakages fail (region codes, dates, clauses and the vocabulary are the registry's part)
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(targets.json_schema())
    for path in TARGET_DIR.glob("*.yaml"):
        raw = registry.read_yaml(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(raw)) == [], path.name
    for name in ("bad_threshold_type", "bad_qualitative_threshold", "bad_reference",
                 "bad_missing_sentence", "bad_region_code", "bad_deadline"):  # fmt: skip
        raw = registry.read_yaml((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(raw)), name
    for name in ("bad_indicator", "bad_range", "bad_clause"):
        raw = registry.read_yaml((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(raw)) == [], name


def test_messages_come_from_the_schema() -> None:
    # the message of a type error is the schema's errorMessage annotation, not a copy in Python
    schema = targets.json_schema()
    threshold = schema["$defs"]["target"]["properties"]["threshold"]["errorMessage"]["type"]
    with pytest.raises(InputError) as info:
        targets.load_registry(FIXTURES / "bad_threshold_type.yaml")
    assert threshold in str(info.value)
    for module in (registry, targets):  # no second copy of the schema's messages in Python
        assert threshold not in Path(module.__file__).read_text(encoding="utf-8")

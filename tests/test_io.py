"""Tests of qualitykit.data.io: loading (formats, encodings, leading zeros) and validation.

There are no published reference numbers for a loader; the tests compare with independently
written expectations: the literal source table of ``tests/fixtures/make_inputs.py`` typed by hand
below, and for each file of the bad-input corpus the problem planted in it
(``tests/fixtures/bad_inputs/expected.json``: file, spreadsheet row, column, value, message).
"""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualitykit import schema
from qualitykit.data import io, regions
from qualitykit.errors import InputError, ParameterError, Problem

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good_inputs"
BAD = FIXTURES / "bad_inputs"
CASES = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))


def _load_make_inputs():
    spec = importlib.util.spec_from_file_location("make_inputs", FIXTURES / "make_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _load_make_inputs()


def expected_records() -> pd.DataFrame:
    """The source table of the fixtures, typed by hand (not by the loader)."""
    cols = list(zip(*MAKE.RECORDS, strict=True))
    return pd.DataFrame(
        {
            "batch_id": pd.array(cols[0], dtype="string"),
            "year": pd.array(cols[1], dtype="Int64"),
            "quarter": pd.array(cols[2], dtype="Int64"),
            "sampled_on": pd.to_datetime(list(cols[3])),
            "check_level": pd.Categorical(cols[4], categories=list(schema.CHECK_LEVELS)),
            "region_code": pd.array(cols[5], dtype="string"),
            "industry_code": pd.array(cols[6], dtype="string"),
            "product": pd.array(cols[7], dtype="string"),
            "enterprise_id": pd.array(cols[8], dtype="string"),
            "enterprise_size": pd.Categorical(cols[9], categories=list(schema.ENTERPRISE_SIZES)),
            "annual_sales": pd.array(cols[10], dtype="Float64"),
            "passed": np.array(cols[11], dtype=bool),
            "邮政编码": pd.array(cols[12], dtype="string"),
        }
    )


RECORD_FILES = [
    ("records_utf8.csv", "csv", "utf-8"),
    ("records_utf8_bom.csv", "csv", "utf-8-sig"),
    ("records_gb18030.csv", "csv", "gb18030"),
    ("records_gbk.csv", "csv", "gb18030"),  # GBK is a subset of GB18030
    ("records.xlsx", "xlsx", None),
    ("records_region_numbers.xlsx", "xlsx", None),
    ("records.parquet", "parquet", None),
    ("records_partitioned", "parquet", None),
]


# ------------------------------------------------------------------------------------------------
# round trips
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt", "encoding"), RECORD_FILES)
def test_every_format_and_encoding_loads_the_same_frame(name: str, fmt: str, encoding: str | None):
    report = io.validate(GOOD / name)
    assert report.ok, report.to_text()
    assert (report.kind, report.format, report.encoding) == ("records", fmt, encoding)
    pd.testing.assert_frame_equal(report.frame, expected_records())
    assert io.load_records(GOOD / name).equals(report.frame)


def test_leading_zeros_survive_in_ids_and_unknown_columns():
    for name, _, _ in RECORD_FILES:
        df = io.load_records(GOOD / name)
        assert df["batch_id"].iloc[0] == "0023001"
        assert df["enterprise_id"].iloc[0] == "000123"
        assert df["邮政编码"].iloc[6] == "010020"  # not validated, kept as text
        assert df["region_code"].iloc[2] == "110101"
        assert df["industry_code"].tolist() == ["19", "19", "38", "18", "13", "38", "19"]


def test_chinese_headers_and_values_are_mapped():
    report = io.validate(GOOD / "records_utf8_bom.csv")
    assert report.columns["地区代码"] == "region_code"
    assert report.columns["是否合格"] == "passed"
    assert report.columns["年销售额（万元）"] == "annual_sales"
    assert "extra columns kept as text: 邮政编码" in report.notes
    # 合格/不合格, 省级, 小型, 2022年, 第2季度, 2022年5月17日, "120,000.0" came out typed
    df = report.frame
    assert df["passed"].sum() == 5
    assert df.loc[2, "annual_sales"] == 120000.0


def test_region_codes_stored_as_numbers_in_xlsx_are_reported():
    ok = io.validate(GOOD / "records_region_numbers.xlsx")
    assert ok.ok
    assert any("7 region code(s) stored as numbers" in n for n in ok.notes)
    bad = io.validate(BAD / "region_code_number.xlsx")
    assert [(p.row, p.column, p.value) for p in bad.problems] == [(3, "地区代码", "33030")]


def test_gb18030_only_character(tmp_path: Path):
    name = "𠮷野家鞋业"  # U+20BB7 is outside GBK; GB18030 encodes it in four bytes
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    text = "批次编号,不合格项目\n0001,标识\n0002," + name + "\n"
    path = tmp_path / "nc.csv"
    path.write_bytes(text.encode("gb18030"))
    kind, df = io.load_table(path)
    assert kind == "nonconformities"
    assert df["item"].tolist() == ["标识", name]
    assert df["batch_id"].tolist() == ["0001", "0002"]
    assert io.validate(path).encoding == "gb18030"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(
        st.from_regex(r"0[0-9]{1,9}", fullmatch=True), min_size=1, max_size=5, unique=True
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_text_ids_round_trip_through_csv(tmp_path: Path, ids: list[str], encoding: str):
    path = tmp_path / "nc.csv"
    rows = "".join(f"{i},帮底剥离强度\n" for i in ids)
    path.write_bytes(("批次号,不合格项目\n" + rows).encode(encoding))
    df = io.load_nonconformities(path)
    assert df["batch_id"].tolist() == ids


def test_xlsx_by_sheet_name_and_index(tmp_path: Path):
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这是说明页"])
    ws = wb.create_sheet("计数")
    ws.append(["年份", "地区代码", "抽查批次", "不合格批次"])
    ws.append([2023, "330303", 10, 1])
    wb.save(path)
    for sheet in ("计数", 1):
        df = io.load_counts(path, sheet=sheet)
        assert df[["batches", "passed", "nonconforming"]].iloc[0].tolist() == [10, 9, 1]
    assert io.validate(path, sheet="计数").sheet == "计数"
    report = io.validate(path, sheet=5)
    assert "no sheet number 5" in report.problems[0].message


def test_xlsx_title_rows_above_the_header_keep_true_row_numbers(tmp_path: Path):
    path = tmp_path / "titled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年鞋类产品质量监督抽查结果"])  # row 1: a title, as in published notices
    ws.append(["年份", "地区代码", "抽查批次", "合格批次"])  # row 2: header
    ws.append([2023, "330303", 10, 9])  # row 3
    ws.append(["二〇二三", "330303", 10, 9])  # row 4
    wb.save(path)
    report = io.validate(path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(4, "年份", "二〇二三")]
    assert "row 1 above the header skipped" in report.notes


def test_xlsx_numeric_ids_and_cells_beyond_the_header(tmp_path: Path):
    path = tmp_path / "nc.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["批次编号", "不合格项目"])
    ws.append([123, "标识"])  # row 2: an id stored as a number
    ws.append(["0124", "耐折", None, "stray"])  # row 3: a value in column D, which has no header
    ws.append([None, None])  # trailing empty row: ignored
    wb.save(path)
    report = io.validate(path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, None, "stray")]
    assert "value to the right of the last header column" in report.problems[0].message
    ws.delete_cols(4)
    wb.save(path)
    report = io.validate(path)
    assert report.ok
    assert report.frame["batch_id"].tolist() == ["123", "0124"]
    assert any("'batch_id' stored as numbers" in n for n in report.notes)


def test_parquet_integer_codes_and_text_partition_keys(tmp_path: Path):
    table = pa.table(
        {
            "year": pa.array([2023, 2023], pa.int32()),
            "region_code": pa.array([330303, 33030], pa.int64()),
            "batches": pa.array([10, 5], pa.int64()),
            "passed": pa.array([9, 5], pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "c.parquet")
    report = io.validate(tmp_path / "c.parquet")
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "region_code", "33030")]
    assert any("stored as numbers" in n for n in report.notes)
    # hive partition keys are read as text: a postcode key keeps its zero
    part = pa.table(
        {
            "batch_id": ["a", "b"],
            "item": ["标识", "耐折"],
            "邮政编码": ["010020", "325000"],
        }
    )
    ds.write_dataset(part, tmp_path / "nc", format="parquet", partitioning=["邮政编码"],
                     partitioning_flavor="hive")  # fmt: skip
    df = io.load_nonconformities(tmp_path / "nc")
    assert sorted(df["邮政编码"].tolist()) == ["010020", "325000"]


def test_counts_are_typed_and_the_missing_count_is_derived():
    df = io.load_counts(GOOD / "counts.csv")
    assert df.columns.tolist() == [
        "year", "region_code", "industry_code", "batches", "passed", "nonconforming",
    ]  # fmt: skip
    assert df["batches"].dtype == "int64" and df["year"].dtype == "Int64"
    assert df["batches"].tolist() == [120, 95, 40, 1234]
    assert df["nonconforming"].tolist() == [17, 7, 0, 134]
    df2 = io.load_counts(GOOD / "counts_nonconforming.csv")
    assert df2["passed"].tolist() == [103, 88]


def test_nonconformities_categories():
    df = io.load_nonconformities(GOOD / "nonconformities.csv")
    assert df["cause_5m1e"].tolist() == ["material", "man", "material"]
    assert df["controllable"].tolist() == ["management", "operator", "management"]
    assert list(df["cause_5m1e"].cat.categories) == list(schema.CAUSES_5M1E)


def test_load_table_detects_the_kind():
    assert io.load_table(GOOD / "records_gbk.csv")[0] == "records"
    assert io.load_table(GOOD / "nonconformities.csv")[0] == "nonconformities"
    assert io.load_table(GOOD / "counts.csv")[0] == "counts"
    assert io.detect_kind(["foo"]) is None


def test_summary_figures():
    s = io.validate(GOOD / "records_utf8.csv").summary
    # 5 of the 7 literal batches passed; years 2022–2024; 6 distinct region codes
    assert s == {
        "kind": "records", "rows": 7, "year_min": 2022, "year_max": 2024, "regions": 6,
        "batches": 7, "passed": 5, "pass_rate": 5 / 7,
    }  # fmt: skip
    c = io.validate(GOOD / "counts.csv").summary
    assert (c["batches"], c["passed"]) == (120 + 95 + 40 + 1234, 103 + 88 + 40 + 1100)


# ------------------------------------------------------------------------------------------------
# the bad-input corpus
# ------------------------------------------------------------------------------------------------


def test_the_corpus_has_one_file_per_kind_of_problem():
    files = {c["file"] for c in CASES}
    assert len(files) >= 15
    on_disk = {p.name for p in BAD.iterdir()} - {"expected.json"}
    assert on_disk == files - {"does_not_exist.csv"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['row']}" for c in CASES])
def test_bad_input_reports_the_planted_problem(case: dict):
    path = BAD / case["file"]
    report = io.validate(path, sheet=case.get("sheet"))
    assert not report.ok
    assert report.frame is None
    hits = [
        p
        for p in report.problems
        if (p.file, p.row, p.column, p.value)
        == (str(path), case["row"], case["column"], case["value"])
        and case["message"] in p.message
    ]
    assert hits, f"expected {case} among\n" + "\n".join(map(str, report.problems))
    assert str(path) in str(hits[0])
    if case["row"] is not None:
        assert f"row {case['row']}" in str(hits[0])
    # the loaders raise an InputError carrying every problem
    with pytest.raises(InputError) as err:
        io.load_table(path, sheet=case.get("sheet"))
    assert err.value.problems == report.problems


@pytest.mark.parametrize(
    ("name", "count"),
    [("duplicate_batch_id.csv", 2), ("nc_duplicate_item.csv", 2), ("counts_negative.csv", 1)],
)
def test_no_extra_or_cascading_problems(name: str, count: int):
    assert io.validate(BAD / name).problem_count == count


def test_all_problems_are_collected_and_capped_only_in_print(tmp_path: Path):
    lines = ["年份,地区代码,抽查批次,合格批次"]
    lines += [f"20x{i % 10},330303,10,9" for i in range(50)]  # 50 bad years (rows 2–51)
    lines += ["2023,33030,10,11"]  # row 52: malformed code and passed > batches
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = io.validate(path)
    assert report.problem_count == len(report.problems) == 52
    assert [p.row for p in report.problems[:50]] == list(range(2, 52))
    assert report.problem_groups() == [
        ("年份", "not a whole-number year", 50),
        ("地区代码", "malformed region code: expected 6 digits (GB/T 2260), e.g. '330303'", 1),
        ("合格批次", "passed exceeds batches", 1),
    ]
    text = report.to_text()
    assert text.count("not a whole-number year (value:") == io.MAX_PROBLEMS_SHOWN
    assert "… and 30 more: column '年份': not a whole-number year" in text
    assert report.to_text(max_per_group=None).count("not a whole-number year") == 50
    with pytest.raises(io.InputFileError) as err:
        io.load_counts(path)
    assert len(err.value.problems) == 52 and "… and 30 more" in str(err.value)


def test_row_numbers_after_blank_and_ragged_lines(tmp_path: Path):
    path = tmp_path / "r.csv"
    path.write_text(
        "年份,地区代码,抽查批次,合格批次\n"
        "2023,330303,10,9\n"  # row 2
        "\n"  # row 3: blank
        "2023,330303,10,9,7\n"  # row 4: one cell too many
        "2023,330303,10,x\n"  # row 5
        "\n",  # trailing blank line: ignored silently
        encoding="utf-8",
    )
    report = io.validate(path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (4, None, None),
        (5, "合格批次", "x"),
    ]
    assert report.notes == ["1 empty row(s) ignored (row 3)"]


def test_missing_markers_and_optional_values(tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text(
        "batch_id,year,check_level,region_code,industry_code,product,enterprise_id,annual_sales,passed,quarter\n"
        "a,2023,省级,330303,19,皮鞋,e1,NA,是,Q3\n"
        "b,2023,county,330303,19,皮鞋,e2, 1,234.5 ,0,第一季度\n".replace(
            " 1,234.5 ", '" 1,234.5 "'
        ),
        encoding="utf-8",
    )
    df = io.load_records(path)
    assert df["annual_sales"].isna().tolist() == [True, False]
    assert df["annual_sales"].iloc[1] == 1234.5
    assert df["passed"].tolist() == [True, False]
    assert df["quarter"].tolist() == [3, 1]
    assert df["check_level"].tolist() == ["provincial", "county"]


def test_duplicated_headers_resolve_to_the_canonical_name(tmp_path: Path):
    path = tmp_path / "h.csv"
    path.write_text(
        "batch_id,year,check_level,region_code,industry_code,product,enterprise_id,企业名称,passed\n"
        "a,2023,national,330303,19,皮鞋,0001,温州某鞋业,合格\n",
        encoding="utf-8",
    )
    df = io.load_records(path)
    assert df["enterprise_id"].iloc[0] == "0001"
    assert df["企业名称"].iloc[0] == "温州某鞋业"


def test_kind_given_explicitly():
    report = io.validate(GOOD / "records_utf8.csv", kind="counts")
    assert any(
        p.column == "batches" and "missing required column" in p.message for p in report.problems
    )
    assert "the columns look like a records table, read as counts" in report.notes
    with pytest.raises(ParameterError):
        io.validate(GOOD / "records_utf8.csv", kind="rows")  # type: ignore[arg-type]


def test_the_loader_agrees_with_regions_is_valid_code():
    codes = ["110101", "330303", "000000", "999999", "330399", "110000", "441900", "820000"]
    for code in codes:
        assert (code in io._valid_region_codes()) == regions.is_valid_code(code), code
    assert io._valid_region_codes() == frozenset(
        c for c in regions.regions()["region_code"] if regions.is_valid_code(c)
    ) | {regions.NATIONAL_CODE}


def test_problem_objects_are_the_errors_module_type():
    report = io.validate(BAD / "region_unknown.csv")
    (p,) = report.problems
    assert isinstance(p, Problem)
    assert str(p).endswith("unknown region code: not a GB/T 2260 division (value: '999999')")


def test_sampled_on_in_the_future_is_a_problem(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text(
        "batch_id,year,sampled_on,check_level,region_code,industry_code,product,enterprise_id,passed\n"
        f"a,2023,{datetime.now().year + 1}-01-02,national,330303,19,皮鞋,e,1\n",
        encoding="utf-8",
    )
    (p,) = io.validate(path).problems
    assert (p.row, p.column) == (2, "sampled_on") and "no future dates" in p.message


# ------------------------------------------------------------------------------------------------
# the fixtures are what make_inputs.py writes
# ------------------------------------------------------------------------------------------------


def test_fixtures_are_reproducible(tmp_path: Path):
    MAKE.make_good(tmp_path / "good")
    cases = MAKE.make_bad(tmp_path / "bad")
    assert cases == CASES
    for folder, new in ((GOOD, tmp_path / "good"), (BAD, tmp_path / "bad")):
        committed = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
        assert committed == sorted(p.relative_to(new) for p in new.rglob("*") if p.is_file())
        for rel in committed:
            a, b = folder / rel, new / rel
            if rel.suffix == ".parquet" and "corrupt" not in rel.name:
                assert pq.read_table(a).equals(pq.read_table(b)), rel
            elif rel.suffix == ".xlsx" and "corrupt" not in rel.name:
                ra = list(openpyxl.load_workbook(a).active.values)
                rb = list(openpyxl.load_workbook(b).active.values)
                assert ra == rb, rel
            else:
                assert a.read_bytes() == b.read_bytes(), rel

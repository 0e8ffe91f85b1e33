"""validate with bounded memory (issue 9, item 9) and tables as published (issue 10, item 7).

Expected counts are planted by the tests themselves (e.g. 1,000 bad years written into a file),
so the count to find is known independently of the validator."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from qualitykit import cli
from qualitykit.data import problems
from qualitykit.data import validate as val


def test_examples_are_bounded_counts_are_exact(tmp_path: Path):
    path = tmp_path / "many.csv"
    path.write_text(
        "年份,地区代码,抽查批次,合格批次\n" + "20x3,330303,10,9\n" * 1000, encoding="utf-8"
    )
    report = val.validate(path)
    assert report.problem_count == 1000
    (f,) = report._findings
    assert f.kept == problems.MAX_EXAMPLES_KEPT == len(report.problems)
    assert [p.row for p in report.problems] == list(range(2, 2 + problems.MAX_EXAMPLES_KEPT))
    assert "… and 980 more: column '年份': not a whole-number year" in report.to_text()


def test_large_csv_is_validated_in_chunks_with_the_same_counts(tmp_path: Path, monkeypatch):
    header = "batch_id,year,check_level,region_code,industry_code,product,enterprise_id,passed\n"
    good = "b{i},2023,national,330303,19,皮鞋,e1,1\n"
    rows = [good.format(i=i) for i in range(3000)]
    rows[10] = "b10,20x3,national,330303,19,皮鞋,e1,1\n"  # row 12: bad year
    rows[2500] = "b2500,2023,national,999999,19,皮鞋,e1,0\n"  # row 2502: unknown code
    rows[2999] = "b7,2023,national,330303,19,皮鞋,e1,0\n"  # row 3001 duplicates row 9 (b7)
    path = tmp_path / "big.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    whole = val.validate(path)
    monkeypatch.setattr(val, "LARGE_CSV_BYTES", 1000)
    monkeypatch.setattr(val, "CHUNK_ROWS", 700)
    chunked = val.validate(path, keep_frame=False)
    assert chunked.frame is None and any("validated in chunks" in n for n in chunked.notes)
    assert chunked.problem_groups() == whole.problem_groups()
    assert [p.row for p in chunked.problems] == [p.row for p in whole.problems]
    assert chunked.summary["rows"] == 3000


def test_a_wide_file_gets_a_summarised_report(tmp_path: Path, capsys):
    n = 5000
    path = tmp_path / "wide.csv"
    header = ["年份", "抽查批次", "合格批次"] + [f"c{i}" for i in range(n)]
    path.write_text(",".join(header) + "\n" + ",".join(["2023", "x", "1"] + ["1"] * n) + "\n",
                    encoding="utf-8")  # fmt: skip
    code = cli.main(["validate", str(path), "--period", "2023"])
    out = capsys.readouterr().out
    assert code == 1
    assert len(out) < 5000  # 5,000 extra column names are not all printed
    assert f"… and {n - problems.MAX_NAMES_SHOWN:,} more" in out


def test_csv_title_rows_notes_thousands_and_percent_strings(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text(
        "2019年下半年某市产品质量监督抽查结果\n"
        "地区代码,抽检批次,合格率\n"
        '330302,"1,234",92.13%\n'
        "330303,100,90%\n"
        "注：合格率为批次合格率。\n"
        "数据来源：某市市场监管局\n",
        encoding="utf-8",
    )
    report = val.validate(path)
    assert report.ok, report.to_text()
    # round(1234 × 0.9213) = round(1136.88) = 1137; round(100 × 0.90) = 90
    assert report.frame["passed"].tolist() == [1137, 90]
    assert report.frame["batches"].tolist() == [1234, 100]
    assert report.period == {"year": 2019, "half": 2, "label": "2019年下半年", "from": "title"}
    assert report.footer == ["注：合格率为批次合格率。", "数据来源：某市市场监管局"]
    assert [p.row for p in val.validate(path, kind="counts").problems] == []


def test_xlsx_merged_title_and_percent_cells(tmp_path: Path):
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年第三季度抽查结果"])
    ws.merge_cells("A1:C1")
    ws.append(["地区代码", "抽查批次", "合格率"])
    ws.append(["330302", 200, 0.95])
    ws.cell(row=3, column=3).number_format = "0.00%"
    ws.append(["合计", 200, 0.95])
    wb.save(path)
    report = val.validate(path)
    assert report.ok, report.to_text()
    assert report.period["quarter"] == 3 and report.frame["passed"].tolist() == [190]
    assert [t["label"] for t in report.totals] == ["合计"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019H2", {"year": 2019, "half": 2}), ("2023Q3", {"year": 2023, "quarter": 3}),
     ("2021", {"year": 2021}), ("2019年下半年", {"year": 2019, "half": 2}),
     ("2023年第三季度", {"year": 2023, "quarter": 3}), ("下半年", None)],
)  # fmt: skip
def test_parse_period(text: str, expected: dict | None):
    got = val.parse_period(text)
    if expected is None:
        assert got is None
    else:
        assert {k: v for k, v in got.items() if k != "label"} == expected

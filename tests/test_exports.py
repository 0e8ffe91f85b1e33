"""Exports a policy office uses (issue 11, item 7), checked by reading them back.

* the Excel-safe CSV: BOM, codes with leading zeros kept as text (``="010100"``), formula-like text
  never a formula, proportions as percentages — read back with the ``csv`` module;
* the workbooks: openpyxl reads sheet names (≤ 31 characters, unique), number formats of the
  percentage columns, frozen header, autofilter, codes as strings with their leading zeros, and
  values equal to the machine CSVs (read independently with pandas);
* the Word report: python-docx reads the headings (the vocabulary's section headings), the tables
  (equal to the tables the report wrote, formatted here independently), the inline figures and
  the East Asian font of the runs;
* ``qualitykit run … --export`` end to end on ``sample:tiny`` for two districts (one Chinese, one
  English): files in the report folders, the run workbook, the manifest listing them, resume.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from pathlib import Path

import docx
import nbformat
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn

from qualitykit.cli import main as cli_main
from qualitykit.errors import ParameterError
from qualitykit.paths import notebooks_dir
from qualitykit.report import vocabulary
from qualitykit.report.exports import parse_formats
from qualitykit.report.exports.brief import html_table, report_docx
from qualitykit.report.exports.tables import (
    Table,
    cell_kinds,
    column_kinds,
    excel_csv_bytes,
    read_table,
    sheet_names,
)
from qualitykit.report.exports.workbook import report_workbook
from qualitykit.run.folder import inspect

NB05 = notebooks_dir() / "05_district_report.ipynb"
BOM = b"\xef\xbb\xbf"
EXCEL_DIGITS = 1e-15  # openpyxl writes 16 significant digits (Excel keeps 15): the last may differ

TABLE = (
    "region_code,name,batches,pass_rate,ci_lower,ci_upper,gap_pp,note,status\n"
    "010100,甲区,143,0.9370629370629371,0.8847197160733575,0.9665385117043683,2.5,=1+1,met\n"
    "330303,龙湾区,12,1.0,0.7575,1.0,-1.25,5-6,not_met\n"
)


@pytest.fixture
def tables(tmp_path):
    d = tmp_path / "tables"
    d.mkdir()
    (d / "areas.csv").write_text(TABLE, encoding="utf-8")
    (d / "a_table_name_longer_than_thirty_one_characters.csv").write_text(
        "year,share\n2020,0.5\n", encoding="utf-8"
    )
    return d


# ---- formats --------------------------------------------------------------------------------


def test_export_formats_are_checked():
    assert parse_formats("docx, XLSX") == ("xlsx", "docx")
    assert parse_formats("all") == ("csv", "xlsx", "docx")
    assert parse_formats(None) == ()
    with pytest.raises(ParameterError, match="unknown format 'pdf'"):
        parse_formats("xlsx,pdf")
    with pytest.raises(ParameterError, match="unknown format nothing"):
        parse_formats(",")


def test_cli_refuses_an_unknown_export_format_in_one_line(capsys):
    rc = cli_main(["run", str(NB05), "--codes", "330303", "--export", "xlsx,pdf", "--dry-run"])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert len(err.splitlines()) == 1 and "unknown format 'pdf'" in err
    assert "Traceback" not in err


# ---- the Excel-safe CSV ---------------------------------------------------------------------


def test_excel_csv_has_a_bom_keeps_codes_and_defuses_formulas(tables):
    table = read_table(tables / "areas.csv")
    kinds = column_kinds(table)
    assert kinds["region_code"] == "code" and kinds["pass_rate"] == "percent"
    assert kinds["ci_lower"] == "percent" and kinds["gap_pp"] == "pp" and kinds["batches"] == "int"
    data = excel_csv_bytes(table)
    assert data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))
    assert rows[0] == TABLE.splitlines()[0].split(",")  # the machine CSV's header
    assert rows[1][0] == '="010100"'  # Excel shows the text 010100, zeros kept
    assert rows[2][0] == '="330303"'
    assert rows[1][3] == "93.71%"  # Excel reads a percentage: 0.9371
    assert rows[1][7] == '="=1+1"'  # shown as the text =1+1, never computed
    assert rows[2][7] == '="5-6"'  # never a date (6 May)
    assert rows[1][1] == "甲区" and rows[1][8] == "met"


def test_column_kinds_do_not_turn_other_scales_into_percentages():
    table = Table(
        ["rate_ratio", "ci_lower", "item_code", "big"],
        [
            # a named rate outside [0, 1]: a number; bounds without a proportion: numbers
            ["1.5", "0.2", "12", "12345678901234567"],  # 17 digits: Excel would round them
            ["0.4", "0.3", "13", "1"],
        ],
    )
    kinds = column_kinds(table)
    assert kinds == {
        "rate_ratio": "number",
        "ci_lower": "number",
        "item_code": "code",
        "big": "code",
    }
    # a table with units by row: the observed value is a percentage where the unit is pct
    with_unit = Table(
        ["observed", "unit", "prob_meet", "ci_lower"],
        [["0.9", "pct", "0.5", "0.85"], ["84", "index", "", "80"]],
    )
    kinds = column_kinds(with_unit)
    assert kinds == {
        "observed": "by_unit",
        "unit": "text",
        "prob_meet": "percent",
        "ci_lower": "by_unit",
    }
    assert cell_kinds(with_unit, kinds) == [
        ["percent", "text", "percent", "percent"],
        ["number", "text", "percent", "number"],
    ]
    rows = list(csv.reader(io.StringIO(excel_csv_bytes(with_unit).decode("utf-8-sig"))))
    assert rows[1] == ["90.00%", "pct", "50.00%", "85.00%"] and rows[2] == ["84", "index", "", "80"]


def test_sheet_names_fit_excel():
    names = sheet_names(["a" * 40, "a" * 40, "x/y:z", "History", "目录"], taken=["目录"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[2] == "x_y_z" and names[3] != "History" and names[4] != "目录"


# ---- the workbook ---------------------------------------------------------------------------


def test_report_workbook_reads_back(tables, tmp_path):
    csvs = sorted(tables.glob("*.csv"))
    path = report_workbook(csvs, tmp_path / "r.xlsx", title="测试报告", lang="zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "目录"
    assert wb.sheetnames[1:] == ["a_table_name_longer_than_thirty", "areas"]
    ws = wb["areas"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I3"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["地区代码", "地区", vocabulary.term("batches"), "批次合格率"]
    want = pd.read_csv(tables / "areas.csv", dtype={"region_code": str})
    for i, row in enumerate(ws.iter_rows(min_row=2, values_only=True)):
        assert row[0] == want["region_code"][i] and isinstance(row[0], str)  # 010100 stays
        assert row[2] == want["batches"][i]
        for j, col in ((3, "pass_rate"), (4, "ci_lower"), (5, "ci_upper"), (6, "gap_pp")):
            assert math.isclose(row[j], want[col][i], rel_tol=EXCEL_DIGITS)
        assert row[7] == want["note"][i]  # "=1+1" too: a text, never a formula
        assert row[8] == vocabulary.status_label(want["status"][i], "zh")  # in words
    for col in "DEF":
        assert ws[f"{col}2"].number_format == "0.0%"
    assert ws["A2"].number_format == "@" and ws["A2"].data_type == "s"
    assert ws["H2"].value == "=1+1" and ws["H2"].data_type == "s"
    assert ws["G2"].number_format.startswith("+0.0")
    assert ws.column_dimensions["A"].width >= 8
    contents = wb["目录"]
    assert contents["A4"].value == "a_table_name_longer_than_thirty"
    assert contents["A4"].hyperlink.location or contents["A4"].hyperlink.target


# ---- the Word report (a notebook made here, no kernel) --------------------------------------


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _output(data: dict, metadata: dict | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})


def test_docx_from_a_notebook_reads_back(tmp_path):
    shown = pd.DataFrame({"地区": ["龙湾区", "鹿城区"], "批次合格率": ["93.7%", "90.0%"]})
    shown.index = range(1, 3)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# 说明 / About (left out)"))
    code = nbformat.v4.new_code_cell("")
    code.outputs = [
        _output({"text/markdown": "## 概况\n\n龙湾区合格率 **93.7%**。\n\n> 注：合成样本"}),
        _output({"text/html": shown.to_html(), "text/plain": str(shown)}),
        _output({"image/png": base64.b64encode(_png()).decode()}, {"image/png": {"alt": "趋势"}}),
        nbformat.v4.new_output("stream", name="stderr", text="a warning"),
    ]
    nb.cells.append(code)
    path = report_docx(nb, tmp_path / "b.docx", title="龙湾区 · 质量简报", lang="zh")
    d = docx.Document(str(path))
    texts = [(p.style.name, p.text) for p in d.paragraphs if p.text]
    assert texts[0] == ("Title", "龙湾区 · 质量简报")
    assert ("Heading 1", "概况") in texts
    assert ("Normal", "龙湾区合格率 93.7%。") in texts
    assert ("Quote", "注：合成样本") in texts
    assert not any("About" in t or "warning" in t for _, t in texts)
    assert [[c.text for c in r.cells] for r in d.tables[0].rows] == [
        ["地区", "批次合格率"],
        ["龙湾区", "93.7%"],
        ["鹿城区", "90.0%"],
    ]
    assert len(d.inline_shapes) == 1
    for p in d.paragraphs:
        for r in p.runs:
            if r.text:
                assert r._r.rPr.rFonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei")


def test_html_table_drops_the_index_and_keeps_text():
    df = pd.DataFrame({"a": ["<x>", "1 & 2"]}, index=[1, 2])
    assert html_table(df.to_html()) == [["a"], ["<x>"], ["1 & 2"]]
    assert html_table("<p>no table</p>") is None


# ---- end to end: qualitykit run --export on sample:tiny -------------------------------------


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


@pytest.fixture(scope="module")
def export_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("export")
    sets = base / "sets.csv"
    sets.write_text("region_code,lang\n330303,zh\n330302,en\n", encoding="utf-8")
    out = base / "run"
    args = ["run", str(NB05), "--params", str(sets), "-p", "data_source", "sample:tiny"]
    args += ["--out", str(out), "--workers", "1", "--no-progress", "--export", "xlsx,docx,csv"]
    rc = cli_main(args)
    assert rc == 0
    return out, args


@pytest.mark.notebook
@pytest.mark.slow
def test_batch_exports_are_listed_and_owned(export_run):
    out, _ = export_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["exports"] == ["csv", "xlsx", "docx"]
    for t in manifest["tasks"]:
        key = t["key"]
        assert t["outputs"]["xlsx"] == f"05_district_report/{key}/{key}.xlsx"
        assert t["outputs"]["docx"] == f"05_district_report/{key}/{key}.docx"
        assert t["outputs"]["csv"] == f"05_district_report/{key}/excel"
        for rel in t["outputs"].values():
            assert (out / rel).exists()
            assert ((out / rel).stat().st_mode & 0o777) in (0o644, 0o755, 0o664, 0o775)
        machine = sorted(p.name for p in (out / t["outputs"]["tables"]).glob("*.csv"))
        excel = sorted(p.name for p in (out / t["outputs"]["csv"]).glob("*.csv"))
        assert excel == machine and machine
        for name in excel:
            assert (out / t["outputs"]["csv"] / name).read_bytes().startswith(BOM)
    assert (out / "index.xlsx").is_file()
    assert inspect(out).foreign == []  # the exports are the program's own
    assert not list(out.rglob("*.qk-tmp"))


@pytest.mark.notebook
@pytest.mark.slow
def test_batch_workbook_equals_the_tables(export_run):
    out, _ = export_run
    folder = out / "05_district_report" / "330303"
    wb = openpyxl.load_workbook(folder / "330303.xlsx")
    csvs = sorted((folder / "tables").glob("*.csv"))
    assert wb.sheetnames == ["目录"] + [p.stem for p in csvs]
    for p in csvs:
        want = pd.read_csv(p, dtype=str, keep_default_na=False)
        ws = wb[p.stem]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(want)
        for j, col in enumerate(want.columns):
            for i, text in enumerate(want[col]):
                got = rows[i][j]
                if text == "":
                    assert got is None
                elif col in ("region_code", "city_code", "province_code", "target_id"):
                    assert got == text  # text, as written
                elif col in ("pass_rate", "ci_lower", "ci_upper", "share", "cum_share"):
                    assert math.isclose(got, float(text), rel_tol=EXCEL_DIGITS)
                    assert ws.cell(row=i + 2, column=j + 1).number_format == "0.0%"
    areas = wb["areas"]
    assert areas["B1"].value == "地区代码" and areas["B2"].value == "330303"


@pytest.mark.notebook
@pytest.mark.slow
def test_run_workbook_is_the_index_with_links(export_run):
    out, _ = export_run
    wb = openpyxl.load_workbook(out / "index.xlsx")
    ws = wb["索引"]
    header = [c.value for c in ws[1]]
    assert header[0] == "代码" and "批次合格率" in header and header[-1] == "Word 简报"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    summary = json.loads(
        (out / "05_district_report/330303/tables/summary.json").read_text(encoding="utf-8")
    )
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"330303", "330302"}
    j = header.index("批次合格率")
    assert rows["330303"][j] == pytest.approx(summary["pass_rate"], abs=0)
    assert ws.cell(row=2, column=j + 1).number_format == "0.0%"
    links = {c.hyperlink.target for c in ws[2] if c.hyperlink}
    key = ws["A2"].value
    assert f"05_district_report/{key}/{key}.docx" in links
    assert f"05_district_report/{key}/{key}.html" in links


def _section_headings(lang: str) -> set[str]:
    keys = ("overview", "trend", "position", "funnel", "pareto_items", "targets")
    return {vocabulary.term(k, lang) for k in keys}


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize(("key", "lang"), [("330303", "zh"), ("330302", "en")])
def test_batch_word_report_reads_back(export_run, key, lang):
    out, _ = export_run
    folder = out / "05_district_report" / key
    d = docx.Document(str(folder / f"{key}.docx"))
    summary = json.loads((folder / "tables" / "summary.json").read_text(encoding="utf-8"))
    paras = [(p.style.name, p.text) for p in d.paragraphs if p.text]
    assert paras[0] == ("Title", summary["title"])
    headings = [t for s, t in paras if s.startswith("Heading")]
    assert headings and set(headings) <= _section_headings(lang)
    assert vocabulary.term("overview", lang) in headings
    text = "\n".join(t for _, t in paras)
    if lang == "en":
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(headings))
    else:
        assert "批次合格率" in text
    # the areas table, formatted here from the machine CSV as the notebook shows it
    areas = pd.read_csv(folder / "tables" / "areas.csv")
    want = [
        [vocabulary.term(c, lang) for c in ("name", "batches", "pass_rate", "ci_lower", "ci_upper")]
    ]
    want += [
        [r.name, str(r.batches), _pct(r.pass_rate), _pct(r.ci_lower), _pct(r.ci_upper)]
        for r in areas.itertuples()
    ]
    assert [[c.text for c in r.cells] for r in d.tables[0].rows] == want
    # the figures: as many inline pictures as images the executed notebook shows
    nb = nbformat.read(str(folder / f"{key}.ipynb"), as_version=4)
    images = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert images >= 1 and len(d.inline_shapes) == images
    fonts = {r._r.rPr.rFonts.get(qn("w:eastAsia")) for p in d.paragraphs for r in p.runs if r.text}
    assert fonts <= {"SimSun", "SimHei"} and "SimSun" in fonts


@pytest.mark.notebook
@pytest.mark.slow
def test_resume_keeps_exported_reports_and_reruns_those_without(export_run, tmp_path):
    out, args = export_run
    rc = cli_main([a for a in args if a != "--no-progress"] + ["--resume", "--no-progress"])
    assert rc == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {t["reason"] for t in manifest["tasks"]} == {"reused"}
    assert inspect(out).foreign == []


@pytest.mark.notebook
def test_resume_with_new_exports_reruns_only_what_lacks_them(tmp_path):
    from qualitykit import run as batch

    nb = Path(__file__).parent / "fixtures" / "notebooks" / "fault_report.ipynb"
    out = tmp_path / "run"
    sets = [{"region_code": "330302"}, {"region_code": "330303"}]
    batch.run_batch(nb, sets, out, batch.RunOptions(workers=1, progress=False))
    assert not (out / "index.xlsx").exists()  # without --export nothing is exported
    assert not list(out.rglob("*.xlsx")) and not list(out.rglob("*.docx"))
    opts = batch.RunOptions(workers=1, progress=False, resume=True, export=("xlsx", "docx"))
    result = batch.run_batch(nb, sets, out, opts)
    assert {t["reason"] for t in result.manifest["tasks"]} == {"re-run: exports requested"}
    for t in result.manifest["tasks"]:
        assert (out / t["outputs"]["xlsx"]).is_file() and (out / t["outputs"]["docx"]).is_file()
        d = docx.Document(str(out / t["outputs"]["docx"]))
        assert d.paragraphs[0].text == f"地区 {t['key']}" and len(d.inline_shapes) == 1
    assert (out / "index.xlsx").is_file() and inspect(out).foreign == []
    again = batch.run_batch(nb, sets, out, opts)
    assert {t["reason"] for t in again.manifest["tasks"]} == {"reused"}


def test_index_workbook_formats_links_and_never_formulas(tmp_path):
    from qualitykit.report.exports.workbook import index_workbook
    from qualitykit.report.publish import IndexColumn

    columns = [
        IndexColumn("key", "代码"),
        IndexColumn("name", "区县"),
        IndexColumn("pass_rate", "批次合格率", "rate"),
        IndexColumn("gap_pp", "差距", "pp"),
        IndexColumn("status", "状态", values={"ok": "完成"}),
    ]
    rows = [
        {
            "key": "010100",
            "name": '=HYPERLINK("http://x")',
            "pass_rate": 0.9371,
            "gap_pp": -1.5,
            "status": "ok",
            "outputs": {"html": "nb/010100/010100.html", "docx": "nb/010100/010100.docx"},
        },
        {"key": "330303", "name": "龙湾区", "pass_rate": None, "status": "failed", "outputs": {}},
    ]
    path = index_workbook(tmp_path / "index.xlsx", rows, columns, title="=标题", lang="zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "索引"] and wb["说明"]["A1"].data_type == "s"
    ws = wb["索引"]
    assert [c.value for c in ws[1]] == [
        "代码",
        "区县",
        "批次合格率",
        "差距",
        "状态",
        "报告页面",
        "Word 简报",
    ]
    assert ws["A2"].value == "010100" and ws["A2"].data_type == "s"
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"
    assert ws["C2"].value == 0.9371 and ws["C2"].number_format == "0.0%"
    assert ws["D2"].number_format.startswith("+0.0") and ws["E2"].value == "完成"
    assert ws["C3"].value is None and ws["E3"].value == "failed"
    assert ws["A2"].hyperlink.target == "nb/010100/010100.html"
    assert ws["G2"].hyperlink.target == "nb/010100/010100.docx" and ws["G3"].hyperlink is None
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G3"


def test_index_workbook_shows_rank_intervals_as_the_page_does(tmp_path):
    """An ``interval`` column (the rank interval) is the page's text "3–5 / 11", not the mean rank."""
    from qualitykit.report.exports.workbook import index_workbook
    from qualitykit.report.publish import IndexColumn

    rank = IndexColumn("rank_mean", "排名区间", "interval", parts=("rank_lower", "rank_upper", "n"))
    rows = [
        {"key": "330302", "rank_mean": 4.0, "rank_lower": 3, "rank_upper": 5, "n": 11},
        {"key": "330303", "rank_mean": 7.5, "rank_lower": 7, "rank_upper": 7, "n": 11},
        {"key": "330304", "rank_mean": None, "rank_lower": None, "rank_upper": None, "n": 11},
    ]
    cols = [IndexColumn("key", "代码"), rank]
    path = index_workbook(tmp_path / "index.xlsx", rows, cols, title="区县简报")
    ws = openpyxl.load_workbook(path)["索引"]
    assert [ws.cell(r, 2).value for r in (2, 3, 4)] == ["3–5 / 11", "7 / 11", None]

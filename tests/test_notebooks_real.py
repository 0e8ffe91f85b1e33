"""The notebooks on the real published tables of ``data/examples`` (issue 10).

Every notebook 00–05 runs through the batch runner on each shape it supports — counts from CSV and
XLSX with Chinese headers (巴中 with its 经开区 and 合计 row, 苍南 by check level, the national 2021
table by channel) and item counts (浙江 2014 Q2 children's shoes) — in Chinese and in English, and
on the shapes it does not support, to show their notes (``tests/golden/cases.py``, ``REAL``).

* The tables each case writes must equal ``tests/golden/<notebook>/real_<case>/`` (regenerate with
  ``python tests/golden/update.py --real`` after an intended change, and read the diff).
* A section the data's shape cannot feed shows its heading and the data layer's one-line note
  (``Source.unsupported``), no error and no figure.
* Independently of the golden files, the written tables must agree with the numbers as published
  — typed here from the sources named in ``data/examples/README.md``, sums worked by hand in the
  comments, intervals recomputed from their textbook formulas.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import cases

from example_data import BAZHONG, BAZHONG_TOTAL

pytestmark = pytest.mark.notebook

CJK = re.compile(r"[\u4e00-\u9fff]")


# 2014年第二季度浙江省童鞋不合格项目 (https://m.cqn.com.cn/ms/content/2014-06/04/content_2213044.htm):
# 标识 4, 标志 1, 感官质量 3, 耐磨性能 3, Cr(Ⅵ) 六价铬 2, 游离甲醛(内底) 2, 鞋里和内底摩擦色牢度(沾色) 1 = 16
ITEMS = {
    "标识": 4,
    "标志": 1,
    "感官质量": 3,
    "耐磨性能": 3,
    "Cr(Ⅵ) 六价铬": 2,
    "游离甲醛(内底)": 2,
    "鞋里和内底摩擦色牢度(沾色)": 1,
}

# the one-line notes of Source.unsupported (qualitykit.data.source), in both languages
UNSUPPORTED = ("不支持本节，故略去", "本数据没有，故略去", "needs other data and is left out",
               "which these data lack; left out")  # fmt: skip


def wilson(passed: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927; Newcombe 1998, method 3), from its formula."""
    p = passed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module", params=list(cases.REAL))
def run(request, tmp_path_factory):
    """One batch run per notebook: every real-table case (warm kernels, two workers)."""
    name = request.param
    return name, cases.run_real(name, tmp_path_factory.mktemp(name) / "run")


def _executed(result, params) -> nbformat.NotebookNode:
    task = cases.task_of(result, cases.real_params(params))
    return nbformat.read(str(result.run_dir / task["outputs"]["ipynb"]), as_version=4)


def _outputs(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """The outputs in order: ("md", text), ("png", ""), ("error", text), ("stream", text)."""
    out = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if o.get("output_type") == "error":
                out.append(("error", o.get("ename", "")))
            elif "text/markdown" in data:
                out.append(("md", data["text/markdown"]))
            elif "image/png" in data:
                out.append(("png", ""))
    return out


def _tables(result, params) -> Path:
    return cases.tables_of(result, cases.real_params(params))


def _csv(result, params, name: str) -> pd.DataFrame:
    return pd.read_csv(_tables(result, params) / name, dtype={"region_code": str})


@pytest.mark.slow
def test_every_real_case_runs(run):
    name, result = run
    for case, params in cases.REAL[name].items():
        task = cases.task_of(result, cases.real_params(params))
        assert task["status"] == "ok", f"{name}/{case}: {task['error']}"


@pytest.mark.slow
def test_written_tables_equal_the_golden_files(run):
    name, result = run
    for case, params in cases.REAL[name].items():
        want = cases.golden_files(name, case)
        got = cases.written_files(_tables(result, params), real=True)
        problems = cases.compare_folder(got, want)
        assert not problems, f"{name}/{case} differs from tests/golden:\n" + "\n".join(
            problems[:20]
        )


@pytest.mark.slow
def test_unsupported_sections_show_their_note_and_nothing_else(run):
    """No error in any case; a section the shape cannot feed is its heading and one note — no
    figure, no table — and the item-count cases of 01 and 03 (no batches) have such notes."""
    name, result = run
    for case, params in cases.REAL[name].items():
        outs = _outputs(_executed(result, params))
        assert not [t for k, t in outs if k == "error"], f"{name}/{case}: an error is shown"
        sections: list[list[tuple[str, str]]] = []
        for kind, text in outs:
            if kind == "md" and text.startswith("## "):
                sections.append([(kind, text)])
            elif sections:
                sections[-1].append((kind, text))
        noted = [s for s in sections if len(s) > 1 and any(u in s[1][1] for u in UNSUPPORTED)]
        for s in noted:
            assert s[1][1].startswith("> "), s
            assert len(s) == 2, f"{name}/{case}: {s[0][1]!r} has its note and more: {s[2:]}"
        if "item_counts" in case and name in ("01_quality_trends", "03_regional_benchmark"):
            assert noted, f"{name}/{case}: no section says item counts cannot feed it"


@pytest.mark.slow
def test_what_a_notebook_cannot_do_is_one_clear_line(run):
    name, result = run
    for params, fragment in cases.REAL_BAD.get(name, []):
        task = cases.task_of(result, cases.real_params(params))
        assert task["status"] == "failed"
        assert task["error"].startswith("ParameterError: ") and fragment in task["error"]
        errors = [
            o
            for c in _executed(result, params).cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        assert len(errors) == 1
        shown = "\n".join(errors[0]["traceback"])
        assert fragment in shown and "Traceback" not in shown and "File " not in shown


@pytest.mark.slow
def test_english_cases_are_in_english(run):
    name, result = run
    for params in cases.REAL[name].values():
        if params.get("lang") != "en":
            continue
        texts = [t for k, t in _outputs(_executed(result, params)) if k == "md"]
        headings = [t for t in texts if t.startswith("## ")]
        assert headings and not any(CJK.search(h) for h in headings), headings
        # names stay Chinese (经开区, 标识) and the table's own note and source lines are quoted
        # as published ("- 注：…", "- 数据来源：…"); every generated sentence is English
        lines = [ln for t in texts if not t.startswith("## ") for ln in t.splitlines()]
        chinese = [ln for ln in lines if re.search(r"[。，；]", ln)]
        assert all(re.match(r"[-> ]*[\u4e00-\u9fff]", ln) for ln in chinese), chinese


# ------------------------------------------------------------------------------------------
# the published numbers, independently of the golden files
# ------------------------------------------------------------------------------------------


def _check_bazhong_units(df: pd.DataFrame) -> None:
    got = df.set_index("region_code")
    assert sorted(got.index) == sorted(BAZHONG)  # 6 units: the 经开区 kept, no 合计 row
    for code, (name, batches, passed) in BAZHONG.items():
        assert got.at[code, "name_zh"] == name
        assert (got.at[code, "batches"], got.at[code, "passed"]) == (batches, passed)
        assert got.at[code, "pass_rate"] == pytest.approx(passed / batches, rel=1e-12)


@pytest.mark.slow
def test_published_numbers(run):
    name, result = run
    real = cases.REAL[name]
    b, p = BAZHONG_TOTAL
    if name in ("00_national_context", "01_quality_trends"):
        params = real["real_counts_xlsx" if name.startswith("00") else "real_counts_csv"]
        table = "own_yearly_rates.csv" if name.startswith("00") else "yearly_rates.csv"
        row = _csv(result, params, table).iloc[0]
        # the period given (2024, an assumption: see data/examples/README.md), 合计 555 / 497
        assert (row["year"], row["batches"], row["passed"], row["nonconforming"]) == (
            2024,
            b,
            p,
            58,
        )
        assert row["pass_rate"] == pytest.approx(0.8955, abs=5e-5)  # 合格率 89.55 % as published
        lo, hi = wilson(p, b)
        assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    if name == "01_quality_trends":
        # 2021 national by channel: 16,356 + 9,280 = 25,636 batches as the 合计 row states; the
        # nonconforming derived from the rounded rates: round(16356 × 0.098) = 1603,
        # round(9280 × 0.164) = 1522 → 3,125 (the table states 3,120), passed 25,636 − 3,125
        row = _csv(result, real["real_channels"], "yearly_rates.csv").iloc[0]
        assert (row["year"], row["batches"], row["nonconforming"]) == (2021, 25636, 3125)
        # 苍南 2010: the itemised levels, 省级 244 / 223 + 市级 246 / 203 = 490 / 426 (the
        # three-level total 828 / 722 is a total row, cross-checked, not a part)
        row = _csv(result, real["real_levels_en"], "yearly_rates.csv").iloc[0]
        assert (row["year"], row["batches"], row["passed"]) == (2010, 490, 426)
    if name == "02_pareto_causes":
        for case in ("real_item_counts_csv", "real_item_counts_en"):
            items = _csv(result, real[case], "pareto_items.csv")
            assert dict(zip(items["item"], items["count"], strict=True)) == ITEMS
            assert items["cum_count"].iloc[-1] == 16
            assert items["share"].iloc[0] == pytest.approx(4 / 16)  # 标识, the largest
    if name == "03_regional_benchmark":
        for case in ("real_counts_xlsx", "real_counts_csv_en"):
            units = _csv(result, real[case], "units.csv")
            _check_bazhong_units(units)
            # the centre is the data's own total of 巴中市: 497 / 555
            assert units["parent_rate"].unique().tolist() == [pytest.approx(p / b, rel=1e-12)]
            for code, (_, n, k) in BAZHONG.items():
                lo, hi = wilson(k, n)
                r = units.set_index("region_code").loc[code]
                assert (r["ci_lower"], r["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    if name == "05_district_report":
        for case, code in (("real_counts_xlsx", "511902"), ("real_zone_en", "X511900-01")):
            summary = json.loads(
                (_tables(result, real[case]) / "summary.json").read_text(encoding="utf-8")
            )
            _, n, k = BAZHONG[code]
            assert summary["region_code"] == code
            assert (summary["batches"], summary["passed"]) == (n, k)
            assert summary["pass_rate"] == pytest.approx(k / n, rel=1e-12)


@pytest.mark.slow
def test_reports_say_what_the_parent_and_the_total_row_are(run):
    """巴中: the comparison parent is the data's own total of 巴中市 — never 四川省 / 全省 /
    全国 — and the 合计 row is said to be excluded."""
    name, result = run
    if name not in ("03_regional_benchmark", "05_district_report"):
        pytest.skip("the parent is compared in 03 and 05")
    case = "real_counts_xlsx"
    text = "\n".join(t for k, t in _outputs(_executed(result, cases.REAL[name][case])) if k == "md")
    assert "本数据中巴中市合计" in text
    assert not any(w in text for w in ("四川省", "全省", "全国"))
    assert "合计" in text.replace("本数据中巴中市合计", "")  # the excluded total row is named
    assert "经开区" in text

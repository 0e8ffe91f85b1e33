"""The README's "From a published table to a report", run as written (issue 10, "Done when").

The real published table of 巴中市 (a development zone, 经开区, and a 合计 row; no year) goes through
``qualitykit validate`` → notebooks 02, 03 and 05 → a batch run of 05 for every unit within
511900, by the commands of the README's fenced ``bash`` block — each run in a subprocess, in a
scratch folder holding copies of ``data/examples`` and the notebooks, without editing the data.
The docs stay true: a command that stops working, or a README block that changes shape, fails
here. Expected numbers are typed from the source (表3 各行政区域抽查情况,
https://m.ryxmt.com.cn/channel/xfts/20241101/475655_2.html).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## From a published table to a report"
CLI = [sys.executable, "-c", "import sys; from qualitykit.cli import main; sys.exit(main())"]
UNITS = {"511902", "511903", "511921", "511922", "511923", "X511900-01"}
"""巴州区, 恩阳区, 通江县, 南江县, 平昌县 and the declared 经开区: the table's six units."""


def readme_commands() -> list[str]:
    """The commands of the section's ``bash`` block (one per line)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the section should have one bash block of commands"
    lines = [ln.strip() for ln in blocks[0].splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_the_readme_block_is_the_whole_path():
    commands = readme_commands()
    assert [c.split()[1] for c in commands] == ["validate", "run", "run", "run"]
    assert all(c.startswith(".venv/bin/qualitykit ") for c in commands)
    notebooks = [shlex.split(c)[2] for c in commands[1:]]
    assert notebooks == [
        "notebooks/02_pareto_causes.ipynb",
        "notebooks/03_regional_benchmark.ipynb",
        "notebooks/05_district_report.ipynb",
    ]
    assert "--each district --within 511900" in commands[-1]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Every command run in a scratch copy of the project's examples and notebooks."""
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "data" / "examples", work / "data" / "examples")
    (work / "notebooks").mkdir()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(nb, work / "notebooks" / nb.name)
    results = []
    for command in readme_commands():
        args = shlex.split(command)
        proc = subprocess.run(
            [*CLI, *args[1:]], cwd=work, capture_output=True, text=True, timeout=1200
        )
        results.append((command, proc))
    return work, results


def test_every_command_exits_0(ran):
    _, results = ran
    for command, proc in results:
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr


def test_validate_excludes_the_total_row_and_resolves_the_zone(ran):
    _, results = ran
    out = results[0][1].stdout
    # 127 + 85 + 18 + 132 + 99 + 94 = 555 batches; 117 + 76 + 16 + 117 + 86 + 85 = 497 passed
    assert "OK — counts, 6 rows, year 2024, 6 regions" in out
    assert "(497 of 555 batches)" in out
    assert "total row 9 '合计' excluded (stated: batches 555, passed 497, nonconforming 58)" in out
    assert "X511900-01 经开区 (in 511900 巴中市)" in out


def _markdown(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: an error is shown"
    return [
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]


def test_02_says_in_one_line_that_counts_have_no_items(ran):
    work, _ = ran
    texts = _markdown(work / "outputs/bazhong-02/02_pareto_causes/511900/511900.ipynb")
    assert "> 本数据为汇总计数，不支持本节，故略去。" in texts
    assert not list((work / "outputs/bazhong-02").rglob("*.png"))  # no (empty) figure


def test_03_compares_six_units_with_the_datas_own_total(ran):
    work, _ = ran
    folder = work / "outputs/bazhong-03/03_regional_benchmark/511900"
    texts = "\n".join(_markdown(folder / "511900.ipynb"))
    assert "本数据中巴中市合计" in texts and "497 / 555" in texts
    assert not any(w in texts for w in ("四川省", "全省", "全国"))
    units = (folder / "tables" / "units.csv").read_text(encoding="utf-8").splitlines()
    assert {ln.split(",")[0] for ln in units[1:]} == UNITS  # the zone kept, 合计 not a unit


def test_05_batch_run_gives_the_zone_its_own_report(ran):
    work, _ = ran
    run = work / "outputs/bazhong-05"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    tasks = manifest["tasks"]
    assert {t["params"]["region_code"] for t in tasks} == UNITS
    assert all(t["status"] == "ok" for t in tasks)
    for t in tasks:
        summary = json.loads(
            (run / Path(t["outputs"]["ipynb"]).parent / "tables" / "summary.json").read_text(
                encoding="utf-8"
            )
        )
        # the parent is the data's own total of 巴中市, labelled as such: 497 / 555
        assert summary["parent_code"] == "511900"
        assert summary["parent_label"] == "本数据中巴中市合计"
        assert summary["parent_pass_rate"] == pytest.approx(497 / 555)
        assert summary["n_districts"] == 6
        assert summary["trend_pp"] is None  # one period: no trend
        if t["params"]["region_code"] == "X511900-01":
            assert (summary["name"], summary["batches"], summary["passed"]) == ("经开区", 18, 16)
    zone = run / "05_district_report" / "X511900-01"
    texts = "\n".join(_markdown(zone / "X511900-01.ipynb"))
    assert "第 9 行“合计”为合计行，未计入数据" in texts  # the total row, said
    assert "非标准单位 经开区（代码 X511900-01，上级 巴中市）作为独立单位保留" in texts
    assert not any(w in texts for w in ("四川省", "全省", "全国"))
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "经开区" in index and (zone / "X511900-01.html").is_file()

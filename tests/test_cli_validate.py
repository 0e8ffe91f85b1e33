"""Tests of ``qualitykit validate`` (qualitykit.cli): exit codes, printed summaries and problems.

The expected problems are the ones planted in the bad-input corpus
(``tests/fixtures/bad_inputs/expected.json``, written by ``tests/fixtures/make_inputs.py``); the
expected summary figures are counted by hand from the fixture table (7 batches, 5 passed,
years 2022–2024, 6 distinct region codes). No published figures are involved.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qualitykit import cli
from qualitykit.errors import ParameterError

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good_inputs"
BAD = FIXTURES / "bad_inputs"
CASES = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))

RECORDS_SUMMARY = (
    "OK — records, 7 rows, years 2022–2024, 6 regions, pass rate 71.4 % (5 of 7 batches)"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected_line(case: dict) -> tuple[str, str]:
    """The start of the printed problem line, and the text that must follow it."""
    head = str(BAD / case["file"])
    if case["row"] is not None:
        head += f", row {case['row']}"
    if case["column"] is not None:
        head += f", column '{case['column']}'"
    tail = "" if case["value"] is None else f"(value: {case['value']!r})"
    return head + ": ", tail


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['row']}" for c in CASES])
def test_each_bad_file_prints_its_problem_and_exits_1(capsys, case: dict):
    argv = ["validate", str(BAD / case["file"])]
    if "sheet" in case:
        argv += ["--sheet", case["sheet"]]
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err == ""
    head, tail = expected_line(case)
    lines = [ln.strip() for ln in out.splitlines()]
    hits = [
        ln for ln in lines if ln.startswith(head) and case["message"] in ln and ln.endswith(tail)
    ]
    assert hits, f"{head!r} … {case['message']!r} … {tail!r} not in:\n{out}"
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "name",
    [
        "records_utf8.csv",
        "records_utf8_bom.csv",
        "records_gb18030.csv",
        "records_gbk.csv",
        "records.xlsx",
        "records.parquet",
        "records_partitioned",
    ],
)
def test_good_records_exit_0_with_the_summary(capsys, name: str):
    code, out, _ = run(capsys, "validate", str(GOOD / name))
    assert code == 0
    assert out.splitlines()[0].startswith(f"{GOOD / name}: {RECORDS_SUMMARY} [")


def test_good_counts_and_nonconformities(capsys):
    code, out, _ = run(
        capsys, "validate", str(GOOD / "counts.csv"), str(GOOD / "nonconformities.csv")
    )
    assert code == 0
    # counts.csv: 120 + 95 + 40 + 1234 = 1489 batches, 103 + 88 + 40 + 1100 = 1331 passed
    assert (
        "OK — counts, 4 rows, years 2022–2024, 3 regions, pass rate 89.4 % (1,331 of 1,489 batches)"
        in out
    )
    assert "OK — nonconformities, 3 rows, 2 batches, 3 distinct items" in out
    assert out.rstrip().endswith("2 files: 2 OK, 0 with problems")


def test_one_bad_file_among_good_ones_exits_1(capsys):
    code, out, _ = run(
        capsys, "validate", str(GOOD / "records_utf8.csv"), str(BAD / "region_unknown.csv")
    )
    assert code == 1
    assert RECORDS_SUMMARY in out
    assert "2 files: 1 OK, 1 with problems" in out


def test_json_report(capsys):
    code, out, _ = run(
        capsys,
        "validate",
        "--json",
        str(GOOD / "records.xlsx"),
        str(BAD / "duplicate_batch_id.csv"),
    )
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    good, bad = doc["files"]
    assert good["ok"] and good["kind"] == "records" and good["sheet"] == "抽查记录"
    assert good["summary"]["pass_rate"] == pytest.approx(5 / 7)
    assert good["columns"]["地区代码"] == "region_code"
    assert bad["problem_count"] == 2
    assert bad["problems"][0] == {
        "file": str(BAD / "duplicate_batch_id.csv"),
        "row": 2,
        "column": "batch_id",
        "value": "0023001",
        "message": "duplicated batch_id (also in row 4)",
    }
    assert bad["problem_groups"] == [
        {"column": "batch_id", "message": "duplicated batch_id", "count": 2}
    ]


def test_kind_and_max_problems_options(tmp_path: Path, capsys):
    path = tmp_path / "many.csv"
    path.write_text("年份,抽查批次,合格批次\n" + "abc,1,1\n" * 30, encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--max-problems", "3", str(path))
    assert code == 1
    assert out.count("not a whole-number year (value: 'abc')") == 3
    assert "… and 27 more: column '年份': not a whole-number year" in out
    code, out, _ = run(capsys, "validate", "--max-problems", "0", str(path))
    assert out.count("not a whole-number year (value: 'abc')") == 30
    code, out, _ = run(capsys, "validate", "--kind", "records", str(GOOD / "counts.csv"))
    assert code == 1
    assert "missing required column 'batch_id'" in out


def test_internal_error_is_one_line_exit_2(monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("qualitykit.data.io.validate", boom)
    code, out, err = run(capsys, "validate", str(GOOD / "counts.csv"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: RuntimeError: something broke" in err


def test_qualitykit_error_is_a_message_exit_1(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise ParameterError("kind must be one of records, nonconformities, counts")

    monkeypatch.setattr("qualitykit.data.io.validate", refuse)
    code, _, err = run(capsys, "validate", str(GOOD / "counts.csv"))
    assert code == 1
    assert (
        err == "qualitykit validate: error: kind must be one of records, nonconformities, counts\n"
    )


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "validate")[0] == 2
    assert run(capsys, "validate", "--kind", "rows", "x.csv")[0] == 2
    assert run(capsys, "nonsense")[0] == 2
    assert run(capsys, "--version")[0] == 0


def test_the_registry_makes_a_new_subcommand_one_function(capsys):
    def args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--n", type=int, default=1)

    @cli.command("zz-test", help="a test command", arguments=args)
    def cmd(ns: argparse.Namespace) -> int:
        print(f"n={ns.n}")
        return 0

    try:
        assert list(cli.COMMANDS)[0] == "validate"
        assert run(capsys, "zz-test", "--n", "3")[:2] == (0, "n=3\n")
        with pytest.raises(ValueError, match="registered twice"):
            cli.command("zz-test", help="again")(cmd)
    finally:
        del cli.COMMANDS["zz-test"]


def test_installed_entry_point_has_no_traceback():
    """The console script of pyproject (``qualitykit = "qualitykit.cli:main"``) end to end."""
    exe = Path(sys.executable).with_name("qualitykit")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "qualitykit.cli"]
    proc = subprocess.run(
        [*argv, "validate", str(GOOD / "counts.csv"), str(BAD / "binary_garbage.csv"),
         str(BAD / "does_not_exist.csv")],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "NUL byte at byte offset 8" in proc.stdout
    assert "does_not_exist.csv: file not found" in proc.stdout
